"""The secretary records a meeting in the browser; members and the public read the result."""

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.bodies.models import MembershipFunction, MembershipKind
from app.extensions import db
from app.meetings.models import Meeting, RecordStatus
from app.record.models import Attendance, AttendanceRole
from tests.conftest import hidden
from tests.record.helpers import accept_open_points


def _text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def _committee(factory) -> dict[str, int]:
    org = factory.organisation("Sala kommun")
    body = factory.body("Kulturnämnden", organisation_id=org)
    ids = {"body": body}
    secretary = factory.person("Elin Hellström", email="elin@example.se")
    factory.seat(secretary, body, MembershipKind.STAFF, function=MembershipFunction.SECRETARY)
    factory.user("elin@example.se", person_id=secretary)
    for key, name, party, kind, function in (
        ("anna", "Anna Ek", "S", MembershipKind.ORDINARY, MembershipFunction.CHAIR),
        ("bo", "Bo Lund", "M", MembershipKind.ORDINARY, None),
        ("cia", "Cia Berg", "C", MembershipKind.ORDINARY, None),
        ("dan", "Dan Ås", "V", MembershipKind.SUBSTITUTE, None),
    ):
        ids[key] = factory.person(name, party=party)
        factory.seat(ids[key], body, kind, function=function)
    return ids


def test_secretary_records_a_protocol(app, factory, make_client, login):
    ids = _committee(factory)
    elin = make_client()
    login(elin, "elin@example.se")
    response = elin.submit(
        f"/bodies/{ids['body']}/meetings/new",
        {
            "meeting_date": "2025-03-14",
            "start_time": "13:00",
            "end_time": "15:00",
            "room": "Rum Kalmar",
            "mode": "on_site",
            "adjusters": [str(ids["bo"])],
        },
    )
    meeting_id = int(re.search(r"/meetings/(\d+)/agenda", response.headers["Location"]).group(1))
    elin.submit(
        f"/meetings/{meeting_id}/items/new",
        {
            "title": "Kulturpris 2025",
            "case_number": "2025/17",
            "summary_label": "",
            "proposal": "Kulturpriset tilldelas Sala hembygdsförening.",
        },
    )
    # The record: attendance prefilled, numbers given, decisions prefilled.
    assert (
        elin.submit(
            f"/meetings/{meeting_id}/record/start", form_url=f"/meetings/{meeting_id}/record"
        ).status_code
        == 302
    )
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        rows = {a.person.name: a for a in meeting.attendances}
        assert (
            rows["Anna Ek"].role == AttendanceRole.VOTING
            and rows["Dan Ås"].role == AttendanceRole.SUBSTITUTE_NOT_SERVING
        )
        item = next(i for i in meeting.items if i.title == "Kulturpris 2025")
        item_id, cia_row, dan_row = item.id, rows["Cia Berg"].id, rows["Dan Ås"].id
        assert item.decision.text == "Kulturpriset tilldelas Sala hembygdsförening."
    # Cia is absent; Dan serves in her place.
    page = elin.get(f"/meetings/{meeting_id}/attendance").get_data(as_text=True)
    elin.post(f"/attendance/{cia_row}/remove", data={"csrf_token": hidden(page, "csrf_token")})
    response = elin.post(
        f"/attendance/{dan_row}",
        data={
            f"a{dan_row}-csrf_token": hidden(page, "csrf_token"),
            "csrf_token": hidden(page, "csrf_token"),
            f"a{dan_row}-role": "voting",
            f"a{dan_row}-replaces_id": str(ids["cia"]),
            f"a{dan_row}-from_item_id": "",
            f"a{dan_row}-to_item_id": "",
            f"a{dan_row}-title": "",
        },
        follow_redirects=True,
    )
    assert "Dan Ås (V) ersätter Cia Berg (C)" in response.get_data(as_text=True)
    # The item: a motion, an open vote, a reservation by a member who took part.
    page = elin.get(f"/items/{item_id}/record").get_data(as_text=True)
    token = hidden(page, "csrf_token")
    elin.post(
        f"/items/{item_id}/motions",
        data={
            "csrf_token": token,
            "motion-kind": "avslag",
            "motion-person_id": str(ids["bo"]),
            "motion-text": "",
        },
    )
    elin.post(
        f"/items/{item_id}/votes",
        data={
            "csrf_token": token,
            "vote-question": "Ja för förslaget, nej för avslag",
            "vote-is_open": "y",
            f"ballot-{ids['anna']}": "ja",
            f"ballot-{ids['dan']}": "ja",
            f"ballot-{ids['bo']}": "nej",
        },
    )
    refused = elin.post(
        f"/items/{item_id}/reservations",
        data={"csrf_token": token, "reservation-person_id": str(ids["cia"])},
        follow_redirects=True,
    )
    assert "flash-error" in refused.get_data(as_text=True)  # Cia took no part
    elin.post(
        f"/items/{item_id}/reservations",
        data={
            "csrf_token": token,
            "reservation-person_id": str(ids["bo"]),
            "reservation-reason": "Priset borde gå till en ung kulturutövare.",
        },
    )
    version = hidden(page, "version")
    response = elin.post(
        f"/items/{item_id}/record",
        data={
            "csrf_token": token,
            "version": version,
            "text": "Kulturpriset tilldelas Sala hembygdsförening.",
            "recipient_lines": "Kulturförvaltningen\nPristagaren",
        },
    )
    assert response.status_code == 302
    pdf = elin.get(f"/meetings/{meeting_id}/record.pdf")
    text = _text(pdf.data)
    for fragment in (
        "PROTOKOLL",
        "Kulturnämnden",
        "Sammanträdesdatum 2025-03-14",
        "Justerare Bo Lund",
        "Paragrafer",
        "Dnr 2025/17",
        "Bo Lund (M) yrkar avslag",
        "Omröstning",
        "Anna Ek (S) Ja",
        "Bo Lund (M) Nej",
        "Ja: 2, Nej: 1, Avstår: 0",
        "Beslut Kulturpriset tilldelas Sala hembygdsförening.",
        "Bo Lund (M) reserverar sig mot beslutet. Priset borde gå till en ung kulturutövare.",
        "Beslutet skickas till",
        "Pristagaren",
        "Sekreterare",
        "Ordförande",
        "Elin Hellström",
        "Anna Ek",
    ):
        assert fragment in text, fragment
    # A protokoll is not finalised by the secretary alone; the public does not see the draft.
    refused = elin.submit(
        f"/meetings/{meeting_id}/record/finalise",
        form_url=f"/meetings/{meeting_id}/record",
        follow_redirects=True,
    )
    assert "justering" in refused.get_data(as_text=True)
    anonymous = make_client()
    assert anonymous.get(f"/meetings/{meeting_id}/record").status_code == 404
    assert anonymous.get(f"/meetings/{meeting_id}/record.pdf").status_code == 404
    utdrag = elin.get(f"/meetings/{meeting_id}/utdrag.pdf?item={item_id}")
    text = _text(utdrag.data)
    assert (
        "PROTOKOLLSUTDRAG" in text and "Kulturpris 2025" in text and "Rätt utdraget intygar" in text
    )
    assert "Fastställande av föredragningslista" not in text


def test_minutes_are_finalised_and_then_public(app, factory, make_client, login):
    ids = _committee(factory)
    with app.app_context():
        from app.bodies.models import Body, RecordType

        body = db.session.get(Body, ids["body"])
        body.record_type = RecordType.NOTES
        db.session.commit()
    elin = make_client()
    login(elin, "elin@example.se")
    response = elin.submit(
        f"/bodies/{ids['body']}/meetings/new", {"meeting_date": "2025-03-14", "mode": "remote"}
    )
    meeting_id = int(re.search(r"/meetings/(\d+)/agenda", response.headers["Location"]).group(1))
    elin.submit(f"/meetings/{meeting_id}/record/start", form_url=f"/meetings/{meeting_id}/record")
    anonymous = make_client()
    assert anonymous.get(f"/meetings/{meeting_id}/record").status_code == 404
    # Övriga frågor says nothing: the secretary accepts that point of the check with a note.
    assert accept_open_points(elin, meeting_id, "Inga övriga frågor togs upp.")
    response = elin.submit(
        f"/meetings/{meeting_id}/record/finalise", form_url=f"/meetings/{meeting_id}/record"
    )
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).record_status == RecordStatus.FINAL
    page = anonymous.get(f"/meetings/{meeting_id}/record").get_data(as_text=True)
    assert (
        "MINNESANTECKNINGAR" in page
        and "Vid minnesanteckningarna" in page
        and "Elin Hellström" in page
    )
    # Final means final: no more edits.
    with app.app_context():
        item_id = db.session.scalar(
            select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id)
        )
        row_id = db.session.scalar(select(Attendance.id).where(Attendance.meeting_id == meeting_id))
    page = elin.get(f"/meetings/{meeting_id}/record").get_data(as_text=True)
    response = elin.post(
        f"/attendance/{row_id}/remove",
        data={"csrf_token": hidden(page, "csrf_token")},
        follow_redirects=True,
    )
    assert "flash-error" in response.get_data(as_text=True)
    assert elin.get(f"/items/{item_id}/record").status_code == 302


def test_other_secretaries_and_members_cannot_edit_the_record(app, factory, make_client, login):
    ids = _committee(factory)
    factory.user("anna@example.se", person_id=ids["anna"])
    elin, anna = make_client(), make_client()
    login(elin, "elin@example.se")
    login(anna, "anna@example.se")
    response = elin.submit(
        f"/bodies/{ids['body']}/meetings/new", {"meeting_date": "2025-03-14", "mode": "on_site"}
    )
    meeting_id = int(re.search(r"/meetings/(\d+)/agenda", response.headers["Location"]).group(1))
    elin.submit(f"/meetings/{meeting_id}/record/start", form_url=f"/meetings/{meeting_id}/record")
    with app.app_context():
        item_id = db.session.scalar(
            select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id)
        )
    token = anna.csrf_token("/")
    assert anna.get(f"/meetings/{meeting_id}/attendance").status_code == 403
    assert anna.get(f"/items/{item_id}/record").status_code == 403
    assert (
        anna.post(f"/meetings/{meeting_id}/record/start", data={"csrf_token": token}).status_code
        == 403
    )
    assert anna.post(f"/items/{item_id}/motions", data={"csrf_token": token}).status_code == 403
    # The member reads the draft? No: drafts are the secretary's.
    assert anna.get(f"/meetings/{meeting_id}/record").status_code == 404
