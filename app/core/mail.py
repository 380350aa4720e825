"""Outgoing mail: build standard-library messages and send a batch over one SMTP connection.

Configuration comes from ``current_app.config``: ``MAIL_SERVER``, ``MAIL_PORT``,
``MAIL_USE_TLS`` (STARTTLS), ``MAIL_USE_SSL`` (implicit TLS), ``MAIL_USERNAME``,
``MAIL_PASSWORD``, ``MAIL_DEFAULT_SENDER``, ``MAIL_TIMEOUT`` and ``MAIL_SUPPRESS_SEND`` (keep
the built messages in ``current_app.extensions["sent_mail"]`` instead of connecting).

This module knows no domain: callers compose subject, text and attachments (a meeting's
kallelse, its invitation from :mod:`app.core.calendar`) and hand them over.
"""

import re
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from flask import current_app

# make_msgid() would otherwise ask the resolver for this host's name; the sender's domain is
# what identifies our messages anyway.
FALLBACK_MSGID_DOMAIN = "sekretariat.invalid"


@dataclass
class Attachment:
    """A file attached to a message.

    ``media_type`` may carry parameters, e.g. ``"text/calendar; method=REQUEST"``. Text types
    get ``charset=UTF-8`` unless they name another charset.
    """

    filename: str
    content: bytes
    media_type: str


@dataclass
class OutgoingMessage:
    """One message. ``to`` is usually a single person, so nobody sees the other recipients."""

    to: list[str]
    subject: str
    text: str
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    reply_to: str | None = None


class MailError(Exception):
    """Mail could not be sent (wholly or partly); ``message`` says what went wrong.

    ``failed_recipients`` maps each address that was not delivered to the reason;
    ``message_ids`` lists the Message-IDs of the messages the server did accept, so a caller
    can record those as sent even when the batch as a whole failed.
    """

    def __init__(
        self,
        message: str,
        failed_recipients: dict[str, str] | None = None,
        message_ids: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.failed_recipients = failed_recipients or {}
        self.message_ids = message_ids or []


def send_messages(messages: list[OutgoingMessage]) -> list[str]:
    """Send ``messages`` over one SMTP connection and return their Message-IDs, in order.

    Every message is tried even when an earlier one is refused; afterwards a
    :class:`MailError` names every recipient that was not delivered. A failure to connect,
    secure the connection or log in raises :class:`MailError` before anything is sent.
    """
    config = current_app.config
    sender = config["MAIL_DEFAULT_SENDER"]
    built = [build_message(message, sender) for message in messages]
    message_ids = [str(email["Message-ID"]) for email in built]

    if config.get("MAIL_SUPPRESS_SEND", False):
        current_app.extensions.setdefault("sent_mail", []).extend(built)
        current_app.logger.info("MAIL_SUPPRESS_SEND: kept %d message(s) unsent", len(built))
        return message_ids
    if not built:
        return []

    envelope_from = parseaddr(sender)[1]
    failed: dict[str, str] = {}
    delivered: list[str] = []
    connection = _connect()
    try:
        for index, (email, message) in enumerate(zip(built, messages, strict=True)):
            try:
                refused = connection.send_message(
                    email, from_addr=envelope_from, to_addrs=message.to
                )
            except smtplib.SMTPRecipientsRefused as error:
                failed.update(_reasons(error.recipients))
                continue
            except smtplib.SMTPResponseException as error:
                # Sender refused or message rejected at DATA: smtplib has reset the session,
                # so the next message can still be tried.
                reason = _reply(error.smtp_code, error.smtp_error)
                failed.update(dict.fromkeys(message.to, reason))
                continue
            except smtplib.SMTPNotSupportedError as error:
                # A non-ASCII address and a server without SMTPUTF8: only this message fails.
                failed.update(dict.fromkeys(message.to, str(error)))
                continue
            except (smtplib.SMTPException, OSError) as error:
                # The connection is gone: this and every later message stay unsent.
                for unsent in messages[index:]:
                    failed.update(dict.fromkeys(unsent.to, f"connection lost: {error}"))
                break
            failed.update(_reasons(refused))
            delivered.append(str(email["Message-ID"]))
    finally:
        _close(connection)

    if failed:
        listing = "; ".join(f"{address} ({reason})" for address, reason in failed.items())
        raise MailError(
            f"Mail could not be delivered to: {listing}",
            failed_recipients=failed,
            message_ids=delivered,
        )
    return message_ids


def build_message(message: OutgoingMessage, sender: str) -> EmailMessage:
    """The MIME message for ``message``: text (and HTML) body, attachments, and headers.

    Headers are encoded by the email package (RFC 2047 for a Swedish subject).
    """
    if not message.to:
        raise ValueError("A message needs at least one recipient.")
    email = EmailMessage()
    _set_subject(email, message.subject)
    email["From"] = sender
    email["To"] = ", ".join(message.to)
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = make_msgid(domain=_domain(sender))
    email.set_content(message.text)
    if message.html is not None:
        email.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        _attach(email, attachment)
    return email


def _set_subject(email: EmailMessage, subject: str) -> None:
    """Set Subject so that it survives folding.

    The email package's own folding drops the space between two encoded words when a long
    non-ASCII subject is wrapped ("2024-04-19 – åäö" arrives as "2024-04-19 –åäö"), so a
    non-ASCII subject is encoded and folded by ``email.header.Header`` and stored as is.
    A subject is one line: a line break in a name saved before one-line fields refused them
    becomes a space, never a second header.
    """
    subject = " ".join(re.split(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+", subject)).strip()
    if subject.isascii():
        email["Subject"] = subject
    else:
        email.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode())


def _attach(email: EmailMessage, attachment: Attachment) -> None:
    """Attach as base64 so the bytes (an .ics needs its CRLF line ends) arrive unchanged.

    The Content-Type keeps the caller's parameters (``method=REQUEST`` is what makes mail
    clients offer a calendar invitation) and repeats the file name as ``name`` for clients
    that look there rather than at Content-Disposition.
    """
    parsed = EmailMessage()
    parsed["Content-Type"] = attachment.media_type
    maintype = parsed.get_content_maintype()
    params = dict(parsed["Content-Type"].params)
    if maintype == "text":
        params.setdefault("charset", "UTF-8")
    params["name"] = attachment.filename
    email.add_attachment(
        attachment.content,
        maintype=maintype,
        subtype=parsed.get_content_subtype(),
        filename=attachment.filename,
        params=params,
    )


def _connect() -> smtplib.SMTP:
    """An open, secured and logged-in connection to the configured server, or MailError."""
    config = current_app.config
    host, port, timeout = config["MAIL_SERVER"], int(config["MAIL_PORT"]), config["MAIL_TIMEOUT"]
    if config.get("MAIL_USE_SSL") and config.get("MAIL_USE_TLS"):
        raise MailError("Mail is misconfigured: MAIL_USE_SSL and MAIL_USE_TLS exclude each other.")
    try:
        if config.get("MAIL_USE_SSL"):
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(f"Could not connect to the mail server {host}:{port}: {error}") from error
    if config.get("MAIL_USE_TLS"):
        try:
            connection.starttls(context=ssl.create_default_context())
        except (smtplib.SMTPException, OSError) as error:
            _close(connection)
            raise MailError(
                f"Could not secure the connection to the mail server {host}:{port}: {error}"
            ) from error
    if config.get("MAIL_USERNAME"):
        try:
            connection.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        except (smtplib.SMTPException, OSError) as error:
            reason = (
                _reply(error.smtp_code, error.smtp_error)
                if isinstance(error, smtplib.SMTPResponseException)
                else str(error)
            )
            _close(connection)
            raise MailError(
                f"Could not log in to the mail server {host}:{port}: {reason}"
            ) from error
    return connection


def _close(connection: smtplib.SMTP) -> None:
    """QUIT politely; a connection that is already gone only needs its socket closed."""
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    domain = address.rpartition("@")[2]
    return domain if "@" in address and domain else FALLBACK_MSGID_DOMAIN


def _reasons(refused: dict[str, tuple[int, bytes]]) -> dict[str, str]:
    return {address: _reply(code, reply) for address, (code, reply) in refused.items()}


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {text}".strip()
