"""The handlingar packet: one PDF with a front document, then every attached document.

The packet is bookmarked (the front, then one bookmark per section with one child per
document) and every page is stamped "Sida N (M)" over the whole packet. The stamps are
rendered by WeasyPrint in one document, one overlay page per packet page, and laid onto the
pages with pypdf; the pages themselves are copied unchanged, so their text stays text.

The inputs are uploads, made by whoever uploaded them: the building runs in a child process
with a time and memory limit (``app.documents.sandbox``; PACKET_TIME_LIMIT and
PACKET_MEMORY_LIMIT in the configuration), and fails with a PacketError past either.
"""

import html
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import format_decimal, gettext
from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import NameObject, TextStringObject

from app.documents.render import RenderError, render_pdf
from app.documents.sandbox import LimitExceeded, Limits, run_limited
from app.documents.uploads import pypdf_messages, reraise_out_of_memory

# The stamp sits where print.css puts a document's own page number (the @bottom-right margin
# box: 2cm from the right edge, centred in the 2.2cm bottom margin, 8.5pt on a 1.2 line) and
# has a white ground, so the front document's own "Sida 1 (2)" disappears under the packet's
# "Sida 1 (17)" instead of colliding with it. Keep in step with static/css/print.css.
CM = 72 / 2.54
LABEL_RIGHT = 2 * CM
LABEL_FONT_SIZE = 8.5
LABEL_LINE = 1.2 * LABEL_FONT_SIZE
LABEL_BOTTOM = (2.2 * CM - LABEL_LINE) / 2
LABEL_PADDING = (1.5, 3.0)  # vertical, horizontal (pt): covers the glyphs' overhang
# Wide enough to hide "Sida 999 (999)" even under a shorter label such as "12/40".
LABEL_MIN_WIDTH = 2.6 * CM

# WeasyPrint could spill a sheet exactly as tall as its page onto a second page by rounding.
SHEET_SLACK = 1.0

# Used when no app configures them (config.py: PACKET_TIME_LIMIT, PACKET_MEMORY_LIMIT).
DEFAULT_LIMITS = Limits(seconds=300, memory_bytes=2 * 2**30)


class PacketError(Exception):
    """A packet could not be built (normally because an input PDF cannot be read)."""


class PacketTooCostly(PacketError):
    """Building took longer or needed more memory than allowed; the message says which, in
    the user's language (when there is an app context)."""


@dataclass
class PacketDocument:
    """One document of a section."""

    title: str  # bookmark title for this document
    pdf: bytes


@dataclass
class PacketSection:
    """A group of documents, such as the beslutsunderlag of one agenda item."""

    title: str  # bookmark title for the section (e.g. "5 Minnesanteckningar från …")
    documents: list[PacketDocument]


def build_packet(
    front: bytes,
    front_title: str,
    sections: list[PacketSection],
    *,
    page_label: str = "Sida {page} ({pages})",
    static_folder: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    limits: Limits | None = None,
) -> bytes:
    """Merge ``front`` and every section's documents into one bookmarked, numbered PDF.

    Bookmarks: ``front_title`` for the front, then each section that has documents (opening
    at its first page) with a child per document; sections without documents get none.
    ``page_label`` is formatted with ``page`` and ``pages`` for the stamp on every page.
    Page sizes, crop boxes and rotations may differ; each stamp lands at the bottom right
    of the page as displayed. The stamps use the fonts in the static folder: the current
    app's, or ``static_folder``.

    ``progress(stage, done, total)``, when given, hears of each document added (stage
    "documents") and of the stamping ("stamping") and writing ("writing").

    The work runs in a child process within ``limits`` (default: the app's PACKET_TIME_LIMIT
    and PACKET_MEMORY_LIMIT); nothing is returned, or kept, from a build that went past them.

    Raises PacketError when an input cannot be read or the stamps cannot be rendered, and
    PacketTooCostly when the limits were exceeded.
    """
    config = current_app.config if has_app_context() else {}
    if limits is None:
        limits = Limits(
            seconds=config.get("PACKET_TIME_LIMIT", DEFAULT_LIMITS.seconds),
            memory_bytes=config.get("PACKET_MEMORY_LIMIT", DEFAULT_LIMITS.memory_bytes),
        )
    if static_folder is None and has_app_context():
        static_folder = current_app.static_folder
    try:
        return run_limited(
            build_packet_here,
            front,
            front_title,
            sections,
            page_label=page_label,
            static_folder=static_folder,
            progress=progress,
            limits=limits,
        )
    except LimitExceeded as exceeded:
        raise PacketTooCostly(_limit_message(exceeded)) from exceeded


def _limit_message(exceeded: LimitExceeded) -> str:
    if exceeded.what == "time":
        return gettext(
            "it took longer than the %(seconds)s seconds allowed",
            seconds=format_decimal(exceeded.limits.seconds, format="0.#"),
        )
    if exceeded.what == "memory":
        return gettext(
            "it needed more than the %(megabytes)s MB of memory allowed",
            megabytes=exceeded.limits.memory_megabytes,
        )
    # Under the memory limit, libraries that cannot get memory tend to abort rather than fail.
    return gettext(
        "the process building them stopped unexpectedly (perhaps it needed more than the "
        "%(megabytes)s MB of memory allowed)",
        megabytes=exceeded.limits.memory_megabytes,
    )


def build_packet_here(
    front: bytes,
    front_title: str,
    sections: list[PacketSection],
    *,
    page_label: str = "Sida {page} ({pages})",
    static_folder: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> bytes:
    """``build_packet`` in this process, without limits: for the child process (and for
    trusted inputs only)."""
    report = progress or (lambda stage, done, total: None)
    total = sum(len(section.documents) for section in sections)
    done = 0
    with pypdf_messages():
        writer = PdfWriter()
        front_reader = _read(front, front_title)
        writer.append(front_reader, import_outline=False)
        writer.add_outline_item(title=front_title, page_number=0)
        for section in sections:
            if not section.documents:
                continue
            parent = None
            for document in section.documents:
                start = len(writer.pages)
                writer.append(_read(document.pdf, document.title), import_outline=False)
                if parent is None:
                    parent = writer.add_outline_item(title=section.title, page_number=start)
                writer.add_outline_item(title=document.title, page_number=start, parent=parent)
                done += 1
                report("documents", done, total)

        report("stamping", len(writer.pages), len(writer.pages))
        _stamp_page_numbers(writer.pages, page_label, static_folder)
        _copy_document_properties(front_reader, writer, front_title)
        report("writing", len(writer.pages), len(writer.pages))
        output = io.BytesIO()
        writer.write(output)
    return output.getvalue()


def _read(pdf: bytes, title: str) -> PdfReader:
    """A reader for one input, checked to open and have pages."""
    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        if reader.is_encrypted:
            raise PacketError(f"{title!r} is encrypted")
        if len(reader.pages) == 0:
            raise PacketError(f"{title!r} has no pages")
    except PacketError:
        raise
    except Exception as error:
        reraise_out_of_memory(error)  # the sandbox reports the memory limit
        raise PacketError(f"{title!r} cannot be read as a PDF: {error}") from error
    return reader


def _copy_document_properties(front: PdfReader, writer: PdfWriter, front_title: str) -> None:
    """Title and language from the front document; open with the bookmarks shown."""
    title = (front.metadata.title if front.metadata else None) or front_title
    writer.add_metadata({"/Title": title})
    if "/Lang" in front.root_object:
        lang = str(front.root_object["/Lang"])
        writer.root_object[NameObject("/Lang")] = TextStringObject(lang)
    writer.page_mode = "/UseOutlines"


# -- page numbers -------------------------------------------------------------------------


def _displayed_box(page: PageObject) -> tuple[float, float, float, float, int]:
    """The crop box (normalised, in user space) and the rotation a viewer applies."""
    box = page.cropbox
    x0, x1 = sorted((float(box.left), float(box.right)))
    y0, y1 = sorted((float(box.bottom), float(box.top)))
    rotation = page.rotation % 360
    if rotation not in (0, 90, 180, 270):
        rotation = 0  # not a valid /Rotate; viewers ignore it
    return x0, y0, x1, y1, rotation


def _placement(x0: float, y0: float, x1: float, y1: float, rotation: int) -> Transformation:
    """Maps an upright overlay page of the displayed size onto the page's user space.

    A viewer turns the page clockwise by ``rotation``; the overlay is turned back the other
    way and moved so that its bottom-left corner lands on the displayed bottom-left corner
    of the crop box.
    """
    ctm = {
        0: (1, 0, 0, 1, x0, y0),
        90: (0, 1, -1, 0, x1, y0),
        180: (-1, 0, 0, -1, x1, y1),
        270: (0, -1, 1, 0, x0, y1),
    }[rotation]
    return Transformation(ctm)


def _stamp_page_numbers(
    pages: Iterable[PageObject], page_label: str, static_folder: str | None
) -> None:
    pages = list(pages)
    boxes = [_displayed_box(page) for page in pages]
    sizes = [
        (x1 - x0, y1 - y0) if rotation in (0, 180) else (y1 - y0, x1 - x0)
        for x0, y0, x1, y1, rotation in boxes
    ]
    labels = [
        page_label.format(page=number, pages=len(pages)) for number in range(1, len(pages) + 1)
    ]
    overlay = PdfReader(io.BytesIO(_render_overlay(sizes, labels, static_folder)))
    if len(overlay.pages) != len(pages):
        raise PacketError(
            f"the page numbers came out as {len(overlay.pages)} pages for {len(pages)} pages"
        )
    for page, stamp, box in zip(pages, overlay.pages, boxes, strict=True):
        page.merge_transformed_page(stamp, _placement(*box), over=True, expand=False)
        # Merging rewrites the page's content stream uncompressed; packing it again keeps
        # the packet about the size of its parts.
        page.compress_content_streams()


def _render_overlay(
    sizes: list[tuple[float, float]], labels: list[str], static_folder: str | None
) -> bytes:
    """One WeasyPrint document with a stamp page per packet page, each of its page's size.

    Pages of the same size share a named @page rule, so a packet of A4 pages needs one rule
    however long it is.
    """
    names: dict[tuple[float, float], str] = {}
    sheets = []
    for (width, height), label in zip(sizes, labels, strict=True):
        key = (round(width, 2), round(height, 2))
        name = names.setdefault(key, f"size{len(names)}")
        sheets.append(
            f'<div class="sheet {name}"><span class="label">{html.escape(label)}</span></div>'
        )
    rules = "\n".join(
        f"@page {name} {{ size: {width}pt {height}pt; }}\n"
        f".{name} {{ page: {name}; height: {height - SHEET_SLACK}pt; }}"
        for (width, height), name in names.items()
    )
    vertical, horizontal = LABEL_PADDING
    document = f"""<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><style>
@font-face {{ font-family: "Sekretariat Sans"; src: url("fonts/DejaVuSans.ttf"); }}
@page {{ margin: 0; }}
html, body {{ margin: 0; padding: 0; }}
.sheet {{ position: relative; overflow: hidden; break-before: page; }}
.sheet:first-child {{ break-before: auto; }}
.label {{
  position: absolute;
  right: {LABEL_RIGHT - horizontal:.3f}pt;
  bottom: {LABEL_BOTTOM - vertical - SHEET_SLACK:.3f}pt;
  min-width: {LABEL_MIN_WIDTH:.3f}pt;
  padding: {vertical}pt {horizontal}pt;
  text-align: right;
  background: #fff;
  color: #000;
  font: {LABEL_FONT_SIZE}pt/{LABEL_LINE:.3f}pt "Sekretariat Sans", "DejaVu Sans", sans-serif;
  white-space: nowrap;
}}
{rules}
</style></head><body>{"".join(sheets)}</body></html>"""
    try:
        return render_pdf(document, static_folder=static_folder, archival=False)
    except RenderError as error:
        raise PacketError(f"the page numbers could not be rendered: {error}") from error
