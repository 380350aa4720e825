"""The packet job for real: a Redis server and Celery worker processes started here, a database
shared with them (a temporary SQLite file, or TEST_DATABASE_URL's PostgreSQL), the page's JSON
read while the worker builds, and a worker killed half-way whose job a new worker finishes.

Skipped where redis-server is missing, except in CI (scripts/system-packages installs it)."""

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader

from app import create_app
from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.bodies.models import Body, BodyKind, Membership, MembershipFunction, MembershipKind, Term
from app.documents.storage import read_bytes
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.organisations.models import Organisation, OrganisationKind
from app.people.models import Person
from tests.conftest import PASSWORD, Client
from tests.jobs.helpers import meeting_with_documents, packet_sha
from tests.redis_server import redis_server

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = 4  # four beslutsunderlag of two pages each: a few steps to watch
WAIT = 180  # seconds a worker may take at most, on a busy machine


def _wait_until(condition: Callable[[], object], what: str, log: Path | None = None) -> object:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    detail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    raise AssertionError(f"gave up waiting for {what}\n{detail}")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def shared(app, tmp_path, redis_url) -> dict[str, str]:
    """What the test and its workers share: the database, the file storage, the broker."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # no job left over from an earlier test
    database = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'jobs.db'}"
    return {
        "database": database,
        "storage": str(tmp_path / "storage"),
        "broker": redis_url,
        "folder": str(tmp_path),
    }


@pytest.fixture
def web(shared) -> Iterator[Flask]:
    """The web side: the app as a web server would run it, with the broker configured."""
    web_app = create_app(
        "testing",
        overrides={
            "SQLALCHEMY_DATABASE_URI": shared["database"],
            "STORAGE_PATH": shared["storage"],
            "CELERY_BROKER_URL": shared["broker"],
        },
    )
    with web_app.app_context():
        db.create_all()
    web_app.test_client_class = Client
    yield web_app
    with web_app.app_context():
        db.session.remove()
        if shared["database"].startswith("sqlite"):
            db.drop_all()
        db.engine.dispose()


class Workers:
    """Celery workers in their own process groups, as `celery -A app.jobs.worker worker`."""

    def __init__(self, shared: dict[str, str]) -> None:
        self.shared = shared
        self.running: list[subprocess.Popen] = []
        self.count = 0

    def start(self, *, step_delay: float, visibility_timeout: int = 3600) -> subprocess.Popen:
        self.count += 1
        self.log = Path(self.shared["folder"]) / f"worker{self.count}.log"
        env = {
            **os.environ,
            "SEKRETARIAT_CONFIG": "testing",
            "TEST_DATABASE_URL": self.shared["database"],
            "TEST_STORAGE_PATH": self.shared["storage"],
            "TEST_CELERY_BROKER_URL": self.shared["broker"],
            "JOBS_TEST_STEP_DELAY": str(step_delay),
            "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
            # The keys a test made for signing (tests/jobs/test_justering_worker.py).
            "TEST_SIGNING_DIR": str(Path(self.shared["folder"]) / "signing"),
        }
        with self.log.open("w") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "app.jobs.worker",
                    "worker",
                    "--loglevel=INFO",
                    "--pool=prefork",
                    "--concurrency=1",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-n",
                    f"test{self.count}@%h",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed with its pool
            )
        self.running.append(process)
        _wait_until(
            lambda: "ready." in self.log.read_text(errors="replace") or process.poll() is not None,
            "the worker to start",
            self.log,
        )
        assert process.poll() is None, self.log.read_text(errors="replace")
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool: no chance to give the job back."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=30)


@pytest.fixture
def workers(shared) -> Iterator[Workers]:
    pool = Workers(shared)
    yield pool
    pool.stop_all()


def _secretary_and_meeting(web: Flask) -> int:
    """Kulturnämnden, its secretary Elin (who can log in) and a meeting with beslutsunderlag."""
    with web.app_context():
        organisation = Organisation(
            name="Testkommun", short_name="Testkommun", kind=OrganisationKind.MUNICIPALITY
        )
        body = Body(name="Kulturnämnden", organisation=organisation, kind=BodyKind.COMMITTEE)
        term = Term(body=body, label="2027–2030")
        elin = Person(name="Elin Hellström", email="elin@example.se")
        db.session.add_all([organisation, body, term, elin])
        db.session.flush()
        db.session.add(
            Membership(
                person_id=elin.id,
                body_id=body.id,
                term_id=term.id,
                kind=MembershipKind.STAFF,
                function=MembershipFunction.SECRETARY,
            )
        )
        db.session.add(
            User(email="elin@example.se", password_hash=hash_password(PASSWORD), person_id=elin.id)
        )
        db.session.commit()
        body_id = body.id
    return meeting_with_documents(web, body_id, documents=DOCUMENTS)


def _logged_in(web: Flask) -> Client:
    client = web.test_client()
    response = client.submit("/login", {"email": "elin@example.se", "password": PASSWORD})
    assert response.status_code == 302
    return client  # type: ignore[return-value]


def _start_packet(client: Client, meeting_id: int) -> int:
    response = client.get(f"/meetings/{meeting_id}/handlingar.pdf")
    assert response.status_code == 302, "with a broker the handlingar are built by a worker"
    location = response.headers["Location"]
    assert location.startswith("/jobs/"), location
    return int(location.rsplit("/", 1)[1])


def _check_packet(web: Flask, meeting_id: int, job: dict) -> int:
    """The job's result is the meeting's stored handlingar: agenda, then every document.
    Returns how many times the job was started."""
    with web.app_context():
        stored = db.session.get(Job, job["id"])
        assert stored.status == JobStatus.DONE and stored.error is None
        assert stored.result["sha256"] == packet_sha(web, meeting_id)
        packet = PdfReader(io.BytesIO(read_bytes(stored.result["sha256"])))
        bookmarks = [item for item in packet.outline if not isinstance(item, list)]
        attempts = stored.attempts
    assert bookmarks[0].title == "Föredragningslista"
    assert [b.title for b in bookmarks[1:]] == [
        next(b.title for b in bookmarks if "Budget" in b.title)
    ]
    assert len(packet.pages) >= 1 + 2 * DOCUMENTS
    assert "Sida 1 (" in packet.pages[0].extract_text()
    return attempts


def test_the_packet_job_runs_on_a_worker_and_shows_progress(web, workers):
    meeting_id = _secretary_and_meeting(web)
    workers.start(step_delay=0.5)
    elin = _logged_in(web)
    job_id = _start_packet(elin, meeting_id)
    # Asking again while the worker builds follows the same job.
    assert _start_packet(elin, meeting_id) == job_id
    seen: list[tuple[str, int, str]] = []
    page_while_running = None

    def finished() -> dict | None:
        nonlocal page_while_running
        state = elin.get(f"/jobs/{job_id}.json").get_json()
        if state["status"] == "running" and (
            not seen
            or seen[-1][1:]
            != (
                state["progress"],
                state["step"],
            )
        ):
            seen.append((state["status"], state["progress"], state["step"]))
            if page_while_running is None and 0 < state["progress"] < 100:
                page_while_running = elin.get(f"/jobs/{job_id}").get_data(as_text=True)
        return state if state["finished"] else None

    state = _wait_until(finished, "the packet job to finish", workers.log)
    assert state["status"] == "done", state
    # The worker's steps reached the page while it worked, in order.
    steps = [step for _status, _progress, step in seen]
    assert any(step.startswith("Lägger till dokument") for step in steps), seen
    progress = [value for _status, value, _step in seen]
    assert progress == sorted(progress) and any(0 < value < 100 for value in progress), seen
    # The page while running: the progress bar, the step, the script and the plain link.
    assert page_while_running is not None, seen
    assert '<progress id="job-progress" max="100"' in page_while_running
    assert "js/jobs.js" in page_while_running and ">Uppdatera</a>" in page_while_running
    assert _check_packet(web, meeting_id, state) == 1
    # Done: the page links to the handlingar, which are now served as stored.
    page = elin.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Klart" in page and f'href="/meetings/{meeting_id}/handlingar.pdf"' in page
    served = elin.get(f"/meetings/{meeting_id}/handlingar.pdf")
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    with web.app_context():
        assert db.session.query(Job).count() == 1


def test_a_job_whose_worker_is_killed_is_finished_by_a_new_worker(web, workers):
    meeting_id = _secretary_and_meeting(web)
    # Redis gives an unacknowledged job to another worker after three seconds.
    first = workers.start(step_delay=1.0, visibility_timeout=3)
    first_log = workers.log
    elin = _logged_in(web)
    job_id = _start_packet(elin, meeting_id)

    def half_way() -> dict | None:
        state = elin.get(f"/jobs/{job_id}.json").get_json()
        assert not state["finished"], state
        return state if state["status"] == "running" and state["progress"] >= 10 else None

    _wait_until(half_way, "the first worker to be half-way", first_log)
    workers.kill(first)
    state = elin.get(f"/jobs/{job_id}.json").get_json()
    assert state["status"] == "running" and state["progress"] < 100, state
    assert packet_sha(web, meeting_id) is None  # nothing of the half-done work was saved

    workers.start(step_delay=0.0, visibility_timeout=3)

    def finished() -> dict | None:
        state = elin.get(f"/jobs/{job_id}.json").get_json()
        return state if state["finished"] else None

    state = _wait_until(finished, "the second worker to finish the job", workers.log)
    assert state["status"] == "done", state
    assert _check_packet(web, meeting_id, state) == 2  # run again from the start, once
    served = elin.get(f"/meetings/{meeting_id}/handlingar.pdf")
    assert served.status_code == 200 and served.mimetype == "application/pdf"


def _silence(web: Flask, job_id: int, seconds: int) -> None:
    """Set the job's last sign of life ``seconds`` back, as if that long had passed."""
    from datetime import timedelta

    with web.app_context():
        job = db.session.get(Job, job_id)
        job.heartbeat_at = job.heartbeat_at - timedelta(seconds=seconds)
        db.session.commit()


def test_a_job_whose_worker_is_killed_and_not_replaced_fails_after_its_lease(web, workers):
    meeting_id = _secretary_and_meeting(web)
    first = workers.start(step_delay=1.0, visibility_timeout=3)
    elin = _logged_in(web)
    job_id = _start_packet(elin, meeting_id)

    def half_way() -> dict | None:
        state = elin.get(f"/jobs/{job_id}.json").get_json()
        assert not state["finished"], state
        return state if state["status"] == "running" and state["progress"] >= 10 else None

    _wait_until(half_way, "the worker to be half-way", workers.log)
    workers.kill(first)
    # No worker takes it up. Within its lease the job is still followed...
    assert _start_packet(elin, meeting_id) == job_id
    assert elin.get(f"/jobs/{job_id}.json").get_json()["status"] == "running"
    # ... past it, it is failed with the reason, and asking again starts a new job.
    _silence(web, job_id, web.config["JOB_LEASE_SECONDS"] + 1)
    new_id = _start_packet(elin, meeting_id)
    assert new_id != job_id
    state = elin.get(f"/jobs/{job_id}.json").get_json()
    assert state["status"] == "failed" and state["finished"], state
    assert state["error"].startswith("Jobbet avbröts: inga framsteg sedan"), state
    page = elin.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Försök igen" in page

    # A worker comes back: it builds the new job, and the old message (given back by Redis)
    # finds its job failed and leaves it so.
    workers.start(step_delay=0.0, visibility_timeout=3)
    with web.app_context():
        old_task = db.session.get(Job, job_id).task_id

    def finished() -> dict | None:
        state = elin.get(f"/jobs/{new_id}.json").get_json()
        return state if state["finished"] else None

    state = _wait_until(finished, "the new worker to build the new job", workers.log)
    assert state["status"] == "done", state
    assert _check_packet(web, meeting_id, state) == 1
    _wait_until(
        lambda: f"[{old_task}] succeeded" in workers.log.read_text(errors="replace"),
        "the old job's message to be delivered again",
        workers.log,
    )
    with web.app_context():
        old = db.session.get(Job, job_id)
        assert old.status == JobStatus.FAILED and old.attempts == 1
    served = elin.get(f"/meetings/{meeting_id}/handlingar.pdf")
    assert served.status_code == 200 and served.mimetype == "application/pdf"


def test_a_worker_whose_job_was_failed_for_silence_stops_and_saves_nothing(web, workers):
    meeting_id = _secretary_and_meeting(web)
    workers.start(step_delay=2.0)
    elin = _logged_in(web)
    job_id = _start_packet(elin, meeting_id)

    def started() -> dict | None:
        state = elin.get(f"/jobs/{job_id}.json").get_json()
        return state if state["status"] == "running" and state["progress"] >= 5 else None

    _wait_until(started, "the worker to start the job", workers.log)
    # The worker is slower than the lease allows (here: its beat is set back).
    _silence(web, job_id, web.config["JOB_LEASE_SECONDS"] + 1)
    state = elin.get(f"/jobs/{job_id}.json").get_json()
    assert state["status"] == "failed", state
    _wait_until(
        lambda: "was given up while this worker ran it" in workers.log.read_text(errors="replace"),
        "the worker to notice",
        workers.log,
    )
    with web.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == JobStatus.FAILED and job.error.startswith("Jobbet avbröts")
    assert packet_sha(web, meeting_id) is None  # nothing of its work was saved
