"""The database going away in the middle of a request: a friendly 503 with Retry-After, and
nothing of the request left in the database.

The fault is real. On PostgreSQL (TEST_DATABASE_URL) the server itself ends the request's
connection (``pg_terminate_backend`` from another connection) after the first flush of a
write: the organisation and its audit entry are sent, the commit is not. On SQLite the
request's connection to a database file is closed under it at the same point.
"""

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, func, select, text

from app import create_app
from app.core.audit import AuditEntry
from app.extensions import db
from app.organisations.models import Organisation
from config import TestingConfig, configs
from tests.conftest import PASSWORD, Client

POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.fixture
def fault_app(app: Flask, tmp_path) -> Iterator[Flask]:
    """PostgreSQL: the suite's app. SQLite: an app on a database file of its own (the suite's
    in-memory database is a single shared connection, which the fault would take away)."""
    if POSTGRES:
        yield app
        return

    class FileConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'faults.db'}"

    configs["faults-file"] = FileConfig
    try:
        file_app = create_app("faults-file")
    finally:
        del configs["faults-file"]
    file_app.config["SIGNING_DIR"] = app.config["SIGNING_DIR"]
    with file_app.app_context():
        db.create_all()
    yield file_app
    with file_app.app_context():
        db.session.remove()
        db.engine.dispose()


def _admin_client(fault_app: Flask) -> Client:
    from app.accounts.models import User
    from app.accounts.passwords import hash_password

    with fault_app.app_context():
        db.session.add(
            User(email="admin@sala.se", password_hash=hash_password(PASSWORD), is_admin=True)
        )
        db.session.commit()
    fault_app.test_client_class = Client
    client = fault_app.test_client()
    response = client.submit("/login", {"email": "admin@sala.se", "password": PASSWORD})
    assert response.status_code == 302
    return client  # type: ignore[return-value]


def _kill_after_first_flush(fault_app: Flask, killed: list[str]):
    """A session hook: the request's connection dies right after its first flush."""

    def after_flush(session, _context) -> None:
        if killed:
            return
        connection = session.connection()
        if POSTGRES:
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            other = create_engine(fault_app.config["SQLALCHEMY_DATABASE_URI"])
            with other.connect() as admin:
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.dispose()
        else:
            connection.connection.dbapi_connection.close()
        killed.append("after the first flush")

    return after_flush


def test_database_gone_mid_request_gives_503_and_no_partial_write(fault_app):
    client = _admin_client(fault_app)
    token = client.csrf_token("/organisations/new")
    with fault_app.app_context():
        organisations_before = db.session.scalar(select(func.count(Organisation.id)))
        audit_before = db.session.scalar(select(func.count(AuditEntry.id)))
    killed: list[str] = []
    hook = _kill_after_first_flush(fault_app, killed)
    event.listen(db.session, "after_flush", hook)
    try:
        response = client.post(
            "/organisations/new",
            data={
                "csrf_token": token,
                "name": "Halvskrivna kommunen",
                "short_name": "Halvskrivna",
                "kind": "kommun",
            },
        )
    finally:
        event.remove(db.session, "after_flush", hook)
    assert killed, "the fault never happened: the form did not write"
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    page = response.get_data(as_text=True)
    assert "Tjänsten är inte tillgänglig just nu" in page
    assert "Inget av det du skrev sparades" in page
    # Nothing of the request was kept: neither the organisation nor its audit entry.
    with fault_app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == organisations_before
        assert db.session.scalar(select(func.count(AuditEntry.id))) == audit_before
    # The next request gets a fresh connection and works.
    response = client.get("/organisations/")
    assert response.status_code == 200


def test_no_database_at_all_gives_503(app, tmp_path):
    """A database that cannot be opened (here a SQLite file in a folder that does not exist;
    in production a server that is down) answers every page with the 503 page."""

    class NowhereConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'no-such-folder' / 'gone.db'}"

    configs["faults-nowhere"] = NowhereConfig
    try:
        nowhere = create_app("faults-nowhere")
    finally:
        del configs["faults-nowhere"]
    client = nowhere.test_client()
    for url in ("/", "/bodies/", "/anslagstavla"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert response.headers["Retry-After"].isdigit()
        assert "Tjänsten är inte tillgänglig just nu" in response.get_data(as_text=True)
