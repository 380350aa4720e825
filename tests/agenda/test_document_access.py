"""Documents across bodies (issue 12): a document is read by its owner's rule wherever it is
shown; attaching offers and accepts only what the secretary may read; the shared PDFs carry only
what every reader may read; the beslutsunderlag freeze with the record; a change after the
kallelse is shown to the members."""

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.accounts.models import User
from app.agenda import services
from app.agenda.models import AgendaItem, AgendaItemDocument
from app.agenda.rendering import packet_pdf
from app.bodies.models import Body, MembershipKind
from app.cases.models import Confidentiality, Document
from app.core.errors import DomainError
from app.core.retention import RetentionError
from app.documents.render import render_pdf
from app.documents.storage import store_bytes
from app.extensions import db
from app.meetings.models import Dispatch, Meeting, MeetingStatus, RecordStatus
from app.people.models import Person
from tests.agenda.helpers import make_committee
from tests.factories import (
    create_body,
    create_document,
    create_membership,
    create_person,
    create_user,
)
from tests.search.helpers import found

ELIN = "elin@example.se"  # secretary of Kulturnämnden
KARIN = "karin@example.se"  # member of Kulturnämnden
BERTIL = "bertil@example.se"  # secretary of Socialnämnden
MAJA = "maja@example.se"  # member of Socialnämnden
ADMIN = "admin@example.se"

OWN = {
    "public": "Kultur remissvar offentligt",
    "internal": "Kultur internt underlag",
    "secret": "Kultur sekretessbelagd bilaga",
}
OTHER = {
    "public": "Social offentlig rapport",
    "internal": "Social internt PM",
    "secret": "Social hemlig utredning",
}
LEVELS = {
    "public": Confidentiality.PUBLIC,
    "internal": Confidentiality.INTERNAL,
    "secret": Confidentiality.SECRET,
}


def _pdf(title: str) -> bytes:
    return render_pdf(f"<html lang='sv'><title>{title}</title><p>{title}</p></html>")


def _document(title: str, level: str, body: Body) -> Document:
    pdf = _pdf(title)
    return create_document(
        title,
        LEVELS[level],
        owner=body,
        sha256=store_bytes(pdf),
        filename=f"{title}.pdf",
        media_type="application/pdf",
        size=len(pdf),
    )


@pytest.fixture
def world(app, factory):
    """Kulturnämnden and Socialnämnden of one region, each with a secretary and a member and
    papers of each confidentiality; Kulturnämnden's meeting with its kallelse sent."""
    ids = make_committee(factory)
    with app.test_request_context():
        culture_body = db.session.get(Body, ids["body"])
        social_body = create_body("Socialnämnden", organisation=culture_body.organisation)
        bertil = create_person("Bertil Sund", email=BERTIL)
        create_membership(bertil, social_body, MembershipKind.STAFF, function="sekreterare")
        create_user(BERTIL, person=bertil)
        maja = create_person("Maja Holm", email=MAJA)
        create_membership(maja, social_body, MembershipKind.ORDINARY)
        create_user(MAJA, person=maja)
        create_user(KARIN, person=db.session.get(Person, ids["karin"]))
        create_user(ADMIN, is_admin=True)
        meeting = services.schedule_meeting(None, culture_body, meeting_date=date(2030, 9, 3))
        item = services.add_item(None, meeting, title="Kulturstrategi")
        meeting.status = MeetingStatus.CONVENED
        for level, title in OTHER.items():
            _document(title, level, social_body)
        ids.update(culture=culture_body.id, social=social_body.id, meeting=meeting.id, item=item.id)
        for level, title in OWN.items():
            _document(title, level, culture_body)
        db.session.commit()
        ids["documents"] = {d.title: d.id for d in db.session.scalars(select(Document))}
    return ids


def _client(make_client, login, email):
    client = make_client()
    login(client, email)
    return client


def _link(app, item_id: int, title: str) -> int | None:
    with app.app_context():
        return db.session.scalar(
            select(AgendaItemDocument.id)
            .join(Document)
            .where(AgendaItemDocument.item_id == item_id, Document.title == title)
        )


def _attach_as(app, email: str, item_id: int, document_id: int) -> None:
    with app.test_request_context():
        actor = db.session.scalar(select(User).where(User.email == email))
        item = db.session.get(AgendaItem, item_id)
        services.attach_document(actor, item, db.session.get(Document, document_id))
        db.session.commit()


def test_the_item_page_offers_and_accepts_only_what_the_secretary_may_read(
    app, world, make_client, login
):
    elin = _client(make_client, login, ELIN)
    page = elin.get(f"/items/{world['item']}/edit").get_data(as_text=True)
    assert OTHER["public"] in page and all(title in page for title in OWN.values())
    assert OTHER["internal"] not in page and OTHER["secret"] not in page
    # Posting another body's secret or internal paper by its id is refused; nothing attached.
    for title in (OTHER["secret"], OTHER["internal"]):
        response = elin.submit(
            f"/items/{world['item']}/documents/attach",
            {"attach-document_id": world["documents"][title]},
            form_url=f"/items/{world['item']}/edit",
        )
        assert response.status_code == 302
        assert _link(app, world["item"], title) is None
        page = elin.get(f"/items/{world['item']}/edit").get_data(as_text=True)
        assert title not in page
    # The service holds the rule for every path, not the form alone.
    with app.test_request_context():
        elin_user = db.session.scalar(select(User).where(User.email == ELIN))
        item = db.session.get(AgendaItem, world["item"])
        secret = db.session.get(Document, world["documents"][OTHER["secret"]])
        with pytest.raises(DomainError):
            services.attach_document(elin_user, item, secret)
        db.session.rollback()
    # Her own and public papers she attaches as before.
    elin.submit(
        f"/items/{world['item']}/documents/attach",
        {"attach-document_id": world["documents"][OTHER["public"]]},
        form_url=f"/items/{world['item']}/edit",
    )
    assert _link(app, world["item"], OTHER["public"]) is not None


def test_a_document_is_read_by_its_owners_rule_wherever_it_is_shown(app, world, make_client, login):
    """An admin puts Socialnämnden's internal and secret papers on Kulturnämnden's agenda:
    Kulturnämnden's secretary and member still may not read them; Socialnämnden's may."""
    for title in (OTHER["internal"], OTHER["secret"]):
        _attach_as(app, ADMIN, world["item"], world["documents"][title])
    internal = _link(app, world["item"], OTHER["internal"])
    secret = _link(app, world["item"], OTHER["secret"])
    meeting = world["meeting"]
    expected = {
        ELIN: {internal: 404, secret: 404},
        KARIN: {internal: 404, secret: 404},
        BERTIL: {internal: 200, secret: 200},
        MAJA: {internal: 200, secret: 404},
    }
    for email, codes in expected.items():
        client = _client(make_client, login, email)
        for link, code in codes.items():
            assert client.get(f"/item-documents/{link}/file").status_code == code, email
            assert client.get(f"/meetings/{meeting}/documents/{link}").status_code == code
        page = client.get(f"/meetings/{meeting}").get_data(as_text=True)
        assert (OTHER["secret"] in page) is (codes[secret] == 200), email
        assert (OTHER["internal"] in page) is (codes[internal] == 200), email
        hits = found(client, "Social")
        assert (("document", OTHER["secret"]) in hits) is (codes[secret] == 200), email
        assert (("document", OTHER["internal"]) in hits) is (codes[internal] == 200), email
    # The Word file the secret paper was uploaded as stays closed to the secretary whose agenda
    # holds it, though she manages the item; its owner's secretary reads it from her own item.
    with app.app_context():
        document = db.session.get(Document, world["documents"][OTHER["secret"]])
        document.source_sha256 = store_bytes(b"PK\x03\x04 the original with tracked changes")
        document.source_filename = "utredning.docx"
        document.source_media_type = "application/octet-stream"
        db.session.commit()
    elin = _client(make_client, login, ELIN)
    assert elin.get(f"/item-documents/{secret}/original").status_code == 403
    assert "utredning.docx" not in elin.get(f"/items/{world['item']}/edit").get_data(as_text=True)
    admin = _client(make_client, login, ADMIN)
    assert admin.get(f"/item-documents/{secret}/original").status_code == 200
    # Her own pages name neither paper, yet let her take them off her agenda.
    for url in (f"/items/{world['item']}/edit", f"/meetings/{meeting}/agenda"):
        page = elin.get(url).get_data(as_text=True)
        assert OTHER["secret"] not in page and OTHER["internal"] not in page, url
    response = elin.submit(
        f"/item-documents/{secret}/remove", form_url=f"/items/{world['item']}/edit"
    )
    assert response.status_code == 302 and _link(app, world["item"], OTHER["secret"]) is None


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    outline = []

    def walk(entries):
        for entry in entries:
            if isinstance(entry, list):
                walk(entry)
            else:
                outline.append(entry.title)

    walk(reader.outline)
    return "\n".join([page.extract_text() for page in reader.pages] + outline)


def test_the_shared_pdfs_carry_only_what_every_reader_may_read(
    app, world, make_client, login, smtp_server
):
    for title in (*OWN.values(), OTHER["internal"], OTHER["public"]):
        _attach_as(app, ADMIN, world["item"], world["documents"][title])
    shared = {OWN["public"], OWN["internal"], OTHER["public"]}
    withheld = {OWN["secret"], OTHER["internal"]}
    karin = _client(make_client, login, KARIN)
    response = karin.get(f"/meetings/{world['meeting']}/foredragningslista.pdf")
    assert response.status_code == 200
    agenda = _text(response.data)
    assert all(title in agenda for title in shared)
    assert not any(title in agenda for title in withheld)
    with app.test_request_context():
        packet = _text(packet_pdf(db.session.get(Meeting, world["meeting"])))
        db.session.commit()
    assert all(title in packet for title in shared)
    assert not any(title in packet for title in withheld)
    # The kallelse mails the same PDF to every member.
    elin = _client(make_client, login, ELIN)
    meeting = world["meeting"]
    elin.submit(
        f"/meetings/{meeting}/kallelse",
        {"preliminary": "1"},
        form_url=f"/meetings/{meeting}/agenda",
    )
    smtp_server.wait_for(3)
    for message in smtp_server.messages:
        attachment = next(
            part.get_content()
            for part in message["message"].iter_attachments()
            if part.get_filename().endswith(".pdf")
        )
        mailed = _text(attachment)
        assert OWN["public"] in mailed
        assert not any(title in mailed for title in withheld)
    # The secretary's own agenda page still lists her body's secret paper.
    assert OWN["secret"] in elin.get(f"/meetings/{meeting}/agenda").get_data(as_text=True)


@pytest.mark.parametrize("status", [RecordStatus.JUSTERING, RecordStatus.FINAL])
def test_the_beslutsunderlag_freeze_with_the_record(app, world, make_client, login, status):
    _attach_as(app, ELIN, world["item"], world["documents"][OWN["public"]])
    link = _link(app, world["item"], OWN["public"])
    with app.app_context():
        db.session.get(Meeting, world["meeting"]).record_status = status
        db.session.commit()
    elin = _client(make_client, login, ELIN)
    edit = f"/items/{world['item']}/edit"
    for url, data in (
        (f"/item-documents/{link}/remove", {}),
        (f"/item-documents/{link}/move/down", {}),
        (
            f"/items/{world['item']}/documents/attach",
            {"attach-document_id": world["documents"][OWN["internal"]]},
        ),
    ):
        response = elin.submit(url, data, form_url=edit, follow_redirects=True)
        assert "kan inte längre ändras" in response.get_data(as_text=True), url
    assert _link(app, world["item"], OWN["public"]) == link
    assert _link(app, world["item"], OWN["internal"]) is None
    if status != RecordStatus.FINAL:
        return
    # Below the services, the retention guard refuses every rewrite of a final record's links.
    with app.app_context():
        record = db.session.get(AgendaItemDocument, link)
        changes = (
            lambda: db.session.delete(record),
            lambda: setattr(record, "position", 5),
            lambda: setattr(record, "document_id", world["documents"][OWN["secret"]]),
        )
        for change in changes:
            change()
            with pytest.raises(RetentionError):
                db.session.commit()
            db.session.rollback()
    assert _link(app, world["item"], OWN["public"]) == link


def test_a_change_after_the_kallelse_is_shown_to_the_members(app, world, make_client, login):
    meeting = world["meeting"]
    elin = _client(make_client, login, ELIN)
    karin = _client(make_client, login, KARIN)
    # Before the kallelse an attachment is no news.
    _attach_as(app, ELIN, world["item"], world["documents"][OWN["internal"]])
    assert "Ändrat efter kallelsen" not in karin.get(f"/meetings/{meeting}").get_data(as_text=True)
    with app.app_context():
        db.session.add(Dispatch(meeting_id=meeting, agenda_fingerprint="sent", recipients=[]))
        db.session.commit()
    edit = f"/items/{world['item']}/edit"
    for title in (OWN["public"], OWN["secret"]):
        elin.submit(
            f"/items/{world['item']}/documents/attach",
            {"attach-document_id": world["documents"][title]},
            form_url=edit,
        )
    link = _link(app, world["item"], OWN["internal"])
    elin.submit(f"/item-documents/{link}/remove", form_url=edit)
    page = karin.get(f"/meetings/{meeting}").get_data(as_text=True)
    section = page.split("Ändrat efter kallelsen", 1)[1].split("</section>", 1)[0]
    assert f'Elin Hellström: <span lang="sv">{OWN["public"]}</span> tillagd' in section
    assert f"{OWN['internal']}</span> borttagen" in section
    # The secret paper's change is told without its title.
    assert OWN["secret"] not in page
    assert "en handling som du inte får läsa" in section
    # The public reads the agenda, not the members' change notes.
    public = make_client()
    assert "Ändrat efter kallelsen" not in public.get(f"/meetings/{meeting}").get_data(as_text=True)
