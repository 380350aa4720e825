"""Bevakningar: a logged-in reader subscribes per body to new kallelser and published records,
on a page that offers only the bodies she may see; the kallelse and the finished record then
mail her, each subscriber alone; a mail server that fails undoes neither."""

import logging
import socket

from sqlalchemy import select

from app.agenda.services import add_item
from app.extensions import db
from app.justering.services import justered_revision
from app.meetings.models import Meeting, MeetingStatus, RecordStatus
from app.notifications.models import Subscription, SubscriptionTopic
from app.record.services import start_record, update_decision
from tests.members_world import ANNA, BO, FIA, OLLE, PER, STINA, page_of
from tests.record.helpers import new_meeting


def _as(make_client, login, email):
    client = make_client()
    login(client, email)
    return client


def _subscribe(client, *values: str):
    return client.submit(
        "/bevakningar", {"subscription": list(values)}, follow_redirects=True
    ).get_data(as_text=True)


def _subscriptions(app, user_id: int) -> set[tuple[int, str]]:
    with app.app_context():
        return {
            (s.body_id, s.topic.value)
            for s in db.session.scalars(select(Subscription).where(Subscription.user_id == user_id))
        }


def _to(received) -> str:
    return next(iter(received["message"]["To"].addresses)).addr_spec


def _text(received) -> str:
    return received["message"].get_body(("plain",)).get_content()


def test_subscribing_offers_only_bodies_she_may_see(world, app, client, make_client, login):
    assert client.get("/bevakningar").headers["Location"].startswith("/login")

    anna = _as(make_client, login, ANNA)
    page = page_of(anna, "/bevakningar")
    assert "Kulturnämnden" in page and "Personalgruppen" not in page
    assert f'value="{world["body"]}:kallelse"' in page
    assert f'<label for="subscription-{world["body"]}-record">' in page
    # State changes need the page's CSRF token.
    token_less = anna.post("/bevakningar", data={"subscription": f"{world['body']}:kallelse"})
    assert token_less.status_code == 400
    assert _subscriptions(app, world["user_anna"]) == set()

    saved = _subscribe(anna, f"{world['body']}:kallelse", f"{world['body']}:record")
    assert "Dina bevakningar har sparats." in saved
    assert f'value="{world["body"]}:kallelse" checked' in saved
    assert _subscriptions(app, world["user_anna"]) == {
        (world["body"], "kallelse"),
        (world["body"], "record"),
    }
    body_page = page_of(anna, f"/bodies/{world['body']}")
    assert "E-postbevakning" in body_page and "nya kallelser" in body_page

    # A body she may not see is refused and not disclosed; nothing changes.
    refused = _subscribe(anna, f"{world['group']}:kallelse")
    assert "Det finns inget sådant organ att bevaka." in refused
    assert len(_subscriptions(app, world["user_anna"])) == 2
    assert anna.submit("/bevakningar", {"subscription": "x:y"}).status_code == 400

    # Unticking removes.
    _subscribe(anna, f"{world['body']}:record")
    assert _subscriptions(app, world["user_anna"]) == {(world["body"], "record")}
    _subscribe(anna)
    assert _subscriptions(app, world["user_anna"]) == set()


def test_a_kallelse_mails_its_subscribers(world, app, make_client, login, smtp_server):
    per = _as(make_client, login, PER)  # the public, with a login
    _subscribe(per, f"{world['body']}:kallelse")
    anna = _as(make_client, login, ANNA)
    _subscribe(anna, f"{world['body']}:kallelse")  # she gets the kallelse itself anyway
    olle = _as(make_client, login, OLLE)
    _subscribe(olle, f"{world['body']}:record")  # another topic: not now

    stina = _as(make_client, login, STINA)
    meeting_id = world["planned"]
    response = stina.submit(
        f"/meetings/{meeting_id}/kallelse",
        {"preliminary": "1"},
        form_url=f"/meetings/{meeting_id}/agenda",
    )
    assert response.status_code == 302
    received = smtp_server.wait_for(4)
    by_address: dict[str, list] = {}
    for message in received:
        assert len(message["rcpt_tos"]) == 1  # each alone: nobody sees the others
        by_address.setdefault(_to(message), []).append(message)
    assert set(by_address) == {ANNA, BO, FIA, PER}
    assert len(by_address[ANNA]) == 1 and by_address[ANNA][0]["message"]["Subject"].startswith(
        "Kallelse:"
    )
    (notice,) = by_address[PER]
    assert notice["message"]["Subject"] == "Ny kallelse: Kulturnämnden 2025-06-10"
    text = _text(notice)
    assert f"http://localhost/meetings/{meeting_id}" in text
    assert "Plats: Sammanträdesrum Kronan, Stadshuset, Sala" in text
    assert "http://localhost/bevakningar" in text
    for email in (ANNA, BO, FIA, STINA):
        assert email not in notice["message"].as_string()


def test_a_failing_mail_server_does_not_undo_the_kallelse(
    world, app, make_client, login, smtp_server, caplog
):
    per = _as(make_client, login, PER)
    _subscribe(per, f"{world['body']}:kallelse")
    smtp_server.refused_recipients.add(PER)
    stina = _as(make_client, login, STINA)
    meeting_id = world["planned"]
    with caplog.at_level(logging.WARNING):
        page = stina.submit(
            f"/meetings/{meeting_id}/kallelse",
            {"preliminary": "1"},
            form_url=f"/meetings/{meeting_id}/agenda",
            follow_redirects=True,
        ).get_data(as_text=True)
    assert "Kallelsen har skickats till 3 mottagare." in page
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.status == MeetingStatus.CONVENED and len(meeting.dispatches) == 1
    assert "kallelse notices not (all) sent" in caplog.text
    assert PER not in {_to(m) for m in smtp_server.wait_for(3)}


def _group_minutes(app, world) -> int:
    """A draft of Personalgruppen's minnesanteckningar, kept by Stina."""
    with app.test_request_context():
        meeting = new_meeting(world["group"], "2025-10-01")
        add_item(None, meeting, title="Rutin för introduktion", proposal="Rutinen godkänns.")
        start_record(None, meeting)
        other = next(item for item in meeting.items if item.title == "Övriga frågor")
        update_decision(None, other, None, text="Inga övriga frågor anmäls.")
        db.session.commit()
        return meeting.id


def test_signed_minutes_mail_subscribers_who_may_read_them(
    world, app, make_client, login, smtp_server
):
    meeting_id = _group_minutes(app, world)
    olle = _as(make_client, login, OLLE)
    _subscribe(olle, f"{world['group']}:record")
    with app.app_context():
        # Per once had a seat in the group; he no longer may read its minutes.
        db.session.add(
            Subscription(
                user_id=world["user_per"], body_id=world["group"], topic=SubscriptionTopic.RECORD
            )
        )
        db.session.commit()

    stina = _as(make_client, login, STINA)
    record_url = f"/meetings/{meeting_id}/record"
    done = stina.submit(f"/meetings/{meeting_id}/record/finalise", form_url=record_url)
    assert done.status_code == 302
    (notice,) = smtp_server.wait_for(1)
    assert _to(notice) == OLLE
    assert notice["message"]["Subject"] == "Minnesanteckningar: Personalgruppen 2025-10-01"
    assert f"http://localhost{record_url}" in _text(notice)
    assert "Minnesanteckningarna från mötet med Personalgruppen" in _text(notice)


def test_a_failing_mail_server_does_not_undo_the_signing(
    world, app, make_client, login, caplog, monkeypatch
):
    meeting_id = _group_minutes(app, world)
    olle = _as(make_client, login, OLLE)
    _subscribe(olle, f"{world['group']}:record")
    with socket.socket() as probe:  # a port where no mail server listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    stina = _as(make_client, login, STINA)
    record_url = f"/meetings/{meeting_id}/record"
    with caplog.at_level(logging.WARNING):
        page = stina.submit(
            f"/meetings/{meeting_id}/record/finalise", form_url=record_url, follow_redirects=True
        ).get_data(as_text=True)
    assert "Minnesanteckningarna är slutgiltiga" in page
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.record_status == RecordStatus.FINAL
        assert justered_revision(meeting) is not None
    assert "record notices not (all) sent" in caplog.text


def test_the_justerat_demo_protokoll_mails_its_subscribers(
    app, demo, factory, make_client, login, smtp_server
):
    from app.bodies.models import Body
    from app.demo.cycle import run_srb_cycle

    reader = "medborgare@example.se"
    user_id = factory.user(reader)
    with app.app_context():
        srb = db.session.scalar(select(Body).where(Body.short_name == "SRB"))
        meeting_id = db.session.scalar(
            select(Meeting.id).where(Meeting.body_id == srb.id, Meeting.is_illustrative.is_(True))
        )
        srb_id = srb.id
    client = _as(make_client, login, reader)
    _subscribe(client, f"{srb_id}:record")
    assert _subscriptions(app, user_id) == {(srb_id, "record")}

    with app.test_request_context():
        assert run_srb_cycle()
        db.session.commit()
    notices = []
    for message in smtp_server.wait_for(1):
        if _to(message) == reader:
            notices.append(message)
    (notice,) = notices  # once: when justerat, not at the rejected round
    assert notice["message"]["Subject"] == (
        "Justerat protokoll: Strategisk regional beredning 2024-04-19"
    )
    assert f"http://localhost/meetings/{meeting_id}/record" in _text(notice)


def test_a_command_without_a_request_still_mails_the_way_to_the_record(world, app, monkeypatch):
    """`flask seed-demo` finishes records outside any request: the notice has the path."""
    from app.notifications.services import notify_record_published

    monkeypatch.setitem(app.config, "MAIL_SUPPRESS_SEND", True)
    monkeypatch.setitem(app.extensions, "sent_mail", [])
    with app.app_context():
        db.session.add(
            Subscription(
                user_id=world["user_per"], body_id=world["body"], topic=SubscriptionTopic.RECORD
            )
        )
        db.session.commit()
        meeting = db.session.get(Meeting, world["held"])
        assert notify_record_published(meeting) == 1
    (message,) = app.extensions["sent_mail"]
    assert message["To"] == PER
    assert message["Subject"] == "Justerat protokoll: Kulturnämnden 2025-03-14"
    text = message.get_body(("plain",)).get_content()
    assert f"Läs protokollet: /meetings/{world['held']}/record" in text
