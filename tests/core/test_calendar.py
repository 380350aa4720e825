"""Calendar files: an invitation and a feed that clients accept (parsed back with icalendar)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from app.core.calendar import (
    CalendarEvent,
    calendar_ics,
    invitation_ics,
    invitation_media_type,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def srb_meeting(**values: object) -> CalendarEvent:
    defaults: dict[str, object] = {
        "uid": "meeting-1@sekretariat.example.se",
        "summary": "Strategisk regional beredning",
        # Stored as UTC, as the models keep it: 07:00Z is 09:00 in Stockholm in April.
        "start": datetime(2024, 4, 19, 7, 0, tzinfo=UTC),
        "end": datetime(2024, 4, 19, 10, 0, tzinfo=UTC),
        "location": "Regionhuset, Västerås",
        "description": "Kallelse och handlingar: https://sekretariat.example.se/meetings/1",
        "url": "https://sekretariat.example.se/meetings/1",
        "sequence": 2,
    }
    return CalendarEvent(**{**defaults, **values})  # type: ignore[arg-type]


def invite(event: CalendarEvent) -> Calendar:
    ics = invitation_ics(
        event,
        organizer_email="noreply@example.se",
        organizer_name="Strategisk regional beredning",
        attendees=[
            ("Johanna Odö", "johanna.odo@example.se"),
            ("Anna Andersson", "anna.andersson@example.se"),
        ],
    )
    assert b"\r\n" in ics and all(len(line) <= 75 for line in ics.split(b"\r\n"))
    return Calendar.from_ical(ics)


def only_event(calendar: Calendar) -> Event:
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_invitation_is_a_request_at_nine_stockholm_time() -> None:
    calendar = invite(srb_meeting())

    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["PRODID"]) == "-//Sekretariat//SV"
    assert str(calendar["VERSION"]) == "2.0"
    event = only_event(calendar)
    assert event["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert event.start == datetime(2024, 4, 19, 9, 0, tzinfo=STOCKHOLM)
    assert event.start.astimezone(UTC) == datetime(2024, 4, 19, 7, 0, tzinfo=UTC)
    assert event.end == datetime(2024, 4, 19, 12, 0, tzinfo=STOCKHOLM)
    # The VTIMEZONE the file carries puts 09:00 on that day at +02:00 (summer time).
    (timezone,) = calendar.timezones
    assert timezone.tz_name == "Europe/Stockholm"
    local = datetime(2024, 4, 19, 9, 0, tzinfo=timezone.to_tz())
    assert local.utcoffset() == timedelta(hours=2)
    assert calendar.get_missing_tzids() == set()

    assert str(event["UID"]) == "meeting-1@sekretariat.example.se"
    assert str(event["SUMMARY"]) == "Strategisk regional beredning"
    assert str(event["LOCATION"]) == "Regionhuset, Västerås"
    assert event["SEQUENCE"] == 2
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTAMP"].dt.tzinfo is not None
    assert abs(event["DTSTAMP"].dt - datetime.now(UTC)) < timedelta(minutes=1)
    assert str(event["ORGANIZER"]) == "mailto:noreply@example.se"


def test_invitation_lists_attendees_without_asking_for_replies() -> None:
    event = only_event(invite(srb_meeting()))

    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == [
        "mailto:johanna.odo@example.se",
        "mailto:anna.andersson@example.se",
    ]
    assert [a.params["CN"] for a in attendees] == ["Johanna Odö", "Anna Andersson"]
    assert {a.params["RSVP"] for a in attendees} == {"FALSE"}


def test_event_without_end_lasts_an_hour() -> None:
    event = only_event(invite(srb_meeting(end=None)))

    assert event.end - event.start == timedelta(hours=1)


def test_date_only_meeting_is_an_all_day_event() -> None:
    calendar = invite(srb_meeting(all_day_date=date(2024, 6, 14)))

    event = only_event(calendar)
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert event.start == date(2024, 6, 14)
    assert event.end == date(2024, 6, 15)
    assert calendar.timezones == []  # no times, so no zone needed


def test_cancelled_event_is_sent_as_cancel() -> None:
    cancelled = srb_meeting(status="CANCELLED", sequence=3)

    calendar = invite(cancelled)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(only_event(calendar)["STATUS"]) == "CANCELLED"
    assert invitation_media_type(cancelled) == "text/calendar; method=CANCEL"
    assert invitation_media_type(srb_meeting()) == "text/calendar; method=REQUEST"


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"start": datetime(2024, 4, 19, 9, 0)}, "aware"),  # naive on purpose
        ({"end": datetime(2024, 4, 19, 6, 0, tzinfo=UTC)}, "after the start"),
        ({"status": "MAYBE"}, "status"),
    ],
)
def test_invalid_events_are_refused(values: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        invite(srb_meeting(**values))


def test_feed_publishes_every_event_without_addresses() -> None:
    events = [
        srb_meeting(),
        srb_meeting(
            uid="meeting-2@sekretariat.example.se",
            start=datetime(2024, 6, 14, 7, 0, tzinfo=UTC),
            end=None,
            sequence=0,
        ),
    ]

    ics = calendar_ics(events, name="Strategisk regional beredning – sammanträden")

    calendar = Calendar.from_ical(ics)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Strategisk regional beredning – sammanträden"
    vevents = calendar.walk("VEVENT")
    assert len(vevents) == 2
    assert [str(e["UID"]) for e in vevents] == [e.uid for e in events]
    assert [e["SEQUENCE"] for e in vevents] == [2, 0]
    assert vevents[1].start == datetime(2024, 6, 14, 9, 0, tzinfo=STOCKHOLM)
    assert calendar.get_missing_tzids() == set()
    assert b"ATTENDEE" not in ics and b"ORGANIZER" not in ics and b"mailto:" not in ics


def test_empty_feed_is_still_a_valid_calendar() -> None:
    calendar = Calendar.from_ical(calendar_ics([], name="Inga möten"))

    assert calendar.walk("VEVENT") == []
    assert len(calendar.subcomponents) == 1  # RFC 5545 wants at least one component


def test_a_seat_begins_at_midnight_in_stockholm_not_on_the_servers_clock(app, factory, monkeypatch):
    """A membership from tomorrow counts from 00:00 Swedish time: at 23:30 UTC today it is
    already tomorrow in Stockholm (00:30 in winter, 01:30 in summer) and the member has her
    seat, whatever the server's own zone or date says."""
    from datetime import UTC, timedelta
    from datetime import datetime as real_datetime

    import app.core.dates as dates
    from app.accounts.models import User
    from app.accounts.permissions import roles_of
    from app.extensions import db

    today_utc = real_datetime.now(UTC).date()
    late_evening = real_datetime(today_utc.year, today_utc.month, today_utc.day, 23, 30, tzinfo=UTC)

    class Clock(real_datetime):
        @classmethod
        def now(cls, tz=None):
            return late_evening.astimezone(tz) if tz else late_evening.replace(tzinfo=None)

    tomorrow = today_utc + timedelta(days=1)
    body_id = factory.body("Testnämnden")
    person_id = factory.person("Anna Andersson")
    factory.seat(person_id, body_id, start_date=tomorrow)
    user_id = factory.user("anna@example.se", person_id=person_id)
    monkeypatch.setattr(dates, "datetime", Clock)
    with app.test_request_context():
        assert dates.local_today() == tomorrow
        assert body_id in roles_of(db.session.get(User, user_id)).member_of
