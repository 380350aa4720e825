"""One-line fields (names, titles, places) refuse line breaks and control characters; a body
name with a line break made the kallelse job fail later (a mail header cannot hold one).
Text areas keep their line breaks."""

import pytest
from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.bodies.models import Body
from app.extensions import db
from app.meetings.models import Meeting, RecordStatus
from tests.conftest import ELIN
from tests.security.helpers import form_data, forms_on

KOMPETENS = "Samverkansgrupp Kompetensförsörjning"


@pytest.fixture
def elin(app, demo, make_client, login_demo):
    client = make_client()
    login_demo(client, ELIN)
    return client


def _body_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Body.id).where(Body.name == KOMPETENS))


@pytest.mark.parametrize(
    "typed",
    [
        "Samverkansgrupp\r\nBcc: alla@example.se",
        "Samverkansgrupp\nKompetens",
        "Samverkansgrupp\tKompetens",
        "Samverkansgrupp\x1bKompetens",
        "Samverkansgrupp\u2028Kompetens",
        "Samverkansgrupp\x85Kompetens",
    ],
)
def test_a_body_name_on_two_lines_is_refused_and_kept_as_typed(app, elin, typed):
    body_id = _body_id(app)
    url = f"/bodies/{body_id}/edit"
    form = next(
        f
        for f in forms_on(elin.get(url).get_data(as_text=True), url)
        if any(x.name == "name" for x in f.fields)
    )
    response = elin.post(form.action, data=form_data(form, {"name": typed}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Skriv detta på en rad, utan radbrytningar eller tabbar." in page
    assert 'aria-invalid="true"' in page
    with app.app_context():
        assert db.session.get(Body, body_id).name == KOMPETENS


def test_an_item_title_is_one_line_and_its_summary_keeps_its_paragraphs(app, elin):
    with app.app_context():
        item = db.session.scalar(
            select(AgendaItem)
            .join(AgendaItem.meeting)
            .where(Meeting.record_status == RecordStatus.NONE)
            .order_by(AgendaItem.id)
            .limit(1)
        )
        item_id, title = item.id, item.title
    url = f"/items/{item_id}/edit"
    form = next(
        f
        for f in forms_on(elin.get(url).get_data(as_text=True), url)
        if any(x.name == "title" for x in f.fields)
    )
    refused = elin.post(form.action, data=form_data(form, {"title": "Rad ett\r\nRad två"}))
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.get(AgendaItem, item_id).title == title

    summary = "Första stycket.\r\n\r\nAndra stycket."
    saved = elin.post(form.action, data=form_data(form, {"summary": summary}))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(AgendaItem, item_id).summary.splitlines() == [
            "Första stycket.",
            "",
            "Andra stycket.",
        ]
