"""The demo data, with material the public must never see added to it, for the OParl tests.

Everything private carries a marker (``MARKERS``) so a test can look for it in every response:
a non-public body with its own member, meeting, decision and room; a non-public item on SRB's
sent agenda with a case and a document; an internal and a secret document (with files) beside
a public one on a public SRB item; an item on a meeting still only planned; a decision in a
record that is still a draft. Every person has an email address.
"""

from datetime import date, time

import pytest
from sqlalchemy import select

from app.agenda.models import AgendaItem, AgendaItemDocument
from app.bodies.models import (
    Body,
    BodyKind,
    Membership,
    MembershipKind,
    NumberingRule,
    RecordType,
    Term,
)
from app.cases.models import Case, Confidentiality, Document
from app.documents.storage import store_bytes
from app.extensions import db
from app.meetings.models import AgendaStatus, Meeting, MeetingStatus, RecordStatus
from app.organisations.models import Organisation
from app.people.models import Person
from app.record.models import Attendance, AttendanceRole, Decision
from tests.conftest import built_once
from tests.record.helpers import HALSA, SRB, meeting_of

MARKERS = (
    "HEMLIG",
    "Sigrid Dold",
    "INTERN HANDLING",
    "SEKRETESS",
    "PLANERAD PUNKT",
    "UTKAST",
)
PUBLIC_FILE = "Offentlig bilaga om kompetensförsörjning"


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    """Stored files (PDFs, the signed protokoll) go to a folder of this test's own."""
    monkeypatch.setitem(app.config, "STORAGE_PATH", str(tmp_path / "storage"))


def _document(title: str, confidentiality: Confidentiality, case: Case | None = None) -> Document:
    content = f"%PDF-1.4\n% {title}\n".encode()
    return Document(
        title=title,
        confidentiality=confidentiality,
        case=case,
        sha256=store_bytes(content),
        filename=f"{title}.pdf",
        media_type="application/pdf",
        size=len(content),
    )


def add_private_material() -> dict[str, int]:
    """Add the material of the module docstring to the demo data (inside a request context)."""
    region = db.session.scalar(
        select(Organisation).where(Organisation.name == "Region Västmanland")
    )
    for person in db.session.scalars(select(Person)):
        person.email = person.email or f"person{person.id}@example.se"

    hidden = Body(
        organisation=region,
        name="Personalgruppen HEMLIG",
        kind=BodyKind.OFFICIALS_GROUP,
        record_type=RecordType.NOTES,
        numbering=NumberingRule.PLAIN,
        is_public=False,
    )
    term = Term(body=hidden, label="2024")
    sigrid = Person(name="Sigrid Dold", title="HEMLIG titel", email="sigrid.dold@example.se")
    db.session.add_all([hidden, term, sigrid])
    db.session.add(Membership(person=sigrid, body=hidden, term=term, kind=MembershipKind.ORDINARY))
    hidden_meeting = Meeting(
        body=hidden,
        term=term,
        meeting_date=date(2024, 3, 1),
        start_time=time(10),
        room="HEMLIGT rum",
        status=MeetingStatus.HELD,
        agenda_status=AgendaStatus.CONFIRMED,
        record_status=RecordStatus.FINAL,
    )
    hidden_item = AgendaItem(meeting=hidden_meeting, position=1, number=1, title="HEMLIG punkt")
    db.session.add_all(
        [
            hidden_meeting,
            hidden_item,
            Decision(item=hidden_item, text="HEMLIGT beslut"),
            Attendance(meeting=hidden_meeting, person=sigrid, role=AttendanceRole.VOTING),
        ]
    )

    srb = meeting_of(*SRB)
    public_item = next(item for item in srb.items if item.case is not None)
    secret_case = Case(organisation=region, case_number="RV249999", title="HEMLIGT ärende")
    closed_item = AgendaItem(
        meeting=srb,
        position=len(srb.items) + 1,
        number=len(srb.items) + 1,
        title="Personalärende HEMLIG",
        case=secret_case,
        summary="HEMLIG sammanfattning",
        is_public=False,
    )
    db.session.add_all([secret_case, closed_item])
    attachments = [
        (public_item, _document(PUBLIC_FILE, Confidentiality.PUBLIC, public_item.case)),
        (public_item, _document("INTERN HANDLING om budget", Confidentiality.INTERNAL)),
        (public_item, _document("SEKRETESS enligt OSL", Confidentiality.SECRET)),
        (closed_item, _document("Bilaga till HEMLIG punkt", Confidentiality.PUBLIC, secret_case)),
    ]
    for position, (item, document) in enumerate(attachments, 10):
        db.session.add(AgendaItemDocument(item=item, document=document, position=position))

    halsa = meeting_of(*HALSA).body
    planned = Meeting(body=halsa, meeting_date=date(2024, 9, 6), status=MeetingStatus.PLANNED)
    draft = Meeting(
        body=halsa,
        meeting_date=date(2024, 5, 24),
        status=MeetingStatus.HELD,
        agenda_status=AgendaStatus.CONFIRMED,
        record_status=RecordStatus.DRAFT,
    )
    draft_item = AgendaItem(meeting=draft, position=1, number=1, title="Lägesrapport")
    db.session.add_all(
        [
            planned,
            AgendaItem(meeting=planned, position=1, number=1, title="PLANERAD PUNKT"),
            draft,
            draft_item,
            Decision(item=draft_item, text="UTKAST till beslut"),
            Attendance(meeting=draft, person=sigrid, role=AttendanceRole.OTHER, title="UTKAST"),
        ]
    )
    db.session.flush()
    return {
        "region": region.id,
        "hidden_body": hidden.id,
        "hidden_meeting": hidden_meeting.id,
        "hidden_item": hidden_item.id,
        "sigrid": sigrid.id,
        "srb_meeting": srb.id,
        "public_item": public_item.id,
        "closed_item": closed_item.id,
        "secret_case": secret_case.id,
        "planned_meeting": planned.id,
        "draft_meeting": draft.id,
        "draft_item": draft_item.id,
    }


@pytest.fixture
def world(app, demo, storage) -> dict[str, int]:
    """The demo data with the private material added (made once per process, then restored
    row for row, so that every test starts from the same rows)."""

    def build() -> dict[str, int]:
        with app.test_request_context():
            ids = add_private_material()
            db.session.commit()
        return ids

    return built_once(app, "oparl world", build)


@pytest.fixture
def justerat(app, world) -> dict[str, int]:
    """As ``world``, after SRB's meeting went through the demo cycle: a justerat protokoll
    with its public PDF and anslag (the non-public item is in the record, masked)."""
    from app.demo.cycle import run_srb_cycle

    def build() -> dict[str, int]:
        with app.test_request_context():
            assert run_srb_cycle()
            db.session.commit()
        return world

    return built_once(app, "oparl justerat", build)
