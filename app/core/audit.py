"""The audit log: who changed what, when, with the values before and after."""

import hashlib
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Select, String, func, inspect, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.actors import Actor
from app.core.models import Base, utcnow
from app.core.retention import columns_changed, register_retention


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(60), index=True)
    object_id: Mapped[int | None]
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# What the actions recorded on an item and its decision are called on the page that lists
# them (the item's revision history); the log keeps the code's word.
ACTION_LABELS = {
    "create": _l("created"),
    "update": _l("changed"),
    "delete": _l("deleted"),
    "move": _l("moved"),
    "attach": _l("document attached"),
    "detach": _l("document removed"),
    "reorder documents": _l("documents reordered"),
    "attach planned": _l("planned topic added"),
    "fill placeholder": _l("filled in"),
    "add motion": _l("motion added"),
    "add vote": _l("vote added"),
    "add reservation": _l("reservation added"),
    "add recusal": _l("jäv added"),
    "add protocol note": _l("protocol note added"),
    "remove": _l("removed"),
    "set recipients": _l("recipients (Beslutet skickas till) changed"),
    "send utdrag": _l("utdrag sent to the recipients"),
}


def action_label(action: str) -> str:
    """An audit entry's action in the reader's language (the code's word if it has none)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def plain_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return value


# Secrets are never copied into the log; that they changed is recorded, not their value.
REDACTED_COLUMNS = frozenset({"password_hash"})
REDACTED = "[redacted]"


def snapshot(record: Base) -> dict[str, Any]:
    """The column values of ``record`` as JSON-safe data (secrets as a hash of their value,
    so a change still shows while the value does not)."""
    mapper = inspect(record).mapper
    values = {}
    for attr in mapper.column_attrs:
        value = plain_value(getattr(record, attr.key))
        if attr.key in REDACTED_COLUMNS and value is not None:
            value = f"{REDACTED} {hashlib.sha256(str(value).encode()).hexdigest()[:8]}"
        values[attr.key] = value
    return values


def record_change(
    session: Any,
    actor: Actor | None,
    action: str,
    record: Base,
    before: dict[str, Any] | None = None,
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


# -- reading the log (the admins' audit page) --------------------------------------------------

PAGE_SIZE = 50


def audit_query(
    *,
    object_type: str | None = None,
    actor_id: int | None = None,
    object_id: int | None = None,
    since: datetime | None = None,
    before: datetime | None = None,
) -> Select:
    """The entries matching the filters, newest first."""
    query = select(AuditEntry)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if before is not None:
        query = query.where(AuditEntry.at < before)
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def audit_page(session: Any, query: Select, page: int) -> tuple[list[AuditEntry], int]:
    """One page of ``query`` (1-based) and the number of pages."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-int(total or 0) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    entries = session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return list(entries), pages


def audited_types(session: Any) -> list[str]:
    return list(
        session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type))
    )


# -- retention: the audit log is kept for good and never rewritten (app.core.retention) -------

register_retention(AuditEntry, delete=lambda session, entry: "the audit log is kept for good")
register_retention(
    AuditEntry,
    change=lambda session, entry: (
        "the audit log is never rewritten" if columns_changed(entry) else None
    ),
)
