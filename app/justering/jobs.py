"""Justering's kinds of job: signing the minutes, signing a protokoll and sending it to
justering (also a rättelse), and a signatory's approval (her signature).

Each only calls its domain service; the services hold the rules and never commit, so a job
that fails leaves everything as it was. ``create_app`` registers them
(``register_job_kinds``); app.jobs runs them without knowing them.
"""

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from app.agenda.jobs import job_meeting, may_manage_meeting, meeting_label
from app.core.errors import DomainError
from app.extensions import db
from app.jobs.models import Job
from app.jobs.services import JobKind, ProgressFn, register_kind
from app.justering.models import RoundStatus, Signoff
from app.justering.services import (
    NotYourSignature,
    approve,
    finalise_and_sign_minutes,
    send_to_justering,
    unnotified,
)

SIGN_MINUTES = "sign_minutes"
SEND_TO_JUSTERING = "send_to_justering"
APPROVE_JUSTERING = "approve_justering"


# -- signing the minutes ----------------------------------------------------------------------


def _run_sign_minutes(job: Job, progress: ProgressFn) -> dict[str, Any]:
    meeting = job_meeting(job)
    progress(10, _("Finalising and signing the minutes"))
    revision = finalise_and_sign_minutes(job.started_by, meeting)
    return {"revision": revision.number, "sha256": revision.signed_pdf_sha256}


SIGN_MINUTES_KIND = JobKind(
    name=SIGN_MINUTES,
    run=_run_sign_minutes,
    may_start=may_manage_meeting,
    title=lambda job: _("Signing the minutes of %(meeting)s", meeting=meeting_label(job)),
    back=lambda job: url_for("record.show", meeting_id=job.arguments["meeting_id"]),
    links=lambda job: [
        (
            _("The signed minutes (PDF)"),
            url_for(
                "justering.signed_original",
                meeting_id=job.arguments["meeting_id"],
                number=(job.result or {}).get("revision", 1),
            ),
        )
    ],
    done_messages=lambda job: [
        ("success", _("The minutes are final and signed by the secretary."))
    ],
)


# -- a protokoll: signed by the secretary and sent to justering (also a rättelse) -------------


def _run_send_to_justering(job: Job, progress: ProgressFn) -> dict[str, Any]:
    meeting = job_meeting(job)
    progress(10, _("Signing the protokoll and sending it to justering"))
    sent = send_to_justering(
        job.started_by,
        meeting,
        review_url=lambda round_id: url_for("justering.review", round_id=round_id, _external=True),
    )
    return {
        "round": sent.round.id,
        "mail_problem": sent.mail_problem,
        "unnotified": [person.name for person in unnotified(sent.round)],
    }


def _sent_messages(job: Job) -> list[tuple[str, str]]:
    result = job.result or {}
    messages = [("success", _("The protokoll is signed by you and sent to justering."))]
    if result.get("mail_problem"):
        messages.append(
            (
                "error",
                _(
                    "The notifications could not be mailed: %(reason)s",
                    reason=result["mail_problem"],
                ),
            )
        )
    if result.get("unnotified"):
        messages.append(
            (
                "warning",
                _(
                    "No email address on file for %(names)s: tell them yourself.",
                    names=", ".join(result["unnotified"]),
                ),
            )
        )
    return messages


def _round_links(job: Job) -> list[tuple[str, str]]:
    round_id = (job.result or {}).get("round")
    if round_id is None:
        return []
    return [
        (
            _("The protokoll as signed so far (PDF)"),
            url_for("justering.round_pdf", round_id=round_id),
        ),
        (_("The justering"), url_for("justering.review", round_id=round_id)),
    ]


SEND_TO_JUSTERING_KIND = JobKind(
    name=SEND_TO_JUSTERING,
    run=_run_send_to_justering,
    may_start=may_manage_meeting,
    title=lambda job: _(
        "Signing the protokoll of %(meeting)s and sending it to justering",
        meeting=meeting_label(job),
    ),
    back=lambda job: url_for("record.show", meeting_id=job.arguments["meeting_id"]),
    links=_round_links,
    done_messages=_sent_messages,
)


# -- a signatory approves: her signature in the round's PDF -----------------------------------


def _signoff(job: Job) -> Any:
    signoff = db.session.get(Signoff, job.arguments.get("signoff_id"))
    if signoff is None:
        raise DomainError(_("This round of justering is closed."))
    return signoff


def _run_approve(job: Job, progress: ProgressFn) -> dict[str, Any]:
    signoff = _signoff(job)
    progress(10, _("Signing the protokoll"))
    justering = approve(job.started_by, signoff)
    # Written out here (or at the job's commit): an answer another signatory saved since this
    # one read the round fails the round's version check (StaleDataError), and run_job makes
    # the approval again on top of hers (conflict_retries below).
    db.session.flush()
    return {"round": justering.id, "justerat": justering.status == RoundStatus.COMPLETED}


def _may_answer(user: Any, job: Job) -> bool:
    signoff = db.session.get(Signoff, job.arguments.get("signoff_id"))
    return signoff is not None and getattr(user, "person_id", None) == signoff.person_id


def _approved_messages(job: Job) -> list[tuple[str, str]]:
    return [("success", _("You have approved and signed the protokoll."))]


def _explain_approve(error: Exception) -> str | None:
    if isinstance(error, StaleDataError):
        return _("Another signatory answered at the same moment. Please look again and answer.")
    if isinstance(error, NotYourSignature):
        return _("Only the signatory herself can approve her signature.")
    return None


def _approval_label(job: Job) -> str:
    signoff = db.session.get(Signoff, job.arguments.get("signoff_id"))
    if signoff is None:
        return ""
    meeting = signoff.round.meeting
    return f"{meeting.title}"


APPROVE_JUSTERING_KIND = JobKind(
    name=APPROVE_JUSTERING,
    run=_run_approve,
    may_start=_may_answer,
    title=lambda job: _(
        "Your approval of the protokoll of %(meeting)s", meeting=_approval_label(job)
    ),
    back=lambda job: url_for("justering.review", round_id=job.arguments["round_id"]),
    links=_round_links,
    done_messages=_approved_messages,
    explain=_explain_approve,
    # Two signatories approving at once: the later one signs on top of the earlier one's
    # PDF, never beside it (which would lose a signature).
    conflict_retries=3,
)


def register_job_kinds() -> None:
    """Make justering's kinds of job known to app.jobs (called by create_app)."""
    register_kind(SIGN_MINUTES_KIND)
    register_kind(SEND_TO_JUSTERING_KIND)
    register_kind(APPROVE_JUSTERING_KIND)
