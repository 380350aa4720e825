"""Records with legal weight are never deleted, only corrected.

A justerat or signed record, what it decided, a posted anslag, the signatures and the audit log
are public records (allmänna handlingar) once final: the application offers no way to delete
them, and this guard makes sure no code path does either. Every flush is checked; deleting
such a record (or changing an audit entry, or the frozen parts of a justerad revision) raises
``RetentionError`` and the transaction is rolled back. Corrections are made as a rättelse, a
new revision beside the original (app/justering).

The guard sits on the ORM session. Database-level bulk statements bypass it; the application
issues none for these tables (the test suite's cleanup between tests is the one that does).
Deleting under a gallringsbeslut (the archive authority's decision to cull records) is a
deliberate act outside the application's routes, made inside ``gallring(session)``.

Which records are kept, and why, is declared by the models themselves: each domain's models
module calls ``register_retention`` for its own models (the audit log in app.core.audit, a
posted anslag in app.publication.models, the parts of a final record in app.meetings,
app.agenda and app.record, the justering in app.justering.models). This package imports
none of them.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.core.errors import DomainError

# A rule: why ``record`` may not be deleted (or changed), else None.
Rule = Callable[[Session, Any], str | None]

# Declared by the models themselves (register_retention), each for its own model.
_DELETE_RULES: dict[type, Rule] = {}
_CHANGE_RULES: dict[type, Rule] = {}

_installed = False


class RetentionError(DomainError):
    """A record with legal weight was to be deleted or rewritten."""

    detail: str  # for logs and tests (set by _refuse)

    @staticmethod
    def default_message() -> str:
        return str(
            _l(
                "This record has legal weight and cannot be deleted or changed; "
                "make a correction (rättelse) instead."
            )
        )


def install_retention_guard() -> None:
    """Check every flush of every session (once per process)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    _installed = True


@contextmanager
def gallring(session: Session) -> Iterator[None]:
    """Let this session delete records with legal weight (culling under an archive decision,
    or a test that simulates one). No route uses it."""
    session.info["gallring"] = True
    try:
        yield
    finally:
        session.info.pop("gallring", None)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get("gallring"):
        return
    with session.no_autoflush:
        for record in session.deleted:
            reason = protected_reason(session, record)
            if reason:
                _refuse(f"delete {type(record).__name__} #{record.id}: {reason}")
        for record in session.dirty:
            reason = rewrite_reason(session, record)
            if reason:
                _refuse(f"change {type(record).__name__} #{record.id}: {reason}")


def _refuse(detail: str) -> None:
    error = RetentionError()
    error.detail = detail  # for logs and tests; the user reads error.message
    raise error


def register_retention(
    model: type,
    *,
    delete: Rule | None = None,
    change: Rule | None = None,
) -> None:
    """Declare what keeps records of ``model`` (and its subclasses): ``delete(session, record)``
    says why one may not be deleted, ``change(session, record)`` why its pending change may not
    be made (None: allowed). The domain models' modules call this for their own models, so this
    package knows none of them."""
    if delete is not None:
        _DELETE_RULES[model] = delete
    if change is not None:
        _CHANGE_RULES[model] = change


def _rule(rules: dict[type, Rule], record: Any) -> Rule | None:
    for cls in type(record).__mro__:
        if cls in rules:
            return rules[cls]
    return None


def protected_reason(session: Session, record: Any) -> str | None:
    """Why ``record`` may not be deleted, or None."""
    rule = _rule(_DELETE_RULES, record)
    return rule(session, record) if rule is not None else None


def rewrite_reason(session: Session, record: Any) -> str | None:
    """Why the pending change of ``record`` may not be made, or None."""
    rule = _rule(_CHANGE_RULES, record)
    return rule(session, record) if rule is not None else None


def committed(record: Any, key: str) -> Any:
    """The value of ``key`` as loaded from the database (before this flush's changes)."""
    history = inspect(record).attrs[key].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return getattr(record, key)


def columns_changed(record: Any) -> bool:
    """Whether any column of ``record`` has a pending change."""
    state = inspect(record)
    return any(state.attrs[attr.key].history.has_changes() for attr in state.mapper.column_attrs)


def frozen_column_changed(record: Any, keys: Iterable[str]) -> str | None:
    """The first of ``keys`` that had a value and is about to change, else None."""
    state = inspect(record)
    for key in keys:
        history = state.attrs[key].history
        if history.deleted and history.deleted[0] is not None and history.has_changes():
            return key
    return None
