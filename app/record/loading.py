"""Loading a meeting for its pages in a fixed number of statements, however many items,
attendances, documents or decisions it has (tests/test_query_counts.py holds us to it)."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.agenda.models import AgendaItem, AgendaItemDocument
from app.extensions import db
from app.meetings.models import Meeting, MeetingAdjuster
from app.record.models import (
    Assignment,
    Attendance,
    Ballot,
    Decision,
    DecisionRecipient,
    Motion,
    ProtocolNote,
    Recusal,
    Reservation,
    Vote,
)

# Everything the meeting page, the record page and the record's print template read per item.
ITEM_DETAILS = (
    joinedload(AgendaItem.case),
    joinedload(AgendaItem.decision).options(
        selectinload(Decision.assignments).options(
            joinedload(Assignment.assignee_body), joinedload(Assignment.due_meeting)
        ),
        selectinload(Decision.recipients).options(
            joinedload(DecisionRecipient.organisation),
            joinedload(DecisionRecipient.body),
            joinedload(DecisionRecipient.person),
        ),
    ),
    selectinload(AgendaItem.documents).joinedload(AgendaItemDocument.document),
    selectinload(AgendaItem.notices),
    selectinload(AgendaItem.motions).joinedload(Motion.person),
    selectinload(AgendaItem.votes).selectinload(Vote.ballots).joinedload(Ballot.person),
    selectinload(AgendaItem.reservations).joinedload(Reservation.person),
    selectinload(AgendaItem.recusals).options(
        joinedload(Recusal.person), joinedload(Recusal.substitute)
    ),
    selectinload(AgendaItem.protocol_notes).joinedload(ProtocolNote.person),
    selectinload(AgendaItem.reported_assignments).options(
        joinedload(Assignment.assignee_body),
        joinedload(Assignment.decision)
        .joinedload(Decision.item)
        .joinedload(AgendaItem.meeting)
        .joinedload(Meeting.body),
    ),
)
MEETING_DETAILS = (
    joinedload(Meeting.body),
    joinedload(Meeting.secretary),
    selectinload(Meeting.items).options(*ITEM_DETAILS),
    selectinload(Meeting.attendances).options(
        joinedload(Attendance.person),
        joinedload(Attendance.replaces),
        joinedload(Attendance.organisation),
        joinedload(Attendance.from_item),
        joinedload(Attendance.to_item),
    ),
    selectinload(Meeting.adjusters).joinedload(MeetingAdjuster.person),
)


def meeting_with_details(meeting_id: int) -> Meeting | None:
    """The meeting with its items, their decisions, process and documents, and its attendance,
    loaded at once. Relationships already loaded in this session are loaded again."""
    return db.session.scalars(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(*MEETING_DETAILS)
        .execution_options(populate_existing=True)
    ).one_or_none()
