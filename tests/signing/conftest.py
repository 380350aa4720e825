"""Keys made once per session (a development CA, the seal, Johanna's personal certificate), a
record PDF with two reserved signature boxes, and the system tools the checks use."""

import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream, DictionaryObject, NameObject

from app.signing import keys
from app.signing.backends import LocalPkcs12Backend
from app.signing.pdf import Signatory

PASSWORD = "testing"  # TestingConfig's SIGNING_PKCS12_PASSWORD
JOHANNA = Signatory("Johanna Odö", "Justerare", "johanna.odo@example.se")
ELIN = Signatory("Elin Hellström", "Sekreterare", "elin.hellstrom@example.se")  # no own cert

RECORD = """<!doctype html>
<html lang="sv"><head><title>Protokoll</title>
<link rel="stylesheet" href="/static/css/print.css">
<style>
  .signature-box { width: 200pt; height: 48pt; break-inside: avoid; }
</style></head>
<body>
<h1>Protokoll</h1>
<p>Strategisk regional beredning, fredagen den 19 april 2024. Justerare: Johanna Odö.</p>
<section class="signatures">
  <p>Justerare</p><div class="signature-box" id="sig-justerare"></div><p>Johanna Odö</p>
  <p>Sekreterare</p><div class="signature-box" id="sig-sekreterare"></div><p>Elin Hellström</p>
</section>
</body></html>"""


@dataclass(frozen=True)
class Pki:
    dev: keys.DevSigning
    johanna: Path  # her personal PKCS#12

    def backend(self) -> LocalPkcs12Backend:
        return LocalPkcs12Backend(self.dev.seal, PASSWORD, personal_dir=self.dev.personal_dir)


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    dev = keys.init_dev_signing(tmp_path_factory.mktemp("signing"), password=PASSWORD)
    ca = keys.load_ca(dev.folder, PASSWORD)
    johanna = keys.issue_personal_certificate(
        ca, dev.personal_dir, name=JOHANNA.name, email=JOHANNA.email, password=PASSWORD
    )
    return Pki(dev, johanna)


def require_tools(*names: str) -> None:
    """Skip when poppler's or NSS's tools are missing, except in CI, where that is a failure."""
    missing = [name for name in names if shutil.which(name) is None]
    if not missing:
        return
    reason = (
        f"{', '.join(missing)} not installed (Debian: poppler-utils, libnss3-tools; "
        "scripts/system-packages installs them)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI must run these checks")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def nss_db(pki, tmp_path_factory) -> str:
    """An NSS database that trusts the development CA, for ``pdfsig -nssdir``."""
    require_tools("certutil", "pdfsig")
    folder = tmp_path_factory.mktemp("nss")
    database = f"sql:{folder}"
    subprocess.run(["certutil", "-N", "-d", database, "--empty-password"], check=True)
    subprocess.run(
        [
            "certutil",
            "-A",
            "-d",
            database,
            "-n",
            "Sekretariat dev CA",
            "-t",
            "CT,C,C",
            "-i",
            str(pki.dev.ca_cert),
        ],
        check=True,
    )
    return database


def pdfsig(pdf: bytes, tmp_path: Path, nss_db: str) -> str:
    """pdfsig's report on ``pdf``, checked against the NSS database.

    No ``-no-ocsp``: poppler 22 then reports every certificate as an "Unknown issue". Nothing
    is looked up anyway; the development certificates name no OCSP responder.
    """
    path = tmp_path / "checked.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdfsig", "-nssdir", nss_db, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout + result.stderr


def widget_texts(pdf: bytes) -> dict[str, str]:
    """The text each signature field's appearance shows, by field name.

    pypdf reads page content, not annotations; so each appearance is drawn on a blank page
    of its own (as a viewer does on the real page) and that page's text extracted.
    """
    found = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            if annotation.get("/FT") != "/Sig" or "/AP" not in annotation:
                continue
            writer = PdfWriter()
            blank = writer.add_blank_page(600, 600)
            appearance = annotation["/AP"]["/N"].get_object().clone(writer)
            blank[NameObject("/Resources")] = DictionaryObject(
                {
                    NameObject("/XObject"): DictionaryObject(
                        {NameObject("/Sig"): appearance.indirect_reference}
                    )
                }
            )
            stream = ContentStream(None, writer)
            stream.set_data(b"/Sig Do")
            blank.replace_contents(stream)
            found[str(annotation["/T"])] = blank.extract_text()
    return found
