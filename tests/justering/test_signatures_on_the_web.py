"""The web record of a justerat protokoll says who signed, in which role and when ("Justerat
digitalt 2024-11-12 kl. 14:03 av Anna Andersson (ordförande)"), on the public page, for the
members and on the secretary's own page; minnesanteckningar name the secretary's signature.
A draft keeps the empty lines to sign on."""

import html
import re

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.agenda.services import add_item
from app.bodies.models import BodyKind, RecordType
from app.core.dates import local_signed_stamp
from app.demo.cycle import run_srb_cycle, srb_meeting
from app.extensions import db
from app.justering import services
from app.justering.models import SignoffRole
from app.record.services import start_record, update_decision
from tests.conftest import ELIN, JOHANNA
from tests.justering.helpers import STINA, committee_with_record
from tests.record.helpers import make_committee, new_meeting

DOTTED = "…………………………………"


def _text(page: str) -> str:
    """The page as read: tags gone, entities decoded, white space collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def srb(app, demo):
    """SRB's protokoll of 2024-04-19 justerat by the demo's cycle, and the sentence each
    signature should get, from the signoffs themselves."""
    with app.test_request_context():
        assert run_srb_cycle()
        db.session.commit()
        meeting = srb_meeting()
        revision = services.justered_revision(meeting)
        completed = services.rounds_of(meeting)[-1]
        expected = [
            f"{'Signerat' if s.role == SignoffRole.SECRETARY else 'Justerat'} digitalt "
            f"{local_signed_stamp(s.decided_at)} av {s.person.name} ({s.role.printed.lower()})"
            for s in completed.signoffs
        ]
        assert revision.justered_at is not None and len(expected) == 3
        return meeting.id, expected


def test_the_public_reads_who_signed_in_which_role_and_when(srb, client):
    meeting_id, expected = srb
    text = _text(client.get(f"/protokoll/{meeting_id}").get_data(as_text=True))
    for line in expected:
        assert line in text
    assert any("(ordförande)" in line for line in expected)
    assert any("(justerare)" in line for line in expected)
    assert any(line.startswith("Signerat") and "(sekreterare)" in line for line in expected)
    assert DOTTED not in text


@pytest.mark.parametrize("email", [JOHANNA, ELIN], ids=["member", "secretary"])
def test_members_and_the_secretary_read_the_signatures_not_dotted_lines(
    srb, make_client, login_demo, email
):
    meeting_id, expected = srb
    reader = make_client()
    login_demo(reader, email)
    for locale in ("sv", "en"):  # the record is a Swedish document in either UI language
        reader.get(f"/language?locale={locale}&next=/")
        text = _text(reader.get(f"/meetings/{meeting_id}/record").get_data(as_text=True))
        for line in expected:
            assert line in text, (locale, line)
        assert DOTTED not in text


def test_a_draft_keeps_the_lines_to_sign_on(app, factory, make_client, login):
    ids = committee_with_record(app, factory)
    stina = make_client()
    login(stina, STINA)
    text = _text(stina.get(f"/meetings/{ids['meeting']}/record").get_data(as_text=True))
    assert DOTTED in text and "digitalt" not in text


def test_minnesanteckningar_name_the_secretarys_signature(app, factory, make_client, login):
    ids = make_committee(
        factory,
        name="Samverkansgrupp Kultur",
        record_type=RecordType.NOTES,
        kind=BodyKind.COOPERATION_GROUP,
    )
    factory.user(STINA, person_id=ids["stina"])
    with app.test_request_context():
        notes = new_meeting(ids["body"], "2025-03-14")
        add_item(None, notes, title="Kompetensförsörjning", proposal="Informationen noteras.")
        start_record(None, notes)
        other = next(item for item in notes.items if item.title == "Övriga frågor")
        update_decision(None, other, None, text="Inga övriga frågor anmäls.")
        db.session.commit()
        secretary = db.session.scalar(select(User).where(User.email == STINA))
        revision = services.finalise_and_sign_minutes(secretary, notes)
        db.session.commit()
        line = (
            f"Signerat digitalt {local_signed_stamp(revision.justered_at)} "
            "av Stina Sekreterare (sekreterare)"
        )
        meeting_id = notes.id
    stina = make_client()
    login(stina, STINA)
    text = _text(stina.get(f"/meetings/{meeting_id}/record").get_data(as_text=True))
    assert f"Vid minnesanteckningarna {line}" in text
    assert DOTTED not in text
