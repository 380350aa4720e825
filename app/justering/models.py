"""Justering: the rounds in which the chair and the justerare approve a protokoll, and the
revisions of a final record (the original and each rättelse), each with its signed PDF."""

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import Base, LabelledEnum, VersionedMixin, enum_column, utcnow
from app.core.retention import committed, frozen_column_changed, register_retention
from app.meetings.models import Meeting
from app.people.models import Person


class RecordRevision(Base):
    """One version of a final record: number 1 is the original, later ones are rättelser.

    A revision is open while the record is drafted or out for justering, and closed for good
    when it is justerat (``justered_at``): then its signed original, its public PDF and the
    public HTML as read on the web are stored and never change again.
    """

    __tablename__ = "record_revisions"
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    # Why a rättelse was made; None for the original.
    reason: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When the last signature was made: the protokoll is justerat (minutes: signed).
    justered_at: Mapped[datetime | None]
    signed_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    public_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    # The record as members read it (every item) and as the public reads it on the web
    # (items that are not public masked), both frozen at justering.
    record_html: Mapped[str | None] = mapped_column(Text)
    public_html: Mapped[str | None] = mapped_column(Text)

    meeting: Mapped[Meeting] = relationship()
    rounds: Mapped[list["JusteringRound"]] = relationship(
        back_populates="revision", order_by="JusteringRound.number"
    )

    @property
    def is_correction(self) -> bool:
        return self.number > 1


class RoundStatus(LabelledEnum):
    OPEN = "open"
    REJECTED = "rejected"
    COMPLETED = "completed"

    @classmethod
    def labels(cls) -> dict:
        return {
            "open": _l("Out for justering"),
            "rejected": _l("Rejected"),
            "completed": _l("Approved by all (justerat)"),
        }


class JusteringRound(VersionedMixin, Base):
    """A protokoll sent to its signatories. A rejection closes the round; the secretary's
    changes are sent out in a new one. ``pdf_sha256`` is the PDF as signed so far.

    Every answer changes the round (its PDF or its status), so two signatories answering at
    the same moment cannot both build on the same PDF: the second gets a conflict."""

    __tablename__ = "justering_rounds"
    __table_args__ = (UniqueConstraint("revision_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("record_revisions.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[RoundStatus] = enum_column(RoundStatus, default=RoundStatus.OPEN)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    deadline: Mapped[date]
    pdf_sha256: Mapped[str] = mapped_column(String(64))

    meeting: Mapped[Meeting] = relationship()
    revision: Mapped[RecordRevision] = relationship(back_populates="rounds")
    signoffs: Mapped[list["Signoff"]] = relationship(
        back_populates="round", order_by="Signoff.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN


class SignoffRole(LabelledEnum):
    SECRETARY = "secretary"
    CHAIR = "chair"
    ADJUSTER = "adjuster"

    @classmethod
    def labels(cls) -> dict:
        return {"secretary": _l("Secretary"), "chair": _l("Chair"), "adjuster": _l("Adjuster")}

    @property
    def printed(self) -> str:
        """As the document prints it, always Swedish."""
        return {"secretary": "Sekreterare", "chair": "Ordförande", "adjuster": "Justerare"}[
            self.value
        ]


class SignoffStatus(LabelledEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @classmethod
    def labels(cls) -> dict:
        return {"pending": _l("Waiting"), "approved": _l("Approved"), "rejected": _l("Rejected")}


class Signoff(Base):
    """One signatory's part in a round: a signature field in the PDF, then approval or
    rejection with a comment."""

    __tablename__ = "signoffs"
    __table_args__ = (UniqueConstraint("round_id", "field_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("justering_rounds.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[SignoffRole] = enum_column(SignoffRole)
    position: Mapped[int] = mapped_column(default=0)
    field_name: Mapped[str] = mapped_column(String(60))
    status: Mapped[SignoffStatus] = enum_column(SignoffStatus, default=SignoffStatus.PENDING)
    comment: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    # The login that approved or rejected: always the signatory's own.
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When the secretary last reminded her to answer (Påminn).
    reminded_at: Mapped[datetime | None]

    round: Mapped[JusteringRound] = relationship(back_populates="signoffs")
    person: Mapped[Person] = relationship()


# -- retention (app.core.retention): a justerad revision, a completed justering and a signature
# are kept; the frozen parts of a justerad revision never change.

# Columns of a justerad revision that never change once set (the signed original, the public
# copy and the pages as read on the day of justering).
FROZEN_REVISION_COLUMNS = (
    "justered_at",
    "signed_pdf_sha256",
    "public_pdf_sha256",
    "record_html",
    "public_html",
)


def _revision_frozen(session: Any, revision: RecordRevision) -> str | None:
    key = frozen_column_changed(revision, FROZEN_REVISION_COLUMNS)
    return f"{key} of a justerad revision is frozen" if key is not None else None


register_retention(
    RecordRevision,
    delete=lambda session, revision: (
        "a justerad revision" if committed(revision, "justered_at") is not None else None
    ),
    change=_revision_frozen,
)
register_retention(
    JusteringRound,
    delete=lambda session, justering: (
        "a completed justering" if justering.status == RoundStatus.COMPLETED else None
    ),
)
register_retention(
    Signoff,
    delete=lambda session, signoff: (
        "a signature" if committed(signoff, "status") == SignoffStatus.APPROVED else None
    ),
)
