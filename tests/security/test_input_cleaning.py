"""Input side of sanitising: what is typed into a text field is stored without HTML markup,
and ordinary text with <, > and & is stored exactly as typed."""

import re

import pytest
from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.bodies.models import Body
from app.core.text import strip_markup
from app.extensions import db
from app.meetings.models import Meeting
from tests.conftest import ELIN
from tests.security.helpers import fill_forms, form_data, forms_on, saved


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("< 5 år", "< 5 år"),
        ("5 > 3 & 2 < 4", "5 > 3 & 2 < 4"),
        ("&lt;script&gt; som text", "&lt;script&gt; som text"),
        ("Se <https://www.regionvastmanland.se> eller <info@example.se>", None),
        ("**Fet** och *kursiv*", None),
        ("<script>alert(1)</script>Beslut", "Beslut"),
        ("<img src=x onerror=alert(1)>Bild", "Bild"),
        ('Titel"><svg onload=alert(1)>', 'Titel">'),
        ('<a href="javascript:alert(1)">Länk</a>', "Länk"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;<b>x</b>", "x"),
        ("rad 1\n\nrad 2 <i>kursiv</i>", "rad 1\n\nrad 2 kursiv"),
    ],
)
def test_strip_markup(typed, stored):
    assert strip_markup(typed) == (typed if stored is None else stored)


def test_markup_typed_into_a_form_is_not_stored(app, demo, make_client, login_demo):
    """Every text field of a new meeting and agenda item gets every payload; none of the markup
    is stored, and plain text with < and & is stored exactly as typed."""
    with app.app_context():
        body_id = db.session.scalar(
            select(Body.id).where(Body.name == "Samverkansgrupp Kompetensförsörjning")
        )
    elin = make_client()
    login_demo(elin, ELIN)
    new_meeting = f"/bodies/{body_id}/meetings/new"
    saved(fill_forms(elin, new_meeting, dates=True), new_meeting)
    with app.app_context():
        meeting = db.session.scalar(
            select(Meeting).where(Meeting.body_id == body_id).order_by(Meeting.id.desc()).limit(1)
        )
        meeting_id = meeting.id
        assert meeting.room and "<" not in meeting.room
    saved(fill_forms(elin, f"/meetings/{meeting_id}/items/new"), "/items/new")
    with app.app_context():
        item = db.session.scalar(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.id.desc())
            .limit(1)
        )
        item_id = item.id
        texts = [item.title, item.summary, item.proposal]
        assert all(texts), texts
        for text in texts:
            assert not re.search(r"<[A-Za-z!/?]", text), text
            assert "onerror" not in text and "onload" not in text
            assert (
                "[a](javascript:alert(1))" in text
            )  # Markdown is text here; render_text guards it

    page = elin.get(f"/items/{item_id}/edit").get_data(as_text=True)
    form = next(f for f in forms_on(page, f"/items/{item_id}/edit") if f.action.endswith("/edit"))
    typed = "Budget < 5 mnkr & 5 > 3, se <https://example.se>"
    response = elin.post(form.action, data=form_data(form, {"title": typed}))
    assert response.status_code == 302, response.status_code
    with app.app_context():
        assert db.session.get(AgendaItem, item_id).title == typed
