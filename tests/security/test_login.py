"""Logging in: rate limits, no user enumeration, cookies, session rotation, logging out
everywhere, password rules."""

import re
from http.cookies import SimpleCookie

import pytest
from sqlalchemy import select

from app.accounts import passwords, services
from app.accounts.models import User
from app.accounts.passwords import password_problem
from app.core.security import limiter
from app.extensions import db
from tests.conftest import PASSWORD

EMAIL = "anna@example.se"


@pytest.fixture
def rate_limited(app):
    """Login limits on, as in production (the suite runs with them off), counted afresh."""
    app.config["LOGIN_RATE_LIMITS_ENABLED"] = True
    limiter.reset()
    yield app
    app.config["LOGIN_RATE_LIMITS_ENABLED"] = False
    limiter.reset()


def _attempt(client, email: str, password: str, **kwargs):
    token = client.csrf_token("/login")
    return client.post(
        "/login", data={"csrf_token": token, "email": email, "password": password}, **kwargs
    )


def _cookies(response) -> dict[str, SimpleCookie]:
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            cookies[name] = (morsel, header)
    return cookies


# -- rate limits ---------------------------------------------------------------------------------


def test_ten_wrong_passwords_a_minute_then_the_account_is_refused(rate_limited, client, factory):
    factory.user(EMAIL)
    for _ in range(10):
        assert _attempt(client, EMAIL, "fel lösenord igen").status_code == 422
    refused = _attempt(client, EMAIL, PASSWORD)  # even the right one, for now
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "För många inloggningsförsök" in page
    assert "Retry-After" in refused.headers
    # Another account from elsewhere is not affected by this one's limit.
    factory.user("bertil@example.se")
    other = client.application.test_client()
    response = _attempt(
        other, "bertil@example.se", PASSWORD, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert response.status_code == 302


def test_one_address_trying_many_accounts_is_refused(rate_limited, client):
    statuses = [
        _attempt(client, f"user{n}@example.se", "vad som helst 123").status_code for n in range(31)
    ]
    assert statuses[:30] == [422] * 30
    assert statuses[30] == 429


def test_showing_the_login_form_is_not_limited(rate_limited, client):
    assert all(client.get("/login").status_code == 200 for _ in range(40))


def test_limits_are_off_in_the_test_configuration(app, client, factory):
    factory.user(EMAIL)
    assert all(_attempt(client, EMAIL, "fel").status_code == 422 for _ in range(15))


# -- no user enumeration ---------------------------------------------------------------------------


def test_unknown_email_and_wrong_password_do_the_same_work(app, client, factory, monkeypatch):
    factory.user(EMAIL)
    factory.user("inaktiv@example.se", active=False)
    verifications: list[str] = []
    real = passwords.verify_password

    def counting(password_hash, password):
        verifications.append(password_hash)
        return real(password_hash, password)

    hashes: list[str] = []
    real_hash = passwords.hash_password
    monkeypatch.setattr(passwords, "verify_password", counting)
    monkeypatch.setattr(services, "verify_password", counting)
    monkeypatch.setattr(services, "hash_password", lambda p: hashes.append(p) or real_hash(p))
    answers = {}
    for email, password in (
        (EMAIL, "fel lösenord här"),
        ("ingen@example.se", "fel lösenord här"),
        ("inaktiv@example.se", PASSWORD),
    ):
        _attempt(client, email, password)  # the first unknown address may make the dummy hash
        verifications.clear()
        hashes.clear()
        response = _attempt(client, email, password)
        answers[email] = (response.status_code, _flash(response.get_data(as_text=True)))
        assert len(verifications) == 1, email  # one argon2 verification, known or not
        assert hashes == [], email  # and no hashing on the way
    assert len(set(answers.values())) == 1, answers
    assert answers[EMAIL] == (422, "Fel e-postadress eller lösenord.")


def _flash(page: str) -> str:
    match = re.search(r'class="flash flash-error"[^>]*>([^<]*)<', page)
    return match.group(1) if match else ""


# -- cookies and session rotation ------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite_lax(client, factory):
    factory.user(EMAIL)
    response = _attempt(client, EMAIL, PASSWORD)
    morsel, header = _cookies(response)["session"]
    assert morsel["httponly"] and morsel["samesite"] == "Lax", header
    assert not morsel["secure"]  # plain http in development and tests


def test_production_cookies_are_secure():
    from config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE and ProductionConfig.REMEMBER_COOKIE_SECURE
    assert (
        ProductionConfig.SESSION_COOKIE_HTTPONLY
        and ProductionConfig.SESSION_COOKIE_SAMESITE == "Lax"
    )
    assert ProductionConfig.SECURITY_HSTS


def test_secure_flag_is_sent_when_configured(app, client, factory):
    factory.user(EMAIL)
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        response = _attempt(client, EMAIL, PASSWORD, base_url="https://localhost")
        morsel, header = _cookies(response)["session"]
        assert morsel["secure"] and morsel["httponly"], header
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False


def test_login_starts_a_new_session(client, factory):
    """What was in the session before login (say, planted by an attacker) is gone after it."""
    factory.user(EMAIL)
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    before = client.get_cookie("session").value
    _attempt(client, EMAIL, PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{_user_id(client.application)}:")
    assert client.get_cookie("session").value != before


def _user_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == EMAIL))


def test_logging_out_everywhere_ends_every_session(app, make_client, login, factory):
    factory.user(EMAIL)
    laptop, phone = make_client(), make_client()
    login(laptop, EMAIL)
    login(phone, EMAIL)
    stolen = phone.get_cookie("session").value  # a copy of the phone's cookie
    assert phone.get("/account").status_code == 200

    token = laptop.csrf_token("/account")
    response = laptop.post("/account/logout-everywhere", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")

    for client in (laptop, phone):
        assert client.get("/account").status_code == 302  # to the login page
    thief = make_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/account").status_code == 302
    login(laptop, EMAIL)  # a fresh login works
    assert laptop.get("/account").status_code == 200


def test_logging_out_ends_that_session_on_the_server(app, make_client, login, factory):
    """A plain *Logga ut*: a copy of the cookie taken before is refused afterwards, while the
    account's other sessions go on."""
    from app.accounts.models import LoginSession

    factory.user(EMAIL)
    laptop, phone = make_client(), make_client()
    login(laptop, EMAIL)
    login(phone, EMAIL)
    copied = laptop.get_cookie("session").value
    token = laptop.csrf_token("/account")
    response = laptop.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 302

    thief = make_client()
    thief.set_cookie("session", copied)
    response = thief.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert phone.get("/account").status_code == 200  # the other session goes on
    with app.app_context():
        sessions = db.session.scalars(select(LoginSession).order_by(LoginSession.id)).all()
        assert [s.ended_at is not None for s in sessions] == [True, False]
        # Only a hash of the cookie's token is kept.
        assert all(len(s.token_sha256) == 64 for s in sessions)


def test_the_account_page_has_the_button(make_client, login, factory):
    factory.user(EMAIL)
    client = make_client()
    login(client, EMAIL)
    page = client.get("/account").get_data(as_text=True)
    assert 'action="/account/logout-everywhere"' in page and "Logga ut överallt" in page


# -- passwords -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password, problem",
    [
        ("kort", "minst 12 tecken"),
        ("anna@example.se", "inte vara din e-postadress"),
        ("Anna@Example.se1", "inte vara din e-postadress"),
        ("anna i kulturnämnden", None),  # containing the name is not being the address
        ("lösenordlösenord", "för vanligt"),
        ("Sekretariat2024!", "för vanligt"),
        ("123456789012", "för vanligt"),
        ("aaaaaaaaaaaaaa", "för vanligt"),
        ("x" * 201, "högst 200 tecken"),
        ("korrekt häst batteri häftklammer", None),
    ],
)
def test_password_rules(app, password, problem):
    with app.test_request_context():
        found = password_problem(password, EMAIL)
    if problem is None:
        assert found is None
    else:
        assert found and problem in found, found


def test_changing_ones_password_checks_the_rules_and_ends_other_sessions(
    make_client, login, factory
):
    factory.user(EMAIL)
    me, other = make_client(), make_client()
    login(me, EMAIL)
    login(other, EMAIL)

    def change(current, new, repeat=None):
        token = me.csrf_token("/account")
        return me.post(
            "/account",
            data={
                "csrf_token": token,
                "current_password": current,
                "new_password": new,
                "repeat_password": new if repeat is None else repeat,
            },
        )

    wrong = change("inte mitt lösenord", "ett helt nytt lösenord")
    assert wrong.status_code == 422 and "Det nuvarande lösenordet är fel." in wrong.get_data(
        as_text=True
    )
    weak = change(PASSWORD, "lösenordlösenord")
    assert weak.status_code == 422 and "för vanligt" in weak.get_data(as_text=True)
    differ = change(PASSWORD, "ett helt nytt lösenord", "ett annat nytt lösenord")
    assert differ.status_code == 422 and "inte samma" in differ.get_data(as_text=True)
    assert PASSWORD not in weak.get_data(as_text=True)  # passwords are never sent back

    done = change(PASSWORD, "ett helt nytt lösenord")
    assert done.status_code == 302
    assert me.get("/account").status_code == 200  # this session goes on
    assert other.get("/account").status_code == 302  # the other one has ended
    login(other, EMAIL, "ett helt nytt lösenord")


def test_admin_and_command_line_follow_the_password_rules(app, make_client, login, factory):
    factory.user("admin@example.se", is_admin=True)
    admin = make_client()
    login(admin, "admin@example.se")
    token = admin.csrf_token("/users/new")
    response = admin.post(
        "/users/new",
        data={
            "csrf_token": token,
            "email": "ny@example.se",
            "password": "ny@example.se",
            "active": "y",
        },
    )
    assert response.status_code == 422
    assert "inte vara din e-postadress" in response.get_data(as_text=True)

    result = app.test_cli_runner().invoke(
        args=["create-user", "--email", "cli@example.se", "--password", "password1234"]
    )
    assert result.exit_code != 0 and "för vanligt" in result.output


def test_the_audit_log_never_holds_a_password_hash(app, factory):
    from app.core.audit import AuditEntry

    with app.test_request_context():
        user = services.create_user(None, email="logg@example.se", password="ett långt lösenord")
        db.session.commit()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "User"))
        logged = entry.changes["password_hash"]["after"]
        assert user.password_hash not in str(entry.changes)
        assert logged.startswith("[redacted]")
