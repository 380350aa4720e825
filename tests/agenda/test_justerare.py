"""The chair and the secretary are never justerare: they sign anyway. The rule holds in the
new-meeting form, in the service behind it and on the record page."""

import pytest
from sqlalchemy import func, select

from app.agenda.services import set_adjusters
from app.bodies.models import MembershipFunction, MembershipKind
from app.core.errors import DomainError
from app.extensions import db
from app.meetings.models import Meeting
from app.people.models import Person
from tests.agenda.helpers import make_committee

SIGNS_ANYWAY = "Ordföranden och sekreteraren skriver under ändå; välj någon annan som justerare."


def _meeting_data(**extra) -> dict:
    return {
        "meeting_date": "2024-09-03",
        "start_time": "09:00",
        "room": "Sammanträdesrum Mälaren",
        "mode": "on_site",
        **extra,
    }


def test_the_chair_is_refused_as_justerare_in_the_new_meeting_form(
    app, factory, make_client, login
):
    ids = make_committee(factory)
    chair = factory.person("Anna Ordförande", party="S")
    factory.seat(chair, ids["body"], MembershipKind.ORDINARY, function=MembershipFunction.CHAIR)
    client = make_client()
    login(client, "elin@example.se")

    refused = client.submit(
        f"/bodies/{ids['body']}/meetings/new", _meeting_data(adjusters=[str(chair)])
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert SIGNS_ANYWAY in page
    assert 'value="Sammanträdesrum Mälaren"' in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count(Meeting.id))) == 0  # nothing saved

    chosen = client.submit(
        f"/bodies/{ids['body']}/meetings/new", _meeting_data(adjusters=[str(ids["karin"])])
    )
    assert chosen.status_code == 302
    with app.app_context():
        meeting = db.session.scalar(select(Meeting))
        assert [a.person_id for a in meeting.adjusters] == [ids["karin"]]


def test_the_service_refuses_the_meetings_secretary(app, factory, make_client, login):
    ids = make_committee(factory)
    client = make_client()
    login(client, "elin@example.se")
    client.submit(f"/bodies/{ids['body']}/meetings/new", _meeting_data())
    with app.test_request_context():
        meeting = db.session.scalar(select(Meeting))
        meeting.secretary_id = ids["elin"]
        db.session.commit()
        with pytest.raises(DomainError) as refused:
            set_adjusters(None, meeting, [db.session.get(Person, ids["elin"])])
        assert refused.value.field == "adjusters"
        db.session.rollback()
        set_adjusters(None, meeting, [db.session.get(Person, ids["olle"])])
        db.session.commit()
        assert [a.person_id for a in db.session.get(Meeting, meeting.id).adjusters] == [ids["olle"]]
