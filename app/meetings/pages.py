"""The meeting page as its reader sees it, gathered for the view: the agenda once sent, the
documents she may open, what changed after the kallelse, and the record (a link to it, or to
the justerat version). Who may open the page is decided before (``can_view_meeting``)."""

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from app.accounts import permissions
from app.agenda.models import AgendaDocumentChange, AgendaItem, AgendaItemDocument
from app.agenda.sentences import proposals
from app.agenda.services import changes_after_kallelse
from app.justering import services as justering
from app.justering.models import RecordRevision
from app.meetings.models import Meeting, RecordStatus
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
