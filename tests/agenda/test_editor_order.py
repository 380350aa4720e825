"""The agenda editor (issue 16): the order by drag and drop (a POST of the new order), several
items moved or removed at once, undo of a removal, and who may do it."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.agenda.models import AgendaItem, AgendaItemDocument, AgendaRemoval, PlannedItem
from app.bodies.models import MembershipKind
from app.extensions import db
from app.meetings.models import AgendaStatus, Meeting
from app.record.models import Decision
from tests.agenda.helpers import make_committee, titles
from tests.agenda.test_building import _new_meeting
from tests.factories import create_document

STANDING_OPENING = [
    "Fastställande av föredragningslista",
    "Föregående protokoll",
    "Justering",
    "Nästa sammanträde",
]


def _item_ids(app, meeting_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AgendaItem.id)
                .where(AgendaItem.meeting_id == meeting_id)
                .order_by(AgendaItem.position)
            )
        )


def _add(client, meeting_id: int, title: str, **values) -> int:
    answer = client.submit(
        f"/meetings/{meeting_id}/items/new", {"title": title, "summary_label": "", **values}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return int(answer.headers["Location"].split("/")[-2])


@pytest.fixture
def agenda(app, factory, make_client, login):
    """Kulturnämnden's meeting with the standing items and three items of its own, A B C."""
    ids = make_committee(factory)
    client = make_client()
    login(client, "elin@example.se")
    meeting = _new_meeting(client, ids["body"], "2030-04-19")
    items = {title: _add(client, meeting, title) for title in ("Alfa", "Beta", "Gamma")}
    return ids, client, meeting, items


def _shown(client, meeting_id: int) -> str:
    page = client.get(f"/meetings/{meeting_id}/agenda").get_data(as_text=True)
    start = page.index('name="shown" value="') + len('name="shown" value="')
    return page[start : page.index('"', start)]


def _post_order(client, meeting_id: int, order: list, shown: str | None = None):
    editor = f"/meetings/{meeting_id}/agenda"
    data = {"order": ",".join(str(i) for i in order)}
    data["shown"] = shown if shown is not None else _shown(client, meeting_id)
    return client.submit(f"{editor}/order", data, form_url=editor)


def test_dropping_an_item_posts_the_new_order_and_the_agenda_is_numbered_again(app, agenda):
    _ids, client, meeting, items = agenda
    page = client.get(f"/meetings/{meeting}/agenda").get_data(as_text=True)
    assert "js/agenda-order.js" in page
    assert 'data-order-form="item-order"' in page
    order = _item_ids(app, meeting)
    assert _shown(client, meeting) == ",".join(map(str, order))
    # Gamma dropped before Alfa.
    a, b, g = items["Alfa"], items["Beta"], items["Gamma"]
    new = [i for i in order if i not in (a, b, g)]
    new[4:4] = [g, a, b]
    answer = _post_order(client, meeting, new)
    assert answer.status_code == 302
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Ordningen ändrades och punkterna numrerades om." in shown
    assert titles(app, meeting) == list(
        enumerate([*STANDING_OPENING, "Gamma", "Alfa", "Beta", "Övriga frågor"], 1)
    )
    assert shown.index("Gamma") < shown.index("Alfa") < shown.index("Beta")


@pytest.mark.parametrize(
    "mangle, message",
    [
        (lambda order, extra: order[:-1], "måste ta med varje punkt"),
        (lambda order, extra: [*order, order[0]], "måste ta med varje punkt"),
        (lambda order, extra: [*order[:-1], extra], "måste ta med varje punkt"),
        (lambda order, extra: [order[-1], *order[:-1]], "De inledande stående punkterna"),
        (lambda order, extra: "1,x,3", "kunde inte läsas"),
    ],
    ids=["missing", "twice", "another-meetings-item", "closing-item-first", "not-ids"],
)
def test_a_bad_order_is_refused_with_a_reason_and_nothing_changes(app, agenda, mangle, message):
    ids, client, meeting, _items = agenda
    other = _new_meeting(client, ids["body"], "2030-06-14")
    before = titles(app, meeting)
    order = _item_ids(app, meeting)
    editor = f"/meetings/{meeting}/agenda"
    sent = mangle(order, _item_ids(app, other)[0])
    data = {"order": sent if isinstance(sent, str) else ",".join(map(str, sent))}
    data["shown"] = ",".join(map(str, order))
    answer = client.submit(f"{editor}/order", data, form_url=editor)
    assert answer.status_code == 302
    assert message in client.get(answer.headers["Location"]).get_data(as_text=True)
    assert titles(app, meeting) == before


def test_an_order_from_a_page_that_has_gone_stale_is_refused(app, agenda):
    _ids, client, meeting, items = agenda
    shown = _shown(client, meeting)
    # Another secretary adds an item in between; the dropped order no longer names it.
    _add(client, meeting, "Delta")
    before = titles(app, meeting)
    stale = [int(i) for i in shown.split(",")]
    stale[4], stale[5] = stale[5], stale[4]
    answer = _post_order(client, meeting, stale, shown=shown)
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "ändrades av någon annan" in page
    assert titles(app, meeting) == before
    # The same items, but moved by someone else meanwhile: also refused.
    current = _item_ids(app, meeting)
    client.submit(f"/items/{items['Beta']}/move/up", {}, form_url=f"/meetings/{meeting}/agenda")
    moved = titles(app, meeting)
    answer = _post_order(client, meeting, current, shown=",".join(map(str, current)))
    assert "ändrades av någon annan" in client.get(answer.headers["Location"]).get_data(
        as_text=True
    )
    assert titles(app, meeting) == moved


def test_a_confirmed_agenda_keeps_its_order(app, agenda):
    _ids, client, meeting, _items = agenda
    order = _item_ids(app, meeting)
    editor = f"/meetings/{meeting}/agenda"
    client.submit(f"{editor}/confirm", {}, form_url=editor)
    page = client.get(editor).get_data(as_text=True)
    assert 'data-order-form="item-order"' not in page and "Flytta markerade upp" not in page
    before = titles(app, meeting)
    order[4], order[5] = order[5], order[4]
    answer = client.submit(
        f"{editor}/order",
        {"order": ",".join(map(str, order)), "shown": ",".join(map(str, _item_ids(app, meeting)))},
        form_url=editor,
    )
    assert "fastställd" in client.get(answer.headers["Location"]).get_data(as_text=True)
    assert titles(app, meeting) == before


def _selected(client, meeting_id: int, action: str, chosen: list[int], **extra):
    editor = f"/meetings/{meeting_id}/agenda"
    return client.submit(
        f"{editor}/selected", {"action": action, "item": chosen, **extra}, form_url=editor
    )


def test_several_items_move_up_down_and_to_a_position_together(app, agenda):
    _ids, client, meeting, items = agenda
    page = client.get(f"/meetings/{meeting}/agenda").get_data(as_text=True)
    for label in ("Flytta markerade upp", "Flytta markerade ner", "Ta bort markerade"):
        assert label in page
    a, b, g = items["Alfa"], items["Beta"], items["Gamma"]
    answer = _selected(client, meeting, "down", [a, b])
    assert "De markerade punkterna flyttades ner." in client.get(
        answer.headers["Location"]
    ).get_data(as_text=True)
    own = [t for _n, t in titles(app, meeting)][4:7]
    assert own == ["Gamma", "Alfa", "Beta"]
    _selected(client, meeting, "up", [b])
    assert [t for _n, t in titles(app, meeting)][4:7] == ["Gamma", "Beta", "Alfa"]
    _selected(client, meeting, "position", [a, g], position="5")
    assert [t for _n, t in titles(app, meeting)] == [
        *STANDING_OPENING,
        "Gamma",
        "Alfa",
        "Beta",
        "Övriga frågor",
    ]
    assert [n for n, _t in titles(app, meeting)] == list(range(1, 9))
    # Enter pressed in the position field: the hidden first button moves them there.
    _selected(client, meeting, "enter", [b], position="5", template_name="")
    assert [t for _n, t in titles(app, meeting)][4:7] == ["Beta", "Gamma", "Alfa"]
    # Nothing ticked: a clear message, nothing moved.
    before = titles(app, meeting)
    answer = _selected(client, meeting, "up", [])
    assert "Markera först en eller flera punkter." in client.get(
        answer.headers["Location"]
    ).get_data(as_text=True)
    assert titles(app, meeting) == before


def test_removing_several_items_can_be_undone_exactly(app, agenda):
    ids, client, meeting, items = agenda
    g = items["Gamma"]
    a = _add(
        client,
        meeting,
        "Alfa",
        summary="Bakgrund till Alfa.",
        proposal="Nämnden beslutar om Alfa.",
        presenters="Anna Ekonom",
        case_number="2030/118",
        notices="KN2030-1 Skrivelse från länsstyrelsen\nProtokoll från rådet",
    )
    with app.app_context():
        item = db.session.get(AgendaItem, a)
        for title in ("Tjänsteskrivelse", "Bilaga"):
            item.documents.append(
                AgendaItemDocument(document=create_document(title), position=len(item.documents))
            )
        db.session.add(PlannedItem(body_id=ids["body"], title="Alfa", item_id=a))
        db.session.commit()
        item = db.session.get(AgendaItem, a)
        before_alfa = (
            item.summary,
            item.proposal,
            item.presenters,
            item.case.case_number,
            [link.document_id for link in item.documents],
            [(n.case_number, n.title) for n in item.notices],
        )
    before = titles(app, meeting)
    order = _item_ids(app, meeting)

    answer = _selected(client, meeting, "remove", [a, g])
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "2 punkter togs bort från föredragningslistan." in page
    assert "Borttaget från föredragningslistan: Gamma; Alfa." in page
    assert "Ångra" in page
    assert [t for _n, t in titles(app, meeting)] == [
        *STANDING_OPENING,
        "Alfa",
        "Beta",
        "Övriga frågor",
    ]
    with app.app_context():
        assert db.session.get(AgendaItem, a) is None
        assert (
            db.session.scalar(select(PlannedItem).where(PlannedItem.title == "Alfa")).item_id
            is None
        )
        removal = db.session.scalar(select(AgendaRemoval))
        removal_id = removal.id

    editor = f"/meetings/{meeting}/agenda"
    answer = client.submit(f"/removals/{removal_id}/undo", {}, form_url=editor)
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "De borttagna punkterna är tillbaka på föredragningslistan, som de var." in page
    assert titles(app, meeting) == before
    assert _item_ids(app, meeting) == order  # the same items, by the same ids
    with app.app_context():
        item = db.session.get(AgendaItem, a)
        assert (
            item.summary,
            item.proposal,
            item.presenters,
            item.case.case_number,
            [link.document_id for link in item.documents],
            [(n.case_number, n.title) for n in item.notices],
        ) == before_alfa
        assert (
            db.session.scalar(select(PlannedItem).where(PlannedItem.title == "Alfa")).item_id == a
        )
    # Once only: the button is gone and a second POST is refused.
    assert "Borttaget från föredragningslistan" not in page
    answer = client.submit(f"/removals/{removal_id}/undo", {}, form_url=editor)
    assert "redan lagts tillbaka" in client.get(answer.headers["Location"]).get_data(as_text=True)
    assert titles(app, meeting) == before


def test_one_item_removed_by_its_button_can_be_undone_within_the_hour_only(app, agenda):
    _ids, client, meeting, items = agenda
    editor = f"/meetings/{meeting}/agenda"
    before = titles(app, meeting)
    answer = client.submit(f"/items/{items['Beta']}/remove", {}, form_url=editor)
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Borttaget från föredragningslistan: Beta." in page
    assert "Du kan lägga tillbaka den som den var" in page
    with app.app_context():
        removal = db.session.scalar(select(AgendaRemoval))
        removal.removed_at = removal.removed_at - timedelta(hours=2)
        db.session.commit()
        removal_id = removal.id
    assert "Borttaget från föredragningslistan" not in client.get(editor).get_data(as_text=True)
    answer = client.submit(f"/removals/{removal_id}/undo", {}, form_url=editor)
    assert "kan bara ångras inom en timme" in client.get(answer.headers["Location"]).get_data(
        as_text=True
    )
    assert "Beta" not in [t for _n, t in titles(app, meeting)]
    assert len(titles(app, meeting)) == len(before) - 1


def test_an_item_with_a_decision_stops_the_whole_removal(app, agenda):
    _ids, client, meeting, items = agenda
    with app.app_context():
        db.session.add(Decision(item_id=items["Beta"], text="Beslut"))
        db.session.commit()
    before = titles(app, meeting)
    answer = _selected(client, meeting, "remove", [items["Alfa"], items["Beta"]])
    assert "Beta har ett beslut och kan inte tas bort." in client.get(
        answer.headers["Location"]
    ).get_data(as_text=True)
    assert titles(app, meeting) == before


def test_only_the_bodys_secretaries_may_reorder_remove_or_undo(
    app, agenda, factory, make_client, login
):
    ids, client, meeting, items = agenda
    factory.user("karin@example.se", person_id=ids["karin"])
    other_body = factory.body("Byggnämnden")
    bo = factory.person("Bo Bygg", email="bo@example.se")
    factory.seat(bo, other_body, MembershipKind.STAFF, function="sekreterare")
    factory.user("bo@example.se", person_id=bo)
    _selected(client, meeting, "remove", [items["Gamma"]])
    with app.app_context():
        removal_id = db.session.scalar(select(AgendaRemoval.id))
    before = titles(app, meeting)
    order = _item_ids(app, meeting)
    for email in ("karin@example.se", "bo@example.se"):
        stranger = make_client()
        login(stranger, email)
        token = stranger.csrf_token("/")
        assert stranger.get(f"/meetings/{meeting}/agenda").status_code == 403
        for url, data in (
            (f"/meetings/{meeting}/agenda/order", {"order": ",".join(map(str, order[::-1]))}),
            (f"/meetings/{meeting}/agenda/selected", {"action": "remove", "item": [items["Alfa"]]}),
            (f"/items/{items['Alfa']}/remove", {}),
            (f"/removals/{removal_id}/undo", {}),
        ):
            answer = stranger.post(url, data={**data, "csrf_token": token})
            assert answer.status_code in (403, 404), (email, url, answer.status_code)
    assert titles(app, meeting) == before
    # Without the CSRF token even the secretary's POST is refused.
    answer = client.post(
        f"/meetings/{meeting}/agenda/order", data={"order": ",".join(map(str, order[::-1]))}
    )
    assert answer.status_code == 400
    assert titles(app, meeting) == before
    with app.app_context():
        assert db.session.get(Meeting, meeting).agenda_status == AgendaStatus.PRELIMINARY
