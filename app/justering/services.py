"""Justering and signing of the record.

A protokoll is sent to justering by the meeting's secretary: the PDF is rendered once with an
empty signature box per signatory, every signature field is created, and the secretary signs
hers. The chair and the justerare then approve (each approval is a PAdES signature in its own
field) or reject with a comment. A rejection closes the round and opens the record again; the
secretary's changes go out in a new round. When every signatory has approved, the revision
is justerat: its signed original, the public copy and the HTML read on the web are stored
and never change again. A later correction is a rättelse: a new revision, with a reason, that
goes through justering like the first; the original stays as it was.

Minnesanteckningar have no justering: the secretary finalises and signs alone.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.bodies.models import RecordType
from app.core.actors import Actor
from app.core.audit import record_change, snapshot
from app.core.dates import local_date, local_stamp, local_today
from app.core.errors import DomainError
from app.core.mail import MailError, OutgoingMessage, send_messages
from app.core.models import utcnow
from app.documents.render import RenderError, render_pdf, render_pdf_with_boxes
from app.documents.storage import read_bytes, store_bytes
from app.extensions import db
from app.justering.models import (
    JusteringRound,
    RecordRevision,
    RoundStatus,
    Signoff,
    SignoffRole,
    SignoffStatus,
)
from app.meetings.models import Meeting, RecordStatus
from app.notifications.services import notify_record_published
from app.people.models import Person
from app.record.rendering import (
    Attestation,
    SignatureLine,
    record_print_html,
    record_public_html,
    record_view,
)
from app.record.services import finalise_minutes, make_final, not_held_yet, record_problems
from app.signing.backends import backend_from_config
from app.signing.errors import SigningError
from app.signing.pdf import Signatory, SignatureSlot, add_signature_fields, sign_pdf

# Kommunallagen: the protokoll is justerat within 14 days of the meeting.
JUSTERING_DAYS = 14
# The deadline is warned about this many days before it.
WARNING_DAYS = 3


class NotYourSignature(Exception):
    """A login tried to approve or reject a signature that belongs to someone else."""


# -- reading -------------------------------------------------------------------------------------


def deadline_of(meeting: Meeting, revision: RecordRevision | None = None) -> date:
    """14 days after the meeting; a rättelse gets 14 days from the day it is sent."""
    if revision is not None and revision.is_correction:
        return local_today() + timedelta(days=JUSTERING_DAYS)
    return meeting.meeting_date + timedelta(days=JUSTERING_DAYS)


@dataclass(frozen=True)
class Deadline:
    day: date
    days_left: int

    @property
    def is_overdue(self) -> bool:
        return self.days_left < 0

    @property
    def is_near(self) -> bool:
        return self.days_left <= WARNING_DAYS


def deadline_status(meeting: Meeting, today: date | None = None) -> Deadline:
    """The deadline of the round out, else of the last round of the revision, else the one a
    first round would get."""
    revision = current_revision(meeting)
    if revision is not None and revision.rounds:
        day = revision.rounds[-1].deadline
    else:
        day = deadline_of(meeting, revision)
    return Deadline(day, (day - (today or local_today())).days)


def revisions_of(meeting: Meeting) -> list[RecordRevision]:
    return list(
        db.session.scalars(
            select(RecordRevision)
            .where(RecordRevision.meeting_id == meeting.id)
            .order_by(RecordRevision.number)
        )
    )


def current_revision(meeting: Meeting) -> RecordRevision | None:
    revisions = revisions_of(meeting)
    return revisions[-1] if revisions else None


def justered_revisions(meeting: Meeting) -> list[RecordRevision]:
    """The revisions that are justerat (signed), the original first."""
    return [r for r in revisions_of(meeting) if r.justered_at is not None]


def justered_revision(meeting: Meeting) -> RecordRevision | None:
    """The latest revision that is justerat: what readers are shown, also while a rättelse
    of it is being drafted."""
    done = justered_revisions(meeting)
    return done[-1] if done else None


def rounds_of(meeting: Meeting) -> list[JusteringRound]:
    return list(
        db.session.scalars(
            select(JusteringRound)
            .where(JusteringRound.meeting_id == meeting.id)
            .order_by(JusteringRound.sent_at, JusteringRound.id)
        )
    )


def open_round(meeting: Meeting) -> JusteringRound | None:
    return next((r for r in rounds_of(meeting) if r.is_open), None)


def pending_signoffs(person: Person | None) -> list[Signoff]:
    """The signatures a person is asked for: open rounds, not yet approved or rejected."""
    if person is None:
        return []
    return list(
        db.session.scalars(
            select(Signoff)
            .join(Signoff.round)
            .where(
                Signoff.person_id == person.id,
                Signoff.status == SignoffStatus.PENDING,
                JusteringRound.status == RoundStatus.OPEN,
            )
            .order_by(JusteringRound.deadline)
        )
    )


def chair_of(meeting: Meeting) -> Person | None:
    return record_view(meeting, []).chair


def signatories(meeting: Meeting) -> list[tuple[SignoffRole, Person]]:
    """Who signs, in the order the document prints them."""
    if meeting.secretary is None:
        raise DomainError(_("Name the secretary who signs the record."))
    people = [(SignoffRole.SECRETARY, meeting.secretary)]
    if meeting.body.record_type == RecordType.PROTOCOL:
        chair = chair_of(meeting)
        if chair is None:
            raise DomainError(_("Choose the chair of the meeting (ordförande)."))
        people.append((SignoffRole.CHAIR, chair))
        people.extend((SignoffRole.ADJUSTER, a.person) for a in meeting.adjusters)
    ids = [person.id for _role, person in people]
    if len(set(ids)) != len(ids):
        raise DomainError(
            _(
                "Each signatory signs once: the justerare must be others than the chair "
                "and the secretary."
            )
        )
    with_login = set(db.session.scalars(select(User.person_id).where(User.person_id.in_(ids))))
    without_login = [person.name for _role, person in people if person.id not in with_login]
    if without_login:
        raise DomainError(
            _(
                "%(names)s cannot sign: they have no login. Create an account for them first.",
                names=", ".join(without_login),
            )
        )
    return people


def _field_names(roles: list[SignoffRole]) -> list[str]:
    names, adjusters = [], 0
    for role in roles:
        if role == SignoffRole.ADJUSTER:
            adjusters += 1
            names.append(f"justerare-{adjusters}")
        else:
            names.append({"secretary": "sekreterare", "chair": "ordforande"}[role.value])
    return names


# -- sending -------------------------------------------------------------------------------------


def _require_secretary(actor: Actor | None, meeting: Meeting) -> Person:
    """The secretary's own signature is made when she sends (or finalises) the record."""
    secretary = meeting.secretary
    if secretary is None:
        raise DomainError(_("Name the secretary who signs the record."))
    if getattr(actor, "person_id", None) != secretary.id:
        raise DomainError(
            _(
                "Only %(name)s, the secretary of this meeting, can sign the record. "
                "Change the meeting's secretary if someone else keeps it.",
                name=secretary.name,
            )
        )
    return secretary


def _open_revision(actor: Actor | None, meeting: Meeting) -> RecordRevision:
    revision = current_revision(meeting)
    if revision is None or revision.justered_at is not None:
        revision = RecordRevision(
            meeting_id=meeting.id,
            number=1 if revision is None else revision.number + 1,
            opened_by_id=getattr(actor, "id", None),
        )
        db.session.add(revision)
        db.session.flush()
    return revision


def _correction(revision: RecordRevision) -> tuple[int, str] | None:
    return (revision.number, revision.reason or "") if revision.is_correction else None


def _prepared_pdf(meeting: Meeting, revision: RecordRevision, signoffs: list[Signoff]) -> bytes:
    """The record with one empty signature box and one signature field per signatory."""
    lines = [
        SignatureLine(field=s.field_name, label=s.role.printed, name=s.person.name)
        for s in signoffs
    ]
    html = record_print_html(meeting, signature_lines=lines, correction=_correction(revision))
    view = record_view(meeting, [])
    pdf, boxes = render_pdf_with_boxes(
        html,
        [f"sig-{line.field}" for line in lines],
        title=f"{view.title.capitalize()} {meeting.title}",
    )
    slots = []
    for line in lines:
        box = boxes[f"sig-{line.field}"]
        slots.append(SignatureSlot(name=line.field, page=box.page, box=box.box))
    return add_signature_fields(pdf, slots)


def _sign(justering: JusteringRound, signoff: Signoff, user: Actor | None, reason: str) -> None:
    """Sign the round's PDF in the signoff's field; every signature is audited."""
    before = snapshot(signoff)
    now = utcnow()
    signed = sign_pdf(
        read_bytes(justering.pdf_sha256),
        field=signoff.field_name,
        signatory=Signatory(
            name=signoff.person.name, role=signoff.role.printed, email=signoff.person.email
        ),
        backend=backend_from_config(),
        reason=reason,
        signed_at=now,
    )
    justering.pdf_sha256 = store_bytes(signed)
    signoff.status = SignoffStatus.APPROVED
    signoff.decided_at = now
    signoff.decided_by_id = getattr(user, "id", None)
    record_change(db.session, user, "sign", signoff, before)


def _new_round(actor: Actor | None, meeting: Meeting, revision: RecordRevision) -> JusteringRound:
    people = signatories(meeting)
    fields = _field_names([role for role, _person in people])
    signoffs = [
        Signoff(person=person, person_id=person.id, role=role, position=i, field_name=name)
        for i, ((role, person), name) in enumerate(zip(people, fields, strict=True))
    ]
    number = 1 + len(revision.rounds)
    justering = JusteringRound(
        meeting_id=meeting.id,
        revision=revision,
        number=number,
        sent_by_id=getattr(actor, "id", None),
        deadline=deadline_of(meeting, revision),
        pdf_sha256=store_bytes(_prepared_pdf(meeting, revision, signoffs)),
        signoffs=signoffs,
    )
    db.session.add(justering)
    return justering


@dataclass
class Sent:
    round: JusteringRound
    # Why the notifications could not be mailed, if they could not.
    mail_problem: str | None = None


def check_sendable(actor: Actor | None, meeting: Meeting) -> None:
    """Why ``actor`` cannot send the protokoll to justering now (DomainError), if she cannot.

    Asked before the signing is handed to a background job, so that a refusal is said at
    once; ``send_to_justering`` asks again when it runs. Changes nothing.
    """
    if meeting.body.record_type != RecordType.PROTOCOL:
        raise DomainError(_("Minutes have no justering: the secretary finalises them."))
    if meeting.record_status != RecordStatus.DRAFT:
        raise DomainError(_("Only a draft protokoll can be sent to justering."))
    problems = record_problems(meeting)
    if problems:
        raise DomainError(" ".join(problems))
    _require_secretary(actor, meeting)
    signatories(meeting)  # the chair is marked


def send_to_justering(
    actor: Actor | None, meeting: Meeting, *, review_url: Callable[[int], str]
) -> Sent:
    """The secretary signs the protokoll and asks the chair and the justerare to approve it.

    ``review_url(round_id)`` is the link in the notification. People who
    have no email address on file are listed by ``unnotified(round)``.
    """
    check_sendable(actor, meeting)
    make_final_texts(meeting)
    revision = _open_revision(actor, meeting)
    with _documents_errors():
        justering = _new_round(actor, meeting, revision)
        _sign(justering, justering.signoffs[0], actor, "Protokollförare")
    meeting.record_status = RecordStatus.JUSTERING
    db.session.flush()
    record_change(db.session, actor, "send to justering", meeting)
    problem = _notify_signatories(justering, review_url(justering.id))
    return Sent(justering, problem)


@contextmanager
def _documents_errors() -> Iterator[None]:
    """A PDF that cannot be rendered or signed leaves the record as it was, with the reason."""
    try:
        yield
    except (RenderError, SigningError, ValueError) as error:
        current_app.logger.exception("record PDF not made")
        raise DomainError(
            _("The PDF could not be made, nothing was changed: %(reason)s", reason=str(error))
        ) from error


def make_final_texts(meeting: Meeting) -> None:
    """Freeze generated texts before the record is signed (see record.services.make_final)."""
    status = meeting.record_status
    make_final(meeting)
    meeting.record_status = status


def _notify_signatories(justering: JusteringRound, review_url: str) -> str | None:
    meeting = justering.meeting
    messages = []
    for signoff in justering.signoffs[1:]:
        if not signoff.person.email:
            continue
        messages.append(
            OutgoingMessage(
                to=[signoff.person.email],
                subject=(f"Justering: protokoll {meeting.title}"),
                text=render_template(
                    "justering/mail_request.txt",
                    meeting=meeting,
                    signoff=signoff,
                    justering=justering,
                    review_url=review_url,
                ),
            )
        )
    return _send(messages)


def unnotified(justering: JusteringRound) -> list[Person]:
    return [s.person for s in justering.signoffs[1:] if not s.person.email]


def _send(messages: list[OutgoingMessage]) -> str | None:
    """Notifications go out after the change; when the mail server fails, the justering
    stands and the reason is returned for the secretary to see."""
    if not messages:
        return None
    try:
        send_messages(messages)
    except MailError as error:
        current_app.logger.warning("justering mail not sent: %s", error.message)
        return error.message
    return None


# -- reminding (Påminn) ------------------------------------------------------------------------

# A second reminder within this time is refused: a double click, or two secretaries at once,
# do not mail the signatories twice.
REMIND_INTERVAL = timedelta(hours=1)


def waiting_signoffs(justering: JusteringRound) -> list[Signoff]:
    """The signatories of an open round who have not answered (the secretary signs at sending)."""
    if not justering.is_open:
        return []
    return [s for s in justering.signoffs[1:] if s.status == SignoffStatus.PENDING]


def last_reminded(justering: JusteringRound) -> datetime | None:
    times = [s.reminded_at for s in justering.signoffs if s.reminded_at is not None]
    return max(times) if times else None


def remind_signatories(
    actor: Actor | None, justering: JusteringRound, *, review_url: str
) -> list[Signoff]:
    """Mail a reminder to the signatories of an open round who have not answered, and record
    when. Refused when everyone has answered, when nobody waiting has an email address, and
    within ``REMIND_INTERVAL`` of the last reminder. Returns those reminded."""
    if not justering.is_open:
        raise DomainError(_("The justering round is closed: there is nobody to remind."))
    waiting = waiting_signoffs(justering)
    if not waiting:
        raise DomainError(_("Every signatory has answered: there is nobody to remind."))
    now = utcnow()
    last = last_reminded(justering)
    if last is not None and now - last < REMIND_INTERVAL:
        raise DomainError(
            _(
                "A reminder was sent at %(time)s. A new one can be sent from %(next)s.",
                time=local_stamp(last),
                next=local_stamp(last + REMIND_INTERVAL),
            )
        )
    reachable = [s for s in waiting if s.person.email]
    if not reachable:
        raise DomainError(
            _(
                "No email address on file for: %(names)s.",
                names=", ".join(s.person.name for s in waiting),
            )
        )
    meeting = justering.meeting
    messages = [
        OutgoingMessage(
            to=[s.person.email or ""],  # all have one
            subject=f"Påminnelse: justering av protokoll {meeting.title}",
            text=render_template(
                "justering/mail_reminder.txt",
                meeting=meeting,
                signoff=s,
                justering=justering,
                review_url=review_url,
            ),
        )
        for s in reachable
    ]
    try:
        send_messages(messages)
        failed: set[str] = set()
    except MailError as error:
        failed = {address.casefold() for address in error.failed_recipients}
        if not failed or len(failed) >= len(messages):
            raise DomainError(
                _("The reminder was not sent: %(reason)s", reason=error.message)
            ) from error
    reminded = [s for s in reachable if (s.person.email or "").casefold() not in failed]
    for signoff in reminded:
        signoff.reminded_at = now
    record_change(db.session, actor, "remind signatories", justering)
    return reminded


# -- approving and rejecting ---------------------------------------------------------------------


def _own_signoff(user: Actor | None, signoff: Signoff) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotYourSignature
    if getattr(user, "person_id", None) != signoff.person_id:
        raise NotYourSignature
    justering = signoff.round
    if (
        not justering.is_open
        or justering.meeting.record_status != RecordStatus.JUSTERING
        or current_revision(justering.meeting) is not justering.revision
    ):
        raise DomainError(_("This round of justering is closed."))
    if signoff.status != SignoffStatus.PENDING:
        raise DomainError(_("You have already answered."))


def check_answerable(user: Actor | None, signoff: Signoff) -> None:
    """Why ``user`` cannot answer ``signoff`` now: NotYourSignature, or a DomainError (the
    round is closed, she has answered). Asked before an approval is handed to a background
    job; ``approve`` and ``reject`` ask again. Changes nothing."""
    _own_signoff(user, signoff)


def approve(user: Actor | None, signoff: Signoff) -> JusteringRound:
    """The signatory approves: her signature goes into her field. The last one completes."""
    _own_signoff(user, signoff)
    justering = signoff.round
    if not justering.meeting.has_begun():  # a protokoll is justerat after its meeting
        raise DomainError(not_held_yet(justering.meeting))
    # The record cannot change while it is out, but whatever path changed it, a point of the
    # completeness check that is not put right or accepted is never signed.
    problems = record_problems(justering.meeting)
    if problems:
        raise DomainError(" ".join(problems))
    with _documents_errors():
        _sign(justering, signoff, user, "Justerat")
        record_change(db.session, user, "approve justering", justering.meeting)
        if all(s.status == SignoffStatus.APPROVED for s in justering.signoffs):
            _complete(justering.meeting, justering.revision, justering)
    return justering


def reject(user: Actor, signoff: Signoff, *, comment: str) -> JusteringRound:
    """The signatory rejects with a comment: the round closes and the secretary corrects."""
    _own_signoff(user, signoff)
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Say what must be changed."), field="comment")
    justering = signoff.round
    before = snapshot(signoff)
    signoff.status = SignoffStatus.REJECTED
    signoff.comment = comment
    signoff.decided_at = utcnow()
    signoff.decided_by_id = user.id
    justering.status = RoundStatus.REJECTED
    justering.closed_at = signoff.decided_at
    justering.meeting.record_status = RecordStatus.DRAFT
    record_change(db.session, user, "reject justering", justering.meeting)
    record_change(db.session, user, "reject", signoff, before)
    _notify_secretary(justering, signoff)
    return justering


def _notify_secretary(justering: JusteringRound, signoff: Signoff | None) -> None:
    meeting = justering.meeting
    secretary = meeting.secretary
    if secretary is None or not secretary.email:
        return
    subject = (
        f"Justering avvisad: {meeting.title}"
        if signoff
        else f"Protokollet är justerat: {meeting.title}"
    )
    _send(
        [
            OutgoingMessage(
                to=[secretary.email],
                subject=subject,
                text=render_template(
                    "justering/mail_result.txt",
                    meeting=meeting,
                    justering=justering,
                    rejection=signoff,
                ),
            )
        ]
    )


# -- completing ----------------------------------------------------------------------------------


def _complete(
    meeting: Meeting,
    revision: RecordRevision,
    justering: JusteringRound | None,
    now: datetime | None = None,
) -> None:
    """Every signature is made: store the signed original, the public copy and the HTML.
    ``now``: when the last signature was made (default: now)."""
    now = now or utcnow()
    signed_sha = justering.pdf_sha256 if justering else revision.signed_pdf_sha256
    if justering is not None:
        justering.status = RoundStatus.COMPLETED
        justering.closed_at = now
    else:
        assert meeting.secretary is not None  # minnesanteckningar: _require_secretary saw her
    revision.justered_at = now
    revision.signed_pdf_sha256 = signed_sha
    make_final(meeting)
    attestation = _attestation(meeting, revision, justering)
    correction = _correction(revision)
    items = list(meeting.items)
    public_view = record_view(
        meeting, items, attestation=attestation, correction=correction, is_public=True
    )
    member_view = record_view(meeting, items, attestation=attestation, correction=correction)
    view = record_view(meeting, [])
    public_pdf = render_pdf(
        record_print_html(meeting, attestation=attestation, correction=correction, is_public=True),
        title=f"{view.title.capitalize()} {meeting.title}",
    )
    revision.public_pdf_sha256 = store_bytes(public_pdf)
    revision.public_html = record_public_html(meeting, public_view)
    revision.record_html = record_public_html(meeting, member_view)
    if justering is not None:
        _notify_secretary(justering, None)
    notify_record_published(meeting, is_correction=revision.is_correction)  # never raises


def attestation_of(meeting: Meeting, revision: RecordRevision) -> Attestation | None:
    """What a justerat revision's record says of its signatures: who signed, in which role
    and when (from the signoffs of its completed round; minnesanteckningar: the secretary, at
    the finalisation). None for a revision not justerat."""
    if revision.justered_at is None:
        return None
    completed = next((r for r in revision.rounds if r.status == RoundStatus.COMPLETED), None)
    if completed is None and meeting.secretary is None:
        return None
    return _attestation(meeting, revision, completed)


def _attestation(
    meeting: Meeting, revision: RecordRevision, justering: JusteringRound | None
) -> Attestation:
    assert revision.justered_at is not None
    if justering is not None:
        signers = [
            SignatureLine(
                field=s.field_name,
                label=s.role.printed,
                name=s.person.name,
                signed_at=s.decided_at,
                act="Signerat" if s.role == SignoffRole.SECRETARY else "Justerat",
            )
            for s in justering.signoffs
        ]
    else:
        assert meeting.secretary is not None
        signers = [
            SignatureLine(
                field="sekreterare",
                label="Sekreterare",
                name=meeting.secretary.name,
                signed_at=revision.justered_at,
                act="Signerat",
            )
        ]
    return Attestation(
        signed_at=revision.justered_at,
        signers=signers,
        kept_by=meeting.body.organisation.name,
    )


def finalise_and_sign_minutes(actor: Actor | None, meeting: Meeting) -> RecordRevision:
    """Minnesanteckningar: the secretary checks, finalises and signs alone."""
    secretary = _require_secretary(actor, meeting)
    finalise_minutes(actor, meeting)  # checks the record and freezes it
    revision = _open_revision(actor, meeting)
    signoff = Signoff(
        person=secretary,
        person_id=secretary.id,
        role=SignoffRole.SECRETARY,
        position=0,
        field_name="sekreterare",
    )
    with _documents_errors():
        pdf = _prepared_pdf(meeting, revision, [signoff])
        signed_at = utcnow()  # the signature's time, and so the record's
        signed = sign_pdf(
            pdf,
            field="sekreterare",
            signatory=Signatory(name=secretary.name, role="Sekreterare", email=secretary.email),
            backend=backend_from_config(),
            reason="Vid minnesanteckningarna",
            signed_at=signed_at,
        )
        revision.signed_pdf_sha256 = store_bytes(signed)
        _complete(meeting, revision, None, signed_at)
    return revision


# -- rättelse ------------------------------------------------------------------------------------


def start_correction(actor: Actor, meeting: Meeting, *, reason: str) -> RecordRevision:
    """Open a rättelse of a final record: a new revision that is signed like the first."""
    if meeting.record_status != RecordStatus.FINAL:
        raise DomainError(_("Only a final record can be corrected; a draft is simply edited."))
    if justered_revision(meeting) is None:
        raise DomainError(
            _(
                "This record was made final before records were signed, so no original is "
                "stored to keep beside a rättelse."
            )
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the rättelse."), field="reason")
    previous = current_revision(meeting)
    revision = RecordRevision(
        meeting_id=meeting.id,
        number=(previous.number if previous else 0) + 1,
        reason=reason,
        opened_by_id=getattr(actor, "id", None),
    )
    db.session.add(revision)
    meeting.record_status = RecordStatus.DRAFT
    record_change(db.session, actor, "start rättelse", meeting)
    return revision


def justered_on(revision: RecordRevision) -> date:
    """The day (in Stockholm) the revision was justerat."""
    if revision.justered_at is None:
        raise ValueError("the revision is not justerat")
    return local_date(revision.justered_at)


def round_pdf(justering: JusteringRound) -> bytes:
    return read_bytes(justering.pdf_sha256)
