"""Rules for people."""

from typing import Any

from flask_babel import gettext as _

from app.core.actors import Actor
from app.core.errors import DomainError
from app.core.services import add_record, change_record
from app.people.models import PARTIES, Person


def _validate(values: dict[str, Any]) -> None:
    if values.get("party") and values["party"] not in PARTIES:
        raise DomainError(_("Unknown party."), field="party")
    if values.get("email"):
        values["email"] = values["email"].lower()


def create_person(actor: Actor, **values: Any) -> Person:
    _validate(values)
    return add_record(actor, Person(**values))


def update_person(actor: Actor, person: Person, version: int | None, **values: Any) -> Person:
    _validate(values)
    return change_record(actor, person, version, values)
