"""`flask export` / `flask import`: the whole installation in one archive, and back.

The demo is carried through its cycle (a signed, justerat protokoll on the anslagstavla),
exported, and imported into a second, empty installation (its own SQLite file and storage
folder). There every stored file is byte-identical, every signed PDF verifies, and the agenda
and the protokoll render to byte-identical PDFs. A changed archive and a filled database are
refused with a clear message.
"""

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, make_url, select

from app import create_app
from app.backup.services import DERIVED
from app.core.response_cache import DataGeneration
from app.extensions import db
from config import TestingConfig, configs

POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.fixture(params=["sqlite", "postgresql"])
def second_install(request, app: Flask, tmp_path) -> Iterator[Flask]:
    """An empty installation of its own: a fresh database and a fresh storage folder. A SQLite
    file always; a second PostgreSQL database on the test server when there is one."""
    if request.param == "postgresql" and not POSTGRES:
        pytest.skip("no PostgreSQL server (TEST_DATABASE_URL)")
    url = f"sqlite:///{tmp_path / 'restored.db'}"
    server = None
    if request.param == "postgresql":
        source = make_url(os.environ["TEST_DATABASE_URL"])
        name = f"{source.database}_restored"
        server = create_engine(source, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = source.set(database=name).render_as_string(hide_password=False)

    class SecondConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        STORAGE_PATH = str(tmp_path / "restored-storage")

    configs["restored"] = SecondConfig
    try:
        second = create_app("restored")
    finally:
        del configs["restored"]
    second.config["SIGNING_DIR"] = app.config["SIGNING_DIR"]  # the same trust roots
    with second.app_context():
        db.create_all()
        # What `flask db upgrade` leaves besides the empty tables (the README's order: upgrade,
        # then import): the data generation's row.
        db.session.execute(DataGeneration.__table__.insert().values(id=1, value=0))
        db.session.commit()
    yield second
    with second.app_context():
        db.session.remove()
        db.engine.dispose()
    if server is not None:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        server.dispose()


def _export(app: Flask, target: Path) -> None:
    result = app.test_cli_runner().invoke(args=["export", str(target)])
    assert result.exit_code == 0, result.output
    assert "Exported" in result.output


def _import(app: Flask, source: Path):
    return app.test_cli_runner().invoke(args=["import", str(source)])


def _stored_hashes(app: Flask) -> dict[str, str]:
    """Every hash the database names as a stored file, with where it is named."""
    from app.cases.models import Document
    from app.justering.models import JusteringRound, RecordRevision
    from app.meetings.models import Meeting

    found: dict[str, str] = {}
    with app.app_context():
        for document in db.session.scalars(select(Document)):
            if document.sha256:
                found[document.sha256] = f"document {document.id}"
        for revision in db.session.scalars(select(RecordRevision)):
            for name in ("signed_pdf_sha256", "public_pdf_sha256"):
                if getattr(revision, name):
                    found[getattr(revision, name)] = f"revision {revision.id} {name}"
        for round_ in db.session.scalars(select(JusteringRound)):
            found[round_.pdf_sha256] = f"justering round {round_.id}"
        for meeting in db.session.scalars(select(Meeting)):
            for name in ("agenda_pdf_sha256", "record_pdf_sha256"):
                if getattr(meeting, name):
                    found[getattr(meeting, name)] = f"meeting {meeting.id} {name}"
    return found


def _renderings(app: Flask, meeting_id: int) -> dict[str, bytes]:
    """The agenda and the protokoll rendered anew (not read from storage)."""
    from app.agenda.rendering import agenda_print_html
    from app.documents.render import render_pdf
    from app.meetings.models import Meeting
    from app.record.rendering import record_print_html

    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        pdfs = {
            "agenda": render_pdf(agenda_print_html(meeting), title="Föredragningslista"),
            "record": render_pdf(record_print_html(meeting), title="Protokoll"),
        }
        db.session.rollback()
    return pdfs


def test_round_trip_restores_an_identical_installation(
    app, justerat_demo, second_install, tmp_path
):
    from app.documents.storage import read_bytes
    from app.justering.models import RecordRevision
    from app.signing.verify import verify_pdf

    archive = tmp_path / "sekretariat.tar"
    _export(app, archive)
    result = _import(second_install, archive)
    assert result.exit_code == 0, result.output
    assert "Imported" in result.output

    # Every table has the same rows.
    from tests.faults.forms import snapshot

    with app.app_context():
        original = snapshot()
    with second_install.app_context():
        restored = snapshot()
    for table, rows in original.items():
        if table in DERIVED:  # rebuilt (the search index) or the installation's own
            continue
        assert restored[table] == rows, f"{table} differs after the round trip"

    # Every stored file is there, byte for byte.
    hashes = _stored_hashes(app)
    assert hashes and _stored_hashes(second_install) == hashes
    for sha256, where in hashes.items():
        with app.app_context():
            before = read_bytes(sha256)
        with second_install.app_context():
            after = read_bytes(sha256)
        assert after == before, where

    # Every signed PDF verifies in the restored installation.
    with second_install.app_context():
        signed = [
            revision.signed_pdf_sha256
            for revision in db.session.scalars(select(RecordRevision))
            if revision.signed_pdf_sha256
        ]
        assert signed
        for sha256 in signed:
            report = verify_pdf(read_bytes(sha256))
            assert report.valid, (sha256, report)

    # The documents render the same, byte for byte.
    before, after = _renderings(app, justerat_demo), _renderings(second_install, justerat_demo)
    assert before["agenda"] == after["agenda"]
    assert before["record"] == after["record"]

    # New rows get new ids (PostgreSQL's sequences were moved past the imported ones).
    from app.people.models import Person

    with second_install.app_context():
        highest = db.session.scalar(select(func.max(Person.id)))
        person = Person(name="Ny Person")
        db.session.add(person)
        db.session.commit()
        assert person.id > highest

    # Search works from the rebuilt index.
    assert second_install.test_client().get("/search?q=m%C3%A5lbild").status_code == 200


def test_import_refuses_a_filled_database(app, justerat_demo, tmp_path):
    archive = tmp_path / "sekretariat.tar"
    _export(app, archive)
    result = _import(app, archive)
    assert result.exit_code != 0
    assert "not empty" in result.output


def _tamper(archive: Path, member_prefix: str) -> Path:
    """A copy of the archive with one byte of a member changed."""
    changed = archive.with_name("changed.tar")
    with tarfile.open(archive) as source, tarfile.open(changed, "w") as target:
        done = False
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if not done and member.name.startswith(member_prefix) and data:
                data = (
                    data.replace(b"Johanna", b"Johanne", 1)
                    if b"Johanna" in data
                    else (bytes([data[0] ^ 1]) + data[1:])
                )
                done = True
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    assert done
    return changed


@pytest.mark.parametrize("member", ["tables/", "files/"])
def test_import_refuses_a_changed_archive(app, justerat_demo, second_install, tmp_path, member):
    archive = tmp_path / "sekretariat.tar"
    _export(app, archive)
    result = _import(second_install, _tamper(archive, member))
    assert result.exit_code != 0
    assert "damaged or was changed" in result.output
    with second_install.app_context():
        from app.people.models import Person

        assert db.session.scalar(select(Person.id)) is None  # nothing was imported


def test_manifest_lists_every_member_with_its_checksum(app, justerat_demo, tmp_path):
    archive = tmp_path / "sekretariat.tar"
    _export(app, archive)
    with tarfile.open(archive) as opened:
        manifest = json.loads(opened.extractfile("manifest.json").read())
        names = {m.name for m in opened.getmembers()} - {"manifest.json"}
        assert set(manifest["members"]) == names
        for name in names:
            data = opened.extractfile(name).read()
            assert hashlib.sha256(data).hexdigest() == manifest["members"][name]
    assert manifest["format"] == 1 and manifest["alembic_revision"]
    assert manifest["tables"]["people"] > 0 and manifest["files"] > 0


def test_import_refuses_another_revision(app, justerat_demo, second_install, tmp_path):
    archive = tmp_path / "sekretariat.tar"
    _export(app, archive)
    older = tmp_path / "older.tar"
    with tarfile.open(archive) as source, tarfile.open(older, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["alembic_revision"] = "0123456789ab"
                data = json.dumps(manifest).encode()
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    result = _import(second_install, older)
    assert result.exit_code != 0
    assert "0123456789ab" in result.output and "flask db upgrade" in result.output


def test_unfinished_jobs_end_as_failed_when_restored(app, justerat_demo, second_install, tmp_path):
    """The export's own job is running while the archive is written: restored, it must not look
    stuck for ever, so it ends as failed with the reason (and can be retried)."""
    from app.jobs.models import Job, JobStatus

    with app.app_context():
        running = Job(kind="export", status=JobStatus.RUNNING, arguments={})
        done = Job(kind="packet", status=JobStatus.DONE, arguments={})
        db.session.add_all([running, done])
        db.session.commit()
        running_id, done_id = running.id, done.id
    archive = tmp_path / "backup.tar"
    _export(app, archive)
    result = _import(second_install, archive)
    assert result.exit_code == 0, result.output
    with second_install.app_context():
        restored = db.session.get(Job, running_id)
        assert restored.status == JobStatus.FAILED
        assert "återställdes" in restored.error
        assert db.session.get(Job, done_id).status == JobStatus.DONE
        db.session.rollback()
