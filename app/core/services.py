"""The create/update steps every domain service shares: apply values, audit, flush."""

from typing import Any, TypeVar

from app.core.actors import Actor
from app.core.audit import record_change, snapshot
from app.core.errors import check_version
from app.extensions import db

T = TypeVar("T")


def add_record(actor: Actor, record: T) -> T:
    db.session.add(record)
    record_change(db.session, actor, "create", record)  # type: ignore[arg-type]
    return record


def change_record(actor: Actor, record: T, version: int | None, values: dict[str, Any]) -> T:
    """Apply ``values`` to ``record`` unless it changed since ``version`` was read."""
    check_version(record, version)
    before = snapshot(record)  # type: ignore[arg-type]
    for key, value in values.items():
        setattr(record, key, value)
    record_change(db.session, actor, "update", record, before)  # type: ignore[arg-type]
    return record
