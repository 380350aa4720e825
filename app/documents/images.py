"""Checking an uploaded image (an organisation's logo) before it is stored.

Only PNG and JPEG are accepted, decided from the bytes: the filename and the browser's
content type are the uploader's claims. SVG is refused: it is a program as much as a picture
(scripts, external references, entity expansion), and nothing here needs it.

An image costs its pixels, not its file size: a PNG of a few kilobytes may claim 100 000 ×
100 000 pixels (a "decompression bomb"). The dimensions are read from the header and checked
before anything is decoded, and decoding runs in a child process with a time and memory limit
(``app.documents.sandbox``). What is stored is not the upload but a PNG made anew from its
pixels, at most ``STORED_SIDE`` pixels a side: no metadata (EXIF, GPS, comments), nothing
appended to the file, one format for the documents to print.
"""

import hashlib
import io
from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import format_decimal, gettext
from PIL import Image, ImageFile, ImageOps

from app.documents.sandbox import LimitExceeded, Limits, run_limited
from app.documents.uploads import UploadRejected

MB = 2**20
MEDIA_TYPE = "image/png"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
# Where an SVG (or any XML) shows itself: in its first kilobyte.
SNIFF_WINDOW = 1024

# Defaults, used when no app configures them (config.py: MAX_LOGO_BYTES, MAX_LOGO_SIDE).
DEFAULT_MAX_BYTES = 2 * MB
DEFAULT_MAX_SIDE = 4000
# The stored copy: plenty for a letterhead printed 1.2 cm high at 300 dpi, and small.
STORED_SIDE = 1200
# Decoding a 4000 × 4000 image takes 64 MB and well under a second.
DEFAULT_CHECK_LIMITS = Limits(seconds=10, memory_bytes=512 * MB)


@dataclass(frozen=True)
class CheckedImage:
    """An accepted image: ``data`` is the PNG to store (made anew from the upload's pixels),
    ``width`` and ``height`` its size; ``original_sha256`` that of the bytes uploaded."""

    data: bytes
    media_type: str
    width: int
    height: int
    sha256: str
    original_sha256: str


def check_image_upload(
    data: bytes,
    *,
    max_bytes: int | None = None,
    max_side: int | None = None,
    limits: Limits | None = None,
) -> CheckedImage:
    """Accept ``data`` as a PNG or JPEG image or raise UploadRejected with a user-facing reason.

    Checks, in order: not empty; at most ``max_bytes``; not SVG; a PNG or JPEG by its
    signature; then in a child process within ``limits``: at most ``max_side`` pixels wide
    and high (read from the header, before decoding), and decodes completely. The limits
    default to the app's configuration. Needs an app context (the messages are translated).
    """
    config = current_app.config if has_app_context() else {}
    if max_bytes is None:
        max_bytes = config.get("MAX_LOGO_BYTES", DEFAULT_MAX_BYTES)
    if max_side is None:
        max_side = config.get("MAX_LOGO_SIDE", DEFAULT_MAX_SIDE)
    if limits is None:
        limits = DEFAULT_CHECK_LIMITS
    if not data:
        raise UploadRejected("empty", gettext("The file is empty."))
    if len(data) > max_bytes:
        raise UploadRejected(
            "too_large",
            gettext(
                "The image is too large: %(size)s MB, at most %(limit)s MB is allowed.",
                size=_megabytes(len(data)),
                limit=_megabytes(max_bytes),
            ),
        )
    if not data.startswith((PNG_SIGNATURE, JPEG_SIGNATURE)):
        if _looks_like_svg(data):
            raise UploadRejected(
                "svg",
                gettext("SVG images are not accepted. Save the logo as PNG or JPEG."),
            )
        raise UploadRejected(
            "not_image", gettext("The file is not a PNG or JPEG image. Only those are accepted.")
        )
    try:
        result = run_limited(
            normalise_image, data, max_side=max_side, stored_side=STORED_SIDE, limits=limits
        )
    except LimitExceeded as exceeded:
        raise UploadRejected(
            "too_costly",
            gettext("The image takes too much time or memory to read and cannot be accepted."),
        ) from exceeded
    if result.refusal == "too_many_pixels":
        raise UploadRejected(
            "too_many_pixels",
            gettext(
                "The image is %(width)d × %(height)d pixels; at most %(limit)d × %(limit)d "
                "are allowed.",
                width=result.width,
                height=result.height,
                limit=max_side,
            ),
        )
    if result.refusal is not None:
        raise UploadRejected(
            "damaged",
            gettext("The image is damaged and cannot be read: %(reason)s", reason=result.detail),
        )
    return CheckedImage(
        data=result.data,
        media_type=MEDIA_TYPE,
        width=result.width,
        height=result.height,
        sha256=hashlib.sha256(result.data).hexdigest(),
        original_sha256=hashlib.sha256(data).hexdigest(),
    )


def _looks_like_svg(data: bytes) -> bool:
    head = data[:SNIFF_WINDOW].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and (b"<svg" in head or b"<?xml" in head)


def _megabytes(size: int) -> str:
    return format_decimal(round(size / MB, 1), format="0.#")


# -- in the child process (no app context: codes, not messages) ---------------------------------


@dataclass(frozen=True)
class Normalised:
    """What decoding found: the stored PNG and its size, or why not (``refusal``:
    ``too_many_pixels`` with the upload's ``width`` and ``height``, or ``damaged`` with
    ``detail``)."""

    data: bytes = b""
    width: int = 0
    height: int = 0
    refusal: str | None = None
    detail: str = ""


def normalise_image(data: bytes, *, max_side: int, stored_side: int) -> Normalised:
    """Decode the PNG or JPEG in ``data`` and make the PNG to store. Run in the sandbox."""
    # Pillow's own guard refuses big images as it opens them, without saying how big; ours,
    # stricter (a bound per side), runs right after opening, on the header, before a pixel
    # is decoded. (A fresh child process per image: changing the global touches nothing else.)
    Image.MAX_IMAGE_PIXELS = None
    # pypdf (imported beside this module) tells Pillow to accept truncated images; a logo
    # cut short is refused here, not printed half grey.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as opened:
            width, height = opened.size
            if width > max_side or height > max_side:
                return Normalised(width=width, height=height, refusal="too_many_pixels")
            opened.load()  # every pixel: a truncated or broken file fails here
            image = ImageOps.exif_transpose(opened)
        has_alpha = "A" in image.getbands() or "transparency" in image.info
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA" if has_alpha else "RGB")
        image.thumbnail((stored_side, stored_side))
        output = io.BytesIO()
        image.save(output, "PNG", optimize=True)
    except MemoryError:
        raise
    except Exception as error:
        detail = " ".join(str(error).split())[:80] or type(error).__name__
        return Normalised(refusal="damaged", detail=detail)
    return Normalised(data=output.getvalue(), width=image.width, height=image.height)
