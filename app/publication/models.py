"""The anslag: the notice on the official anslagstavla that a protokoll has been justerat."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import Base, utcnow
from app.core.retention import register_retention
from app.justering.models import RecordRevision
from app.meetings.models import Meeting


class Posting(Base):
    """A posted anslag for one justerad revision of a protokoll.

    The appeal window (laglighetsprövning) runs three weeks from ``posted_on``; the notice is
    taken down the day after the last day for appeal and then lives on in the archive.
    """

    __tablename__ = "postings"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("record_revisions.id"), unique=True)
    posted_on: Mapped[date] = mapped_column(index=True)
    takedown_on: Mapped[date] = mapped_column(index=True)
    appeal_last_day: Mapped[date]
    # Förvaringsplats för protokollet, as printed on the anslagsbevis.
    kept_at: Mapped[str] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    certificate_pdf_sha256: Mapped[str | None] = mapped_column(String(64))

    meeting: Mapped[Meeting] = relationship()
    revision: Mapped[RecordRevision] = relationship()


# A posted anslag is a public record (app.core.retention).
register_retention(Posting, delete=lambda session, posting: "a posted anslag")
