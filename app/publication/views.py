"""The anslag (secretary), the public anslagstavla with its feed, and the justerat protokoll
as the public reads it: frozen HTML and the unsigned public PDF, never the signed original."""

from datetime import UTC, datetime

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.permissions import can_post_anslag, can_view_body
from app.bodies.models import Body, RecordType
from app.core.dates import local_today
from app.core.views import handle_form, pdf_response, stored_pdf_response
from app.extensions import db
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
def anslag(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    if not can_post_anslag(current_user, meeting.body):
        abort(403)
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


def _visible_posting(posting_id: int) -> Posting:
    posting = db.get_or_404(Posting, posting_id)
    if not can_view_body(current_user, posting.meeting.body):
        abort(404)  # a non-public body's existence is not disclosed
    return posting


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


@bp.get("/anslagstavla/<int:posting_id>")
def notice(posting_id: int):
    posting = _visible_posting(posting_id)
    return render_template(
        "publication/notice.html",
        notice=services.notice_of(posting),
        is_current=services.is_current(posting),
        today=local_today(),
    )


@bp.get("/anslag/<int:posting_id>/anslagsbevis.pdf")
def certificate(posting_id: int):
    """The anslagsbevis as stored when posted: public like the notice itself."""
    posting = _visible_posting(posting_id)
    pdf = services.certificate_pdf(posting)
    if pdf is None:
        abort(404)
    return pdf_response(pdf, f"Anslagsbevis {posting.meeting.file_stem}.pdf")


# -- the justerat protokoll ------------------------------------------------------------------------


def _public_revision(
    meeting_id: int, number: int | None
) -> tuple[Meeting, RecordRevision, list[RecordRevision]]:
    """A justerad revision of a protokoll the reader may see, with all the justerade ones;
    anything else is a 404. The meeting comes with its body, organisation and term at once."""
    meeting = db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(joinedload(Meeting.body).joinedload(Body.organisation), joinedload(Meeting.term))
    )
    if meeting is None:
        abort(404)
    if meeting.body.record_type != RecordType.PROTOCOL or not can_view_body(
        current_user, meeting.body
    ):
        abort(404)
    revisions = justering.justered_revisions(meeting)
    if number is None:
        revision = revisions[-1] if revisions else None
    else:
        revision = next((r for r in revisions if r.number == number), None)
    if revision is None:
        abort(404)
    return meeting, revision, revisions


def _protocol_page(meeting_id: int, number: int | None):
    meeting, revision, revisions = _public_revision(meeting_id, number)
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


def _protocol_pdf(meeting_id: int, number: int | None):
    meeting, revision, _revisions = _public_revision(meeting_id, number)
    # Only the unsigned public copy: the signed original may carry personal data.
    if not revision.public_pdf_sha256:
        abort(404)
    suffix = f" rättelse {revision.number}" if revision.is_correction else ""
    return stored_pdf_response(
        revision.public_pdf_sha256, f"Protokoll {meeting.file_stem}{suffix}.pdf"
    )


@bp.get("/protokoll/<int:meeting_id>")
def protocol(meeting_id: int):
    return _protocol_page(meeting_id, None)


@bp.get("/protokoll/<int:meeting_id>/<int:number>")
def protocol_revision(meeting_id: int, number: int):
    return _protocol_page(meeting_id, number)


@bp.get("/protokoll/<int:meeting_id>.pdf")
def protocol_pdf(meeting_id: int):
    return _protocol_pdf(meeting_id, None)


@bp.get("/protokoll/<int:meeting_id>/<int:number>.pdf")
def protocol_revision_pdf(meeting_id: int, number: int):
    return _protocol_pdf(meeting_id, number)
