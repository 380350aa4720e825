"""Rules for organisations."""

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.actors import Actor
from app.core.errors import DomainError
from app.core.services import add_record, change_record
from app.extensions import db
from app.organisations.models import Organisation


def _validate(values: dict[str, Any], organisation: Organisation | None = None) -> None:
    pattern = values.get("case_number_pattern")
    if pattern:
        try:
            re.compile(pattern)
        except re.error as error:
            raise DomainError(
                _("Not a valid regular expression: %(error)s", error=str(error)),
                field="case_number_pattern",
            ) from error
    clash = db.session.scalar(select(Organisation).where(Organisation.name == values["name"]))
    if clash is not None and clash is not organisation:
        raise DomainError(_("An organisation with this name already exists."), field="name")
    if organisation is not None and values.get("parent_id") == organisation.id:
        raise DomainError(_("An organisation cannot be part of itself."), field="parent_id")


def create_organisation(actor: Actor, **values: Any) -> Organisation:
    """Register an organisation that bodies belong to and people represent."""
    _validate(values)
    return add_record(actor, Organisation(**values))


def update_organisation(
    actor: Actor, organisation: Organisation, version: int | None, **values: Any
) -> Organisation:
    _validate(values, organisation)
    return change_record(actor, organisation, version, values)
