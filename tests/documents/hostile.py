"""Hostile PDFs, made on the spot: a decompression bomb, a page tree that lists one page many
times, and a PDF full of active content."""

import io
import zlib

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

MB = 2**20
# Drawing operators a merge has to parse: 14 bytes × 4,681 ≈ 64 kB.
DRAWING = b"0 0 m 1 1 l S\n" * 4681


def bomb_pdf(pages: int = 1000, inflated: int = 70 * MB) -> bytes:
    """``pages`` pages sharing one Flate content stream that inflates to ``inflated`` bytes
    (about 250 kB for the defaults), written as raw PDF: one compression of a repeated chunk."""
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(DRAWING) for _ in range(inflated // len(DRAWING))]
    parts.append(compressor.flush())
    stream = b"".join(parts)
    kids = b" ".join(b"%d 0 R" % (4 + n) for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ] + [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>"] * pages
    return raw_pdf(objects)


def page_list_pdf(times: int = 50_000) -> bytes:
    """One page listed ``times`` times in the page tree (about 300 kB for the default): qpdf
    reads it as that many pages, each a copy of its own, and a packet of it has to copy and
    stamp them all."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b"4 0 R " * times + b"] /Count %d >>" % times,
        b"<< /Length %d >>\nstream\n" % len(DRAWING[:14]) + DRAWING[:14] + b"\nendstream",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>",
    ]
    return raw_pdf(objects)


def nested_forms_pdf(levels: int = 40) -> bytes:
    """One page drawing a form that draws the next form twice, ``levels`` deep: a small file
    whose page unpacks to 2**levels forms ("billion laughs" in PDF)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /XObject << /F 5 0 R >> >> >>",
        b"<< /Length 6 >>\nstream\n/F Do\n\nendstream",
    ]
    for level in range(levels):
        number = 5 + level
        drawing = (
            b"/A Do /B Do\n" + b"0 0 m 1 1 l S\n" * 64 if level < levels - 1 else DRAWING[:1024]
        )
        resources = (
            b" /Resources << /XObject << /A %d 0 R /B %d 0 R >> >>" % (number + 1, number + 1)
            if level < levels - 1
            else b""
        )
        objects.append(
            b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842]%s /Length %d >>\nstream\n"
            % (resources, len(drawing))
            + drawing
            + b"\nendstream"
        )
    return raw_pdf(objects)


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF of ``objects`` (numbered from 1, the first the catalog) with a cross-reference
    table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _action(kind: str, **entries) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = value
    return action


def _link(rect: tuple[int, int, int, int], action: DictionaryObject) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject(FloatObject(v) for v in rect),
            NameObject("/Border"): ArrayObject([NumberObject(0)] * 3),
            NameObject("/A"): action,
        }
    )


def active_pdf(pdf: bytes) -> bytes:
    """``pdf`` with what a viewer could run: JavaScript on opening (/OpenAction) and in the
    /Names tree, a page action (/AA), a link that launches a program, a javascript: link, a
    chained JavaScript action after a harmless one, an embedded file, a file-attachment
    annotation and an XFA form. Also a plain web link, which must survive cleaning."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    root = writer._root_object
    alert = TextStringObject("app.alert('pwned')")
    root[NameObject("/OpenAction")] = writer._add_object(_action("/JavaScript", JS=alert))
    root[NameObject("/Names")] = DictionaryObject(
        {
            NameObject("/JavaScript"): DictionaryObject(
                {
                    NameObject("/Names"): ArrayObject(
                        [TextStringObject("init"), _action("/JavaScript", JS=alert)]
                    )
                }
            )
        }
    )
    writer.add_attachment("faktura.exe", b"MZ\x90\x00 not really a program")
    root[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject(),
            NameObject("/XFA"): TextStringObject("<xdp:xdp><script>x</script></xdp:xdp>"),
        }
    )
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _action("/JavaScript", JS=alert)})
    launch = _action(
        "/Launch",
        F=TextStringObject("C:\\Windows\\System32\\calc.exe"),
        NewWindow=NameObject("/true"),
    )
    web = _action("/URI", URI=TextStringObject("https://www.example.se/bilaga"))
    chained = _action(
        "/GoTo",
        D=ArrayObject([page.indirect_reference, NameObject("/Fit")]),
        Next=_action("/JavaScript", JS=alert),
    )
    attachment = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject(FloatObject(v) for v in (10, 10, 30, 30)),
            NameObject("/FS"): DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Filespec"),
                    NameObject("/F"): TextStringObject("virus.exe"),
                }
            ),
        }
    )
    page[NameObject("/Annots")] = ArrayObject(
        writer._add_object(annotation)
        for annotation in (
            _link((50, 700, 200, 720), launch),
            _link((50, 650, 200, 670), _action("/URI", URI=TextStringObject("javascript:x()"))),
            _link((50, 600, 200, 620), web),
            _link((50, 550, 200, 570), chained),
            attachment,
        )
    )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def embedded_files(pdf: bytes) -> list[str]:
    """Names of the embedded files and file attachments in ``pdf``."""
    reader = PdfReader(io.BytesIO(pdf))
    names = list(reader.attachments)
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            if annotation.get_object().get("/Subtype") == "/FileAttachment":
                names.append("annotation")
    return names


def links(pdf: bytes) -> list[str]:
    """The /URI of every link annotation left in ``pdf``."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and action.get_object().get("/S") == "/URI":
                found.append(str(action.get_object()["/URI"]))
    return found
