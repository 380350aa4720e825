"""The logged-in readers' page cache (app/core/response_cache.py, READER_ENDPOINTS).

A member's meeting page is kept per login session and per data generation: served again without
loading the user while nothing anywhere was written, and never to anyone else, never after a
write, never after the session was ended. The suite runs with the cache off
(READER_CACHE_SECONDS = 0); these tests turn it on and move its clock instead of waiting.
"""

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from app.core import response_cache
from app.core.response_cache import DataGeneration, ResponseCache, current_generation
from app.extensions import db
from app.meetings.models import Meeting
from app.record.models import Decision
from tests.conftest import sql_statements
from tests.members_world import ANNA, FIA, OLLE, PUBLIC_DECISION, STINA

TTL = 30.0
HIT = "X-Response-Cache"


@pytest.fixture
def reader_cache(app, monkeypatch):
    monkeypatch.setitem(app.config, "READER_CACHE_SECONDS", TTL)
    now = [1000.0]
    monkeypatch.setattr(response_cache, "_clock", lambda: now[0])
    store = response_cache.reader_cache_of(app)
    store.clear()
    store.now = now  # type: ignore[attr-defined]  # the tests' clock, to move forward
    with app.app_context():
        response_cache.raise_generation(db.session)  # the row the migration makes
    yield store
    store.clear()


def _reader(make_client, login, email):
    """A browser logged in as ``email`` that has seen one page since: the first page after a
    login makes the session's CSRF token, and a page that changed the session is not kept."""
    client = make_client()
    login(client, email)
    assert client.get("/").status_code == 200
    return client


def test_a_member_reads_her_meeting_again_for_one_statement(
    app, world, reader_cache, make_client, login
):
    anna = _reader(make_client, login, ANNA)
    url = f"/meetings/{world['held']}"
    first = anna.get(url)
    assert first.status_code == 200 and HIT not in first.headers
    assert PUBLIC_DECISION in first.get_data(as_text=True)
    with sql_statements(app) as statements:
        second = anna.get(url)
    assert second.headers[HIT] == "hit"
    assert second.get_data() == first.get_data()
    assert len(statements) == 1 and "data_generation" in statements[0]
    assert "Cookie" in second.headers["Vary"]
    assert second.headers["Content-Security-Policy"]  # after_request hooks still run
    # The secretary's pages are kept the same way.
    stina = _reader(make_client, login, STINA)
    editor = f"/meetings/{world['convened']}/agenda"
    assert HIT not in stina.get(editor).headers
    assert stina.get(editor).headers[HIT] == "hit"


def test_a_page_kept_for_one_reader_never_reaches_another(
    app, world, reader_cache, make_client, login
):
    url = f"/meetings/{world['held']}"
    anna = _reader(make_client, login, ANNA)
    kept = anna.get(url).get_data()
    assert anna.get(url).headers[HIT] == "hit"
    # Another member of the body, and a user without a seat in it, each get a rendering of
    # their own: never Anna's, even on a second request.
    for email, name in ((FIA, "Fia Ros"), (OLLE, "Olle Lund")):
        other = _reader(make_client, login, email)
        first = other.get(url)
        assert HIT not in first.headers and name in first.get_data(as_text=True)
        assert first.get_data() != kept
        assert other.get(url).get_data() != kept
    # A second login of Anna's is a session of its own.
    again = _reader(make_client, login, ANNA)
    assert HIT not in again.get(url).headers


def test_any_write_anywhere_is_seen_at_once(app, world, reader_cache, make_client, login):
    url = f"/meetings/{world['held']}"
    anna = _reader(make_client, login, ANNA)
    anna.get(url)
    assert anna.get(url).headers[HIT] == "hit"
    before = _generation(app)
    # A change made outside any request (a job, a command): another process, as far as the
    # cache can tell.
    with app.app_context():
        db.session.execute(
            update(Decision)
            .where(Decision.item_id == world["grants"])
            .values(text="Bidragen fördelas enligt nämndens ändrade förslag.")
        )
        db.session.commit()
    assert _generation(app) == before + 1
    page = anna.get(url)
    assert HIT not in page.headers
    assert "nämndens ändrade förslag" in page.get_data(as_text=True)
    # A commit that wrote nothing raises nothing.
    with app.app_context():
        db.session.get(Meeting, world["held"])
        db.session.commit()
    assert _generation(app) == before + 1
    assert anna.get(url).headers[HIT] == "hit"


def test_a_logged_out_session_gets_no_kept_page(app, world, reader_cache, make_client, login):
    url = f"/meetings/{world['held']}"
    editor = f"/meetings/{world['convened']}/agenda"  # the body's secretary only
    stina = _reader(make_client, login, STINA)
    for page in (url, editor):
        stina.get(page)
        assert stina.get(page).headers[HIT] == "hit"
    cookie = stina.get_cookie("session")
    assert cookie is not None
    # The same cookie, copied elsewhere before logging out.
    copy = make_client()
    copy.set_cookie("session", cookie.value)
    assert copy.get(url).headers[HIT] == "hit"
    assert copy.get(editor).headers[HIT] == "hit"
    assert stina.submit("/logout", {}, form_url=url).status_code == 302
    # The body is public: the copy now reads the meeting as anyone would, logged out.
    after = copy.get(url)
    assert after.status_code == 200 and HIT not in after.headers
    text = after.get_data(as_text=True)
    assert "Logga in" in text and "Logga ut" not in text
    # The agenda editor sends the copy to the login page.
    refused = copy.get(editor)
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]


def test_a_page_is_kept_for_its_time_only(app, world, reader_cache, make_client, login):
    url = f"/meetings/{world['held']}"
    anna = _reader(make_client, login, ANNA)
    anna.get(url)
    reader_cache.now[0] += TTL + 1
    assert HIT not in anna.get(url).headers
    assert anna.get(url).headers[HIT] == "hit"


def test_a_flash_is_shown_not_answered_from_the_cache(app, world, reader_cache, make_client, login):
    url = f"/meetings/{world['convened']}/agenda"
    stina = _reader(make_client, login, STINA)
    stina.get(url)
    assert stina.get(url).headers[HIT] == "hit"
    with stina.session_transaction() as session:
        session["_flashes"] = [("success", "Sparat för testet.")]
    page = stina.get(url)
    assert HIT not in page.headers and "Sparat för testet." in page.get_data(as_text=True)
    # The page that showed the flash changed the session, so it was not kept.
    after = stina.get(url)
    assert "Sparat för testet." not in after.get_data(as_text=True)


def test_refusals_and_other_pages_are_not_kept(app, world, reader_cache, make_client, login):
    olle = _reader(make_client, login, OLLE)
    refused = olle.get(f"/meetings/{world['convened']}/agenda")
    assert refused.status_code == 403
    olle.get(f"/meetings/{world['convened']}/agenda")
    assert len(reader_cache) == 0
    anna = _reader(make_client, login, ANNA)
    anna.get("/account")
    anna.get("/account")
    assert len(reader_cache) == 0  # not one of READER_ENDPOINTS


def test_without_the_generation_row_nothing_is_kept(app, world, reader_cache, make_client, login):
    anna = _reader(make_client, login, ANNA)
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(DataGeneration.__table__.delete())  # not through the session
    with app.app_context():
        assert current_generation() is None
    url = f"/meetings/{world['held']}"
    assert anna.get(url).status_code == 200
    assert HIT not in anna.get(url).headers
    assert len(reader_cache) == 0


def test_the_cache_is_bounded_by_bytes():
    store = ResponseCache(max_bytes=1000)
    for number in range(5):
        store.put((number,), response_cache._Entry(float("inf"), 200, (), b"x" * 300))
    assert store.size <= 1000 and len(store) == 3
    assert store.get((0,)) is None and store.get((4,)) is not None


def _generation(app) -> int | None:
    with app.app_context():
        return db.session.scalar(select(DataGeneration.value))


def test_a_failure_to_raise_the_generation_does_not_undo_the_write(
    app, world, reader_cache, make_client, login, monkeypatch
):
    url = f"/meetings/{world['held']}"
    anna = _reader(make_client, login, ANNA)
    anna.get(url)
    assert anna.get(url).headers[HIT] == "hit"

    def fails(_session):
        raise OperationalError("UPDATE data_generation", {}, Exception("database is locked"))

    monkeypatch.setattr(response_cache, "raise_generation", fails)
    with app.app_context():
        db.session.execute(
            update(Decision)
            .where(Decision.item_id == world["grants"])
            .values(text="Ändrat beslut.")
        )
        db.session.commit()  # no error: the write is committed, and stays
        assert (
            db.session.scalar(select(Decision.text).where(Decision.item_id == world["grants"]))
            == "Ändrat beslut."
        )
    # This process forgot its pages: the next request renders the change.
    assert len(reader_cache) == 0
    page = anna.get(url)
    assert HIT not in page.headers and "Ändrat beslut." in page.get_data(as_text=True)
