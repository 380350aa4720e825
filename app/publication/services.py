"""The anslag: posting a justerat protokoll on the official anslagstavla, and its dates.

Kommunallagen 8 kap. 12 §: the justering of a protokoll is announced on the anslagstavla no
later than the second day after the justering, stating where the protokoll is kept. 13 kap.
5 §: an appeal (laglighetsprövning) must reach the förvaltningsrätt within three weeks of
that day. Lag (1930:173) om beräkning av lagstadgad tid: a last day that falls on a Saturday,
a Sunday, a public holiday, midsommarafton, julafton or nyårsafton moves to the next weekday
that is none of these.

A posting is *current* (on the anslagstavla) from ``posted_on`` up to and including the last
day for appeal, that is while ``posted_on <= today < takedown_on``; from ``takedown_on`` it is
in the archive. Every function that depends on the date takes ``today`` (default: today in
Stockholm), so callers and tests choose the day without touching the clock.

One posting per justerad revision: a rättelse is announced again, with its own appeal window.
Only protokoll of public bodies are posted; minnesanteckningar have no justering.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays
from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.bodies.models import Body, RecordType
from app.core.actors import Actor
from app.core.audit import record_change
from app.core.dates import local_today
from app.core.errors import DomainError
from app.documents.render import RenderError, render_pdf
from app.documents.storage import read_bytes, store_bytes
from app.extensions import db
from app.justering.models import RecordRevision
from app.justering.services import justered_on, justered_revision
from app.meetings.models import Meeting
from app.people.models import Person
from app.publication.models import Posting
from app.record.services import not_held_yet, paragraph_range

# KL 8 kap. 12 §: "senast andra dagen efter justeringen".
POSTING_DAYS_AFTER_JUSTERING = 2
# KL 13 kap. 5 §: three weeks from the day the justering was announced.
APPEAL_PERIOD = timedelta(weeks=3)
# The prefilled Förvaringsplats when the body has posted nothing yet: "<organisation>, kansliet".
DEFAULT_KEPT_AT_SUFFIX = ", kansliet"


# -- dates -----------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _swedish_calendar(year: int) -> holidays.HolidayBase:
    """Sweden's allmänna helgdagar of ``year`` and the days treated as such (category
    de_facto: midsommarafton, julafton, nyårsafton), from the ``holidays`` package."""
    return holidays.Sweden(years=year, categories=(holidays.PUBLIC, holidays.DE_FACTO))


def is_non_working_day(day: date) -> bool:
    """A day on which a last day cannot fall under lag (1930:173): a Saturday, a Sunday, a
    public holiday, midsommarafton, julafton or nyårsafton."""
    return not _swedish_calendar(day.year).is_working_day(day)


def next_working_day(day: date) -> date:
    """``day`` itself, or the next weekday that is no holiday or eve (lag 1930:173)."""
    while is_non_working_day(day):
        day += timedelta(days=1)
    return day


def appeal_last_day(posted_on: date) -> date:
    """The last day for appeal: three weeks from the posting, moved past holidays.

    Posted 2026-03-04 → 2026-03-25; posted 2026-12-04 → 2026-12-25 is juldagen, and the
    following Saturday and Sunday move it on to Monday 2026-12-28.
    """
    return next_working_day(posted_on + APPEAL_PERIOD)


def takedown_day(posted_on: date) -> date:
    """The day the notice leaves the anslagstavla: the day after the last day for appeal."""
    return appeal_last_day(posted_on) + timedelta(days=1)


def latest_posting_day(justered_on: date) -> date:
    """The second day after the justering, moved past holidays like any statutory last day."""
    return next_working_day(justered_on + timedelta(days=POSTING_DAYS_AFTER_JUSTERING))


# -- revisions and postings ------------------------------------------------------------------------


def posting_of(revision: RecordRevision) -> Posting | None:
    """The anslag of a revision, if it has been posted."""
    return db.session.scalar(select(Posting).where(Posting.revision_id == revision.id))


def postings_of(meeting: Meeting) -> list[Posting]:
    """Every anslag of the meeting's protokoll, the latest first."""
    return list(
        db.session.scalars(
            select(Posting)
            .where(Posting.meeting_id == meeting.id)
            .order_by(Posting.posted_on.desc(), Posting.id.desc())
        )
    )


def posting_problems(meeting: Meeting) -> list[str]:
    """Why the meeting's protokoll cannot be posted now; empty when it can."""
    body = meeting.body
    if body.record_type != RecordType.PROTOCOL:
        return [_("Only a protokoll is posted on the anslagstavla; minutes have no justering.")]
    if not body.is_public:
        return [
            _(
                "%(body)s is not a public body: its protokoll are not posted on the public "
                "anslagstavla.",
                body=body.name,
            )
        ]
    if not meeting.has_begun():
        return [not_held_yet(meeting)]
    # The latest justerat revision: also while a rättelse of it is drafted, its anslag is due.
    latest = justered_revision(meeting)
    if latest is None:
        return [_("The protokoll is not justerat yet: the anslag is posted after the justering.")]
    posted = posting_of(latest)
    if posted is not None:
        return [
            _(
                "The anslag of this protokoll was posted on %(date)s. A rättelse gets an anslag "
                "of its own when it is justerat.",
                date=posted.posted_on.isoformat(),
            )
        ]
    return []


def can_post(meeting: Meeting) -> bool:
    """Whether the latest revision awaits its anslag (who may post: can_post_anslag)."""
    return not posting_problems(meeting)


def revision_to_post(meeting: Meeting) -> RecordRevision | None:
    """The justerad revision the next anslag is for, when one can be posted."""
    return justered_revision(meeting) if can_post(meeting) else None


def default_kept_at(body: Body) -> str:
    """The Förvaringsplats the body used last time, else "<organisation>, kansliet"."""
    last = db.session.scalar(
        select(Posting.kept_at)
        .join(Posting.meeting)
        .where(Meeting.body_id == body.id)
        .order_by(Posting.created_at.desc(), Posting.id.desc())
        .limit(1)
    )
    return last or f"{body.organisation.name}{DEFAULT_KEPT_AT_SUFFIX}"


# -- posting ---------------------------------------------------------------------------------------


def post_anslag(
    actor: Actor,
    meeting: Meeting,
    *,
    kept_at: str | None = None,
    posted_on: date | None = None,
    note: str | None = None,
    today: date | None = None,
) -> Posting:
    """Post the anslag of the meeting's latest justerad revision and store its anslagsbevis.

    ``posted_on`` defaults to today. It may not be before the justering nor in the future; a
    date later than the second day after the justering is allowed (the anslag must still be
    made) but noted, and shown as late wherever the posting is shown. ``kept_at`` defaults to
    the body's last Förvaringsplats (see ``default_kept_at``); given blank, it is refused.
    """
    today = today or local_today()
    posted_on = posted_on or today
    problems = posting_problems(meeting)
    if problems:
        raise DomainError(problems[0])
    revision = justered_revision(meeting)
    assert revision is not None  # posting_problems: the protokoll is justerat
    justered = justered_on(revision)
    if posted_on < justered:
        raise DomainError(
            _(
                "The anslag cannot be posted before the protokoll was justerat (%(date)s).",
                date=justered.isoformat(),
            ),
            field="posted_on",
        )
    if posted_on > today:
        raise DomainError(
            _("The anslag is posted when it is made: the date cannot be in the future."),
            field="posted_on",
        )
    if appeal_last_day(posted_on) < today:
        raise DomainError(
            _(
                "An anslag dated %(date)s would already be taken down: the appeal period runs "
                "from the day the notice is on the anslagstavla. Post it today.",
                date=posted_on.isoformat(),
            ),
            field="posted_on",
        )
    kept_at = default_kept_at(meeting.body) if kept_at is None else kept_at.strip()
    if not kept_at:
        raise DomainError(_("Say where the protokoll is kept."), field="kept_at")
    notes = []
    deadline = latest_posting_day(justered)
    if posted_on > deadline:
        # Kept with the posting, in the language of the documents, for whoever checks later.
        notes.append(
            f"Anslaget sattes upp {posted_on.isoformat()}, senare än andra dagen efter "
            f"justeringen den {justered.isoformat()} (senast {deadline.isoformat()})."
        )
    if note and note.strip():
        notes.append(note.strip())
    last_day = appeal_last_day(posted_on)
    posting = Posting(
        meeting=meeting,
        revision=revision,
        posted_on=posted_on,
        appeal_last_day=last_day,
        takedown_on=last_day + timedelta(days=1),
        kept_at=kept_at,
        note="\n\n".join(notes) or None,
        posted_by_id=getattr(actor, "id", None),
    )
    db.session.add(posting)
    try:
        db.session.flush()
    except IntegrityError as error:
        # Someone posted the same revision a moment ago (postings.revision_id is unique).
        raise DomainError(_("The anslag of this protokoll has just been posted.")) from error
    try:
        pdf = render_pdf(
            certificate_html(notice_of(posting)),
            title=f"Anslagsbevis {meeting.body.name} {meeting.meeting_date.isoformat()}",
        )
    except RenderError as error:
        raise DomainError(
            _(
                "The anslagsbevis could not be made, nothing was posted: %(reason)s",
                reason=str(error),
            )
        ) from error
    posting.certificate_pdf_sha256 = store_bytes(pdf)
    record_change(db.session, actor, "post anslag", posting)
    return posting


# -- what a notice says ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """Everything the anslagsbevis, the anslagstavla and the feed say about one posting."""

    posting: Posting
    title: str
    organ: str
    organisation: str
    meeting_date: date
    paragraphs: str
    justered_on: date
    latest_posting_day: date
    posted_on: date
    takedown_on: date
    appeal_last_day: date
    kept_at: str
    signed_by: str
    # (revision number, reason) for a rättelse.
    correction: tuple[int, str] | None

    @property
    def is_late(self) -> bool:
        return self.posted_on > self.latest_posting_day

    @property
    def meeting_id(self) -> int:
        return self.posting.meeting_id

    @property
    def revision_number(self) -> int:
        return self.posting.revision.number


def notice_title(meeting: Meeting, revision: RecordRevision) -> str:
    """ "Protokoll Kulturnämnden 2025-03-14", as the anslagstavla names the document."""
    title = f"Protokoll {meeting.body.name} {meeting.meeting_date.isoformat()}"
    if revision.is_correction:
        title += f", rättelse (version {revision.number})"
    return title


def posting_with_signer(revision: RecordRevision) -> tuple[Posting | None, str]:
    """The revision's anslag and the name of who posted it, in one statement."""
    row = db.session.execute(
        select(Posting, Person.name)
        .outerjoin(User, User.id == Posting.posted_by_id)
        .outerjoin(Person, Person.id == User.person_id)
        .where(Posting.revision_id == revision.id)
    ).first()
    return (row[0], row[1] or "") if row else (None, "")


def _signer_name(posting: Posting) -> str:
    if not posting.posted_by_id:
        return ""
    user = db.session.get(User, posting.posted_by_id)
    return user.person.name if user is not None and user.person is not None else ""


def notice_of(posting: Posting, signed_by: str | None = None) -> Notice:
    """The notice as the anslagstavla shows it; ``signed_by`` when already looked up."""
    meeting, revision = posting.meeting, posting.revision
    justered = justered_on(revision)
    return Notice(
        posting=posting,
        title=notice_title(meeting, revision),
        organ=meeting.body.name,
        organisation=meeting.body.organisation.name,
        meeting_date=meeting.meeting_date,
        paragraphs=paragraph_range(meeting),
        justered_on=justered,
        latest_posting_day=latest_posting_day(justered),
        posted_on=posting.posted_on,
        takedown_on=posting.takedown_on,
        appeal_last_day=posting.appeal_last_day,
        kept_at=posting.kept_at,
        # A name, never an account's email address: the anslagsbevis is public.
        signed_by=_signer_name(posting) if signed_by is None else signed_by,
        correction=(revision.number, revision.reason or "") if revision.is_correction else None,
    )


def certificate_html(notice: Notice) -> str:
    return render_template("pdf/anslagsbevis.html", notice=notice)


def certificate_pdf(posting: Posting) -> bytes | None:
    """The anslagsbevis as stored when the anslag was posted (never made again)."""
    if not posting.certificate_pdf_sha256:
        return None
    return read_bytes(posting.certificate_pdf_sha256)


def is_current(posting: Posting, today: date | None = None) -> bool:
    today = today or local_today()
    return posting.posted_on <= today < posting.takedown_on


# -- the anslagstavla ------------------------------------------------------------------------------


def _public_postings() -> Select[tuple[Posting]]:
    return (
        select(Posting)
        .join(Posting.meeting)
        .join(Meeting.body)
        .where(Body.is_public.is_(True))
        .order_by(Posting.posted_on.desc(), Posting.id.desc())
    )


def current_postings(today: date | None = None) -> list[Posting]:
    """The notices on the anslagstavla today, the latest posted first."""
    today = today or local_today()
    return list(
        db.session.scalars(
            _public_postings().where(Posting.posted_on <= today, Posting.takedown_on > today)
        )
    )


def archived_postings(today: date | None = None) -> list[Posting]:
    """The notices taken down (their appeal window is over), the latest posted first."""
    today = today or local_today()
    return list(db.session.scalars(_public_postings().where(Posting.takedown_on <= today)))
