"""The record of one item in a real browser: text typed in the decision form is never lost
when the secretary goes on to another form on the page (static/js/record-item.js); a final
decision forwarded from the record page."""

import re

import pytest
from playwright.sync_api import Page, expect

from app.agenda.models import AgendaItem
from app.agenda.services import add_item
from app.core.audit import snapshot
from app.extensions import db
from app.meetings.models import RecordStatus
from app.record.services import start_record, update_decision
from tests.browser.conftest import log_in, pick
from tests.conftest import PASSWORD
from tests.record.helpers import add_case_item, make_committee, new_meeting

pytestmark = pytest.mark.browser

STINA = "stina@sala.se"
DECISION = "Kulturnämnden fördelar bidragen till kulturföreningarna enligt bilaga 1."
MOTION = "Bidraget till Sala spelmanslag höjs till 25 000 kr."
THEIRS = "Kulturnämnden återremitterar ärendet till förvaltningen."


@pytest.fixture
def item_id(app, factory) -> int:
    """An item of Kulturnämnden's meeting whose record Stina, its secretary, has started."""
    ids = make_committee(factory)
    factory.user(STINA, person_id=ids["stina"])
    with app.test_request_context():
        meeting = new_meeting(ids["body"], "2025-03-14")
        item = add_case_item(meeting, ids)
        start_record(None, meeting)
        db.session.commit()
        return item.id


def _open_item(page: Page, item_id: int) -> None:
    log_in(page, STINA, PASSWORD)
    page.goto(f"/items/{item_id}/record")
    expect(page.get_by_label("Beslut", exact=True)).to_be_visible()


def _add_motion(page: Page) -> None:
    motion = page.locator("#motion form")
    pick(motion, "Yrkande av", "Bo Ek (M)")
    motion.get_by_label("Lydelse").fill(MOTION)
    motion.get_by_role("button", name="Lägg till yrkandet").click()


def _saved_decision(app, item_id: int) -> str:
    with app.app_context():
        return db.session.get(AgendaItem, item_id).decision.text


def test_decision_typed_then_a_motion_added_keeps_both(app, item_id, new_page):
    stina = new_page()
    _open_item(stina, item_id)
    stina.get_by_label("Beslut", exact=True).fill(DECISION)
    # She adds Bo's yrkande without pressing the decision form's Spara.
    _add_motion(stina)
    expect(stina.get_by_text("Protokollet för punkten har sparats.")).to_be_visible()
    expect(stina.get_by_text("Sparat.", exact=True)).to_be_visible()

    stina.reload()
    expect(stina.get_by_label("Beslut", exact=True)).to_have_value(DECISION)
    expect(stina.locator("#motion").get_by_text(MOTION)).to_be_visible()
    assert _saved_decision(app, item_id) == DECISION


def _saved_by_someone_else(app, item_id: int) -> int:
    """Another secretary saves the decision (THEIRS) after the page was opened; its version."""
    with app.test_request_context():
        item = db.session.get(AgendaItem, item_id)
        update_decision(None, item, item.decision.version, text=THEIRS)
        db.session.commit()
        return snapshot(item.decision)["version"]


def test_a_conflicting_decision_stops_the_other_form_and_says_why(
    app, item_id, new_page, screenshots, axe_scan
):
    stina = new_page()
    _open_item(stina, item_id)
    # Someone else saves the decision after Stina opened the page.
    theirs_version = _saved_by_someone_else(app, item_id)

    stina.get_by_label("Beslut", exact=True).fill(DECISION)
    _add_motion(stina)

    alert = stina.locator("#decision-status")
    expect(alert).to_contain_text("Beslutet sparades inte, och inget annat skickades.")
    expect(alert).to_contain_text("Någon annan ändrade")
    # The other version is shown beside what she typed; nothing was overwritten or added.
    expect(stina.get_by_role("heading", name="Den sparade versionen")).to_be_visible()
    expect(stina.locator("section.conflict").get_by_text(THEIRS)).to_be_visible()
    expect(stina.get_by_label("Beslut", exact=True)).to_have_value(DECISION)
    expect(stina.locator("#motion form").get_by_label("Lydelse")).to_have_value(MOTION)
    screenshots(stina, "decision-conflict")  # and scanned for accessibility
    assert _saved_decision(app, item_id) == THEIRS
    with app.app_context():
        item = db.session.get(AgendaItem, item_id)
        assert item.motions == [] and item.decision.version == theirs_version

    # Pressing the yrkande's button again does not overwrite their version on the way.
    stina.locator("#motion form").get_by_role("button", name="Lägg till yrkandet").click()
    expect(alert).to_contain_text("Inget skickades")
    assert _saved_decision(app, item_id) == THEIRS

    # Her own Spara is the deliberate choice: it saves her text over theirs. The yrkande she
    # typed is not added by it, and she is asked before it is lost.
    with stina.expect_event("dialog") as asked:
        stina.once("dialog", lambda dialog: dialog.accept())
        stina.get_by_role("button", name="Spara").first.click()
    assert "Yrkanden" in asked.value.message
    expect(stina.get_by_text("Protokollet för punkten har sparats.")).to_be_visible()
    assert _saved_decision(app, item_id) == DECISION
    axe_scan.assert_nothing_serious()


def test_leaving_with_unsaved_decision_text_asks_first(app, item_id, new_page):
    stina = new_page()
    _open_item(stina, item_id)
    stina.get_by_label("Beslut", exact=True).fill(DECISION)
    stina.on("dialog", lambda dialog: dialog.dismiss())  # she stays
    with stina.expect_event("dialog") as asked:
        stina.get_by_role("link", name="Tillbaka till protokollet").click()
    assert asked.value.type == "beforeunload"
    expect(stina).to_have_url(re.compile(rf"/items/{item_id}/record$"))
    expect(stina.get_by_label("Beslut", exact=True)).to_have_value(DECISION)


def test_a_final_decision_is_forwarded_for_information_from_the_record_page(
    app, factory, new_page, screenshots, axe_scan
):
    board = factory.body("Kommunstyrelsen")
    ids = make_committee(factory, parent_id=board)
    factory.user(STINA, person_id=ids["stina"])
    with app.test_request_context():
        meeting = new_meeting(ids["body"], "2025-03-14")
        item = add_case_item(meeting, ids)
        start_record(None, meeting)
        meeting.record_status = RecordStatus.FINAL  # justerat
        target = new_meeting(board, "2025-04-10")
        listing = add_item(None, target, title="Anmälningar för kännedom")
        db.session.commit()
        meeting_id, item_title, listing_id = meeting.id, item.title, listing.id

    stina = new_page()
    log_in(stina, STINA, PASSWORD)
    stina.goto(f"/meetings/{meeting_id}/record")
    # Only the decided items that are not standing ones can go; here that is the one item.
    forward = stina.locator("details.forward")
    expect(forward).to_have_count(1)
    expect(forward.locator("summary")).to_contain_text(item_title)
    forward.locator("summary").click()
    forward.get_by_label("Sammanträde i det överordnade organet").select_option(
        label="Kommunstyrelsen 2025-04-10"
    )
    forward.get_by_label("Skickas").select_option(label="För kännedom: förs in bland anmälningarna")
    screenshots(stina, "forward-form")  # and scanned for accessibility
    forward.get_by_role("button", name="Skicka beslutet vidare", exact=True).click()
    expect(
        stina.get_by_text(
            "Beslutet har skickats vidare för kännedom: det finns bland anmälningarna till "
            "Kommunstyrelsen 2025-04-10."
        )
    ).to_be_visible()
    with app.app_context():
        notices = db.session.get(AgendaItem, listing_id).notices
        assert [(n.case_number, n.title) for n in notices] == [
            ("2025/17", f"Utdrag ur protokoll Kulturnämnden 2025-03-14 § 5 – {item_title}")
        ]
    axe_scan.assert_nothing_serious()


def test_after_a_conflict_on_saving_the_decision_its_text_is_still_kept(app, item_id, new_page):
    """The decision's own Spara met a version saved by someone else: the page shows both, and
    what she typed stays unsaved, so another form neither drops it nor saves it over theirs."""
    stina = new_page()
    _open_item(stina, item_id)
    _saved_by_someone_else(app, item_id)
    stina.get_by_label("Beslut", exact=True).fill(DECISION)
    stina.get_by_role("button", name="Spara").first.click()
    expect(stina.get_by_role("heading", name="Den sparade versionen")).to_be_visible()

    _add_motion(stina)
    expect(stina.locator("#decision-status")).to_contain_text("Inget skickades")
    expect(stina.get_by_label("Beslut", exact=True)).to_have_value(DECISION)
    assert _saved_decision(app, item_id) == THEIRS
    with app.app_context():
        assert db.session.get(AgendaItem, item_id).motions == []

    stina.on("dialog", lambda dialog: dialog.dismiss())  # she stays
    with stina.expect_event("dialog") as asked:
        stina.get_by_role("link", name="Tillbaka till protokollet").click()
    assert asked.value.type == "beforeunload"


def test_text_typed_in_another_part_is_asked_about_before_it_is_lost(app, item_id, new_page):
    stina = new_page()
    _open_item(stina, item_id)
    note = "Cia Lund (C) antecknar att hon hade önskat en längre beredning."
    stina.locator("#note form").get_by_label("Anteckning").fill(note)
    questions = []

    def answer(dialog) -> None:
        questions.append(dialog.message)
        dialog.dismiss()  # she stays, to add the note first

    stina.on("dialog", answer)
    _add_motion(stina)
    expect(stina.locator("#note form").get_by_label("Anteckning")).to_have_value(note)
    assert questions and "Protokollsanteckningar" in questions[0], questions
    with app.app_context():
        assert db.session.get(AgendaItem, item_id).motions == []  # nothing was sent
