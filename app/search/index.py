"""The search index: its structures on each backend, and keeping it in step with the records.

Every flush that changes the searched text of an agenda item, a decision, a document's title
(or its file, whose pages' text ``app.search.jobs`` reads), a diarienummer (the item's case,
a document's case, an anmälan's number, a case renumbered) or where a document is attached
rewrites the index rows of the items concerned, in the same
transaction (mapper events note what changed, the session's ``after_flush`` rewrites): what is
committed is searchable, what is rolled back was never indexed. The same holds for the
visibility inputs the rows carry (``public``, see ``app.search.models``): a change of a body's
publicity, a meeting's status or record status, an item's publicity or a document's
confidentiality rewrites the rows concerned.
``flask search reindex`` rebuilds everything from the records.

The backends' own structures are created by the migration, and by ``ensure_index`` wherever
they are missing (a database made with ``db.create_all()``, as the tests make theirs).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, event, func, insert, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, object_session

from app.agenda.models import AgendaItem, AgendaItemDocument, AgendaNotice
from app.bodies.models import Body
from app.cases.models import Case, Confidentiality, Document
from app.meetings.models import Meeting, MeetingStatus, RecordStatus
from app.record.models import Decision
from app.search.models import DocumentPage, DocumentText, SearchEntry, SearchKind, TextMethod
from app.search.text import case_keys, stems

# Both backends hand out the matches latest first, from the index itself: each row has a
# recency key, the meeting's day (days since 1970) times 2**32 plus the row's id, unique and
# ordered as (meeting date, id). A search reads the reader's latest matches in that order and
# stops after COUNT_CAP + 1 of them (app.search.services), so its cost follows the hits shown,
# not the hits there are. Row ids stay below 2**32.
RECENCY_SHIFT = 2**32


def _recency(prefix: str) -> str:
    return (
        f"(CAST(julianday(coalesce({prefix}meeting_date, '1970-01-01')) - 2440587.5 AS INTEGER)"
        f" * {RECENCY_SHIFT} + {prefix}id)"
    )


def _flags(prefix: str) -> str:
    """The row's filter tokens, indexed beside its text (never ranked): ``pub`` where the
    public may see it, ``b<body id>``, ``y<year>`` and ``k<kind>``, so that the public's
    visibility and the filters are part of the match."""
    return (
        f"('k' || {prefix}kind || ' b' || {prefix}body_id || ' y' || "
        f"coalesce(strftime('%Y', {prefix}meeting_date), '0') || "
        f"CASE WHEN {prefix}public THEN ' pub' ELSE '' END)"
    )


# SQLite: an FTS5 index over the stem columns and the filter tokens, whose rowid is the
# recency key, so that FTS5 walks the matches latest first (``ORDER BY rowid DESC``) and a
# LIMIT stops it. Its content is the view search_fts_source over search_entries (external
# content: the index holds no copy of the text); triggers keep it in step, so any change of
# search_entries (also a bulk delete) reaches it. Tokens are split as by
# app.search.text.WORD_RE; å, ä and ö stay letters.
SQLITE_TRIGGERS = ("search_entries_ai", "search_entries_ad", "search_entries_au")
_FTS_COLUMNS = "rowid, title_stems, content_stems, flags"
_NEW = f"{_recency('new.')}, new.title_stems, new.content_stems, {_flags('new.')}"
_OLD = f"{_recency('old.')}, old.title_stems, old.content_stems, {_flags('old.')}"
# Built from the constant expressions above, never from input.
SQLITE_DDL = (
    "CREATE VIEW search_fts_source AS SELECT "  # noqa: S608
    f"{_recency('')} AS recency, title_stems, content_stems, {_flags('')} AS flags "
    "FROM search_entries",
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_stems, content_stems, flags, "
    "content='search_fts_source', content_rowid='recency', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "  # noqa: S608
    f"INSERT INTO search_fts({_FTS_COLUMNS}) VALUES ({_NEW}); END",
    "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "  # noqa: S608
    f"INSERT INTO search_fts(search_fts, {_FTS_COLUMNS}) VALUES ('delete', {_OLD}); END",
    "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "  # noqa: S608
    f"INSERT INTO search_fts(search_fts, {_FTS_COLUMNS}) VALUES ('delete', {_OLD}); "
    f"INSERT INTO search_fts({_FTS_COLUMNS}) VALUES ({_NEW}); END",
)
SQLITE_DROP = (
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
    "DROP TABLE IF EXISTS search_fts",
    "DROP VIEW IF EXISTS search_fts_source",
)
SQLITE_NAMES = ("search_fts_source", "search_fts", *SQLITE_TRIGGERS)

# PostgreSQL: a tsvector of the original text in the built-in swedish configuration, the title
# (not on a page's row, which is found by its text) and the diarienummer (``simple``: as
# tokens, never stemmed) weighted above the content, and the recency key, both generated by
# the database itself. The index is RUM (the ``rum`` extension, Debian's postgresql-15-rum)
# with the recency key attached to every posting, so that ``ORDER BY recency <=| max LIMIT n``
# is answered from the index alone: RUM (1.3) still collects and sorts every match's key, but
# without reading a row or ranking it (75,000 matches: 20-50 ms, against 700 ms and more for
# GIN's bitmap scan, ranking and sort). Where the extension cannot be had (not installed, or
# no right to create it) a GIN index instead: the same answers, at that higher cost.
POSTGRESQL_TSV = (
    "ALTER TABLE search_entries ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('swedish'::regconfig, "
    "CASE WHEN page = 0 THEN coalesce(title, '') ELSE '' END), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(case_keys, '')), 'A') || "
    "setweight(to_tsvector('swedish'::regconfig, coalesce(content, '')), 'B')) STORED"
)
POSTGRESQL_RECENCY = (
    "ALTER TABLE search_entries ADD COLUMN recency bigint GENERATED ALWAYS AS ("
    "coalesce(meeting_date - DATE '1970-01-01', 0)::bigint * "
    f"{RECENCY_SHIFT} + id) STORED"
)
POSTGRESQL_RUM_INDEX = (
    "CREATE INDEX ix_search_entries_tsv ON search_entries USING rum "
    "(tsv rum_tsvector_addon_ops, recency) "
    "WITH (attach = 'recency', to = 'tsv', order_by_attach = 't')"
)
POSTGRESQL_GIN_INDEX = "CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)"
# Kept on the connection by ensure_index (each time it runs): whether the index is RUM.
RUM = "search_rum"

# The fields whose change alters what is indexed: the text, where it hangs, and the inputs of
# the public's visibility (the rules of app.accounts.permissions, see app.search.models).
INDEXED_FIELDS: dict[type, tuple[str, ...]] = {
    AgendaItem: ("title", "summary", "proposal", "meeting_id", "is_public", "case_id"),
    Decision: ("text", "notes", "item_id"),
    AgendaItemDocument: ("item_id", "document_id"),
    AgendaNotice: ("case_number", "item_id"),
    Document: ("title", "confidentiality", "case_id", "sha256"),
    Case: ("case_number",),
    Meeting: ("body_id", "meeting_date", "status", "record_status"),
    Body: ("is_public",),
}
SENT = (MeetingStatus.CONVENED, MeetingStatus.HELD)
PENDING = "search_index_pending"
CHUNK = 500


def ensure_index(connection: Connection) -> bool:
    """Create the index's table and the backend's structures where they are missing; returns
    whether anything was made. One catalogue query when all is there (no cache: a cache could
    outlive a transaction that made the structures and was rolled back)."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return _ensure_sqlite(connection)
    if dialect == "postgresql":
        return _ensure_postgresql(connection)
    raise RuntimeError(f"search has no backend for {dialect}")


def _ensure_sqlite(connection: Connection) -> bool:
    # The schema's few dozen rows, filtered here.
    found = {
        name: sql
        for name, sql in connection.execute(text("SELECT name, sql FROM sqlite_master")).tuples()
        if name == "search_entries" or name in SQLITE_NAMES
    }
    if all(found.get(name) == ddl for name, ddl in zip(SQLITE_NAMES, SQLITE_DDL, strict=True)):
        return False
    if "search_entries" not in found:
        SearchEntry.__table__.create(connection)  # type: ignore[attr-defined]
    # pysqlite begins a transaction only before a data change and runs DDL outside one: begin
    # one, so that the structures and their filling are committed or rolled back together.
    connection.exec_driver_sql("DELETE FROM search_entries WHERE 0")
    # Missing, of an earlier layout, or left over from a dropped search_entries: made anew
    # from the rows.
    for statement in (*SQLITE_DROP, *SQLITE_DDL):
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    return True


def _ensure_postgresql(connection: Connection) -> bool:
    table, tsv, recency, method = connection.execute(
        text(
            "SELECT to_regclass('search_entries') IS NOT NULL, "
            "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('search_entries') "
            "AND attname = 'tsv' AND NOT attisdropped), "
            "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('search_entries') "
            "AND attname = 'recency' AND NOT attisdropped), "
            "(SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
            "WHERE c.oid = to_regclass('ix_search_entries_tsv'))"
        )
    ).one()
    made = not (table and tsv and recency and method)
    if not table:
        SearchEntry.__table__.create(connection)  # type: ignore[attr-defined]
    if not tsv:
        connection.exec_driver_sql(POSTGRESQL_TSV)
    if not recency:
        connection.exec_driver_sql(POSTGRESQL_RECENCY)
    if not method:
        method = "rum" if create_postgresql_index(connection) else "gin"
    connection.info[RUM] = method == "rum"
    return made


def create_postgresql_index(connection: Connection) -> bool:
    """The search index on PostgreSQL: RUM where the extension can be had, else GIN; returns
    whether it is RUM. The attempt runs in a savepoint, so that a missing right to create the
    extension leaves the transaction usable."""
    available = connection.scalar(
        text("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum')")
    )
    if available:
        try:
            with connection.begin_nested():
                connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS rum")
                connection.exec_driver_sql(POSTGRESQL_RUM_INDEX)
            return True
        except DBAPIError:
            pass
    connection.exec_driver_sql(POSTGRESQL_GIN_INDEX)
    return False


# -- writing ---------------------------------------------------------------------------------


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _joined(*parts: str | None) -> str | None:
    return "\n\n".join(part for part in parts if part and part.strip()) or None


def _rows(connection: Connection, item_ids: list[int]) -> list[dict[str, Any]]:
    """The index rows of these items (those still there): item, decision, documents (the
    title, and each page of the file's text)."""
    rows: list[dict[str, Any]] = []
    items = {
        row.id: row
        for row in connection.execute(
            select(
                AgendaItem.id,
                AgendaItem.meeting_id,
                AgendaItem.title,
                AgendaItem.summary,
                AgendaItem.proposal,
                AgendaItem.is_public,
                Case.case_number,
                Meeting.body_id,
                Meeting.meeting_date,
                Meeting.status,
                Meeting.record_status,
                Body.is_public.label("body_is_public"),
            )
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .join(Body, Body.id == Meeting.body_id)
            .outerjoin(Case, Case.id == AgendaItem.case_id)
            .where(AgendaItem.id.in_(item_ids))
        )
    }
    notices: dict[int, list[str]] = {}
    for notice in connection.execute(
        select(AgendaNotice.item_id, AgendaNotice.case_number)
        .where(AgendaNotice.item_id.in_(items), AgendaNotice.case_number.is_not(None))
        .order_by(AgendaNotice.item_id, AgendaNotice.position, AgendaNotice.id)
    ):
        notices.setdefault(notice.item_id, []).append(notice.case_number)

    def public_item(item: Any) -> bool:
        """can_view_item for the public: a public item on a sent agenda of a public body."""
        return bool(item.body_is_public and item.is_public and item.status in SENT)

    def public_decision(item: Any) -> bool:
        """can_view_decision for the public: the record final, body and item public."""
        return bool(
            item.body_is_public and item.is_public and item.record_status == RecordStatus.FINAL
        )

    def row(
        kind: SearchKind,
        ref_id: int,
        item_id: int,
        title: str,
        content: str | None,
        public: bool,
        **more,
    ):
        item = items[item_id]
        return {
            "kind": kind,
            "ref_id": ref_id,
            "item_id": item_id,
            "meeting_id": item.meeting_id,
            "body_id": item.body_id,
            "meeting_date": item.meeting_date,
            "public": public,
            "document_id": None,
            "page": 0,
            "ocr": False,
            "title": title,
            "content": content,
            "case_keys": case_keys((item.case_number,)),
            **more,
        }

    for item in items.values():
        rows.append(
            row(
                SearchKind.ITEM,
                item.id,
                item.id,
                item.title,
                _joined(item.summary, item.proposal),
                public_item(item),
                case_keys=case_keys((item.case_number, *notices.get(item.id, ()))),
            )
        )
    for decision in connection.execute(
        select(Decision.id, Decision.item_id, Decision.text, Decision.notes).where(
            Decision.item_id.in_(items)
        )
    ):
        title = items[decision.item_id].title
        rows.append(
            row(
                SearchKind.DECISION,
                decision.id,
                decision.item_id,
                title,
                _joined(decision.text, decision.notes),
                public_decision(items[decision.item_id]),
            )
        )
    links = connection.execute(
        select(
            AgendaItemDocument.id,
            AgendaItemDocument.item_id,
            Document.id.label("document_id"),
            Document.title,
            Document.confidentiality,
            Document.sha256,
            Case.case_number,
        )
        .join(Document, Document.id == AgendaItemDocument.document_id)
        .outerjoin(Case, Case.id == Document.case_id)
        .where(AgendaItemDocument.item_id.in_(items))
    ).all()
    pages: dict[str, list[Any]] = {}
    files = sorted({link.sha256 for link in links if link.sha256})
    for start in range(0, len(files), CHUNK):
        for page in connection.execute(
            select(DocumentPage.sha256, DocumentPage.page, DocumentPage.text, DocumentText.method)
            .join(DocumentText, DocumentText.sha256 == DocumentPage.sha256)
            .where(DocumentPage.sha256.in_(files[start : start + CHUNK]))
            .order_by(DocumentPage.sha256, DocumentPage.page)
        ):
            pages.setdefault(page.sha256, []).append(page)
    for link in links:
        # can_view_item_document for the public: the item and the document public.
        public = public_item(items[link.item_id]) and link.confidentiality == Confidentiality.PUBLIC
        rows.append(
            row(
                SearchKind.DOCUMENT,
                link.id,
                link.item_id,
                link.title,
                None,
                public,
                document_id=link.document_id,
                case_keys=case_keys((link.case_number, items[link.item_id].case_number)),
            )
        )
        for page in pages.get(link.sha256, ()):
            if page.text.strip():
                rows.append(
                    row(
                        SearchKind.DOCUMENT,
                        link.id,
                        link.item_id,
                        link.title,
                        page.text,
                        public,
                        document_id=link.document_id,
                        page=page.page,
                        ocr=page.method == TextMethod.OCR,
                        case_keys=None,
                    )
                )
    with_stems = connection.dialect.name == "sqlite"
    for entry in rows:
        if with_stems:
            # A page's row is found by its text alone; the diarienummer count as the title.
            title = "" if entry["page"] else stems(entry["title"])
            entry["title_stems"] = " ".join(
                part for part in (title, stems(entry["case_keys"])) if part
            )
            entry["content_stems"] = stems(entry["content"])
        else:
            entry["title_stems"] = entry["content_stems"] = None
    return rows


def refresh_index(
    connection: Connection,
    item_ids: Iterable[int] = (),
    document_ids: Iterable[int] = (),
    meeting_ids: Iterable[int] = (),
    body_ids: Iterable[int] = (),
    case_ids: Iterable[int] = (),
) -> None:
    """Rewrite the index rows of these items, of the items these documents are attached to,
    of these meetings' and bodies' items and of the items and documents of these cases, from
    what the database holds now."""
    ensure_index(connection)
    meetings = set(meeting_ids)
    for chunk in _chunks(body_ids):
        meetings.update(connection.scalars(select(Meeting.id).where(Meeting.body_id.in_(chunk))))
    items = set(item_ids)
    documents = set(document_ids)
    for chunk in _chunks(case_ids):
        items.update(connection.scalars(select(AgendaItem.id).where(AgendaItem.case_id.in_(chunk))))
        documents.update(connection.scalars(select(Document.id).where(Document.case_id.in_(chunk))))
    _refresh(connection, items, documents, meetings)


def _refresh(
    connection: Connection, items: set[int], document_ids: Iterable[int], meeting_ids: Iterable[int]
) -> None:
    table = SearchEntry.__table__
    for chunk in _chunks(document_ids):
        items.update(
            connection.scalars(
                select(AgendaItemDocument.item_id).where(AgendaItemDocument.document_id.in_(chunk))
            )
        )
        connection.execute(delete(table).where(table.c.document_id.in_(chunk)))
    for chunk in _chunks(meeting_ids):
        items.update(
            connection.scalars(select(AgendaItem.id).where(AgendaItem.meeting_id.in_(chunk)))
        )
        connection.execute(delete(table).where(table.c.meeting_id.in_(chunk)))
    for chunk in _chunks(items):
        connection.execute(delete(table).where(table.c.item_id.in_(chunk)))
        rows = _rows(connection, chunk)
        if rows:
            connection.execute(insert(table), rows)


def rebuild_index(connection: Connection) -> int:
    """The whole index anew from the records; returns the number of rows. On SQLite the FTS5
    table is made anew too, so a rebuild also mends an index damaged in any way."""
    ensure_index(connection)
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("DELETE FROM search_entries WHERE 0")  # see _ensure_sqlite
        for statement in SQLITE_DROP:
            connection.exec_driver_sql(statement)
    connection.execute(delete(SearchEntry.__table__))
    _refresh(connection, set(connection.scalars(select(AgendaItem.id))), (), ())
    if sqlite:
        for statement in SQLITE_DDL:
            connection.exec_driver_sql(statement)
        connection.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    return connection.scalar(select(func.count()).select_from(SearchEntry.__table__)) or 0


# -- following the session -------------------------------------------------------------------


@dataclass
class _Pending:
    item_ids: set[int] = field(default_factory=set)
    document_ids: set[int] = field(default_factory=set)
    meeting_ids: set[int] = field(default_factory=set)
    body_ids: set[int] = field(default_factory=set)
    case_ids: set[int] = field(default_factory=set)


def _pending(target: Any) -> _Pending | None:
    session = object_session(target)
    if session is None:
        return None
    return session.info.setdefault(PENDING, _Pending())


def _note(target: Any, *, changed_only: bool) -> None:
    fields = INDEXED_FIELDS[type(target)]
    state = inspect(target)
    if changed_only and not any(state.attrs[name].history.has_changes() for name in fields):
        return
    pending = _pending(target)
    if pending is None:
        return
    if isinstance(target, AgendaItem):
        pending.item_ids.add(target.id)
    elif isinstance(target, Decision | AgendaItemDocument | AgendaNotice):
        pending.item_ids.add(target.item_id)
        pending.item_ids.update(state.attrs.item_id.history.deleted or ())
        if isinstance(target, AgendaItemDocument):
            pending.document_ids.update(state.attrs.document_id.history.deleted or ())
    elif isinstance(target, Document):
        pending.document_ids.add(target.id)
    elif isinstance(target, Meeting):
        pending.meeting_ids.add(target.id)
    elif isinstance(target, Body):
        pending.body_ids.add(target.id)
    elif isinstance(target, Case):
        pending.case_ids.add(target.id)


def _after_insert(mapper: Any, connection: Connection, target: Any) -> None:
    if not isinstance(target, Document | Meeting | Body | Case):  # nothing of theirs indexed yet
        _note(target, changed_only=False)


def _after_update(mapper: Any, connection: Connection, target: Any) -> None:
    _note(target, changed_only=True)


def _after_delete(mapper: Any, connection: Connection, target: Any) -> None:
    _note(target, changed_only=False)


def _after_flush(session: Session, flush_context: Any) -> None:
    pending: _Pending | None = session.info.pop(PENDING, None)
    if pending is None or not (
        pending.item_ids
        or pending.document_ids
        or pending.meeting_ids
        or pending.body_ids
        or pending.case_ids
    ):
        return
    refresh_index(
        session.connection(),
        pending.item_ids,
        pending.document_ids,
        pending.meeting_ids,
        pending.body_ids,
        pending.case_ids,
    )


def _forget(session: Session, *args: Any) -> None:
    session.info.pop(PENDING, None)


_installed = False


def install_index_hooks() -> None:
    """Listen to every session and the indexed models (once per process)."""
    global _installed
    if _installed:
        return
    for model in INDEXED_FIELDS:
        event.listen(model, "after_insert", _after_insert)
        event.listen(model, "after_update", _after_update)
        event.listen(model, "after_delete", _after_delete)
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_soft_rollback", _forget)
    _installed = True
