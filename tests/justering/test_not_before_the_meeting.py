"""Nothing is justerat, signed or posted before the meeting has been held. A record may be
prepared ahead (attendance, numbers, draft decisions); finalising, signing, sending to
justering, approving and posting wait for the meeting, whatever path asks (page or service)."""

from datetime import UTC, datetime, time, timedelta

import pytest

from app.accounts.models import User
from app.agenda.services import add_item, set_adjusters
from app.bodies.models import BodyKind, MembershipFunction, MembershipKind, RecordType
from app.core.dates import local_today
from app.core.errors import DomainError
from app.extensions import db
from app.justering import services
from app.meetings.models import Meeting, MeetingStatus, RecordStatus
from app.people.models import Person
from app.publication.services import posting_problems
from app.record.models import Decision
from app.record.services import record_problems, start_record
from tests.justering.helpers import ANNA, STINA, committee_with_record, meeting
from tests.record.helpers import make_committee, new_meeting

NOT_HELD = "Sammanträdet har inte hållits ännu"


def _user(email: str) -> User:
    return db.session.scalar(db.select(User).where(User.email == email))


def _future_protokoll(app, factory) -> dict[str, int]:
    """The nämnd's meeting two weeks ahead, its record prepared and complete but for the date."""
    ids = committee_with_record(app, factory)  # logins for the signatories; a past meeting
    ahead = local_today() + timedelta(days=14)
    with app.test_request_context():
        future = new_meeting(ids["body"], ahead.isoformat())
        set_adjusters(None, future, [db.session.get(Person, ids["bo"])])
        future.secretary = db.session.get(Person, ids["stina"])
        start_record(None, future)
        for item in future.items:
            if item.decision is None and not item.is_withdrawn:
                db.session.add(Decision(item=item, text="Inga övriga frågor anmäldes."))
        db.session.commit()
        ids["future"] = future.id
    return ids


def test_a_record_is_prepared_ahead_but_not_sent_to_justering(app, factory, make_client, login):
    ids = _future_protokoll(app, factory)
    with app.test_request_context():
        future = db.session.get(Meeting, ids["future"])
        # Prepared: a draft record; the meeting itself is not "held" before its day.
        assert future.record_status == RecordStatus.DRAFT
        assert future.status != MeetingStatus.HELD
        problems = record_problems(future)
        assert len(problems) == 1 and NOT_HELD in problems[0]
        with pytest.raises(DomainError, match=NOT_HELD):
            services.send_to_justering(
                _user(STINA), future, review_url=lambda round_id: f"/justering/{round_id}"
            )
        db.session.rollback()

    stina = make_client()
    login(stina, STINA)
    record_url = f"/meetings/{ids['future']}/record"
    page = stina.get(record_url).get_data(as_text=True)
    assert NOT_HELD in page  # said on the record page, before anyone tries
    stina.submit(f"/meetings/{ids['future']}/justering", form_url=record_url)
    with app.app_context():
        future = db.session.get(Meeting, ids["future"])
        assert future.record_status == RecordStatus.DRAFT
        assert services.open_round(future) is None
        assert services.current_revision(future) is None


def test_minutes_of_a_meeting_ahead_cannot_be_signed(app, factory):
    ids = make_committee(
        factory, name="Samverkansgrupp Kultur", record_type=RecordType.NOTES,
        kind=BodyKind.COOPERATION_GROUP,
    )  # fmt: skip
    factory.seat(ids["dan"], ids["body"], MembershipKind.STAFF, MembershipFunction.SECRETARY)
    factory.user(STINA, person_id=ids["stina"])
    with app.test_request_context():
        future = new_meeting(ids["body"], (local_today() + timedelta(days=3)).isoformat())
        add_item(None, future, title="Kulturskolan", proposal="Gruppen tar del av informationen.")
        future.secretary = db.session.get(Person, ids["stina"])
        start_record(None, future)
        db.session.commit()
        with pytest.raises(DomainError, match=NOT_HELD):
            services.finalise_and_sign_minutes(_user(STINA), future)
        db.session.rollback()
        future = db.session.get(Meeting, future.id)
        assert future.record_status == RecordStatus.DRAFT
        assert services.current_revision(future) is None


def test_no_approval_or_anslag_for_a_meeting_that_has_not_begun(app, factory):
    """A round out for a meeting whose time is later than now (its date moved behind the
    services' back): the approval is refused and no anslag can be posted."""
    ids = committee_with_record(app, factory)
    with app.test_request_context():
        services.send_to_justering(
            _user(STINA), meeting(ids), review_url=lambda round_id: f"/justering/{round_id}"
        )
        db.session.commit()
        meeting(ids).meeting_date = local_today() + timedelta(days=1)  # as a bulk fix might
        db.session.commit()
        justering = services.open_round(meeting(ids))
        chair = next(s for s in justering.signoffs if s.person_id == ids["anna"])
        with pytest.raises(DomainError, match=NOT_HELD):
            services.approve(_user(ANNA), chair)
        db.session.rollback()
        assert any(NOT_HELD in p for p in posting_problems(meeting(ids)))


@pytest.mark.parametrize(
    ("start", "now", "begun"),
    [
        # 09:00 in Stockholm in winter is 08:00 UTC.
        (time(9, 0), datetime(2025, 1, 17, 7, 59, tzinfo=UTC), False),
        (time(9, 0), datetime(2025, 1, 17, 8, 0, tzinfo=UTC), True),
        # In summer it is 07:00 UTC.
        (time(9, 0), datetime(2025, 6, 13, 6, 59, tzinfo=UTC), False),
        (time(9, 0), datetime(2025, 6, 13, 7, 0, tzinfo=UTC), True),
        # No time known: the day in Stockholm, which starts at 23:00 UTC the day before.
        (None, datetime(2025, 1, 16, 22, 59, tzinfo=UTC), False),
        (None, datetime(2025, 1, 16, 23, 0, tzinfo=UTC), True),
    ],
)
def test_a_meeting_has_begun_at_its_time_in_stockholm(start, now, begun):
    day = now.date() if start is not None else datetime(2025, 1, 17).date()
    assert Meeting(meeting_date=day, start_time=start).has_begun(now) is begun
