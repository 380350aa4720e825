"""The page ranked in two steps (the best candidates by the index's own score, then the
reader's filter) is the page the whole ranked query gives; hits are counted up to a cap."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from app.accounts.models import User
from app.agenda.models import AgendaItem
from app.extensions import db
from app.meetings.models import Meeting
from app.search import services
from app.search.models import SearchKind
from tests.search.helpers import MEMBER, SECRETARY, hits, make_world, search_page


@pytest.fixture
def world(app, factory):
    """make_world, and 46 items on "läsombud" in the final meeting and the draft one, some not
    public: 32 with the word in the title (high scores, varied by the text's length), 14 with
    it once in a long text (low scores)."""
    ids = make_world(app, factory)
    with app.app_context():
        for meeting_id in (ids["final"], ids["draft"]):
            meeting = db.session.get(Meeting, meeting_id)
            for number in range(3, 26):
                strong = number <= 18  # the word in the title too: a much higher score
                meeting.items.append(
                    AgendaItem(
                        title=f"Läsombud {number}" if strong else f"Rapport {number}",
                        number=number,
                        position=number,
                        summary=(
                            "Läsombuden rapporterar. " + "Om läsning. " * (number % 5)
                            if strong
                            else "Om läsning i skolan och på biblioteket. " * 8 + "Läsombud."
                        ),
                        is_public=number % 4 != 0,
                    )
                )
        db.session.commit()
    return ids


def _pages(user, filters=None) -> list[list[tuple]]:
    pages = []
    for page in (1, 2, 3):
        results = services.search(user, "läsombud", filters, page)
        pages.append([(hit.kind, str(hit.title), hit.url) for hit in results.hits])
    return pages


@pytest.mark.parametrize("email", [None, MEMBER, SECRETARY])
@pytest.mark.parametrize(
    "filters",
    [None, services.Filters(kind=SearchKind.ITEM), services.Filters(year=2024)],
)
def test_two_steps_give_the_pages_of_the_whole_ranked_query(
    app, world, monkeypatch, email, filters
):
    with app.test_request_context():
        user = (
            db.session.scalar(select(User).where(User.email == email))
            if email
            else AnonymousUserMixin()
        )
        monkeypatch.setattr(services, "CANDIDATES", ())  # the whole ranked query only
        expected = _pages(user, filters)
        assert sum(len(page) for page in expected) > 15
        # Too few candidates (the whole query at last), enough for the bound, all matches.
        for candidates in ((1,), (3, 7), (25,), (40,), (30, 45), (1000,)):
            monkeypatch.setattr(services, "CANDIDATES", candidates)
            assert _pages(user, filters) == expected, candidates


def test_more_hits_than_the_cap_are_counted_as_more(app, world, client, monkeypatch):
    monkeypatch.setattr(services, "COUNT_CAP", 10)
    with app.test_request_context():
        results = services.search(AnonymousUserMixin(), "läsombud")
        assert results.more and results.total == 10 and results.pages == 1
        assert len(results.hits) == 10 or len(results.hits) == 20
    page = search_page(client, "läsombud")
    assert "Fler än 10 träffar för ”läsombud”." in page
    assert "<title>läsombud: fler än 10 träffar" in page
    assert len(hits(page)) == 20
    # Below the cap: the exact count, and the counts by kind.
    monkeypatch.setattr(services, "COUNT_CAP", 1000)
    page = search_page(client, "läsombud")
    assert "Fler än" not in page and "träffar för ”läsombud”." in page
