"""The one load → authorise path (app.core.loading): missing is 404, refused is 403 or, where
existence is not to be disclosed, 404; the view gets the record itself."""

import pytest
from flask import session
from flask_login import login_user

from app.accounts.models import User
from app.accounts.services import LOGIN_SESSION_KEY, start_session
from app.core.loading import HIDDEN, HIDDEN_FROM_ANONYMOUS, allowed, loaded
from app.extensions import db
from app.organisations.models import Organisation, OrganisationKind
from tests.apps import another_app


def _may(user, organisation: Organisation) -> bool:
    return organisation.short_name != "Hemlig"


@pytest.fixture
def probe_app():
    with another_app() as app:

        @app.get("/_probe/<int:organisation_id>")
        @loaded("organisation_id", Organisation, _may)
        def forbidden(organisation: Organisation):
            return organisation.name

        @app.get("/_hidden/<int:organisation_id>")
        @loaded("organisation_id", Organisation, _may, refusal=HIDDEN, into="org")
        def hidden(org: Organisation):
            return org.name

        @app.get("/_anonymous/<int:organisation_id>")
        @loaded("organisation_id", Organisation, _may, refusal=HIDDEN_FROM_ANONYMOUS)
        def anonymous(organisation: Organisation):
            return organisation.name

        @app.get("/_login/<int:user_id>")
        def log_in(user_id: int):
            user = db.session.get(User, user_id)
            login_user(user)
            session[LOGIN_SESSION_KEY] = start_session(user)
            db.session.commit()
            return "ok"

        with app.app_context():
            db.create_all()
            for name in ("Öppen", "Hemlig"):
                db.session.add(
                    Organisation(
                        name=f"{name} kommun", short_name=name, kind=OrganisationKind.REGION
                    )
                )
            user = User(email="probe@example.se", password_hash="x")
            db.session.add(user)
            db.session.commit()
            ids = {o.short_name: o.id for o in db.session.scalars(db.select(Organisation))}
            app.config["probe"] = {**ids, "user": user.id}
        yield app


def test_the_view_gets_the_record_or_a_refusal(probe_app):
    ids = probe_app.config["probe"]
    client = probe_app.test_client()
    assert client.get(f"/_probe/{ids['Öppen']}").get_data(as_text=True) == "Öppen kommun"
    assert client.get(f"/_hidden/{ids['Öppen']}").get_data(as_text=True) == "Öppen kommun"
    assert client.get(f"/_probe/{ids['Hemlig']}").status_code == 403
    assert client.get(f"/_hidden/{ids['Hemlig']}").status_code == 404
    missing = max(ids.values()) + 1
    assert client.get(f"/_probe/{missing}").status_code == 404
    # Anonymous readers learn nothing; a logged-in user is told it is refused.
    assert client.get(f"/_anonymous/{ids['Hemlig']}").status_code == 404
    client.get(f"/_login/{ids['user']}")
    assert client.get(f"/_anonymous/{ids['Hemlig']}").status_code == 403


def test_allowed_refuses_before_the_view_runs():
    ran = []
    with another_app() as app:

        @app.get("/_admins_only")
        @allowed(lambda user: getattr(user, "is_admin", False))
        def admins_only():
            ran.append(True)
            return "ok"

        assert app.test_client().get("/_admins_only").status_code == 403
    assert ran == []
