"""Organisations: regions, kommuner, associations, administrations."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import (
    Base,
    LabelledEnum,
    TimestampMixin,
    VersionedMixin,
    enum_column,
)

# Accepts the registry formats seen in the seeds: Region Västmanland's <prefix><YY><serial>
# with an optional document suffix (RV240022, RUF240012-14, RV240022-1.1) and the year/serial
# form used by many kommuner (2020/2239). An organisation may set a stricter rule of its own.
DEFAULT_CASE_NUMBER_PATTERN = r"[A-ZÅÄÖ]{1,6}\d{6}(-\d+(\.\d+)*)?|\d{4}/\d{1,6}(:\d+)?"


class OrganisationKind(LabelledEnum):
    REGION = "region"
    MUNICIPALITY = "kommun"
    ASSOCIATION = "forening"
    ADMINISTRATION = "forvaltning"
    OTHER = "other"

    @classmethod
    def labels(cls) -> dict:
        return {
            "region": _l("Region"),
            "kommun": _l("Municipality"),
            "forening": _l("Association"),
            "forvaltning": _l("Administration"),
            "other": _l("Other"),
        }


class Organisation(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The label attendance lines print in parentheses: "(Arboga)".
    short_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[OrganisationKind] = enum_column(OrganisationKind)
    county: Mapped[str | None] = mapped_column(String(60))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    org_number: Mapped[str | None] = mapped_column(String(20))
    bankgiro: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(200))
    # The registry's address (registrator): decisions sent to the organisation, or to one of
    # its bodies, are mailed here (expediering, app.record.services.send_decision).
    email: Mapped[str | None] = mapped_column(String(254))
    # A regular expression the organisation's diarienummer must match in full; None = default.
    case_number_pattern: Mapped[str | None] = mapped_column(String(200))
    # The logo the letterhead prints: a PNG in the content-addressed store (app.documents),
    # made anew from an admin's upload (app.documents.images); None: the name alone.
    logo_sha256: Mapped[str | None] = mapped_column(String(64))

    parent: Mapped["Organisation | None"] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"

    def is_valid_case_number(self, case_number: str) -> bool:
        pattern = self.case_number_pattern or DEFAULT_CASE_NUMBER_PATTERN
        return re.fullmatch(pattern, case_number) is not None


class OrganisationMembership(Base):
    """An organisation's membership of an association (Bergslaget's 26 members)."""

    __tablename__ = "organisation_memberships"
    __table_args__ = (UniqueConstraint("association_id", "member_id", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]

    association: Mapped[Organisation] = relationship(foreign_keys=[association_id])
    member: Mapped[Organisation] = relationship(foreign_keys=[member_id])
