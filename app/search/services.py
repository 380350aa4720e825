"""Answering a search: one interface, a backend per database.

``search(user, text, filters, page)`` parses the query once (``app.search.text``), lets the
backend match and rank it, filters what ``user`` may see in SQL (``visible_row``: the rows'
own ``public`` flag, and for a reader with a role the clauses of ``app.accounts.permissions``
over the live item, meeting, body and document, so counts and pages are right), and marks the
hits in escaped snippets. Hits are counted up to ``COUNT_CAP`` ("more than 1,000 results"), and
on SQLite the page is ranked among the best candidates by FTS5's own score first
(``_page_ids``), so that a common word's thousands of matches are neither all counted nor all
looked up.

- SQLite: FTS5 ``MATCH`` over the Swedish stems the index holds, ranked by ``bm25`` with the
  title counting more than the text.
- PostgreSQL: ``websearch_to_tsquery('swedish', …)`` against the generated ``tsv`` column
  (GIN index), ranked by ``ts_rank``; the query as typed goes to PostgreSQL, its diarienummer
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
    BindParameter,
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    case,
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
from app.search.index import ensure_index
from app.search.models import SearchEntry, SearchKind
from app.search.text import Query, highlight, parse_query, snippet

PAGE_SIZE = 20
# Hits are counted up to this many; beyond it the page says "more than 1,000 results".
COUNT_CAP = 1000
# The page is ranked among the best this many matches by the index's own score first, then
# among more, and only then among all (``_page_ids``).
CANDIDATES = (1000, 5000)
# The title weighs this many times the text in SQLite's ranking (PostgreSQL: weights A and B).
TITLE_WEIGHT = 4.0
# A decision or an item says more than a document known by its title: ranks are scaled so.
KIND_WEIGHTS = {SearchKind.DECISION: 1.5, SearchKind.ITEM: 1.2, SearchKind.DOCUMENT: 0.8}


def _kind_weight() -> ColumnElement[float]:
    return case(
        *((SearchEntry.kind == kind, weight) for kind, weight in KIND_WEIGHTS.items()), else_=1.0
    )


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
    # Hits per kind, before the kind filter: the counts the filter offers (with the kind filter,
    # that kind's only). Counted up to COUNT_CAP + 1 in all: partial where ``more``.
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


@dataclass(frozen=True)
class Match:
    """How a backend restricts a statement to the query's matches, and ranks them."""

    restrict: Callable[[Select], Select]
    # Ordered best first: the index's score times the kind's weight.
    rank: Any
    # The best ``limit`` matches by the index's own score alone (not weighted by kind), with
    # more ``columns`` of their index rows: rows of (id, score, *columns), the score positive
    # and higher for better matches. None where the ranked query itself is as quick.
    candidates: Callable[[int, tuple], Select] | None = None


def _sqlite_match(query: Query) -> Match:
    fts = sql_table("search_fts", column("rowid"))
    expression: BindParameter[str] = bindparam("fts_query", query.fts5())

    def restrict(statement: Select) -> Select:
        return statement.join(fts, fts.c.rowid == SearchEntry.id).where(
            literal_column("search_fts").op("MATCH")(expression)
        )

    # bm25 is negative, and lower for better matches.
    bm25 = func.bm25(literal_column("search_fts"), TITLE_WEIGHT, 1.0)

    def candidates(limit: int, columns: tuple) -> Select:
        # The best by FTS5 alone, then their index rows (a lookup by rowid each).
        best = (
            select(fts.c.rowid.label("id"), (-bm25).label("score"))
            .select_from(fts)
            .where(literal_column("search_fts").op("MATCH")(expression))
            .order_by(bm25)
            .limit(limit)
            .subquery()
        )
        return (
            select(best.c.id, best.c.score, *columns)
            .select_from(best)
            .join(SearchEntry, SearchEntry.id == best.c.id)
        )

    return Match(restrict, (bm25 * _kind_weight()).asc(), candidates)


def _postgresql_match(query: Query) -> Match:
    tsv: ColumnElement[Any] = literal_column("search_entries.tsv")
    tsquery = func.websearch_to_tsquery(cast("swedish", REGCONFIG), query.search_text)
    # ts_rank (term frequency) rather than ts_rank_cd (cover density): both read every
    # match's tsvector, ts_rank about a fifth quicker over thousands of matches. Divided by
    # 1 + log(length) (normalization 1), as bm25 prefers the shorter text on SQLite: without
    # it a common word scores the same in thousands of rows.
    score = func.ts_rank(tsv, tsquery, 1)

    def restrict(statement: Select) -> Select:
        return statement.where(tsv.op("@@")(tsquery))

    weighted = score * _kind_weight()
    # No candidates step: the ranked query filters by the rows' own columns (no join for the
    # public) and must score every match anyway, as a candidates query would; it reads the
    # matches once and returns the page alone.
    return Match(restrict, weighted.desc())


BACKENDS: dict[str, Callable[[Query], Match]] = {
    "sqlite": _sqlite_match,
    "postgresql": _postgresql_match,
}


# -- the search ------------------------------------------------------------------------------


def visible_clause(user: object) -> ColumnElement[bool]:
    """The index rows ``user`` may see, by the rules of app.accounts.permissions (over
    AgendaItem, Meeting, Body and Document joined to the row: see ``readable``)."""
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
    if not roles.is_admin and not roles.secretary_of and not roles.member_of:
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
    """The body and year filters over the index rows (the kind filter is the caller's)."""
    clauses = []
    if filters.body_id is not None:
        clauses.append(SearchEntry.body_id == filters.body_id)
    if filters.year is not None:
        clauses.append(SearchEntry.meeting_date >= date(filters.year, 1, 1))
        clauses.append(SearchEntry.meeting_date < date(filters.year + 1, 1, 1))
    return clauses


def _filtered(statement: Select, filters: Filters) -> Select:
    return statement.where(*_filter_clauses(filters))


def search(user: object, text: str, filters: Filters | None = None, page: int = 1) -> Results:
    """The page ``page`` of what ``user`` may see that matches ``text``, best first."""
    filters = filters or Filters()
    query = parse_query(text)
    results = Results(query=query, filters=filters, page=max(1, page))
    if query.is_empty:
        return results
    connection = db.session.connection()
    ensure_index(connection)
    match = BACKENDS[connection.dialect.name](query)

    # Counted up to COUNT_CAP + 1 rows (with the kind filter: of that kind only).
    sample = match.restrict(_filtered(readable(select(SearchEntry.kind), user), filters))
    if filters.kind is not None:
        sample = sample.where(SearchEntry.kind == filters.kind)
    counted = sample.limit(COUNT_CAP + 1).subquery()
    results.counts = {
        SearchKind(kind): count
        for kind, count in db.session.execute(
            select(counted.c.kind, func.count()).group_by(counted.c.kind)
        )
    }
    if not results.total:
        return results

    ids = _page_ids(match, user, filters, results.page)
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


def _page_ids(match: Match, user: object, filters: Filters, page: int) -> list[int]:
    """The ids of the page's rows, best first (then the latest meeting, then the row).

    In two steps where that gives the same page: the best CANDIDATES matches by the index's
    own score alone (no join), then the reader's filter on those, ranked with the kind's
    weight. A match outside the candidates scores at most the last candidate's score, so
    weighs at most that times the heaviest kind weight; when the page's last row weighs
    strictly more, no match outside can come before it (with an equal weight one could, by
    the later order). Otherwise (too few survive the filter, ties at the edge, a late page)
    with more candidates, and at last the whole ranked query. Where the backend has no
    candidates step (PostgreSQL), the whole ranked query at once.
    """
    wanted = page * PAGE_SIZE
    weights = {kind.value: weight for kind, weight in KIND_WEIGHTS.items()}
    bound = (*KIND_WEIGHTS.values(), 1.0)
    shown = and_(visible_row(user), *_filter_clauses(filters))
    if filters.kind is not None:
        shown = and_(shown, SearchEntry.kind == filters.kind)
    for limit in CANDIDATES if match.candidates is not None else ():
        # One statement: the candidates, each with what the reader's filter says of it. The
        # kind and date as the driver gives them (no conversion per row; the date an ISO
        # string, ordered as the date). Dates are never null (app.search.index writes the
        # meeting's).
        statement = match.candidates(  # type: ignore[misc]  # not None: see the loop
            limit,
            (
                type_coerce(SearchEntry.kind, String),
                type_coerce(SearchEntry.meeting_date, String),
                shown,
            ),
        )
        # Core, not the ORM's result machinery: a thousand plain tuples.
        rows = db.session.connection().execute(statement).tuples().all()
        if not rows:
            return []
        # Best first: the weighted score, then the latest meeting, then the row (stable sorts).
        ranked = sorted((row for row in rows if row[4]), key=lambda row: row[0])
        ranked.sort(key=lambda row: row[3], reverse=True)
        ranked.sort(key=lambda row: -row[1] * weights.get(row[2], 1.0))
        complete = len(rows) < limit  # every match is a candidate
        worst = min(row[1] for row in rows)
        if complete or (
            len(ranked) >= wanted
            and ranked[wanted - 1][1] * weights.get(ranked[wanted - 1][2], 1.0)
            > max(worst * weight for weight in bound)
        ):
            return [row[0] for row in ranked[wanted - PAGE_SIZE : wanted]]
    statement = match.restrict(_filtered(readable(select(SearchEntry.id), user), filters))
    if filters.kind is not None:
        statement = statement.where(SearchEntry.kind == filters.kind)
    statement = (
        statement.order_by(match.rank, SearchEntry.meeting_date.desc(), SearchEntry.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return list(db.session.scalars(statement))


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
