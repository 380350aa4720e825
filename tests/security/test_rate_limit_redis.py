"""With RATELIMIT_STORAGE_URI naming Redis, every worker counts login attempts together.

Two worker processes, each its own application (as two gunicorn workers are), share one real
Redis server: six wrong attempts in the first and five in the second make eleven, and the
eleventh is refused. With the default memory storage each would count only its own.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.redis_server import redis_server

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


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    with redis_server(tmp_path) as url:
        yield url


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
