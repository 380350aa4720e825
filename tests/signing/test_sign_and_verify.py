"""A record rendered with two reserved boxes, two fields, signed by Johanna (her own certificate)
and then by Elin (the organisation's seal): what pyHanko, pdfsig and a reader see."""

import hashlib
import io
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from flask_babel import gettext
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader

from app.documents.render import PlacedBox, render_pdf, render_pdf_with_boxes
from app.signing import keys
from app.signing import pdf as signing_pdf
from app.signing.backends import LocalPkcs12Backend
from app.signing.errors import SigningError
from app.signing.pdf import Signatory, SignatureSlot, add_signature_fields, sign_pdf
from app.signing.verify import Changes, verify_pdf
from tests.signing.conftest import (
    ELIN,
    JOHANNA,
    PASSWORD,
    RECORD,
    pdfsig,
    require_tools,
    widget_texts,
)

JOHANNA_AT = datetime(2026, 3, 17, 13, 5, tzinfo=UTC)  # 14:05 in Stockholm (CET)
ELIN_AT = datetime(2026, 3, 17, 15, 30, tzinfo=UTC)
SEAL_CN = "Sekretariat demo – organisationens sigill"


@dataclass(frozen=True)
class Prepared:
    pdf: bytes  # rendered, with both empty fields
    boxes: dict[str, PlacedBox]


@pytest.fixture(scope="module")
def prepared(app) -> Prepared:
    with app.app_context():
        pdf, boxes = render_pdf_with_boxes(RECORD, ["sig-justerare", "sig-sekreterare"])
    slots = [
        SignatureSlot(role, boxes[f"sig-{role}"].page, boxes[f"sig-{role}"].box, role.capitalize())
        for role in ("justerare", "sekreterare")
    ]
    return Prepared(add_signature_fields(pdf, slots), boxes)


@pytest.fixture(scope="module")
def signed(app, pki, prepared) -> bytes:
    backend = pki.backend()
    with app.app_context():
        first = sign_pdf(
            prepared.pdf,
            field="justerare",
            signatory=JOHANNA,
            backend=backend,
            reason="Justering av protokoll",
            signed_at=JOHANNA_AT,
        )
        return sign_pdf(
            first,
            field="sekreterare",
            signatory=ELIN,
            backend=backend,
            reason="Vid protokollet",
            signed_at=ELIN_AT,
        )


def tamper(pdf: bytes) -> bytes:
    """One byte changed in the first revision, which every signature covers."""
    position = pdf.index(b"Protokoll")  # the title in the document information
    changed = pdf[:position] + b"p" + pdf[position + 1 :]
    assert len(changed) == len(pdf) and changed != pdf
    return changed


def test_fields_are_added_empty_where_the_boxes_are(prepared):
    reader = PdfReader(io.BytesIO(prepared.pdf))
    widgets = {
        str(a["/T"]): a
        for page in reader.pages
        for a in (ref.get_object() for ref in page.get("/Annots", []))
        if a.get("/FT") == "/Sig"
    }
    assert set(widgets) == {"justerare", "sekreterare"}
    for name, widget in widgets.items():
        assert "/V" not in widget  # empty: nobody has signed
        expected = prepared.boxes[f"sig-{name}"].box
        assert [float(x) for x in widget["/Rect"]] == pytest.approx(expected, abs=0.01)
    assert str(widgets["justerare"]["/TU"]) == "Justerare"
    # One revision on top of the rendering: fields first, before any signature.
    assert prepared.pdf.count(b"%%EOF") == 2


def test_both_signatures_are_intact_trusted_and_allowed(signed, pki):
    report = verify_pdf(signed, trust_roots=[pki.dev.ca_cert])

    assert report.error is None
    assert report.sha256 == hashlib.sha256(signed).hexdigest()
    assert [s.field for s in report.signatures] == ["justerare", "sekreterare"]
    johanna, elin = report.signatures
    assert johanna.signer_name == "Johanna Odö"  # her personal certificate
    assert elin.signer_name == SEAL_CN  # Elin has none: the organisation's seal
    assert elin.signatory_name == "Elin Hellström"  # whom the seal signed for
    for check in report.signatures:
        assert check.intact and check.trusted and check.ok
        assert not check.timestamped
        assert check.signed_at is not None and check.signed_at.tzinfo is not None
        assert check.problem is None
    # Elin's signature came later and only filled her field: allowed for Johanna's.
    assert johanna.changes == Changes.ALLOWED
    assert elin.changes == Changes.NONE  # the last one covers the whole file
    assert johanna.modification and elin.modification != johanna.modification
    assert report.valid


def test_signatures_are_pades_with_the_reason(signed):
    reader = PdfReader(io.BytesIO(signed))
    values = {
        str(f["/T"]): f["/V"].get_object()
        for f in (ref.get_object() for ref in reader.trailer["/Root"]["/AcroForm"]["/Fields"])
    }
    assert values["justerare"]["/SubFilter"] == "/ETSI.CAdES.detached"
    assert values["justerare"]["/Reason"] == "Justering av protokoll"
    assert values["sekreterare"]["/Name"] == "Elin Hellström"


def test_visible_blocks_name_the_person_role_and_time_in_swedish(signed):
    assert widget_texts(signed) == {
        "justerare": "Justerat av Johanna Odö\nJusterare\n2026-03-17 14:05\n",
        "sekreterare": "Signerat av Elin Hellström\nSekreterare\n2026-03-17 16:30\n",
    }


def test_visible_blocks_embed_their_font(signed):
    reader = PdfReader(io.BytesIO(signed))
    for page in reader.pages:
        for ref in page.get("/Annots", []):
            appearance = ref.get_object()["/AP"]["/N"].get_object()
            for font in appearance["/Resources"]["/Font"].values():
                font = font.get_object()
                assert "DejaVuSans" in str(font["/BaseFont"])
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                assert "/FontFile2" in descriptor.get_object()  # embedded, as PDF/A requires
                assert "/ToUnicode" in font  # so the text can be searched and read aloud


def test_signing_keeps_the_pdfa_identity(signed):
    root = PdfReader(io.BytesIO(signed)).trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp
    assert "/StructTreeRoot" in root


def test_configured_trust_roots_are_used_by_default(app, signed, pki, monkeypatch, tmp_path):
    with app.app_context():
        monkeypatch.setitem(app.config, "SIGNING_DIR", str(pki.dev.folder))
        assert verify_pdf(signed).valid  # the development CA in SIGNING_DIR is trusted

        monkeypatch.setitem(app.config, "SIGNING_DIR", str(tmp_path))  # no CA there
        report = verify_pdf(signed)
        assert not report.valid
        assert all(s.intact and not s.trusted for s in report.signatures)

        monkeypatch.setitem(app.config, "SIGNING_TRUST_ROOTS", [str(pki.dev.ca_cert)])
        assert verify_pdf(signed).valid


def test_another_ca_leaves_the_signatures_intact_but_untrusted(signed):
    stranger = keys.make_root_ca("Någon annan", "Okänd CA")
    report = verify_pdf(signed, trust_roots=[stranger.cert])

    assert [(s.intact, s.trusted) for s in report.signatures] == [(True, False), (True, False)]
    assert not report.valid


def test_a_changed_byte_breaks_every_signature(app, signed, pki):
    with app.app_context():
        report = verify_pdf(tamper(signed), trust_roots=[pki.dev.ca_cert])

    assert len(report.signatures) == 2
    for check in report.signatures:
        assert not check.intact and not check.trusted and not check.ok
        assert check.changes == Changes.DISALLOWED
    assert not report.valid


def test_a_later_change_to_the_page_is_disallowed(signed, pki):
    # A line drawn on the page in a new revision: the signed bytes stay as they were.
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    line = writer.add_object(generic.StreamObject(stream_data=b"0 0 m 300 300 l S"))
    writer.add_stream_to_page(0, line)
    output = io.BytesIO()
    writer.write(output)

    report = verify_pdf(output.getvalue(), trust_roots=[pki.dev.ca_cert])
    for check in report.signatures:
        assert check.intact and check.trusted
        assert check.changes == Changes.DISALLOWED and not check.ok
    assert not report.valid


def test_files_that_are_not_signed_pdfs_get_a_clear_error(app):
    with app.app_context():
        not_pdf = verify_pdf(b"Protokoll, justerat")
        unsigned = verify_pdf(render_pdf("<p>Protokoll</p>"))
        damaged = verify_pdf(b"%PDF-1.7\n" + b"\x00" * 200)

        assert not_pdf.error == gettext("The file is not a PDF.")
        assert unsigned.error == gettext("The PDF has no signatures.")
        assert damaged.error
    for report in (not_pdf, unsigned, damaged):
        assert not report.valid and report.signatures == ()
    assert not_pdf.sha256 == hashlib.sha256(b"Protokoll, justerat").hexdigest()


def test_a_pdf_with_empty_fields_is_not_signed(prepared, pki):
    report = verify_pdf(prepared.pdf, trust_roots=[pki.dev.ca_cert])
    assert report.error and not report.valid


def test_signing_refuses_a_missing_or_filled_field(app, prepared, signed, pki):
    backend = pki.backend()
    with app.app_context():
        with pytest.raises(SigningError):
            sign_pdf(signed, field="justerare", signatory=JOHANNA, backend=backend, reason="x")
        with pytest.raises(SigningError):
            sign_pdf(
                prepared.pdf, field="ordforande", signatory=JOHANNA, backend=backend, reason="x"
            )


def test_without_a_seal_only_people_with_certificates_can_sign(app, prepared, pki):
    backend = LocalPkcs12Backend(None, PASSWORD, personal_dir=pki.dev.personal_dir)
    with app.app_context():
        signed = sign_pdf(
            prepared.pdf, field="justerare", signatory=JOHANNA, backend=backend, reason="Justering"
        )
        with pytest.raises(SigningError):
            sign_pdf(signed, field="sekreterare", signatory=ELIN, backend=backend, reason="x")
        wrong_password = LocalPkcs12Backend(pki.dev.seal, "fel")
        with pytest.raises(SigningError):
            sign_pdf(
                signed, field="sekreterare", signatory=ELIN, backend=wrong_password, reason="x"
            )


def test_fields_must_all_exist_before_the_first_signature(signed, prepared):
    slot = SignatureSlot("ordforande", 0, (50.0, 50.0, 250.0, 100.0))
    with pytest.raises(ValueError, match="signed already"):
        add_signature_fields(signed, [slot])
    with pytest.raises(ValueError, match="unique"):
        add_signature_fields(prepared.pdf, [slot, slot])
    with pytest.raises(ValueError, match="no page 9"):
        add_signature_fields(prepared.pdf, [SignatureSlot("x", 9, slot.box)])


# -- a second opinion: poppler's pdfsig, with the development CA trusted through NSS ---------------


def test_pdfsig_finds_every_signature_valid_and_trusted(signed, nss_db, tmp_path):
    output = pdfsig(signed, tmp_path, nss_db)

    assert output.count("Signature Validation: Signature is Valid.") == 2, output
    assert output.count("Certificate Validation: Certificate is Trusted.") == 2, output
    assert "Signer Certificate Common Name: Johanna Odö" in output
    assert f"Signer Certificate Common Name: {SEAL_CN}" in output
    assert "Total document signed" in output  # the last signature


def test_pdfsig_finds_the_changed_byte(signed, nss_db, tmp_path):
    output = pdfsig(tamper(signed), tmp_path, nss_db)

    assert "Signature is Valid." not in output, output
    assert output.count("Digest Mismatch.") == 2, output


def test_pdfsig_without_trust_in_the_ca(signed, tmp_path):
    require_tools("certutil", "pdfsig")
    empty = tmp_path / "empty-nss"
    empty.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{empty}", "--empty-password"], check=True)
    output = pdfsig(signed, tmp_path, f"sql:{empty}")

    assert output.count("Signature is Valid.") == 2, output  # intact...
    assert "Certificate is Trusted." not in output  # ...but not trusted


def test_pdftotext_reads_the_signature_blocks(signed, tmp_path):
    require_tools("pdftotext")
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()

    assert "Justerat av Johanna Odö" in text
    assert "Signerat av Elin Hellström" in text
    assert "2026-03-17 14:05" in text


def test_the_seal_may_sign_for_several_people(app, pki, request, tmp_path):
    """Elin and a justerare without a certificate of their own both sign with the seal.

    pyHanko validates both. pdfsig (poppler 22.12, Debian 12) checks both signatures but, within
    one run, reports the second use of the same certificate as "Unknown issue with Certificate
    or corrupted data": a poppler quirk, so only the first is asserted trusted here.
    """
    backend = pki.backend()
    with app.app_context():
        pdf = render_pdf("<h1>Protokoll</h1>")
        pdf = add_signature_fields(
            pdf,
            [
                SignatureSlot("sekreterare", 0, (60, 60, 260, 110)),
                SignatureSlot("justerare", 0, (300, 60, 500, 110)),
            ],
        )
        pdf = sign_pdf(pdf, field="sekreterare", signatory=ELIN, backend=backend, reason="x")
        bo = Signatory("Bo Ek", "Justerare")
        pdf = sign_pdf(pdf, field="justerare", signatory=bo, backend=backend, reason="x")

    report = verify_pdf(pdf, trust_roots=[pki.dev.ca_cert])
    assert report.valid
    assert [s.signer_name for s in report.signatures] == [SEAL_CN, SEAL_CN]
    assert [s.signatory_name for s in report.signatures] == ["Elin Hellström", "Bo Ek"]
    output = pdfsig(pdf, tmp_path, request.getfixturevalue("nss_db"))  # skips without pdfsig
    assert output.count("Signature is Valid.") == 2, output
    assert "Certificate is Trusted." in output, output


def test_the_room_for_a_signature_is_kept_and_made_again_when_too_small(app, pki, prepared):
    """The second signature by the same signer gets the room the first one needed (no dry-run
    signature); a room that turns out too small is estimated again, and signing succeeds."""
    backend = pki.backend()
    signing_pdf._reserved_sizes.clear()
    with app.app_context():
        first = sign_pdf(
            prepared.pdf, field="justerare", signatory=JOHANNA, backend=backend, reason="Justering"
        )
        key = signing_pdf._signature_size_key(backend.signer_for(JOHANNA), None)
        kept = signing_pdf._reserved_sizes[key]
        container = PdfReader(io.BytesIO(first)).get_fields()["justerare"]["/V"]["/Contents"]
        # The container as pyHanko wrote it fits, with half as much again to spare.
        assert len(container.rstrip(b"\0")) * 2 <= kept // 1.5 + 2 < len(container) * 2
        # Too small a room (say a timestamp server's answers grew): estimated again.
        signing_pdf._reserved_sizes[key] = 64
        again = sign_pdf(
            prepared.pdf, field="justerare", signatory=JOHANNA, backend=backend, reason="Justering"
        )
    assert signing_pdf._reserved_sizes[key] == kept
    report = verify_pdf(again, trust_roots=[pki.dev.ca_cert])
    assert [s.ok for s in report.signatures] == [True]
