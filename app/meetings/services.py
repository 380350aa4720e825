"""The sammanträdesplan: a body's meetings for a year, made at once from a rule or a list.

A secretary plans the year in one go: "första tisdagen varje månad utom juli", every other
week from a start date, or the dates typed one a line. ``plan_dates`` works out what would be
made (each day with its Swedish holiday, and why a day is skipped: a meeting of the body is
there already, or the day has passed); ``create_planned_meetings`` makes them, each through
``agenda.services.schedule_meeting`` like a meeting made by hand. The rules live here, so a
command or a job obeys them too: nothing in the past, nothing twice, at most ``MAX_MEETINGS``.
"""

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import select

from app.agenda.services import schedule_meeting
from app.bodies.models import Body
from app.core.actors import Actor
from app.core.dates import MONTHS, WEEKDAYS, WEEKDAYS_DEFINITE, local_today, swedish_holiday
from app.core.errors import DomainError
from app.extensions import db
from app.meetings.models import Meeting, MeetingMode

# More than a body meets in a year even weekly: a plan beyond this is a mistake in the rule.
MAX_MEETINGS = 60
# How far ahead a year can be planned.
MAX_YEARS_AHEAD = 5
LAST_WEEK = -1  # "sista tisdagen i månaden"


class Pattern(StrEnum):
    MONTHLY = "monthly"  # given weekday(s) of the month: första tisdagen, sista torsdagen
    WEEKLY = "weekly"  # every N weeks from a start date


@dataclass(frozen=True)
class PlanRule:
    """How the dates of a year follow: ``weekday`` 0 = Monday; ``weeks`` 1-4 or
    ``LAST_WEEK`` (monthly); ``start`` and ``interval`` in weeks (weekly); months skipped
    (1-12) either way."""

    year: int
    pattern: Pattern
    weekday: int = 0
    weeks: tuple[int, ...] = (1,)
    start: date | None = None
    interval: int = 1
    skip_months: frozenset[int] = frozenset()


@dataclass(frozen=True)
class MeetingDetails:
    """What every planned meeting gets: times, place and mode."""

    start_time: time | None = None
    end_time: time | None = None
    room: str | None = None
    building: str | None = None
    location: str | None = None
    mode: MeetingMode = MeetingMode.ON_SITE


@dataclass(frozen=True)
class LineError:
    """A line of a typed list that is not a date: its number (from 1), its text, why."""

    number: int
    text: str
    message: str


@dataclass
class PlannedDay:
    day: date
    holiday: str | None = None
    existing: Meeting | None = None  # the body's meeting that day: skipped, never doubled
    is_past: bool = False  # skipped: meetings are not planned after the fact

    @property
    def is_skipped(self) -> bool:
        return self.existing is not None or self.is_past


@dataclass
class PlanPreview:
    days: list[PlannedDay] = field(default_factory=list)

    @property
    def to_create(self) -> list[PlannedDay]:
        return [d for d in self.days if not d.is_skipped]


# -- the dates ----------------------------------------------------------------------------


def _check_year(year: int, today: date) -> None:
    if not today.year <= year <= today.year + MAX_YEARS_AHEAD:
        raise DomainError(
            _(
                "Plan a year from %(first)d to %(last)d.",
                first=today.year,
                last=today.year + MAX_YEARS_AHEAD,
            ),
            field="year",
        )


def _nth_weekday(year: int, month: int, weekday: int, week: int) -> date | None:
    """The ``week``-th ``weekday`` of the month (``LAST_WEEK``: the last one)."""
    days = [
        day
        for day in calendar.Calendar().itermonthdates(year, month)
        if day.month == month and day.weekday() == weekday
    ]
    if week == LAST_WEEK:
        return days[-1]
    return days[week - 1] if week <= len(days) else None


def dates_from_rule(rule: PlanRule, today: date | None = None) -> list[date]:
    """The days of ``rule.year`` the rule gives, in order, skipped months left out."""
    _check_year(rule.year, today or local_today())
    if not 0 <= rule.weekday <= 6:
        raise DomainError(_("Choose a weekday."), field="weekday")
    found: set[date] = set()
    if rule.pattern == Pattern.MONTHLY:
        if not rule.weeks or any(w not in (1, 2, 3, 4, LAST_WEEK) for w in rule.weeks):
            raise DomainError(_("Choose which week of the month."), field="weeks")
        for month in range(1, 13):
            for week in rule.weeks:
                day = _nth_weekday(rule.year, month, rule.weekday, week)
                if day is not None:
                    found.add(day)
    else:
        if rule.start is None or rule.start.year != rule.year:
            raise DomainError(
                _("Give a first date in %(year)d.", year=rule.year), field="start_date"
            )
        if not 1 <= rule.interval <= 52:
            raise DomainError(_("Give a number of weeks from 1 to 52."), field="interval")
        day = rule.start
        while day.year == rule.year:
            found.add(day)
            day += timedelta(weeks=rule.interval)
    return sorted(day for day in found if day.month not in rule.skip_months)


_MONTH_NUMBERS = {name: number for number, name in enumerate(MONTHS, 1)}
_WEEKDAY_NUMBERS = {
    **{name: number for number, name in enumerate(WEEKDAYS)},
    **{name: number for number, name in enumerate(WEEKDAYS_DEFINITE)},
}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})/(\d{1,2})(?:[ -]?(\d{4}))?")  # 3/2 2026, the Swedish short form
_WORDS = re.compile(r"(?:(\w+?),?\s+)??(?:den\s+)?(\d{1,2})\s+(\w+)\s+(\d{4})")


def _parse_line(text: str, year: int | None) -> date:
    """One typed date: "2026-02-03", "3 februari 2026", "tisdag 3 februari 2026",
    "tisdagen den 3 februari 2026" or "3/2 2026" ("3/2" in the year planned)."""
    line = text.strip().casefold().rstrip(".")
    weekday: int | None = None
    try:
        if match := _ISO.fullmatch(line):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _NUMERIC.fullmatch(line):
            typed_year = int(match[3]) if match[3] else year
            if typed_year is None:
                raise DomainError(_("Write the year too."))
            return date(typed_year, int(match[2]), int(match[1]))
        if match := _WORDS.fullmatch(line):
            if match[3] not in _MONTH_NUMBERS:
                raise DomainError(_("Not a month: %(word)s.", word=match[3]))
            if match[1] is not None:
                if match[1] not in _WEEKDAY_NUMBERS:
                    raise DomainError(_("Not a weekday: %(word)s.", word=match[1]))
                weekday = _WEEKDAY_NUMBERS[match[1]]
            day = date(int(match[4]), _MONTH_NUMBERS[match[3]], int(match[2]))
            if weekday is not None and day.weekday() != weekday:
                raise DomainError(
                    _("That day is a %(weekday)s.", weekday=_weekday_name(day.weekday()))
                )
            return day
    except ValueError:
        raise DomainError(_("There is no such day.")) from None
    raise DomainError(_('Write the date as 2026-02-03 or "3 februari 2026".'))


def _weekday_name(weekday: int) -> str:
    return str(
        (
            _("Monday"),
            _("Tuesday"),
            _("Wednesday"),
            _("Thursday"),
            _("Friday"),
            _("Saturday"),
            _("Sunday"),
        )[weekday]
    )


def parse_date_list(text: str, year: int | None = None) -> tuple[list[date], list[LineError]]:
    """The days of a typed list, one a line (blank lines ignored, a day typed twice counted
    once), and an error for each line that is not a date."""
    days: set[date] = set()
    errors: list[LineError] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            days.add(_parse_line(line, year))
        except DomainError as error:
            errors.append(LineError(number, line.strip(), error.message))
    return sorted(days), errors


# -- the plan -----------------------------------------------------------------------------


def _existing_meetings(body: Body, days: Iterable[date]) -> dict[date, Meeting]:
    wanted = set(days)
    if not wanted:
        return {}
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.body_id == body.id, Meeting.meeting_date.in_(wanted))
        .order_by(Meeting.meeting_date, Meeting.id)
    )
    found: dict[date, Meeting] = {}
    for meeting in meetings:
        found.setdefault(meeting.meeting_date, meeting)
    return found


def plan_dates(
    body: Body, days: Iterable[date], *, today: date | None = None, language: str = "sv"
) -> PlanPreview:
    """What a plan of ``days`` would make: each day with its holiday (in ``language``),
    and why it is skipped (a meeting of the body that day, or a day already past)."""
    today = today or local_today()
    ordered = sorted(set(days))
    existing = _existing_meetings(body, ordered)
    return PlanPreview(
        [
            PlannedDay(
                day=day,
                holiday=swedish_holiday(day, language),
                existing=existing.get(day),
                is_past=day < today,
            )
            for day in ordered
        ]
    )


def create_planned_meetings(
    actor: Actor,
    body: Body,
    days: Iterable[date],
    details: MeetingDetails,
    *,
    today: date | None = None,
) -> list[Meeting]:
    """Make a meeting of ``body`` on each of ``days`` with ``details``, each with the body's
    standing items, as ``schedule_meeting`` makes one. Days that have a meeting of the body
    already, and days past, are skipped (never doubled); nothing at all is refused with the
    reason, and so is more than ``MAX_MEETINGS``. Returns the meetings made."""
    today = today or local_today()
    wanted = sorted(set(days))
    if not wanted:
        raise DomainError(_("Choose at least one date."))
    if len(wanted) > MAX_MEETINGS:
        raise DomainError(
            _("At most %(count)d meetings can be planned at once.", count=MAX_MEETINGS)
        )
    for day in wanted:
        _check_year(day.year, today)
    preview = plan_dates(body, wanted, today=today)
    to_create = preview.to_create
    if not to_create:
        raise DomainError(
            _("Every chosen date has passed or has a meeting of %(body)s already.", body=body.name)
        )
    return [
        schedule_meeting(
            actor,
            body,
            meeting_date=planned.day,
            start_time=details.start_time,
            end_time=details.end_time,
            room=details.room,
            building=details.building,
            location=details.location,
            mode=details.mode,
        )
        for planned in to_create
    ]
