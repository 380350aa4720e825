"""The built-in kinds of job: the handlingar packet, signing the minutes, sending the kallelse,
signing a protokoll and sending it to justering, and a signatory's approval (her signature).

Each only calls its domain service; the services hold the rules and never commit, so a job
that fails leaves everything as it was. Exports and other long work register their own kinds
with ``app.jobs.services.register_kind``.
"""

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from app.accounts import permissions
from app.core.errors import DomainError
from app.core.mail import MailError
from app.documents.packet import PacketError
from app.extensions import db
from app.jobs.models import Job
from app.jobs.services import JobKind, ProgressFn, register_kind
from app.meetings.models import Meeting

PACKET = "packet"
SIGN_MINUTES = "sign_minutes"
KALLELSE = "kallelse"
SEND_TO_JUSTERING = "send_to_justering"
APPROVE_JUSTERING = "approve_justering"


def _meeting(job: Job) -> Meeting:
    meeting = db.session.get(Meeting, job.arguments.get("meeting_id"))
    if meeting is None:
        raise DomainError(_("The meeting no longer exists."))
    return meeting


def _may_manage(user: Any, job: Job) -> bool:
    meeting = db.session.get(Meeting, job.arguments.get("meeting_id"))
    return meeting is not None and permissions.can_manage_body(user, meeting.body)


def _meeting_label(job: Job) -> str:
    meeting = db.session.get(Meeting, job.arguments.get("meeting_id"))
    if meeting is None:
        return ""
    return f"{meeting.heading} {meeting.meeting_date.isoformat()}"


# -- the handlingar packet --------------------------------------------------------------------


def _run_packet(job: Job, progress: ProgressFn) -> dict[str, Any]:
    from app.agenda.rendering import packet_pdf

    meeting = _meeting(job)

    def report(stage: str, done: int, total: int) -> None:
        if stage == "documents":
            progress(
                10 + 70 * done // max(total, 1),
                _("Adding document %(done)d of %(total)d", done=done, total=total),
            )
        elif stage == "stamping":
            progress(85, _("Numbering the %(pages)d pages", pages=total))
        else:
            progress(95, _("Saving the handlingar"))

    progress(5, _("Rendering the agenda"))
    # Nothing is written until the end: the progress, committed on its own connection, must
    # not wait for a lock this transaction would hold (SQLite).
    with db.session.no_autoflush:
        pdf = packet_pdf(meeting, progress=report)
    return {"sha256": meeting.packet_pdf_sha256, "bytes": len(pdf)}


def _explain_packet(error: Exception) -> str | None:
    if isinstance(error, PacketError):
        return _("The handlingar could not be put together: %(reason)s", reason=str(error))
    return None


register_kind(
    JobKind(
        name=PACKET,
        run=_run_packet,
        may_start=lambda user, job: (
            (meeting := db.session.get(Meeting, job.arguments.get("meeting_id"))) is not None
            and permissions.can_read_agenda_documents(user, meeting)
        ),
        title=lambda job: _("Handlingar for %(meeting)s", meeting=_meeting_label(job)),
        back=lambda job: url_for("meetings.show", meeting_id=job.arguments["meeting_id"]),
        links=lambda job: [
            (
                _("Open the handlingar (PDF)"),
                url_for("agenda.packet_pdf_file", meeting_id=job.arguments["meeting_id"]),
            )
        ],
        explain=_explain_packet,
    )
)


# -- signing the minutes ----------------------------------------------------------------------


def _run_sign_minutes(job: Job, progress: ProgressFn) -> dict[str, Any]:
    from app.justering.services import finalise_and_sign_minutes

    meeting = _meeting(job)
    progress(10, _("Finalising and signing the minutes"))
    revision = finalise_and_sign_minutes(job.started_by, meeting)
    return {"revision": revision.number, "sha256": revision.signed_pdf_sha256}


register_kind(
    JobKind(
        name=SIGN_MINUTES,
        run=_run_sign_minutes,
        may_start=_may_manage,
        title=lambda job: _("Signing the minutes of %(meeting)s", meeting=_meeting_label(job)),
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
)


# -- the kallelse -----------------------------------------------------------------------------


def _run_kallelse(job: Job, progress: ProgressFn) -> dict[str, Any]:
    from app.agenda.kallelse import send_kallelse

    meeting = _meeting(job)
    progress(10, _("Preparing the kallelse"))
    dispatch = send_kallelse(
        job.started_by,
        meeting,
        meeting_url=job.arguments["meeting_url"],
        packet_url=job.arguments["packet_url"],
    )
    return {"sent": len(dispatch.recipients), "failed": list(dispatch.failed)}


def _kallelse_messages(job: Job) -> list[tuple[str, str]]:
    result = job.result or {}
    messages = [
        ("success", _("The kallelse was sent to %(n)d recipients.", n=result.get("sent", 0)))
    ]
    if result.get("failed"):
        messages.append(
            (
                "error",
                _(
                    "The mail server refused the address of: %(names)s. "
                    "Check their email addresses.",
                    names=", ".join(result["failed"]),
                ),
            )
        )
    return messages


def _explain_kallelse(error: Exception) -> str | None:
    if isinstance(error, MailError):
        return _(
            "The kallelse was not sent: the mail server could not be used (%(detail)s). "
            "Nothing was recorded as sent; try again later.",
            detail=error.message,
        )
    if isinstance(error, DomainError):
        return _("The kallelse was not sent: %(reason)s", reason=error.message)
    return None


register_kind(
    JobKind(
        name=KALLELSE,
        run=_run_kallelse,
        may_start=_may_manage,
        title=lambda job: _("The kallelse to %(meeting)s", meeting=_meeting_label(job)),
        back=lambda job: url_for("agenda.editor", meeting_id=job.arguments["meeting_id"]),
        done_messages=_kallelse_messages,
        explain=_explain_kallelse,
    )
)


# -- a protokoll: signed by the secretary and sent to justering (also a rättelse) -------------


def _run_send_to_justering(job: Job, progress: ProgressFn) -> dict[str, Any]:
    from app.justering.services import send_to_justering, unnotified

    meeting = _meeting(job)
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


register_kind(
    JobKind(
        name=SEND_TO_JUSTERING,
        run=_run_send_to_justering,
        may_start=_may_manage,
        title=lambda job: _(
            "Signing the protokoll of %(meeting)s and sending it to justering",
            meeting=_meeting_label(job),
        ),
        back=lambda job: url_for("record.show", meeting_id=job.arguments["meeting_id"]),
        links=_round_links,
        done_messages=_sent_messages,
    )
)


# -- a signatory approves: her signature in the round's PDF -----------------------------------


def _signoff(job: Job) -> Any:
    from app.justering.models import Signoff

    signoff = db.session.get(Signoff, job.arguments.get("signoff_id"))
    if signoff is None:
        raise DomainError(_("This round of justering is closed."))
    return signoff


def _run_approve(job: Job, progress: ProgressFn) -> dict[str, Any]:
    from app.justering.models import RoundStatus
    from app.justering.services import approve

    signoff = _signoff(job)
    progress(10, _("Signing the protokoll"))
    justering = approve(job.started_by, signoff)
    # Written out here (or at the job's commit): an answer another signatory saved since this
    # one read the round fails the round's version check (StaleDataError), and run_job makes
    # the approval again on top of hers (conflict_retries below).
    db.session.flush()
    return {"round": justering.id, "justerat": justering.status == RoundStatus.COMPLETED}


def _may_answer(user: Any, job: Job) -> bool:
    from app.justering.models import Signoff

    signoff = db.session.get(Signoff, job.arguments.get("signoff_id"))
    return signoff is not None and getattr(user, "person_id", None) == signoff.person_id


def _approved_messages(job: Job) -> list[tuple[str, str]]:
    return [("success", _("You have approved and signed the protokoll."))]


def _explain_approve(error: Exception) -> str | None:
    from app.justering.services import NotYourSignature

    if isinstance(error, StaleDataError):
        return _("Another signatory answered at the same moment. Please look again and answer.")
    if isinstance(error, NotYourSignature):
        return _("Only the signatory herself can approve her signature.")
    return None


def _approval_label(job: Job) -> str:
    from app.justering.models import Signoff

    signoff = db.session.get(Signoff, job.arguments.get("signoff_id"))
    if signoff is None:
        return ""
    meeting = signoff.round.meeting
    return f"{meeting.heading} {meeting.meeting_date.isoformat()}"


register_kind(
    JobKind(
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
)


# Kinds that live in their own domain package register when the built-in ones do.
from app.backup import jobs as _backup_jobs  # noqa: E402, F401
