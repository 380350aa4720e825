"""The handlingar packet: one PDF with a front document, then every attached document.

The packet is bookmarked (the front, then one bookmark per section with one child per
document) and every page is stamped "Sida N (M)" over the whole packet; a document may carry
a header stamped at the top right of each of its pages ("Bilaga 2 till ärende 5"). The merging is
pikepdf's (qpdf): pages are copied with their streams as they are, never decoded, so their
text stays text and a packet costs about what copying its files does. The stamps are drawn
once per packet: WeasyPrint lays out one specimen label holding every character the stamps
use, and from it each page gets a few lines of its own (a white ground and one line of text
in the specimen's embedded font), placed by arithmetic rather than by laying out a page.

The inputs are uploads, made by whoever uploaded them: the building runs in a child process
with a time and memory limit (``app.documents.sandbox``; PACKET_TIME_LIMIT and
PACKET_MEMORY_LIMIT in the configuration), and fails with a PacketError past either.
"""

import html
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pikepdf
from flask import current_app, has_app_context
from flask_babel import format_decimal, gettext
from pikepdf import Dictionary, Name, OutlineItem, Pdf

from app.documents.render import RenderError, render_pdf
from app.documents.sandbox import LimitExceeded, Limits, run_limited
from app.documents.uploads import reraise_out_of_memory

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

# The specimen label is laid out on a page of this size (any page larger than a label will do:
# its stamps' heights do not depend on the page).
SPECIMEN_PAGE = (595.28, 841.89)
# The name the stamps' font takes in each page's resources (another is found on a clash).
FONT_NAME = "SekretariatSida"

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
    header: str | None = None  # stamped at the top right of each of its pages


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
    packet = Pdf.new()
    # The sources stay open until the packet is written: qpdf copies their streams' data then.
    front_pdf = _add(packet, front, front_title)
    sources = [front_pdf]
    # (title, first page, documents' bookmarks) for each section with documents
    bookmarks: list[tuple[str, int, list[tuple[str, int]]]] = []
    pages = len(front_pdf.pages)
    headers: list[str | None] = [None] * pages
    for section in sections:
        if not section.documents:
            continue
        bookmarks.append((section.title, pages, []))
        for document in section.documents:
            source = _add(packet, document.pdf, document.title)
            sources.append(source)
            bookmarks[-1][2].append((document.title, pages))
            pages += len(source.pages)
            headers.extend([document.header] * len(source.pages))
            done += 1
            report("documents", done, total)

    with _failures("the bookmarks"), packet.open_outline() as outline:
        outline.root.append(OutlineItem(front_title, 0))
        for title, first, documents in bookmarks:
            parent = OutlineItem(title, first)
            parent.children.extend(OutlineItem(name, start) for name, start in documents)
            outline.root.append(parent)

    report("stamping", pages, pages)
    labels = [page_label.format(page=number, pages=pages) for number in range(1, pages + 1)]
    stamps = _Stamps.from_specimen(
        packet, "".join(labels) + "".join(h for h in headers if h), static_folder
    )
    with _failures("the page numbers"):
        for page, label, header in zip(packet.pages, labels, headers, strict=True):
            stamps.stamp(page, label)
            if header:
                stamps.stamp(page, header, top=True)
    with _failures("the document properties"):
        _copy_document_properties(front_pdf, packet, front_title)
    report("writing", pages, pages)
    output = io.BytesIO()
    with _failures("the packet"):
        # Streams are written as they came (no decoding: an inflating stream stays packed),
        # the new ones compressed, the small objects packed into object streams.
        packet.save(
            output,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )
    for source in sources:
        source.close()
    return output.getvalue()


def _add(packet: Pdf, pdf: bytes, title: str) -> Pdf:
    """Open one input, checked to open and have pages, and append its pages to ``packet``."""
    try:
        source = Pdf.open(io.BytesIO(pdf))
        if source.is_encrypted:
            raise PacketError(f"{title!r} is encrypted")
        if len(source.pages) == 0:
            raise PacketError(f"{title!r} has no pages")
        packet.pages.extend(source.pages)
    except PacketError:
        raise
    except pikepdf.PasswordError as error:
        raise PacketError(f"{title!r} is encrypted") from error
    except Exception as error:
        reraise_out_of_memory(error)  # the sandbox reports the memory limit
        raise PacketError(f"{title!r} cannot be read as a PDF: {_qpdf_message(error)}") from error
    return source


@contextmanager
def _failures(doing: str) -> Iterator[None]:
    """What qpdf raises while ``doing`` something becomes a PacketError that says what
    (running out of memory goes on to the sandbox, which reports the memory limit)."""
    try:
        yield
    except PacketError:
        raise
    except Exception as error:
        reraise_out_of_memory(error)
        raise PacketError(f"{doing} could not be made: {_qpdf_message(error)}") from error


def _qpdf_message(error: BaseException) -> str:
    """qpdf's message without the name it gives the input and where in it ("stream
    <_io.BytesIO object at 0x...> (offset 123): "), which say nothing to a reader."""
    message = str(error) or type(error).__name__
    return re.sub(r"^stream <[^>]*>(?: \([^)]*\))?: ", "", message)


def _copy_document_properties(front: Pdf, packet: Pdf, front_title: str) -> None:
    """Title and language from the front document; open with the bookmarks shown."""
    title = front.trailer.get("/Info", Dictionary()).get("/Title")
    packet.docinfo[Name.Title] = pikepdf.String(str(title) if title else front_title)
    if "/Lang" in front.Root:
        packet.Root[Name.Lang] = pikepdf.String(str(front.Root[Name.Lang]))
    packet.Root[Name.PageMode] = Name.UseOutlines


# -- page numbers -------------------------------------------------------------------------


def _displayed_box(page: pikepdf.Page) -> tuple[float, float, float, float, int]:
    """The crop box (normalised, in user space) and the rotation a viewer applies."""
    left, bottom, right, top = (float(value) for value in page.cropbox)
    x0, x1 = sorted((left, right))
    y0, y1 = sorted((bottom, top))
    try:
        rotation = int(page.obj.get("/Rotate", 0)) % 360
    except (TypeError, ValueError):
        rotation = 0
    if rotation not in (0, 90, 180, 270):
        rotation = 0  # not a valid /Rotate; viewers ignore it
    return x0, y0, x1, y1, rotation


def _placement(
    x0: float, y0: float, x1: float, y1: float, rotation: int
) -> tuple[float, float, float, float, float, float]:
    """Maps an upright stamp space of the displayed size onto the page's user space.

    A viewer turns the page clockwise by ``rotation``; the stamp is turned back the other
    way and moved so that its origin lands on the displayed bottom-left corner of the crop
    box.
    """
    return {
        0: (1, 0, 0, 1, x0, y0),
        90: (0, 1, -1, 0, x1, y0),
        180: (-1, 0, 0, -1, x1, y1),
        270: (0, -1, 1, 0, x0, y1),
    }[rotation]


# a b c d e f, as PDF writes a matrix
Matrix = tuple[float, ...]


@dataclass(frozen=True)
class _Glyph:
    font: str  # the font's name in the packet's pages
    code: bytes  # what the content stream shows for it
    advance: float  # in thousandths of the font size


class _Stamps:
    """Draws "Sida N (M)" on pages from a specimen WeasyPrint laid out once.

    The specimen is a label like the stamps' with every character they use; its embedded
    font(s), the code and advance of each character, and the baseline WeasyPrint chose are
    read back from it. A stamp is then a white rectangle and one line of text at the same
    place as a laid-out label would be (right-aligned, in the bottom margin) for the size of
    its page: the same font the PDF carries, so readers and pdftotext read it as text.
    """

    def __init__(
        self,
        glyphs: dict[str, _Glyph],
        fonts: dict[str, pikepdf.Object],
        baseline: float,
        save_state: pikepdf.Stream,
    ) -> None:
        self.glyphs = glyphs
        self.fonts = fonts
        self.baseline = baseline
        # Opens each page's own content in a saved graphics state (one stream shared by every
        # page); the stamp closes it, so whatever state the page leaves does not reach it.
        self.save_state = save_state

    @classmethod
    def from_specimen(cls, packet: Pdf, text: str, static_folder: str | None) -> "_Stamps":
        characters = "".join(sorted(set(text)))
        specimen = _render_specimen(characters, static_folder)
        with _failures("the page numbers"):
            source = Pdf.open(io.BytesIO(specimen))
            page = source.pages[0]
            page_fonts = page.obj.Resources.Font
            fonts: dict[str, pikepdf.Object] = {}
            glyphs: dict[str, _Glyph] = {}
            baseline = None
            for font_name, codes, origin in _shown_text(page):
                font = page_fonts[font_name]
                if font_name not in fonts:
                    fonts[font_name] = packet.copy_foreign(font)
                name = f"{FONT_NAME}{list(fonts).index(font_name)}"
                widths, default = _cid_widths(font)
                unicode = _to_unicode(font)
                for index in range(0, len(codes) - 1, 2):  # Identity-H: two bytes a glyph
                    code = codes[index : index + 2]
                    cid = int.from_bytes(code, "big")
                    character = unicode.get(cid, "")
                    if len(character) == 1:  # not a ligature: stands for one character
                        advance = widths.get(cid, default)
                        glyphs.setdefault(character, _Glyph(name, code, advance))
                if baseline is None:
                    baseline = origin[1]
            source.close()
        missing = set(characters) - set(glyphs)
        if baseline is None or missing:
            raise PacketError(
                "the page numbers could not be rendered: no glyph for "
                + ", ".join(repr(character) for character in sorted(missing))
            )
        named = {f"{FONT_NAME}{index}": font for index, font in enumerate(fonts.values())}
        return cls(glyphs, named, baseline, pikepdf.Stream(packet, b"q\n"))

    def stamp(self, page: pikepdf.Page, label: str, *, top: bool = False) -> None:
        """``label`` at the bottom right of the page as displayed; with ``top``, at the top
        right, as far from the top edge as the page number is from the bottom, on a ground
        just as wide as the text (nothing of the page's own to hide there)."""
        x0, y0, x1, y1, rotation = _displayed_box(page)
        width = x1 - x0 if rotation in (0, 180) else y1 - y0
        height = y1 - y0 if rotation in (0, 180) else x1 - x0
        # The label's box mirrored from the bottom margin into the top one.
        shift = height - 2 * LABEL_BOTTOM - LABEL_LINE if top else 0.0
        names = self._font_names(page)
        runs: list[tuple[str, bytearray]] = []
        advance = 0.0
        for character in label:
            glyph = self.glyphs[character]
            if not runs or runs[-1][0] != glyph.font:
                runs.append((glyph.font, bytearray()))
            runs[-1][1].extend(glyph.code)
            advance += glyph.advance
        text_width = advance * LABEL_FONT_SIZE / 1000
        vertical, horizontal = LABEL_PADDING
        right = width - LABEL_RIGHT  # where the text ends (the label's content box)
        ground_width = (text_width if top else max(LABEL_MIN_WIDTH, text_width)) + 2 * horizontal
        shown = " ".join(
            f"/{names[font]} {_number(LABEL_FONT_SIZE)} Tf <{codes.hex()}> Tj"
            for font, codes in runs
        )
        drawing = (
            f"Q q {' '.join(_number(value) for value in _placement(x0, y0, x1, y1, rotation))} cm "
            f"1 g {_number(right + horizontal - ground_width)} "
            f"{_number(LABEL_BOTTOM - vertical + shift)} "
            f"{_number(ground_width)} {_number(LABEL_LINE + 2 * vertical)} re f "
            f"0 g BT {_number(right - text_width)} {_number(self.baseline + shift)} Td "
            f"{shown} ET Q\n"
        )
        page.contents_add(self.save_state, prepend=True)
        page.contents_add(drawing.encode("ascii"), prepend=False)

    def _font_names(self, page: pikepdf.Page) -> dict[str, str]:
        """The stamps' fonts in the page's resources: under their own names, unless the page
        uses those for other fonts. Pages may share resources; the fonts are added once."""
        resources = page.obj.get("/Resources")
        if not isinstance(resources, Dictionary):
            resources = page.obj.Resources = Dictionary()
        fonts = resources.get("/Font")
        if not isinstance(fonts, Dictionary):
            fonts = resources.Font = Dictionary()
        names = {}
        for wanted, font in self.fonts.items():
            name = wanted
            while (present := fonts.get(f"/{name}")) is not None and not (
                present.is_indirect and present.objgen == font.objgen
            ):
                name += "x"
            fonts[f"/{name}"] = font
            names[wanted] = name
        return names


def _number(value: float) -> str:
    """A number for a content stream: at most three decimals, no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _shown_text(page: pikepdf.Page) -> list[tuple[str, bytes, tuple[float, float]]]:
    """The text a page shows: font resource name, the codes shown, and where the first
    shown code starts (in user space). Enough of a content stream interpreter for the
    specimen WeasyPrint writes: q/Q, cm, BT, Tm, Td, Tf, Tj and TJ."""
    identity: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    ctm, tm = identity, identity
    stack: list[Matrix] = []
    font = ""
    shown = []
    for instruction in pikepdf.parse_content_stream(page):
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            continue  # an inline image
        operands, op = instruction.operands, str(instruction.operator)
        if op == "q":
            stack.append(ctm)
        elif op == "Q" and stack:
            ctm = stack.pop()
        elif op == "cm":
            ctm = _multiply(tuple(float(value) for value in operands), ctm)
        elif op == "BT":
            tm = identity
        elif op == "Tm":
            tm = tuple(float(value) for value in operands)
        elif op == "Td":
            tx, ty = (float(value) for value in operands)
            tm = _multiply((1.0, 0.0, 0.0, 1.0, tx, ty), tm)
        elif op == "Tf":
            font = str(operands[0])
        elif op in ("Tj", "TJ"):
            strings = operands[0] if op == "TJ" else [operands[0]]
            codes = b"".join(bytes(part) for part in strings if isinstance(part, pikepdf.String))
            full = _multiply(tm, ctm)
            shown.append((font, codes, (full[4], full[5])))
    return shown


def _multiply(first: Matrix, second: Matrix) -> Matrix:
    """The matrix ``first`` then ``second`` (PDF's row-vector convention)."""
    a, b, c, d, e, f = first
    A, B, C, D, E, F = second
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


def _cid_widths(font: pikepdf.Object) -> tuple[dict[int, float], float]:
    """The advances of a Type 0 font's glyphs from its descendant's /W array, and the
    advance of those it does not list."""
    descendant = font.DescendantFonts[0]
    default = float(descendant.get("/DW", 1000))
    widths: dict[int, float] = {}
    entries = list(descendant.get("/W", []))
    index = 0
    while index + 1 < len(entries):
        first, following = entries[index], entries[index + 1]
        if isinstance(following, pikepdf.Array):
            for offset, value in enumerate(following):
                widths[int(first) + offset] = float(value)
            index += 2
        else:
            for cid in range(int(first), int(following) + 1):
                widths[cid] = float(entries[index + 2])
            index += 3
    return widths, default


def _to_unicode(font: pikepdf.Object) -> dict[int, str]:
    """What each code of the font stands for, from its /ToUnicode CMap (bfchar and bfrange
    entries, as WeasyPrint writes them)."""
    cmap = font.ToUnicode.read_bytes().decode("latin-1")
    mapping: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            mapping[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, text in re.findall(
            r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
        ):
            start = int.from_bytes(bytes.fromhex(text), "big")
            for offset in range(int(high, 16) - int(low, 16) + 1):
                mapping[int(low, 16) + offset] = chr(start + offset)
    return mapping


def _render_specimen(characters: str, static_folder: str | None) -> bytes:
    """One page with one label laid out as the stamps are, holding ``characters``.

    No kerning and no ligatures, so that each character is one glyph of its own; the spaces
    are kept (``pre``).
    """
    width, height = SPECIMEN_PAGE
    vertical, horizontal = LABEL_PADDING
    document = f"""<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><style>
@font-face {{ font-family: "Sekretariat Sans"; src: url("fonts/DejaVuSans.ttf"); }}
@page {{ size: {width}pt {height}pt; margin: 0; }}
html, body {{ margin: 0; padding: 0; }}
.label {{
  position: absolute;
  right: {LABEL_RIGHT - horizontal:.3f}pt;
  bottom: {LABEL_BOTTOM - vertical:.3f}pt;
  min-width: {LABEL_MIN_WIDTH:.3f}pt;
  padding: {vertical}pt {horizontal}pt;
  text-align: right;
  color: #000;
  font: {LABEL_FONT_SIZE}pt/{LABEL_LINE:.3f}pt "Sekretariat Sans", "DejaVu Sans", sans-serif;
  font-kerning: none;
  font-variant-ligatures: none;
  white-space: pre;
}}
</style></head><body><span class="label">{html.escape(characters)}</span></body></html>"""
    try:
        return render_pdf(document, static_folder=static_folder, archival=False)
    except RenderError as error:
        raise PacketError(f"the page numbers could not be rendered: {error}") from error
