"""An open vote is entered on the item's page as a form: each serving member's vote is a
field of it, so a wrong value is shown where it was typed, the rest is kept, nothing saved."""

import re

from sqlalchemy import func, select

from app.extensions import db
from app.record.models import Ballot, Vote
from tests.conftest import hidden
from tests.record.test_protocol import QUESTION, _started


def _select(page: str, name: str) -> str:
    match = re.search(rf'<select[^>]*\bname="{name}"[^>]*>.*?</select>', page, re.S)
    assert match, f"no select {name!r} on the page"
    return match.group(0)


def _counts(app, item_id: int) -> tuple[int, int]:
    with app.app_context():
        votes = db.session.scalar(select(func.count(Vote.id)).where(Vote.item_id == item_id))
        ballots = db.session.scalar(select(func.count(Ballot.id)))
        return votes, ballots


def _secretary(app, factory, make_client, login):
    ids, _meeting_id, item_id = _started(app, factory)
    factory.user("stina@example.se", person_id=ids["stina"])
    client = make_client()
    login(client, "stina@example.se")
    return ids, item_id, client


def test_a_wrong_ballot_is_shown_on_the_form_and_what_was_typed_is_kept(
    app, factory, make_client, login
):
    ids, item_id, client = _secretary(app, factory, make_client, login)
    page = client.get(f"/items/{item_id}/record").get_data(as_text=True)
    # Every serving member has her field, none chosen yet.
    assert 'selected value="ja"' not in _select(page, f"ballot-{ids['anna']}")
    response = client.post(
        f"/items/{item_id}/votes",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "vote-question": QUESTION,
            "vote-is_open": "y",
            "vote-outcome": "Nämnden bifaller förslaget.",
            f"ballot-{ids['anna']}": "ja",
            f"ballot-{ids['bo']}": "kanske",
            f"ballot-{ids['dan']}": "nej",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "flash-error" in page
    # The error is on Bo's field and names him; the other fields carry none.
    error = re.search(rf'id="ballot-{ids["bo"]}-error">([^<]*)<', page)
    assert error and "Bo Ek (M)" in error.group(1)
    assert 'aria-invalid="true"' in _select(page, f"ballot-{ids['bo']}")
    assert f'id="ballot-{ids["anna"]}-error"' not in page
    # What was typed is kept.
    assert 'selected value="ja"' in _select(page, f"ballot-{ids['anna']}")
    assert 'selected value="nej"' in _select(page, f"ballot-{ids['dan']}")
    assert hidden(page, "vote-question") == QUESTION
    assert hidden(page, "vote-outcome") == "Nämnden bifaller förslaget."
    # Nothing is saved.
    assert _counts(app, item_id) == (0, 0)
    # Corrected, the vote is saved with each member's vote.
    response = client.post(
        f"/items/{item_id}/votes",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "vote-question": QUESTION,
            "vote-is_open": "y",
            f"ballot-{ids['anna']}": "ja",
            f"ballot-{ids['bo']}": "nej",
            f"ballot-{ids['cia']}": "ja",
            f"ballot-{ids['dan']}": "nej",
            f"ballot-{ids['eva']}": "avstar",
        },
    )
    assert response.status_code == 302
    assert _counts(app, item_id) == (1, 5)


def test_a_vote_without_its_question_keeps_the_ballots(app, factory, make_client, login):
    ids, item_id, client = _secretary(app, factory, make_client, login)
    page = client.get(f"/items/{item_id}/record").get_data(as_text=True)
    response = client.post(
        f"/items/{item_id}/votes",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "vote-question": "",
            "vote-is_open": "y",
            f"ballot-{ids['cia']}": "avstar",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="vote-question-error"' in page
    assert 'selected value="avstar"' in _select(page, f"ballot-{ids['cia']}")
    assert _counts(app, item_id) == (0, 0)
    # The page answers the vote's post (at /votes); its decision form still saves the decision.
    assert f'id="decision-form" action="/items/{item_id}/record"' in page
