from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.accounts.permissions import (
    can_manage_body,
    can_view_agenda,
    can_view_document,
    can_view_meeting,
    can_view_record,
)
from app.agenda.sentences import proposals
from app.extensions import db
from app.meetings.models import AttendanceRole, Meeting

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


@bp.get("/<int:meeting_id>")
def show(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    if not can_view_meeting(current_user, meeting):
        abort(404)
    show_record = can_view_record(current_user, meeting)
    show_agenda = can_view_agenda(current_user, meeting)
    attendance = {
        role: [a for a in meeting.attendances if a.role == role] for role in AttendanceRole
    }
    items = list(meeting.items) if show_agenda else []
    if not can_manage_body(current_user, meeting.body):
        items = [item for item in items if item.is_public]
    visible_documents = {
        item.id: [
            link
            for link in item.documents
            if can_view_document(current_user, link.document, meeting.body)
        ]
        for item in items
    }
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        items=items,
        proposals=proposals(meeting) if show_agenda else {},
        visible_documents=visible_documents,
        show_agenda=show_agenda,
        show_record=show_record,
        can_manage=can_manage_body(current_user, meeting.body),
        attendance=attendance if show_record else {},
    )
