"""Logging in and out, password hashing, the create-user command, language per user."""

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from tests.conftest import PASSWORD


def test_password_is_stored_as_argon2id(app, factory):
    user_id = factory.user("anna@example.se")
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_login_and_logout(client, factory):
    factory.user("anna@example.se")
    response = client.submit("/login", {"email": "Anna@Example.se ", "password": PASSWORD})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "anna@example.se" in page
    assert "Logga ut" in page
    # Logging out is a state change: a bare GET does nothing, a POST without token is refused.
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.submit("/logout", form_url="/").status_code == 302
    assert "Logga in" in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_email_get_the_same_answer(client, factory):
    factory.user("anna@example.se")
    wrong = client.submit("/login", {"email": "anna@example.se", "password": "wrong password!"})
    unknown = client.submit("/login", {"email": "nobody@example.se", "password": "wrong password!"})
    assert wrong.status_code == unknown.status_code == 422
    for response in (wrong, unknown):
        page = response.get_data(as_text=True)
        assert "Fel e-postadress eller lösenord." in page or "Fel e-post eller lösenord." in page
    # What was typed stays in the form.
    assert 'value="nobody@example.se"' in unknown.get_data(as_text=True)


def test_deactivated_account_cannot_log_in(client, factory):
    factory.user("gone@example.se", active=False)
    response = client.submit("/login", {"email": "gone@example.se", "password": PASSWORD})
    assert response.status_code == 422


def test_login_does_not_redirect_off_site(client, factory):
    factory.user("anna@example.se")
    token = client.csrf_token()
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "anna@example.se", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_login_form_requires_csrf(client, factory):
    factory.user("anna@example.se")
    response = client.post("/login", data={"email": "anna@example.se", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").get_data(as_text=True).count("anna@example.se") == 0


def test_create_user_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Admin@Example.se",
            "--password",
            "a long enough password",
            "--admin",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.is_admin) == ("admin@example.se", True)
    again = runner.invoke(
        args=["create-user", "--email", "admin@example.se", "--password", "a long enough password"]
    )
    assert again.exit_code != 0
    assert "finns redan" in again.output or "already exists" in again.output
    short = runner.invoke(args=["create-user", "--email", "b@example.se", "--password", "short"])
    assert short.exit_code != 0


def test_create_user_links_a_person(app, factory):
    factory.person("Elin Hellström")
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "elin@example.se",
            "--password",
            "a long enough password",
            "--person",
            "Elin Hellström",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User)).person.name == "Elin Hellström"


def test_swedish_by_default_english_per_user(make_client, login, factory):
    factory.user("anna@example.se")
    anna = make_client()
    login(anna, "anna@example.se")
    assert '<html lang="sv">' in anna.get("/").get_data(as_text=True)
    response = anna.submit("/language", {"locale": "en", "next": "/bodies/"}, form_url="/")
    assert response.headers["Location"] == "/bodies/"
    page = anna.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log out" in page
    # The choice belongs to the account: a new browser session gets it back.
    other = make_client()
    login(other, "anna@example.se")
    assert "Log out" in other.get("/").get_data(as_text=True)
    # Other users keep Swedish.
    assert "Logga in" in make_client().get("/").get_data(as_text=True)


def test_anonymous_visitor_can_switch_language(client):
    page = client.get("/").get_data(as_text=True)
    # A plain GET form with the same visible button: no session, no CSRF token.
    assert 'method="get" action="/language"' in page
    assert 'lang="en">English</button>' in page and "csrf_token" not in page
    response = client.get("/language?next=/bodies/&locale=en")
    assert response.status_code == 302 and response.headers["Location"] == "/bodies/"
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("locale=en;") for c in cookies) and not any(
        c.startswith("session=") for c in cookies
    )
    page = client.get("/").get_data(as_text=True)
    assert "Log in" in page and '<html lang="en">' in page
    assert 'lang="sv">Svenska</button>' in page
    # Back to Swedish the same way; an unknown language or a foreign next are refused.
    client.get("/language?next=/&locale=sv")
    assert "Logga in" in client.get("/").get_data(as_text=True)
    assert client.get("/language?locale=xx&next=/").status_code == 400
    away = client.get("/language?locale=en&next=//evil.example/")
    assert away.headers["Location"] == "/"


def test_anonymous_pages_set_no_session_cookie(client, app, factory):
    for url in ("/", "/anslagstavla", "/bodies/", "/beslut", "/anslagstavla/arkiv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers.getlist("Set-Cookie") == [], url
        assert "csrf_token" not in response.get_data(as_text=True), url
    assert client.get_cookie("session") is None


def test_a_page_that_needs_a_login_sends_there_with_the_reason_and_stores_nothing(client, factory):
    """The reason is said on the login page, not flashed: a flash would ride in the session
    cookie of every refused request and pile up when the answer is never shown as a page."""
    factory.user("anna@example.se")
    for _attempt in range(5):
        response = client.get("/account")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
        assert response.headers.getlist("Set-Cookie") == []
    assert client.get_cookie("session") is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count("Logga in för att se den här sidan.") == 1
    assert "Logga in för att se den här sidan." not in client.get("/login").get_data(as_text=True)
    # Logged in, the visitor lands on the page asked for.
    token = client.csrf_token()
    logged_in = client.post(
        response.headers["Location"],
        data={"email": "anna@example.se", "password": PASSWORD, "csrf_token": token},
    )
    assert logged_in.headers["Location"] == "/account"
