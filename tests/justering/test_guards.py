"""Guards around a signed record: nothing reopens or changes it behind the signatories' backs,
two answers at once do not lose a signature, signatories are real and distinct, and what the
public reads stays masked and frozen, also during a rättelse."""

from datetime import timedelta

import pytest
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.models import User
from app.agenda.models import AgendaItem
from app.bodies.models import MembershipFunction
from app.core.dates import local_today
from app.core.errors import DomainError
from app.extensions import db
from app.justering import services
from app.justering.models import SignoffRole, SignoffStatus
from app.meetings.models import RecordStatus
from app.people.models import Person
from app.record.services import start_record, update_record_details
from tests.justering.helpers import ANNA, BO, DAN, STINA, committee_with_record, meeting
from tests.record.helpers import make_committee, new_meeting


def _user(email: str) -> User:
    return db.session.scalar(db.select(User).where(User.email == email))


def _send(app, ids) -> int:
    with app.test_request_context():
        sent = services.send_to_justering(
            _user(STINA), meeting(ids), review_url=lambda round_id: f"/justering/{round_id}"
        )
        db.session.commit()
        return sent.round.id


def _approve_all(app, ids) -> None:
    with app.test_request_context():
        justering = services.open_round(meeting(ids))
        for signoff in justering.signoffs[1:]:
            services.approve(_user(ANNA if signoff.role == SignoffRole.CHAIR else BO), signoff)
        db.session.commit()


def test_start_record_cannot_reopen_a_protokoll_out_for_justering(app, factory):
    ids = committee_with_record(app, factory)
    _send(app, ids)
    with app.test_request_context():
        with pytest.raises(DomainError):
            start_record(_user(STINA), meeting(ids))
        db.session.rollback()
        assert meeting(ids).record_status == RecordStatus.JUSTERING


def test_two_answers_at_once_do_not_lose_a_signature(app, factory):
    """The chair's approval was loaded before the justerare's was saved: it is refused as a
    conflict, and the justerare's signature stands."""
    ids = committee_with_record(app, factory)
    _send(app, ids)
    with app.test_request_context():
        justering = services.open_round(meeting(ids))
        chair = next(s for s in justering.signoffs if s.role == SignoffRole.CHAIR)
        with app.app_context(), app.test_request_context():  # another request and session
            other = services.open_round(meeting(ids))
            bo = next(s for s in other.signoffs if s.role == SignoffRole.ADJUSTER)
            services.approve(_user(BO), bo)
            db.session.commit()
            signed_by_bo = other.pdf_sha256
        with pytest.raises(StaleDataError):
            services.approve(_user(ANNA), chair)
            db.session.commit()
        db.session.rollback()
    with app.app_context():
        justering = services.open_round(meeting(ids))
        assert justering.pdf_sha256 == signed_by_bo
        assert [s.status for s in justering.signoffs] == [
            SignoffStatus.APPROVED,
            SignoffStatus.PENDING,
            SignoffStatus.APPROVED,
        ]


def test_the_chair_cannot_also_be_justerare(app, factory):
    ids = committee_with_record(app, factory)
    with app.test_request_context():
        m = meeting(ids)
        anna = db.session.get(Person, ids["anna"])
        with pytest.raises(DomainError) as caught:
            update_record_details(
                None, m, secretary=m.secretary, adjusters=[anna], adjustment_place_time=None
            )
        assert caught.value.field == "adjusters"


def test_the_chair_and_secretary_being_set_are_not_justerare_either(app, factory):
    """One rule (agenda.services.require_other_justerare) for the record page as for the
    agenda: the chair and the secretary chosen in the same save count, not only the old ones."""
    ids = committee_with_record(app, factory)
    with app.test_request_context():
        m = meeting(ids)
        person = lambda key: db.session.get(Person, ids[key])  # noqa: E731
        for secretary, adjusters, chair in (
            (person("bo"), [person("bo")], None),  # Bo becomes secretary and justerare
            (m.secretary, [person("cia")], person("cia")),  # Cia chairs and justerar
        ):
            with pytest.raises(DomainError) as caught:
                update_record_details(
                    None,
                    m,
                    secretary=secretary,
                    adjusters=adjusters,
                    adjustment_place_time=None,
                    chair=chair,
                )
            assert caught.value.field == "adjusters"
        # Anna handed the chair to Cia for the day: she may justera.
        update_record_details(
            None,
            m,
            secretary=m.secretary,
            adjusters=[person("anna")],
            adjustment_place_time=None,
            chair=person("cia"),
        )


def test_the_vice_chair_chairs_when_the_chair_is_away(app, factory):
    ids = committee_with_record(app, factory)
    with app.test_request_context():
        m = meeting(ids)
        cia = db.session.get(Person, ids["cia"])
        update_record_details(
            None,
            m,
            secretary=m.secretary,
            adjusters=[db.session.get(Person, ids["bo"])],
            adjustment_place_time=None,
            chair=cia,
        )
        db.session.commit()
        functions = {a.person.name: a.function for a in meeting(ids).attendances}
        assert functions["Cia Lund"] == MembershipFunction.CHAIR
        assert functions["Anna Berg"] is None
        assert services.chair_of(meeting(ids)).name == "Cia Lund"


def test_every_signatory_needs_a_login(app, factory):
    ids = committee_with_record(app, factory)
    with app.test_request_context():
        db.session.delete(db.session.get(User, ids["user_bo"]))
        db.session.commit()
        with pytest.raises(DomainError) as caught:
            services.send_to_justering(
                _user(STINA), meeting(ids), review_url=lambda round_id: f"/justering/{round_id}"
            )
        assert "Bo Ek" in caught.value.message
        db.session.rollback()
        assert meeting(ids).record_status == RecordStatus.DRAFT


def test_a_rattelse_gets_fourteen_days_from_when_it_is_sent(app, factory):
    ids = committee_with_record(app, factory)
    _send(app, ids)
    _approve_all(app, ids)
    with app.test_request_context():
        services.start_correction(_user(STINA), meeting(ids), reason="Skrivfel i § 5.")
        db.session.commit()
    round_id = _send(app, ids)
    with app.app_context():
        from app.justering.models import JusteringRound

        justering = db.session.get(JusteringRound, round_id)
        assert justering.deadline == local_today() + timedelta(days=14)
        assert services.deadline_status(meeting(ids)).day == justering.deadline


def test_a_rattelse_needs_a_stored_original(app, factory):
    """Minutes made final without signing (as the demo's group minutes) have no original to
    keep, so a rättelse is refused rather than overwriting them."""
    ids = make_committee(factory)
    with app.test_request_context():
        m = new_meeting(ids["body"], "2025-03-14")
        start_record(None, m)
        m.record_status = RecordStatus.FINAL
        db.session.commit()
        with pytest.raises(DomainError):
            services.start_correction(None, m, reason="Skrivfel")


def test_the_public_reads_the_masked_version_during_a_rattelse(app, factory, make_client, login):
    ids = committee_with_record(app, factory)
    with app.test_request_context():
        item = db.session.get(AgendaItem, ids["item"])
        item.is_public = False
        item.decision.text = "Hemligt belopp 123 456 kronor."
        db.session.commit()
    _send(app, ids)
    _approve_all(app, ids)
    with app.test_request_context():
        services.start_correction(_user(STINA), meeting(ids), reason="Skrivfel i § 5.")
        db.session.commit()
    anonymous = make_client()
    page = anonymous.get(f"/meetings/{ids['meeting']}/record").get_data(as_text=True)
    assert "Hemligt belopp" not in page
    assert "redovisas inte i den offentliga versionen" in page
    member = make_client()
    login(member, DAN)
    assert "Hemligt belopp" in member.get(f"/meetings/{ids['meeting']}/record").get_data(
        as_text=True
    )
    # Nor can the public get the item as an utdrag.
    assert (
        anonymous.get(f"/meetings/{ids['meeting']}/utdrag.pdf?item={ids['item']}").status_code
        == 404
    )


def test_readers_of_a_justerat_record_read_it_as_signed(app, factory, make_client):
    """A later change to live data (a member's party) does not change the justerat record."""
    ids = committee_with_record(app, factory)
    _send(app, ids)
    _approve_all(app, ids)
    with app.app_context():
        db.session.get(Person, ids["bo"]).party = "MP"
        db.session.commit()
    anonymous = make_client()
    page = anonymous.get(f"/meetings/{ids['meeting']}/record").get_data(as_text=True)
    assert "Bo Ek (M)" in page and "Bo Ek (MP)" not in page


def test_an_anslag_cannot_be_backdated_past_its_appeal_period(app, factory):
    from app.publication.services import post_anslag

    ids = committee_with_record(app, factory)
    _send(app, ids)
    _approve_all(app, ids)
    with app.test_request_context():
        m = meeting(ids)
        m.body.is_public = True
        today = local_today() + timedelta(days=40)
        with pytest.raises(DomainError) as caught:
            post_anslag(_user(STINA), m, posted_on=local_today(), today=today)
        assert caught.value.field == "posted_on"
