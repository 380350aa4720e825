"""The security tests' world: the demo with script typed into every text field."""

import io
from collections.abc import Callable

import pytest
from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.bodies.models import Body, Membership
from app.decisions.models import Motion, ProtocolNote, Vote
from app.documents.render import render_pdf
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus, RecordStatus
from app.organisations.models import Organisation
from app.people.models import Person
from tests.conftest import ADMIN, ELIN
from tests.security.helpers import (
    ALL_PAYLOADS,
    error_field_ids,
    form_data,
    forms_on,
    payload_for,
)

# Buttons that end the session, move or remove things, or send mail: not text fields' forms.
SKIP_ACTIONS = ("/logout", "/language", "/remove", "/move/", "/kallelse", "/search")


def fill_forms(
    client,
    url: str,
    choose: Callable[[str], bool] = lambda action: True,
    dates: bool = False,
    selects: bool = False,
) -> list:
    """Every POST form on ``url`` with text fields: fill them all with payloads and submit.

    A field the form refuses (a date, a diarienummer pattern, an email address) gets its
    original value back and the form is sent again. Returns (action, status, typed fields).
    """
    page = client.get(url)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    results = []
    for form in forms_on(page.get_data(as_text=True), url):
        if form.method != "post" or not form.text_fields or not choose(form.action):
            continue
        if any(skip in form.action for skip in SKIP_ACTIONS):
            continue
        overrides = {
            f.name: payload_for(f, index)
            for index, f in enumerate(form.text_fields)
            if f.name not in ("q",)
        }
        for f in form.fields if dates else ():
            if f.kind == "date" and not f.value:
                overrides[f.name] = "2026-12-10"
            if f.kind == "time" and not f.value:
                overrides[f.name] = "13:00"
        for f in form.fields if selects else ():
            if f.kind == "select" and not f.value and any(f.options):
                overrides[f.name] = next(option for option in f.options if option)
        response = client.post(form.action, data=form_data(form, overrides))
        for _attempt in range(3):
            if response.status_code != 422:
                break
            wrong = error_field_ids(response.get_data(as_text=True))
            for f in form.fields:
                if f.id in wrong and f.name in overrides:
                    overrides[f.name] = f.value
            response = client.post(form.action, data=form_data(form, overrides))
        results.append((form.action, response.status_code, sorted(overrides)))
    return results


def _pdf(app) -> bytes:
    with app.app_context():
        return render_pdf("<html lang='sv'><title>Bilaga</title><p>Bilaga</p></html>")


def _saved(results: list, action_part: str) -> None:
    matching = [r for r in results if action_part in r[0]]
    assert matching, f"no form posting to {action_part}: {results}"
    assert all(status in (200, 302) for _a, status, _f in matching), matching


@pytest.fixture
def hostile(app, demo, make_client, login_demo):
    """The demo with payloads typed into every text field of a new Kompetensförsörjning
    meeting, its agenda and record (made final), and the body, its people and organisation."""
    with app.app_context():
        body = db.session.scalar(
            select(Body).where(Body.name == "Samverkansgrupp Kompetensförsörjning")
        )
        ids = {
            "body": body.id,
            "organisation": body.organisation_id,
            "term": body.terms[0].id,
            "seat": db.session.scalar(select(Membership.id).where(Membership.body_id == body.id)),
            "johanna": db.session.scalar(select(Person.id).where(Person.name == "Johanna Odö")),
        }
    admin = make_client()
    login_demo(admin, ADMIN)
    for url, action in (
        (f"/organisations/{ids['organisation']}/edit", "/edit"),
        (f"/bodies/{ids['body']}/edit", "/edit"),
        (f"/bodies/terms/{ids['term']}/edit", "/edit"),
        (f"/bodies/memberships/{ids['seat']}/edit", "/edit"),
        (f"/people/{ids['johanna']}/edit", "/edit"),
    ):
        _saved(fill_forms(admin, url), action)

    elin = make_client()
    login_demo(elin, ELIN)
    new_meeting = f"/bodies/{ids['body']}/meetings/new"
    _saved(fill_forms(elin, new_meeting, dates=True), new_meeting)
    with app.app_context():
        meeting = db.session.scalar(
            select(Meeting)
            .where(Meeting.body_id == ids["body"])
            .order_by(Meeting.id.desc())
            .limit(1)
        )
        ids["meeting"] = meeting.id
    _saved(fill_forms(elin, f"/meetings/{ids['meeting']}/items/new"), "/items/new")
    _saved(fill_forms(elin, f"/bodies/{ids['body']}/planned"), "/planned")
    with app.app_context():
        item = db.session.scalar(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == ids["meeting"])
            .order_by(AgendaItem.id.desc())
            .limit(1)
        )
        ids["item"] = item.id
    # A beslutsunderlag whose title is the payloads.
    token = elin.csrf_token(f"/items/{ids['item']}/edit")
    uploaded = elin.post(
        f"/items/{ids['item']}/documents/upload",
        data={
            "csrf_token": token,
            "upload-file": (io.BytesIO(_pdf(app)), "bilaga.pdf"),
            "upload-title": ALL_PAYLOADS,
            "upload-confidentiality": "public",
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "flash-success" in uploaded.get_data(as_text=True)
    # The agenda is fastställd and the kallelse sent (kept unsent: no mail server here).
    token = elin.csrf_token(f"/meetings/{ids['meeting']}/agenda")
    for step in ("agenda/confirm", "kallelse"):
        app.config["MAIL_SUPPRESS_SEND"] = True
        try:
            response = elin.post(f"/meetings/{ids['meeting']}/{step}", data={"csrf_token": token})
        finally:
            app.config["MAIL_SUPPRESS_SEND"] = False
        assert response.status_code == 302, step
    with app.app_context():
        assert db.session.get(Meeting, ids["meeting"]).status == MeetingStatus.CONVENED
    assert elin.post(
        f"/meetings/{ids['meeting']}/record/start", data={"csrf_token": token}
    ).status_code in (200, 302)
    with app.app_context():
        assert db.session.get(Meeting, ids["meeting"]).record_status == RecordStatus.DRAFT
    record_forms = fill_forms(elin, f"/items/{ids['item']}/record", selects=True)
    for part in ("record", "motions", "votes", "reservations", "notes", "assignments"):
        _saved(record_forms, f"/items/{ids['item']}/{part}")
    _saved(fill_forms(elin, f"/meetings/{ids['meeting']}/record"), "/record/details")
    _saved(fill_forms(elin, f"/meetings/{ids['meeting']}/attendance"), "/attendance")
    token = elin.csrf_token(f"/meetings/{ids['meeting']}/record")
    finalised = elin.post(f"/meetings/{ids['meeting']}/record/finalise", data={"csrf_token": token})
    assert finalised.status_code in (200, 302)
    with app.app_context():
        assert db.session.get(Meeting, ids["meeting"]).record_status == RecordStatus.FINAL
        # The payloads really were stored, as typed: the tests below have something to find.
        item = db.session.get(AgendaItem, ids["item"])
        stored = [
            item.title,
            item.proposal,
            item.decision.text,
            item.decision.notes,
            db.session.get(Organisation, ids["organisation"]).name,
            db.session.get(Meeting, ids["meeting"]).room,
            item.documents[-1].document.title,
            *(m.text for m in db.session.scalars(select(Motion).where(Motion.item_id == item.id))),
            *(v.question for v in db.session.scalars(select(Vote).where(Vote.item_id == item.id))),
            *(
                n.text
                for n in db.session.scalars(
                    select(ProtocolNote).where(ProtocolNote.item_id == item.id)
                )
            ),
            *(a.description for a in item.decision.assignments),
        ]
        assert len(stored) >= 11
        assert all(ALL_PAYLOADS in (text or "") for text in stored), stored
    return ids
