"""A job whose worker died (killed, or the web server that ran it in process) does not run
forever: past its lease (JOB_LEASE_SECONDS) without a sign of life it is failed with the reason,
and asking again starts a new one. The clock is the real one; the job's stored timestamps are
set back instead of waiting."""

from datetime import timedelta

from sqlalchemy import select

from app.core.dates import local_stamp
from app.core.models import utcnow
from app.documents.storage import read_bytes
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.meetings.models import Meeting, MeetingStatus
from tests.agenda.helpers import make_committee
from tests.conftest import hidden
from tests.jobs.helpers import meeting_with_documents, packet_sha


def _convened_meeting_and_karin(app, factory) -> tuple[int, int]:
    """A meeting whose kallelse went out, and Karin, a member, who may read its handlingar."""
    ids = make_committee(factory)
    karin_user = factory.user("karin@example.se", person_id=ids["karin"])
    meeting_id = meeting_with_documents(app, ids["body"], documents=2)
    with app.app_context():
        db.session.get(Meeting, meeting_id).status = MeetingStatus.CONVENED
        db.session.commit()
    return meeting_id, karin_user


def _left_running(app, meeting_id: int, user_id: int, silent_for: timedelta) -> int:
    """A packet job as a killed server leaves it: running, its last beat ``silent_for`` ago."""
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        beat = utcnow() - silent_for
        job = Job(
            kind="packet",
            status=JobStatus.RUNNING,
            progress=0,
            step="Sätter ihop föredragningslistan",
            arguments={"meeting_id": meeting_id},
            body_id=meeting.body_id,
            started_by_id=user_id,
            attempts=1,
            created_at=beat - timedelta(seconds=5),
            started_at=beat,
            heartbeat_at=beat,
        )
        db.session.add(job)
        db.session.commit()
        return job.id


def _job(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def test_a_packet_job_left_running_past_its_lease_fails_and_a_new_one_serves(
    app, factory, make_client, login
):
    meeting_id, karin_id = _convened_meeting_and_karin(app, factory)
    lease = app.config["JOB_LEASE_SECONDS"]
    dead_id = _left_running(app, meeting_id, karin_id, timedelta(seconds=lease + 60))
    karin = make_client()
    login(karin, "karin@example.se")

    response = karin.get(f"/meetings/{meeting_id}/handlingar.pdf")
    # Karin gets the handlingar, built by a new job; the dead one is not followed.
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    with app.app_context():
        jobs = db.session.scalars(select(Job).order_by(Job.id)).all()
        assert len(jobs) == 2 and jobs[0].id == dead_id
        new = jobs[1]
        assert new.status == JobStatus.DONE and new.started_by_id == karin_id
        assert read_bytes(new.result["sha256"]) == response.data
    assert packet_sha(app, meeting_id) is not None

    dead = _job(app, dead_id)
    assert dead.status == JobStatus.FAILED and dead.finished_at is not None
    since = local_stamp(dead.heartbeat_at)
    assert dead.error.startswith(f"Jobbet avbröts: inga framsteg sedan {since}")
    # Its page says so, with "Försök igen".
    page = karin.get(f"/jobs/{dead_id}").get_data(as_text=True)
    assert "Misslyckades" in page and f"inga framsteg sedan {since}" in page
    assert f'action="/jobs/{dead_id}/retry"' in page and "Försök igen" in page


def test_a_job_within_its_lease_is_followed_not_restarted(app, factory, make_client, login):
    meeting_id, karin_id = _convened_meeting_and_karin(app, factory)
    lease = app.config["JOB_LEASE_SECONDS"]
    running_id = _left_running(app, meeting_id, karin_id, timedelta(seconds=lease - 60))
    karin = make_client()
    login(karin, "karin@example.se")

    response = karin.get(f"/meetings/{meeting_id}/handlingar.pdf")
    assert response.status_code == 302 and response.headers["Location"] == f"/jobs/{running_id}"
    page = karin.get(f"/jobs/{running_id}").get_data(as_text=True)
    assert '<progress id="job-progress"' in page and "Försök igen" not in page
    state = karin.get(f"/jobs/{running_id}.json").get_json()
    assert state["status"] == "running" and not state["finished"]
    with app.app_context():
        assert db.session.query(Job).count() == 1
    assert packet_sha(app, meeting_id) is None


def test_the_job_page_fails_a_dead_job_and_try_again_builds(app, factory, make_client, login):
    meeting_id, karin_id = _convened_meeting_and_karin(app, factory)
    lease = app.config["JOB_LEASE_SECONDS"]
    dead_id = _left_running(app, meeting_id, karin_id, timedelta(seconds=lease + 1))
    karin = make_client()
    login(karin, "karin@example.se")

    # The page polled by jobs.js sees it first: finished, failed, with the reason.
    state = karin.get(f"/jobs/{dead_id}.json").get_json()
    assert state["status"] == "failed" and state["finished"]
    assert state["error"].startswith("Jobbet avbröts: inga framsteg sedan")
    page = karin.get(f"/jobs/{dead_id}").get_data(as_text=True)
    response = karin.post(
        f"/jobs/{dead_id}/retry",
        data={"csrf_token": hidden(page, "csrf_token")},
        follow_redirects=True,
    )
    assert response.status_code == 200
    job = _job(app, dead_id)
    assert job.status == JobStatus.DONE and job.result["sha256"] == packet_sha(app, meeting_id)


def test_a_queued_job_no_worker_took_up_fails_saying_so(app, factory, make_client, login):
    meeting_id, karin_id = _convened_meeting_and_karin(app, factory)
    lease = app.config["JOB_LEASE_SECONDS"]
    with app.app_context():
        long_ago = utcnow() - timedelta(seconds=lease + 60)
        job = Job(
            kind="packet",
            status=JobStatus.QUEUED,
            arguments={"meeting_id": meeting_id},
            started_by_id=karin_id,
            created_at=long_ago,
            heartbeat_at=long_ago,
        )
        db.session.add(job)
        db.session.commit()
        queued_id = job.id
    karin = make_client()
    login(karin, "karin@example.se")
    response = karin.get(f"/meetings/{meeting_id}/handlingar.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    job = _job(app, queued_id)
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Jobbet avbröts: ingen bakgrundsprocess har tagit sig an det sedan")


def test_the_lease_is_set_per_kind(app, factory, make_client, login):
    meeting_id, karin_id = _convened_meeting_and_karin(app, factory)
    lease = app.config["JOB_LEASE_SECONDS"]
    job_id = _left_running(app, meeting_id, karin_id, timedelta(seconds=lease + 60))
    karin = make_client()
    login(karin, "karin@example.se")
    per_kind = app.config["JOB_LEASE_SECONDS_PER_KIND"]
    app.config["JOB_LEASE_SECONDS_PER_KIND"] = {**per_kind, "packet": lease + 600}
    try:
        state = karin.get(f"/jobs/{job_id}.json").get_json()
        assert state["status"] == "running"
    finally:
        app.config["JOB_LEASE_SECONDS_PER_KIND"] = per_kind
    assert karin.get(f"/jobs/{job_id}.json").get_json()["status"] == "failed"
