"""HTML to PDF with WeasyPrint: tagged, archivable, and blind to everything but static files.

Templates are rendered to HTML by the caller; this module only turns that HTML into a PDF.
Stylesheets, fonts and images are looked up in the app's static folder and nowhere else:
no network, no other files on the server. A template that points elsewhere (by mistake or
because user text slipped into it) gets a logged refusal and a PDF without that resource.
"""

import logging
import mimetypes
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, has_app_context
from weasyprint import HTML
from weasyprint.document import Document
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

#: PDF/A-3u (archivable, text maps to Unicode) plus tags (structure for screen readers and
#: reflow). WeasyPrint 70 combines the two: the variant sets the output intent, metadata and
#: PDF version; pdf_tags adds the structure tree and /MarkInfo. PDF/A-3 rather than 2 so a
#: later signed or e-archived version may carry attachments.
ARCHIVAL_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/a-3u", "pdf_tags": True}

#: CSS pixels to PDF points: 72 points and 96 pixels to the inch (write_pdf's zoom=1 scale).
PX_TO_PT = 0.75


class RenderError(Exception):
    """WeasyPrint could not turn the HTML into a PDF."""


class FetchRefused(ValueError):
    """A resource outside the static folder was asked for.

    A plain (non-fatal) exception: WeasyPrint logs it and renders on without the resource.
    """


class StaticFileFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves the static folder and ``data:`` URIs only.

    Relative URLs are resolved against the static folder itself (the base URL), and
    ``/static/...`` paths (what ``url_for('static', ...)`` produces) map into it. Paths are
    resolved before they are checked, so ``..`` and symlinks cannot lead outside.

    ``served`` and ``refused`` record the URLs asked for, for logging and for tests.
    """

    def __init__(self, static_folder: str | Path, static_url_path: str = "/static") -> None:
        # Only data: ever reaches urllib (see fetch); the protocol list is a second lock.
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.root = Path(static_folder).resolve()
        self.url_prefix = "/" + static_url_path.strip("/") + "/"
        self.served: list[str] = []
        self.refused: list[str] = []

    @property
    def base_url(self) -> str:
        """The ``file://`` URL of the static folder, with the trailing slash urljoin needs."""
        return self.root.as_uri() + "/"

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        path = self.static_path(url) if scheme == "file" else None
        if path is None:
            self.refused.append(url)
            log.warning("PDF rendering: refused to fetch %s (only static files)", url)
            raise FetchRefused(f"only static files may be fetched, not {url}")
        self.served.append(url)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": media_type}
        )

    def static_path(self, url: str) -> Path | None:
        """The file inside the static folder that a ``file://`` URL names, else None."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        raw = unquote(parts.path)
        if "\x00" in raw:
            return None
        candidates = [Path(raw)]
        # "/static/css/print.css" resolved against the base URL becomes file:///static/...
        if raw.startswith(self.url_prefix):
            candidates.append(self.root / raw.removeprefix(self.url_prefix))
        for candidate in candidates:
            try:
                resolved = candidate.resolve()
            except (OSError, RuntimeError):
                continue
            if resolved.is_relative_to(self.root) and resolved.is_file():
                return resolved
        return None


def render_pdf(
    html: str,
    *,
    title: str | None = None,
    lang: str = "sv",
    static_folder: str | None = None,
    archival: bool = True,
) -> bytes:
    """Render ``html`` to PDF bytes.

    ``title`` becomes the PDF title (else the HTML ``<title>``); ``lang`` is the document
    language unless the ``<html lang>`` attribute gives one. Resources are fetched from
    ``static_folder`` (default: the current app's) and from ``data:`` URIs only; link them
    as ``/static/css/print.css`` or relative to the static folder.

    By default the PDF is tagged PDF/A-3u, fit for the archive. ``archival=False`` renders a
    plain PDF, for intermediate documents that are merged into another one and never stored
    on their own (such as the page-number overlay of a packet).

    Raises RenderError if WeasyPrint fails.
    """
    pdf, _boxes = _render(html, (), title, lang, static_folder, archival)
    return pdf


@dataclass(frozen=True)
class PlacedBox:
    """Where an element landed: its page (0-based) and border box in PDF points.

    ``box`` is (left, bottom, right, top) with the origin at the bottom left of the page, as
    PDF rectangles (annotations, signature fields) are given.
    """

    page: int
    box: tuple[float, float, float, float]


def render_pdf_with_boxes(
    html: str,
    box_ids: Iterable[str],
    *,
    title: str | None = None,
    lang: str = "sv",
    static_folder: str | None = None,
    archival: bool = True,
) -> tuple[bytes, dict[str, PlacedBox]]:
    """Render ``html`` as render_pdf does, and say where the elements with ``box_ids`` are.

    A template reserves a place with an element of fixed size, e.g. ``<div
    class="signature-box" id="sig-1"></div>``, and gets its page and rectangle back, to put a
    signature field exactly there. An element split over two pages is reported where it
    starts; give reserved boxes ``break-inside: avoid``.

    Raises RenderError if WeasyPrint fails or an id is not in the document.
    """
    return _render(html, tuple(box_ids), title, lang, static_folder, archival)


def _render(
    html: str,
    box_ids: tuple[str, ...],
    title: str | None,
    lang: str,
    static_folder: str | None,
    archival: bool,
) -> tuple[bytes, dict[str, PlacedBox]]:
    fetcher = StaticFileFetcher(*_static_location(static_folder))
    options = ARCHIVAL_OPTIONS if archival else {}
    try:
        document = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher).render(
            **options
        )
        if title:
            document.metadata.title = title
        if not document.metadata.lang:
            document.metadata.lang = lang
        boxes = _placed_boxes(document, box_ids)
        with warnings.catch_warnings():
            # WeasyPrint 70 opens its sRGB profile (the PDF/A output intent) and never closes
            # it; the file is freed at once, with a ResourceWarning that is not ours to fix.
            warnings.filterwarnings(
                "ignore", message=r"unclosed file .*sRGB2014\.icc", category=ResourceWarning
            )
            return document.write_pdf(**options), boxes
    except RenderError:
        raise
    except Exception as error:
        raise RenderError(f"the PDF could not be rendered: {error}") from error


def _placed_boxes(document: Document, box_ids: tuple[str, ...]) -> dict[str, PlacedBox]:
    """The boxes of the elements with these ids, from WeasyPrint's page anchors.

    WeasyPrint makes every id an anchor and records its border box as (x1, y1, x2, y2) in
    CSS pixels from the top left of the page; write_pdf scales by 0.75 (96 px to 72 pt per
    inch) and flips the y axis, and so does this.
    """
    found: dict[str, PlacedBox] = {}
    for index, page in enumerate(document.pages):
        for box_id in box_ids:
            if box_id in found or box_id not in page.anchors:
                continue
            x1, y1, x2, y2 = page.anchors[box_id]
            found[box_id] = PlacedBox(
                index,
                (
                    x1 * PX_TO_PT,
                    (page.height - y2) * PX_TO_PT,
                    x2 * PX_TO_PT,
                    (page.height - y1) * PX_TO_PT,
                ),
            )
    missing = [box_id for box_id in box_ids if box_id not in found]
    if missing:
        raise RenderError(f"no element with id {', '.join(missing)} in the document")
    return found


def _static_location(static_folder: str | None) -> tuple[str, str]:
    """The static folder and its URL path: given explicitly, else the current app's."""
    if static_folder is not None:
        return static_folder, "/static"
    if not has_app_context() or current_app.static_folder is None:
        raise RenderError("render_pdf needs an app context or an explicit static_folder")
    return current_app.static_folder, current_app.static_url_path or "/static"
