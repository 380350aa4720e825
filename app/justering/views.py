"""Justering: sending, reviewing, approving or rejecting; rättelse; the signed originals."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from app.accounts import permissions
from app.core.errors import DomainError
from app.core.forms import ConfirmForm
from app.core.loading import loaded
from app.core.views import confirmed_post, handle_form, pdf_response, stored_pdf_response
from app.extensions import db
from app.jobs.services import active_job, start_job
from app.jobs.views import follow_job
from app.justering import jobs as kinds
from app.justering import services
from app.justering.forms import CorrectionForm, RejectForm, VerifyForm
from app.justering.models import JusteringRound, RecordRevision, Signoff
from app.justering.verification import verify_upload
from app.meetings.models import Meeting
from app.record.rendering import record_view

bp = Blueprint("justering", __name__)


@bp.post("/meetings/<int:meeting_id>/justering")
@login_required
@confirmed_post
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def send(meeting: Meeting):
    """The secretary signs and sends: a refusal is said at once; rendering and signing run as
    a background job (justering.send_to_justering holds the rules and checks them again)."""
    try:
        services.check_sendable(current_user, meeting)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("record.show", meeting_id=meeting.id))
    db.session.rollback()  # checking wrote nothing worth keeping
    job = active_job(kinds.SEND_TO_JUSTERING, current_user, meeting_id=meeting.id) or start_job(
        current_user,
        kinds.SEND_TO_JUSTERING,
        arguments={"meeting_id": meeting.id},
        body_id=meeting.body_id,
    )
    return follow_job(job)


@bp.post("/justering/<int:round_id>/remind")
@login_required
@confirmed_post
@loaded("round_id", JusteringRound, permissions.can_manage_round, into="justering")
def remind(justering: JusteringRound):
    """Påminn: the service decides who (those who have not answered) and refuses a second
    reminder soon after the first."""
    target = url_for("record.show", meeting_id=justering.meeting_id)
    try:
        reminded = services.remind_signatories(
            current_user,
            justering,
            review_url=url_for(".review", round_id=justering.id, _external=True),
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(target)
    flash(
        _(
            "A reminder was sent to %(names)s.",
            names=", ".join(s.person.name for s in reminded),
        ),
        "success",
    )
    return redirect(target)


@bp.get("/justering/<int:round_id>")
@login_required
@loaded("round_id", JusteringRound, permissions.can_view_round, into="justering")
def review(justering: JusteringRound):
    return render_template(
        "justering/review.html", reject_form=RejectForm(), **_review_context(justering)
    )


def _review_context(justering: JusteringRound) -> dict:
    """The round's page: the record as sent, and the reader's own signoff if she has one."""
    meeting = justering.meeting
    items = list(meeting.items)
    return {
        "justering": justering,
        "meeting": meeting,
        "items": items,
        "view": record_view(meeting, items),
        "mine": next(
            (s for s in justering.signoffs if permissions.is_own_signoff(current_user, s)), None
        ),
        "deadline": services.deadline_status(meeting),
        "confirm": ConfirmForm(),
    }


@bp.get("/justering/<int:round_id>.pdf")
@login_required
@loaded("round_id", JusteringRound, permissions.can_view_round, into="justering")
def round_pdf(justering: JusteringRound):
    return pdf_response(
        services.round_pdf(justering),
        f"Protokoll {justering.meeting.file_stem} justering {justering.number}.pdf",
    )


@bp.post("/justering/signoffs/<int:signoff_id>/approve")
@login_required
@confirmed_post
@loaded("signoff_id", Signoff, permissions.is_own_signoff)
def approve(signoff: Signoff):
    """A signatory approves: a refusal is said at once; her signature is made by a background
    job (justering.approve holds the rules and checks them again)."""
    try:
        services.check_answerable(current_user, signoff)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".review", round_id=signoff.round_id))
    job = active_job(kinds.APPROVE_JUSTERING, current_user, signoff_id=signoff.id) or start_job(
        current_user,
        kinds.APPROVE_JUSTERING,
        arguments={"signoff_id": signoff.id, "round_id": signoff.round_id},
        # Her own signature: followed by her (and admins), not by the body's secretaries.
        body_id=None,
    )
    return follow_job(job)


def _simultaneous() -> str:
    return _("Another signatory answered at the same moment. Please look again and answer.")


@bp.post("/justering/signoffs/<int:signoff_id>/reject")
@login_required
@loaded("signoff_id", Signoff, permissions.is_own_signoff)
def reject(signoff: Signoff):
    form = RejectForm()

    def save(data: dict) -> None:
        try:
            services.reject(current_user, signoff, **data)
            db.session.flush()  # a signatory who answered at the same moment shows here
        except StaleDataError:
            raise DomainError(_simultaneous()) from None

    return handle_form(
        form,
        save,
        template="justering/review.html",
        success_url=lambda _result: url_for(".review", round_id=signoff.round_id),
        success_message=_("The protokoll is sent back to the secretary with your comment."),
        reject_form=form,
        **_review_context(signoff.round),
    )


@bp.route("/meetings/<int:meeting_id>/rattelse", methods=["GET", "POST"])
@login_required
@loaded("meeting_id", Meeting, permissions.can_manage_meeting)
def correction(meeting: Meeting):
    return handle_form(
        CorrectionForm(),
        lambda data: services.start_correction(current_user, meeting, **data),
        template="justering/correction.html",
        success_url=lambda _result: url_for("record.show", meeting_id=meeting.id),
        success_message=_(
            "The rättelse is open: correct the record and send it to justering again."
        ),
        meeting=meeting,
    )


@bp.get("/meetings/<int:meeting_id>/record/<int:number>/original.pdf")
@login_required
@loaded("meeting_id", Meeting, permissions.gets_signed_original)
def signed_original(meeting: Meeting, number: int):
    """The signed original stays internal: the secretary's side and the body's members."""
    revision = db.session.query(RecordRevision).filter_by(meeting_id=meeting.id, number=number)
    revision = revision.first()
    if revision is None or not revision.signed_pdf_sha256 or revision.justered_at is None:
        abort(404)
    title = record_view(meeting, []).title.capitalize()
    suffix = f" rättelse {number}" if revision.is_correction else ""
    return stored_pdf_response(
        revision.signed_pdf_sha256,
        f"{title} {meeting.file_stem}{suffix} signerat original.pdf",
    )


@bp.route("/verifiera", methods=["GET", "POST"])
def verify():
    """Anyone may check a protokoll: its signatures, and whether it is the archived one."""
    form = VerifyForm()
    result = None
    if form.validate_on_submit():
        data = form.file.data.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
        if len(data) > current_app.config["MAX_UPLOAD_BYTES"]:
            form.file.errors = [_("The file is too large to check.")]
        else:
            result = verify_upload(data)
    elif form.is_submitted():
        flash(_("Please correct the errors marked below."), "error")
    # The archived record the file is, or whose signatures it carries.
    archived = (result.revision or result.related) if result is not None else None
    readable = (
        archived is not None
        # A justerat record is readable by all who see its body, also during a rättelse.
        and permissions.can_view_body(current_user, archived.meeting.body)
    )
    status = 422 if form.is_submitted() and result is None else 200
    return render_template(
        "justering/verify.html", form=form, result=result, readable=readable
    ), status
