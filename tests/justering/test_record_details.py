"""The secretary, the justerare and the justering's place and time are chosen at the meeting
and set on the record page while the record is a draft; afterwards they are fixed."""

from app.extensions import db
from app.justering import services
from app.meetings.models import RecordStatus
from tests.conftest import hidden
from tests.justering.helpers import STINA, committee_with_record, meeting


def _details(client, ids, data):
    page = client.get(f"/meetings/{ids['meeting']}/record").get_data(as_text=True)
    token = hidden(page, "details-csrf_token")
    return client.post(
        f"/meetings/{ids['meeting']}/record/details",
        data={"details-csrf_token": token, **data},
        follow_redirects=True,
    )


def test_details_are_set_on_the_record_page(app, factory, make_client, login):
    ids = committee_with_record(app, factory)
    stina = make_client()
    login(stina, STINA)
    response = _details(
        stina,
        ids,
        {
            "details-secretary_id": str(ids["stina"]),
            "details-adjusters": [str(ids["cia"]), str(ids["dan"])],
            "details-adjustment_place_time": "Stadshuset, 2025-03-20 kl. 10.00",
        },
    )
    assert response.status_code == 200
    with app.app_context():
        m = meeting(ids)
        assert [a.person.name for a in m.adjusters] == ["Cia Lund", "Dan Holm"]
        assert m.adjustment_place_time == "Stadshuset, 2025-03-20 kl. 10.00"
    # A substitute who does not serve cannot be justerare: the choice is refused.
    response = _details(stina, ids, {"details-adjusters": [str(ids["fia"])]})
    with app.app_context():
        assert [a.person.name for a in meeting(ids).adjusters] == ["Cia Lund", "Dan Holm"]


def test_details_are_fixed_once_sent(app, factory, make_client, login):
    ids = committee_with_record(app, factory)
    stina = make_client()
    login(stina, STINA)
    with app.test_request_context():
        services.send_to_justering(
            _user(ids),
            meeting(ids),
            review_url=lambda round_id: f"/justering/{round_id}",
        )
        db.session.commit()
        assert meeting(ids).record_status == RecordStatus.JUSTERING
    page = stina.get(f"/meetings/{ids['meeting']}/record").get_data(as_text=True)
    assert "details-csrf_token" not in page
    token = stina.csrf_token("/")
    response = stina.post(
        f"/meetings/{ids['meeting']}/record/details",
        data={"details-csrf_token": token, "details-adjustment_place_time": "Ändrat"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert meeting(ids).adjustment_place_time == "Stadshuset, 2025-03-21"


def _user(ids):
    from app.accounts.models import User

    return db.session.get(User, ids["user_stina"])
