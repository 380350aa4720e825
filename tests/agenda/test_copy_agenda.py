"""A new agenda starts as a copy of an earlier meeting's (issue 16): the items with their texts
in order, the standing sentences made again for the new meeting, nothing that belongs to the
earlier meeting (documents, anmälningar, decisions, planned topics); only into a new agenda."""

from datetime import date

import pytest
from sqlalchemy import select

from app.agenda import services
from app.agenda.models import AgendaItem, AgendaItemDocument, StandardKind
from app.agenda.sentences import proposal_of
from app.core.errors import DomainError
from app.extensions import db
from app.meetings.models import Meeting
from tests.agenda.helpers import make_committee, titles
from tests.agenda.test_building import _new_meeting
from tests.factories import create_body, create_document, create_meeting

BUDGET_SUMMARY = "Förvaltningen redovisar förslaget till budget för 2025."
BUDGET_PROPOSAL = "Nämnden fastställer budgeten för 2025."
PRESENTER = "Anna Ekonom, controller"


@pytest.fixture
def earlier(app, factory, make_client, login):
    """Kulturnämnden's meeting 2024-04-19 with two items of its own between the standing ones:
    Budget 2025 (texts, a presenter, a document) and Kommande möte (topics it planned)."""
    ids = make_committee(factory)
    client = make_client()
    login(client, "elin@example.se")
    first = _new_meeting(client, ids["body"], "2024-04-19")
    budget = client.submit(
        f"/meetings/{first}/items/new",
        {
            "title": "Budget 2025",
            "summary_label": "",
            "summary": BUDGET_SUMMARY,
            "proposal": BUDGET_PROPOSAL,
            "presenters": PRESENTER,
        },
    )
    assert budget.status_code == 302
    kommande = client.submit(
        f"/meetings/{first}/items/new", {"title": "Kommande möte", "summary_label": ""}
    )
    kommande_id = int(kommande.headers["Location"].split("/")[-2])
    client.submit(f"/items/{kommande_id}/coming-topics", {"topics": "Kollektivtrafik"})
    with app.app_context():
        item = db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Budget 2025"))
        db.session.add(AgendaItemDocument(item=item, document=create_document("Budgetförslag")))
        db.session.commit()
    return ids, client, first


def test_a_new_agenda_is_copied_with_its_texts_and_new_sentences(app, earlier):
    ids, client, first = earlier
    second = _new_meeting(client, ids["body"], "2024-06-14")
    editor = f"/meetings/{second}/agenda"
    page = client.get(editor).get_data(as_text=True)
    assert "Utgå från en tidigare föredragningslista" in page
    assert f'<option value="{first}">2024-04-19</option>' in page

    answer = client.submit(f"{editor}/copy", {"copy-source_id": first}, form_url=editor)
    assert answer.status_code == 302
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Föredragningslistan kopierades från sammanträdet 2024-04-19" in shown
    # The same items in the same order, numbered for the new agenda.
    assert titles(app, second) == [(n, t) for n, (_old, t) in enumerate(titles(app, first), 1)]
    with app.app_context():
        meeting = db.session.get(Meeting, second)
        items = {item.title: item for item in meeting.items}
        budget = items["Budget 2025"]
        assert (budget.summary, budget.proposal, budget.presenters) == (
            BUDGET_SUMMARY,
            BUDGET_PROPOSAL,
            PRESENTER,
        )
        assert budget.documents == [] and budget.case is None  # the earlier meeting's papers
        assert items["Kommande möte"].summary is None  # its topics were for this meeting
        assert services.planned_at(items["Kommande möte"]) == []
        # The standing sentence speaks of this meeting's previous one, not the earlier's.
        previous = next(
            i for i in meeting.items if i.standard_kind == StandardKind.PREVIOUS_MINUTES
        )
        assert previous.proposal is None
        assert "2024-04-19" in (proposal_of(previous, meeting) or "")
        old = db.session.get(Meeting, first)
        old_previous = next(
            i for i in old.items if i.standard_kind == StandardKind.PREVIOUS_MINUTES
        )
        assert "2024-04-19" not in (proposal_of(old_previous, old) or "")
        # The earlier meeting keeps everything.
        old_budget = next(i for i in old.items if i.title == "Budget 2025")
        assert [link.document.title for link in old_budget.documents] == ["Budgetförslag"]


def test_only_a_new_agenda_is_replaced(app, earlier):
    ids, client, first = earlier
    second = _new_meeting(client, ids["body"], "2024-06-14")
    editor = f"/meetings/{second}/agenda"
    client.submit(f"/meetings/{second}/items/new", {"title": "Egen punkt", "summary_label": ""})
    before = titles(app, second)
    # The form is no longer offered, and a hand-made POST changes nothing.
    assert "Utgå från en tidigare föredragningslista" not in client.get(editor).get_data(
        as_text=True
    )
    answer = client.submit(f"{editor}/copy", {"copy-source_id": first}, form_url=editor)
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "en föredragningslista kopieras bara till en ny" in shown
    assert titles(app, second) == before


def test_the_copy_comes_from_an_earlier_meeting_of_the_same_body(app, earlier):
    ids, client, first = earlier
    later = _new_meeting(client, ids["body"], "2024-02-02")  # before the one with items
    editor = f"/meetings/{later}/agenda"
    page = client.get(editor).get_data(as_text=True)
    assert "Organet har inget tidigare sammanträde med en föredragningslista att kopiera." in page
    answer = client.submit(f"{editor}/copy", {"copy-source_id": first}, form_url=editor)
    assert "Välj ett tidigare sammanträde" in client.get(answer.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        # The rule is the service's: a later meeting, or another body's, is refused.
        target = db.session.get(Meeting, later)
        with pytest.raises(DomainError):
            services.copy_agenda(None, target, db.session.get(Meeting, first))
        db.session.rollback()
        other = create_meeting(create_body("Tekniska nämnden"), meeting_date=date(2024, 12, 1))
        services.start_agenda(other)
        db.session.commit()
        with pytest.raises(DomainError):
            services.copy_agenda(None, other, db.session.get(Meeting, first))
        db.session.rollback()


def test_a_standing_item_edited_or_planned_at_keeps_the_agenda_from_being_replaced(app, earlier):
    ids, client, first = earlier
    second = _new_meeting(client, ids["body"], "2024-06-14")
    editor = f"/meetings/{second}/agenda"
    with app.app_context():
        meeting = db.session.get(Meeting, second)
        assert services.has_only_standing_items(meeting)
        standing = meeting.items[-1]
        standing_id = standing.id
    # Topics planned at one of the new agenda's own items: copying would lose the item they
    # were planned at, so the agenda is no longer new.
    client.submit(f"/items/{standing_id}/coming-topics", {"topics": "Regional utveckling"})
    with app.app_context():
        assert not services.has_only_standing_items(db.session.get(Meeting, second))
    answer = client.submit(f"{editor}/copy", {"copy-source_id": first}, form_url=editor)
    assert "en föredragningslista kopieras bara till en ny" in client.get(
        answer.headers["Location"]
    ).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(AgendaItem, standing_id) is not None
    # A standing item's text edited by the secretary counts the same.
    third = _new_meeting(client, ids["body"], "2024-09-03")
    with app.app_context():
        meeting = db.session.get(Meeting, third)
        meeting.items[0].presenters = "Ordföranden"
        db.session.commit()
        assert not services.has_only_standing_items(meeting)
