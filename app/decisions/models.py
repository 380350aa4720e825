"""Decisions (beslut) and the uppdrag they give."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agenda.models import AgendaItem
from app.bodies.models import Body
from app.core.models import (
    Base,
    LabelledEnum,
    TimestampMixin,
    VersionedMixin,
    enum_column,
)
from app.meetings.models import Meeting


class Decision(VersionedMixin, TimestampMixin, Base):
    """What a body decided on an item; prefilled from the item's Förslag till beslut."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), unique=True)
    text: Mapped[str] = mapped_column(Text)

    item: Mapped[AgendaItem] = relationship(back_populates="decision")
    assignments: Mapped[list["Assignment"]] = relationship(back_populates="decision")


class AssignmentStatus(LabelledEnum):
    OPEN = "open"
    REPORTED = "reported"
    CANCELLED = "cancelled"

    @classmethod
    def labels(cls) -> dict:
        return {"open": _l("Open"), "reported": _l("Reported back"), "cancelled": _l("Written off")}


class Assignment(VersionedMixin, TimestampMixin, Base):
    """An uppdrag: a task a decision gives to a body, "presidiet" or named persons."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    assignee_body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"))
    # The assignee as worded where it is not a body: "presidiet", "ledamöter och ersättare".
    assignee_text: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    due_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    due_date: Mapped[date | None]
    # A due time worded loosely: "juni 2024".
    due_text: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[AssignmentStatus] = enum_column(AssignmentStatus, default=AssignmentStatus.OPEN)
    reported_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id"))

    decision: Mapped[Decision] = relationship(back_populates="assignments")
    assignee_body: Mapped[Body | None] = relationship()
    due_meeting: Mapped[Meeting | None] = relationship()
    reported_item: Mapped[AgendaItem | None] = relationship(foreign_keys=[reported_item_id])

    @property
    def assignee(self) -> str:
        return self.assignee_body.name if self.assignee_body else (self.assignee_text or "")

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or date.today()
        return (
            self.status == AssignmentStatus.OPEN
            and self.due_date is not None
            and (self.due_date < today)
        )
