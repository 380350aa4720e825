"""search: matches latest first from the index, filters in the index

Revision ID: r3c9e1a7d5b2
Revises: a4c8e2f6b913
Create Date: 2026-12-06 03:00:00.000000

A search reads the reader's latest matches from the index and stops after the 1,001 it can
show (app.search.services), so that its cost follows the page, not the number of hits. Each
index row gets a recency key, the meeting's day (days since 1970) times 2**32 plus the row's
id, in the order of which the index hands out the matches:

- SQLite: the FTS5 table search_fts is made anew with the recency key as its rowid, and a third
  column of filter tokens (``pub`` where the public may see the row, ``b<body>``, ``y<year>``,
  ``k<kind>``); its content is the view search_fts_source over search_entries, which computes
  both; the triggers likewise. Filled from the rows ('rebuild').
- PostgreSQL: search_entries gains the generated column recency, and the GIN index on tsv
  becomes a RUM index (the ``rum`` extension) with the recency key attached to each posting.
  Where the extension is not installed, or may not be created, the GIN index stays: the same
  answers at a cost that grows with the matches.

Downgrading restores the structures of 359596b46487.
"""

from alembic import op
from sqlalchemy.exc import DBAPIError


# revision identifiers, used by Alembic.
revision = "r3c9e1a7d5b2"
down_revision = "a4c8e2f6b913"
branch_labels = None
depends_on = None


SQLITE_TRIGGERS = ("search_entries_ai", "search_entries_ad", "search_entries_au")


def _recency(prefix):
    return (
        f"(CAST(julianday(coalesce({prefix}meeting_date, '1970-01-01')) - 2440587.5 AS INTEGER)"
        f" * 4294967296 + {prefix}id)"
    )


def _flags(prefix):
    return (
        f"('k' || {prefix}kind || ' b' || {prefix}body_id || ' y' || "
        f"coalesce(strftime('%Y', {prefix}meeting_date), '0') || "
        f"CASE WHEN {prefix}public THEN ' pub' ELSE '' END)"
    )


_COLUMNS = "rowid, title_stems, content_stems, flags"
_NEW = f"{_recency('new.')}, new.title_stems, new.content_stems, {_flags('new.')}"
_OLD = f"{_recency('old.')}, old.title_stems, old.content_stems, {_flags('old.')}"
SQLITE_DDL = (
    "CREATE VIEW search_fts_source AS SELECT "
    f"{_recency('')} AS recency, title_stems, content_stems, {_flags('')} AS flags "
    "FROM search_entries",
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_stems, content_stems, flags, "
    "content='search_fts_source', content_rowid='recency', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    f"INSERT INTO search_fts({_COLUMNS}) VALUES ({_NEW}); END",
    "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
    f"INSERT INTO search_fts(search_fts, {_COLUMNS}) VALUES ('delete', {_OLD}); END",
    "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
    f"INSERT INTO search_fts(search_fts, {_COLUMNS}) VALUES ('delete', {_OLD}); "
    f"INSERT INTO search_fts({_COLUMNS}) VALUES ({_NEW}); END",
)
# As 359596b46487 made them.
SQLITE_DDL_BEFORE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_stems, content_stems, "
    "content='search_entries', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, title_stems, content_stems) "
    "VALUES (new.id, new.title_stems, new.content_stems); END",
    "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_stems, content_stems) "
    "VALUES ('delete', old.id, old.title_stems, old.content_stems); END",
    "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_stems, content_stems) "
    "VALUES ('delete', old.id, old.title_stems, old.content_stems); "
    "INSERT INTO search_fts(rowid, title_stems, content_stems) "
    "VALUES (new.id, new.title_stems, new.content_stems); END",
)
POSTGRESQL_RECENCY = (
    "ALTER TABLE search_entries ADD COLUMN recency bigint GENERATED ALWAYS AS ("
    "coalesce(meeting_date - DATE '1970-01-01', 0)::bigint * 4294967296 + id) STORED"
)
POSTGRESQL_RUM_INDEX = (
    "CREATE INDEX ix_search_entries_tsv ON search_entries USING rum "
    "(tsv rum_tsvector_addon_ops, recency) "
    "WITH (attach = 'recency', to = 'tsv', order_by_attach = 't')"
)
POSTGRESQL_GIN_INDEX = "CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)"


def _sqlite(ddl):
    for trigger in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS search_fts")
    op.execute("DROP VIEW IF EXISTS search_fts_source")
    for statement in ddl:
        op.execute(statement)
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")


def _rum(bind):
    """The RUM index where the extension can be had (in a savepoint: a missing right to
    create it leaves the migration's transaction usable); whether it was made."""
    available = bind.exec_driver_sql(
        "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum')"
    ).scalar()
    if not available:
        return False
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS rum")
            bind.exec_driver_sql(POSTGRESQL_RUM_INDEX)
    except DBAPIError:
        return False
    return True


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite(SQLITE_DDL)
    elif bind.dialect.name == "postgresql":
        op.execute(POSTGRESQL_RECENCY)
        op.execute("DROP INDEX IF EXISTS ix_search_entries_tsv")
        if not _rum(bind):
            op.execute(POSTGRESQL_GIN_INDEX)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite(SQLITE_DDL_BEFORE)
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_entries_tsv")
        op.execute("ALTER TABLE search_entries DROP COLUMN IF EXISTS recency")
        op.execute(POSTGRESQL_GIN_INDEX)
