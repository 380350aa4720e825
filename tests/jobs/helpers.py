"""A meeting whose handlingar take a few steps to put together: items with attached PDFs."""

import io
from datetime import date, time

from pypdf import PdfWriter
from sqlalchemy import select

from app.agenda.models import AgendaItem, AgendaItemDocument
from app.agenda.services import add_item, schedule_meeting
from app.bodies.models import Body
from app.cases.models import Confidentiality, Document
from app.documents.storage import store_bytes
from app.extensions import db
from app.meetings.models import Meeting


def blank_pdf(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(595, 842)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def attach(item: AgendaItem, title: str, data: bytes) -> Document:
    document = Document(
        title=title,
        confidentiality=Confidentiality.PUBLIC,
        sha256=store_bytes(data),
        filename=f"{title}.pdf",
        media_type="application/pdf",
        size=len(data),
    )
    db.session.add(AgendaItemDocument(item=item, document=document, position=len(item.documents)))
    return document


def meeting_with_documents(app, body_id: int, documents: int = 3) -> int:
    """A meeting of the body with ``documents`` beslutsunderlag on one item (committed)."""
    with app.test_request_context():
        meeting = schedule_meeting(
            None,
            db.session.get(Body, body_id),
            meeting_date=date(2030, 9, 3),
            start_time=time(9, 0),
            end_time=time(12, 0),
        )
        db.session.flush()
        item = add_item(None, meeting, title="Budget 2031", proposal="Nämnden antar budgeten.")
        db.session.flush()
        for number in range(1, documents + 1):
            attach(item, f"Bilaga {number}", blank_pdf(2))
        db.session.commit()
        return meeting.id


def packet_sha(app, meeting_id: int) -> str | None:
    with app.app_context():
        return db.session.get(Meeting, meeting_id).packet_pdf_sha256


def documents_of(app, meeting_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Document.id)
                .join(AgendaItemDocument, AgendaItemDocument.document_id == Document.id)
                .join(AgendaItem, AgendaItem.id == AgendaItemDocument.item_id)
                .where(AgendaItem.meeting_id == meeting_id)
                .order_by(Document.id)
            )
        )
