"""Answering a search: one interface, a backend per database.

``search(user, text, filters, page)`` parses the query once (``app.search.text``), lets the
backend match and rank it, filters what ``user`` may see in SQL (the clauses in
``app.accounts.permissions``, over the live item, meeting, body and document, so counts and
pages are right), and marks the hits in escaped snippets.

- SQLite: FTS5 ``MATCH`` over the Swedish stems the index holds, ranked by ``bm25`` with the
  title counting more than the text.
- PostgreSQL: ``websearch_to_tsquery('swedish', …)`` against the generated ``tsv`` column
  (GIN index), ranked by ``ts_rank_cd``; the query as typed goes to PostgreSQL.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import url_for
from markupsafe import Markup
from sqlalchemy import (
    Select,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy import table as sql_table
from sqlalchemy.dialects.postgresql import REGCONFIG

from app.accounts.permissions import (
    readable_decisions_clause,
    visible_bodies_clause,
    visible_item_documents_clause,
    visible_items_clause,
)
from app.agenda.models import AgendaItem
from app.bodies.models import Body
from app.cases.models import Document
from app.extensions import db
from app.meetings.models import Meeting
from app.search.index import ensure_index
from app.search.models import SearchEntry, SearchKind
from app.search.text import Query, highlight, parse_query, snippet

PAGE_SIZE = 20
# The title weighs this many times the text in SQLite's ranking (PostgreSQL: weights A and B).
TITLE_WEIGHT = 4.0
# A decision or an item says more than a document known by its title: ranks are scaled so.
KIND_WEIGHTS = {SearchKind.DECISION: 1.5, SearchKind.ITEM: 1.2, SearchKind.DOCUMENT: 0.8}


def _kind_weight():
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


@dataclass
class Results:
    query: Query
    filters: Filters
    hits: list[Hit] = field(default_factory=list)
    # Hits per kind, before the kind filter: the counts the filter offers.
    counts: dict[SearchKind, int] = field(default_factory=dict)
    page: int = 1

    @property
    def total(self) -> int:
        if self.filters.kind is not None:
            return self.counts.get(self.filters.kind, 0)
        return sum(self.counts.values())

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
    # Ordered best first.
    rank: Any


def _sqlite_match(query: Query) -> Match:
    fts = sql_table("search_fts", column("rowid"))
    expression = bindparam("fts_query", query.fts5())

    def restrict(statement: Select) -> Select:
        return statement.join(fts, fts.c.rowid == SearchEntry.id).where(
            literal_column("search_fts").op("MATCH")(expression)
        )

    # bm25 is negative, and lower for better matches.
    rank = func.bm25(literal_column("search_fts"), TITLE_WEIGHT, 1.0) * _kind_weight()
    return Match(restrict, rank.asc())


def _postgresql_match(query: Query) -> Match:
    tsv = literal_column("search_entries.tsv")
    tsquery = func.websearch_to_tsquery(cast("swedish", REGCONFIG), query.text)

    def restrict(statement: Select) -> Select:
        return statement.where(tsv.op("@@")(tsquery))

    return Match(restrict, (func.ts_rank_cd(tsv, tsquery) * _kind_weight()).desc())


BACKENDS: dict[str, Callable[[Query], Match]] = {
    "sqlite": _sqlite_match,
    "postgresql": _postgresql_match,
}


# -- the search ------------------------------------------------------------------------------


def visible_clause(user: object):
    """The index rows ``user`` may see, by the rules of app.accounts.permissions (over
    AgendaItem, Meeting, Body and Document: see ``readable``)."""
    return or_(
        and_(SearchEntry.kind == SearchKind.ITEM, visible_items_clause(user)),
        and_(SearchEntry.kind == SearchKind.DECISION, readable_decisions_clause(user)),
        and_(SearchEntry.kind == SearchKind.DOCUMENT, visible_item_documents_clause(user)),
    )


def readable(statement: Select, user: object) -> Select:
    """``statement`` over the index rows ``user`` may see, joined to the live item, meeting,
    body and document that decide it."""
    return (
        statement.select_from(SearchEntry)
        .join(AgendaItem, AgendaItem.id == SearchEntry.item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Body, Body.id == Meeting.body_id)
        .outerjoin(Document, Document.id == SearchEntry.document_id)
        .where(visible_clause(user))
    )


def _filtered(statement: Select, filters: Filters) -> Select:
    if filters.body_id is not None:
        statement = statement.where(Meeting.body_id == filters.body_id)
    if filters.year is not None:
        statement = statement.where(
            Meeting.meeting_date >= date(filters.year, 1, 1),
            Meeting.meeting_date < date(filters.year + 1, 1, 1),
        )
    return statement


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

    counted = match.restrict(
        _filtered(readable(select(SearchEntry.kind, func.count()), user), filters)
    )
    results.counts = {
        SearchKind(kind): count
        for kind, count in db.session.execute(counted.group_by(SearchEntry.kind))
    }
    if not results.total:
        return results

    statement = _filtered(
        readable(
            select(
                SearchEntry.kind,
                SearchEntry.ref_id,
                SearchEntry.item_id,
                SearchEntry.meeting_id,
                SearchEntry.title,
                SearchEntry.content,
                AgendaItem.title.label("item_title"),
                AgendaItem.number,
                AgendaItem.number_label,
                Meeting.meeting_date,
                Body.name.label("body_name"),
                Document.sha256.is_not(None).label("has_file"),
            ),
            user,
        ),
        filters,
    )
    if filters.kind is not None:
        statement = statement.where(SearchEntry.kind == filters.kind)
    statement = (
        match.restrict(statement)
        .order_by(match.rank, Meeting.meeting_date.desc(), SearchEntry.id)
        .limit(PAGE_SIZE)
        .offset((results.page - 1) * PAGE_SIZE)
    )
    wanted = query.highlighted
    results.hits = [_hit(row, wanted) for row in db.session.execute(statement)]
    return results


def _number(row: Any) -> str:
    """The item's number as the agenda and the record print it (AgendaItem.display_number)."""
    if row.number_label:
        return row.number_label
    return "" if row.number is None else str(row.number)


def _hit(row: Any, wanted: frozenset[str]) -> Hit:
    kind = SearchKind(row.kind)
    anchor = f"item-{row.item_id}"
    if kind == SearchKind.ITEM:
        url = url_for("meetings.show", meeting_id=row.meeting_id, _anchor=anchor)
    elif kind == SearchKind.DECISION:
        url = url_for("record.show", meeting_id=row.meeting_id, _anchor=anchor)
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
        number=_number(row),
        item_title=row.item_title if kind == SearchKind.DOCUMENT else None,
        has_file=bool(row.has_file) if kind == SearchKind.DOCUMENT else True,
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
