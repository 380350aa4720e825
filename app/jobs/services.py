"""Starting, running and retrying jobs. The work itself is a domain service; a job only calls it.

A job is a row (app.jobs.models.Job) before it is a Celery message: the row is committed
first, then the message is sent with the row's id. The task loads the row, runs the kind's
work and records the outcome in the same transaction as the work, so either both are saved
or neither is. A job that is finished (done or failed) is never run again by a redelivered
message; one that is still "running" (its worker was killed) is run again from the start.

A job beats as it goes (``heartbeat_at``: queued, started, each step). One that has not beaten
within its lease (``JOB_LEASE_SECONDS``, per kind ``JOB_LEASE_SECONDS_PER_KIND``) has lost its
worker for good (killed with no other to take it up, or the web server that ran it in process
died): it is failed with the reason when someone asks for the same work again or looks at its
page, and asking again starts a new one. A worker still at it that finds its job failed stops
and saves nothing.
"""

import logging
import time
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from app.core.actors import Actor
from app.core.dates import local_stamp
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
    """Make a kind of job known. Each domain package declares its kinds in its ``jobs`` module
    (app.agenda.jobs, app.justering.jobs, app.backup.jobs) and ``create_app`` registers them:
    this package knows none of them."""
    KINDS[kind.name] = kind
    return kind


def kind_of(job: Job) -> JobKind:
    try:
        return KINDS[job.kind]
    except KeyError:
        raise LookupError(f"unknown job kind {job.kind!r}") from None


# -- starting ---------------------------------------------------------------------------------


def start_job(
    actor: Actor | None, kind: str, *, arguments: dict[str, Any], body_id: int | None
) -> Job:
    """Record a job and hand it to a worker (or, without a broker, run it now). ``actor`` is
    None for work the system starts itself (reading a stored file's text).

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
        heartbeat_at=utcnow(),
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
    job.heartbeat_at = utcnow()
    db.session.commit()
    _enqueue(job)
    return job


def active_job(kind: str, actor: Actor, **arguments: Any) -> Job | None:
    """A queued or running job of ``kind`` that ``actor`` started, whose arguments include
    ``arguments`` (asking twice follows the first job instead of starting a second).

    A job past its lease is not followed: it is failed with the reason (and committed), so
    that the caller starts a new one."""
    candidates = db.session.scalars(
        db.select(Job)
        .where(
            Job.kind == kind,
            Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
            Job.started_by_id == getattr(actor, "id", None),
        )
        .order_by(Job.id.desc())
    )
    for job in candidates.all():
        if all(job.arguments.get(name) == value for name, value in arguments.items()):
            if expire_if_stale(job):
                continue
            return job
    return None


# -- the lease --------------------------------------------------------------------------------


def lease_seconds(kind: str) -> int:
    """How long a job of ``kind`` may go without a sign of life before it counts as dead."""
    per_kind = current_app.config.get("JOB_LEASE_SECONDS_PER_KIND") or {}
    return int(per_kind.get(kind) or current_app.config["JOB_LEASE_SECONDS"])


def last_sign_of_life(job: Job) -> datetime:
    return job.heartbeat_at or job.started_at or job.created_at


def is_stale(job: Job) -> bool:
    """Queued or running, and silent for longer than its lease."""
    if job.is_finished:
        return False
    return last_sign_of_life(job) < utcnow() - timedelta(seconds=lease_seconds(job.kind))


def expire_if_stale(job: Job) -> bool:
    """Fail a job whose worker has given no sign of life within its lease, saying since when.

    The row is changed only if it is still as silent as it was read (a worker that beat in
    the meantime keeps it). Commits; returns whether the job was failed."""
    if not is_stale(job):
        return False
    since = last_sign_of_life(job)
    cutoff = utcnow() - timedelta(seconds=lease_seconds(job.kind))
    if job.status == JobStatus.QUEUED:
        error = _(
            "The job was stopped: no worker has taken it up since %(time)s. Try again; tell "
            "the administrator if it happens again.",
            time=local_stamp(since),
        )
    else:
        error = _(
            "The job was stopped: no progress since %(time)s (its worker has stopped). Try "
            "again; tell the administrator if it happens again.",
            time=local_stamp(since),
        )
    changed = db.session.execute(
        update(Job)
        .where(
            Job.id == job.id,
            Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
            or_(
                Job.heartbeat_at < cutoff,
                and_(Job.heartbeat_at.is_(None), Job.created_at < cutoff),
            ),
        )
        .values(status=JobStatus.FAILED, error=error, step=_("Stopped"), finished_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE: a CursorResult
    db.session.commit()
    db.session.refresh(job)
    if changed:
        log.warning("job %s (%s) had no sign of life since %s: failed", job.id, job.kind, since)
    return job.status == JobStatus.FAILED


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
    transaction stays open until the end), and is the job's heartbeat; a step that finds the
    job no longer running in this attempt (failed for want of one, or redelivered) stops the
    work (JobAbandoned). Run in process nobody can watch, so it only
    keeps the values on the row. ``JOBS_TEST_STEP_DELAY`` (tests only) waits after each step,
    so that a test can watch a job or kill its worker half-way.
    """

    def __init__(self, job: Job, *, live: bool) -> None:
        self.job_id = job.id
        self.job = job
        self.live = live
        self.attempt = job.attempts
        self.delay = float(current_app.config.get("JOBS_TEST_STEP_DELAY") or 0)

    def __call__(self, percent: int, step: str) -> None:
        percent = max(0, min(99, int(percent)))
        step = step[:200]
        if not self.live:
            return
        try:
            with db.engine.connect() as connection:
                beat = connection.execute(
                    update(Job)
                    .where(
                        Job.id == self.job_id,
                        Job.status == JobStatus.RUNNING,
                        Job.attempts == self.attempt,
                    )
                    .values(progress=percent, step=step, heartbeat_at=utcnow())
                ).rowcount
                connection.commit()
        except SQLAlchemyError:
            log.warning("progress of job %s not recorded", self.job_id, exc_info=True)
        else:
            if not beat:
                raise JobAbandoned()
        if self.delay:
            time.sleep(self.delay)


class JobAbandoned(BaseException):
    """The job was failed (its lease ran out) or taken over while this worker ran it.

    Not an Exception: the work's own ``except Exception`` must not turn it into a failure of
    its own (run_job catches it by name)."""


def _still_ours(job_id: int, attempts: int) -> bool:
    """Whether the job is still running in this attempt (read past the session's cache)."""
    row = db.session.execute(select(Job.status, Job.attempts).where(Job.id == job_id)).one_or_none()
    return row is not None and row.status == JobStatus.RUNNING and row.attempts == attempts


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
    job.heartbeat_at = job.started_at
    job.progress = 0
    job.step = _("Started")
    db.session.commit()
    attempt = job.attempts
    base_url = (job.arguments or {}).get("_base_url")
    conflicts = 0
    while True:
        context = current_app.test_request_context(base_url=base_url) if base_url else nullcontext()
        try:
            with context:
                result = kind.run(job, Progress(job, live=live))
            if live and not _still_ours(job_id, attempt):
                raise JobAbandoned()
            job.result = result or {}
            job.status = JobStatus.DONE
            job.progress = 100
            job.step = _("Done")
            job.error = None
            job.finished_at = utcnow()
            db.session.commit()
            return
        except JobAbandoned:
            # Failed for want of a sign of life, or run again elsewhere: its state is theirs.
            db.session.rollback()
            log.warning("job %s was given up while this worker ran it; nothing saved", job_id)
            return
        except StaleDataError as error:
            if conflicts >= kind.conflict_retries:
                _failed(kind, job_id, error)
                return
            # Someone saved the same thing first: run again on what she saved.
            conflicts += 1
            db.session.rollback()
            log.info("job %s conflicted with a simultaneous change; run again", job_id)
            job = db.session.get_one(Job, job_id)
        except Exception as error:
            _failed(kind, job_id, error)
            return


def _failed(kind: JobKind, job_id: int, error: Exception) -> None:
    db.session.rollback()
    message = explain(kind, error)
    job = db.session.get_one(Job, job_id)
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
