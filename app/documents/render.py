"""HTML to PDF with WeasyPrint: tagged, archivable, and blind to everything but static files.

Templates are rendered to HTML by the caller; this module only turns that HTML into a PDF.
Stylesheets, fonts and images are looked up in the app's static folder and nowhere else:
no network, no other files on the server. A template that points elsewhere (by mistake or
because user text slipped into it) gets a logged refusal and a PDF without that resource.
"""

import logging
import mimetypes
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, has_app_context
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

#: PDF/A-3u (archivable, text maps to Unicode) plus tags (structure for screen readers and
#: reflow). WeasyPrint 70 combines the two: the variant sets the output intent, metadata and
#: PDF version; pdf_tags adds the structure tree and /MarkInfo. PDF/A-3 rather than 2 so a
#: later signed or e-archived version may carry attachments.
ARCHIVAL_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/a-3u", "pdf_tags": True}


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
        with warnings.catch_warnings():
            # WeasyPrint 70 opens its sRGB profile (the PDF/A output intent) and never closes
            # it; the file is freed at once, with a ResourceWarning that is not ours to fix.
            warnings.filterwarnings(
                "ignore", message=r"unclosed file .*sRGB2014\.icc", category=ResourceWarning
            )
            return document.write_pdf(**options)
    except Exception as error:
        raise RenderError(f"the PDF could not be rendered: {error}") from error


def _static_location(static_folder: str | None) -> tuple[str, str]:
    """The static folder and its URL path: given explicitly, else the current app's."""
    if static_folder is not None:
        return static_folder, "/static"
    if not has_app_context() or current_app.static_folder is None:
        raise RenderError("render_pdf needs an app context or an explicit static_folder")
    return current_app.static_folder, current_app.static_url_path or "/static"
