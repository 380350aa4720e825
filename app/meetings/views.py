"""The meeting page as its readers see it: the agenda once sent, the documents they may open,
and the record (a link to it, or to the justerat version)."""

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.accounts.permissions import (
    can_view_item_document,
    can_view_meeting,
)
from app.agenda.models import AgendaItemDocument
from app.core.loading import HIDDEN, load, loaded
from app.core.views import stored_pdf_response
from app.meetings.models import Meeting
from app.meetings.pages import meeting_page
from app.record.loading import MEETING_WITH_BODY

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


@bp.get("/<int:meeting_id>")
@loaded(  # existence not disclosed
    "meeting_id", Meeting, can_view_meeting, refusal=HIDDEN, options=MEETING_WITH_BODY
)
def show(meeting: Meeting):
    page = meeting_page(current_user, meeting)
    return render_template("meetings/show.html", **page.context())


@bp.get("/<int:meeting_id>/documents/<int:link_id>")
@loaded("meeting_id", Meeting, can_view_meeting, refusal=HIDDEN)
def document(meeting: Meeting, link_id: int):
    """A beslutsunderlag as the meeting page links it, for whoever the page shows it to."""
    link = load(AgendaItemDocument, link_id, can_view_item_document, refusal=HIDDEN)
    if link.item.meeting_id != meeting.id or not link.document.has_file:
        abort(404)
    return stored_pdf_response(link.document.sha256, link.document.filename or "dokument.pdf")
