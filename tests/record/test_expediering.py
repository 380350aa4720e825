"""Expediering: "Beslutet skickas till" as real recipients (organisations, bodies, people,
free text), set while the record is a draft; once it is final the utdrag goes by mail to each
recipient with an address and the record keeps when; a decision made on a group's
recommendation links back to it."""

import re

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from app import create_app
from app.agenda.models import AgendaItem
from app.bodies.models import BodyKind, RecordType
from app.core.audit import AuditEntry
from app.core.dates import local_stamp
from app.core.errors import DomainError
from app.core.retention import RetentionError
from app.extensions import db
from app.meetings.models import Meeting, RecordStatus
from app.organisations.models import Organisation, OrganisationKind
from app.people.models import Person
from app.record.models import DecisionRecipient
from app.record.services import (
    accept_finding,
    attach_planned_to_item,
    can_send_decision,
    completeness,
    finalise_minutes,
    forward_decision,
    forward_links,
    send_decision,
    set_recipients,
    start_record,
    update_decision,
)
from config import TestingConfig
from tests.conftest import hidden
from tests.justering.helpers import DAN, STINA
from tests.record.helpers import (
    NARA_VARD,
    SRB,
    add_case_item,
    assert_in_order,
    item_numbered,
    make_committee,
    meeting_of,
    new_meeting,
    pdf_text,
    without_page_furniture,
)

DECISION = "Ärendet överlämnas till kommunfullmäktige."
ANNA_MAIL = "anna.berg@sala.se"
KULTUR_MAIL = "kultur@sala.se"


def _group(app, factory) -> dict[str, int]:
    """A samverkansgrupp keeping minnesanteckningar, a started record with a case item whose
    decision goes to fullmäktige; Region Testland and two of its kommuner to send it to."""
    ids = make_committee(
        factory,
        name="Samverkansgrupp Kultur",
        kind=BodyKind.COOPERATION_GROUP,
        record_type=RecordType.NOTES,
    )
    ids["region"] = factory.organisation(
        "Region Testland", kind=OrganisationKind.REGION, county="Testland"
    )
    ids["norrby"] = factory.organisation("Norrby kommun", county="Testland")
    ids["arby"] = factory.organisation("Arby kommun", county="Testland")
    factory.organisation("Annanstad kommun", county="Annat län")
    ids["user_stina"] = factory.user(STINA, person_id=ids["stina"])
    ids["user_dan"] = factory.user(DAN, person_id=ids["dan"])
    with app.test_request_context():
        db.session.get(Person, ids["anna"]).email = ANNA_MAIL
        meeting = new_meeting(ids["body"], "2025-03-14")
        item = add_case_item(meeting, ids)
        start_record(None, meeting)
        update_decision(None, item, item.decision.version, text=DECISION)
        db.session.commit()
        ids["meeting"], ids["item"] = meeting.id, item.id
    return ids


def _item(ids) -> AgendaItem:
    return db.session.get(AgendaItem, ids["item"])


def _recipients(ids) -> None:
    """The region and its kommuner, Anna (with an address), fullmäktige, and two in free
    text, one with an address."""
    item = _item(ids)
    update_decision(
        None,
        item,
        item.decision.version,
        text=DECISION,
        recipient_region=ids["region"],
        recipient_organisations=[],
        recipient_bodies=[ids["body"]],
        recipient_people=[ids["anna"]],
        recipient_lines=f"Kulturförvaltningen <{KULTUR_MAIL}>\nPristagaren",
    )


def _finalise(ids) -> None:
    meeting = db.session.get(Meeting, ids["meeting"])
    for finding in completeness(meeting):
        if finding.blocks:
            accept_finding(None, meeting, finding.key, "Inget att anteckna.")
    finalise_minutes(None, meeting)


def test_recipients_are_real_and_set_only_while_the_record_is_a_draft(app, factory):
    ids = _group(app, factory)
    with app.test_request_context():
        item = _item(ids)
        # The decision goes to fullmäktige and no one is named: the completeness check says so.
        assert f"no-recipients/{item.id}" in {f.key for f in completeness(item.meeting)}
        _recipients(ids)
        db.session.commit()
        item = _item(ids)
        assert [r.name for r in item.decision.recipients] == [
            "Region Testland",
            "Arby kommun",
            "Norrby kommun",
            "Samverkansgrupp Kultur",
            "Anna Berg",
            "Kulturförvaltningen",
            "Pristagaren",
        ]
        assert [r.address for r in item.decision.recipients][4:] == [
            ANNA_MAIL,
            KULTUR_MAIL,
            None,
        ]
        assert f"no-recipients/{item.id}" not in {f.key for f in completeness(item.meeting)}
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "set recipients")
        ).one()
        assert entry.changes["recipients"]["after"][-1] == "Pristagaren"
        # Saved again unchanged, nothing is logged.
        _recipients(ids)
        assert (
            db.session.scalar(
                select(sa.func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "set recipients")
            )
            == 1
        )
        # Emptied, the point is back.
        set_recipients(None, item)
        assert f"no-recipients/{item.id}" in {f.key for f in completeness(item.meeting)}
        db.session.rollback()

        _finalise(ids)
        db.session.commit()
        item = _item(ids)
        assert item.meeting.record_status == RecordStatus.FINAL
        with pytest.raises(DomainError, match="slutgiltigt"):
            set_recipients(None, item, others=[("Någon annan", None)])
        db.session.rollback()
        # Not by any path: the row itself is kept as it is.
        recipient = _item(ids).decision.recipients[-1]
        recipient.text = "Någon annan"
        with pytest.raises(RetentionError):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(RetentionError):
            db.session.delete(_item(ids).decision.recipients[0])
            db.session.flush()
        db.session.rollback()


def test_a_bad_free_text_address_is_refused_naming_the_line(app, factory):
    ids = _group(app, factory)
    with app.test_request_context():
        item = _item(ids)
        with pytest.raises(DomainError, match="Inte en e-postadress: Pristagaren <ingen>"):
            update_decision(
                None,
                item,
                item.decision.version,
                text=DECISION,
                recipient_lines="Pristagaren <ingen>",
            )
        db.session.rollback()
        # A region without its county, or an organisation that is not a region, is refused.
        with pytest.raises(DomainError):
            update_decision(
                None, item, item.decision.version, text=DECISION, recipient_region=ids["arby"]
            )
        db.session.rollback()


def test_the_utdrag_goes_to_those_with_an_address_and_the_time_is_kept(app, factory, smtp_server):
    ids = _group(app, factory)
    with app.test_request_context():
        _recipients(ids)
        # Not before the record is final.
        with pytest.raises(DomainError, match="slutgiltigt"):
            send_decision(None, _item(ids))
        _finalise(ids)
        db.session.commit()
        smtp_server.refused_recipients.add(KULTUR_MAIL)
        result = send_decision(None, _item(ids))
        db.session.commit()
        assert [r.name for r in result.sent] == ["Anna Berg"]
        assert [r.name for r in result.failed] == ["Kulturförvaltningen"]
        assert [r.name for r in result.without_address] == [
            "Region Testland",
            "Arby kommun",
            "Norrby kommun",
            "Samverkansgrupp Kultur",
            "Pristagaren",
        ]
        recipients = {r.name: r for r in _item(ids).decision.recipients}
        assert recipients["Anna Berg"].sent_at is not None
        assert recipients["Kulturförvaltningen"].sent_at is None
        assert recipients["Kulturförvaltningen"].failure.startswith("550")
        assert recipients["Pristagaren"].sent_at is None
        anna_sent = recipients["Anna Berg"].sent_at

    assert [m["rcpt_tos"] for m in smtp_server.messages] == [[ANNA_MAIL]]
    message = smtp_server.messages[0]["message"]
    assert message["Subject"] == (
        "Utdrag ur minnesanteckningar Samverkansgrupp Kultur 2025-03-14 § 4: "
        "Bidrag till kulturföreningar 2025"
    )
    attachment = next(message.iter_attachments())
    assert attachment.get_filename().endswith(".pdf")
    text = without_page_furniture(pdf_text(attachment.get_content()))
    assert_in_order(
        text,
        [
            "UTDRAG UR MINNESANTECKNINGAR",
            "Bidrag till kulturföreningar 2025",
            f"Beslut {DECISION}",
            "Beslutet skickas till Region Testland Arby kommun Norrby kommun "
            "Samverkansgrupp Kultur Anna Berg Kulturförvaltningen Pristagaren",
        ],
    )

    # Again, with the mailbox fixed: only the one not reached yet gets it.
    smtp_server.refused_recipients.clear()
    with app.test_request_context():
        result = send_decision(None, _item(ids))
        db.session.commit()
        assert [r.name for r in result.sent] == ["Kulturförvaltningen"]
        assert [r.name for r in result.already_sent] == ["Anna Berg"]
        recipients = {r.name: r for r in _item(ids).decision.recipients}
        assert recipients["Anna Berg"].sent_at == anna_sent
        assert recipients["Kulturförvaltningen"].failure is None
        # A third time there is no one left to send to, and it says so.
        with pytest.raises(DomainError, match="redan skickats"):
            send_decision(None, _item(ids))
    assert [m["rcpt_tos"] for m in smtp_server.messages] == [[ANNA_MAIL], [KULTUR_MAIL]]


def test_the_secretary_sends_from_the_record_page_and_sees_who_has_it(
    app, factory, smtp_server, make_client, login
):
    ids = _group(app, factory)
    with app.test_request_context():
        _recipients(ids)
        _finalise(ids)
        db.session.commit()
    record_url = f"/meetings/{ids['meeting']}/record"
    send_url = f"/items/{ids['item']}/expediering"
    stina, dan, public = make_client(), make_client(), make_client()
    login(stina, STINA)
    login(dan, DAN)
    page = stina.get(record_url).get_data(as_text=True)
    assert "Expediering" in page and f'action="{send_url}"' in page
    assert "Pristagaren: ingen adress" in " ".join(page.split())
    # A member of the group, and the public, can neither send nor see the sending.
    assert dan.submit(send_url, form_url="/").status_code in (403, 404)
    assert f'action="{send_url}"' not in dan.get(record_url).get_data(as_text=True)
    anonymous = public.submit(send_url, form_url="/login")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    assert smtp_server.messages == []

    sent = stina.submit(send_url, form_url=record_url, follow_redirects=True)
    page = " ".join(sent.get_data(as_text=True).split())
    assert "Utdraget skickades till Anna Berg, Kulturförvaltningen." in page
    assert "Ingen e-postadress för Region Testland" in page
    with app.app_context():
        recipient = db.session.scalar(
            select(DecisionRecipient).where(DecisionRecipient.text == "Kulturförvaltningen")
        )
        stamp = local_stamp(recipient.sent_at)
    assert f"Kulturförvaltningen &lt;{KULTUR_MAIL}&gt;: Skickat {stamp}" in page
    assert "Pristagaren: ingen adress" in page
    again = stina.submit(send_url, form_url=record_url, follow_redirects=True)
    assert "Utdraget har redan skickats" in again.get_data(as_text=True)
    assert len(smtp_server.messages) == 2


def test_the_item_form_keeps_what_was_typed_when_an_address_is_wrong(
    app, factory, make_client, login
):
    ids = _group(app, factory)
    client = make_client()
    login(client, STINA)
    url = f"/items/{ids['item']}/record"
    page = client.get(url).get_data(as_text=True)
    assert 'name="recipient_organisations"' in page and 'name="recipient_people"' in page
    response = client.submit(
        url,
        {
            "version": hidden(page, "version"),
            "text": "Ett nytt beslut som inte får gå förlorat.",
            "recipient_people": str(ids["anna"]),
            "recipient_lines": "Kulturförvaltningen <kultur@sala>",
        },
    )
    assert response.status_code == 422, response.headers.get("Location")
    page = response.get_data(as_text=True)
    assert "Inte en e-postadress: Kulturförvaltningen &lt;kultur@sala&gt;" in page
    assert "Ett nytt beslut som inte får gå förlorat." in page
    assert "Kulturförvaltningen &lt;kultur@sala&gt;</textarea>" in page
    assert f'<option selected value="{ids["anna"]}">' in page or (
        f'value="{ids["anna"]}" selected' in page
    )
    with app.app_context():
        assert _item(ids).decision.recipients == []
        assert _item(ids).decision.text == DECISION
    # Put right, it is saved, and the item's history says so.
    fixed = client.submit(
        url,
        {
            "version": hidden(page, "version"),
            "text": "Ett nytt beslut som inte får gå förlorat.",
            "recipient_people": str(ids["anna"]),
            "recipient_lines": f"Kulturförvaltningen <{KULTUR_MAIL}>",
        },
    )
    assert fixed.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "mottagare (Beslutet skickas till) ändrade" in page
    # The history names the fields as the page does, never by the code's names.
    history = re.search(r'<ul class="changes">(.*?)</ul>', page, re.S)
    assert history and "Text" in history[1]
    assert "<code>" not in history[1] and "_id" not in history[1]
    assert f"Kulturförvaltningen &lt;{KULTUR_MAIL}&gt;</textarea>" in page
    with app.app_context():
        assert [r.name for r in _item(ids).decision.recipients] == [
            "Anna Berg",
            "Kulturförvaltningen",
        ]
    # A member of the group cannot open the form.
    member = make_client()
    login(member, DAN)
    assert member.get(url).status_code in (403, 404)


def test_the_higher_bodys_decision_links_back_to_the_groups_recommendation(
    app, demo, make_client, login_demo
):
    with app.test_request_context():
        nara = meeting_of(*NARA_VARD)
        srb = meeting_of(*SRB)
        source = item_numbered(nara, 5)
        planned = forward_decision(None, source, srb)
        db.session.flush()
        assert planned.source_item_id == source.id
        target = item_numbered(srb, 8)
        attach_planned_to_item(None, planned, target)
        start_record(None, srb)
        db.session.commit()
        links = forward_links([target, source])
        assert links.came_from == {target.id: [source]}
        assert [p.item_id for p in links.went_to[source.id]] == [target.id]
        nara_id, srb_id, source_id, target_id = nara.id, srb.id, source.id, target.id
    client = make_client()
    login_demo(client, "elin.hellstrom@example.se")
    page = " ".join(client.get(f"/meetings/{srb_id}/record").get_data(as_text=True).split())
    assert "Beslutat på rekommendation av:" in page
    assert (
        f'href="/meetings/{nara_id}/record#item-{source_id}">Samverkansgrupp Nära vård '
        "2024-02-02 punkt 5 Gemensam målbild Nära vård</a>"
    ) in page
    page = " ".join(client.get(f"/meetings/{nara_id}/record").get_data(as_text=True).split())
    assert "Skickat vidare för beslut till:" in page
    assert (
        f'href="/meetings/{srb_id}/record#item-{target_id}">Strategisk regional beredning' in page
    )


def test_the_migration_makes_each_line_a_recipient_and_back(tmp_path, monkeypatch):
    monkeypatch.setattr(
        TestingConfig, "SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'lines.db'}"
    )
    app = create_app("testing")
    with app.app_context():
        upgrade(revision="b7d4e1a9c326")
        with db.engine.begin() as connection:
            connection.execute(sa.text("PRAGMA foreign_keys=OFF"))
            connection.execute(
                sa.text(
                    "INSERT INTO decisions (id, item_id, text, recipients, version, "
                    "created_at, updated_at) VALUES (1, 1, 'Beslut', :lines, 1, "
                    "'2024-01-01 00:00:00', '2024-01-01 00:00:00')"
                ),
                {"lines": "Kulturförvaltningen\n\n  Pristagaren  \n"},
            )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT decision_id, position, text, organisation_id "
                    "FROM decision_recipients ORDER BY position"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            (1, 0, "Kulturförvaltningen", None),
            (1, 1, "Pristagaren", None),
        ]
        assert "recipients" not in {
            c["name"] for c in sa.inspect(db.engine).get_columns("decisions")
        }
        downgrade(revision="b7d4e1a9c326")
        with db.engine.connect() as connection:
            lines = connection.execute(sa.text("SELECT recipients FROM decisions")).scalar()
        assert lines == "Kulturförvaltningen\nPristagaren"
        db.engine.dispose()


def test_a_closed_items_utdrag_is_not_mailed(app, factory, smtp_server):
    ids = _group(app, factory)
    with app.test_request_context():
        _recipients(ids)
        _item(ids).is_public = False
        _finalise(ids)
        db.session.commit()
        assert not can_send_decision(_item(ids))
        with pytest.raises(DomainError, match="inte offentligt"):
            send_decision(None, _item(ids))
    assert smtp_server.messages == []


def test_an_organisation_or_its_body_is_reached_through_its_registry(app, factory, smtp_server):
    """A recipient that is an organisation gets the utdrag at its registry's address, a body
    at its organisation's; those without one are listed, not sent to."""
    ids = _group(app, factory)
    with app.test_request_context():
        db.session.get(Organisation, ids["arby"]).email = "registrator@arby.se"
        db.session.get(Organisation, ids["organisation"]).email = "diarium@sala.se"
        _recipients(ids)
        _finalise(ids)
        db.session.commit()
        result = send_decision(None, _item(ids))
        db.session.commit()
        assert [r.name for r in result.sent] == [
            "Arby kommun",
            "Samverkansgrupp Kultur",
            "Anna Berg",
            "Kulturförvaltningen",
        ]
        assert [r.name for r in result.without_address] == [
            "Region Testland",
            "Norrby kommun",
            "Pristagaren",
        ]
    assert sorted(m["rcpt_tos"][0] for m in smtp_server.messages) == [
        ANNA_MAIL,
        "diarium@sala.se",
        KULTUR_MAIL,
        "registrator@arby.se",
    ]


def test_the_admin_gives_the_registry_address_and_a_wrong_one_is_refused(
    app, factory, make_client, login
):
    ids = _group(app, factory)
    factory.user("admin@example.se", is_admin=True)
    admin = make_client()
    login(admin, "admin@example.se")
    url = f"/organisations/{ids['arby']}/edit"
    page = admin.get(url).get_data(as_text=True)
    form = {
        "name": "Arby kommun",
        "short_name": "Arby kommun",
        "kind": "kommun",
        "county": "Testland",
        "version": hidden(page, "version"),
    }
    refused = admin.submit(url, {**form, "email": "registrator på arby.se"})
    assert refused.status_code == 422
    assert 'value="registrator på arby.se"' in refused.get_data(as_text=True)
    saved = admin.submit(url, {**form, "email": "registrator@arby.se"})
    assert saved.status_code == 302
    shown = admin.get(f"/organisations/{ids['arby']}").get_data(as_text=True)
    assert '<a href="mailto:registrator@arby.se">registrator@arby.se</a>' in shown
