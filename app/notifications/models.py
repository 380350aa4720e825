"""Subscriptions (bevakningar): a login asks for email notices of one body, per topic."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.bodies.models import Body
from app.core.models import Base, LabelledEnum, enum_column, utcnow


class SubscriptionTopic(LabelledEnum):
    KALLELSE = "kallelse"
    # A justerat protokoll or signed minnesanteckningar (and each rättelse of them).
    RECORD = "record"

    @classmethod
    def labels(cls) -> dict:
        return {"kallelse": _l("New notices of meeting"), "record": _l("Published records")}


class Subscription(Base):
    """One login's wish for mail about one body on one topic; removed when unwished."""

    __tablename__ = "notification_subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "body_id", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)
    topic: Mapped[SubscriptionTopic] = enum_column(SubscriptionTopic)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    body: Mapped[Body] = relationship()
