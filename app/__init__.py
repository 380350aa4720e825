"""Sekretariat: the application factory."""

import os

from flask import Flask, current_app, has_request_context, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from app import models  # noqa: F401 - every model registered before migrations look
from app.accounts import permissions
from app.accounts.services import LOGIN_SESSION_KEY, session_user
from app.accounts.views import bp as accounts_bp
from app.agenda import jobs as agenda_jobs
from app.agenda.ownership import install_owner_defaults
from app.agenda.views import bp as agenda_bp
from app.backup import jobs as backup_jobs
from app.backup.views import bp as backup_bp
from app.bodies.views import bp as bodies_bp
from app.calendars.views import bp as calendars_bp
from app.cli import register_cli
from app.core.audit import action_label, field_label, object_label
from app.core.dates import local_date, local_signed_stamp, local_stamp
from app.core.http import BoundedIntegerConverter, Request, TrustedProxyFix
from app.core.models import render_migration_item
from app.core.response_cache import LOCALE_COOKIE, anonymous_request, init_response_cache
from app.core.security import install_security
from app.core.text import render_text, safe_url
from app.core.unavailable import register_database_unavailable
from app.documents.render import RenderError
from app.extensions import babel, csrf, db, login_manager, migrate
from app.jobs.queue import init_celery
from app.jobs.views import bp as jobs_bp
from app.justering import jobs as justering_jobs
from app.justering.views import bp as justering_bp
from app.main.views import bp as main_bp
from app.meetings.views import bp as meetings_bp
from app.meetings.views import plan_bp
from app.notifications.services import install_move_hooks
from app.notifications.views import bp as notifications_bp
from app.oparl.tombstones import install_tombstone_hooks
from app.oparl.views import bp as oparl_bp
from app.organisations.views import bp as organisations_bp
from app.people.views import bp as people_bp
from app.publication.views import bp as publication_bp
from app.record.views import bp as record_bp
from app.register.views import bp as register_bp
from app.search import jobs as search_jobs
from app.search.index import install_index_hooks
from app.search.views import bp as search_bp
from config import configs


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """The app for ``config_name`` (default: $SEKRETARIAT_CONFIG, else development), with
    ``overrides`` applied over that configuration before anything reads it (the browser tests
    give their live server a database file and signing folder of its own)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.request_class = Request  # form values and query parameters without NUL characters
    app.url_map.converters["int"] = BoundedIntegerConverter  # no id past a database integer
    config_name = config_name or os.environ.get("SEKRETARIAT_CONFIG", "development")
    config_class = configs[config_name]
    if hasattr(config_class, "check"):
        config_class.check()
    app.config.from_object(config_class)
    app.config.update(overrides or {})  # tests: a shared database, a broker
    os.makedirs(app.instance_path, exist_ok=True)

    # First of the session hooks, as when the OParl models installed them on import.
    install_tombstone_hooks()  # the API's deleted objects (app.oparl.tombstones)
    _trust_proxy(app)
    _init_response_cache(app)
    _init_extensions(app)
    _install_security(app)
    _install_search_index_hooks()
    _install_document_owners()
    install_move_hooks()  # the move mail, after the commit (app.notifications.services)
    _register_job_kinds()
    _register_blueprints(app)
    _register_errors(app)
    _register_template_helpers(app)

    register_cli(app)
    return app


def _trust_proxy(app: Flask) -> None:
    """Behind a reverse proxy, take client address, scheme and host from its X-Forwarded-*
    headers, as many hops as configured (PROXY_FIX_*); without configuration trust none. The
    headers count only on requests that come from the proxy itself (PROXY_TRUSTED_ADDRESSES,
    default this host): a client reaching gunicorn directly cannot name another address and
    so escape the login limits counted per address."""
    hops = {
        name: app.config.get(f"PROXY_FIX_X_{name.upper()}", 0)
        for name in ("for", "proto", "host", "port", "prefix")
    }
    if any(hops.values()):
        app.wsgi_app = TrustedProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            trusted=app.config["PROXY_TRUSTED_ADDRESSES"],
            **{f"x_{k}": v for k, v in hops.items()},
        )


def _init_response_cache(app: Flask) -> None:
    """Before every other before_request hook: anonymous readers of public pages."""
    init_response_cache(app)


def select_locale() -> str:
    """The user's chosen language, else the reader's language cookie, else Swedish."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # commands speak Swedish too
    # Without a session or remember cookie nobody is logged in: no need to load a user.
    if (
        not anonymous_request()
        and current_user.is_authenticated
        and current_user.locale in languages
    ):
        return current_user.locale
    if request.cookies.get(LOCALE_COOKIE) in languages:
        return request.cookies[LOCALE_COOKIE]
    if not anonymous_request() and session.get("locale") in languages:
        return session["locale"]  # a choice made before the cookie existed
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(app.root_path, "..", "migrations"),
        render_as_batch=True,  # SQLite alters tables by copying them
        render_item=render_migration_item,
        compare_type=True,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    init_celery(app)
    login_manager.login_view = "accounts.login"
    # No flash on the way to the login page: the login page itself says why when it has a
    # ``next`` (accounts.views.login). A flash would be written into the session cookie of
    # every refused request, and pile up there when the answer is never shown as a page (a PDF
    # link, a feed reader, a crawler asking a hundred member pages).
    login_manager.login_message = None

    @login_manager.user_loader
    def load_user(session_id: str):
        """The account of a session, unless that login session was ended (logged out) or the
        account's sessions were ended since (session_version)."""
        user_id, _sep, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        return session_user(int(user_id), int(version), session.get(LOGIN_SESSION_KEY))


def _install_security(app: Flask) -> None:
    """Security headers on every response, login rate limits, undeletable records."""
    install_security(app)


def _install_search_index_hooks() -> None:
    """The search index follows every flush of the records it holds (app.search.index), and
    the text of every stored file is read for it after the commit (app.search.jobs)."""
    install_index_hooks()
    search_jobs.install_text_hooks()


def _install_document_owners() -> None:
    """A document attached anywhere gets an owner if it has none (app.agenda.ownership)."""
    install_owner_defaults()


def _register_job_kinds() -> None:
    """Each domain package declares its kinds of job in its ``jobs`` module; app.jobs runs
    them without knowing any (docs/architecture.md)."""
    agenda_jobs.register_job_kinds()
    justering_jobs.register_job_kinds()
    backup_jobs.register_job_kinds()
    search_jobs.register_job_kinds()


def _register_blueprints(app: Flask) -> None:
    for blueprint in (
        main_bp,
        accounts_bp,
        organisations_bp,
        people_bp,
        bodies_bp,
        meetings_bp,
        plan_bp,
        agenda_bp,
        record_bp,
        justering_bp,
        publication_bp,
        oparl_bp,
        register_bp,
        calendars_bp,
        notifications_bp,
        search_bp,
        jobs_bp,
        backup_bp,
    ):
        app.register_blueprint(blueprint)


def _register_errors(app: Flask) -> None:
    def render_error(code: int):
        def handler(error: Exception):
            if code == 500:
                db.session.rollback()  # the failed request wrote nothing; the page may query
            return render_template("errors/error.html", code=code), code

        return handler

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, render_error(code))
    app.register_error_handler(CSRFError, render_error(400))

    def render_failed(error: RenderError):
        db.session.rollback()  # a PDF that could not be made changes nothing
        app.logger.exception("PDF not rendered")
        return render_template("errors/error.html", code=500, reason="render"), 500

    app.register_error_handler(RenderError, render_failed)

    register_database_unavailable(app)


def _register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["rich"] = render_text
    app.jinja_env.filters["safe_url"] = safe_url
    app.jinja_env.filters["local_date_iso"] = lambda moment: local_date(moment).isoformat()
    app.jinja_env.filters["local_stamp"] = local_stamp
    app.jinja_env.filters["local_signed_stamp"] = local_signed_stamp
    app.jinja_env.filters["audit_action"] = action_label
    app.jinja_env.filters["audit_field"] = field_label
    app.jinja_env.filters["audit_object"] = object_label

    @app.context_processor
    def inject() -> dict:
        return {
            "can": permissions,
            "roles": permissions.roles_of(current_user),
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
        }
