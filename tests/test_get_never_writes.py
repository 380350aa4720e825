"""GET never writes: every GET route of the access matrix, as every role, leaves every table
as it was. Stored PDFs are made when the state changes (the kallelse, finalising, justering);
readers get those, and anything else (a draft, an utdrag of any items) is rendered on the fly
without storing."""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from app.meetings.models import Meeting
from tests import test_access as access
from tests.faults.forms import difference, snapshot

world = access.world  # the access matrix's fixtures
justerat = access.justerat

# The one write a GET may cause, and nothing else: the handlingar GET starts the background job
# that builds the packet when no current one is stored (the kallelse stores it; a document
# attached later makes it stale), and a job's page fails a job whose worker is gone. Those are
# rows of `jobs`. The packet that job stores is its own work, not the GET's: the walks below
# start with a current packet, as the kallelse leaves it, so no job is started at all.
BOOKKEEPING = {"jobs"}

# Pages the matrix reaches only in another state: the secretary's draft record as PDF and an
# utdrag of a draft (both rendered on the fly, never stored).
DRAFT_ROUTES = [
    ("/meetings/{srb_meeting}/record.pdf", {}),
    ("/meetings/{srb_meeting}/utdrag.pdf?item={srb_item}", {}),
]


def _state(app) -> dict:
    with app.app_context():
        state = snapshot()
        db.session.remove()
    return {name: rows for name, rows in state.items() if name not in BOOKKEEPING}


def _store_packet(app, meeting_id: int) -> None:
    """What sending the kallelse leaves: the föredragningslista and handlingar stored."""
    from app.agenda.rendering import packet_pdf

    with app.test_request_context():
        packet_pdf(db.session.get(Meeting, meeting_id))
        db.session.commit()


WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
OTHER_CHANGE = re.compile(r"^\s*(?:REPLACE|CREATE|DROP|ALTER|TRUNCATE)\b", re.IGNORECASE)


@contextmanager
def _writes(app) -> Iterator[list[str]]:
    """The statements that write (any table but the bookkeeping), as the database gets them."""
    found: list[str] = []

    def watch(connection, cursor, statement, parameters, context, executemany) -> None:
        write = WRITE.match(statement)
        if (write and write.group(1).lower() not in BOOKKEEPING) or OTHER_CHANGE.match(statement):
            found.append(statement.split("\n")[0][:120])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", watch)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", watch)


def _walk(app, routes, values, make_client: Callable, login) -> list[str]:
    """Each GET as each role: no statement that writes, and every table as it was after each
    role's walk (the whole database compared, in case a write came some other way)."""
    writes = []
    for role in access.ROLES:
        client = make_client()
        if role != "anonymous":
            login(client, *access.ACCOUNTS[role])
        before = _state(app)
        for template, _expected in routes:
            url = template.format(**values)
            with _writes(app) as statements:
                client.get(url)
            if statements:
                writes.append(f"{role} GET {url}: {statements}")
        if changed := difference(before, _state(app)):
            writes.append(f"{role}: {changed}")
    return writes


@pytest.fixture
def draft(world, app):
    """The SRB record started: a draft only the secretary's side reads."""
    from app.record.services import start_record

    with app.test_request_context():
        meeting = db.session.get(Meeting, world["srb_meeting"])
        start_record(None, meeting)
        world["srb_item"] = next(i.id for i in meeting.items if i.is_public)
        db.session.commit()
    return world


def test_no_get_route_writes_before_justering(draft, app, make_client: Callable, login):
    _store_packet(app, draft["srb_meeting"])
    writes = _walk(app, access.ROUTES + DRAFT_ROUTES, draft, make_client, login)
    assert not writes, "\n".join(writes)


def test_no_get_route_writes_once_justerat(justerat, app, make_client: Callable, login):
    _store_packet(app, justerat["srb_meeting"])
    routes = access.ROUTES + access.JUSTERAT_ROUTES
    writes = _walk(app, routes, justerat, make_client, login)
    assert not writes, "\n".join(writes)


def test_a_stale_packet_is_built_by_a_job_the_get_starts(world, app, make_client, login):
    """The one write a GET may cause: a job row (and the packet that job stores)."""
    from app.jobs.models import Job

    client = make_client()
    login(client, *access.ACCOUNTS["secretary"])
    before = _state(app)
    response = client.get(f"/meetings/{world['srb_meeting']}/handlingar.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    with app.app_context():
        assert [job.kind for job in db.session.scalars(db.select(Job))] == ["packet"]
        meeting = db.session.get(Meeting, world["srb_meeting"])
        assert meeting.packet_pdf_sha256 is not None
    # Beside the job, only the meeting (its stored packet) changed.
    after = _state(app)
    assert {name for name, rows in before.items() if after[name] != rows} == {"meetings"}


def test_the_watch_sees_a_write_and_lets_the_bookkeeping_pass(app, factory):
    """The walks above rely on it: a write to any table is reported, one to `jobs` is not."""
    from app.jobs.models import Job, JobStatus
    from app.people.models import Person

    with _writes(app) as statements, app.app_context():
        db.session.add(Job(kind="packet", status=JobStatus.QUEUED, arguments={}))
        db.session.commit()
    assert statements == []
    with _writes(app) as statements, app.app_context():
        db.session.add(Person(name="Skriven vid GET"))
        db.session.commit()
    assert statements and statements[0].upper().startswith("INSERT INTO")
