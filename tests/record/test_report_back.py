"""An item reports back on an earlier uppdrag: the uppdrag is linked to it and closed, the
record shows "Uppdrag till … vid mötet 2025-03-14 § 5" from the data (a link on screen), and
no path links it after the record is final, twice, or to an uppdrag of another body."""

import re

import pytest
from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.core.errors import DomainError
from app.extensions import db
from app.meetings.models import Meeting, RecordStatus
from app.record.models import Assignment, AssignmentStatus
from app.record.rendering import record_pdf_for_reading
from app.record.services import (
    add_assignment,
    report_back,
    reportable_assignments,
    start_record,
    undo_report_back,
)
from tests.conftest import hidden
from tests.record.helpers import (
    add_case_item,
    make_committee,
    new_meeting,
    pdf_text,
    without_page_furniture,
)

UPPDRAG = "Utreda hur bidragen kan sökas digitalt."
SECRETARY = "stina@example.se"


def _two_meetings(app, factory) -> dict[str, int]:
    """Kulturnämnden gives an uppdrag at § 5 on 2025-03-14 (record final) and hears it back
    on 2025-05-16 (record a draft), whose last case item is to report."""
    ids = make_committee(factory)
    with app.test_request_context():
        march = new_meeting(ids["body"], "2025-03-14")
        origin = add_case_item(march, ids)
        start_record(None, march)
        assignment = add_assignment(
            None, origin, description=UPPDRAG, assignee_text="kulturförvaltningen"
        )
        march.record_status = RecordStatus.FINAL
        may = new_meeting(ids["body"], "2025-05-16")
        report = add_case_item(may, ids)
        start_record(None, may)
        db.session.commit()
        ids |= {
            "march": march.id,
            "origin": origin.id,
            "assignment": assignment.id,
            "may": may.id,
            "report": report.id,
            "other": may.items[0].id,
        }
        assert origin.record_label == "§ 5"
    return ids


def _get(model, ident):
    return db.session.get(model, ident)


def _item(ids: dict[str, int], key: str) -> AgendaItem:
    return db.session.get(AgendaItem, ids[key])


def test_reporting_back_links_the_uppdrag_and_closes_it(app, factory):
    ids = _two_meetings(app, factory)
    with app.test_request_context():
        report = _item(ids, "report")
        assignment = _get(Assignment, ids["assignment"])
        assert reportable_assignments(report) == [assignment]
        report_back(None, report, assignment)
        db.session.commit()
        assignment = _get(Assignment, ids["assignment"])
        assert assignment.status == AssignmentStatus.REPORTED
        assert assignment.reported_item_id == ids["report"]
        report = _item(ids, "report")
        assert report.reported_assignments == [assignment]
        # Closed: no other item is offered it any more.
        other = _item(ids, "other")
        assert reportable_assignments(other) == []
        text = without_page_furniture(pdf_text(record_pdf_for_reading(report.meeting)))
    # The record says where the uppdrag was given, from the data, in the body's style.
    assert (
        "Återrapporterat uppdrag Uppdrag till kulturförvaltningen vid mötet 2025-03-14 § 5: "
        + UPPDRAG
    ) in text


def test_an_uppdrag_is_reported_back_once(app, factory):
    ids = _two_meetings(app, factory)
    with app.test_request_context():
        report = _item(ids, "report")
        assignment = _get(Assignment, ids["assignment"])
        report_back(None, report, assignment)
        db.session.commit()
        for key in ("report", "other"):
            with pytest.raises(DomainError, match="redan återrapporterat"):
                report_back(None, _item(ids, key), assignment)
        # Written off: not reported back either.
        assignment.status = AssignmentStatus.CANCELLED
        assignment.reported_item_id = None
        with pytest.raises(DomainError, match="avskrivet"):
            report_back(None, _item(ids, "other"), assignment)
        db.session.rollback()


def test_taking_back_a_report_opens_the_uppdrag_again_while_the_record_is_a_draft(app, factory):
    ids = _two_meetings(app, factory)
    with app.test_request_context():
        report = _item(ids, "report")
        assignment = _get(Assignment, ids["assignment"])
        report_back(None, report, assignment)
        db.session.commit()
        with pytest.raises(DomainError, match="återrapporterar inte"):
            undo_report_back(None, _item(ids, "other"), assignment)
        undo_report_back(None, report, assignment)
        db.session.commit()
        assignment = _get(Assignment, ids["assignment"])
        assert (assignment.status, assignment.reported_item_id) == (AssignmentStatus.OPEN, None)
        assert _item(ids, "report").reported_assignments == []


def test_no_report_back_is_linked_or_taken_back_once_the_record_is_final(app, factory):
    ids = _two_meetings(app, factory)
    with app.test_request_context():
        report = _item(ids, "report")
        assignment = _get(Assignment, ids["assignment"])
        report_back(None, report, assignment)
        report.meeting.record_status = RecordStatus.FINAL
        db.session.commit()
        with pytest.raises(DomainError, match="slutgiltigt"):
            undo_report_back(None, report, assignment)
        assert assignment.status == AssignmentStatus.REPORTED
        # A second uppdrag, still open, cannot be linked to the final record either.
        second = Assignment(
            decision=_item(ids, "origin").decision,
            assignee_text="presidiet",
            description="Något annat.",
        )
        db.session.add(second)
        db.session.flush()
        with pytest.raises(DomainError, match="slutgiltigt"):
            report_back(None, report, second)
        assert second.status == AssignmentStatus.OPEN and second.reported_item_id is None
        db.session.rollback()


def test_only_a_later_meeting_of_the_body_that_gave_it_or_got_it_hears_it_back(app, factory):
    ids = _two_meetings(app, factory)
    other_ids = make_committee(factory, name="Tekniska nämnden")
    with app.test_request_context():
        assignment = _get(Assignment, ids["assignment"])
        elsewhere = new_meeting(other_ids["body"], "2025-05-20")
        foreign = add_case_item(elsewhere, other_ids)
        start_record(None, elsewhere)
        db.session.flush()
        assert assignment not in reportable_assignments(foreign)
        with pytest.raises(DomainError, match="tidigare sammanträde"):
            report_back(None, foreign, assignment)
        # Given to that body, it hears it back.
        assignment.assignee_body_id = other_ids["body"]
        assert reportable_assignments(foreign) == [assignment]
        # The meeting that gave it does not hear it back at itself.
        origin = _item(ids, "origin")
        origin.meeting.record_status = RecordStatus.DRAFT
        with pytest.raises(DomainError, match="tidigare sammanträde"):
            report_back(None, origin, assignment)
        assert assignment.status == AssignmentStatus.OPEN
        db.session.rollback()


def test_the_secretary_marks_the_report_back_on_the_items_page(app, factory, make_client, login):
    ids = _two_meetings(app, factory)
    factory.user(SECRETARY, person_id=ids["stina"])
    client = make_client()
    login(client, SECRETARY)
    item_url = f"/items/{ids['report']}/record"
    page = client.get(item_url).get_data(as_text=True)
    choices = re.search(r'<select[^>]*name="report-back-assignment_id".*?</select>', page, re.S)
    assert choices and UPPDRAG in choices.group(0) and "2025-03-14 § 5" in choices.group(0)

    # Bad input: no choice, or an uppdrag that does not exist; a clear error, nothing changes.
    for value in ("", "abc", "999999"):
        response = client.post(
            f"/items/{ids['report']}/reports-back",
            data={"csrf_token": hidden(page, "csrf_token"), "report-back-assignment_id": value},
        )
        assert response.status_code == 302
        assert "Välj ett uppdrag." in client.get(item_url).get_data(as_text=True)
    # Without the CSRF token nothing happens.
    response = client.post(
        f"/items/{ids['report']}/reports-back",
        data={"report-back-assignment_id": str(ids["assignment"])},
    )
    assert response.status_code in (302, 400)
    with app.app_context():
        assert _get(Assignment, ids["assignment"]).status == AssignmentStatus.OPEN

    response = client.post(
        f"/items/{ids['report']}/reports-back",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "report-back-assignment_id": str(ids["assignment"]),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert _get(Assignment, ids["assignment"]).status == AssignmentStatus.REPORTED
    # Twice: refused with the reason, no 500.
    response = client.post(
        f"/items/{ids['other']}/reports-back",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "report-back-assignment_id": str(ids["assignment"]),
        },
    )
    assert response.status_code == 302
    other_page = client.get(f"/items/{ids['other']}/record").get_data(as_text=True)
    assert "Uppdraget är redan återrapporterat." in other_page

    # The record page links back to the item that gave the uppdrag.
    record = client.get(f"/meetings/{ids['may']}/record").get_data(as_text=True)
    link = (
        f'<a href="/meetings/{ids["march"]}/record#item-{ids["origin"]}">mötet 2025-03-14 § 5</a>'
    )
    assert f"Uppdrag till kulturförvaltningen vid {link}: {UPPDRAG}" in record

    # Taken back from the item's page while the record is a draft.
    page = client.get(item_url).get_data(as_text=True)
    assert "Öppna uppdraget igen" in page
    response = client.post(
        f"/items/{ids['report']}/reports-back/{ids['assignment']}/remove",
        data={"csrf_token": hidden(page, "csrf_token")},
    )
    assert response.status_code == 302
    with app.app_context():
        assert _get(Assignment, ids["assignment"]).status == AssignmentStatus.OPEN
    # An uppdrag the item does not report back on is not there, seen from the item.
    response = client.post(
        f"/items/{ids['other']}/reports-back/{ids['assignment']}/remove",
        data={"csrf_token": hidden(page, "csrf_token")},
    )
    assert response.status_code == 404


def test_only_the_bodys_secretary_marks_a_report_back(app, factory, make_client, login):
    ids = _two_meetings(app, factory)
    factory.user("anna@example.se", person_id=ids["anna"])
    member = make_client()
    login(member, "anna@example.se")
    response = member.submit(
        f"/items/{ids['report']}/reports-back",
        {"report-back-assignment_id": str(ids["assignment"])},
        form_url="/",
    )
    assert response.status_code in (403, 404)
    with app.app_context():
        assert _get(Assignment, ids["assignment"]).status == AssignmentStatus.OPEN


def test_the_demo_uppdrag_history_is_linked_data(app, demo, client):
    """Seed 001: "Ledamöter och ersättare fick vid mötet 2023-10-27 § 26 i uppdrag …",
    reported at 2024-02-16 §6, is an uppdrag of the 2023-10-27 minutes linked to the item
    that reported it, not prose."""
    with app.app_context():
        assignment = db.session.scalar(
            select(Assignment).where(Assignment.assignee_text == "ledamöter och ersättare")
        )
        origin = assignment.decision.item
        report = assignment.reported_item
        assert (origin.meeting.meeting_date.isoformat(), origin.record_label) == (
            "2023-10-27",
            "§ 26",
        )
        assert (report.meeting.meeting_date.isoformat(), report.record_label) == (
            "2024-02-16",
            "§ 6",
        )
        assert assignment.status == AssignmentStatus.REPORTED
        assert assignment.due_meeting_id == report.meeting_id
        assert "vid mötet" not in (report.summary or "")
        origin_meeting, origin_id = origin.meeting_id, origin.id
        report_meeting = db.session.get(Meeting, report.meeting_id)
        text = pdf_text(record_pdf_for_reading(report_meeting))
        report_meeting_id = report_meeting.id
    record = client.get(f"/meetings/{report_meeting_id}/record").get_data(as_text=True)
    assert (
        f'vid <a href="/meetings/{origin_meeting}/record#item-{origin_id}">'
        "mötet 2023-10-27 § 26</a>"
    ) in record
    assert "Uppdrag till ledamöter och ersättare vid mötet 2023-10-27 § 26: Till kommande möte" in (
        " ".join(text.split())
    )
    # The origin's record is readable, with the § the link names.
    origin_page = client.get(f"/meetings/{origin_meeting}/record").get_data(as_text=True)
    assert f'id="item-{origin_id}"><span class="number">§ 26</span> Nästa möte' in origin_page
