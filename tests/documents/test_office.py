"""Office files (app.documents.office): checked by content (messages in the default Swedish) before anything is stored; and the
names they came with turned into titles. The conversion itself (LibreOffice) is tested through
the agenda (tests/agenda/test_many_files.py), twice: it takes seconds."""

import pytest

from app.documents import office
from app.documents.office import (
    OLE_MAGIC,
    CheckedOffice,
    check_document_upload,
    check_office_upload,
    inspect_office,
)
from app.documents.uploads import CheckedUpload, UploadRejected, title_from_filename
from tests.documents.office_files import docx, odt_mimetype_only

MB = 2**20


@pytest.mark.parametrize(
    "filename, title",
    [
        ("Bilaga_1_Analys.docx", "Bilaga 1 Analys"),
        ("C:\\Users\\elin\\Tjänsteskrivelse budget 2027.DOC", "Tjänsteskrivelse budget 2027"),
        ("../../Minnesanteckningar__2024-02-16.pdf", "Minnesanteckningar 2024-02-16"),
        ("Rapport v. 2.1", "Rapport v. 2"),
        ("utan filändelse", "utan filändelse"),
        (".docx", "docx"),
        ("", "Dokument"),
        (None, "Dokument"),
    ],
)
def test_a_title_from_the_file_name(filename, title):
    assert title_from_filename(filename) == title


def check(app, data: bytes, filename: str, **limits):
    with app.test_request_context():
        return check_office_upload(data, filename, max_bytes=limits.pop("max_bytes", MB), **limits)


def refusal(app, data: bytes, filename: str, **limits) -> UploadRejected:
    with pytest.raises(UploadRejected) as refused:
        check(app, data, filename, **limits)
    return refused.value


def test_a_word_file_is_accepted_as_it_came(app):
    data = docx("Tjänsteskrivelse")
    accepted = check(app, data, "../Tjänsteskrivelse budget.docx")
    assert isinstance(accepted, CheckedOffice)
    assert accepted.data == data and accepted.filename == "Tjänsteskrivelse_budget.docx"
    assert accepted.media_type.endswith("wordprocessingml.document")


def test_the_content_must_be_what_the_name_says(app):
    pdf_named_docx = b"%PDF-1.7\n" + b"0" * 200 + b"\n%%EOF\n"
    assert refusal(app, pdf_named_docx, "bilaga.docx").reason == "not_office"
    spreadsheet_named_docx = docx(
        "x",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    )
    assert refusal(app, spreadsheet_named_docx, "bilaga.docx").reason == "not_office"
    assert check(app, spreadsheet_named_docx, "bilaga.xlsx").format.extension == "xlsx"
    text = odt_mimetype_only("application/vnd.oasis.opendocument.text")
    assert check(app, text, "protokoll.odt").format.application == "writer"
    assert refusal(app, text, "protokoll.ods").reason == "not_office"
    message = refusal(app, docx("x")[:300], "trasig.docx").message
    assert message.startswith("Filen är inte en läsbar .docx-fil")


def test_old_binary_formats_need_their_streams(app):
    word = OLE_MAGIC + b"\x00" * 100 + "WordDocument".encode("utf-16-le") + b"\x00" * 400
    assert check(app, word, "gammal.doc").format.extension == "doc"
    assert refusal(app, word, "gammal.xls").reason == "not_office"
    # A compound file named .doc without a Word stream: LibreOffice would show its bytes as text.
    assert refusal(app, OLE_MAGIC + b"\x00" * 500, "gammal.doc").reason == "not_office"
    assert check(app, b"{\\rtf1\\ansi Hej}", "brev.rtf").format.extension == "rtf"
    assert refusal(app, b"Hej", "brev.rtf").reason == "not_office"


def test_a_password_protected_word_file_says_so(app):
    # Word keeps a protected .docx in an encrypted compound file.
    locked = OLE_MAGIC + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le")
    rejected = refusal(app, locked, "hemlig.docx")
    assert rejected.reason == "encrypted" and "lösenordsskyddad" in rejected.message


def test_what_a_zip_unpacks_to_is_counted_before_it_is_read(app):
    data = docx("A" * 5000)
    assert inspect_office(data, "docx", max_decoded_bytes=100 * MB) is None
    rejected = refusal(app, data, "stor.docx", max_decoded_bytes=2000)
    assert rejected.reason == "unpacks_too_large"
    assert rejected.message.startswith("Filen packas upp till mer än")


def test_size_and_emptiness(app):
    assert refusal(app, b"", "tom.docx").reason == "empty"
    assert refusal(app, docx("x"), "stor.docx", max_bytes=100).reason == "too_large"


def test_an_attachment_is_a_pdf_unless_its_name_says_office(app):
    with app.test_request_context():
        with pytest.raises(UploadRejected) as refused:
            check_document_upload(b"hello", "anteckningar.txt", max_bytes=MB)
        assert refused.value.reason == "not_pdf"
        assert (
            "inte heller en Word-, Excel-, PowerPoint- eller OpenDocument-fil"
            in refused.value.message
        )
        # Macro-enabled Word files are not among the office formats: read as (not) a PDF.
        with pytest.raises(UploadRejected):
            check_document_upload(docx("x"), "makro.docm", max_bytes=MB)
        assert isinstance(check_document_upload(docx("x"), "a.DOCX", max_bytes=MB), CheckedOffice)
        assert not isinstance(
            check_document_upload(docx("x"), "a.DOCX", max_bytes=MB), CheckedUpload
        )


def test_without_network_isolation_a_server_that_requires_it_converts_nothing(app, monkeypatch):
    monkeypatch.setattr(office.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(office, "can_isolate_network", lambda: False)
    monkeypatch.setattr(office, "run_limited", pytest.fail)  # LibreOffice is never started
    app.config["OFFICE_REQUIRE_NO_NETWORK"] = True
    try:
        with app.test_request_context(), pytest.raises(office.ConversionFailed) as failed:
            office.convert_to_pdf(docx("x"), "docx")
    finally:
        app.config["OFFICE_REQUIRE_NO_NETWORK"] = False
    assert "nätverket" in failed.value.message
