"""Writing tombstones: in every flush, what the API served before and does not serve after.

Before a flush, the objects being deleted, and those whose visibility may change (a body made
non-public, an item made non-public or given another case, a meeting cancelled or moved, a
document made internal or secret, a beslutsunderlag detached, …), name the API objects they
and their dependants stand for. Those the API serves at that moment (the database still holds
the state before the flush) are noted with their ``created`` and where they are listed. After
the flush, each noted object the API no longer serves gets a tombstone, in the same
transaction: a rollback leaves none.

The dependants: a body's terms, memberships, members and meetings; a meeting's place, items,
their cases and documents and its record files; an item's consultation, case and documents; a
membership's person; an attachment's document. So a body made non-public leaves tombstones
for everything the API showed of it. Changes further away need nothing: an organisation is
always served, and a person stays public through past seats too, as on her page.
"""

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Select, event, insert, inspect, null, select, update
from sqlalchemy.orm import Session

from app.agenda.models import AgendaItem, AgendaItemDocument
from app.bodies.models import Body, Membership, Term
from app.cases.models import Case, Document
from app.core.models import utcnow
from app.justering.models import RecordRevision
from app.meetings.models import Meeting
from app.oparl.models import ObjectKind, OparlTombstone
from app.oparl.services import CREATED, MODELS, served
from app.organisations.models import Organisation
from app.people.models import Person

NOTED = "oparl_noted"

# Changes that may hide an object; anything else an object changes leaves it served.
WATCHED: dict[type, tuple[str, ...]] = {
    Body: ("is_public",),
    Term: ("body_id", "body"),
    Membership: ("body_id", "body", "person_id", "person"),
    Meeting: ("status", "body_id", "body", "room", "building", "location"),
    AgendaItem: ("is_public", "case_id", "case", "meeting_id", "meeting"),
    AgendaItemDocument: ("document_id", "document", "item_id", "item"),
    Document: ("confidentiality", "sha256"),
    RecordRevision: ("justered_at", "public_pdf_sha256"),
}

# What a tombstone keeps: when the object was created, and where it is listed (the
# organisation, an OParl Body, and the body, an OParl Organization).
Facts = tuple[datetime, int | None, int | None]


def _scope_columns(kind: ObjectKind) -> tuple[Any, Any]:
    if kind == ObjectKind.BODY:
        return Organisation.id, null()
    if kind == ObjectKind.PAPER:
        return Case.organisation_id, null()
    if kind in (ObjectKind.PERSON, ObjectKind.FILE):
        return null(), null()  # listed by every Body: she may sit, it may lie, in several
    return Body.organisation_id, Body.id


def _served_facts(session: Session, kind: ObjectKind, ids: set[int]) -> dict[int, Facts]:
    model = MODELS[kind]
    statement: Select = (
        served(kind)
        .with_only_columns(model.id, CREATED[kind](), *_scope_columns(kind))
        .where(model.id.in_(ids))
    )
    return {row[0]: (row[1], row[2], row[3]) for row in session.execute(statement)}


def _changed(obj: Any) -> bool:
    names = WATCHED.get(type(obj))
    if not names:
        return False
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _ids(obj: Any, column: str, relationship: str) -> set[int]:
    """A reference's id now and before this flush, by column or by relationship."""
    state = inspect(obj)
    found = {getattr(obj, column)}
    found.update(state.attrs[column].history.deleted or ())
    history = state.attrs[relationship].history
    found.update(getattr(other, "id", None) for other in (*history.added, *history.deleted))
    return {i for i in found if i is not None}


def _meeting_dependants(session: Session, ids: set[int], wanted: dict) -> None:
    if not ids:
        return
    wanted[ObjectKind.MEETING].update(ids)
    wanted[ObjectKind.LOCATION].update(ids)
    for item_id, case_id in session.execute(
        select(AgendaItem.id, AgendaItem.case_id).where(AgendaItem.meeting_id.in_(ids))
    ):
        wanted[ObjectKind.AGENDA_ITEM].add(item_id)
        wanted[ObjectKind.CONSULTATION].add(item_id)
        if case_id is not None:
            wanted[ObjectKind.PAPER].add(case_id)
    wanted[ObjectKind.FILE].update(
        session.scalars(
            select(AgendaItemDocument.document_id)
            .join(AgendaItemDocument.item)
            .where(AgendaItem.meeting_id.in_(ids))
        )
    )
    wanted[ObjectKind.RECORD_FILE].update(
        session.scalars(select(RecordRevision.id).where(RecordRevision.meeting_id.in_(ids)))
    )


def _body_dependants(session: Session, body_id: int, wanted: dict) -> None:
    wanted[ObjectKind.LEGISLATIVE_TERM].update(
        session.scalars(select(Term.id).where(Term.body_id == body_id))
    )
    for membership_id, person_id in session.execute(
        select(Membership.id, Membership.person_id).where(Membership.body_id == body_id)
    ):
        wanted[ObjectKind.MEMBERSHIP].add(membership_id)
        wanted[ObjectKind.PERSON].add(person_id)
    meetings = set(session.scalars(select(Meeting.id).where(Meeting.body_id == body_id)))
    _meeting_dependants(session, meetings, wanted)


def _gather(session: Session, obj: Any, wanted: dict) -> None:
    """The API objects ``obj`` stands for, and those that depend on it."""
    if isinstance(obj, Organisation):
        wanted[ObjectKind.BODY].add(obj.id)
    elif isinstance(obj, Body):
        wanted[ObjectKind.ORGANIZATION].add(obj.id)
        _body_dependants(session, obj.id, wanted)
    elif isinstance(obj, Term):
        wanted[ObjectKind.LEGISLATIVE_TERM].add(obj.id)
    elif isinstance(obj, Person):
        wanted[ObjectKind.PERSON].add(obj.id)
    elif isinstance(obj, Membership):
        wanted[ObjectKind.MEMBERSHIP].add(obj.id)
        wanted[ObjectKind.PERSON].update(_ids(obj, "person_id", "person"))
    elif isinstance(obj, Meeting):
        _meeting_dependants(session, {obj.id}, wanted)
    elif isinstance(obj, AgendaItem):
        wanted[ObjectKind.AGENDA_ITEM].add(obj.id)
        wanted[ObjectKind.CONSULTATION].add(obj.id)
        wanted[ObjectKind.PAPER].update(_ids(obj, "case_id", "case"))
        wanted[ObjectKind.FILE].update(
            session.scalars(
                select(AgendaItemDocument.document_id).where(AgendaItemDocument.item_id == obj.id)
            )
        )
    elif isinstance(obj, AgendaItemDocument):
        wanted[ObjectKind.FILE].update(_ids(obj, "document_id", "document"))
    elif isinstance(obj, Case):
        wanted[ObjectKind.PAPER].add(obj.id)
    elif isinstance(obj, Document):
        wanted[ObjectKind.FILE].add(obj.id)
    elif isinstance(obj, RecordRevision):
        wanted[ObjectKind.RECORD_FILE].add(obj.id)


def note_candidates(session: Session) -> None:
    """Before a flush: note what is served now of what this flush may hide or delete."""
    session.info.pop(NOTED, None)
    changed = [*session.deleted, *(obj for obj in session.dirty if _changed(obj))]
    changed = [obj for obj in changed if type(obj) in SERVED_MODELS]
    if not changed:
        return
    wanted: dict[ObjectKind, set[int]] = defaultdict(set)
    for obj in changed:
        _gather(session, obj, wanted)
    noted = {}
    for kind, ids in wanted.items():
        facts = _served_facts(session, kind, ids) if ids else {}
        if facts:
            noted[kind] = facts
    if noted:
        session.info[NOTED] = noted


def write_tombstones(session: Session) -> None:
    """After a flush: a tombstone for each noted object the API no longer serves."""
    noted: dict[ObjectKind, dict[int, Facts]] | None = session.info.pop(NOTED, None)
    if not noted:
        return
    now = utcnow()
    connection = session.connection()
    for kind, facts in noted.items():
        model = MODELS[kind]
        still = set(
            connection.scalars(served(kind).with_only_columns(model.id).where(model.id.in_(facts)))
        )
        _bury(connection, kind, {i: f for i, f in facts.items() if i not in still}, now)


def _bury(connection: Any, kind: ObjectKind, gone: dict[int, Facts], now: datetime) -> None:
    if not gone:
        return
    existing = dict(
        connection.execute(
            select(OparlTombstone.object_id, OparlTombstone.id).where(
                OparlTombstone.kind == kind, OparlTombstone.object_id.in_(gone)
            )
        ).all()
    )
    for object_id, (created, organisation_id, body_id) in gone.items():
        values = {
            "created_at": created,
            "deleted_at": now,
            "organisation_id": organisation_id,
            "body_id": body_id,
        }
        if object_id in existing:
            connection.execute(
                update(OparlTombstone)
                .where(OparlTombstone.id == existing[object_id])
                .values(**values)
            )
        else:
            connection.execute(
                insert(OparlTombstone).values(kind=kind, object_id=object_id, **values)
            )


def forget_candidates(session: Session) -> None:
    session.info.pop(NOTED, None)


SERVED_MODELS: frozenset[type] = frozenset(
    {
        Organisation,
        Body,
        Term,
        Person,
        Membership,
        Meeting,
        AgendaItem,
        AgendaItemDocument,
        Case,
        Document,
        RecordRevision,
    }
)


# -- the hooks: every flush of every session (installed once per process by create_app) -------

_installed = False


def install_tombstone_hooks() -> None:
    """Note what a flush is about to remove, write the tombstones of what it removed that the
    API served, and forget the notes when the transaction is rolled back."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _note_served)
    event.listen(Session, "after_flush", _bury_unserved)
    event.listen(Session, "after_soft_rollback", _forget)
    _installed = True


def _note_served(session: Session, flush_context: Any, instances: Any) -> None:
    note_candidates(session)


def _bury_unserved(session: Session, flush_context: Any) -> None:
    write_tombstones(session)


def _forget(session: Session, previous_transaction: Any) -> None:
    forget_candidates(session)
