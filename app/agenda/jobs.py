"""The agenda's kinds of job: the handlingar packet, sending the kallelse and the update mail.

Each only calls its domain service; the services hold the rules and never commit, so a job
that fails leaves everything as it was. ``create_app`` registers them
(``register_job_kinds``); app.jobs runs them without knowing them.
"""

from typing import Any

from flask import url_for
from flask_babel import gettext as _

from app.accounts import permissions
from app.agenda.kallelse import send_agenda_update, send_kallelse
from app.agenda.rendering import packet_pdf
from app.core.errors import DomainError
from app.core.mail import MailError
from app.documents.packet import PacketError
from app.extensions import db
from app.jobs.models import Job
from app.jobs.services import JobKind, ProgressFn, register_kind
from app.meetings.models import Meeting

PACKET = "packet"
KALLELSE = "kallelse"
KALLELSE_UPDATE = "kallelse_update"


# -- the meeting a job works on (app.justering.jobs uses these too) ---------------------------


def job_meeting(job: Job) -> Meeting:
    """The meeting the job works on; gone since it was started: a clear error."""
    meeting = db.session.get(Meeting, job.arguments.get("meeting_id"))
    if meeting is None:
        raise DomainError(_("The meeting no longer exists."))
    return meeting


def may_manage_meeting(user: Any, job: Job) -> bool:
    """The rule of work only the meeting's secretaries (and admins) may start."""
    meeting = db.session.get(Meeting, job.arguments.get("meeting_id"))
    return meeting is not None and permissions.can_manage_body(user, meeting.body)


def meeting_label(job: Job) -> str:
    """The meeting as a job's title names it ("" if it is gone)."""
    meeting = db.session.get(Meeting, job.arguments.get("meeting_id"))
    if meeting is None:
        return ""
    return f"{meeting.title}"


# -- the handlingar packet --------------------------------------------------------------------


def _run_packet(job: Job, progress: ProgressFn) -> dict[str, Any]:
    meeting = job_meeting(job)

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


PACKET_KIND = JobKind(
    name=PACKET,
    run=_run_packet,
    may_start=lambda user, job: (
        (meeting := db.session.get(Meeting, job.arguments.get("meeting_id"))) is not None
        and permissions.can_read_agenda_documents(user, meeting)
    ),
    title=lambda job: _("Handlingar for %(meeting)s", meeting=meeting_label(job)),
    back=lambda job: url_for("meetings.show", meeting_id=job.arguments["meeting_id"]),
    links=lambda job: [
        (
            _("Open the handlingar (PDF)"),
            url_for("agenda.packet_pdf_file", meeting_id=job.arguments["meeting_id"]),
        )
    ],
    explain=_explain_packet,
)


# -- the kallelse -----------------------------------------------------------------------------


def _run_kallelse(job: Job, progress: ProgressFn) -> dict[str, Any]:
    meeting = job_meeting(job)
    progress(10, _("Preparing the kallelse"))
    dispatch = send_kallelse(
        job.started_by,
        meeting,
        meeting_url=job.arguments["meeting_url"],
        packet_url=job.arguments["packet_url"],
        preliminary=bool(job.arguments.get("preliminary")),
        # Whom the secretary chose and the covering letter as she sent it (None: the saved
        # ones, for a job started before she could choose).
        recipient_ids=job.arguments.get("recipient_ids"),
        covering_letter=job.arguments.get("covering_letter"),
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


KALLELSE_KIND = JobKind(
    name=KALLELSE,
    run=_run_kallelse,
    may_start=may_manage_meeting,
    title=lambda job: _("The kallelse to %(meeting)s", meeting=meeting_label(job)),
    back=lambda job: url_for("agenda.editor", meeting_id=job.arguments["meeting_id"]),
    done_messages=_kallelse_messages,
    explain=_explain_kallelse,
)


# -- the update mail: what changed since the kallelse ---------------------------------------------


def _run_update(job: Job, progress: ProgressFn) -> dict[str, Any]:
    meeting = job_meeting(job)
    progress(10, _("Listing the changes"))
    mailing = send_agenda_update(
        job.started_by,
        meeting,
        meeting_url=job.arguments["meeting_url"],
        packet_url=job.arguments["packet_url"],
    )
    return {
        "sent": sum(1 for d in mailing.deliveries if d.sent_at is not None),
        "failed": [d.name for d in mailing.deliveries if d.sent_at is None],
        "changes": len(mailing.changes),
    }


def _update_messages(job: Job) -> list[tuple[str, str]]:
    result = job.result or {}
    messages = [
        (
            "success",
            _(
                "The update mail listing %(changes)d changes was sent to %(n)d recipients.",
                changes=result.get("changes", 0),
                n=result.get("sent", 0),
            ),
        )
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


def _explain_update(error: Exception) -> str | None:
    if isinstance(error, MailError):
        return _(
            "The update mail was not sent: the mail server could not be used (%(detail)s). "
            "Nothing was recorded as sent; try again later.",
            detail=error.message,
        )
    if isinstance(error, DomainError):
        return _("The update mail was not sent: %(reason)s", reason=error.message)
    return None


UPDATE_KIND = JobKind(
    name=KALLELSE_UPDATE,
    run=_run_update,
    may_start=may_manage_meeting,
    title=lambda job: _("The update mail to %(meeting)s", meeting=meeting_label(job)),
    back=lambda job: url_for("agenda.editor", meeting_id=job.arguments["meeting_id"]),
    done_messages=_update_messages,
    explain=_explain_update,
)


def register_job_kinds() -> None:
    """Make the agenda's kinds of job known to app.jobs (called by create_app)."""
    register_kind(PACKET_KIND)
    register_kind(KALLELSE_KIND)
    register_kind(UPDATE_KIND)
