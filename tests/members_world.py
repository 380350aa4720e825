"""A kommun's Kulturnämnden as its readers meet it, and a non-public group beside it.

Kulturnämnden (public, protokoll) has Stina as secretary, Anna (S, ordförande) and Bo (M) as
ledamöter and Fia (C) as ersättare; Per has a login and no seat (a member of the public who
logs in); Olle sits only in Personalgruppen, which is not public. Everyone has an email
address on file, and none of them may reach a page the public reads.

Kulturnämnden's meetings: 2025-03-14 (held, protokoll final: a public item with a public, an
internal and a secret document, and a non-public item), 2025-04-11 (held, protokoll a draft),
2025-05-20 (kallelse sent), 2025-06-10 (planned, agenda a draft), 2025-09-01 (cancelled).
"""

from dataclasses import dataclass
from datetime import date, time

import pytest

from app.agenda.models import AgendaItem, AgendaItemDocument
from app.bodies.models import (
    Body,
    BodyKind,
    MembershipFunction,
    MembershipKind,
    NumberingRule,
    RecordType,
)
from app.cases.models import Case, Confidentiality, Document
from app.documents.storage import store_bytes
from app.extensions import db
from app.meetings.models import AgendaStatus, Meeting, MeetingStatus, RecordStatus
from app.record.models import Assignment, Attendance, AttendanceRole, Decision
from tests.conftest import built_once

STINA, ANNA, BO, FIA, PER, OLLE = (
    "stina@sala.se",
    "anna@sala.se",
    "bo@sala.se",
    "fia@sala.se",
    "per@example.se",
    "olle@sala.se",
)
EMAILS = (STINA, ANNA, BO, FIA, PER, OLLE)

PUBLIC_DECISION = "Bidragen fördelas enligt förvaltningens förslag."
CLOSED_DECISION = "Nämnden beslutar i personalärendet enligt förslaget."
DRAFT_DECISION = "Utkast: taxorna höjs med två procent."
GROUP_DECISION = "Personalgruppen godkänner rutinen för introduktion."
UPPDRAG = "Återrapportera hur bidragen har använts."


@dataclass
class World:
    ids: dict[str, int]

    def __getitem__(self, key: str) -> int:
        return self.ids[key]


def _pdf(label: str) -> str:
    return store_bytes(f"%PDF-1.4\n% {label}\n%%EOF\n".encode())


def _document(title: str, confidentiality: Confidentiality, case: Case | None = None) -> Document:
    return Document(
        title=title,
        confidentiality=confidentiality,
        sha256=_pdf(title),
        filename=f"{title}.pdf",
        media_type="application/pdf",
        size=20,
        case=case,
    )


def _meeting(body_id: int, day: str, **values) -> Meeting:
    body = db.session.get(Body, body_id)
    meeting = Meeting(
        body_id=body_id,
        term_id=body.terms[0].id,
        meeting_date=date.fromisoformat(day),
        start_time=time(13, 0),
        end_time=time(15, 30),
        room="Sammanträdesrum Kronan",
        building="Stadshuset",
        location="Sala",
        **values,
    )
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _item(meeting: Meeting, number: int, title: str, **values) -> AgendaItem:
    item = AgendaItem(meeting=meeting, position=number, number=number, title=title, **values)
    db.session.add(item)
    db.session.flush()
    return item


@pytest.fixture
def world(app, factory, monkeypatch, tmp_path) -> World:
    """Sala kommun's Kulturnämnden and Personalgruppen with their people, meetings and
    records: built once per process (``built_once``) and restored for each test."""
    monkeypatch.setitem(app.config, "STORAGE_PATH", str(tmp_path / "storage"))
    return built_once(app, "members world", lambda: _build(app, factory))


def _build(app, factory) -> World:
    ids: dict[str, int] = {}
    sala = factory.organisation("Sala kommun", short_name="Sala")
    ids["organisation"] = sala
    ids["body"] = factory.body(
        "Kulturnämnden",
        organisation_id=sala,
        record_type=RecordType.PROTOCOL,
        numbering=NumberingRule.PER_YEAR,
    )
    ids["group"] = factory.body(
        "Personalgruppen",
        organisation_id=sala,
        kind=BodyKind.OFFICIALS_GROUP,
        record_type=RecordType.NOTES,
        numbering=NumberingRule.PLAIN,
        is_public=False,
    )
    people = (
        ("stina", "Stina Sekreterare", None, STINA, MembershipKind.STAFF, "sekreterare"),
        ("anna", "Anna Berg", "S", ANNA, MembershipKind.ORDINARY, MembershipFunction.CHAIR),
        ("bo", "Bo Ek", "M", BO, MembershipKind.ORDINARY, None),
        ("fia", "Fia Ros", "C", FIA, MembershipKind.SUBSTITUTE, None),
    )
    for key, name, party, email, kind, function in people:
        ids[key] = factory.person(name, party=party, email=email)
        factory.seat(ids[key], ids["body"], kind, function=function, organisation_id=sala)
        if key != "bo":
            ids[f"user_{key}"] = factory.user(email, person_id=ids[key])
    ids["olle"] = factory.person("Olle Lund", party="L", email=OLLE)
    factory.seat(ids["olle"], ids["group"], MembershipKind.ORDINARY)
    factory.seat(ids["stina"], ids["group"], MembershipKind.STAFF, function="sekreterare")
    ids["user_olle"] = factory.user(OLLE, person_id=ids["olle"])
    ids["per"] = factory.person("Per Publik", email=PER)
    ids["user_per"] = factory.user(PER, person_id=ids["per"])

    with app.test_request_context():
        case = Case(organisation_id=sala, case_number="2025/17", title="Bidrag")
        held = _meeting(
            ids["body"],
            "2025-03-14",
            status=MeetingStatus.HELD,
            agenda_status=AgendaStatus.CONFIRMED,
            record_status=RecordStatus.FINAL,
            secretary_id=ids["stina"],
        )
        grants = _item(held, 1, "Bidrag till kulturföreningar 2025", case=case, paragraph=12)
        grants.proposal = PUBLIC_DECISION
        decision = Decision(item=grants, text=PUBLIC_DECISION)
        db.session.add(decision)
        for position, (title, level) in enumerate(
            (
                ("Tjänsteskrivelse bidrag", Confidentiality.PUBLIC),
                ("Intern kalkyl", Confidentiality.INTERNAL),
                ("Sekretessbelagd ansökan", Confidentiality.SECRET),
            ),
            1,
        ):
            link = AgendaItemDocument(
                item=grants, document=_document(title, level, case), position=position
            )
            db.session.add(link)
            db.session.flush()
            ids[f"link_{level.value}"] = link.id
        closed = _item(held, 2, "Personalärende", is_public=False, paragraph=13)
        db.session.add(Decision(item=closed, text=CLOSED_DECISION))
        link = AgendaItemDocument(
            item=closed,
            document=_document("Underlag personalärende", Confidentiality.INTERNAL),
            position=1,
        )
        db.session.add(link)
        db.session.flush()
        ids["link_closed_item"] = link.id
        db.session.add(
            Assignment(
                decision=decision,
                assignee_body_id=ids["body"],
                description=UPPDRAG,
                due_date=date(2025, 6, 30),
            )
        )
        for position, (key, role, extra) in enumerate(
            (
                ("anna", AttendanceRole.VOTING, {"function": MembershipFunction.CHAIR}),
                ("fia", AttendanceRole.VOTING, {"replaces_id": ids["bo"]}),
                ("stina", AttendanceRole.OTHER, {"title": "nämndsekreterare"}),
            ),
            1,
        ):
            db.session.add(
                Attendance(meeting=held, person_id=ids[key], role=role, position=position, **extra)
            )
        ids["held"] = held.id
        ids["grants"] = grants.id
        ids["closed"] = closed.id

        draft = _meeting(
            ids["body"],
            "2025-04-11",
            status=MeetingStatus.HELD,
            agenda_status=AgendaStatus.CONFIRMED,
            record_status=RecordStatus.DRAFT,
        )
        db.session.add(
            Decision(item=_item(draft, 1, "Taxor 2026", paragraph=20), text=DRAFT_DECISION)
        )
        ids["draft"] = draft.id

        convened = _meeting(ids["body"], "2025-05-20", status=MeetingStatus.CONVENED)
        _item(convened, 1, "Budget 2026", proposal="Budgeten fastställs.")
        ids["convened"] = convened.id

        planned = _meeting(ids["body"], "2025-06-10", status=MeetingStatus.PLANNED)
        _item(planned, 1, "Hemligt utkast till dagordning")
        ids["planned"] = planned.id

        cancelled = _meeting(ids["body"], "2025-09-01", status=MeetingStatus.CANCELLED)
        ids["cancelled"] = cancelled.id

        group_meeting = _meeting(
            ids["group"],
            "2025-04-01",
            status=MeetingStatus.HELD,
            agenda_status=AgendaStatus.CONFIRMED,
            record_status=RecordStatus.FINAL,
        )
        db.session.add(
            Decision(
                item=_item(group_meeting, 1, "Introduktion av nyanställda"), text=GROUP_DECISION
            )
        )
        ids["group_meeting"] = group_meeting.id
        db.session.commit()
    return World(ids)


def page_of(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def assert_no_email_addresses(page: str, url: str) -> None:
    for email in EMAILS:
        assert email not in page, f"{email} on {url}"
