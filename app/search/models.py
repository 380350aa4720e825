"""The search index's rows: one per agenda item, decision and document on an item.

The rows hold the text as written (for snippets), the keys that tie them to the live records,
and what the search filters and orders by without joining them: the meeting's date, and
``public``, whether the public (anyone without a role) may see the row by the rules of
``app.accounts.permissions`` (body public; agenda sent for an item, record final for a
decision; item public; document public). ``public`` is an input of the live rules, kept in
step by the same hooks as the text (``app.search.index``): a meeting's status changing, an
item made non-public or a document made secret rewrites the rows concerned in the same flush.
Readers with a role in a body see that body's other rows by the live rules (a join at query
time, ``app.search.services.readable``).

Each backend adds its own matching structure, created by ``app.search.index.ensure_index``
and by the migration, outside these models: on SQLite the FTS5 table ``search_fts`` over the
stem columns (kept in step by triggers), on PostgreSQL the generated ``tsv`` column (``swedish``
configuration) with a GIN index.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, LabelledEnum, enum_column


class SearchKind(LabelledEnum):
    ITEM = "item"
    DECISION = "decision"
    DOCUMENT = "document"

    @classmethod
    def labels(cls) -> dict:
        return {
            "item": _l("Agenda item"),
            "decision": _l("Decision"),
            "document": _l("Document"),
        }


class SearchEntry(Base):
    __tablename__ = "search_entries"
    __table_args__ = (UniqueConstraint("kind", "ref_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SearchKind] = enum_column(SearchKind)
    # The AgendaItem, Decision or AgendaItemDocument the row stands for. No foreign keys: the
    # index follows the records (app.search.index), it never holds them back.
    ref_id: Mapped[int]
    item_id: Mapped[int] = mapped_column(index=True)
    meeting_id: Mapped[int] = mapped_column(index=True)
    body_id: Mapped[int]
    document_id: Mapped[int | None] = mapped_column(index=True)
    # The meeting's date (the year filter, the order of equal ranks) and whether anyone may see
    # the row (see above).
    meeting_date: Mapped[date | None]
    public: Mapped[bool] = mapped_column(default=False, server_default=false())
    title: Mapped[str] = mapped_column(Text)
    content: Mapped[str | None] = mapped_column(Text)
    # SQLite only: the Swedish stems of title and content, which search_fts indexes.
    title_stems: Mapped[str | None] = mapped_column(Text)
    content_stems: Mapped[str | None] = mapped_column(Text)
