"""Many files onto an item in a real browser (static/js/uploads.js): three files dropped on
the item's documents (one a Word file), each with a title field filled from its file name and
changed before uploading; the Word file converted to PDF while the request waits."""

import base64
import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.agenda import services
from app.agenda.models import AgendaItem
from app.bodies.models import Body
from app.documents.render import render_pdf
from app.extensions import db
from tests.agenda.helpers import make_committee
from tests.agenda.test_many_files import require_soffice
from tests.browser.conftest import in_thread, log_in
from tests.conftest import PASSWORD
from tests.documents.office_files import docx

pytestmark = pytest.mark.browser

ELIN = "elin@example.se"


@pytest.fixture
def item_id(app, factory) -> int:
    ids = make_committee(factory)
    with app.test_request_context():
        body = db.session.get(Body, ids["body"])
        meeting = services.schedule_meeting(None, body, meeting_date=date(2031, 2, 14))
        item = services.add_item(None, meeting, title="Kulturstrategi")
        db.session.commit()
        return item.id


def _drop(page: Page, selector: str, files: dict[str, tuple[bytes, str]]) -> None:
    """Drop ``files`` (name: (content, type)) on the element, as dragging them from the
    desktop does."""
    payload = {
        name: (base64.b64encode(content).decode(), kind) for name, (content, kind) in files.items()
    }
    transfer = page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const [name, [data, type]] of Object.entries(files)) {
                const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
                transfer.items.add(new File([bytes], name, { type }));
            }
            return transfer;
        }""",
        payload,
    )
    page.dispatch_event(selector, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def test_three_files_dropped_on_an_item_each_titled_and_the_word_file_converted(
    app, item_id, new_page
):
    require_soffice()
    with app.app_context():
        pdf = render_pdf("<html lang='sv'><p>Analys av kulturlivet</p></html>")
        other = render_pdf("<html lang='sv'><p>Remissvar</p></html>")
    word = docx("Förslag till kulturstrategi 2031")
    elin = new_page()
    log_in(elin, ELIN, PASSWORD)
    elin.goto(f"/items/{item_id}/edit")
    expect(elin.get_by_text("Eller släpp filerna på den här delen av sidan.")).to_be_visible()
    _drop(
        elin,
        "#documents",
        {
            "Bilaga_1_Analys.pdf": (pdf, "application/pdf"),
            "Remissvar_kommunerna.pdf": (other, "application/pdf"),
            "Tjänsteskrivelse_kulturstrategi.docx": (
                word,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
        },
    )
    titles = elin.locator("#upload-titles input")
    expect(titles).to_have_count(3)
    expect(titles.nth(0)).to_have_value("Bilaga 1 Analys")
    expect(titles.nth(2)).to_have_value("Tjänsteskrivelse kulturstrategi")
    titles.nth(1).fill("Bilaga 2 Remissvar från kommunerna")
    elin.get_by_role("button", name="Ladda upp", exact=True).click()
    expect(elin.locator(".flash-success")).to_contain_text(
        "3 handlingar bifogades: ”Bilaga 1 Analys”, ”Bilaga 2 Remissvar från kommunerna”, "
        "”Tjänsteskrivelse kulturstrategi”."
    )
    expect(elin.locator(".flash-error")).to_have_count(0)

    def saved() -> list[tuple[str, bool]]:
        with app.app_context():
            item = db.session.scalar(select(AgendaItem).where(AgendaItem.id == item_id))
            return [(link.document.title, link.document.has_file) for link in item.documents]

    assert in_thread(saved) == [
        ("Bilaga 1 Analys", True),
        ("Bilaga 2 Remissvar från kommunerna", True),
        ("Tjänsteskrivelse kulturstrategi", True),
    ]
    expect(elin.locator("#documents")).not_to_contain_text(re.compile("Konverteras"))
