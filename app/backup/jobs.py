"""The export as a background job: the archive of `flask export`, written by a worker into the
exports folder (``STORAGE_PATH/exports``, shared by every app server) and downloaded from the
job's page. The archive is never put into the database."""

import os
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _

from app.accounts import permissions
from app.backup.services import BackupError, export_archive, read_manifest, verify_archive
from app.core.dates import local_today
from app.jobs.models import Job
from app.jobs.services import JobKind, ProgressFn, register_kind

EXPORT = "export"


def exports_dir() -> Path:
    """Where finished archives are kept: beside the stored files, outside their ``ab/cd/``
    folders (so an export never contains the earlier exports)."""
    return Path(current_app.config["STORAGE_PATH"]) / "exports"


def export_path(job: Job) -> Path | None:
    """The archive a finished export job wrote, if it is still there."""
    name = (job.result or {}).get("file")
    if job.kind != EXPORT or not name or "/" in name or name.startswith("."):
        return None
    path = exports_dir() / name
    return path if path.is_file() else None


def download_name(job: Job) -> str:
    return f"sekretariat-{(job.result or {}).get('date') or local_today().isoformat()}.tar"


def _run_export(job: Job, progress: ProgressFn) -> dict[str, Any]:
    folder = exports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    progress(5, _("Writing the tables and the stored files"))
    # Written beside its final place and renamed when checked: a download never sees half.
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".export-", suffix=".tar")
    os.close(handle)
    try:
        summary = export_archive(temporary)
        progress(80, _("Checking the archive against its manifest"))
        with tarfile.open(temporary) as archive:
            verify_archive(archive, read_manifest(archive))
        progress(95, _("Saving the archive"))
        name = f"export-{job.id}.tar"
        size = os.path.getsize(temporary)
        os.replace(temporary, folder / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return {
        "file": name,
        "bytes": size,
        "date": local_today().isoformat(),
        "rows": sum(summary.tables.values()),
        "tables": len(summary.tables),
        "files": summary.files,
        "revision": summary.revision,
    }


def _explain_export(error: Exception) -> str | None:
    if isinstance(error, BackupError | OSError):
        return _("The backup could not be written: %(reason)s", reason=str(error))
    return None


EXPORT_KIND = JobKind(
    name=EXPORT,
    run=_run_export,
    may_start=lambda user, job: permissions.can_export(user),
    title=lambda job: _("Backup"),
    back=lambda job: url_for("backup.export"),
    links=lambda job: [
        (
            _("Download the backup (%(name)s)", name=download_name(job)),
            url_for("backup.download", job_id=job.id),
        )
    ],
    explain=_explain_export,
)


def register_job_kinds() -> None:
    """Make the backup's kind of job known to app.jobs (called by create_app)."""
    register_kind(EXPORT_KIND)
