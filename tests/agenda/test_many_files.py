"""Many files at once onto an item (issue 16): each its own document titled from its file name,
a refused one says why by its title and stops no other; Word files converted to PDF/A by
LibreOffice (the original kept); the handlingar head each attachment "Bilaga N till ärende M".

Two tests run LibreOffice (a few seconds each): one real .docx, one damaged one."""

import html
import io
import os
import re
import shutil
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.agenda import services
from app.agenda.models import AgendaItem, AgendaItemDocument
from app.bodies.models import Body
from app.cases.models import Document
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.documents.render import render_pdf
from app.documents.storage import read_bytes
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.meetings.models import RecordStatus
from app.people.models import Person
from tests.agenda.helpers import make_committee
from tests.documents.office_files import DOCX_MAIN, docx, zipped
from tests.factories import (
    attach_document,
    create_body,
    create_document,
    create_item,
    create_meeting,
    create_user,
)

ELIN = "elin@example.se"
KARIN = "karin@example.se"  # a member


def require_soffice() -> None:
    """Skip without LibreOffice, except in CI, where that is a failure."""
    if shutil.which("soffice") is not None:
        return
    reason = "soffice not installed (Debian: libreoffice-writer-nogui; scripts/system-packages)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI must run these checks")
    pytest.skip(reason)


@pytest.fixture
def world(app, factory):
    ids = make_committee(factory)
    with app.test_request_context():
        body = db.session.get(Body, ids["body"])
        meeting = services.schedule_meeting(None, body, meeting_date=date(2030, 9, 3))
        item = services.add_item(None, meeting, title="Kulturstrategi")
        db.session.commit()
        ids.update(meeting=meeting.id, item=item.id, number=item.display_number)
    return ids


@pytest.fixture
def elin(make_client, login):
    client = make_client()
    login(client, ELIN)
    return client


def _pdf(app, text: str) -> bytes:
    with app.app_context():
        return render_pdf(f"<html lang='sv'><p>{text}</p></html>")


def _upload(client, item_id: int, files: list[tuple[bytes, str]], titles=None):
    data = {
        "csrf_token": client.csrf_token(f"/items/{item_id}/edit"),
        "upload-file": [(io.BytesIO(content), name) for content, name in files],
        "upload-confidentiality": "public",
    }
    if titles is not None:
        data["upload-title"] = titles
    response = client.post(
        f"/items/{item_id}/documents/upload",
        data=data,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _documents(app, item_id: int) -> list[Document]:
    with app.app_context():
        item = db.session.get(AgendaItem, item_id)
        documents = [link.document for link in item.documents]
        for document in documents:
            db.session.expunge(document)
        return documents


def _flashes(page: str, kind: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", " ", text).split())
        for text in re.findall(rf'class="flash flash-{kind}"[^>]*>(.*?)</', page, flags=re.S)
    ]


def _text(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_several_files_at_once_each_titled_by_its_name_and_a_refusal_stops_no_other(
    app, world, elin
):
    page = _upload(
        elin,
        world["item"],
        [
            (_pdf(app, "Analys av läget"), "Bilaga_1_Analys.pdf"),
            (b"Mina anteckningar", "anteckningar_möte.txt"),
            (_pdf(app, "Remissvar"), "../Dokument/Remissvar_från__kommunerna.PDF"),
        ],
    )
    assert _flashes(page, "error") == [
        "”anteckningar möte” bifogades inte: Filen är inte en PDF och inte heller en Word-, "
        "Excel-, PowerPoint- eller OpenDocument-fil. Spara den i något av de formaten och "
        "ladda upp den igen."
    ]
    assert _flashes(page, "success") == [
        "2 handlingar bifogades: ”Bilaga 1 Analys”, ”Remissvar från kommunerna”."
    ]
    documents = _documents(app, world["item"])
    assert [d.title for d in documents] == ["Bilaga 1 Analys", "Remissvar från kommunerna"]
    assert all(d.has_file and d.filename.endswith(".pdf") for d in documents)
    # Each title can be changed afterwards on the item.
    assert page.count("Ändra titeln") == 2


def test_titles_typed_per_file_before_uploading(app, world, elin):
    """With JavaScript the form has a title field per chosen file, in the files' order; one
    left empty takes its file's name. Without it one title names a single file."""
    _upload(
        elin,
        world["item"],
        [(_pdf(app, "Ett"), "ett.pdf"), (_pdf(app, "Två"), "två_underlag.pdf")],
        titles=["Bilaga 1 Kulturstrategi 2030", ""],
    )
    page = _upload(elin, world["item"], [(_pdf(app, "Tre"), "tre.pdf")], titles=["Tredje"])
    assert _flashes(page, "success") == ["”Tredje” bifogades."]
    titles = [d.title for d in _documents(app, world["item"])]
    assert titles == ["Bilaga 1 Kulturstrategi 2030", "två underlag", "Tredje"]


def test_a_title_is_changed_on_the_item(app, world, elin, make_client, login):
    _upload(elin, world["item"], [(_pdf(app, "Ett"), "Budget_utkast.pdf")])
    with app.app_context():
        link = db.session.scalar(select(AgendaItemDocument.id))
    url = f"/item-documents/{link}/title"
    form = f"/items/{world['item']}/edit"
    page = elin.submit(url, {"title": "  Budget 2031  "}, form_url=form, follow_redirects=True)
    page = html.unescape(page.get_data(as_text=True))
    assert _flashes(page, "success") == ["”Budget utkast” heter nu ”Budget 2031”."]
    assert [d.title for d in _documents(app, world["item"])] == ["Budget 2031"]
    page = elin.submit(url, {"title": " "}, form_url=form, follow_redirects=True)
    assert "flash-error" in page.get_data(as_text=True)
    assert [d.title for d in _documents(app, world["item"])] == ["Budget 2031"]
    # A member may not.
    with app.app_context():
        create_user(KARIN, person=db.session.get(Person, world["karin"]))
        db.session.commit()
    karin = make_client()
    login(karin, KARIN)
    assert karin.submit(url, {"title": "Annat"}, form_url="/").status_code == 403
    assert [d.title for d in _documents(app, world["item"])] == ["Budget 2031"]


def test_a_word_file_is_converted_to_pdfa_and_headed_in_the_handlingar(app, world, elin):
    require_soffice()
    original = docx("Förslag till kulturstrategi 2031", "Kulturnämnden föreslås besluta.")
    page = _upload(
        elin,
        world["item"],
        [
            (_pdf(app, "Analys av läget"), "Analys.pdf"),
            (original, "Tjänsteskrivelse_kulturstrategi.docx"),
        ],
    )
    assert _flashes(page, "error") == []
    assert "”Tjänsteskrivelse kulturstrategi”" in _flashes(page, "success")[0]
    assert "Konverteras till PDF" not in page  # done while the request waited (no broker)
    _analysis, word = _documents(app, world["item"])
    assert word.title == "Tjänsteskrivelse kulturstrategi" and word.has_file
    assert word.filename == "Tjänsteskrivelse_kulturstrategi.pdf"
    with app.app_context():
        # The original is kept as it came; the file is a PDF/A made from it.
        assert read_bytes(word.source_sha256) == original
        assert word.source_media_type.endswith("wordprocessingml.document")
        pdf = read_bytes(word.sha256)
        assert pdf.startswith(b"%PDF-") and b"pdfaid:part" in pdf
        assert db.session.get(Job, word.conversion_job_id).status == JobStatus.DONE
    assert "Förslag till kulturstrategi 2031" in _text(pdf)[0]
    # The secretary gets the original back from the item, as it came.
    with app.app_context():
        link = db.session.scalar(
            select(AgendaItemDocument.id).where(AgendaItemDocument.document_id == word.id)
        )
    item_page = html.unescape(elin.get(f"/items/{world['item']}/edit").get_data(as_text=True))
    assert "Originalfil (Tjänsteskrivelse_kulturstrategi.docx)" in item_page
    fetched = elin.get(f"/item-documents/{link}/original")
    assert fetched.status_code == 200 and fetched.data == original
    assert fetched.mimetype == word.source_media_type
    assert fetched.headers["Content-Disposition"].startswith("attachment;")
    # In the handlingar, each attachment headed with its number on the item.
    packet = elin.get(f"/meetings/{world['meeting']}/handlingar.pdf")
    assert packet.status_code == 200 and packet.mimetype == "application/pdf"
    pages = _text(packet.data)
    number = world["number"]
    analysis_page = next(i for i, text in enumerate(pages) if "Analys av läget" in text)
    word_page = next(i for i, text in enumerate(pages) if "Förslag till kulturstrategi" in text)
    assert f"Bilaga 1 till ärende {number}" in pages[analysis_page]
    assert f"Bilaga 2 till ärende {number}" in pages[word_page]
    assert not any("Bilaga" in text for text in pages[:analysis_page])  # not the agenda


def test_a_damaged_word_file_says_why_on_the_item_and_keeps_nothing_half_made(app, world, elin):
    require_soffice()
    # Named and packed as a Word file, so accepted on upload; its text is cut off.
    damaged = zipped(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                '2006/content-types"><Override PartName="/word/document.xml" '
                f'ContentType="{DOCX_MAIN}"/></Types>'
            ),
            "word/document.xml": "<w:document xmlns:w='x'><w:bo",
        }
    )
    page = _upload(
        elin,
        world["item"],
        [(damaged, "Trasig_skrivelse.docx"), (_pdf(app, "Hel"), "Hel.pdf")],
    )
    errors = _flashes(page, "error")
    assert len(errors) == 1
    assert errors[0].startswith(
        "”Trasig skrivelse” kunde inte konverteras till PDF: LibreOffice kunde inte läsa filen"
    )
    assert "”Hel”" in _flashes(page, "success")[0]
    # The item says why, and offers to try again.
    item_page = html.unescape(elin.get(f"/items/{world['item']}/edit").get_data(as_text=True))
    assert "Inte konverterad till PDF och därför inte med i handlingarna:" in item_page
    assert "LibreOffice kunde inte läsa filen" in item_page
    broken, whole = _documents(app, world["item"])
    assert broken.title == "Trasig skrivelse" and whole.has_file
    # Nothing half-made: no PDF, and no record of one; the original is kept.
    assert broken.sha256 is None and broken.filename is None and broken.size is None
    with app.app_context():
        assert read_bytes(broken.source_sha256) == damaged
        assert db.session.get(Job, broken.conversion_job_id).status == JobStatus.FAILED
        assert not db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "convert to PDF", AuditEntry.object_id == broken.id
            )
        )
    assert f"/jobs/{broken.conversion_job_id}" in item_page
    # The handlingar leave it out.
    pages = _text(elin.get(f"/meetings/{world['meeting']}/handlingar.pdf").data)
    assert any(f"Bilaga 1 till ärende {world['number']}" in text for text in pages)
    assert not any("Bilaga 2" in text for text in pages)


def test_no_file_chosen_says_so_and_attaches_nothing(app, world, elin):
    page = _upload(elin, world["item"], [])
    assert _flashes(page, "error") == ["Välj en eller flera filer att ladda upp."]
    assert _documents(app, world["item"]) == []


def test_a_document_in_a_signed_record_keeps_its_title_and_file(app):
    """One document filed under two meetings' items: once one record is signed, neither its
    title nor (for an office original) its converted file changes from the other item."""
    with app.test_request_context():
        body = create_body()
        signed = create_meeting(body, date(2030, 9, 3))
        open_one = create_meeting(body, date(2030, 10, 1))
        document = create_document("Budget 2031")
        attach_document(create_item(signed), document)
        link = attach_document(create_item(open_one), document)
        db.session.commit()
        services.rename_document(None, link, "Budget 2031, reviderad")  # both still open
        signed.record_status = RecordStatus.FINAL
        db.session.commit()
        with pytest.raises(DomainError, match="ute för justering"):
            services.rename_document(None, link, "Budget 2031, ny")
        db.session.rollback()
        assert db.session.get(Document, document.id).title == "Budget 2031, reviderad"
        document = db.session.get(Document, document.id)
        document.sha256, document.source_sha256 = None, "0" * 64
        document.source_filename = "budget.docx"
        with pytest.raises(DomainError, match="ute för justering"):
            services.convert_office_document(document)
