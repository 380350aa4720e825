"""Justering on real workers: the secretary's signing and sending, then the chair and the
justerare approving at the same moment on two Celery workers (Redis as broker, a database
shared with them). Whichever saves second builds on the first one's PDF: the signed original
carries all three signatures.

Skipped where redis-server is missing, except in CI (see tests/jobs/test_worker.py)."""

import os
import shutil
from collections.abc import Iterator

import pytest
from flask import Flask

from app import create_app
from app.documents.storage import read_bytes
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.justering import services
from app.justering.models import RoundStatus, SignoffRole
from app.meetings.models import RecordStatus
from app.signing.keys import init_dev_signing
from app.signing.verify import verify_pdf
from tests.conftest import Client
from tests.jobs.test_worker import Workers, _wait_until, redis_url  # noqa: F401 - a fixture
from tests.justering.helpers import ANNA, BO, STINA, committee_with_record, meeting


@pytest.fixture
def shared(tmp_path, redis_url) -> dict[str, str]:  # noqa: F811
    """What the test and its workers share: the database, files, keys and the broker."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    database = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'jobs.db'}"
    return {
        "database": database,
        "storage": str(tmp_path / "storage"),
        "broker": redis_url,
        "folder": str(tmp_path),
    }


@pytest.fixture
def app(shared) -> Iterator[Flask]:
    """Here the web app (and so the factory and the clients) uses the workers' database and
    broker, and signs with keys the workers read too (TEST_SIGNING_DIR)."""
    signing = os.path.join(shared["folder"], "signing")
    web_app = create_app(
        "testing",
        overrides={
            "SQLALCHEMY_DATABASE_URI": shared["database"],
            "STORAGE_PATH": shared["storage"],
            "CELERY_BROKER_URL": shared["broker"],
            "SIGNING_DIR": signing,
        },
    )
    init_dev_signing(signing, password=web_app.config["SIGNING_PKCS12_PASSWORD"])
    with web_app.app_context():
        db.create_all()
    web_app.test_client_class = Client
    yield web_app
    shutil.rmtree(signing, ignore_errors=True)
    with web_app.app_context():
        db.session.remove()
        if shared["database"].startswith("sqlite"):
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def workers(shared) -> Iterator[Workers]:
    pool = Workers(shared)
    yield pool
    pool.stop_all()


def _started_job(response) -> int:
    assert response.status_code == 302, "with a broker the signing is done by a worker"
    location = response.headers["Location"]
    assert location.startswith("/jobs/"), location
    return int(location.rsplit("/", 1)[1])


def _finished(app: Flask, job_id: int, log) -> Job:
    def done() -> Job | None:
        with app.app_context():
            job = db.session.get(Job, job_id)
            if job.is_finished:
                db.session.expunge(job)
                return job
            return None

    return _wait_until(done, f"job {job_id} to finish", log)  # type: ignore[return-value]


def test_two_approvals_on_two_workers_at_once_keep_every_signature(
    app, factory, make_client, login, workers
):
    ids = committee_with_record(app, factory)
    record_url = f"/meetings/{ids['meeting']}/record"
    stina, anna, bo = (make_client() for _ in range(3))
    for client, email in ((stina, STINA), (anna, ANNA), (bo, BO)):
        login(client, email)
    # Each step waits a second: both approvals are under way together.
    workers.start(step_delay=1.0)
    workers.start(step_delay=1.0)

    job_id = _started_job(
        stina.submit(f"/meetings/{ids['meeting']}/justering", form_url=record_url)
    )
    job = _finished(app, job_id, workers.log)
    assert job.status == JobStatus.DONE, job.error
    page = stina.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Klart" in page and "Protokollet är signerat av dig och skickat på justering." in page
    with app.app_context():
        justering = services.open_round(meeting(ids))
        review_url = f"/justering/{justering.id}"
        signoffs = {s.role: s.id for s in justering.signoffs}
    approvals = [
        _started_job(
            client.submit(f"/justering/signoffs/{signoffs[role]}/approve", form_url=review_url)
        )
        for client, role in ((anna, SignoffRole.CHAIR), (bo, SignoffRole.ADJUSTER))
    ]
    for approval in approvals:
        job = _finished(app, approval, workers.log)
        assert job.status == JobStatus.DONE, job.error
    page = anna.get(f"/jobs/{approvals[0]}").get_data(as_text=True)
    assert "Du har godkänt och signerat protokollet." in page

    with app.app_context():
        justering = services.rounds_of(meeting(ids))[-1]
        assert justering.status == RoundStatus.COMPLETED
        assert meeting(ids).record_status == RecordStatus.FINAL
        original = read_bytes(services.justered_revision(meeting(ids)).signed_pdf_sha256)
        assert original == services.round_pdf(justering)
        report = verify_pdf(original)
        assert report.valid, report
        assert sorted(s.field for s in report.signatures) == [
            "justerare-1",
            "ordforande",
            "sekreterare",
        ]
