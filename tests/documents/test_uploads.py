"""check_pdf_upload: good PDFs in, everything else out with a reason the user can act on."""

import hashlib
import io
import logging

import pytest
from pypdf import PdfReader, PdfWriter

from app.documents import uploads
from app.documents.render import render_pdf
from app.documents.uploads import (
    CheckedUpload,
    UploadRejected,
    check_pdf_upload,
    clean_pdf_filename,
)

MB = 2**20


@pytest.fixture(scope="module")
def three_pages(app) -> bytes:
    body = "".join(
        f'<h1 style="break-before: page">Bilaga sida {number}</h1><p>Analys av åtgärder</p>'
        for number in (1, 2, 3)
    )
    with app.app_context():
        return render_pdf(f'<html lang="sv"><body>{body}</body></html>')


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


@pytest.fixture
def english(app):
    """A reader who chose English (the language cookie an anonymous reader's choice sets)."""
    from app.core.response_cache import LOCALE_COOKIE

    with app.test_request_context(headers={"Cookie": f"{LOCALE_COOKIE}=en"}):
        yield


def rejection(data: bytes, **limits) -> UploadRejected:
    limits = {"max_bytes": 10 * MB, **limits}
    with pytest.raises(UploadRejected) as raised:
        check_pdf_upload(data, "bilaga.pdf", **limits)
    assert isinstance(raised.value.message, str) and raised.value.message
    assert str(raised.value) == raised.value.message
    return raised.value


def encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password, "ägarlösen")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def test_good_pdf_is_accepted(request_context, three_pages):
    upload = check_pdf_upload(
        three_pages, "../../Bilaga 1 Analys.PDF", max_bytes=10 * MB, max_pages=3
    )

    # Nothing to clean: stored exactly as uploaded.
    assert upload == CheckedUpload(
        data=three_pages,
        filename="Bilaga_1_Analys.pdf",
        media_type="application/pdf",
        pages=3,
        sha256=hashlib.sha256(three_pages).hexdigest(),
        original_sha256=hashlib.sha256(three_pages).hexdigest(),
        removed=(),
    )


@pytest.mark.parametrize(
    "given, cleaned",
    [
        ("../../Bilaga 1 Analys.PDF", "Bilaga_1_Analys.pdf"),
        ("..\\..\\Protokoll § 12 – Ärende.pdf", "Protokoll_12_Ärende.pdf"),
        ("Yttrande från Köping.pdf", "Yttrande_från_Köping.pdf"),
        ("Café résumé.pdf", "Cafe_resume.pdf"),
        ("/etc/passwd", "passwd.pdf"),
        ("rapport.docx", "rapport.docx.pdf"),
        ("..", "dokument.pdf"),
        ("   .pdf", "dokument.pdf"),
        ("", "dokument.pdf"),
        (None, "dokument.pdf"),
        ("a" * 300 + ".pdf", "a" * 120 + ".pdf"),
    ],
)
def test_filenames_are_cleaned(given, cleaned):
    assert clean_pdf_filename(given) == cleaned


def test_empty_file(request_context):
    assert rejection(b"").reason == "empty"


def test_too_large(request_context, three_pages):
    assert rejection(three_pages, max_bytes=len(three_pages) - 1).reason == "too_large"
    assert check_pdf_upload(three_pages, None, max_bytes=len(three_pages)).pages == 3


def test_too_large_shows_sizes(english):
    rejected = rejection(b"%PDF-1.7" + b"\0" * (3 * MB // 2), max_bytes=MB)
    assert rejected.message == "The file is too large: 1.6 MB, at most 1 MB is allowed."


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 200,
        "Det här är en textfil som heter bilaga.pdf\n".encode() * 10,
        b"<html><body>the PDF header comes too late</body></html>" + b" " * 1024 + b"%PDF-1.7",
    ],
    ids=["png", "text", "late-header"],
)
def test_not_a_pdf(request_context, data):
    assert rejection(data).reason == "not_pdf"


@pytest.mark.parametrize("user_password", ["hemligt", ""], ids=["password", "owner-only"])
def test_encrypted(request_context, three_pages, user_password):
    assert rejection(encrypted(three_pages, user_password)).reason == "encrypted"


@pytest.mark.parametrize("fraction", [0.25, 0.5, 0.9])
def test_truncated(request_context, three_pages, fraction):
    assert rejection(three_pages[: int(len(three_pages) * fraction)]).reason == "damaged"


def test_truncated_even_with_an_end_marker(request_context, three_pages):
    half = three_pages[: len(three_pages) // 2] + b"\n%%EOF\n"
    assert rejection(half).reason == "damaged"


@pytest.mark.parametrize(
    "tail", [bytes(range(256)) * 8, bytes(range(256)) * 8 + b"\n%%EOF\n"], ids=["plain", "eof"]
)
def test_garbage_after_header(request_context, tail):
    assert rejection(b"%PDF-1.7\n" + tail).reason == "damaged"


def test_no_pages(request_context):
    writer = PdfWriter()
    output = io.BytesIO()
    writer.write(output)
    assert rejection(output.getvalue()).reason == "damaged"


def test_too_many_pages(english, three_pages):
    rejected = rejection(three_pages, max_pages=2)
    assert rejected.reason == "too_many_pages"
    assert rejected.message == "The PDF has 3 pages; at most 2 are allowed."


def test_damage_reason_is_short(english, three_pages):
    rejected = rejection(three_pages[:1000])
    assert rejected.message.startswith("The PDF is damaged and cannot be read: ")
    assert len(rejected.message) < 150


def without_object(pdf: bytes, number: int) -> bytes:
    """The PDF with object ``number`` blanked out, as if those bytes never arrived."""
    start = pdf.index(f"\n{number} 0 obj".encode()) + 1
    end = pdf.index(b"endobj", start) + len(b"endobj")
    return pdf[:start] + b" " * (end - start) + pdf[end:]


def test_missing_page_content(request_context, three_pages):
    # pypdf's writer keeps every object on its own (no object streams), easy to cut out.
    writer = PdfWriter(clone_from=io.BytesIO(three_pages))
    output = io.BytesIO()
    writer.write(output)
    plain = output.getvalue()
    contents = PdfReader(io.BytesIO(plain)).pages[1].raw_get("/Contents")
    assert check_pdf_upload(plain, None, max_bytes=10 * MB).pages == 3

    rejected = rejection(without_object(plain, contents.idnum))
    assert rejected.reason == "damaged"
    assert "page 2" in rejected.message


def test_repairs_pypdf_reports_as_damage_are_rejected(three_pages, monkeypatch):
    """pypdf logs, rather than raises, when it reads on past missing objects. (The reading
    itself, which check_pdf_upload runs in a child process, is called here directly.)"""
    real_reader = uploads.PdfReader

    def reader_finding_a_hole(*args, **kwargs):
        logging.getLogger("pypdf._reader").warning("Object %d %d not defined.", 12, 0)
        return real_reader(*args, **kwargs)

    monkeypatch.setattr(uploads, "PdfReader", reader_finding_a_hole)
    inspection = uploads.inspect_pdf(three_pages, max_decoded_bytes=10 * MB)
    assert inspection.refusal == "damaged"
    assert "Object 12 0 not defined." in inspection.detail


def test_pypdf_log_is_collected_then_restored(caplog):
    logger = logging.getLogger("pypdf")
    before = (logger.propagate, logger.level, list(logger.handlers))
    with caplog.at_level(logging.WARNING), uploads.pypdf_messages() as messages:
        logging.getLogger("pypdf._reader").warning("incorrect startxref pointer(%d)", 1)
        logging.getLogger("app").warning("unrelated")

    assert messages == ["incorrect startxref pointer(1)"]
    assert [record.getMessage() for record in caplog.records] == ["unrelated"]
    assert (logger.propagate, logger.level, list(logger.handlers)) == before
