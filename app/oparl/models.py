"""Tombstones: what the OParl API says of an object it served and no longer serves.

OParl clients keep a copy of the data and update it with ``modified_since``; an object that
was deleted (or stopped being public) must therefore answer with ``deleted: true`` instead of
vanishing. A tombstone row is written in the same flush as the change, by the session hooks
below (the rules that decide what was served live in ``app.oparl.tombstones``).
"""

import enum
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, enum_column, utcnow


class ObjectKind(enum.StrEnum):
    """The kinds of object the API serves; the value is the path segment of their URLs."""

    BODY = "body"  # an Organisation
    ORGANIZATION = "organization"  # a Body (organ)
    LEGISLATIVE_TERM = "legislative-term"
    PERSON = "person"
    MEMBERSHIP = "membership"
    MEETING = "meeting"
    AGENDA_ITEM = "agenda-item"
    CONSULTATION = "consultation"  # an agenda item that treats a case
    PAPER = "paper"  # a Case
    FILE = "file"  # a Document
    RECORD_FILE = "record-file"  # the public PDF of a justerat protokoll (a RecordRevision)
    LOCATION = "location"  # a meeting's place

    @property
    def oparl_type(self) -> str:
        return "https://schema.oparl.org/1.1/" + OPARL_TYPES[self]


OPARL_TYPES = {
    ObjectKind.BODY: "Body",
    ObjectKind.ORGANIZATION: "Organization",
    ObjectKind.LEGISLATIVE_TERM: "LegislativeTerm",
    ObjectKind.PERSON: "Person",
    ObjectKind.MEMBERSHIP: "Membership",
    ObjectKind.MEETING: "Meeting",
    ObjectKind.AGENDA_ITEM: "AgendaItem",
    ObjectKind.CONSULTATION: "Consultation",
    ObjectKind.PAPER: "Paper",
    ObjectKind.FILE: "File",
    ObjectKind.RECORD_FILE: "File",
    ObjectKind.LOCATION: "Location",
}


class OparlTombstone(Base):
    """An object the API served until ``deleted_at``: deleted, or no longer public.

    ``organisation_id`` and ``body_id`` say in which lists the tombstone appears (the OParl
    Body's lists, an Organization's meeting list); None for organisation_id means every
    Body's list of that kind (a person or a file may belong to several). They are plain
    numbers, not foreign keys: the row they named may be gone.
    """

    __tablename__ = "oparl_tombstones"
    __table_args__ = (
        UniqueConstraint("kind", "object_id"),
        Index("ix_oparl_tombstones_kind_deleted_at", "kind", "deleted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ObjectKind] = enum_column(ObjectKind)
    object_id: Mapped[int]
    # When the object was created (OParl keeps ``created`` in the tombstone).
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime] = mapped_column(default=utcnow)
    organisation_id: Mapped[int | None]
    body_id: Mapped[int | None]

    def __repr__(self) -> str:
        return f"<OparlTombstone {self.kind.value} {self.object_id}>"
