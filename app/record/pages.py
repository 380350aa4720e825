"""What the record's pages show, gathered for the views: the record page (the secretary's
work, or the record as its readers read it) and the page where the secretary records an item.

The views build their forms from it; who may open a page is decided before
(``app.accounts.permissions``, loaded by ``app.core.loading``)."""

from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import select

from app.accounts import permissions
from app.accounts.models import User
from app.agenda.models import AgendaItem
from app.agenda.sentences import sentence_warnings
from app.bodies.models import Body, Membership
from app.core.audit import AuditEntry
from app.extensions import db
from app.justering import services as justering
from app.justering.models import JusteringRound, RecordRevision
from app.justering.services import Deadline
from app.meetings.models import Meeting, RecordStatus
from app.people.models import Person
from app.publication import services as publication
from app.record import services
from app.record.loading import load_attendance, meeting_with_details
from app.record.models import Assignment, AttendanceRole
from app.record.rendering import RecordView, record_view


@dataclass
class RecordPage:
    """The record page. Readers of a justerat record get it as signed (``frozen``), also
    while a rättelse of it is made; otherwise the record itself, the secretary's side with
    her work (rounds, deadline, what is still to do)."""

    meeting: Meeting
    record: RecordView
    manager: bool
    # The signed original (its page as signed, its PDF) rather than the public copy.
    member: bool
    revisions: list[RecordRevision]
    items: list[AgendaItem] = field(default_factory=list)
    frozen: str | None = None
    in_correction: bool = False
    # The secretary's side only:
    rounds: list[JusteringRound] = field(default_factory=list)
    open_round: JusteringRound | None = None
    revision: RecordRevision | None = None
    deadline: Deadline | None = None
    problems: list[str] = field(default_factory=list)
    # The completeness check, each point with its acceptance, and who accepted.
    findings: list[services.Finding] = field(default_factory=list)
    # A standing sentence that says the previous record is not final yet (before justering).
    sentence_warnings: list[str] = field(default_factory=list)
    acceptors: dict[int, User] = field(default_factory=dict)
    quorum_rows: list["QuorumRow"] = field(default_factory=list)
    details_editable: bool = False
    anslag: bool = False  # the anslag can be posted, or has been
    # Items of the higher body's later meetings the final minutes may be reported to; None
    # when there is nothing to report to.
    report_targets: list[AgendaItem] | None = None
    # Meetings of the higher body a decision of the final record can be forwarded to, and the
    # items whose decision can go (public, not withdrawn, decided); None when nothing can.
    forward_targets: list[Meeting] | None = None
    forwardable: set[int] = field(default_factory=set)
    # Items whose utdrag can be sent to their recipients (expediering), and the links of
    # forwarded decisions: to the group decision an item came from, and where one went.
    sendable: set[int] = field(default_factory=set)
    links: services.ForwardLinks | None = None

    def context(self) -> dict[str, Any]:
        """The page's values by name, for the template (the records themselves, not copies)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def record_page(user: Any, meeting: Meeting) -> RecordPage:
    manager = permissions.can_manage_meeting(user, meeting)
    member = permissions.gets_signed_original(user, meeting)
    justered = justering.justered_revision(meeting)
    if not manager and justered is not None:
        return RecordPage(
            meeting=meeting,
            record=record_view(meeting, []),
            manager=False,
            member=member,
            revisions=justering.justered_revisions(meeting),
            frozen=justered.record_html if member else justered.public_html,
            in_correction=meeting.record_status != RecordStatus.FINAL,
        )
    meeting = meeting_with_details(meeting.id)  # items, decisions, attendance: a fixed count
    items = list(meeting.items) if manager else [i for i in meeting.items if i.is_public]
    # A final record names its signatures (who, in which role, when) instead of empty lines;
    # a draft, also a rättelse being made, keeps the lines.
    attestation = (
        justering.attestation_of(meeting, justered)
        if justered is not None and meeting.record_status == RecordStatus.FINAL
        else None
    )
    page = RecordPage(
        meeting=meeting,
        record=record_view(meeting, items, attestation=attestation),
        manager=manager,
        member=member,
        revisions=justering.justered_revisions(meeting),
        items=items,
        links=services.forward_links(items),
    )
    if manager:
        page.rounds = justering.rounds_of(meeting)
        page.open_round = justering.open_round(meeting)
        page.revision = justering.current_revision(meeting)
        page.deadline = justering.deadline_status(meeting)
        page.details_editable = meeting.record_status == RecordStatus.DRAFT
        page.sendable = {i.id for i in items if services.can_send_decision(i)}
        page.anslag = publication.can_post(meeting) or bool(publication.postings_of(meeting))
        if meeting.record_status != RecordStatus.NONE:
            page.findings = services.completeness(meeting)
            if meeting.record_status == RecordStatus.DRAFT:
                page.sentence_warnings = sentence_warnings(meeting)
            page.problems = [f.message for f in page.findings if f.blocks]
            page.acceptors = _acceptors(page.findings)
            page.quorum_rows = quorum_rows(meeting)
        parent = meeting.body.parent
        if parent is not None and meeting.record_status == RecordStatus.FINAL:
            page.forward_targets = services.forward_targets_of(meeting)
            page.forwardable = {i.id for i in items if services.is_forwardable(i)}
            page.report_targets = list(
                db.session.scalars(
                    select(AgendaItem)
                    .join(AgendaItem.meeting)
                    .where(
                        Meeting.body_id == parent.id,
                        Meeting.meeting_date >= meeting.meeting_date,
                    )
                    .order_by(Meeting.meeting_date, AgendaItem.position)
                )
            )
    return page


@dataclass(frozen=True)
class QuorumRow:
    """Beslutförhet of one item: how many serve, of how many ordinarie seats."""

    item: AgendaItem
    serving: int
    seats: int
    quorum: bool | None


def quorum_rows(meeting: Meeting) -> list[QuorumRow]:
    """Quorum per item (withdrawn items decide nothing and are left out)."""
    seats = services.ordinary_seats(meeting)
    return [
        QuorumRow(
            item=item,
            serving=len(services.serving_at(meeting, item)),
            seats=seats,
            quorum=services.has_quorum(meeting, item, seats),
        )
        for item in meeting.items
        if not item.is_withdrawn
    ]


def _acceptors(findings: list[services.Finding]) -> dict[int, User]:
    ids = {
        f.acceptance.accepted_by_id
        for f in findings
        if f.acceptance is not None and f.acceptance.accepted_by_id is not None
    }
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


@dataclass
class ItemPage:
    """The secretary's page for an item's record: who may move, vote, reserve or have jäv,
    and where the item's decision or uppdrag can go."""

    item: AgendaItem
    meeting: Meeting
    view: RecordView
    quorum: bool | None
    history: list[AuditEntry]
    actors: dict[int, User]
    present: list[Person]
    voting: list[Person]
    substitutes: list[Person]
    serving: list[Person]
    bodies: list[Body]
    later_meetings: list[Meeting]
    # The open uppdrag the item may report back on, and those it reports back on.
    reportable: list[Assignment] = field(default_factory=list)


def item_parts(item: AgendaItem) -> dict[str, list[Any]]:
    """Who and what the forms of an item's record choose from."""
    meeting = item.meeting
    later = select(Meeting).where(
        Meeting.body_id == meeting.body_id, Meeting.meeting_date > meeting.meeting_date
    )
    return {
        "present": [a.person for a in meeting.attendances],
        "voting": [a.person for a in meeting.attendances if a.role == AttendanceRole.VOTING],
        "substitutes": [
            a.person for a in meeting.attendances if a.role == AttendanceRole.SUBSTITUTE_NOT_SERVING
        ],
        "serving": services.serving_at(meeting, item),
        "bodies": list(db.session.scalars(select(Body).order_by(Body.name))),
        "later_meetings": list(db.session.scalars(later.order_by(Meeting.meeting_date))),
    }


def item_page(user: Any, item: AgendaItem) -> ItemPage:
    meeting = item.meeting
    load_attendance(meeting)
    return ItemPage(
        item=item,
        meeting=meeting,
        reportable=[
            a
            for a in services.reportable_assignments(item)
            if permissions.can_view_assignment(user, a)
        ],
        view=record_view(meeting, [item]),
        quorum=services.has_quorum(meeting, item),
        history=_history(item),
        actors={u.id: u for u in db.session.scalars(select(User))},
        **item_parts(item),
    )


def _history(item: AgendaItem) -> list[AuditEntry]:
    ids = [("AgendaItem", item.id)]
    if item.decision is not None:
        ids.append(("Decision", item.decision.id))
    entries = []
    for object_type, object_id in ids:
        entries += db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_type == object_type, AuditEntry.object_id == object_id
            )
        ).all()
    return sorted(entries, key=lambda e: e.at, reverse=True)


# -- the attendance list ---------------------------------------------------------------------


def people_not_present(meeting: Meeting) -> list[Person]:
    """Everyone who can be added to the attendance list, by name."""
    present = {a.person_id for a in meeting.attendances}
    people = db.session.scalars(select(Person).order_by(Person.name))
    return [p for p in people if p.id not in present]


def replacement_choices(meeting: Meeting, attendance: Any) -> list[Person]:
    """Whom the person of ``attendance`` may be entered as replacing (ersätter): the
    members ``services.replaceable_members`` allows, and whom she replaces already."""
    members = services.replaceable_members(meeting, attendance.person)
    if attendance.replaces is not None and attendance.replaces not in members:
        members.append(attendance.replaces)
    return members


def replaceable_people(meeting: Meeting) -> list[Person]:
    """Everyone a posted "ersätter" may name before the service's rule judges it: those on
    the list and everyone with a seat in the body, by name."""
    seated = {a.person.id: a.person for a in meeting.attendances}
    for membership in db.session.scalars(
        select(Membership).where(Membership.body_id == meeting.body_id)
    ):
        seated.setdefault(membership.person_id, membership.person)
    return sorted(seated.values(), key=lambda p: p.name)
