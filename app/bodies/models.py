"""Bodies (organ), their terms and their memberships."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.dates import local_today
from app.core.models import (
    Base,
    LabelledEnum,
    TimestampMixin,
    VersionedMixin,
    enum_column,
)
from app.organisations.models import Organisation
from app.people.models import Person


class BodyKind(LabelledEnum):
    PREPARATORY = "beredning"
    COMMITTEE = "namnd"
    BOARD = "styrelse"
    COOPERATION_GROUP = "samverkansgrupp"
    MANAGEMENT_GROUP = "ledningsgrupp"
    WORKING_GROUP = "arbetsgrupp"
    ANNUAL_MEETING = "arsmote"
    NOMINATION_COMMITTEE = "valberedning"
    AUDIT = "revision"
    OFFICIALS_GROUP = "tjanstepersonsgrupp"
    COUNCIL = "fullmaktige"
    OTHER = "other"

    @classmethod
    def labels(cls) -> dict:
        return {
            "beredning": _l("Preparatory committee"),
            "namnd": _l("Committee"),
            "styrelse": _l("Board"),
            "samverkansgrupp": _l("Cooperation group"),
            "ledningsgrupp": _l("Management group"),
            "arbetsgrupp": _l("Working group"),
            "arsmote": _l("Annual meeting"),
            "valberedning": _l("Nomination committee"),
            "revision": _l("Auditors"),
            "tjanstepersonsgrupp": _l("Officials' group"),
            "fullmaktige": _l("Council"),
            "other": _l("Other"),
        }


class RecordType(LabelledEnum):
    NOTES = "notes"
    PROTOCOL = "protocol"

    @classmethod
    def labels(cls) -> dict:
        return {"notes": _l("Minutes (minnesanteckningar)"), "protocol": _l("Protocol (protokoll)")}


class NumberingRule(LabelledEnum):
    PER_YEAR = "per_year"
    PER_MEETING = "per_meeting"
    PLAIN = "plain"

    @classmethod
    def labels(cls) -> dict:
        return {
            "per_year": _l("§ numbers running per calendar year"),
            "per_meeting": _l("§ numbers starting at 1 each meeting"),
            "plain": _l("Plain item numbers"),
        }


class MembershipKind(LabelledEnum):
    ORDINARY = "ordinarie"
    SUBSTITUTE = "ersattare"
    CO_OPTED = "adjungerad"
    # Officials who serve the body without a seat: the secretary, support staff.
    STAFF = "tjansteperson"

    @classmethod
    def labels(cls) -> dict:
        return {
            "ordinarie": _l("Member"),
            "ersattare": _l("Substitute"),
            "adjungerad": _l("Co-opted"),
            "tjansteperson": _l("Official"),
        }

    @property
    def group_label(self) -> str:
        """The heading over a list of seats of this kind."""
        return str(
            {
                "ordinarie": _l("Ordinary members"),
                "ersattare": _l("Substitutes"),
                "adjungerad": _l("Co-opted members"),
                "tjansteperson": _l("Officials"),
            }[self.value]
        )


class MembershipFunction(LabelledEnum):
    CHAIR = "ordforande"
    VICE_CHAIR = "vice_ordforande"
    SECRETARY = "sekreterare"
    CONVENER = "sammankallande"
    AUDITOR = "revisor"

    @classmethod
    def labels(cls) -> dict:
        return {
            "ordforande": _l("Chair"),
            "vice_ordforande": _l("Vice chair"),
            "sekreterare": _l("Secretary"),
            "sammankallande": _l("Convener"),
            "revisor": _l("Auditor"),
        }


# Bodies that keep informal records unless set otherwise: groups without decision-making power.
NOTES_KINDS = {
    BodyKind.COOPERATION_GROUP,
    BodyKind.MANAGEMENT_GROUP,
    BodyKind.WORKING_GROUP,
    BodyKind.NOMINATION_COMMITTEE,
    BodyKind.AUDIT,
    BodyKind.OFFICIALS_GROUP,
}


def default_record_type(kind: BodyKind) -> RecordType:
    return RecordType.NOTES if kind in NOTES_KINDS else RecordType.PROTOCOL


def default_numbering(record_type: RecordType) -> NumberingRule:
    """Protokoll §§ run per calendar year (municipal practice); minutes number items plainly."""
    return NumberingRule.PER_YEAR if record_type == RecordType.PROTOCOL else NumberingRule.PLAIN


class Body(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "bodies"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"))
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[BodyKind] = enum_column(BodyKind)
    record_type: Mapped[RecordType] = enum_column(RecordType, default=RecordType.PROTOCOL)
    numbering: Mapped[NumberingRule] = enum_column(NumberingRule, default=NumberingRule.PER_YEAR)
    description: Mapped[str | None] = mapped_column(Text)
    # A non-public body (an officials' group, say) is shown only to its members.
    is_public: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation] = relationship()
    parent: Mapped["Body | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Body"]] = relationship(back_populates="parent", order_by="Body.name")
    terms: Mapped[list["Term"]] = relationship(
        back_populates="body", order_by="Term.start_date.desc(), Term.label.desc()"
    )
    memberships: Mapped[list["Membership"]] = relationship(back_populates="body")

    def __repr__(self) -> str:
        return f"<Body {self.name!r}>"

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.short_name})" if self.short_name else self.name

    def current_term(self, on: date | None = None) -> "Term | None":
        on = on or local_today()
        for term in self.terms:
            if term.covers(on):
                return term
        return self.terms[0] if self.terms else None


class Term(VersionedMixin, Base):
    """A mandatperiod or verksamhetsår; its label prints after the body name in headers."""

    __tablename__ = "terms"
    __table_args__ = (UniqueConstraint("body_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    label: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]

    body: Mapped[Body] = relationship(back_populates="terms")

    def covers(self, on: date) -> bool:
        return (self.start_date is None or self.start_date <= on) and (
            self.end_date is None or on <= self.end_date
        )

    @property
    def heading(self) -> str:
        """The body name as document headers print it: "Samverkansgrupp Hälsa 2023"."""
        return f"{self.body.name} {self.label}".strip()


class Membership(VersionedMixin, TimestampMixin, Base):
    """Person × body × term, with kind, function and the organisation represented."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id"))
    kind: Mapped[MembershipKind] = enum_column(MembershipKind)
    function: Mapped[MembershipFunction | None] = enum_column(MembershipFunction, nullable=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    # The order in which ersättare are called in (1 first); None where no order is set.
    substitute_order: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship()
    body: Mapped[Body] = relationship(back_populates="memberships")
    term: Mapped[Term] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    def is_active(self, on: date | None = None) -> bool:
        on = on or local_today()
        return (
            (self.start_date is None or self.start_date <= on)
            and (self.end_date is None or on <= self.end_date)
            and self.term.covers(on)
        )
