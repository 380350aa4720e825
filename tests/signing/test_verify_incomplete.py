"""A justerat protokoll that is no longer whole: its last signature cut off the end of the
file, or its title changed in an incremental update. Both keep every remaining signature intact
and trusted, so each must be caught for what it is: ``flask verify-pdf`` and the public page
"Verifiera protokoll" say "not justerat" and name the missing signatory, or name the changed
property; pdfsig (poppler) checks the files independently. And a file the command cannot check
gets its reason in one line, without a traceback.

The protokoll is justerat for real (tests/justering/test_verify_page.py's ``_justerat``): the
secretary signs, then the chair and the justerare approve, each an incremental update."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfWriter

from app.bodies.models import Body
from app.documents.render import render_pdf_with_boxes
from app.extensions import db
from app.justering.models import RoundStatus, SignoffRole
from app.justering.services import justered_revision
from app.signing import keys
from app.signing.backends import LocalPkcs12Backend
from app.signing.pdf import SignatureSlot, add_signature_fields, sign_pdf
from app.signing.verify import Changes, verify_pdf
from tests.justering.helpers import meeting
from tests.justering.test_verify_page import _justerat, _result, _upload
from tests.signing.conftest import JOHANNA, RECORD, require_tools

ROOT = Path(__file__).resolve().parents[2]


def _signed_lengths(pdf: bytes) -> list[tuple[str, int]]:
    """Each signature's field and the end of the revision it signs, in signing order."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return [
        (str(s.field_name), s.byte_range[2] + s.byte_range[3])
        for s in reader.embedded_regular_signatures
    ]


def _cut_last_signature(original: bytes) -> tuple[bytes, str]:
    """The file as it was before its last signature: that signature's update cut off."""
    signatures = _signed_lengths(original)
    assert len(signatures) == 3 and signatures[-1][1] == len(original)
    cut = original[: signatures[-2][1]]
    return cut, signatures[-1][0]


def _retitled(original: bytes, title: str) -> bytes:
    """An incremental update that changes nothing but /Info /Title."""
    writer = IncrementalPdfFileWriter(io.BytesIO(original))
    info = writer.trailer["/Info"]
    info[generic.NameObject("/Title")] = generic.TextStringObject(title)
    writer.update_container(info)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _cli(app, path: Path) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["verify-pdf", str(path)])
    return result.exit_code, result.output


def _pdfsig(path: Path) -> str:
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    return result.stdout + result.stderr


def _last_signatory(app, ids) -> tuple[str, str]:
    """The name and printed role of whoever signed last in the completed round."""
    with app.app_context():
        revision = justered_revision(meeting(ids))
        (done,) = [r for r in revision.rounds if r.status == RoundStatus.COMPLETED]
        last = max(
            (s for s in done.signoffs if s.role != SignoffRole.SECRETARY),
            key=lambda s: s.decided_at,
        )
        return last.person.name, last.role.printed


def test_a_protokoll_with_its_last_signature_cut_off_is_not_justerat(
    app, factory, make_client, tmp_path, smtp_server
):
    ids, original = _justerat(app, factory)
    cut, lost_field = _cut_last_signature(original)
    name, role = _last_signatory(app, ids)
    assert original.startswith(cut) and len(cut) < len(original)

    path = tmp_path / "cut.pdf"
    path.write_bytes(cut)
    require_tools("pdfsig")
    independent = _pdfsig(path)
    assert independent.count("Signature is Valid.") == 2, independent
    assert f"Signature Field Name: {lost_field}" in independent
    assert "The signature form field is not signed." in independent

    code, output = _cli(app, path)
    assert code == 1, output
    assert "valid: NO" in output and "valid: yes" not in output
    assert output.count("intact: yes") == 2 and output.count("trusted: yes") == 2
    assert f"unsigned fields: {lost_field}" in output
    assert "NOT JUSTERAT" in output
    assert "archive: the signed original cut short of" in output
    assert f"missing signature: {name} ({role}) in field {lost_field}" in output
    assert "unexpected signature" not in output

    result = _result(_upload(make_client(), cut).get_data(as_text=True))
    assert "Filen klarar inte kontrollen" in result
    assert "Underskrifterna är giltiga" not in result
    assert "Inte justerat." in result
    assert f"Dessa underskriftsfält är inte signerade: {lost_field}." in result
    assert "Filen är det arkiverade signerade originalet av" in result
    assert "men avkortat: de sista underskrifterna har tagits bort." in result
    assert f"Underskrifter som arkivet väntar sig saknas: {name} ({role})." in result
    assert f'<a href="/meetings/{ids["meeting"]}/record">' in result
    # Where the reader may not read the record, the archive's comparison is told without
    # naming the meeting or the missing signatory.
    with app.app_context():
        db.session.get(Body, ids["body"]).is_public = False
        db.session.commit()
    hidden = _result(_upload(make_client(), cut).get_data(as_text=True))
    assert "Inte justerat." in hidden
    assert "Filen bär underskrifterna från ett protokoll i arkivet" in hidden
    assert "1 underskrift som arkivet väntar sig saknas." in hidden
    assert name not in hidden and "/record" not in hidden

    # What is left is a well-formed signed file: every remaining signature intact, trusted,
    # covering the whole file. Only the empty field tells.
    with app.app_context():
        report = verify_pdf(cut)
    assert len(report.signatures) == 2
    assert all(check.ok for check in report.signatures)
    assert report.signatures[-1].changes == Changes.NONE
    assert report.unsigned_fields == (lost_field,)
    assert report.valid and not report.valid_and_complete


def test_a_title_changed_after_justering_is_a_change(
    app, factory, make_client, tmp_path, smtp_server
):
    _ids, original = _justerat(app, factory)
    changed = _retitled(original, "Protokoll – godkänt utan ändringar")
    assert changed.startswith(original)
    assert PdfFileReader(io.BytesIO(changed)).trailer_view["/Info"]["/Title"] == (
        "Protokoll – godkänt utan ändringar"
    )

    path = tmp_path / "retitled.pdf"
    path.write_bytes(changed)
    require_tools("pdfsig")
    independent = _pdfsig(path)
    # pdfsig too: every signature intact, none covering the whole file any more.
    assert independent.count("Signature is Valid.") == 3, independent
    assert "Not total document signed" in independent
    assert "  - Total document signed" not in independent

    code, output = _cli(app, path)
    assert code == 1, output
    assert "valid: NO" in output
    assert output.count("Efter signeringen ändrades dokumentets egenskaper (Title)") == 3
    assert "valideringsdata" not in output
    assert "NOT JUSTERAT" not in output  # every signature is there...
    assert "carries its signatures" in output  # ...of the archived original, changed since
    assert "missing signature" not in output and "unexpected signature" not in output

    result = _result(_upload(make_client(), changed).get_data(as_text=True))
    assert "Filen klarar inte kontrollen" in result
    assert result.count("Efter signeringen ändrades dokumentets egenskaper (Title)") == 3
    assert "valideringsdata" not in result and "Inte justerat." not in result
    assert "Filen bär underskrifterna från det arkiverade signerade originalet av" in result
    assert "men är inte identisk med det." in result

    with app.app_context():
        report = verify_pdf(changed)
    assert len(report.signatures) == 3 and report.complete
    for check in report.signatures:
        assert check.intact and check.trusted
        assert check.changes == Changes.DISALLOWED and not check.ok
        assert "(Title)" in check.modification
        assert "validering" not in check.modification
    assert not report.valid


def test_the_archive_names_a_signature_it_does_not_expect(app, factory, smtp_server):
    """Another person in a field of the archived record: named as not expected."""
    from app.justering.verification import compare_signatories, expected_signatories

    ids, original = _justerat(app, factory)
    with app.app_context():
        report = verify_pdf(original)
        expected = expected_signatories(justered_revision(meeting(ids)))
        assert [s.field for s in expected] == [c.field for c in report.signatures]
        assert compare_signatories(report, expected) == ([], [])
        impostor = expected[-1].__class__(expected[-1].field, "Någon Annan", expected[-1].role)
        missing, unexpected = compare_signatories(report, [*expected[:-1], impostor])
    assert missing == []
    assert unexpected == [f"{report.signatures[-1].person_name} (i fältet {impostor.field})"]


@pytest.fixture
def cli_env(app, tmp_path) -> dict[str, str]:
    """`flask verify-pdf` as an administrator runs it: its own process and database."""
    from app import create_app

    database = f"sqlite:///{tmp_path / 'cli.db'}"
    other = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": database})
    with other.app_context():
        db.create_all()
        db.engine.dispose()
    return {
        **os.environ,
        "SEKRETARIAT_CONFIG": "testing",
        "TEST_DATABASE_URL": database,
        "TEST_SIGNING_DIR": str(tmp_path / "no-keys"),  # trusts nothing
    }


def test_files_the_command_rejects_get_one_line_and_no_traceback(app, cli_env, tmp_path):
    encrypted = PdfWriter()
    encrypted.add_blank_page(595, 842)
    encrypted.encrypt("hemligt")
    buffer = io.BytesIO()
    encrypted.write(buffer)
    plain = PdfWriter()
    plain.add_blank_page(595, 842)
    unsigned = io.BytesIO()
    plain.write(unsigned)
    files = {
        "text.pdf": (b"Protokoll Kulturn\xc3\xa4mnden\n", "Filen är inte en PDF."),
        "garbage.pdf": (
            b"%PDF-1.7\n" + bytes(range(256)) * 20,
            "PDF:en kunde inte läsas; filen kan vara skadad.",
        ),
        "encrypted.pdf": (
            buffer.getvalue(),
            "PDF:en är krypterad; dess underskrifter kan inte kontrolleras.",
        ),
        "unsigned.pdf": (unsigned.getvalue(), "PDF:en har inga underskrifter."),
    }
    paths = []
    for name, (data, _reason) in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    # All at once, as an administrator checks a folder: each file its own line.
    done = subprocess.run(
        [sys.executable, "-m", "flask", "verify-pdf", *paths],
        cwd=ROOT,
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    printed = (done.stdout + done.stderr).strip()
    assert done.returncode != 0, printed
    assert "Traceback" not in printed, printed
    assert printed.splitlines() == [
        f"Error: {tmp_path / name}: {reason}" for name, (_data, reason) in files.items()
    ], printed


def test_an_untrusted_signature_is_reported_without_a_traceback(app, cli_env, tmp_path):
    """pyHanko logs a certificate it cannot trust with a traceback; the command does not."""
    dev = keys.init_dev_signing(tmp_path / "other-ca", password="testing")
    with app.app_context():
        pdf, boxes = render_pdf_with_boxes(RECORD, ["sig-justerare"])
        box = boxes["sig-justerare"]
        prepared = add_signature_fields(pdf, [SignatureSlot("justerare", box.page, box.box)])
        signed = sign_pdf(
            prepared,
            field="justerare",
            signatory=JOHANNA,
            backend=LocalPkcs12Backend(dev.seal, "testing", personal_dir=dev.personal_dir),
            reason="Justering av protokoll",
        )
    path = tmp_path / "untrusted.pdf"
    path.write_bytes(signed)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "verify-pdf", str(path)],
        cwd=ROOT,
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
    assert "intact: yes" in done.stdout and "trusted: NO" in done.stdout
    assert "valid: NO" in done.stdout


def test_an_xmp_title_changed_after_signing_is_a_change(app, pki):
    with app.app_context():
        pdf, boxes = render_pdf_with_boxes(RECORD, ["sig-justerare"])
        box = boxes["sig-justerare"]
        prepared = add_signature_fields(pdf, [SignatureSlot("justerare", box.page, box.box)])
        signed = sign_pdf(
            prepared, field="justerare", signatory=JOHANNA, backend=pki.backend(), reason="J"
        )
    assert verify_pdf(signed, trust_roots=[pki.dev.ca_cert]).valid_and_complete
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    reference = writer.root.raw_get("/Metadata").reference
    stream = writer.get_object(reference)
    xmp = stream.data.decode()
    assert '<rdf:li xml:lang="x-default">Protokoll</rdf:li>' in xmp
    # As pyHanko itself updates metadata: a new stream, and the catalogue pointing to it.
    changed = generic.StreamObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Metadata"),
            generic.NameObject("/Subtype"): generic.NameObject("/XML"),
        },
        stream_data=xmp.replace(">Protokoll<", ">Godkänt utan ändringar<").encode(),
    )
    writer.root[generic.NameObject("/Metadata")] = writer.add_object(changed)
    writer.update_root()
    output = io.BytesIO()
    writer.write(output)

    (check,) = verify_pdf(output.getvalue(), trust_roots=[pki.dev.ca_cert]).signatures
    assert check.intact and check.changes == Changes.DISALLOWED
    assert "(XMP title)" in check.modification
