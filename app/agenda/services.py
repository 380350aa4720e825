"""Building the agenda: meetings from a body's standing items, items, order, documents, plans.

Item numbers follow the order while the agenda is preliminär; once the secretary marks it
fastställd the numbers are fixed (they are the ones the record will use) and the order can
only change after reopening it. An item that utgår keeps its number.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.accounts.permissions import (
    can_attach_document,
    can_manage_body,
    visible_documents_clause,
)
from app.agenda.models import (
    AgendaDocumentChange,
    AgendaItem,
    AgendaItemDocument,
    AgendaNotice,
    AgendaRemoval,
    AgendaTemplate,
    DocumentChangeKind,
    Placement,
    PlannedItem,
    StandardItem,
    StandardKind,
    SummaryLabel,
)
from app.agenda.sentences import next_meeting
from app.bodies.models import Body, Membership, MembershipFunction, RecordType
from app.cases.models import Case, Confidentiality, Document, DocumentKind
from app.cases.ownership import give_owner
from app.cases.services import register_case
from app.core.actors import Actor
from app.core.audit import record_change, snapshot
from app.core.errors import DomainError
from app.core.models import utcnow
from app.core.services import add_record, change_record
from app.documents.office import CheckedOffice, ConversionFailed, convert_to_pdf, office_extension
from app.documents.storage import read_bytes, store_bytes
from app.documents.uploads import (
    CheckedUpload,
    UploadRejected,
    audit_upload,
    check_pdf_upload,
    title_from_filename,
)
from app.extensions import db
from app.jobs.models import Job
from app.meetings.models import (
    AgendaStatus,
    Meeting,
    MeetingAdjuster,
    MeetingMode,
    MeetingStatus,
    RecordStatus,
)
from app.notifications.services import notify_meeting_moved_after_commit, place_and_time_of
from app.people.models import Person
from app.record.models import Assignment, AssignmentStatus, Decision

# The standing items a body gets until its secretary sets its own (seed 001, items 1-4, 14).
DEFAULT_STANDARD_ITEMS: list[tuple[Placement, str, StandardKind | None]] = [
    (Placement.OPENING, "Fastställande av föredragningslista", StandardKind.APPROVE_AGENDA),
    (Placement.OPENING, "Föregående protokoll", StandardKind.PREVIOUS_MINUTES),
    (Placement.OPENING, "Justering", StandardKind.ADJUSTERS),
    (Placement.OPENING, "Nästa sammanträde", StandardKind.NEXT_MEETING),
    (Placement.CLOSING, "Övriga frågor", StandardKind.OTHER_QUESTIONS),
]

_NOTES_TITLES: dict[StandardKind | None, str] = {
    StandardKind.PREVIOUS_MINUTES: "Föregående minnesanteckningar"
}


# -- standing items ------------------------------------------------------------------------


def standard_items_of(body: Body) -> list[StandardItem]:
    """The body's standing items in order (opening first); the defaults if it has none."""
    rows = db.session.scalars(
        select(StandardItem)
        .where(StandardItem.body_id == body.id)
        .order_by(StandardItem.placement.desc(), StandardItem.position)
    ).all()
    if rows:
        return sorted(rows, key=lambda r: (r.placement != Placement.OPENING, r.position))
    notes = body.record_type == RecordType.NOTES
    defaults = [
        # Minnesanteckningar are not justerade: a notes body's agenda has no Justering.
        (placement, _NOTES_TITLES.get(kind, title) if notes else title, kind)
        for placement, title, kind in DEFAULT_STANDARD_ITEMS
        if not (notes and kind == StandardKind.ADJUSTERS)
    ]
    return [
        StandardItem(placement=placement, position=i, title=title, kind=kind)
        for i, (placement, title, kind) in enumerate(defaults)
    ]


def require_justering(body: Body) -> None:
    """Justerare and a Justering item belong to a protokoll; minnesanteckningar have none."""
    if body.record_type == RecordType.NOTES:
        raise DomainError(
            _("Minutes are not justerade: %(body)s has no justerare.", body=body.name),
            field="adjusters",
        )


def set_standard_items(
    actor: Actor, body: Body, rows: list[tuple[Placement, str, StandardKind | None]]
) -> None:
    """Replace the body's standing items; new agendas start from them."""
    kinds = [kind for _placement, _title, kind in rows if kind is not None]
    if StandardKind.ADJUSTERS in kinds:
        require_justering(body)
    if len(kinds) != len(set(kinds)):
        raise DomainError(_("Each kind of standing item can be used once."))
    for old in db.session.scalars(select(StandardItem).where(StandardItem.body_id == body.id)):
        db.session.delete(old)
    for position, (placement, title, kind) in enumerate(rows):
        db.session.add(
            StandardItem(
                body_id=body.id, placement=placement, position=position, title=title, kind=kind
            )
        )
    record_change(db.session, actor, "update standing items", body)


# -- meetings ------------------------------------------------------------------------------


def _check_times(start_time: time | None, end_time: time | None) -> None:
    if end_time and not start_time:
        raise DomainError(_("Give a start time before an end time."), field="start_time")
    if start_time and end_time and end_time <= start_time:
        raise DomainError(_("The meeting must end after it starts."), field="end_time")


def schedule_meeting(
    actor: Actor,
    body: Body,
    *,
    meeting_date: date,
    start_time: time | None = None,
    end_time: time | None = None,
    room: str | None = None,
    building: str | None = None,
    location: str | None = None,
    mode: MeetingMode = MeetingMode.ON_SITE,
    **extra: Any,
) -> Meeting:
    """Create a meeting whose agenda starts from the body's standing items."""
    _check_times(start_time, end_time)
    term = next((t for t in body.terms if t.covers(meeting_date)), body.current_term())
    meeting = Meeting(
        body=body,
        term=term,
        meeting_date=meeting_date,
        start_time=start_time,
        end_time=end_time,
        room=room,
        building=building,
        location=location,
        mode=mode,
        **extra,
    )
    add_record(actor, meeting)
    start_agenda(meeting)
    return meeting


def start_agenda(meeting: Meeting) -> None:
    """Put the body's standing items on the empty agenda of a new meeting. The planned topics
    and the uppdrag due are offered beside it in the editor (``offered_planned_items``,
    ``offered_assignments``), for the secretary to add."""
    if meeting.items:
        raise DomainError(_("The agenda has items already."))
    for standard in standard_items_of(meeting.body):
        meeting.items.append(
            AgendaItem(
                title=standard.title,
                standard_kind=standard.kind,
                placement=standard.placement,
                proposal=standard.proposal,
            )
        )
    _renumber(meeting)


def update_meeting(actor: Actor, meeting: Meeting, version: int | None, **values: Any) -> Meeting:
    """Change a meeting that has not been held. Moving one still to come (its day, time,
    place or mode) tells the body's members what changed, once the change is committed; the
    calendar feeds show it as an update of the same event (its version, and so its SEQUENCE,
    rises)."""
    _check_times(values.get("start_time"), values.get("end_time"))
    if meeting.status == MeetingStatus.HELD:
        raise DomainError(_("The meeting has been held; its details can no longer change."))
    before = place_and_time_of(meeting)
    meeting = change_record(actor, meeting, version, values)
    if meeting.is_still_to_come and place_and_time_of(meeting) != before:
        db.session.flush()  # a stale version fails here
        notify_meeting_moved_after_commit(meeting, before)
    return meeting


def signs_anyway(
    meeting: Meeting, *, chair: Person | None = None, secretary: Person | None = None
) -> set[int]:
    """Who signs the protokoll whoever the justerare are: the meeting's secretary and its
    chair (from the attendance once it is recorded, else the body's ordförande that day).
    ``chair`` and ``secretary``: the ones being set at the same time, in place of those."""
    secretary_id = secretary.id if secretary is not None else meeting.secretary_id
    people = {secretary_id} if secretary_id else set()
    if chair is not None:
        return people | {chair.id}
    chairs = {a.person_id for a in meeting.attendances if a.function == MembershipFunction.CHAIR}
    if not chairs:
        statement = select(Membership).where(
            Membership.body_id == meeting.body_id,
            Membership.function == MembershipFunction.CHAIR,
        )
        if meeting.term_id:
            statement = statement.where(Membership.term_id == meeting.term_id)
        chairs = {
            m.person_id for m in db.session.scalars(statement) if m.is_active(meeting.meeting_date)
        }
    return people | chairs


def require_other_justerare(
    meeting: Meeting,
    people: list[Person],
    *,
    chair: Person | None = None,
    secretary: Person | None = None,
) -> None:
    """The chair and the secretary are never justerare: they sign anyway, and the
    justerare are chosen to check the record beside them. The one rule for every path that
    sets signatories (``set_adjusters`` here, ``record.services.update_record_details``)."""
    if any(
        person.id in signs_anyway(meeting, chair=chair, secretary=secretary) for person in people
    ):
        raise DomainError(
            _("The chair and the secretary sign anyway; choose someone else as justerare."),
            field="adjusters",
        )


def set_adjusters(actor: Actor, meeting: Meeting, people: list[Person]) -> None:
    """Choose the justerare; the Justering item's sentence follows."""
    if people:
        require_justering(meeting.body)
    require_other_justerare(meeting, people)
    meeting.adjusters.clear()
    db.session.flush()
    for position, person in enumerate(people):
        meeting.adjusters.append(MeetingAdjuster(person=person, position=position))
    record_change(db.session, actor, "set adjusters", meeting)


# -- items ---------------------------------------------------------------------------------


def _require_preliminary(meeting: Meeting) -> None:
    if meeting.agenda_status == AgendaStatus.CONFIRMED:
        raise DomainError(
            _("The agenda is confirmed, so its items and their numbers are fixed. Reopen it first.")
        )


def _renumber(meeting: Meeting) -> None:
    for position, item in enumerate(meeting.items, 1):
        item.position = position
        if meeting.agenda_status == AgendaStatus.PRELIMINARY:
            item.number = position


def _resolve_case(meeting: Meeting, case_number: str | None, actor: Actor) -> Case | None:
    if not case_number:
        return None
    organisation = meeting.body.organisation
    existing = db.session.scalar(
        select(Case).where(
            Case.organisation_id == organisation.id, Case.case_number == case_number.strip()
        )
    )
    return existing or register_case(actor, organisation, case_number)


def add_item(
    actor: Actor,
    meeting: Meeting,
    *,
    title: str,
    before: AgendaItem | None = None,
    case_number: str | None = None,
    **values: Any,
) -> AgendaItem:
    """Add an item: before ``before``, else before the closing items (Övriga frågor)."""
    _require_preliminary(meeting)
    item = AgendaItem(title=title, case=_resolve_case(meeting, case_number, actor), **values)
    items = meeting.items
    if before is not None:
        index = items.index(before)
    else:
        index = next(
            (i for i, existing in enumerate(items) if existing.placement == Placement.CLOSING),
            len(items),
        )
    items.insert(index, item)
    _renumber(meeting)
    add_record(actor, item)
    return item


def update_item(
    actor: Actor,
    item: AgendaItem,
    version: int | None,
    *,
    case_number: str | None = None,
    **values: Any,
) -> AgendaItem:
    if item.meeting.record_status in (RecordStatus.JUSTERING, RecordStatus.FINAL):
        raise DomainError(_("The item is part of a protokoll that is signed or out for justering."))
    topics = planned_at(item)
    if topics and "summary" in values:
        written = coming_topics_text([topic.title for topic in topics])
        typed = (values["summary"] or "").replace("\r\n", "\n").strip()
        if typed != (written or ""):
            raise DomainError(
                _(
                    "This text is written from the topics planned for the next meeting; "
                    "change the topics instead."
                ),
                field="summary",
            )
        values["summary"] = written
    values["case"] = _resolve_case(item.meeting, case_number, actor)
    return change_record(actor, item, version, values)


def move_item(actor: Actor, item: AgendaItem, offset: int) -> None:
    """Move an item up (-1) or down (+1) the agenda."""
    meeting = item.meeting
    _require_preliminary(meeting)
    items = meeting.items
    index = items.index(item)
    target = max(0, min(len(items) - 1, index + offset))
    if target != index:
        items.insert(target, items.pop(index))
        _renumber(meeting)
        record_change(db.session, actor, "move", item)


def remove_item(actor: Actor, item: AgendaItem) -> None:
    """Take an item off a preliminary agenda (a confirmed one marks items utgår instead)."""
    meeting = item.meeting
    _require_preliminary(meeting)
    if db.session.scalar(select(Decision).where(Decision.item_id == item.id)) is not None:
        raise DomainError(_("The item has a decision and cannot be removed."))
    for planned in db.session.scalars(select(PlannedItem).where(PlannedItem.item_id == item.id)):
        planned.item_id = None  # the topic goes back to the plan
    for assignment in db.session.scalars(
        select(Assignment).where(Assignment.reported_item_id == item.id)
    ):
        unlink_report_back(actor, item, assignment)  # the uppdrag is offered again
    for topic in db.session.scalars(
        select(PlannedItem).where(PlannedItem.planned_at_id == item.id)
    ):
        topic.planned_at_id = None  # still planned, though no item lists it now
    record_change(db.session, actor, "remove", item)
    db.session.delete(item)
    db.session.flush()
    db.session.expire(meeting, ["items"])
    _renumber(meeting)


# -- the order, and several items at once ---------------------------------------------------

# How long a removal can be undone (``undo_removal``).
UNDO_WINDOW = timedelta(hours=1)


def _placement_rank(item: AgendaItem) -> int:
    return {Placement.OPENING: 0, Placement.CLOSING: 2}.get(item.placement, 1)  # type: ignore[arg-type]


def _keeps_standing_order(items: list[AgendaItem]) -> bool:
    """Opening items first and closing items (Övriga frågor) last."""
    ranks = [_placement_rank(item) for item in items]
    return ranks == sorted(ranks)


def reorder_items(
    actor: Actor, meeting: Meeting, order: list[int], expected: list[int] | None = None
) -> None:
    """Put the items of a preliminary agenda in ``order`` (their ids) and number them again.
    ``expected``: the order the secretary saw; if the agenda has changed since, nothing is
    changed (another secretary's work is not overwritten). The order must name each item of
    the agenda once, and keep the opening standing items first and the closing ones last
    (unless the agenda did not before)."""
    _require_preliminary(meeting)
    items = list(meeting.items)
    current = [item.id for item in items]
    if expected is not None and expected != current:
        raise DomainError(
            _(
                "The agenda was changed by someone else after you opened it, so the order was "
                "not changed. Here it is as it is now: try again."
            )
        )
    if len(order) != len(current) or set(order) != set(current):
        raise DomainError(
            _("The new order must name each item of the agenda once; the order was not changed.")
        )
    by_id = {item.id: item for item in items}
    arranged = [by_id[item_id] for item_id in order]
    if not _keeps_standing_order(arranged) and _keeps_standing_order(items):
        raise DomainError(
            _(
                "The opening standing items come first and the closing ones (such as Övriga "
                "frågor) last; the order was not changed."
            )
        )
    if arranged == items:
        return
    for position, item in enumerate(arranged, 1):
        item.position = position
        if meeting.agenda_status == AgendaStatus.PRELIMINARY:
            item.number = position
    db.session.flush()
    db.session.expire(meeting, ["items"])
    record_change(db.session, actor, "reorder agenda", meeting)


def _chosen(meeting: Meeting, chosen: list[AgendaItem]) -> list[AgendaItem]:
    if not chosen:
        raise DomainError(_("Select one or more items first."))
    if any(item.meeting_id != meeting.id for item in chosen):
        raise DomainError(_("Choose items of this agenda."))
    return chosen


def move_items(
    actor: Actor,
    meeting: Meeting,
    chosen: list[AgendaItem],
    *,
    offset: int | None = None,
    position: int | None = None,
) -> None:
    """Move the chosen items one step up (``offset`` -1) or down (+1), each past the next
    unchosen item, or together to ``position`` (1 = first), keeping their order."""
    chosen = _chosen(meeting, chosen)
    items = list(meeting.items)
    picked = {item.id for item in chosen}
    if position is not None:
        rest = [item for item in items if item.id not in picked]
        block = [item for item in items if item.id in picked]
        index = max(0, min(len(rest), position - 1))
        arranged = rest[:index] + block + rest[index:]
    elif offset in (-1, 1):
        arranged = list(items)
        indexes = range(len(arranged)) if offset == -1 else range(len(arranged) - 1, -1, -1)
        for index in indexes:
            target = index + offset
            moves = arranged[index].id in picked and 0 <= target < len(arranged)
            if moves and arranged[target].id not in picked:
                arranged[index], arranged[target] = arranged[target], arranged[index]
    else:
        raise DomainError(_("Choose where to move the selected items."))
    reorder_items(actor, meeting, [item.id for item in arranged])


_KEPT_FIELDS = (
    "title",
    "number",
    "case_id",
    "summary_label",
    "summary",
    "proposal",
    "presenters",
    "is_withdrawn",
    "is_public",
    "paragraph",
    "standard_kind",
    "placement",
)


def _kept(item: AgendaItem, index: int) -> dict[str, Any]:
    """An item as ``undo_removal`` puts it back."""
    return {
        "id": item.id,
        "index": index,
        "fields": _stored({name: getattr(item, name) for name in _KEPT_FIELDS}),
        "documents": [link.document_id for link in item.documents],
        "notices": [[notice.case_number, notice.title] for notice in item.notices],
        "planned": list(
            db.session.scalars(select(PlannedItem.id).where(PlannedItem.item_id == item.id))
        ),
        "planned_at": list(
            db.session.scalars(select(PlannedItem.id).where(PlannedItem.planned_at_id == item.id))
        ),
        "assignments": list(
            db.session.scalars(select(Assignment.id).where(Assignment.reported_item_id == item.id))
        ),
    }


def remove_items(actor: Actor, meeting: Meeting, chosen: list[AgendaItem]) -> AgendaRemoval:
    """Take the chosen items off a preliminary agenda (``remove_item``) and keep them as they
    were, so the removal can be undone within ``UNDO_WINDOW`` (``undo_removal``). All or
    none: an item with a decision refuses the whole removal."""
    chosen = _chosen(meeting, chosen)
    _require_preliminary(meeting)
    items = list(meeting.items)
    picked = {item.id for item in chosen}
    for item in chosen:
        if db.session.scalar(select(Decision).where(Decision.item_id == item.id)) is not None:
            raise DomainError(
                _("%(title)s has a decision and cannot be removed.", title=item.title)
            )
    kept = [_kept(item, index) for index, item in enumerate(items) if item.id in picked]
    for item in [item for item in items if item.id in picked]:
        remove_item(actor, item)
    removal = AgendaRemoval(meeting_id=meeting.id, removed_by_id=actor.id, items=kept)
    db.session.add(removal)
    return removal


def is_undoable(removal: AgendaRemoval) -> bool:
    return removal.restored_at is None and utcnow() - removal.removed_at <= UNDO_WINDOW


def undo_deadline(removal: AgendaRemoval) -> datetime:
    """Until when ``removal`` can be undone."""
    return removal.removed_at + UNDO_WINDOW


def undoable_removal(meeting: Meeting) -> AgendaRemoval | None:
    """The latest removal from the agenda that can still be undone, if any."""
    if meeting.agenda_status != AgendaStatus.PRELIMINARY:
        return None
    latest = db.session.scalar(
        select(AgendaRemoval)
        .where(AgendaRemoval.meeting_id == meeting.id, AgendaRemoval.restored_at.is_(None))
        .order_by(AgendaRemoval.removed_at.desc(), AgendaRemoval.id.desc())
        .limit(1)
    )
    return latest if latest is not None and is_undoable(latest) else None


def undo_removal(actor: Actor, removal: AgendaRemoval) -> list[AgendaItem]:
    """Put removed items back as they were: their fields and number (the same id where it is
    free), at their places on the agenda, with their beslutsunderlag in order, anmälningar,
    and the planned topics and uppdrag they were linked to (those another item has taken
    since stay there). Within ``UNDO_WINDOW`` of the removal, once, on a preliminary agenda."""
    meeting = removal.meeting
    if removal.restored_at is not None:
        raise DomainError(_("Those items have been put back already."))
    if not is_undoable(removal):
        raise DomainError(
            _("A removal can be undone for an hour only; add the items again instead.")
        )
    _require_preliminary(meeting)
    restored = []
    for row in sorted(removal.items, key=lambda row: row["index"]):
        item = AgendaItem(**_loaded(row["fields"]))
        if db.session.get(AgendaItem, row["id"]) is None:
            item.id = row["id"]
        for position, document_id in enumerate(
            document_id
            for document_id in row["documents"]
            if db.session.get(Document, document_id) is not None
        ):
            item.documents.append(AgendaItemDocument(document_id=document_id, position=position))
        for position, (case_number, title) in enumerate(row["notices"]):
            item.notices.append(
                AgendaNotice(position=position, case_number=case_number, title=title)
            )
        items = meeting.items
        items.insert(min(row["index"], len(items)), item)
        add_record(actor, item)
        restored.append((item, row))
    _renumber(meeting)
    db.session.flush()
    for item, row in restored:
        for topic in db.session.scalars(
            select(PlannedItem).where(PlannedItem.id.in_(row["planned"]))
        ):
            if topic.item_id is None:
                topic.item_id = item.id
        for topic in db.session.scalars(
            select(PlannedItem).where(PlannedItem.id.in_(row["planned_at"]))
        ):
            if topic.planned_at_id is None:
                topic.planned_at_id = item.id
        for assignment in db.session.scalars(
            select(Assignment).where(Assignment.id.in_(row["assignments"]))
        ):
            if assignment.reported_item_id is None and assignment.status == AssignmentStatus.OPEN:
                link_report_back(actor, item, assignment)
    removal.restored_at = utcnow()
    record_change(db.session, actor, "undo removal", meeting)
    return [item for item, _row in restored]


# -- copying an agenda ----------------------------------------------------------------------


def copyable_meetings(meeting: Meeting) -> list[Meeting]:
    """The body's earlier meetings (not cancelled) whose agenda has an item of its own, the
    latest first: what this meeting's agenda can start as a copy of."""
    own_item = (
        select(AgendaItem.id)
        .where(AgendaItem.meeting_id == Meeting.id, AgendaItem.standard_kind.is_(None))
        .exists()
    )
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.body_id == meeting.body_id,
                Meeting.meeting_date < meeting.meeting_date,
                Meeting.status != MeetingStatus.CANCELLED,
                own_item,
            )
            .order_by(Meeting.meeting_date.desc(), Meeting.id.desc())
        )
    )


def has_only_standing_items(meeting: Meeting) -> bool:
    """Whether the agenda is still what a new meeting starts with: the body's standing items
    as ``start_agenda`` put them (none edited), or nothing; no document, anmälan, planned
    topic or uppdrag tied to any of them."""
    fresh = [
        (standard.title, standard.kind, standard.placement, standard.proposal, None, None)
        for standard in standard_items_of(meeting.body)
    ]
    items = meeting.items
    shown = [
        (i.title, i.standard_kind, i.placement, i.proposal, i.summary, i.presenters) for i in items
    ]
    if items and shown != fresh:
        return False
    if any(item.documents or item.notices for item in items):
        return False
    ids = [item.id for item in items]
    if not ids:
        return True
    planned = select(PlannedItem.id).where(
        PlannedItem.item_id.in_(ids)
        | PlannedItem.planned_at_id.in_(ids)
        | PlannedItem.source_item_id.in_(ids)
    )
    reported = select(Assignment.id).where(Assignment.reported_item_id.in_(ids))
    return not db.session.scalar(planned.limit(1)) and not db.session.scalar(reported.limit(1))


def _copied_rows(items: list[AgendaItem]) -> list[dict[str, Any]]:
    """What of ``items`` a new agenda starts from (a copy, or a template): their titles,
    texts, förslag till beslut, föredragande and publicity, in order. Items marked utgår are
    left out. A standing item keeps its kind, not its sentence, which is made again for the
    new meeting; a "Kommande möte" list speaks of its own meeting and is left out too."""
    rows = []
    for item in items:
        if item.is_withdrawn:
            continue
        standing = item.standard_kind is not None
        rows.append(
            {
                "title": item.title,
                "standard_kind": item.standard_kind,
                "placement": item.placement,
                "summary_label": item.summary_label,
                "summary": None if standing or planned_at(item) else item.summary,
                "proposal": None if standing else item.proposal,
                "presenters": item.presenters,
                "is_public": item.is_public,
            }
        )
    return rows


def _replace_new_agenda(
    actor: Actor, meeting: Meeting, rows: list[dict[str, Any]]
) -> list[AgendaItem]:
    """The one path by which a new agenda is replaced by copied rows (``_copied_rows``):
    only an agenda still as its standing items left it."""
    if not has_only_standing_items(meeting):
        raise DomainError(
            _(
                "The agenda has items or documents of its own already: an agenda is copied "
                "only into a new one. Remove them first, or add the items one by one."
            )
        )
    for item in list(meeting.items):
        db.session.delete(item)
    db.session.flush()
    db.session.expire(meeting, ["items"])
    copies = [AgendaItem(**row) for row in rows]
    meeting.items.extend(copies)
    _renumber(meeting)
    for copy in copies:
        add_record(actor, copy)
    return copies


def copy_agenda(actor: Actor, meeting: Meeting, source: Meeting) -> list[AgendaItem]:
    """Start ``meeting``'s agenda as a copy of an earlier meeting's: its items in order, with
    their titles, texts, förslag till beslut, föredragande and publicity. What belongs to the
    earlier meeting stays there: documents, anmälningar, decisions, cases, the topics an item
    planned. Standing items keep their kind, and their sentence is generated again for the
    new meeting (justerare, the previous protokoll, the next meeting). Items marked utgår are
    left out. Only a new agenda (its standing items untouched) is replaced."""
    _require_preliminary(meeting)
    _require_still_to_come(meeting)
    if source not in copyable_meetings(meeting):
        raise DomainError(
            _("Choose an earlier meeting of %(body)s with an agenda.", body=meeting.body.name),
            field="source_id",
        )
    copies = _replace_new_agenda(actor, meeting, _copied_rows(list(source.items)))
    record_change(db.session, actor, "copy agenda", meeting)
    return copies


# -- agenda templates (mallar) ----------------------------------------------------------------

_ENUM_FIELDS: dict[str, Any] = {
    "standard_kind": StandardKind,
    "placement": Placement,
    "summary_label": SummaryLabel,
}


def _stored(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (value.value if key in _ENUM_FIELDS and value is not None else value)
        for key, value in row.items()
    }


def _loaded(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (_ENUM_FIELDS[key](value) if key in _ENUM_FIELDS and value is not None else value)
        for key, value in row.items()
    }


def agenda_templates_of(body: Body) -> list[AgendaTemplate]:
    """The body's agenda templates by name."""
    return list(
        db.session.scalars(
            select(AgendaTemplate)
            .where(AgendaTemplate.body_id == body.id)
            .order_by(AgendaTemplate.name, AgendaTemplate.id)
        )
    )


def _template_name(body: Body, name: str | None, template: AgendaTemplate | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Give the template a name."), field="name")
    if len(name) > 200:
        raise DomainError(_("A template's name is at most 200 characters."), field="name")
    for other in agenda_templates_of(body):
        if other is not template and other.name.casefold() == name.casefold():
            raise DomainError(
                _("%(body)s has a template called “%(name)s” already.", body=body.name, name=name),
                field="name",
            )
    return name


def save_agenda_template(
    actor: Actor, meeting: Meeting, name: str | None, items: list[AgendaItem] | None = None
) -> AgendaTemplate:
    """Keep the agenda of ``meeting`` (or ``items`` of it) as a named template of its body:
    what a copy takes (``_copied_rows``)."""
    chosen = list(items) if items else list(meeting.items)
    if any(item.meeting_id != meeting.id for item in chosen):
        raise DomainError(_("Choose items of this agenda."))
    chosen.sort(key=lambda item: item.position)
    rows = _copied_rows(chosen)
    if not rows:
        raise DomainError(_("Choose at least one item that is not withdrawn for the template."))
    template = AgendaTemplate(
        body_id=meeting.body_id,
        name=_template_name(meeting.body, name),
        items=[_stored(row) for row in rows],
    )
    return add_record(actor, template)


def rename_agenda_template(actor: Actor, template: AgendaTemplate, name: str | None) -> None:
    body = db.session.get(Body, template.body_id)
    if body is None:
        raise DomainError(_("The template's body no longer exists."))
    change_record(actor, template, None, {"name": _template_name(body, name, template)})


def delete_agenda_template(actor: Actor, template: AgendaTemplate) -> None:
    record_change(db.session, actor, "delete", template)
    db.session.delete(template)


def start_agenda_from_template(
    actor: Actor, meeting: Meeting, template: AgendaTemplate
) -> list[AgendaItem]:
    """Start ``meeting``'s new agenda from one of its body's templates, as a copy does
    (``_replace_new_agenda``): standing items get this meeting's sentences."""
    _require_preliminary(meeting)
    _require_still_to_come(meeting)
    if template.body_id != meeting.body_id:
        raise DomainError(_("Choose one of this body's templates."), field="template_id")
    copies = _replace_new_agenda(actor, meeting, [_loaded(row) for row in template.items])
    record_change(db.session, actor, "agenda from template", meeting)
    return copies


def confirm_agenda(actor: Actor, meeting: Meeting) -> None:
    """Fastställ the agenda: the numbers shown now are the ones the record will use."""
    if meeting.agenda_status == AgendaStatus.CONFIRMED:
        return
    _renumber(meeting)
    meeting.agenda_status = AgendaStatus.CONFIRMED
    record_change(db.session, actor, "confirm agenda", meeting)


def reopen_agenda(actor: Actor, meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.HELD:
        raise DomainError(_("The meeting has been held; its agenda cannot be reopened."))
    meeting.agenda_status = AgendaStatus.PRELIMINARY
    _renumber(meeting)
    record_change(db.session, actor, "reopen agenda", meeting)


# -- beslutsunderlag and anmälningar ---------------------------------------------------------


def _require_open_record(meeting: Meeting) -> None:
    """The beslutsunderlag are part of the record: frozen once it is out for justering or
    final (a change then is a rättelse, app/justering)."""
    if meeting.record_status in (RecordStatus.JUSTERING, RecordStatus.FINAL):
        raise DomainError(
            _(
                "The record of this meeting is signed or out for justering, so its "
                "beslutsunderlag can no longer change."
            )
        )


def _note_change_after_kallelse(
    actor: Actor, item: AgendaItem, document: Document, kind: DocumentChangeKind
) -> None:
    """After the kallelse the members are told what changed in their handlingar: who, when,
    what (shown on the meeting page)."""
    meeting = item.meeting
    if not meeting.dispatches:
        return
    if hasattr(actor, "_get_current_object"):
        actor = actor._get_current_object()
    name = getattr(actor, "display_name", None)
    db.session.add(
        AgendaDocumentChange(
            meeting_id=meeting.id,
            item_label=f"{item.display_number} {item.title}".strip(),
            document=document,
            kind=kind,
            changed_by_id=getattr(actor, "id", None),
            changed_by_name=name,
        )
    )


def changes_after_kallelse(meeting: Meeting) -> list[AgendaDocumentChange]:
    """What was attached or removed after the kallelse, oldest first."""
    return list(
        db.session.scalars(
            select(AgendaDocumentChange)
            .where(AgendaDocumentChange.meeting_id == meeting.id)
            .order_by(AgendaDocumentChange.changed_at, AgendaDocumentChange.id)
        )
    )


def attachable_documents(actor: Actor, item: AgendaItem) -> list[Document]:
    """The documents already in the system that the secretary may put on ``item``: those she
    may read herself (``can_attach_document``), not on the item yet, by title."""
    body = item.meeting.body
    if not can_manage_body(actor, body):
        return []
    attached = {link.document_id for link in item.documents}
    candidates = db.session.scalars(
        select(Document)
        .where(Document.sha256.is_not(None), visible_documents_clause(actor))
        .order_by(Document.title)
    )
    return [
        document
        for document in candidates
        if document.id not in attached and can_attach_document(actor, document, body)
    ]


def attach_upload(
    actor: Actor,
    item: AgendaItem,
    upload: CheckedUpload | CheckedOffice,
    *,
    title: str | None = None,
    confidentiality: Confidentiality = Confidentiality.PUBLIC,
) -> Document:
    """Store a checked file and put it last on the item's beslutsunderlag; it is filed for
    the meeting's body, which owns it. Its title: ``title``, else the file's name
    (``title_from_filename``).

    A PDF is the document's file. An office file (Word, ...) is kept as the document's
    original (``source_sha256``) and the document has no file until it is converted to PDF
    (``convert_office_document``, a background job the caller starts after the commit)."""
    _require_open_record(item.meeting)
    body = item.meeting.body
    document = Document(
        title=(title or "").strip() or title_from_filename(upload.filename),
        kind=DocumentKind.SUPPORTING,
        confidentiality=confidentiality,
        case=item.case,
        owner_body=body,
        owner_organisation=body.organisation,
    )
    if isinstance(upload, CheckedOffice):
        document.source_sha256 = store_bytes(upload.data)
        document.source_filename = upload.filename
        document.source_media_type = upload.media_type
        add_record(actor, document)
    else:
        document.sha256 = store_bytes(upload.data)
        document.filename = upload.filename
        document.media_type = upload.media_type
        document.size = len(upload.data)
        add_record(actor, document)
        audit_upload(db.session, actor, document, upload)  # original sha256, what was removed
    attach_document(actor, item, document, uploaded=True)
    return document


def attach_uploads(
    actor: Actor,
    item: AgendaItem,
    uploads: list[tuple[CheckedUpload | CheckedOffice, str | None]],
    *,
    confidentiality: Confidentiality = Confidentiality.PUBLIC,
) -> list[Document]:
    """Several checked files, each with its title (None: from its file name), put last on
    the item in the order given (``attach_upload``)."""
    return [
        attach_upload(actor, item, upload, title=title, confidentiality=confidentiality)
        for upload, title in uploads
    ]


def _require_open_records_of(document: Document) -> None:
    """A document is one row wherever it is filed: every meeting whose beslutsunderlag it is
    must still be open (a signed record keeps the title and the file it was signed with)."""
    meetings = db.session.scalars(
        select(Meeting)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .join(AgendaItemDocument, AgendaItemDocument.item_id == AgendaItem.id)
        .where(AgendaItemDocument.document_id == document.id)
    )
    for meeting in meetings:
        _require_open_record(meeting)


def rename_document(actor: Actor, link: AgendaItemDocument, title: str) -> Document:
    """Give a beslutsunderlag of the item another title (the one in the agenda, the
    handlingar's bookmarks and the messages), while no record it belongs to is signed."""
    _require_open_records_of(link.document)
    title = " ".join((title or "").split())
    if not title:
        raise DomainError(_("Give the document a title."), field="title")
    if len(title) > 500:
        raise DomainError(_("A title is at most 500 characters."), field="title")
    return change_record(actor, link.document, None, {"title": title})


def note_conversion_job(document: Document, job: Job) -> None:
    """Remember the job converting ``document``, which the item's page follows. Written past
    the document's version: the job may be at work on the document already (with a broker),
    and this bookkeeping must not make its saving conflict."""
    db.session.execute(
        update(Document)
        .where(Document.id == document.id)
        .values(conversion_job_id=job.id)
        .execution_options(synchronize_session=False)
    )


def convert_office_document(document: Document) -> Document:
    """Make the PDF/A of an office original (``app.documents.office``: LibreOffice in the
    sandbox), check it like an uploaded PDF, and make it the document's file. The original
    stays as it was. Raises DomainError saying why, with nothing stored."""
    if document.has_file:
        return document  # converted already (a job run twice)
    _require_open_records_of(document)  # a retry after justering adds nothing to the record
    source = document.source_filename or ""
    extension = office_extension(source)
    if document.source_sha256 is None or extension is None:
        raise DomainError(_("“%(title)s” has no office file to convert.", title=document.title))
    try:
        pdf = convert_to_pdf(read_bytes(document.source_sha256), extension)
        checked = check_pdf_upload(
            pdf,
            source.rsplit(".", 1)[0] + ".pdf",
            max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
            max_pages=current_app.config["MAX_UPLOAD_PAGES"],
        )
    except (ConversionFailed, UploadRejected) as failed:
        raise DomainError(
            _(
                "“%(title)s” could not be converted to PDF: %(reason)s",
                title=document.title,
                reason=failed.message,
            )
        ) from failed
    before = snapshot(document)
    document.sha256 = store_bytes(checked.data)
    document.filename = checked.filename
    document.media_type = checked.media_type
    document.size = len(checked.data)
    record_change(db.session, None, "convert to PDF", document, before)
    return document


def attach_document(
    actor: Actor, item: AgendaItem, document: Document, *, uploaded: bool = False
) -> AgendaItemDocument:
    """Put ``document`` last on the item. A document already in the system only if the actor
    may read it (``can_attach_document``); one made just now for the item (an upload, an
    utdrag; ``uploaded``: by ``attach_upload``, whose PDF may be still to be converted) gets
    the meeting's body as its owner."""
    meeting = item.meeting
    _require_open_record(meeting)
    if any(link.document_id == document.id for link in item.documents if document.id):
        raise DomainError(_("The document is already attached to this item."))
    existing = not uploaded and document.id is not None and document not in db.session.new
    if existing and not can_attach_document(actor, document, meeting.body):
        raise DomainError(_("Choose a document that you may read."))
    give_owner(document, meeting.body)
    link = AgendaItemDocument(document=document, position=len(item.documents))
    item.documents.append(link)
    _note_change_after_kallelse(actor, item, document, DocumentChangeKind.ATTACHED)
    record_change(db.session, actor, "attach", item)
    return link


def detach_document(actor: Actor, link: AgendaItemDocument) -> None:
    item = link.item
    _require_open_record(item.meeting)
    item.documents.remove(link)
    db.session.delete(link)
    for position, other in enumerate(item.documents):
        other.position = position
    _note_change_after_kallelse(actor, item, link.document, DocumentChangeKind.REMOVED)
    record_change(db.session, actor, "detach", item)


def move_document(actor: Actor, link: AgendaItemDocument, offset: int) -> None:
    _require_open_record(link.item.meeting)
    links = link.item.documents
    index = links.index(link)
    target = max(0, min(len(links) - 1, index + offset))
    links.insert(target, links.pop(index))
    for position, other in enumerate(links):
        other.position = position
    record_change(db.session, actor, "reorder documents", link.item)


def parse_notices(text: str | None) -> list[tuple[str | None, str]]:
    """Anmälningar typed one per line: a diarienummer first (optional), then the title."""
    rows: list[tuple[str | None, str]] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        first, _sep, rest = line.partition(" ")
        if rest.strip() and any(ch.isdigit() for ch in first) and " " not in first:
            rows.append((first, rest.strip()))
        else:
            rows.append((None, line))
    return rows


def notices_text(item: AgendaItem) -> str:
    return "\n".join(
        f"{n.case_number} {n.title}" if n.case_number else n.title for n in item.notices
    )


def set_notices(actor: Actor, item: AgendaItem, rows: list[tuple[str | None, str]]) -> None:
    item.notices.clear()
    db.session.flush()
    for position, (case_number, title) in enumerate(rows):
        item.notices.append(AgendaNotice(position=position, case_number=case_number, title=title))


# -- planned items and uppdrag offered to the agenda -------------------------------------------

# The "Kommande möte" item's text, as seed 001 item 15 prints it, followed by the topics.
COMING_LEAD = "Vid nästa sammanträde planeras följande frågor:"


def coming_topics_text(titles: list[str]) -> str | None:
    """The text of a "Kommande möte" item from its planned topics; None without topics."""
    if not titles:
        return None
    return COMING_LEAD + "\n\n" + "\n".join(f"- {title}" for title in titles)


def planned_at(item: AgendaItem) -> list[PlannedItem]:
    """The topics planned at ``item`` for a later meeting, in the order they were planned."""
    return list(
        db.session.scalars(
            select(PlannedItem).where(PlannedItem.planned_at_id == item.id).order_by(PlannedItem.id)
        )
    )


def plan_item(
    actor: Actor,
    body: Body,
    *,
    title: str,
    description: str | None = None,
    meeting_id: int | None = None,
) -> PlannedItem:
    """Note a topic for a future meeting ("Kommande möte")."""
    if meeting_id is not None:
        meeting = db.session.get(Meeting, meeting_id)
        if meeting is None or meeting.body_id != body.id:
            raise DomainError(_("Choose one of this body's meetings."), field="meeting_id")
        _require_still_to_come(meeting)
    return add_record(
        actor,
        PlannedItem(body_id=body.id, title=title, description=description, meeting_id=meeting_id),
    )


def _require_still_to_come(meeting: Meeting) -> None:
    """Topics are planned for, and pulled onto, meetings that have not been held: a topic
    cannot have been planned for a meeting that has already taken place."""
    if not meeting.is_still_to_come:
        raise DomainError(
            _(
                "%(meeting)s has been held or cancelled, or its record is begun: plan the topic "
                "for a meeting still to come.",
                meeting=meeting.title,
            ),
            field="meeting_id",
        )


def upcoming_meetings(body: Body) -> list[Meeting]:
    """The body's meetings still to come, the earliest first: what a topic can be planned for."""
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.body_id == body.id).order_by(Meeting.meeting_date)
    )
    return [meeting for meeting in meetings if meeting.is_still_to_come]


def plans_next_meeting(item: AgendaItem) -> bool:
    """Whether ``item`` is where its meeting plans the next one ("Kommande möte", a group's
    "Nästa möte"), or has planned topics already."""
    title = item.title.casefold()
    # The standing item "Nästa sammanträde" says when, not what: it is not one.
    named = item.standard_kind is None and any(words in title for words in NEXT_MEETING_WORDS)
    return named or bool(planned_at(item))


def plan_from_item(actor: Actor, item: AgendaItem, titles: list[str]) -> list[PlannedItem]:
    """The topics the meeting of ``item`` ("Kommande möte") plans for the next one, one per
    title: each is planned for the body's next meeting after this one when it is scheduled
    (else for whichever comes next), so that agenda offers it. A topic left out of ``titles``
    is taken off the plan, unless a later agenda has it already. The item's text is written
    from the topics ("Vid nästa sammanträde planeras följande frågor:" and the list), so it
    never names a topic that is not planned."""
    meeting = item.meeting
    if meeting.record_status in (RecordStatus.JUSTERING, RecordStatus.FINAL):
        raise DomainError(_("The item is part of a protokoll that is signed or out for justering."))
    wanted: list[str] = []
    for title in (t.strip() for t in titles):
        if title and title not in wanted:
            if len(title) > 500:
                raise DomainError(_("A topic is at most 500 characters."), field="topics")
            wanted.append(title)
    existing = planned_at(item)
    for topic in existing:
        if topic.title in wanted:
            continue
        if topic.item_id is not None:
            raise DomainError(
                _(
                    "%(title)s is on the agenda of %(date)s already; take it off that agenda "
                    "first.",
                    title=topic.title,
                    date=topic.item.meeting.meeting_date.isoformat() if topic.item else "",
                ),
                field="topics",
            )
        record_change(db.session, actor, "unplan", topic)
        db.session.delete(topic)
    kept = {topic.title for topic in existing}
    target = next_meeting(meeting)
    for title in wanted:
        if title not in kept:
            add_record(
                actor,
                PlannedItem(
                    body_id=meeting.body_id,
                    title=title,
                    meeting_id=target.id if target else None,
                    planned_at_id=item.id,
                ),
            )
    db.session.flush()
    topics = planned_at(item)
    item.summary = coming_topics_text([topic.title for topic in topics])
    record_change(db.session, actor, "plan topics", item)
    return topics


def offered_planned_items(meeting: Meeting) -> list[PlannedItem]:
    """Topics planned for this meeting, or for whichever meeting comes next; one planned at a
    meeting ("Kommande möte") only at a later meeting. None for a meeting that has been held."""
    if not meeting.is_still_to_come:
        return []
    candidates = db.session.scalars(
        select(PlannedItem)
        .where(
            PlannedItem.body_id == meeting.body_id,
            PlannedItem.item_id.is_(None),
            (PlannedItem.meeting_id == meeting.id) | PlannedItem.meeting_id.is_(None),
        )
        .order_by(PlannedItem.created_at, PlannedItem.id)
    )
    return [
        topic
        for topic in candidates
        if topic.planned_at is None or topic.planned_at.meeting.meeting_date < meeting.meeting_date
    ]


def pull_planned_item(actor: Actor, planned: PlannedItem, meeting: Meeting) -> AgendaItem:
    if planned.item_id is not None:
        raise DomainError(_("The topic is already on an agenda."))
    if planned.body_id != meeting.body_id:
        raise DomainError(_("The topic is planned for another body."))
    _require_still_to_come(meeting)  # before: a held meeting is offered nothing at all
    if planned not in offered_planned_items(meeting):
        raise DomainError(_("The topic is planned for another meeting."))
    item = add_item(actor, meeting, title=planned.title, summary=planned.description)
    db.session.flush()
    planned.item_id = item.id
    return item


# An uppdrag due "till kommande möte" (its due time worded, no date or meeting): due at the
# next meeting after the one that gave it.
NEXT_MEETING_WORDS = ("kommande möte", "nästa möte", "kommande sammanträde", "nästa sammanträde")


def due_at_next_meeting(assignment: Assignment) -> bool:
    text = (assignment.due_text or "").casefold()
    return (
        assignment.due_meeting_id is None
        and assignment.due_date is None
        and any(words in text for words in NEXT_MEETING_WORDS)
    )


def hears_back(meeting: Meeting, assignment: Assignment) -> bool:
    """Only the body that gave the uppdrag, or the one it was given to, hears it back, and
    only at a later meeting than the one that gave it."""
    origin = assignment.decision.item.meeting
    return (
        meeting.body_id in (origin.body_id, assignment.assignee_body_id)
        and origin.meeting_date < meeting.meeting_date
    )


def is_due_by(assignment: Assignment, meeting: Meeting) -> bool:
    """Whether the uppdrag is due at ``meeting`` or was due before it: by its due meeting, its
    due date, or "till kommande möte" (any later meeting: the next one, or after it was
    missed)."""
    if assignment.due_meeting is not None:
        return assignment.due_meeting.meeting_date <= meeting.meeting_date
    if assignment.due_date is not None:
        return assignment.due_date <= meeting.meeting_date
    return due_at_next_meeting(assignment)


def offered_assignments(meeting: Meeting) -> list[Assignment]:
    """Open uppdrag this body hears back that are due at this meeting or were due before it
    and are not on an agenda yet, oldest due first."""
    candidates = db.session.scalars(
        select(Assignment)
        .join(Assignment.decision)
        .join(Decision.item)
        .join(AgendaItem.meeting)
        .where(
            Assignment.status == AssignmentStatus.OPEN,
            Assignment.reported_item_id.is_(None),
            # Heard back by this body (``hears_back``), at a later meeting than the one that
            # gave it: asked here so that only those are loaded.
            Meeting.meeting_date < meeting.meeting_date,
            (Meeting.body_id == meeting.body_id) | (Assignment.assignee_body_id == meeting.body_id),
        )
        .order_by(Meeting.meeting_date, Assignment.id)
    )
    return [a for a in candidates if hears_back(meeting, a) and is_due_by(a, meeting)]


def link_report_back(actor: Actor, item: AgendaItem, assignment: Assignment) -> None:
    """The one path by which an item reports back on an uppdrag: the uppdrag is linked to the
    item and closed (återrapporterat). Whether it is a fact for the uppdrag's readers follows
    the item's record (``register.services.state_of``). Used when the uppdrag is put on an
    agenda (``pull_assignment``) and from the record (``record.services.report_back``)."""
    if assignment.status == AssignmentStatus.REPORTED:
        raise DomainError(_("The uppdrag has already been reported back."))
    if assignment.status == AssignmentStatus.CANCELLED:
        raise DomainError(_("The uppdrag has been written off."))
    if assignment.reported_item_id not in (None, item.id):
        raise DomainError(_("Another item already reports back on the uppdrag."))
    if not hears_back(item.meeting, assignment):
        raise DomainError(
            _(
                "An item reports back only on an uppdrag its body gave or was given at an "
                "earlier meeting."
            )
        )
    before = snapshot(assignment)
    assignment.reported_item_id = item.id
    assignment.reported_item = item
    assignment.status = AssignmentStatus.REPORTED
    db.session.expire(item, ["reported_assignments"])
    record_change(db.session, actor, "report back", assignment, before)


def unlink_report_back(actor: Actor, item: AgendaItem, assignment: Assignment) -> None:
    """Take back a report-back: the uppdrag is open again (and offered to later agendas)."""
    if assignment.reported_item_id != item.id:
        raise DomainError(_("This item does not report back on the uppdrag."))
    before = snapshot(assignment)
    assignment.reported_item_id = None
    assignment.reported_item = None
    if assignment.status == AssignmentStatus.REPORTED:
        assignment.status = AssignmentStatus.OPEN
    db.session.expire(item, ["reported_assignments"])
    record_change(db.session, actor, "undo report back", assignment, before)


def pull_assignment(actor: Actor, assignment: Assignment, meeting: Meeting) -> AgendaItem:
    """Put an uppdrag on the agenda: an item "Återrapportering: …" that reports back on it
    (``link_report_back``); taking the item off the agenda opens the uppdrag again."""
    if assignment.reported_item_id is not None:
        raise DomainError(_("The uppdrag is already on an agenda."))
    origin = assignment.decision.item
    # Only the body that gave the uppdrag, or the one it was given to, hears it back.
    if meeting.body_id not in (origin.meeting.body_id, assignment.assignee_body_id):
        raise DomainError(_("The uppdrag was given by and to other bodies."))
    if not hears_back(meeting, assignment):
        raise DomainError(_("The uppdrag was given at this meeting or a later one."))
    item = add_item(
        actor,
        meeting,
        title=f"Återrapportering: {origin.title}",
        case_number=origin.case.case_number if origin.case else None,
        summary_label=None,
        summary=(
            f"Uppdrag till {assignment.assignee} från sammanträdet "
            f"{origin.meeting.meeting_date.isoformat()} {origin.reference}:\n\n"
            f"{assignment.description}"
        ),
    )
    db.session.flush()
    link_report_back(actor, item, assignment)
    return item


def offered_count(meeting: Meeting) -> int:
    """How many planned topics and uppdrag the agenda of ``meeting`` is offered."""
    return len(offered_planned_items(meeting)) + len(offered_assignments(meeting))
