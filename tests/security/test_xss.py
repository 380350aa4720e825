"""Script typed into every text field never runs: not on any page, not in any PDF.

The secretary and the admin fill every text field of the real forms (organisation, body, term,
membership, person, meeting, agenda item, planned topic, the record: decision, yrkanden,
votes, reservationer, protokollsanteckningar, uppdrag, attendance, justering details) and the
title of an uploaded beslutsunderlag with
script, event-handler and javascript: payloads. The record is then signed and made final, so
the public reads it too. Every page that shows the texts is read as the public, a member, the
secretary and the admin, and parsed: no script element that is not ours, no on* attribute,
no javascript: URL, no inline style. The agenda, record, utdrag and handlingar PDFs are walked
for JavaScript, launch and javascript: link actions.
"""

from sqlalchemy import select

from app.extensions import db
from app.organisations.models import Organisation
from tests.conftest import ADMIN, ELIN, JOHANNA
from tests.security.helpers import (
    executable_parts,
    fill_forms,
    form_data,
    forms_on,
    pdf_active_content,
    pdf_text,
    saved,
)

PAGES = (
    "/",
    "/bodies/",
    "/bodies/{body}",
    "/organisations/",
    "/organisations/{organisation}",
    "/people/{johanna}",
    "/meetings/{meeting}",
    "/meetings/{meeting}/record",
    "/beslut",
    "/uppdrag",
    "/search?q=alert",
    "/anslagstavla",
)
STAFF_PAGES = (
    "/people/",
    "/meetings/{meeting}/agenda",
    "/meetings/{meeting}/attendance",
    "/bodies/{body}/planned",
    "/bodies/{body}/edit",
    "/bodies/{body}/standing-items",
    "/people/{johanna}/edit",
    "/organisations/{organisation}/edit",
    "/bodies/memberships/{seat}/edit",
    "/items/{item}/edit",
    "/admin/audit",
)
PDFS = (
    "/meetings/{meeting}/foredragningslista.pdf",
    "/meetings/{meeting}/handlingar.pdf",
    "/meetings/{meeting}/record.pdf",
    "/meetings/{meeting}/utdrag.pdf?item={item}",
)


def test_no_payload_runs_on_any_page(hostile, make_client, login_demo):
    readers = {
        "public": make_client(),
        "member": make_client(),
        "secretary": make_client(),
        "admin": make_client(),
    }
    login_demo(readers["member"], JOHANNA)
    login_demo(readers["secretary"], ELIN)
    login_demo(readers["admin"], ADMIN)
    shown = 0
    for who, client in readers.items():
        pages = PAGES
        if who == "admin":
            pages += STAFF_PAGES
        elif who == "secretary":
            pages += tuple(
                p for p in STAFF_PAGES if "/admin/" not in p and "/organisations/" not in p
            )
        for template in pages:
            url = template.format(**hostile)
            response = client.get(url)
            assert response.status_code == 200, f"{who} GET {url}: {response.status_code}"
            page = response.get_data(as_text=True)
            assert executable_parts(page) == [], f"{who} GET {url}"
            shown += page.count("alert(1)")
    # The texts are on the pages, shown as text: the check above looked at them.
    assert shown > 50


def test_no_payload_runs_in_any_pdf(hostile, make_client, login_demo):
    admin = make_client()
    login_demo(admin, ADMIN)
    for template in PDFS:
        url = template.format(**hostile)
        response = admin.get(url)
        assert response.status_code == 200, f"GET {url}: {response.status_code}"
        assert response.mimetype == "application/pdf"
        assert pdf_active_content(response.data) == [], url
        text = pdf_text(response.data)
        assert "alert(1)" in text, f"the payloads are not printed in {url}"


def test_the_checker_finds_what_it_looks_for():
    """The page checker is not blind: each payload, unescaped, is caught."""
    for payload in (
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        '"><svg onload=alert(1)>',
        '<a href=" JaVa\tScRiPt:alert(1)">x</a>',
        '<p style="color:red">x</p>',
    ):
        assert executable_parts(f"<p>{payload}</p>"), payload
    assert executable_parts('<script src="/static/js/app.js"></script>') == []


def test_a_website_must_be_a_web_address(app, demo, make_client, login_demo):
    with app.app_context():
        organisation_id = db.session.scalar(select(Organisation.id).limit(1))
    admin = make_client()
    login_demo(admin, ADMIN)
    url = f"/organisations/{organisation_id}/edit"
    page = admin.get(url).get_data(as_text=True)
    form = next(f for f in forms_on(page, url) if f.method == "post" and f.action == url)
    response = admin.post(
        url, data=form_data(form, {"website": "javascript://example.com/%0aalert(1)"})
    )
    assert response.status_code == 422
    assert "https://" in response.get_data(as_text=True)


def test_a_rattelse_reason_never_runs(app, justerat_demo, make_client, login_demo):
    """The reason for a rättelse of a justerat protokoll (shown to the public beside it)."""
    srb = justerat_demo
    elin = make_client()
    login_demo(elin, ELIN)
    saved(fill_forms(elin, f"/meetings/{srb}/rattelse"), "/rattelse")
    public = make_client()
    shown = 0
    for who, client in (("public", public), ("secretary", elin)):
        for url in (f"/meetings/{srb}", f"/meetings/{srb}/record", f"/protokoll/{srb}"):
            response = client.get(url)
            assert response.status_code == 200, f"{who} GET {url}"
            page = response.get_data(as_text=True)
            assert executable_parts(page) == [], f"{who} GET {url}"
            shown += page.count("alert(1)")
    assert shown > 0
