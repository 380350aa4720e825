"""The generated sentences of standing agenda items.

They are computed from the meeting's data each time they are shown, so they stay in sync: a
new justerare, a moved next meeting or a newly registered previous meeting changes them. A
sentence never states what the data does not: the previous protokoll is "justerat i
föreskriven ordning" only when its record is final (``make_final`` freezes the sentence
with the record).
"""

from flask_babel import gettext as _
from sqlalchemy import select

from app.agenda.models import AgendaItem, StandardKind
from app.bodies.models import BodyKind, RecordType
from app.core.dates import swedish_clock, swedish_long_date
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus, RecordStatus

# "beredningens protokoll": the body kind in the definite genitive.
GENITIVE = {
    BodyKind.PREPARATORY: "beredningens",
    BodyKind.COMMITTEE: "nämndens",
    BodyKind.BOARD: "styrelsens",
    BodyKind.COOPERATION_GROUP: "samverkansgruppens",
    BodyKind.MANAGEMENT_GROUP: "ledningsgruppens",
    BodyKind.WORKING_GROUP: "arbetsgruppens",
    BodyKind.ANNUAL_MEETING: "årsmötets",
    BodyKind.NOMINATION_COMMITTEE: "valberedningens",
    BodyKind.AUDIT: "revisorernas",
    BodyKind.OFFICIALS_GROUP: "gruppens",
    BodyKind.COUNCIL: "fullmäktiges",
    BodyKind.OTHER: "organets",
}


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return db.session.scalar(
        select(Meeting)
        .where(
            Meeting.body_id == meeting.body_id,
            Meeting.meeting_date < meeting.meeting_date,
            Meeting.status != MeetingStatus.CANCELLED,
        )
        .order_by(Meeting.meeting_date.desc())
        .limit(1)
    )


def next_meeting(meeting: Meeting) -> Meeting | None:
    return db.session.scalar(
        select(Meeting)
        .where(
            Meeting.body_id == meeting.body_id,
            Meeting.meeting_date > meeting.meeting_date,
            Meeting.status != MeetingStatus.CANCELLED,
        )
        .order_by(Meeting.meeting_date)
        .limit(1)
    )


def join_names(names: list[str]) -> str:
    """ "A", "A och B", "A, B och C"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} och {names[-1]}"


def standard_sentence(kind: StandardKind, meeting: Meeting) -> str | None:
    """The proposal sentence of a standing item, from the meeting's current data."""
    if kind == StandardKind.APPROVE_AGENDA:
        return "Den preliminära föredragningslistan fastställs."
    if kind == StandardKind.PREVIOUS_MINUTES:
        return _previous_minutes_sentence(meeting)
    if kind == StandardKind.ADJUSTERS:
        if meeting.body.record_type == RecordType.NOTES:
            return None  # minnesanteckningar are not justerade
        names = join_names([adjuster.person.name for adjuster in meeting.adjusters])
        return f"{names or 'En ledamot'} utses att jämte ordföranden justera dagens protokoll."
    if kind == StandardKind.NEXT_MEETING:
        upcoming = next_meeting(meeting)
        if upcoming is None:
            return "Tid för nästa sammanträde meddelas senare."
        when = swedish_long_date(upcoming.meeting_date)
        if upcoming.start_time:
            when = f"{when} {swedish_clock(upcoming.start_time)}"
        return f"Nästa sammanträde ska äga rum {when}."
    return None  # Övriga frågor: no proposal


def _previous_minutes_sentence(meeting: Meeting) -> str:
    """What the data says of the previous meeting's record: final, not yet, or none."""
    notes = meeting.body.record_type == RecordType.NOTES
    previous = previous_meeting(meeting)
    if previous is None:
        if notes:
            return "Det finns inga tidigare minnesanteckningar registrerade."
        return "Det finns inget tidigare protokoll registrerat."
    when = f"sammanträdet {previous.meeting_date.isoformat()}"
    final = previous.record_status == RecordStatus.FINAL
    if notes:
        if final:
            return f"Minnesanteckningarna från {when} läggs till handlingarna."
        return f"Minnesanteckningarna från {when} är ännu inte färdigställda."
    whose = GENITIVE[meeting.body.kind]
    if final:
        return f"Anmäls att {whose} protokoll från {when} justerats i föreskriven ordning."
    return f"Anmäls att {whose} protokoll från {when} ännu inte har justerats."


def sentence_warnings(meeting: Meeting) -> list[str]:
    """What the secretary should know before the kallelse and the justering: a standing
    sentence that says the previous record is not yet justerat (or finished)."""
    warnings = []
    for item in meeting.items:
        if item.standard_kind != StandardKind.PREVIOUS_MINUTES or item.proposal:
            continue
        previous = previous_meeting(meeting)
        if previous is not None and previous.record_status != RecordStatus.FINAL:
            warnings.append(
                _(
                    "The record of the meeting %(date)s is not final yet, and item %(number)s "
                    "says so until it is.",
                    date=previous.meeting_date.isoformat(),
                    number=item.display_number,
                )
            )
    return warnings


def proposals(meeting: Meeting) -> dict[int, str | None]:
    """Each item's proposal as shown: its own text, else its generated sentence."""
    return {item.id: proposal_of(item, meeting) for item in meeting.items}


def proposal_of(item: AgendaItem, meeting: Meeting) -> str | None:
    if item.proposal:
        return item.proposal
    if item.standard_kind is not None:
        return standard_sentence(item.standard_kind, meeting)
    return None
