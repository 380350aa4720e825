"""Minnesanteckningar: no justering; the meeting's secretary finalises them and signs alone,
in the field "sekreterare". Anyone else who manages the group is refused with the reason,
and nothing changes."""

from sqlalchemy import select

from app.agenda.services import add_item
from app.bodies.models import BodyKind, MembershipFunction, MembershipKind, RecordType
from app.extensions import db
from app.justering import services
from app.justering.models import JusteringRound, RecordRevision
from app.meetings.models import Meeting, RecordStatus
from app.record.services import start_record, update_decision
from app.signing.verify import verify_pdf
from tests.justering.pki import pdfa_identity, signature_fields
from tests.record.helpers import make_committee, new_meeting, pdf_text, without_page_furniture
from tests.signing.conftest import widget_texts

STINA = "stina@samverkan.se"
TOVE = "tove@samverkan.se"  # the group's other secretary: manages it, does not keep this record
DAN = "dan@samverkan.se"
ADMIN = "admin@samverkan.se"  # an administrator with no person
SECRETARY_ONLY = (
    "Bara Stina Sekreterare, sammanträdets sekreterare, kan signera. "
    "Byt sammanträdets sekreterare om någon annan för protokollet eller minnesanteckningarna."
)
NO_JUSTERING = "Minnesanteckningar justeras inte: sekreteraren fastställer dem."


def _group_with_minutes(app, factory) -> dict[str, int]:
    ids = make_committee(
        factory,
        name="Samverkansgrupp Kultur",
        record_type=RecordType.NOTES,
        kind=BodyKind.COOPERATION_GROUP,
    )
    ids["tove"] = factory.person("Tove Sekreterare")
    factory.seat(ids["tove"], ids["body"], MembershipKind.STAFF, MembershipFunction.SECRETARY)
    for key, email in (("stina", STINA), ("tove", TOVE), ("dan", DAN)):
        factory.user(email, person_id=ids[key])
    factory.user(ADMIN, is_admin=True)
    with app.test_request_context():
        meeting = new_meeting(ids["body"], "2025-03-14")
        add_item(
            None,
            meeting,
            title="Kompetensförsörjning inom kulturskolan",
            proposal="Gruppen tar del av informationen.",
        )
        start_record(None, meeting)
        other = next(item for item in meeting.items if item.title == "Övriga frågor")
        update_decision(None, other, None, text="Inga övriga frågor anmäls.")
        db.session.commit()
        assert meeting.secretary.name == "Stina Sekreterare"  # from the secretary seats
        ids["meeting"] = meeting.id
    return ids


def _state(app, ids) -> tuple[RecordStatus, int, int]:
    """The record's status, its revisions and its justering rounds."""
    with app.app_context():
        meeting = db.session.get(Meeting, ids["meeting"])
        revisions = db.session.scalars(
            select(RecordRevision).where(RecordRevision.meeting_id == meeting.id)
        ).all()
        rounds = db.session.scalars(
            select(JusteringRound).where(JusteringRound.meeting_id == meeting.id)
        ).all()
        return meeting.record_status, len(revisions), len(rounds)


def test_the_secretary_finalises_and_signs_the_minutes_alone(app, factory, make_client, login):
    ids = _group_with_minutes(app, factory)
    meeting_id = ids["meeting"]
    record_url = f"/meetings/{meeting_id}/record"
    stina, tove, dan, admin = (make_client() for _ in range(4))
    for client, email in ((stina, STINA), (tove, TOVE), (dan, DAN), (admin, ADMIN)):
        login(client, email)

    page = stina.get(record_url).get_data(as_text=True)
    assert "Fastställ och signera minnesanteckningarna" in page
    assert f'action="/meetings/{meeting_id}/record/finalise"' in page
    # Minnesanteckningar are not sent to justering: no button, and the route refuses.
    assert f"/meetings/{meeting_id}/justering" not in page
    refused = stina.submit(f"/meetings/{meeting_id}/justering", form_url=record_url)
    assert refused.status_code == 302
    assert NO_JUSTERING in stina.get(record_url).get_data(as_text=True)
    assert _state(app, ids) == (RecordStatus.DRAFT, 0, 0)

    # Managers who are not the meeting's secretary: a clear refusal, nothing changes.
    for manager in (admin, tove):
        response = manager.submit(f"/meetings/{meeting_id}/record/finalise", form_url=record_url)
        assert response.status_code == 302
        assert SECRETARY_ONLY in manager.get(record_url).get_data(as_text=True)
        assert _state(app, ids) == (RecordStatus.DRAFT, 0, 0)
    # A member does not manage the group at all.
    assert dan.submit(f"/meetings/{meeting_id}/record/finalise", form_url="/").status_code == 403
    assert _state(app, ids) == (RecordStatus.DRAFT, 0, 0)

    # The meeting's secretary finalises: final, signed once, by her.
    done = stina.submit(f"/meetings/{meeting_id}/record/finalise", form_url=record_url)
    assert done.status_code == 302
    page = stina.get(record_url).get_data(as_text=True)
    assert "Minnesanteckningarna är slutgiltiga och signerade av sekreteraren." in page
    assert "Signerade versioner" in page
    assert _state(app, ids) == (RecordStatus.FINAL, 1, 0)
    with app.app_context():
        revision = services.justered_revision(db.session.get(Meeting, meeting_id))
        assert revision.number == 1 and revision.justered_at is not None
        assert (
            revision.public_pdf_sha256 and revision.public_pdf_sha256 != revision.signed_pdf_sha256
        )

    signed = dan.get(f"/meetings/{meeting_id}/record/1/original.pdf")
    assert signed.status_code == 200
    with app.app_context():
        report = verify_pdf(signed.data)
    assert report.valid, report
    assert len(report.signatures) == 1
    (signature,) = report.signatures
    assert signature.field == "sekreterare"
    assert signature.intact and signature.trusted
    assert signature.signatory_name == "Stina Sekreterare"
    assert signature_fields(signed.data) == ["sekreterare"]
    assert "Stina Sekreterare" in widget_texts(signed.data)["sekreterare"]
    assert pdfa_identity(signed.data) == ("3", "U")
    text = without_page_furniture(pdf_text(signed.data))
    assert "Vid minnesanteckningarna" in text
    assert "Gruppen tar del av informationen." in text

    # Final minutes are still not sent to justering, and are not finalised (signed) twice.
    stina.submit(f"/meetings/{meeting_id}/justering", form_url=record_url)
    assert NO_JUSTERING in stina.get(record_url).get_data(as_text=True)
    stina.submit(f"/meetings/{meeting_id}/record/finalise", form_url=record_url)
    assert "Protokollet är slutgiltigt och kan inte längre ändras" in stina.get(
        record_url
    ).get_data(as_text=True)
    assert _state(app, ids) == (RecordStatus.FINAL, 1, 0)
    assert dan.get(f"/meetings/{meeting_id}/record/1/original.pdf").data == signed.data
