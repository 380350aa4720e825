"""One calendar event for a meeting (app/meetings/calendar.py): the kallelse's invitation, the
invitation in the mail telling the members that the meeting moved, and the body's calendar
feed share the UID, and the SEQUENCE never goes down and rises with each change mailed out, so
a member's calendar moves the meeting whichever of them she took it from."""

import re
from datetime import date

import pytest
from icalendar import Calendar

from app.core.calendar import invitation_method
from app.core.dates import local_today
from app.extensions import db
from app.meetings.calendar import invitation_attachment, meeting_event
from app.meetings.models import Meeting, MeetingStatus
from tests.agenda.helpers import make_committee

MEMBERS = {"karin@example.se", "olle@example.se", "sara@example.se"}


@pytest.fixture
def committee(factory):
    return make_committee(factory)


def _year() -> int:
    return local_today().year + 1


def _new_meeting(elin, body_id: int) -> int:
    response = elin.submit(
        f"/bodies/{body_id}/meetings/new",
        {
            "meeting_date": f"{_year()}-02-02",
            "start_time": "09:00",
            "end_time": "12:00",
            "room": "Mälaren",
            "mode": "on_site",
        },
    )
    return int(re.search(r"/meetings/(\d+)/agenda", response.headers["Location"]).group(1))


def _send_kallelse(elin, meeting_id: int) -> None:
    response = elin.submit(
        f"/meetings/{meeting_id}/kallelse",
        {"preliminary": "1"},
        form_url=f"/meetings/{meeting_id}/agenda",
    )
    assert response.status_code == 302


def _move(elin, meeting_id: int) -> None:
    response = elin.submit(
        f"/meetings/{meeting_id}/edit",
        {
            "meeting_date": f"{_year()}-02-09",
            "start_time": "13:00",
            "end_time": "15:00",
            "room": "Kronan",
            "mode": "on_site",
        },
    )
    assert response.status_code == 302


def _invitation(smtp_server, count: int, subject: str):
    """The invitation the last ``count``-th batch of three mails (one a member) carried, as
    Karin got it: (METHOD, media type, VEVENT); every member got the same event."""
    received = smtp_server.wait_for(count)[count - 3 : count]
    assert {m["rcpt_tos"][0] for m in received} == MEMBERS
    found = []
    for m in received:
        message = m["message"]
        assert str(message["Subject"]).startswith(subject)
        (part,) = [p for p in message.iter_attachments() if p.get_filename() == "invitation.ics"]
        calendar = Calendar.from_ical(part.get_content())
        (event,) = calendar.walk("VEVENT")
        found.append((str(calendar["METHOD"]), part.get_content_type(), part, event))
    assert len({(str(e["UID"]), e["SEQUENCE"]) for *_, e in found}) == 1
    method, content_type, part, event = found[0]
    assert content_type == "text/calendar"
    assert part.get_param("method") == method
    return method, event


def _feed_event(client, body_id: int, uid: str):
    calendar = Calendar.from_ical(client.get(f"/bodies/{body_id}/calendar.ics").data)
    (event,) = [e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid]
    return event


def test_kallelse_then_move_then_updated_kallelse(app, committee, make_client, login, smtp_server):
    elin = make_client()
    login(elin, "elin@example.se")
    meeting_id = _new_meeting(elin, committee["body"])
    uid = f"meeting-{meeting_id}@sekretariat"

    _send_kallelse(elin, meeting_id)
    method, kallelse = _invitation(smtp_server, 3, "Kallelse")
    assert method == "REQUEST" and str(kallelse["UID"]) == uid
    assert kallelse.start.date() == date(_year(), 2, 2) and kallelse.start.hour == 9
    assert _feed_event(elin, committee["body"], uid)["SEQUENCE"] >= kallelse["SEQUENCE"]

    # The move mail carries the invitation with the new time: same UID, a higher SEQUENCE,
    # so a calendar that took the kallelse's invitation moves the meeting.
    _move(elin, meeting_id)
    method, moved = _invitation(smtp_server, 6, "Flyttat sammanträde")
    assert method == "REQUEST"
    assert str(moved["UID"]) == uid
    assert moved["SEQUENCE"] > kallelse["SEQUENCE"]
    assert moved.start.date() == date(_year(), 2, 9) and moved.start.hour == 13
    assert moved.end.hour == 15 and str(moved["LOCATION"]) == "Kronan"
    attendees = {str(a).removeprefix("mailto:") for a in moved.get("ATTENDEE")}
    assert attendees == MEMBERS
    feed = _feed_event(elin, committee["body"], uid)
    assert feed["SEQUENCE"] >= moved["SEQUENCE"] and feed.start == moved.start

    # An updated kallelse after the move is newer again, with the new time.
    _send_kallelse(elin, meeting_id)
    method, updated = _invitation(smtp_server, 9, "Ändrad kallelse")
    assert method == "REQUEST" and str(updated["UID"]) == uid
    assert updated["SEQUENCE"] > moved["SEQUENCE"]
    assert updated.start == moved.start
    assert _feed_event(elin, committee["body"], uid)["SEQUENCE"] >= updated["SEQUENCE"]
    assert len(smtp_server.messages) == 9


def test_move_before_any_kallelse_then_kallelse_twice(
    app, committee, make_client, login, smtp_server
):
    elin = make_client()
    login(elin, "elin@example.se")
    meeting_id = _new_meeting(elin, committee["body"])
    uid = f"meeting-{meeting_id}@sekretariat"
    before = _feed_event(elin, committee["body"], uid)

    _move(elin, meeting_id)
    method, moved = _invitation(smtp_server, 3, "Flyttat sammanträde")
    assert method == "REQUEST" and str(moved["UID"]) == uid
    assert moved["SEQUENCE"] > before["SEQUENCE"]
    assert moved.start.date() == date(_year(), 2, 9)
    assert _feed_event(elin, committee["body"], uid)["SEQUENCE"] >= moved["SEQUENCE"]

    _send_kallelse(elin, meeting_id)
    _method, kallelse = _invitation(smtp_server, 6, "Kallelse")
    assert str(kallelse["UID"]) == uid
    assert kallelse["SEQUENCE"] > moved["SEQUENCE"]
    assert kallelse.start == moved.start

    # Sent again with nothing of the meeting changed in between: still a newer invitation.
    _send_kallelse(elin, meeting_id)
    _method, again = _invitation(smtp_server, 9, "Ändrad kallelse")
    assert again["SEQUENCE"] > kallelse["SEQUENCE"]
    assert _feed_event(elin, committee["body"], uid)["SEQUENCE"] >= again["SEQUENCE"]


def test_a_kallelse_counts_itself_whatever_else_changed(app, committee):
    """The rule itself: nothing else need change for a kallelse to be newer than what was
    mailed or shown before it (in the HTTP paths above the meeting also changes on sending)."""
    with app.test_request_context():
        meeting = Meeting(body_id=committee["body"], meeting_date=date(_year(), 3, 3))
        db.session.add(meeting)
        db.session.flush()
        now = meeting_event(meeting, "https://x.test/m").sequence  # the feed, a move mail
        kallelse = meeting_event(meeting, "https://x.test/m", sending_kallelse=True).sequence
        assert kallelse > now
        db.session.rollback()


def test_a_cancelled_meeting_is_a_cancelled_event_and_would_be_mailed_as_cancel(app, committee):
    """No mail tells of a cancellation yet; the one event builder makes it a CANCEL."""
    with app.test_request_context():
        meeting = Meeting(body_id=committee["body"], meeting_date=date(_year(), 3, 3))
        db.session.add(meeting)
        db.session.flush()
        sequence = meeting_event(meeting, "https://x.test/m").sequence
        meeting.status = MeetingStatus.CANCELLED
        db.session.flush()
        event = meeting_event(meeting, "https://x.test/m")
        assert event.status == "CANCELLED" and invitation_method(event) == "CANCEL"
        assert event.sequence > sequence
        attachment = invitation_attachment(meeting, "https://x.test/m", [("K", "k@example.se")])
        assert attachment.media_type == "text/calendar; method=CANCEL"
        assert b"METHOD:CANCEL" in attachment.content
        db.session.rollback()
