"""A real SMTP server on loopback for tests that send mail.

Use the ``smtp_server`` fixture by importing it into a test module::

    from tests.smtp_server import smtp_server_fixture  # noqa: F401

(``from tests.smtp_server import smtp_server`` works too, but then ruff reports F811 on every
test that takes an ``smtp_server`` argument; listing ``"tests.smtp_server"`` in
``pytest_plugins`` in tests/conftest.py would make the import unnecessary.)

It starts aiosmtpd on 127.0.0.1 (a free port chosen by the OS), points the app's MAIL_*
settings at it for the test, and stops it afterwards. Received mail is in ``.messages``: dicts
with the envelope's ``mail_from`` and ``rcpt_tos`` and the parsed ``message``. Addresses added
to ``.refused_recipients`` are refused at RCPT with 550, as a real server refuses an unknown
mailbox. aiosmtpd emits no warnings with these arguments, so the suite's "warnings are
errors" needs no exception here.
"""

import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, TypedDict, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask

HOST = "127.0.0.1"


class ReceivedMessage(TypedDict):
    """One message as the server received it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class SMTPTestServer:
    """aiosmtpd in a background thread; collects what it receives."""

    def __init__(self) -> None:
        self.messages: list[ReceivedMessage] = []
        self.refused_recipients: set[str] = set()
        self._received = threading.Condition()
        self._controller = _EphemeralPortController(
            self,
            hostname=HOST,
            port=0,
            ready_timeout=5.0,
            server_hostname="smtp.test",  # skip the resolver lookup SMTP() would do
            auth_require_tls=True,
            auth_required=False,
        )

    @property
    def port(self) -> int:
        return self._controller.port

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def wait_for(self, n: int, timeout: float = 5) -> list[ReceivedMessage]:
        """The received messages once there are at least ``n``; fails the test on timeout."""
        deadline = time.monotonic() + timeout
        with self._received:
            while len(self.messages) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {n} message(s) within {timeout}s, got {len(self.messages)}"
                    )
                self._received.wait(remaining)
            return list(self.messages)

    # -- aiosmtpd handler hooks (run in the server's thread) --

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.lower() in {refused.lower() for refused in self.refused_recipients}:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        message = cast(EmailMessage, message_from_bytes(content, policy=policy.default))
        with self._received:
            self.messages.append(
                ReceivedMessage(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=list(envelope.rcpt_tos),
                    message=message,
                )
            )
            self._received.notify_all()
        return "250 Message accepted for delivery"


class _EphemeralPortController(Controller):
    """A Controller that may bind port 0: it learns the real port before connecting to it.

    Letting the OS choose while binding avoids the race of probing for a free port first.
    """

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture(name="smtp_server")
def smtp_server_fixture(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[SMTPTestServer]:
    """A running test SMTP server, with the app's mail settings pointing at it."""
    server = SMTPTestServer()
    server.start()
    settings: dict[str, Any] = {
        "MAIL_SERVER": HOST,
        "MAIL_PORT": server.port,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_SUPPRESS_SEND": False,
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    try:
        yield server
    finally:
        server.stop()


# The same fixture under its own name, for `from tests.smtp_server import smtp_server`.
