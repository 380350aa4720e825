"""Time zone helpers: stored datetimes are aware UTC; people read Stockholm time."""

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LOCAL_TZ = ZoneInfo("Europe/Stockholm")


def local_to_utc(day: date, at: time) -> datetime:
    """The aware UTC instant of a Stockholm wall-clock time."""
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(UTC)


# Swedish documents are Swedish whatever the reader's UI language, so these are not translated.
WEEKDAYS_DEFINITE = (
    "måndagen",
    "tisdagen",
    "onsdagen",
    "torsdagen",
    "fredagen",
    "lördagen",
    "söndagen",
)
WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
MONTHS = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)  # fmt: skip


def swedish_long_date(day: date) -> str:
    """ "fredagen den 14 juni 2024", as sentences in Swedish records print a date."""
    return f"{WEEKDAYS_DEFINITE[day.weekday()]} den {day.day} {MONTHS[day.month - 1]} {day.year}"


def swedish_weekday_date(day: date) -> str:
    """ "tisdag 3 februari 2026", as plans and mails about a meeting's day name it."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


@lru_cache(maxsize=32)
def _holidays(year: int, language: str) -> holidays.HolidayBase:
    return holidays.Sweden(
        years=year, categories=(holidays.PUBLIC, holidays.DE_FACTO), language=language
    )


def swedish_holiday(day: date, language: str = "sv") -> str | None:
    """The name of the Swedish holiday (or midsommarafton, julafton, nyårsafton) on ``day``,
    in ``language`` ("sv" or "en_US"), or None on an ordinary day (Sundays are not named)."""
    return _holidays(day.year, language).get(day)


def swedish_clock(at: time) -> str:
    """ "kl 09.00", as sentences print a time (headers use "kl. 09:00-12:00")."""
    return f"kl {at:%H.%M}"


def local_date(moment: datetime) -> date:
    """The Stockholm calendar date of an instant (a justering at 00:30 UTC is the next day)."""
    return moment.astimezone(LOCAL_TZ).date()


def local_stamp(moment: datetime) -> str:
    """An instant as Swedish documents print it: "2026-03-17 14:05"."""
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def local_signed_stamp(moment: datetime) -> str:
    """When a signature was made, as a Swedish record prints it: "2024-11-12 kl. 14:03"."""
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d kl. %H:%M")


def local_today() -> date:
    """Today in Stockholm: dates such as the anslagstavla's change at local midnight."""
    return datetime.now(LOCAL_TZ).date()
