"""The meeting page as its readers see it: the agenda once sent, the documents they may open,
and the record (a link to it, or to the justerat version)."""

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.accounts.permissions import (
    can_manage_body,
    can_view_agenda,
    can_view_document,
    can_view_item,
    can_view_item_document,
    can_view_meeting,
    can_view_record,
    gets_signed_original,
)
from app.agenda.models import AgendaItemDocument
from app.agenda.sentences import proposals
from app.agenda.services import changes_after_kallelse
from app.core.loading import HIDDEN, load, loaded
from app.core.views import stored_pdf_response
from app.justering import services as justering
from app.meetings.models import Meeting, RecordStatus
from app.publication import services as publication
from app.record.loading import meeting_with_details
from app.record.models import AttendanceRole

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


@bp.get("/<int:meeting_id>")
@loaded("meeting_id", Meeting, can_view_meeting, refusal=HIDDEN)  # existence not disclosed
def show(meeting: Meeting):
    meeting = meeting_with_details(meeting.id)  # items, decisions, attendance: a fixed count
    manager = can_manage_body(current_user, meeting.body)
    show_record = can_view_record(current_user, meeting)
    show_agenda = can_view_agenda(current_user, meeting)
    attendance = {
        role: [a for a in meeting.attendances if a.role == role] for role in AttendanceRole
    }
    items = [item for item in meeting.items if can_view_item(current_user, item)]
    visible_documents = {
        item.id: [link for link in item.documents if can_view_item_document(current_user, link)]
        for item in items
    }
    inside = gets_signed_original(current_user, meeting)
    # What changed in the handlingar after the kallelse: who, when, what (a title only where
    # the reader may read the document).
    changes = [
        (change, can_view_document(current_user, change.document))
        for change in (changes_after_kallelse(meeting) if show_agenda and inside else [])
    ]
    # Readers read the justerat record as signed, also while a rättelse of it is drafted.
    justered = justering.justered_revision(meeting)
    postings = publication.postings_of(meeting) if justered is not None else []
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        items=items,
        hidden_items=len(meeting.items) - len(items) if show_agenda else 0,
        proposals=proposals(meeting) if show_agenda else {},
        visible_documents=visible_documents,
        show_agenda=show_agenda,
        show_record=show_record,
        record_readable=(show_record and meeting.record_status != RecordStatus.NONE)
        or justered is not None,
        justered=justered,
        justered_on=justering.justered_on(justered) if justered else None,
        in_correction=justered is not None and meeting.record_status != RecordStatus.FINAL,
        posting=postings[0] if postings else None,
        can_manage=manager,
        inside=inside,
        changes_after_kallelse=changes,
        attendance=attendance if show_record else {},
    )


@bp.get("/<int:meeting_id>/documents/<int:link_id>")
@loaded("meeting_id", Meeting, can_view_meeting, refusal=HIDDEN)
def document(meeting: Meeting, link_id: int):
    """A beslutsunderlag as the meeting page links it, for whoever the page shows it to."""
    link = load(AgendaItemDocument, link_id, can_view_item_document, refusal=HIDDEN)
    if link.item.meeting_id != meeting.id or not link.document.has_file:
        abort(404)
    return stored_pdf_response(link.document.sha256, link.document.filename or "dokument.pdf")
