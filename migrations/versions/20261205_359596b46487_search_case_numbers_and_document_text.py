"""search: diarienummer and the text of attached PDFs, page by page

Revision ID: 359596b46487
Revises: d0c5a11e7b93
Create Date: 2026-12-05 06:16:43.740400

- document_texts and document_pages: the text of a stored file, read once per file
  (app.search.jobs), page by page; how it was had (its own text layer, OCR, none, failed).
- search_entries gains page (0: a row of its own; 1, 2, ...: a page of a document's text),
  ocr (that page's text was made by OCR) and case_keys (the diarienummer the row is found by);
  the unique key becomes (kind, ref_id, page).
- The backend structures are made anew: on SQLite the FTS5 table (the diarienummer go with
  the title's stems, so title_stems is computed again here), on PostgreSQL the generated tsv,
  which now leaves a page's title out and adds case_keys in the ``simple`` configuration.

case_keys is filled here from the records by a frozen copy of app.search.text.case_keys (a
later `flask search reindex` recomputes everything with the code of its day). The pages come
from the files' text, which `flask search read-texts` reads.
"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "359596b46487"
down_revision = "d0c5a11e7b93"
branch_labels = None
depends_on = None


SQLITE_TRIGGERS = ("search_entries_ai", "search_entries_ad", "search_entries_au")
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
POSTGRESQL_TSV = (
    "ALTER TABLE search_entries ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('swedish'::regconfig, "
    "CASE WHEN page = 0 THEN coalesce(title, '') ELSE '' END), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(case_keys, '')), 'A') || "
    "setweight(to_tsvector('swedish'::regconfig, coalesce(content, '')), 'B')) STORED"
)
POSTGRESQL_TSV_BEFORE = (
    "ALTER TABLE search_entries ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('swedish'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('swedish'::regconfig, coalesce(content, '')), 'B')) STORED"
)
POSTGRESQL_INDEX = "CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)"

# Frozen copy of app.search.text: PostgreSQL's Swedish stop words, the token pattern and the
# diarienummer as one token.
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
CASE_NUMBER_RE = re.compile(r"\b([^\W\d_]{1,5})[ \-]?(\d{6,})\b")


def _stems(text, stemmer):
    if not text:
        return ""
    words = (m.group().lower() for m in WORD_RE.finditer(text))
    return " ".join(stemmer.stemWord(w) for w in words if w not in STOP_WORDS)


def _case_keys(numbers):
    keys = []
    for number in numbers:
        key = CASE_NUMBER_RE.sub(lambda m: m.group(1) + m.group(2), number.strip()) if number else ""
        if key and key not in keys:
            keys.append(key)
    return " ".join(keys) or None


def _drop_structures(bind):
    if bind.dialect.name == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_entries_tsv")
        op.execute("ALTER TABLE search_entries DROP COLUMN IF EXISTS tsv")


def _sqlite_stems(bind, with_case_keys):
    import snowballstemmer

    stemmer = snowballstemmer.stemmer("swedish")
    case_keys = "case_keys" if with_case_keys else "NULL AS case_keys"
    rows = bind.execute(sa.text(f"SELECT id, title, {case_keys} FROM search_entries")).all()
    if rows:
        bind.execute(
            sa.text("UPDATE search_entries SET title_stems = :stems WHERE id = :id"),
            [
                {
                    "id": row.id,
                    "stems": " ".join(
                        part
                        for part in (_stems(row.title, stemmer), _stems(row.case_keys, stemmer))
                        if part
                    ),
                }
                for row in rows
            ],
        )
    for statement in SQLITE_DDL:
        op.execute(statement)
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")


def _fill_case_keys(bind):
    """case_keys as app.search.index writes them: an item's case and its anmälningar's, a
    decision's item's case, a document's own case and its item's."""
    item_case = dict(
        bind.execute(
            sa.text(
                "SELECT i.id, c.case_number FROM agenda_items i "
                "JOIN cases c ON c.id = i.case_id"
            )
        ).all()
    )
    notices = {}
    for item_id, number in bind.execute(
        sa.text(
            "SELECT item_id, case_number FROM agenda_notices WHERE case_number IS NOT NULL "
            "ORDER BY item_id, position, id"
        )
    ):
        notices.setdefault(item_id, []).append(number)
    document_case = dict(
        bind.execute(
            sa.text("SELECT d.id, c.case_number FROM documents d JOIN cases c ON c.id = d.case_id")
        ).all()
    )
    updates = []
    for row in bind.execute(
        sa.text("SELECT id, kind, item_id, document_id FROM search_entries")
    ):
        if row.kind == "item":
            keys = _case_keys((item_case.get(row.item_id), *notices.get(row.item_id, ())))
        elif row.kind == "document":
            keys = _case_keys((document_case.get(row.document_id), item_case.get(row.item_id)))
        else:
            keys = _case_keys((item_case.get(row.item_id),))
        if keys:
            updates.append({"id": row.id, "keys": keys})
    if updates:
        bind.execute(
            sa.text("UPDATE search_entries SET case_keys = :keys WHERE id = :id"), updates
        )


def upgrade():
    bind = op.get_bind()
    op.create_table(
        "document_texts",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("ocr_sha256", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_document_texts")),
    )
    op.create_table(
        "document_pages",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("page", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["document_texts.sha256"],
            name=op.f("fk_document_pages_sha256_document_texts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sha256", "page", name=op.f("pk_document_pages")),
    )
    # The FTS5 table and its triggers (SQLite), the generated column (PostgreSQL) go first:
    # SQLite's batch mode copies the table, and the new columns change what they are made of.
    _drop_structures(bind)
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("page", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("ocr", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("case_keys", sa.Text(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_search_entries_kind_ref_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_search_entries_kind_ref_id_page"), ["kind", "ref_id", "page"]
        )
    _fill_case_keys(bind)
    if bind.dialect.name == "sqlite":
        _sqlite_stems(bind, with_case_keys=True)
    elif bind.dialect.name == "postgresql":
        op.execute(POSTGRESQL_TSV)
        op.execute(POSTGRESQL_INDEX)


def downgrade():
    bind = op.get_bind()
    _drop_structures(bind)
    op.execute("DELETE FROM search_entries WHERE page <> 0")
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_search_entries_kind_ref_id_page"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_search_entries_kind_ref_id"), ["kind", "ref_id"]
        )
        batch_op.drop_column("case_keys")
        batch_op.drop_column("ocr")
        batch_op.drop_column("page")
    if bind.dialect.name == "sqlite":
        _sqlite_stems(bind, with_case_keys=False)
    elif bind.dialect.name == "postgresql":
        op.execute(POSTGRESQL_TSV_BEFORE)
        op.execute(POSTGRESQL_INDEX)
    op.drop_table("document_pages")
    op.drop_table("document_texts")
