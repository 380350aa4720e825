"""Answering a search: one interface, a backend per database.

``search(user, text, filters, page)`` parses the query once (``app.search.text``), lets the
backend find the reader's latest matches, and ranks them: the index hands out matches latest
first (by the recency key of ``app.search.index``: the meeting's date, then the row), filtered
by what ``user`` may see (``visible_row``: the rows' own ``public`` flag, and for a reader with
a role the clauses of ``app.accounts.permissions`` over the live item, meeting, body and
document), and the search stops after ``COUNT_CAP + 1`` of them: the pool. The pool is ranked
by relevance (the backend's score times the kind's weight, then the latest meeting) and the
page cut from it. So the cost follows the page and the cap, not the number of matches: with
more than ``COUNT_CAP`` hits the page says "more than 1,000 results" and shows the best of the
latest 1,000, and the year and body filters (part of the match) reach older ones.

- SQLite: FTS5 ``MATCH`` over the Swedish stems the index holds and the filter tokens
  (``flags``: the public's visibility, body, year, kind), walked ``ORDER BY rowid DESC`` (the
  rowid is the recency key) with a LIMIT, ranked by BM25 over the pool rows' stems
  (``app.search.text.bm25``) with the title counting more than the text.
- PostgreSQL: ``websearch_to_tsquery('swedish', …)`` against the generated ``tsv`` column,
  walked ``ORDER BY recency <=| max`` from the RUM index where the recency key is attached to
  every posting (RUM orders the matches inside the index, without reading the rows; a GIN
  index where RUM is missing: same answers, slower), in date windows on that key (the last
  year first, then wider, until the pool is full: RUM sorts a window's matches, not all of
  them), ranked by
  ``ts_rank`` over the pool's rows; the query as typed goes to PostgreSQL, its diarienummer
  written as one token ("RV 240022" as "RV240022", ``app.search.text.joined_case_numbers``).

A diarienummer is found on both backends as a whole token in the rows' ``case_keys``: the
items, decisions and documents of the case. A document's text is searched page by page: a
hit on a page names the page (and links to it) and says when its text was made by OCR.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import url_for
from markupsafe import Markup
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy import table as sql_table
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import aliased

from app.accounts.permissions import (
    readable_decisions_clause,
    roles_of,
    visible_bodies_clause,
    visible_item_documents_clause,
    visible_items_clause,
)
from app.agenda.models import AgendaItem, NumberPlace, number_label
from app.bodies.models import Body
from app.cases.models import Document
from app.extensions import db
from app.meetings.models import Meeting, RecordStatus
from app.search.index import RECENCY_SHIFT, RUM, ensure_index
from app.search.models import SearchEntry, SearchKind
from app.search.text import Query, bm25, highlight, parse_query, snippet

PAGE_SIZE = 20
# The pool: the reader's latest matches, at most this many are ranked and shown (50 pages);
# one more tells that there are more ("more than 1,000 results").
COUNT_CAP = 1000
# The title weighs this many times the text in SQLite's ranking (PostgreSQL: weights A and B).
TITLE_WEIGHT = 4.0
# A decision or an item says more than a document known by its title: ranks are scaled so.
KIND_WEIGHTS = {SearchKind.DECISION: 1.5, SearchKind.ITEM: 1.2, SearchKind.DOCUMENT: 0.8}
# Above every recency key (days up to the year 7700): ``recency <=| MAX_RECENCY`` is RUM's
# distance to it, smallest for the latest row. A float8, exact below 2**53 only: nearer to
# bigint's maximum the rows of one day would tie.
MAX_RECENCY = 2**53
# PostgreSQL's work_mem for the search's statement on a RUM index (see _postgresql_pool).
RUM_WORK_MEM = "32MB"
# RUM's date windows (see _postgresql_pool): the lower bounds of the windows, in days before
# the anchor (today, or the latest meeting if earlier); after the last, the rest.
RUM_WINDOWS = (366, 3 * 366, 7 * 366)


@dataclass(frozen=True)
class Filters:
    body_id: int | None = None
    year: int | None = None
    kind: SearchKind | None = None


@dataclass(frozen=True)
class Hit:
    kind: SearchKind
    title: Markup
    snippet: Markup
    url: str
    body_name: str
    meeting_date: date
    number: str
    # For a document: the item it is attached to.
    item_title: str | None = None
    has_file: bool = True
    # For a hit in a document's text: the page it is on, and whether OCR read it from a scan.
    page: int | None = None
    ocr: bool = False


@dataclass
class Results:
    query: Query
    filters: Filters
    hits: list[Hit] = field(default_factory=list)
    # Hits per kind in the pool, before the kind filter: the counts the filter offers (with
    # the kind filter, that kind's only). COUNT_CAP + 1 at most in all: partial where ``more``.
    counts: dict[SearchKind, int] = field(default_factory=dict)
    page: int = 1

    @property
    def counted(self) -> int:
        """The hits counted (at most COUNT_CAP + 1)."""
        if self.filters.kind is not None:
            return self.counts.get(self.filters.kind, 0)
        return sum(self.counts.values())

    @property
    def more(self) -> bool:
        """Whether there are more hits than COUNT_CAP (the counts by kind are then partial)."""
        return self.counted > COUNT_CAP

    @property
    def total(self) -> int:
        """The number of hits, COUNT_CAP where there are more."""
        return min(self.counted, COUNT_CAP)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PAGE_SIZE))

    @property
    def first(self) -> int:
        """The number of the first hit on this page."""
        return (self.page - 1) * PAGE_SIZE + 1


# -- backends --------------------------------------------------------------------------------


# One row of the pool: the index row's id, its score (positive, higher for a better match),
# its kind and its meeting's date as the driver gives them (no conversion per row).
PoolRow = tuple[int, float, Any, Any]
# Day 0 of the recency key (app.search.index): 1 January 1970.
_EPOCH = date(1970, 1, 1).toordinal()


def _sqlite_pool(query: Query, user: object, filters: Filters, limit: int) -> list[PoolRow]:
    """The reader's latest ``limit`` matches: FTS5 walks them by its rowid (the recency key)
    downwards and stops at the LIMIT. The public's visibility and the filters are tokens of
    the ``flags`` column, so FTS5 applies them while matching; a reader with a role is
    filtered by the live rules on each row read. Ranked by ``app.search.text.bm25`` over the
    rows' stems: FTS5's own bm25() would first count every match of every phrase of the query
    (the flags too) for its document frequencies, a cost that grows with the hits."""
    fts = sql_table("search_fts", column("rowid"))
    flags = [f"b{filters.body_id}"] if filters.body_id is not None else []
    if filters.year is not None:
        flags.append(f"y{filters.year}")
    if filters.kind is not None:
        flags.append(f"k{filters.kind.value}")
    if _anonymous(user):
        flags.append("pub")
    expression = " AND ".join(
        [
            "{title_stems content_stems} : (" + query.fts5() + ")",
            *(f'flags : "{flag}"' for flag in flags),
        ]
    )
    statement = (
        select(
            SearchEntry.id,
            type_coerce(SearchEntry.kind, String),
            type_coerce(SearchEntry.meeting_date, String),
            SearchEntry.title_stems,
            SearchEntry.content_stems,
        )
        .select_from(fts)
        .join(SearchEntry, SearchEntry.id == fts.c.rowid.op("%")(RECENCY_SHIFT))
        .where(
            literal_column("search_fts").op("MATCH")(bindparam("fts_query", expression)),
            visible_row(user),
        )
        .order_by(fts.c.rowid.desc())
        .limit(limit)
    )
    # Core, not the ORM's result machinery: a thousand plain tuples.
    rows = db.session.connection().execute(statement).tuples().all()
    terms = [term for group in query.groups for term in group]
    scores = bm25(terms, [(row[3], row[4]) for row in rows], (TITLE_WEIGHT, 1.0))
    return [(row[0], score, row[1], row[2]) for row, score in zip(rows, scores, strict=True)]


def _postgresql_pool(query: Query, user: object, filters: Filters, limit: int) -> list[PoolRow]:
    """The reader's latest ``limit`` matches: with RUM, read from the index in the recency
    key's order (attached to the postings) up to the LIMIT; the reader's filter on each row
    read. ts_rank (term frequency, divided by 1 + log(length): normalization 1, as bm25
    prefers the shorter text) for those rows only."""
    tsv: ColumnElement[Any] = literal_column("search_entries.tsv")
    recency: ColumnElement[int] = literal_column("search_entries.recency")
    tsquery = func.websearch_to_tsquery(cast("swedish", REGCONFIG), query.search_text)
    connection = db.session.connection()
    rum = bool(connection.info.get(RUM))
    statement = select(
        SearchEntry.id,
        func.ts_rank(tsv, tsquery, 1),
        type_coerce(SearchEntry.kind, String),
        SearchEntry.meeting_date,
    ).where(tsv.op("@@")(tsquery), visible_row(user), *_filter_clauses(filters))
    if not rum:
        statement = statement.order_by(recency.desc()).limit(limit)
        return list(connection.execute(statement).tuples())
    # RUM orders the matches inside the index (no heap access), in memory where it fits:
    # with the default 4 MB the 75,000 matches of a common word spill to disk (about 75 ms);
    # with 32 MB they do not. For this transaction only.
    connection.exec_driver_sql(f"SET LOCAL work_mem = '{RUM_WORK_MEM}'")
    statement = statement.order_by(
        recency.op("<=|")(bindparam("max_recency", MAX_RECENCY, literal_execute=True))
    )
    pool: list[PoolRow] = []
    for lower, upper in _rum_windows(filters):
        window = statement
        if lower is not None:
            window = window.where(recency >= bindparam("lower", lower, literal_execute=True))
        if upper is not None:
            window = window.where(recency < bindparam("upper", upper, literal_execute=True))
        pool.extend(connection.execute(window.limit(limit - len(pool))).tuples())
        if len(pool) >= limit:
            break
    return pool


def _rum_windows(filters: Filters) -> list[tuple[int | None, int | None]]:
    """The recency key's windows for RUM, latest first, as (lower, upper) bounds (None:
    open): RUM 1.3 collects and sorts every match's key inside the index before it hands out
    the first, so a common word's 75,000 matches cost that sort each time. A condition on the
    attached key is checked in the index before the sort: the pool is read window by window
    (the last year first, then wider) until it is full. The windows are disjoint and the key
    unique, so the rows and their order are exactly those of one scan over all matches."""
    if filters.year is not None:  # one year at most already
        return [(None, None)]
    latest = db.session.scalar(select(func.max(Meeting.meeting_date)))
    if latest is None:
        return [(None, None)]
    anchor = min(latest, date.today()).toordinal() - _EPOCH
    bounds = [(anchor - days) * RECENCY_SHIFT for days in RUM_WINDOWS]
    uppers: list[int | None] = [None, *bounds]
    lowers: list[int | None] = [*bounds, None]
    return list(zip(lowers, uppers, strict=True))


BACKENDS: dict[str, Callable[[Query, object, Filters, int], list[PoolRow]]] = {
    "sqlite": _sqlite_pool,
    "postgresql": _postgresql_pool,
}


# -- the search ------------------------------------------------------------------------------


def _anonymous(user: object) -> bool:
    roles = roles_of(user)
    return not roles.is_admin and not roles.secretary_of and not roles.member_of


def visible_clause(user: object) -> ColumnElement[bool]:
    """The index rows ``user`` may see, by the rules of app.accounts.permissions (over
    AgendaItem, Meeting, Body and Document joined to the row: see ``visible_row``)."""
    return or_(
        and_(SearchEntry.kind == SearchKind.ITEM, visible_items_clause(user)),
        and_(SearchEntry.kind == SearchKind.DECISION, readable_decisions_clause(user)),
        and_(SearchEntry.kind == SearchKind.DOCUMENT, visible_item_documents_clause(user)),
    )


def readable(statement: Select, user: object) -> Select:
    """``statement`` over the index rows ``user`` may see (see ``visible_row``)."""
    return statement.select_from(SearchEntry).where(visible_row(user))


def visible_row(user: object) -> ColumnElement[bool]:
    """Whether ``user`` may see an index row, as a clause over SearchEntry.

    What the public may see is the row's own ``public`` flag (kept in step with the records,
    see ``app.search.models``), so a reader without a role needs no join. A reader with a role
    sees more only in her bodies (an admin: in all), by the live rules: for the rows of those
    bodies that are not public, an EXISTS over the live item, meeting, body and document.
    """
    public = SearchEntry.public.is_(True)
    roles = roles_of(user)
    if _anonymous(user):
        return public
    live = (
        select(AgendaItem.id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Body, Body.id == Meeting.body_id)
        .outerjoin(Document, Document.id == SearchEntry.document_id)
        .where(AgendaItem.id == SearchEntry.item_id, visible_clause(user))
        .correlate(SearchEntry)
        .exists()
    )
    if roles.is_admin:
        return or_(public, live)
    bodies = roles.secretary_of | roles.member_of
    # Rows of her bodies; and documents her bodies own, wherever they are shown (a document
    # is read by its owner's rule, see can_view_document).
    body = aliased(Body)  # not the Body an outer query may join
    organisations = select(body.organisation_id).where(body.id.in_(bodies))
    owned = select(Document.id).where(
        Document.owner_body_id.in_(bodies) | Document.owner_organisation_id.in_(organisations)
    )
    mine = SearchEntry.body_id.in_(bodies) | SearchEntry.document_id.in_(owned)
    return or_(public, and_(mine, live))


def _filter_clauses(filters: Filters) -> list:
    """The body, year and kind filters over the index rows."""
    clauses = []
    if filters.body_id is not None:
        clauses.append(SearchEntry.body_id == filters.body_id)
    if filters.year is not None:
        clauses.append(SearchEntry.meeting_date >= date(filters.year, 1, 1))
        clauses.append(SearchEntry.meeting_date < date(filters.year + 1, 1, 1))
    if filters.kind is not None:
        clauses.append(SearchEntry.kind == filters.kind)
    return clauses


def search(user: object, text: str, filters: Filters | None = None, page: int = 1) -> Results:
    """The page ``page`` of what ``user`` may see that matches ``text``, best first."""
    filters = filters or Filters()
    query = parse_query(text)
    results = Results(query=query, filters=filters, page=max(1, page))
    if query.is_empty:
        return results
    connection = db.session.connection()
    ensure_index(connection)
    pool = BACKENDS[connection.dialect.name](query, user, filters, COUNT_CAP + 1)
    counts: dict[SearchKind, int] = {}
    for row in pool:
        kind = SearchKind(row[2])
        counts[kind] = counts.get(kind, 0) + 1
    results.counts = counts
    ids = _page_ids(pool[:COUNT_CAP], results.page)
    if not ids:
        return results
    shown = (
        select(
            SearchEntry.id,
            SearchEntry.kind,
            SearchEntry.ref_id,
            SearchEntry.item_id,
            SearchEntry.meeting_id,
            SearchEntry.title,
            SearchEntry.content,
            SearchEntry.page,
            SearchEntry.ocr,
            AgendaItem.title.label("item_title"),
            AgendaItem.number,
            AgendaItem.paragraph,
            Body.numbering,
            Meeting.meeting_date,
            Meeting.record_status,
            Body.name.label("body_name"),
            Document.sha256.is_not(None).label("has_file"),
        )
        .select_from(SearchEntry)
        .join(AgendaItem, AgendaItem.id == SearchEntry.item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Body, Body.id == Meeting.body_id)
        .outerjoin(Document, Document.id == SearchEntry.document_id)
        .where(SearchEntry.id.in_(ids))
    )
    rows = {row.id: row for row in db.session.execute(shown)}
    wanted = query.highlighted
    results.hits = [_hit(rows[id_], wanted) for id_ in ids if id_ in rows]
    return results


def _page_ids(pool: list[PoolRow], page: int) -> list[int]:
    """The ids of the page's rows among the pool's, best first: the score times the kind's
    weight, then the latest meeting, then the row."""
    weights = {kind.value: weight for kind, weight in KIND_WEIGHTS.items()}
    # Stable sorts, the last key first (a reversed sort keeps the order of equals).
    ranked = sorted(pool, key=lambda row: row[0])
    ranked.sort(key=lambda row: (row[1] * weights.get(row[2], 1.0), row[3]), reverse=True)
    return [row[0] for row in ranked[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]


def _number(row: Any, kind: SearchKind) -> str:
    """The item's number as the page the hit opens prints it (``number_label``): the
    record's ("§ 26") for a decision or an item of a final record, which the meeting page
    shows with its decisions; the agenda's ("5") otherwise. A hit is only shown to a reader
    who may read it, and a decision is readable only where its record is."""
    final = row.record_status == RecordStatus.FINAL
    where: NumberPlace = "record" if kind == SearchKind.DECISION or final else "agenda"
    return number_label(row.number, row.paragraph, row.numbering, where)


def _hit(row: Any, wanted: frozenset[str]) -> Hit:
    kind = SearchKind(row.kind)
    anchor = f"item-{row.item_id}"
    if kind == SearchKind.ITEM:
        url = url_for("meetings.show", meeting_id=row.meeting_id, _anchor=anchor)
    elif kind == SearchKind.DECISION:
        url = url_for("record.show", meeting_id=row.meeting_id, _anchor=anchor)
    elif row.has_file and row.page:
        # PDF viewers open the file at the page (RFC 8118's fragment).
        url = url_for("agenda.document_file", link_id=row.ref_id, _anchor=f"page={row.page}")
    elif row.has_file:
        url = url_for("agenda.document_file", link_id=row.ref_id)
    else:  # known by title only: its place on the agenda
        url = url_for("meetings.show", meeting_id=row.meeting_id, _anchor=anchor)
    return Hit(
        kind=kind,
        title=highlight(row.title, wanted),
        snippet=snippet(row.content, wanted),
        url=url,
        body_name=row.body_name,
        meeting_date=row.meeting_date,
        number=_number(row, kind),
        item_title=row.item_title if kind == SearchKind.DOCUMENT else None,
        has_file=bool(row.has_file) if kind == SearchKind.DOCUMENT else True,
        page=row.page or None,
        ocr=bool(row.ocr),
    )


# -- the filters' choices --------------------------------------------------------------------


def searchable_bodies(user: object) -> list[Body]:
    return list(
        db.session.scalars(select(Body).where(visible_bodies_clause(user)).order_by(Body.name))
    )


def meeting_years(user: object) -> list[int]:
    """The years in which the bodies ``user`` may see have meetings, the latest first."""
    dates = db.session.scalars(
        select(Meeting.meeting_date).join(Body).where(visible_bodies_clause(user)).distinct()
    )
    return sorted({day.year for day in dates}, reverse=True)
