"""Without a broker (development, `make run`, these tests) every job runs in the request that
starts it: the packet, the kallelse and the signing of the minutes each leave a Job row, done
with its result, or failed with the reason, which "Försök igen" runs again."""

import re

from sqlalchemy import select

from app.cases.models import Document
from app.documents.storage import read_bytes, store_bytes
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.justering import services as justering
from app.meetings.models import Meeting, MeetingStatus, RecordStatus
from tests.agenda.helpers import make_committee
from tests.conftest import hidden
from tests.jobs.helpers import (
    blank_pdf,
    documents_of,
    meeting_with_documents,
    packet_sha,
)
from tests.justering.test_minutes_signing import STINA, _group_with_minutes, _state
from tests.redis_server import free_port


def _jobs(app) -> list[Job]:
    with app.app_context():
        jobs = db.session.scalars(select(Job).order_by(Job.id)).all()
        db.session.expunge_all()
        return jobs


def _retry(client, job_id: int, **kwargs):
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f'action="/jobs/{job_id}/retry"' in page
    return client.post(
        f"/jobs/{job_id}/retry", data={"csrf_token": hidden(page, "csrf_token")}, **kwargs
    )


def test_the_packet_is_built_by_a_job_and_served(app, factory, make_client, login):
    ids = make_committee(factory)
    meeting_id = meeting_with_documents(app, ids["body"], documents=3)
    elin = make_client()
    login(elin, "elin@example.se")
    response = elin.get(f"/meetings/{meeting_id}/handlingar.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    (job,) = _jobs(app)
    assert job.kind == "packet" and job.status == JobStatus.DONE
    assert job.progress == 100 and job.attempts == 1 and job.error is None
    assert job.result["sha256"] == packet_sha(app, meeting_id)
    with app.app_context():
        assert read_bytes(job.result["sha256"]) == response.data
    # The job's page: done, with the way to the result.
    page = elin.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Klart" in page and f'href="/meetings/{meeting_id}/handlingar.pdf"' in page
    assert "Öppna handlingarna (PDF)" in page and "<script" not in page
    state = elin.get(f"/jobs/{job.id}.json").get_json()
    assert state["status"] == "done" and state["progress"] == 100 and state["finished"]
    # Current handlingar are served as stored: no second job.
    assert elin.get(f"/meetings/{meeting_id}/handlingar.pdf").data == response.data
    assert len(_jobs(app)) == 1


def test_a_failed_packet_says_why_and_is_tried_again(app, factory, make_client, login):
    ids = make_committee(factory)
    meeting_id = meeting_with_documents(app, ids["body"], documents=2)
    broken_id = documents_of(app, meeting_id)[1]
    with app.app_context():
        broken = db.session.get(Document, broken_id)
        broken.sha256 = store_bytes(b"%PDF-1.4 this is not really a PDF")
        db.session.commit()
    elin = make_client()
    login(elin, "elin@example.se")
    response = elin.get(f"/meetings/{meeting_id}/handlingar.pdf", follow_redirects=True)
    (job,) = _jobs(app)
    assert job.status == JobStatus.FAILED and "Bilaga 2" in job.error
    assert response.request.path == f"/jobs/{job.id}"
    page = response.get_data(as_text=True)
    assert "Handlingarna kunde inte sättas samman" in page and "Misslyckades" in page
    assert page.count(job.error.replace("'", "&#39;")) == 1  # said once, not flashed twice
    assert "Försök igen" in page
    assert packet_sha(app, meeting_id) is None  # nothing half made was kept
    # Others of the body who did not start the job do not see it.
    karin = factory.user("karin@example.se", person_id=ids["karin"])
    assert karin
    member = make_client()
    login(member, "karin@example.se")
    assert member.get(f"/jobs/{job.id}").status_code == 403
    assert member.get(f"/jobs/{job.id}.json").status_code == 403
    token = member.csrf_token("/")
    assert member.post(f"/jobs/{job.id}/retry", data={"csrf_token": token}).status_code == 403
    # Without a CSRF token the retry is refused.
    assert elin.post(f"/jobs/{job.id}/retry").status_code == 400
    # The secretary replaces the bad file; "Försök igen" builds the handlingar.
    with app.app_context():
        db.session.get(Document, broken_id).sha256 = store_bytes(blank_pdf(1))
        db.session.commit()
    response = _retry(elin, job.id, follow_redirects=True)
    assert response.request.path == f"/jobs/{job.id}"
    (job,) = _jobs(app)
    assert job.status == JobStatus.DONE and job.attempts == 2 and job.error is None
    assert job.result["sha256"] == packet_sha(app, meeting_id)
    assert "Öppna handlingarna (PDF)" in response.get_data(as_text=True)
    # A finished job is not run again.
    response = _retry_refused(elin, job.id)
    assert "Bara ett jobb som har misslyckats kan försökas igen." in response


def _retry_refused(client, job_id: int) -> str:
    token = client.csrf_token(f"/meetings/{_jobs_meeting(client, job_id)}")
    return client.post(
        f"/jobs/{job_id}/retry", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)


def _jobs_meeting(client, job_id: int) -> int:
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    return int(re.search(r'href="/meetings/(\d+)', page).group(1))


def test_the_kallelse_is_sent_by_a_job_and_a_failure_is_tried_again(
    app, factory, make_client, login, smtp_server, monkeypatch
):
    ids = make_committee(factory)
    elin = make_client()
    login(elin, "elin@example.se")
    response = elin.submit(
        f"/bodies/{ids['body']}/meetings/new", {"meeting_date": "2030-09-03", "mode": "on_site"}
    )
    meeting_id = int(re.search(r"/meetings/(\d+)/agenda", response.headers["Location"]).group(1))
    # The mail server is down: the job fails with the reason, nothing is recorded as sent.
    monkeypatch.setitem(app.config, "MAIL_PORT", 9)
    response = elin.submit(
        f"/meetings/{meeting_id}/kallelse",
        {"preliminary": "1"},
        form_url=f"/meetings/{meeting_id}/agenda",
        follow_redirects=True,
    )
    (job,) = _jobs(app)
    assert job.kind == "kallelse" and job.status == JobStatus.FAILED
    assert response.request.path == f"/jobs/{job.id}"
    page = response.get_data(as_text=True)
    assert "Kallelsen skickades inte: e-postservern kunde inte användas" in page
    assert "Försök igen" in page and f'href="/meetings/{meeting_id}/agenda"' in page
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.dispatches == [] and meeting.status == MeetingStatus.PLANNED
    # The server is back: "Försök igen" sends it, and the editor says so.
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.port)
    response = _retry(elin, job.id, follow_redirects=True)
    assert response.request.path == f"/meetings/{meeting_id}/agenda"
    assert "Kallelsen har skickats till 3 mottagare." in response.get_data(as_text=True)
    smtp_server.wait_for(3)
    (job,) = _jobs(app)
    assert job.status == JobStatus.DONE and job.result == {"sent": 3, "failed": []}
    assert job.attempts == 2
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert len(meeting.dispatches) == 1 and meeting.status == MeetingStatus.CONVENED
    page = elin.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Klart" in page and "Kallelsen har skickats till 3 mottagare." in page


def test_signing_the_minutes_is_a_job(app, factory, make_client, login, monkeypatch):
    ids = _group_with_minutes(app, factory)
    stina = make_client()
    login(stina, STINA)
    record_url = f"/meetings/{ids['meeting']}/record"
    # Signing breaks (the seal cannot be read): the record stays a draft, unsigned.
    monkeypatch.setitem(app.config, "SIGNING_PKCS12_PASSWORD", "wrong")
    response = stina.submit(
        f"/meetings/{ids['meeting']}/record/finalise", form_url=record_url, follow_redirects=True
    )
    (job,) = _jobs(app)
    assert job.kind == "sign_minutes" and job.status == JobStatus.FAILED, job.error
    assert response.request.path == f"/jobs/{job.id}"
    assert job.error.startswith("PDF:en kunde inte skapas, inget ändrades: Signeringscertifikatet")
    assert "Signeringscertifikatet kunde inte öppnas" in response.get_data(as_text=True)
    assert _state(app, ids) == (RecordStatus.DRAFT, 0, 0)
    monkeypatch.undo()
    response = _retry(stina, job.id, follow_redirects=True)
    assert response.request.path == record_url
    assert "Minnesanteckningarna är slutgiltiga och signerade av sekreteraren." in (
        response.get_data(as_text=True)
    )
    assert _state(app, ids) == (RecordStatus.FINAL, 1, 0)
    (job,) = _jobs(app)
    assert job.status == JobStatus.DONE and job.result["revision"] == 1
    with app.app_context():
        revision = justering.justered_revision(db.session.get(Meeting, ids["meeting"]))
        assert job.result["sha256"] == revision.signed_pdf_sha256
    page = stina.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f'href="/meetings/{ids["meeting"]}/record/1/original.pdf"' in page


def test_an_unreachable_broker_fails_the_job_with_the_reason(
    app, factory, make_client, login, monkeypatch
):
    from app.jobs.queue import init_celery

    ids = make_committee(factory)
    meeting_id = meeting_with_documents(app, ids["body"], documents=1)
    # A broker is configured, but nothing answers there.
    monkeypatch.setitem(app.config, "CELERY_BROKER_URL", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setitem(app.extensions, "celery", app.extensions["celery"])
    monkeypatch.setitem(app.extensions, "jobs_task", app.extensions["jobs_task"])
    init_celery(app)
    elin = make_client()
    login(elin, "elin@example.se")
    response = elin.get(f"/meetings/{meeting_id}/handlingar.pdf", follow_redirects=True)
    (job,) = _jobs(app)
    assert job.status == JobStatus.FAILED and response.request.path == f"/jobs/{job.id}"
    assert "Jobbet kunde inte lämnas till bakgrundsprocessen" in response.get_data(as_text=True)
    assert packet_sha(app, meeting_id) is None
    # The broker is back (here: none, so in process): "Försök igen" builds the handlingar.
    monkeypatch.undo()
    response = _retry(elin, job.id, follow_redirects=True)
    (job,) = _jobs(app)
    assert job.status == JobStatus.DONE and job.result["sha256"] == packet_sha(app, meeting_id)


def test_a_job_interrupted_again_and_again_stops(app, factory):
    from app.jobs.services import MAX_ATTEMPTS, run_job

    ids = make_committee(factory)
    meeting_id = meeting_with_documents(app, ids["body"], documents=1)
    with app.app_context():
        job = Job(
            kind="packet",
            status=JobStatus.RUNNING,  # as a redelivered message finds it
            attempts=MAX_ATTEMPTS,
            arguments={"meeting_id": meeting_id},
            body_id=ids["body"],
        )
        db.session.add(job)
        db.session.commit()
        run_job(job.id, live=False)
        db.session.refresh(job)
        assert job.status == JobStatus.FAILED
        assert job.error.startswith(f"Jobbet avbröts {MAX_ATTEMPTS} gånger")
    assert packet_sha(app, meeting_id) is None
