"""A nämnd whose protokoll goes through justering: Stina keeps the record, Anna chairs, Bo is
justerare; everyone who signs has a login."""

import subprocess

from app.extensions import db
from app.meetings.models import Meeting
from app.people.models import Person
from app.record.models import Decision
from app.record.services import start_record
from tests.record.helpers import add_case_item, make_committee, new_meeting

STINA = "stina@sala.se"
ANNA = "anna@sala.se"
BO = "bo@sala.se"
DAN = "dan@sala.se"


def committee_with_record(app, factory) -> dict[str, int]:
    """The committee, logins for the signatories and a member, and a started record."""
    ids = make_committee(factory)
    for key, email in (("stina", STINA), ("anna", ANNA), ("bo", BO), ("dan", DAN)):
        ids[f"user_{key}"] = factory.user(email, person_id=ids[key])
    with app.test_request_context():
        for key, email in (("stina", STINA), ("anna", ANNA), ("bo", BO), ("dan", DAN)):
            db.session.get(Person, ids[key]).email = email
        meeting = new_meeting(ids["body"], "2025-03-14")
        ids["item"] = add_case_item(meeting, ids).id
        meeting.secretary = db.session.get(Person, ids["stina"])
        meeting.adjustment_place_time = "Stadshuset, 2025-03-21"
        start_record(None, meeting)
        for item in meeting.items:
            if item.decision is None and not item.is_withdrawn:
                db.session.add(Decision(item=item, text="Inga övriga frågor anmäldes."))
        db.session.commit()
        ids["meeting"] = meeting.id
    return ids


def meeting(ids: dict[str, int]) -> Meeting:
    return db.session.get(Meeting, ids["meeting"])


def pdfsig(pdf_path, nssdir) -> str:
    result = subprocess.run(
        ["pdfsig", "-nssdir", str(nssdir), "-no-ocsp", str(pdf_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout + result.stderr
