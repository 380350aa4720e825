"""Who gets the signed original of a justerat record, and who the public copy: one rule,
``permissions.gets_signed_original``, asked by the record page and PDF, the meeting page and
the signed original's own URL."""

from datetime import date

import pytest
from flask_login import AnonymousUserMixin

from app.accounts.models import User
from app.accounts.permissions import gets_signed_original
from app.bodies.models import MembershipFunction, MembershipKind
from app.extensions import db
from app.meetings.models import Meeting


@pytest.fixture
def committee(app, factory) -> dict[str, int]:
    organisation = factory.organisation("Sala kommun")
    body = factory.body("Kulturcommitteeen", organisation_id=organisation, is_public=True)
    other = factory.body("Tekniska committeeen", organisation_id=organisation, is_public=True)
    ids = {"body": body}
    seats = {
        "secretary": (body, MembershipKind.STAFF, MembershipFunction.SECRETARY),
        "ordinary": (body, MembershipKind.ORDINARY, None),
        "substitute": (body, MembershipKind.SUBSTITUTE, None),
        "co_opted": (body, MembershipKind.CO_OPTED, None),
        "staff": (body, MembershipKind.STAFF, None),  # a tjänsteperson, no seat, no secretary
        "other_member": (other, MembershipKind.ORDINARY, None),
        "other_secretary": (other, MembershipKind.STAFF, MembershipFunction.SECRETARY),
    }
    for role, (seat_body, kind, function) in seats.items():
        person = factory.person(f"Person {role}")
        factory.seat(person, seat_body, kind, function=function)
        ids[role] = factory.user(f"{role}@example.se", person_id=person)
    ids["admin"] = factory.user("admin@example.se", is_admin=True)
    ids["no_seat"] = factory.user("no_seat@example.se", person_id=factory.person("Utan plats"))
    with app.app_context():
        meeting = Meeting(body_id=body, meeting_date=date(2025, 3, 14))
        db.session.add(meeting)
        db.session.commit()
        ids["meeting"] = meeting.id
    return ids


@pytest.mark.parametrize(
    ("role", "signed"),
    [
        ("secretary", True),
        ("admin", True),
        ("ordinary", True),
        ("substitute", True),
        ("co_opted", True),
        ("staff", False),
        ("other_member", False),
        ("other_secretary", False),
        ("no_seat", False),
        ("anonymous", False),
    ],
)
def test_the_body_gets_the_signed_original_everyone_else_the_public_copy(
    app, committee, role, signed
):
    with app.test_request_context():
        meeting = db.session.get(Meeting, committee["meeting"])
        user = (
            AnonymousUserMixin() if role == "anonymous" else db.session.get(User, committee[role])
        )
        assert gets_signed_original(user, meeting) is signed
