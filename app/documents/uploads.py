"""Checking an uploaded PDF before it is stored: is it a readable, unprotected PDF?

Everything is decided from the bytes. The filename and the browser's content type are the
uploader's claims, so they only provide a (cleaned) name to show. A file that passes here can
later be merged into a packet, shown and archived without surprises.
"""

import hashlib
import io
import logging
import math
import re
import threading
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from flask_babel import format_decimal, gettext
from pypdf import PageObject, PdfReader
from pypdf.generic import ArrayObject, NullObject

MEDIA_TYPE = "application/pdf"
FALLBACK_STEM = "dokument"
MAX_STEM_LENGTH = 120

# The PDF header may follow some junk; readers look in the first kilobyte, and so do we.
HEADER_WINDOW = 1024
# Likewise the end-of-file marker in the last kilobyte: without it the file was cut short.
TRAILER_WINDOW = 1024

# pypdf repairs what it can and says so in its log. These repairs mean parts of the file are
# missing or unreachable (an incomplete upload, a broken cross-reference table), so the PDF
# is refused; cosmetic repairs (a startxref pointer off by a few bytes, whitespace) are not.
DAMAGE_SIGNS = (
    "eof marker not found",
    "truncated",
    "rebuild",
    "not defined",
    "can not be read",
    "cannot be read",
    "cannot find",
    "searching object",
    "invalid stream",
)


class UploadRejected(Exception):
    """An upload that cannot be accepted.

    ``reason`` is a stable code (``empty``, ``too_large``, ``not_pdf``, ``encrypted``,
    ``damaged``, ``too_many_pages``); ``message`` says why in the user's language.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class CheckedUpload:
    """An accepted PDF: its bytes and what we know about them."""

    data: bytes
    filename: str
    media_type: str
    pages: int
    sha256: str


def check_pdf_upload(
    data: bytes, filename: str | None, *, max_bytes: int, max_pages: int | None = None
) -> CheckedUpload:
    """Accept ``data`` as a PDF attachment or raise UploadRejected with a user-facing reason.

    Checks, in order: not empty; at most ``max_bytes``; a PDF by content (the ``%PDF-``
    header); not encrypted; complete and readable, every page; at most ``max_pages`` pages.
    Needs an app context (the messages are translated).
    """
    if not data:
        raise UploadRejected("empty", gettext("The file is empty."))
    if len(data) > max_bytes:
        raise UploadRejected(
            "too_large",
            gettext(
                "The file is too large: %(size)s MB, at most %(limit)s MB is allowed.",
                size=_megabytes(len(data), round_up=True),
                limit=_megabytes(max_bytes, round_up=False),
            ),
        )
    if b"%PDF-" not in data[:HEADER_WINDOW]:
        raise UploadRejected(
            "not_pdf", gettext("The file is not a PDF. Only PDF files can be attached.")
        )
    pages = _count_readable_pages(data)
    if max_pages is not None and pages > max_pages:
        raise UploadRejected(
            "too_many_pages",
            gettext(
                "The PDF has %(pages)d pages; at most %(limit)d are allowed.",
                pages=pages,
                limit=max_pages,
            ),
        )
    return CheckedUpload(
        data=data,
        filename=clean_pdf_filename(filename),
        media_type=MEDIA_TYPE,
        pages=pages,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _count_readable_pages(data: bytes) -> int:
    """Read the whole PDF as a viewer would; the number of pages, or UploadRejected."""
    if b"%%EOF" not in data[-TRAILER_WINDOW:]:
        raise _damaged("the end of the file is missing")
    with pypdf_messages() as messages:
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise UploadRejected(
                    "encrypted",
                    gettext(
                        "The PDF is encrypted or password protected. "
                        "Save it without protection and upload it again."
                    ),
                )
            pages = len(reader.pages)
            for number, page in enumerate(reader.pages, 1):
                # Objects are read lazily: touching each page's box and decoding its content
                # is what finds the missing and broken parts.
                _ = page.mediabox
                contents = page.get_contents()
                if contents is not None:
                    contents.get_data()
                elif _names_contents(page):
                    raise _damaged(f"the content of page {number} is missing")
        except UploadRejected:
            raise
        except Exception as error:
            raise _damaged(_short(str(error) or type(error).__name__)) from error
    damage = [m for m in messages if any(sign in m.lower() for sign in DAMAGE_SIGNS)]
    if damage:
        raise _damaged(_short(damage[0]))
    if pages == 0:
        raise _damaged("it has no pages")
    return pages


def _names_contents(page: PageObject) -> bool:
    """Whether the page says it has content (a blank page has none, or an empty array)."""
    if "/Contents" not in page:
        return False
    contents = page["/Contents"]
    return not isinstance(contents, NullObject) and not (
        isinstance(contents, ArrayObject) and len(contents) == 0
    )


def _damaged(reason: str) -> UploadRejected:
    return UploadRejected(
        "damaged", gettext("The PDF is damaged and cannot be read: %(reason)s", reason=reason)
    )


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _megabytes(size: int, *, round_up: bool) -> str:
    """Bytes as MB (2**20) with at most one decimal, in the user's number format ("12,5").

    Rounded up for the file and down for the limit, so "20 MB, at most 20 MB" cannot happen.
    """
    tenths = size / 2**20 * 10
    value = (math.ceil(tenths) if round_up else math.floor(tenths)) / 10
    return format_decimal(value, format="0.#")


_collecting: ContextVar[list[str] | None] = ContextVar("pypdf_messages", default=None)
_lock = threading.Lock()
_depth = 0
_saved_logger_state: tuple[bool, int] = (True, logging.NOTSET)


class _Collector(logging.Handler):
    """Sends pypdf's log records to the list of the check that caused them."""

    def emit(self, record: logging.LogRecord) -> None:
        messages = _collecting.get()
        if messages is not None:
            messages.append(record.getMessage())
        elif _saved_logger_state[0]:
            # Another thread's pypdf, not inside pypdf_messages: log it as usual.
            logging.getLogger().handle(record)


_collector = _Collector()


@contextmanager
def pypdf_messages() -> Iterator[list[str]]:
    """Collect what pypdf warns about (logged or as Python warnings) instead of printing it.

    pypdf reports the repairs it makes on damaged files through the ``pypdf`` logger and,
    for some, ``warnings.warn``; both are gathered into the yielded list. The logger is
    silenced meanwhile: a bad upload is the user's problem, reported to them, not log noise.
    Safe in threads: the logger is rerouted while any thread collects, and each record goes
    to the list of the context that logged it.
    """
    global _depth, _saved_logger_state
    messages: list[str] = []
    token = _collecting.set(messages)
    logger = logging.getLogger("pypdf")
    with _lock:
        if _depth == 0:
            _saved_logger_state = (logger.propagate, logger.level)
            logger.addHandler(_collector)
            logger.propagate = False
            logger.setLevel(logging.WARNING)  # repairs are reported as warnings
        _depth += 1
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield messages
        messages.extend(str(warning.message) for warning in caught)
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                logger.removeHandler(_collector)
                logger.propagate, level = _saved_logger_state
                logger.setLevel(level)
        _collecting.reset(token)


def clean_pdf_filename(filename: str | None) -> str:
    """A safe file name ending in ``.pdf``: no folders, no leading dots, no odd characters.

    Like ``werkzeug.utils.secure_filename`` (which it follows) but keeps å, ä and ö, which
    Swedish titles are full of; other accented letters lose their accents, spaces become
    underscores. Never empty: falls back to ``dokument.pdf``.
    """
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    folded = "".join(
        char if char in "åäöÅÄÖ" else unicodedata.normalize("NFKD", char) for char in stem
    )
    folded = re.sub(r"[^\sA-Za-z0-9åäöÅÄÖ._-]", "", folded)
    folded = "_".join(folded.split())
    folded = re.sub(r"\.{2,}", ".", folded).strip("._-")
    return (folded[:MAX_STEM_LENGTH].rstrip("._-") or FALLBACK_STEM) + ".pdf"
