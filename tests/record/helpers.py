"""Shared setup for the record tests: PDF text, demo meetings, a committee with a protokoll."""

import io
import re
from datetime import date, time

from pypdf import PdfReader
from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.agenda.services import add_item, schedule_meeting, set_adjusters
from app.bodies.models import (
    Body,
    BodyKind,
    MembershipFunction,
    MembershipKind,
    NumberingRule,
    RecordType,
)
from app.extensions import db
from app.meetings.models import Meeting
from app.people.models import Person
from tests.conftest import hidden

KOMPETENS = ("Samverkansgrupp Kompetensförsörjning", "2024-02-16")
HALSA = ("Samverkansgrupp Hälsa", "2024-02-09")
NARA_VARD = ("Samverkansgrupp Nära vård", "2024-02-02")
SRB = ("Strategisk regional beredning", "2024-04-19")


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF, whitespace normalised to single spaces."""
    assert pdf.startswith(b"%PDF-"), "not a PDF"
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def without_page_furniture(text: str) -> str:
    """The running text without page footers ("Sida 2 (6)") and stray list markers, which the
    extraction interleaves wherever a page breaks."""
    text = re.sub(r"Sida \d+ \(\d+\) ?", "", text)
    return re.sub(r"(• ?)+", "", text)


def assert_in_order(text: str, parts: list[str]) -> None:
    """Every part occurs in ``text``, each after the one before it."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, (
            f"{part!r} missing after position {position}: …{text[position : position + 300]}…"
        )
        position = found + len(part)


def meeting_of(body_name: str, day: str) -> Meeting:
    """A meeting by body name and date (call inside an app context)."""
    body = db.session.scalar(select(Body).where(Body.name == body_name))
    assert body is not None, body_name
    meeting = db.session.scalar(
        select(Meeting).where(
            Meeting.body_id == body.id, Meeting.meeting_date == date.fromisoformat(day)
        )
    )
    assert meeting is not None, (body_name, day)
    return meeting


def item_numbered(meeting: Meeting, number: int) -> AgendaItem:
    return next(item for item in meeting.items if item.number == number)


# -- a kommun's nämnd that keeps a protokoll --------------------------------------------------

MEMBERS = (
    # key, name, party, kind, function
    ("anna", "Anna Berg", "S", MembershipKind.ORDINARY, MembershipFunction.CHAIR),
    ("bo", "Bo Ek", "M", MembershipKind.ORDINARY, None),
    ("cia", "Cia Lund", "C", MembershipKind.ORDINARY, None),
    ("dan", "Dan Holm", "V", MembershipKind.ORDINARY, None),
    ("eva", "Eva Sten", "KD", MembershipKind.ORDINARY, None),
    ("fia", "Fia Ros", "S", MembershipKind.SUBSTITUTE, None),
    ("gus", "Gus Falk", "M", MembershipKind.SUBSTITUTE, None),
    ("stina", "Stina Sekreterare", None, MembershipKind.STAFF, MembershipFunction.SECRETARY),
)


def make_committee(
    factory,
    numbering: NumberingRule = NumberingRule.PER_YEAR,
    name: str = "Kulturnämnden",
    **values,
) -> dict[str, int]:
    """A kommun's nämnd with a protokoll: 5 ledamöter (Anna chairs), 2 ersättare, a secretary."""
    organisation = factory.organisation(f"Sala kommun {name}", short_name="Sala")
    values = {"kind": BodyKind.COMMITTEE, "record_type": RecordType.PROTOCOL, **values}
    body_id = factory.body(name, organisation_id=organisation, numbering=numbering, **values)
    ids = {"body": body_id, "organisation": organisation}
    for key, person_name, party, kind, function in MEMBERS:
        ids[key] = factory.person(person_name, party=party)
        factory.seat(ids[key], body_id, kind, function=function)
    return ids


def new_meeting(body_id: int, day: str, start_time: time = time(13, 0), **extra) -> Meeting:
    """Schedule a meeting of the body (inside a request context); its standing items come along."""
    meeting = schedule_meeting(
        None,
        db.session.get(Body, body_id),
        meeting_date=date.fromisoformat(day),
        start_time=start_time,
        end_time=time(15, 30),
        room="Sammanträdesrum Kronan",
        building="Stadshuset",
        location="Sala",
        **extra,
    )
    db.session.flush()
    return meeting


def add_case_item(meeting: Meeting, ids: dict[str, int]) -> AgendaItem:
    """The item the protokoll tests decide on, with a diarienummer and a proposal."""
    item = add_item(
        None,
        meeting,
        title="Bidrag till kulturföreningar 2025",
        case_number="2025/17",
        proposal="Bidragen fördelas enligt förvaltningens förslag.",
    )
    if meeting.body.record_type == RecordType.PROTOCOL:  # minnesanteckningar have no justerare
        set_adjusters(None, meeting, [db.session.get(Person, ids["bo"])])
    db.session.flush()
    return item


# -- the completeness check -------------------------------------------------------------------

ACCEPT_ACTION = re.compile(r'action="(/meetings/\d+/record/findings/([\w-]+)/(\d+)/accept)"')


def accept_open_points(client, meeting_id: int, note: str) -> list[str]:
    """Accept, as the secretary does on the record page, every point of the completeness
    check the page offers to accept; returns the keys accepted."""
    page = client.get(f"/meetings/{meeting_id}/record").get_data(as_text=True)
    accepted = []
    for url, kind, subject in ACCEPT_ACTION.findall(page):
        prefix = f"accept-{kind}-{subject}"
        response = client.post(
            url,
            data={
                f"{prefix}-csrf_token": hidden(page, f"{prefix}-csrf_token"),
                f"{prefix}-note": note,
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        accepted.append(f"{kind}/{subject}")
    return accepted
