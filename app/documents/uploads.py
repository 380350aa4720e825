"""Checking an uploaded PDF before it is stored: is it a readable, unprotected PDF?

Everything is decided from the bytes. The filename and the browser's content type are the
uploader's claims, so they only provide a (cleaned) name to show. A file that passes here can
later be merged into a packet, shown and archived without surprises.

Reading is done in a child process with a time and memory limit (``app.documents.sandbox``),
and what the pages' content unpacks to is counted against ``MAX_UPLOAD_DECODED_BYTES``: a
small file that inflates to gigabytes is refused, not opened. What may run in a reader's PDF
viewer (JavaScript, launch and other actions, embedded files) is removed; the cleaned copy is
what gets stored and served.
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
from typing import Any

from flask import current_app, has_app_context
from flask_babel import format_decimal, gettext
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.errors import LimitReachedError
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    StreamObject,
)

from app.core.actors import Actor
from app.documents.sandbox import LimitExceeded, Limits, run_limited

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/pdf"
FALLBACK_STEM = "dokument"
MAX_STEM_LENGTH = 120
MB = 2**20

# Defaults of the limits, used when no app configures them (config.py: MAX_UPLOAD_DECODED_BYTES,
# UPLOAD_CHECK_TIME_LIMIT, UPLOAD_CHECK_MEMORY_LIMIT).
DEFAULT_MAX_DECODED_BYTES = 100 * MB
DEFAULT_CHECK_LIMITS = Limits(seconds=20, memory_bytes=1024 * MB)

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
    ``damaged``, ``too_many_pages``, ``unpacks_too_large``, ``too_slow``, ``too_much_memory``);
    ``message`` says why in the user's language.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class CheckedUpload:
    """An accepted PDF: the bytes to store (cleaned) and what we know about them.

    ``sha256`` is that of ``data``; ``original_sha256`` that of the bytes uploaded, which
    differ when ``removed`` names what was taken out (JavaScript, actions, embedded files).
    """

    data: bytes
    filename: str
    media_type: str
    pages: int
    sha256: str
    original_sha256: str
    removed: tuple[str, ...] = ()


def require_size(data: bytes, max_bytes: int) -> None:
    """Not empty and at most ``max_bytes``, or UploadRejected saying which."""
    if not data:
        raise UploadRejected("empty", gettext("The file is empty."))
    if len(data) > max_bytes:
        raise UploadRejected(
            "too_large",
            gettext(
                "The file is too large: %(size)s MB, at most %(limit)s MB is allowed.",
                size=megabytes(len(data), round_up=True),
                limit=megabytes(max_bytes, round_up=False),
            ),
        )


def check_limits(max_decoded_bytes: int | None, limits: Limits | None) -> tuple[int, Limits]:
    """What a check in the sandbox may unpack and spend: as given, else the app's
    configuration (MAX_UPLOAD_DECODED_BYTES, UPLOAD_CHECK_TIME_LIMIT and _MEMORY_LIMIT)."""
    config = current_app.config if has_app_context() else {}
    if max_decoded_bytes is None:
        max_decoded_bytes = config.get("MAX_UPLOAD_DECODED_BYTES", DEFAULT_MAX_DECODED_BYTES)
    if limits is None:
        limits = Limits(
            seconds=config.get("UPLOAD_CHECK_TIME_LIMIT", DEFAULT_CHECK_LIMITS.seconds),
            memory_bytes=config.get("UPLOAD_CHECK_MEMORY_LIMIT", DEFAULT_CHECK_LIMITS.memory_bytes),
        )
    return max_decoded_bytes, limits


def check_pdf_upload(
    data: bytes,
    filename: str | None,
    *,
    max_bytes: int,
    max_pages: int | None = None,
    max_decoded_bytes: int | None = None,
    limits: Limits | None = None,
) -> CheckedUpload:
    """Accept ``data`` as a PDF attachment or raise UploadRejected with a user-facing reason.

    Checks, in order: not empty; at most ``max_bytes``; a PDF by content (the ``%PDF-``
    header); then, in a child process within ``limits`` (time and memory): not encrypted;
    complete and readable, every page; its pages' content unpacking to at most
    ``max_decoded_bytes`` (a stream shared by many pages counts on each); at most
    ``max_pages`` pages. Active content is removed (``strip_active_content``): the accepted
    upload's ``data`` is the cleaned copy. The limits default to the app's configuration.
    Needs an app context (the messages are translated).
    """
    require_size(data, max_bytes)
    if b"%PDF-" not in data[:HEADER_WINDOW]:
        raise UploadRejected(
            "not_pdf", gettext("The file is not a PDF. Only PDF files can be attached.")
        )
    max_decoded_bytes, limits = check_limits(max_decoded_bytes, limits)
    try:
        inspection = run_limited(
            inspect_pdf, data, max_decoded_bytes=max_decoded_bytes, limits=limits
        )
    except LimitExceeded as exceeded:
        raise _over_limit(exceeded) from exceeded
    except Exception as error:  # a failure in the child the checks did not foresee
        logger.exception("reading an upload failed")
        raise _damaged(_short(str(error) or type(error).__name__)) from error
    if inspection.refusal == "encrypted":
        raise UploadRejected(
            "encrypted",
            gettext(
                "The PDF is encrypted or password protected. "
                "Save it without protection and upload it again."
            ),
        )
    if inspection.refusal == "unpacks_too_large":
        raise UploadRejected(
            "unpacks_too_large",
            gettext(
                "The PDF unpacks to more than %(limit)s MB and cannot be accepted.",
                limit=megabytes(max_decoded_bytes, round_up=False),
            ),
        )
    if inspection.refusal is not None:
        raise _damaged(inspection.detail)
    pages = inspection.pages
    if max_pages is not None and pages > max_pages:
        raise UploadRejected(
            "too_many_pages",
            gettext(
                "The PDF has %(pages)d pages; at most %(limit)d are allowed.",
                pages=pages,
                limit=max_pages,
            ),
        )
    stored = inspection.cleaned if inspection.cleaned is not None else data
    return CheckedUpload(
        data=stored,
        filename=clean_pdf_filename(filename),
        media_type=MEDIA_TYPE,
        pages=pages,
        sha256=hashlib.sha256(stored).hexdigest(),
        original_sha256=hashlib.sha256(data).hexdigest(),
        removed=inspection.removed,
    )


def audit_upload(session: Any, actor: Actor | None, document: Any, upload: CheckedUpload) -> Any:
    """An audit entry beside the stored document's own: the sha256 of the file as uploaded,
    and what was removed from it before storing (the document's sha256 is the cleaned copy's).
    """
    # imported here: the sandbox child loads this module (see app.documents.sandbox)
    from app.core.audit import AuditEntry

    session.flush()
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action="upload",
        object_type=type(document).__name__,
        object_id=document.id,
        changes={
            "original_sha256": {"before": None, "after": upload.original_sha256},
            "sha256": {"before": None, "after": upload.sha256},
            "removed": {"before": None, "after": ", ".join(upload.removed) or None},
        },
    )
    session.add(entry)
    return entry


def _over_limit(exceeded: LimitExceeded) -> UploadRejected:
    if exceeded.what == "time":
        return UploadRejected(
            "too_slow",
            gettext(
                "The PDF takes more than %(seconds)s seconds to read and cannot be accepted.",
                seconds=format_decimal(exceeded.limits.seconds, format="0.##"),
            ),
        )
    if exceeded.what == "memory":
        return UploadRejected(
            "too_much_memory",
            gettext(
                "The PDF needs more than %(limit)s MB of memory to read and cannot be accepted.",
                limit=megabytes(exceeded.limits.memory_bytes, round_up=False),
            ),
        )
    return _damaged("reading it failed")


# -- in the child process (no app context: no messages, only codes) ------------------------


class _Refused(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


class _DecodedBudget:
    """Counts the bytes the pages' content unpacks to; _Refused once past the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, amount: int) -> None:
        self.check(amount)
        self.used += amount

    def check(self, amount: int) -> None:
        """_Refused if spending ``amount`` more would go past the limit."""
        if self.used + amount > self.limit:
            self.used += amount
            raise _Refused("unpacks_too_large")


@dataclass(frozen=True)
class Inspection:
    """What reading an upload found (``inspect_pdf``): its pages, or why it was refused
    (``refusal``: ``encrypted``, ``damaged`` with ``detail``, ``unpacks_too_large``). The
    bytes the content unpacked to (``decoded_bytes``, counted until done or past the limit),
    and the cleaned copy with what was removed (``cleaned`` None: nothing to remove)."""

    pages: int = 0
    refusal: str | None = None
    detail: str = ""
    decoded_bytes: int = 0
    cleaned: bytes | None = None
    removed: tuple[str, ...] = ()


def inspect_pdf(data: bytes, *, max_decoded_bytes: int) -> Inspection:
    """Read the whole PDF as a viewer would, counting what its content unpacks to, then
    remove its active content. Run in the sandbox: it needs no app context."""
    budget = _DecodedBudget(max_decoded_bytes)
    try:
        reader, pages = _read_every_page(data, budget)
        with pypdf_messages():
            try:
                cleaned, removed = _cleaned_copy(reader)
            except Exception as error:
                reraise_out_of_memory(error)
                raise _Refused("damaged", _short(str(error) or type(error).__name__)) from error
    except _Refused as refused:
        return Inspection(refusal=refused.code, detail=refused.detail, decoded_bytes=budget.used)
    return Inspection(
        pages=pages, decoded_bytes=budget.used, cleaned=cleaned, removed=tuple(removed)
    )


def _read_every_page(data: bytes, budget: _DecodedBudget) -> tuple[PdfReader, int]:
    """The reader and number of pages, every page read and its content decoded; _Refused."""
    if b"%%EOF" not in data[-TRAILER_WINDOW:]:
        raise _Refused("damaged", "the end of the file is missing")
    with pypdf_messages() as messages:
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise _Refused("encrypted")
            pages = len(reader.pages)
            forms = _FormCosts(budget)
            for number, page in enumerate(reader.pages, 1):
                # Objects are read lazily: touching each page's box and decoding its content
                # is what finds the missing and broken parts.
                _ = page.mediabox
                if not _decode_contents(page, budget) and _names_contents(page):
                    raise _Refused("damaged", f"the content of page {number} is missing")
                budget.spend(forms.of_resources(page.get("/Resources")))
        except _Refused:
            raise
        except LimitReachedError as error:  # one stream past pypdf's own limit (75 MB)
            raise _Refused("unpacks_too_large") from error
        except Exception as error:
            reraise_out_of_memory(error)
            raise _Refused("damaged", _short(str(error) or type(error).__name__)) from error
    damage = [m for m in messages if any(sign in m.lower() for sign in DAMAGE_SIGNS)]
    if damage:
        raise _Refused("damaged", _short(damage[0]))
    if pages == 0:
        raise _Refused("damaged", "it has no pages")
    return reader, pages


def reraise_out_of_memory(error: Exception) -> None:
    """Running out of memory goes on to the sandbox, which reports the memory limit, instead
    of reading as damage; zlib says it in its own words ("Unable to allocate ...")."""
    if isinstance(error, MemoryError):
        raise error
    if "unable to allocate" in str(error).lower():
        raise MemoryError(str(error)) from error


def _decode_contents(page: PageObject, budget: _DecodedBudget) -> bool:
    """Decode the page's content streams one by one, each counted (a stream shared by many
    pages is decoded once but counts on every page: each page costs its full content to show
    and to stamp). False when the page has no content stream."""
    contents = page.get("/Contents")
    if contents is None or isinstance(contents, NullObject):
        return False
    streams = contents if isinstance(contents, ArrayObject) else [contents]
    found = False
    for stream in streams:
        stream = stream.get_object()
        if isinstance(stream, StreamObject):
            budget.spend(len(stream.get_data()))
            found = True
    return found


class _FormCosts:
    """What the form XObjects reachable from a page's resources unpack to.

    Pages and forms share resources, and a form may draw forms that draw forms: each
    /XObject dictionary and form is worked out once and remembered, so the walk stays linear
    in the size of the file (no "billion laughs"), while every page that draws them is
    charged in full. A form that draws itself counts once.
    """

    def __init__(self, budget: _DecodedBudget) -> None:
        self.budget = budget
        self.known: dict[int, int] = {}
        self.open: set[int] = set()

    def of_resources(self, resources: Any) -> int:
        resources = resources.get_object() if resources is not None else None
        if not isinstance(resources, DictionaryObject) or "/XObject" not in resources:
            return 0
        return self._remembered(resources.raw_get("/XObject"), self._of_xobjects)

    def _of_xobjects(self, xobjects: Any) -> int:
        total = 0
        if isinstance(xobjects, DictionaryObject):
            for reference in xobjects.values():
                total += self._remembered(reference, self._of_form)
                self.budget.check(total)
        return total

    def _of_form(self, xobject: Any) -> int:
        if not (isinstance(xobject, StreamObject) and xobject.get("/Subtype") == "/Form"):
            return 0  # images are not unpacked to be drawn on a page, nor parsed
        total = len(xobject.get_data())
        self.budget.check(total)
        return total + self.of_resources(xobject.get("/Resources"))

    def _remembered(self, reference: Any, work: Any) -> int:
        if not isinstance(reference, IndirectObject):
            return work(reference.get_object() if reference is not None else None)
        key = reference.idnum
        if key in self.known:
            return self.known[key]
        if key in self.open:
            return 0
        self.open.add(key)
        self.known[key] = work(reference.get_object())
        self.open.discard(key)
        return self.known[key]


def _names_contents(page: PageObject) -> bool:
    """Whether the page says it has content (a blank page has none, or an empty array)."""
    if "/Contents" not in page:
        return False
    contents = page["/Contents"]
    return not isinstance(contents, NullObject) and not (
        isinstance(contents, ArrayObject) and len(contents) == 0
    )


# -- removing what could run in a reader's viewer --------------------------------------------

# Actions that only move within the document, follow a web link or turn the page are kept;
# every other kind (JavaScript, Launch, SubmitForm, ImportData, GoToR, GoToE, Rendition, ...)
# is removed. /AA (actions on opening, closing, focus, keystrokes ...) is removed everywhere.
SAFE_ACTIONS = frozenset({"/GoTo", "/URI", "/Named"})
SAFE_URI_SCHEMES = ("http:", "https:", "mailto:")
# Annotations that carry a file or media (which may run script of its own).
ACTIVE_ANNOTATIONS = frozenset({"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound"})
# Catalog /Names entries: document-level JavaScript and embedded files.
ACTIVE_NAMES = ("/JavaScript", "/EmbeddedFiles")


def _cleaned_copy(reader: PdfReader) -> tuple[bytes | None, list[str]]:
    """The PDF without active content, and what was removed; (None, []) when it has none, so
    that a clean upload is stored exactly as it came (a signed PDF keeps its signature)."""
    found = strip_active_content(reader.trailer["/Root"], remove=False)
    if not found:
        return None, []
    writer = PdfWriter(clone_from=reader)
    removed = strip_active_content(writer.root_object, remove=True)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue(), sorted(set(removed))


def strip_active_content(root: Any, *, remove: bool) -> list[str]:
    """Find (and with ``remove``, delete) what a viewer could run or open from the document
    catalog ``root``: /OpenAction and /AA actions, /Names /JavaScript and /EmbeddedFiles,
    /AcroForm /XFA, associated files (/AF), portfolios (/Collection), unsafe actions
    (anything but GoTo, http(s)/mailto URI and Named) wherever an /A or /Next holds one, and
    file-attachment and media annotations. Returns a label for each thing found."""
    found: list[str] = []
    seen: set[int] = set()

    def drop(holder: DictionaryObject, key: str, label: str) -> None:
        found.append(label)
        if remove:
            del holder[key]

    def walk(obj: Any) -> None:
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                return
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            clean_dictionary(obj)
            for value in list(obj.values()):
                walk(value)
        elif isinstance(obj, ArrayObject):
            for value in list(obj):
                walk(value)

    def clean_dictionary(obj: DictionaryObject) -> None:
        if "/OpenAction" in obj:
            action = obj["/OpenAction"].get_object()
            if isinstance(action, DictionaryObject) and _unsafe_action(action):
                drop(obj, "/OpenAction", f"/OpenAction {action.get('/S')}")
        if "/AA" in obj:
            drop(obj, "/AA", "/AA")
        # /A holds an action; /Next too, but only in an action (an outline item's /Next is
        # its next sibling).
        for key in ("/A", "/Next") if "/S" in obj else ("/A",):
            if key in obj:
                action = obj[key].get_object()
                if isinstance(action, DictionaryObject) and _unsafe_action(action):
                    drop(obj, key, f"{key} {action.get('/S')}")
                elif isinstance(action, ArrayObject):  # /Next may list several actions
                    for item in list(action):
                        if _unsafe_action(item.get_object()):
                            found.append(f"{key} {item.get_object().get('/S')}")
                            if remove:
                                action.remove(item)
        if "/AF" in obj:
            drop(obj, "/AF", "/AF")
        if "/Annots" in obj:
            annotations = obj["/Annots"].get_object()
            if isinstance(annotations, ArrayObject):
                for annotation in list(annotations):
                    resolved = annotation.get_object()
                    subtype = (
                        resolved.get("/Subtype") if isinstance(resolved, DictionaryObject) else None
                    )
                    if subtype in ACTIVE_ANNOTATIONS:
                        found.append(f"/Annots {subtype}")
                        if remove:
                            annotations.remove(annotation)

    def clean_catalog(catalog: DictionaryObject) -> None:
        names = catalog.get("/Names")
        names = names.get_object() if names is not None else None
        if isinstance(names, DictionaryObject):
            for key in ACTIVE_NAMES:
                if key in names:
                    drop(names, key, f"/Names {key}")
            if remove and not names:
                del catalog[NameObject("/Names")]
        form = catalog.get("/AcroForm")
        form = form.get_object() if form is not None else None
        if isinstance(form, DictionaryObject) and "/XFA" in form:
            drop(form, "/XFA", "/AcroForm /XFA")
        if "/Collection" in catalog:
            drop(catalog, "/Collection", "/Collection")

    root = root.get_object()
    if isinstance(root, DictionaryObject):
        clean_catalog(root)
    walk(root)
    return found


def _unsafe_action(action: Any) -> bool:
    if not isinstance(action, DictionaryObject):
        return False
    kind = action.get("/S")
    if kind not in SAFE_ACTIONS:
        return True
    if kind == "/URI":
        uri = "".join(ch for ch in str(action.get("/URI", "")) if ch > " ").lower()
        return not uri.startswith(SAFE_URI_SCHEMES)
    return False


def _damaged(reason: str) -> UploadRejected:
    return UploadRejected(
        "damaged", gettext("The PDF is damaged and cannot be read: %(reason)s", reason=reason)
    )


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def megabytes(size: int, *, round_up: bool) -> str:
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
    """A safe file name ending in ``.pdf`` (``clean_filename``)."""
    return clean_filename(filename, "pdf")


def clean_filename(filename: str | None, extension: str) -> str:
    """A safe file name ending in ``.<extension>``: no folders, no leading dots, no odd
    characters.

    Like ``werkzeug.utils.secure_filename`` (which it follows) but keeps å, ä and ö, which
    Swedish titles are full of; other accented letters lose their accents, spaces become
    underscores. Never empty: falls back to ``dokument.<extension>``.
    """
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    suffix = "." + extension
    stem = name[: -len(suffix)] if name.lower().endswith(suffix) else name
    folded = "".join(
        char if char in "åäöÅÄÖ" else unicodedata.normalize("NFKD", char) for char in stem
    )
    folded = re.sub(r"[^\sA-Za-z0-9åäöÅÄÖ._-]", "", folded)
    folded = "_".join(folded.split())
    folded = re.sub(r"\.{2,}", ".", folded).strip("._-")
    return (folded[:MAX_STEM_LENGTH].rstrip("._-") or FALLBACK_STEM) + suffix


def title_from_filename(filename: str | None) -> str:
    """A document's title from the name of the file it came as: no folders, no extension,
    underscores as spaces ("Bilaga_1_Analys.docx": "Bilaga 1 Analys"). Never empty."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem, dot, extension = name.rpartition(".")
    if dot and stem and extension.isalnum() and len(extension) <= 5:
        name = stem
    title = " ".join(name.replace("_", " ").split()).strip(" .")
    return title[:500] or FALLBACK_STEM.capitalize()
