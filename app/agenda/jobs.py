"""The agenda's kinds of job: the handlingar packet, sending the kallelse and the update mail,
and converting an uploaded office file (Word, ...) to PDF/A.

Each only calls its domain service; the services hold the rules and never commit, so a job
that fails leaves everything as it was. ``create_app`` registers them
(``register_job_kinds``); app.jobs runs them without knowing them.
"""

from typing import Any

from flask import url_for
from flask_babel import gettext as _

from app.accounts import permissions
from app.agenda import services
from app.agenda.kallelse import send_agenda_update, send_kallelse
from app.agenda.models import AgendaItem
from app.agenda.rendering import packet_pdf
from app.cases.models import Document
from app.core.errors import DomainError
from app.core.mail import MailError
from app.documents.packet import PacketError
from app.extensions import db
from app.jobs.models import Job
from app.jobs.services import JobKind, ProgressFn, register_kind, start_job
from app.meetings.models import Meeting

PACKET = "packet"
KALLELSE = "kallelse"
KALLELSE_UPDATE = "kallelse_update"
OFFICE_PDF = "office_pdf"


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
        # The latest mailing when she sent (None: not known, for a job started before).
        seen_mailing_id=job.arguments.get("seen_mailing_id"),
    )
    return {"sent": len(dispatch.recipients), "failed": list(dispatch.failed)}


def _kallelse_messages(job: Job) -> list[tuple[str, str]]:
    result = job.result or {}
    messages = [
        ("success", _("The kallelse was sent to %(n)d recipients.", n=result.get("sent", 0)))
    ]
    return messages + _refused(result)


def _refused(result: dict[str, Any]) -> list[tuple[str, str]]:
    """The message for addresses the mail server refused (a mailing job's ``failed``)."""
    if not result.get("failed"):
        return []
    return [
        (
            "error",
            _(
                "The mail server refused the address of: %(names)s. Check their email addresses.",
                names=", ".join(result["failed"]),
            ),
        )
    ]


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
    return messages + _refused(result)


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


# -- an office file converted to PDF/A ----------------------------------------------------------


def _job_document(job: Job) -> Document:
    document = db.session.get(Document, job.arguments.get("document_id"))
    if document is None:
        raise DomainError(_("The document no longer exists."))
    return document


def _run_office_pdf(job: Job, progress: ProgressFn) -> dict[str, Any]:
    document = _job_document(job)
    progress(10, _("Converting “%(title)s” to PDF", title=document.title))
    services.convert_office_document(document)
    return {"sha256": document.sha256, "document_id": document.id}


def _office_item(job: Job) -> AgendaItem | None:
    return db.session.get(AgendaItem, job.arguments.get("item_id"))


def _office_title(job: Job) -> str:
    document = db.session.get(Document, job.arguments.get("document_id"))
    return _(
        "Converting “%(title)s” to PDF",
        title=document.title if document is not None else "",
    )


OFFICE_PDF_KIND = JobKind(
    name=OFFICE_PDF,
    run=_run_office_pdf,
    # The secretary may retitle the document while it is converted: run again on her title.
    conflict_retries=2,
    may_start=lambda user, job: (
        (item := _office_item(job)) is not None and permissions.can_manage_item(user, item)
    ),
    title=_office_title,
    back=lambda job: url_for("agenda.edit_item", item_id=job.arguments["item_id"]) + "#documents",
    done_messages=lambda job: [
        (
            "success",
            _(
                "“%(title)s” was converted to PDF.",
                title=getattr(
                    db.session.get(Document, job.arguments.get("document_id")), "title", ""
                ),
            ),
        )
    ],
)


def start_office_conversions(actor: Any, item: AgendaItem, documents: list[Document]) -> list[Job]:
    """A conversion job for each office original among ``documents`` (after the commit that
    stored them: without a broker each runs at once, in this request)."""
    jobs = []
    for document in documents:
        if not document.is_converting:
            continue
        job = start_job(
            actor,
            OFFICE_PDF,
            arguments={"document_id": document.id, "item_id": item.id},
            body_id=item.meeting.body_id,
        )
        services.note_conversion_job(document, job)
        db.session.commit()
        jobs.append(job)
    return jobs


def register_job_kinds() -> None:
    """Make the agenda's kinds of job known to app.jobs (called by create_app)."""
    register_kind(PACKET_KIND)
    register_kind(KALLELSE_KIND)
    register_kind(UPDATE_KIND)
    register_kind(OFFICE_PDF_KIND)
