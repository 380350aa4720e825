"""The record of a meeting: who attended (närvaro), decisions (beslut) and their parts,
and the uppdrag they give."""

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agenda.models import AgendaItem
from app.bodies.models import Body, MembershipFunction
from app.core.dates import local_today
from app.core.models import (
    Base,
    LabelledEnum,
    TimestampMixin,
    VersionedMixin,
    enum_column,
    utcnow,
)
from app.core.retention import register_retention
from app.meetings.models import Meeting, final_record_reason
from app.organisations.models import Organisation
from app.people.models import Person


class AttendanceRole(LabelledEnum):
    VOTING = "voting"  # beslutande ledamöter, tjänstgörande ersättare included
    SUBSTITUTE_NOT_SERVING = "substitute_not_serving"
    OTHER = "other"  # övriga närvarande

    @classmethod
    def labels(cls) -> dict:
        return {
            "voting": _l("Voting members"),
            "substitute_not_serving": _l("Substitutes not serving"),
            "other": _l("Others present"),
        }


class Attendance(Base):
    """One person's presence at a meeting, in one capacity, possibly for part of it."""

    __tablename__ = "attendances"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[AttendanceRole] = enum_column(AttendanceRole)
    position: Mapped[int] = mapped_column(default=0)
    # "Christine Andersen (S) (Skinnskatteberg) ersätter Ewa Olsson-Bergstedt (SD)"
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    function: Mapped[MembershipFunction | None] = enum_column(MembershipFunction, nullable=True)
    # Titles vary between documents, so the title as printed is kept per attendance.
    title: Mapped[str | None] = mapped_column(String(200))
    is_remote: Mapped[bool] = mapped_column(default=False)
    # "från del av punkt 3": present from (part of) that item; None = the whole meeting.
    from_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id"))
    to_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id"))

    meeting: Mapped[Meeting] = relationship(back_populates="attendances")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    replaces: Mapped[Person | None] = relationship(foreign_keys=[replaces_id])
    organisation: Mapped[Organisation | None] = relationship()
    from_item: Mapped[AgendaItem | None] = relationship(foreign_keys=[from_item_id])
    to_item: Mapped[AgendaItem | None] = relationship(foreign_keys=[to_item_id])

    @property
    def line(self) -> str:
        """The attendance line as the minutes print it.

        ``Name (Party) [(Ordförande)] [(Org)] [ersätter Name (Party)] [från del av punkt N]``;
        övriga närvarande print as ``Name (title)``.
        """
        if self.role == AttendanceRole.OTHER:
            return f"{self.person.name} ({self.title})" if self.title else self.person.name
        parts = [self.person.name_with_party]
        if self.function in PRINTED_FUNCTIONS:
            parts.append(f"({PRINTED_FUNCTIONS[self.function]})")
        if self.organisation:
            parts.append(f"({self.organisation.short_name})")
        if self.replaces:
            parts.append(f"ersätter {self.replaces.name_with_party}")
        if self.from_item:
            parts.append(f"från del av {self.from_item.reference}")
        if self.to_item:
            parts.append(f"till och med {self.to_item.reference}")
        return " ".join(parts)


# Functions as Swedish records print them, whatever the UI language.
PRINTED_FUNCTIONS = {
    MembershipFunction.CHAIR: "Ordförande",
    MembershipFunction.VICE_CHAIR: "Vice ordförande",
}


class Decision(VersionedMixin, TimestampMixin, Base):
    """What a body decided on an item; prefilled from the item's Förslag till beslut."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    # Sammanfattning: what was said, written during or after the meeting.
    notes: Mapped[str | None] = mapped_column(Text)
    # How the chair put the proposals to the meeting (propositionsordning).
    proposition_order: Mapped[str | None] = mapped_column(Text)

    item: Mapped[AgendaItem] = relationship(back_populates="decision")
    assignments: Mapped[list["Assignment"]] = relationship(back_populates="decision")
    # "Beslutet skickas till": whom the utdrag goes to (expediering), in print order.
    recipients: Mapped[list["DecisionRecipient"]] = relationship(
        back_populates="decision",
        order_by="DecisionRecipient.position",
        cascade="all, delete-orphan",
    )


# Exactly one of organisation, body, person or free text names a recipient.
ONE_RECIPIENT = (
    " + ".join(
        f"(CASE WHEN {column} IS NULL THEN 0 ELSE 1 END)"
        for column in ("organisation_id", "body_id", "person_id", "text")
    )
    + " = 1"
)


class DecisionRecipient(Base):
    """One of those a decision is sent to ("Beslutet skickas till"): an organisation, a body,
    a person, or someone named in free text (with an address, if given). ``sent_at`` is when
    the utdrag was sent to it (expediering); ``failure`` why the last attempt did not reach
    it."""

    __tablename__ = "decision_recipients"
    __table_args__ = (CheckConstraint(ONE_RECIPIENT, name="one_recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # Free text, as the record prints it: "Ansvarig tjänsteperson inom Region Västmanland".
    text: Mapped[str | None] = mapped_column(String(500))
    # An address given for a free-text recipient; a person's is the person's own.
    email: Mapped[str | None] = mapped_column(String(254))
    sent_at: Mapped[datetime | None]
    failure: Mapped[str | None] = mapped_column(Text)

    decision: Mapped[Decision] = relationship(back_populates="recipients")
    organisation: Mapped[Organisation | None] = relationship()
    body: Mapped[Body | None] = relationship()
    person: Mapped[Person | None] = relationship()

    @property
    def name(self) -> str:
        """The recipient as the record prints it."""
        if self.organisation is not None:
            return self.organisation.name
        if self.body is not None:
            return self.body.name
        if self.person is not None:
            return self.person.name
        return self.text or ""

    @property
    def address(self) -> str | None:
        """Where the utdrag is mailed: the address given, else the person's, else the
        registry's of the organisation (for a body: of the organisation it belongs to);
        None: none."""
        if self.email:
            return self.email
        if self.person is not None:
            return self.person.email
        organisation = self.body.organisation if self.body is not None else self.organisation
        return organisation.email if organisation is not None else None


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
        today = today or local_today()
        return (
            self.status == AssignmentStatus.OPEN
            and self.due_date is not None
            and (self.due_date < today)
        )


class ForwardPurpose(LabelledEnum):
    """What a decision is forwarded to the higher body for: to be reported among its
    anmälningar (för kännedom), or as a planned item with the utdrag as beslutsunderlag."""

    INFORMATION = "information"
    DECISION = "decision"

    @classmethod
    def labels(cls) -> dict:
        return {
            "information": _l("For information (för kännedom): listed among the anmälningar"),
            "decision": _l(
                "For decision (för beslut): a planned item with the utdrag as beslutsunderlag"
            ),
        }


class MotionKind(LabelledEnum):
    APPROVAL = "bifall"
    REJECTION = "avslag"
    AMENDMENT = "andring"
    ADDITION = "tillagg"
    REFERRAL = "aterremiss"
    POSTPONEMENT = "bordlaggning"

    @classmethod
    def labels(cls) -> dict:
        return {
            "bifall": _l("Approval (bifall)"),
            "avslag": _l("Rejection (avslag)"),
            "andring": _l("Amendment (ändring)"),
            "tillagg": _l("Addition (tillägg)"),
            "aterremiss": _l("Referral back (återremiss)"),
            "bordlaggning": _l("Postponement (bordläggning)"),
        }

    @property
    def printed(self) -> str:
        return {
            "bifall": "bifall",
            "avslag": "avslag",
            "andring": "ändring",
            "tillagg": "tillägg",
            "aterremiss": "återremiss",
            "bordlaggning": "bordläggning",
        }[self.value]


class Motion(Base):
    """A yrkande made at the meeting."""

    __tablename__ = "motions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[MotionKind] = enum_column(MotionKind)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str | None] = mapped_column(Text)
    is_withdrawn: Mapped[bool] = mapped_column(default=False)

    person: Mapped[Person] = relationship()


class BallotChoice(LabelledEnum):
    YES = "ja"
    NO = "nej"
    ABSTAIN = "avstar"

    @classmethod
    def labels(cls) -> dict:
        return {"ja": _l("Yes (ja)"), "nej": _l("No (nej)"), "avstar": _l("Abstains (avstår)")}

    @property
    def printed(self) -> str:
        return {"ja": "Ja", "nej": "Nej", "avstar": "Avstår"}[self.value]


class Vote(Base):
    """An omröstning. Open votes record each member's choice; closed votes only the counts."""

    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    is_open: Mapped[bool] = mapped_column(default=True)
    # What ja and nej stand for: "Ja för arbetsutskottets förslag, nej för Karin Bergs yrkande".
    question: Mapped[str] = mapped_column(Text)
    # Counts of a closed vote; an open vote counts its ballots.
    closed_yes: Mapped[int | None]
    closed_no: Mapped[int | None]
    closed_abstain: Mapped[int | None]
    outcome: Mapped[str | None] = mapped_column(Text)

    ballots: Mapped[list["Ballot"]] = relationship(
        back_populates="vote", order_by="Ballot.position", cascade="all, delete-orphan"
    )

    def count(self, choice: BallotChoice) -> int:
        if not self.is_open:
            return {
                BallotChoice.YES: self.closed_yes,
                BallotChoice.NO: self.closed_no,
                BallotChoice.ABSTAIN: self.closed_abstain,
            }[choice] or 0
        return sum(1 for ballot in self.ballots if ballot.choice == choice)


class Ballot(Base):
    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("vote_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    position: Mapped[int] = mapped_column(default=0)
    choice: Mapped[BallotChoice] = enum_column(BallotChoice)

    vote: Mapped[Vote] = relationship(back_populates="ballots")
    person: Mapped[Person] = relationship()


class Reservation(Base):
    """Dissent against a decision, by a member who took part in it."""

    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship()


class Recusal(Base):
    """Jäv: the member leaves the item; a substitute may serve for that item only."""

    __tablename__ = "recusals"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    substitute_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    substitute: Mapped[Person | None] = relationship(foreign_keys=[substitute_id])


class ProtocolNote(Base):
    """A protokollsanteckning, by a member or by the meeting."""

    __tablename__ = "protocol_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)

    person: Mapped[Person | None] = relationship()


class Extract(Base):
    """An utdrag: chosen items of a record, rendered and stored."""

    __tablename__ = "extracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    item_ids: Mapped[list[int]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    meeting: Mapped[Meeting] = relationship()


class FindingAcceptance(Base):
    """A point of the completeness check (``record.services.completeness``) the secretary
    accepted consciously, with a note saying why; it then no longer blocks justering or
    signing. ``key`` is the finding's stable key ("no-decision/12")."""

    __tablename__ = "finding_acceptances"
    __table_args__ = (UniqueConstraint("meeting_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text)
    # None: accepted by no one logged in (the demo data, a command).
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship()


# -- retention (app.core.retention): what an item of a final record decided, and how, is kept.


def _meeting_of_part(session: Any, record: Any) -> Meeting | None:
    item = session.get(AgendaItem, record.item_id)
    return session.get(Meeting, item.meeting_id) if item is not None else None


def _part_of_final_record(session: Any, record: Any) -> str | None:
    return final_record_reason(_meeting_of_part(session, record))


def _ballot_of_final_record(session: Any, ballot: "Ballot") -> str | None:
    vote = session.get(Vote, ballot.vote_id)
    return _part_of_final_record(session, vote) if vote is not None else None


for _part in (Decision, Motion, Vote, Reservation, Recusal, ProtocolNote):
    register_retention(_part, delete=_part_of_final_record)
register_retention(Ballot, delete=_ballot_of_final_record)


def _recipient_of_final_record(session: Any, recipient: "DecisionRecipient") -> str | None:
    decision = session.get(Decision, recipient.decision_id)
    return _part_of_final_record(session, decision) if decision is not None else None


def _recipient_change(session: Any, recipient: "DecisionRecipient") -> str | None:
    """Of a final decision's recipient only when the utdrag was sent to it may change."""
    reason = _recipient_of_final_record(session, recipient)
    if reason is None:
        return None
    state = inspect(recipient)
    columns = [attr.key for attr in state.mapper.column_attrs]
    changed = {key for key in columns if state.attrs[key].history.has_changes()}
    return reason if changed - {"sent_at", "failure"} else None


# Whom a final decision goes to stays; when it was sent is written after it is final.
register_retention(DecisionRecipient, delete=_recipient_of_final_record, change=_recipient_change)


def _acceptance_of_final_record(session: Any, acceptance: "FindingAcceptance") -> str | None:
    return final_record_reason(session.get(Meeting, acceptance.meeting_id))


# What was accepted, and why, stays as it was once the record is final.
register_retention(
    FindingAcceptance, delete=_acceptance_of_final_record, change=_acceptance_of_final_record
)


register_retention(
    Attendance,
    delete=lambda session, attendance: final_record_reason(
        session.get(Meeting, attendance.meeting_id)
    ),
)
