"""Signing a protokoll runs as background jobs (here without a broker, in the request): the
secretary's "sign and send to justering" and each signatory's approval. A refusal is said at
once without a job; a signing that fails leaves everything as it was and says why, with
"Försök igen"; two signatories approving at the same moment both keep their signature."""

import re
from dataclasses import replace

from sqlalchemy import select

from app.bodies.models import MembershipFunction, MembershipKind
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.justering import services
from app.justering.models import JusteringRound, RoundStatus, SignoffRole, SignoffStatus
from app.meetings.models import RecordStatus
from app.people.models import Person
from app.signing.verify import verify_pdf
from tests.conftest import hidden
from tests.justering import pki
from tests.justering.helpers import ANNA, BO, DAN, STINA, committee_with_record, meeting

TOVE = "tove@sala.se"
SECRETARY_ONLY = "Bara Stina Sekreterare, sammanträdets sekreterare, kan signera."
CERTIFICATE = "Signeringscertifikatet kunde inte öppnas (fel lösenord eller skadad fil)."


def _jobs(app) -> list[Job]:
    with app.app_context():
        jobs = db.session.scalars(select(Job).order_by(Job.id)).all()
        db.session.expunge_all()
        return jobs


def _flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', page, re.S)


def _retry(client, job_id: int):
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f'action="/jobs/{job_id}/retry"' in page and "Försök igen" in page
    return client.post(
        f"/jobs/{job_id}/retry",
        data={"csrf_token": hidden(page, "csrf_token")},
        follow_redirects=True,
    )


def _state(app, ids) -> tuple[RecordStatus, int, int]:
    """The record's status, its rounds and its revisions."""
    with app.app_context():
        m = meeting(ids)
        return (
            m.record_status,
            len(services.rounds_of(m)),
            len(services.revisions_of(m)),
        )


def _round(app, ids) -> tuple[int, int, str, list[SignoffStatus], dict[SignoffRole, int]]:
    """The last round: id, version, PDF, its signatories' answers and their signoff ids."""
    with app.app_context():
        justering = services.rounds_of(meeting(ids))[-1]
        return (
            justering.id,
            justering.version,
            justering.pdf_sha256,
            [s.status for s in justering.signoffs],
            {s.role: s.id for s in justering.signoffs},
        )


def _signatures(app, pdf: bytes) -> list[str]:
    with app.app_context():
        report = verify_pdf(pdf)
    assert report.valid, report
    return [s.field for s in report.signatures]


def _clients(make_client, login, *emails):
    clients = []
    for email in emails:
        client = make_client()
        login(client, email)
        clients.append(client)
    return clients


def _sent(app, factory, make_client, login) -> tuple[dict, object]:
    """The record sent to justering by Stina (through the job)."""
    ids = committee_with_record(app, factory)
    (stina,) = _clients(make_client, login, STINA)
    response = stina.submit(
        f"/meetings/{ids['meeting']}/justering", form_url=f"/meetings/{ids['meeting']}/record"
    )
    assert response.status_code == 302
    assert _state(app, ids) == (RecordStatus.JUSTERING, 1, 1)
    return ids, stina


def test_sending_to_justering_is_a_job_and_a_failed_signing_is_tried_again(
    app, factory, make_client, login, monkeypatch, smtp_server
):
    ids = committee_with_record(app, factory)
    meeting_id = ids["meeting"]
    record_url = f"/meetings/{meeting_id}/record"
    tove = factory.person("Tove Sekreterare")
    factory.seat(tove, ids["body"], MembershipKind.STAFF, MembershipFunction.SECRETARY)
    factory.user(TOVE, person_id=tove)
    stina, other_secretary, dan = _clients(make_client, login, STINA, TOVE, DAN)

    # A refusal is said at once, back on the record page; no job is started.
    response = other_secretary.submit(f"/meetings/{meeting_id}/justering", form_url=record_url)
    assert response.status_code == 302 and response.location.endswith(record_url)
    assert SECRETARY_ONLY in " ".join(
        _flashes(other_secretary.get(record_url).get_data(as_text=True))
    )
    assert dan.submit(f"/meetings/{meeting_id}/justering", form_url="/").status_code == 403
    assert _jobs(app) == [] and _state(app, ids) == (RecordStatus.DRAFT, 0, 0)

    # The seal cannot be opened: the job fails with the reason, nothing is changed.
    with app.app_context():
        texts_before = [(i.id, i.decision.text if i.decision else None) for i in meeting(ids).items]
    password = app.config["SIGNING_PKCS12_PASSWORD"]
    monkeypatch.setitem(app.config, "SIGNING_PKCS12_PASSWORD", "wrong")
    response = stina.submit(
        f"/meetings/{meeting_id}/justering", form_url=record_url, follow_redirects=True
    )
    (job,) = _jobs(app)
    assert job.kind == "send_to_justering" and job.status == JobStatus.FAILED
    assert response.request.path == f"/jobs/{job.id}"
    assert job.error == f"PDF:en kunde inte skapas, inget ändrades: {CERTIFICATE}"
    page = response.get_data(as_text=True)
    assert CERTIFICATE in page and "Försök igen" in page and "Misslyckades" in page
    assert f'href="{record_url}"' in page
    assert _state(app, ids) == (RecordStatus.DRAFT, 0, 0)  # no round, no revision
    with app.app_context():
        assert [
            (i.id, i.decision.text if i.decision else None) for i in meeting(ids).items
        ] == texts_before
    assert smtp_server.messages == []
    # Those who may not send it cannot try it again either.
    assert dan.get(f"/jobs/{job.id}").status_code == 403
    token = dan.csrf_token("/")
    assert dan.post(f"/jobs/{job.id}/retry", data={"csrf_token": token}).status_code == 403

    # The password is put right: "Försök igen" signs and sends, and the record page says so.
    monkeypatch.setitem(app.config, "SIGNING_PKCS12_PASSWORD", password)
    response = _retry(stina, job.id)
    assert response.request.path == record_url
    assert "Protokollet är signerat av dig och skickat på justering." in _flashes(
        response.get_data(as_text=True)
    )
    smtp_server.wait_for(2)
    (job,) = _jobs(app)
    assert job.status == JobStatus.DONE and job.attempts == 2 and job.error is None
    assert _state(app, ids) == (RecordStatus.JUSTERING, 1, 1)
    round_id, _version, _pdf, answers, _ids = _round(app, ids)
    assert job.result == {"round": round_id, "mail_problem": None, "unnotified": []}
    assert answers == [SignoffStatus.APPROVED, SignoffStatus.PENDING, SignoffStatus.PENDING]
    pdf = stina.get(f"/justering/{round_id}.pdf").data
    assert _signatures(app, pdf) == ["sekreterare"]
    page = stina.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Klart" in page and f'href="/justering/{round_id}.pdf"' in page

    # Sent once: sending again is refused at once, without a second job.
    response = stina.submit(f"/meetings/{meeting_id}/justering", form_url=record_url)
    assert response.location.endswith(record_url)
    assert "Bara ett protokollutkast kan skickas på justering." in _flashes(
        stina.get(record_url).get_data(as_text=True)
    )
    assert len(_jobs(app)) == 1


def test_the_notification_problems_are_said_when_the_job_is_done(
    app, factory, make_client, login, monkeypatch
):
    ids = committee_with_record(app, factory)
    with app.app_context():
        bo = db.session.get(Person, ids["bo"])
        bo.email = None
        db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_PORT", 9)  # nobody answers there
    (stina,) = _clients(make_client, login, STINA)
    record_url = f"/meetings/{ids['meeting']}/record"
    response = stina.submit(
        f"/meetings/{ids['meeting']}/justering", form_url=record_url, follow_redirects=True
    )
    assert response.request.path == record_url
    flashes = _flashes(response.get_data(as_text=True))
    assert flashes[0] == "Protokollet är signerat av dig och skickat på justering."
    assert any(f.startswith("Aviseringarna kunde inte skickas med e-post") for f in flashes)
    assert any("Bo Ek" in f for f in flashes), flashes
    (job,) = _jobs(app)
    assert job.status == JobStatus.DONE and job.result["unnotified"] == ["Bo Ek"]
    assert job.result["mail_problem"]


def test_an_approval_is_a_job_and_a_failed_signature_is_tried_again(
    app, factory, make_client, login, monkeypatch
):
    ids, stina = _sent(app, factory, make_client, login)
    anna, bo = _clients(make_client, login, ANNA, BO)
    round_id, version, pdf, answers, signoffs = _round(app, ids)
    review_url = f"/justering/{round_id}"
    anna_signoff = signoffs[SignoffRole.CHAIR]

    # Anna signs with her personal certificate, whose password is wrong here.
    with pki.personal_certificates(app, [("Anna Berg", ANNA)]):
        monkeypatch.setitem(app.config, "SIGNING_PERSONAL_PASSWORD", "wrong")
        response = anna.submit(
            f"/justering/signoffs/{anna_signoff}/approve",
            form_url=review_url,
            follow_redirects=True,
        )
        job = _jobs(app)[-1]
        assert job.kind == "approve_justering" and job.status == JobStatus.FAILED
        assert response.request.path == f"/jobs/{job.id}"
        assert job.error == f"PDF:en kunde inte skapas, inget ändrades: {CERTIFICATE}"
        page = response.get_data(as_text=True)
        assert CERTIFICATE in page and "Försök igen" in page
        assert f'href="{review_url}"' in page
        # Nothing changed: the round, its PDF, the answers, the record.
        assert _round(app, ids)[:4] == (round_id, version, pdf, answers)
        assert _state(app, ids) == (RecordStatus.JUSTERING, 1, 1)
        # Her job is hers: another signatory and the secretary do not follow or retry it.
        for other in (bo, stina):
            assert other.get(f"/jobs/{job.id}").status_code == 403
            token = other.csrf_token("/")
            assert other.post(f"/jobs/{job.id}/retry", data={"csrf_token": token}).status_code == (
                403
            )

        # The password is put right: "Försök igen" signs, back on the review page.
        monkeypatch.setitem(app.config, "SIGNING_PERSONAL_PASSWORD", None)
        response = _retry(anna, job.id)
        assert response.request.path == review_url
        assert "Du har godkänt och signerat protokollet." in _flashes(
            response.get_data(as_text=True)
        )
    job = _jobs(app)[-1]
    assert job.status == JobStatus.DONE and job.attempts == 2
    assert job.result == {"round": round_id, "justerat": False}
    signed = stina.get(f"/justering/{round_id}.pdf").data
    assert _signatures(app, signed) == ["sekreterare", "ordforande"]
    with app.app_context():
        report = verify_pdf(signed)
        assert report.signatures[1].signatory_name == "Anna Berg"

    # Approving twice is refused at once: no job, no third signature.
    jobs = len(_jobs(app))
    response = anna.submit(f"/justering/signoffs/{anna_signoff}/approve", form_url=review_url)
    assert response.location.endswith(review_url)
    assert "Du har redan svarat." in _flashes(anna.get(review_url).get_data(as_text=True))
    assert len(_jobs(app)) == jobs and stina.get(f"/justering/{round_id}.pdf").data == signed
    # Nobody approves another's signature.
    assert (
        bo.submit(f"/justering/signoffs/{anna_signoff}/approve", form_url=review_url).status_code
        == 403
    )

    # The last approval makes it justerat.
    response = bo.submit(
        f"/justering/signoffs/{signoffs[SignoffRole.ADJUSTER]}/approve",
        form_url=review_url,
        follow_redirects=True,
    )
    assert response.request.path == review_url
    assert _state(app, ids) == (RecordStatus.FINAL, 1, 1)
    job = _jobs(app)[-1]
    assert job.status == JobStatus.DONE and job.result == {"round": round_id, "justerat": True}
    original = stina.get(f"/meetings/{ids['meeting']}/record/1/original.pdf").data
    assert _signatures(app, original) == ["sekreterare", "ordforande", "justerare-1"]


def _answer_meanwhile(app, monkeypatch, ids, answer) -> list[str]:
    """While Anna's approval is being signed, ``answer(session_user, bo_signoff)`` is saved
    by Bo in a request and session of its own: the two answers are made at the same moment."""
    real_sign = services.sign_pdf
    calls: list[str] = []

    def sign_pdf(pdf, *, field, **kwargs):
        calls.append(field)
        signed = real_sign(pdf, field=field, **kwargs)
        if field == "ordforande" and calls.count("ordforande") == 1:
            with app.app_context(), app.test_request_context():
                from app.accounts.models import User

                bo = db.session.scalar(select(User).where(User.email == BO))
                justering = services.open_round(meeting(ids))
                signoff = next(s for s in justering.signoffs if s.role == SignoffRole.ADJUSTER)
                answer(bo, signoff)
                db.session.commit()
        return signed

    monkeypatch.setattr(services, "sign_pdf", sign_pdf)
    return calls


def test_two_signatories_approving_at_once_both_keep_their_signature(
    app, factory, make_client, login, monkeypatch
):
    ids, stina = _sent(app, factory, make_client, login)
    (anna,) = _clients(make_client, login, ANNA)
    round_id, _version, _pdf, _answers, signoffs = _round(app, ids)
    review_url = f"/justering/{round_id}"
    calls = _answer_meanwhile(app, monkeypatch, ids, services.approve)

    response = anna.submit(
        f"/justering/signoffs/{signoffs[SignoffRole.CHAIR]}/approve",
        form_url=review_url,
        follow_redirects=True,
    )
    # Anna's first signature was built on the PDF without Bo's: refused as a conflict, her
    # approval was made again on top of Bo's. Nothing is lost; the protokoll is justerat.
    assert calls == ["ordforande", "justerare-1", "ordforande"]
    assert response.request.path == review_url
    assert "Du har godkänt och signerat protokollet." in _flashes(response.get_data(as_text=True))
    (_send, job) = _jobs(app)
    assert job.status == JobStatus.DONE and job.attempts == 1
    assert job.result == {"round": round_id, "justerat": True}
    assert _state(app, ids) == (RecordStatus.FINAL, 1, 1)
    with app.app_context():
        justering = db.session.get(JusteringRound, round_id)
        assert justering.status == RoundStatus.COMPLETED
    original = stina.get(f"/meetings/{ids['meeting']}/record/1/original.pdf").data
    assert sorted(_signatures(app, original)) == ["justerare-1", "ordforande", "sekreterare"]


def test_an_approval_that_meets_a_rejection_fails_with_the_reason(
    app, factory, make_client, login, monkeypatch
):
    ids, _stina = _sent(app, factory, make_client, login)
    (anna,) = _clients(make_client, login, ANNA)
    round_id, _version, pdf, _answers, signoffs = _round(app, ids)
    review_url = f"/justering/{round_id}"
    _answer_meanwhile(
        app,
        monkeypatch,
        ids,
        lambda user, signoff: services.reject(user, signoff, comment="Fel datum i § 2."),
    )
    response = anna.submit(
        f"/justering/signoffs/{signoffs[SignoffRole.CHAIR]}/approve",
        form_url=review_url,
        follow_redirects=True,
    )
    (_send, job) = _jobs(app)
    assert job.status == JobStatus.FAILED and response.request.path == f"/jobs/{job.id}"
    # Run again on what Bo saved, her approval meets a closed round: said plainly.
    assert job.error == "Den här justeringsomgången är avslutad."
    assert job.error in response.get_data(as_text=True)
    with app.app_context():
        justering = db.session.get(JusteringRound, round_id)
        assert justering.status == RoundStatus.REJECTED and justering.pdf_sha256 == pdf
        assert [s.status for s in justering.signoffs] == [
            SignoffStatus.APPROVED,
            SignoffStatus.PENDING,
            SignoffStatus.REJECTED,
        ]
    assert _state(app, ids) == (RecordStatus.DRAFT, 1, 1)


def test_a_conflict_that_keeps_coming_back_fails_the_job_plainly(app, factory, monkeypatch):
    """Should the round change under the approval every time, the job stops after its
    conflict retries, saying so, and saves nothing."""
    from sqlalchemy.orm.exc import StaleDataError

    from app.jobs.services import KINDS, run_job
    from app.justering import jobs as kinds

    ids = committee_with_record(app, factory)
    runs: list[int] = []

    def always_conflicts(job, progress):
        runs.append(job.id)
        raise StaleDataError("UPDATE statement on table 'justering_rounds' expected 1 row")

    approval = KINDS[kinds.APPROVE_JUSTERING]
    monkeypatch.setitem(KINDS, kinds.APPROVE_JUSTERING, replace(approval, run=always_conflicts))
    with app.app_context():
        job = Job(kind=kinds.APPROVE_JUSTERING, arguments={"signoff_id": 1, "round_id": 1})
        db.session.add(job)
        db.session.commit()
        run_job(job.id, live=False)
        db.session.refresh(job)
        assert job.status == JobStatus.FAILED
        assert job.error == (
            "Någon annan som ska justera svarade i samma ögonblick. Titta igen och svara."
        )
    assert len(runs) == 1 + approval.conflict_retries
    assert _state(app, ids) == (RecordStatus.DRAFT, 0, 0)


def test_a_rattelse_is_signed_and_sent_by_the_same_job(
    app, factory, make_client, login, monkeypatch
):
    """A rättelse has no signing of its own: it is sent like the original, by the same job.
    A failed signing leaves the open rättelse and the justerat original as they were."""
    from tests.justering.test_guards import _approve_all, _send, _user

    ids = committee_with_record(app, factory)
    _send(app, ids)
    _approve_all(app, ids)
    with app.test_request_context():
        services.start_correction(_user(STINA), meeting(ids), reason="Fel belopp i § 1.")
        db.session.commit()
        original = services.justered_revision(meeting(ids)).signed_pdf_sha256
    assert _state(app, ids) == (RecordStatus.DRAFT, 1, 2)
    (stina,) = _clients(make_client, login, STINA)
    record_url = f"/meetings/{ids['meeting']}/record"
    password = app.config["SIGNING_PKCS12_PASSWORD"]
    monkeypatch.setitem(app.config, "SIGNING_PKCS12_PASSWORD", "wrong")
    response = stina.submit(
        f"/meetings/{ids['meeting']}/justering", form_url=record_url, follow_redirects=True
    )
    (job,) = _jobs(app)
    assert job.status == JobStatus.FAILED and response.request.path == f"/jobs/{job.id}"
    assert CERTIFICATE in response.get_data(as_text=True)
    assert _state(app, ids) == (RecordStatus.DRAFT, 1, 2)
    monkeypatch.setitem(app.config, "SIGNING_PKCS12_PASSWORD", password)
    response = _retry(stina, job.id)
    assert response.request.path == record_url
    assert _state(app, ids) == (RecordStatus.JUSTERING, 2, 2)
    with app.app_context():
        m = meeting(ids)
        assert services.rounds_of(m)[-1].revision.number == 2
        assert services.justered_revision(m).signed_pdf_sha256 == original
