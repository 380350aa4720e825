"""Hostile PDFs: a small file that unpacks to gigabytes is refused before it is unpacked, the
work on uploads runs in a child process with a time and memory limit, and what could run in a
reader's viewer is taken out of what is stored."""

import hashlib
import io
import os
import pickle
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.cases.models import Document
from app.documents import sandbox, uploads
from app.documents.packet import PacketDocument, PacketSection, build_packet
from app.documents.render import render_pdf
from app.documents.sandbox import LimitExceeded, Limits, run_limited
from app.documents.storage import store_bytes
from app.documents.uploads import UploadRejected, check_pdf_upload
from app.extensions import db
from app.jobs.models import Job, JobStatus
from tests.agenda.helpers import make_committee
from tests.documents import sandbox_work
from tests.documents.hostile import (
    DRAWING,
    MB,
    active_pdf,
    bomb_pdf,
    embedded_files,
    links,
    nested_forms_pdf,
    page_list_pdf,
)
from tests.jobs.helpers import documents_of, meeting_with_documents, packet_sha
from tests.security.helpers import pdf_active_content

ROOMY = Limits(seconds=60, memory_bytes=2048 * MB)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return bomb_pdf()


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


# -- the bomb --------------------------------------------------------------------------------


def test_a_pdf_bomb_is_refused_with_the_reason(request_context, bomb):
    # 1,000 pages sharing one Flate stream that inflates to 70 MB: about 250 kB uploaded.
    assert len(bomb) < 300_000
    with pytest.raises(UploadRejected) as raised:
        check_pdf_upload(bomb, "bilaga.pdf", max_bytes=50 * MB)
    assert raised.value.reason == "unpacks_too_large"
    assert raised.value.message == (
        "PDF-filen packas upp till mer än 100 MB och kan inte tas emot."
    )


def test_the_bomb_is_counted_only_until_the_limit(bomb):
    """Bounded work: the count stops at the first page past the limit; the other 998 pages
    are never touched (counted in full they would come to 70 GB)."""
    inspection = uploads.inspect_pdf(bomb, max_decoded_bytes=100 * MB)
    assert inspection.refusal == "unpacks_too_large"
    assert 100 * MB < inspection.decoded_bytes <= 2 * 70 * MB
    # The same file within a limit it fits is read in full: the count is what refused it.
    small = bomb_pdf(pages=2, inflated=MB)
    inspection = uploads.inspect_pdf(small, max_decoded_bytes=100 * MB)
    assert inspection.refusal is None and inspection.pages == 2
    assert inspection.decoded_bytes == 2 * (MB // len(DRAWING)) * len(DRAWING)


def test_forms_drawing_forms_are_counted_not_walked(bomb):
    """A page drawing a form that draws the next one twice, 40 deep: 2**40 forms from a
    44 kB file. Each form is worked out once; the page's full cost is what refuses it."""
    nested = nested_forms_pdf(levels=40)
    assert len(nested) < 50_000
    inspection = uploads.inspect_pdf(nested, max_decoded_bytes=100 * MB)
    assert inspection.refusal == "unpacks_too_large"
    # Three levels: the page (6 bytes), 1 + 2 forms of 908 bytes, 4 uses of the last (1 kB).
    inspection = uploads.inspect_pdf(nested_forms_pdf(levels=3), max_decoded_bytes=100 * MB)
    assert inspection.refusal is None
    assert inspection.decoded_bytes == 6 + 3 * 908 + 4 * 1024


def test_the_check_has_a_memory_limit(request_context, bomb):
    """With no limit on unpacking, the child's memory limit stops the bomb instead."""
    with pytest.raises(UploadRejected) as raised:
        check_pdf_upload(
            bomb,
            "bilaga.pdf",
            max_bytes=50 * MB,
            max_decoded_bytes=2**40,
            limits=Limits(seconds=60, memory_bytes=200 * MB),
        )
    assert raised.value.reason == "too_much_memory"
    assert "behöver mer än 200 MB minne" in raised.value.message


def test_the_limits_come_from_the_configuration(app, bomb, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_DECODED_BYTES", 2**40)
    monkeypatch.setitem(app.config, "UPLOAD_CHECK_MEMORY_LIMIT", 200 * MB)
    with app.test_request_context(), pytest.raises(UploadRejected) as raised:
        check_pdf_upload(bomb, "bilaga.pdf", max_bytes=50 * MB)
    assert raised.value.reason == "too_much_memory"
    monkeypatch.setitem(app.config, "UPLOAD_CHECK_MEMORY_LIMIT", 2048 * MB)
    # A time limit shorter than starting the child at all: refused, saying so.
    monkeypatch.setitem(app.config, "UPLOAD_CHECK_TIME_LIMIT", 0.05)
    with app.test_request_context(), pytest.raises(UploadRejected) as raised:
        check_pdf_upload(bomb, "bilaga.pdf", max_bytes=50 * MB)
    assert raised.value.reason == "too_slow"
    assert raised.value.message == (
        "PDF-filen tar mer än 0,05 sekunder att läsa och kan inte tas emot."
    )


# -- the sandbox -------------------------------------------------------------------------------


def test_the_sandbox_returns_the_result_and_relays_progress():
    heard = []
    result = run_limited(
        sandbox_work.add, 2, 3, limits=ROOMY, progress=lambda *step: heard.append(step)
    )
    assert result == 5
    assert heard == [("adding", 1, 2), ("adding", 2, 2)]


def test_the_sandbox_stops_work_past_its_time_limit():
    with pytest.raises(LimitExceeded) as raised:
        run_limited(sandbox_work.spin, limits=Limits(seconds=1, memory_bytes=2048 * MB))
    assert raised.value.what == "time"


def test_the_sandbox_stops_work_past_its_memory_limit():
    with pytest.raises(LimitExceeded) as raised:
        run_limited(sandbox_work.hoard, limits=Limits(seconds=60, memory_bytes=300 * MB))
    assert raised.value.what == "memory"


def test_the_childs_errors_are_raised_here():
    with pytest.raises(ValueError, match="Bilaga 3 is not a PDF"):
        run_limited(sandbox_work.refuse, limits=ROOMY)
    # A class the parent will not load arrives as its name and message.
    with pytest.raises(RuntimeError, match="Unloadable: strange"):
        run_limited(sandbox_work.raise_unloadable, limits=ROOMY)


def test_the_child_does_not_get_the_apps_secrets(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "hemlig-nyckel")
    monkeypatch.setenv("DATABASE_URL", "postgresql://sekretariat:lösen@db/sekretariat")
    seen = run_limited(sandbox_work.environment, limits=ROOMY)
    assert "SECRET_KEY" not in seen and "DATABASE_URL" not in seen
    assert seen["PATH"] == os.environ["PATH"]


def test_the_child_cannot_make_the_parent_run_anything():
    """The child reads hostile files; its answers may hold data, never a callable."""
    hostile = pickle.dumps(("done", os.system))
    with pytest.raises(pickle.UnpicklingError):
        sandbox._ChildUnpickler(io.BytesIO(hostile)).load()


# -- active content --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plain(app) -> bytes:
    with app.app_context():
        return render_pdf("<html lang='sv'><p>Bilaga om budgeten 2031</p></html>")


def test_active_content_is_removed(request_context, plain):
    hostile = active_pdf(plain)
    assert pdf_active_content(hostile) and embedded_files(hostile)  # the test PDF has them

    upload = check_pdf_upload(hostile, "bilaga.pdf", max_bytes=10 * MB)

    assert pdf_active_content(upload.data) == []
    assert embedded_files(upload.data) == []
    reader = PdfReader(io.BytesIO(upload.data))
    root = reader.trailer["/Root"]
    assert "/OpenAction" not in root and "/Names" not in root
    assert "/XFA" not in root["/AcroForm"]
    assert "/AA" not in reader.pages[0]
    # What is harmless stays: the text and a web link.
    assert "Bilaga om budgeten 2031" in reader.pages[0].extract_text()
    assert links(upload.data) == ["https://www.example.se/bilaga"]
    # The stored copy is the cleaned one; the original is known by its sha256.
    assert upload.sha256 == hashlib.sha256(upload.data).hexdigest()
    assert upload.original_sha256 == hashlib.sha256(hostile).hexdigest() != upload.sha256
    assert set(upload.removed) >= {
        "/OpenAction /JavaScript",
        "/Names /JavaScript",
        "/Names /EmbeddedFiles",
        "/A /Launch",
        "/AA",
    }


# -- the handlingar packet -------------------------------------------------------------------


def _stored_files(app) -> set[Path]:
    return {path for path in Path(app.config["STORAGE_PATH"]).rglob("*") if path.is_file()}


def test_a_packet_past_its_time_limit_fails_its_job_and_keeps_nothing(
    app, factory, make_client, login, monkeypatch
):
    """A file stored before uploads were checked (or brought in some other way) that lists one
    page 50,000 times: building the handlingar stops at the time limit, the job fails saying
    why, no packet is kept."""
    ids = make_committee(factory)
    meeting_id = meeting_with_documents(app, ids["body"], documents=2)
    with app.app_context():
        document = db.session.get(Document, documents_of(app, meeting_id)[1])
        document.sha256 = store_bytes(page_list_pdf())
        db.session.commit()
    stored_before = _stored_files(app)
    monkeypatch.setitem(app.config, "PACKET_TIME_LIMIT", 2)
    elin = make_client()
    login(elin, "elin@example.se")

    response = elin.get(f"/meetings/{meeting_id}/handlingar.pdf", follow_redirects=True)

    with app.app_context():
        (job,) = db.session.scalars(select(Job)).all()
        assert job.status == JobStatus.FAILED
        assert job.error == (
            "Handlingarna kunde inte sättas samman: det tog längre än de 2 sekunder som är tillåtna"
        )
    assert response.request.path == f"/jobs/{job.id}"
    assert job.error in response.get_data(as_text=True)
    assert packet_sha(app, meeting_id) is None
    # Nothing half made in storage either: what was added (the agenda's rendering) is
    # one page, not a packet of 50,002.
    for path in _stored_files(app) - stored_before:
        assert len(PdfReader(path).pages) < 10


def test_a_packet_copies_streams_without_unpacking_them(app, bomb):
    """The bomb's pages go into the packet as they are: its stream is copied packed, byte for
    byte, never inflated (70 MB, drawn on each of its 1,000 pages), and every page is stamped
    all the same."""
    with app.app_context():
        front = render_pdf("<p>Föredragningslista</p>")
        section = PacketSection("3 Bilagor", [PacketDocument("Bomben", bomb)])
        pdf = build_packet(front, "Föredragningslista", [section], limits=ROOMY)

    original = pikepdf.Pdf.open(io.BytesIO(bomb))
    packed = original.pages[0].obj.Contents.read_raw_bytes()
    packet = pikepdf.Pdf.open(io.BytesIO(pdf))
    assert len(packet.pages) == 1001
    last = packet.pages[1000].obj.Contents
    # The page's own content between the stamp's two streams (opening and drawing).
    assert len(last) == 3 and last[1].read_raw_bytes() == packed
    assert last[0].objgen != last[1].objgen != last[2].objgen
    assert len(pdf) < len(bomb) + 200_000
