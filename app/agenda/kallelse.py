"""Sending the kallelse: the secretary's covering letter, the agenda PDF, a link to the
handlingar and a calendar invitation to the recipients she chose (by default every ledamot and
ersättare of the body), recorded on the meeting with what the mail server said per recipient.

Each mailing keeps the agenda as it described it (``agenda_snapshot``): an update mail lists
the differences between that and the agenda now, so it names only changes the data shows.
"""

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.agenda.models import (
    AgendaItem,
    DeliveryStatus,
    KallelseDelivery,
    KallelseDraft,
    KallelseMailing,
    MailingKind,
    RecipientKind,
)
from app.agenda.rendering import (
    agenda_fingerprint,
    agenda_pdf,
    packet_pdf,
    public_agenda_pdf,
    shared_links,
)
from app.bodies.models import Membership, MembershipKind
from app.core.actors import Actor
from app.core.audit import record_change
from app.core.dates import (
    local_stamp,
    local_today,
    swedish_clock,
    swedish_long_date,
)
from app.core.errors import ConflictError, DomainError
from app.core.mail import Attachment, MailError, OutgoingMessage, send_messages
from app.core.models import utcnow
from app.documents.packet import PacketError
from app.documents.render import RenderError
from app.documents.storage import StorageError
from app.documents.stored import fingerprint_of
from app.extensions import db
from app.meetings.calendar import invitation_attachment
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
    """Whether the agenda differs from what the members were last told: the kallelse, or the
    update mail sent after it."""
    dispatch = meeting.last_dispatch
    if dispatch is None:
        return False
    told = dispatch.agenda_fingerprint
    mailing = last_mailing(meeting)
    if mailing is not None and mailing.kind == MailingKind.UPDATE and mailing.agenda_fingerprint:
        told = mailing.agenda_fingerprint
    return told != agenda_fingerprint(meeting)


# -- recipients --------------------------------------------------------------------------------


@dataclass
class Recipient:
    """Someone the kallelse may go to, with why: a seat, a staff role, an item to present."""

    person: Person
    kind: RecipientKind
    # What the list says beside the name: "Föredragande: punkt 5 Budget 2027", "Tjänsteperson".
    role: str
    # Ledamöter and ersättare are chosen unless the secretary unticks them.
    is_default: bool
    # The items she presents ("punkt 5 Budget 2027").
    presents: list[str] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.person.id

    @property
    def email(self) -> str | None:
        return self.person.email


def _presenter_names(item: AgendaItem) -> list[str]:
    """The names of an item's presenters: each line up to its first comma."""
    lines = (item.presenters or "").splitlines()
    return [line.split(",")[0].strip() for line in lines if line.strip()]


def candidate_recipients(meeting: Meeting) -> list[Recipient]:
    """Everyone the kallelse may go to: the ledamöter and ersättare seated on the meeting day
    (chosen by default), then the body's other members and officials and the presenters of its
    items whom the register knows by name (offered, not chosen)."""
    # One statement for every membership the kallelse may go to, seated or not.
    memberships = _memberships(meeting, (*SEATED, MembershipKind.CO_OPTED, MembershipKind.STAFF))
    kinds: dict[int, MembershipKind] = {}
    for membership in memberships:
        # An ordinary seat wins over a substitute one in the same term.
        if membership.kind in SEATED and kinds.get(membership.person_id) != MembershipKind.ORDINARY:
            kinds[membership.person_id] = membership.kind
    found: dict[int, Recipient] = {}
    for membership in memberships:
        person, seat = membership.person, kinds.get(membership.person_id)
        if seat is None or person.id in found:
            continue
        kind = (
            RecipientKind.ORDINARY if seat == MembershipKind.ORDINARY else RecipientKind.SUBSTITUTE
        )
        found[person.id] = Recipient(person, kind, kind.label, is_default=True)
    for membership in memberships:
        if membership.person_id not in found:
            found[membership.person_id] = Recipient(
                membership.person,
                RecipientKind.OTHER,
                membership.function or membership.kind.label,
                is_default=False,
            )
    presented: dict[str, list[str]] = {}
    for item in meeting.items:
        for name in _presenter_names(item):
            number = item.display_number  # the agenda's number, before any §
            presented.setdefault(name, []).append(
                f"punkt {number} {item.title}" if number else item.title
            )
    if presented:
        people = db.session.scalars(
            select(Person).where(Person.name.in_(list(presented)), Person.email.is_not(None))
        ).all()
        for person in people:
            items = presented.get(person.name, [])
            if person.id not in found:
                found[person.id] = Recipient(
                    person, RecipientKind.OTHER, _("Presenter"), is_default=False
                )
            found[person.id].presents = items
    order = list(RecipientKind)
    return sorted(found.values(), key=lambda r: (order.index(r.kind), r.person.name))


def _memberships(meeting: Meeting, kinds: tuple[MembershipKind, ...]) -> list[Membership]:
    memberships = db.session.scalars(
        select(Membership)
        .where(
            Membership.body_id == meeting.body_id,
            Membership.kind.in_(kinds),
            *([Membership.term_id == meeting.term_id] if meeting.term_id else []),
        )
        .options(joinedload(Membership.person))
    )
    return [
        m
        for m in memberships
        if (m.start_date is None or m.start_date <= meeting.meeting_date)
        and (m.end_date is None or meeting.meeting_date <= m.end_date)
    ]


# -- the draft: covering letter and choice ------------------------------------------------------


def default_covering_letter(meeting: Meeting) -> str:
    """A följebrev from the meeting's data, for the secretary to edit."""
    when = swedish_long_date(meeting.meeting_date)
    if meeting.start_time is not None:
        when += f" {swedish_clock(meeting.start_time)}"
    where = f", {meeting.place}" if meeting.place else ""
    lines = [
        "Hej,",
        "",
        f"Du kallas till sammanträde med {meeting.body.name} {when}{where}.",
        "",
        "Föredragningslistan är bifogad och handlingarna finns på länken nedan.",
        "",
        "Med vänlig hälsning",
    ]
    if meeting.secretary is not None:
        lines.append(meeting.secretary.name)
    lines.append(meeting.body.organisation.name)
    return "\n".join(lines)


def draft_of(meeting: Meeting) -> KallelseDraft | None:
    return db.session.scalar(select(KallelseDraft).where(KallelseDraft.meeting_id == meeting.id))


def covering_letter_of(meeting: Meeting, draft: KallelseDraft | None) -> str:
    """The letter as the secretary last saved it (``draft``, from ``draft_of``), or the
    default made from the meeting as it is now (also when she saved the default unchanged)."""
    if draft is not None and draft.covering_letter:
        return draft.covering_letter
    return default_covering_letter(meeting)


def chosen_ids(candidates: list[Recipient], draft: KallelseDraft | None) -> set[int]:
    """Whom the secretary chose (saved in ``draft``, from ``draft_of``), or by default the
    ledamöter and ersättare."""
    known = {r.id for r in candidates}
    if draft is None or draft.recipient_ids is None:
        return {r.id for r in candidates if r.is_default}
    return {i for i in draft.recipient_ids if i in known}


def save_kallelse_draft(
    actor: Actor | None, meeting: Meeting, *, covering_letter: str, recipient_ids: list[int]
) -> KallelseDraft:
    """Keep the covering letter and the chosen recipients for the meeting's next kallelse."""
    known = {r.id for r in candidate_recipients(meeting)}
    if any(i not in known for i in recipient_ids):
        raise DomainError(_("Choose the recipients from the list."))
    draft = draft_of(meeting)
    if draft is None:
        draft = KallelseDraft(meeting_id=meeting.id)
        db.session.add(draft)
    # A browser sends a textarea's lines ended by CRLF; the mail is built from plain lines.
    letter = covering_letter.replace("\r\n", "\n").strip()
    # The default as it stands is not kept: it is made again from the meeting's data each
    # time, so a meeting moved later is called with its new day and place ("" = the default).
    draft.covering_letter = "" if letter == default_covering_letter(meeting) else letter
    draft.recipient_ids = sorted(set(recipient_ids))
    db.session.flush()
    return draft


# -- the mail as each kind of recipient gets it -------------------------------------------------


@dataclass
class MailPreview:
    kind: RecipientKind
    # Whose mail it is shown as (the first chosen of the kind); None: nobody of the kind.
    example: str | None
    subject: str
    text: str


def _subject(meeting: Meeting, is_update: bool) -> str:
    return f"{'Ändrad kallelse' if is_update else 'Kallelse'}: {meeting.title}"


def kallelse_text(
    meeting: Meeting,
    recipient: Recipient | None,
    kind: RecipientKind,
    *,
    covering_letter: str,
    meeting_url: str,
    packet_url: str,
    is_update: bool,
    preliminary: bool,
) -> str:
    """The mail's text: the covering letter, the meeting's facts and links, and a closing
    paragraph for the recipient's kind (a presenter is told which items are hers)."""
    lines = [covering_letter.strip(), "", "—", ""] if covering_letter.strip() else []
    lines += [
        f"{'Ändrad kallelse' if is_update else 'Kallelse'} till sammanträde med "
        f"{meeting.body.name}.",
        "",
        f"Datum: {swedish_long_date(meeting.meeting_date)}",
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
    ]
    if kind == RecipientKind.ORDINARY:
        lines.append(
            "Du kallas som ledamot. Meddela sekreteraren om du har förhinder, så att en "
            "ersättare kan kallas in."
        )
    elif kind == RecipientKind.SUBSTITUTE:
        lines.append(
            "Du kallas som ersättare. Du tjänstgör om en ledamot har förhinder; sekreteraren "
            "meddelar dig i så fall."
        )
    else:
        lines.append("Du får kallelsen för kännedom.")
    if recipient is not None and recipient.presents:
        lines.append(f"Du är föredragande för {'; '.join(recipient.presents)}.")
    return "\n".join(lines)


def preview_kallelse(
    meeting: Meeting,
    candidates: list[Recipient],
    chosen: set[int],
    *,
    covering_letter: str,
    meeting_url: str,
    packet_url: str,
) -> list[MailPreview]:
    """The mail as a ledamot, an ersättare and an other recipient will get it."""
    is_update = bool(meeting.dispatches)
    preliminary = meeting.agenda_status != AgendaStatus.CONFIRMED
    previews = []
    for kind in RecipientKind:
        of_kind = [r for r in candidates if r.kind == kind and r.id in chosen]
        example = of_kind[0] if of_kind else None
        previews.append(
            MailPreview(
                kind=kind,
                example=example.person.name if example else None,
                subject=_subject(meeting, is_update),
                text=kallelse_text(
                    meeting,
                    example,
                    kind,
                    covering_letter=covering_letter,
                    meeting_url=meeting_url,
                    packet_url=packet_url,
                    is_update=is_update,
                    preliminary=preliminary,
                ),
            )
        )
    return previews


# -- sending --------------------------------------------------------------------------------------


def check_kallelse_sendable(
    meeting: Meeting,
    *,
    preliminary: bool,
    recipient_ids: list[int] | None = None,
    seen_mailing_id: int | None = None,
) -> list[Recipient]:
    """The chosen recipients with an email address, or why the kallelse cannot go: the agenda
    is fastställd first, unless the secretary chose to send it ``preliminary``; and, given
    ``seen_mailing_id`` (the latest mailing's id, 0 for none, when she opened the page),
    nothing was mailed since: a second click or a colleague's send is not sent again."""
    if seen_mailing_id is not None:
        latest = last_mailing(meeting)
        if (latest.id if latest is not None else 0) != seen_mailing_id:
            raise ConflictError(
                _(
                    "A kallelse or update mail for this meeting was sent after this page was "
                    "opened (see Delivery). Nothing more was sent: check the panel and send "
                    "again if it is still needed."
                )
            )
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
    candidates = candidate_recipients(meeting)
    if recipient_ids is None:
        chosen = [r for r in candidates if r.is_default]
    else:
        known = {r.id for r in candidates}
        if any(i not in known for i in recipient_ids):
            raise DomainError(_("Choose the recipients from the list."))
        chosen = [r for r in candidates if r.id in set(recipient_ids)]
    with_email = [r for r in chosen if r.email]
    if not with_email:
        if recipient_ids is None:
            raise DomainError(_("No member of the body has an email address on file."))
        raise DomainError(_("Choose at least one recipient with an email address."))
    return chosen


def send_kallelse(
    actor: Actor | None,
    meeting: Meeting,
    *,
    meeting_url: str,
    packet_url: str,
    preliminary: bool = False,
    recipient_ids: list[int] | None = None,
    covering_letter: str | None = None,
    seen_mailing_id: int | None = None,
) -> Dispatch:
    """Email the kallelse to the chosen recipients (by default the ledamöter and ersättare)
    with the covering letter (by default the saved one) and record it, with what the mail
    server said per recipient; a second call sends an update. The agenda is fastställd first,
    unless the secretary chose to send it ``preliminary`` (the mail then says so)."""
    chosen = check_kallelse_sendable(
        meeting,
        preliminary=preliminary,
        recipient_ids=recipient_ids,
        seen_mailing_id=seen_mailing_id,
    )
    with_email = [r for r in chosen if r.email]
    letter = (
        covering_letter
        if covering_letter is not None
        else covering_letter_of(meeting, draft_of(meeting))
    )
    try:
        pdf = agenda_pdf(meeting)
        # Those who are no member of the body (officials, presenters) get the public items only.
        others = any(r.kind == RecipientKind.OTHER for r in with_email)
        public_pdf = public_agenda_pdf(meeting) if others else pdf
    except RenderError as error:
        current_app.logger.exception("agenda PDF not made for the kallelse")
        raise DomainError(
            _("The agenda PDF could not be made, so nothing was sent: %(reason)s", reason=error)
        ) from error
    is_update = bool(meeting.dispatches)
    subject = _subject(meeting, is_update)
    # One event with the feed and the move mail; its SEQUENCE counts this kallelse, so it is
    # above every invitation sent before (app.meetings.calendar).
    invitation = invitation_attachment(
        meeting,
        meeting_url,
        [(r.person.name, r.email or "") for r in with_email],  # all have one
        description=f"Kallelse och handlingar: {meeting_url}",
        sending_kallelse=True,
    )
    is_preliminary = meeting.agenda_status != AgendaStatus.CONFIRMED
    filename = f"Foredragningslista {meeting.title}.pdf"
    failed = _send(
        [
            OutgoingMessage(
                to=[r.email or ""],  # all have one
                subject=subject,
                text=kallelse_text(
                    meeting,
                    r,
                    r.kind,
                    covering_letter=letter,
                    meeting_url=meeting_url,
                    packet_url=packet_url,
                    is_update=is_update,
                    preliminary=is_preliminary,
                ),
                attachments=[
                    Attachment(
                        filename,
                        public_pdf if r.kind == RecipientKind.OTHER else pdf,
                        "application/pdf",
                    ),
                    invitation,
                ],
            )
            for r in with_email
        ]
    )
    fingerprint = meeting.agenda_fingerprint or agenda_fingerprint(meeting)
    dispatch = Dispatch(
        sent_at=utcnow(),
        sent_by_id=getattr(actor, "id", None),
        is_update=is_update,
        agenda_fingerprint=fingerprint,
        agenda_pdf_sha256=meeting.agenda_pdf_sha256,
        recipients=[
            {"name": r.person.name, "email": r.email or ""}
            for r in with_email
            if (r.email or "").casefold() not in failed
        ],
        # The ledamöter and ersättare the secretary must tell another way.
        without_email=[p.name for p in recipients_of(meeting) if not p.email],
        failed=[r.person.name for r in with_email if (r.email or "").casefold() in failed],
    )
    meeting.dispatches.append(dispatch)
    _record_mailing(
        actor,
        meeting,
        MailingKind.KALLELSE,
        subject=subject,
        recipients=with_email,
        failed=failed,
        covering_letter=letter,
        fingerprint=fingerprint,
    )
    if meeting.status == MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.CONVENED
    record_change(db.session, actor, "send kallelse", meeting)
    _store_packet(meeting)
    notify_kallelse(meeting, dispatch, meeting_url=meeting_url)  # never raises: mail is logged
    return dispatch


def _send(messages: list[OutgoingMessage]) -> dict[str, str]:
    """Send; the addresses the server refused (casefolded) with its reply. When nothing went
    out the MailError is raised: nothing is recorded as sent."""
    try:
        send_messages(messages)
    except MailError as error:
        failed = {address.casefold(): reason for address, reason in error.failed_recipients.items()}
        if not failed or len(failed) >= len(messages):
            raise
        return failed
    return {}


def _record_mailing(
    actor: Actor | None,
    meeting: Meeting,
    kind: MailingKind,
    *,
    subject: str,
    recipients: list[Recipient],
    failed: dict[str, str],
    fingerprint: str,
    covering_letter: str | None = None,
    changes: list[str] | None = None,
) -> KallelseMailing:
    now = utcnow()
    mailing = KallelseMailing(
        meeting_id=meeting.id,
        kind=kind,
        sent_at=now,
        sent_by_id=getattr(actor, "id", None),
        subject=subject,
        covering_letter=covering_letter,
        changes=changes or [],
        agenda_fingerprint=fingerprint,
        agenda_snapshot=agenda_snapshot(meeting),
    )
    for r in recipients:
        reason = failed.get((r.email or "").casefold())
        mailing.deliveries.append(
            KallelseDelivery(
                person_id=r.person.id,
                name=r.person.name,
                email=r.email or "",
                recipient_kind=r.kind,
                status=DeliveryStatus.FAILED if reason is not None else DeliveryStatus.SENT,
                sent_at=None if reason is not None else now,
                reason=reason,
            )
        )
    db.session.add(mailing)
    db.session.flush()
    return mailing


def mailings_of(meeting: Meeting) -> list[KallelseMailing]:
    """The meeting's kallelser and update mails, the latest first, with their deliveries."""
    return list(
        db.session.scalars(
            select(KallelseMailing)
            .where(KallelseMailing.meeting_id == meeting.id)
            .options(selectinload(KallelseMailing.deliveries))
            .order_by(KallelseMailing.sent_at.desc(), KallelseMailing.id.desc())
        )
    )


def last_mailing(meeting: Meeting) -> KallelseMailing | None:
    return db.session.scalar(
        select(KallelseMailing)
        .where(KallelseMailing.meeting_id == meeting.id)
        .order_by(KallelseMailing.sent_at.desc(), KallelseMailing.id.desc())
        .limit(1)
    )


# -- what changed since the kallelse: the update mail ------------------------------------------


def agenda_snapshot(meeting: Meeting) -> list[dict[str, Any]]:
    """The agenda as the recipients are told it: each item's number, title and texts, and the
    beslutsunderlag every recipient reads (never a secret one's title); ``public`` tells the
    items a recipient who is no member of the body is sent."""
    return [
        {
            "id": item.id,
            "number": item.display_number,
            "title": item.title,
            "public": item.is_public,
            "withdrawn": item.is_withdrawn,
            "text": fingerprint_of(item.summary or "", item.proposal or "", item.presenters or ""),
            "documents": [
                {
                    "id": link.document.id,
                    "title": link.document.title,
                    "sha256": link.document.sha256,
                }
                for link in shared_links(meeting, item)
            ],
        }
        for item in meeting.items
    ]


def _named(item: dict[str, Any]) -> str:
    number = item.get("number") or ""
    return f"Punkt {number} {item['title']}" if number else str(item["title"])


def _public_view(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The two snapshots as a recipient who is no member of the body was sent them: the public
    items only. A snapshot kept before items carried ``public`` counts none as public, so that
    nothing closed is named; an item public now is then compared as it was."""
    shown = [item for item in after if item.get("public")]
    shown_ids = {item["id"] for item in shown}
    was_shown = [
        item
        for item in before
        if item.get("public") or ("public" not in item and item["id"] in shown_ids)
    ]
    return was_shown, shown


def agenda_changes(
    before: list[dict[str, Any]], after: list[dict[str, Any]], *, public_only: bool = False
) -> list[str]:
    """One Swedish sentence per difference between two snapshots, in agenda order: an item
    added, removed, withdrawn, retitled or with changed texts; a document added, removed,
    renamed or replaced by a new file. Moves and renumbering alone are not listed.
    ``public_only``: the differences in the public items, for those who are sent only these."""
    if public_only:
        before, after = _public_view(before, after)
    old = {item["id"]: item for item in before}
    new_ids = {item["id"] for item in after}
    lines: list[str] = []
    for item in after:
        was = old.get(item["id"])
        if was is None:
            lines.append(f"Ny punkt: {_named(item)}.")
            continue
        if item["title"] != was["title"]:
            lines.append(
                f"{'Punkt ' + item['number'] if item['number'] else 'Punkten'} har bytt rubrik "
                f"från ”{was['title']}” till ”{item['title']}”."
            )
        if item["withdrawn"] and not was["withdrawn"]:
            lines.append(f"{_named(item)} utgår.")
        elif was["withdrawn"] and not item["withdrawn"]:
            lines.append(f"{_named(item)} är åter på föredragningslistan.")
        if item["text"] != was["text"]:
            lines.append(f"{_named(item)}: texten har ändrats.")
        old_docs = {d["id"]: d for d in was["documents"]}
        new_docs = {d["id"] for d in item["documents"]}
        for doc in item["documents"]:
            had = old_docs.get(doc["id"])
            if had is None:
                lines.append(f"{_named(item)}: ny handling ”{doc['title']}”.")
                continue
            if had["title"] != doc["title"]:
                lines.append(
                    f"{_named(item)}: handlingen ”{had['title']}” heter nu ”{doc['title']}”."
                )
            if had["sha256"] != doc["sha256"]:
                lines.append(f"{_named(item)}: handlingen ”{doc['title']}” har ersatts.")
        for doc in was["documents"]:
            if doc["id"] not in new_docs:
                lines.append(f"{_named(item)}: handlingen ”{doc['title']}” har tagits bort.")
    for item in before:
        if item["id"] not in new_ids:
            lines.append(f"{_named(item)} har tagits bort från föredragningslistan.")
    return lines


def pending_changes(meeting: Meeting) -> list[str]:
    """What changed since the last kallelse or update mail ([] when none was sent)."""
    mailing = last_mailing(meeting)
    if mailing is None:
        return []
    return agenda_changes(mailing.agenda_snapshot, agenda_snapshot(meeting))


def _kallelse_mailing(meeting: Meeting) -> KallelseMailing | None:
    return db.session.scalar(
        select(KallelseMailing)
        .where(
            KallelseMailing.meeting_id == meeting.id,
            KallelseMailing.kind == MailingKind.KALLELSE,
        )
        .order_by(KallelseMailing.sent_at.desc(), KallelseMailing.id.desc())
        .limit(1)
    )


def update_text(
    meeting: Meeting,
    changes: list[str],
    since: KallelseMailing,
    *,
    meeting_url: str,
    packet_url: str,
) -> str:
    what = "kallelsen" if since.kind == MailingKind.KALLELSE else "det senaste ändringsutskicket"
    lines = [
        f"Föredragningslistan till sammanträdet med {meeting.body.name} "
        f"{swedish_long_date(meeting.meeting_date)} har ändrats sedan {what} skickades "
        f"{local_stamp(since.sent_at)}:",
        "",
        *[f"- {line}" for line in changes],
        "",
        f"Handlingar: {packet_url}",
        f"Sammanträdet på webben: {meeting_url}",
    ]
    return "\n".join(lines)


def check_agenda_update(
    meeting: Meeting,
) -> tuple[KallelseMailing, KallelseMailing, list[str]]:
    """The last mailing, the kallelse and what changed since the last mailing; or why no
    update mail can go."""
    since = last_mailing(meeting)
    kallelse = _kallelse_mailing(meeting)
    if since is None or kallelse is None:
        if meeting.dispatches:  # sent before the agenda as sent was kept
            raise DomainError(
                _(
                    "The kallelse was sent before the agenda as sent was kept, so its "
                    "changes cannot be listed. Send the kallelse again to list later changes."
                )
            )
        raise DomainError(_("The kallelse has not been sent: there is nothing to update."))
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError(_("The meeting is cancelled."))
    if meeting.status == MeetingStatus.HELD:
        # What changes now is the record, not the agenda the members were called with.
        raise DomainError(_("The meeting has been held."))
    changes = agenda_changes(since.agenda_snapshot, agenda_snapshot(meeting))
    if not changes:
        raise DomainError(_("Nothing on the agenda has changed since the last mail."))
    return since, kallelse, changes


def send_agenda_update(
    actor: Actor | None, meeting: Meeting, *, meeting_url: str, packet_url: str
) -> KallelseMailing:
    """Mail those the kallelse reached a list of exactly what changed in the agenda since the
    kallelse (or the last update mail), and record it. Those who are no member of the body
    were sent the public items only: their list names changes in those, and when there are
    none they get no mail."""
    since, kallelse, changes = check_agenda_update(meeting)
    public_changes = agenda_changes(
        since.agenda_snapshot, agenda_snapshot(meeting), public_only=True
    )
    reached = [d for d in kallelse.deliveries if d.status == DeliveryStatus.SENT]
    people = {
        p.id: p
        for p in db.session.scalars(
            select(Person).where(Person.id.in_([d.person_id for d in reached if d.person_id]))
        )
    }
    recipients = [
        Recipient(people[d.person_id], d.recipient_kind, "", is_default=True)
        for d in reached
        if d.person_id in people and people[d.person_id].email
    ]
    if not recipients:
        raise DomainError(_("Nobody the kallelse reached has an email address on file."))
    subject = f"Ändringar i föredragningslistan: {meeting.title}"
    urls = {"meeting_url": meeting_url, "packet_url": packet_url}
    text = update_text(meeting, changes, since, **urls)
    public_text = update_text(meeting, public_changes, since, **urls) if public_changes else ""
    recipients = [r for r in recipients if r.kind != RecipientKind.OTHER or public_changes]
    failed = _send(
        [
            OutgoingMessage(
                to=[r.email or ""],
                subject=subject,
                text=public_text if r.kind == RecipientKind.OTHER else text,
            )
            for r in recipients
        ]
    )
    mailing = _record_mailing(
        actor,
        meeting,
        MailingKind.UPDATE,
        subject=subject,
        recipients=recipients,
        failed=failed,
        changes=changes,
        fingerprint=agenda_fingerprint(meeting),
    )
    record_change(db.session, actor, "send agenda update", mailing)
    return mailing


def _store_packet(meeting: Meeting) -> None:
    """The handlingar the kallelse links to are built and stored now, so that its readers get
    them as stored (a GET writes nothing). One that cannot be built does not stop the kallelse:
    the link then builds them as a background job, which shows the reason."""
    try:
        packet_pdf(meeting)
    except (PacketError, RenderError, StorageError):
        current_app.logger.exception("handlingar not built with the kallelse")
