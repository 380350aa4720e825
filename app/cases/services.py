"""Rules for cases: a diarienummer follows its organisation's format and is unique there."""

from flask_babel import gettext as _
from sqlalchemy import select

from app.cases.models import Case
from app.core.actors import Actor
from app.core.errors import DomainError
from app.core.services import add_record
from app.extensions import db
from app.organisations.models import Organisation


def register_case(
    actor: Actor, organisation: Organisation, case_number: str, title: str | None = None
) -> Case:
    """Register a case in an organisation's registry, or fail with a message saying why."""
    case_number = case_number.strip()
    if not organisation.is_valid_case_number(case_number):
        raise DomainError(
            _(
                "%(number)s is not a diarienummer in %(organisation)s's format.",
                number=case_number,
                organisation=organisation.name,
            ),
            field="case_number",
        )
    existing = db.session.scalar(
        select(Case).where(Case.organisation_id == organisation.id, Case.case_number == case_number)
    )
    if existing is not None:
        raise DomainError(_("The case %(number)s already exists.", number=case_number))
    return add_record(actor, Case(organisation=organisation, case_number=case_number, title=title))
