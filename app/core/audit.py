"""The audit log: who changed what, when, with the values before and after."""

from datetime import date, datetime, time
from enum import Enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, inspect
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[int | None]
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def plain_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return value


def snapshot(record: Base) -> dict[str, Any]:
    """The column values of ``record`` as JSON-safe data."""
    mapper = inspect(record).mapper
    return {attr.key: plain_value(getattr(record, attr.key)) for attr in mapper.column_attrs}


def record_change(
    session: Any, actor: Any, action: str, record: Base, before: dict[str, Any] | None = None
) -> AuditEntry:
    """Add an audit entry for ``record``; services call this after flushing their change."""
    session.flush()
    after = snapshot(record)
    if before is not None:
        changes = {
            key: {"before": before.get(key), "after": value}
            for key, value in after.items()
            if before.get(key) != value and key not in ("updated_at", "version")
        }
    else:
        changes = {key: {"before": None, "after": value} for key, value in after.items()}
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(record).__name__,
        object_id=getattr(record, "id", None),
        changes=changes,
    )
    session.add(entry)
    return entry
