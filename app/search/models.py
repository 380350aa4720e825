"""The search index's rows: one per agenda item, decision and document on an item, and one
per page of an attached PDF's text; and that text, read once per file (``DocumentText``,
``DocumentPage``, filled by ``app.search.jobs``).

The rows hold the text as written (for snippets), the keys that tie them to the live records,
and what the search filters and orders by without joining them: the meeting's date, and
``public``, whether the public (anyone without a role) may see the row by the rules of
``app.accounts.permissions`` (body public; agenda sent for an item, record final for a
decision; item public; document public). ``public`` is an input of the live rules, kept in
step by the same hooks as the text (``app.search.index``): a meeting's status changing, an
item made non-public or a document made secret rewrites the rows concerned in the same flush.
Readers with a role in a body see that body's other rows by the live rules (a join at query
time, ``app.search.services.visible_row``).

Each backend adds its own matching structure, created by ``app.search.index.ensure_index``
and by the migration, outside these models: on SQLite the FTS5 table ``search_fts`` over the
stem columns and the filter tokens, its rowid the recency key (kept in step by triggers), on
PostgreSQL the generated ``tsv`` (``swedish`` configuration) and ``recency`` columns with a RUM
index (GIN where the extension is missing). Both hand out matches latest first.
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, LabelledEnum, enum_column, utcnow


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
    __table_args__ = (UniqueConstraint("kind", "ref_id", "page"),)

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
    # A document's row is its title (page 0) or the text of one page of its file (1, 2, ...;
    # the title is kept for showing, only the content is searched); ``ocr``: that text was
    # made by OCR from a scan.
    page: Mapped[int] = mapped_column(default=0, server_default="0")
    ocr: Mapped[bool] = mapped_column(default=False, server_default=false())
    title: Mapped[str] = mapped_column(Text)
    content: Mapped[str | None] = mapped_column(Text)
    # The diarienummer of the row's case (the item's, a document's own, the anmälningar's), as
    # app.search.text.case_keys writes them ("RV240022 RUF240012-14"); matched as whole tokens
    # (SQLite: with the title's stems; PostgreSQL: the ``simple`` configuration, weight A).
    case_keys: Mapped[str | None] = mapped_column(Text)
    # SQLite only: the Swedish stems of title and content, which search_fts indexes.
    title_stems: Mapped[str | None] = mapped_column(Text)
    content_stems: Mapped[str | None] = mapped_column(Text)


class TextMethod:
    """How a file's text was had (``DocumentText.method``)."""

    TEXT = "text"  # its own text layer
    OCR = "ocr"  # a scan: a text layer made by OCR
    NONE = "none"  # no text, and no OCR to be had (not installed)
    FAILED = "failed"  # the file could not be read (damaged, hostile, over the limits)


class DocumentText(Base):
    """The text of a stored file, read once per file (by its sha256, as storage keeps it)."""

    __tablename__ = "document_texts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    pages: Mapped[int] = mapped_column(default=0)
    # The file with the text layer OCR made (stored beside the original, which never changes).
    ocr_sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentPage(Base):
    """The text of one page of a file (numbered from 1)."""

    __tablename__ = "document_pages"

    sha256: Mapped[str] = mapped_column(
        String(64), ForeignKey("document_texts.sha256", ondelete="CASCADE"), primary_key=True
    )
    page: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)
