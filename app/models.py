"""Imports every model so that metadata (and Alembic autogenerate) sees them all."""

from app.accounts.models import User
from app.agenda.models import (
    AgendaItem,
    AgendaItemDocument,
    AgendaNotice,
    AgendaRemoval,
    AgendaTemplate,
    PlannedItem,
    StandardItem,
)
from app.bodies.models import Body, Membership, Term
from app.cases.models import Case, Document
from app.core.audit import AuditEntry
from app.core.response_cache import DataGeneration
from app.jobs.models import Job
from app.justering.models import JusteringRound, RecordRevision, Signoff
from app.meetings.models import Dispatch, Meeting, MeetingAdjuster
from app.notifications.models import Subscription
from app.oparl.models import OparlTombstone
from app.organisations.models import Organisation, OrganisationMembership
from app.people.models import Person
from app.publication.models import Posting
from app.record.models import (
    Assignment,
    Attendance,
    Ballot,
    Decision,
    Extract,
    FindingAcceptance,
    Motion,
    ProtocolNote,
    Recusal,
    Reservation,
    Vote,
)
from app.search.models import SearchEntry

__all__ = [
    "AgendaItem",
    "AgendaItemDocument",
    "AgendaNotice",
    "AgendaRemoval",
    "AgendaTemplate",
    "Assignment",
    "Attendance",
    "AuditEntry",
    "Ballot",
    "Body",
    "Case",
    "DataGeneration",
    "Decision",
    "Dispatch",
    "Document",
    "Extract",
    "FindingAcceptance",
    "Job",
    "JusteringRound",
    "Meeting",
    "MeetingAdjuster",
    "Membership",
    "Motion",
    "OparlTombstone",
    "Organisation",
    "OrganisationMembership",
    "Person",
    "PlannedItem",
    "Posting",
    "ProtocolNote",
    "RecordRevision",
    "Recusal",
    "Reservation",
    "SearchEntry",
    "Signoff",
    "StandardItem",
    "Subscription",
    "Term",
    "User",
    "Vote",
]
