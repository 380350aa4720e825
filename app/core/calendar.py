"""iCalendar (RFC 5545) files: a meeting invitation to mail, and a feed of meetings.

Times are written in Stockholm local time with ``TZID=Europe/Stockholm`` and a matching
VTIMEZONE, so a client shows 09:00 for a 09:00 meeting even in a calendar kept in another
zone. A meeting whose time is not yet known becomes an all-day event on its date.

This module knows no domain: callers turn their meetings into :class:`CalendarEvent`.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, Timezone, vCalAddress
from icalendar.prop import vDuration, vText

from app.core.dates import LOCAL_TZ

PRODID = "-//Sekretariat//SV"
TZID = "Europe/Stockholm"
DEFAULT_DURATION = timedelta(hours=1)
STATUSES = ("CONFIRMED", "TENTATIVE", "CANCELLED")


@dataclass
class CalendarEvent:
    """One event. ``uid`` must stay the same for the life of the meeting.

    ``start`` and ``end`` are aware datetimes (any zone; written as Stockholm time). Without
    ``end`` the event lasts :data:`DEFAULT_DURATION` (one hour): long enough to show in a day
    view, short enough not to claim an afternoon nobody announced. With ``all_day_date`` the
    event is an all-day event on that date and ``start``/``end`` are ignored.

    Raise ``sequence`` on every change that is sent out, so clients replace the event they
    have instead of keeping the old one.
    """

    uid: str
    summary: str
    start: datetime
    end: datetime | None
    location: str | None = None
    description: str | None = None
    url: str | None = None
    sequence: int = 0
    status: str = "CONFIRMED"
    all_day_date: date | None = None


def invitation_method(event: CalendarEvent) -> str:
    """The iTIP method for mailing ``event``: CANCEL for a cancelled event, else REQUEST."""
    return "CANCEL" if event.status == "CANCELLED" else "REQUEST"


def invitation_media_type(event: CalendarEvent) -> str:
    """The attachment media type matching :func:`invitation_ics` for ``event``."""
    return f"text/calendar; method={invitation_method(event)}"


def invitation_ics(
    event: CalendarEvent,
    *,
    organizer_email: str,
    organizer_name: str,
    attendees: list[tuple[str, str]],
) -> bytes:
    """An invitation to mail: ``METHOD:REQUEST`` with an organizer and attendees.

    ``attendees`` are ``(name, email)`` pairs. No reply is asked for (``RSVP=FALSE``):
    attendance is reported to the secretary, not through calendar replies. A cancelled event
    (``status="CANCELLED"``) is sent with ``METHOD:CANCEL``, which is what makes clients
    remove it; attach it with :func:`invitation_media_type`.
    """
    calendar = _calendar(method=invitation_method(event))
    vevent = _vevent(event)
    vevent.add("organizer", vCalAddress.new(organizer_email, cn=organizer_name))
    for name, email in attendees:
        vevent.add(
            "attendee",
            vCalAddress.new(
                email,
                cn=name,
                role="REQ-PARTICIPANT",
                partstat="NEEDS-ACTION",
                rsvp=False,
            ),
        )
    _add_timezone(calendar, [event], always=False)
    calendar.add_component(vevent)
    return calendar.to_ical()


def calendar_ics(events: list[CalendarEvent], *, name: str) -> bytes:
    """A subscribable feed (``METHOD:PUBLISH``) named ``name``.

    Feeds may be public, so they carry no organizer or attendees (no email addresses).
    """
    calendar = _calendar(method="PUBLISH")
    calendar.add("name", name)  # RFC 7986
    calendar.add("x-wr-calname", name)  # what most clients read
    calendar.add("x-wr-timezone", TZID)
    # Always present, so that even an empty feed holds the component RFC 5545 requires.
    _add_timezone(calendar, events, always=True)
    for event in events:
        calendar.add_component(_vevent(event))
    return calendar.to_ical()


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _vevent(event: CalendarEvent) -> Event:
    if event.status not in STATUSES:
        raise ValueError(f"Unknown event status {event.status!r}; use one of {STATUSES}.")
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", datetime.now(UTC).replace(microsecond=0))
    vevent.add("sequence", event.sequence)
    vevent.add("status", event.status)
    vevent.add("summary", event.summary)
    if event.all_day_date is not None:
        vevent.add("dtstart", event.all_day_date)
        vevent.add("dtend", event.all_day_date + timedelta(days=1))  # DTEND is exclusive
    else:
        start, end = _local_span(event)
        vevent.add("dtstart", start)
        vevent.add("dtend", end)
    if event.location:
        vevent.add("location", event.location)
    if event.description:
        vevent.add("description", event.description)
    if event.url:
        vevent.add("url", event.url)
    return vevent


def _local_span(event: CalendarEvent) -> tuple[datetime, datetime]:
    """Start and end in Stockholm time (seconds dropped), checked to be aware and in order."""
    for value in (event.start, event.end):
        if value is not None and value.utcoffset() is None:
            raise ValueError(f"Event {event.uid!r}: times must be timezone-aware.")
    start = event.start.astimezone(LOCAL_TZ).replace(second=0, microsecond=0)
    end_at = event.end if event.end is not None else event.start + DEFAULT_DURATION
    end = end_at.astimezone(LOCAL_TZ).replace(second=0, microsecond=0)
    if end <= start:
        raise ValueError(f"Event {event.uid!r}: the end must be after the start.")
    return start, end


def _add_timezone(calendar: Calendar, events: list[CalendarEvent], *, always: bool) -> None:
    """Add the Stockholm VTIMEZONE covering the events' years (and the next).

    icalendar writes the zone's actual transitions for a date range; a range around the
    events keeps the file small while staying exact for every time in it.
    """
    years = [_local_span(event)[0].year for event in events if event.all_day_date is None]
    if not years:
        if not always:
            return
        years = [datetime.now(LOCAL_TZ).year]
    timezone = Timezone.from_tzid(
        TZID, first_date=date(min(years), 1, 1), last_date=date(max(years) + 1, 12, 31)
    )
    calendar.add_component(timezone)


# How often subscribers' clients are asked to fetch a feed again.
DEFAULT_REFRESH = timedelta(hours=6)


def subscription_ics(
    events: list[CalendarEvent],
    *,
    name: str,
    description: str | None = None,
    source_url: str | None = None,
    refresh: timedelta = DEFAULT_REFRESH,
) -> bytes:
    """A feed to subscribe to, as :func:`calendar_ics`, that also tells clients what it is and
    how often to fetch it again.

    ``REFRESH-INTERVAL`` and ``SOURCE`` (RFC 7986) are what standard clients read;
    ``X-PUBLISHED-TTL`` is Outlook's name for the interval. Text values are escaped (a body
    name with a comma stays one name).
    """
    calendar = _calendar(method="PUBLISH")
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    if description:
        calendar.add("description", description)
        calendar.add("x-wr-caldesc", vText(description))
    calendar.add("x-wr-timezone", TZID)
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(refresh))
    if source_url:
        calendar.add("source", source_url, parameters={"VALUE": "URI"})
    _add_timezone(calendar, events, always=True)
    for event in events:
        calendar.add_component(_vevent(event))
    return calendar.to_ical()
