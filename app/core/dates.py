"""Time zone helpers: stored datetimes are aware UTC; people read Stockholm time."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Stockholm")


def local_to_utc(day: date, at: time) -> datetime:
    """The aware UTC instant of a Stockholm wall-clock time."""
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(UTC)
