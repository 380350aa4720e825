"""Sending the kallelse: the agenda PDF, a link to the handlingar and a calendar invitation to
every ledamot and ersättare of the body, recorded on the meeting."""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.agenda.rendering import agenda_fingerprint, agenda_pdf, packet_pdf
from app.bodies.models import Membership, MembershipKind
from app.core.actors import Actor
from app.core.audit import record_change
from app.core.calendar import CalendarEvent, invitation_ics, invitation_media_type
from app.core.dates import local_to_utc, local_today
from app.core.errors import DomainError
from app.core.mail import Attachment, MailError, OutgoingMessage, send_messages
from app.core.models import utcnow
from app.documents.packet import PacketError
from app.documents.render import RenderError
from app.documents.storage import StorageError
from app.extensions import db
from app.meetings.models import AgendaStatus, Dispatch, Meeting, MeetingStatus
from app.notifications.services import notify_kallelse
from app.people.models import Person

SEATED = (MembershipKind.ORDINARY, MembershipKind.SUBSTITUTE)


def recipients_of(meeting: Meeting) -> list[Person]:
    """Ledamöter and ersättare of the body in the meeting's term, seated on the meeting day."""
    memberships = db.session.scalars(
        select(Membership)
        .where(
            Membership.body_id == meeting.body_id,
            Membership.kind.in_(SEATED),
            *([Membership.term_id == meeting.term_id] if meeting.term_id else []),
        )
        .options(joinedload(Membership.person))  # not one statement per member
    )
    people: dict[int, Person] = {}
    for membership in memberships:
        if (membership.start_date is None or membership.start_date <= meeting.meeting_date) and (
            membership.end_date is None or meeting.meeting_date <= membership.end_date
        ):
            people[membership.person_id] = membership.person
    return sorted(people.values(), key=lambda p: p.name)


def is_changed_since_sent(meeting: Meeting) -> bool:
    dispatch = meeting.last_dispatch
    return dispatch is not None and dispatch.agenda_fingerprint != agenda_fingerprint(meeting)


def _event(meeting: Meeting, url: str, sequence: int) -> CalendarEvent:
    host = current_app.config.get("SERVER_NAME") or "sekretariat"
    start = meeting.starts_at
    end = None
    if start is not None and meeting.end_time is not None:
        # Both times are Stockholm wall-clock times (starts_at is their UTC instant).
        end = local_to_utc(meeting.meeting_date, meeting.end_time)
        if end <= start:
            end = start + timedelta(hours=1)
    return CalendarEvent(
        uid=f"meeting-{meeting.id}@{host}",
        summary=meeting.body.name,
        start=start or datetime.combine(meeting.meeting_date, datetime.min.time()).astimezone(),
        end=end,
        location=meeting.place or None,
        description=f"Kallelse och handlingar: {url}",
        url=url,
        sequence=sequence,
        all_day_date=None if start else meeting.meeting_date,
    )


def send_kallelse(
    actor: Actor | None,
    meeting: Meeting,
    *,
    meeting_url: str,
    packet_url: str,
    preliminary: bool = False,
) -> Dispatch:
    """Email the kallelse to the members and record it; a second call sends an update. The
    agenda is fastställd first, unless the secretary chose to send it ``preliminary`` (the
    mail then says so)."""
    if meeting.agenda_status != AgendaStatus.CONFIRMED and not preliminary:
        raise DomainError(
            _(
                "The agenda is preliminary. Confirm it (fastställ) before sending the "
                "kallelse, or choose to send the preliminary agenda."
            )
        )
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError(_("The meeting is cancelled."))
    if meeting.meeting_date < local_today() and meeting.status == MeetingStatus.HELD:
        raise DomainError(_("The meeting has been held."))
    people = recipients_of(meeting)
    with_email = [p for p in people if p.email]
    if not with_email:
        raise DomainError(_("No member of the body has an email address on file."))
    try:
        pdf = agenda_pdf(meeting)
    except RenderError as error:
        current_app.logger.exception("agenda PDF not made for the kallelse")
        raise DomainError(
            _("The agenda PDF could not be made, so nothing was sent: %(reason)s", reason=error)
        ) from error
    is_update = bool(meeting.dispatches)
    label = "Ändrad kallelse" if is_update else "Kallelse"
    subject = f"{label}: {meeting.title}"
    event = _event(meeting, meeting_url, sequence=len(meeting.dispatches))
    ics = invitation_ics(
        event,
        organizer_email=current_app.config["MAIL_DEFAULT_SENDER"].split("<")[-1].rstrip(">"),
        organizer_name=meeting.body.name,
        attendees=[(p.name, p.email or "") for p in with_email],  # all have one
    )
    text = _kallelse_text(
        meeting, meeting_url, packet_url, is_update, meeting.agenda_status != AgendaStatus.CONFIRMED
    )
    filename = f"Foredragningslista {meeting.title}.pdf"
    failed: dict[str, str] = {}
    try:
        send_messages(
            [
                OutgoingMessage(
                    to=[person.email or ""],  # all have one
                    subject=subject,
                    text=text,
                    attachments=[
                        Attachment(filename, pdf, "application/pdf"),
                        Attachment("invitation.ics", ics, invitation_media_type(event)),
                    ],
                )
                for person in with_email
            ]
        )
    except MailError as error:
        failed = error.failed_recipients or {}
        if not failed or len(failed) >= len(with_email):
            raise  # nothing went out: nothing is recorded
    dispatch = Dispatch(
        sent_at=utcnow(),
        sent_by_id=getattr(actor, "id", None),
        is_update=is_update,
        agenda_fingerprint=meeting.agenda_fingerprint or agenda_fingerprint(meeting),
        agenda_pdf_sha256=meeting.agenda_pdf_sha256,
        recipients=[
            {"name": p.name, "email": p.email} for p in with_email if p.email not in failed
        ],
        without_email=[p.name for p in people if not p.email],
        failed=[p.name for p in with_email if p.email in failed],
    )
    meeting.dispatches.append(dispatch)
    if meeting.status == MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.CONVENED
    record_change(db.session, actor, "send kallelse", meeting)
    _store_packet(meeting)
    notify_kallelse(meeting, dispatch, meeting_url=meeting_url)  # never raises: mail is logged
    return dispatch


def _store_packet(meeting: Meeting) -> None:
    """The handlingar the kallelse links to are built and stored now, so that its readers get
    them as stored (a GET writes nothing). One that cannot be built does not stop the kallelse:
    the link then builds them as a background job, which shows the reason."""
    try:
        packet_pdf(meeting)
    except (PacketError, RenderError, StorageError):
        current_app.logger.exception("handlingar not built with the kallelse")


def _kallelse_text(
    meeting: Meeting, meeting_url: str, packet_url: str, is_update: bool, preliminary: bool
) -> str:
    lines = [
        f"{'Ändrad kallelse' if is_update else 'Kallelse'} till sammanträde med "
        f"{meeting.body.name}.",
        "",
        f"Datum: {meeting.meeting_date.isoformat()}",
    ]
    if meeting.time_span:
        lines.append(f"Tid: {meeting.time_span}")
    if meeting.place:
        lines.append(f"Plats: {meeting.place}")
    lines += [
        "",
        "Föredragningslistan är bifogad."
        + (" Den är preliminär: den kan ändras innan den fastställs." if preliminary else ""),
        f"Handlingar: {packet_url}",
        f"Sammanträdet på webben: {meeting_url}",
        "",
        "Meddela sekreteraren om du har förhinder, så att en ersättare kan kallas in.",
    ]
    return "\n".join(lines)
