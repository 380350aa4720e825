"""Applications of their own beside the session's (other settings, another database)."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from app import create_app
from app.extensions import db


@contextmanager
def another_app(config_name: str = "testing", overrides: dict | None = None) -> Iterator[Flask]:
    """``create_app(config_name, overrides)``, its database connections closed at the end.

    An application dropped with connections still in its pool leaves them to the garbage
    collector, which on PostgreSQL reports each one (a ResourceWarning, an error under
    ``filterwarnings = error``) in whatever test happens to be running then."""
    app = create_app(config_name, overrides)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
