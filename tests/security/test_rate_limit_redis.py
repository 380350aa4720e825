"""With RATELIMIT_STORAGE_URI naming Redis, every worker counts login attempts together.

Two worker processes, each its own application (as two gunicorn workers are), share one real
Redis server: six wrong attempts in the first and five in the second make eleven, and the
eleventh is refused. With the default memory storage each would count only its own.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

WORKER = """
import json, sys
from app import create_app
from app.extensions import db

app = create_app("testing")
app.config.update(LOGIN_RATE_LIMITS_ENABLED=True, WTF_CSRF_ENABLED=False)
with app.app_context():
    db.create_all()
client = app.test_client()
statuses = [
    client.post("/login", data={"email": "anna@example.se", "password": "fel lösenord"}).status_code
    for _ in range(int(sys.argv[1]))
]
print(json.dumps(statuses))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        reason = "redis-server not installed (Debian: redis-server; scripts/system-packages)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and CI must run this check")
        pytest.skip(reason)
    port = _free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _worker(redis_url: str, attempts: int) -> list[int]:
    import json

    env = {**os.environ, "RATELIMIT_STORAGE_URI": redis_url, "TEST_DATABASE_URL": "sqlite://"}
    result = subprocess.run(
        [sys.executable, "-c", WORKER, str(attempts)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_workers_share_the_count_in_redis(redis_url):
    assert _worker(redis_url, 6) == [422] * 6
    assert _worker(redis_url, 5) == [422] * 4 + [429]
