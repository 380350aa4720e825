"""The säkerhetskopia as a background job: an admin starts it on /admin/export, the job writes
the archive of `flask export` into STORAGE_PATH/exports (never the database), and the job's
page and the export page offer the download. Nobody else may see, start or download one."""

import io
import tarfile

import pytest
from sqlalchemy import select

from app.backup.services import read_manifest, verify_archive
from app.documents.storage import path_for, store_bytes
from app.extensions import db
from app.jobs.models import Job, JobStatus
from tests.agenda.helpers import make_committee
from tests.conftest import hidden

ADMIN = "admin@example.se"


@pytest.fixture
def world(app, factory, tmp_path, monkeypatch):
    # A storage folder of this test's own, given back afterwards: one test here damages a file.
    monkeypatch.setitem(app.config, "STORAGE_PATH", str(tmp_path / "storage"))
    ids = make_committee(factory)
    factory.user(ADMIN, is_admin=True)
    with app.app_context():
        ids["stored"] = store_bytes(b"an uploaded document, stored by its hash")
    return ids


def test_an_admin_exports_and_downloads_a_verified_archive(
    app, world, make_client, login, tmp_path
):
    admin = make_client()
    login(admin, ADMIN)
    page = admin.get("/admin/export")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Skapa säkerhetskopia" in text and "<script" not in text
    response = admin.post("/admin/export", data={"csrf_token": hidden(text, "csrf_token")})
    assert response.status_code == 302
    with app.app_context():
        (job,) = db.session.scalars(select(Job)).all()
        assert job.kind == "export" and job.status == JobStatus.DONE, job.error
        assert job.progress == 100 and job.result["files"] >= 1 and job.result["rows"] > 0
        job_id, day = job.id, job.result["date"]
    assert response.headers["Location"] == f"/jobs/{job_id}"
    # The job's page and the export page both offer the download.
    job_page = admin.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f'href="/admin/export/{job_id}/download"' in job_page and "Klart" in job_page
    listing = admin.get("/admin/export").get_data(as_text=True)
    assert f"sekretariat-{day}.tar" in listing
    with admin.get(f"/admin/export/{job_id}/download") as download:
        assert download.status_code == 200 and download.mimetype == "application/x-tar"
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment") and f"sekretariat-{day}.tar" in disposition
        data = download.data
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        manifest = read_manifest(archive)
        verify_archive(archive, manifest)
        assert f"files/{world['stored']}" in manifest["members"]
        assert manifest["tables"]["users"] >= 2
        assert manifest["tables"]["jobs"] >= 1
    # The archive is a file beside the stored files, not a row nor a stored file itself.
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert set(job.result) >= {"file", "bytes", "date"} and "data" not in job.result
        assert job.result["bytes"] == len(data)
        assert (tmp_path / "storage" / "exports" / job.result["file"]).is_file()
    # A second export does not contain the first archive.
    text = admin.get("/admin/export").get_data(as_text=True)
    admin.post("/admin/export", data={"csrf_token": hidden(text, "csrf_token")})
    with app.app_context():
        second = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert second.id != job_id and second.status == JobStatus.DONE
        second_id = second.id
    with admin.get(f"/admin/export/{second_id}/download") as again:
        data = again.data
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        assert read_manifest(archive)["files"] == manifest["files"]


def test_only_admins_may_export(app, world, make_client, login):
    admin = make_client()
    login(admin, ADMIN)
    text = admin.get("/admin/export").get_data(as_text=True)
    admin.post("/admin/export", data={"csrf_token": hidden(text, "csrf_token")})
    with app.app_context():
        job_id = db.session.scalar(select(Job.id))
    secretary = make_client()
    login(secretary, "elin@example.se")
    token = secretary.csrf_token("/account")
    assert secretary.get("/admin/export").status_code == 403
    assert secretary.post("/admin/export", data={"csrf_token": token}).status_code == 403
    assert secretary.get(f"/admin/export/{job_id}/download").status_code == 403
    assert secretary.get(f"/jobs/{job_id}").status_code == 403
    anonymous = make_client()
    response = anonymous.get(f"/admin/export/{job_id}/download")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Job.id))) == 1


def test_a_download_of_another_kind_of_job_is_not_found(app, world, make_client, login):
    admin = make_client()
    login(admin, ADMIN)
    assert admin.get("/admin/export/999/download").status_code == 404


def test_a_damaged_stored_file_fails_the_export_with_the_reason(app, world, make_client, login):
    with app.app_context():
        path = path_for(world["stored"])
    path.write_bytes(b"changed on disk")
    admin = make_client()
    login(admin, ADMIN)
    text = admin.get("/admin/export").get_data(as_text=True)
    response = admin.post("/admin/export", data={"csrf_token": hidden(text, "csrf_token")})
    with app.app_context():
        (job,) = db.session.scalars(select(Job)).all()
        assert job.status == JobStatus.FAILED and job.result is None
        assert "Säkerhetskopian kunde inte skrivas" in job.error and "damaged" in job.error
        folder = path.parents[2] / "exports"
        assert list(folder.iterdir()) == []  # the half-written archive is gone
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Säkerhetskopian kunde inte skrivas" in page and "Försök igen" in page
    assert admin.get(f"/admin/export/{job.id}/download").status_code == 404
