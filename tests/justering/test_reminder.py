"""Påminn: the secretary reminds the signatories who have not answered a justering round;
only they are mailed, when is recorded, and a second reminder soon after is refused."""

from datetime import timedelta

import pytest

from app.accounts.models import User
from app.core.errors import DomainError
from app.extensions import db
from app.justering import services
from app.justering.models import JusteringRound, SignoffRole
from tests.justering.helpers import ANNA, BO, DAN, STINA, committee_with_record, meeting


def _user(email: str) -> User:
    return db.session.scalar(db.select(User).where(User.email == email))


def _send_and_let_the_chair_approve(app, ids) -> int:
    with app.test_request_context():
        sent = services.send_to_justering(
            _user(STINA), meeting(ids), review_url=lambda round_id: f"/justering/{round_id}"
        )
        chair = next(s for s in sent.round.signoffs if s.role == SignoffRole.CHAIR)
        services.approve(_user(ANNA), chair)
        db.session.commit()
        return sent.round.id


def _to(received) -> str:
    return next(iter(received["message"]["To"].addresses)).addr_spec


def test_remind_mails_only_those_who_have_not_answered_and_not_twice(
    app, factory, make_client, login, smtp_server
):
    ids = committee_with_record(app, factory)
    round_id = _send_and_let_the_chair_approve(app, ids)
    already = len(smtp_server.wait_for(2))  # the requests to the chair and the justerare
    record_url = f"/meetings/{ids['meeting']}/record"
    stina, dan = make_client(), make_client()
    login(stina, STINA)
    login(dan, DAN)

    # The secretary's page offers it, naming who has not answered.
    page = stina.get(record_url).get_data(as_text=True)
    assert "Har inte svarat: Bo Ek" in page and "Påminn" in page
    # A member who is not the secretary may not.
    assert dan.submit(f"/justering/{round_id}/remind", form_url="/").status_code == 403

    response = stina.submit(
        f"/justering/{round_id}/remind", form_url=record_url, follow_redirects=True
    )
    assert "En påminnelse skickades till Bo Ek." in response.get_data(as_text=True)
    reminders = smtp_server.wait_for(already + 1)[already:]
    assert [_to(m) for m in reminders] == [BO]  # not the chair, who has approved
    text = reminders[0]["message"].get_body(("plain",)).get_content()
    assert "påminnelse" in text and f"/justering/{round_id}" in text
    with app.app_context():
        justering = db.session.get(JusteringRound, round_id)
        reminded = {s.role: s.reminded_at for s in justering.signoffs}
    assert reminded[SignoffRole.ADJUSTER] is not None
    assert reminded[SignoffRole.CHAIR] is None
    assert "påmind" in stina.get(record_url).get_data(as_text=True)

    # At once again (a double click): refused, nobody is mailed.
    response = stina.submit(
        f"/justering/{round_id}/remind", form_url=record_url, follow_redirects=True
    )
    assert "En påminnelse skickades" in response.get_data(as_text=True)
    assert "En ny kan skickas från" in response.get_data(as_text=True)
    assert len(smtp_server.messages) == already + 1

    # Once the interval has passed, a new reminder may go.
    with app.app_context():
        justering = db.session.get(JusteringRound, round_id)
        for signoff in justering.signoffs:
            if signoff.reminded_at is not None:
                signoff.reminded_at -= services.REMIND_INTERVAL + timedelta(minutes=1)
        db.session.commit()
    stina.submit(f"/justering/{round_id}/remind", form_url=record_url)
    assert [_to(m) for m in smtp_server.wait_for(already + 2)[already + 1 :]] == [BO]


def test_nobody_to_remind_when_all_have_answered(app, factory):
    ids = committee_with_record(app, factory)
    round_id = _send_and_let_the_chair_approve(app, ids)
    with app.test_request_context():
        justering = db.session.get(JusteringRound, round_id)
        adjuster = next(s for s in justering.signoffs if s.role == SignoffRole.ADJUSTER)
        services.approve(_user(BO), adjuster)
        db.session.commit()
        justering = db.session.get(JusteringRound, round_id)
        assert services.waiting_signoffs(justering) == []
        with pytest.raises(DomainError, match="ingen att påminna"):
            services.remind_signatories(_user(STINA), justering, review_url="/x")
