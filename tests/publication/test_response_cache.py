"""The anonymous readers' cache of public pages (app/core/response_cache.py).

The suite runs with the cache off (RESPONSE_CACHE_SECONDS = 0); these tests turn it on. Time
is moved forward by replacing the cache's clock, never by waiting.
"""

from datetime import date

import pytest
from sqlalchemy import select, update

from app.accounts.models import User
from app.core import response_cache
from app.extensions import db
from app.justering.models import RecordRevision
from app.meetings.models import Meeting
from app.publication import services
from tests.conftest import sql_statements
from tests.publication.helpers import complete, days_ago, justerat_protocol, open_correction

TTL = 30.0
HIT = "X-Response-Cache"


@pytest.fixture
def cache(app, monkeypatch):
    monkeypatch.setitem(app.config, "RESPONSE_CACHE_SECONDS", TTL)
    now = [1000.0]
    monkeypatch.setattr(response_cache, "_clock", lambda: now[0])
    store = response_cache.cache_of(app)
    store.clear()
    store.now = now  # type: ignore[attr-defined]  # the tests' clock, to move forward
    yield store
    store.clear()


@pytest.fixture
def protokoll(app, factory):
    return justerat_protocol(app, factory, justered=date(2026, 3, 2))


def test_anonymous_readers_share_one_rendering_without_the_database(
    app, cache, protokoll, make_client
):
    url = f"/protokoll/{protokoll['meeting']}"
    first = make_client().get(url)
    assert first.status_code == 200 and HIT not in first.headers
    assert first.headers.getlist("Set-Cookie") == []
    with sql_statements(app) as seen:
        second = make_client().get(url)
    assert second.headers[HIT] == "hit"
    assert second.get_data() == first.get_data()
    assert second.mimetype == "text/html"
    assert seen == []  # answered before any query (and before the user is loaded)
    assert "Cookie" in second.headers["Vary"]
    assert second.headers.getlist("Set-Cookie") == []


def test_after_request_hooks_still_apply_to_cached_answers(app, cache, protokoll, client):
    """Security headers (a Content-Security-Policy, say) are added to cached answers too."""

    def stamp(response):
        response.headers["X-Test-Hook"] = "ran"
        return response

    hooks = app.after_request_funcs.setdefault(None, [])
    hooks.append(stamp)
    try:
        url = f"/protokoll/{protokoll['meeting']}"
        client.get(url)
        cached = client.get(url)
    finally:
        hooks.remove(stamp)
    assert cached.headers[HIT] == "hit" and cached.headers["X-Test-Hook"] == "ran"


def test_a_logged_in_member_never_gets_the_anonymous_page(
    app, cache, protokoll, make_client, login
):
    url = f"/protokoll/{protokoll['meeting']}"
    anonymous = make_client().get(url)
    assert "Logga in" in anonymous.get_data(as_text=True)
    assert len(cache) == 1
    member = make_client()
    login(member, protokoll["member_email"])
    page = member.get(url)
    assert page.status_code == 200 and HIT not in page.headers
    text = page.get_data(as_text=True)
    assert "Logga ut" in text and "Logga in" not in text


def test_a_member_s_page_never_reaches_anonymous_readers(app, cache, protokoll, make_client, login):
    url = f"/protokoll/{protokoll['meeting']}"
    member = make_client()
    login(member, protokoll["member_email"])
    assert "Logga ut" in member.get(url).get_data(as_text=True)
    assert member.get(url).headers.get(HIT) is None
    assert len(cache) == 0  # nothing a logged-in reader saw was kept
    page = make_client().get(url)
    assert HIT not in page.headers
    text = page.get_data(as_text=True)
    assert "Logga in" in text and "Logga ut" not in text


def test_a_session_cookie_bypasses_the_cache(app, cache, protokoll, make_client):
    url = f"/protokoll/{protokoll['meeting']}"
    make_client().get(url)
    visitor = make_client()
    visitor.get("/login")  # the login form's CSRF token: now the browser has a session
    assert visitor.get_cookie("session") is not None
    assert HIT not in visitor.get(url).headers


def test_drafts_and_refusals_never_enter_the_cache(app, cache, factory, make_client, login):
    draft = justerat_protocol(app, factory, name="Tekniska nämnden", justered=None)
    url = f"/protokoll/{draft['meeting']}"
    assert make_client().get(url).status_code == 404
    secretary = make_client()
    login(secretary, draft["secretary_email"])
    secretary.get(url)
    secretary.get(f"/meetings/{draft['meeting']}/record")
    assert len(cache) == 0
    hidden = justerat_protocol(app, factory, name="Dolda nämnden", is_public=False)
    assert make_client().get(f"/protokoll/{hidden['meeting']}").status_code == 404
    assert len(cache) == 0


def test_a_rattelse_shows_at_once_in_the_worker_that_made_it(app, cache, protokoll, make_client):
    url = f"/protokoll/{protokoll['meeting']}"
    assert "Fryst protokoll version 1" in make_client().get(url).get_data(as_text=True)
    with app.test_request_context():
        meeting = db.session.get(Meeting, protokoll["meeting"])
        revision_id = open_correction(meeting, 2, reason="Fel belopp.").id
        db.session.commit()
    # The rättelse in draft: readers keep reading the original (rendered again, not cached).
    page = make_client().get(url)
    assert HIT not in page.headers and "Fryst protokoll version 1" in page.get_data(as_text=True)
    assert make_client().get(url).headers[HIT] == "hit"
    with app.test_request_context():
        meeting = db.session.get(Meeting, protokoll["meeting"])
        revision = db.session.get(RecordRevision, revision_id)
        complete(meeting, revision, date(2026, 3, 10), text="Rättad version")
        db.session.commit()
    page = make_client().get(url)
    assert HIT not in page.headers
    assert "Rättad version" in page.get_data(as_text=True)


def test_another_worker_s_change_shows_after_the_ttl(app, cache, protokoll, make_client):
    """A change made in another worker does not clear this one's cache: the TTL bounds it."""
    url = f"/protokoll/{protokoll['meeting']}"
    make_client().get(url)
    with app.app_context(), db.engine.begin() as connection:  # no ORM session: no invalidation
        connection.execute(
            update(RecordRevision)
            .where(RecordRevision.id == protokoll["revision"])
            .values(public_html='<article class="record"><p>Ändrad</p></article>')
        )
    stale = make_client().get(url)
    assert stale.headers[HIT] == "hit" and "Ändrad" not in stale.get_data(as_text=True)
    cache.now[0] += TTL - 1
    assert make_client().get(url).headers[HIT] == "hit"
    cache.now[0] += 1
    fresh = make_client().get(url)
    assert HIT not in fresh.headers and "Ändrad" in fresh.get_data(as_text=True)


def test_a_new_anslag_shows_on_the_board_at_once(app, cache, factory, make_client):
    ids = justerat_protocol(app, factory, justered=days_ago(0))
    board = make_client().get("/anslagstavla")
    assert "Kulturnämnden" not in board.get_data(as_text=True)
    assert make_client().get("/anslagstavla").headers[HIT] == "hit"
    with app.test_request_context():
        meeting = db.session.get(Meeting, ids["meeting"])
        actor = db.session.scalar(select(User).where(User.email == ids["secretary_email"]))
        services.post_anslag(actor, meeting, kept_at="Kansliet", posted_on=days_ago(0))
        db.session.commit()
    board = make_client().get("/anslagstavla")
    assert HIT not in board.headers and "Kulturnämnden" in board.get_data(as_text=True)


def test_each_language_is_cached_apart(app, cache, protokoll, make_client):
    url = f"/protokoll/{protokoll['meeting']}"
    make_client().get(url)
    english = make_client()
    english.get(f"/language?locale=en&next={url}")
    page = english.get(url)
    assert HIT not in page.headers
    assert '<html lang="en">' in page.get_data(as_text=True)
    again = english.get(url)
    assert again.headers[HIT] == "hit" and '<html lang="en">' in again.get_data(as_text=True)
    swedish = make_client().get(url)
    assert swedish.headers[HIT] == "hit" and '<html lang="sv">' in swedish.get_data(as_text=True)


def test_ttl_zero_disables_the_cache(app, protokoll, make_client):
    assert app.config["RESPONSE_CACHE_SECONDS"] == 0  # the suite's default
    url = f"/protokoll/{protokoll['meeting']}"
    make_client().get(url)
    assert HIT not in make_client().get(url).headers
    assert len(response_cache.cache_of(app)) == 0


def test_a_bulk_update_through_the_session_clears_the_cache(app, cache, protokoll, make_client):
    url = f"/protokoll/{protokoll['meeting']}"
    make_client().get(url)
    assert len(cache) == 1
    with app.app_context():
        db.session.execute(
            update(RecordRevision)
            .where(RecordRevision.id == protokoll["revision"])
            .values(public_html='<article class="record"><p>Massändrad</p></article>')
        )
        db.session.commit()
    page = make_client().get(url)
    assert HIT not in page.headers and "Massändrad" in page.get_data(as_text=True)
