"""Production settings come from the environment; behind a proxy the app sees the client's
scheme and address."""

import pytest
from flask import request

from app.extensions import db
from config import ProductionConfig, TestingConfig
from tests.apps import another_app
from tests.conftest import CSRF_RE


def test_production_refuses_to_start_without_its_settings(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "STORAGE_PATH", "SIGNING_PKCS12"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="STORAGE_PATH") as error:
        ProductionConfig.check()
    assert "SECRET_KEY" in str(error.value) and "DATABASE_URL" in str(error.value)


def _remote(app) -> str:
    @app.get("/_proxy_probe")
    def probe():
        return f"{request.scheme} {request.remote_addr} {request.host}"

    response = app.test_client().get(
        "/_proxy_probe",
        headers={
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "sekretariat.example.se",
        },
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    return response.get_data(as_text=True)


def test_proxy_headers_are_trusted_only_when_configured(monkeypatch):
    with another_app() as plain:
        assert _remote(plain) == "http 127.0.0.1 localhost"

    monkeypatch.setattr(TestingConfig, "PROXY_FIX_X_FOR", 1)
    monkeypatch.setattr(TestingConfig, "PROXY_FIX_X_PROTO", 1)
    with another_app() as behind:
        # X-Forwarded-Host is not trusted unless PROXY_FIX_X_HOST is set.
        assert _remote(behind) == "https 203.0.113.7 localhost"


def test_forwarded_headers_count_only_from_the_trusted_proxy(monkeypatch):
    """Production trusts one proxy hop; a client that reaches gunicorn directly (its own
    address, not the proxy's) cannot name another address with X-Forwarded-For."""
    monkeypatch.setattr(TestingConfig, "PROXY_FIX_X_FOR", ProductionConfig.PROXY_FIX_X_FOR)
    monkeypatch.setattr(TestingConfig, "PROXY_FIX_X_PROTO", ProductionConfig.PROXY_FIX_X_PROTO)
    with another_app() as app:

        @app.get("/_direct_probe")
        def direct():
            return f"{request.scheme} {request.remote_addr}"

        def seen_from(peer: str) -> str:
            response = app.test_client().get(
                "/_direct_probe",
                headers={"X-Forwarded-For": "10.9.8.7", "X-Forwarded-Proto": "https"},
                environ_base={"REMOTE_ADDR": peer},
            )
            return response.get_data(as_text=True)

        assert seen_from("198.51.100.23") == "http 198.51.100.23"  # straight to gunicorn
        assert seen_from("127.0.0.1") == "https 10.9.8.7"  # through nginx on this host
        assert seen_from("::1") == "https 10.9.8.7"


def test_login_limits_hold_for_a_client_that_spoofs_its_address(monkeypatch):
    """The per-address login limit, with production's proxy settings, for a client that
    reaches the app directly and names a new X-Forwarded-For address on every attempt."""
    monkeypatch.setattr(TestingConfig, "PROXY_FIX_X_FOR", 1)
    with another_app("testing", {"LOGIN_RATE_LIMITS_ENABLED": True}) as app:
        with app.app_context():
            db.create_all()
        client = app.test_client()
        statuses = []
        for attempt in range(40):
            page = client.get("/login", environ_base={"REMOTE_ADDR": "198.51.100.23"})
            token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
            response = client.post(
                "/login",
                data={
                    "email": f"nobody{attempt}@example.se",
                    "password": "fel",
                    "csrf_token": token,
                },
                headers={"X-Forwarded-For": f"203.0.113.{attempt}"},
                environ_base={"REMOTE_ADDR": "198.51.100.23"},
            )
            statuses.append(response.status_code)
        assert 429 in statuses, statuses


def test_gunicorn_refuses_several_workers_with_per_worker_login_limits(tmp_path):
    """Each worker would count login attempts on its own: more than one worker needs
    RATELIMIT_STORAGE_URI (Redis), else gunicorn does not start."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    gunicorn = Path(sys.executable).parent / "gunicorn"
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GUNICORN_", "RATELIMIT_"))
    }
    environment.update(GUNICORN_WORKERS="3", GUNICORN_BIND="127.0.0.1:0")
    result = subprocess.run(
        [str(gunicorn), "-c", "gunicorn.conf.py"],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "RATELIMIT_STORAGE_URI" in result.stderr and "3 workers" in result.stderr


def test_one_worker_may_count_in_memory():
    import runpy
    from pathlib import Path
    from types import SimpleNamespace

    settings = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    settings["on_starting"](SimpleNamespace(cfg=SimpleNamespace(workers=1)))
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        settings["on_starting"](SimpleNamespace(cfg=SimpleNamespace(workers=2)))
