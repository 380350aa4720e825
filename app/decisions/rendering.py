"""The record's documents: minnesanteckningar or protokoll, and utdrag, on screen and as PDF."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import render_template

from app.agenda.models import AgendaItem
from app.agenda.sentences import proposal_of
from app.bodies.models import MembershipFunction, RecordType
from app.decisions.models import BallotChoice, Extract
from app.decisions.services import (
    has_quorum,
    ordinary_seats,
    paragraph_range,
    record_number,
)
from app.documents.stored import fingerprint_of, stored_rendering
from app.extensions import db
from app.meetings.models import Meeting
from app.people.models import Person


@dataclass(frozen=True)
class SignatureLine:
    """A place for one signature: ``field`` names the box (and the PDF signature field)."""

    field: str
    label: str
    name: str


@dataclass(frozen=True)
class Attestation:
    """What the public copy prints instead of signatures: when and by whom it was signed."""

    signed_at: datetime
    signers: list[SignatureLine]
    kept_by: str


@dataclass
class RecordView:
    """What the record templates need besides the models: labels, numbers, checks."""

    meeting: Meeting
    is_extract: bool = False
    numbers: dict[int, str] = field(default_factory=dict)
    proposals: dict[int, str | None] = field(default_factory=dict)
    quorum: dict[int, bool | None] = field(default_factory=dict)
    yes: BallotChoice = BallotChoice.YES
    no: BallotChoice = BallotChoice.NO
    abstain: BallotChoice = BallotChoice.ABSTAIN
    # Empty boxes to be signed in (the PDF sent to justering), or the public copy's attestation.
    signature_lines: list[SignatureLine] = field(default_factory=list)
    attestation: Attestation | None = None
    # A rättelse prints its number and reason.
    correction: tuple[int, str] | None = None
    # The public version: items that are not public are masked.
    is_public: bool = False

    @property
    def is_protocol(self) -> bool:
        return self.meeting.body.record_type == RecordType.PROTOCOL

    @property
    def title(self) -> str:
        if self.is_extract:
            return "PROTOKOLLSUTDRAG" if self.is_protocol else "UTDRAG UR MINNESANTECKNINGAR"
        return "PROTOKOLL" if self.is_protocol else "MINNESANTECKNINGAR"

    @property
    def paragraphs(self) -> str:
        return paragraph_range(self.meeting)

    @property
    def chair(self) -> Person | None:
        for attendance in self.meeting.attendances:
            if attendance.function == MembershipFunction.CHAIR:
                return attendance.person
        return None


def record_view(
    meeting: Meeting,
    items: list[AgendaItem],
    *,
    is_extract: bool = False,
    signature_lines: list[SignatureLine] | None = None,
    attestation: Attestation | None = None,
    correction: tuple[int, str] | None = None,
    is_public: bool = False,
) -> RecordView:
    return RecordView(
        meeting=meeting,
        is_extract=is_extract,
        signature_lines=signature_lines or [],
        attestation=attestation,
        correction=correction,
        is_public=is_public,
        numbers={item.id: record_number(item) for item in items},
        proposals={item.id: proposal_of(item, meeting) for item in items},
        quorum=_quorum(meeting, items),
    )


def _quorum(meeting: Meeting, items: list[AgendaItem]) -> dict[int, bool | None]:
    deciding = [item for item in items if not item.is_withdrawn]
    if not deciding:
        return {}
    seats = ordinary_seats(meeting)
    return {item.id: has_quorum(meeting, item, seats) for item in deciding}


def record_print_html(meeting: Meeting, items: list[AgendaItem] | None = None, **view: Any) -> str:
    """The record as printed; ``view`` passes signature lines, an attestation or a rättelse."""
    chosen = list(meeting.items) if items is None else items
    return render_template(
        "pdf/record.html",
        meeting=meeting,
        items=chosen,
        record=record_view(meeting, chosen, is_extract=items is not None, **view),
    )


def record_public_html(meeting: Meeting, view: RecordView) -> str:
    """The record as the public reads it on the web: stored when it is justerat."""
    return render_template("record/_public.html", meeting=meeting, items=meeting.items, record=view)


def record_pdf(meeting: Meeting) -> bytes:
    """The minnesanteckningar or protokoll PDF, stored and remade only when it changed."""
    view = record_view(meeting, [])
    stored = stored_rendering(
        record_print_html(meeting),
        title=f"{view.title.capitalize()} {meeting.heading} {meeting.meeting_date.isoformat()}",
        sha256=meeting.record_pdf_sha256,
        fingerprint=meeting.record_fingerprint,
    )
    meeting.record_pdf_sha256, meeting.record_fingerprint = stored.sha256, stored.fingerprint
    return stored.pdf


def extract_pdf(actor: Any, meeting: Meeting, items: list[AgendaItem]) -> bytes:
    """An utdrag of the chosen items, stored (an existing identical one is reused)."""
    ordered = sorted(items, key=lambda item: item.position)
    html = record_print_html(meeting, ordered)
    fingerprint = fingerprint_of(html)
    existing = (
        db.session.query(Extract).filter_by(meeting_id=meeting.id, fingerprint=fingerprint).first()
    )
    stored = stored_rendering(
        html,
        title=f"Utdrag {meeting.heading} {meeting.meeting_date.isoformat()}",
        sha256=existing.sha256 if existing else None,
        fingerprint=existing.fingerprint if existing else None,
    )
    if existing is None:
        db.session.add(
            Extract(
                meeting_id=meeting.id,
                item_ids=[item.id for item in ordered],
                sha256=stored.sha256,
                fingerprint=stored.fingerprint,
                created_by_id=getattr(actor, "id", None),
            )
        )
    return stored.pdf
