"""The agenda's documents: the föredragningslista (HTML and PDF) and the handlingar packet.

One rendering path: the same Jinja macros render an item on screen and in print, and
``app.documents.render.render_pdf`` turns the print HTML into PDF. A PDF is stored under its
sha256 together with a fingerprint of what it was made from; it is served as stored and
regenerated only when that fingerprint changes.
"""

from collections.abc import Callable

from flask import render_template
from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.agenda.models import AgendaItem, AgendaItemDocument
from app.agenda.sentences import proposals
from app.cases.models import Confidentiality, Document
from app.documents.packet import PacketDocument, PacketSection, build_packet
from app.documents.render import render_pdf
from app.documents.storage import read_bytes, store_bytes
from app.documents.stored import (
    fingerprint_of,
    read_if_stored,
    rendering_for_reading,
    stored_rendering,
)
from app.extensions import db
from app.meetings.models import Meeting


def is_for_every_recipient(document: Document, meeting: Meeting) -> bool:
    """Whether every reader of the meeting's shared PDFs may read ``document``.

    The föredragningslista PDF and the handlingar are one rendering for all their readers:
    the kallelse mails the PDF to every ledamot and ersättare, and they, the body's
    secretaries and admins download both. So they carry public documents, and internal ones
    owned by the meeting's body (or by its organisation as a whole), whose members may read
    them; never a secret one, nor another body's internal one (``can_view_document``). The
    secretary's own pages still list everything she may read."""
    if document.confidentiality == Confidentiality.PUBLIC:
        return True
    if document.confidentiality != Confidentiality.INTERNAL:
        return False
    if document.owner_body_id is not None:
        return document.owner_body_id == meeting.body_id
    return (
        document.owner_organisation_id is not None
        and document.owner_organisation_id == meeting.body.organisation_id
    )


def shared_links(meeting: Meeting, item: AgendaItem) -> list[AgendaItemDocument]:
    """The item's beslutsunderlag as the shared PDFs list them (``is_for_every_recipient``)."""
    return [link for link in item.documents if is_for_every_recipient(link.document, meeting)]


# What the agenda (editor, print) reads of each item, loaded for all items at once.
_AGENDA_ITEMS = (
    select(AgendaItem)
    .where(AgendaItem.meeting_id == bindparam("meeting_id"))
    .options(
        joinedload(AgendaItem.case),
        selectinload(AgendaItem.documents).joinedload(AgendaItemDocument.document),
        selectinload(AgendaItem.notices),
    )
    .order_by(AgendaItem.position)
)


def agenda_context(meeting: Meeting, *, public_only: bool = False) -> dict:
    items: list[AgendaItem] = list(db.session.scalars(_AGENDA_ITEMS, {"meeting_id": meeting.id}))
    # The meeting's ``items`` are these (when not loaded yet): later reads of it (the kallelse
    # panel's presenters) cost no second statement.
    if "items" in inspect(meeting).unloaded:
        set_committed_value(meeting, "items", items)
    if public_only:
        items = [item for item in items if item.is_public]
    return {"meeting": meeting, "items": items, "proposals": proposals(meeting)}


def agenda_print_html(meeting: Meeting, *, public_only: bool = False) -> str:
    context = agenda_context(meeting, public_only=public_only)
    shared = {item.id: shared_links(meeting, item) for item in context["items"]}
    return render_template("pdf/agenda.html", shared_documents=shared, **context)


def _agenda_title(meeting: Meeting) -> str:
    return f"Föredragningslista {meeting.title}"


def agenda_pdf(meeting: Meeting) -> bytes:
    """The föredragningslista PDF, stored on the meeting (the kallelse, the handlingar job);
    rendered only when the agenda changed since the last time."""
    stored = stored_rendering(
        agenda_print_html(meeting),
        title=_agenda_title(meeting),
        sha256=meeting.agenda_pdf_sha256,
        fingerprint=meeting.agenda_fingerprint,
    )
    meeting.agenda_pdf_sha256, meeting.agenda_fingerprint = stored.sha256, stored.fingerprint
    return stored.pdf


def public_agenda_pdf(meeting: Meeting) -> bytes:
    """The föredragningslista with its public items only, for a kallelse recipient who is no
    member of the body (an official, a presenter): rendered each time, never stored."""
    return render_pdf(agenda_print_html(meeting, public_only=True), title=_agenda_title(meeting))


def agenda_pdf_for_reading(meeting: Meeting) -> bytes:
    """The föredragningslista PDF for a reader: the stored one while the agenda is as it was
    (the kallelse stores it), else rendered on the fly; nothing is written."""
    return rendering_for_reading(
        agenda_print_html(meeting),
        title=_agenda_title(meeting),
        sha256=meeting.agenda_pdf_sha256,
        fingerprint=meeting.agenda_fingerprint,
    )


def agenda_fingerprint(meeting: Meeting) -> str:
    """What the members were sent is compared with this to flag later changes."""
    return fingerprint_of(agenda_print_html(meeting))


def packet_sections(meeting: Meeting) -> list[PacketSection]:
    """Every attached PDF in agenda order, grouped by item: those for every reader of the
    packet (``is_for_every_recipient``). Each is headed "Bilaga N till ärende M" on its pages
    (N counts the item's documents in the packet, M is the item's number on the agenda): the
    packet is a Swedish document, like its "Sida N (M)"."""
    sections = []
    for item in meeting.items:
        links = [link for link in shared_links(meeting, item) if link.document.has_file]
        documents = [
            PacketDocument(
                title=link.document.title,
                pdf=read_bytes(link.document.sha256),
                header=f"Bilaga {number} till ärende {item.display_number}",
            )
            for number, link in enumerate(links, 1)
        ]
        sections.append(
            PacketSection(title=f"{item.display_number} {item.title}", documents=documents)
        )
    return sections


def _packet_fingerprint(meeting: Meeting) -> str:
    shas = [
        link.document.sha256 or "" for item in meeting.items for link in shared_links(meeting, item)
    ]
    titles = [f"{item.display_number} {item.title}" for item in meeting.items]
    return fingerprint_of(meeting.agenda_pdf_sha256 or "", *shas, *titles)


def stored_packet(meeting: Meeting) -> bytes | None:
    """The stored handlingar when nothing they were made from has changed; None when they must
    be built (``packet_pdf``, normally as a background job)."""
    if not meeting.agenda_pdf_sha256 or meeting.agenda_fingerprint != agenda_fingerprint(meeting):
        return None
    if meeting.packet_fingerprint != _packet_fingerprint(meeting):
        return None
    return read_if_stored(meeting.packet_pdf_sha256)


def packet_pdf(
    meeting: Meeting, *, progress: Callable[[str, int, int], None] | None = None
) -> bytes:
    """Handlingar: the agenda first, then every beslutsunderlag, bookmarked, page-numbered.

    ``progress`` hears how far the building has come (see ``build_packet``)."""
    agenda = agenda_pdf(meeting)
    fingerprint = _packet_fingerprint(meeting)
    if meeting.packet_fingerprint == fingerprint and (
        pdf := read_if_stored(meeting.packet_pdf_sha256)
    ):
        return pdf
    pdf = build_packet(agenda, "Föredragningslista", packet_sections(meeting), progress=progress)
    meeting.packet_pdf_sha256 = store_bytes(pdf)
    meeting.packet_fingerprint = fingerprint
    return pdf
