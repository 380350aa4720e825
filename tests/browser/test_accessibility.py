"""axe-core (bundled with axe-playwright-python, nothing fetched) scans the main pages in
Chromium, as an anonymous reader, as the secretary and as a justerare, for WCAG 2.1 A and AA:
no violation may be serious or critical.

The pages hold the demo data after the demo cycle (SRB's protokoll justerat, signed and
posted), and a second SRB meeting whose record is a draft, so the secretary's record forms are
scanned with real content. Every finding, of any impact, is written to
test-artifacts/e2e/<test>-axe.txt.
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.bodies.models import Body
from app.demo.cycle import run_srb_cycle, srb_meeting
from app.extensions import db
from app.justering.services import rounds_of
from app.people.models import Person
from app.publication.models import Posting
from app.record.services import start_record
from tests.browser.conftest import in_thread, log_in
from tests.conftest import DEMO_PASSWORD, ELIN, JOHANNA
from tests.record.helpers import add_case_item, new_meeting

pytestmark = pytest.mark.browser


def _seed(app) -> dict[str, int]:
    """The demo cycle (it signs: see ``in_thread``) and a draft record."""
    with app.test_request_context():
        assert run_srb_cycle()
        db.session.commit()
        justerat = srb_meeting()
        body = justerat.body
        item = next(i for i in justerat.items if i.is_public and i.decision is not None)
        posting = db.session.scalar(select(Posting.id))
        round_id = rounds_of(justerat)[-1].id
        johanna = db.session.scalar(select(Person).where(Person.email == JOHANNA))
        # A later meeting whose record is being written: the secretary's forms.
        draft = new_meeting(body.id, "2024-06-14")
        draft_item = add_case_item(draft, {"bo": johanna.id})
        start_record(None, draft)
        db.session.commit()
        ids = {
            "body": body.id,
            "organisation": body.organisation_id,
            "meeting": justerat.id,
            "item": item.id,
            "posting": posting,
            "round": round_id,
            "person": johanna.id,
            "draft": draft.id,
            "draft_item": draft_item.id,
        }
    return ids


@pytest.fixture
def pages(app, demo) -> dict[str, list[str]]:
    """The URLs to scan for each visitor, on the demo data after the demo cycle."""
    ids = in_thread(lambda: _seed(app))
    public = [
        "/",
        "/login",
        "/bodies/",
        "/bodies/{body}",
        "/bodies/{body}/plan?year=2024",
        "/organisations/{organisation}/plan?year=2024",
        "/meetings/{meeting}",
        "/meetings/{meeting}/record",
        "/protokoll/{meeting}",
        "/anslagstavla",
        "/anslagstavla/{posting}",
        "/search?q=m%C3%A5lbild",
        "/people/{person}",
        "/beslut",
        "/uppdrag",
        "/verifiera",
    ]
    secretary = [
        "/",
        "/bodies/{body}",
        "/meetings/{meeting}",
        "/meetings/{meeting}/agenda",
        "/meetings/{meeting}/record",
        "/meetings/{meeting}/anslag",
        "/items/{item}/edit",
        "/bodies/{body}/meetings/new",
        "/bodies/{body}/plan?year=2024",
        "/bodies/{body}/plan/new",
        "/meetings/{draft}/record",
        "/meetings/{draft}/attendance",
        "/items/{draft_item}/record",
        "/people/{person}",
        "/search?q=m%C3%A5lbild",
        "/beslut",
    ]
    justerare = ["/", "/justering/{round}", "/people/{person}"]
    return {
        "anonymous": [url.format(**ids) for url in public],
        ELIN: [url.format(**ids) for url in secretary],
        JOHANNA: [url.format(**ids) for url in justerare],
    }


def test_main_pages_have_no_serious_accessibility_violations(pages, new_page, axe_scan):
    for who, urls in pages.items():
        page = new_page()
        if who != "anonymous":
            log_in(page, who, DEMO_PASSWORD)
        for url in urls:
            response = page.goto(url)
            assert response is not None and response.ok, f"{who} {url}: {response.status}"
            axe_scan(page, f"{who} {url}")
    axe_scan.assert_nothing_serious()


def test_forms_with_errors_have_no_serious_accessibility_violations(app, demo, new_page, axe_scan):
    """Forms sent back with their errors: the messages, the marked fields."""
    with app.app_context():
        srb = db.session.scalar(select(Body.id).where(Body.short_name == "SRB"))
    reader = new_page()
    reader.goto("/login")
    reader.get_by_label("E-post", exact=True).fill("inte-en-adress")
    reader.get_by_role("button", name="Logga in").click()
    expect(reader.locator(".field.has-error").first).to_be_visible()
    axe_scan(reader, "anonymous /login with errors")

    elin = new_page()
    log_in(elin, ELIN, DEMO_PASSWORD)
    elin.goto(f"/bodies/{srb}/meetings/new")
    elin.get_by_role("button", name="Spara").click()
    expect(elin.locator(".field.has-error").first).to_be_visible()
    axe_scan(elin, f"{ELIN} /bodies/{srb}/meetings/new with errors")
    axe_scan.assert_nothing_serious()
