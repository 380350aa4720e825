"""Security on every response: the headers (a strict Content-Security-Policy) and login limits.

One place sets the headers for the whole application; views set none of their own, except
the OParl API, which adds ``Access-Control-Allow-Origin: *`` for its open data.

The pages carry no inline script or style (templates have no ``<script>``, ``<style>`` or
``style=``), so the policy allows scripts and styles from our own origin only: text a user
typed can never run as script even if it slipped past the sanitiser.
"""

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from app.core.retention import install_retention_guard

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

#: A year, subdomains included: production is served over HTTPS only.
HSTS = "max-age=31536000; includeSubDomains"

# Login attempts are limited per client address and per account. The storage is memory by
# default (one process); RATELIMIT_STORAGE_URI names a shared one (redis://...) in production.
limiter = Limiter(key_func=get_remote_address)


def login_account_key() -> str:
    """The account a login attempt is for: the address typed, as accounts are looked up."""
    return "account:" + (request.form.get("email") or "").strip().lower()


def login_limits(view: Callable[..., Any]) -> Callable[..., Any]:
    """The login view's limits: POSTs only (showing the form costs nothing). The limits are
    read from the configuration on each request."""
    per_account = limiter.shared_limit(
        lambda: _limit("LOGIN_RATE_LIMIT_PER_ACCOUNT"),
        scope="login-account",
        key_func=login_account_key,
        methods=["POST"],
        exempt_when=_limits_off,
    )
    per_address = limiter.shared_limit(
        lambda: _limit("LOGIN_RATE_LIMIT_PER_ADDRESS"),
        scope="login-address",
        methods=["POST"],
        exempt_when=_limits_off,
    )
    return per_address(per_account(view))


def _limit(name: str) -> str:
    return current_app.config[name]


def _limits_off() -> bool:
    return not current_app.config["LOGIN_RATE_LIMITS_ENABLED"]


def install_security(app: Flask) -> None:
    """Limit logins, give every response the security headers, keep records with legal
    weight from being deleted (app/core/retention.py)."""
    install_retention_guard()
    limiter.init_app(app)

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SECURITY_HSTS"):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
