"""Sending the kallelse to a real local SMTP server."""

import re
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus
from tests.agenda.helpers import make_committee


def test_kallelse_reaches_every_member_with_pdf_and_invitation(
    app, factory, make_client, login, smtp_server
):
    ids = make_committee(factory)
    no_email = factory.person("Per Utan", party="L")
    from app.bodies.models import MembershipKind

    factory.seat(no_email, ids["body"], MembershipKind.SUBSTITUTE)
    elin = make_client()
    login(elin, "elin@example.se")
    response = elin.submit(
        f"/bodies/{ids['body']}/meetings/new",
        {
            "meeting_date": "2030-09-03",
            "start_time": "09:00",
            "end_time": "12:00",
            "room": "Sammanträdesrum Mälaren",
            "building": "Regionhuset",
            "location": "Västerås",
            "mode": "on_site",
        },
    )
    meeting_id = int(re.search(r"/meetings/(\d+)/agenda", response.headers["Location"]).group(1))
    editor = elin.get(f"/meetings/{meeting_id}/agenda").get_data(as_text=True)
    assert "Per Utan" in editor  # warned: no email address on file
    response = elin.submit(
        f"/meetings/{meeting_id}/kallelse",
        {"preliminary": "1"},
        form_url=f"/meetings/{meeting_id}/agenda",
    )
    assert response.status_code == 302
    smtp_server.wait_for(3)
    received = {
        next(iter(m["message"]["To"].addresses)).addr_spec: m["message"]
        for m in smtp_server.messages
    }
    assert set(received) == {"karin@example.se", "olle@example.se", "sara@example.se"}
    message = received["karin@example.se"]
    assert message["Subject"] == "Kallelse: Kulturnämnden 2030-09-03"
    parts = {part.get_filename(): part for part in message.iter_attachments()}
    pdf_name = next(name for name in parts if name.endswith(".pdf"))
    assert parts[pdf_name].get_content().startswith(b"%PDF-")
    calendar = Calendar.from_ical(parts["invitation.ics"].get_content())
    assert str(calendar["METHOD"]) == "REQUEST"
    event = next(iter(calendar.walk("VEVENT")))
    assert event.decoded("DTSTART").hour in (7, 9)  # 09:00 Stockholm (07:00 UTC in summer)
    # 09:00-12:00 in Stockholm: three hours, not until 12:00 UTC.
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=3)
    assert "Sammanträdesrum Mälaren, Regionhuset, Västerås" in str(event["LOCATION"])
    assert f"/meetings/{meeting_id}/handlingar.pdf" in message.get_body(("plain",)).get_content()
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.status == MeetingStatus.CONVENED
        dispatch = meeting.last_dispatch
        assert {r["email"] for r in dispatch.recipients} == set(received)
        assert dispatch.without_email == ["Per Utan"]
    # A change after sending is flagged, and the update is sent as such.
    assert "send an update" not in elin.get(f"/meetings/{meeting_id}/agenda").get_data(as_text=True)
    with app.app_context():
        item = db.session.scalar(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting_id, AgendaItem.number == 5)
        )
        item.title = "Övriga frågor och information"
        db.session.commit()
    editor = elin.get(f"/meetings/{meeting_id}/agenda").get_data(as_text=True)
    assert "ändrats sedan den skickades" in editor or "changed since it was sent" in editor
    elin.submit(
        f"/meetings/{meeting_id}/kallelse",
        {"preliminary": "1"},
        form_url=f"/meetings/{meeting_id}/agenda",
    )
    smtp_server.wait_for(6)
    assert any(m["message"]["Subject"].startswith("Ändrad kallelse") for m in smtp_server.messages)


def test_kallelse_failure_is_reported_and_nothing_recorded(
    app, factory, make_client, login, monkeypatch
):
    ids = make_committee(factory)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 9)  # nothing listens here
    monkeypatch.setitem(app.config, "MAIL_SUPPRESS_SEND", False)
    elin = make_client()
    login(elin, "elin@example.se")
    response = elin.submit(
        f"/bodies/{ids['body']}/meetings/new", {"meeting_date": "2030-09-03", "mode": "on_site"}
    )
    meeting_id = int(re.search(r"/meetings/(\d+)/agenda", response.headers["Location"]).group(1))
    response = elin.submit(
        f"/meetings/{meeting_id}/kallelse",
        {"preliminary": "1"},
        form_url=f"/meetings/{meeting_id}/agenda",
        follow_redirects=True,
    )
    assert "flash-error" in response.get_data(as_text=True)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.dispatches == [] and meeting.status == MeetingStatus.PLANNED


def test_the_kallelse_waits_for_a_confirmed_agenda_unless_sent_as_preliminary(
    app, factory, make_client, login, smtp_server
):
    ids = make_committee(factory)
    elin = make_client()
    login(elin, "elin@example.se")
    response = elin.submit(
        f"/bodies/{ids['body']}/meetings/new",
        {"meeting_date": "2030-10-08", "start_time": "09:00", "mode": "on_site"},
    )
    meeting_id = int(re.search(r"/meetings/(\d+)/agenda", response.headers["Location"]).group(1))
    editor = f"/meetings/{meeting_id}/agenda"
    page = elin.get(editor).get_data(as_text=True)
    assert "Föredragningslistan är preliminär. Fastställ den innan kallelsen skickas" in page
    assert "Skicka kallelse med preliminär föredragningslista" in page
    # Sending asks first, in the page: the button opens what will happen.
    step = re.search(r'<details class="confirm">(.*?)</details>', page, re.S)
    assert step and "Kallelsen mejlas nu till mottagarna som är markerade ovan" in step[1]
    assert "Ja, skicka kallelsen" in step[1]
    # Without the choice nothing is sent, whatever path asks (here a hand-made POST).
    refused = elin.submit(
        f"/meetings/{meeting_id}/kallelse", form_url=editor, follow_redirects=True
    )
    assert "eller välj att skicka den preliminära föredragningslistan" in refused.get_data(
        as_text=True
    )
    assert smtp_server.messages == []
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).dispatches == []
    # Sent as preliminary: the mail says so.
    elin.submit(f"/meetings/{meeting_id}/kallelse", {"preliminary": "1"}, form_url=editor)
    smtp_server.wait_for(3)
    text = smtp_server.messages[0]["message"].get_body(("plain",)).get_content()
    assert "Den är preliminär: den kan ändras innan den fastställs." in text
    # Fastställd: the plain button, and the mail no longer calls it preliminary.
    elin.submit(f"/meetings/{meeting_id}/agenda/confirm", form_url=editor)
    page = elin.get(editor).get_data(as_text=True)
    assert "Skicka ändrad kallelse" in page and "preliminär föredragningslista" not in page
    elin.submit(f"/meetings/{meeting_id}/kallelse", form_url=editor)
    smtp_server.wait_for(6)
    update = smtp_server.messages[-1]["message"]
    assert update["Subject"].startswith("Ändrad kallelse")
    assert "preliminär" not in update.get_body(("plain",)).get_content()
