"""Factories for the models, Indico-style: ``create_<model>(**overrides)``.

Each makes one record with sensible defaults (and whatever it needs and was not given: a
meeting gets a body, a body an organisation and a term), adds it to ``db.session``, flushes
and returns the record. Call them inside ``with app.app_context()`` (or a request context)
and commit there; a keyword overrides any column, so a test names only what it is about::

    with app.app_context():
        body = create_body("Kulturnämnden", is_public=False)
        secretary = create_person("Stina Sekreterare", email=STINA)
        create_membership(secretary, body, kind=MembershipKind.STAFF, function="sekreterare")
        create_user(STINA, person=secretary)
        db.session.commit()
        ids = {"body": body.id}

The ``factory`` fixture in tests/conftest.py (which commits each record in a context of its
own and returns ids) remains for the tests written with it.
"""

from datetime import date
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.agenda.models import AgendaItem, AgendaItemDocument
from app.bodies.models import Body, BodyKind, Membership, MembershipKind, Term
from app.cases.models import Case, Confidentiality, Document
from app.extensions import db
from app.meetings.models import Meeting
from app.organisations.models import Organisation, OrganisationKind
from app.people.models import Person
from app.record.models import Attendance, AttendanceRole, Decision

PASSWORD = "correct horse battery"  # as tests.conftest.PASSWORD: the ``login`` fixture's


def _add(record: Any) -> Any:
    db.session.add(record)
    db.session.flush()
    return record


def create_organisation(name: str = "Testkommun", **values: Any) -> Organisation:
    values = {"short_name": name, "kind": OrganisationKind.MUNICIPALITY, **values}
    return _add(Organisation(name=name, **values))


def create_body(
    name: str = "Testnämnden",
    organisation: Organisation | None = None,
    term_label: str | None = "2023–2026",
    **values: Any,
) -> Body:
    """A committee of ``organisation`` (a new one by default) with one term."""
    organisation = organisation or create_organisation(f"Org för {name}")
    values = {"kind": BodyKind.COMMITTEE, **values}
    body = _add(Body(name=name, organisation_id=organisation.id, **values))
    if term_label:
        create_term(body, term_label)
    return body


def create_term(body: Body, label: str = "2023–2026", **values: Any) -> Term:
    return _add(Term(body_id=body.id, label=label, **values))


def create_person(name: str = "Anna Andersson", **values: Any) -> Person:
    return _add(Person(name=name, **values))


def create_membership(
    person: Person,
    body: Body,
    kind: MembershipKind = MembershipKind.ORDINARY,
    term: Term | None = None,
    **values: Any,
) -> Membership:
    """A seat in ``body``'s first term (or ``term``)."""
    term = (
        term
        or db.session.scalars(select(Term).where(Term.body_id == body.id).order_by(Term.id)).first()
    )
    assert term is not None, f"{body.name} has no term"
    return _add(
        Membership(person_id=person.id, body_id=body.id, term_id=term.id, kind=kind, **values)
    )


def create_user(
    email: str = "user@example.se",
    person: Person | None = None,
    password: str = PASSWORD,
    **values: Any,
) -> User:
    values = {"is_admin": False, **values}
    return _add(
        User(
            email=email,
            password_hash=hash_password(password),
            person_id=person.id if person else None,
            **values,
        )
    )


def create_meeting(
    body: Body | None = None, meeting_date: date = date(2030, 9, 3), **values: Any
) -> Meeting:
    """A planned meeting (no agenda sent, no record) of ``body`` (a new one by default)."""
    body = body or create_body()
    return _add(Meeting(body_id=body.id, meeting_date=meeting_date, **values))


def create_item(meeting: Meeting | None = None, title: str = "Ärende", **values: Any) -> AgendaItem:
    """An agenda item, last in ``meeting`` (a new one by default), numbered by its place."""
    meeting = meeting or create_meeting()
    last = db.session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)
    )
    position = (last or 0) + 1
    values = {"position": position, "number": position, **values}
    return _add(AgendaItem(meeting_id=meeting.id, title=title, **values))


def create_decision(
    item: AgendaItem | None = None, text: str = "Nämnden beslutar enligt förslaget.", **values: Any
) -> Decision:
    item = item or create_item()
    return _add(Decision(item_id=item.id, text=text, **values))


def create_attendance(
    meeting: Meeting,
    person: Person,
    role: AttendanceRole = AttendanceRole.VOTING,
    **values: Any,
) -> Attendance:
    return _add(Attendance(meeting_id=meeting.id, person_id=person.id, role=role, **values))


def create_case(
    organisation: Organisation | None = None, case_number: str = "RV 2030-00001", **values: Any
) -> Case:
    organisation = organisation or create_organisation()
    return _add(Case(organisation_id=organisation.id, case_number=case_number, **values))


def create_document(
    title: str = "Beslutsunderlag",
    confidentiality: Confidentiality = Confidentiality.PUBLIC,
    owner: Body | None = None,
    **values: Any,
) -> Document:
    """A document known by title (no file unless ``sha256`` is given), owned by ``owner``."""
    if owner is not None:
        values = {
            "owner_body_id": owner.id,
            "owner_organisation_id": owner.organisation_id,
            **values,
        }
    return _add(Document(title=title, confidentiality=confidentiality, **values))


def attach_document(item: AgendaItem, document: Document, **values: Any) -> AgendaItemDocument:
    return _add(AgendaItemDocument(item_id=item.id, document_id=document.id, **values))
