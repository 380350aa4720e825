"""A background job as a row: its state outlives the worker that runs it, and the page reads it."""

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.bodies.models import Body
from app.core.models import Base, LabelledEnum, enum_column, utcnow


class JobStatus(LabelledEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @classmethod
    def labels(cls) -> dict:
        return {
            "queued": _l("Waiting to start"),
            "running": _l("Running"),
            "done": _l("Done"),
            "failed": _l("Failed"),
        }


class Job(Base):
    """One run of long work (its kind, registered by a domain package, names what it does)
    and how far it has come."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[JobStatus] = enum_column(JobStatus, default=JobStatus.QUEUED, index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # 0-100
    step: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str | None] = mapped_column(Text)
    # What the work is done on, as JSON (ids and URLs, never objects).
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What came of it: a stored file's sha256, counts, a message (JSON).
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The body whose secretaries may follow the job besides the one who started it.
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"), index=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # The last sign of life: queued, started, each step. A job that gives none within its
    # lease (JOB_LEASE_SECONDS) has lost its worker and is failed (app.jobs.services).
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=utcnow)

    body: Mapped[Body | None] = relationship()
    started_by: Mapped[User | None] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
