"""Records with legal weight are never deleted, only corrected.

A justerat or signed record, what it decided, a posted anslag, the signatures and the audit log
are public records (allmänna handlingar) once final: the application offers no way to delete
them, and this guard makes sure no code path does either. Every flush is checked; deleting
such a record (or changing an audit entry, or the frozen parts of a justerad revision) raises
``RetentionError`` and the transaction is rolled back. Corrections are made as a rättelse, a
new revision beside the original (app/justering).

The guard sits on the ORM session. Database-level bulk statements bypass it; the application
issues none for these tables (the test suite's cleanup between tests is the one that does).
Deleting under a gallringsbeslut (the archive authority's decision to cull records) is a
deliberate act outside the application's routes, made inside ``gallring(session)``.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.core.errors import DomainError

# Columns of a justerad revision that never change once set (the signed original, the public
# copy and the pages as read on the day of justering).
FROZEN_REVISION_COLUMNS = (
    "justered_at",
    "signed_pdf_sha256",
    "public_pdf_sha256",
    "record_html",
    "public_html",
)

_installed = False


class RetentionError(DomainError):
    """A record with legal weight was to be deleted or rewritten."""

    @staticmethod
    def default_message() -> str:
        return str(
            _l(
                "This record has legal weight and cannot be deleted or changed; "
                "make a correction (rättelse) instead."
            )
        )


def install_retention_guard() -> None:
    """Check every flush of every session (once per process)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    _installed = True


@contextmanager
def gallring(session: Session) -> Iterator[None]:
    """Let this session delete records with legal weight (culling under an archive decision,
    or a test that simulates one). No route uses it."""
    session.info["gallring"] = True
    try:
        yield
    finally:
        session.info.pop("gallring", None)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get("gallring"):
        return
    with session.no_autoflush:
        for record in session.deleted:
            reason = protected_reason(session, record)
            if reason:
                _refuse(f"delete {type(record).__name__} #{record.id}: {reason}")
        for record in session.dirty:
            reason = rewrite_reason(record) or _link_reason(session, record)
            if reason:
                _refuse(f"change {type(record).__name__} #{record.id}: {reason}")


def _refuse(detail: str) -> None:
    error = RetentionError()
    error.detail = detail  # for logs and tests; the user reads error.message
    raise error


def protected_reason(session: Session, record: Any) -> str | None:
    """Why ``record`` may not be deleted, or None."""
    from app.core.audit import AuditEntry
    from app.justering.models import (
        JusteringRound,
        RecordRevision,
        RoundStatus,
        Signoff,
        SignoffStatus,
    )
    from app.meetings.models import Meeting, RecordStatus
    from app.publication.models import Posting

    if isinstance(record, AuditEntry):
        return "the audit log is kept for good"
    if isinstance(record, Posting):
        return "a posted anslag"
    if isinstance(record, RecordRevision) and _committed(record, "justered_at") is not None:
        return "a justerad revision"
    if isinstance(record, JusteringRound) and record.status == RoundStatus.COMPLETED:
        return "a completed justering"
    if isinstance(record, Signoff) and _committed(record, "status") == SignoffStatus.APPROVED:
        return "a signature"
    meeting = record if isinstance(record, Meeting) else _meeting_of(session, record)
    if meeting is not None and meeting.record_status == RecordStatus.FINAL:
        return "part of a final record"
    return None


def rewrite_reason(record: Any) -> str | None:
    """Why the pending change of ``record`` may not be made, or None."""
    from app.core.audit import AuditEntry
    from app.justering.models import RecordRevision

    state = inspect(record)
    if isinstance(record, AuditEntry) and any(
        state.attrs[attr.key].history.has_changes() for attr in state.mapper.column_attrs
    ):
        return "the audit log is never rewritten"
    if isinstance(record, RecordRevision):
        for key in FROZEN_REVISION_COLUMNS:
            history = state.attrs[key].history
            if history.deleted and history.deleted[0] is not None and history.has_changes():
                return f"{key} of a justerad revision is frozen"
    return None


def _link_reason(session: Session, record: Any) -> str | None:
    """A beslutsunderlag moved on or rewritten in an item of a final record (deleting one is
    ``protected_reason``'s): the record's handlingar are frozen with it. (Attaching one is
    refused by the services, app.agenda.services; a record is built, as an import or a test
    does, by adding its links.)"""
    from app.agenda.models import AgendaItemDocument
    from app.meetings.models import RecordStatus

    if not isinstance(record, AgendaItemDocument):
        return None
    state = inspect(record)
    columns = state.mapper.column_attrs
    if not any(state.attrs[attr.key].history.has_changes() for attr in columns):
        return None
    meeting = _meeting_of(session, record)
    if meeting is not None and meeting.record_status == RecordStatus.FINAL:
        return "the beslutsunderlag of a final record"
    return None


def _committed(record: Any, key: str) -> Any:
    """The value of ``key`` as loaded from the database (before this flush's changes)."""
    history = inspect(record).attrs[key].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return getattr(record, key)


def _meeting_of(session: Session, record: Any) -> Any:
    """The meeting whose record ``record`` is a part of (an item, its beslutsunderlag, its
    decision, a motion, a vote and its ballots, a reservation, jäv, a protokollsanteckning,
    attendance), else None."""
    from app.agenda.models import AgendaItem, AgendaItemDocument
    from app.decisions.models import (
        Ballot,
        Decision,
        Motion,
        ProtocolNote,
        Recusal,
        Reservation,
        Vote,
    )
    from app.meetings.models import Attendance, Meeting

    if isinstance(record, (AgendaItem, Attendance)):
        return session.get(Meeting, record.meeting_id)
    if isinstance(record, AgendaItemDocument):
        # A new link may know its item only as an object; a moved one counts where it was.
        item_ids = inspect(record).attrs.item_id.history.deleted or ()
        item = session.get(AgendaItem, item_ids[0]) if item_ids and item_ids[0] else None
        item = item or record.item
        if item is None and record.item_id is not None:
            item = session.get(AgendaItem, record.item_id)
        if item is None:
            return None
        if item.meeting_id is None:  # a new item of a new meeting: nothing final yet
            return item.meeting
        return session.get(Meeting, item.meeting_id)
    if isinstance(record, (Decision, Motion, Vote, Reservation, Recusal, ProtocolNote)):
        item = session.get(AgendaItem, record.item_id)
        return session.get(Meeting, item.meeting_id) if item is not None else None
    if isinstance(record, Ballot):
        vote = session.get(Vote, record.vote_id)
        return _meeting_of(session, vote) if vote is not None else None
    return None
