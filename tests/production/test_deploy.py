"""The production setup, followed as README "Drift" and "Bakgrundsjobb" say: ProductionConfig
from the environment on a fresh PostgreSQL database, `flask db upgrade`, an admin made with
`flask create-user`, gunicorn with `gunicorn.conf.py` (2 workers) and a Celery worker with
Redis as broker, each a process of its own. Then over real HTTP an admin logs in, makes a
säkerhetskopia (a background job the worker runs), follows its JSON until done and downloads
an archive whose manifest verifies.

Runs in the PostgreSQL pass (TEST_DATABASE_URL a PostgreSQL URL, as scripts/run-tests sets it);
it creates its own database on that server. Skipped where redis-server is missing, except in
CI (scripts/system-packages installs it)."""

import http.cookiejar
import io
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.backup.services import read_manifest, verify_archive
from app.signing.keys import init_dev_signing
from tests.conftest import CSRF_RE
from tests.redis_server import free_port, redis_server

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WAIT = 240  # seconds anything may take at most, on a busy machine
ADMIN = "drift@example.se"
ADMIN_PASSWORD = "ett långt lösenord för drift"


def _wait_until(condition: Callable[[], object], what: str, *logs: Path) -> object:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    detail = "\n".join(log.read_text(errors="replace")[-3000:] for log in logs if log.exists())
    raise AssertionError(f"gave up waiting for {what}\n{detail}")


def _postgres_server() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("the deploy test runs in the PostgreSQL pass (TEST_DATABASE_URL)")
    return url


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards."""
    server = make_url(_postgres_server())
    name = f"sekretariat_deploy_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    folder = tmp_path / "redis"
    folder.mkdir()
    with redis_server(folder) as url:
        yield url


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.fixture
def environment(tmp_path, database, redis_url) -> dict[str, str]:
    """What README "Drift" sets for the web app and the workers alike."""
    signing = init_dev_signing(tmp_path / "signing", password="drift-test")
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TEST_", "SIGNING_", "CELERY_", "GUNICORN_", "JOBS_TEST"))
    }
    environment.update(
        SEKRETARIAT_CONFIG="production",
        SECRET_KEY=uuid.uuid4().hex * 2,
        DATABASE_URL=database,
        STORAGE_PATH=str(tmp_path / "storage"),
        SIGNING_PKCS12=str(signing.seal),
        SIGNING_PKCS12_PASSWORD="drift-test",
        SIGNING_TRUST_ROOTS=str(signing.ca_cert),
        CELERY_BROKER_URL=redis_url,
        RATELIMIT_STORAGE_URI=redis_url,  # two workers share the login counts
        # Plain HTTP on loopback here; behind nginx's TLS the default (1) stays.
        SESSION_COOKIE_SECURE="0",
        MAIL_SUPPRESS_SEND="1",
    )
    return environment


def _flask(environment: dict[str, str], *arguments: str) -> str:
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "app:create_app", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert result.returncode == 0, f"flask {' '.join(arguments)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


class Browser:
    """urllib with a cookie jar: what a browser keeps between requests."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return self._open(urllib.request.Request(self.base + path))  # noqa: S310 - http only

    def post(self, path: str, data: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST")  # noqa: S310
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> tuple[int, dict[str, str], bytes]:
        try:
            with self.opener.open(request, timeout=WAIT) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def token(self, path: str) -> str:
        status, _headers, page = self.get(path)
        match = CSRF_RE.search(page.decode())
        assert status == 200 and match, f"no CSRF token on {path} ({status})"
        return match.group(1)


def test_the_readme_production_setup_runs_a_job(tmp_path, environment):
    logs = tmp_path / "logs"
    logs.mkdir()
    # 1. The migrations, once, then an administrator.
    _flask(environment, "db", "upgrade")
    created = _flask(
        environment, "create-user", "--email", ADMIN, "--password", ADMIN_PASSWORD, "--admin"
    )
    assert "(admin)" in created
    # 2. gunicorn with the repository's settings, and a Celery worker: their own process groups.
    port = free_port()
    processes: list[subprocess.Popen] = []

    def start(name: str, command: list[str], extra: dict[str, str]) -> Path:
        log = logs / f"{name}.log"
        with log.open("w") as output:
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env={**environment, **extra},
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        return log

    try:
        web_log = start(
            "gunicorn",
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"],
            {"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2"},
        )
        worker_log = start(
            "celery",
            [
                str(BIN / "celery"),
                "-A",
                "app.jobs.worker",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "-n",
                "deploy@%h",
            ],
            {},
        )
        browser = Browser(f"http://127.0.0.1:{port}")

        def serving() -> bool:
            for process in processes:
                assert process.poll() is None, web_log.read_text() + worker_log.read_text()
            try:
                return browser.get("/login")[0] == 200
            except OSError:
                return False

        _wait_until(serving, "gunicorn to answer", web_log)
        _wait_until(
            lambda: "ready." in worker_log.read_text(errors="replace"),
            "the Celery worker to start",
            worker_log,
        )
        # 3. Log in as the admin, as a browser does (the login page's CSRF token).
        status, headers, _body = browser.post(
            "/login",
            {"email": ADMIN, "password": ADMIN_PASSWORD, "csrf_token": browser.token("/login")},
        )
        assert status == 200, _body.decode(errors="replace")[-2000:]
        status, _headers, page = browser.get("/admin/export")
        assert status == 200 and "Skapa säkerhetskopia" in page.decode()
        # 4. Start the export: with a broker the request only queues it.
        status, headers, page = browser.post(
            "/admin/export", {"csrf_token": browser.token("/admin/export")}
        )
        assert status == 200, page.decode(errors="replace")[-2000:]
        ids = re.findall(r'data-status-url="/jobs/(\d+)\.json"', page.decode())
        assert ids, page.decode(errors="replace")[-2000:]
        job_id = ids[0]

        def finished() -> dict | None:
            status, _headers, body = browser.get(f"/jobs/{job_id}.json")
            assert status == 200
            state = json.loads(body)
            return state if state["finished"] else None

        state = _wait_until(finished, "the export job", worker_log, web_log)
        assert state["status"] == "done", state
        assert "Task sekretariat.jobs.run[" in worker_log.read_text(errors="replace")
        # 5. The archive, downloaded from the job's page, verifies against its manifest.
        status, _headers, page = browser.get(f"/jobs/{job_id}")
        assert status == 200 and f"/admin/export/{job_id}/download" in page.decode()
        status, headers, data = browser.get(f"/admin/export/{job_id}/download")
        assert status == 200 and headers["Content-Type"] == "application/x-tar"
        assert re.search(
            r"attachment; filename=sekretariat-\d{4}-\d{2}-\d{2}\.tar",
            headers["Content-Disposition"],
        )
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            manifest = read_manifest(archive)
            verify_archive(archive, manifest)
        assert manifest["database"] == "postgresql" and manifest["tables"]["users"] == 1
        assert manifest["alembic_revision"] is not None
    finally:
        for process in processes:
            _stop(process)
