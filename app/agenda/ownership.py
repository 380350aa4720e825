"""A document attached to an item or a planned topic gets its owner from there.

The services give a document its owner explicitly (app.cases.ownership.give_owner); so that
every path holds (jobs, commands, imports, tests), each flush also gives a document without an
owner the body of the first item or planned topic it is attached to. An owner, once given,
never changes by attaching the document elsewhere. ``create_app`` installs the hook.
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.agenda.models import AgendaItem, AgendaItemDocument, PlannedItem
from app.bodies.models import Body
from app.cases.models import Document
from app.cases.ownership import give_owner
from app.meetings.models import Meeting

_installed = False


def install_owner_defaults() -> None:
    """Check every flush of every session (once per process)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    _installed = True


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    with session.no_autoflush:
        for record in list(session.new):
            if isinstance(record, AgendaItemDocument):
                document = record.document or (
                    session.get(Document, record.document_id) if record.document_id else None
                )
                if document is None:
                    continue
                item = record.item or (
                    session.get(AgendaItem, record.item_id) if record.item_id else None
                )
                if item is None:
                    continue
                meeting = item.meeting or session.get(Meeting, item.meeting_id)
                if meeting is not None:
                    body = meeting.body or session.get(Body, meeting.body_id)
                    if body is not None:
                        give_owner(document, body)
            elif isinstance(record, PlannedItem) and record.document is not None:
                body = session.get(Body, record.body_id) if record.body_id else None
                if body is not None:
                    give_owner(record.document, body)
