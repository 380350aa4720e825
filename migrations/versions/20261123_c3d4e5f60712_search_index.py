"""search index

Revision ID: c3d4e5f60712
Revises: b2c3d4e5f601
Create Date: 2026-11-23 18:00:00.000000

The table search_entries (the model app.search.models.SearchEntry) and each backend's
matching structure, which is no model (migrations/env.py keeps autogenerate off it):

- SQLite: the FTS5 table search_fts over the Swedish stem columns, with external content
  search_entries, kept in step by three triggers.
- PostgreSQL: a generated tsvector column tsv in the built-in swedish configuration (title
  weighted A, content B) and its GIN index.

The same statements are in app.search.index (ensure_index), which makes them where a database
was created from the models. The index is filled from the records already there; the Swedish
stems for SQLite are computed here by a frozen copy of app.search.text.stems (a later
`flask search reindex` recomputes everything with the code of its day).
"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c3d4e5f60712"
down_revision = "b2c3d4e5f601"
branch_labels = None
depends_on = None


SQLITE_DDL = (
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

POSTGRESQL_DDL = (
    "ALTER TABLE search_entries ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('swedish'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('swedish'::regconfig, coalesce(content, '')), 'B')) STORED",
    "CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)",
)


def _joined(first, second):
    """Two texts as app.search.index joins them: the non-empty ones, a blank line between."""
    return (
        f"CASE WHEN coalesce({first}, '') = '' THEN nullif({second}, '') "
        f"WHEN coalesce({second}, '') = '' THEN {first} "
        f"ELSE {first} || :sep || {second} END"
    )


BACKFILL = (
    "INSERT INTO search_entries "
    "(kind, ref_id, item_id, meeting_id, body_id, document_id, title, content) "
    f"SELECT 'item', i.id, i.id, i.meeting_id, m.body_id, NULL, i.title, {_joined('i.summary', 'i.proposal')} "
    "FROM agenda_items i JOIN meetings m ON m.id = i.meeting_id",
    "INSERT INTO search_entries "
    "(kind, ref_id, item_id, meeting_id, body_id, document_id, title, content) "
    f"SELECT 'decision', d.id, i.id, i.meeting_id, m.body_id, NULL, i.title, {_joined('d.text', 'd.notes')} "
    "FROM decisions d JOIN agenda_items i ON i.id = d.item_id JOIN meetings m ON m.id = i.meeting_id",
    "INSERT INTO search_entries "
    "(kind, ref_id, item_id, meeting_id, body_id, document_id, title, content) "
    "SELECT 'document', l.id, i.id, i.meeting_id, m.body_id, doc.id, doc.title, NULL "
    "FROM agenda_item_documents l JOIN documents doc ON doc.id = l.document_id "
    "JOIN agenda_items i ON i.id = l.item_id JOIN meetings m ON m.id = i.meeting_id",
)

# Frozen copy of app.search.text: PostgreSQL's Swedish stop words and the token pattern.
STOP_WORDS = frozenset(
    """
    och det att i en jag hon som han på den med var sig för så till är men ett om hade de av
    icke mig du henne då sin nu har inte hans honom skulle hennes där min man ej vid kunde
    något från ut när efter upp vi dem vara vad över än dig kan sina här ha mot alla under
    någon eller allt mycket sedan ju denna själv detta åt utan varit hur ingen mitt ni bli blev
    oss din dessa några deras blir mina samma vilken er sådan vår blivit dess inom mellan
    sådant varför varje vilka ditt vem vilket sitta sådana vart dina vars vårt våra ert era
    vilkas
    """.split()
)
WORD_RE = re.compile(r"[^\W_]+")


def _stems(text, stemmer):
    if not text:
        return ""
    words = (m.group().lower() for m in WORD_RE.finditer(text))
    return " ".join(stemmer.stemWord(w) for w in words if w not in STOP_WORDS)


def _drop_structures(bind):
    if bind.dialect.name == "sqlite":
        for trigger in ("search_entries_ai", "search_entries_ad", "search_entries_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.execute("DROP TABLE IF EXISTS search_entries")


def upgrade():
    bind = op.get_bind()
    # An application started on this database before it was upgraded may have made the index
    # already (app.search.index.ensure_index): it is made again here, exactly, and refilled.
    _drop_structures(bind)
    op.create_table('search_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('item', 'decision', 'document', name='searchkind', native_enum=False, length=32), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('title_stems', sa.Text(), nullable=True),
    sa.Column('content_stems', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entries')),
    sa.UniqueConstraint('kind', 'ref_id', name=op.f('uq_search_entries_kind_ref_id'))
    )
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_entries_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entries_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entries_meeting_id'), ['meeting_id'], unique=False)

    for statement in BACKFILL:
        bind.execute(sa.text(statement), {"sep": "\n\n"})
    if bind.dialect.name == "sqlite":
        import snowballstemmer

        stemmer = snowballstemmer.stemmer("swedish")
        rows = bind.execute(sa.text("SELECT id, title, content FROM search_entries")).all()
        if rows:
            bind.execute(
                sa.text(
                    "UPDATE search_entries SET title_stems = :title_stems, "
                    "content_stems = :content_stems WHERE id = :id"
                ),
                [
                    {
                        "id": row.id,
                        "title_stems": _stems(row.title, stemmer),
                        "content_stems": _stems(row.content, stemmer),
                    }
                    for row in rows
                ],
            )
        for statement in SQLITE_DDL:
            op.execute(statement)
        op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    elif bind.dialect.name == "postgresql":
        for statement in POSTGRESQL_DDL:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_entries_ai", "search_entries_ad", "search_entries_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_entries_tsv")
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_entries_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_search_entries_item_id'))
        batch_op.drop_index(batch_op.f('ix_search_entries_document_id'))

    op.drop_table('search_entries')
