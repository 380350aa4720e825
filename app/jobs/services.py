"""Starting, running and retrying jobs. The work itself is a domain service; a job only calls it.

A job is a row (app.jobs.models.Job) before it is a Celery message: the row is committed
first, then the message is sent with the row's id. The task loads the row, runs the kind's
work and records the outcome in the same transaction as the work, so either both are saved
or neither is. A job that is finished (done or failed) is never run again by a redelivered
message; one that is still "running" (its worker was killed) is run again from the start.
"""

import logging
import time
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from app.core.errors import ConflictError, DomainError
from app.core.models import utcnow
from app.extensions import db
from app.jobs.models import Job, JobStatus

log = logging.getLogger(__name__)

# A job whose worker dies under it is run again, at most this many times in all.
MAX_ATTEMPTS = 3

# progress(percent, step): how far the work has come, said in the UI language.
ProgressFn = Callable[[int, str], None]


@dataclass(frozen=True)
class JobKind:
    """What a kind of job does and how its page speaks about it.

    ``run(job, progress)`` does the work inside the job's transaction and returns the result
    (JSON); it must not commit. ``explain(error)`` may turn an exception of its own into a
    message for the user (None: the generic one). ``may_start(user, job)`` is the original
    action's permission rule, asked again before a retry. The rest need a request context:
    ``title(job)``, ``back(job)`` (where the work was started), ``links(job)`` (label, URL)
    shown when done, ``done_messages(job)`` (category, text) flashed when the work finished
    while the request waited (always so without a broker).

    ``conflict_retries``: when the work collides with a change saved at the same moment (an
    optimistic version, StaleDataError), it is rolled back and run again this many times
    (built on what the other saved) before the job fails with the conflict.
    """

    name: str
    run: Callable[[Job, ProgressFn], dict[str, Any] | None]
    may_start: Callable[[Any, Job], bool]
    title: Callable[[Job], str]
    back: Callable[[Job], str]
    links: Callable[[Job], list[tuple[str, str]]] = field(default=lambda job: [])
    done_messages: Callable[[Job], list[tuple[str, str]]] = field(default=lambda job: [])
    explain: Callable[[Exception], str | None] = field(default=lambda error: None)
    conflict_retries: int = 0


KINDS: dict[str, JobKind] = {}


def register_kind(kind: JobKind) -> JobKind:
    """Make a kind of job known (exports and other long work add theirs the same way)."""
    KINDS[kind.name] = kind
    return kind


def kind_of(job: Job) -> JobKind:
    from app.jobs import kinds  # noqa: F401 - the built-in kinds register on import

    try:
        return KINDS[job.kind]
    except KeyError:
        raise LookupError(f"unknown job kind {job.kind!r}") from None


# -- starting ---------------------------------------------------------------------------------


def start_job(actor: Any, kind: str, *, arguments: dict[str, Any], body_id: int | None) -> Job:
    """Record a job and hand it to a worker (or, without a broker, run it now).

    Commits the current session first: the worker reads the row from its own connection.
    On return the job is as far as it got: without a broker it is done or failed.
    """
    if has_request_context():
        # Links the work writes (mail, notices) name the host the job was started from.
        arguments = {**arguments, "_base_url": request.host_url}
    job = Job(
        kind=kind,
        status=JobStatus.QUEUED,
        arguments=arguments,
        body_id=body_id,
        started_by_id=getattr(actor, "id", None),
        step=_("Waiting for a worker"),
    )
    db.session.add(job)
    db.session.commit()
    _enqueue(job)
    return job


def retry_job(job: Job) -> Job:
    """Queue a failed job again; what it was given is kept, the error is cleared."""
    if job.status != JobStatus.FAILED:
        raise DomainError(_("Only a failed job can be tried again."))
    job.status = JobStatus.QUEUED
    job.error = None
    job.progress = 0
    job.step = _("Waiting for a worker")
    job.finished_at = None
    db.session.commit()
    _enqueue(job)
    return job


def active_job(kind: str, actor: Any, **arguments: Any) -> Job | None:
    """A queued or running job of ``kind`` that ``actor`` started, whose arguments include
    ``arguments`` (asking twice follows the first job instead of starting a second)."""
    candidates = db.session.scalars(
        db.select(Job)
        .where(
            Job.kind == kind,
            Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
            Job.started_by_id == getattr(actor, "id", None),
        )
        .order_by(Job.id.desc())
    )
    for job in candidates:
        if all(job.arguments.get(name) == value for name, value in arguments.items()):
            return job
    return None


def _enqueue(job: Job) -> None:
    task = current_app.extensions["jobs_task"]
    job.task_id = uuid.uuid4().hex
    db.session.commit()
    try:
        task.apply_async(args=[job.id], task_id=job.task_id)
    except Exception as error:  # the broker cannot be reached
        log.exception("job %s could not be queued", job.id)
        db.session.rollback()
        job.status = JobStatus.FAILED
        job.error = _(
            "The job could not be handed to the background worker (%(detail)s). "
            "Try again in a moment.",
            detail=str(error) or type(error).__name__,
        )
        job.finished_at = utcnow()
        db.session.commit()
        return
    db.session.refresh(job)  # run in process (no broker): the row is already finished


# -- running (in the worker, or in process) ---------------------------------------------------


class Progress:
    """Writes a job's progress where the page can read it while the work is still uncommitted.

    In a worker each step is committed at once on a connection of its own (the work's own
    transaction stays open until the end). Run in process nobody can watch, so it only
    keeps the values on the row. ``JOBS_TEST_STEP_DELAY`` (tests only) waits after each step,
    so that a test can watch a job or kill its worker half-way.
    """

    def __init__(self, job: Job, *, live: bool) -> None:
        self.job_id = job.id
        self.job = job
        self.live = live
        self.delay = float(current_app.config.get("JOBS_TEST_STEP_DELAY") or 0)

    def __call__(self, percent: int, step: str) -> None:
        percent = max(0, min(99, int(percent)))
        step = step[:200]
        if not self.live:
            return
        try:
            with db.engine.connect() as connection:
                connection.execute(
                    update(Job).where(Job.id == self.job_id).values(progress=percent, step=step)
                )
                connection.commit()
        except SQLAlchemyError:
            log.warning("progress of job %s not recorded", self.job_id, exc_info=True)
        if self.delay:
            time.sleep(self.delay)


def run_job(job_id: int, *, live: bool) -> None:
    """Run one job to its end: done with its result, or failed with the reason."""
    job = db.session.get(Job, job_id)
    if job is None or job.is_finished:
        return  # a redelivered message for a job already finished: nothing to do
    kind = kind_of(job)
    if job.status == JobStatus.RUNNING and (job.attempts or 0) >= MAX_ATTEMPTS:
        # Its workers died under it every time: stop handing it round, and say so.
        job.status = JobStatus.FAILED
        job.error = _(
            "The job was interrupted %(n)d times before it could finish. Try again; tell the "
            "administrator if it happens again.",
            n=job.attempts,
        )
        job.step = _("Stopped")
        job.finished_at = utcnow()
        db.session.commit()
        return
    job.status = JobStatus.RUNNING
    job.attempts = (job.attempts or 0) + 1
    job.started_at = utcnow()
    job.progress = 0
    job.step = _("Started")
    db.session.commit()
    base_url = (job.arguments or {}).get("_base_url")
    conflicts = 0
    while True:
        context = current_app.test_request_context(base_url=base_url) if base_url else nullcontext()
        try:
            with context:
                result = kind.run(job, Progress(job, live=live))
            job.result = result or {}
            job.status = JobStatus.DONE
            job.progress = 100
            job.step = _("Done")
            job.error = None
            job.finished_at = utcnow()
            db.session.commit()
            return
        except StaleDataError as error:
            if conflicts >= kind.conflict_retries:
                _failed(kind, job_id, error)
                return
            # Someone saved the same thing first: run again on what she saved.
            conflicts += 1
            db.session.rollback()
            log.info("job %s conflicted with a simultaneous change; run again", job_id)
            job = db.session.get(Job, job_id)
        except Exception as error:
            _failed(kind, job_id, error)
            return


def _failed(kind: JobKind, job_id: int, error: Exception) -> None:
    db.session.rollback()
    message = explain(kind, error)
    job = db.session.get(Job, job_id)
    job.status = JobStatus.FAILED
    job.error = message
    job.step = _("Stopped")
    job.finished_at = utcnow()
    db.session.commit()


def explain(kind: JobKind, error: Exception) -> str:
    """The reason a job failed, for the person who started it."""
    message = kind.explain(error)
    if message:
        return message
    if isinstance(error, StaleDataError):
        return ConflictError().message
    if isinstance(error, DomainError):
        return error.message
    log.error("job of kind %s failed", kind.name, exc_info=error)
    return _(
        "The work stopped on an unexpected error (%(detail)s). Nothing of it was saved; "
        "try again, and tell the administrator if it happens again.",
        detail=str(error) or type(error).__name__,
    )
