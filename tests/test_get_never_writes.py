"""GET never writes: every GET route of the access matrix, as every role, leaves every table
as it was. Stored PDFs are made when the state changes (the kallelse, finalising, justering);
readers get those, and anything else (a draft, an utdrag of any items) is rendered on the fly
without storing."""

from collections.abc import Callable

import pytest

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


def _walk(app, routes, values, make_client: Callable, login) -> list[str]:
    writes = []
    for role in access.ROLES:
        client = make_client()
        if role != "anonymous":
            login(client, *access.ACCOUNTS[role])
        before = _state(app)
        for template, _expected in routes:
            url = template.format(**values)
            client.get(url)
            after = _state(app)
            if changed := difference(before, after):
                writes.append(f"{role} GET {url}: {changed}")
            before = after
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
