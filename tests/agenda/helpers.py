"""Shared setup for the agenda tests: a body with a secretary, members and a meeting."""

from datetime import date

from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.bodies.models import MembershipKind
from app.extensions import db
from app.meetings.models import Meeting


def make_committee(factory, *, emails: bool = True) -> dict[str, int]:
    """Kulturnämnden with a secretary (Elin) and three seated members."""
    body_id = factory.body("Kulturnämnden")
    elin = factory.person("Elin Hellström", email="elin@example.se")
    factory.seat(elin, body_id, MembershipKind.STAFF, function="sekreterare")
    factory.user("elin@example.se", person_id=elin)
    ids = {"body": body_id, "elin": elin}
    for key, name, party, kind in (
        ("karin", "Karin Berg", "C", MembershipKind.ORDINARY),
        ("olle", "Olle Ek", "S", MembershipKind.ORDINARY),
        ("sara", "Sara Lind", "M", MembershipKind.SUBSTITUTE),
    ):
        email = f"{key}@example.se" if emails else None
        ids[key] = factory.person(name, party=party, email=email)
        factory.seat(ids[key], body_id, kind)
    return ids


def meeting_on(app, body_id: int, day: str) -> Meeting:
    return db.session.scalar(
        select(Meeting).where(
            Meeting.body_id == body_id, Meeting.meeting_date == date.fromisoformat(day)
        )
    )


def titles(app, meeting_id: int) -> list[tuple[int, str]]:
    with app.app_context():
        items = db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.position)
        )
        return [(item.number, item.title) for item in items]
