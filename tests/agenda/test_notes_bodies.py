"""Minnesanteckningar are not protokoll: a notes body's agenda has no Justering item, its
meetings have no justerare and no justering's place and time, whichever path asks."""

import pytest

from app.agenda.models import Placement, StandardKind
from app.agenda.sentences import proposal_of
from app.agenda.services import set_adjusters, set_standard_items
from app.bodies.models import Body, BodyKind, RecordType
from app.core.errors import DomainError
from app.extensions import db
from app.people.models import Person
from app.record.services import start_record, update_record_details
from tests.record.helpers import make_committee, new_meeting

REFUSED = "Minnesanteckningar justeras inte: Samverkansgrupp Kultur har inga justerare."


def _group(factory) -> dict[str, int]:
    return make_committee(
        factory, name="Samverkansgrupp Kultur", record_type=RecordType.NOTES,
        kind=BodyKind.COOPERATION_GROUP,
    )  # fmt: skip


def test_a_notes_body_s_agenda_has_no_justering(app, factory):
    ids = _group(factory)
    committee = make_committee(factory, name="Kulturnämnden")
    with app.test_request_context():
        meeting = new_meeting(ids["body"], "2025-03-14")
        titles = [item.title for item in meeting.items]
        assert "Justering" not in titles
        assert titles[:3] == [
            "Fastställande av föredragningslista",
            "Föregående minnesanteckningar",
            "Nästa sammanträde",
        ]
        assert all("justera" not in (proposal_of(item, meeting) or "") for item in meeting.items)
        # A protokoll body keeps its Justering item.
        protokoll_body = new_meeting(committee["body"], "2025-03-14")
        assert "Justering" in [item.title for item in protokoll_body.items]
        db.session.rollback()


def test_no_justerare_for_minutes_by_any_path(app, factory):
    ids = _group(factory)
    with app.test_request_context():
        body = db.session.get(Body, ids["body"])
        bo = db.session.get(Person, ids["bo"])
        meeting = new_meeting(ids["body"], "2025-03-14")
        with pytest.raises(DomainError) as refused:
            set_adjusters(None, meeting, [bo])
        assert refused.value.message == REFUSED
        with pytest.raises(DomainError, match="har inga justerare"):
            set_standard_items(
                None, body, [(Placement.OPENING, "Justering", StandardKind.ADJUSTERS)]
            )
        start_record(None, meeting)
        with pytest.raises(DomainError, match="har inga justerare"):
            update_record_details(
                None, meeting, secretary=None, adjusters=[bo], adjustment_place_time=None
            )
        with pytest.raises(DomainError, match="har inga justerare"):
            update_record_details(
                None, meeting, secretary=None, adjusters=[],
                adjustment_place_time="Regionhuset, 2025-03-21",
            )  # fmt: skip
        # Without them the details are saved.
        update_record_details(
            None, meeting, secretary=None, adjusters=[], adjustment_place_time=None
        )
        assert meeting.adjusters == []
        db.session.rollback()
