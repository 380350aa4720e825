"""The database going away: a friendly 503 instead of a crash, and nothing half written.

A lost connection (the server restarted, the network dropped, too many clients) surfaces as
SQLAlchemy's OperationalError, InterfaceError or DisconnectionError wherever the request
happened to be. The transaction is rolled back (so nothing of the request is kept: the
database itself discards what an interrupted transaction wrote) and the pool is told to drop
its connections, so the next request starts on fresh ones.
"""

import logging

from flask import Flask, current_app, g
from flask_babel import get_locale
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError

from app.extensions import db, login_manager

log = logging.getLogger(__name__)

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER = 30


def _discard_session() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: there is nothing left to roll back
        log.warning("rollback after a lost database connection failed", exc_info=True)
    try:
        db.session.remove()
        db.engine.dispose()  # drop pooled connections that may be dead too
    except Exception:
        log.warning("could not reset the database pool", exc_info=True)


def database_unavailable(error: Exception) -> tuple[str, int, dict[str, str]]:
    log.error("database unavailable: %s", error)
    _discard_session()
    # The page must not need the database: the reader is shown as anonymous (her account
    # cannot be loaded now) and the page is rendered without the context processors, which
    # look up roles. It stands alone, without the menus of base.html.
    g._login_user = login_manager.anonymous_user()

    page = current_app.jinja_env.get_template("errors/unavailable.html").render(
        retry_after=RETRY_AFTER, lang=str(get_locale() or "sv")
    )
    return page, 503, {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}


def lost_connection(error: DBAPIError) -> tuple[str, int, dict[str, str]]:
    """Any other driver error is a 503 only when SQLAlchemy saw the connection die (SQLite's
    "closed database" is a ProgrammingError); the rest are bugs, for the 500 handler."""
    if error.connection_invalidated:
        return database_unavailable(error)
    raise error


def register_database_unavailable(app: Flask) -> None:
    for error in (OperationalError, InterfaceError, DisconnectionError):
        app.register_error_handler(error, database_unavailable)
    app.register_error_handler(DBAPIError, lost_connection)
