"""A new agenda starts complete: the body's standing items on it, and beside it the topics
planned for the meeting ("Kommande möte") and the uppdrag due at it, offered to add."""

from datetime import date

import pytest
from sqlalchemy import select

from app.agenda import services
from app.agenda.models import AgendaItem, PlannedItem
from app.bodies.models import Body
from app.core.errors import DomainError
from app.extensions import db
from app.meetings.models import AgendaStatus, Meeting, RecordStatus
from app.record import services as record
from app.record.models import Assignment, AssignmentStatus
from tests.agenda.helpers import make_committee, meeting_on, titles
from tests.agenda.test_building import _new_meeting
from tests.conftest import ELIN, hidden
from tests.factories import create_body, create_decision, create_item, create_meeting

STANDING = [
    "Fastställande av föredragningslista",
    "Föregående protokoll",
    "Justering",
    "Nästa sammanträde",
    "Övriga frågor",
]
KOMMANDE = (
    "Vid nästa sammanträde planeras följande frågor:\n\n"
    "- Samverkan Mälardalens Universitet\n"
    "- Kollektivtrafik"
)


def _committee(factory, make_client, login):
    ids = make_committee(factory)
    client = make_client()
    login(client, "elin@example.se")
    return ids, client


def _uppdrag_till_kommande_mote(app, meeting_id: int) -> int:
    """An uppdrag given at ``meeting_id`` "till kommande möte" (no date, no meeting)."""
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        item = create_item(meeting, "Skola och arbetsliv")
        assignment = Assignment(
            decision=create_decision(item, text="Ledamöterna får i uppdrag att reflektera."),
            assignee_text="ledamöter och ersättare",
            description="Till kommande möte reflektera över samverkan mellan skola och arbetsliv.",
            due_text="till kommande möte",
        )
        db.session.add(assignment)
        db.session.commit()
        return assignment.id


def _plan(client, item_id: int, topics: str):
    return client.submit(f"/items/{item_id}/coming-topics", {"topics": topics})


def test_a_new_meeting_starts_with_the_standing_items_and_offers_plans_and_uppdrag(
    app, factory, make_client, login
):
    ids, client = _committee(factory, make_client, login)
    first = _new_meeting(client, ids["body"], "2024-04-19")
    assert [title for _n, title in titles(app, first)] == STANDING
    kommande = client.submit(
        f"/meetings/{first}/items/new", {"title": "Kommande möte", "summary_label": ""}
    )
    assert kommande.status_code == 302
    with app.app_context():
        item_id = db.session.scalar(
            select(AgendaItem.id).where(AgendaItem.title == "Kommande möte")
        )
    uppdrag = _uppdrag_till_kommande_mote(app, first)
    planned = _plan(client, item_id, "Samverkan Mälardalens Universitet\nKollektivtrafik\n\n")
    assert planned.status_code == 302
    with app.app_context():
        assert db.session.get(AgendaItem, item_id).summary == KOMMANDE

    # Not offered at the meeting that planned them and gave the uppdrag.
    page = client.get(f"/meetings/{first}/agenda").get_data(as_text=True)
    assert "0 förslag att ta upp" in page

    second = _new_meeting(client, ids["body"], "2024-06-14")
    assert [title for _n, title in titles(app, second)] == STANDING
    page = client.get(f"/meetings/{second}/agenda").get_data(as_text=True)
    assert "3 förslag att ta upp" in page
    assert "Samverkan Mälardalens Universitet" in page and "Kollektivtrafik" in page
    assert "planerad vid sammanträdet 2024-04-19" in page
    assert "Till kommande möte reflektera över samverkan" in page
    plan = client.get(f"/bodies/{ids['body']}/planned").get_data(as_text=True)
    assert "planerad vid sammanträdet 2024-04-19" in plan
    assert "ska återrapporteras till kommande möte" in page

    with app.app_context():
        topics = {
            t.title: t.id
            for t in db.session.scalars(
                select(PlannedItem).where(PlannedItem.body_id == ids["body"])
            )
        }
    form = f"/meetings/{second}/agenda"
    client.submit(f"/planned/{topics['Kollektivtrafik']}/pull/{second}", form_url=form)
    client.submit(f"/assignments/{uppdrag}/pull/{second}", form_url=form)
    assert [title for _n, title in titles(app, second)] == [
        *STANDING[:4],
        "Kollektivtrafik",
        "Återrapportering: Skola och arbetsliv",
        "Övriga frågor",
    ]
    page = client.get(form).get_data(as_text=True)
    assert "1 förslag att ta upp" in page
    # Not twice.
    again = client.submit(
        f"/assignments/{uppdrag}/pull/{second}", form_url=form, follow_redirects=True
    )
    assert "Uppdraget finns redan på en föredragningslista." in again.get_data(as_text=True)
    client.submit(f"/planned/{topics['Kollektivtrafik']}/pull/{second}", form_url=form)
    assert len(titles(app, second)) == 7
    with app.app_context():
        assignment = db.session.get(Assignment, uppdrag)
        # The one path: linked to the item and closed, as record.services.report_back does.
        assert assignment.status == AssignmentStatus.REPORTED
        assert assignment.reported_item.meeting_id == second
        reporting_id = assignment.reported_item_id

    # Taking the item off the agenda opens the uppdrag again, offered once more.
    client.submit(f"/items/{reporting_id}/remove", form_url=form)
    with app.app_context():
        assignment = db.session.get(Assignment, uppdrag)
        assert (assignment.status, assignment.reported_item_id) == (AssignmentStatus.OPEN, None)
    assert "2 förslag att ta upp" in client.get(form).get_data(as_text=True)


def test_the_kommande_mote_text_is_written_from_the_planned_topics(
    app, factory, make_client, login
):
    ids, client = _committee(factory, make_client, login)
    first = _new_meeting(client, ids["body"], "2024-04-19")
    second = _new_meeting(client, ids["body"], "2024-06-14")
    client.submit(f"/meetings/{first}/items/new", {"title": "Kommande möte", "summary_label": ""})
    with app.app_context():
        item_id = db.session.scalar(
            select(AgendaItem.id).where(AgendaItem.title == "Kommande möte")
        )
    page = client.get(f"/items/{item_id}/edit").get_data(as_text=True)
    assert "Planera frågor till nästa sammanträde" in page
    _plan(client, item_id, "Samverkan Mälardalens Universitet\nKollektivtrafik")
    with app.app_context():
        planned = db.session.scalars(select(PlannedItem).order_by(PlannedItem.id)).all()
        # Planned for the body's next meeting, which is scheduled.
        assert [(p.title, p.meeting_id, p.planned_at_id) for p in planned] == [
            ("Samverkan Mälardalens Universitet", second, item_id),
            ("Kollektivtrafik", second, item_id),
        ]
        kollektivtrafik = planned[1].id
    # The form shows what is planned; a topic left out leaves the plan and the text.
    assert "Kollektivtrafik" in client.get(f"/items/{item_id}/coming-topics").get_data(as_text=True)
    _plan(client, item_id, "Kollektivtrafik")
    with app.app_context():
        assert db.session.get(AgendaItem, item_id).summary == (
            "Vid nästa sammanträde planeras följande frågor:\n\n- Kollektivtrafik"
        )
        assert (
            db.session.scalar(select(PlannedItem.title).where(PlannedItem.id != kollektivtrafik))
            is None
        )

    # A topic already on the later agenda stays: refused, and what was typed is kept.
    client.submit(
        f"/planned/{kollektivtrafik}/pull/{second}", form_url=f"/meetings/{second}/agenda"
    )
    refused = _plan(client, item_id, "Bredband på landsbygden")
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Bredband på landsbygden" in text
    assert "står redan på föredragningslistan för 2024-06-14" in text
    with app.app_context():
        assert db.session.get(AgendaItem, item_id).summary.endswith("- Kollektivtrafik")
    # The text is the topics': typed otherwise on the item's form, it is refused (and kept).
    page = client.get(f"/items/{item_id}/edit").get_data(as_text=True)
    token = hidden(page, "csrf_token")
    version = hidden(page, "version")
    edited = {
        "csrf_token": token,
        "version": version,
        "title": "Kommande möte",
        "summary_label": "",
        "summary": "Vid nästa sammanträde planeras följande frågor:\r\n\r\n- Bredband",
    }
    refused = client.post(f"/items/{item_id}/edit", data=edited)
    assert refused.status_code == 422
    assert "ändra frågorna i stället" in refused.get_data(as_text=True)
    assert "- Bredband" in refused.get_data(as_text=True)
    edited["summary"] = (
        "Vid nästa sammanträde planeras följande frågor:\r\n\r\n- Kollektivtrafik\r\n"
    )
    assert client.post(f"/items/{item_id}/edit", data=edited).status_code == 302
    # A second topic is added to the plan and to the text.
    _plan(client, item_id, "Kollektivtrafik\nBredband på landsbygden")
    with app.app_context():
        assert db.session.get(AgendaItem, item_id).summary == (
            "Vid nästa sammanträde planeras följande frågor:\n\n"
            "- Kollektivtrafik\n- Bredband på landsbygden"
        )


def test_topics_planned_without_a_next_meeting_go_to_whichever_comes_next(app):
    with app.test_request_context():
        body = create_body("Samverkansgrupp Kompetensförsörjning")
        held = create_meeting(body, date(2024, 2, 16))
        item = create_item(held, "Nästa möte")
        assert services.plans_next_meeting(item)
        topics = services.plan_from_item(None, item, ["Skola och arbetsliv"])
        assert topics[0].meeting_id is None
        later = services.schedule_meeting(None, body, meeting_date=date(2024, 4, 26))
        earlier = services.schedule_meeting(None, body, meeting_date=date(2024, 1, 26))
        assert services.offered_planned_items(later) == topics
        assert services.offered_planned_items(earlier) == []
        assert services.offered_planned_items(held) == []
        # The standing item "Nästa sammanträde" says when, not what.
        assert not services.plans_next_meeting(later.items[3])


def test_the_signed_record_keeps_its_topics(app):
    with app.test_request_context():
        meeting = create_meeting(meeting_date=date(2024, 2, 16), record_status=RecordStatus.FINAL)
        item = create_item(meeting, "Kommande möte")
        with pytest.raises(DomainError, match="justerat eller ute på justering"):
            services.plan_from_item(None, item, ["Kollektivtrafik"])
        assert services.planned_at(item) == []


def test_a_pulled_uppdrag_reports_back_by_the_records_one_path(app):
    """The item the uppdrag was pulled onto reports back on it in the record: the record's
    "Open the uppdrag again" takes it back, and reporting back once more is refused."""
    with app.test_request_context():
        body = create_body("Kulturnämnden")
        first = create_meeting(body, date(2024, 4, 19))
        uppdrag = Assignment(
            decision=create_decision(create_item(first, "Bibliotek")),
            assignee_text="förvaltningen",
            description="Återkomma med en plan.",
            due_date=date(2024, 6, 14),
        )
        db.session.add(uppdrag)
        db.session.flush()
        too_early = services.schedule_meeting(None, body, meeting_date=date(2024, 5, 3))
        second = services.schedule_meeting(None, body, meeting_date=date(2024, 6, 14))
        later = services.schedule_meeting(None, body, meeting_date=date(2024, 9, 6))
        assert services.offered_assignments(too_early) == []
        assert services.offered_assignments(second) == [uppdrag]
        assert services.offered_assignments(later) == [uppdrag]  # still due: overdue
        item = services.pull_assignment(None, uppdrag, second)
        assert services.offered_assignments(later) == []
        second.record_status = RecordStatus.DRAFT
        assert item.reported_assignments == [uppdrag]
        assert record.reportable_assignments(item) == []  # closed: not offered twice
        with pytest.raises(DomainError, match="redan återrapporterat"):
            record.report_back(None, item, uppdrag)
        record.undo_report_back(None, item, uppdrag)
        assert (uppdrag.status, uppdrag.reported_item_id) == (AssignmentStatus.OPEN, None)
        record.report_back(None, item, uppdrag)
        assert uppdrag.status == AssignmentStatus.REPORTED


def test_refused_for_members_other_bodies_and_confirmed_agendas(app, factory, make_client, login):
    ids, client = _committee(factory, make_client, login)
    meeting_id = _new_meeting(client, ids["body"], "2024-06-14")
    with app.app_context():
        other = create_body("Fritidsnämnden")
        foreign = PlannedItem(body_id=other.id, title="Fritidsgårdar")
        mine = PlannedItem(body_id=ids["body"], title="Kollektivtrafik")
        db.session.add_all([foreign, mine])
        db.session.commit()
        foreign_id, mine_id = foreign.id, mine.id
    form = f"/meetings/{meeting_id}/agenda"
    page = client.get(form).get_data(as_text=True)
    assert "Fritidsgårdar" not in page and "1 förslag att ta upp" in page
    refused = client.submit(
        f"/planned/{foreign_id}/pull/{meeting_id}", form_url=form, follow_redirects=True
    )
    assert "Frågan är planerad för ett annat organ." in refused.get_data(as_text=True)

    # A member may not add it; nor may anyone without the form's token.
    karin = make_client()
    factory.user("karin@example.se", person_id=ids["karin"])
    login(karin, "karin@example.se")
    token = client.csrf_token(form)
    assert karin.post(
        f"/planned/{mine_id}/pull/{meeting_id}", data={"csrf_token": token}
    ).status_code in (400, 403)
    assert client.post(f"/planned/{mine_id}/pull/{meeting_id}").status_code == 400
    assert len(titles(app, meeting_id)) == 5

    # A confirmed agenda offers them without the button and takes nothing.
    client.submit(f"/meetings/{meeting_id}/agenda/confirm", form_url=form)
    page = client.get(form).get_data(as_text=True)
    assert "gör den preliminär igen" in page
    refused = client.submit(
        f"/planned/{mine_id}/pull/{meeting_id}", form_url=form, follow_redirects=True
    )
    assert "fastställd" in refused.get_data(as_text=True)
    assert len(titles(app, meeting_id)) == 5
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).agenda_status == AgendaStatus.CONFIRMED
        assert db.session.get(PlannedItem, mine_id).item_id is None


def test_the_demos_next_srb_meeting_starts_complete(app, justerat_demo, make_client, login_demo):
    """SRB's meeting of 2024-06-14 (the one after the seed's 2024-04-19): its standing items,
    the two topics the seed's item 15 "Kommande möte" plans for it, and the uppdrag of item 10
    due at it, as Elin sees the agenda."""
    with app.app_context():
        srb = db.session.scalar(select(Body).where(Body.short_name == "SRB"))
        seed = meeting_on(app, srb.id, "2024-04-19")
        kommande = next(i for i in seed.items if i.title == "Kommande möte")
        assert kommande.summary == KOMMANDE
        assert [t.title for t in services.planned_at(kommande)] == [
            "Samverkan Mälardalens Universitet",
            "Kollektivtrafik",
        ]
        nxt = meeting_on(app, srb.id, "2024-06-14")
        assert {t.meeting_id for t in services.planned_at(kommande)} == {nxt.id}
        next_id = nxt.id
    assert [title for _n, title in titles(app, next_id)] == STANDING
    elin = make_client()
    login_demo(elin, ELIN)
    page = elin.get(f"/meetings/{next_id}/agenda").get_data(as_text=True)
    assert "3 förslag att ta upp" in page
    for text in (
        "Samverkan Mälardalens Universitet",
        "Kollektivtrafik",
        "Regionala ledningsgruppen",
        "etablerings- och investeringsfrämjande",
        *STANDING,
    ):
        assert text in page, text
    # The uppdrag of item 7 is due at 2024-10-11, not now.
    assert "välfärdsbrottslighet" not in page
    johanna = make_client()
    login_demo(johanna, "johanna.odo@example.se")
    assert johanna.get(f"/meetings/{next_id}/agenda").status_code == 403
