"""The anslag (secretary), the public anslagstavla with its feed, and the justerat protokoll
as the public reads it: frozen HTML and the unsigned public PDF, never the signed original."""

from datetime import UTC, datetime

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app.accounts import permissions
from app.bodies.models import Body
from app.core.dates import local_today
from app.core.loading import HIDDEN, loaded
from app.core.views import handle_form, pdf_response, stored_pdf_response
from app.justering import services as justering
from app.justering.models import RecordRevision
from app.meetings.models import Meeting
from app.publication import services
from app.publication.feed import anslagstavla_feed
from app.publication.forms import PostingForm
from app.publication.models import Posting

bp = Blueprint("publication", __name__)


# -- the secretary's anslag ------------------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/anslag", methods=["GET", "POST"])
@login_required
@loaded("meeting_id", Meeting, permissions.can_post_meeting_anslag)
def anslag(meeting: Meeting):
    today = local_today()
    form = PostingForm()
    if not form.is_submitted():
        form.posted_on.data = today
        form.kept_at.data = services.default_kept_at(meeting.body)
    revision = services.revision_to_post(meeting)
    justered = justering.justered_on(revision) if revision else None
    deadline = services.latest_posting_day(justered) if justered else None
    return handle_form(
        form,
        lambda data: services.post_anslag(current_user, meeting, **data),
        template="publication/anslag.html",
        success_url=lambda posting: (
            url_for(".anslag", meeting_id=meeting.id) + f"#posting-{posting.id}"
        ),
        success_message=_("The anslag is posted on the anslagstavla."),
        meeting=meeting,
        today=today,
        revision=revision,
        justered=justered,
        deadline=deadline,
        preview_last_day=services.appeal_last_day(today),
        preview_takedown=services.takedown_day(today),
        problems=services.posting_problems(meeting),
        notices=[services.notice_of(p) for p in services.postings_of(meeting)],
    )


# -- the anslagstavla ------------------------------------------------------------------------------


@bp.get("/anslagstavla")
def board():
    today = local_today()
    notices = [services.notice_of(p) for p in services.current_postings(today)]
    return render_template("publication/board.html", notices=notices, today=today, archive=False)


@bp.get("/anslagstavla/arkiv")
def archive():
    today = local_today()
    notices = [services.notice_of(p) for p in services.archived_postings(today)]
    return render_template("publication/board.html", notices=notices, today=today, archive=True)


@bp.get("/anslagstavla.atom")
def feed():
    notices = [services.notice_of(p) for p in services.current_postings()]
    xml = anslagstavla_feed(
        notices,
        authority=request.host.split(":")[0],
        board_url=url_for(".board", _external=True),
        feed_url=url_for(".feed", _external=True),
        notice_url=lambda n: url_for(".notice", posting_id=n.posting.id, _external=True),
        updated=datetime.now(UTC),
    )
    return Response(xml, mimetype="application/atom+xml")


# A non-public body's notices are not disclosed: refused as if they did not exist.
@bp.get("/anslagstavla/<int:posting_id>")
@loaded("posting_id", Posting, permissions.can_view_posting, refusal=HIDDEN)
def notice(posting: Posting):
    return render_template(
        "publication/notice.html",
        notice=services.notice_of(posting),
        is_current=services.is_current(posting),
        today=local_today(),
    )


@bp.get("/anslag/<int:posting_id>/anslagsbevis.pdf")
@loaded("posting_id", Posting, permissions.can_view_posting, refusal=HIDDEN)
def certificate(posting: Posting):
    """The anslagsbevis as stored when posted: public like the notice itself."""
    pdf = services.certificate_pdf(posting)
    if pdf is None:
        abort(404)
    return pdf_response(pdf, f"Anslagsbevis {posting.meeting.file_stem}.pdf")


# -- the justerat protokoll ------------------------------------------------------------------------


def _public_revision(
    meeting: Meeting, number: int | None
) -> tuple[RecordRevision, list[RecordRevision]]:
    """A justerad revision of the protokoll, with all the justerade ones; none is a 404."""
    revisions = justering.justered_revisions(meeting)
    if number is None:
        revision = revisions[-1] if revisions else None
    else:
        revision = next((r for r in revisions if r.number == number), None)
    if revision is None:
        abort(404)
    return revision, revisions


def _protocol_page(meeting: Meeting, number: int | None):
    revision, revisions = _public_revision(meeting, number)
    if not revision.public_html:
        abort(404)
    posting, signed_by = services.posting_with_signer(revision)
    return render_template(
        "publication/protocol.html",
        meeting=meeting,
        revision=revision,
        justered_on=justering.justered_on(revision),
        revisions=[(r, justering.justered_on(r)) for r in revisions],
        latest=revisions[-1],
        notice=services.notice_of(posting, signed_by=signed_by) if posting else None,
    )


def _protocol_pdf(meeting: Meeting, number: int | None):
    revision, _revisions = _public_revision(meeting, number)
    # Only the unsigned public copy: the signed original may carry personal data.
    if not revision.public_pdf_sha256:
        abort(404)
    suffix = f" rättelse {revision.number}" if revision.is_correction else ""
    return stored_pdf_response(
        revision.public_pdf_sha256, f"Protokoll {meeting.file_stem}{suffix}.pdf"
    )


# What is not a protokoll the reader may see is a 404 (its existence is not disclosed). The
# meeting comes with its body, organisation and term at once.
public_protocol = loaded(
    "meeting_id",
    Meeting,
    permissions.can_read_public_protocol,
    refusal=HIDDEN,
    options=(joinedload(Meeting.body).joinedload(Body.organisation), joinedload(Meeting.term)),
)


@bp.get("/protokoll/<int:meeting_id>")
@public_protocol
def protocol(meeting: Meeting):
    return _protocol_page(meeting, None)


@bp.get("/protokoll/<int:meeting_id>/<int:number>")
@public_protocol
def protocol_revision(meeting: Meeting, number: int):
    return _protocol_page(meeting, number)


@bp.get("/protokoll/<int:meeting_id>.pdf")
@public_protocol
def protocol_pdf(meeting: Meeting):
    return _protocol_pdf(meeting, None)


@bp.get("/protokoll/<int:meeting_id>/<int:number>.pdf")
@public_protocol
def protocol_revision_pdf(meeting: Meeting, number: int):
    return _protocol_pdf(meeting, number)
