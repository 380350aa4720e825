"""The meeting record: attendance, § numbers, quorum, decisions and their process, utdrag,
and sending decisions up the chain.

A record starts from the agenda: attendance is prefilled from the body's memberships, every
item gets its § number by the body's rule and a decision prefilled from its proposal. While
the record is a draft the secretary edits it; every change is in the audit log, which is the
revision history each item shows.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.agenda.models import AgendaItem, AgendaNotice, PlannedItem, number_range
from app.agenda.sentences import proposal_of
from app.agenda.services import (
    attach_document,
    link_report_back,
    require_justering,
    require_other_justerare,
    unlink_report_back,
)
from app.bodies.models import (
    Body,
    Membership,
    MembershipFunction,
    MembershipKind,
    NumberingRule,
    RecordType,
)
from app.cases.models import Document, DocumentKind
from app.core.actors import Actor
from app.core.audit import record_change, snapshot
from app.core.errors import DomainError
from app.core.mail import Attachment, MailError, OutgoingMessage, send_messages
from app.core.models import utcnow
from app.core.services import add_record, change_record
from app.documents.render import RenderError
from app.documents.storage import StorageError, store_bytes
from app.extensions import db
from app.meetings.models import AgendaStatus, Meeting, MeetingAdjuster, MeetingStatus, RecordStatus
from app.organisations.models import Organisation, OrganisationKind
from app.people.models import Person
from app.record.models import (
    Assignment,
    AssignmentStatus,
    Attendance,
    AttendanceRole,
    Ballot,
    BallotChoice,
    Decision,
    DecisionRecipient,
    FindingAcceptance,
    ForwardPurpose,
    Motion,
    MotionKind,
    ProtocolNote,
    Recusal,
    Reservation,
    Vote,
)

# -- starting the record -----------------------------------------------------------------------


def start_record(actor: Actor, meeting: Meeting) -> None:
    """Open the record: attendance from the memberships, § numbers, prefilled decisions."""
    if meeting.record_status == RecordStatus.FINAL:
        raise DomainError(_("The record is final."))
    if meeting.record_status == RecordStatus.JUSTERING:
        raise DomainError(_("The protokoll is out for justering."))
    if not meeting.attendances:
        prefill_attendance(meeting)
    meeting.agenda_status = AgendaStatus.CONFIRMED
    assign_paragraphs(meeting)
    for item in meeting.items:
        if item.decision is None and not item.is_withdrawn:
            proposal = proposal_of(item, meeting)
            if proposal:
                db.session.add(Decision(item=item, text=proposal))
    meeting.record_status = RecordStatus.DRAFT
    # A record may be prepared ahead; the meeting is held only once it has begun.
    if meeting.status in (MeetingStatus.PLANNED, MeetingStatus.CONVENED) and meeting.has_begun():
        meeting.status = MeetingStatus.HELD
    record_change(db.session, actor, "start record", meeting)


def _seats(meeting: Meeting) -> list[Membership]:
    statement = select(Membership).where(Membership.body_id == meeting.body_id)
    if meeting.term_id:
        statement = statement.where(Membership.term_id == meeting.term_id)
    return [
        m
        for m in db.session.scalars(statement)
        if (m.start_date is None or m.start_date <= meeting.meeting_date)
        and (m.end_date is None or meeting.meeting_date <= m.end_date)
    ]


def prefill_attendance(meeting: Meeting) -> None:
    """Ledamöter as beslutande, ersättare as ej tjänstgörande, the secretary among others."""
    memberships = sorted(
        _seats(meeting),
        key=lambda m: (m.substitute_order is None, m.substitute_order or 0, m.person.name),
    )
    position = 0
    order = (
        (MembershipKind.ORDINARY, AttendanceRole.VOTING),
        (MembershipKind.SUBSTITUTE, AttendanceRole.SUBSTITUTE_NOT_SERVING),
        (MembershipKind.CO_OPTED, AttendanceRole.OTHER),
    )
    for kind, role in order:
        for membership in memberships:
            if membership.kind != kind:
                continue
            position += 1
            meeting.attendances.append(
                Attendance(
                    person=membership.person,
                    role=role,
                    position=position,
                    organisation=membership.organisation,
                    function=membership.function
                    if membership.function
                    in (MembershipFunction.CHAIR, MembershipFunction.VICE_CHAIR)
                    else None,
                    title="adjungerad" if kind == MembershipKind.CO_OPTED else None,
                )
            )
    secretary = meeting.secretary or next(
        (m.person for m in memberships if m.function == MembershipFunction.SECRETARY), None
    )
    if secretary is not None:
        meeting.secretary = secretary
        meeting.attendances.append(
            Attendance(
                person=secretary,
                role=AttendanceRole.OTHER,
                position=position + 1,
                title="sekreterare"
                if meeting.body.record_type == RecordType.PROTOCOL
                else "mötessekreterare",
            )
        )


# -- § numbers ---------------------------------------------------------------------------------


def assign_paragraphs(meeting: Meeting) -> None:
    """Give every item its § number by the body's rule. Numbers once given are kept.

    Per calendar year, numbers continue from the highest the body used that year and are never
    reused; per meeting they start at 1; plain numbers are the item numbers.
    """
    rule = meeting.body.numbering
    items = list(meeting.items)
    if rule == NumberingRule.PLAIN:
        for item in items:
            item.paragraph = item.paragraph or item.number
        return
    if rule == NumberingRule.PER_MEETING:
        used = max((item.paragraph or 0 for item in items), default=0)
    else:
        year = meeting.meeting_date.year
        used = (
            db.session.scalar(
                select(func.max(AgendaItem.paragraph))
                .join(AgendaItem.meeting)
                .where(
                    Meeting.body_id == meeting.body_id,
                    Meeting.meeting_date >= date(year, 1, 1),
                    Meeting.meeting_date <= date(year, 12, 31),
                )
            )
            or 0
        )
    for item in items:
        if item.paragraph is None:
            used += 1
            item.paragraph = used


def paragraph_range(meeting: Meeting) -> str:
    """ "§§ 26–38" for the protokoll header ("1–6" where the body numbers plainly); "" before
    numbering."""
    numbers = [item.paragraph for item in meeting.items if item.paragraph is not None]
    return number_range(numbers, meeting.body.numbering)


# -- who serves, and quorum ----------------------------------------------------------------------


def _present_at(attendance: Attendance, item: AgendaItem) -> bool:
    starts = attendance.from_item.position if attendance.from_item else None
    ends = attendance.to_item.position if attendance.to_item else None
    return (starts is None or starts <= item.position) and (ends is None or item.position <= ends)


def serving_at(meeting: Meeting, item: AgendaItem) -> list[Person]:
    """The members who take part in the decision on ``item``: beslutande present at that item,
    less those with jäv, plus the substitutes who serve for them on that item only."""
    recused = {r.person_id: r for r in item.recusals}
    people: list[Person] = []
    for attendance in meeting.attendances:
        if attendance.role != AttendanceRole.VOTING or not _present_at(attendance, item):
            continue
        if attendance.person_id in recused:
            continue
        people.append(attendance.person)
    for recusal in recused.values():
        if recusal.substitute is not None and recusal.substitute not in people:
            people.append(recusal.substitute)
    return people


def ordinary_seats(meeting: Meeting) -> int:
    return sum(1 for m in _seats(meeting) if m.kind == MembershipKind.ORDINARY)


def has_quorum(meeting: Meeting, item: AgendaItem, seats: int | None = None) -> bool | None:
    """Beslutförhet: more than half of the ordinarie seats serve. None if no seats are known.
    ``seats``: the meeting's ordinary_seats, when the caller asks for many items."""
    seats = ordinary_seats(meeting) if seats is None else seats
    if seats == 0:
        return None
    return len(serving_at(meeting, item)) * 2 > seats


# -- attendance ----------------------------------------------------------------------------------


def _require_draft(meeting: Meeting) -> None:
    """The record changes only while it is a draft (also the draft of a rättelse)."""
    if meeting.record_status == RecordStatus.FINAL:
        raise DomainError(
            _("The record is final and can no longer change; correct it with a rättelse.")
        )
    if meeting.record_status == RecordStatus.JUSTERING:
        raise DomainError(
            _(
                "The protokoll is out for justering and cannot change; it opens again if a "
                "signatory rejects it."
            )
        )
    if meeting.record_status == RecordStatus.NONE:
        raise DomainError(_("Start the record first."))


def update_record_details(
    actor: Actor,
    meeting: Meeting,
    *,
    secretary: Person | None,
    adjusters: list[Person],
    adjustment_place_time: str | None,
    chair: Person | None = None,
) -> None:
    """The secretary who signs, the chair of the meeting (the vice chair when the chair is
    away), the justerare and the justering's place and time."""
    _require_draft(meeting)
    if adjusters or adjustment_place_time:
        require_justering(meeting.body)
    present = {a.person_id for a in meeting.attendances}
    if any(person.id not in present for person in adjusters):
        raise DomainError(_("A justerare must be present at the meeting."), field="adjusters")
    if chair is not None and chair.id not in present:
        raise DomainError(_("The chair must be present at the meeting."), field="chair_id")
    require_other_justerare(meeting, adjusters, chair=chair, secretary=secretary)
    if chair is not None:
        for attendance in meeting.attendances:
            if attendance.person_id == chair.id:
                attendance.function = MembershipFunction.CHAIR
            elif attendance.function == MembershipFunction.CHAIR:
                attendance.function = None
    meeting.secretary = secretary
    meeting.adjustment_place_time = adjustment_place_time
    if [a.person_id for a in meeting.adjusters] != [p.id for p in adjusters]:
        meeting.adjusters.clear()
        db.session.flush()
        meeting.adjusters.extend(
            MeetingAdjuster(person=person, position=i) for i, person in enumerate(adjusters)
        )
    record_change(db.session, actor, "record details", meeting)


def add_attendance(
    actor: Actor,
    meeting: Meeting,
    *,
    person: Person,
    role: AttendanceRole,
    title: str | None = None,
) -> Attendance:
    _require_draft(meeting)
    if any(a.person_id == person.id for a in meeting.attendances):
        raise DomainError(_("%(name)s is already on the attendance list.", name=person.name))
    attendance = Attendance(
        person=person,
        role=role,
        title=title,
        position=max((a.position for a in meeting.attendances), default=0) + 1,
    )
    meeting.attendances.append(attendance)
    record_change(db.session, actor, "add attendance", meeting)
    return attendance


def update_attendance(actor: Actor, attendance: Attendance, **values: Any) -> Attendance:
    """Change a row: role, whom a substitute replaces, from/to item, distans, title."""
    meeting = attendance.meeting
    _require_draft(meeting)
    replaces = values.get("replaces_id")
    if replaces is not None:
        if values.get("role", attendance.role) != AttendanceRole.VOTING:
            raise DomainError(_("Only a serving member replaces someone."), field="replaces_id")
        if replaces == attendance.person_id:
            raise DomainError(_("A member cannot replace herself."), field="replaces_id")
        if replaces != attendance.replaces_id:
            _require_replaceable(meeting, attendance.person, replaces)
    for key in ("from_item_id", "to_item_id"):
        item_id = values.get(key)
        if item_id is not None:
            item = db.session.get(AgendaItem, item_id)
            if item is None or item.meeting_id != meeting.id:
                raise DomainError(_("Choose an item of this meeting."), field=key)
    if values.get("from_item_id") and values.get("to_item_id"):
        first = db.session.get(AgendaItem, values["from_item_id"])
        last = db.session.get(AgendaItem, values["to_item_id"])
        if last is not None and first is not None and last.position < first.position:
            raise DomainError(_("The last item comes before the first."), field="to_item_id")
    before = snapshot(attendance)
    for key, value in values.items():
        setattr(attendance, key, value)
    record_change(db.session, actor, "update attendance", attendance, before)
    return attendance


def _whole_meeting(attendance: Attendance) -> bool:
    return attendance.from_item_id is None and attendance.to_item_id is None


def replaceable_members(meeting: Meeting, substitute: Person) -> list[Person]:
    """The ledamöter whose seat ``substitute`` may fill at ``meeting`` (ersätter), the
    ledamöter of her own party first, then by name.

    Only an ersättare of the body replaces, and only an ordinary member of the body who is
    absent (not serving the whole meeting herself, nor already replaced for the whole meeting
    by someone else). The inkallelseordning (meeting-rules B2) calls the ersättare of the
    member's own party first: an ersättare of another party may serve for her only when no
    ersättare of her party is present and free. In a body whose seats represent
    organisations (a samverkansgrupp), an ersättare serves only for a member of the
    organisation she represents. Personal ersättare are not in the data model."""
    seats = _seats(meeting)
    own = [m for m in seats if m.person_id == substitute.id and m.kind == MembershipKind.SUBSTITUTE]
    if not own:
        return []
    represents = {m.organisation_id for m in own}
    substitutes = {m.person_id for m in seats if m.kind == MembershipKind.SUBSTITUTE}
    attendances = list(meeting.attendances)
    serving = {
        a.person_id
        for a in attendances
        if a.role == AttendanceRole.VOTING and _whole_meeting(a) and a.replaces_id is None
    }
    replaced = {
        a.replaces_id
        for a in attendances
        if a.replaces_id is not None and a.person_id != substitute.id and _whole_meeting(a)
    }
    # Ersättare present who serve for no one: the ones the inkallelseordning calls first.
    free_parties = {
        a.person.party
        for a in attendances
        if a.person_id in substitutes and a.person_id != substitute.id and a.replaces_id is None
    }
    members: dict[int, Person] = {}
    for seat in seats:
        member = seat.person
        if (
            seat.kind != MembershipKind.ORDINARY
            or member.id == substitute.id
            or member.id in serving
            or member.id in replaced
        ):
            continue
        if seat.organisation_id is not None and seat.organisation_id not in represents:
            continue
        if member.party == substitute.party or member.party not in free_parties:
            members[member.id] = member
    return sorted(members.values(), key=lambda p: (p.party != substitute.party, p.name.casefold()))


def _require_replaceable(meeting: Meeting, substitute: Person, member_id: int) -> None:
    member = db.session.get(Person, member_id)
    if member is None:
        raise DomainError(_("Choose a member of the body."), field="replaces_id")
    if member in replaceable_members(meeting, substitute):
        return
    if not any(
        m.person_id == substitute.id and m.kind == MembershipKind.SUBSTITUTE
        for m in _seats(meeting)
    ):
        raise DomainError(
            _(
                "%(name)s is not a substitute (ersättare) of the body on the meeting's date "
                "and cannot replace a member.",
                name=substitute.name,
            ),
            field="replaces_id",
        )
    raise DomainError(
        _(
            "%(substitute)s cannot serve for %(member)s: a substitute serves only for an "
            "absent ordinary member of the body, of her own party, or of another party when "
            "none of that party's substitutes is present.",
            substitute=substitute.name,
            member=member.name_with_party,
        ),
        field="replaces_id",
    )


def remove_attendance(actor: Actor, attendance: Attendance) -> None:
    meeting = attendance.meeting
    _require_draft(meeting)
    meeting.attendances.remove(attendance)
    db.session.delete(attendance)
    record_change(db.session, actor, "remove attendance", meeting)


# -- the decision on an item ---------------------------------------------------------------------


def decision_of(item: AgendaItem) -> Decision:
    if item.decision is None:
        item.decision = Decision(text="")
        db.session.add(item.decision)
    return item.decision


RECIPIENT_FIELDS = (
    "recipient_organisations",
    "recipient_region",
    "recipient_bodies",
    "recipient_people",
    "recipient_lines",
)


def update_decision(actor: Actor, item: AgendaItem, version: int | None, **values: Any) -> Decision:
    """Sammanfattning, Beslut, propositionsordning and "Beslutet skickas till" of an item.

    The recipients come as the decision form gives them (``RECIPIENT_FIELDS``): ids of
    organisations, a region whose kommuner are added with it, bodies and people, and free-text
    lines (``parse_recipient_lines``); given none of these, the recipients stay as they are."""
    _require_draft(item.meeting)
    chosen = {key: values.pop(key) for key in RECIPIENT_FIELDS if key in values}
    others = parse_recipient_lines(chosen.get("recipient_lines"))
    withdrawn = values.pop("is_withdrawn", None)
    if withdrawn is not None and withdrawn != item.is_withdrawn:
        item.is_withdrawn = withdrawn
    values["text"] = values.get("text") or ""
    if item.decision is None:
        decision = add_record(actor, Decision(item=item, **values))
    else:
        decision = change_record(actor, item.decision, version, values)
    if chosen:
        organisations = [_get(Organisation, i) for i in chosen.get("recipient_organisations") or []]
        region_id = chosen.get("recipient_region")
        if region_id is not None:
            organisations += region_and_kommuner(_get(Organisation, region_id))
        set_recipients(
            actor,
            item,
            organisations=organisations,
            bodies=[_get(Body, i) for i in chosen.get("recipient_bodies") or []],
            people=[_get(Person, i) for i in chosen.get("recipient_people") or []],
            others=others,
        )
    return decision


def _get(model: Any, record_id: int) -> Any:
    record = db.session.get(model, record_id)
    if record is None:
        raise DomainError(_("Choose from the list."))
    return record


# -- "Beslutet skickas till" and sending the utdrag (expediering) --------------------------------

_ADDRESS = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")


def parse_recipient_lines(text: str | None) -> list[tuple[str, str | None]]:
    """Free-text recipients, one a line, each a name and an address if given in angle
    brackets: "Kommunstyrelsen i Arboga <kommunstyrelsen@arboga.se>"; a bare address is its
    own name. A line that is not one of these is refused, naming it."""
    others: list[tuple[str, str | None]] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        name, email = line, None
        if line.endswith(">") and "<" in line:
            name, _bracket, rest = line[:-1].rpartition("<")
            name, email = name.strip(), rest.strip()
        elif _ADDRESS.fullmatch(line):
            email = line
        if email is not None and (len(email) > 254 or not _ADDRESS.fullmatch(email)):
            raise DomainError(
                _("Not an email address: %(line)s", line=line), field="recipient_lines"
            )
        if len(name or line) > 500:
            raise DomainError(
                _("A recipient is at most 500 characters long."), field="recipient_lines"
            )
        others.append((name or email or line, email))
    return others


def region_and_kommuner(region: Organisation) -> list[Organisation]:
    """A region and the kommuner of its county, by name: "Region Västmanland och länets
    kommuner" as a decision names them."""
    if region.kind != OrganisationKind.REGION or not region.county:
        raise DomainError(_("Choose a region with a county."), field="recipient_region")
    kommuner = db.session.scalars(
        select(Organisation)
        .where(
            Organisation.kind == OrganisationKind.MUNICIPALITY,
            Organisation.county == region.county,
        )
        .order_by(Organisation.name)
    )
    return [region, *kommuner]


def recipient_choices() -> dict[str, list[Any]]:
    """What "Beslutet skickas till" chooses from: organisations (regions first), regions,
    bodies and people, by name."""
    organisations = list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
    organisations.sort(key=lambda o: o.kind != OrganisationKind.REGION)
    return {
        "organisations": organisations,
        "regions": [o for o in organisations if o.kind == OrganisationKind.REGION and o.county],
        "bodies": list(db.session.scalars(select(Body).order_by(Body.name))),
        "people": list(db.session.scalars(select(Person).order_by(Person.name))),
    }


def _recipient_key(recipient: DecisionRecipient) -> tuple[Any, ...]:
    return (
        recipient.organisation_id,
        recipient.body_id,
        recipient.person_id,
        recipient.text,
        recipient.email,
    )


def set_recipients(
    actor: Actor,
    item: AgendaItem,
    *,
    organisations: Sequence[Organisation] = (),
    bodies: Sequence[Body] = (),
    people: Sequence[Person] = (),
    others: Sequence[tuple[str, str | None]] = (),
) -> Decision:
    """Whom the decision is sent to, in print order: organisations, bodies, people, then
    those named in free text (with an address if given). Only while the record is a draft;
    a recipient named twice is listed once."""
    _require_draft(item.meeting)
    decision = decision_of(item)
    wanted: list[DecisionRecipient] = []
    seen: set[tuple[Any, ...]] = set()
    for recipient in [
        *(DecisionRecipient(organisation_id=o.id, organisation=o) for o in organisations),
        *(DecisionRecipient(body_id=b.id, body=b) for b in bodies),
        *(DecisionRecipient(person_id=p.id, person=p) for p in people),
        *(DecisionRecipient(text=name, email=email) for name, email in others),
    ]:
        key = _recipient_key(recipient)
        if key not in seen:
            seen.add(key)
            wanted.append(recipient)
    before = [_recipient_key(r) for r in decision.recipients]
    if before == [_recipient_key(r) for r in wanted]:
        return decision
    names_before = [r.name for r in decision.recipients]
    for old in list(decision.recipients):
        decision.recipients.remove(old)
    db.session.flush()
    for position, recipient in enumerate(wanted):
        recipient.position = position
        decision.recipients.append(recipient)
    entry = record_change(db.session, actor, "set recipients", decision)
    entry.changes = {"recipients": {"before": names_before, "after": [r.name for r in wanted]}}
    return decision


@dataclass
class Expedition:
    """What sending a decision's utdrag did: to whom it went now, to whom it did not (the
    reason is on the recipient), who has no address, and who had it already."""

    sent: list[DecisionRecipient]
    failed: list[DecisionRecipient]
    without_address: list[DecisionRecipient]
    already_sent: list[DecisionRecipient]


def extract_title(item: AgendaItem) -> str:
    """The utdrag of one item as its file and mail are titled: "Utdrag ur protokoll
    Strategisk regional beredning 2024-04-19 § 8"."""
    meeting = item.meeting
    kind_word = (
        "minnesanteckningar" if meeting.body.record_type == RecordType.NOTES else "protokoll"
    )
    return (
        f"Utdrag ur {kind_word} {meeting.body.name} {meeting.meeting_date.isoformat()} "
        f"{item.reference}"
    )


def can_send_decision(item: AgendaItem) -> bool:
    """Whether the utdrag of ``item`` may be sent (``send_decision``'s rule, for the page)."""
    decision = item.decision
    return (
        item.meeting.record_status == RecordStatus.FINAL
        and decision is not None
        and bool(decision.recipients)
        and item.is_public
        and not item.is_withdrawn
    )


def send_decision(actor: Actor | None, item: AgendaItem) -> Expedition:
    """Expediering: mail the utdrag of ``item`` to each of its recipients with an address
    that has not had it yet, and keep when (``sent_at``) or why not (``failure``).

    Only a final record is sent (what is sent is what was justerat or signed), and only a
    public item's utdrag goes out by mail; a recipient without an address is listed, not
    sent to. Sending again sends to those not reached yet, never twice to the same."""
    # imported here: rendering imports this module (a cycle)
    from app.record.rendering import extract_pdf

    meeting = item.meeting
    if meeting.record_status != RecordStatus.FINAL:
        raise DomainError(_("The utdrag is sent once the record is final."))
    decision = item.decision
    if item.is_withdrawn or decision is None:
        raise DomainError(_("The item has no decision to send."))
    if not item.is_public:
        raise DomainError(
            _(
                "The item is not public, so its utdrag is not mailed from here: "
                "send it through the registry."
            )
        )
    if not decision.recipients:
        raise DomainError(_('"Beslutet skickas till" is empty: the decision goes to no one.'))
    already = [r for r in decision.recipients if r.sent_at is not None]
    without = [r for r in decision.recipients if r.sent_at is None and not r.address]
    due = [r for r in decision.recipients if r.sent_at is None and r.address]
    if not due:
        if already:
            raise DomainError(
                _("The utdrag has been sent to every recipient with an address already.")
            )
        raise DomainError(_("No recipient has an email address: send the utdrag by post."))
    title = extract_title(item)
    try:
        pdf = extract_pdf(actor, meeting, [item])
    except (RenderError, StorageError) as error:
        current_app.logger.exception("utdrag not made for the expediering")
        raise DomainError(
            _("The utdrag could not be made, so nothing was sent: %(reason)s", reason=error)
        ) from error
    attachment = Attachment(f"{title}.pdf", pdf, "application/pdf")
    text = _decision_mail_text(item, title)
    failed: dict[str, str] = {}
    try:
        send_messages(
            [
                OutgoingMessage(
                    to=[r.address or ""],  # all have one
                    subject=f"{title}: {item.title}",
                    text=text,
                    attachments=[attachment],
                )
                for r in due
            ]
        )
    except MailError as error:
        failed = error.failed_recipients or dict.fromkeys(
            (r.address or "" for r in due), error.message
        )
    now = utcnow()
    result = Expedition(sent=[], failed=[], without_address=without, already_sent=already)
    for recipient in due:
        reason = failed.get(recipient.address or "")
        if reason is None:
            recipient.sent_at, recipient.failure = now, None
            result.sent.append(recipient)
        else:
            recipient.failure = reason[:1000]
            result.failed.append(recipient)
    entry = record_change(db.session, actor, "send utdrag", decision)
    entry.changes = {
        "sent_to": {"before": None, "after": [r.name for r in result.sent]},
        "failed": {"before": None, "after": [r.name for r in result.failed]},
        "without_address": {"before": None, "after": [r.name for r in without]},
    }
    return result


def _decision_mail_text(item: AgendaItem, title: str) -> str:
    meeting = item.meeting
    lines = [
        f"{meeting.body.name} beslutade {meeting.meeting_date.isoformat()} i ärendet "
        f"{item.reference} {item.title}.",
        "",
        "Beslutet skickas till er enligt protokollet. Utdraget ur protokollet är bifogat.",
    ]
    if item.case is not None and item.case.case_number:
        lines += ["", f"Diarienummer: {item.case.case_number}"]
    if meeting.secretary is not None:
        lines += ["", f"Frågor besvaras av sekreteraren {meeting.secretary.name}."]
    return "\n".join(lines)


@dataclass
class ForwardLinks:
    """How decisions went up the chain, by item id: ``came_from`` the group items an item's
    decision was made on the recommendation of (their forwarded utdrag became or joined the
    item), ``went_to`` the planned topics of the higher body an item's decision was
    forwarded to (with the item each became, once on an agenda)."""

    came_from: dict[int, list[AgendaItem]]
    went_to: dict[int, list[PlannedItem]]


def forward_links(items: list[AgendaItem]) -> ForwardLinks:
    """The links up and down the chain of ``items`` (``ForwardLinks``), in two statements."""
    ids = [item.id for item in items]
    links = ForwardLinks(came_from={}, went_to={})
    if not ids:
        return links
    for planned in db.session.scalars(
        select(PlannedItem)
        .where(PlannedItem.item_id.in_(ids), PlannedItem.source_item_id.is_not(None))
        .order_by(PlannedItem.id)
    ):
        if planned.item_id is not None and planned.source_item is not None:
            links.came_from.setdefault(planned.item_id, []).append(planned.source_item)
    for planned in db.session.scalars(
        select(PlannedItem).where(PlannedItem.source_item_id.in_(ids)).order_by(PlannedItem.id)
    ):
        if planned.source_item_id is not None:
            links.went_to.setdefault(planned.source_item_id, []).append(planned)
    return links


def _person_in_meeting(meeting: Meeting, person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None or not any(a.person_id == person_id for a in meeting.attendances):
        raise DomainError(_("Choose someone on the attendance list."), field="person_id")
    return person


def add_motion(
    actor: Actor, item: AgendaItem, *, kind: MotionKind, person_id: int, text: str | None
) -> Motion:
    _require_draft(item.meeting)
    person = _person_in_meeting(item.meeting, person_id)
    motion = Motion(kind=kind, person=person, text=text, position=len(item.motions))
    item.motions.append(motion)
    record_change(db.session, actor, "add motion", item)
    return motion


def add_vote(
    actor: Actor,
    item: AgendaItem,
    *,
    question: str,
    is_open: bool,
    choices: dict[int, BallotChoice] | None = None,
    counts: tuple[int, int, int] | None = None,
    outcome: str | None = None,
) -> Vote:
    """An omröstning: open, with each serving member's choice, or closed, with counts only."""
    meeting = item.meeting
    _require_draft(meeting)
    vote = Vote(question=question, is_open=is_open, outcome=outcome, position=len(item.votes))
    if is_open:
        serving = {p.id: p for p in serving_at(meeting, item)}
        choices = choices or {}
        strangers = set(choices) - set(serving)
        if strangers:
            raise DomainError(_("Only members serving on this item can vote."))
        missing = [p.name for pid, p in serving.items() if pid not in choices]
        if missing:
            raise DomainError(
                _("Record a choice for every serving member: %(names)s.", names=", ".join(missing))
            )
        for position, (person_id, choice) in enumerate(choices.items()):
            vote.ballots.append(Ballot(person=serving[person_id], choice=choice, position=position))
    else:
        yes, no, abstain = counts or (0, 0, 0)
        if min(yes, no, abstain) < 0:
            raise DomainError(_("Counts cannot be negative."))
        if yes + no + abstain > len(serving_at(meeting, item)):
            raise DomainError(_("More votes than serving members."))
        vote.closed_yes, vote.closed_no, vote.closed_abstain = yes, no, abstain
    item.votes.append(vote)
    record_change(db.session, actor, "add vote", item)
    return vote


def add_reservation(
    actor: Actor, item: AgendaItem, *, person_id: int, reason: str | None
) -> Reservation:
    """Only a member who took part in the decision may reserve herself against it."""
    _require_draft(item.meeting)
    if person_id not in {p.id for p in serving_at(item.meeting, item)}:
        raise DomainError(
            _("Only members who took part in the decision can enter a reservation."),
            field="person_id",
        )
    if any(r.person_id == person_id for r in item.reservations):
        raise DomainError(_("This member has already entered a reservation."), field="person_id")
    reservation = Reservation(person=db.session.get(Person, person_id), reason=reason)
    item.reservations.append(reservation)
    record_change(db.session, actor, "add reservation", item)
    return reservation


def add_recusal(
    actor: Actor, item: AgendaItem, *, person_id: int, substitute_id: int | None
) -> Recusal:
    """Jäv: the member leaves this item; an ersättare present may serve for it."""
    meeting = item.meeting
    _require_draft(meeting)
    voting = {
        a.person_id
        for a in meeting.attendances
        if a.role == AttendanceRole.VOTING and _present_at(a, item)
    }
    if person_id not in voting:
        raise DomainError(_("Only a serving member can declare jäv."), field="person_id")
    if any(r.person_id == person_id for r in item.recusals):
        raise DomainError(
            _("This member has already declared jäv on this item."), field="person_id"
        )
    if substitute_id is not None:
        free = {
            a.person_id
            for a in meeting.attendances
            if a.role == AttendanceRole.SUBSTITUTE_NOT_SERVING and _present_at(a, item)
        }
        free -= {r.substitute_id for r in item.recusals}
        if substitute_id not in free:
            raise DomainError(
                _("The substitute must be a present ersättare who is not serving."),
                field="substitute_id",
            )
    recusal = Recusal(
        person=db.session.get(Person, person_id),
        substitute=db.session.get(Person, substitute_id) if substitute_id else None,
    )
    item.recusals.append(recusal)
    record_change(db.session, actor, "add recusal", item)
    return recusal


def add_protocol_note(
    actor: Actor, item: AgendaItem, *, person_id: int | None, text: str
) -> ProtocolNote:
    _require_draft(item.meeting)
    person = _person_in_meeting(item.meeting, person_id) if person_id else None
    note = ProtocolNote(person=person, text=text)
    item.protocol_notes.append(note)
    record_change(db.session, actor, "add protocol note", item)
    return note


def add_assignment(
    actor: Actor,
    item: AgendaItem,
    *,
    description: str,
    assignee_body_id: int | None = None,
    assignee_text: str | None = None,
    due_meeting_id: int | None = None,
    due_date: date | None = None,
) -> Assignment:
    """An uppdrag the decision gives; later agendas offer it back when it is due."""
    _require_draft(item.meeting)
    if not assignee_body_id and not assignee_text:
        raise DomainError(_("Say who gets the uppdrag."), field="assignee_text")
    if due_meeting_id:
        due = db.session.get(Meeting, due_meeting_id)
        if due is None or due.meeting_date <= item.meeting.meeting_date:
            raise DomainError(_("Choose a later meeting."), field="due_meeting_id")
    decision = decision_of(item)
    assignment = Assignment(
        decision=decision,
        description=description,
        assignee_body_id=assignee_body_id,
        assignee_text=assignee_text,
        due_meeting_id=due_meeting_id,
        due_date=due_date,
    )
    return add_record(actor, assignment)


# -- reporting back on an uppdrag -------------------------------------------------------------


def reportable_assignments(item: AgendaItem) -> list[Assignment]:
    """The open uppdrag ``item`` may report back on: given by its body or to it at an earlier
    meeting, not reported back, not written off, not linked to another item. Oldest first."""
    candidates = db.session.scalars(
        select(Assignment)
        .join(Assignment.decision)
        .join(Decision.item)
        .join(AgendaItem.meeting)
        .where(
            Assignment.status == AssignmentStatus.OPEN,
            (Assignment.reported_item_id.is_(None)) | (Assignment.reported_item_id == item.id),
            Meeting.meeting_date < item.meeting.meeting_date,
            (Meeting.body_id == item.meeting.body_id)
            | (Assignment.assignee_body_id == item.meeting.body_id),
        )
        .order_by(Meeting.meeting_date, AgendaItem.position, Assignment.id)
    )
    return list(candidates)


def report_back(actor: Actor, item: AgendaItem, assignment: Assignment) -> None:
    """Record that ``item`` reports back on ``assignment``: the uppdrag is linked to the item
    and closed (återrapporterat), by the one path ``agenda.services.link_report_back`` (also
    taken when the uppdrag is put on the agenda). The record shows the link ("vid mötet
    2023-10-27 § 26") and the uppdrag where it was reported, both from these data."""
    if item.meeting.record_status == RecordStatus.NONE:
        raise DomainError(_("Start the record first."))
    _require_draft(item.meeting)
    link_report_back(actor, item, assignment)


def undo_report_back(actor: Actor, item: AgendaItem, assignment: Assignment) -> None:
    """Take back a report-back recorded by mistake, while the record is a draft: the uppdrag
    is open again."""
    _require_draft(item.meeting)
    if assignment.reported_item_id != item.id or assignment.status != AssignmentStatus.REPORTED:
        raise DomainError(_("This item does not report back on the uppdrag."))
    unlink_report_back(actor, item, assignment)


def remove_part(actor: Actor, item: AgendaItem, part: Any) -> None:
    """Remove a motion, vote, reservation, jäv or protokollsanteckning from a draft record."""
    _require_draft(item.meeting)
    db.session.delete(part)
    record_change(db.session, actor, f"remove {type(part).__name__.lower()}", item)


# -- finishing ---------------------------------------------------------------------------------


def not_held_yet(meeting: Meeting) -> str:
    """Why nothing of a meeting that has not begun can be finalised, signed or posted."""
    return _(
        "The meeting has not been held yet (%(date)s): its record can be prepared, but it "
        "cannot be finalised, signed, justerat or posted before the meeting.",
        date=meeting.meeting_date.isoformat(),
    )


# -- the completeness check -------------------------------------------------------------------

# Decision texts that send the decision somewhere: "överlämnas till SRB", "rekommenderar
# Strategisk regional beredning", "skickas till", "översänds", "remitteras", "expedieras".
_GOES_SOMEWHERE = re.compile(
    r"\b(överlämna\w*|översänd\w*|skickas|rekommender\w*|remitter\w*|expedier\w*)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    """One point of the completeness check.

    ``key`` is stable while the record is written ("no-decision/12": the kind, then the id of
    the item or part it is about), so an acceptance stays with its point. ``acceptable``:
    whether the secretary may accept it consciously with a note; the others must be put right.
    """

    key: str
    message: str
    item: AgendaItem | None = None
    acceptable: bool = True
    acceptance: FindingAcceptance | None = None

    @property
    def kind(self) -> str:
        return self.key.split("/", 1)[0]

    @property
    def blocks(self) -> bool:
        return self.acceptance is None


def _item_has_text(item: AgendaItem) -> bool:
    """A minnesanteckningar item says something: a Beslut, or a Sammanfattning (written in
    the record, or the item's own summary, which the record prints)."""
    decision = item.decision
    return bool(
        (decision is not None and ((decision.text or "").strip() or (decision.notes or "").strip()))
        or (item.summary or "").strip()
    )


def _names(people: list[Person]) -> str:
    return ", ".join(person.name for person in people)


def _vote_findings(meeting: Meeting, item: AgendaItem, label: str) -> list[Finding]:
    """Every vote lists who took part (an open vote: exactly the members serving on the
    item) and its counts add up (a closed vote: no more votes than serving members; fewer
    only when accepted, e.g. blank ballots, which the record does not model)."""
    findings = []
    serving = serving_at(meeting, item)
    serving_ids = {person.id for person in serving}
    for number, vote in enumerate(item.votes, 1):
        if vote.is_open:
            voted = {ballot.person_id for ballot in vote.ballots}
            strangers = [b.person for b in vote.ballots if b.person_id not in serving_ids]
            missing = [person for person in serving if person.id not in voted]
            if strangers:
                findings.append(
                    Finding(
                        f"vote-not-serving/{vote.id}",
                        _(
                            "%(item)s, vote %(number)d: %(names)s voted but did not take part "
                            "in the decision. Remove the vote and record it again.",
                            item=label,
                            number=number,
                            names=_names(strangers),
                        ),
                        item,
                        acceptable=False,
                    )
                )
            if missing:
                findings.append(
                    Finding(
                        f"vote-missing/{vote.id}",
                        _(
                            "%(item)s, vote %(number)d: no vote is recorded for %(names)s, who "
                            "took part in the decision. Remove the vote and record it again.",
                            item=label,
                            number=number,
                            names=_names(missing),
                        ),
                        item,
                        acceptable=False,
                    )
                )
            continue
        total = sum(vote.count(choice) for choice in BallotChoice)
        if total > len(serving):
            findings.append(
                Finding(
                    f"vote-count/{vote.id}",
                    _(
                        "%(item)s, vote %(number)d: %(total)d votes are counted but only "
                        "%(serving)d members took part in the decision.",
                        item=label,
                        number=number,
                        total=total,
                        serving=len(serving),
                    ),
                    item,
                    acceptable=False,
                )
            )
        elif total < len(serving):
            findings.append(
                Finding(
                    f"vote-count/{vote.id}",
                    _(
                        "%(item)s, vote %(number)d: the counts add up to %(total)d, but "
                        "%(serving)d members took part in the decision.",
                        item=label,
                        number=number,
                        total=total,
                        serving=len(serving),
                    ),
                    item,
                )
            )
    return findings


def _item_findings(meeting: Meeting, item: AgendaItem, seats: int) -> list[Finding]:
    is_protocol = meeting.body.record_type == RecordType.PROTOCOL
    label = f"{item.record_label} {item.title}".strip()
    if item.is_withdrawn:  # "Punkten utgår": nothing was decided, nothing more to check
        return []
    findings = []
    decision = item.decision
    decided = decision is not None and bool((decision.text or "").strip())
    if is_protocol and not decided:
        findings.append(
            Finding(
                f"no-decision/{item.id}",
                _(
                    "%(number)s %(title)s has no decision.",
                    number=item.record_label,
                    title=item.title,
                ),
                item,
            )
        )
    if not is_protocol and not _item_has_text(item):
        findings.append(
            Finding(
                f"no-decision/{item.id}",
                _(
                    "%(item)s has neither a decision nor notes, and is not marked as "
                    "withdrawn (utgår).",
                    item=label,
                ),
                item,
            )
        )
    if has_quorum(meeting, item, seats) is False:
        findings.append(
            Finding(
                f"no-quorum/{item.id}",
                _(
                    "%(number)s %(title)s was decided without quorum.",
                    number=item.record_label,
                    title=item.title,
                ),
                item,
            )
        )
    findings += _vote_findings(meeting, item, label)
    serving_ids = {person.id for person in serving_at(meeting, item)}
    for reservation in item.reservations:
        if reservation.person_id not in serving_ids:
            findings.append(
                Finding(
                    f"reservation/{reservation.id}",
                    _(
                        "%(item)s: %(name)s entered a reservation against the decision but "
                        "did not take part in it.",
                        item=label,
                        name=reservation.person.name,
                    ),
                    item,
                    acceptable=False,
                )
            )
    standing = [motion for motion in item.motions if not motion.is_withdrawn]
    if standing and not (decision is not None and (decision.proposition_order or "").strip()):
        findings.append(
            Finding(
                f"no-proposition-order/{item.id}",
                _(
                    "%(item)s has motions (yrkanden) that were not withdrawn, but no order "
                    "of proposals (propositionsordning).",
                    item=label,
                ),
                item,
            )
        )
    for assignment in decision.assignments if decision is not None else []:
        if not assignment.assignee.strip():
            findings.append(
                Finding(
                    f"assignment-assignee/{assignment.id}",
                    _("%(item)s: an uppdrag has no assignee.", item=label),
                    item,
                )
            )
        if not (assignment.due_meeting_id or assignment.due_date or assignment.due_text):
            findings.append(
                Finding(
                    f"assignment-due/{assignment.id}",
                    _(
                        "%(item)s: the uppdrag to %(assignee)s has no meeting or date to "
                        "report back by.",
                        item=label,
                        assignee=assignment.assignee or "—",
                    ),
                    item,
                )
            )
    if decision is not None and not decision.recipients:
        sends = _GOES_SOMEWHERE.search(decision.text or "") or any(
            a.assignee_body_id is not None and a.assignee_body_id != meeting.body_id
            for a in decision.assignments
        )
        if sends:
            findings.append(
                Finding(
                    f"no-recipients/{item.id}",
                    _(
                        '%(item)s: the decision goes to someone else, but "Beslutet skickas '
                        'till" is empty.',
                        item=label,
                    ),
                    item,
                )
            )
    return findings


def completeness(meeting: Meeting) -> list[Finding]:
    """What the record must show before it is finalised, sent to justering or signed
    (KL 5 kap. 66-67 §§; ``shared/reference/meeting-rules.md`` A2, A6, A9), each point with
    the acceptance the secretary gave it, if any.

    Never acceptable (they must be put right): the meeting has not been held yet; no one is
    a voting member; a protokoll has no justerare; an open vote lists someone who did not
    take part, or lacks someone who did; a closed vote counts more votes than members took
    part; a reservation by someone who did not take part (KL 4 kap. 27 §).

    Acceptable with a note: minnesanteckningar without anyone recorded as present; a §
    without a Beslut that is not "utgår" (for minnesanteckningar:
    an item with neither a Beslut nor notes or a Sammanfattning); an item decided without
    quorum (e.g. jäv, KL 5 kap. 46 §); a closed vote whose counts fall short of those who
    took part (blank ballots); yrkanden not withdrawn without a propositionsordning; an
    uppdrag without an assignee or without a meeting, date or time to report back by; an
    empty "Beslutet skickas till" where the decision goes somewhere. The last is asked
    conservatively: only when the decision text says so in so many words (överlämnas,
    översänds, skickas, rekommenderar, remitteras, expedieras) or gives an uppdrag to
    another body; a decision that merely notes something is sent nowhere.
    """
    findings = []
    if not meeting.has_begun():
        findings.append(Finding("not-held", not_held_yet(meeting), acceptable=False))
    if not any(a.role == AttendanceRole.VOTING for a in meeting.attendances):
        # A protokoll without those who decided is no protokoll (KL 5 kap. 69 §); minnesanteckningar
        # carry no decisions in law, so notes whose list of those present is lost (an earlier
        # meeting cited, not transcribed) may be kept with a note saying so.
        is_notes = meeting.body.record_type == RecordType.NOTES
        findings.append(
            Finding(
                "no-voting-member",
                _("No one is recorded as a voting member."),
                acceptable=is_notes,
            )
        )
    seats = ordinary_seats(meeting)
    for item in meeting.items:
        findings += _item_findings(meeting, item, seats)
    if meeting.body.record_type == RecordType.PROTOCOL and not meeting.adjusters:
        findings.append(
            Finding("no-adjuster", _("No justerare has been chosen."), acceptable=False)
        )
    accepted = acceptances_of(meeting)
    return [
        replace(finding, acceptance=accepted.get(finding.key)) if finding.acceptable else finding
        for finding in findings
    ]


def acceptances_of(meeting: Meeting) -> dict[str, FindingAcceptance]:
    if meeting.id is None:
        return {}
    rows = db.session.scalars(
        select(FindingAcceptance).where(FindingAcceptance.meeting_id == meeting.id)
    )
    return {row.key: row for row in rows}


def record_problems(meeting: Meeting) -> list[str]:
    """What still blocks finalising, sending to justering or signing the record: the
    points of ``completeness`` that are not accepted."""
    return [finding.message for finding in completeness(meeting) if finding.blocks]


def accept_finding(actor: Actor | None, meeting: Meeting, key: str, note: str) -> FindingAcceptance:
    """The secretary accepts a point of the completeness check consciously, with a note
    saying why; it no longer blocks. Only while the record is a draft, only a point the
    check finds now, and only one that may be accepted."""
    _require_draft(meeting)
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say why the point is accepted."), field="note")
    finding = next((f for f in completeness(meeting) if f.key == key), None)
    if finding is None:
        raise DomainError(_("The check no longer finds this point."))
    if not finding.acceptable:
        raise DomainError(
            _("This point cannot be accepted; it must be put right: %(what)s", what=finding.message)
        )
    if finding.acceptance is not None:
        raise DomainError(_("This point is already accepted."))
    acceptance = FindingAcceptance(
        meeting_id=meeting.id,
        key=key,
        note=note,
        accepted_by_id=getattr(actor, "id", None),
    )
    db.session.add(acceptance)
    record_change(db.session, actor, "accept finding", acceptance)
    return acceptance


def finalise_minutes(actor: Actor | None, meeting: Meeting) -> None:
    """Minnesanteckningar are final when the secretary signs them ("Vid minnesanteckningarna")."""
    if meeting.body.record_type != RecordType.NOTES:
        raise DomainError(_("A protokoll is made final by justering."))
    _require_draft(meeting)
    problems = record_problems(meeting)
    if problems:
        raise DomainError(" ".join(problems))
    if meeting.secretary is None:
        raise DomainError(_("Name the secretary who signs the minutes."))
    make_final(meeting)
    record_change(db.session, actor, "finalise minutes", meeting)


def make_final(meeting: Meeting) -> None:
    """Close the record for good; generated texts are frozen so the record never moves.

    A standing item's proposal ("Nästa sammanträde …") is computed from the body's later
    meetings; once the record is final it must read as it did when the decision was made.
    """
    for item in meeting.items:
        if not item.proposal and item.standard_kind is not None and not item.is_withdrawn:
            item.proposal = proposal_of(item, meeting)
    meeting.record_status = RecordStatus.FINAL


# -- up the chain --------------------------------------------------------------------------------


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _fill_or_attach(actor: Actor, item: AgendaItem, document: Document) -> Document:
    """Attach ``document`` to ``item``; a file-less placeholder with that title is filled in."""
    for link in item.documents:
        placeholder = link.document
        if not placeholder.has_file and placeholder.title.endswith(document.title):
            placeholder.sha256 = document.sha256
            placeholder.filename = document.filename
            placeholder.media_type = document.media_type
            placeholder.size = document.size
            placeholder.kind = document.kind
            record_change(db.session, actor, "fill placeholder", placeholder)
            return placeholder
    db.session.add(document)
    attach_document(actor, item, document)
    return document


def _pdf_document(title: str, kind: DocumentKind, pdf: bytes) -> Document:
    return Document(
        title=title,
        kind=kind,
        sha256=store_bytes(pdf),
        filename=f"{title}.pdf".replace("/", "-"),
        media_type="application/pdf",
        size=len(pdf),
    )


def forward_targets_of(meeting: Meeting) -> list[Meeting] | None:
    """The meetings of the body ``meeting``'s body reports to that a decision of it can be
    forwarded to (``forward_decision``'s rule), by date; None when it reports to no one."""
    parent = meeting.body.parent
    if parent is None:
        return None
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.body_id == parent.id,
                Meeting.meeting_date >= meeting.meeting_date,
                Meeting.status.in_((MeetingStatus.PLANNED, MeetingStatus.CONVENED)),
                Meeting.record_status == RecordStatus.NONE,
            )
            .order_by(Meeting.meeting_date, Meeting.id)
        )
    )


def is_forwardable(item: AgendaItem) -> bool:
    """An item whose decision may be forwarded from here (``forward_decision``): public (the
    utdrag and its listing may reach the public), not withdrawn, with a decision, and not one
    of the meeting's standing items (the agenda, the justerare, the next meeting: procedure
    for the meeting itself, nothing a higher body hears of)."""
    return (
        item.is_public
        and not item.is_withdrawn
        and item.decision is not None
        and item.standard_kind is None
    )


def _require_forward_target(target: Meeting) -> None:
    """Nothing is added to a meeting whose record is final, out for justering or begun, nor
    to one that was held or cancelled: the record would state what did not happen there."""
    if target.record_status == RecordStatus.FINAL:
        raise DomainError(
            _(
                "The record of %(meeting)s is final: nothing can be added to it. "
                "Choose a meeting still to come.",
                meeting=target.title,
            )
        )
    if not target.is_still_to_come:
        raise DomainError(
            _(
                "%(meeting)s has been held or cancelled. Choose a meeting still to come.",
                meeting=target.title,
            )
        )


def anmalningar_item(meeting: Meeting) -> AgendaItem | None:
    """The item of ``meeting``'s agenda that lists its anmälningar: the first one that lists
    any, else the first titled "Anmälningar …" (or "Anmälan …")."""
    items = [i for i in meeting.items if not i.is_withdrawn]
    listing = next((i for i in items if i.notices), None)
    return listing or next(
        (i for i in items if i.title.strip().casefold().startswith("anmäl")), None
    )


def forward_decision(
    actor: Actor,
    item: AgendaItem,
    target: Meeting,
    purpose: ForwardPurpose = ForwardPurpose.DECISION,
) -> PlannedItem | AgendaNotice:
    """Send a decision of a final record to a meeting of the body the group reports to.

    For decision: an utdrag as beslutsunderlag of a planned item for the target meeting.
    For information (för kännedom): an entry among the target meeting's anmälningar, with the
    item's diarienummer (if it has a case) and the utdrag's title."""
    # imported here: rendering imports this module (a cycle)
    from app.record.rendering import extract_pdf

    meeting = item.meeting
    parent: Body | None = meeting.body.parent
    if parent is None or target.body_id != parent.id:
        raise DomainError(
            _("A decision is forwarded to a meeting of the body the group reports to.")
        )
    if meeting.record_status != RecordStatus.FINAL:
        raise DomainError(_("Only a final record can be forwarded."))
    if item.is_withdrawn or item.decision is None or item.standard_kind is not None:
        raise DomainError(_("The item has no decision to forward."))
    if not is_forwardable(item):
        raise DomainError(
            _(
                "The item is not public, so its decision is not forwarded from here: "
                "send the utdrag through the registry."
            )
        )
    _require_forward_target(target)
    title = extract_title(item)
    if purpose == ForwardPurpose.INFORMATION:
        return _report_for_information(actor, item, target, f"{title} – {item.title}")
    document = _pdf_document(title, DocumentKind.EXTRACT, extract_pdf(actor, meeting, [item]))
    db.session.add(document)
    planned = PlannedItem(
        body_id=parent.id,
        meeting_id=target.id,
        title=item.title,
        description=item.decision.text,
        document=document,
        source_item_id=item.id,
    )
    return add_record(actor, planned)


def _report_for_information(
    actor: Actor, item: AgendaItem, target: Meeting, title: str
) -> AgendaNotice:
    """The forwarded decision as the last of the target meeting's anmälningar."""
    listing = anmalningar_item(target)
    if listing is None:
        raise DomainError(
            _(
                "The agenda of %(meeting)s has no item for anmälningar. Add one (such as "
                '"Anmälningar för kännedom") to it first.',
                meeting=target.title,
            )
        )
    case_number = item.case.case_number if item.case is not None else None
    if any(n.case_number == case_number and n.title == title for n in listing.notices):
        raise DomainError(
            _("The decision is already among the anmälningar of %(meeting)s.", meeting=target.title)
        )
    notice = AgendaNotice(
        position=max((n.position for n in listing.notices), default=-1) + 1,
        case_number=case_number,
        title=title,
    )
    listing.notices.append(notice)
    record_change(db.session, actor, "forward for information", listing)
    return notice


def attach_planned_to_item(actor: Actor, planned: PlannedItem, item: AgendaItem) -> None:
    """Use a forwarded decision on an item already on the agenda (its utdrag is attached)."""
    if planned.item_id is not None:
        raise DomainError(_("The topic is already on an agenda."))
    if planned.body_id != item.meeting.body_id:
        raise DomainError(_("The topic is planned for another body."))
    if planned.document is not None:
        _fill_or_attach(actor, item, planned.document)
    planned.item_id = item.id
    record_change(db.session, actor, "attach planned", item)


def add_minutes_to_item(actor: Actor, meeting: Meeting, item: AgendaItem) -> Document:
    """Finalised group minutes as beslutsunderlag of the higher body's standing item."""
    # imported here: rendering imports this module (a cycle)
    from app.record.rendering import record_pdf

    if meeting.record_status != RecordStatus.FINAL:
        raise DomainError(_("Only final minutes can be reported."))
    if meeting.body.parent_id != item.meeting.body_id:
        raise DomainError(_("Minutes are reported to the body the group reports to."))
    name = meeting.body.name
    title = f"Minnesanteckningar {_lower_first(name)} {meeting.meeting_date.isoformat()}"
    document = _pdf_document(title, DocumentKind.MINUTES, record_pdf(meeting))
    return _fill_or_attach(actor, item, document)
