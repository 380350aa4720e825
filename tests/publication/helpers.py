"""Shared setup for the publication tests: a nämnd with a justerat protokoll.

The justering itself is not run here: the revisions are built as justering leaves them (a
``justered_at``, the frozen public HTML, the stored public PDF and a signed original that must
never be served by these routes).
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app.agenda.services import confirm_agenda
from app.core.dates import LOCAL_TZ, local_today
from app.documents.render import render_pdf
from app.documents.storage import store_bytes
from app.extensions import db
from app.justering.models import RecordRevision
from app.meetings.models import Meeting, RecordStatus
from app.record.services import make_final, start_record
from tests.record.helpers import add_case_item, make_committee, new_meeting

_PDFS: dict[str, bytes] = {}


def public_pdf(text: str) -> bytes:
    """A real (tagged PDF/A) public copy saying ``text``; rendered once per text."""
    if text not in _PDFS:
        _PDFS[text] = render_pdf(
            f'<!doctype html><html lang="sv"><head><title>{text}</title></head>'
            f"<body><p>{text}</p></body></html>",
            title=text,
        )
    return _PDFS[text]


def at_local(day: date, hour: int = 10) -> datetime:
    """An aware UTC instant at ``hour`` o'clock in Stockholm on ``day``."""
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ).astimezone(UTC)


def public_html(text: str) -> str:
    return f'<article class="record" lang="sv"><p class="frozen">{text}</p></article>'


def add_revision(
    meeting: Meeting,
    number: int,
    *,
    justered: date | None,
    reason: str | None = None,
    text: str | None = None,
) -> RecordRevision:
    """A revision as justering leaves it (``justered=None``: a rättelse still in draft)."""
    revision = RecordRevision(meeting_id=meeting.id, number=number, reason=reason)
    db.session.add(revision)
    db.session.flush()
    if justered is not None:
        complete(meeting, revision, justered, text=text)
    return revision


def complete(
    meeting: Meeting, revision: RecordRevision, justered: date, *, text: str | None = None
) -> None:
    """What the last signature does: justerat, the frozen HTML and PDFs stored, record final."""
    text = text or f"Fryst protokoll version {revision.number}"
    revision.justered_at = at_local(justered)
    revision.public_html = public_html(text)
    revision.record_html = public_html(f"{text} (ledamöternas version)")
    revision.public_pdf_sha256 = store_bytes(public_pdf(text))
    # Distinct bytes per meeting and revision, so a leak would be recognisable.
    revision.signed_pdf_sha256 = store_bytes(
        f"%PDF-1.7 signerat original {meeting.id}/{revision.number}".encode()
    )
    meeting.record_status = RecordStatus.FINAL
    db.session.flush()


def justerat_protocol(
    app,
    factory,
    *,
    name: str = "Kulturnämnden",
    meeting_day: str = "2026-02-20",
    justered: date | None = date(2026, 3, 2),
    users: bool = True,
    **body_values: Any,
) -> dict[str, Any]:
    """A nämnd with a protokoll and its meeting; the record final and justerat on ``justered``.

    ``justered=None`` leaves the record a draft with no revision. Returns the ids of
    make_committee plus "meeting" and "revision", and users for the secretary (Stina),
    a member (Bo) and an admin.
    """
    ids: dict[str, Any] = make_committee(factory, name=name, **body_values)
    with app.test_request_context():
        meeting = new_meeting(ids["body"], meeting_day)
        add_case_item(meeting, ids)
        confirm_agenda(None, meeting)
        start_record(None, meeting)
        if justered is not None:
            make_final(meeting)
            ids["revision"] = add_revision(meeting, 1, justered=justered).id
        db.session.commit()
        ids["meeting"] = meeting.id
    if users:
        factory.user(f"stina.{ids['body']}@example.se", person_id=ids["stina"])
        ids["secretary_email"] = f"stina.{ids['body']}@example.se"
        factory.user(f"bo.{ids['body']}@example.se", person_id=ids["bo"])
        ids["member_email"] = f"bo.{ids['body']}@example.se"
    return ids


def open_correction(meeting: Meeting, number: int, *, reason: str) -> RecordRevision:
    """A rättelse being drafted: the record is a draft again, the revision not justerat."""
    meeting.record_status = RecordStatus.DRAFT
    return add_revision(meeting, number, justered=None, reason=reason)


def days_ago(days: int) -> date:
    """A day relative to today in Stockholm, the day the pages go by."""
    return local_today() - timedelta(days=days)
