"""Rendered PDFs kept in storage: made once, served as stored, remade only when their HTML
changes. The caller keeps the sha256 and the fingerprint on its own record.

``stored_rendering`` stores (a state change: the kallelse, finalising, a POST);
``rendering_for_reading`` never does (a GET): the stored PDF while it is current, else one
rendered on the fly and thrown away."""

import hashlib
from typing import NamedTuple

from app.documents.render import render_pdf
from app.documents.storage import StorageError, read_bytes, store_bytes


class StoredPdf(NamedTuple):
    pdf: bytes
    sha256: str
    fingerprint: str


def fingerprint_of(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def read_if_stored(sha256: str | None) -> bytes | None:
    if not sha256:
        return None
    try:
        return read_bytes(sha256)
    except StorageError:
        return None  # missing or damaged on disk: render again


def stored_rendering(
    html: str, *, title: str, sha256: str | None, fingerprint: str | None
) -> StoredPdf:
    """The PDF of ``html``: the stored one when ``fingerprint`` still matches, else a new one."""
    current = fingerprint_of(html)
    if current == fingerprint and (pdf := read_if_stored(sha256)):
        return StoredPdf(pdf, sha256, current)  # type: ignore[arg-type]
    pdf = render_pdf(html, title=title)
    return StoredPdf(pdf, store_bytes(pdf), current)


def rendering_for_reading(
    html: str, *, title: str, sha256: str | None, fingerprint: str | None
) -> bytes:
    """The PDF of ``html`` for a reader: the stored one when ``fingerprint`` still matches,
    else rendered now and not stored (a GET writes nothing)."""
    if fingerprint_of(html) == fingerprint and (pdf := read_if_stored(sha256)):
        return pdf
    return render_pdf(html, title=title)
