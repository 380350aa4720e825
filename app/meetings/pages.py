"""The meeting page as its reader sees it, gathered for the view: the agenda once sent, the
documents she may open, what changed after the kallelse, and the record (a link to it, or to
the justerat version). Who may open the page is decided before (``can_view_meeting``).

Also the sammanträdesplan: a year's meetings of one body, or of every body of an
organisation the reader may see (``can_view_body`` for each: a meeting is seen with its
body, as on the body page and in the calendar feeds)."""

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import extract, select
from sqlalchemy.orm import joinedload

from app.accounts import permissions
from app.agenda.models import AgendaDocumentChange, AgendaItem, AgendaItemDocument
from app.agenda.sentences import proposals
from app.agenda.services import changes_after_kallelse
from app.bodies.models import Body
from app.core.dates import local_today
from app.extensions import db
from app.justering import services as justering
from app.justering.models import RecordRevision
from app.meetings.models import Meeting, RecordStatus
from app.organisations.models import Organisation
from app.publication import services as publication
from app.publication.models import Posting
from app.record.loading import meeting_with_details
from app.record.models import Attendance, AttendanceRole


@dataclass
class MeetingPage:
    meeting: Meeting
    items: list[AgendaItem]
    hidden_items: int  # items of the agenda the reader may not see
    proposals: dict[int, Any]
    visible_documents: dict[int, list[AgendaItemDocument]]
    show_agenda: bool
    show_record: bool
    record_readable: bool
    justered: RecordRevision | None
    justered_on: date | None
    in_correction: bool
    posting: Posting | None
    can_manage: bool
    # The body's side (secretaries, members): the signed original, the changes after kallelse.
    inside: bool
    # Each change with whether the reader may read the document (else no title is shown).
    changes_after_kallelse: list[tuple[AgendaDocumentChange, bool]]
    attendance: dict[AttendanceRole, list[Attendance]]

    def context(self) -> dict[str, Any]:
        """The page's values by name, for the template (the records themselves, not copies)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def meeting_page(user: Any, meeting: Meeting) -> MeetingPage:
    meeting = meeting_with_details(meeting.id)  # items, decisions, attendance: a fixed count
    show_record = permissions.can_view_record(user, meeting)
    show_agenda = permissions.can_view_agenda(user, meeting)
    items = [item for item in meeting.items if permissions.can_view_item(user, item)]
    inside = permissions.gets_signed_original(user, meeting)
    # Readers read the justerat record as signed, also while a rättelse of it is drafted.
    justered = justering.justered_revision(meeting)
    postings = publication.postings_of(meeting) if justered is not None else []
    return MeetingPage(
        meeting=meeting,
        items=items,
        hidden_items=len(meeting.items) - len(items) if show_agenda else 0,
        proposals=proposals(meeting) if show_agenda else {},
        visible_documents={
            item.id: [
                link for link in item.documents if permissions.can_view_item_document(user, link)
            ]
            for item in items
        },
        show_agenda=show_agenda,
        show_record=show_record,
        record_readable=(show_record and meeting.record_status != RecordStatus.NONE)
        or justered is not None,
        justered=justered,
        justered_on=justering.justered_on(justered) if justered else None,
        in_correction=justered is not None and meeting.record_status != RecordStatus.FINAL,
        posting=postings[0] if postings else None,
        can_manage=permissions.can_manage_meeting(user, meeting),
        inside=inside,
        changes_after_kallelse=[
            (change, permissions.can_view_document(user, change.document))
            for change in (changes_after_kallelse(meeting) if show_agenda and inside else [])
        ],
        attendance={
            role: [a for a in meeting.attendances if a.role == role] for role in AttendanceRole
        }
        if show_record
        else {},
    )


# -- the sammanträdesplan ------------------------------------------------------------------


@dataclass
class PlanPage:
    year: int
    years: list[int]  # the years with meetings, and this one: the page's year links
    meetings: list[Meeting]
    bodies: list[Body]  # the bodies shown (the organisation's filter offers them)
    body: Body | None  # the one body, on a body's plan or when the filter names one
    organisation: Organisation
    can_plan: bool  # may create meetings for the year (of ``body``)
    per_organisation: bool  # the organisation's plan (else one body's)

    def context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _plan(
    user: Any,
    organisation: Organisation,
    bodies: list[Body],
    year: int | None,
    body: Body | None,
) -> PlanPage:
    body_ids = [body.id] if body is not None else [b.id for b in bodies]
    this_year = local_today().year
    years = sorted(
        {
            int(y)
            for y in db.session.scalars(
                select(extract("year", Meeting.meeting_date))
                .where(Meeting.body_id.in_(body_ids))
                .distinct()
            )
        }
        | {this_year}
    )
    year = year if year is not None and 1900 <= year <= 9999 else this_year
    meetings = (
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.body_id.in_(body_ids),
                Meeting.meeting_date >= date(year, 1, 1),
                Meeting.meeting_date <= date(year, 12, 31),
            )
            .options(joinedload(Meeting.body))
            .order_by(Meeting.meeting_date, Meeting.start_time, Meeting.id)
        ).all()
        if body_ids
        else []
    )
    return PlanPage(
        year=year,
        years=years,
        meetings=list(meetings),
        bodies=bodies,
        body=body,
        organisation=organisation,
        can_plan=body is not None and permissions.can_manage_body(user, body),
        per_organisation=False,
    )


def body_plan(user: Any, body: Body, year: int | None) -> PlanPage:
    """The year's meetings of ``body`` (who may see it is decided before)."""
    return _plan(user, body.organisation, [body], year, body)


def organisation_plan(
    user: Any, organisation: Organisation, year: int | None, body_id: int | None
) -> PlanPage:
    """The year's meetings of every body of ``organisation`` the reader may see, by date;
    ``body_id`` narrows it to one of them (another is ignored, not disclosed)."""
    bodies = list(
        db.session.scalars(
            select(Body)
            .where(
                Body.organisation_id == organisation.id,
                permissions.visible_bodies_clause(user),
            )
            .order_by(Body.name)
        )
    )
    chosen = next((b for b in bodies if b.id == body_id), None)
    page = _plan(user, organisation, bodies, year, chosen)
    page.can_plan = False  # planning is done per body, on the body's plan
    page.per_organisation = True
    return page
