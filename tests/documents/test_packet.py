"""build_packet: documents in order, bookmarks, and "Sida N (M)" on every page."""

import io
import re
import subprocess

import pikepdf
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject

from app.documents import packet as packet_module
from app.documents.packet import (
    LABEL_BOTTOM,
    LABEL_RIGHT,
    PacketDocument,
    PacketError,
    PacketSection,
    build_packet,
    build_packet_here,
)
from app.documents.render import render_pdf
from tests.documents.hostile import raw_pdf

A4 = (595.28, 841.89)


def document(name: str, pages: int, *, page_css: str = "") -> bytes:
    """A PDF whose page i says "<name> sida i", with print.css (and so its own numbers)."""
    body = "".join(
        f'<h1 style="{"break-before: page" if number > 1 else ""}">{name} sida {number}</h1>'
        for number in range(1, pages + 1)
    )
    style = f"<style>@page {{ {page_css} }}</style>" if page_css else ""
    return render_pdf(
        '<!doctype html><html lang="sv"><head><link rel="stylesheet" href="/static/css/print.css">'
        f"{style}</head><body>{body}</body></html>"
    )


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def outline_tree(reader: PdfReader, items=None) -> list:
    """The bookmarks as [(title, page index, [children...]), ...]."""
    items = reader.outline if items is None else items
    tree: list = []
    for item in items:
        if isinstance(item, list):
            title, page, _ = tree[-1]
            tree[-1] = (title, page, outline_tree(reader, item))
        else:
            tree.append((item.title, reader.get_destination_page_number(item), []))
    return tree


def stamps(pdf_page) -> list[tuple[str, tuple[float, float], tuple[float, float]]]:
    """Every "Sida" text on a page: text, origin and writing direction in user space."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.startswith("Sida"):
            a, b, _, _, e, f = tm
            A, B, C, D, E, F = cm
            origin = (e * A + f * C + E, e * B + f * D + F)
            direction = (a * A + b * C, a * B + b * D)
            found.append((text, origin, direction))

    pdf_page.extract_text(visitor_text=visit)
    return found


@pytest.fixture
def packet_pdf(app) -> bytes:
    with app.app_context():
        front = document("Föredragningslista", 1)
        one, two, three = document("Alfa", 1), document("Beta", 2), document("Gamma", 3)
        sections = [
            PacketSection(
                "4 Budget", [PacketDocument("Alfa-bilaga", one), PacketDocument("Beta-bilaga", two)]
            ),
            PacketSection("5 Ärende utan handlingar", []),
            PacketSection(
                "6 Minnesanteckningar från samverkansgrupperna",
                [PacketDocument("Gamma-bilaga", three)],
            ),
        ]
        return build_packet(front, "Föredragningslista", sections)


@pytest.fixture
def packet(packet_pdf):
    return read(packet_pdf)


def pdftotext(pdf: bytes, page: int) -> list[str]:
    """The lines of one page (1-based) as pdftotext reads them, in the order they are drawn."""
    lines = subprocess.run(
        ["pdftotext", "-raw", "-f", str(page), "-l", str(page), "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [line for line in lines.splitlines() if line.strip("\f")]


def test_pages_in_order_with_numbers(packet):
    expected = [
        "Föredragningslista sida 1",
        "Alfa sida 1",
        "Beta sida 1",
        "Beta sida 2",
        "Gamma sida 1",
        "Gamma sida 2",
        "Gamma sida 3",
    ]
    assert len(packet.pages) == 1 + 1 + 2 + 3
    for number, (pdf_page, heading) in enumerate(zip(packet.pages, expected, strict=True), 1):
        text = pdf_page.extract_text()
        assert heading in text
        assert f"Sida {number} (7)" in text


def test_bookmarks(packet):
    assert outline_tree(packet) == [
        ("Föredragningslista", 0, []),
        ("4 Budget", 1, [("Alfa-bilaga", 1, []), ("Beta-bilaga", 2, [])]),
        ("6 Minnesanteckningar från samverkansgrupperna", 4, [("Gamma-bilaga", 4, [])]),
    ]
    assert packet.trailer["/Root"]["/PageMode"] == "/UseOutlines"


def test_stamp_covers_the_documents_own_number(packet):
    """print.css numbers each document on its own; the packet's number goes on top of it,
    same baseline and right edge, on a white ground, and is at least as long."""
    for pdf_page in packet.pages:
        (own_text, own, _), (text, stamp, _) = stamps(pdf_page)
        assert re.fullmatch(r"Sida \d+ \(\d+\)", own_text) and text.endswith("(7)")
        assert stamp[1] == pytest.approx(own[1], abs=0.5)
        assert stamp[0] <= own[0] + 0.5


def test_text_of_the_documents_is_kept(packet):
    assert "Beta sida 2" in packet.pages[3].extract_text()
    assert packet.metadata.title == "Föredragningslista"
    assert packet.trailer["/Root"]["/Lang"] == "sv"


def test_pdftotext_reads_the_stamps_as_text(packet_pdf):
    """The stamp is drawn last, over the document's own number, in a font the PDF embeds with
    what its codes stand for: other readers than pypdf read it too."""
    assert pdftotext(packet_pdf, 1)[-2:] == ["Sida 1 (1)", "Sida 1 (7)"]
    assert pdftotext(packet_pdf, 4)[0] == "Beta sida 2"
    assert pdftotext(packet_pdf, 7)[-2:] == ["Sida 3 (3)", "Sida 7 (7)"]


def test_the_stamps_share_one_font(packet_pdf):
    """Drawn once per packet: one embedded font for all the stamps, named alike on every page,
    and the opening of each page's own content in one shared stream."""
    pdf = pikepdf.Pdf.open(io.BytesIO(packet_pdf))
    fonts = {page.obj.Resources.Font.SekretariatSida0.objgen for page in pdf.pages}
    openings = {page.obj.Contents[0].objgen for page in pdf.pages}
    assert len(fonts) == 1 and len(openings) == 1
    assert pdf.pages[0].obj.Contents[0].read_bytes() == b"q\n"


def test_a_packet_within_a_packet(app, packet_pdf):
    """Last meeting's handlingar as a document: its pages already use the stamps' font name
    for a font of their own, so the new stamps take another, and both read as text."""
    with app.app_context():
        front = document("Föredragningslista", 2)
        section = PacketSection("2 Förra mötet", [PacketDocument("Handlingar", packet_pdf)])
        pdf = build_packet(front, "Föredragningslista", [section])

    assert len(read(pdf).pages) == 9
    assert pdftotext(pdf, 9)[-3:] == ["Sida 3 (3)", "Sida 7 (7)", "Sida 9 (9)"]
    nested = pikepdf.Pdf.open(io.BytesIO(pdf))
    last = nested.pages[8].obj.Resources.Font
    assert {"/SekretariatSida0", "/SekretariatSida0x"} <= set(last.keys())


def test_labels_with_other_characters(app):
    with app.app_context():
        front = document("Kallelse", 2)
        pdf = build_packet(front, "Kallelse", [], page_label="Sidan {page} av {pages} – Ärende")
    assert pdftotext(pdf, 2)[-1] == "Sidan 2 av 2 – Ärende"


def test_custom_page_label(app):
    with app.app_context():
        front = document("Kallelse", 2)
        pdf = build_packet(front, "Kallelse", [], page_label="{page}/{pages}")
    reader = read(pdf)
    assert reader.pages[0].extract_text().endswith("1/2")
    assert reader.pages[1].extract_text().endswith("2/2")
    assert outline_tree(reader) == [("Kallelse", 0, [])]


def rotated(pdf: bytes, degrees: int) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    for pdf_page in writer.pages:
        pdf_page.rotate(degrees)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def cropped(pdf: bytes, inset: float) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    for pdf_page in writer.pages:
        left, bottom, right, top = (float(v) for v in pdf_page.mediabox)
        pdf_page.cropbox = RectangleObject(
            (left + inset, bottom + inset, right - inset, top - inset)
        )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


@pytest.mark.parametrize(
    "make, displayed",
    [
        (lambda: document("Liggande", 1, page_css="size: A4 landscape"), (A4[1], A4[0])),
        (lambda: rotated(document("Roterad", 1), 90), (A4[1], A4[0])),
        (lambda: rotated(document("Upp och ned", 1), 180), A4),
        (lambda: rotated(document("Roterad åt andra hållet", 1), 270), (A4[1], A4[0])),
        (lambda: cropped(document("Beskuren", 1), 40), (A4[0] - 80, A4[1] - 80)),
    ],
    ids=["landscape", "rotate-90", "rotate-180", "rotate-270", "cropbox"],
)
def test_odd_pages_get_an_upright_stamp_bottom_right(app, make, displayed):
    with app.app_context():
        odd = make()
        front = document("Föredragningslista", 1)
        pdf = build_packet(
            front, "Föredragningslista", [PacketSection("1 Bilaga", [PacketDocument("Udda", odd)])]
        )

    pdf_page = read(pdf).pages[1]
    (text, (x, y), (dx, dy)) = next(s for s in stamps(pdf_page) if s[0].endswith("(2)"))
    assert text == "Sida 2 (2)"
    # Back from user space to the page as a viewer shows it (origin bottom left, y up).
    box = pdf_page.cropbox
    x0, y0, x1, y1 = float(box.left), float(box.bottom), float(box.right), float(box.top)
    rotation = pdf_page.rotation % 360
    u, v, du, dv = {
        0: (x - x0, y - y0, dx, dy),
        90: (y - y0, x1 - x, dy, -dx),
        180: (x1 - x, y1 - y, -dx, -dy),
        270: (y1 - y, x - x0, -dy, dx),
    }[rotation]
    width, height = displayed
    assert (x1 - x0, y1 - y0) == pytest.approx(
        displayed if rotation in (0, 180) else (height, width), abs=1
    )
    assert du > 0 and dv == pytest.approx(0, abs=1e-6)  # reads left to right
    assert width / 2 < u < width - LABEL_RIGHT  # right half, inside the right margin
    assert LABEL_BOTTOM / 2 < v < LABEL_BOTTOM * 1.5  # in the bottom margin
    assert "Sida 2 (2)" in pdf_page.extract_text()


def test_unreadable_inputs_are_packet_errors(app):
    with app.app_context():
        front = document("Föredragningslista", 1)
        good = document("Alfa", 1)
    writer = PdfWriter(clone_from=io.BytesIO(good))
    writer.encrypt("hemligt")
    encrypted = io.BytesIO()
    writer.write(encrypted)

    writer = PdfWriter(clone_from=io.BytesIO(good))
    writer.encrypt("")  # opens without a password, still encrypted
    openly_encrypted = io.BytesIO()
    writer.write(openly_encrypted)
    looping = raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
        ]
    )
    no_pages = raw_pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    )

    for bad, reason in [
        (b"%PDF-1.7 garbage", "cannot be read as a PDF: unable to find trailer dictionary"),
        (good[: len(good) // 2], "cannot be read"),
        (encrypted.getvalue(), "is encrypted"),
        (openly_encrypted.getvalue(), "is encrypted"),
        (looping, "cannot be read as a PDF: Loop detected in /Pages"),
        (no_pages, "has no pages"),
    ]:
        section = PacketSection("3 Bilagor", [PacketDocument("Trasig", bad)])
        with app.app_context(), pytest.raises(PacketError, match=reason) as error:
            build_packet(front, "Föredragningslista", [section])
        assert str(error.value).startswith("'Trasig' ")
        assert "BytesIO" not in str(error.value)

    with app.app_context(), pytest.raises(PacketError, match="Föredragningslista"):
        build_packet(b"", "Föredragningslista", [])


def test_all_stamps_come_from_one_rendering(app, monkeypatch):
    """A 300-page packet must not mean 300 WeasyPrint runs."""
    calls = []
    real_render = packet_module.render_pdf

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return real_render(*args, **kwargs)

    with app.app_context():
        front = document("Föredragningslista", 1)
        attachment = document("Bilaga", 3)
        landscape = document("Karta", 1, page_css="size: A4 landscape")
        monkeypatch.setattr(packet_module, "render_pdf", counting)
        documents = [PacketDocument(f"Bilaga {n}", attachment) for n in range(20)]
        sections = [PacketSection("7 Bilagor", [*documents, PacketDocument("Karta", landscape)])]
        # In this process (build_packet runs it in a child), where the counter sees the calls.
        reader = read(build_packet_here(front, "Föredragningslista", sections))

    assert len(calls) == 1 and calls[0]["archival"] is False
    assert len(reader.pages) == 1 + 20 * 3 + 1
    assert "Sida 62 (62)" in reader.pages[61].extract_text()
    assert float(reader.pages[61].mediabox.width) > float(reader.pages[61].mediabox.height)


def test_a_document_with_a_header_has_it_at_the_top_right_of_each_of_its_pages(app):
    """The handlingar head each attachment "Bilaga N till ärende M" (app.agenda.rendering);
    the front and a document without a header get none."""
    with app.app_context():
        front = document("Föredragningslista", 1)
        sections = [
            PacketSection(
                "5 Budget",
                [
                    PacketDocument("Utan", document("Utan rubrik", 1)),
                    PacketDocument(
                        "Med", document("Med rubrik", 2), header="Bilaga 2 till ärende 5"
                    ),
                ],
            )
        ]
        pdf = build_packet(front, "Föredragningslista", sections)
    reader = read(pdf)
    headed = [page.extract_text() for page in reader.pages]
    assert ["Bilaga 2 till ärende 5" in text for text in headed] == [False, False, True, True]
    assert "Bilaga 2 till ärende 5" in pdftotext(pdf, 3)  # whole, as text
    found = []

    def visit(text, cm, tm, font, size):
        if text.startswith("Bilaga"):
            found.append(
                (tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5])
            )

    reader.pages[3].extract_text(visitor_text=visit)
    (x, y) = found[0]
    assert A4[0] / 2 < x < A4[0] - LABEL_RIGHT  # right half, inside the right margin
    assert A4[1] - LABEL_BOTTOM * 1.5 - 12 < y < A4[1] - LABEL_BOTTOM / 2  # in the top margin
