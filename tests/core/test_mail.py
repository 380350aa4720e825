"""Sending mail through a real SMTP server on loopback."""

import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask

from app.core.calendar import CalendarEvent, invitation_ics
from app.core.mail import Attachment, MailError, OutgoingMessage, send_messages
from tests.smtp_server import SMTPTestServer, smtp_server_fixture  # noqa: F401

SUBJECT = "Kallelse: Strategisk regional beredning 2024-04-19 – åäö ÅÄÖ"
PDF = b"%PDF-1.7\n% kallelse\n%%EOF\n"


def invitation() -> bytes:
    event = CalendarEvent(
        uid="meeting-1@example.se",
        summary="Strategisk regional beredning",
        start=datetime(2024, 4, 19, 7, 0, tzinfo=UTC),
        end=datetime(2024, 4, 19, 10, 0, tzinfo=UTC),
        location="Regionhuset, Västerås",
    )
    return invitation_ics(
        event,
        organizer_email="noreply@example.se",
        organizer_name="Sekretariat",
        attendees=[("Johanna Odö", "johanna.odo@example.se")],
    )


def kallelse(to: str) -> OutgoingMessage:
    return OutgoingMessage(
        to=[to],
        subject=SUBJECT,
        text="Välkommen till mötet.\n\nHälsningar\nSekretariatet",
        html="<p>Välkommen till mötet.</p>",
        attachments=[
            Attachment("kallelse.pdf", PDF, "application/pdf"),
            Attachment("invitation.ics", invitation(), "text/calendar; method=REQUEST"),
        ],
        reply_to="Elin Hellström <elin.hellstrom@example.se>",
    )


def test_batch_arrives_with_swedish_subject_and_attachments(
    app: Flask,
    smtp_server: SMTPTestServer,
) -> None:
    with app.app_context():
        ids = send_messages(
            [kallelse("johanna.odo@example.se"), kallelse("anna.andersson@example.se")]
        )

    received = smtp_server.wait_for(2)
    assert len(received) == 2
    assert [r["rcpt_tos"] for r in received] == [
        ["johanna.odo@example.se"],
        ["anna.andersson@example.se"],
    ]
    assert [r["mail_from"] for r in received] == ["noreply@example.se"] * 2
    assert [r["message"]["Message-ID"] for r in received] == ids
    assert len(set(ids)) == 2
    assert all(i.endswith("@example.se>") for i in ids)

    message = received[0]["message"]
    assert message["Subject"] == SUBJECT
    assert message["To"] == "johanna.odo@example.se"
    assert message["Reply-To"] == "Elin Hellström <elin.hellstrom@example.se>"
    assert message["Date"].datetime.tzinfo is not None
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Välkommen till mötet." in body.get_content()
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert "<p>Välkommen till mötet.</p>" in html.get_content()

    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(attachments) == {"kallelse.pdf", "invitation.ics"}
    pdf = attachments["kallelse.pdf"]
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content() == PDF
    ics = attachments["invitation.ics"]
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "REQUEST"
    assert str(ics.get_param("charset")).lower() == "utf-8"
    assert ics.get_content_disposition() == "attachment"
    assert ics.get_payload(decode=True) == invitation_without_stamp(ics.get_payload(decode=True))


def invitation_without_stamp(received: bytes) -> bytes:
    """The invitation as built now, with the received DTSTAMP (the only line that differs)."""
    stamp = next(line for line in received.split(b"\r\n") if line.startswith(b"DTSTAMP:"))
    fresh = invitation()
    ours = next(line for line in fresh.split(b"\r\n") if line.startswith(b"DTSTAMP:"))
    return fresh.replace(ours, stamp)


def test_refused_recipient_is_named_and_others_still_delivered(
    app: Flask,
    smtp_server: SMTPTestServer,
) -> None:
    smtp_server.refused_recipients.add("okand@example.se")

    with app.app_context(), pytest.raises(MailError) as raised:
        send_messages([kallelse("okand@example.se"), kallelse("johanna.odo@example.se")])

    assert "okand@example.se" in raised.value.message
    assert "johanna.odo@example.se" not in raised.value.message
    assert set(raised.value.failed_recipients) == {"okand@example.se"}
    assert raised.value.failed_recipients["okand@example.se"].startswith("550")
    received = smtp_server.wait_for(1)
    assert [r["rcpt_tos"] for r in received] == [["johanna.odo@example.se"]]
    assert raised.value.message_ids == [received[0]["message"]["Message-ID"]]


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port that refuses connections: bound (so nobody else takes it) but not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_server_down_raises_mail_error(
    app: Flask, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port)
    monkeypatch.setitem(app.config, "MAIL_SUPPRESS_SEND", False)

    with app.app_context(), pytest.raises(MailError) as raised:
        send_messages([kallelse("johanna.odo@example.se")])

    assert f"127.0.0.1:{closed_port}" in raised.value.message


def test_suppressed_send_records_without_connecting(
    app: Flask, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port)  # connecting would fail
    monkeypatch.setitem(app.config, "MAIL_SUPPRESS_SEND", True)
    monkeypatch.setitem(app.extensions, "sent_mail", [])

    with app.app_context():
        ids = send_messages([kallelse("johanna.odo@example.se")])
        sent = app.extensions["sent_mail"]

    assert len(sent) == 1
    assert sent[0]["Message-ID"] == ids[0]
    assert sent[0]["To"] == "johanna.odo@example.se"
    assert sent[0]["Subject"] == SUBJECT


def test_a_line_break_in_a_subject_never_makes_a_header(
    app: Flask,
    smtp_server: SMTPTestServer,
) -> None:
    """A body name saved with a line break (before one-line fields refused them) made the
    kallelse job fail; it arrives as one line, and no second header is injected."""
    for subject in (
        "Kallelse: Samverkansgrupp\r\nBcc: alla@example.se 2024-04-19",
        "Kallelse: Samverkansgrupp\nBcc: alla@example.se 2024-04-19 – åäö",
    ):
        message = kallelse("johanna.odo@example.se")
        message.subject = subject
        with app.app_context():
            send_messages([message])
        received = smtp_server.wait_for(1)[-1]["message"]
        smtp_server.messages.clear()
        assert received["Subject"].startswith("Kallelse: Samverkansgrupp Bcc: alla@example.se")
        assert received["Bcc"] is None
