"""People: elected members, officials and other participants."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TimestampMixin, VersionedMixin

# The parties of Swedish local government; a person may also have none.
PARTIES = {
    "S": _l("Social Democrats"),
    "M": _l("Moderates"),
    "KD": _l("Christian Democrats"),
    "V": _l("Left Party"),
    "SD": _l("Sweden Democrats"),
    "L": _l("Liberals"),
    "C": _l("Centre Party"),
    "MP": _l("Green Party"),
}


class Person(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    party: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str | None] = mapped_column(String(200))
    # Never shown on public pages.
    email: Mapped[str | None] = mapped_column(String(254))

    def __repr__(self) -> str:
        return f"<Person {self.name!r}>"

    @property
    def name_with_party(self) -> str:
        return f"{self.name} ({self.party})" if self.party else self.name
