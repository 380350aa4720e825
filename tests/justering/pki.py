"""What the justering tests need around the signed PDFs: personal certificates for the
signatories, an NSS database trusting the test run's development CA (for poppler's pdfsig),
the PDF/A identity in the XMP metadata, signature fields, and a tampered copy.

Plain functions and context managers rather than fixtures, so the test modules need no
imports that ruff would call unused.
"""

import io
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from pypdf import PdfReader

from app.signing import keys
from tests.signing.conftest import require_tools

PDFAID = "http://www.aiim.org/pdfa/ns/id/"


@contextmanager
def personal_certificates(app: Flask, people: list[tuple[str, str]]) -> Iterator[None]:
    """Each (name, email) signs with a certificate of her own from the development CA.

    One seal for every signature is valid in pyHanko, but poppler 22's pdfsig reports
    "Unknown issue with Certificate" for each repeat use of a certificate in one file (seen on
    Debian 12's poppler 22.12); with a certificate each, pdfsig can trust every signature.
    """
    folder = Path(app.config["SIGNING_DIR"])
    password = app.config["SIGNING_PKCS12_PASSWORD"]
    ca = keys.load_ca(folder, password)
    paths = [
        keys.issue_personal_certificate(
            ca, folder / keys.PERSONAL, name=name, email=email, password=password
        )
        for name, email in people
    ]
    try:
        yield
    finally:
        for path in paths:
            path.unlink(missing_ok=True)


def nss_trusting_dev_ca(app: Flask, folder: Path) -> str:
    """An NSS database in ``folder`` that trusts the run's development CA (``pdfsig -nssdir``)."""
    require_tools("certutil", "pdfsig")
    folder.mkdir(parents=True, exist_ok=True)
    database = f"sql:{folder}"
    subprocess.run(["certutil", "-N", "-d", database, "--empty-password"], check=True)
    ca = Path(app.config["SIGNING_DIR"]) / "ca.pem"
    subprocess.run(
        ["certutil", "-A", "-d", database, "-n", "dev-ca", "-t", "CT,C,C", "-i", str(ca)],
        check=True,
    )
    return database


def pdfa_identity(pdf: bytes) -> tuple[str | None, str | None]:
    """(pdfaid:part, pdfaid:conformance) from the document's XMP metadata, read with pypdf."""
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.xmp_metadata
    assert xmp is not None, "the PDF has no XMP metadata"
    root = ET.fromstring(xmp.stream.get_data())  # noqa: S314 - our own PDF under test
    found: dict[str, str] = {}
    for element in root.iter():
        for name in ("part", "conformance"):
            attribute = element.get(f"{{{PDFAID}}}{name}")
            if attribute:
                found[name] = attribute
        if element.tag in (f"{{{PDFAID}}}part", f"{{{PDFAID}}}conformance") and element.text:
            found[element.tag.rsplit("}", 1)[1]] = element.text.strip()
    return found.get("part"), found.get("conformance")


def signature_fields(pdf: bytes) -> list[str]:
    """The names of the PDF's signature form fields (/FT /Sig), empty or signed."""
    fields = PdfReader(io.BytesIO(pdf)).get_fields() or {}
    return [name for name, value in fields.items() if value.get("/FT") == "/Sig"]


def tampered(pdf: bytes) -> bytes:
    """A copy with one byte changed, half way into what the first signature covers (and so
    every later one): the document as it was rendered, not a signature's own /Contents."""
    ranges = [
        [int(n) for n in match.groups()]
        for match in re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    ]
    assert ranges, "the PDF has no signatures"
    spot = min(r[1] for r in ranges) // 2
    changed = bytearray(pdf)
    changed[spot] ^= 0x01
    return bytes(changed)
