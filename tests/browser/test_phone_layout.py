"""A phone (390 × 844): the register, the meeting pages and the anslagstavla fit the width
without the page scrolling sideways (a wide table scrolls in its own box), the anslagstavla's
dates do not wrap, and a people picker is used by keyboard on the attendance page."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import in_thread, log_in
from tests.browser.test_accessibility import _seed
from tests.conftest import DEMO_PASSWORD, ELIN

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PUBLIC = [
    "/anslagstavla",
    "/anslagstavla/{posting}",
    "/beslut",
    "/uppdrag",
    "/bodies/{body}",
    "/meetings/{meeting}",
    "/meetings/{meeting}/record",
    "/protokoll/{meeting}",
]
SECRETARY = [
    "/beslut",
    "/meetings/{meeting}",
    "/meetings/{meeting}/agenda",
    "/meetings/{draft}/record",
    "/meetings/{draft}/attendance",
]


def _fits(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: {response.status}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{url} is {width} px wide on a 390 px phone"


def test_pages_fit_a_phone_and_the_picker_filters_as_you_type(app, demo, new_page):
    ids = in_thread(lambda: _seed(app))
    reader = new_page()
    reader.set_viewport_size(PHONE)
    for url in PUBLIC:
        _fits(reader, url.format(**ids))
    # The anslagstavla's dates stay on one line each.
    reader.goto("/anslagstavla")
    dates = reader.locator(".board .date")
    assert dates.count() > 0
    for i in range(dates.count()):
        cell = dates.nth(i)
        assert cell.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"

    elin = new_page()
    log_in(elin, ELIN, DEMO_PASSWORD)
    elin.set_viewport_size(PHONE)
    for url in SECRETARY:
        _fits(elin, url.format(**ids))
    # On the attendance page: "Add someone" searches as you type, and the keyboard chooses.
    choices = elin.locator("select#add-person_id option")
    wanted, label = choices.first.get_attribute("value"), choices.first.inner_text()
    assert choices.count() > 1
    combobox = elin.get_by_role("combobox", name="Person", exact=True)
    expect(combobox).to_be_visible()
    combobox.fill(label.split(" (")[0])
    listbox = elin.get_by_role("listbox")
    expect(listbox).to_be_visible()
    shown = listbox.get_by_role("option")
    assert 0 < shown.count() < choices.count()
    for text in shown.all_inner_texts():
        assert label.split(" (")[0].lower() in text.lower()
    combobox.press("ArrowDown")
    combobox.press("Enter")
    expect(listbox).to_be_hidden()
    expect(combobox).to_have_value(label)
    assert elin.locator("select#add-person_id").input_value() == wanted
    assert elin.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
