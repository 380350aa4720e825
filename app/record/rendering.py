"""The record's documents: minnesanteckningar or protokoll, and utdrag, on screen and as PDF."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import render_template

from app.agenda.models import AgendaItem, uses_paragraphs
from app.agenda.sentences import proposal_of
from app.bodies.models import MembershipFunction, RecordType
from app.cases.models import Confidentiality
from app.core.actors import Actor
from app.documents.stored import fingerprint_of, rendering_for_reading, stored_rendering
from app.extensions import db
from app.meetings.models import Meeting, RecordStatus
from app.organisations.services import logo_data_uri
from app.people.models import Person
from app.record.models import BallotChoice, Extract
from app.record.services import (
    has_quorum,
    ordinary_seats,
    paragraph_range,
)


@dataclass(frozen=True)
class SignatureLine:
    """A place for one signature: ``field`` names the box (and the PDF signature field).

    A signature made: ``signed_at`` when, ``act`` what it did as the record says it
    ("Justerat" for the chair and the justerare, "Signerat" for the secretary)."""

    field: str
    label: str
    name: str
    signed_at: datetime | None = None
    act: str = "Justerat"


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
    # Each item's beslutsunderlag as the record lists them (titles; see ``_underlag``).
    underlag: dict[int, list[str]] = field(default_factory=dict)

    @property
    def is_draft(self) -> bool:
        """A record still being written: printed with UTKAST on every page. The PDF made to
        be signed (signature boxes) and the signed record's copies are not drafts."""
        return (
            self.meeting.record_status in (RecordStatus.NONE, RecordStatus.DRAFT)
            and not self.signature_lines
            and self.attestation is None
        )

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
    def paragraphs_heading(self) -> str:
        """ "Paragrafer" where the body numbers in §§, "Punkter" where it numbers plainly."""
        return "Paragrafer" if uses_paragraphs(self.meeting.body.numbering) else "Punkter"

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
        numbers={item.id: item.record_label for item in items},
        proposals={item.id: proposal_of(item, meeting) for item in items},
        quorum=_quorum(meeting, items),
        underlag={item.id: _underlag(item, is_public) for item in items},
    )


def _underlag(item: AgendaItem, is_public: bool) -> list[str]:
    """The titles of the item's beslutsunderlag the record lists: never a secret document's
    title, and only public documents' in the public version."""
    shown = (
        (Confidentiality.PUBLIC,)
        if is_public
        else (Confidentiality.PUBLIC, Confidentiality.INTERNAL)
    )
    return [
        link.document.title for link in item.documents if link.document.confidentiality in shown
    ]


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
        # Part of the HTML and so of its fingerprint: a new logo makes a new PDF of a draft,
        # while what was stored at a state change (signed, justerat) stays as it was.
        logo=logo_data_uri(meeting.body.organisation),
    )


def record_public_html(meeting: Meeting, view: RecordView) -> str:
    """The record as the public reads it on the web: stored when it is justerat."""
    return render_template("record/_public.html", meeting=meeting, items=meeting.items, record=view)


def _record_title(meeting: Meeting) -> str:
    view = record_view(meeting, [])
    return f"{view.title.capitalize()} {meeting.title}"


def record_pdf(meeting: Meeting) -> bytes:
    """The minnesanteckningar or protokoll PDF, stored and remade only when it changed (for
    a state change or a POST: a GET reads ``record_pdf_for_reading``)."""
    stored = stored_rendering(
        record_print_html(meeting),
        title=_record_title(meeting),
        sha256=meeting.record_pdf_sha256,
        fingerprint=meeting.record_fingerprint,
    )
    meeting.record_pdf_sha256, meeting.record_fingerprint = stored.sha256, stored.fingerprint
    return stored.pdf


def record_pdf_for_reading(meeting: Meeting) -> bytes:
    """The record PDF for a reader: the stored one while the record is as it was, else
    rendered on the fly (a draft); nothing is written."""
    return rendering_for_reading(
        record_print_html(meeting),
        title=_record_title(meeting),
        sha256=meeting.record_pdf_sha256,
        fingerprint=meeting.record_fingerprint,
    )


def _extract_html(meeting: Meeting, items: list[AgendaItem]) -> tuple[list[AgendaItem], str]:
    ordered = sorted(items, key=lambda item: item.position)
    return ordered, record_print_html(meeting, ordered)


def _existing_extract(meeting: Meeting, html: str) -> Extract | None:
    return (
        db.session.query(Extract)
        .filter_by(meeting_id=meeting.id, fingerprint=fingerprint_of(html))
        .first()
    )


def _extract_title(meeting: Meeting) -> str:
    return f"Utdrag {meeting.title}"


def extract_pdf_for_reading(meeting: Meeting, items: list[AgendaItem]) -> bytes:
    """An utdrag of the items a reader chose: an identical stored one (made when a decision
    was forwarded) or rendered on the fly; no row and no file is written."""
    _ordered, html = _extract_html(meeting, items)
    existing = _existing_extract(meeting, html)
    return rendering_for_reading(
        html,
        title=_extract_title(meeting),
        sha256=existing.sha256 if existing else None,
        fingerprint=existing.fingerprint if existing else None,
    )


def extract_pdf(actor: Actor | None, meeting: Meeting, items: list[AgendaItem]) -> bytes:
    """An utdrag of the chosen items, stored with its Extract row (forwarding a decision, the
    CLI); an existing identical one is reused."""
    ordered, html = _extract_html(meeting, items)
    existing = _existing_extract(meeting, html)
    stored = stored_rendering(
        html,
        title=_extract_title(meeting),
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
