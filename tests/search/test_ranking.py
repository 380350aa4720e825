"""The search reads the reader's latest matches from the index, at most COUNT_CAP + 1 of them
(the pool), and ranks those: below the cap the page is that of the whole ranked query, above it
the best of the latest COUNT_CAP, counted as "more than"; the filters and what the reader may
see are applied while matching, never after the cap."""

from datetime import date

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select, text

from app.accounts.models import User
from app.agenda.models import AgendaItem
from app.extensions import db
from app.meetings.models import Meeting
from app.search import index, services
from app.search.models import SearchEntry, SearchKind
from app.search.services import Filters, readable
from app.search.text import parse_query
from tests.factories import create_user
from tests.search.helpers import MEMBER, OUTSIDER, SECRETARY, hits, make_world, search_page

ADMIN = "admin.search@example.se"


@pytest.fixture
def world(app, factory):
    """make_world, an admin, and 46 items on "läsombud" in the final meeting (2023) and the
    draft one (2024), some not public: 32 with the word in the title (high scores, varied by
    the text's length), 14 with it once in a long text (low scores)."""
    ids = make_world(app, factory)
    with app.app_context():
        create_user(ADMIN, is_admin=True)
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


def _user(email):
    if email is None:
        return AnonymousUserMixin()
    return db.session.scalar(select(User).where(User.email == email))


def _pool(user, filters=None, limit=10_000) -> list[int]:
    """The ids of the pool, in the order the index handed them out."""
    backend = services.BACKENDS[db.session.connection().dialect.name]
    services.ensure_index(db.session.connection())
    return [row[0] for row in backend(parse_query("läsombud"), user, filters or Filters(), limit)]


def _expected_order(ids: list[int], user, filters=None) -> list[int]:
    """The whole ranked order of these rows: the backend's score times the kind's weight, then
    the latest meeting, then the row (as the page is ranked)."""
    rows = {row[0]: row for row in _pool_rows(user, filters)}
    weights = {kind.value: weight for kind, weight in services.KIND_WEIGHTS.items()}
    return sorted(
        ids,
        key=lambda id_: (-rows[id_][1] * weights[rows[id_][2]], _neg_date(rows[id_][3]), id_),
    )


def _pool_rows(user, filters=None):
    backend = services.BACKENDS[db.session.connection().dialect.name]
    return backend(parse_query("läsombud"), user, filters or Filters(), 10_000)


def _neg_date(day) -> int:
    return -(day if isinstance(day, date) else date.fromisoformat(day)).toordinal()


def _matching(user) -> set[int]:
    """Every row on "läsombud" the user may see, by the SQL filter (the admin's pool holds every
    match: an admin sees all)."""
    every = set(_pool(_user(ADMIN)))
    return every & set(db.session.scalars(readable(select(SearchEntry.id), user)))


@pytest.mark.parametrize("email", [None, MEMBER, SECRETARY, ADMIN])
@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(kind=SearchKind.ITEM),
        Filters(kind=SearchKind.DECISION),
        Filters(year=2023),
        Filters(year=2024, kind=SearchKind.ITEM),
    ],
)
def test_the_pool_is_the_readers_matches_latest_first(app, world, email, filters):
    """The index's own filters (SQLite: the public's visibility, body, year and kind as tokens
    beside the text) give exactly the rows the SQL filter gives, latest first; a limit keeps
    the latest."""
    with app.test_request_context():
        user = _user(email)
        pool = _pool(user, filters)
        expected = {
            entry.id
            for entry in db.session.scalars(
                select(SearchEntry).where(SearchEntry.id.in_(_matching(user)))
            )
            if (filters.kind is None or entry.kind == filters.kind)
            and (filters.year is None or entry.meeting_date.year == filters.year)
        }
        assert set(pool) == expected and len(pool) == len(expected)
        # No decision on "läsombud": the empty pool is right too.
        assert bool(expected) is (filters.kind != SearchKind.DECISION)
        dates = {entry.id: entry.meeting_date for entry in db.session.scalars(select(SearchEntry))}
        latest_first = sorted(pool, key=lambda id_: (dates[id_], id_), reverse=True)
        assert pool == latest_first
        assert _pool(user, filters, limit=5) == latest_first[:5]
        with_body = _pool(user, Filters(body_id=world["body"], kind=filters.kind))
        assert set(with_body) <= set(_pool(user, Filters(kind=filters.kind)))


@pytest.mark.parametrize("email", [None, MEMBER, SECRETARY])
def test_below_the_cap_the_pages_are_those_of_the_whole_ranked_query(app, world, email):
    with app.test_request_context():
        user = _user(email)
        order = _expected_order(list(_matching(user)), user)
        assert len(order) > 20
        shown = []
        for page in (1, 2, 3):
            results = services.search(user, "läsombud", None, page)
            assert not results.more and results.total == len(order)
            shown.extend(hit.url for hit in results.hits)
        # The same rows in the same order (by the rows' own links, unique here but for a
        # decision's and its item's anchors, which differ by kind).
        entries = {e.id: e for e in db.session.scalars(select(SearchEntry))}
        kinds = [
            hit.kind
            for page in (1, 2, 3)
            for hit in services.search(user, "läsombud", None, page).hits
        ]
        assert [(entries[id_].kind, entries[id_].item_id) for id_ in order] == [
            (kind, int(url.rsplit("item-", 1)[1])) for kind, url in zip(kinds, shown, strict=True)
        ]
        # The strong titles first.
        first = services.search(user, "läsombud").hits
        assert all("Läsombud" in str(hit.title) for hit in first[:5])


def test_above_the_cap_the_best_of_the_latest_are_shown(app, world, client, monkeypatch):
    """With more matches than the cap, the pool is the latest COUNT_CAP + 1 (all from the 2024
    meeting here, though stronger matches exist in 2023), the count says "more than", and the
    year filter, part of the match, reaches the older ones."""
    monkeypatch.setattr(services, "COUNT_CAP", 10)
    with app.test_request_context():
        user = AnonymousUserMixin()
        results = services.search(user, "läsombud")
        assert results.more and results.total == 10 and results.pages == 1
        assert len(results.hits) == 10
        assert {hit.meeting_date for hit in results.hits} == {date(2024, 3, 14)}
        latest = _pool(user, limit=10)
        entries = {e.id: e for e in db.session.scalars(select(SearchEntry))}
        assert [(hit.kind.value, int(hit.url.rsplit("item-", 1)[1])) for hit in results.hits] == [
            (entries[id_].kind.value, entries[id_].item_id) for id_ in _expected_order(latest, user)
        ]
        older = services.search(user, "läsombud", Filters(year=2023))
        assert older.hits and {hit.meeting_date for hit in older.hits} == {date(2023, 11, 9)}
        # The counts by kind are those of the pool (partial: the page leaves them out).
        assert sum(results.counts.values()) == 11
    page = search_page(client, "läsombud")
    assert "Fler än 10 träffar för ”läsombud”." in page
    assert "<title>läsombud: fler än 10 träffar" in page
    assert "de 10 senaste" in page
    assert len(hits(page)) == 10
    # Below the cap: the exact count, and the counts by kind.
    monkeypatch.setattr(services, "COUNT_CAP", 1000)
    page = search_page(client, "läsombud")
    assert "Fler än" not in page and "träffar för ”läsombud”." in page
    assert "senaste" not in page


def test_a_secret_match_never_enters_the_pool_of_a_reader_who_may_not_see_it(app, world):
    """The pool is filled with visible rows only: a non-public item's rows, however recent and
    however strong a match, are not among the public's or an outsider's latest matches, and do
    not take the place of a visible one; the body's members see them."""
    with app.app_context():
        meeting = db.session.get(Meeting, world["draft"])
        meeting.items.append(
            AgendaItem(
                title="Läsombud läsombud",
                number=99,
                position=99,
                summary="Läsombud.",
                is_public=False,
            )
        )
        db.session.commit()
        secret = db.session.scalar(
            select(SearchEntry.id).where(SearchEntry.title == "Läsombud läsombud")
        )
    with app.test_request_context():
        for email in (None, OUTSIDER, MEMBER, SECRETARY):
            user = _user(email)
            pool = _pool(user, limit=3)
            assert (secret in pool) is (email in (MEMBER, SECRETARY)), email
            assert len(pool) == 3
            titles = [str(hit.title) for hit in services.search(user, "läsombud").hits]
            assert ("<mark>Läsombud</mark> <mark>läsombud</mark>" in titles) is (
                email in (MEMBER, SECRETARY)
            ), email


def test_postgresql_without_rum_gives_the_same_pool(app, world, monkeypatch):
    """Where the RUM extension cannot be had, a GIN index: the same pool, in the same order;
    a failed attempt at RUM leaves the transaction usable (a savepoint)."""
    with app.test_request_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("RUM is PostgreSQL's")
        readers = [None, MEMBER, SECRETARY]
        services.ensure_index(db.session.connection())
        assert db.session.connection().info[index.RUM] is True
        expected = [_pool(_user(email)) for email in readers]
        db.session.execute(text("DROP INDEX ix_search_entries_tsv"))
        # RUM failing (as without the right to create the extension): GIN instead.
        monkeypatch.setattr(index, "POSTGRESQL_RUM_INDEX", "CREATE INDEX broken ON nowhere (x)")
        assert index.create_postgresql_index(db.session.connection()) is False
        services.ensure_index(db.session.connection())
        assert db.session.connection().info[index.RUM] is False
        assert [_pool(_user(email)) for email in readers] == expected
        db.session.rollback()


@pytest.mark.parametrize("windows", [(0,), (0, 100, 200), (1, 2, 3), (140, 500, 5000)])
def test_postgresql_date_windows_give_the_same_pool(app, world, monkeypatch, windows):
    """RUM's pool is read window by window on the recency key, the latest first: with windows
    that cut between the meetings, inside none, or beyond all, the rows and their order are
    exactly those of one scan over every match, for every reader, filter and limit."""
    with app.test_request_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("RUM is PostgreSQL's")
        services.ensure_index(db.session.connection())
        assert db.session.connection().info[index.RUM] is True
        readers = [None, MEMBER, SECRETARY, ADMIN]
        every = [Filters(), Filters(kind=SearchKind.ITEM), Filters(body_id=world["body"])]
        limits = (3, 20, 10_000)
        monkeypatch.setattr(services, "RUM_WINDOWS", ())
        expected = {
            (email, filters, limit): _pool(_user(email), filters, limit)
            for email in readers
            for filters in every
            for limit in limits
        }
        assert len(expected[(ADMIN, Filters(), 10_000)]) > 20
        monkeypatch.setattr(services, "RUM_WINDOWS", windows)
        for (email, filters, limit), pool in expected.items():
            assert _pool(_user(email), filters, limit) == pool, (email, filters, limit)
