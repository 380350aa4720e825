"""The text inside attached PDFs: read page by page after the commit that stores the file (a
job, run in process without a broker), found with the page it is on, only by those who may
read the document; a scan gets a Swedish text layer by OCR (real ocrmypdf and Tesseract); a
file that cannot be read leaves its document found by its title, never an error.

Real files: PDFs rendered by WeasyPrint, and a scan made from one (its pages rasterised by
poppler's pdftoppm, the images wrapped in a PDF by Pillow, so it has no text layer at all).
"""

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from app.agenda.models import AgendaItem, AgendaItemDocument
from app.cases.models import Confidentiality, Document
from app.documents.render import render_pdf
from app.documents.storage import read_bytes, store_bytes
from app.documents.text import has_text, pdf_pages
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.search.index import rebuild_index
from app.search.jobs import DOCUMENT_TEXT
from app.search.models import DocumentPage, DocumentText, SearchEntry, TextMethod
from tests.conftest import DEMO_PASSWORD, ELIN
from tests.documents.hostile import nested_forms_pdf
from tests.search.helpers import MEMBER, OUTSIDER, SECRETARY, found, hits, make_world, search_page

PAGES = [
    "Kulturrådet redovisar hur verksamheten har utvecklats under året.",
    "Läsfrämjande insatser i glesbygden prioriteras, särskilt för barn och unga i "
    "kommunerna Norberg och Skinnskatteberg.",
    "Uppföljningen sker årligen och redovisas för nämnden i samband med bokslutet.",
]
SCANNED = [
    "Regionala utvecklingsförvaltningen",
    "Tjänsteskrivelse om kompetensförsörjning",
    "Målbilden för äldreomsorgen i Västmanland",
]


def require_tools(*names: str) -> None:
    """Skip when a tool is missing, except in CI, where that is a failure (as pdfsig's tests)."""
    missing = [name for name in names if shutil.which(name) is None]
    if "tesseract" in names and not missing:
        langs = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True, check=False
        ).stdout.split()
        if "swe" not in langs:
            missing.append("tesseract-ocr-swe")
    if not missing:
        return
    reason = (
        f"{', '.join(missing)} not installed (Debian: ocrmypdf, tesseract-ocr-swe, "
        "poppler-utils; scripts/system-packages installs them)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI must run these checks")
    pytest.skip(reason)


def text_pdf(pages: list[str], size: str = "12pt") -> bytes:
    html = "".join(
        f'<section style="page-break-after: always; font-size: {size}"><p>{text}</p></section>'
        for text in pages
    )
    static = str(Path(__file__).resolve().parents[2] / "static")
    return render_pdf(
        f"<html lang='sv'><body>{html}</body></html>", title="Underlag", static_folder=static
    )


def scanned_pdf(pages: list[str], folder: Path) -> bytes:
    """A scan of ``pages``: each page an image, and no text layer."""
    require_tools("pdftoppm")
    source = folder / "original.pdf"
    source.write_bytes(text_pdf(pages, size="20pt"))
    subprocess.run(
        ["pdftoppm", "-r", "200", "-gray", "-png", str(source), str(folder / "page")], check=True
    )
    images = [Image.open(path).convert("L") for path in sorted(folder.glob("page*.png"))]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=200.0, save_all=True, append_images=images[1:])
    return out.getvalue()


@pytest.fixture
def reading(app):
    """Reading the text of stored files turned on (the tests of other parts leave it off)."""
    time_limit = app.config["SEARCH_TEXT_TIME_LIMIT"]
    app.config["SEARCH_READ_DOCUMENT_TEXT"] = True
    yield
    app.config["SEARCH_READ_DOCUMENT_TEXT"] = False
    app.config["SEARCH_TEXT_TIME_LIMIT"] = time_limit


@pytest.fixture
def world(app, factory, reading):
    return make_world(app, factory)


def attach(app, item_id: int, title: str, pdf: bytes, confidentiality=Confidentiality.PUBLIC):
    """Store ``pdf`` and attach it to the item, as the agenda's upload does; commits."""
    with app.app_context():
        document = Document(
            title=title,
            confidentiality=confidentiality,
            sha256=store_bytes(pdf),
            filename="underlag.pdf",
            media_type="application/pdf",
            size=len(pdf),
        )
        item = db.session.get(AgendaItem, item_id)
        link = AgendaItemDocument(item=item, document=document, position=9)
        db.session.add(link)
        db.session.commit()
        app.config["LAST_LINK_ID"] = link.id
        return document.sha256


def _reader(make_client, login, email):
    client = make_client()
    if email:
        login(client, email)
    return client


def test_the_text_of_a_pdf_is_found_on_its_page(world, app, client):
    sha256 = attach(app, world["strategy"], "Verksamhetsberättelse kultur", text_pdf(PAGES))
    with app.app_context():
        text = db.session.get(DocumentText, sha256)
        assert (text.method, text.pages) == (TextMethod.TEXT, 3)
        assert "glesbygden" in db.session.get(DocumentPage, (sha256, 2)).text
        # The commit started one job, which ran in process (no broker) and is done.
        job = db.session.scalar(select(Job).where(Job.kind == DOCUMENT_TEXT))
        assert job.status == JobStatus.DONE and job.arguments["sha256"] == sha256
        assert job.result == {"method": "text", "pages": 3}
    page = search_page(client, "glesbygd")
    [hit] = hits(page)
    assert (hit.kind, hit.title) == ("document", "Verksamhetsberättelse kultur")
    assert hit.url == f"/item-documents/{app.config['LAST_LINK_ID']}/file#page=2"
    assert "sida 2" in page and "tolkad text (OCR)" not in page
    assert "Läsfrämjande insatser i <mark>glesbygden</mark> prioriteras" in page
    # Each page is a row of its own; words of different pages are not one page's hit.
    assert found(client, "bokslutet") == {("document", "Verksamhetsberättelse kultur")}
    assert found(client, "glesbygden bokslutet") == set()
    # The title is found once, by its title row (not once per page).
    assert found(client, "verksamhetsberättelse") == {("document", "Verksamhetsberättelse kultur")}
    assert len(hits(search_page(client, "verksamhetsberättelse"))) == 1
    # The link opens the file.
    response = client.get(hit.url.split("#")[0])
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        (None, {"remissvar"}),
        (OUTSIDER, {"remissvar"}),
        (MEMBER, {"remissvar", "internt underlag"}),
        (SECRETARY, {"remissvar", "internt underlag", "sekretessbelagd bilaga"}),
    ],
)
def test_the_text_is_found_only_by_those_who_may_read_the_document(
    world, app, make_client, login, email, expected
):
    # The same file behind the public, the internal and the secret document: read once.
    pdf = text_pdf(PAGES)
    with app.app_context():
        sha256 = store_bytes(pdf)
        for document in db.session.scalars(select(Document)):
            document.sha256 = sha256
        db.session.commit()
        assert db.session.scalar(select(db.func.count()).select_from(DocumentText)) == 1
    reader = _reader(make_client, login, email)
    titles = {title.removeprefix("Kulturstrategi ") for _, title in found(reader, "glesbygden")}
    assert titles == expected


def test_a_scan_gets_a_swedish_text_layer_by_ocr(world, app, client, tmp_path):
    require_tools("ocrmypdf", "tesseract")
    scan = scanned_pdf(["<br>".join(SCANNED)], tmp_path)
    assert not has_text(pdf_pages(scan))  # no text layer at all
    sha256 = attach(app, world["strategy"], "Inskannad tjänsteskrivelse", scan)
    with app.app_context():
        text = db.session.get(DocumentText, sha256)
        assert text.method == TextMethod.OCR and text.pages == 1
        page = db.session.get(DocumentPage, (sha256, 1)).text
        assert "äldreomsorgen" in page and "kompetensförsörjning" in page
        # The file with the text layer is stored beside the original, which is unchanged.
        layered = read_bytes(text.ocr_sha256)
        assert "Västmanland" in pdf_pages(layered)[0]
        assert read_bytes(sha256) == scan
        assert db.session.scalar(
            select(SearchEntry.ocr).where(SearchEntry.page == 1, SearchEntry.content == page)
        )
    page = search_page(client, "äldreomsorg")
    [hit] = hits(page)
    assert (hit.kind, hit.title) == ("document", "Inskannad tjänsteskrivelse")
    assert hit.url == f"/item-documents/{app.config['LAST_LINK_ID']}/file#page=1"
    assert "sida 1" in page and "tolkad text (OCR)" in page
    assert "<mark>äldreomsorgen</mark>" in page


@pytest.mark.parametrize("kind", ["damaged", "hostile"])
def test_a_file_that_cannot_be_read_is_found_by_its_title(world, app, client, kind):
    if kind == "damaged":
        pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer\n%%EOF"
    else:
        # A small file whose page draws a form that draws the next twice, 40 deep: reading
        # its text would take for ever; the sandbox's time limit stops it.
        pdf = nested_forms_pdf(40)
        app.config["SEARCH_TEXT_TIME_LIMIT"] = 3
    sha256 = attach(app, world["strategy"], "Trasig bilaga", pdf)
    with app.app_context():
        text = db.session.get(DocumentText, sha256)
        assert text.method == TextMethod.FAILED and text.pages == 0 and text.error
        assert db.session.scalar(select(Job.status).where(Job.kind == DOCUMENT_TEXT)) == (
            JobStatus.DONE
        )
    assert found(client, "trasig") == {("document", "Trasig bilaga")}
    assert search_page(client, "glesbygden")  # and the search page answers


def test_a_rebuild_keeps_the_pages_and_the_command_reads_what_was_not_read(
    world, app, client, reading
):
    app.config["SEARCH_READ_DOCUMENT_TEXT"] = False
    attach(app, world["strategy"], "Verksamhetsberättelse kultur", text_pdf(PAGES))
    assert found(client, "glesbygden") == set()  # stored while reading was off: not read yet
    app.config["SEARCH_READ_DOCUMENT_TEXT"] = True
    result = app.test_cli_runner().invoke(args=["search", "read-texts"])
    assert result.exit_code == 0 and "Text of 1 files" in result.output, result.output
    assert found(client, "glesbygden") == {("document", "Verksamhetsberättelse kultur")}
    with app.app_context():
        rebuild_index(db.session.connection())
        db.session.commit()
    assert found(client, "glesbygden") == {("document", "Verksamhetsberättelse kultur")}


def test_an_upload_through_the_agenda_is_read_and_found(app, demo, reading, make_client, login):
    """The whole path in requests: the secretary uploads a PDF on the SRB agenda (the view
    commits; after the commit the job reads the text, in process), and the public finds its
    page."""
    with app.app_context():
        item_id = db.session.scalar(
            select(AgendaItem.id).where(
                AgendaItem.title == "Återrapportering om näringslivsprojekt etablering"
            )
        )
    elin = make_client()
    login(elin, ELIN, DEMO_PASSWORD)
    token = elin.csrf_token(f"/items/{item_id}/edit")
    response = elin.post(
        f"/items/{item_id}/documents/upload",
        data={
            "csrf_token": token,
            "upload-file": (io.BytesIO(text_pdf(PAGES)), "rapport.pdf"),
            "upload-title": "Rapport om läsfrämjande",
            "upload-confidentiality": "public",
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "flash-success" in response.get_data(as_text=True)
    public = make_client()
    page = search_page(public, "glesbygden")
    [hit] = hits(page)
    assert (hit.kind, hit.title) == ("document", "Rapport om läsfrämjande")
    assert hit.url.endswith("#page=2") and "sida 2" in page
    # The diarienummer of the item's case finds the new document too.
    assert ("document", "Rapport om läsfrämjande") in found(public, "RUF 240104")
