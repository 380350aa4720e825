"""The agenda editor's order in a real browser (static/js/agenda-order.js): an item dragged by
its handle, and moved by the keyboard on the same handle, is saved in its new place and the
agenda is numbered again."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.agenda.services import add_item
from app.extensions import db
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.record.helpers import make_committee, new_meeting

pytestmark = pytest.mark.browser

STINA = "stina@sala.se"


@pytest.fixture
def meeting_id(app, factory) -> int:
    """Kulturnämnden's meeting with the standing items and three items of its own."""
    ids = make_committee(factory)
    factory.user(STINA, person_id=ids["stina"])
    with app.test_request_context():
        meeting = new_meeting(ids["body"], "2031-03-14")
        for title in ("Alfa", "Beta", "Gamma"):
            add_item(None, meeting, title=title)
        db.session.commit()
        return meeting.id


def _own_titles(app, meeting_id: int) -> list[str]:
    with app.app_context():
        items = db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id, AgendaItem.standard_kind.is_(None))
            .order_by(AgendaItem.position)
        )
        return [item.title for item in items]


def _item(page: Page, title: str):
    return page.locator("ul.agenda-editor > li").filter(has=page.locator("h3", has_text=title))


def test_an_item_is_dragged_or_moved_by_keyboard_and_numbered_again(app, meeting_id, new_page):
    page = new_page()
    log_in(page, STINA, PASSWORD)
    page.goto(f"/meetings/{meeting_id}/agenda")
    gamma_handle = _item(page, "Gamma").locator(".drag-handle")
    expect(gamma_handle).to_be_visible()

    # Gamma dragged onto the top half of Alfa: it goes before it.
    gamma_handle.drag_to(_item(page, "Alfa"), target_position={"x": 40, "y": 4})
    expect(page.get_by_text("Ordningen ändrades och punkterna numrerades om.")).to_be_visible()
    assert _own_titles(app, meeting_id) == ["Gamma", "Alfa", "Beta"]

    # By keyboard: Beta's handle, arrow up twice, Enter.
    handle = _item(page, "Beta").locator(".drag-handle")
    handle.focus()
    handle.press("ArrowUp")
    handle.press("ArrowUp")
    expect(page.locator("#item-order-status")).to_have_text("Plats 5 av 8")
    handle.press("Enter")
    expect(page.get_by_text("Ordningen ändrades och punkterna numrerades om.")).to_be_visible()
    assert _own_titles(app, meeting_id) == ["Beta", "Gamma", "Alfa"]
    expect(_item(page, "Beta").locator(".number")).to_have_text("5")
