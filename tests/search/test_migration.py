"""The search migrations make the same structures as ensure_index on SQLite and PostgreSQL,
and fill the index from the records already there (with the diarienummer since ``TEXT``, the
recency key and the filter tokens since ``RECENCY``)."""

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from app.search.index import ensure_index, rebuild_index
from app.search.models import SearchEntry
from app.search.services import search
from config import TestingConfig
from tests.postgres_database import scratch_database

BEFORE = "b2c3d4e5f601"
SEARCH = "c3d4e5f60712"
# The rows gain the meeting's date and the public's visibility.
VISIBILITY = "s5e8a1c3f902"
# The rows gain page, ocr and the diarienummer; the files' text gets its tables.
TEXT = "359596b46487"
# The index hands out matches latest first (the recency key) and holds the filter tokens.
RECENCY = "r3c9e1a7d5b2"


def _entries() -> list[tuple]:
    return sorted(
        db.session.execute(
            sa.select(
                SearchEntry.kind,
                SearchEntry.ref_id,
                SearchEntry.item_id,
                SearchEntry.meeting_id,
                SearchEntry.body_id,
                SearchEntry.document_id,
                SearchEntry.meeting_date,
                SearchEntry.public,
                SearchEntry.page,
                SearchEntry.ocr,
                SearchEntry.case_keys,
                SearchEntry.title,
                SearchEntry.content,
                SearchEntry.title_stems,
                SearchEntry.content_stems,
            )
        )
    )


def _check(database_url: str, monkeypatch) -> None:
    from app.demo.loader import load_demo

    monkeypatch.setattr(TestingConfig, "SQLALCHEMY_DATABASE_URI", database_url)
    app = create_app("testing")
    with app.app_context():
        # Records from before the search: loaded by today's models at the head, then the
        # schema is taken back to before the search (later migrations add columns the models
        # know; the search tables go with the downgrade). The migration makes the index anew,
        # exactly, and fills it from the records.
        upgrade()
        load_demo()
        # A non-public item, so that the public's visibility the migration fills is not all true.
        db.session.execute(
            sa.text("UPDATE agenda_items SET is_public = :no WHERE title = 'Årsplan 2024'"),
            {"no": False},
        )
        db.session.commit()
        downgrade(revision=BEFORE)
        assert not {n for n in sa.inspect(db.engine).get_table_names() if n.startswith("search_")}
        upgrade(revision=SEARCH)
        upgrade(revision=VISIBILITY)
        upgrade(revision=TEXT)
        upgrade(revision=RECENCY)
        filled = _entries()
        # The diarienummer of the demo's cases, on the items and documents of the case.
        keys = {entry.case_keys for entry in filled}
        assert {"RV240022", "RUF240104", "RUF240012-14 RV240022-1.1"} <= keys
        # Some rows the public may see, some not.
        assert {entry.public for entry in filled} == {True, False}
        assert len(filled) > 50
        # The migration's structures are complete: ensure_index finds nothing to make.
        assert ensure_index(db.session.connection()) is False
        with app.test_request_context():
            results = search(AnonymousUserMixin(), "målbild")
            by_case = search(AnonymousUserMixin(), "RV 240022")
        assert "Gemensam <mark>målbild</mark> Nära vård" in {str(h.title) for h in results.hits}
        assert by_case.hits
        # What the migration filled is what the application indexes.
        rebuild_index(db.session.connection())
        db.session.commit()
        assert _entries() == filled
        upgrade()
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        downgrade(revision=BEFORE)
        names = set(sa.inspect(db.engine).get_table_names())
        assert not {name for name in names if name.startswith("search_")}
        downgrade(revision="base")
        db.engine.dispose()


def test_sqlite_migration(tmp_path, monkeypatch):
    _check(f"sqlite:///{tmp_path / 'search.db'}", monkeypatch)


def test_postgresql_migration(app, monkeypatch):
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of scripts/run-tests")
    with scratch_database(url, "search") as database_url:
        _check(database_url, monkeypatch)
