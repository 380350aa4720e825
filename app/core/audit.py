"""The audit log: who changed what, when, with the values before and after."""

import hashlib
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Select, String, func, inspect, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.actors import Actor
from app.core.models import Base, utcnow
from app.core.retention import columns_changed, register_retention


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(60), index=True)
    object_id: Mapped[int | None]
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# What the recorded actions are called on the pages that list them (the item's revision
# history, the audit log); the log keeps the code's word.
ACTION_LABELS = {
    "create": _l("created"),
    "update": _l("changed"),
    "delete": _l("deleted"),
    "move": _l("moved"),
    "attach": _l("document attached"),
    "detach": _l("document removed"),
    "reorder documents": _l("documents reordered"),
    "attach planned": _l("planned topic added"),
    "fill placeholder": _l("filled in"),
    "add motion": _l("motion added"),
    "add vote": _l("vote added"),
    "add reservation": _l("reservation added"),
    "add recusal": _l("jäv added"),
    "add protocol note": _l("protocol note added"),
    "remove": _l("removed"),
    "set recipients": _l("recipients (Beslutet skickas till) changed"),
    "send utdrag": _l("utdrag sent to the recipients"),
    "accept finding": _l("finding accepted"),
    "add attendance": _l("attendance added"),
    "approve justering": _l("approved and signed"),
    "confirm agenda": _l("agenda confirmed"),
    "copy agenda": _l("agenda copied from an earlier meeting"),
    "agenda from template": _l("agenda started from a template"),
    "reorder agenda": _l("agenda reordered"),
    "undo removal": _l("removed items put back"),
    "finalise minutes": _l("minutes finalised and signed"),
    "forward for information": _l("forwarded for information"),
    "plan topics": _l("topics planned"),
    "post anslag": _l("anslag posted"),
    "record details": _l("record details changed"),
    "reject": _l("sent back"),
    "reject justering": _l("justering declined"),
    "remove attendance": _l("attendance removed"),
    "reopen agenda": _l("agenda made preliminary again"),
    "report back": _l("uppdrag reported back"),
    "send kallelse": _l("kallelse sent"),
    "send agenda update": _l("update mail sent"),
    "remind signatories": _l("reminder to justera sent"),
    "send to justering": _l("signed and sent to justering"),
    "set adjusters": _l("justerare chosen"),
    "sign": _l("signed"),
    "start record": _l("record started"),
    "start rättelse": _l("rättelse started"),
    "subscribe": _l("subscribed"),
    "undo report back": _l("uppdrag opened again"),
    "unplan": _l("taken off the plan"),
    "unsubscribe": _l("unsubscribed"),
    "update attendance": _l("attendance changed"),
    "update standing items": _l("standing items changed"),
    "upload": _l("uploaded"),
}


# What an audit entry's record and fields are called on the pages that show them (the item's
# revision history, the admin's audit log); the log keeps the code's names. A name missing
# here is shown as the code's, with its underscores as spaces.
OBJECT_LABELS = {
    "AgendaItem": _l("Agenda item"),
    "AgendaItemDocument": _l("Document on an item"),
    "AgendaNotice": _l("Anmälan"),
    "AgendaTemplate": _l("Agenda template"),
    "Assignment": _l("Uppdrag"),
    "Attendance": _l("Attendance"),
    "Ballot": _l("Ballot"),
    "Body": _l("Body"),
    "Case": _l("Case"),
    "Decision": _l("Decision"),
    "DecisionRecipient": _l("Recipient of a decision"),
    "Dispatch": _l("Kallelse sent"),
    "Document": _l("Document"),
    "Extract": _l("Utdrag"),
    "FindingAcceptance": _l("Accepted finding"),
    "Job": _l("Background job"),
    "KallelseMailing": _l("Kallelse or update mail"),
    "JusteringRound": _l("Justering round"),
    "Meeting": _l("Meeting"),
    "MeetingAdjuster": _l("Justerare"),
    "Membership": _l("Membership"),
    "Motion": _l("Yrkande"),
    "Organisation": _l("Organisation"),
    "OrganisationMembership": _l("Member organisation"),
    "Person": _l("Person"),
    "PlannedItem": _l("Planned topic"),
    "Posting": _l("Anslag"),
    "ProtocolNote": _l("Protocol note"),
    "RecordRevision": _l("Record revision"),
    "Recusal": _l("Jäv"),
    "Reservation": _l("Reservation"),
    "Signoff": _l("Signature"),
    "StandardItem": _l("Standing item"),
    "Subscription": _l("Subscription"),
    "Term": _l("Term"),
    "User": _l("Account"),
    "Vote": _l("Vote"),
}

FIELD_LABELS = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "summary_label": _l("Summary heading"),
    "proposal": _l("Proposal (förslag till beslut)"),
    "presenters": _l("Presenters"),
    "is_withdrawn": _l("Withdrawn (utgår)"),
    "is_public": _l("Public"),
    "number": _l("Number"),
    "position": _l("Order"),
    "paragraph": _l("§ number"),
    "meeting_id": _l("Meeting"),
    "case_id": _l("Case"),
    "standard_kind": _l("Generated sentence"),
    "placement": _l("Placement"),
    "text": _l("Text"),
    "meeting_date": _l("Date"),
    "start_time": _l("Start"),
    "end_time": _l("End"),
    "room": _l("Room"),
    "building": _l("Building"),
    "location": _l("Place"),
    "mode": _l("Mode"),
    "status": _l("Status"),
    "agenda_status": _l("Agenda"),
    "record_status": _l("Record"),
    "name": _l("Name"),
    "email": _l("Email"),
    "party": _l("Party"),
    "document_id": _l("Document"),
    "confidentiality": _l("Confidentiality"),
    "filename": _l("File name"),
    "item_id": _l("Item"),
    "decision_id": _l("Decision"),
    "person_id": _l("Person"),
    "body_id": _l("Body"),
    "organisation_id": _l("Organisation"),
    "term_id": _l("Term"),
    "secretary_id": _l("Secretary"),
    "adjustment_place_time": _l("Place and time of the justering"),
    "kind": _l("Kind"),
    "role": _l("Role"),
    "function": _l("Function"),
    "replaces_id": _l("Replaces"),
    "from_item_id": _l("From item"),
    "to_item_id": _l("To item"),
    "assignee_text": _l("Assignee"),
    "assignee_body_id": _l("Assignee body"),
    "description": _l("Description"),
    "due_date": _l("Due date"),
    "due_meeting_id": _l("Due at meeting"),
    "due_text": _l("Due"),
    "reported_item_id": _l("Reported at item"),
    "case_number": _l("Case number"),
    "note": _l("Note"),
    "reason": _l("Reason"),
    "choice": _l("Choice"),
    "question": _l("Question"),
    "outcome": _l("Outcome"),
    "proposition_order": _l("Propositionsordning"),
    "posted_on": _l("Posted on"),
    "takedown_on": _l("Taken down on"),
    "appeal_last_day": _l("Last day for appeal"),
    "sent_at": _l("Sent"),
    "start_date": _l("From"),
    "end_date": _l("To"),
    "active": _l("Active"),
    "is_admin": _l("Administrator"),
    "locale": _l("Language"),
    "password_hash": _l("Password"),
    "session_version": _l("Sessions ended"),
    "short_name": _l("Short name"),
    "record_type": _l("Kind of record"),
    "numbering": _l("Numbering"),
    "is_remote": _l("Remote"),
    "comment": _l("Comment"),
    "planned_at_id": _l("Planned at item"),
    "website": _l("Website"),
    "county": _l("County (län)"),
    "address": _l("Address"),
    "org_number": _l("Organisation number"),
    "logo_sha256": _l("Logo"),
    "owner_body_id": _l("Owner body"),
    "owner_organisation_id": _l("Owner organisation"),
    "recipients": _l("Recipients"),
    "without_email": _l("Without email"),
    "failed": _l("Failed"),
    "is_update": _l("Update"),
    "member_id": _l("Member"),
    "substitute_id": _l("Substitute"),
    "substitute_order": _l("Order of substitutes"),
    "signed_pdf_sha256": _l("Signed PDF"),
    "public_pdf_sha256": _l("Public PDF"),
    "justered_at": _l("Justerat"),
    "deadline": _l("Deadline"),
    "subject": _l("Subject"),
    "covering_letter": _l("Covering letter (följebrev)"),
    "changes": _l("Changes"),
    "agenda_snapshot": _l("Agenda as mailed"),
    "reminded_at": _l("Reminded"),
}


def object_label(name: str) -> str:
    """An audited record's kind in the reader's language ("Punkt på föredragningslistan")."""
    label = OBJECT_LABELS.get(name)
    return str(label) if label is not None else name


def field_label(name: str) -> str:
    """An audited field in the reader's language ("Förslag till beslut", not ``proposal``)."""
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name.removesuffix("_id").replace("_", " ")


def action_label(action: str) -> str:
    """An audit entry's action in the reader's language (the code's word if it has none)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def plain_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return value


# Secrets are never copied into the log; that they changed is recorded, not their value.
REDACTED_COLUMNS = frozenset({"password_hash"})
REDACTED = "[redacted]"


def snapshot(record: Base) -> dict[str, Any]:
    """The column values of ``record`` as JSON-safe data (secrets as a hash of their value,
    so a change still shows while the value does not)."""
    mapper = inspect(record).mapper
    values = {}
    for attr in mapper.column_attrs:
        value = plain_value(getattr(record, attr.key))
        if attr.key in REDACTED_COLUMNS and value is not None:
            value = f"{REDACTED} {hashlib.sha256(str(value).encode()).hexdigest()[:8]}"
        values[attr.key] = value
    return values


def record_change(
    session: Any,
    actor: Actor | None,
    action: str,
    record: Base,
    before: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry for ``record``; services call this after flushing their change."""
    session.flush()
    after = snapshot(record)
    if before is not None:
        changes = {
            key: {"before": before.get(key), "after": value}
            for key, value in after.items()
            if before.get(key) != value and key not in ("updated_at", "version")
        }
    else:
        changes = {key: {"before": None, "after": value} for key, value in after.items()}
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(record).__name__,
        object_id=getattr(record, "id", None),
        changes=changes,
    )
    session.add(entry)
    return entry


# -- reading the log (the admins' audit page) --------------------------------------------------

PAGE_SIZE = 50


def audit_query(
    *,
    object_type: str | None = None,
    actor_id: int | None = None,
    object_id: int | None = None,
    since: datetime | None = None,
    before: datetime | None = None,
) -> Select:
    """The entries matching the filters, newest first."""
    query = select(AuditEntry)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if before is not None:
        query = query.where(AuditEntry.at < before)
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def audit_page(session: Any, query: Select, page: int) -> tuple[list[AuditEntry], int]:
    """One page of ``query`` (1-based) and the number of pages."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-int(total or 0) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    entries = session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return list(entries), pages


def audited_types(session: Any) -> list[str]:
    return list(
        session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type))
    )


# -- retention: the audit log is kept for good and never rewritten (app.core.retention) -------

register_retention(AuditEntry, delete=lambda session, entry: "the audit log is kept for good")
register_retention(
    AuditEntry,
    change=lambda session, entry: (
        "the audit log is never rewritten" if columns_changed(entry) else None
    ),
)
