"""The Celery app, made from the Flask app: every task runs inside an app context.

With ``CELERY_BROKER_URL`` (or ``REDIS_URL``) set, jobs go to Redis and a worker runs them
(``celery -A app.jobs.worker worker``). Unset (development, tests, ``make run``) the same task
runs eagerly in the request, so nothing needs Redis unless it is configured.
"""

from typing import Any

from celery import Celery, Task
from flask import Flask

from app.jobs.services import run_job

TASK_NAME = "sekretariat.jobs.run"


def init_celery(app: Flask) -> Celery:
    broker = app.config.get("CELERY_BROKER_URL")
    timeout = app.config["CELERY_VISIBILITY_TIMEOUT"]
    transport_options: dict[str, Any] = {"visibility_timeout": timeout}
    if timeout < 60:  # a short timeout (tests) is only useful when checked often
        transport_options.update(unacked_restore_interval=1, unacked_restore_throttle=1)

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=FlaskTask, set_as_current=False)
    celery.conf.update(
        broker_url=broker or "memory://",
        task_always_eager=not broker,
        task_ignore_result=True,  # a job's state and result live in the jobs table
        # A job is acknowledged only when it has finished, and a worker that dies mid-job
        # gives it back: another worker (or the restarted one) runs it again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="sekretariat",
        broker_connection_retry_on_startup=True,
        # Redis hands an unacknowledged job to another worker after this many seconds.
        broker_transport_options=transport_options,
    )

    @celery.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True)
    def run_job_task(self: Task, job_id: int) -> None:
        run_job(job_id, live=not self.request.is_eager)

    app.extensions["celery"] = celery
    app.extensions["jobs_task"] = run_job_task
    return celery
