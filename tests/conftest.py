"""Fixtures: the app, a clean database per test, a CSRF-aware client, logins, factories.

The suite runs against SQLite by default and against PostgreSQL when TEST_DATABASE_URL names
one (``scripts/run-tests`` starts a throwaway server and runs the suite twice). It runs on
every core (pytest-xdist, ``-n auto``): each worker process has its own in-memory SQLite, or
its own PostgreSQL database beside TEST_DATABASE_URL's (made here, before the app's
configuration reads the variable), and its own folder of stored files.

Requests are never made inside an app context held by a test: each request gets its own
context and database session, as in production. Set up data inside ``with app.app_context()``.
"""

import copy
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient


def _database_of_this_worker() -> None:
    """Under pytest-xdist, point TEST_DATABASE_URL at a PostgreSQL database of this worker's
    own (``<database>_<worker>``, made empty), so that workers never share tables."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    # Once per process: this module is imported again as ``tests.conftest`` by test modules.
    if not worker or not url.startswith("postgresql") or os.environ.get("TEST_DATABASE_WORKER"):
        return
    os.environ["TEST_DATABASE_WORKER"] = worker
    source = sa.engine.make_url(url)
    name = f"{source.database}_{worker}"
    admin = sa.create_engine(source, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    os.environ["TEST_DATABASE_URL"] = source.set(database=name).render_as_string(
        hide_password=False
    )


_database_of_this_worker()

from app import create_app  # noqa: E402 - reads TEST_DATABASE_URL, set just above
from app.extensions import db  # noqa: E402
from app.signing.keys import init_dev_signing  # noqa: E402

# The real local SMTP server fixture (`smtp_server`).
pytest_plugins = ["tests.smtp_server", "tests.leaks", "tests.members_world"]

CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    app = create_app("testing")
    with app.app_context():
        db.drop_all()
        db.create_all()
    # A development CA and seal for this run, as `flask signing init-dev` makes them.
    init_dev_signing(app.config["SIGNING_DIR"], password=app.config["SIGNING_PKCS12_PASSWORD"])
    yield app
    shutil.rmtree(app.config["SIGNING_DIR"], ignore_errors=True)
    shutil.rmtree(app.config["STORAGE_PATH"], ignore_errors=True)
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _tables_with_rows(connection: sa.Connection) -> list[sa.Table]:
    """The tables that hold a row, in dependency order: one statement for all of them."""
    tables = db.metadata.sorted_tables
    probes = sa.union_all(
        *(
            sa.select(sa.literal(index).label("t")).where(sa.exists().select_from(table))
            for index, table in enumerate(tables)
        )
    )
    return [tables[index] for index in sorted(connection.scalars(probes))]


def _empty_tables(connection: sa.Connection) -> None:
    """Delete every row of every table that has any (bulk statements: the retention guard sits
    on the ORM session's flush, so audit entries and justerade records go too)."""
    for table in reversed(_tables_with_rows(connection)):
        connection.execute(table.delete())


@contextmanager
def sql_statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements sent to the app's database while the block runs, in order."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


@pytest.fixture(autouse=True)
def _clean_database(app: Flask) -> Iterator[None]:
    yield
    with app.app_context():
        db.session.rollback()
        _empty_tables(db.session.connection())
        db.session.commit()


def hidden(page: str, name: str) -> str:
    """The value of a hidden input in a rendered form: the CSRF token, a record's version."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    assert tag, f"no hidden {name!r} in the page"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


class Client(FlaskClient):
    """A test client that submits forms the way a browser does: with the page's CSRF token."""

    def csrf_token(self, url: str = "/login") -> str:
        page = self.get(url)
        match = CSRF_RE.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {url} ({page.status_code})"
        return match.group(1)

    def submit(
        self,
        url: str,
        data: dict[str, Any] | None = None,
        form_url: str | None = None,
        **kwargs: Any,
    ):
        """GET the form page, then POST ``data`` to ``url`` with the page's CSRF token."""
        token = self.csrf_token(form_url or url)
        return self.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


@pytest.fixture
def client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def make_client(app: Flask) -> Callable[[], Client]:
    """Several independent browsers (two secretaries at once, say)."""
    app.test_client_class = Client
    return lambda: app.test_client()  # type: ignore[return-value]


PASSWORD = "correct horse battery"


@pytest.fixture
def login(app: Flask) -> Callable[..., None]:
    def do_login(client: Client, email: str, password: str = PASSWORD) -> None:
        response = client.submit("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)

    return do_login


# The demo's rows, table by table, as the first load in this process left them (see ``demo``).
_demo_rows: dict[str, list[dict[str, Any]]] = {}


@pytest.fixture
def demo(app: Flask) -> None:
    """The demo data loaded from the seeds, with the demo accounts.

    Loading the YAML takes a second or more and 150 tests need it: each process loads it once
    into its empty database and keeps every table's rows; later tests get the same rows back
    by bulk inserts (ids included; PostgreSQL's sequences are then set past them). Every test
    still starts from exactly the demo, whatever the one before changed, as ``_clean_database``
    empties the tables after each. The demo writes no stored files. Should a test have added
    rows before this fixture runs, the demo is loaded the slow way on top of them, as before.
    """
    from app.demo.loader import load_demo

    with app.app_context():
        connection = db.session.connection()
        if _demo_rows and not _tables_with_rows(connection):
            _restore_rows(connection, _demo_rows)
            db.session.commit()
            return
        fresh = not _tables_with_rows(connection)
        load_demo()
        db.session.commit()
        if fresh:
            _demo_rows.update(_snapshot_rows(db.session.connection()))
            db.session.commit()


def _snapshot_rows(connection: sa.Connection) -> dict[str, list[dict[str, Any]]]:
    rows = {}
    for table in _tables_with_rows(connection):
        order = list(table.primary_key.columns) or list(table.columns)
        rows[table.name] = [
            dict(row) for row in connection.execute(sa.select(table).order_by(*order)).mappings()
        ]
    return rows


def _restore_rows(connection: sa.Connection, rows: dict[str, list[dict[str, Any]]]) -> None:
    postgresql = connection.dialect.name == "postgresql"
    sequences = []
    for table in db.metadata.sorted_tables:
        table_rows = rows.get(table.name)
        if not table_rows:
            continue
        if postgresql:
            # One multi-row statement per table: PostgreSQL checks foreign keys at its end, so
            # a row may name a parent of the same table inserted after it.
            connection.execute(table.insert().values(table_rows))
            column = table.autoincrement_column
            if column is not None:
                sequences.append(
                    sa.func.setval(
                        sa.func.pg_get_serial_sequence(table.name, column.name),
                        sa.select(sa.func.max(column)).scalar_subquery(),
                    )
                )
        else:
            connection.execute(table.insert(), table_rows)
    if sequences:
        connection.execute(sa.select(*sequences))


T = TypeVar("T")


@dataclass
class _Snapshot:
    before: list[int]  # rows per table before the build (the state it must start from)
    rows: dict[str, list[dict[str, Any]]]  # every table's rows after it
    files: dict[str, bytes]  # the files it stored, by path under STORAGE_PATH
    result: Any


_snapshots: dict[str, _Snapshot] = {}


def _row_counts(connection: sa.Connection) -> list[int]:
    tables = db.metadata.sorted_tables
    counts = sa.select(
        *(sa.select(sa.func.count()).select_from(table).scalar_subquery() for table in tables)
    )
    return list(connection.execute(counts).one())


def _stored_files(storage: Path) -> set[str]:
    if not storage.is_dir():
        return set()
    return {str(path.relative_to(storage)) for path in storage.rglob("*") if path.is_file()}


def built_once(app: Flask, key: str, build: Callable[[], T]) -> T:
    """``build()`` run once per process; later calls get its result back without running it.

    For the long set-ups many tests share, the demo cycle above all (it renders and signs the
    SRB protokoll, seconds each time): the first call runs ``build`` and keeps every table's
    rows, the files it stored and what it returned; a later call under the same key empties
    the tables, puts those rows back (ids included), writes the files into this test's
    storage folder and returns the kept result. The database must hold the same number of
    rows in each table as when the build first ran (the same fixtures before it): a test that
    changed the starting state gets an error here, not another test's data.
    """
    with app.app_context():
        connection = db.session.connection()
        counts = _row_counts(connection)
        storage = Path(app.config["STORAGE_PATH"])
        snapshot = _snapshots.get(key)
        if snapshot is not None:
            assert counts == snapshot.before, (
                f"built_once({key!r}) called on another starting state than its first build"
            )
            _empty_tables(connection)
            _restore_rows(connection, snapshot.rows)
            db.session.commit()
            for name, content in snapshot.files.items():
                path = storage / name
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(content)
            return copy.deepcopy(snapshot.result)
        db.session.commit()
        files_before = _stored_files(storage)
    result = build()
    with app.app_context():
        rows = _snapshot_rows(db.session.connection())
        db.session.commit()
    files = {name: (storage / name).read_bytes() for name in _stored_files(storage) - files_before}
    _snapshots[key] = _Snapshot(counts, rows, files, copy.deepcopy(result))
    return result


@pytest.fixture
def justerat_demo(app: Flask, demo: None) -> int:
    """The demo after SRB's meeting went through the demo cycle (``app.demo.cycle``): a
    justerat, signed and posted protokoll. Returns the meeting's id."""
    from app.demo.cycle import run_srb_cycle, srb_meeting

    def build() -> int:
        with app.test_request_context():
            assert run_srb_cycle()
            db.session.commit()
            meeting = srb_meeting()
            assert meeting is not None
            return meeting.id

    return built_once(app, "justerat demo", build)


DEMO_PASSWORD = "sekretariat-demo"
ADMIN = "admin@example.se"
ELIN = "elin.hellstrom@example.se"
EVA = "eva.wilhelmsson@example.se"
JOHANNA = "johanna.odo@example.se"


@pytest.fixture
def login_demo(login: Callable[..., None]) -> Callable[[Client, str], None]:
    return lambda client, email: login(client, email, DEMO_PASSWORD)


# -- factories: each returns the new record's id, created and committed in its own context --


@pytest.fixture
def factory(app: Flask):
    from app.accounts.models import User
    from app.accounts.passwords import hash_password
    from app.bodies.models import (
        Body,
        BodyKind,
        Membership,
        MembershipFunction,
        MembershipKind,
        Term,
    )
    from app.organisations.models import Organisation, OrganisationKind
    from app.people.models import Person

    class Factory:
        def organisation(self, name: str = "Testkommun", **values: Any) -> int:
            values = {"short_name": name, "kind": OrganisationKind.MUNICIPALITY, **values}
            return self._add(Organisation(name=name, **values))

        def body(
            self, name: str = "Testnämnden", organisation_id: int | None = None, **values: Any
        ) -> int:
            organisation_id = organisation_id or self.organisation(f"Org för {name}")
            values = {"kind": BodyKind.COMMITTEE, **values}
            body_id = self._add(Body(name=name, organisation_id=organisation_id, **values))
            self._add(Term(body_id=body_id, label="2023–2026"))
            return body_id

        def person(self, name: str = "Anna Andersson", **values: Any) -> int:
            return self._add(Person(name=name, **values))

        def seat(
            self,
            person_id: int,
            body_id: int,
            kind: MembershipKind = MembershipKind.ORDINARY,
            function: MembershipFunction | None = None,
            **values: Any,
        ) -> int:
            with app.app_context():
                term = db.session.scalars(db.select(Term).where(Term.body_id == body_id)).first()
                term_id = term.id
            return self._add(
                Membership(
                    person_id=person_id,
                    body_id=body_id,
                    term_id=term_id,
                    kind=kind,
                    function=function,
                    **values,
                )
            )

        def user(
            self, email: str, person_id: int | None = None, is_admin: bool = False, **values: Any
        ) -> int:
            with app.app_context():
                password_hash = hash_password(PASSWORD)
            return self._add(
                User(
                    email=email,
                    password_hash=password_hash,
                    person_id=person_id,
                    is_admin=is_admin,
                    **values,
                )
            )

        def _add(self, record: Any) -> int:
            with app.app_context():
                db.session.add(record)
                db.session.commit()
                return record.id

    return Factory()
