"""Production settings come from the environment; behind a proxy the app sees the client's
scheme and address."""

import pytest

from config import ProductionConfig, TestingConfig


def test_production_refuses_to_start_without_its_settings(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "STORAGE_PATH", "SIGNING_PKCS12"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="STORAGE_PATH") as error:
        ProductionConfig.check()
    assert "SECRET_KEY" in str(error.value) and "DATABASE_URL" in str(error.value)


def _remote(app) -> str:
    @app.get("/_proxy_probe")
    def probe():
        from flask import request

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
    from app import create_app

    plain = create_app("testing")
    assert _remote(plain) == "http 127.0.0.1 localhost"

    monkeypatch.setattr(TestingConfig, "PROXY_FIX_X_FOR", 1)
    monkeypatch.setattr(TestingConfig, "PROXY_FIX_X_PROTO", 1)
    behind = create_app("testing")
    # X-Forwarded-Host is not trusted unless PROXY_FIX_X_HOST is set.
    assert _remote(behind) == "https 203.0.113.7 localhost"
