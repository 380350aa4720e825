"""The issue's "done when", on the demo data and through the browser: SRB's meeting of
2024-04-19 goes from the agenda to a justerat, signed, posted and public protokoll, with the
demo accounts doing what run_srb_cycle does through the services.

Elin (the SRB secretary) starts the record, fills the decisions the seeds lack and sends the
protokoll to justering; Johanna (justerare) rejects it with a comment; Elin corrects it and
sends it again; Demo Ordförande and Johanna approve. The signed original must then pass
pyHanko and poppler's pdfsig and still be PDF/A; one changed byte must fail both. Elin posts
the anslag; the public sees it on the anslagstavla, in the feed and on the protokoll page,
whose PDF carries no signatures. Afterwards the record cannot be edited, and a rättelse
leaves the signed original as it was.
"""

import html
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.extensions import db
from app.justering import services
from app.justering.models import RoundStatus, SignoffRole
from app.meetings.models import RecordStatus
from app.organisations.models import Organisation
from app.publication import services as publication
from app.signing.verify import verify_pdf
from tests.conftest import ELIN, JOHANNA, hidden
from tests.justering.pki import (
    nss_trusting_dev_ca,
    pdfa_identity,
    personal_certificates,
    signature_fields,
    tampered,
)
from tests.record.helpers import (
    SRB,
    assert_in_order,
    meeting_of,
    pdf_text,
    without_page_furniture,
)
from tests.signing.conftest import pdfsig, widget_texts

CHAIR = "ordforande.srb@example.se"
ATOM = "{http://www.w3.org/2005/Atom}"
REJECTION = "Justeringens plats och tid saknas i protokollets huvud."
PLACE_TIME = "Digital justering, senast 2024-05-03"
# What Elin records on the two items the seeds give no decision (§ 14 and § 15).
DECISIONS = {
    "Övriga frågor": "Inga övriga frågor anmäldes.",
    "Kommande möte": "Informationen om kommande möten noteras.",
}
CHANGED = "Ändrat efter justeringen."


@pytest.fixture
def demo_certificates(app):
    """Elin, the demo chair and Johanna sign with certificates of their own, as run_srb_cycle
    arranges (issue_demo_certificates), so that pdfsig can trust all three signatures."""
    people = [
        ("Elin Hellström", ELIN),
        ("Demo Ordförande", CHAIR),
        ("Johanna Odö", JOHANNA),
    ]
    with personal_certificates(app, people):
        yield


def _textarea(page: str, name: str) -> str:
    """What a browser submits for a textarea: its content as rendered."""
    match = re.search(rf'<textarea[^>]*\bname="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name!r}"
    return html.unescape(match.group(1)).lstrip("\n")


def _input_value(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert tag, f"no input {name!r}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def _selected(page: str, name: str) -> list[str]:
    """The values a browser submits for a select: its selected options."""
    select = re.search(rf'<select[^>]*\bname="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select {name!r}"
    options = re.findall(r"<option[^>]*>", select.group(1))
    return [
        html.unescape(re.search(r'value="([^"]*)"', o).group(1))
        for o in options
        if re.search(r"\bselected\b", o)
    ]


def _signoff_id(app, meeting_id: int, role: SignoffRole) -> int:
    with app.app_context():
        meeting = meeting_of(*SRB)
        assert meeting.id == meeting_id
        justering = services.open_round(meeting)
        return next(s.id for s in justering.signoffs if s.role == role)


def _board_row(page: str, title: str) -> str:
    row = next((r for r in page.split("<tr>") if title in r), None)
    assert row is not None, f"{title!r} is not on the anslagstavla"
    return row


def test_srb_protokoll_from_record_to_anslagstavla(
    app, demo, make_client, login_demo, smtp_server, demo_certificates, tmp_path
):
    with app.app_context():
        meeting = meeting_of(*SRB)
        meeting_id = meeting.id
        assert meeting.record_status == RecordStatus.NONE
        assert meeting.body.is_public
    record_url = f"/meetings/{meeting_id}/record"
    elin, chair, johanna, public = (make_client() for _ in range(4))
    for client, email in ((elin, ELIN), (chair, CHAIR), (johanna, JOHANNA)):
        login_demo(client, email)

    # -- Elin starts the record: attendance from the memberships, § numbers, decisions -----
    started = elin.submit(f"/meetings/{meeting_id}/record/start", form_url=record_url)
    assert started.status_code == 302
    page = elin.get(record_url).get_data(as_text=True)
    # The seeds propose no decision on § 14 and § 15: the record says what is still to do.
    assert "Kvar att göra:" in page
    assert "§ 14 Övriga frågor saknar beslut." in page
    assert "§ 15 Kommande möte saknar beslut." in page
    with app.app_context():
        meeting = meeting_of(*SRB)
        assert meeting.secretary.name == "Elin Hellström"
        missing = {
            item.title: item.id
            for item in meeting.items
            if item.decision is None and not item.is_withdrawn
        }
    assert set(missing) == set(DECISIONS)

    # She records them in the item form, as in the browser (what the form shows is sent back).
    for title, item_id in missing.items():
        form = elin.get(f"/items/{item_id}/record").get_data(as_text=True)
        saved = elin.submit(
            f"/items/{item_id}/record",
            {
                "notes": _textarea(form, "notes"),
                "text": DECISIONS[title],
                "proposition_order": _textarea(form, "proposition_order"),
                "recipient_lines": _textarea(form, "recipient_lines"),
                "version": hidden(form, "version"),
            },
        )
        assert saved.status_code == 302, saved.get_data(as_text=True)
    # § 8 recommends Region Västmanland and the kommuner: she sends the decision to them,
    # choosing the Region, which adds each kommun of its county to Beslutet skickas till.
    page = elin.get(record_url).get_data(as_text=True)
    assert "Kvar att göra:" in page
    with app.app_context():
        target = next(
            i.id for i in meeting_of(*SRB).items if i.title == "Gemensam målbild nära vård"
        )
        region = db.session.scalar(
            select(Organisation.id).where(Organisation.name == "Region Västmanland")
        )
    form = elin.get(f"/items/{target}/record").get_data(as_text=True)
    saved = elin.submit(
        f"/items/{target}/record",
        {
            "notes": _textarea(form, "notes"),
            "text": _textarea(form, "text"),
            "proposition_order": _textarea(form, "proposition_order"),
            "recipient_region": str(region),
            "version": hidden(form, "version"),
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    page = elin.get(record_url).get_data(as_text=True)
    assert "Kvar att göra:" not in page
    assert_in_order(page, ["Beslutet skickas till", "Region Västmanland", "Arboga kommun"])
    assert all(text in page for text in DECISIONS.values())

    # -- she signs and sends; the chair and the justerare are asked by mail ----------------
    sent = elin.submit(f"/meetings/{meeting_id}/justering", form_url=record_url)
    assert sent.status_code == 302
    assert "Protokollet är signerat av dig och skickat på justering." in elin.get(
        record_url
    ).get_data(as_text=True)
    notified = sorted(
        next(iter(m["message"]["To"].addresses)).addr_spec for m in smtp_server.wait_for(2)
    )
    assert notified == [JOHANNA, CHAIR]

    # -- Johanna finds it on her start page and rejects it with a comment -------------------
    with app.app_context():
        first_round = services.open_round(meeting_of(*SRB)).id
    start = johanna.get("/").get_data(as_text=True)
    assert "Att justera" in start and f'href="/justering/{first_round}"' in start
    signoff = _signoff_id(app, meeting_id, SignoffRole.ADJUSTER)
    rejected = johanna.submit(
        f"/justering/signoffs/{signoff}/reject",
        {"comment": REJECTION},
        form_url=f"/justering/{first_round}",
    )
    assert rejected.status_code == 302
    with app.app_context():
        meeting = meeting_of(*SRB)
        assert meeting.record_status == RecordStatus.DRAFT
        assert [r.status for r in services.rounds_of(meeting)] == [RoundStatus.REJECTED]

    # -- Elin reads the comment on the record page and corrects the header ------------------
    page = elin.get(record_url).get_data(as_text=True)
    assert "Johanna Odö</strong>: " + REJECTION in page
    # "Justeringens plats och tid" is set in the record page's details form; the secretary
    # and the justerare are sent back as the form shows them.
    saved = elin.post(
        f"/meetings/{meeting_id}/record/details",
        data={
            "details-csrf_token": hidden(page, "details-csrf_token"),
            "details-secretary_id": _selected(page, "details-secretary_id"),
            "details-adjusters": _selected(page, "details-adjusters"),
            "details-adjustment_place_time": PLACE_TIME,
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        meeting = meeting_of(*SRB)
        assert meeting.adjustment_place_time == PLACE_TIME
        assert meeting.secretary.name == "Elin Hellström"
        assert [a.person.name for a in meeting.adjusters] == ["Johanna Odö"]
    assert PLACE_TIME in elin.get(record_url).get_data(as_text=True)

    # -- sent again; the chair and the justerare approve ------------------------------------
    assert elin.submit(f"/meetings/{meeting_id}/justering", form_url=record_url).status_code == 302
    with app.app_context():
        second_round = services.open_round(meeting_of(*SRB)).id
    for client, role in ((chair, SignoffRole.CHAIR), (johanna, SignoffRole.ADJUSTER)):
        signoff = _signoff_id(app, meeting_id, role)
        approved = client.submit(
            f"/justering/signoffs/{signoff}/approve", form_url=f"/justering/{second_round}"
        )
        assert approved.status_code == 302
    with app.app_context():
        meeting = meeting_of(*SRB)
        assert meeting.record_status == RecordStatus.FINAL
        assert [r.status for r in services.rounds_of(meeting)] == [
            RoundStatus.REJECTED,
            RoundStatus.COMPLETED,
        ]
        revision = services.justered_revision(meeting)
        assert revision is not None and revision.number == 1
        justered = services.justered_on(revision)
        signed_sha = revision.signed_pdf_sha256

    # -- the signed original: three valid, trusted signatures, in pyHanko and in pdfsig -----
    response = johanna.get(f"/meetings/{meeting_id}/record/1/original.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    original = response.data
    with app.app_context():
        report = verify_pdf(original)
    assert report.valid, report
    assert [s.field for s in report.signatures] == ["sekreterare", "ordforande", "justerare-1"]
    assert [s.signer_name for s in report.signatures] == [
        "Elin Hellström",
        "Demo Ordförande",
        "Johanna Odö",
    ]
    assert all(s.intact and s.trusted for s in report.signatures)
    blocks = widget_texts(original)
    assert "Elin Hellström" in blocks["sekreterare"]
    assert "Demo Ordförande" in blocks["ordforande"]
    assert "Johanna Odö" in blocks["justerare-1"]
    nss = nss_trusting_dev_ca(app, tmp_path / "nss")
    checked = pdfsig(original, tmp_path, nss)
    assert checked.count("Signature is Valid.") == 3, checked
    assert checked.count("Certificate is Trusted.") == 3, checked

    # It still declares PDF/A (the signatures are incremental updates) and holds the record.
    assert pdfa_identity(original) == ("3", "U")
    text = without_page_furniture(pdf_text(original))
    for part in (
        "Strategisk regional beredning",
        "Johanna Odö utses att jämte ordföranden justera dagens protokoll.",
        "Minnesanteckningarna läggs till handlingarna.",
        PLACE_TIME,
        *DECISIONS.values(),
    ):
        assert part in text, part

    # One changed byte: neither pyHanko nor pdfsig accepts it.
    broken = tampered(original)
    with app.app_context():
        assert not verify_pdf(broken).valid
    assert "Signature is Valid." not in pdfsig(broken, tmp_path, nss)

    # -- Elin posts the anslag with the form's defaults (today) -----------------------------
    today = publication.local_today()
    form = elin.get(f"/meetings/{meeting_id}/anslag")
    assert form.status_code == 200
    form = form.get_data(as_text=True)
    assert _input_value(form, "posted_on") == today.isoformat()
    kept_at = _input_value(form, "kept_at")
    assert kept_at
    posted = elin.submit(
        f"/meetings/{meeting_id}/anslag",
        {
            "posted_on": _input_value(form, "posted_on"),
            "kept_at": kept_at,
            "note": "",
            "version": hidden(form, "version"),
        },
    )
    assert posted.status_code == 302, posted.get_data(as_text=True)
    last_day = publication.appeal_last_day(today)
    takedown = publication.takedown_day(today)
    assert takedown == last_day + timedelta(days=1)

    # The public anslagstavla (no login) lists it with its dates, in that order.
    board = public.get("/anslagstavla")
    assert board.status_code == 200
    title = "Protokoll Strategisk regional beredning 2024-04-19"
    row = _board_row(board.get_data(as_text=True), title)
    assert "Strategisk regional beredning" in row
    assert_in_order(row, [today.isoformat(), takedown.isoformat(), last_day.isoformat()])

    # The Atom feed too.
    feed = ET.fromstring(public.get("/anslagstavla.atom").data)  # noqa: S314 - our own feed
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [title]
    summary = entries[0].findtext(f"{ATOM}summary")
    assert f"Datum då anslaget sattes upp: {today.isoformat()}" in summary
    assert f"Datum då anslaget tas ned: {takedown.isoformat()}" in summary
    assert f"Sista dag för överklagande: {last_day.isoformat()}" in summary
    assert f"Förvaringsplats för protokollet: {kept_at}" in summary

    # -- the public protokoll page and its PDF: justerat, without signatures ----------------
    page = public.get(f"/protokoll/{meeting_id}")
    assert page.status_code == 200
    page = page.get_data(as_text=True)
    assert "justerades" in page
    assert f'Protokollet justerades den <time datetime="{justered.isoformat()}">' in page
    assert last_day.isoformat() in page
    public_pdf = public.get(f"/protokoll/{meeting_id}.pdf")
    assert public_pdf.status_code == 200 and public_pdf.mimetype == "application/pdf"
    assert public_pdf.data != original
    assert signature_fields(public_pdf.data) == []
    assert b"/Sig" not in public_pdf.data
    public_text = without_page_furniture(pdf_text(public_pdf.data))
    assert (
        f"Protokollet justerades den {justered.isoformat()} med elektroniska underskrifter av "
        "sekreterare Elin Hellström, ordförande Demo Ordförande och justerare Johanna Odö."
    ) in public_text
    assert "Detta är en offentlig kopia utan underskrifter." in public_text
    # The anonymous reader is never offered the signed original.
    assert "original.pdf" not in public.get(record_url).get_data(as_text=True)

    # -- after justering Elin cannot edit a decision: refused, nothing stored ---------------
    item_id = missing["Kommande möte"]
    with app.app_context():
        before = db.session.get(AgendaItem, item_id).decision
        before_text, before_version = before.text, before.version
    refused = elin.submit(
        f"/items/{item_id}/record",
        {"text": CHANGED, "version": str(before_version)},
        form_url=record_url,
    )
    assert refused.status_code == 302 and refused.location.endswith(record_url)
    assert "Protokollet är slutgiltigt och kan inte längre ändras" in elin.get(record_url).get_data(
        as_text=True
    )
    with app.app_context():
        after = db.session.get(AgendaItem, item_id).decision
        assert (after.text, after.version) == (before_text, before_version)
        assert services.justered_revision(meeting_of(*SRB)).signed_pdf_sha256 == signed_sha

    # -- a rättelse opens revision 2; revision 1's signed original stays as it was -----------
    corrected = elin.submit(
        f"/meetings/{meeting_id}/rattelse", {"reason": "Fel datum för kommande möte (skrivfel)."}
    )
    assert corrected.status_code == 302
    with app.app_context():
        meeting = meeting_of(*SRB)
        assert meeting.record_status == RecordStatus.DRAFT
        assert [r.number for r in services.revisions_of(meeting)] == [1, 2]
        assert services.justered_revision(meeting).signed_pdf_sha256 == signed_sha
    again = johanna.get(f"/meetings/{meeting_id}/record/1/original.pdf")
    assert again.status_code == 200 and again.data == original
    # Revision 2 is not signed yet: it has no original.
    assert johanna.get(f"/meetings/{meeting_id}/record/2/original.pdf").status_code == 404
    # The public keeps reading the justerat version.
    assert public.get(f"/protokoll/{meeting_id}.pdf").data == public_pdf.data
