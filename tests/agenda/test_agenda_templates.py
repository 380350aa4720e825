"""A body's agenda templates (mallar, issue 16): saved from an agenda (all of it or the items
ticked), listed, renamed and deleted by the body's secretary, and a new agenda started from
one, as a copy is (its standing sentences made for the new meeting); no one else may."""

from sqlalchemy import select

from app.agenda.models import AgendaItem, AgendaTemplate, StandardKind
from app.agenda.sentences import proposal_of
from app.bodies.models import MembershipKind
from app.extensions import db
from app.meetings.models import Meeting
from tests.agenda.helpers import make_committee, titles
from tests.agenda.test_building import _new_meeting
from tests.agenda.test_editor_order import STANDING_OPENING, _add, _selected


def _setup(factory, make_client, login):
    ids = make_committee(factory)
    client = make_client()
    login(client, "elin@example.se")
    first = _new_meeting(client, ids["body"], "2030-04-19")
    budget = _add(
        client,
        first,
        "Budget 2031",
        summary="Förvaltningen redovisar budgeten.",
        proposal="Nämnden fastställer budgeten.",
        presenters="Anna Ekonom, controller",
    )
    extra = _add(client, first, "Information från förvaltningen")
    return ids, client, first, budget, extra


def _template(app, name: str) -> AgendaTemplate | None:
    with app.app_context():
        return db.session.scalar(select(AgendaTemplate).where(AgendaTemplate.name == name))


def test_a_template_round_trip(app, factory, make_client, login):
    ids, client, first, budget, extra = _setup(factory, make_client, login)
    # The whole agenda (nothing ticked) as a template.
    answer = _selected(client, first, "template", [], template_name="  Ordinarie   möte ")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Mallen ”Ordinarie möte” sparades." in page
    # Only the ticked item, as a second template.
    _selected(client, first, "template", [budget], template_name="Budgetmöte")
    # A name the body has already is refused, and nothing is saved.
    answer = _selected(client, first, "template", [extra], template_name="budgetmöte")
    assert "har redan en mall som heter ”budgetmöte”" in client.get(
        answer.headers["Location"]
    ).get_data(as_text=True)

    listing = client.get(f"/bodies/{ids['body']}/agenda-templates").get_data(as_text=True)
    assert "Mallar för föredragningslistor" in listing
    assert "Ordinarie möte" in listing and "Budgetmöte" in listing
    assert "7 punkter" in listing and "1 punkt:" in listing
    whole = _template(app, "Ordinarie möte")
    assert whole is not None and _template(app, "Budgetmöte").titles == ["Budget 2031"]

    # Renamed.
    answer = client.submit(
        f"/agenda-templates/{whole.id}/rename",
        {"name": "Vårmöte"},
        form_url=f"/bodies/{ids['body']}/agenda-templates",
    )
    assert "Mallen fick ett nytt namn." in client.get(answer.headers["Location"]).get_data(
        as_text=True
    )
    assert _template(app, "Vårmöte") is not None and _template(app, "Ordinarie möte") is None

    # A new meeting's agenda starts from it: items with texts, standing sentences made anew.
    second = _new_meeting(client, ids["body"], "2030-06-14")
    editor = f"/meetings/{second}/agenda"
    page = client.get(editor).get_data(as_text=True)
    assert "Utgå från en mall" in page and "Vårmöte" in page
    answer = client.submit(
        f"{editor}/from-template", {"template-template_id": whole.id}, form_url=editor
    )
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Föredragningslistan skapades från mallen ”Vårmöte”." in shown
    assert titles(app, second) == titles(app, first)
    with app.app_context():
        meeting = db.session.get(Meeting, second)
        copied = next(i for i in meeting.items if i.title == "Budget 2031")
        assert (copied.summary, copied.proposal, copied.presenters) == (
            "Förvaltningen redovisar budgeten.",
            "Nämnden fastställer budgeten.",
            "Anna Ekonom, controller",
        )
        previous = next(
            i for i in meeting.items if i.standard_kind == StandardKind.PREVIOUS_MINUTES
        )
        assert previous.proposal is None
        assert "2030-04-19" in (proposal_of(previous, meeting) or "")

    # Only into an agenda still as its standing items left it.
    before = titles(app, second)
    answer = client.submit(
        f"{editor}/from-template",
        {"template-template_id": _template(app, "Budgetmöte").id},
        form_url=f"/meetings/{_new_meeting(client, ids['body'], '2030-09-01')}/agenda",
    )
    assert "kopieras bara till en ny" in client.get(answer.headers["Location"]).get_data(
        as_text=True
    )
    assert titles(app, second) == before

    # Deleted: agendas made from it keep their items.
    answer = client.submit(
        f"/agenda-templates/{whole.id}/delete",
        {},
        form_url=f"/bodies/{ids['body']}/agenda-templates",
    )
    assert "Mallen ”Vårmöte” togs bort." in client.get(answer.headers["Location"]).get_data(
        as_text=True
    )
    assert _template(app, "Vårmöte") is None
    assert titles(app, second) == before


def test_a_template_of_part_of_an_agenda_keeps_the_standing_items_kind_only(
    app, factory, make_client, login
):
    _ids, client, first, _budget, extra = _setup(factory, make_client, login)
    with app.app_context():
        standing = db.session.scalar(
            select(AgendaItem).where(
                AgendaItem.meeting_id == first,
                AgendaItem.standard_kind == StandardKind.PREVIOUS_MINUTES,
            )
        )
        standing.proposal = "Protokollet från förra mötet läggs till handlingarna."
        db.session.commit()
        standing_id = standing.id
    _selected(client, first, "template", [extra, standing_id], template_name="Kort")
    template = _template(app, "Kort")
    assert template.titles == [STANDING_OPENING[1], "Information från förvaltningen"]
    assert template.items[0]["standard_kind"] == "previous_minutes"
    assert template.items[0]["proposal"] is None  # made again for each meeting


def test_only_the_bodys_secretaries_may_use_its_templates(app, factory, make_client, login):
    ids, client, first, budget, _extra = _setup(factory, make_client, login)
    _selected(client, first, "template", [budget], template_name="Budgetmöte")
    template = _template(app, "Budgetmöte")
    second = _new_meeting(client, ids["body"], "2030-06-14")
    before = titles(app, second)
    factory.user("karin@example.se", person_id=ids["karin"])
    other_body = factory.body("Byggnämnden")
    bo = factory.person("Bo Bygg", email="bo@example.se")
    factory.seat(bo, other_body, MembershipKind.STAFF, function="sekreterare")
    factory.user("bo@example.se", person_id=bo)
    for email in ("karin@example.se", "bo@example.se"):
        stranger = make_client()
        login(stranger, email)
        token = stranger.csrf_token("/")
        assert stranger.get(f"/bodies/{ids['body']}/agenda-templates").status_code == 403
        for url, data in (
            (f"/agenda-templates/{template.id}/rename", {"name": "Kapad"}),
            (f"/agenda-templates/{template.id}/delete", {}),
            (f"/meetings/{second}/agenda/from-template", {"template-template_id": template.id}),
            (
                f"/meetings/{first}/agenda/selected",
                {"action": "template", "item": [budget], "template_name": "Stulen"},
            ),
        ):
            answer = stranger.post(url, data={**data, "csrf_token": token})
            assert answer.status_code in (403, 404), (email, url, answer.status_code)
    assert _template(app, "Budgetmöte") is not None
    assert _template(app, "Kapad") is None and _template(app, "Stulen") is None
    assert titles(app, second) == before
    # Bo's own body cannot start from Kulturnämnden's template even by a hand-made POST.
    bo_client = make_client()
    login(bo_client, "bo@example.se")
    bo_meeting = _new_meeting(bo_client, other_body, "2030-05-05")
    bo_before = titles(app, bo_meeting)
    editor = f"/meetings/{bo_meeting}/agenda"
    answer = bo_client.submit(
        f"{editor}/from-template", {"template-template_id": template.id}, form_url=editor
    )
    assert answer.status_code == 302
    assert "Välj en av mallarna för Byggnämnden." in bo_client.get(
        answer.headers["Location"]
    ).get_data(as_text=True)
    assert titles(app, bo_meeting) == bo_before
