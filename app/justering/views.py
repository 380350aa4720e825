"""Justering: sending, reviewing, approving or rejecting; rättelse; the signed originals."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.permissions import can_manage_body, can_view_body, is_member
from app.core.errors import DomainError
from app.core.forms import ConfirmForm
from app.core.views import confirmed_post, pdf_response, stored_pdf_response
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


def _managed_meeting(meeting_id: int) -> Meeting:
    meeting = db.get_or_404(Meeting, meeting_id)
    if not can_manage_body(current_user, meeting.body):
        abort(403)
    return meeting


def _visible_round(round_id: int) -> JusteringRound:
    """The secretary's side and the round's own signatories see a round; nobody else."""
    justering = db.get_or_404(JusteringRound, round_id)
    person_id = getattr(current_user, "person_id", None)
    if not (
        can_manage_body(current_user, justering.meeting.body)
        or any(s.person_id == person_id for s in justering.signoffs)
    ):
        abort(403)
    return justering


def _own_signoff(signoff_id: int) -> Signoff:
    signoff = db.get_or_404(Signoff, signoff_id)
    if getattr(current_user, "person_id", None) != signoff.person_id:
        abort(403)
    return signoff


@bp.post("/meetings/<int:meeting_id>/justering")
@login_required
@confirmed_post
def send(meeting_id: int):
    """The secretary signs and sends: a refusal is said at once; rendering and signing run as
    a background job (justering.send_to_justering holds the rules and checks them again)."""
    meeting = _managed_meeting(meeting_id)
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


@bp.get("/justering/<int:round_id>")
@login_required
def review(round_id: int, reject_form: RejectForm | None = None):
    justering = _visible_round(round_id)
    meeting = justering.meeting
    mine = next(
        (s for s in justering.signoffs if s.person_id == getattr(current_user, "person_id", None)),
        None,
    )
    items = list(meeting.items)
    return render_template(
        "justering/review.html",
        justering=justering,
        meeting=meeting,
        items=items,
        record=record_view(meeting, items),
        mine=mine,
        deadline=services.deadline_status(meeting),
        reject_form=reject_form or RejectForm(),
        confirm=ConfirmForm(),
    )


@bp.get("/justering/<int:round_id>.pdf")
@login_required
def round_pdf(round_id: int):
    justering = _visible_round(round_id)
    return pdf_response(
        services.round_pdf(justering),
        f"Protokoll {justering.meeting.file_stem} justering {justering.number}.pdf",
    )


@bp.post("/justering/signoffs/<int:signoff_id>/approve")
@login_required
@confirmed_post
def approve(signoff_id: int):
    """A signatory approves: a refusal is said at once; her signature is made by a background
    job (justering.approve holds the rules and checks them again)."""
    signoff = _own_signoff(signoff_id)
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
def reject(signoff_id: int):
    signoff = _own_signoff(signoff_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            services.reject(current_user, signoff, comment=form.comment.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        except StaleDataError:
            db.session.rollback()
            flash(_simultaneous(), "error")
        else:
            flash(_("The protokoll is sent back to the secretary with your comment."), "success")
            return redirect(url_for(".review", round_id=signoff.round_id))
    else:
        flash(_("Please correct the errors marked below."), "error")
    return review(signoff.round_id, reject_form=form), 422


@bp.route("/meetings/<int:meeting_id>/rattelse", methods=["GET", "POST"])
@login_required
def correction(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            services.start_correction(current_user, meeting, reason=form.reason.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            if error.field == "reason":
                form.reason.errors = [*form.reason.errors, error.message]
            else:
                flash(error.message, "error")
        else:
            flash(
                _("The rättelse is open: correct the record and send it to justering again."),
                "success",
            )
            return redirect(url_for("record.show", meeting_id=meeting.id))
    elif form.is_submitted():
        flash(_("Please correct the errors marked below."), "error")
    status = 422 if form.is_submitted() else 200
    return render_template("justering/correction.html", meeting=meeting, form=form), status


@bp.get("/meetings/<int:meeting_id>/record/<int:number>/original.pdf")
@login_required
def signed_original(meeting_id: int, number: int):
    """The signed original stays internal: the secretary's side and the body's members."""
    meeting = db.get_or_404(Meeting, meeting_id)
    if not (can_manage_body(current_user, meeting.body) or is_member(current_user, meeting.body)):
        abort(403)
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
        and can_view_body(current_user, archived.meeting.body)
    )
    status = 422 if form.is_submitted() and result is None else 200
    return render_template(
        "justering/verify.html", form=form, result=result, readable=readable
    ), status
