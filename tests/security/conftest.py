"""The security tests' world: the demo with script typed into every text field."""

import io

import pytest
from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.bodies.models import Body, Membership
from app.documents.render import render_pdf
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus, RecordStatus
from app.organisations.models import Organisation
from app.people.models import Person
from app.record.models import Motion, ProtocolNote, Vote
from tests.conftest import ADMIN, ELIN
from tests.security.helpers import ALL_PAYLOADS, fill_forms, saved


def _pdf(app) -> bytes:
    with app.app_context():
        return render_pdf("<html lang='sv'><title>Bilaga</title><p>Bilaga</p></html>")


@pytest.fixture
def hostile(app, demo, make_client, login_demo, monkeypatch):
    """The demo with payloads typed into every text field of a new Kompetensförsörjning
    meeting, its agenda and record (made final), and the body, its people and organisation.

    The forms' input cleaning (app.core.text.strip_markup, tested in test_input_cleaning.py) is
    switched off here, so the payloads reach the database as typed and the output side is
    proved on its own: text that got in some other way (an old row, an imported archive) must
    be just as harmless."""
    monkeypatch.setattr("app.core.text.strip_markup", lambda value: value)
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
        saved(fill_forms(admin, url), action)

    elin = make_client()
    login_demo(elin, ELIN)
    new_meeting = f"/bodies/{ids['body']}/meetings/new"
    saved(fill_forms(elin, new_meeting, dates=True), new_meeting)
    with app.app_context():
        meeting = db.session.scalar(
            select(Meeting)
            .where(Meeting.body_id == ids["body"])
            .order_by(Meeting.id.desc())
            .limit(1)
        )
        ids["meeting"] = meeting.id
    saved(fill_forms(elin, f"/meetings/{ids['meeting']}/items/new"), "/items/new")
    saved(fill_forms(elin, f"/bodies/{ids['body']}/planned"), "/planned")
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
    assert (
        elin.post(
            f"/meetings/{ids['meeting']}/record/start", data={"csrf_token": token}
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Meeting, ids["meeting"]).record_status == RecordStatus.DRAFT
    # Attendance first: a vote must list everyone who takes part (the completeness check).
    saved(fill_forms(elin, f"/meetings/{ids['meeting']}/attendance"), "/attendance")
    record_forms = fill_forms(elin, f"/items/{ids['item']}/record", selects=True)
    for part in ("record", "motions", "votes", "reservations", "notes", "assignments"):
        saved(record_forms, f"/items/{ids['item']}/{part}")
    # Minnesanteckningar: the details form has no text field (no justering place and time);
    # the text typed on the record page is the notes accepting the completeness check's points.
    saved(fill_forms(elin, f"/meetings/{ids['meeting']}/record"), "/record/findings/")
    token = elin.csrf_token(f"/meetings/{ids['meeting']}/record")
    finalised = elin.post(f"/meetings/{ids['meeting']}/record/finalise", data={"csrf_token": token})
    assert finalised.status_code == 302
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
