"""The one load → authorise path of every view that acts on a record named in its URL.

A view names what it loads and which permission decides (a function of
``app.accounts.permissions`` or a method of the model, always ``(user, record) -> bool``)::

    @bp.post("/items/<int:item_id>/decision")
    @login_required
    @confirmed_post
    @loaded("item_id", AgendaItem, permissions.can_manage_item)
    def save_decision(item: AgendaItem): ...

The URL argument ``item_id`` reaches the view as the loaded ``item``. A record that does not
exist is 404; one the user may not have is 403, or 404 where its existence is not to be
disclosed (``refusal=HIDDEN``; ``HIDDEN_FROM_ANONYMOUS`` tells logged-in users 403).

Put ``@loaded`` below ``@login_required`` (an anonymous user is sent to log in before
anything is loaded) and below ``@confirmed_post``.
"""

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from app.extensions import db

T = TypeVar("T")
Permission = Callable[[Any, T], bool]

FORBIDDEN = 403
HIDDEN = 404  # refused as if it did not exist


def HIDDEN_FROM_ANONYMOUS() -> int:  # named like the constants it stands beside
    """404 for an anonymous reader (nothing is disclosed), 403 for a logged-in user."""
    return FORBIDDEN if current_user.is_authenticated else HIDDEN


def load(
    model: type[T],
    ident: Any,
    may: Permission[T],
    *,
    refusal: int | Callable[[], int] = FORBIDDEN,
    options: Sequence[Any] = (),
) -> T:
    """``model`` number ``ident`` if the current user ``may`` have it; else abort.

    For loads a view does not get from its URL (a form's choice, a query argument).
    ``options`` are loader options for the same statement (``joinedload(Meeting.body)``)."""
    record = db.session.get(model, ident, options=options)
    if record is None:
        abort(404)
    if not may(current_user, record):
        abort(refusal() if callable(refusal) else refusal)
    return record


def loaded(
    argument: str,
    model: type[T],
    may: Permission[T],
    *,
    refusal: int | Callable[[], int] = FORBIDDEN,
    into: str | None = None,
    options: Sequence[Any] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: the URL's ``argument`` (``meeting_id``) becomes the record ``into``
    (default: the argument without ``_id``, ``meeting``), loaded and authorised by ``load``."""
    name = into or argument.removesuffix("_id")

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs[name] = load(model, kwargs.pop(argument), may, refusal=refusal, options=options)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def allowed(
    may: Callable[[Any], bool], *, refusal: int | Callable[[], int] = FORBIDDEN
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator for a page that acts on no one record (the people list, a new body,
    the audit log): ``may(user)`` decides, else the refusal (403). Same place as ``loaded``."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not may(current_user):
                abort(refusal() if callable(refusal) else refusal)
            return view(*args, **kwargs)

        return wrapper

    return decorate
