"""A job's page (progress, then the result or the reason it failed), its JSON for polling,
and "Försök igen"."""

from functools import partial

from flask import Blueprint, flash, jsonify, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.accounts import permissions
from app.core.errors import DomainError
from app.core.forms import ConfirmForm
from app.core.loading import load, loaded
from app.core.views import confirmed_post
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.jobs.services import expire_if_stale, kind_of, retry_job

bp = Blueprint("jobs", __name__)


def follow_job(job: Job) -> Response:
    """Where a button that started a job leads: back with the outcome when the work finished
    while the request waited (always so without a broker) and its kind has something to say,
    else to the job's page (progress, links to the result, or why it failed)."""
    kind = kind_of(job)
    messages = kind.done_messages(job) if job.status == JobStatus.DONE else []
    if messages:
        for category, message in messages:
            flash(message, category)
        return redirect(kind.back(job))
    if job.status == JobStatus.FAILED and job.error:
        flash(job.error, "error")
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.get("/jobs/<int:job_id>")
@login_required
@loaded("job_id", Job, permissions.can_view_job)
def show(job: Job):
    # A job whose worker died says so (and may be tried again) instead of running forever.
    expire_if_stale(job)
    kind = kind_of(job)
    # The page says why the job failed itself: the same words flashed on the way here would
    # only repeat it.
    flashes = session.get("_flashes") or []
    if job.error and any(message == job.error for _category, message in flashes):
        session["_flashes"] = [(c, m) for c, m in flashes if m != job.error]
    return render_template(
        "jobs/show.html",
        job=job,
        title=kind.title(job),
        back=kind.back(job),
        links=kind.links(job) if job.status == JobStatus.DONE else [],
        messages=kind.done_messages(job) if job.status == JobStatus.DONE else [],
        may_retry=permissions.can_retry_job(current_user, job, kind),
        form=ConfirmForm(),
    )


@bp.get("/jobs/<int:job_id>.json")
@login_required
@loaded("job_id", Job, permissions.can_view_job)
def status(job: Job):
    expire_if_stale(job)
    return jsonify(
        id=job.id,
        status=job.status.value,
        status_label=job.status.label,
        progress=job.progress,
        step=job.step,
        finished=job.is_finished,
        error=job.error,
    )


@bp.post("/jobs/<int:job_id>/retry")
@login_required
@confirmed_post
@loaded("job_id", Job, permissions.can_view_job)
def retry(job: Job):
    expire_if_stale(job)
    if job.status != JobStatus.FAILED:
        flash(_("Only a failed job can be tried again."), "error")
        return redirect(url_for(".show", job_id=job.id))
    # Who may try it again is the rule its kind names: asked of the job, now known to have failed.
    load(Job, job.id, partial(permissions.can_retry_job, kind=kind_of(job)))
    try:
        retry_job(job)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".show", job_id=job.id))
    return follow_job(job)
