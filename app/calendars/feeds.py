"""Meetings as calendar events, and the feeds of a body and of a person.

A meeting keeps one UID for life, the same as in the kallelse's invitation
(``app.agenda.kallelse``), so a client that has both shows one event. Its SEQUENCE never goes
down and is at least that of the last invitation sent, so a client replaces what it has.
A cancelled meeting stays in the feed with ``STATUS:CANCELLED``: clients then strike it out
or remove it, where a vanished event would linger in some of them.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.bodies.models import Body, Membership
from app.core.calendar import CalendarEvent
from app.core.dates import LOCAL_TZ
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus
from app.people.models import Person

MeetingUrl = Callable[[Meeting], str]


def meeting_uid(meeting: Meeting) -> str:
    """The meeting's UID: as the kallelse invitation writes it."""
    host = current_app.config.get("SERVER_NAME") or "sekretariat"
    return f"meeting-{meeting.id}@{host}"


def meeting_sequence(meeting: Meeting) -> int:
    """Never lower than the last invitation's (``len(dispatches) - 1``) and never decreasing:
    the meeting's version rises with every change of it."""
    return max(len(meeting.dispatches), meeting.version - 1, 0)


def meeting_event(meeting: Meeting, url: str) -> CalendarEvent:
    """The meeting as an event: its time in Stockholm, else an all-day event on its date.
    Only what the meeting page shows everyone: heading, time, place and the link."""
    start = meeting.starts_at
    end = None
    if start is not None and meeting.end_time is not None:
        end = datetime.combine(meeting.meeting_date, meeting.end_time, tzinfo=LOCAL_TZ)
        if end <= start:
            end = None  # a time span over midnight is not how meetings are entered
    cancelled = meeting.status == MeetingStatus.CANCELLED
    return CalendarEvent(
        uid=meeting_uid(meeting),
        summary=f"{meeting.body.name}{' (inställt)' if cancelled else ''}",
        start=start or datetime.combine(meeting.meeting_date, datetime.min.time(), LOCAL_TZ),
        end=end,
        location=meeting.place or None,
        description=f"Sammanträdet på webben: {url}",
        url=url,
        sequence=meeting_sequence(meeting),
        status="CANCELLED" if cancelled else "CONFIRMED",
        all_day_date=None if start else meeting.meeting_date,
    )


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
