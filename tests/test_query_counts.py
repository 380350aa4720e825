"""No page's SQL statement count grows with its data.

Two bodies are built alike, one with 5 and one with 50 of everything a page lists: members,
meetings, agenda items (each with a decision, a case, a document, a yrkande, a reservation and a
protokollsanteckning; attendance). The meeting page,
the record page, the body page and the search page are fetched for each, as the public and as the
body's secretary, counting the statements sent to the database; the counts must be equal.

The pages members and secretaries read all day (issue 15: the meeting and record pages as a
member, the agenda editor and an item's record page as the secretary) are held, besides, to
the counts they were brought down to: a statement more is a regression to look at.
"""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, time

import pytest
from sqlalchemy import event

from app.agenda.models import AgendaItem, AgendaItemDocument
from app.bodies.models import Body, MembershipFunction, MembershipKind, RecordType
from app.cases.models import Case, Confidentiality, Document
from app.documents.storage import store_bytes
from app.extensions import db
from app.meetings.models import AgendaStatus, Meeting, MeetingStatus, RecordStatus
from app.record.models import (
    Assignment,
    Attendance,
    AttendanceRole,
    Decision,
    Motion,
    MotionKind,
    ProtocolNote,
    Reservation,
)

SIZES = (5, 50)
WORDS = dict(zip(SIZES, ("Alfa", "Beta"), strict=True))


def _world(app, factory, size: int, word: str) -> dict[str, int]:
    """A body with ``size`` members, ``size`` meetings and, on its last meeting, ``size`` items."""
    organisation = factory.organisation(f"{word} kommun")
    body_id = factory.body(
        f"{word}nämnden", organisation_id=organisation, record_type=RecordType.PROTOCOL
    )
    secretary = factory.person(f"Sekreterare {word}", email=f"sekr@{word.lower()}.se")
    factory.seat(secretary, body_id, MembershipKind.STAFF, function=MembershipFunction.SECRETARY)
    factory.user(f"sekr@{word.lower()}.se", person_id=secretary)
    people = []
    for number in range(size):
        person = factory.person(f"Ledamot {word} {number}", party="S")
        kind = MembershipKind.ORDINARY if number % 4 else MembershipKind.SUBSTITUTE
        factory.seat(person, body_id, kind, organisation_id=organisation)
        people.append(person)
    factory.user(f"ledamot@{word.lower()}.se", person_id=people[1])  # an ordinary member
    with app.test_request_context():
        body = db.session.get(Body, body_id)
        meetings = []
        for number in range(size):
            meeting = Meeting(
                body_id=body_id,
                term_id=body.terms[0].id,
                meeting_date=date(2020 + number % 6, 1 + number % 12, 1 + number % 28),
                start_time=time(13, 0),
                status=MeetingStatus.HELD,
                agenda_status=AgendaStatus.CONFIRMED,
                record_status=RecordStatus.FINAL,
                secretary_id=secretary,
            )
            db.session.add(meeting)
            meetings.append(meeting)
        db.session.flush()
        meeting = meetings[-1]
        for position, person in enumerate(people, 1):
            db.session.add(
                Attendance(
                    meeting=meeting,
                    person_id=person,
                    role=AttendanceRole.VOTING if position % 4 else AttendanceRole.OTHER,
                    position=position,
                )
            )
        for number in range(1, size + 1):
            case = Case(organisation_id=organisation, case_number=f"2025/{number}", title="Ärende")
            item = AgendaItem(
                meeting=meeting,
                position=number,
                number=number,
                paragraph=number,
                title=f"{word}frågan nummer {number}",
                summary="Förvaltningen har utrett frågan.",
                proposal="Nämnden beslutar att godkänna förslaget.",
                case=case,
                is_public=number % 10 != 0,
            )
            decision = Decision(item=item, text=f"{word}beslutet godkänns.")
            db.session.add(decision)
            if number % 5 == 0:
                db.session.add(
                    Assignment(
                        decision=decision,
                        assignee_body_id=body_id,
                        description="Återrapportera.",
                        due_date=date(2025, 6, 30),
                    )
                )
            document = Document(
                title=f"Tjänsteskrivelse {number}",
                confidentiality=Confidentiality.PUBLIC,
                sha256=store_bytes(f"%PDF-1.4\n% {word} {number}\n%%EOF\n".encode()),
                filename=f"ts{number}.pdf",
                media_type="application/pdf",
                size=30,
                case=case,
            )
            db.session.add(AgendaItemDocument(item=item, document=document, position=1))
            proposer = people[number - 1]
            item.motions.append(
                Motion(kind=MotionKind.REJECTION, person_id=proposer, text="Avslag.")
            )
            item.reservations.append(Reservation(person_id=proposer, reason="Skriftlig."))
            item.protocol_notes.append(ProtocolNote(person_id=proposer, text="Anteckning."))
        db.session.commit()
        fifth = next(item for item in meeting.items if item.number == 5)
        return {"body": body_id, "meeting": meeting.id, "item": fifth.id}


@contextmanager
def _counting(app) -> Iterator[list[str]]:
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _statements(app, client, url: str) -> list[str]:
    assert client.get(url).status_code == 200, url  # warm: first-use caches are not the page's
    with _counting(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements


@pytest.fixture
def worlds(app, factory, monkeypatch, tmp_path) -> dict[int, dict[str, int]]:
    monkeypatch.setitem(app.config, "STORAGE_PATH", str(tmp_path / "storage"))
    return {size: _world(app, factory, size, word) for size, word in WORDS.items()}


PAGES = {
    "meeting": lambda ids, word: f"/meetings/{ids['meeting']}",
    "record": lambda ids, word: f"/meetings/{ids['meeting']}/record",
    "body": lambda ids, word: f"/bodies/{ids['body']}",
    "search": lambda ids, word: f"/search?q={word}frågan",
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("reader", ["public", "secretary"])
def test_statement_count_does_not_grow_with_the_data(
    app, worlds, make_client, login, page: str, reader: str
):
    counts = {}
    for size, word in WORDS.items():
        client = make_client()
        if reader == "secretary":
            login(client, f"sekr@{word.lower()}.se")
        statements = _statements(app, client, PAGES[page](worlds[size], word))
        counts[size] = statements
    small, large = (counts[size] for size in SIZES)
    repeated = [
        f"{times}× {' '.join(statement.split())[:300]}"
        for statement, times in Counter(large).most_common()
        if times > 1
    ]
    assert len(small) == len(large), (
        f"{page} as {reader}: {len(small)} statements with 5, {len(large)} with 50",
        repeated,
    )


# Each page's statements when its count was last brought down (issue 15), the same with 5 and
# with 50 of everything; the item page is that of an item whose record is being written.
READ_ALL_DAY = {
    ("member", "meeting"): (lambda ids: f"/meetings/{ids['meeting']}", 21),
    ("member", "record"): (lambda ids: f"/meetings/{ids['meeting']}/record", 24),
    # 261 with 50 items before: case, documents and notices loaded item by item.
    ("secretary", "agenda"): (lambda ids: f"/meetings/{ids['meeting']}/agenda", 14),
    # 80 with 50 members before: each attendance's person loaded by itself.
    ("secretary", "item"): (lambda ids: f"/items/{ids['item']}/record", 30),
}


@pytest.mark.parametrize(("reader", "page"), READ_ALL_DAY)
def test_pages_read_all_day_keep_their_statement_count(
    app, worlds, make_client, login, reader: str, page: str
):
    url, most = READ_ALL_DAY[(reader, page)]
    counts = {}
    for size, word in WORDS.items():
        if page == "item":  # the record is being written: the item's page is open to edit
            with app.app_context():
                db.session.get(Meeting, worlds[size]["meeting"]).record_status = RecordStatus.DRAFT
                db.session.commit()
        client = make_client()
        login(client, f"{'ledamot' if reader == 'member' else 'sekr'}@{word.lower()}.se")
        counts[size] = len(_statements(app, client, url(worlds[size])))
    assert counts[5] == counts[50], f"{page} as {reader}: {counts}"
    assert counts[50] <= most, f"{page} as {reader}: {counts[50]} statements, at most {most}"
