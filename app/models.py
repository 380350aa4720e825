"""Imports every model so that metadata (and Alembic autogenerate) sees them all."""

from app.accounts.models import User
from app.agenda.models import AgendaItem, AgendaItemDocument, AgendaNotice
from app.bodies.models import Body, Membership, Term
from app.cases.models import Case, Document
from app.core.audit import AuditEntry
from app.decisions.models import Assignment, Decision
from app.meetings.models import Attendance, Meeting
from app.organisations.models import Organisation, OrganisationMembership
from app.people.models import Person

__all__ = [
    "AgendaItem",
    "AgendaItemDocument",
    "AgendaNotice",
    "Assignment",
    "Attendance",
    "AuditEntry",
    "Body",
    "Case",
    "Decision",
    "Document",
    "Meeting",
    "Membership",
    "Organisation",
    "OrganisationMembership",
    "Person",
    "Term",
    "User",
]
