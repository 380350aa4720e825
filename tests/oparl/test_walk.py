"""The issue's "done when": a client starting at the System object and following every URL it
finds reaches every kind of object; everything it gets is valid OParl 1.1; nothing private is
ever in it; and what it is served is exactly what the public pages show. Run on the demo data
(SRB's agenda sent, the groups' minutes final) and again after SRB's meeting went through the
demo cycle (a justerat protokoll with its public PDF and anslag).
"""

import re

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.permissions import can_view_agenda, can_view_body, can_view_record
from app.agenda.models import AgendaItem, AgendaItemDocument
from app.bodies.models import Body
from app.extensions import db
from app.justering.models import RecordRevision
from app.meetings.models import Meeting
from app.oparl.services import item_is_served
from app.people.models import Person
from tests.oparl.conftest import MARKERS, PUBLIC_FILE
from tests.oparl.walk import API, get_json, public_walk

ALL_TYPES = {
    "System",
    "Body",
    "Organization",
    "LegislativeTerm",
    "Person",
    "Membership",
    "Meeting",
    "AgendaItem",
    "Paper",
    "Consultation",
    "File",
    "Location",
}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
ANONYMOUS = AnonymousUserMixin()


@pytest.fixture(params=["demo", "justerat"])
def data(request) -> dict[str, int]:
    return request.getfixturevalue("world" if request.param == "demo" else "justerat")


def url(kind: str, object_id: int) -> str:
    return f"{API}{kind}/{object_id}"


def test_every_object_is_valid_and_the_same_wherever_it_appears(app, client, data):
    result = public_walk(app, client)
    assert not result.invalid, "\n".join(result.invalid[:20])
    assert result.types == ALL_TYPES
    for object_id, found in result.occurrences.items():
        # An object's id is its URL: the walk fetched it, and every copy (in a list, embedded
        # in another object) is the object as its URL answers it.
        assert object_id in result.answers, object_id
        for copy in found:
            assert copy == result.answers[object_id], object_id
    system = result.answers[API]
    assert system["oparlVersion"] == "https://schema.oparl.org/1.1/"
    assert set(result.pages) >= {system["body"]}


def test_nothing_private_is_ever_served(app, client, data):
    result = public_walk(app, client)
    text = "\n".join(result.texts)
    # The check can fail: public material of the same kinds is there.
    assert PUBLIC_FILE in text
    assert "Strategisk regional beredning" in text
    for marker in MARKERS:
        assert marker not in text, marker
    assert not EMAIL.search(text), EMAIL.search(text).group(0)
    with app.app_context():
        addresses = [
            *db.session.scalars(select(Person.email)),
            *db.session.scalars(select(User.email)),
        ]
        signed = set(db.session.scalars(select(RecordRevision.signed_pdf_sha256)))
    assert len(addresses) > 50
    for address in addresses:
        if address:
            assert address not in text
    for sha in signed - {None}:
        assert sha not in text  # the signed original stays internal, even by its hash
    for kind, key in (
        ("organization", "hidden_body"),
        ("meeting", "hidden_meeting"),
        ("agenda-item", "hidden_item"),
        ("person", "sigrid"),
        ("agenda-item", "closed_item"),
        ("paper", "secret_case"),
    ):
        assert url(kind, data[key]) not in result.answers


def test_drafts_and_unsent_agendas_stay_out(client, data):
    planned = get_json(client, url("meeting", data["planned_meeting"]))
    assert planned["meetingState"] == "terminiert"
    assert "agendaItem" not in planned
    draft = get_json(client, url("meeting", data["draft_meeting"]))
    # The meeting was held, so its agenda is public; the record is a draft, so no decision,
    # no attendance.
    assert [item["name"] for item in draft["agendaItem"]] == ["Lägesrapport"]
    assert "resolutionText" not in draft["agendaItem"][0]
    assert "sekretariat:attendance" not in draft
    assert "participant" not in draft
    assert draft["meetingState"] == "eingeladen"


def test_final_minutes_carry_decisions_and_attendance(client, data):
    meetings = get_json(client, get_json(client, url("body", data["region"]))["meeting"])["data"]
    final = [m for m in meetings if m["meetingState"] == "durchgeführt"]
    # The 2023-10-27 Kompetensförsörjning meeting is only cited (its § 26): no attendance.
    cited = [m for m in final if m["name"].endswith("2023-10-27")]
    assert len(cited) == 1 and "sekretariat:attendance" not in cited[0]
    final = [m for m in final if m not in cited]
    assert len(final) >= 3
    for meeting in final:
        assert meeting["sekretariat:attendance"]
        assert all(p.startswith(API + "person/") for p in meeting["participant"])
        assert any("resolutionText" in item for item in meeting["agendaItem"])


def test_the_justerat_protokoll_is_served_as_its_public_copy(client, justerat):
    meeting = get_json(client, url("meeting", justerat["srb_meeting"]))
    assert meeting["meetingState"] == "durchgeführt"
    protocol = meeting["resultsProtocol"]
    assert protocol["name"].startswith("Protokoll Strategisk regional beredning 2024-04-19")
    assert protocol["mimeType"] == "application/pdf"
    pdf = client.get(protocol["accessUrl"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert len(pdf.data) == protocol["size"]
    assert b"/ByteRange" not in pdf.data  # the unsigned public copy
    justering = meeting["sekretariat:justering"]
    assert justering["recordType"] == "protokoll"
    assert [r["number"] for r in justering["revisions"]] == [1]
    assert justering["revisions"][0]["file"] == protocol["id"]
    [anslag] = justering["anslag"]
    assert anslag["revision"] == 1
    assert client.get(anslag["web"]).status_code == 200
    numbers = [item["number"] for item in meeting["agendaItem"]]
    assert all(number.startswith("§ ") for number in numbers)
    assert all("resolutionText" in item for item in meeting["agendaItem"])
    # The non-public item is in the record, and its § number is skipped here.
    assert len(numbers) == 15


def test_the_api_serves_what_the_pages_show(app, client, data):
    """Every body, person, meeting, item and file: served by the API exactly when an
    anonymous reader's page shows it, and each served object's web page and file answer."""
    result = public_walk(app, client)
    served = set(result.answers)
    with app.test_request_context():
        bodies = db.session.scalars(select(Body)).all()
        people = list(db.session.scalars(select(Person.id)))
        meetings = db.session.scalars(select(Meeting)).all()
        items = db.session.scalars(select(AgendaItem)).all()
        links = db.session.scalars(select(AgendaItemDocument)).all()
        for body in bodies:
            assert (url("organization", body.id) in served) == can_view_body(ANONYMOUS, body)
        agendas = {m.id: can_view_agenda(ANONYMOUS, m) for m in meetings}
        records = {m.id: can_view_record(ANONYMOUS, m) for m in meetings}
        for item in items:
            expected = item.is_public and agendas[item.meeting_id]
            assert item_is_served(item) == expected
            assert (url("agenda-item", item.id) in served) == expected, item.title
        attended = {m.id: bool(m.attendances) for m in meetings}
        attachments = [(link.id, link.document_id) for link in links]
    pages = {}
    for body in bodies:
        assert (client.get(f"/bodies/{body.id}").status_code == 200) == (
            url("organization", body.id) in served
        )
    for person_id in people:
        assert (client.get(f"/people/{person_id}").status_code == 200) == (
            url("person", person_id) in served
        )
    for meeting in meetings:
        page = client.get(f"/meetings/{meeting.id}")
        assert (page.status_code == 200) == (url("meeting", meeting.id) in served)
        pages[meeting.id] = page.get_data(as_text=True)
        if page.status_code == 200:
            answer = result.answers[url("meeting", meeting.id)]
            shows_attendance = 'id="attendance"' in pages[meeting.id]
            assert shows_attendance == (records[meeting.id] and attended[meeting.id])
            assert ("sekretariat:attendance" in answer) == shows_attendance
    for item in items:
        shown = f'id="item-{item.id}"' in pages.get(item.meeting_id, "")
        assert shown == (url("agenda-item", item.id) in served), item.title
    readable: dict[int, bool] = {}
    for link_id, document_id in attachments:
        status = client.get(f"/item-documents/{link_id}/file").status_code
        readable[document_id] = readable.get(document_id, False) or status == 200
    assert any(readable.values()) and not all(readable.values())
    for document_id, anyone in readable.items():
        assert anyone == (url("file", document_id) in served), document_id
    for address in result.outside:
        response = client.get(address.split("#")[0])
        assert response.status_code == 200, address
