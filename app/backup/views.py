"""The admins' export page: start a säkerhetskopia as a background job, list the recent
ones, download an archive."""

from flask import Blueprint, abort, render_template, send_file
from flask_login import current_user, login_required

from app.accounts import permissions
from app.accounts.permissions import can_export
from app.backup.jobs import EXPORT, download_name, export_path
from app.core.forms import ConfirmForm
from app.core.loading import allowed, load
from app.core.views import confirmed_post
from app.extensions import db
from app.jobs.models import Job
from app.jobs.services import active_job, start_job
from app.jobs.views import follow_job

bp = Blueprint("backup", __name__)

RECENT = 10


@bp.get("/admin/export")
@login_required
@allowed(can_export)
def export():
    jobs = db.session.scalars(
        db.select(Job).where(Job.kind == EXPORT).order_by(Job.id.desc()).limit(RECENT)
    ).all()
    return render_template(
        "backup/export.html",
        jobs=jobs,
        available={job.id: export_path(job) is not None for job in jobs},
        download_name=download_name,
        form=ConfirmForm(),
    )


@bp.post("/admin/export")
@login_required
@confirmed_post
@allowed(can_export)
def start_export():
    job = active_job(EXPORT, current_user) or start_job(
        current_user, EXPORT, arguments={}, body_id=None
    )
    return follow_job(job)


@bp.get("/admin/export/<int:job_id>/download")
@login_required
@allowed(can_export)  # before any archive is looked for: only an admin learns which exist
def download(job_id: int):
    job = load(Job, job_id, permissions.can_download_export)
    path = export_path(job)
    if path is None:
        abort(404)
    return send_file(
        path,
        mimetype="application/x-tar",
        as_attachment=True,
        download_name=download_name(job),
        max_age=0,
    )
