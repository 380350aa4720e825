"""The calendar feeds of a body and of a person: valid iCalendar that common clients accept
(parsed back with icalendar, as the invitation tests do), stable UIDs shared with the kallelse
invitation, a Stockholm VTIMEZONE, cancelled meetings marked, and only what the reader may
see: public feeds for public bodies, nothing about a non-public body to the public."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from app.extensions import db
from app.meetings.models import Meeting
from tests.members_world import ANNA, EMAILS, OLLE, STINA

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _feed(client, url: str, status: int = 200) -> tuple[bytes, Calendar | None]:
    response = client.get(url)
    assert response.status_code == status, url
    if status != 200:
        return response.data, None
    assert response.mimetype == "text/calendar"
    assert response.mimetype_params["charset"] == "utf-8"
    ics = response.data
    assert b"\r\n" in ics and all(len(line) <= 75 for line in ics.split(b"\r\n"))
    calendar = Calendar.from_ical(ics)
    assert calendar.to_ical() == ics  # round trip: nothing lost or reinterpreted
    return ics, calendar


def _events(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_body_feed_is_a_valid_subscribable_calendar(world, client):
    url = f"/bodies/{world['body']}/calendar.ics"
    ics, calendar = _feed(client, url)

    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "Kulturnämnden – sammanträden"
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=6)
    assert str(calendar["SOURCE"]) == f"http://localhost{url}"
    (timezone,) = calendar.timezones
    assert timezone.tz_name == "Europe/Stockholm"
    assert calendar.get_missing_tzids() == set()

    events = _events(calendar)
    meetings = ("held", "draft", "convened", "planned", "cancelled")
    assert set(events) == {f"meeting-{world[m]}@sekretariat" for m in meetings}
    held = events[f"meeting-{world['held']}@sekretariat"]
    assert held.start == datetime(2025, 3, 14, 13, 0, tzinfo=STOCKHOLM)
    assert held.end == datetime(2025, 3, 14, 15, 30, tzinfo=STOCKHOLM)
    assert held["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert str(held["LOCATION"]) == "Sammanträdesrum Kronan, Stadshuset, Sala"
    assert str(held["URL"]) == f"http://localhost/meetings/{world['held']}"
    assert str(held["STATUS"]) == "CONFIRMED"
    assert isinstance(held["SEQUENCE"], int) and held["SEQUENCE"] >= 0
    assert held["DTSTAMP"].dt.tzinfo is not None
    assert abs(held["DTSTAMP"].dt - datetime.now(UTC)) < timedelta(minutes=1)
    cancelled = events[f"meeting-{world['cancelled']}@sekretariat"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    # No people, no addresses: a feed is public.
    assert b"ATTENDEE" not in ics and b"ORGANIZER" not in ics and b"mailto:" not in ics
    for email in EMAILS:
        assert email.encode() not in ics


def test_uids_are_stable_and_sequence_follows_changes(world, app, client):
    url = f"/bodies/{world['body']}/calendar.ics"
    first = _events(_feed(client, url)[1])
    again = _events(_feed(client, url)[1])
    assert set(first) == set(again)
    uid = f"meeting-{world['convened']}@sekretariat"
    assert again[uid]["SEQUENCE"] == first[uid]["SEQUENCE"]

    with app.app_context():
        meeting = db.session.get(Meeting, world["convened"])
        meeting.room = "Sammanträdesrum Silvret"
        db.session.commit()
    changed = _events(_feed(client, url)[1])[uid]
    assert changed["SEQUENCE"] > first[uid]["SEQUENCE"]
    assert str(changed["LOCATION"]).startswith("Sammanträdesrum Silvret")


def test_feed_and_kallelse_invitation_are_the_same_event(
    world, app, make_client, login, monkeypatch
):
    """A member who has the invitation and subscribes to the feed sees one meeting."""
    monkeypatch.setitem(app.config, "MAIL_SUPPRESS_SEND", True)
    monkeypatch.setitem(app.extensions, "sent_mail", [])
    stina = make_client()
    login(stina, STINA)
    meeting_id = world["planned"]
    response = stina.submit(
        f"/meetings/{meeting_id}/kallelse",
        {"preliminary": "1"},
        form_url=f"/meetings/{meeting_id}/agenda",
    )
    assert response.status_code == 302
    invitation = next(
        part.get_content()
        for message in app.extensions["sent_mail"]
        for part in message.iter_attachments()
        if part.get_filename() == "invitation.ics"
    )
    (invited,) = Calendar.from_ical(invitation).walk("VEVENT")
    feed = _events(_feed(stina, f"/bodies/{world['body']}/calendar.ics")[1])
    event = feed[str(invited["UID"])]
    assert str(invited["UID"]) == f"meeting-{meeting_id}@sekretariat"
    assert event["SEQUENCE"] >= invited["SEQUENCE"]
    assert event.start == invited.start


def test_a_meeting_without_a_time_is_an_all_day_event(world, app, client):
    with app.app_context():
        meeting = db.session.get(Meeting, world["cancelled"])
        meeting.start_time = meeting.end_time = None
        db.session.commit()
    calendar = _feed(client, f"/bodies/{world['body']}/calendar.ics")[1]
    event = _events(calendar)[f"meeting-{world['cancelled']}@sekretariat"]
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert event.start == date(2025, 9, 1) and event.end == date(2025, 9, 2)


def test_person_feed_holds_the_meetings_of_her_bodies(world, client, make_client, login):
    _ics, calendar = _feed(client, f"/people/{world['anna']}/calendar.ics")
    assert str(calendar["X-WR-CALNAME"]) == "Anna Berg – sammanträden"
    assert len(_events(calendar)) == 5
    # Stina also serves Personalgruppen, which the public does not see.
    public = _events(_feed(client, f"/people/{world['stina']}/calendar.ics")[1])
    assert f"meeting-{world['group_meeting']}@sekretariat" not in public
    stina = make_client()
    login(stina, STINA)
    inside = _events(_feed(stina, f"/people/{world['stina']}/calendar.ics")[1])
    assert f"meeting-{world['group_meeting']}@sekretariat" in inside
    assert len(inside) == len(public) + 1


def test_feeds_of_what_is_not_public_are_not_found(world, client, make_client, login):
    _feed(client, f"/bodies/{world['group']}/calendar.ics", status=404)
    _feed(client, f"/people/{world['olle']}/calendar.ics", status=404)
    _feed(client, "/bodies/999999/calendar.ics", status=404)
    anna = make_client()
    login(anna, ANNA)
    _feed(anna, f"/bodies/{world['group']}/calendar.ics", status=404)
    olle = make_client()
    login(olle, OLLE)
    response = olle.get(f"/bodies/{world['group']}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")
    assert (
        client.get(f"/bodies/{world['body']}/calendar.ics")
        .headers["Cache-Control"]
        .startswith("public")
    )


def test_feed_names_with_commas_stay_whole_and_an_empty_feed_is_valid():
    from app.core.calendar import subscription_ics

    name = "Bygg-, miljö- och hälsoskyddsnämnden"
    ics = subscription_ics([], name=name, description="Sala; Heby, Avesta")
    calendar = Calendar.from_ical(ics)
    # Written as TEXT (escaped, as Google's own exports write it), read back whole.
    assert "NAME:Bygg-\\, miljö- och hälsoskyddsnämnden" in ics.decode()
    for key in ("NAME", "X-WR-CALNAME"):
        assert str(calendar[key]).replace("\\,", ",") == name
    assert str(calendar["DESCRIPTION"]) == "Sala; Heby, Avesta"
    assert calendar.walk("VEVENT") == [] and len(calendar.timezones) == 1
    assert calendar.to_ical() == ics
