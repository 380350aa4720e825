"""The text of an uploaded PDF, page by page, and a Swedish text layer for a scanned one (OCR).

The work on the file runs in the sandbox (``app.documents.sandbox``): an uploaded PDF is made
by whoever uploaded it, so reading it gets a time and a memory limit, and whatever the file
does the caller gets pages, or ``TextError`` (it could not be read) or ``LimitExceeded``.

- ``pdf_pages(data)``: the text layer of each page (pypdf), at most ``MAX_PAGES`` pages of at
  most ``MAX_PAGE_CHARS`` characters.
- ``ocr_pdf(data)``: the same PDF with a text layer made by ``ocrmypdf -l swe`` (Tesseract's
  Swedish model) on the pages that have none. Needs Debian's ``ocrmypdf`` and
  ``tesseract-ocr-swe`` (``scripts/system-packages``); without them ``TextError``.

Knows no domain: ``app.search.jobs`` decides when to read a file and what to do with the text.
"""

import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from app.documents.sandbox import MB, Limits, run_limited

MAX_PAGES = 1000
MAX_PAGE_CHARS = 50_000
# A page with fewer letters than this has no text layer worth the name (a scan, perhaps with a
# stamped page number).
MIN_LETTERS = 20

TEXT_LIMITS = Limits(seconds=60, memory_bytes=1024 * MB)
OCR_LIMITS = Limits(seconds=600, memory_bytes=3072 * MB)
OCR_LANGUAGE = "swe"

_SPACE_RE = re.compile(r"[ \t\r\f\v]+")
_LINES_RE = re.compile(r"\n\s*\n+")
_LETTER_RE = re.compile(r"[^\W\d_]")


class TextError(Exception):
    """The file's text could not be read, or no text layer could be made."""


def has_text(pages: list[str]) -> bool:
    """Whether the pages hold text (else the PDF is a scan, and wants OCR)."""
    return any(len(_LETTER_RE.findall(page)) >= MIN_LETTERS for page in pages)


def can_ocr() -> bool:
    """Whether ``ocrmypdf`` and Tesseract's Swedish model are installed."""
    if shutil.which("ocrmypdf") is None or shutil.which("tesseract") is None:
        return False
    try:
        listed = subprocess.run(
            ["tesseract", "--list-langs"],  # noqa: S607 - found on PATH above
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return OCR_LANGUAGE in listed.stdout.split()


def pdf_pages(data: bytes, limits: Limits = TEXT_LIMITS) -> list[str]:
    """The text of each page of the PDF ``data``, in the sandbox."""
    return run_limited(extract_pages, data, limits=limits)


def ocr_pdf(data: bytes, limits: Limits = OCR_LIMITS) -> bytes:
    """The PDF ``data`` with a Swedish text layer on its pages that had none, in the sandbox."""
    return run_limited(make_text_layer, data, seconds=max(1.0, limits.seconds - 10), limits=limits)


def _clean(text: str) -> str:
    lines = (_SPACE_RE.sub(" ", line).strip() for line in text.replace("\x00", "").split("\n"))
    return _LINES_RE.sub("\n\n", "\n".join(lines)).strip()[:MAX_PAGE_CHARS]


# -- in the sandbox's child ---------------------------------------------------------------------


def extract_pages(data: bytes) -> list[str]:
    """The sandbox's work: each page's text (pypdf), cleaned."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise TextError("the PDF is encrypted")
        pages = []
        for number, page in enumerate(reader.pages):
            if number >= MAX_PAGES:
                break
            pages.append(_clean(page.extract_text() or ""))
        return pages
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise TextError(f"the PDF could not be read: {type(error).__name__}") from None


def make_text_layer(data: bytes, *, seconds: float) -> bytes:
    """The sandbox's work: ``ocrmypdf`` on ``data`` (pages with text are left as they are)."""
    if shutil.which("ocrmypdf") is None:
        raise TextError("ocrmypdf is not installed")
    with tempfile.TemporaryDirectory(prefix="ocr-") as folder:
        source = Path(folder) / "in.pdf"
        target = Path(folder) / "out.pdf"
        source.write_bytes(data)
        command = [
            "ocrmypdf",
            "-l",
            OCR_LANGUAGE,
            "--skip-text",
            "--output-type",
            "pdf",
            "--optimize",
            "0",
            "--jobs",
            "1",
            "--quiet",
            str(source),
            str(target),
        ]
        # A session of its own, so that at the deadline Tesseract goes with ocrmypdf.
        process = subprocess.Popen(  # noqa: S603 - a fixed command on our own temporary files
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
        try:
            _, errors = process.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise TextError("OCR took too long") from None
        if process.returncode != 0 or not target.exists():
            detail = errors.decode(errors="replace").strip().splitlines()[-1:] or [""]
            raise TextError(f"OCR failed (exit {process.returncode}): {detail[0][:200]}")
        return target.read_bytes()
