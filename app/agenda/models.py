"""Agenda items (punkter / §§) with their parts: beslutsunderlag and anmälningar."""

from datetime import datetime
from typing import Any, Literal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.bodies.models import NumberingRule
from app.cases.models import Case, Document
from app.core.models import (
    Base,
    LabelledEnum,
    TimestampMixin,
    VersionedMixin,
    enum_column,
    utcnow,
)
from app.core.retention import columns_changed, register_retention
from app.meetings.models import Meeting, final_record_reason


class SummaryLabel(LabelledEnum):
    SUMMARY = "sammanfattning"
    IN_BRIEF = "arendet_i_korthet"

    @classmethod
    def labels(cls) -> dict:
        return {"sammanfattning": _l("Summary"), "arendet_i_korthet": _l("The matter in brief")}

    @property
    def printed(self) -> str:
        """The label as Swedish documents print it, whatever the UI language."""
        return {"sammanfattning": "Sammanfattning", "arendet_i_korthet": "Ärendet i korthet"}[
            self.value
        ]


class StandardKind(LabelledEnum):
    """Standing items whose proposal sentence is generated from the meeting's data."""

    APPROVE_AGENDA = "approve_agenda"
    PREVIOUS_MINUTES = "previous_minutes"
    ADJUSTERS = "adjusters"
    NEXT_MEETING = "next_meeting"
    OTHER_QUESTIONS = "other_questions"

    @classmethod
    def labels(cls) -> dict:
        return {
            "approve_agenda": _l("Approval of the agenda"),
            "previous_minutes": _l("Previous minutes"),
            "adjusters": _l("Choice of adjusters (justering)"),
            "next_meeting": _l("Next meeting"),
            "other_questions": _l("Any other business"),
        }


class Placement(LabelledEnum):
    OPENING = "opening"
    CLOSING = "closing"

    @classmethod
    def labels(cls) -> dict:
        return {"opening": _l("Opening items"), "closing": _l("Closing items")}


class StandardItem(Base):
    """One of a body's standing items, put on every new agenda (opening or closing)."""

    __tablename__ = "standard_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)
    placement: Mapped[Placement] = enum_column(Placement)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[StandardKind | None] = enum_column(StandardKind, nullable=True)
    # A fixed proposal for a standing item without a generated sentence.
    proposal: Mapped[str | None] = mapped_column(Text)


class PlannedItem(VersionedMixin, TimestampMixin, Base):
    """A topic planned for a future meeting ("Kommande möte"), pulled into an agenda later."""

    __tablename__ = "planned_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)
    # The meeting it is planned for; None = the next meeting, whichever it is.
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    # Set when the topic became an agenda item.
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id"))
    # A document that comes with it: the utdrag of a forwarded decision.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    # The item of the group's meeting whose decision was forwarded here (its recommendation):
    # the higher body's decision links back to it, and it to where it went.
    source_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    # The item at which it was planned ("Kommande möte"), whose text lists it; None when it
    # was planned on the body's plan page or forwarded.
    planned_at_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id"), index=True)

    meeting: Mapped[Meeting | None] = relationship(foreign_keys=[meeting_id])
    item: Mapped["AgendaItem | None"] = relationship(foreign_keys=[item_id])
    document: Mapped[Document | None] = relationship()
    source_item: Mapped["AgendaItem | None"] = relationship(foreign_keys=[source_item_id])
    planned_at: Mapped["AgendaItem | None"] = relationship(foreign_keys=[planned_at_id])


# Where a number is printed: on the agenda, in the record, or named in running text.
NumberPlace = Literal["agenda", "record", "reference"]


def uses_paragraphs(rule: NumberingRule) -> bool:
    """Whether the body numbers its record in §§ (per year or per meeting), not plainly."""
    return rule != NumberingRule.PLAIN


def number_label(
    number: int | None, paragraph: int | None, rule: NumberingRule, where: NumberPlace
) -> str:
    """The one wording of an item's number, by the body's rule; every page, document, search
    hit, OParl object and generated sentence prints it through here.

    The agenda numbers its items plainly ("5"), whatever the body: § numbers are given when
    the record is opened. The record prints "§ 26" (a § sign, a space, the number) where the
    body numbers in §§, and the plain item number "5" where it does not; so no record prints
    "5" beside "§6". Running text names an item "§ 26", or "punkt 5" (the Swedish the
    documents are written in, whatever the UI language). "" while the item has no number.
    """
    if where == "agenda":
        return "" if number is None else str(number)
    if uses_paragraphs(rule):
        return "" if paragraph is None else f"§ {paragraph}"
    plain = paragraph if paragraph is not None else number
    if plain is None:
        return ""
    return f"punkt {plain}" if where == "reference" else str(plain)


def number_range(paragraphs: list[int], rule: NumberingRule) -> str:
    """The record's numbers for its header: "§§ 26–38", "§ 26", or "1–6" where the body
    numbers plainly; "" before numbering."""
    if not paragraphs:
        return ""
    low, high = min(paragraphs), max(paragraphs)
    if not uses_paragraphs(rule):
        return str(low) if low == high else f"{low}–{high}"
    return f"§ {low}" if low == high else f"§§ {low}–{high}"


class AgendaItem(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # The item's number on the agenda (1, 2, …); None until numbered.
    number: Mapped[int | None]
    title: Mapped[str] = mapped_column(String(500))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # None prints the summary text without a heading, as some minutes do.
    summary_label: Mapped[SummaryLabel | None] = enum_column(SummaryLabel, nullable=True)
    # Text fields hold a safe Markdown subset: paragraphs and bullet lists.
    summary: Mapped[str | None] = mapped_column(Text)
    proposal: Mapped[str | None] = mapped_column(Text)
    # Presenters, one per line: "Christina Kiernan, SKR:s samordnare …".
    presenters: Mapped[str | None] = mapped_column(Text)
    is_withdrawn: Mapped[bool] = mapped_column(default=False)
    is_public: Mapped[bool] = mapped_column(default=True)
    # The § number in the record, given by the body's numbering rule; never reused.
    paragraph: Mapped[int | None]
    # A standing item: with no proposal of its own, its sentence is generated from data.
    standard_kind: Mapped[StandardKind | None] = enum_column(StandardKind, nullable=True)
    placement: Mapped[Placement | None] = enum_column(Placement, nullable=True)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    case: Mapped[Case | None] = relationship()
    documents: Mapped[list["AgendaItemDocument"]] = relationship(
        back_populates="item", order_by="AgendaItemDocument.position", cascade="all, delete-orphan"
    )
    notices: Mapped[list["AgendaNotice"]] = relationship(
        back_populates="item", order_by="AgendaNotice.position", cascade="all, delete-orphan"
    )
    decision: Mapped["Decision | None"] = relationship(  # type: ignore[name-defined]  # noqa: F821
        back_populates="item", uselist=False
    )
    # The decision process, recorded in app.record (referred to by name: it sits above).
    motions: Mapped[list["Motion"]] = relationship(  # noqa: F821
        order_by="Motion.position", cascade="all, delete-orphan"
    )
    votes: Mapped[list["Vote"]] = relationship(  # noqa: F821
        order_by="Vote.position", cascade="all, delete-orphan"
    )
    reservations: Mapped[list["Reservation"]] = relationship(  # noqa: F821
        order_by="Reservation.id", cascade="all, delete-orphan"
    )
    recusals: Mapped[list["Recusal"]] = relationship(  # noqa: F821
        order_by="Recusal.id", cascade="all, delete-orphan"
    )
    protocol_notes: Mapped[list["ProtocolNote"]] = relationship(  # noqa: F821
        order_by="ProtocolNote.id", cascade="all, delete-orphan"
    )
    # The uppdrag this item reports back on (Assignment.reported_item); set by their services.
    reported_assignments: Mapped[list["Assignment"]] = relationship(  # noqa: F821
        primaryjoin="AgendaItem.id == Assignment.reported_item_id",
        order_by="Assignment.id",
        viewonly=True,
    )

    @property
    def display_number(self) -> str:
        """The number on the agenda: "5" (see ``number_label``)."""
        return number_label(self.number, self.paragraph, self.meeting.body.numbering, "agenda")

    @property
    def record_label(self) -> str:
        """The number in the record: "§ 26", or "5" where the body numbers plainly."""
        return number_label(self.number, self.paragraph, self.meeting.body.numbering, "record")

    @property
    def reference(self) -> str:
        """The item named in running text: "§ 26", or "punkt 5" where the body numbers plainly."""
        return number_label(self.number, self.paragraph, self.meeting.body.numbering, "reference")


class AgendaItemDocument(Base):
    """A beslutsunderlag in its place on an item's ordered list."""

    __tablename__ = "agenda_item_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    position: Mapped[int] = mapped_column(default=0)

    item: Mapped[AgendaItem] = relationship(back_populates="documents")
    document: Mapped[Document] = relationship()


class AgendaNotice(Base):
    """An anmälning: a document reported for information, "RUF240012-14  Västmanlands …"."""

    __tablename__ = "agenda_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    case_number: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(500))

    item: Mapped[AgendaItem] = relationship(back_populates="notices")


class DocumentChangeKind(LabelledEnum):
    ATTACHED = "attached"
    REMOVED = "removed"

    @classmethod
    def labels(cls) -> dict:
        return {"attached": _l("added"), "removed": _l("removed")}


class AgendaDocumentChange(Base):
    """A beslutsunderlag attached to or removed from an item after the kallelse was sent: who,
    when and what, shown to the members beside the agenda they were sent."""

    __tablename__ = "agenda_document_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    # The item as it read then ("5 Budget 2025"): the item itself may be renumbered or removed.
    item_label: Mapped[str] = mapped_column(String(600))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    kind: Mapped[DocumentChangeKind] = enum_column(DocumentChangeKind)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_by_name: Mapped[str | None] = mapped_column(String(200))

    document: Mapped[Document] = relationship()


class AgendaRemoval(Base):
    """Items taken off a preliminary agenda together, kept as they were so that the removal
    can be undone for a while (``services.undo_removal``): each item's fields, its place, its
    beslutsunderlag and anmälningar, and the planned topics and uppdrag it was linked to."""

    __tablename__ = "agenda_removals"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    removed_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # [{"id", "index", "fields": {...}, "documents": [ids], "notices": [[case_number, title]],
    #   "planned": [ids], "planned_at": [ids], "assignments": [ids]}], in agenda order.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    restored_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship()

    @property
    def titles(self) -> list[str]:
        return [row["fields"]["title"] for row in self.items]


class AgendaTemplate(TimestampMixin, Base):
    """A body's named agenda template (mall): items with their titles, texts, förslag till
    beslut and föredragande, that a new agenda of the body can start from. Standing items
    keep their kind only: their sentences are made for each meeting."""

    __tablename__ = "agenda_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # [{"title", "standard_kind", "placement", "summary_label", "summary", "proposal",
    #   "presenters", "is_public"}], in agenda order.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    @property
    def titles(self) -> list[str]:
        return [row["title"] for row in self.items]


# -- retention (app.core.retention): an item of a final record and its beslutsunderlag are kept;
# a beslutsunderlag is not moved on or rewritten there either (the record's handlingar are
# frozen with it). Attaching one is refused by the services (app.agenda.services); a record is
# built, as an import or a test does, by adding its links.


def meeting_of_item(session: Any, item: AgendaItem | None) -> Meeting | None:
    """The meeting of ``item`` as stored (a new item of a new meeting: its meeting object)."""
    if item is None:
        return None
    if item.meeting_id is None:  # a new item of a new meeting: nothing final yet
        return item.meeting
    return session.get(Meeting, item.meeting_id)


def _meeting_of_link(session: Any, link: AgendaItemDocument) -> Meeting | None:
    # A new link may know its item only as an object; a moved one counts where it was.
    item_ids = inspect(link).attrs.item_id.history.deleted or ()
    item = session.get(AgendaItem, item_ids[0]) if item_ids and item_ids[0] else None
    item = item or link.item
    if item is None and link.item_id is not None:
        item = session.get(AgendaItem, link.item_id)
    return meeting_of_item(session, item)


def _link_changed(session: Any, link: AgendaItemDocument) -> str | None:
    if not columns_changed(link):
        return None
    if final_record_reason(_meeting_of_link(session, link)) is not None:
        return "the beslutsunderlag of a final record"
    return None


register_retention(
    AgendaItem,
    delete=lambda session, item: final_record_reason(session.get(Meeting, item.meeting_id)),
)
register_retention(
    AgendaItemDocument,
    delete=lambda session, link: final_record_reason(_meeting_of_link(session, link)),
    change=_link_changed,
)


# -- the kallelse as sent: covering letter, recipients, delivery, the agenda as it was ---------


class RecipientKind(LabelledEnum):
    """How a recipient of the kallelse is addressed: the mail's wording differs per kind."""

    ORDINARY = "ordinarie"
    SUBSTITUTE = "ersattare"
    # Tjänstepersoner, adjungerade and föredragande: sent the kallelse for their information.
    OTHER = "other"

    @classmethod
    def labels(cls) -> dict:
        return {
            "ordinarie": _l("Members (ledamöter)"),
            "ersattare": _l("Substitutes (ersättare)"),
            "other": _l("Others (officials, presenters)"),
        }


class MailingKind(LabelledEnum):
    KALLELSE = "kallelse"
    UPDATE = "update"

    @classmethod
    def labels(cls) -> dict:
        return {"kallelse": _l("Kallelse"), "update": _l("Update mail")}


class DeliveryStatus(LabelledEnum):
    SENT = "sent"
    FAILED = "failed"

    @classmethod
    def labels(cls) -> dict:
        return {"sent": _l("Sent"), "failed": _l("Refused")}


class KallelseDraft(Base):
    """The secretary's covering letter (följebrev) and choice of recipients for a meeting's
    kallelse, kept between page loads until she sends it."""

    __tablename__ = "kallelse_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), unique=True)
    covering_letter: Mapped[str] = mapped_column(Text, default="")
    # The people chosen (their ids); None until she has chosen: the ledamöter and ersättare.
    recipient_ids: Mapped[list[int] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class KallelseMailing(Base):
    """One mailing about a meeting: the kallelse (or a resent, changed one) or an update mail
    listing what changed. ``agenda_snapshot`` is the agenda as the mail described it; the next
    update mail lists the differences from it."""

    __tablename__ = "kallelse_mailings"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    kind: Mapped[MailingKind] = enum_column(MailingKind)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(String(500))
    covering_letter: Mapped[str | None] = mapped_column(Text)
    # The lines of an update mail: one per change.
    changes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The printed agenda's fingerprint as the mail described it (rendering.agenda_fingerprint).
    agenda_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # [{"id", "number", "title", "withdrawn", "text", "documents": [{"id", "title", "sha256"}]}]
    agenda_snapshot: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    deliveries: Mapped[list["KallelseDelivery"]] = relationship(
        back_populates="mailing", order_by="KallelseDelivery.id", cascade="all, delete-orphan"
    )


class KallelseDelivery(Base):
    """One recipient of a mailing: sent (when), or refused by the mail server (its reply).

    A bounce that arrives later by mail is not read: this is what the server said at sending."""

    __tablename__ = "kallelse_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailing_id: Mapped[int] = mapped_column(ForeignKey("kallelse_mailings.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    recipient_kind: Mapped[RecipientKind] = enum_column(RecipientKind)
    status: Mapped[DeliveryStatus] = enum_column(DeliveryStatus)
    sent_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)

    mailing: Mapped[KallelseMailing] = relationship(back_populates="deliveries")
