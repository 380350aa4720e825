"""Meetings as calendar events, and the feeds of a body and of a person.

Each meeting is the event ``app.meetings.calendar`` builds, as the kallelse's invitation and
the move mail are: one UID for life, so a client that has both shows one event, and a SEQUENCE
that never goes down and is at least that of the last invitation sent, so a client replaces
what it has.
A cancelled meeting stays in the feed with ``STATUS:CANCELLED``: clients then strike it out
or remove it, where a vanished event would linger in some of them.
"""

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from app.bodies.models import Body, Membership
from app.core.calendar import CalendarEvent
from app.extensions import db
from app.meetings.calendar import meeting_event
from app.meetings.models import Meeting
from app.people.models import Person

MeetingUrl = Callable[[Meeting], str]


def body_meetings(body: Body) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.body_id == body.id)
            .order_by(Meeting.meeting_date, Meeting.start_time, Meeting.id)
        )
    )


def person_meetings(person: Person, bodies: list[Body]) -> list[Meeting]:
    """The meetings of ``bodies`` held while the person had a seat (or served) there."""
    body_ids = {body.id for body in bodies}
    memberships = [
        m
        for m in db.session.scalars(select(Membership).where(Membership.person_id == person.id))
        if m.body_id in body_ids
    ]
    if not memberships:
        return []
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.body_id.in_({m.body_id for m in memberships}))
        .order_by(Meeting.meeting_date, Meeting.start_time, Meeting.id)
    )
    return [
        meeting
        for meeting in meetings
        if any(
            m.body_id == meeting.body_id
            and (meeting.term_id is None or m.term_id == meeting.term_id)
            and m.is_active(meeting.meeting_date)
            for m in memberships
        )
    ]


def events_of(meetings: list[Meeting], url: MeetingUrl) -> list[CalendarEvent]:
    return [meeting_event(meeting, url(meeting)) for meeting in meetings]


# Feeds are fetched often and change seldom; a client asking more often gains nothing.
REFRESH = timedelta(hours=6)
