"""Loading a meeting for its pages in a fixed number of statements, however many items,
attendances, documents or decisions it has (tests/test_query_counts.py holds us to it).

Each collection is loaded by a statement of its own, built once at import with its parents'
ids as an expanding parameter, and handed to its parents with ``set_committed_value``. Not
``selectinload``: SQLAlchemy gives each statement a selectinload emits every loader option of
the query it came from, and computes the cache key of that whole tree again for each of them
on every request (13 statements × some 200 option nodes: a third of the meeting page's time).
A statement built once computes its cache key once per process (SQLAlchemy memoises it on the
statement), and carries only the joined many-to-ones it needs.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import InstrumentedAttribute, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.agenda.models import AgendaItem, AgendaItemDocument
from app.bodies.models import Body
from app.extensions import db
from app.meetings.models import Meeting, MeetingAdjuster
from app.record.models import (
    Assignment,
    Attendance,
    Ballot,
    Decision,
    DecisionRecipient,
    Motion,
    ProtocolNote,
    Recusal,
    Reservation,
    Vote,
)

# populate_existing: what this session loaded before is loaded again (the pages read it fresh).
FRESH = {"populate_existing": True}


@dataclass(frozen=True)
class _Collection:
    """A one-to-many relationship loaded for many parents at once."""

    attribute: str  # the parent's collection
    parent_key: str  # the parent's attribute the children point to (its id)
    child_key: str  # the child's attribute holding it
    statement: Select


def _collection(relationship: InstrumentedAttribute, *options: Any) -> _Collection:
    """The statement that loads ``relationship`` for a list of parents, in its order_by."""
    prop = relationship.property
    ((parent_column, child_column),) = prop.local_remote_pairs
    order_by = list(prop.order_by or ()) or list(prop.mapper.primary_key)
    return _Collection(
        attribute=prop.key,
        parent_key=prop.parent.get_property_by_column(parent_column).key,
        child_key=prop.mapper.get_property_by_column(child_column).key,
        statement=select(prop.mapper)
        .where(child_column.in_(bindparam("parents", expanding=True)))
        .options(*options)
        .order_by(*order_by)
        .execution_options(**FRESH),
    )


def _load(collection: _Collection, parents: Sequence[Any]) -> list[Any]:
    """Fill ``collection`` on each of ``parents`` (one statement); the children, all of them."""
    if not parents:
        return []
    ids = [getattr(parent, collection.parent_key) for parent in parents]
    children = list(db.session.scalars(collection.statement, {"parents": ids}).unique())
    by_parent: dict[Any, list[Any]] = defaultdict(list)
    for child in children:
        by_parent[getattr(child, collection.child_key)].append(child)
    for parent, ident in zip(parents, ids, strict=True):
        set_committed_value(parent, collection.attribute, by_parent.get(ident, []))
    return children


_MEETING = (
    select(Meeting)
    .where(Meeting.id == bindparam("meeting_id"))
    .options(joinedload(Meeting.body).joinedload(Body.organisation), joinedload(Meeting.secretary))
    .execution_options(**FRESH)
)
# A meeting's pages read its body and organisation (the permission check, the breadcrumbs,
# the footer): with the meeting, in one statement.
MEETING_WITH_BODY = (joinedload(Meeting.body).joinedload(Body.organisation),)
# An item's page reads its meeting, body and organisation (the breadcrumbs, the footer, the
# permission check): one statement with the item.
ITEM_WITH_MEETING = (
    joinedload(AgendaItem.meeting).joinedload(Meeting.body).joinedload(Body.organisation),
)
# Everything the meeting page, the record page and the record's print template read.
_ITEMS = _collection(Meeting.items, joinedload(AgendaItem.case), joinedload(AgendaItem.decision))
_ATTENDANCES = _collection(
    Meeting.attendances,
    joinedload(Attendance.person),
    joinedload(Attendance.replaces),
    joinedload(Attendance.organisation),
    joinedload(Attendance.from_item),
    joinedload(Attendance.to_item),
)
_ADJUSTERS = _collection(Meeting.adjusters, joinedload(MeetingAdjuster.person))
_ITEM_COLLECTIONS = (
    _collection(AgendaItem.documents, joinedload(AgendaItemDocument.document)),
    _collection(AgendaItem.notices),
    _collection(AgendaItem.motions, joinedload(Motion.person)),
    _collection(AgendaItem.reservations, joinedload(Reservation.person)),
    _collection(AgendaItem.recusals, joinedload(Recusal.person), joinedload(Recusal.substitute)),
    _collection(AgendaItem.protocol_notes, joinedload(ProtocolNote.person)),
    _collection(
        AgendaItem.reported_assignments,
        joinedload(Assignment.assignee_body),
        joinedload(Assignment.decision)
        .joinedload(Decision.item)
        .joinedload(AgendaItem.meeting)
        .joinedload(Meeting.body),
    ),
)
_VOTES = _collection(AgendaItem.votes)
_BALLOTS = _collection(Vote.ballots, joinedload(Ballot.person))
_DECISION_COLLECTIONS = (
    _collection(
        Decision.assignments,
        joinedload(Assignment.assignee_body),
        joinedload(Assignment.due_meeting),
    ),
    _collection(
        Decision.recipients,
        joinedload(DecisionRecipient.organisation),
        joinedload(DecisionRecipient.body),
        joinedload(DecisionRecipient.person),
    ),
)


def meeting_with_details(meeting_id: int) -> Meeting | None:
    """The meeting with its items, their decisions, process and documents, and its attendance,
    loaded at once. Relationships already loaded in this session are loaded again."""
    meeting = db.session.scalars(_MEETING, {"meeting_id": meeting_id}).unique().one_or_none()
    if meeting is None:
        return None
    _load(_ATTENDANCES, [meeting])
    items = _load(_ITEMS, [meeting])
    _load(_ADJUSTERS, [meeting])
    for collection in _ITEM_COLLECTIONS:
        _load(collection, items)
    _load(_BALLOTS, _load(_VOTES, items))
    decisions = [item.decision for item in items if item.decision is not None]
    for collection in _DECISION_COLLECTIONS:
        _load(collection, decisions)
    return meeting


def load_attendance(meeting: Meeting) -> None:
    """The meeting's attendance with the people it names, in one statement (an item's page
    reads who serves at it: one statement per attendance before)."""
    _load(_ATTENDANCES, [meeting])
