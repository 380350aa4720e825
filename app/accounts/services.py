"""Accounts: creating users, checking passwords, preferences."""

import hashlib
import secrets
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.accounts.models import LoginSession, User
from app.accounts.passwords import (
    dummy_verify,
    hash_password,
    password_problem,
    verify_password,
)
from app.core.actors import Actor
from app.core.errors import DomainError
from app.core.models import utcnow
from app.core.services import add_record, change_record
from app.extensions import db


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _check_password(password: str, email: str, field: str = "password") -> None:
    """The password rules (app.accounts.passwords), wherever a password is set."""
    problem = password_problem(password, email)
    if problem:
        raise DomainError(problem, field=field)


def _validate(values: dict[str, Any], user: User | None = None) -> None:
    values["email"] = values["email"].strip().lower()
    clash = find_user(values["email"])
    if clash is not None and clash is not user:
        raise DomainError(_("An account with this email already exists."), field="email")
    if values.get("person_id"):
        linked = db.session.scalar(select(User).where(User.person_id == values["person_id"]))
        if linked is not None and linked is not user:
            raise DomainError(_("This person already has an account."), field="person_id")


def create_user(actor: Actor, *, password: str, **values: Any) -> User:
    """Create a login account; the password is stored as an argon2id hash."""
    _validate(values)
    _check_password(password or "", values["email"])
    return add_record(actor, User(password_hash=hash_password(password), **values))


def update_user(
    actor: Actor, user: User, version: int | None, *, password: str | None, **values: Any
) -> User:
    _validate(values, user)
    if password:
        _check_password(password, values["email"])
        values["password_hash"] = hash_password(password)
        # A new password ends the sessions that knew the old one.
        values["session_version"] = user.session_version + 1
    if user is actor and not values.get("is_admin", user.is_admin):
        raise DomainError(_("You cannot remove your own administrator role."), field="is_admin")
    return change_record(actor, user, version, values)


def change_own_password(user: User, current: str, new: str, repeated: str) -> User:
    """The user's own new password: the current one proves it is her; other sessions end."""
    if not verify_password(user.password_hash, current or ""):
        raise DomainError(_("The current password is wrong."), field="current_password")
    if new != repeated:
        raise DomainError(_("The two new passwords are not the same."), field="repeat_password")
    _check_password(new or "", user.email, field="new_password")
    if verify_password(user.password_hash, new):
        raise DomainError(
            _("The new password must differ from the current one."), field="new_password"
        )
    return change_record(
        user,
        user,
        None,
        {"password_hash": hash_password(new), "session_version": user.session_version + 1},
    )


def end_all_sessions(user: User) -> User:
    """Log the account out everywhere: every session cookie issued so far stops working."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return change_record(user, user, None, {"session_version": user.session_version + 1})


# Where the session cookie keeps the login session's token.
LOGIN_SESSION_KEY = "login_session"


def _token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> str:
    """A new login session of ``user``: the token its cookie carries (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_sha256=_token_sha256(token), user_id=user.id))
    return token


def session_user(user_id: int, session_version: int, token: str | None) -> User | None:
    """The account a session cookie names, if that login session has not been ended (by
    logging out, or everywhere) and the account's sessions were not ended since."""
    if not token:
        return None
    return db.session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == user_id,
            User.session_version == session_version,
            LoginSession.token_sha256 == _token_sha256(token),
            LoginSession.ended_at.is_(None),
        )
    )


def end_session(token: str | None) -> None:
    """Logging out: the session's token is refused from now on, wherever it is copied."""
    if token:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.token_sha256 == _token_sha256(token))
            .where(LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Unknown emails cost the same time."""
    user = find_user(email)
    if user is None:
        dummy_verify(password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
