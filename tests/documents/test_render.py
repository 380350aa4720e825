"""render_pdf: Swedish text in embedded fonts, tagged PDF/A, nothing fetched but static files."""

import io
import socket
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.documents import render
from app.documents.render import RenderError, StaticFileFetcher, render_pdf

PRINT_CSS = '<link rel="stylesheet" href="/static/css/print.css">'
# A 1×1 PNG: data: URIs are allowed, so a template can inline a logo.
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9Q"
    "DwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def page(body: str, head: str = PRINT_CSS) -> str:
    return f'<!doctype html><html lang="sv"><head>{head}</head><body>{body}</body></html>'


AGENDA = page(
    """
    <h1>Föredragningslista</h1>
    <table class="doc-header"><tr><th>Organ</th><td>Strategisk regional beredning</td></tr></table>
    <section class="item">
      <h2 class="item-title">5 Minnesanteckningar från samverkansgrupperna</h2>
      <p class="part-label">Förslag till beslut</p>
      <ul><li>Anteckningarna läggs till handlingarna</li><li>Ärendet är åtgärdat</li></ul>
    </section>
    """
)


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def fonts(reader: PdfReader) -> dict[str, object]:
    """Every font used on any page, by BaseFont name, with its font descriptor."""
    found = {}
    for pdf_page in reader.pages:
        for font in pdf_page["/Resources"]["/Font"].values():
            font = font.get_object()
            described = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            found[str(font["/BaseFont"])] = described["/FontDescriptor"].get_object()
    return found


@pytest.fixture
def fetchers(monkeypatch) -> list[StaticFileFetcher]:
    """Every fetcher render_pdf creates, to see what it served and what it refused."""
    created: list[StaticFileFetcher] = []

    class Recording(StaticFileFetcher):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            created.append(self)

    monkeypatch.setattr(render, "StaticFileFetcher", Recording)
    return created


@pytest.fixture
def no_network(monkeypatch) -> list[object]:
    attempts: list[object] = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("no network in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def test_swedish_text_with_embedded_fonts(app, fetchers):
    with app.app_context():
        pdf = render_pdf(AGENDA)

    reader = read(pdf)
    text = reader.pages[0].extract_text()
    for words in ("Föredragningslista", "Förslag till beslut", "Ärendet är åtgärdat", "Sida 1 (1)"):
        assert words in text
    assert "•" in text  # the list keeps its bullets

    used = fonts(reader)
    assert used and all("Sekretariat-Sans" in name for name in used), used
    assert any("Bold" in name for name in used)  # headings and part labels
    for descriptor in used.values():
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
    # ... and they came from static/fonts, not from the machine's font folders.
    served = fetchers[0].served
    assert any(url.endswith("/static/fonts/DejaVuSans.ttf") for url in served), served
    assert any(url.endswith("/static/css/print.css") for url in served), served


def test_pdf_is_tagged_pdfa(app):
    with app.app_context():
        pdf = render_pdf(AGENDA)

    root = read(pdf).trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]) == "sv"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
    assert root["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"


def test_title_and_language(app):
    with app.app_context():
        titled = read(render_pdf("<p>Hej</p>", title="Protokoll 2024-04-19", lang="en"))
        from_html = read(render_pdf('<html lang="sv"><title>Kallelse</title><p>Hej</p></html>'))

    assert titled.metadata.title == "Protokoll 2024-04-19"
    assert str(titled.trailer["/Root"]["/Lang"]) == "en"  # the fallback, HTML has no lang
    assert from_html.metadata.title == "Kallelse"
    assert str(from_html.trailer["/Root"]["/Lang"]) == "sv"


def test_data_uris_are_allowed(app, fetchers):
    with app.app_context():
        pdf = render_pdf(page(f'<img src="{PIXEL}" alt="Logotyp">'))

    assert read(pdf).pages[0]["/Resources"]["/XObject"]
    assert fetchers[0].refused == []


HOSTILE = {
    "file image": ('<img src="file:///etc/passwd" alt="">', "file:///etc/passwd"),
    "remote image": ('<img src="http://example.com/x.png" alt="">', "http://example.com/x.png"),
    "file stylesheet": ('<link rel="stylesheet" href="file:///etc/passwd">', "file:///etc/passwd"),
    "escape from static": ('<img src="/static/../../../etc/passwd" alt="">', "file:///etc/passwd"),
    "remote stylesheet": (
        '<link rel="stylesheet" href="https://example.com/x.css">',
        "https://example.com/x.css",
    ),
    "remote font": (
        "<style>@font-face { font-family: X; src: url(https://example.com/x.ttf) }"
        " p { font-family: X }</style>",
        "https://example.com/x.ttf",
    ),
}


@pytest.mark.parametrize("markup, url", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_references_are_refused(app, fetchers, no_network, markup, url):
    with app.app_context():
        pdf = render_pdf(page(f"<p>Före {markup} efter</p>", head=PRINT_CSS + markup))

    assert "Före" in read(pdf).pages[0].extract_text()  # rendered all the same
    (fetcher,) = fetchers
    assert url in fetcher.refused
    static = Path(app.static_folder).resolve()
    assert fetcher.served  # print.css and its fonts
    for served in fetcher.served:
        assert fetcher.static_path(served).is_relative_to(static)
    assert no_network == []


def test_all_hostile_references_at_once(app, fetchers, no_network):
    markup = "".join(m for m, _ in HOSTILE.values())
    with app.app_context():
        pdf = render_pdf(page(f"<h1>Föredragningslista</h1>{markup}", head=PRINT_CSS + markup))

    assert "Föredragningslista" in read(pdf).pages[0].extract_text()
    assert b"root:" not in pdf
    assert {url for _, url in HOSTILE.values()} <= set(fetchers[0].refused)
    assert no_network == []


def test_fetcher_serves_only_files_inside_the_static_folder(tmp_path):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "print.css").write_text("p { color: red }")
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0")
    (static / "css" / "link.css").symlink_to(secret)
    fetcher = StaticFileFetcher(static)
    inside = (static / "css" / "print.css").resolve()

    assert fetcher.static_path(inside.as_uri()) == inside
    assert fetcher.static_path("file:///static/css/print.css") == inside
    assert fetcher.static_path(fetcher.base_url + "css/print.css") == inside
    for url in (
        secret.as_uri(),
        "file:///static/../secret.txt",
        "file:///static/css/../../secret.txt",
        fetcher.base_url + "../secret.txt",
        fetcher.base_url + "css/link.css",  # a symlink pointing out
        fetcher.base_url + "css",  # a folder
        fetcher.base_url + "css/missing.css",
        "file://otherhost/static/css/print.css",
        "file:///etc/passwd",
    ):
        assert fetcher.static_path(url) is None, url

    with pytest.raises(render.FetchRefused):
        fetcher.fetch("http://127.0.0.1/static/css/print.css")
    response = fetcher.fetch("file:///static/css/print.css")
    assert response.read() == b"p { color: red }"
    assert response.content_type == "text/css"
    assert fetcher.refused == ["http://127.0.0.1/static/css/print.css"]


def test_outside_an_app_the_static_folder_is_explicit(app):
    with pytest.raises(RenderError, match="static_folder"):
        render_pdf("<p>Hej</p>")

    pdf = render_pdf(AGENDA, static_folder=app.static_folder)
    assert "Föredragningslista" in read(pdf).pages[0].extract_text()


def test_weasyprint_failure_is_a_render_error(app, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("layout exploded")

    monkeypatch.setattr(render.HTML, "render", broken)
    with app.app_context(), pytest.raises(RenderError, match="layout exploded"):
        render_pdf(AGENDA)
