"""Signature fields and PAdES signatures in a PDF, one incremental update each.

The order matters, for pyHanko's validator and for PDF/A and PDF/UA alike:

1. ``add_signature_fields`` adds every empty field (ordförande, justerare, sekreterare) in one
   revision, before anyone signs. A field added after a signature counts as a change to the
   signed document.
2. ``sign_pdf`` fills one field per call. Each signature is an incremental update that only
   fills its own field, which pyHanko's difference analysis classifies as allowed form filling
   for the signatures before it; nothing else may touch the file in between (no stamps, no
   metadata edits).

The visible block is drawn with the vendored DejaVu Sans, embedded as a subset (PDF/A), so
"Justerat av Johanna Odö" keeps its ö; pyHanko's default Courier is neither embedded nor able
to draw it. pdftotext (poppler 22.12) and pypdf read its lines as words ("Signerat av Elin
Hellström"), not letter-spaced (issue 14): the subset's /W widths match the advances pyHanko
positions the glyphs by and /ToUnicode maps them back, and each line is also an /ActualText
span; poppler reads the words even with the spans removed. Checked in the real justering flow
and in small boxes, where the block is scaled down; test_pdftotext_reads_the_signature_blocks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol

from asn1crypto import cms
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.misc import PdfWriteError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import TextStampStyle

from app.core.dates import LOCAL_TZ
from app.signing.backends import SigningBackend
from app.signing.errors import SigningError

log = logging.getLogger(__name__)
# fontTools warns on every subset that DejaVu's FFTM (FontForge timestamp) table is dropped.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

FONT = Path(__file__).resolve().parents[2] / "static" / "fonts" / "DejaVuSans.ttf"
FONT_SIZE = 9

#: The first line of the block: "Justerat av Johanna Odö". Swedish, as the document is.
DEFAULT_ACTION = "Justerat av"
ACTION_BY_ROLE = {"Sekreterare": "Signerat av"}


@dataclass(frozen=True)
class Signatory:
    """Who signs, as the visible block names them. ``email`` finds a personal certificate."""

    name: str
    role: str  # Swedish, as printed: "Ordförande", "Justerare", "Sekreterare"
    email: str | None = None


@dataclass(frozen=True)
class SignatureSlot:
    """Where an empty signature field goes: page index (0-based), box in PDF points.

    ``box`` is (left, bottom, right, top) with the origin at the bottom left of the page.
    ``label`` is the field's accessible name (shown as a tooltip), e.g. "Justerare".
    """

    name: str
    page: int
    box: tuple[float, float, float, float]
    label: str | None = None


class BoxOnPage(Protocol):
    """Anything with a page index and a box, such as render_pdf_with_boxes' results."""

    page: int
    box: tuple[float, float, float, float]


def add_signature_fields(pdf: bytes, slots: list[SignatureSlot]) -> bytes:
    """Add an empty, visible signature field for every slot, in one incremental revision.

    Raises ValueError for slots that cannot be added: a duplicate or dotted name (dots make a
    field hierarchy), a page that does not exist, a field that exists already, or a document
    that is already signed (fields must all exist before the first signature).
    """
    names = [slot.name for slot in slots]
    if not slots:
        raise ValueError("no signature slots given")
    if len(set(names)) != len(names) or any(not n or "." in n for n in names):
        raise ValueError(f"signature field names must be unique, non-empty, dot-free: {names}")
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    if writer.prev.embedded_signatures:
        raise ValueError("the document is signed already; add every field before signing")
    page_count = int(writer.root["/Pages"]["/Count"])
    for slot in slots:
        if not 0 <= slot.page < page_count:
            raise ValueError(f"{slot.name}: no page {slot.page} in a {page_count}-page PDF")
        left, bottom, right, top = slot.box
        if right <= left or top <= bottom:
            raise ValueError(f"{slot.name}: empty box {slot.box}")
        try:
            fields.append_signature_field(
                writer,
                fields.SigFieldSpec(
                    slot.name,
                    on_page=slot.page,
                    box=slot.box,  # type: ignore[arg-type]  # floats are fine; hinted as int
                    readable_field_name=slot.label,
                ),
            )
        except PdfWriteError as error:  # the field exists already
            raise ValueError(f"{slot.name}: {error}") from error
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def signature_block_lines(
    signatory: Signatory, signed_at: datetime, action: str | None = None
) -> tuple[str, str, str]:
    """The three lines of the visible block, Stockholm time:

    ("Justerat av Johanna Odö", "Justerare", "2026-03-17 14:05").
    """
    verb = action or ACTION_BY_ROLE.get(signatory.role, DEFAULT_ACTION)
    when = signed_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    return f"{verb} {signatory.name}", signatory.role, when


def sign_pdf(
    pdf: bytes,
    *,
    field: str,
    signatory: Signatory,
    backend: SigningBackend,
    reason: str,
    signed_at: datetime | None = None,
    action: str | None = None,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """Sign the empty field ``field`` for ``signatory``: one PAdES signature, incremental.

    ``reason`` goes into the signature (/Reason), e.g. "Justering av protokoll". The visible
    block names the signatory, their role and ``signed_at`` (the moment they approved; default
    now) in Stockholm time; ``action`` replaces its first words ("Justerat av", or "Signerat
    av" for the sekreterare). The signature's own signing time is the moment of signing.

    With ``timestamper`` (default: one for SIGNING_TSA_URL, when set) the signature gets an
    RFC 3161 timestamp: PAdES B-T.

    Raises SigningError when the field is missing or filled, no key is available, or the
    timestamp server fails; the document is then unchanged.
    """
    signed_at = signed_at or datetime.now(UTC)
    if signed_at.tzinfo is None:
        raise ValueError("signed_at must be an aware datetime")
    signer = backend.signer_for(signatory)
    if timestamper is None:
        timestamper = default_timestamper()
    line1, line2, line3 = signature_block_lines(signatory, signed_at, action)
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=field,
            reason=reason,
            # The person the signature is made for, also when the organisation's seal signs.
            name=signatory.name,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
        ),
        signer=signer,
        timestamper=timestamper,
        stamp_style=stamp_style(),
    )
    size_key = _signature_size_key(signer, timestamper)
    try:
        _check_field(pdf, field)
        reserved = _reserved_sizes.get(size_key)
        try:
            output = pdf_signer.sign_pdf(
                IncrementalPdfFileWriter(BytesIO(pdf)),
                existing_fields_only=True,
                appearance_text_params={"line1": line1, "line2": line2, "line3": line3},
                bytes_reserved=reserved,
            )
        except PyHankoSigningError:
            if reserved is None:
                raise
            # Too little room after all (a timestamp server's answer grew): estimate again.
            _reserved_sizes.pop(size_key, None)
            output = pdf_signer.sign_pdf(
                IncrementalPdfFileWriter(BytesIO(pdf)),
                existing_fields_only=True,
                appearance_text_params={"line1": line1, "line2": line2, "line3": line3},
            )
        if size_key not in _reserved_sizes:
            _reserved_sizes[size_key] = _reservation_for(output.getvalue())
    except TimestampRequestError as error:
        log.error("Timestamp server failed: %s", error)
        raise SigningError(
            _l("The timestamp server did not answer; the document was not signed.")
        ) from error
    except PyHankoSigningError as error:
        log.error("Signing field %s failed: %s", field, error)
        raise SigningError() from error
    return output.getvalue()


# The room a signature's CMS container gets in the PDF, by what decides its size (the signing
# certificate and its chain, the timestamp server). Without it pyHanko estimates the room for
# each signature by making it once more as a dry run: a second private-key operation and,
# with a timestamp server, a second request to it (a quarter of all signing time).
_reserved_sizes: dict[tuple[Any, ...], int] = {}


def _signature_size_key(signer: signers.Signer, timestamper: TimeStamper | None) -> tuple[Any, ...]:
    certificate = signer.signing_cert
    chain = sorted(cert.sha256 for cert in signer.cert_registry) if signer.cert_registry else []
    if timestamper is None:
        stamped = None
    else:
        stamped = (type(timestamper).__qualname__, getattr(timestamper, "url", None))
    return (certificate.sha256 if certificate else None, tuple(chain), stamped)


def _reservation_for(signed: bytes) -> int:
    """pyHanko's own estimate, from the container just made rather than a dry run: twice its
    length (it is written in hex) and half as much again."""
    padded = PdfFileReader(BytesIO(signed)).embedded_signatures[-1].pkcs7_content
    hex_length = len(cms.ContentInfo.load(padded).dump()) * 2
    return hex_length + 2 * (hex_length // 4)


def _check_field(pdf: bytes, field: str) -> None:
    """SigningError unless ``field`` is an empty signature field of the document."""
    reader = PdfFileReader(BytesIO(pdf))
    for name, value, _ref in fields.enumerate_sig_fields(reader):
        if name == field:
            if value is not None:
                raise SigningError(_l("This signature field has been signed already."))
            return
    raise SigningError(_l("The document has no signature field for this signature."))


def stamp_style() -> TextStampStyle:
    """The visible block: three lines of DejaVu Sans, left-aligned in a thin grey frame."""
    return TextStampStyle(
        stamp_text="%(line1)s\n%(line2)s\n%(line3)s",
        text_box_style=TextBoxStyle(
            font=EmbeddedFont(str(FONT), font_size=FONT_SIZE, bcp47_lang_code="sv"),
            font_size=FONT_SIZE,
            leading=FONT_SIZE + 3,
        ),
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN,
            y_align=AxisAlignment.ALIGN_MID,
            margins=Margins(left=6, right=6, top=4, bottom=4),
        ),
        border_width=1,
        border_color=(0.6, 0.6, 0.6),
        background=None,
    )


@dataclass(frozen=True)
class EmbeddedFont(GlyphAccumulatorFactory):
    """pyHanko's OpenType font factory, reading the font from memory.

    The stock factory opens the font file and never closes it (a ResourceWarning per
    signature); the font is read once here instead.
    """

    def create_font_engine(
        self, writer: BasePdfFileWriter, obj_stream: Any = None
    ) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=BytesIO(_font_bytes(self.font_file)),
            font_size=self.font_size,
            ot_script_tag=self.ot_script_tag,
            ot_language_tag=self.ot_language_tag,
            writing_direction=self.writing_direction,
            bcp47_lang_code=self.bcp47_lang_code,
            obj_stream=obj_stream,
        )


@cache
def _font_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


def default_timestamper() -> TimeStamper | None:
    """A client for SIGNING_TSA_URL, or None when no timestamp server is configured."""
    if not has_app_context():
        return None
    url = current_app.config.get("SIGNING_TSA_URL")
    return HTTPTimeStamper(url) if url else None
