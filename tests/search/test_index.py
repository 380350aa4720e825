"""The index follows every change in the same transaction, and `flask search reindex` rebuilds
it; its structures are made wherever they are missing."""

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import DatabaseError

from app.accounts.models import User
from app.agenda import services as agenda
from app.agenda.models import AgendaItem, AgendaItemDocument
from app.bodies.models import Body
from app.cases.models import Document
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus
from app.record import services as decisions
from app.search.index import ensure_index, rebuild_index
from app.search.models import SearchEntry
from tests.conftest import hidden
from tests.search.helpers import SECRETARY, found, make_world


@pytest.fixture
def world(app, factory):
    return make_world(app, factory)


@pytest.fixture
def secretary(make_client, login):
    client = make_client()
    login(client, SECRETARY)
    return client


def _actor():
    return db.session.scalar(select(User).where(User.email == SECRETARY))


def _fts_is_consistent(app) -> None:
    """SQLite: the FTS5 index agrees with its content table (PostgreSQL generates its column)."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            db.session.execute(
                text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
            )
            db.session.rollback()


def test_an_item_edited_in_the_browser_is_found_by_its_new_words(app, world, secretary):
    item_id = world["visit"]
    form = secretary.get(f"/items/{item_id}/edit").get_data(as_text=True)
    response = secretary.submit(
        f"/items/{item_id}/edit",
        {
            "title": "Studiebesök på konsthallen",
            "summary_label": "",
            "summary": "Nämnden besöker konsthallens nya utställning.",
            "is_public": "y",
            "version": hidden(form, "version"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert found(secretary, "konsthallen") == {("item", "Studiebesök på konsthallen")}
    assert found(secretary, "utställningar") == {("item", "Studiebesök på konsthallen")}
    assert found(secretary, "länsmuseet") == set()
    _fts_is_consistent(app)


def test_an_item_removed_in_the_browser_is_no_longer_found(app, world, secretary):
    item_id = world["visit"]
    assert found(secretary, "museibesök") == {("item", "Museibesök")}
    meeting_page = f"/meetings/{world['planned']}/agenda"
    response = secretary.submit(f"/items/{item_id}/remove", form_url=meeting_page)
    assert response.status_code == 302
    assert found(secretary, "museibesök") == set()
    with app.app_context():
        rows = db.session.scalar(
            select(func.count()).select_from(SearchEntry).where(SearchEntry.item_id == item_id)
        )
        assert rows == 0
    _fts_is_consistent(app)


def test_decisions_and_documents_follow_their_services(app, world, secretary):
    with app.app_context():
        item = db.session.get(AgendaItem, world["strategy"])
        decisions.update_decision(
            _actor(),
            item,
            item.decision.version,
            text="Nämnden återremitterar kulturstrategin.",
            notes="Ledamöterna efterfrågar en konsekvensbeskrivning.",
        )
        link = db.session.scalar(
            select(AgendaItemDocument)
            .join(Document)
            .where(Document.title == "Kulturstrategi remissvar")
        )
        link.document.title = "Remissvar från kulturföreningarna"
        hidden_link = db.session.scalar(
            select(AgendaItemDocument)
            .join(Document)
            .where(Document.title == "Kulturstrategi internt underlag")
        )
        agenda.detach_document(_actor(), hidden_link)
        db.session.commit()
    assert found(secretary, "återremitterade") == {("decision", "Kulturstrategi")}
    assert found(secretary, "konsekvensbeskrivningen") == {("decision", "Kulturstrategi")}
    assert found(secretary, "kulturföreningar") == {
        ("document", "Remissvar från kulturföreningarna")
    }
    assert ("document", "Kulturstrategi internt underlag") not in found(secretary, "underlag")
    assert ("document", "Kulturstrategi remissvar") not in found(secretary, "remissvar")
    _fts_is_consistent(app)


def test_what_is_rolled_back_was_never_indexed(app, world, secretary):
    with app.app_context():
        item = db.session.get(AgendaItem, world["visit"])
        item.title = "Studieresa till Bryssel"
        db.session.flush()
        # Inside the transaction the index has followed already ...
        assert (
            db.session.scalar(
                select(SearchEntry.title).where(
                    SearchEntry.ref_id == item.id, SearchEntry.kind == "item"
                )
            )
            == "Studieresa till Bryssel"
        )
        db.session.rollback()
    # ... and after the rollback it has not.
    assert found(secretary, "bryssel") == set()
    assert found(secretary, "museibesök") == {("item", "Museibesök")}
    _fts_is_consistent(app)


def test_visibility_changes_take_effect_at_once(app, world, client):
    """The rows carry the public's visibility (``public``): the hooks rewrite them with the
    change, in the same transaction, and a rollback leaves them as they were."""

    def rows():
        return sorted(
            db.session.execute(select(SearchEntry.kind, SearchEntry.ref_id, SearchEntry.title))
        )

    with app.app_context():
        before = rows()
    assert found(client, "museibesök") == set()
    with app.app_context():
        db.session.get(Meeting, world["planned"]).status = MeetingStatus.CONVENED
        db.session.get(AgendaItem, world["staff"]).is_public = True
        db.session.commit()
        assert rows() == before
    assert found(client, "museibesök") == {("item", "Museibesök")}
    assert found(client, "bibliotekarie") == {("item", "Personalärende")}
    with app.app_context():
        # A change rolled back changes nothing.
        db.session.get(AgendaItem, world["staff"]).is_public = False
        db.session.flush()
        db.session.rollback()
    assert found(client, "bibliotekarie") == {("item", "Personalärende")}
    with app.app_context():
        # The body made non-public hides all of its rows from the public.
        body_id = db.session.get(Meeting, world["planned"]).body_id
        db.session.get(Body, body_id).is_public = False
        db.session.commit()
    assert found(client, "museibesök") == set()
    assert found(client, "bibliotekarie") == set()


def test_flask_search_reindex_rebuilds_from_the_records(app, world, secretary):
    with app.app_context():
        expected = sorted(
            db.session.execute(select(SearchEntry.kind, SearchEntry.ref_id, SearchEntry.title))
        )
        db.session.execute(delete(SearchEntry))  # the index lost, as after a bulk change
        db.session.commit()
    assert found(secretary, "kulturstrategi") == set()
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert f"{len(expected)} rows" in result.output
    with app.app_context():
        rebuilt = sorted(
            db.session.execute(select(SearchEntry.kind, SearchEntry.ref_id, SearchEntry.title))
        )
    assert rebuilt == expected
    assert len(found(secretary, "kulturstrategi")) == 5
    _fts_is_consistent(app)


def test_missing_structures_are_made_again(app, world, client):
    """A database made from the models (as the tests make theirs) or left without the backend's
    structures gets them at the next use, filled from the rows."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            for statement in (
                "DROP TRIGGER search_entries_ai",
                "DROP TRIGGER search_entries_ad",
                "DROP TRIGGER search_entries_au",
                "DROP TABLE search_fts",
            ):
                db.session.execute(text(statement))
        else:
            db.session.execute(text("ALTER TABLE search_entries DROP COLUMN tsv"))
        db.session.commit()
    try:
        assert found(client, "biblioteksplanen") == {
            ("item", "Biblioteksplan"),
            ("decision", "Biblioteksplan"),
        }
    finally:
        with app.app_context():
            ensure_index(db.session.connection())
            db.session.commit()
    _fts_is_consistent(app)


def test_rebuild_counts_its_rows(app, world):
    with app.app_context():
        count = rebuild_index(db.session.connection())
        db.session.commit()
        # 6 items, 4 decisions, 3 documents on Kulturstrategi.
        assert count == 13 == db.session.scalar(select(func.count()).select_from(SearchEntry))


def test_reindex_mends_a_damaged_sqlite_index(app, world, secretary):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the FTS5 index is SQLite's")
        # An entry the FTS index no longer agrees with (as after a crash mid-write).
        db.session.execute(
            text(
                "INSERT INTO search_fts(search_fts, rowid, title_stems, content_stems, flags) "
                "VALUES ('delete', (SELECT min(recency) FROM search_fts_source), 'fel', 'fel', "
                "'fel')"
            )
        )
        db.session.commit()
    with pytest.raises(DatabaseError):
        _fts_is_consistent(app)
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    _fts_is_consistent(app)
    assert len(found(secretary, "kulturstrategi")) == 5
