"""`flask seed-synthetic`: the benchmark volume, small here."""

from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from app.agenda.models import AgendaItem
from app.bodies.models import Body, Membership
from app.extensions import db
from app.meetings.models import Meeting, RecordStatus
from app.record.models import Decision
from app.search.models import SearchEntry
from app.search.services import search


def test_seed_synthetic_makes_bodies_meetings_items_and_a_searchable_index(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-synthetic", "--bodies", "3", "--years", "2"])
    assert result.exit_code == 0, result.output
    assert "meetings: 60" in result.output
    with app.app_context():
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(Body) == 3
        assert count(Membership) == 3 * 17
        assert count(Meeting) == 3 * 2 * 10
        assert count(AgendaItem) == 3 * 2 * 10 * 15
        assert count(Decision) == count(AgendaItem)
        assert count(SearchEntry) == 2 * count(AgendaItem)
        finals = select(func.count()).where(Meeting.record_status == RecordStatus.FINAL)
        assert db.session.scalar(finals) == 60
        meeting_id = db.session.scalar(select(Meeting.id).order_by(Meeting.id.desc()))
        body_id = db.session.scalar(select(Body.id))

    # The public pages and the search have content: Swedish word forms find the decisions.
    with app.test_request_context():
        found = search(AnonymousUserMixin(), "detaljplanerna")
        assert found.total > 0
        assert any("etaljplan" in hit.title for hit in found.hits)
    page = client.get("/search?q=detaljplanen").get_data(as_text=True)
    assert "<mark>" in page
    assert client.get(f"/meetings/{meeting_id}").status_code == 200
    assert client.get(f"/meetings/{meeting_id}/record").status_code == 200
    assert client.get(f"/bodies/{body_id}").status_code == 200

    # Loaded once: a second run refuses instead of duplicating.
    again = runner.invoke(args=["seed-synthetic", "--bodies", "3", "--years", "2"])
    assert again.exit_code != 0
    assert "already loaded" in again.output
