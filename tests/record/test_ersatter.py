"""Who an ersättare may be entered as replacing ("ersätter"), on the attendance page and in the
service: only an absent ledamot of the body, of her own party, or of another party when none
of that party's ersättare is present (meeting-rules B2)."""

import re

from app.extensions import db
from app.record.models import Attendance
from app.record.services import start_record
from tests.conftest import hidden
from tests.record.helpers import make_committee, new_meeting

SECRETARY = "stina@example.se"


def _meeting(app, factory) -> tuple[dict[str, int], int, dict[str, int]]:
    """The nämnd's meeting with its record started; Anna (S), Bo (M) and Cia (C) are absent,
    Fia (S) and Gus (M), the ersättare, are present and not yet serving."""
    ids = make_committee(factory)
    factory.user(SECRETARY, person_id=ids["stina"])
    with app.test_request_context():
        meeting = new_meeting(ids["body"], "2025-03-14", secretary_id=ids["stina"])
        start_record(None, meeting)
        absent = {ids["anna"], ids["bo"], ids["cia"]}
        for row in [a for a in meeting.attendances if a.person_id in absent]:
            meeting.attendances.remove(row)
            db.session.delete(row)
        db.session.commit()
        rows = {key: a.id for a in meeting.attendances for key in ids if ids[key] == a.person_id}
        return ids, meeting.id, rows


def _replaces_choices(page: str, row: int) -> list[str]:
    select = re.search(rf'<select[^>]*name="a{row}-replaces_id"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no ersätter field for row {row}"
    return [
        label
        for value, label in re.findall(r'value="([^"]*)"[^>]*>([^<]*)<', select[1])
        if value not in ("", "None")
    ]


def _serve(client, page: str, row: int, replaces: int):
    return client.post(
        f"/attendance/{row}",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            f"a{row}-csrf_token": hidden(page, "csrf_token"),
            f"a{row}-role": "voting",
            f"a{row}-replaces_id": str(replaces),
            f"a{row}-from_item_id": "",
            f"a{row}-to_item_id": "",
            f"a{row}-title": "",
        },
        follow_redirects=True,
    )


def _replaces(app, row: int) -> int | None:
    with app.app_context():
        return db.session.get(Attendance, row).replaces_id


def test_ersatter_offers_and_accepts_only_those_she_can_replace(app, factory, make_client, login):
    ids, meeting_id, rows = _meeting(app, factory)
    stina = make_client()
    login(stina, SECRETARY)
    page = stina.get(f"/meetings/{meeting_id}/attendance").get_data(as_text=True)
    # Fia (S): Anna of her own party, and Cia, whose party has no ersättare here; not Bo,
    # whose party's ersättare Gus is present, nor the ledamöter who serve themselves.
    assert _replaces_choices(page, rows["fia"]) == ["Anna Berg (S)", "Cia Lund (C)"]
    assert _replaces_choices(page, rows["gus"]) == ["Bo Ek (M)", "Cia Lund (C)"]
    # The secretary is no ersättare: she is offered no one.
    assert _replaces_choices(page, rows["stina"]) == []
    # The list is a people picker: searchable as you type where JavaScript runs.
    tag = re.search(rf'<select[^>]*name="a{rows["fia"]}-replaces_id"[^>]*>', page)
    assert tag and "data-picker" in tag[0]

    # A POST naming someone else is refused with the reason, and nothing changes.
    refused = _serve(stina, page, rows["fia"], ids["bo"]).get_data(as_text=True)
    assert "flash-error" in refused
    assert "Fia Ros kan inte tjänstgöra för Bo Ek (M)" in refused
    assert _replaces(app, rows["fia"]) is None
    refused = _serve(stina, page, rows["stina"], ids["cia"]).get_data(as_text=True)
    assert "Stina Sekreterare är inte ersättare i organet" in refused
    assert _replaces(app, rows["stina"]) is None

    # Fia serves for Anna.
    saved = _serve(stina, page, rows["fia"], ids["anna"]).get_data(as_text=True)
    assert "Fia Ros (S) ersätter Anna Berg (S)" in saved
    assert _replaces(app, rows["fia"]) == ids["anna"]
    assert _replaces_choices(saved, rows["gus"]) == ["Bo Ek (M)", "Cia Lund (C)"]
    # And Gus may not take Anna's seat as well.
    refused = _serve(stina, saved, rows["gus"], ids["anna"]).get_data(as_text=True)
    assert "Gus Falk kan inte tjänstgöra för Anna Berg (S)" in refused
    assert _replaces(app, rows["gus"]) is None


def test_ersatter_of_another_party_serves_when_her_party_has_none_present(
    app, factory, make_client, login
):
    ids, meeting_id, rows = _meeting(app, factory)
    stina = make_client()
    login(stina, SECRETARY)
    page = stina.get(f"/meetings/{meeting_id}/attendance").get_data(as_text=True)
    # Gus (M) serves for Cia (C): the Centre Party has no ersättare at the meeting.
    saved = _serve(stina, page, rows["gus"], ids["cia"]).get_data(as_text=True)
    assert "Gus Falk (M) ersätter Cia Lund (C)" in saved
    # Gus now serves: Bo's seat is open to Fia, no M ersättare being free any more.
    assert _replaces_choices(saved, rows["fia"]) == ["Anna Berg (S)", "Bo Ek (M)"]
