"""The reading side of decisions: the decisions register (beslut) and the uppdrag list.

Both show only what the reader may read (``permissions.readable_decisions_clause``): the
decisions of final records (signed minnesanteckningar, justerade protokoll) and, for a body's
secretaries, of drafts as well; decisions on non-public items only to the body's members.

An uppdrag's state is computed each time it is shown, never stored:

- *återrapporterad* when the item that reports back on it (``record.services.report_back``,
  or the agenda item it was put on) has been dealt with in a final record, or when it is
  marked reported without an item; a draft record's report-back is not yet a fact for
  its readers (the secretary can still take it back);
- *försenad* when it is still open and the day it was due (its due date, else the date of
  the meeting it is due at) has passed;
- *öppen* otherwise; *avskriven* when it was written off.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date

from flask_babel import pgettext
from sqlalchemy import ColumnElement, Select, and_, extract, false, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from app.accounts.permissions import can_view_item, can_view_record, readable_decisions_clause
from app.agenda.models import AgendaItem
from app.bodies.models import Body, Membership, MembershipFunction, MembershipKind
from app.cases.models import Case
from app.core.dates import local_today
from app.core.models import LabelledEnum
from app.extensions import db
from app.meetings.models import Meeting, RecordStatus
from app.people.models import Person
from app.record.models import Assignment, AssignmentStatus, Decision

PER_PAGE = 25
SEATED = (MembershipKind.ORDINARY, MembershipKind.SUBSTITUTE, MembershipKind.CO_OPTED)
PRESIDIUM = (MembershipFunction.CHAIR, MembershipFunction.VICE_CHAIR)


# -- the decisions register ----------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterQuery:
    """The register's filters; None (or empty text) means "any"."""

    body_id: int | None = None
    year: int | None = None
    text: str = ""


@dataclass(frozen=True)
class RegisterEntry:
    decision: Decision
    item: AgendaItem
    meeting: Meeting
    number: str
    case_number: str | None

    @property
    def body(self) -> Body:
        return self.meeting.body

    @property
    def is_final(self) -> bool:
        return self.meeting.record_status == RecordStatus.FINAL


@dataclass(frozen=True)
class RegisterPage:
    entries: list[RegisterEntry]
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def window(self) -> list[int | None]:
        """The page numbers to link: the first, the last and those near this one; None
        stands for a gap."""
        near = {1, self.pages, *range(self.page - 2, self.page + 3)}
        shown = sorted(n for n in near if 1 <= n <= self.pages)
        numbers: list[int | None] = []
        for n in shown:
            if numbers and n - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(n)
        return numbers


def _readable_decisions(user: object) -> Select:
    return (
        select(Decision)
        .join(Decision.item)
        .join(AgendaItem.meeting)
        .join(Meeting.body)
        .where(readable_decisions_clause(user))
    )


def search_decisions(user: object, query: RegisterQuery, page: int = 1) -> RegisterPage:
    """One page of the decisions ``user`` may read, the latest meeting first, in § order."""
    statement = _readable_decisions(user).outerjoin(AgendaItem.case)
    if query.body_id is not None:
        statement = statement.where(Meeting.body_id == query.body_id)
    if query.year is not None and not MINYEAR <= query.year < MAXYEAR:
        statement = statement.where(false())  # no meeting is dated in a year no date has
    elif query.year is not None:
        statement = statement.where(
            Meeting.meeting_date >= date(query.year, 1, 1),
            Meeting.meeting_date < date(query.year + 1, 1, 1),
        )
    text = query.text.strip()
    if text:
        statement = statement.where(
            or_(
                Decision.text.icontains(text, autoescape=True),
                AgendaItem.title.icontains(text, autoescape=True),
                Case.case_number.icontains(text, autoescape=True),
            )
        )
    statement = statement.options(
        contains_eager(Decision.item)
        .contains_eager(AgendaItem.meeting)
        .contains_eager(Meeting.body),
        contains_eager(Decision.item).contains_eager(AgendaItem.case),
    ).order_by(Meeting.meeting_date.desc(), Meeting.id.desc(), AgendaItem.position)
    pagination = db.paginate(statement, page=max(page, 1), per_page=PER_PAGE, error_out=False)
    if not pagination.items and pagination.page > 1 and pagination.pages:
        # A page past the end (a link kept while decisions were filtered away): the last one.
        pagination = db.paginate(statement, page=pagination.pages, per_page=PER_PAGE)
    entries = [
        RegisterEntry(
            decision=decision,
            item=decision.item,
            meeting=decision.item.meeting,
            number=decision.item.record_label,
            case_number=decision.item.case.case_number if decision.item.case else None,
        )
        for decision in pagination.items
    ]
    return RegisterPage(
        entries=entries,
        page=pagination.page,
        pages=max(pagination.pages, 1),
        total=pagination.total or 0,
    )


def register_bodies(user: object) -> list[Body]:
    """The bodies that have decisions ``user`` may read: the choices of the body filter."""
    ids = _readable_decisions(user).with_only_columns(Body.id)
    return list(db.session.scalars(select(Body).where(Body.id.in_(ids)).order_by(Body.name)))


def register_years(user: object) -> list[int]:
    """The years that have decisions ``user`` may read, the latest first."""
    year = extract("year", Meeting.meeting_date)
    years = db.session.scalars(
        _readable_decisions(user).with_only_columns(year).distinct().order_by(year.desc())
    )
    return [int(y) for y in years]


# -- uppdrag -------------------------------------------------------------------------------------


class UppdragState(LabelledEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    REPORTED = "reported"
    CANCELLED = "cancelled"

    @classmethod
    def labels(cls) -> dict:
        # Read when shown (``.label``), so the plain pgettext is translated per request; the
        # context keeps these apart from the stored statuses' labels ("Open" = "Pågående").
        return {
            "open": pgettext("uppdrag", "Open"),
            "overdue": pgettext("uppdrag", "Overdue"),
            "reported": pgettext("uppdrag", "Reported back"),
            "cancelled": pgettext("uppdrag", "Written off"),
        }


# The status filter: one state, or "active" for every uppdrag still open, overdue or not.
ACTIVE = "active"
STATES = frozenset(state.value for state in UppdragState)


def due_day(assignment: Assignment) -> date | None:
    """The day the uppdrag is due: its due date, else the date of the meeting it is due at."""
    if assignment.due_date is not None:
        return assignment.due_date
    if assignment.due_meeting is not None:
        return assignment.due_meeting.meeting_date
    return None


def is_reported(assignment: Assignment) -> bool:
    item = assignment.reported_item
    if item is not None:
        return item.meeting.record_status == RecordStatus.FINAL
    return assignment.status == AssignmentStatus.REPORTED


def state_of(assignment: Assignment, today: date | None = None) -> UppdragState:
    """Öppen, försenad, återrapporterad or avskriven, computed (see the module docstring)."""
    if assignment.status == AssignmentStatus.CANCELLED:
        return UppdragState.CANCELLED
    if is_reported(assignment):
        return UppdragState.REPORTED
    due = due_day(assignment)
    if due is not None and due < (today or local_today()):
        return UppdragState.OVERDUE
    return UppdragState.OPEN


@dataclass(frozen=True)
class UppdragEntry:
    assignment: Assignment
    state: UppdragState
    due: date | None
    # The item whose decision gave the uppdrag, and its number in the record ("§ 30").
    origin: AgendaItem
    origin_number: str
    # The item that reports back, where there is one the reader may see, and whether she
    # may read it in its record (else it is linked on the meeting's page).
    reported_item: AgendaItem | None
    reported_in_record: bool = False


@dataclass(frozen=True)
class PersonBodies:
    """The bodies a person sits in today, and those where she is in the presidium."""

    seats: frozenset[int]
    presidium: frozenset[int]


def bodies_of(person: Person, today: date | None = None) -> PersonBodies:
    today = today or local_today()
    memberships = [
        m
        for m in db.session.scalars(select(Membership).where(Membership.person_id == person.id))
        if m.is_active(today)
    ]
    return PersonBodies(
        seats=frozenset(m.body_id for m in memberships if m.kind in SEATED),
        presidium=frozenset(
            m.body_id for m in memberships if m.kind in SEATED and m.function in PRESIDIUM
        ),
    )


def _concerning(bodies: PersonBodies) -> ColumnElement[bool]:
    """Uppdrag given to a body she sits in, or worded for people of the body that gave it:
    "ledamöter och ersättare" (every seat), "presidiet" (only when she is in the presidium).
    Other wordings ("förvaltningen", an official's title) concern no member."""
    text = func.lower(func.coalesce(Assignment.assignee_text, ""))
    to_members = or_(
        text.contains("ledamot"), text.contains("ledamöter"), text.contains("ersättare")
    )
    return or_(
        Assignment.assignee_body_id.in_(bodies.seats),
        and_(
            Assignment.assignee_body_id.is_(None),
            or_(
                and_(to_members, Meeting.body_id.in_(bodies.seats)),
                and_(text.contains("presidi"), Meeting.body_id.in_(bodies.presidium)),
            ),
        ),
    )


def list_uppdrag(
    user: object,
    *,
    status: str | None = None,
    assignee: str | None = None,
    body_id: int | None = None,
    body_ids: Sequence[int] | None = None,
    concerning: Person | None = None,
    today: date | None = None,
) -> list[UppdragEntry]:
    """The uppdrag ``user`` may read, due first.

    ``status`` is a state or ``"active"`` (open, overdue or not); ``assignee`` the assignee
    as shown; ``body_id`` and ``body_ids`` keep uppdrag given by or to those bodies;
    ``concerning`` keeps those given to the person (see ``_concerning``).
    """
    today = today or local_today()
    assignee_body = aliased(Body)
    statement = (
        select(Assignment)
        .join(Assignment.decision)
        .join(Decision.item)
        .join(AgendaItem.meeting)
        .join(Meeting.body)
        .outerjoin(assignee_body, Assignment.assignee_body_id == assignee_body.id)
        .where(readable_decisions_clause(user))
        .options(
            contains_eager(Assignment.decision)
            .contains_eager(Decision.item)
            .contains_eager(AgendaItem.meeting)
            .contains_eager(Meeting.body),
            contains_eager(Assignment.assignee_body.of_type(assignee_body)),
            selectinload(Assignment.due_meeting),
            selectinload(Assignment.reported_item)
            .selectinload(AgendaItem.meeting)
            .joinedload(Meeting.body),
        )
    )
    if assignee:
        statement = statement.where(
            or_(assignee_body.name == assignee, Assignment.assignee_text == assignee)
        )
    ids = set(body_ids or ())
    if body_id is not None:
        ids.add(body_id)
    if body_id is not None or body_ids is not None:
        statement = statement.where(
            or_(Meeting.body_id.in_(ids), Assignment.assignee_body_id.in_(ids))
        )
    if concerning is not None:
        statement = statement.where(_concerning(bodies_of(concerning, today)))
    entries = []
    for assignment in db.session.scalars(statement).unique():
        state = state_of(assignment, today)
        if status == ACTIVE and state not in (UppdragState.OPEN, UppdragState.OVERDUE):
            continue
        if status in STATES and state != UppdragState(status):
            continue
        origin = assignment.decision.item
        reported = assignment.reported_item
        entries.append(
            UppdragEntry(
                assignment=assignment,
                state=state,
                due=due_day(assignment),
                origin=origin,
                origin_number=origin.record_label,
                reported_item=reported if reported and can_view_item(user, reported) else None,
                reported_in_record=reported is not None and can_view_record(user, reported.meeting),
            )
        )
    entries.sort(
        key=lambda e: (
            e.due is None,
            e.due or date.max,
            e.origin.meeting.meeting_date,
            e.origin.position,
            e.assignment.id,
        )
    )
    return entries


def assignee_names(user: object) -> list[str]:
    """The assignees of the uppdrag ``user`` may read: the choices of the assignee filter."""
    assignee_body = aliased(Body)
    name = func.coalesce(assignee_body.name, Assignment.assignee_text)
    statement = (
        select(name)
        .select_from(Assignment)
        .join(Assignment.decision)
        .join(Decision.item)
        .join(AgendaItem.meeting)
        .join(Meeting.body)
        .outerjoin(assignee_body, Assignment.assignee_body_id == assignee_body.id)
        .where(readable_decisions_clause(user))
        .distinct()
    )
    return sorted({n for n in db.session.scalars(statement) if n}, key=str.casefold)
