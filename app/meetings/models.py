"""Meetings (sammanträden): when, where, by whom called; their adjusters and dispatches.
Who attended is part of the record (app.record.models.Attendance)."""

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.bodies.models import Body, Term
from app.core.dates import local_date, local_to_utc
from app.core.models import (
    Base,
    LabelledEnum,
    TimestampMixin,
    VersionedMixin,
    enum_column,
    utcnow,
)
from app.core.retention import register_retention
from app.people.models import Person

if TYPE_CHECKING:  # the record's attendance lists sit above meetings
    from app.record.models import Attendance


class MeetingMode(LabelledEnum):
    ON_SITE = "on_site"
    REMOTE = "remote"
    HYBRID = "hybrid"

    @classmethod
    def labels(cls) -> dict:
        return {"on_site": _l("On site"), "remote": _l("Remote"), "hybrid": _l("Hybrid")}


class MeetingStatus(LabelledEnum):
    PLANNED = "planned"
    CONVENED = "convened"  # the kallelse has been sent
    HELD = "held"
    CANCELLED = "cancelled"

    @classmethod
    def labels(cls) -> dict:
        return {
            "planned": _l("Planned"),
            "convened": _l("Notice sent"),
            "held": _l("Held"),
            "cancelled": _l("Cancelled"),
        }


class AgendaStatus(LabelledEnum):
    PRELIMINARY = "preliminary"
    CONFIRMED = "confirmed"

    @classmethod
    def labels(cls) -> dict:
        return {"preliminary": _l("Preliminary"), "confirmed": _l("Confirmed")}


class RecordStatus(LabelledEnum):
    NONE = "none"
    DRAFT = "draft"
    # A protokoll sent to its signatories: no changes unless one of them rejects it.
    JUSTERING = "justering"
    # Minnesanteckningar signed by the secretary, or a protokoll that has been justerat.
    FINAL = "final"

    @classmethod
    def labels(cls) -> dict:
        return {
            "none": _l("Not started"),
            "draft": _l("Draft"),
            "justering": _l("Out for justering"),
            "final": _l("Final"),
        }


class Meeting(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)
    term_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id"))
    # Meetings are wall-clock events in Stockholm: a local date and local times (either time
    # may be unknown, as for meetings the seeds mention by date only). ``starts_at`` gives the
    # aware instant where one is needed (calendars, reminders).
    meeting_date: Mapped[date] = mapped_column(index=True)
    start_time: Mapped[time | None]
    end_time: Mapped[time | None]
    # The place in three parts, printed joined: "Sammanträdesrum Mälaren, Regionhuset, …".
    room: Mapped[str | None] = mapped_column(String(200))
    building: Mapped[str | None] = mapped_column(String(200))
    # The address line (or, for meetings loaded from the seeds, the place as printed).
    location: Mapped[str | None] = mapped_column(Text)
    mode: Mapped[MeetingMode] = enum_column(MeetingMode, default=MeetingMode.ON_SITE)
    status: Mapped[MeetingStatus] = enum_column(MeetingStatus, default=MeetingStatus.PLANNED)
    agenda_status: Mapped[AgendaStatus] = enum_column(
        AgendaStatus, default=AgendaStatus.PRELIMINARY
    )
    record_status: Mapped[RecordStatus] = enum_column(RecordStatus, default=RecordStatus.NONE)
    # The person who keeps the record (mötessekreterare); signs minnesanteckningar.
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # Demo data whose details the seeds do not give (the SRB meeting's date) is marked so.
    is_illustrative: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    # The stored renderings: the sha256 of the PDF in storage and a fingerprint of what it was
    # made from, so a PDF is regenerated only when its content changed.
    agenda_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    agenda_fingerprint: Mapped[str | None] = mapped_column(String(64))
    packet_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    packet_fingerprint: Mapped[str | None] = mapped_column(String(64))
    record_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    record_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # Where and when the justering takes place, as the protokoll prints it.
    adjustment_place_time: Mapped[str | None] = mapped_column(String(300))

    body: Mapped[Body] = relationship()
    term: Mapped[Term | None] = relationship()
    secretary: Mapped[Person | None] = relationship()
    attendances: Mapped[list["Attendance"]] = relationship(
        back_populates="meeting", order_by="Attendance.position", cascade="all, delete-orphan"
    )
    items: Mapped[list["AgendaItem"]] = relationship(  # type: ignore[name-defined]  # noqa: F821
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )

    adjusters: Mapped[list["MeetingAdjuster"]] = relationship(
        back_populates="meeting", order_by="MeetingAdjuster.position", cascade="all, delete-orphan"
    )
    dispatches: Mapped[list["Dispatch"]] = relationship(
        back_populates="meeting", order_by="Dispatch.sent_at", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Meeting {self.body.name} {self.meeting_date.isoformat()}>"

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.room, self.building, self.location) if part)

    @property
    def file_stem(self) -> str:
        """How file names of the meeting's documents start: "SRB 2024-04-19"."""
        return f"{self.body.short_name or self.body.name} {self.meeting_date.isoformat()}"

    @property
    def last_dispatch(self) -> "Dispatch | None":
        return self.dispatches[-1] if self.dispatches else None

    @property
    def starts_at(self) -> datetime | None:
        return local_to_utc(self.meeting_date, self.start_time) if self.start_time else None

    def has_begun(self, now: datetime | None = None) -> bool:
        """Whether the meeting has started by ``now`` (default: this instant): its start
        time in Stockholm, or, with no time known, its day. A record may be prepared ahead;
        nothing is finalised, signed, justerat or posted before the meeting has begun."""
        now = now or utcnow()
        if self.start_time is not None:
            return local_to_utc(self.meeting_date, self.start_time) <= now
        return self.meeting_date <= local_date(now)

    @property
    def is_still_to_come(self) -> bool:
        """Neither held nor cancelled, and no record begun: a meeting that topics can be
        planned for and decisions forwarded to (what is added there has not happened yet)."""
        return (
            self.status not in (MeetingStatus.HELD, MeetingStatus.CANCELLED)
            and self.record_status == RecordStatus.NONE
        )

    @property
    def time_span(self) -> str:
        """ "kl. 08:30-12:00" as the minutes print it; empty when no time is known."""
        if self.start_time is None:
            return ""
        text = f"kl. {self.start_time:%H:%M}"
        return f"{text}-{self.end_time:%H:%M}" if self.end_time else text

    @property
    def title(self) -> str:
        """The meeting as lists, titles, subjects and file names name it: the body and the
        date ("Samverkansgrupp Nära vård 2024-02-02"). Document headers print ``heading``."""
        return f"{self.body.name} {self.meeting_date.isoformat()}"

    @property
    def heading(self) -> str:
        return self.term.heading if self.term else self.body.name


class MeetingAdjuster(Base):
    """A justerare chosen to approve the protokoll together with the chair."""

    __tablename__ = "meeting_adjusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    position: Mapped[int] = mapped_column(default=0)

    meeting: Mapped[Meeting] = relationship(back_populates="adjusters")
    person: Mapped[Person] = relationship()


class Dispatch(Base):
    """A kallelse (or an update of it) sent to the members: when, by whom, to whom."""

    __tablename__ = "dispatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_update: Mapped[bool] = mapped_column(default=False)
    # The agenda as sent; when the current agenda differs, the meeting is flagged as changed.
    agenda_fingerprint: Mapped[str] = mapped_column(String(64))
    agenda_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    # [{"name": …, "email": …}] who got it; [name, …] who has no email address on file.
    recipients: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    without_email: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Names of those whose address the mail server refused.
    failed: Mapped[list[str]] = mapped_column(JSON, default=list)

    meeting: Mapped[Meeting] = relationship(back_populates="dispatches")


# -- retention (app.core.retention): a final record is kept, and so is every part of it ------


def final_record_reason(meeting: Meeting | None) -> str | None:
    """Why a part of ``meeting``'s record may not be deleted: the record is final (or None).
    The parts (items, decisions, attendance, …) declare their meeting with this."""
    if meeting is not None and meeting.record_status == RecordStatus.FINAL:
        return "part of a final record"
    return None


register_retention(Meeting, delete=lambda session, meeting: final_record_reason(meeting))
