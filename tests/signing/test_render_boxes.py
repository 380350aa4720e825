"""render_pdf_with_boxes: the PDF render_pdf makes, and where the reserved elements landed."""

import io

import pytest
from pypdf import PdfReader

from app.documents.render import RenderError, render_pdf, render_pdf_with_boxes

# A 600 × 800 pt page without margins, so positions are easy to state in points.
TWO_PAGES = """<!doctype html><html lang="sv"><head><title>Rutor</title><style>
  @page { size: 600pt 800pt; margin: 0 }
  body { margin: 0 }
  .box { width: 200pt; height: 60pt; border: 1pt solid black; box-sizing: border-box }
</style></head><body>
  <div style="padding: 40pt 0 0 30pt"><div class="box" id="first"></div></div>
  <div style="break-before: page; padding: 100pt 0 0 50pt"><div class="box" id="second"></div></div>
</body></html>"""


def test_boxes_come_back_on_their_page_in_pdf_points(app):
    with app.app_context():
        pdf, boxes = render_pdf_with_boxes(TWO_PAGES, ["second", "first"])

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
    assert boxes["first"].page == 0
    assert boxes["first"].box == pytest.approx((30, 800 - 40 - 60, 230, 800 - 40), abs=1)
    assert boxes["second"].page == 1
    # 100 pt from the top and 50 from the left of page 2; PDF counts from the bottom left.
    assert boxes["second"].box == pytest.approx((50, 640, 250, 700), abs=1)


def test_the_pdf_is_the_archival_one_render_pdf_makes(app):
    with app.app_context():
        with_boxes, _boxes = render_pdf_with_boxes(TWO_PAGES, ["first"])
        plain = render_pdf(TWO_PAGES)

    for pdf in (with_boxes, plain):
        reader = PdfReader(io.BytesIO(pdf))
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
        assert 'pdfaid:part="3"' in root["/Metadata"].get_object().get_data().decode()
        assert len(reader.pages) == 2


def test_a_missing_box_is_an_error(app):
    with app.app_context(), pytest.raises(RenderError, match="no element with id third"):
        render_pdf_with_boxes(TWO_PAGES, ["first", "third"])


def test_no_boxes_asked_for(app):
    with app.app_context():
        pdf, boxes = render_pdf_with_boxes(TWO_PAGES, [])
    assert boxes == {} and pdf.startswith(b"%PDF-")
