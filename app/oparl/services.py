"""What the OParl API serves: the public's view of the data as queries, paged and filtered.

Every rule is the anonymous reader's rule from ``app.accounts.permissions`` (``ANONYMOUS``), so
the API never shows more than the public pages do. Each kind of object is *served* when:

- body (an Organisation): always; the organisations are public.
- organization (a Body), legislative-term, membership, meeting: its body is public
  (``visible_bodies_clause``, ``can_view_meeting``).
- location: a served meeting that has a place.
- person: has a membership of a public body (the people page's rule); never an email address.
- agenda-item: public, in an agenda the public may read (``visible_agendas_clause``, the SQL
  twin of ``can_view_agenda``: the kallelse has been sent).
- consultation: a served agenda item that treats a case.
- paper (a Case): treated by a served agenda item.
- file (a Document): has a stored file, is public (``visible_documents_clause``, the SQL twin
  of ``can_view_document``) and is attached to a served agenda item.
- record-file: the public copy of a justerat revision of a public body's record, as the
  public pages serve it (every revision of a protokoll; the latest of minnesanteckningar).

Each rule exists twice: as SQL (``served``) for lists and tombstones, and per object in Python
for what an object embeds (``item_is_served`` and friends); the tests hold the two equal.

``created`` and ``modified`` come from the models' timestamps. ``modified`` also moves when
what decides an object's content or visibility moves: an agenda item follows its meeting (the
kallelse makes it public, the final record adds its decision), a meeting its public items, a
person her public memberships, a paper the items that treat it, a file the items it is
attached to. ``MODIFIED`` (SQL, for the filters) and ``modified_of`` (Python, for the JSON)
say the same thing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil
from typing import Any

from flask import g, has_request_context
from flask_login import AnonymousUserMixin
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import aliased, selectinload

from app.accounts.permissions import (
    can_view_agenda,
    can_view_body,
    can_view_document,
    visible_agendas_clause,
    visible_bodies_clause,
    visible_documents_clause,
)
from app.agenda.models import AgendaItem, AgendaItemDocument
from app.bodies.models import Body, Membership, RecordType, Term
from app.cases.models import Case, Document
from app.core.dates import LOCAL_TZ
from app.core.models import UTCDateTime
from app.extensions import db
from app.justering.models import RecordRevision
from app.meetings.models import Meeting
from app.oparl.models import ObjectKind, OparlTombstone
from app.organisations.models import Organisation
from app.people.models import Person

# The public: whoever calls the API is treated as not logged in, cookie or not.
ANONYMOUS = AnonymousUserMixin()

# The OParl spec recommends pages of at most 100 objects; a client may ask for fewer.
PAGE_SIZE = 100

MODELS: dict[ObjectKind, Any] = {
    ObjectKind.BODY: Organisation,
    ObjectKind.ORGANIZATION: Body,
    ObjectKind.LEGISLATIVE_TERM: Term,
    ObjectKind.PERSON: Person,
    ObjectKind.MEMBERSHIP: Membership,
    ObjectKind.MEETING: Meeting,
    ObjectKind.AGENDA_ITEM: AgendaItem,
    ObjectKind.CONSULTATION: AgendaItem,
    ObjectKind.PAPER: Case,
    ObjectKind.FILE: Document,
    ObjectKind.RECORD_FILE: RecordRevision,
    ObjectKind.LOCATION: Meeting,
}

# The external lists of an OParl Body (one of our organisations), by path segment.
BODY_LISTS: dict[str, tuple[ObjectKind, ...]] = {
    "organizations": (ObjectKind.ORGANIZATION,),
    "people": (ObjectKind.PERSON,),
    "meetings": (ObjectKind.MEETING,),
    "papers": (ObjectKind.PAPER,),
    "memberships": (ObjectKind.MEMBERSHIP,),
    "agenda-items": (ObjectKind.AGENDA_ITEM,),
    "consultations": (ObjectKind.CONSULTATION,),
    "files": (ObjectKind.FILE, ObjectKind.RECORD_FILE),
    "locations": (ObjectKind.LOCATION,),
    "legislative-terms": (ObjectKind.LEGISLATIVE_TERM,),
}


# -- the rules, in SQL ---------------------------------------------------------------------------


def _public_body() -> ColumnElement[bool]:
    return visible_bodies_clause(ANONYMOUS)


def _item_rules() -> tuple[ColumnElement[bool], ...]:
    """Over AgendaItem joined with Meeting and Body: the item is served."""
    return (visible_agendas_clause(ANONYMOUS), AgendaItem.is_public.is_(True))


def _served_items() -> Select:
    return select(AgendaItem.id).join(AgendaItem.meeting).join(Meeting.body).where(*_item_rules())


def _has_place() -> ColumnElement[bool]:
    return or_(
        *(
            and_(column.is_not(None), column != "")
            for column in (Meeting.room, Meeting.building, Meeting.location)
        )
    )


def _scoped(statement: Select, organisation_id: int | None, body_id: int | None) -> Select:
    """Restrict a statement that has Body joined to one organisation or one body."""
    if organisation_id is not None:
        statement = statement.where(Body.organisation_id == organisation_id)
    if body_id is not None:
        statement = statement.where(Body.id == body_id)
    return statement


def served(
    kind: ObjectKind, *, organisation_id: int | None = None, body_id: int | None = None
) -> Select:
    """The objects of ``kind`` the API serves, optionally those of one organisation (OParl
    Body) or of one body (OParl Organization) only. Unordered."""
    statement: Select[Any]
    if kind == ObjectKind.BODY:
        statement = select(Organisation)
        if organisation_id is not None:
            statement = statement.where(Organisation.id == organisation_id)
        return statement
    if kind == ObjectKind.ORGANIZATION:
        return _scoped(select(Body).where(_public_body()), organisation_id, body_id)
    if kind == ObjectKind.LEGISLATIVE_TERM:
        statement = select(Term).join(Term.body).where(_public_body())
        return _scoped(statement, organisation_id, body_id)
    if kind == ObjectKind.MEMBERSHIP:
        statement = select(Membership).join(Membership.body).where(_public_body())
        return _scoped(statement, organisation_id, body_id)
    if kind == ObjectKind.PERSON:
        seat = (
            select(Membership.id)
            .join(Membership.body)
            .where(Membership.person_id == Person.id, _public_body())
        )
        return select(Person).where(_scoped(seat, organisation_id, body_id).exists())
    if kind in (ObjectKind.MEETING, ObjectKind.LOCATION):
        statement = select(Meeting).join(Meeting.body).where(_public_body())
        if kind == ObjectKind.LOCATION:
            statement = statement.where(_has_place())
        return _scoped(statement, organisation_id, body_id)
    if kind in (ObjectKind.AGENDA_ITEM, ObjectKind.CONSULTATION):
        statement = (
            select(AgendaItem).join(AgendaItem.meeting).join(Meeting.body).where(*_item_rules())
        )
        if kind == ObjectKind.CONSULTATION:
            statement = statement.where(AgendaItem.case_id.is_not(None))
        return _scoped(statement, organisation_id, body_id)
    if kind == ObjectKind.PAPER:
        treated = _scoped(_served_items().where(AgendaItem.case_id == Case.id), None, body_id)
        statement = select(Case).where(treated.exists())
        if organisation_id is not None:
            statement = statement.where(Case.organisation_id == organisation_id)
        return statement
    if kind == ObjectKind.FILE:
        attached = (
            select(AgendaItemDocument.id)
            .join(AgendaItemDocument.item)
            .join(AgendaItem.meeting)
            .join(Meeting.body)
            .where(
                AgendaItemDocument.document_id == Document.id,
                *_item_rules(),
                visible_documents_clause(ANONYMOUS),
            )
        )
        attached = _scoped(attached, organisation_id, body_id)
        return select(Document).where(Document.sha256.is_not(None), attached.exists())
    if kind == ObjectKind.RECORD_FILE:
        other = aliased(RecordRevision)
        latest = (
            select(func.max(other.number))
            .where(other.meeting_id == RecordRevision.meeting_id, other.justered_at.is_not(None))
            .scalar_subquery()
        )
        statement = (
            select(RecordRevision)
            .join(RecordRevision.meeting)
            .join(Meeting.body)
            .where(
                RecordRevision.justered_at.is_not(None),
                RecordRevision.public_pdf_sha256.is_not(None),
                _public_body(),
                or_(Body.record_type == RecordType.PROTOCOL, RecordRevision.number == latest),
            )
        )
        return _scoped(statement, organisation_id, body_id)
    raise ValueError(f"unknown kind {kind!r}")


def served_ids(kind: ObjectKind) -> Select:
    """The ids of the objects of ``kind`` the API serves."""
    return select(served(kind).subquery().c.id)


# -- created and modified, in SQL (filters) ------------------------------------------------------


def _latest(first: Any, *others: Any) -> ColumnElement[datetime]:
    """The latest of some timestamps, NULLs ignored (SQLite has no GREATEST)."""
    result = first
    for other in others:
        other = func.coalesce(other, result)
        result = case((other > result, other), else_=result)
    return type_coerce(result, UTCDateTime())


def _item_modified() -> ColumnElement[datetime]:
    return _latest(AgendaItem.updated_at, Meeting.updated_at)


def _modified_paper() -> ColumnElement[datetime]:
    items = (
        select(func.max(_item_modified()))
        .join(AgendaItem.meeting)
        .join(Meeting.body)
        .where(AgendaItem.case_id == Case.id, *_item_rules())
        .scalar_subquery()
    )
    return _latest(Case.updated_at, items)


def _modified_file() -> ColumnElement[datetime]:
    items = (
        select(func.max(_item_modified()))
        .select_from(AgendaItemDocument)
        .join(AgendaItemDocument.item)
        .join(AgendaItem.meeting)
        .join(Meeting.body)
        .where(AgendaItemDocument.document_id == Document.id, *_item_rules())
        .scalar_subquery()
    )
    return _latest(Document.updated_at, items)


def _modified_person() -> ColumnElement[datetime]:
    seats = (
        select(func.max(Membership.updated_at))
        .join(Membership.body)
        .where(Membership.person_id == Person.id, _public_body())
        .scalar_subquery()
    )
    return _latest(Person.updated_at, seats)


def _modified_meeting() -> ColumnElement[datetime]:
    items = (
        select(func.max(AgendaItem.updated_at))
        .where(AgendaItem.meeting_id == Meeting.id, AgendaItem.is_public.is_(True))
        .scalar_subquery()
    )
    return _latest(Meeting.updated_at, items)


CREATED: dict[ObjectKind, Callable[[], Any]] = {
    ObjectKind.BODY: lambda: Organisation.created_at,
    ObjectKind.ORGANIZATION: lambda: Body.created_at,
    ObjectKind.LEGISLATIVE_TERM: lambda: Body.created_at,  # terms keep no timestamps
    ObjectKind.PERSON: lambda: Person.created_at,
    ObjectKind.MEMBERSHIP: lambda: Membership.created_at,
    ObjectKind.MEETING: lambda: Meeting.created_at,
    ObjectKind.AGENDA_ITEM: lambda: AgendaItem.created_at,
    ObjectKind.CONSULTATION: lambda: AgendaItem.created_at,
    ObjectKind.PAPER: lambda: Case.created_at,
    ObjectKind.FILE: lambda: Document.created_at,
    ObjectKind.RECORD_FILE: lambda: RecordRevision.justered_at,
    ObjectKind.LOCATION: lambda: Meeting.created_at,
}

MODIFIED: dict[ObjectKind, Callable[[], Any]] = {
    ObjectKind.BODY: lambda: Organisation.updated_at,
    ObjectKind.ORGANIZATION: lambda: Body.updated_at,
    ObjectKind.LEGISLATIVE_TERM: lambda: Body.updated_at,
    ObjectKind.PERSON: _modified_person,
    ObjectKind.MEMBERSHIP: lambda: Membership.updated_at,
    ObjectKind.MEETING: _modified_meeting,
    ObjectKind.AGENDA_ITEM: _item_modified,
    ObjectKind.CONSULTATION: _item_modified,
    ObjectKind.PAPER: _modified_paper,
    ObjectKind.FILE: _modified_file,
    ObjectKind.RECORD_FILE: lambda: RecordRevision.justered_at,
    ObjectKind.LOCATION: lambda: Meeting.updated_at,
}


# -- the rules, per object (what an object embeds) ----------------------------------------------


def body_is_served(body: Body) -> bool:
    return can_view_body(ANONYMOUS, body)


def item_is_served(item: AgendaItem) -> bool:
    return item.is_public and can_view_agenda(ANONYMOUS, item.meeting)


def link_is_served(link: AgendaItemDocument) -> bool:
    """A beslutsunderlag as the public meeting page links it."""
    return link.document.has_file and link_is_visible(link)


def link_is_visible(link: AgendaItemDocument) -> bool:
    """A beslutsunderlag the public meeting page lists, with its file or by title only."""
    return item_is_served(link.item) and can_view_document(ANONYMOUS, link.document)


def served_items_of(meeting: Meeting) -> list[AgendaItem]:
    return [item for item in meeting.items if item_is_served(item)]


def served_links_of(item: AgendaItem) -> list[AgendaItemDocument]:
    return [link for link in item.documents if link_is_served(link)]


def served_memberships_of(person: Person) -> list[Membership]:
    return list(
        db.session.scalars(
            served(ObjectKind.MEMBERSHIP)
            .where(Membership.person_id == person.id)
            .order_by(Membership.id)
        )
    )


def items_treating(case_: Case) -> list[AgendaItem]:
    """The served agenda items that treat a case, in the order they were held."""
    return list(
        db.session.scalars(
            served(ObjectKind.AGENDA_ITEM)
            .where(AgendaItem.case_id == case_.id)
            .order_by(Meeting.meeting_date, AgendaItem.position, AgendaItem.id)
        )
    )


def links_to(document: Document) -> list[AgendaItemDocument]:
    """The places a served document is attached and the public may see it."""
    links = db.session.scalars(
        select(AgendaItemDocument)
        .where(AgendaItemDocument.document_id == document.id)
        .order_by(AgendaItemDocument.id)
    )
    return [link for link in links if link_is_served(link)]


def documents_of(case_: Case) -> list[Document]:
    """The case's documents the API serves as files."""
    ids = served_ids(ObjectKind.FILE)
    return list(
        db.session.scalars(
            select(Document)
            .where(Document.case_id == case_.id, Document.id.in_(ids))
            .order_by(Document.id)
        )
    )


def served_revisions_of(meeting: Meeting) -> list[RecordRevision]:
    """The meeting's record files, the original first."""
    return list(
        db.session.scalars(
            served(ObjectKind.RECORD_FILE)
            .where(RecordRevision.meeting_id == meeting.id)
            .order_by(RecordRevision.number)
        )
    )


def is_served(kind: ObjectKind, object_id: int | None) -> bool:
    """Whether an object is served, for references (a person named in an attendance list).
    Within a request the served ids of a kind are read once."""
    if object_id is None:
        return False
    if not has_request_context():
        return object_id in set(db.session.scalars(served_ids(kind)))
    cache = g.setdefault("_oparl_served", {})
    if kind not in cache:
        cache[kind] = frozenset(db.session.scalars(served_ids(kind)))
    return object_id in cache[kind]


# -- created and modified, per object (the JSON) ------------------------------------------------


def item_modified(item: AgendaItem) -> datetime:
    return max(item.updated_at, item.meeting.updated_at)


def created_of(kind: ObjectKind, obj: Any) -> datetime:
    if kind == ObjectKind.LEGISLATIVE_TERM:
        return obj.body.created_at
    if kind == ObjectKind.RECORD_FILE:
        return obj.justered_at
    return obj.created_at


def modified_of(kind: ObjectKind, obj: Any) -> datetime:
    """``MODIFIED`` for one object."""
    if kind == ObjectKind.LEGISLATIVE_TERM:
        return obj.body.updated_at
    if kind == ObjectKind.PERSON:
        return max([obj.updated_at, *(m.updated_at for m in served_memberships_of(obj))])
    if kind == ObjectKind.MEETING:
        return max([obj.updated_at, *(i.updated_at for i in obj.items if i.is_public)])
    if kind in (ObjectKind.AGENDA_ITEM, ObjectKind.CONSULTATION):
        return item_modified(obj)
    if kind == ObjectKind.PAPER:
        return max([obj.updated_at, *(item_modified(i) for i in items_treating(obj))])
    if kind == ObjectKind.FILE:
        return max([obj.updated_at, *(item_modified(link.item) for link in links_to(obj))])
    if kind == ObjectKind.RECORD_FILE:
        return obj.justered_at
    return obj.updated_at


# -- lists: filters and pages -------------------------------------------------------------------


class BadRequest(ValueError):
    """A list parameter the API cannot use; the message says which."""


FILTER_NAMES = ("created_since", "created_until", "modified_since", "modified_until")


def parse_moment(name: str, text: str) -> datetime:
    """An OParl date-time (``2014-01-01T00:00:00+01:00``); without an offset, Stockholm time.

    A ``+`` not encoded in the query string arrives as a space; it is read as the ``+`` it was.
    """
    text = text.strip().replace(" ", "+")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name} is not a date-time: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment


@dataclass(frozen=True)
class Filters:
    """The OParl list filters. Timestamps print to the second, so an ``until`` includes its
    whole second: ``modified_until`` set to an object's printed ``modified`` includes it."""

    created_since: datetime | None = None
    created_until: datetime | None = None
    modified_since: datetime | None = None
    modified_until: datetime | None = None

    @classmethod
    def from_args(cls, args: Any) -> "Filters":
        return cls(
            **{name: parse_moment(name, args[name]) for name in FILTER_NAMES if args.get(name)}
        )

    def as_args(self) -> dict[str, str]:
        return {
            name: value.isoformat()
            for name in FILTER_NAMES
            if (value := getattr(self, name)) is not None
        }

    def clauses(self, created: Any, modified: Any) -> list[ColumnElement[bool]]:
        bounds = []
        if self.created_since:
            bounds.append(created >= _second(self.created_since))
        if self.created_until:
            bounds.append(created < _second(self.created_until) + timedelta(seconds=1))
        if self.modified_since:
            bounds.append(modified >= _second(self.modified_since))
        if self.modified_until:
            bounds.append(modified < _second(self.modified_until) + timedelta(seconds=1))
        return bounds


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


@dataclass(frozen=True)
class Segment:
    """One ordered run of a list: the served objects of one kind, or tombstones."""

    kind: ObjectKind | None  # None: tombstones, each of its own kind
    statement: Select
    options: tuple[Any, ...] = ()


# What the serializers reach for, loaded with each page rather than object by object.
LOAD_OPTIONS: dict[ObjectKind, tuple[Any, ...]] = {
    ObjectKind.MEETING: (
        selectinload(Meeting.body),
        selectinload(Meeting.items).selectinload(AgendaItem.documents),
        selectinload(Meeting.attendances),
    ),
    ObjectKind.AGENDA_ITEM: (
        selectinload(AgendaItem.meeting),
        selectinload(AgendaItem.documents).selectinload(AgendaItemDocument.document),
        selectinload(AgendaItem.decision),
    ),
    ObjectKind.MEMBERSHIP: (selectinload(Membership.term), selectinload(Membership.body)),
    ObjectKind.LEGISLATIVE_TERM: (selectinload(Term.body),),
    ObjectKind.CONSULTATION: (selectinload(AgendaItem.meeting),),
}


def listing(
    kinds: Iterable[ObjectKind],
    filters: Filters,
    *,
    organisation_id: int | None = None,
    body_id: int | None = None,
) -> list[Segment]:
    """A list of served objects of some kinds followed by the tombstones of those kinds that
    are not served now, each run ordered by id (stable while the data is)."""
    kinds = tuple(kinds)
    segments = []
    for kind in kinds:
        model = MODELS[kind]
        statement = (
            served(kind, organisation_id=organisation_id, body_id=body_id)
            .where(*filters.clauses(CREATED[kind](), MODIFIED[kind]()))
            .order_by(model.id)
        )
        segments.append(Segment(kind, statement, LOAD_OPTIONS.get(kind, ())))
    segments.append(
        Segment(None, _tombstones(kinds, filters, organisation_id=organisation_id, body_id=body_id))
    )
    return segments


def _tombstones(
    kinds: tuple[ObjectKind, ...],
    filters: Filters,
    *,
    organisation_id: int | None,
    body_id: int | None,
) -> Select:
    gone = or_(
        *(
            and_(OparlTombstone.kind == kind, OparlTombstone.object_id.not_in(served_ids(kind)))
            for kind in kinds
        )
    )
    statement = select(OparlTombstone).where(
        gone, *filters.clauses(OparlTombstone.created_at, OparlTombstone.deleted_at)
    )
    if organisation_id is not None:
        statement = statement.where(
            or_(
                OparlTombstone.organisation_id == organisation_id,
                OparlTombstone.organisation_id.is_(None),
            )
        )
    if body_id is not None:
        statement = statement.where(OparlTombstone.body_id == body_id)
    return statement.order_by(OparlTombstone.id)


@dataclass(frozen=True)
class Page:
    entries: list[tuple[ObjectKind, Any]]  # (kind, object or tombstone)
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.size))


def page_of(segments: list[Segment], number: int, size: int) -> Page:
    """Page ``number`` (from 1) of the segments read one after the other."""
    counts = [
        db.session.scalar(select(func.count()).select_from(s.statement.order_by(None).subquery()))
        or 0
        for s in segments
    ]
    skip = (number - 1) * size
    entries: list[tuple[ObjectKind, Any]] = []
    for segment, count in zip(segments, counts, strict=True):
        if len(entries) >= size:
            break
        if skip >= count:
            skip -= count
            continue
        rows = db.session.scalars(
            segment.statement.options(*segment.options).offset(skip).limit(size - len(entries))
        ).all()
        skip = 0
        entries.extend(
            (segment.kind if segment.kind is not None else row.kind, row) for row in rows
        )
    return Page(entries, number, size, sum(counts))


def find(kind: ObjectKind, object_id: int) -> Any:
    """The served object, else its tombstone, else None."""
    model = MODELS[kind]
    found = db.session.scalar(
        served(kind).where(model.id == object_id).options(*LOAD_OPTIONS.get(kind, ()))
    )
    if found is not None:
        return found
    return db.session.scalar(
        select(OparlTombstone).where(
            OparlTombstone.kind == kind, OparlTombstone.object_id == object_id
        )
    )


def system_dates() -> tuple[datetime | None, datetime | None]:
    """When the first organisation was registered and when any last changed."""
    first, last = db.session.execute(
        select(func.min(Organisation.created_at), func.max(Organisation.updated_at))
    ).one()
    return first, last
