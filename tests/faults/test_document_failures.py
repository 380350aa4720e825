"""A PDF that cannot be rendered or signed changes nothing and says so.

WeasyPrint is made to fail for real where it is called (its HTML class raises as a broken font
set-up would; app.documents.render turns that into RenderError); signing fails with the
organisation seal's password wrong or its PKCS#12 file missing. Each time the whole database
is compared before and after: the draft, its RecordRevision history, the justering rounds and
signoffs, the kallelse dispatches, all as they were. The work runs as a background job (in
the request, as without a broker): its failed job, the record of what went wrong, is the one row
that may be added, and its page says why and offers "Försök igen".
"""

import pytest

from tests.conftest import PASSWORD
from tests.faults.forms import difference, snapshot
from tests.justering.helpers import ANNA, STINA, committee_with_record
from tests.justering.test_minutes_signing import STINA as MINUTES_STINA
from tests.justering.test_minutes_signing import _group_with_minutes

RENDER_FAILED = "PDF-filen kunde inte skapas"
NOTHING_CHANGED = "inget ändrades"


class BrokenHTML:
    """Stands in for weasyprint.HTML: rendering fails as with a broken font configuration."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def render(self, **options):
        raise RuntimeError("Pango could not load any font")


@pytest.fixture
def broken_renderer(monkeypatch):
    monkeypatch.setattr("app.documents.render.HTML", BrokenHTML)


@pytest.fixture(params=["wrong password", "missing PKCS#12"])
def broken_signing(request, app, monkeypatch, tmp_path):
    if request.param == "wrong password":
        monkeypatch.setitem(app.config, "SIGNING_PKCS12_PASSWORD", "not the password")
        monkeypatch.setitem(app.config, "SIGNING_PERSONAL_PASSWORD", "not the password")
    else:
        monkeypatch.setitem(app.config, "SIGNING_PKCS12", str(tmp_path / "gone.p12"))
        monkeypatch.setitem(app.config, "SIGNING_PERSONAL_DIR", str(tmp_path / "no-personal"))
    return request.param


def _state(app) -> dict:
    """The whole database but the jobs table (see _failed_job)."""
    with app.app_context():
        state = snapshot()
    state.pop("jobs")
    return state


def _flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def _failure_reported(app, client, response, *phrases: str) -> None:
    """The failure is told: on its job's page (which then offers a retry) or in a flash."""
    from app.jobs.models import Job, JobStatus

    assert response.status_code == 302
    location = response.headers["Location"]
    if "/jobs/" in location:
        page = client.get(location).get_data(as_text=True)
        for phrase in phrases:
            assert phrase in page, (phrase, page)
        assert "Försök igen" in page
        with app.app_context():
            from app.extensions import db

            job = db.session.get(Job, int(location.rstrip("/").rsplit("/", 1)[1]))
            assert job.status == JobStatus.FAILED
            db.session.rollback()
        return
    flashes = _flashes(client)
    assert any(
        category == "error" and all(phrase in message for phrase in phrases)
        for category, message in flashes
    ), flashes


def _send_to_justering(app, factory, make_client, login):
    ids = committee_with_record(app, factory)
    client = make_client()
    login(client, STINA, PASSWORD)
    record_url = f"/meetings/{ids['meeting']}/record"
    token = client.csrf_token(record_url)
    return ids, client, token


@pytest.mark.usefixtures("broken_renderer")
def test_protokoll_render_failure_changes_nothing(app, factory, make_client, login):
    ids, client, token = _send_to_justering(app, factory, make_client, login)
    before = _state(app)
    response = client.post(f"/meetings/{ids['meeting']}/justering", data={"csrf_token": token})
    _failure_reported(app, client, response, "kunde inte skapas")
    after = _state(app)
    assert after == before, difference(before, after)


def test_protokoll_signing_failure_changes_nothing(
    app, factory, make_client, login, broken_signing
):
    ids, client, token = _send_to_justering(app, factory, make_client, login)
    before = _state(app)
    response = client.post(f"/meetings/{ids['meeting']}/justering", data={"csrf_token": token})
    _failure_reported(app, client, response, "kunde inte skapas")
    after = _state(app)
    assert after == before, difference(before, after)


def test_approval_with_failing_signing_keeps_the_round_open(
    app, factory, make_client, login, monkeypatch, tmp_path
):
    """The chair approves while the signing key cannot be opened: her signoff stays pending,
    the round open, the PDF of the round unchanged."""
    from app.extensions import db
    from app.justering import services
    from app.justering.models import SignoffRole
    from tests.justering.helpers import meeting

    ids, client, token = _send_to_justering(app, factory, make_client, login)
    assert (
        client.post(f"/meetings/{ids['meeting']}/justering", data={"csrf_token": token}).status_code
        == 302
    )
    client.get("/")  # the success message is read
    with app.app_context():
        justering = services.open_round(meeting(ids))
        assert justering is not None
        chair = next(s for s in justering.signoffs if s.role == SignoffRole.CHAIR)
        signoff_id = chair.id
        db.session.rollback()
    anna = make_client()
    login(anna, ANNA, PASSWORD)
    anna_token = anna.csrf_token("/")
    monkeypatch.setitem(app.config, "SIGNING_PKCS12", str(tmp_path / "gone.p12"))
    monkeypatch.setitem(app.config, "SIGNING_PERSONAL_DIR", str(tmp_path / "no-personal"))
    before = _state(app)
    response = anna.post(
        f"/justering/signoffs/{signoff_id}/approve", data={"csrf_token": anna_token}
    )
    _failure_reported(app, anna, response, "kunde inte skapas")
    after = _state(app)
    assert after == before, difference(before, after)


@pytest.mark.usefixtures("broken_renderer")
def test_minutes_render_failure_changes_nothing(app, factory, make_client, login):
    ids = _group_with_minutes(app, factory)
    client = make_client()
    login(client, MINUTES_STINA, PASSWORD)
    record_url = f"/meetings/{ids['meeting']}/record"
    token = client.csrf_token(record_url)
    before = _state(app)
    response = client.post(
        f"/meetings/{ids['meeting']}/record/finalise", data={"csrf_token": token}
    )
    _failure_reported(app, client, response, "kunde inte skapas")
    after = _state(app)
    assert after == before, difference(before, after)


def test_minutes_signing_failure_changes_nothing(app, factory, make_client, login, broken_signing):
    ids = _group_with_minutes(app, factory)
    client = make_client()
    login(client, MINUTES_STINA, PASSWORD)
    token = client.csrf_token(f"/meetings/{ids['meeting']}/record")
    before = _state(app)
    response = client.post(
        f"/meetings/{ids['meeting']}/record/finalise", data={"csrf_token": token}
    )
    _failure_reported(app, client, response, "kunde inte skapas")
    after = _state(app)
    assert after == before, difference(before, after)


def _srb_meeting(app, demo_world) -> int:
    from sqlalchemy import select

    from app.bodies.models import Body
    from app.extensions import db
    from app.meetings.models import Meeting

    with app.app_context():
        srb = db.session.scalar(select(Body).where(Body.short_name == "SRB"))
        return db.session.scalar(
            select(Meeting.id).where(Meeting.body_id == srb.id, Meeting.is_illustrative.is_(True))
        )


@pytest.mark.usefixtures("broken_renderer")
def test_agenda_pdf_failure_shows_a_clear_page(app, demo, make_client, login_demo):
    from tests.conftest import ELIN

    meeting_id = _srb_meeting(app, demo)
    client = make_client()
    login_demo(client, ELIN)
    before = _state(app)
    response = client.get(f"/meetings/{meeting_id}/foredragningslista.pdf")
    assert response.status_code == 500
    assert RENDER_FAILED in response.get_data(as_text=True)
    assert _state(app) == before


@pytest.mark.usefixtures("broken_renderer")
def test_kallelse_render_failure_sends_nothing(app, demo, make_client, login_demo, smtp_server):
    from tests.conftest import ELIN

    meeting_id = _srb_meeting(app, demo)
    client = make_client()
    login_demo(client, ELIN)
    token = client.csrf_token(f"/meetings/{meeting_id}/agenda")
    before = _state(app)
    response = client.post(
        f"/meetings/{meeting_id}/kallelse", data={"csrf_token": token, "preliminary": "1"}
    )
    _failure_reported(app, client, response, "Kallelsen skickades inte", "PDF kunde inte skapas")
    assert _state(app) == before
    assert not smtp_server.messages  # no mail went out
