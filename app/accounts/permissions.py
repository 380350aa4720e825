"""Who may see and do what. Every view and template asks here; nothing re-decides it.

Roles: admin (all); secretary of a body (an active membership with function sekreterare);
member of a body (an active ordinarie, ersättare or adjungerad membership); the anonymous
public. Role sets are computed once per request.
"""

from dataclasses import dataclass, field
from typing import Any

from flask import g
from flask_login import AnonymousUserMixin
from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.orm import aliased, joinedload

from app.agenda.models import AgendaItem, AgendaRemoval, AgendaTemplate, PlannedItem
from app.bodies.models import (
    Body,
    Membership,
    MembershipFunction,
    MembershipKind,
    RecordType,
    Term,
)
from app.cases.models import Confidentiality, Document
from app.core.dates import local_today
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.justering.models import JusteringRound, RecordRevision, Signoff
from app.meetings.models import Meeting, MeetingStatus, RecordStatus
from app.record.models import Attendance

SEATED_KINDS = (MembershipKind.ORDINARY, MembershipKind.SUBSTITUTE, MembershipKind.CO_OPTED)


@dataclass(frozen=True)
class Roles:
    is_admin: bool = False
    secretary_of: frozenset[int] = field(default_factory=frozenset)
    member_of: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_secretary(self) -> bool:
        return bool(self.secretary_of)


def roles_of(user: object) -> Roles:
    """The roles of ``user`` today; anonymous users (and commands, with no user) have none."""
    if hasattr(user, "_get_current_object"):
        user = user._get_current_object()  # current_user outside a request is a proxy of None
    if user is None or isinstance(user, AnonymousUserMixin) or not user.is_authenticated:  # type: ignore[attr-defined]
        return Roles()
    cache = g.setdefault("_roles", {})
    if user.id in cache:  # type: ignore[attr-defined]
        return cache[user.id]  # type: ignore[attr-defined]
    secretary_of: set[int] = set()
    member_of: set[int] = set()
    if user.person_id is not None:  # type: ignore[attr-defined]
        today = local_today()
        memberships = db.session.scalars(
            select(Membership)
            .where(Membership.person_id == user.person_id)  # type: ignore[attr-defined]
            .options(joinedload(Membership.term))  # is_active reads it: not one statement each
        )
        for membership in memberships:
            if not membership.is_active(today):
                continue
            if membership.function == MembershipFunction.SECRETARY:
                secretary_of.add(membership.body_id)
            if membership.kind in SEATED_KINDS:
                member_of.add(membership.body_id)
    roles = Roles(user.is_admin, frozenset(secretary_of), frozenset(member_of))  # type: ignore[attr-defined]
    cache[user.id] = roles  # type: ignore[attr-defined]
    return roles


def can_administer(user: object) -> bool:
    """Organisations, accounts and new bodies are the admin's."""
    return roles_of(user).is_admin


def can_read_audit_log(user: object) -> bool:
    """The audit log (every change, with values before and after) is the admins' alone."""
    return roles_of(user).is_admin


def can_export(user: object) -> bool:
    """A säkerhetskopia holds everything, confidential documents too: the admins' alone."""
    return roles_of(user).is_admin


def can_manage_body(user: object, body: Body) -> bool:
    """Edit the body's settings, terms, memberships and meetings."""
    roles = roles_of(user)
    return roles.is_admin or body.id in roles.secretary_of


def can_post_anslag(user: object, body: Body) -> bool:
    """The anslag of a justerat protokoll is posted by the body's secretary (or an admin)."""
    return can_manage_body(user, body)


def is_member(user: object, body: Body) -> bool:
    return body.id in roles_of(user).member_of


def can_read_agenda_documents(user: object, meeting: Meeting) -> bool:
    """The agenda PDFs (föredragningslista, handlingar): the body's secretaries always, its
    members once the agenda is sent."""
    return can_manage_body(user, meeting.body) or (
        is_member(user, meeting.body) and can_view_agenda(user, meeting)
    )


def can_view_body(user: object, body: Body) -> bool:
    return body.is_public or can_manage_body(user, body) or is_member(user, body)


def can_manage_people(user: object) -> bool:
    """Admins and secretaries register people (a secretary adds members to her bodies)."""
    roles = roles_of(user)
    return roles.is_admin or roles.is_secretary


def can_see_contact_details(user: object) -> bool:
    """Email addresses of people are never public; staff who send kallelser see them."""
    return can_manage_people(user)


def can_view_meeting(user: object, meeting: Meeting) -> bool:
    return can_view_body(user, meeting.body)


def can_view_agenda(user: object, meeting: Meeting) -> bool:
    """Drafts are the secretary's; members and the public read the agenda once it is sent."""
    if can_manage_body(user, meeting.body):
        return True
    return can_view_body(user, meeting.body) and meeting.status in (
        MeetingStatus.CONVENED,
        MeetingStatus.HELD,
    )


def can_view_record(user: object, meeting: Meeting) -> bool:
    """The record reaches readers only when final (signed minutes, justerat protokoll)."""
    if can_manage_body(user, meeting.body):
        return True
    return can_view_body(user, meeting.body) and meeting.record_status == RecordStatus.FINAL


def visible_bodies_clause(user: object):
    """A WHERE clause restricting Body rows to those ``user`` may see."""
    roles = roles_of(user)
    if roles.is_admin:
        return Body.id.is_not(None)
    return Body.is_public.is_(True) | Body.id.in_(roles.secretary_of | roles.member_of)


def can_edit_person(user: object, person_body_ids: set[int]) -> bool:
    """Admins edit anyone; a secretary edits people of her bodies and people with no seat yet."""
    roles = roles_of(user)
    if roles.is_admin:
        return True
    if not roles.is_secretary:
        return False
    return not person_body_ids or bool(person_body_ids & roles.secretary_of)


def can_view_document(user: object, document: "Document") -> bool:
    """Who may read a document is judged by its owner, never by where it is shown.

    Public: anyone. Internal: the secretaries and members of the owner body; a document owned by
    an organisation as a whole, those of any of its bodies. Secret (OSL): the secretaries of the
    owner body only; one owned by an organisation as a whole, admins only. A document without
    an owner is, unless public, the admins'. ``visible_documents_clause`` is the same in SQL."""
    roles = roles_of(user)
    if roles.is_admin or document.confidentiality == Confidentiality.PUBLIC:
        return True
    if document.owner_body_id is not None:
        if document.confidentiality == Confidentiality.INTERNAL:
            return document.owner_body_id in roles.secretary_of | roles.member_of
        return document.owner_body_id in roles.secretary_of
    if document.owner_organisation_id is None:
        return False
    if document.confidentiality == Confidentiality.INTERNAL:
        return document.owner_organisation_id in _organisations_of(roles)
    return False


def _organisations_of(roles: Roles) -> set[int]:
    """The organisations of the bodies where the reader is secretary or member."""
    bodies = roles.secretary_of | roles.member_of
    if not bodies:
        return set()
    return set(db.session.scalars(select(Body.organisation_id).where(Body.id.in_(bodies))))


def can_attach_document(user: object, document: "Document", body: Body) -> bool:
    """What a secretary may put on an item of ``body``: a document she may read herself, with
    a file, whose owner body she may see (a closed body's papers stay unknown to outsiders).
    The secretary of ``body`` (or an admin) only."""
    if not can_manage_body(user, body) or not document.has_file:
        return False
    owner = document.owner_body
    return can_view_document(user, document) and (owner is None or can_view_body(user, owner))


# -- the reading side: people, items, documents, decisions, uppdrag, notices ---------------------


def can_view_person(user: object, bodies: list[Body]) -> bool:
    """A person is public only through a seat in a body the reader may see; staff who register
    people see everyone."""
    return can_manage_people(user) or any(can_view_body(user, body) for body in bodies)


def can_view_item(user: object, item: "AgendaItem") -> bool:
    """An item of an agenda the reader may read; one marked non-public only for the body's
    members and secretaries, who read the whole record too."""
    meeting = item.meeting
    if not can_view_agenda(user, meeting):
        return False
    return item.is_public or can_manage_body(user, meeting.body) or is_member(user, meeting.body)


def can_view_item_document(user: object, link: "AgendaItemDocument") -> bool:  # noqa: F821
    """A beslutsunderlag on an item: the item must be visible and the document itself readable
    (by its owner's rule: the secretary of the meeting's body does not read another body's
    secret paper because it was put on her agenda)."""
    return can_view_item(user, link.item) and can_view_document(user, link.document)


def can_view_attendance(user: object, meeting: Meeting) -> bool:
    """Who attended is part of the record: readers see it once the record is final."""
    return meeting.record_status != RecordStatus.NONE and can_view_record(user, meeting)


def can_view_decision(user: object, decision: "Decision") -> bool:  # noqa: F821
    """A decision reaches readers when its record is final (minutes signed, protokoll
    justerat); drafts and protokoll out for justering only the body's secretaries. A decision
    on a non-public item only the body's members. ``readable_decisions_clause`` is the same
    rule in SQL."""
    item = decision.item
    meeting = item.meeting
    body = meeting.body
    if can_manage_body(user, body):
        return meeting.record_status != RecordStatus.NONE
    if meeting.record_status != RecordStatus.FINAL or not can_view_body(user, body):
        return False
    return item.is_public or is_member(user, body)


def can_view_assignment(user: object, assignment: "Assignment") -> bool:  # noqa: F821
    """An uppdrag is read by whoever may read the decision that gave it."""
    return can_view_decision(user, assignment.decision)


def readable_decisions_clause(user: object):
    """A WHERE clause over Decision joined with AgendaItem, Meeting and Body: the decisions
    ``user`` may read (see ``can_view_decision``)."""
    roles = roles_of(user)
    started = Meeting.record_status != RecordStatus.NONE
    if roles.is_admin:
        return started
    final = Meeting.record_status == RecordStatus.FINAL
    return or_(
        and_(Body.id.in_(roles.secretary_of), started) if roles.secretary_of else false(),
        and_(Body.id.in_(roles.member_of), final) if roles.member_of else false(),
        and_(Body.is_public.is_(True), final, AgendaItem.is_public.is_(True)),
    )


def can_subscribe(user: object, body: Body) -> bool:
    """Anyone logged in may ask for email notices of a body she may see."""
    if hasattr(user, "_get_current_object"):
        user = user._get_current_object()
    return bool(getattr(user, "is_authenticated", False)) and can_view_body(user, body)


# -- items and documents as SQL, for search -------------------------------------------------
# The twins of can_view_item and can_view_item_document (readable_decisions_clause is that of
# can_view_decision), so that a search filters in the database and its counts and pages hold
# only what the reader may see. tests/search/test_visibility.py holds each pair equal.


def _managed_meetings_clause(roles: Roles):
    if roles.is_admin:
        return true()
    return Meeting.body_id.in_(roles.secretary_of) if roles.secretary_of else false()


def _member_meetings_clause(roles: Roles):
    return Meeting.body_id.in_(roles.member_of) if roles.member_of else false()


def visible_items_clause(user: object):
    """``can_view_item`` as a WHERE clause over AgendaItem joined with Meeting and Body."""
    roles = roles_of(user)
    managed = _managed_meetings_clause(roles)
    agenda = managed | (
        visible_bodies_clause(user)
        & Meeting.status.in_((MeetingStatus.CONVENED, MeetingStatus.HELD))
    )
    return agenda & (AgendaItem.is_public.is_(True) | managed | _member_meetings_clause(roles))


def visible_item_documents_clause(user: object):
    """``can_view_item_document`` as a WHERE clause over AgendaItemDocument joined with
    AgendaItem, Meeting, Body and Document."""
    return visible_items_clause(user) & visible_documents_clause(user)


# -- the agenda and document rules as SQL (the OParl API lists what the public may see) ------


def visible_agendas_clause(user: object):
    """``can_view_agenda`` as a WHERE clause over Meeting joined with Body."""
    roles = roles_of(user)
    if roles.is_admin:
        return Meeting.id.is_not(None)
    sent = Meeting.status.in_((MeetingStatus.CONVENED, MeetingStatus.HELD))
    return Body.id.in_(roles.secretary_of) | (visible_bodies_clause(user) & sent)


def visible_documents_clause(user: object):
    """``can_view_document`` as a WHERE clause over Document (judged by its owner alone)."""
    roles = roles_of(user)
    if roles.is_admin:
        return Document.id.is_not(None)
    public = Document.confidentiality == Confidentiality.PUBLIC
    bodies = roles.secretary_of | roles.member_of
    if not bodies:
        return public
    # Its own Body (not the one of the meeting the outer query may have joined).
    body = aliased(Body)
    organisations = select(body.organisation_id).where(body.id.in_(bodies))
    internal = (Document.confidentiality == Confidentiality.INTERNAL) & (
        Document.owner_body_id.in_(bodies)
        | (Document.owner_body_id.is_(None) & Document.owner_organisation_id.in_(organisations))
    )
    secret = (
        (Document.confidentiality == Confidentiality.SECRET)
        & Document.owner_body_id.in_(roles.secretary_of)
        if roles.secretary_of
        else false()
    )
    return public | internal | secret


# -- background jobs ---------------------------------------------------------------------------


def can_view_job(user: object, job: Job) -> bool:
    """A job's page: the one who started it, the secretaries of its body, admins."""
    if hasattr(user, "_get_current_object"):
        user = user._get_current_object()
    if not getattr(user, "is_authenticated", False):
        return False
    roles = roles_of(user)
    if roles.is_admin or job.started_by_id == user.id:  # type: ignore[attr-defined]
        return True
    return job.body_id is not None and job.body_id in roles.secretary_of


def can_retry_job(user: object, job: Job, kind: Any) -> bool:
    """A failed job is tried again by those who see it and may still start the work itself:
    the original action's rule, which each kind of job names (``kind.may_start``; the caller
    passes the job's kind, app.jobs.services.kind_of, which its domain package registered)."""
    return job.status == JobStatus.FAILED and can_view_job(user, job) and kind.may_start(user, job)


# -- record-level checks for app.core.loading -------------------------------------------------
# The rules above, asked of the record a view loads (``loaded``/``load``: ``(user, record)``).


def can_manage_meeting(user: object, meeting: Meeting) -> bool:
    """A meeting's agenda, kallelse, attendance and record are the work of its body's
    secretaries."""
    return can_manage_body(user, meeting.body)


def can_manage_item(user: object, item: AgendaItem) -> bool:
    return can_manage_meeting(user, item.meeting)


def can_undo_removal(user: object, removal: AgendaRemoval) -> bool:
    """Putting removed items back is the work of the meeting's secretaries."""
    return can_manage_meeting(user, removal.meeting)


def can_manage_agenda_template(user: object, template: AgendaTemplate) -> bool:
    """A body's agenda templates are its secretaries' (they start its agendas)."""
    body = db.session.get(Body, template.body_id)
    return body is not None and can_manage_body(user, body)


def can_manage_attendance(user: object, attendance: Attendance) -> bool:
    return can_manage_meeting(user, attendance.meeting)


def can_manage_planned(user: object, planned: PlannedItem) -> bool:
    """A planned topic (a forwarded decision waiting) is the work of its body's secretaries."""
    return can_manage_body(user, db.session.get(Body, planned.body_id))


def can_manage_term(user: object, term: Term) -> bool:
    return can_manage_body(user, term.body)


def can_manage_membership(user: object, membership: Membership) -> bool:
    return can_manage_body(user, membership.body)


def can_read_record(user: object, meeting: Meeting) -> bool:
    """The record as it stands (page, PDF): once started, for whoever ``can_view_record``."""
    return meeting.record_status != RecordStatus.NONE and can_view_record(user, meeting)


def has_justered_record(meeting: Meeting) -> bool:
    """Whether a revision of the record is justerat (signed by all)."""
    justered = select(RecordRevision.id).where(
        RecordRevision.meeting_id == meeting.id, RecordRevision.justered_at.is_not(None)
    )
    return db.session.scalar(justered.limit(1)) is not None


def can_open_record(user: object, meeting: Meeting) -> bool:
    """The record page and PDF: the secretary's side always (a draft, or one not started, too);
    readers a record they ``can_read_record``, and a justerat record wherever they see the body,
    also while a rättelse of it is drafted."""
    if can_view_record(user, meeting):
        return True
    return can_view_body(user, meeting.body) and has_justered_record(meeting)


def gets_signed_original(user: object, meeting: Meeting) -> bool:
    """The signed original of a justerat record (its PDF, its page as signed) stays internal:
    the body's secretaries (and admins) and its members. Everyone else gets the public copy."""
    return can_manage_body(user, meeting.body) or is_member(user, meeting.body)


def can_read_non_public_items(user: object, meeting: Meeting) -> bool:
    """Items marked non-public, in an utdrag: the body's secretaries and members."""
    return can_manage_body(user, meeting.body) or is_member(user, meeting.body)


def can_view_round(user: object, justering: JusteringRound) -> bool:
    """A justering round: the secretary's side and the round's own signatories; nobody else."""
    if can_manage_body(user, justering.meeting.body):
        return True
    person_id = getattr(user, "person_id", None)
    return person_id is not None and any(s.person_id == person_id for s in justering.signoffs)


def can_manage_round(user: object, justering: JusteringRound) -> bool:
    """A justering round's follow-up (a reminder to those who have not answered): the
    meeting's secretaries."""
    return can_manage_meeting(user, justering.meeting)


def is_own_signoff(user: object, signoff: Signoff) -> bool:
    """A signatory answers (approves, rejects) only her own signoff."""
    return getattr(user, "person_id", None) == signoff.person_id


def can_manage_item_document(user: object, link: "AgendaItemDocument") -> bool:  # noqa: F821
    """Move a beslutsunderlag on its item or take it off: the item's."""
    return can_manage_item(user, link.item)


def can_download_original(user: object, link: "AgendaItemDocument") -> bool:  # noqa: F821
    """The office file a beslutsunderlag was uploaded as: the item's secretaries, and only
    for a document they may read (another body's secret paper on her agenda stays closed)."""
    return can_manage_item(user, link.item) and can_view_document(user, link.document)


def can_rename_item_document(user: object, link: "AgendaItemDocument") -> bool:  # noqa: F821
    """Retitle a beslutsunderlag from its item: the item's secretaries, for a document filed
    for the item's body (one another body owns keeps the title it gave it)."""
    return (
        can_manage_item(user, link.item)
        and link.document.owner_body_id == link.item.meeting.body_id
    )


def can_pull_onto_agenda(user: object, topic: object) -> bool:
    """A planned topic or an uppdrag is pulled onto an agenda by whoever manages that meeting,
    which is what is asked (of the meeting, loaded first); whether the topic belongs to that
    meeting is the service's rule (``app.agenda.services.pull_planned_item``)."""
    return True


def can_post_meeting_anslag(user: object, meeting: Meeting) -> bool:
    """The anslag page of a meeting: ``can_post_anslag`` of its body."""
    return can_post_anslag(user, meeting.body)


def can_view_posting(user: object, posting: "Posting") -> bool:  # noqa: F821
    """A notice on the anslagstavla and its anslagsbevis: whoever may see the body."""
    return can_view_body(user, posting.meeting.body)


def can_read_public_protocol(user: object, meeting: Meeting) -> bool:
    """The justerat protokoll as the public reads it: a protokoll (not minutes) of a body the
    reader may see (whether a revision is justerad yet is the page's to find)."""
    return meeting.body.record_type == RecordType.PROTOCOL and can_view_body(user, meeting.body)


def can_view_organisation(user: object, organisation: object) -> bool:
    """Organisations are public (which of their bodies are shown is ``can_view_body``'s)."""
    return True


def can_edit_account(user: object, account: object) -> bool:
    """Accounts are the admin's (``can_administer``)."""
    return can_administer(user)


def _seats_of(person: "Person") -> list[Membership]:  # noqa: F821
    return list(db.session.scalars(select(Membership).where(Membership.person_id == person.id)))


def can_view_person_record(user: object, person: "Person") -> bool:  # noqa: F821
    """``can_view_person`` through the bodies where the person has or had a seat."""
    return can_view_person(user, [membership.body for membership in _seats_of(person)])


def can_edit_person_record(user: object, person: "Person") -> bool:  # noqa: F821
    """``can_edit_person`` through the bodies where the person has or had a seat."""
    return can_edit_person(user, {membership.body_id for membership in _seats_of(person)})


def can_download_export(user: object, job: Job) -> bool:
    """An export archive is downloaded by those who may export (``can_export``)."""
    return can_export(user)


def can_edit_organisation(user: object, organisation: object) -> bool:
    """Organisations are the admin's (``can_administer``)."""
    return can_administer(user)
