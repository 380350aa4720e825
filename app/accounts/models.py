"""Login accounts. A person may have one; roles come from is_admin and memberships."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import Base, TimestampMixin, VersionedMixin, utcnow
from app.people.models import Person


class User(UserMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), unique=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    # Flask-Login reads is_active; a deactivated account cannot log in.
    active: Mapped[bool] = mapped_column(default=True)
    # None follows the installation default (Swedish).
    locale: Mapped[str | None] = mapped_column(String(10))
    last_login_at: Mapped[datetime | None]
    # Part of the login kept in the session cookie (see get_id): raising it ends every session
    # of the account at once ("Log out everywhere", a new password).
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    person: Mapped[Person | None] = relationship()

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        """What the session remembers: the account and its session version."""
        return f"{self.id}:{self.session_version}"

    @property
    def display_name(self) -> str:
        return self.person.name if self.person else self.email


class LoginSession(Base):
    """One login in one browser. The session cookie carries a random token whose sha256 is
    kept here; logging out ends the row, so a copy of the cookie is worth nothing after it.
    Bookkeeping, not a record: neither audited nor kept for ever."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
