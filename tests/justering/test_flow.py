"""Justering as the people involved do it in the browser: the secretary sends, the justerare
rejects with a comment, the secretary corrects and sends again, the chair and the justerare
approve; the signed PDF is verified by pyHanko and poppler; edits are refused afterwards
except as a rättelse."""

import pytest

from app.agenda.models import AgendaItem
from app.extensions import db
from app.justering import services
from app.justering.models import RoundStatus, SignoffRole, SignoffStatus
from app.meetings.models import RecordStatus
from app.signing.verify import verify_pdf
from tests.justering import pki
from tests.justering.helpers import ANNA, BO, DAN, STINA, committee_with_record, meeting
from tests.justering.pki import nss_trusting_dev_ca
from tests.record.helpers import pdf_text
from tests.signing.conftest import pdfsig, widget_texts


@pytest.fixture
def nss_app_ca(app, tmp_path) -> str:
    """An NSS database trusting the test run's development CA, for ``pdfsig -nssdir``."""
    return nss_trusting_dev_ca(app, tmp_path / "nss")


@pytest.fixture
def personal_certificates(app):
    """Each signatory signs with a personal certificate of her own (see tests/justering/pki)."""
    people = [("Stina Sekreterare", STINA), ("Anna Berg", ANNA), ("Bo Ek", BO)]
    with pki.personal_certificates(app, people):
        yield


def _mail(received) -> tuple[str, str]:
    message = received["message"]
    return next(iter(message["To"].addresses)).addr_spec, message.get_body(("plain",)).get_content()


def _signoff(app, ids, role: SignoffRole):
    with app.app_context():
        justering = services.open_round(meeting(ids))
        signoff = next(s for s in justering.signoffs if s.role == role)
        return signoff.id, justering.id


def test_the_whole_justering(
    app, factory, make_client, login, smtp_server, nss_app_ca, tmp_path, personal_certificates
):
    ids = committee_with_record(app, factory)
    record_url = f"/meetings/{ids['meeting']}/record"
    stina, anna, bo, dan = (make_client() for _ in range(4))
    for client, email in ((stina, STINA), (anna, ANNA), (bo, BO), (dan, DAN)):
        login(client, email)

    # A member who is not the secretary cannot send it; the secretary can.
    assert dan.submit(f"/meetings/{ids['meeting']}/justering", form_url="/").status_code == 403
    response = stina.submit(f"/meetings/{ids['meeting']}/justering", form_url=record_url)
    assert response.status_code == 302
    mails = [_mail(m) for m in smtp_server.wait_for(2)]
    assert sorted(to for to, _text in mails) == [ANNA, BO]
    review_link = next(line for line in mails[0][1].splitlines() if "/justering/" in line)
    assert "senast 2025-03-28" in mails[0][1]  # 14 days after the meeting

    # While it is out, the record cannot change.
    with app.app_context():
        assert meeting(ids).record_status == RecordStatus.JUSTERING
    page = stina.get(f"/items/{ids['item']}/record")
    assert "Edit the record" not in stina.get(record_url).get_data(as_text=True)
    assert page.status_code == 200, page.status_code
    assert "Protokollet är signerat av dig och skickat på justering." in page.get_data(as_text=True)

    # The justerare reads it and rejects it; an empty comment is refused and nothing is lost.
    bo_signoff, round_id = _signoff(app, ids, SignoffRole.ADJUSTER)
    anna_signoff, _round = _signoff(app, ids, SignoffRole.CHAIR)
    review = bo.get(f"/justering/{round_id}")
    assert review.status_code == 200 and "Bidrag till kulturföreningar 2025" in review.get_data(
        as_text=True
    )
    assert review_link.endswith(f"/justering/{round_id}")
    refused = bo.submit(
        f"/justering/signoffs/{bo_signoff}/reject",
        {"comment": "  "},
        form_url=f"/justering/{round_id}",
    )
    assert refused.status_code == 422
    rejected = bo.submit(
        f"/justering/signoffs/{bo_signoff}/reject",
        {"comment": "§ 5: beloppet ska vara 40 000 kronor."},
        form_url=f"/justering/{round_id}",
    )
    assert rejected.status_code == 302
    to, text = _mail(smtp_server.wait_for(3)[-1])
    assert to == STINA and "beloppet ska vara 40 000 kronor" in text
    with app.app_context():
        m = meeting(ids)
        assert m.record_status == RecordStatus.DRAFT
        assert services.rounds_of(m)[0].status == RoundStatus.REJECTED
    assert "beloppet ska vara 40 000 kronor" in stina.get(record_url).get_data(as_text=True)

    # The secretary corrects the decision and sends a new round.
    edit = stina.get(f"/items/{ids['item']}/record").get_data(as_text=True)
    assert "Bidragen fördelas" in edit
    with app.app_context():
        item = db.session.get(AgendaItem, ids["item"])
        item.decision.text = "Bidragen fördelas enligt förvaltningens förslag, 40 000 kronor."
        db.session.commit()
    assert (
        stina.submit(f"/meetings/{ids['meeting']}/justering", form_url=record_url).status_code
        == 302
    )
    anna_signoff, round_id = _signoff(app, ids, SignoffRole.CHAIR)
    bo_signoff, _round = _signoff(app, ids, SignoffRole.ADJUSTER)

    # Someone else's login cannot approve the chair's signature: refused, nothing signed.
    for intruder in (bo, dan):
        assert (
            intruder.submit(f"/justering/signoffs/{anna_signoff}/approve", form_url="/").status_code
            == 403
        )
    with app.app_context():
        justering = services.open_round(meeting(ids))
        assert [s.status for s in justering.signoffs] == [
            SignoffStatus.APPROVED,
            SignoffStatus.PENDING,
            SignoffStatus.PENDING,
        ]
    # Without the CSRF token the approval is refused too.
    assert anna.post(f"/justering/signoffs/{anna_signoff}/approve").status_code == 400

    assert (
        anna.submit(f"/justering/signoffs/{anna_signoff}/approve", form_url="/").status_code == 302
    )
    assert bo.submit(f"/justering/signoffs/{bo_signoff}/approve", form_url="/").status_code == 302

    with app.app_context():
        m = meeting(ids)
        assert m.record_status == RecordStatus.FINAL
        revision = services.justered_revision(m)
        assert revision is not None and revision.number == 1
        signed_sha = revision.signed_pdf_sha256

    # The signed original, as a member downloads it, is valid in pyHanko and in pdfsig.
    signed = dan.get(f"/meetings/{ids['meeting']}/record/1/original.pdf")
    assert signed.status_code == 200
    original = signed.data
    with app.app_context():
        report = verify_pdf(original)
    assert report.valid, report
    assert [c.signer_name for c in report.signatures] and all(
        c.intact and c.trusted for c in report.signatures
    )
    assert len(report.signatures) == 3
    text = pdf_text(original)
    assert "40 000 kronor" in text
    blocks = widget_texts(original)
    assert "Signerat av Stina Sekreterare" in blocks["sekreterare"]
    assert "Justerat av Anna Berg" in blocks["ordforande"] and "Ordförande" in blocks["ordforande"]
    assert "Justerat av Bo Ek" in blocks["justerare-1"]
    checked = pdfsig(original, tmp_path, nss_app_ca)
    assert checked.count("Signature is Valid.") == 3, checked
    assert checked.count("Certificate is Trusted.") == 3, checked

    # One changed byte inside the signed range fails in both.
    # (A byte picked by its offset alone can land in a signature's own /Contents padding,
    # which pdfsig rightly ignores; pki.tampered picks one every signature covers.)
    changed = pki.tampered(original)
    with app.app_context():
        assert not verify_pdf(changed).valid
    assert "Signature is Valid." not in pdfsig(changed, tmp_path, nss_app_ca)

    # The justerat record can no longer be edited, not even by the secretary.
    response = stina.submit(
        f"/items/{ids['item']}/record",
        {"text": "Ändrat i efterhand.", "version": "1"},
        form_url=record_url,
    )
    with app.app_context():
        item = db.session.get(AgendaItem, ids["item"])
        assert "Ändrat i efterhand" not in item.decision.text

    # A rättelse needs a reason; the original stays readable and unchanged.
    assert stina.submit(f"/meetings/{ids['meeting']}/rattelse", {"reason": ""}).status_code == 422
    response = stina.submit(
        f"/meetings/{ids['meeting']}/rattelse", {"reason": "Fel belopp i § 5 (skrivfel)."}
    )
    assert response.status_code == 302
    with app.app_context():
        m = meeting(ids)
        assert m.record_status == RecordStatus.DRAFT
        assert [r.number for r in services.revisions_of(m)] == [1, 2]
        assert services.justered_revision(m).signed_pdf_sha256 == signed_sha
    # Members keep reading the justerat version while the rättelse is prepared.
    reading = dan.get(record_url).get_data(as_text=True)
    assert "A rättelse of this record is being prepared" in reading or "rättelse" in reading
    assert dan.get(f"/meetings/{ids['meeting']}/record/1/original.pdf").data == original
