"""Subscriptions and the notices they bring.

A logged-in reader subscribes, per body, to new kallelser and to published records (a
justerat protokoll, signed minnesanteckningar, a justerad rättelse). The kallelse and the
justering call ``notify_kallelse`` and ``notify_record_published`` once their change is made;
a notice that cannot be mailed is logged and never undoes that change. Each subscriber gets
a message of her own (nobody sees the others' addresses), only about what she may read.
"""

from collections.abc import Callable
from datetime import date, time
from typing import Any

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.permissions import (
    can_subscribe,
    can_view_agenda,
    can_view_record,
    roles_of,
    visible_bodies_clause,
)
from app.bodies.models import Body, Membership, MembershipKind, RecordType
from app.core.actors import Actor
from app.core.audit import record_change
from app.core.dates import swedish_weekday_date
from app.core.errors import DomainError
from app.core.mail import MailError, OutgoingMessage, send_messages
from app.extensions import db
from app.meetings.calendar import invitation_attachment
from app.meetings.models import Dispatch, Meeting, MeetingMode
from app.notifications.models import Subscription, SubscriptionTopic
from app.organisations.models import Organisation
from app.people.models import Person

# -- managing subscriptions ------------------------------------------------------------------------


def subscribable_bodies(user: Any) -> list[Body]:
    """The bodies ``user`` may subscribe to: those she may see, her own first."""
    roles = roles_of(user)
    own = roles.member_of | roles.secretary_of
    bodies = db.session.scalars(
        select(Body)
        .join(Body.organisation)
        .where(visible_bodies_clause(user))
        .order_by(Organisation.name, Body.name)
    ).all()
    return sorted(bodies, key=lambda body: body.id not in own)


def subscriptions_of(user: Any) -> set[tuple[int, SubscriptionTopic]]:
    return {
        (s.body_id, s.topic)
        for s in db.session.scalars(select(Subscription).where(Subscription.user_id == user.id))
    }


def set_subscriptions(
    actor: Actor, user: User, wanted: set[tuple[int, SubscriptionTopic]]
) -> tuple[int, int]:
    """Make ``user``'s subscriptions exactly ``wanted``; returns (added, removed).

    A body she may not see cannot be subscribed to (and is not disclosed: the error is the
    same as for a body that does not exist).
    """
    for body_id, _topic in wanted:
        body = db.session.get(Body, body_id)
        if body is None or not can_subscribe(user, body):
            raise DomainError(_("There is no such body to subscribe to."))
    existing = {
        (s.body_id, s.topic): s
        for s in db.session.scalars(select(Subscription).where(Subscription.user_id == user.id))
    }
    removed = 0
    for key, subscription in existing.items():
        if key not in wanted:
            record_change(db.session, actor, "unsubscribe", subscription)
            db.session.delete(subscription)
            removed += 1
    added = 0
    for body_id, topic in sorted(wanted - set(existing)):
        subscription = Subscription(user_id=user.id, body_id=body_id, topic=topic)
        db.session.add(subscription)
        record_change(db.session, actor, "subscribe", subscription)
        added += 1
    db.session.flush()
    return added, removed


# -- notices ---------------------------------------------------------------------------------------


def _subscribers(
    body: Body, topic: SubscriptionTopic, may_read: Callable[[User], bool]
) -> list[User]:
    users = db.session.scalars(
        select(User)
        .join(Subscription, Subscription.user_id == User.id)
        .where(Subscription.body_id == body.id, Subscription.topic == topic)
        .order_by(User.id)
    )
    # Rights are checked at sending: a member who has left a non-public body hears no more.
    return [user for user in users if user.is_active and may_read(user)]


def _link(endpoint: str, **values: Any) -> str:
    """An absolute link; a command (flask seed-demo) has no request to take the host from
    and, without SERVER_NAME, gets the path."""
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _deliver(messages: list[OutgoingMessage], what: str) -> int:
    """Send the notices; a mail server that fails is logged, never raised: the kallelse or the
    justering they tell about stands."""
    if not messages:
        return 0
    try:
        send_messages(messages)
    except MailError as error:
        current_app.logger.warning("%s notices not (all) sent: %s", what, error.message)
        return len(error.message_ids)
    return len(messages)


def _guarded(what: str, notify: Callable[[], int]) -> int:
    """Nothing about a notice may undo what it tells about: an unexpected error is logged."""
    try:
        return notify()
    except Exception:
        current_app.logger.exception("%s notices not sent", what)
        return 0


def notify_kallelse(meeting: Meeting, dispatch: Dispatch, *, meeting_url: str) -> int:
    """Tell the body's kallelse subscribers that a kallelse (or a changed one) went out.

    Those the kallelse itself was mailed to are not told again. Returns the notices sent.
    """

    def notify() -> int:
        already = {(r.get("email") or "").casefold() for r in dispatch.recipients}
        subscribers = _subscribers(
            meeting.body,
            SubscriptionTopic.KALLELSE,
            lambda user: can_view_agenda(user, meeting),
        )
        if not subscribers:
            return 0
        label = "Ändrad kallelse" if dispatch.is_update else "Ny kallelse"
        manage_url = _link("notifications.index")
        messages = [
            OutgoingMessage(
                to=[user.email],
                subject=f"{label}: {meeting.title}",
                text=render_template(
                    "notifications/mail_kallelse.txt",
                    meeting=meeting,
                    is_update=dispatch.is_update,
                    meeting_url=meeting_url,
                    manage_url=manage_url,
                ),
            )
            for user in subscribers
            if user.email.casefold() not in already
            and not (user.person and (user.person.email or "").casefold() in already)
        ]
        return _deliver(messages, "kallelse")

    return _guarded("kallelse", notify)


def notify_record_published(meeting: Meeting, *, is_correction: bool = False) -> int:
    """Tell the body's record subscribers that the record is published (justerat protokoll,
    signed minnesanteckningar, or a rättelse of them). Returns the notices sent."""

    def notify() -> int:
        subscribers = _subscribers(
            meeting.body, SubscriptionTopic.RECORD, lambda user: can_view_record(user, meeting)
        )
        if not subscribers:
            return 0
        is_protocol = meeting.body.record_type == RecordType.PROTOCOL
        if is_correction:
            subject = "Rättelse av protokoll" if is_protocol else "Rättelse av minnesanteckningar"
        else:
            subject = "Justerat protokoll" if is_protocol else "Minnesanteckningar"
        record_url = _link("record.show", meeting_id=meeting.id)
        manage_url = _link("notifications.index")
        messages = [
            OutgoingMessage(
                to=[user.email],
                subject=f"{subject}: {meeting.title}",
                text=render_template(
                    "notifications/mail_record.txt",
                    meeting=meeting,
                    is_protocol=is_protocol,
                    is_correction=is_correction,
                    record_url=record_url,
                    manage_url=manage_url,
                ),
            )
            for user in subscribers
        ]
        return _deliver(messages, "record")

    return _guarded("record", notify)


# -- a meeting moved -------------------------------------------------------------------------------

# What a member is told about when it changes: when and where the meeting is.
MEETING_PLACE_AND_TIME = (
    "meeting_date",
    "start_time",
    "end_time",
    "room",
    "building",
    "location",
    "mode",
)


def place_and_time_of(meeting: Meeting) -> dict[str, Any]:
    """The values of ``MEETING_PLACE_AND_TIME``, to compare after a change."""
    return {name: getattr(meeting, name) for name in MEETING_PLACE_AND_TIME}


def _members_on_the_day(meeting: Meeting) -> list[Person]:
    """Ledamöter and ersättare of the body in the meeting's term, seated on its day: those
    who get its kallelse and have it in their calendars."""
    memberships = db.session.scalars(
        select(Membership).where(
            Membership.body_id == meeting.body_id,
            Membership.kind.in_((MembershipKind.ORDINARY, MembershipKind.SUBSTITUTE)),
            *([Membership.term_id == meeting.term_id] if meeting.term_id else []),
        )
    )
    people = {
        m.person_id: m.person
        for m in memberships
        if (m.start_date is None or m.start_date <= meeting.meeting_date)
        and (m.end_date is None or meeting.meeting_date <= m.end_date)
    }
    return sorted(people.values(), key=lambda person: person.name)


def _time_text(start: time | None, end: time | None) -> str:
    if start is None:
        return "ingen tid angiven"
    return f"kl. {start:%H:%M}" + (f"-{end:%H:%M}" if end else "")


def _place_text(values: dict[str, Any]) -> str:
    place = ", ".join(values[name] for name in ("room", "building", "location") if values[name])
    return place or "ingen plats angiven"


def _mode_text(mode: MeetingMode) -> str:
    return {"on_site": "på plats", "remote": "på distans", "hybrid": "hybrid"}[mode.value]


def meeting_changes(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, str]]:
    """What changed of a meeting's day, time, place and mode, as the mail words it:
    ("Datum", "tisdag 3 februari 2026", "tisdag 10 februari 2026"), …"""
    changes: list[tuple[str, str, str]] = []
    day: tuple[date, date] = (before["meeting_date"], after["meeting_date"])
    if day[0] != day[1]:
        changes.append(("Datum", swedish_weekday_date(day[0]), swedish_weekday_date(day[1])))
    old_time = _time_text(before["start_time"], before["end_time"])
    new_time = _time_text(after["start_time"], after["end_time"])
    if old_time != new_time:
        changes.append(("Tid", old_time, new_time))
    if _place_text(before) != _place_text(after):
        changes.append(("Plats", _place_text(before), _place_text(after)))
    if before["mode"] != after["mode"]:
        changes.append(("Form", _mode_text(before["mode"]), _mode_text(after["mode"])))
    return changes


def notify_meeting_moved(meeting: Meeting, before: dict[str, Any]) -> int:
    """Tell the body's ledamöter and ersättare (those with an address) that the meeting's
    day, time, place or mode changed, old → new, with the meeting's calendar invitation
    (``METHOD:REQUEST``, the kallelse's UID, a higher SEQUENCE: ``app.meetings.calendar``), so
    a calendar that took the kallelse's invitation moves the event. The calendar feeds already
    show the new time. Call it after the change is flushed (the SEQUENCE follows the meeting's
    version). Returns the mails sent; a mail server that fails is logged and never undoes the
    change."""

    def notify() -> int:
        changes = meeting_changes(before, place_and_time_of(meeting))
        people = [person for person in _members_on_the_day(meeting) if person.email]
        if not changes or not people:
            return 0
        moved = before["meeting_date"] != meeting.meeting_date
        subject = (
            f"{'Flyttat' if moved else 'Ändrat'} sammanträde: {meeting.body.name} "
            f"{swedish_weekday_date(meeting.meeting_date)}"
        )
        meeting_url = _link("meetings.show", meeting_id=meeting.id)
        text = render_template(
            "notifications/mail_meeting_moved.txt",
            meeting=meeting,
            changes=changes,
            was_on=swedish_weekday_date(before["meeting_date"]),
            meeting_url=meeting_url,
            calendar_url=_link("calendars.body_feed", body_id=meeting.body_id),
        )
        invitation = invitation_attachment(
            meeting, meeting_url, [(person.name, person.email or "") for person in people]
        )
        return _deliver(
            [
                OutgoingMessage(
                    to=[person.email or ""], subject=subject, text=text, attachments=[invitation]
                )
                for person in people
            ],
            "meeting moved",
        )

    return _guarded("meeting moved", notify)


# -- the move mail goes after the commit -------------------------------------------------------

MOVED = "sekretariat.meetings_moved"


def notify_meeting_moved_after_commit(meeting: Meeting, before: dict[str, Any]) -> None:
    """Tell the members about a move once it is committed (``notify_meeting_moved``): a change
    rolled back (a stale version, a refused justerare choice in the same form) mails no one.
    Several changes of one meeting before the commit make one mail, from the first state."""
    db.session().info.setdefault(MOVED, {}).setdefault(meeting.id, before)


def _send_moved(session: Session) -> None:
    moved = session.info.pop(MOVED, None)
    if not moved:
        return
    # The committed session runs no more SQL here: the mails are made in an application
    # context of their own (so a session of their own).
    with current_app.app_context():
        try:
            for meeting_id, before in moved.items():
                meeting = db.session.get(Meeting, meeting_id)
                if meeting is not None:
                    notify_meeting_moved(meeting, before)
        finally:
            db.session.remove()


def _forget_moved(session: Session, *args: Any) -> None:
    session.info.pop(MOVED, None)


_installed = False


def install_move_hooks() -> None:
    """Send the move mails after the commit that moved the meetings (once per process)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_commit", _send_moved)
    event.listen(Session, "after_soft_rollback", _forget_moved)
    _installed = True
