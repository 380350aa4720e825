"""Uploads through the item form: the content decides (never the name or the declared type),
size and page limits hold, encrypted and broken PDFs are refused with a Swedish message, and
the form keeps what the secretary typed."""

import hashlib
import html
import io

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from app.agenda.models import AgendaItem, AgendaItemDocument
from app.bodies.models import Body
from app.cases.models import Document
from app.core.audit import AuditEntry
from app.documents.render import render_pdf
from app.extensions import db
from app.meetings.models import Meeting
from tests.conftest import ELIN
from tests.documents.hostile import active_pdf, bomb_pdf, embedded_files, links
from tests.security.helpers import pdf_active_content

TITLE = "Bilaga 3 Analys av kompetensbehovet"


def _pdf(app, pages: int = 1) -> bytes:
    body = "".join(f"<p class='page'>Sida {n}</p>" for n in range(pages))
    css = "<style>.page { page-break-after: always }</style>"
    with app.app_context():
        return render_pdf(f"<html lang='sv'><head>{css}</head><body>{body}</body></html>")


@pytest.fixture
def item_id(app, demo):
    with app.app_context():
        body_id = db.session.scalar(
            select(Body.id).where(Body.name == "Strategisk regional beredning")
        )
        return db.session.scalar(
            select(AgendaItem.id)
            .join(Meeting)
            .where(Meeting.body_id == body_id, Meeting.is_illustrative)
            .order_by(AgendaItem.position)
            .limit(1)
        )


@pytest.fixture
def elin(make_client, login_demo):
    client = make_client()
    login_demo(client, ELIN)
    return client


def _upload(
    client,
    item_id,
    data: bytes,
    filename: str,
    mimetype: str = "application/pdf",
    confidentiality: str = "secret",
):
    token = client.csrf_token(f"/items/{item_id}/edit")
    return client.post(
        f"/items/{item_id}/documents/upload",
        data={
            "csrf_token": token,
            "upload-file": (io.BytesIO(data), filename, mimetype),
            "upload-title": TITLE,
            "upload-confidentiality": confidentiality,
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _attached(app, item_id) -> list[str]:
    with app.app_context():
        item = db.session.get(AgendaItem, item_id)
        return [link.document.title for link in item.documents if link.document.has_file]


def _refused_and_kept(page: str, reason: str) -> None:
    page = html.unescape(page)
    assert "flash-error" in page and "bifogades inte" in page and reason in page, reason
    # What was typed is still in the form: the title and the chosen confidentiality.
    assert f'value="{TITLE}"' in page
    assert '<option selected value="secret">' in page or 'value="secret" selected' in page


def test_content_decides_not_the_name_or_the_declared_type(app, item_id, elin):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    page = _upload(elin, item_id, png, "bilaga.pdf", "application/pdf").get_data(as_text=True)
    _refused_and_kept(page, "Filen är inte en PDF")
    html_page = b"<html><script>alert(1)</script></html>"
    page = _upload(elin, item_id, html_page, "bilaga.pdf").get_data(as_text=True)
    _refused_and_kept(page, "Filen är inte en PDF")
    assert TITLE not in _attached(app, item_id)
    # A real PDF called .png and declared as an image is a PDF all the same.
    page = _upload(elin, item_id, _pdf(app), "skanning.png", "image/png").get_data(as_text=True)
    assert "flash-success" in page
    assert TITLE in _attached(app, item_id)


def test_encrypted_pdf_is_refused_with_a_message(app, item_id, elin):
    writer = PdfWriter(clone_from=io.BytesIO(_pdf(app)))
    writer.encrypt("hemligt")
    locked = io.BytesIO()
    writer.write(locked)
    page = _upload(elin, item_id, locked.getvalue(), "låst.pdf").get_data(as_text=True)
    _refused_and_kept(page, "krypterad eller lösenordsskyddad")
    assert TITLE not in _attached(app, item_id)


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_malformed_pdf_is_refused_with_a_message(app, item_id, elin, cut):
    good = _pdf(app, pages=2)
    page = _upload(elin, item_id, good[: int(len(good) * cut)], "trasig.pdf").get_data(as_text=True)
    _refused_and_kept(page, "PDF-filen är skadad och kan inte läsas")
    assert TITLE not in _attached(app, item_id)


def test_size_limit(app, item_id, elin):
    data = _pdf(app)
    app.config["MAX_UPLOAD_BYTES"] = len(data) - 1
    try:
        page = _upload(elin, item_id, data, "stor.pdf").get_data(as_text=True)
    finally:
        app.config["MAX_UPLOAD_BYTES"] = 50 * 1024 * 1024
    _refused_and_kept(page, "Filen är för stor")


def test_page_limit(app, item_id, elin):
    app.config["MAX_UPLOAD_PAGES"] = 2
    try:
        page = _upload(elin, item_id, _pdf(app, pages=3), "lång.pdf").get_data(as_text=True)
    finally:
        app.config["MAX_UPLOAD_PAGES"] = 1000
    _refused_and_kept(page, "PDF-filen har 3 sidor; högst 2 är tillåtna.")


def test_a_request_past_the_limit_is_refused_before_it_is_read(app, item_id, elin):
    token = elin.csrf_token(f"/items/{item_id}/edit")
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    try:
        response = elin.post(
            f"/items/{item_id}/documents/upload",
            data={
                "csrf_token": token,
                "upload-file": (io.BytesIO(b"%PDF-" + b"0" * 20_000), "x.pdf"),
            },
            content_type="multipart/form-data",
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    assert "för stor" in response.get_data(as_text=True)


def test_a_pdf_bomb_is_refused_with_a_message(app, item_id, elin):
    # 1,000 pages sharing one stream that inflates to 70 MB: 250 kB, and 70 GB to show.
    page = _upload(elin, item_id, bomb_pdf(), "bomb.pdf").get_data(as_text=True)
    _refused_and_kept(page, "PDF-filen packas upp till mer än 100 MB och kan inte tas emot.")
    assert TITLE not in _attached(app, item_id)


def test_what_could_run_in_a_pdf_is_removed_before_anyone_gets_the_file(
    app, item_id, elin, make_client
):
    """JavaScript on opening, a launch action, an embedded file (and more: see active_pdf)
    are not in the file served, to the secretary or to an anonymous reader; the audit log
    keeps the sha256 of the file as uploaded."""
    original = active_pdf(_pdf(app))
    assert pdf_active_content(original) and embedded_files(original)
    response = _upload(elin, item_id, original, "bilaga.pdf", confidentiality="public")
    assert "flash-success" in response.get_data(as_text=True)
    with app.app_context():
        link = db.session.scalar(
            select(AgendaItemDocument)
            .join(Document)
            .where(AgendaItemDocument.item_id == item_id, Document.title == TITLE)
        )
        link_id, document_id, stored_sha = link.id, link.document_id, link.document.sha256
    for reader in (elin, make_client()):  # the secretary, and anyone: the meeting is public
        response = reader.get(f"/item-documents/{link_id}/file")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        served = response.data
        assert hashlib.sha256(served).hexdigest() == stored_sha
        assert pdf_active_content(served) == []
        assert embedded_files(served) == []
        root = PdfReader(io.BytesIO(served)).trailer["/Root"]
        assert "/OpenAction" not in root and "/Names" not in root
        assert links(served) == ["https://www.example.se/bilaga"]

    # The audit log knows the original by its sha256, and what was taken out.
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.object_type == "Document",
                AuditEntry.object_id == document_id,
                AuditEntry.action == "upload",
            )
        )
        assert entry.changes["original_sha256"]["after"] == hashlib.sha256(original).hexdigest()
        assert "/OpenAction /JavaScript" in entry.changes["removed"]["after"]
