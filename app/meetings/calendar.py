"""A meeting as a calendar event: the one place that builds it, its UID and its SEQUENCE.

The kallelse's invitation (``app.agenda.kallelse``), the mail telling the members that a
meeting moved (``app.notifications.services``) and the calendar feeds (``app.calendars.feeds``)
all take the event from here, so a client that has the meeting from any of them holds one
event and replaces it with each newer one.

The SEQUENCE is the meeting's version plus the number of kallelser sent (``dispatches``). Both
only ever rise, so it never goes down, whichever of the three a member last got:

- a kallelse (or an updated one) counts itself among the dispatches it is about to record, so
  it is one above everything sent before it, a move mail included;
- moving a meeting changes it, so its version (and the move mail's SEQUENCE) rises above the
  last kallelse's, which was sent at a lower version;
- the feed shows the meeting as it is now: never below the last mail.

This module reads only the meetings' models and the core, so every package's work may use it.
"""

from datetime import datetime

from flask import current_app

from app.core.calendar import CalendarEvent, invitation_ics, invitation_media_type
from app.core.dates import LOCAL_TZ
from app.core.mail import Attachment
from app.meetings.models import Meeting, MeetingStatus

INVITATION_FILENAME = "invitation.ics"


def meeting_uid(meeting: Meeting) -> str:
    """The meeting's UID, the same for the life of the meeting in every invitation and feed."""
    host = current_app.config.get("SERVER_NAME") or "sekretariat"
    return f"meeting-{meeting.id}@{host}"


def meeting_sequence(meeting: Meeting, *, sending_kallelse: bool = False) -> int:
    """The meeting's SEQUENCE now; with ``sending_kallelse`` the one of the kallelse about to
    be sent (and recorded as one more dispatch). See the module's docstring for why it never
    goes down and rises with each change sent out."""
    return meeting.version + len(meeting.dispatches) + (1 if sending_kallelse else 0)


def meeting_event(
    meeting: Meeting,
    url: str,
    *,
    description: str | None = None,
    sending_kallelse: bool = False,
) -> CalendarEvent:
    """The meeting as an event: its time in Stockholm, else an all-day event on its date.
    Only what the meeting page shows everyone: heading, time, place and the link (feeds may be
    public). ``description`` replaces the default line with the link."""
    start = meeting.starts_at
    end = None
    if start is not None and meeting.end_time is not None:
        end = datetime.combine(meeting.meeting_date, meeting.end_time, tzinfo=LOCAL_TZ)
        if end <= start:
            end = None  # a time span over midnight is not how meetings are entered: one hour
    cancelled = meeting.status == MeetingStatus.CANCELLED
    return CalendarEvent(
        uid=meeting_uid(meeting),
        summary=f"{meeting.body.name}{' (inställt)' if cancelled else ''}",
        start=start or datetime.combine(meeting.meeting_date, datetime.min.time(), LOCAL_TZ),
        end=end,
        location=meeting.place or None,
        description=description or f"Sammanträdet på webben: {url}",
        url=url,
        sequence=meeting_sequence(meeting, sending_kallelse=sending_kallelse),
        status="CANCELLED" if cancelled else "CONFIRMED",
        all_day_date=None if start else meeting.meeting_date,
    )


def invitation_attachment(
    meeting: Meeting,
    url: str,
    attendees: list[tuple[str, str]],
    *,
    description: str | None = None,
    sending_kallelse: bool = False,
) -> Attachment:
    """The meeting's invitation to attach to a mail to ``attendees`` (``(name, email)``):
    ``METHOD:REQUEST`` with its time now (``METHOD:CANCEL`` once it is cancelled), from the
    body, organised by the sender of the application's mail."""
    event = meeting_event(meeting, url, description=description, sending_kallelse=sending_kallelse)
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    ics = invitation_ics(
        event,
        organizer_email=sender.split("<")[-1].rstrip(">").strip(),
        organizer_name=meeting.body.name,
        attendees=attendees,
    )
    return Attachment(INVITATION_FILENAME, ics, invitation_media_type(event))
