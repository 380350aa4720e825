"""Issue 16's "Done when", in a real browser, as the demo secretary Elin Hellström prepares a
meeting of SRB (Strategisk regional beredning): she plans next year's meetings from a rule,
opens the first new meeting's agenda, starts it as a copy of the SRB meeting of 19 April 2024,
chooses three files at once for an item (one a Word file, converted to PDF/A by LibreOffice in
the job the upload starts, which the testing app runs at once), fastställer the agenda, edits
the covering letter in the kallelse panel, unticks the chair and sends through the in-page
confirmation. Johanna Odö (a ticked ledamot) receives the edited letter through the real SMTP
server; the chair receives nothing; the handlingar PDF has the Word file's text on a page
stamped "Bilaga 3 till ärende 8".

One test, with as few page loads as the walk allows (it runs in CI): the steps go to a page by
its address where a secretary would follow a link to it.
"""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from app.documents.render import render_pdf
from app.publication.services import local_today
from tests.agenda.test_many_files import require_soffice
from tests.browser.conftest import confirm, log_in
from tests.conftest import DEMO_PASSWORD, ELIN
from tests.documents.office_files import docx

pytestmark = pytest.mark.browser

SRB = 1  # the demo's first body (app/demo/data): Strategisk regional beredning
JOHANNA = "johanna.odo@example.se"  # ledamot of SRB, ticked
CHAIR = "ordforande.srb@example.se"  # Demo Ordförande, ledamot of SRB, unticked
ITEM = "Gemensam målbild nära vård"  # item 8 of the 19 April 2024 agenda
WORD_TEXT = "Handlingsplan för nära vård i länet 2027"
LETTER = "Hej!\n\nVälkomna till årets första sammanträde. Läs särskilt ärendet om nära vård.\n"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_year_planned_an_agenda_copied_three_files_and_a_kallelse_to_chosen_recipients(
    app, demo, smtp_server, new_page
):
    require_soffice()
    year = local_today().year + 1
    with app.app_context():
        vision = render_pdf("<html lang='sv'><p>Målbild för nära vård</p></html>")
        answers = render_pdf("<html lang='sv'><p>Remissvar från kommunerna</p></html>")
    elin = new_page()
    log_in(elin, ELIN, DEMO_PASSWORD)

    # A year of meetings: the first Tuesday of each month but July.
    elin.goto(f"/bodies/{SRB}/plan/new")
    elin.get_by_label("År", exact=True).fill(str(year))
    elin.get_by_label("första", exact=True).check()
    elin.get_by_label("juli", exact=True).check()
    elin.get_by_label("Börjar", exact=True).fill("09:00")
    elin.get_by_role("button", name="Visa datumen").click()
    expect(elin.get_by_role("status")).to_contain_text("11 datum kan skapas.")
    elin.get_by_role("button", name="Skapa sammanträdena").click()
    expect(elin.locator(".flash-success")).to_contain_text("11 sammanträden skapades.")
    first = elin.locator("table a[href^='/meetings/']").first
    meeting_id = int(first.get_attribute("href").rsplit("/", 1)[-1])

    # Its agenda, started as a copy of the 19 April 2024 meeting's.
    elin.goto(f"/meetings/{meeting_id}/agenda")
    source = elin.get_by_label("Kopiera föredragningslistan från", exact=True)
    source.select_option(label="2024-04-19")
    elin.get_by_role("button", name="Kopiera föredragningslistan").click()
    expect(elin.get_by_role("link", name=f"Redigera {ITEM}")).to_be_visible()

    # Three files at once on item 8, one of them a Word file.
    elin.get_by_role("link", name=f"Redigera {ITEM}").click()
    elin.locator("input[type=file]").set_input_files(
        [
            {"name": "Målbild_nära_vård.pdf", "mimeType": "application/pdf", "buffer": vision},
            {"name": "Remissvar_kommunerna.pdf", "mimeType": "application/pdf", "buffer": answers},
            {
                "name": "Handlingsplan_nära_vård.docx",
                "mimeType": DOCX_TYPE,
                "buffer": docx(WORD_TEXT),
            },
        ]
    )
    elin.get_by_role("button", name="Ladda upp", exact=True).click()
    expect(elin.locator(".flash-success")).to_contain_text("3 handlingar bifogades")
    expect(elin.locator(".flash-error")).to_have_count(0)
    expect(elin.locator("#documents")).not_to_contain_text("Konverteras")

    # Fastställd, then the kallelse: the letter edited, the chair unticked, previewed, sent.
    elin.goto(f"/meetings/{meeting_id}/agenda")
    elin.get_by_role("button", name="Fastställ föredragningslistan").click()
    panel = elin.locator("#kallelse")
    panel.get_by_label("Följebrev", exact=True).fill(LETTER)
    panel.get_by_label("Demo Ordförande", exact=True).uncheck()
    expect(panel.get_by_label("Johanna Odö", exact=True)).to_be_checked()
    panel.get_by_role("button", name="Spara och visa förhandsgranskningen").click()
    expect(elin.locator("#kallelse")).to_contain_text("Läs särskilt ärendet om nära vård.")
    confirm(elin, "Skicka kallelse", "Ja, skicka kallelsen")
    expect(elin.locator(".flash-error")).to_have_count(0)

    received = smtp_server.wait_for(1)
    reached = {address for message in received for address in message["rcpt_tos"]}
    assert JOHANNA in reached and CHAIR not in reached
    to_johanna = next(m["message"] for m in received if JOHANNA in m["rcpt_tos"])
    text = to_johanna.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith(LETTER.rstrip("\n"))

    # The handlingar: the Word file's text on a page stamped as item 8's third attachment.
    response = elin.request.get(f"/meetings/{meeting_id}/handlingar.pdf")
    assert response.ok and response.body().startswith(b"%PDF-")
    pages = [
        re.sub(r"\s+", " ", page.extract_text())
        for page in PdfReader(io.BytesIO(response.body())).pages
    ]
    word_pages = [page for page in pages if WORD_TEXT in page]
    assert word_pages and all("Bilaga 3 till ärende 8" in page for page in word_pages)
