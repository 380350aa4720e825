"""The whole journey of a protokoll in a real browser, as the people doing it click through it.

Stina, the nämnd's secretary, creates a meeting, builds the agenda, uploads a beslutsunderlag,
fixes the agenda and sends the kallelse; she starts the record, records who was there and
the decision, fills in the justering's details, signs and sends the protokoll to justering.
Anna (the chair) and Bo (the justerare) each find it on their start page and approve it.
Stina posts the anslag. Someone without a login finds the decision on the anslagstavla and by
search, and downloads the public PDF.

Only the organisation, the nämnd, its members and the accounts come from the factory; every
step after that is a form filled in and a button pressed. Each step leaves a screenshot in
test-artifacts/e2e/, and its page is scanned with axe-core like the main pages.
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.documents.render import render_pdf
from app.extensions import db
from app.people.models import Person
from app.publication.services import appeal_last_day, local_today
from tests.browser.conftest import confirm, log_in, pick
from tests.conftest import PASSWORD
from tests.justering.pki import personal_certificates
from tests.record.helpers import make_committee, pdf_text, without_page_furniture

pytestmark = pytest.mark.browser

STINA = "stina@sala.se"
ANNA = "anna@sala.se"
BO = "bo@sala.se"
EMAILS = {
    "anna": ANNA,
    "bo": BO,
    "cia": "cia@sala.se",
    "dan": "dan@sala.se",
    "eva": "eva@sala.se",
    "fia": "fia@sala.se",
    "gus": "gus@sala.se",
    "stina": STINA,
}
ITEM = "Bidrag till kulturföreningar 2025"
CASE = "2025/17"
PROPOSAL = "Bidragen fördelas enligt förvaltningens förslag."
DECISION = "Kulturnämnden fördelar bidragen till kulturföreningarna enligt bilaga 1."
ATTACHMENT = "Bilaga 1 Fördelning av bidragen"
NO_OTHER_BUSINESS = "Inga övriga frågor anmäldes."
PLACE_TIME = "Stadshuset, digital justering"


@pytest.fixture
def committee(app, factory):
    """Kulturnämnden in Sala: five ledamöter (Anna chairs), two ersättare and Stina, its
    secretary; logins for Stina, Anna and Bo, and everyone's email address for the kallelse."""
    ids = make_committee(factory)
    for key, email in (("stina", STINA), ("anna", ANNA), ("bo", BO)):
        factory.user(email, person_id=ids[key])
    with app.app_context():
        for key, email in EMAILS.items():
            db.session.get(Person, ids[key]).email = email
        db.session.commit()
    signatories = [("Stina Sekreterare", STINA), ("Anna Berg", ANNA), ("Bo Ek", BO)]
    with personal_certificates(app, signatories):
        yield ids


@pytest.fixture
def beslutsunderlag(app, tmp_path):
    """A real, small PDF on disk, as the secretary has it from the förvaltning."""
    with app.app_context():
        pdf = render_pdf(
            '<!doctype html><html lang="sv"><head><title>Fördelning</title></head><body>'
            "<h1>Fördelning av bidrag till kulturföreningar 2025</h1>"
            "<p>Sala spelmanslag 20 000 kr. Teaterföreningen Kulissen 35 000 kr.</p>"
            "</body></html>"
        )
    path = tmp_path / "bilaga-1-fordelning.pdf"
    path.write_bytes(pdf)
    return path


def _panel(page: Page, heading: str):
    """The section whose heading begins with ``heading`` (one per person on the attendance)."""
    return page.locator("section").filter(
        has=page.get_by_role("heading", name=re.compile(rf"^{re.escape(heading)}"))
    )


def test_protokoll_journey(
    app, committee, beslutsunderlag, new_page, smtp_server, screenshots, axe_scan
):
    today = local_today()
    held = today - timedelta(days=1)  # the record is justerat after the meeting
    stina = new_page()

    # -- Stina logs in and creates the meeting from the nämnd's page ---------------------------
    log_in(stina, STINA, PASSWORD)
    screenshots(stina, "secretary-start-page")
    stina.goto(f"/bodies/{committee['body']}")
    stina.get_by_role("link", name="Nytt sammanträde").click()
    stina.get_by_label("Datum").fill(held.isoformat())
    stina.get_by_label("Börjar").fill("13:00")
    stina.get_by_label("Slutar").fill("15:30")
    stina.get_by_label("Lokal").fill("Sammanträdesrum Kronan")
    stina.get_by_label("Byggnad").fill("Stadshuset")
    stina.get_by_label("Adress").fill("Stora torget 1, Sala")
    stina.get_by_label("Justerare").select_option(label="Bo Ek (M)")
    screenshots(stina, "new-meeting-form")
    stina.get_by_role("button", name="Spara").click()
    expect(
        stina.get_by_text("Sammanträdet har skapats med organets stående punkter.")
    ).to_be_visible()
    agenda_url = stina.url
    meeting_id = int(re.search(r"/meetings/(\d+)/agenda", agenda_url).group(1))

    # -- the agenda: a new item with a diarienummer and a proposal ---------------------------
    stina.get_by_role("link", name="Ny punkt").click()
    stina.get_by_label("Titel").fill(ITEM)
    stina.get_by_label("Diarienummer").fill(CASE)
    stina.get_by_label("Förslag till beslut").fill(PROPOSAL)
    stina.get_by_role("button", name="Spara").click()
    expect(stina.get_by_role("heading", name="Beslutsunderlag")).to_be_visible()

    # -- the beslutsunderlag: a PDF uploaded with the file chooser, its title typed -----------
    upload = stina.locator("form", has=stina.get_by_role("heading", name="Ladda upp filer"))
    upload.get_by_label("Filer").set_input_files(beslutsunderlag)
    # The chosen file gets a title field of its own, filled from its name and editable.
    title = upload.get_by_label(beslutsunderlag.name)
    expect(title).to_have_value(beslutsunderlag.stem.replace("_", " "))
    title.fill(ATTACHMENT)
    upload.get_by_role("button", name="Ladda upp").click()
    expect(stina.get_by_text(f"”{ATTACHMENT}” bifogades.")).to_be_visible()
    expect(stina.locator("#documents li").filter(has_text=ATTACHMENT)).to_be_visible()
    screenshots(stina, "item-with-beslutsunderlag")

    # -- fastställd and sent -----------------------------------------------------------------
    stina.goto(agenda_url)
    expect(stina.get_by_role("heading", name=re.compile(ITEM))).to_be_visible()
    stina.get_by_role("button", name="Fastställ föredragningslistan").click()
    expect(stina.get_by_text("Föredragningslistan är fastställd.", exact=False)).to_be_visible()
    confirm(stina, "Skicka kallelse", "Ja, skicka kallelsen")
    expect(stina.get_by_text("Kallelsen har skickats till 7 mottagare.")).to_be_visible()
    received = smtp_server.wait_for(7)
    screenshots(stina, "kallelse-sent")
    recipients = {address for m in received for address in m["rcpt_tos"]}
    assert recipients == set(EMAILS.values()) - {STINA}
    kallelse = received[0]["message"]
    assert any(part.get_content_type() == "application/pdf" for part in kallelse.iter_attachments())

    # -- the record: started, attendance, the decision, the justering's details ---------------
    stina.goto(f"/meetings/{meeting_id}")
    stina.get_by_role("link", name="Arbeta med protokollet").click()
    stina.get_by_role("button", name="Påbörja protokollet").click()
    record_url = stina.url
    stina.get_by_role("link", name="Närvaro").click()
    # Eva was away; Fia (ersättare) served in her place.
    _panel(stina, "Eva Sten").get_by_role("button", name="Ta bort från listan").click()
    expect(stina.get_by_role("heading", name=re.compile("^Eva Sten"))).to_have_count(0)
    fia = _panel(stina, "Fia Ros")
    fia.get_by_label("Deltar som").select_option(label="Beslutande ledamöter")
    pick(fia, "Ersätter", "Eva Sten (KD)")
    fia.get_by_role("button", name="Spara").click()
    expect(
        stina.get_by_role("heading", name=re.compile("Fia Ros.*ersätter Eva Sten"))
    ).to_be_visible()
    screenshots(stina, "attendance")

    # The decision on the new item, and on Övriga frågor (a standing item with no proposal).
    for title, decision in ((ITEM, DECISION), ("Övriga frågor", NO_OTHER_BUSINESS)):
        stina.goto(record_url)
        stina.get_by_role("link", name=f"Redigera protokollet för den här punkten {title}").click()
        stina.get_by_label("Beslut", exact=True).fill(decision)
        stina.get_by_role("button", name="Spara").first.click()
        expect(stina.get_by_text(decision).first).to_be_visible()
    screenshots(stina, "decisions")

    stina.goto(record_url)
    details = stina.locator("details.record-details")
    if not details.get_attribute("open"):
        details.locator("summary").click()
    details.get_by_label("Justeringens plats och tid").fill(PLACE_TIME)
    details.get_by_role("button", name="Spara").click()
    expect(stina.get_by_text(PLACE_TIME).first).to_be_visible()
    expect(stina.get_by_text("Kvar att göra:")).to_have_count(0)
    screenshots(stina, "record-ready")

    # -- signed and sent to justering: the chair and the justerare are asked by mail ----------
    confirm(stina, "Signera och skicka på justering", "Ja, signera och skicka")
    expect(
        stina.get_by_text("Protokollet är signerat av dig och skickat på justering.")
    ).to_be_visible()
    asked = smtp_server.wait_for(len(received) + 2)[len(received) :]
    assert sorted(a for m in asked for a in m["rcpt_tos"]) == [ANNA, BO]
    screenshots(stina, "sent-to-justering")

    # -- Anna and Bo each find it on their start page and approve --------------------------
    for email, who in ((ANNA, "chair"), (BO, "justerare")):
        signatory = new_page()
        log_in(signatory, email, PASSWORD)
        to_sign = signatory.locator(
            "section", has=signatory.get_by_role("heading", name="Att justera")
        )
        to_sign.get_by_role("link", name=re.compile("^Protokoll Kulturnämnden")).click()
        expect(
            signatory.get_by_role("heading", name=re.compile("Justering av protokollet"))
        ).to_be_visible()
        expect(signatory.get_by_text(DECISION)).to_be_visible()
        screenshots(signatory, f"{who}-reads")
        confirm(signatory, "Godkänn och signera", "Ja, godkänn och signera")
        expect(signatory.get_by_text("Du har godkänt och signerat protokollet.")).to_be_visible()
        screenshots(signatory, f"{who}-approved")

    # -- Stina posts the anslag ---------------------------------------------------------------
    stina.goto(record_url)
    stina.get_by_role("link", name="Anslag", exact=True).click()
    screenshots(stina, "anslag-form")
    confirm(stina, "Sätt upp anslaget", "Ja, sätt upp anslaget")
    expect(stina.get_by_role("link", name="Anslagsbevis (PDF)")).to_be_visible()
    screenshots(stina, "anslag-posted")

    # -- an anonymous reader: the anslagstavla, the protokoll, search, the PDF ------------------
    reader = new_page()
    reader.goto("/")
    reader.get_by_role("link", name="Anslagstavla").click()
    row = reader.get_by_role("row").filter(has_text="Kulturnämnden")
    expect(row).to_contain_text(today.isoformat())
    expect(row).to_contain_text(appeal_last_day(today).isoformat())
    screenshots(reader, "anslagstavla")
    row.get_by_role("link").first.click()
    expect(
        reader.get_by_role("heading", name=re.compile("^Protokoll Kulturnämnden"))
    ).to_be_visible()
    screenshots(reader, "notice")
    reader.get_by_role("link", name="Läs protokollet").click()
    expect(reader.get_by_text(DECISION).first).to_be_visible()
    screenshots(reader, "public-protokoll")

    # The search box in the header: the decision is found by another form of its words.
    reader.get_by_label("Sök i föredragningslistor, beslut och dokument").fill("kulturföreningar")
    reader.get_by_role("button", name="Sök", exact=True).click()
    hit = reader.locator("li.hit").filter(has_text="Beslut:")
    expect(hit).to_contain_text(DECISION)
    expect(hit.locator("mark").first).to_be_visible()
    screenshots(reader, "search")
    hit.get_by_role("link", name=ITEM).click()
    expect(reader.get_by_text(DECISION).first).to_be_visible()

    # The public copy of the protokoll: the link opens it in Chromium's PDF viewer (it is
    # served inline); the file is then saved as the viewer's download button would, with the
    # reader's browser context. It holds the decision and says it is the public copy.
    reader.goto(f"/protokoll/{meeting_id}")
    with reader.expect_response(re.compile(r"\.pdf$")) as fetched:
        reader.get_by_role("link", name="Protokollet som PDF").click()
    assert fetched.value.ok
    assert fetched.value.headers["content-type"] == "application/pdf"
    saved = reader.context.request.get(fetched.value.url)
    assert saved.ok
    screenshots.keep(saved.body(), "public-copy", ".pdf")
    text = without_page_furniture(pdf_text(saved.body()))
    assert DECISION in text
    assert "Detta är en offentlig kopia utan underskrifter." in text

    # The meeting page, reached from the nämnd's page, offers the beslutsunderlag: the file
    # the browser receives is the one Stina uploaded.
    reader.goto("/bodies/")
    reader.get_by_role("link", name="Kulturnämnden").first.click()
    reader.get_by_role("link", name=held.isoformat()).first.click()
    expect(reader.get_by_role("heading", name=re.compile(ITEM))).to_be_visible()
    screenshots(reader, "public-meeting-page")
    with reader.expect_response(re.compile(r"/documents/\d+$")) as fetched:
        reader.get_by_role("link", name=ATTACHMENT).click()
    assert fetched.value.ok
    assert fetched.value.headers["content-type"] == "application/pdf"
    assert reader.context.request.get(fetched.value.url).body() == beslutsunderlag.read_bytes()

    # Every page shot on the way was scanned with axe too (the screenshots fixture does it).
    axe_scan.assert_nothing_serious()
