"""The kallelse as the secretary prepares and follows it: the preview per kind of recipient, a
covering letter she edits, the recipients she ticks, the delivery per recipient as the mail
server answered, and the update mail that lists what changed since the kallelse."""

import html
import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from app.agenda.kallelse import agenda_changes
from app.agenda.models import AgendaItem, AgendaItemDocument, DeliveryStatus, KallelseMailing
from app.bodies.models import MembershipKind
from app.extensions import db
from tests.agenda.helpers import make_committee
from tests.conftest import hidden
from tests.factories import create_document

LETTER = "Hej alla,\n\nVi börjar med fika i foajén kl 08.30.\n\nVänliga hälsningar\nElin"


def _meeting(client, body_id: int, day: str = "2030-09-03") -> int:
    response = client.submit(
        f"/bodies/{body_id}/meetings/new",
        {"meeting_date": day, "start_time": "09:00", "room": "Mälaren", "mode": "on_site"},
    )
    return int(re.search(r"/meetings/(\d+)/agenda", response.headers["Location"]).group(1))


def _item(app, meeting_id: int, title: str) -> AgendaItem:
    return db.session.scalar(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting_id, AgendaItem.title == title)
    )


def _body(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _checked(page: str, person_id: int) -> bool:
    tag = re.search(rf'<input type="checkbox" id="recipient-{person_id}"[^>]*>', page)
    assert tag, f"no checkbox for person {person_id}"
    return " checked" in tag[0]


def _pdf_text(message) -> str:
    (pdf,) = [
        part.get_content()
        for part in message.iter_attachments()
        if part.get_content_type() == "application/pdf"
    ]
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_preview_letter_and_chosen_recipients_reach_the_mail(
    app, factory, make_client, login, smtp_server
):
    ids = make_committee(factory)
    pia = factory.person("Pia Kulturchef", email="pia@example.se")
    elin = make_client()
    login(elin, "elin@example.se")
    meeting_id = _meeting(elin, ids["body"])
    with app.app_context():
        item = AgendaItem(
            meeting_id=meeting_id,
            position=99,
            number=99,
            title="Kulturpris 2030",
            presenters="Pia Kulturchef, kulturchef",
        )
        closed = AgendaItem(
            meeting_id=meeting_id, position=98, number=98, title="Anställning av museichef"
        )
        closed.is_public = False
        db.session.add_all([item, closed])
        db.session.commit()
    editor = f"/meetings/{meeting_id}/agenda"

    # The panel: a default letter from the meeting's data, the recipients grouped by kind with
    # the ledamöter and ersättare ticked, and the presenter offered but not ticked.
    page = elin.get(editor).get_data(as_text=True)
    assert "Du kallas till sammanträde med Kulturnämnden tisdagen den 3 september 2030" in page
    for group in ("Ledamöter", "Ersättare", "Övriga (tjänstepersoner, föredragande)"):
        assert f"<legend>{group}</legend>" in page
    assert _checked(page, ids["karin"]) and _checked(page, ids["olle"])
    assert _checked(page, ids["sara"])
    assert not _checked(page, pia) and "Kulturpris 2030" in page
    # The preview shows the mail per kind.
    assert "Du kallas som ledamot." in page and "Du kallas som ersättare." in page

    # She edits the letter and the list; a refused form keeps what she typed.
    refused = elin.submit(
        f"/meetings/{meeting_id}/kallelse",
        {"covering_letter": LETTER, "recipient": ["99999"], "action": "save"},
        form_url=editor,
    )
    assert refused.status_code == 422
    assert "fika i foajén" in refused.get_data(as_text=True)
    chosen = [str(ids["karin"]), str(ids["sara"]), str(pia)]
    saved = elin.submit(
        f"/meetings/{meeting_id}/kallelse",
        {"covering_letter": LETTER, "recipient": chosen, "action": "save"},
        form_url=editor,
    )
    assert saved.status_code == 302 and smtp_server.messages == []
    # Kept with the meeting: a reload shows the letter, the ticks and the preview with it.
    page = elin.get(editor).get_data(as_text=True)
    assert "Vi börjar med fika i foajén kl 08.30." in page
    assert _checked(page, ids["karin"]) and not _checked(page, ids["olle"])
    assert _checked(page, pia)
    assert "Du är föredragande för punkt 99 Kulturpris 2030." in page

    # Sending: the preliminary agenda only by the explicit choice; a refused address is
    # recorded with the server's reply.
    smtp_server.refused_recipients.add("sara@example.se")
    response = elin.submit(
        f"/meetings/{meeting_id}/kallelse",
        {"covering_letter": LETTER, "recipient": chosen, "action": "send", "preliminary": "1"},
        form_url=editor,
    )
    assert response.status_code == 302
    received = {
        next(iter(m["message"]["To"].addresses)).addr_spec: m["message"]
        for m in smtp_server.wait_for(2)
    }
    assert set(received) == {"karin@example.se", "pia@example.se"}
    karin = _body(received["karin@example.se"])
    assert karin.startswith("Hej alla,\n\nVi börjar med fika i foajén kl 08.30.")
    assert "Du kallas som ledamot." in karin
    pia_text = _body(received["pia@example.se"])
    assert "Du får kallelsen för kännedom." in pia_text and "Kulturpris 2030" in pia_text
    # The agenda PDF: the members' whole; the presenter, no member, gets its public items.
    assert "Anställning av museichef" in _pdf_text(received["karin@example.se"])
    pia_pdf = _pdf_text(received["pia@example.se"])
    assert "Kulturpris 2030" in pia_pdf and "Anställning av museichef" not in pia_pdf
    with app.app_context():
        (mailing,) = db.session.scalars(select(KallelseMailing)).all()
        status = {d.email: (d.status, d.reason) for d in mailing.deliveries}
    assert status["karin@example.se"] == (DeliveryStatus.SENT, None)
    assert status["sara@example.se"] == (DeliveryStatus.FAILED, "550 5.1.1 Mailbox unavailable")
    assert "olle@example.se" not in status
    # The secretary sees it on the agenda page.
    page = elin.get(editor).get_data(as_text=True)
    delivery = page[page.index('class="deliveries"') :]
    assert "Avvisad av e-postservern: 550 5.1.1 Mailbox unavailable" in delivery
    assert re.search(r"Karin Berg</td><td>karin@example.se</td>\s*<td>Skickat \d", delivery)


def test_the_kallelse_is_offered_only_when_fastställd_or_chosen_as_preliminary(
    app, factory, make_client, login, smtp_server
):
    ids = make_committee(factory)
    elin = make_client()
    login(elin, "elin@example.se")
    meeting_id = _meeting(elin, ids["body"])
    editor = f"/meetings/{meeting_id}/agenda"
    # The panel's send without the preliminary choice is refused by the service's rule.
    response = elin.submit(
        f"/meetings/{meeting_id}/kallelse",
        {"covering_letter": LETTER, "recipient": [str(ids["karin"])], "action": "send"},
        form_url=editor,
        follow_redirects=True,
    )
    assert "eller välj att skicka den preliminära föredragningslistan" in response.get_data(
        as_text=True
    )
    assert smtp_server.messages == []
    # The letter was kept all the same.
    assert "fika i foajén" in elin.get(editor).get_data(as_text=True)
    # Nobody ticked: a clear refusal, nothing sent.
    elin.submit(f"/meetings/{meeting_id}/agenda/confirm", form_url=editor)
    response = elin.submit(
        f"/meetings/{meeting_id}/kallelse",
        {"covering_letter": LETTER, "action": "send"},
        form_url=editor,
        follow_redirects=True,
    )
    assert "Välj minst en mottagare med e-postadress." in response.get_data(as_text=True)
    assert smtp_server.messages == []


def test_update_mail_lists_exactly_what_changed(app, factory, make_client, login, smtp_server):
    ids = make_committee(factory)
    factory.seat(factory.person("Per Utan", party="L"), ids["body"], MembershipKind.SUBSTITUTE)
    elin = make_client()
    login(elin, "elin@example.se")
    meeting_id = _meeting(elin, ids["body"])
    editor = f"/meetings/{meeting_id}/agenda"
    with app.app_context():
        last = max(
            db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)),
            key=lambda item: item.position,
        )
        budget_number = (last.number or 0) + 1
        db.session.add(
            AgendaItem(
                meeting_id=meeting_id,
                position=last.position + 1,
                number=budget_number,
                title="Budget",
            )
        )
        db.session.commit()
    elin.submit(f"/meetings/{meeting_id}/kallelse", {"preliminary": "1"}, form_url=editor)
    smtp_server.wait_for(3)
    # Nothing changed yet: nothing to send.
    assert "Inget ärende eller dokument har ändrats sedan det senaste utskicket." in elin.get(
        editor
    ).get_data(as_text=True)
    refused = elin.submit(
        f"/meetings/{meeting_id}/kallelse/update", form_url=editor, follow_redirects=True
    )
    assert "Inget på föredragningslistan har ändrats sedan det senaste utskicket." in (
        refused.get_data(as_text=True)
    )

    # Two changes: an item retitled, a document added to another.
    with app.app_context():
        _item(app, meeting_id, "Budget").title = "Budget 2031"
        item = db.session.scalar(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting_id, AgendaItem.number == 1)
        )
        number, title = item.display_number, item.title
        db.session.add(
            AgendaItemDocument(item=item, document=create_document("Förslag till dagordning"))
        )
        db.session.commit()
    expected = [
        f"Punkt {number} {title}: ny handling ”Förslag till dagordning”.",
        f"Punkt {budget_number} har bytt rubrik från ”Budget” till ”Budget 2031”.",
    ]
    page = elin.get(editor).get_data(as_text=True)
    listed = re.search(r'<ul class="agenda-changes" lang="sv">(.*?)</ul>', page, re.S)[1]
    assert re.findall(r"<li>(.*?)</li>", listed) == expected

    response = elin.submit(f"/meetings/{meeting_id}/kallelse/update", form_url=editor)
    assert response.status_code == 302
    updates = smtp_server.wait_for(6)[3:]
    assert sorted(next(iter(m["message"]["To"].addresses)).addr_spec for m in updates) == [
        "karin@example.se",
        "olle@example.se",
        "sara@example.se",
    ]
    message = updates[0]["message"]
    assert message["Subject"] == "Ändringar i föredragningslistan: Kulturnämnden 2030-09-03"
    text = _body(message)
    assert [line[2:] for line in text.splitlines() if line.startswith("- ")] == expected
    assert "har ändrats sedan kallelsen skickades" in text

    # The next update counts from this one: nothing new, nothing to send.
    refused = elin.submit(
        f"/meetings/{meeting_id}/kallelse/update", form_url=editor, follow_redirects=True
    )
    assert "Inget på föredragningslistan har ändrats" in refused.get_data(as_text=True)
    page = elin.get(editor).get_data(as_text=True)
    assert "ändrats sedan den skickades" not in page


def test_the_update_mail_tells_others_only_of_the_public_items(
    app, factory, make_client, login, smtp_server
):
    """A tjänsteperson was sent the public items only: a change in a closed item reaches the
    members and not her; a change in a public one reaches her without the closed one's."""
    ids = make_committee(factory)
    pia = factory.person("Pia Kulturchef", email="pia@example.se")
    elin = make_client()
    login(elin, "elin@example.se")
    meeting_id = _meeting(elin, ids["body"])
    with app.app_context():
        db.session.add(
            AgendaItem(
                meeting_id=meeting_id,
                position=99,
                title="Kulturpris 2030",
                presenters="Pia Kulturchef, kulturchef",
            )
        )
        closed = AgendaItem(meeting_id=meeting_id, position=98, title="Anställning av museichef")
        closed.is_public = False
        db.session.add(closed)
        db.session.commit()
    editor = f"/meetings/{meeting_id}/agenda"
    chosen = [str(ids["karin"]), str(pia)]
    elin.submit(
        f"/meetings/{meeting_id}/kallelse",
        {"covering_letter": "", "recipient": chosen, "action": "send", "preliminary": "1"},
        form_url=editor,
    )
    smtp_server.wait_for(2)

    with app.app_context():
        _item(app, meeting_id, "Anställning av museichef").title = "Anställning av museichef 2031"
        db.session.commit()
    assert elin.submit(f"/meetings/{meeting_id}/kallelse/update", form_url=editor).status_code == (
        302
    )
    (update,) = smtp_server.wait_for(3)[2:]
    assert next(iter(update["message"]["To"].addresses)).addr_spec == "karin@example.se"
    assert "Anställning av museichef 2031" in _body(update["message"])

    with app.app_context():
        _item(app, meeting_id, "Kulturpris 2030").title = "Kulturpris 2031"
        _item(app, meeting_id, "Anställning av museichef 2031").summary = "Tre sökande."
        db.session.commit()
    elin.submit(f"/meetings/{meeting_id}/kallelse/update", form_url=editor)
    received = {
        next(iter(m["message"]["To"].addresses)).addr_spec: _body(m["message"])
        for m in smtp_server.wait_for(5)[3:]
    }
    assert set(received) == {"karin@example.se", "pia@example.se"}
    assert "museichef" in received["karin@example.se"]
    assert "museichef" not in received["pia@example.se"]
    listed = [line for line in received["pia@example.se"].splitlines() if line.startswith("- ")]
    assert listed == ["- Punkten har bytt rubrik från ”Kulturpris 2030” till ”Kulturpris 2031”."]


def test_a_second_click_on_send_mails_nobody_twice(app, factory, make_client, login, smtp_server):
    """The panel carries the latest mailing as the page showed it: the same form posted again
    (a double click, a reload, a colleague who sent meanwhile) is refused and mails nobody."""
    ids = make_committee(factory)
    elin = make_client()
    login(elin, "elin@example.se")
    meeting_id = _meeting(elin, ids["body"])
    editor = f"/meetings/{meeting_id}/agenda"
    page = elin.get(editor).get_data(as_text=True)
    seen = hidden(page, "seen_mailing")
    assert seen == "0"
    form = {"covering_letter": LETTER, "recipient": [str(ids["karin"])], "action": "send"}
    form |= {"preliminary": "1", "seen_mailing": seen}
    assert elin.submit(f"/meetings/{meeting_id}/kallelse", form, form_url=editor).status_code == 302
    smtp_server.wait_for(1)
    again = elin.submit(
        f"/meetings/{meeting_id}/kallelse", form, form_url=editor, follow_redirects=True
    )
    assert "Inget mer skickades" in html.unescape(again.get_data(as_text=True))
    assert len(smtp_server.messages) == 1
    with app.app_context():
        (mailing,) = db.session.scalars(
            select(KallelseMailing).where(KallelseMailing.meeting_id == meeting_id)
        )
        # The page now carries that mailing: sending from it is a deliberate update.
        assert hidden(elin.get(editor).get_data(as_text=True), "seen_mailing") == str(mailing.id)
    form["seen_mailing"] = str(mailing.id)
    assert elin.submit(f"/meetings/{meeting_id}/kallelse", form, form_url=editor).status_code == 302
    assert len(smtp_server.wait_for(2)) == 2


def test_the_change_list_names_only_what_differs():
    """Moving or renumbering alone is no change; each real difference is one sentence."""

    def item(id_, number, title, *, withdrawn=False, text="t", documents=()):
        return {
            "id": id_,
            "number": number,
            "title": title,
            "withdrawn": withdrawn,
            "text": text,
            "documents": [{"id": d, "title": f"Bilaga {d}", "sha256": s} for d, s in documents],
        }

    before = [
        item(1, "1", "Val av justerare"),
        item(2, "2", "Budget", documents=[(10, "a"), (11, "b")]),
        item(3, "3", "Lokaler"),
        item(4, "4", "Övrigt"),
    ]
    moved = [before[1] | {"number": "1"}, before[0] | {"number": "2"}, *before[2:]]
    assert agenda_changes(before, moved) == []
    after = [
        item(1, "1", "Val av justerare", text="ändrad"),
        item(2, "2", "Budget", documents=[(10, "a2"), (12, "c")]),
        item(4, "3", "Övrigt", withdrawn=True),
    ]
    after[1]["documents"][0]["title"] = "Budgetförslag"
    assert agenda_changes(before, after) == [
        "Punkt 1 Val av justerare: texten har ändrats.",
        "Punkt 2 Budget: handlingen ”Bilaga 10” heter nu ”Budgetförslag”.",
        "Punkt 2 Budget: handlingen ”Budgetförslag” har ersatts.",
        "Punkt 2 Budget: ny handling ”Bilaga 12”.",
        "Punkt 2 Budget: handlingen ”Bilaga 11” har tagits bort.",
        "Punkt 3 Övrigt utgår.",
        "Punkt 3 Lokaler har tagits bort från föredragningslistan.",
    ]
    # Those sent only the public items hear of nothing in a closed one, nor of its removal; a
    # snapshot kept before items carried ``public`` names no item that is not public now.
    closed = [
        item | {"public": False} if item["id"] == 2 else item | {"public": True} for item in before
    ]
    shown = [item | {"public": item["id"] != 2} for item in after]
    assert agenda_changes(closed, shown, public_only=True) == [
        "Punkt 1 Val av justerare: texten har ändrats.",
        "Punkt 3 Övrigt utgår.",
        "Punkt 3 Lokaler har tagits bort från föredragningslistan.",
    ]
    assert agenda_changes(before, shown, public_only=True) == [
        "Punkt 1 Val av justerare: texten har ändrats.",
        "Punkt 3 Övrigt utgår.",
    ]


def test_the_default_letter_saved_unchanged_follows_a_moved_meeting(
    app, factory, make_client, login
):
    """Saving the panel with the default letter keeps no copy of it: moved afterwards, the
    meeting is called with its new day and place, never the old ones."""
    ids = make_committee(factory)
    elin = make_client()
    login(elin, "elin@example.se")
    meeting_id = _meeting(elin, ids["body"])
    editor = f"/meetings/{meeting_id}/agenda"
    page = elin.get(editor).get_data(as_text=True)
    default = re.search(
        r'<textarea[^>]*name="covering_letter"[^>]*>\s*(.*?)</textarea>', page, re.S
    )
    letter = html.unescape(default.group(1))
    assert "tisdagen den 3 september 2030" in letter and "Mälaren" in letter
    saved = elin.submit(
        f"/meetings/{meeting_id}/kallelse",
        {"covering_letter": letter, "recipient": [str(ids["karin"])], "action": "save"},
        form_url=editor,
    )
    assert saved.status_code == 302
    moved = elin.submit(
        f"/meetings/{meeting_id}/edit",
        {"meeting_date": "2030-09-10", "start_time": "09:00", "room": "Kronan", "mode": "on_site"},
    )
    assert moved.status_code == 302
    page = elin.get(editor).get_data(as_text=True)
    assert "tisdagen den 10 september 2030" in page and "Kronan" in page
    assert "tisdagen den 3 september 2030" not in page
    assert _checked(page, ids["karin"]) and not _checked(page, ids["olle"])  # the choice kept
