"""tests/factories.py: each factory makes what it needs and takes any column as a keyword."""

from datetime import date

from app.bodies.models import MembershipKind
from app.cases.models import Confidentiality
from app.extensions import db
from app.meetings.models import MeetingStatus
from tests.factories import (
    attach_document,
    create_attendance,
    create_body,
    create_case,
    create_decision,
    create_document,
    create_item,
    create_meeting,
    create_membership,
    create_organisation,
    create_person,
    create_user,
)


def test_a_decision_alone_brings_its_item_meeting_body_term_and_organisation(app):
    with app.app_context():
        decision = create_decision()
        db.session.commit()
        body = decision.item.meeting.body
        assert body.organisation.name == "Org för Testnämnden"
        assert [term.label for term in body.terms] == ["2023–2026"]
        assert decision.item.number == decision.item.position == 1


def test_keywords_override_the_defaults_and_items_number_in_order(app, login, client):
    with app.app_context():
        region = create_organisation("Region Test", short_name="RT")
        body = create_body("Beredningen", organisation=region, is_public=False)
        anna = create_person("Anna Berg", party="S")
        seat = create_membership(anna, body, MembershipKind.SUBSTITUTE)
        user = create_user("anna@example.se", person=anna)
        meeting = create_meeting(body, date(2031, 1, 2), status=MeetingStatus.CONVENED)
        first, second = create_item(meeting), create_item(meeting, "Andra", is_public=False)
        create_attendance(meeting, anna)
        document = create_document("PM", Confidentiality.INTERNAL, owner=body)
        attach_document(second, document)
        case = create_case(region, "RT 2031-00002")
        db.session.commit()
        assert (body.organisation_id, body.is_public) == (region.id, False)
        assert (seat.kind, seat.term.body_id) == (MembershipKind.SUBSTITUTE, body.id)
        assert (user.person_id, user.is_admin) == (anna.id, False)
        assert (meeting.meeting_date, meeting.status) == (date(2031, 1, 2), MeetingStatus.CONVENED)
        assert [(i.number, i.is_public) for i in (first, second)] == [(1, True), (2, False)]
        assert (document.owner_body_id, document.owner_organisation_id) == (body.id, region.id)
        assert case.organisation_id == region.id
    login(client, "anna@example.se")  # the user's password is the login fixture's
