"""Security headers on every response; a Content-Security-Policy the templates can live with."""

import re
from pathlib import Path

import pytest

from app.core.security import CONTENT_SECURITY_POLICY, HSTS
from tests.conftest import ADMIN

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def _check(response, url: str) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{name} on {url}"
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), url
    assert "Strict-Transport-Security" not in response.headers, url  # not over plain http


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/login",
        "/bodies/",
        "/no-such-page",
        "/static/css/app.css",
        "/oparl/v1/",
        "/anslagstavla.atom",
        "/search?q=x",
    ],
)
def test_every_kind_of_response_has_the_headers(client, url):
    response = client.get(url)
    _check(response, url)
    response.close()  # a static file is streamed from an open file


def test_errors_and_posts_have_them_too(client):
    _check(client.post("/login", data={}), "POST /login without a token")  # 400
    _check(client.post("/bodies/1/edit"), "POST without login")


def test_pages_of_a_logged_in_admin_and_pdfs(demo, client, login_demo):
    login_demo(client, ADMIN)
    for url in ("/admin/audit", "/users", "/account", "/beslut"):
        _check(client.get(url), url)


def test_the_open_data_api_keeps_its_cors_header(client):
    response = client.get("/oparl/v1/")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/").headers.get("Access-Control-Allow-Origin") is None


def test_hsts_in_production(app, client):
    app.config["SECURITY_HSTS"] = True
    try:
        assert client.get("/").headers["Strict-Transport-Security"] == HSTS
    finally:
        app.config["SECURITY_HSTS"] = False
    assert "max-age=31536000" in HSTS


def test_templates_need_no_inline_script_or_style():
    """What the policy forbids is not in any template: no <script> without src, no <style>,
    no style="..." and no on...= handlers (JS lives in static/js, CSS in static/css)."""
    offending = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if path.parts[-2] == "pdf":
            continue  # rendered by WeasyPrint only, never served to a browser
        text = path.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)", r"<style\b", r"\bstyle=", r"\son[a-z]+\s*="):
            for match in re.finditer(pattern, text, re.IGNORECASE):
                offending.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert offending == []
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
