"""Uppdrag: öppen, återrapporterad or försenad (computed each time), who has them, when they
are due, the item that gave them and the item that reported back. On the demo data the SRB
protokoll of 2024-04-19 gives Regionala ledningsgruppen two uppdrag."""

import re
from datetime import date

from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.bodies.models import Body
from app.extensions import db
from app.meetings.models import AgendaStatus, Meeting, MeetingStatus, RecordStatus
from app.record.models import Assignment, AssignmentStatus
from app.register.services import UppdragState, list_uppdrag, state_of
from tests.conftest import JOHANNA
from tests.members_world import ANNA, FIA, UPPDRAG, _item, _meeting, page_of

LEDNINGSGRUPPEN = "Regionala ledningsgruppen"
SRB_UPPDRAG = {
    # item number: (due meeting, the uppdrag as the proposal words it)
    7: (
        date(2024, 10, 11),
        "Utifrån diskussionen återkomma med förslag på eventuella samarbeten inom området "
        "välfärdsbrottslighet.",
    ),
    10: (
        date(2024, 6, 14),
        "Återkomma med ett förslag på insats för att påbörja ett gemensamt arbete kring "
        "etablerings- och investeringsfrämjande i Västmanland.",
    ),
}


def _rows(page: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    return re.findall(r"<tr class=\"uppdrag-\w+\">.*?</tr>", body.group(1), re.S) if body else []


def test_the_demo_srb_protokoll_gives_ledningsgruppen_two_open_uppdrag(app, demo, client):
    from app.demo.cycle import run_srb_cycle

    with app.app_context():
        # What the seeds give before the record is written: Hälsa's to presidiet (open), and
        # Kompetensförsörjning's of 2023-10-27 § 26, reported back on 2024-02-16.
        seeded = db.session.scalars(select(Assignment).order_by(Assignment.id)).all()
        assert sorted((a.assignee, a.status) for a in seeded) == [
            ("ledamöter och ersättare", AssignmentStatus.REPORTED),
            ("presidiet", AssignmentStatus.OPEN),
        ]
    with app.test_request_context():
        assert run_srb_cycle()
        db.session.commit()

    with app.app_context():
        assignments = db.session.scalars(
            select(Assignment).join(Assignment.assignee_body).where(Body.name == LEDNINGSGRUPPEN)
        ).all()
        assert len(assignments) == 2
        for a in assignments:
            item = a.decision.item
            due, description = SRB_UPPDRAG[item.number]
            assert a.description == description
            assert a.due_meeting.meeting_date == due and a.due_meeting.body.short_name == "SRB"
            assert a.status == AssignmentStatus.OPEN
            assert item.meeting.meeting_date == date(2024, 4, 19)
            assert item.meeting.record_status == RecordStatus.FINAL
        ids = {
            a.decision.item.number: (a.decision.item.id, a.decision.item.meeting_id)
            for a in assignments
        }

    page = page_of(client, f"/uppdrag?assignee={LEDNINGSGRUPPEN}")
    rows = _rows(page)
    assert len(rows) == 2
    today = date.today()
    for row, number in zip(rows, (10, 7), strict=True):  # the one due first comes first
        due, description = SRB_UPPDRAG[number]
        assert description in row
        assert f"sammanträdet {due.isoformat()}" in row
        assert LEDNINGSGRUPPEN in row
        assert f"2024-04-19 § {number}" in row
        item_id, meeting_id = ids[number]
        assert f'href="/meetings/{meeting_id}/record#item-{item_id}"' in row
        assert ("Försenad" if due < today else "Öppen") in row
        assert "inte ännu" in row  # not reported back
    # Open ones, overdue or not, are what the "open" filter shows; Hälsa's has no due day.
    active = _rows(page_of(client, "/uppdrag?status=active"))
    assert len(active) == 3
    assert "presidiet" in page_of(client, "/uppdrag?assignee=presidiet")


def test_overdue_is_computed_from_the_due_date_or_the_due_meeting(world, app):
    with app.test_request_context():
        uppdrag = db.session.scalar(select(Assignment))
        assert uppdrag.due_date == date(2025, 6, 30)
        assert state_of(uppdrag, date(2025, 6, 29)) == UppdragState.OPEN
        assert state_of(uppdrag, date(2025, 6, 30)) == UppdragState.OPEN  # due today
        assert state_of(uppdrag, date(2025, 7, 1)) == UppdragState.OVERDUE
        # Due at a meeting: overdue once that meeting's day has passed.
        uppdrag.due_date = None
        uppdrag.due_meeting = db.session.get(Meeting, world["convened"])
        assert state_of(uppdrag, date(2025, 5, 20)) == UppdragState.OPEN
        assert state_of(uppdrag, date(2025, 5, 21)) == UppdragState.OVERDUE
        # Reported back once the item that reports is in a final record; nothing is stored.
        report = _item(uppdrag.due_meeting, 2, "Återrapportering bidrag")
        uppdrag.reported_item = report
        assert state_of(uppdrag, date(2025, 5, 21)) == UppdragState.OVERDUE
        report.meeting.record_status = RecordStatus.FINAL
        assert state_of(uppdrag, date(2030, 1, 1)) == UppdragState.REPORTED
        assert uppdrag.status == AssignmentStatus.OPEN
        uppdrag.status = AssignmentStatus.CANCELLED
        assert state_of(uppdrag, date(2030, 1, 1)) == UppdragState.CANCELLED
        db.session.rollback()


def test_filters_by_status_assignee_body_and_mine(world, app, client, make_client, login):
    with app.test_request_context():
        # A second uppdrag, to Personalgruppen, reported back at a later final meeting.
        decision = db.session.get(AgendaItem, world["grants"]).decision
        later = _meeting(
            world["body"],
            "2025-10-03",
            status=MeetingStatus.HELD,
            agenda_status=AgendaStatus.CONFIRMED,
            record_status=RecordStatus.FINAL,
        )
        report = _item(later, 1, "Återrapport om introduktionen")
        db.session.add(
            Assignment(
                decision=decision,
                assignee_text="Kulturförvaltningen",
                description="Ta fram en introduktion för nya föreningar.",
                due_date=date(2025, 9, 30),
                reported_item=report,
            )
        )
        db.session.commit()
        later_id, report_id = later.id, report.id

    everything = _rows(page_of(client, "/uppdrag"))
    assert len(everything) == 2
    reported = _rows(page_of(client, "/uppdrag?status=reported"))
    assert len(reported) == 1 and "Återrapporterad" in reported[0]
    # The reader may read that record: the link goes to the item in it.
    assert f'href="/meetings/{later_id}/record#item-{report_id}"' in reported[0]
    assert "Återrapporterat vid mötet 2025-10-03</a>" in reported[0]
    overdue = _rows(page_of(client, "/uppdrag?status=overdue"))
    assert len(overdue) == 1 and UPPDRAG in overdue[0] and "Försenad" in overdue[0]
    assert _rows(page_of(client, "/uppdrag?status=open")) == []

    by_assignee = _rows(page_of(client, "/uppdrag?assignee=Kulturförvaltningen"))
    assert len(by_assignee) == 1 and "introduktion" in by_assignee[0]
    assert len(_rows(page_of(client, f"/uppdrag?body={world['body']}"))) == 2
    assert _rows(page_of(client, f"/uppdrag?body={world['group']}")) == []

    # Given to the administration: nobody's "mine".
    anna = make_client()
    login(anna, ANNA)
    assert "introduktion" not in page_of(anna, "/uppdrag?mine=1")
    assert "Bara mina uppdrag" not in page_of(client, "/uppdrag")  # needs a login


def test_mine_are_those_given_to_her_body_its_members_or_its_presidium(
    world, app, make_client, login
):
    with app.test_request_context():
        decision = db.session.get(AgendaItem, world["grants"]).decision
        for wording in ("Ledamöter och ersättare", "presidiet"):
            db.session.add(
                Assignment(decision=decision, assignee_text=wording, description=f"Till {wording}")
            )
        db.session.commit()
    mine = {}
    for email in (ANNA, FIA):  # the ordförande and an ersättare
        member = make_client()
        login(member, email)
        mine[email] = page_of(member, "/uppdrag?mine=1")
        assert 'id="filter-mine" name="mine" type="checkbox" value="1" checked' in mine[email]
    assert len(_rows(mine[ANNA])) == 3
    assert UPPDRAG in mine[FIA] and "Till Ledamöter och ersättare" in mine[FIA]
    assert "Till presidiet" not in mine[FIA]


def test_uppdrag_of_non_public_items_stay_inside(world, app, client, make_client, login):
    with app.test_request_context():
        closed = db.session.get(AgendaItem, world["closed"])
        db.session.add(
            Assignment(
                decision=closed.decision,
                assignee_text="personalchefen",
                description="Utred personalärendet vidare.",
            )
        )
        db.session.commit()
    assert "Utred personalärendet" not in page_of(client, "/uppdrag")
    assert "personalchefen" not in page_of(client, "/uppdrag")  # not even as a choice
    anna = make_client()
    login(anna, ANNA)
    assert "Utred personalärendet" in page_of(anna, "/uppdrag")


def test_johanna_reads_the_uppdrag_of_her_bodies(app, justerat_demo, make_client, login_demo):
    from app.people.models import Person

    with app.test_request_context():
        johanna = db.session.scalar(select(Person).where(Person.name == "Johanna Odö")).id
        entries = list_uppdrag(
            None, body_ids=[db.session.scalar(select(Body.id).where(Body.short_name == "SRB"))]
        )
        assert len(entries) == 2
    client = make_client()
    login_demo(client, JOHANNA)
    page = page_of(client, f"/people/{johanna}")
    assert "Mina uppdrag" in page and "Uppdrag i dina organ" in page
    for _due, description in SRB_UPPDRAG.values():
        assert description in page


def test_the_demo_uppdrag_shows_where_it_was_reported_back(app, demo, client):
    """The seeds' "fick vid mötet 2023-10-27 § 26 i uppdrag", reported back at 2024-02-16
    §6: the list links the item that gave it and the item that reported it, by their §§."""
    with app.app_context():
        assignment = db.session.scalar(
            select(Assignment).where(Assignment.assignee_text == "ledamöter och ersättare")
        )
        origin, report = assignment.decision.item, assignment.reported_item
        ids = (origin.meeting_id, origin.id, report.meeting_id, report.id)
    rows = [
        row
        for row in _rows(page_of(client, "/uppdrag?status=reported"))
        if "reflektera över hur samverkan" in row
    ]
    assert len(rows) == 1
    row = rows[0]
    assert "Återrapporterad" in row
    assert f'<a href="/meetings/{ids[0]}/record#item-{ids[1]}">2023-10-27 § 26</a>' in row
    assert (
        f'<a href="/meetings/{ids[2]}/record#item-{ids[3]}">'
        "Återrapporterat vid mötet 2024-02-16 § 6</a>"
    ) in row
    # Not among the open ones.
    assert "reflektera över hur samverkan" not in page_of(client, "/uppdrag?status=active")
