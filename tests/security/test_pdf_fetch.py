"""User text cannot make the PDF renderer read a file or the network: end to end, from the form.

tests/documents/test_render.py hands hostile HTML to the renderer directly; here the secretary
types the references into an agenda item's fields through the real form, and the agenda PDF is
rendered from them. Three locks are checked at once: the text is sanitised (no <img> or
image Markdown survives into the HTML), the fetcher is asked only for static files, and, seen
from the interpreter itself (an audit hook on every file opened and every connection made),
no file outside the application's static folder is opened and no connection is made.
"""

import socket
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.bodies.models import Body
from app.documents import render
from app.documents.render import StaticFileFetcher
from app.extensions import db
from app.meetings.models import Meeting
from tests.conftest import ELIN
from tests.security.helpers import form_data, forms_on, pdf_text

# Opened files and connections while ``_watching`` holds a list (an audit hook cannot be
# removed, so it is installed once and only records while a test asks it to).
_watching: list[list[tuple[str, str]]] = []


def _audit(event: str, args: tuple) -> None:
    if not _watching:
        return
    if event == "open" and args and isinstance(args[0], (str, bytes, Path)):
        path = args[0].decode() if isinstance(args[0], bytes) else str(args[0])
        _watching[-1].append(("open", path))
    elif event == "socket.connect":
        _watching[-1].append(("connect", repr(args[1:])))


sys.addaudithook(_audit)


@pytest.fixture
def watched():
    seen: list[tuple[str, str]] = []
    _watching.append(seen)
    yield seen
    _watching.remove(seen)


@pytest.fixture
def fetchers(monkeypatch) -> list[StaticFileFetcher]:
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


def test_references_typed_into_an_item_fetch_nothing(
    app, demo, make_client, login_demo, fetchers, no_network, watched, tmp_path
):
    canary = tmp_path / "canary.png"
    canary.write_bytes(b"\x89PNG\r\n\x1a\n not an image: must never be read")
    watched.clear()  # writing it was the test, not the application
    hostile = {
        "title": 'Bilaga <img src="file:///etc/passwd"> slut',
        "summary": (
            '<img src="file:///etc/passwd">\n\n'
            "![x](http://example.com/x.png)\n\n"
            f"![canary]({canary.as_uri()})\n\n"
            '<link rel="stylesheet" href="http://example.com/x.css">'
        ),
        "proposal": f'<img src="{canary.as_uri()}"> ![y](https://example.com/y.png)',
    }
    with app.app_context():
        body_id = db.session.scalar(
            select(Body.id).where(Body.name == "Strategisk regional beredning")
        )
        meeting_id = db.session.scalar(
            select(Meeting.id).where(Meeting.body_id == body_id, Meeting.is_illustrative)
        )
    elin = make_client()
    login_demo(elin, ELIN)
    url = f"/meetings/{meeting_id}/items/new"
    page = elin.get(url).get_data(as_text=True)
    form = next(f for f in forms_on(page, url) if f.method == "post" and f.action == url)
    assert elin.post(url, data=form_data(form, hostile)).status_code == 302
    with app.app_context():
        item = db.session.scalar(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.id.desc())
        )
        # The tags were taken out on input (app.core.text.strip_markup); the Markdown image
        # references are text and reach the renderer, which must not fetch them either.
        assert "<img" not in item.summary and "<link" not in item.summary
        assert "![x](http://example.com/x.png)" in item.summary
        assert "<img" not in item.title and "<img" not in item.proposal

    pdf = elin.get(f"/meetings/{meeting_id}/foredragningslista.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert "Bilaga" in text and "slut" in text  # the item is in the PDF
    assert "root:" not in text and b"root:" not in pdf.data
    assert b"must never be read" not in pdf.data

    assert fetchers, "the agenda PDF was not rendered through the fetcher"
    static = Path(app.static_folder).resolve()
    for fetcher in fetchers:
        for served in fetcher.served:
            assert fetcher.static_path(served).is_relative_to(static), served
        # The sanitiser already dropped every reference: none even reached the fetcher to be
        # refused (tests/documents/test_render.py shows the fetcher refusing them).
        assert fetcher.refused == []
    opened = {path for kind, path in watched if kind == "open"}
    assert "/etc/passwd" not in opened
    assert str(canary) not in opened
    assert not [kind for kind, _path in watched if kind == "connect"]
    assert no_network == []
