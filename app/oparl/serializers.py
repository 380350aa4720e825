"""OParl 1.1 objects from the models: one function per type, each returning plain JSON data.

Only what ``app.oparl.services`` serves reaches these functions, and they embed only what is
served (``served_items_of``, ``served_links_of``, …) and reference only served objects. Words
the data carries (a body's kind, a member's role) are Swedish, as in the printed documents.
Never an email address, nor a phone number: people are published by name, party and title.

Extensions, prefixed ``sekretariat:`` as OParl allows: a meeting's attendance, justering and
anslag; an item's votes (Popolo's VoteEvent shape), proposal, summary and anmälningar; a
membership's kind, function, term and the organisation represented; a file's sha256.
"""

from datetime import date, datetime
from typing import Any

from flask import url_for

from app.accounts.permissions import can_view_record
from app.agenda.models import AgendaItem, AgendaItemDocument
from app.agenda.sentences import proposal_of
from app.bodies.models import (
    Body,
    BodyKind,
    Membership,
    MembershipFunction,
    MembershipKind,
    RecordType,
    Term,
)
from app.cases.models import Case, Document, DocumentKind
from app.core.dates import LOCAL_TZ
from app.documents.storage import StorageError, path_for
from app.extensions import db
from app.justering.models import RecordRevision
from app.meetings.models import Meeting, MeetingMode, MeetingStatus, RecordStatus
from app.oparl import services
from app.oparl.models import ObjectKind, OparlTombstone
from app.oparl.services import ANONYMOUS, created_of, is_served, modified_of
from app.organisations.models import Organisation, OrganisationKind
from app.people.models import Person
from app.publication.services import notice_title, postings_of
from app.record.models import BallotChoice, Vote

OPARL_VERSION = "https://schema.oparl.org/1.1/"
PREFIX = "sekretariat:"

ORGANISATION_KINDS = {
    OrganisationKind.REGION: "region",
    OrganisationKind.MUNICIPALITY: "kommun",
    OrganisationKind.ASSOCIATION: "förening",
    OrganisationKind.ADMINISTRATION: "förvaltning",
    OrganisationKind.OTHER: "övrig",
}
BODY_KINDS = {
    BodyKind.PREPARATORY: "beredning",
    BodyKind.COMMITTEE: "nämnd",
    BodyKind.BOARD: "styrelse",
    BodyKind.COOPERATION_GROUP: "samverkansgrupp",
    BodyKind.MANAGEMENT_GROUP: "ledningsgrupp",
    BodyKind.WORKING_GROUP: "arbetsgrupp",
    BodyKind.ANNUAL_MEETING: "årsmöte",
    BodyKind.NOMINATION_COMMITTEE: "valberedning",
    BodyKind.AUDIT: "revision",
    BodyKind.OFFICIALS_GROUP: "tjänstepersonsgrupp",
    BodyKind.COUNCIL: "fullmäktige",
    BodyKind.OTHER: "övrigt",
}
SEAT_KINDS = {
    MembershipKind.ORDINARY: "ledamot",
    MembershipKind.SUBSTITUTE: "ersättare",
    MembershipKind.CO_OPTED: "adjungerad",
    MembershipKind.STAFF: "tjänsteperson",
}
FUNCTIONS = {
    MembershipFunction.CHAIR: "ordförande",
    MembershipFunction.VICE_CHAIR: "vice ordförande",
    MembershipFunction.SECRETARY: "sekreterare",
    MembershipFunction.CONVENER: "sammankallande",
    MembershipFunction.AUDITOR: "revisor",
}
MODES = {
    MeetingMode.ON_SITE: "på plats",
    MeetingMode.REMOTE: "distans",
    MeetingMode.HYBRID: "hybrid",
}
DOCUMENT_KINDS = {
    DocumentKind.SUPPORTING: "beslutsunderlag",
    DocumentKind.ATTACHMENT: "bilaga",
    DocumentKind.MEMO: "tjänsteskrivelse",
    DocumentKind.MINUTES: "minnesanteckningar",
    DocumentKind.PROTOCOL: "protokoll",
    DocumentKind.EXTRACT: "utdrag",
    DocumentKind.AGENDA: "föredragningslista",
    DocumentKind.OTHER: "övrigt",
}
# Popolo's vote options.
OPTIONS = {BallotChoice.YES: "yes", BallotChoice.NO: "no", BallotChoice.ABSTAIN: "abstain"}


# -- URLs and values -----------------------------------------------------------------------------


def object_url(kind: ObjectKind, object_id: int) -> str:
    return url_for("oparl.show", kind=kind.value, object_id=object_id, _external=True)


def body_list_url(organisation_id: int, name: str) -> str:
    return url_for("oparl.body_list", organisation_id=organisation_id, name=name, _external=True)


def stamp(moment: datetime) -> str:
    """An OParl date-time: Stockholm time to the second, with its offset."""
    return moment.astimezone(LOCAL_TZ).replace(microsecond=0).isoformat()


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _website(value: str | None) -> str | None:
    """The URL as registered; a bare host ("www.bergslaget.se") gets its scheme."""
    value = (value or "").strip()
    if not value or " " in value:
        return None
    return value if value.startswith(("http://", "https://")) else f"https://{value}"


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """OParl leaves out what is unknown rather than printing null."""
    return {key: value for key, value in data.items() if value is not None}


def _common(kind: ObjectKind, obj: Any, **data: Any) -> dict[str, Any]:
    return _compact(
        {
            "id": object_url(kind, obj.id),
            "type": kind.oparl_type,
            **data,
            "created": stamp(created_of(kind, obj)),
            "modified": stamp(modified_of(kind, obj)),
        }
    )


def _person_ref(person: Person | None) -> str | None:
    if person is None or not is_served(ObjectKind.PERSON, person.id):
        return None
    return object_url(ObjectKind.PERSON, person.id)


# -- the objects ---------------------------------------------------------------------------------


def system() -> dict[str, Any]:
    first, last = services.system_dates()
    return _compact(
        {
            "id": url_for("oparl.system", _external=True),
            "type": OPARL_VERSION + "System",
            "oparlVersion": OPARL_VERSION,
            "name": "Sekretariat",
            "body": url_for("oparl.bodies", _external=True),
            "website": url_for("main.index", _external=True),
            "web": url_for("main.index", _external=True),
            "created": stamp(first) if first else None,
            "modified": stamp(last) if last else None,
        }
    )


def body(organisation: Organisation) -> dict[str, Any]:
    """An OParl Body: one of our organisations (a region, a kommun, an association)."""
    terms = services.served(ObjectKind.LEGISLATIVE_TERM, organisation_id=organisation.id)
    lists = {
        "organization": "organizations",
        "person": "people",
        "meeting": "meetings",
        "paper": "papers",
        "agendaItem": "agenda-items",
        "consultation": "consultations",
        "file": "files",
        "locationList": "locations",
        "legislativeTermList": "legislative-terms",
        "membership": "memberships",
    }
    return _common(
        ObjectKind.BODY,
        organisation,
        system=url_for("oparl.system", _external=True),
        name=organisation.name,
        shortName=organisation.short_name,
        website=_website(organisation.website),
        classification=ORGANISATION_KINDS[organisation.kind],
        legislativeTerm=[
            legislative_term(term) for term in db.session.scalars(terms.order_by(Term.id))
        ],
        **{key: body_list_url(organisation.id, name) for key, name in lists.items()},
        web=url_for("organisations.show", organisation_id=organisation.id, _external=True),
        **{PREFIX + "parent": _organisation_ref(organisation.parent)},
    )


def _record_type(body_: Body) -> str:
    return "protokoll" if body_.record_type == RecordType.PROTOCOL else "minnesanteckningar"


def _organisation_ref(organisation: Organisation | None) -> str | None:
    return object_url(ObjectKind.BODY, organisation.id) if organisation else None


def organization(body_: Body) -> dict[str, Any]:
    """An OParl Organization: one of our bodies (a nämnd, beredning, samverkansgrupp, …)."""
    memberships = db.session.scalars(
        services.served(ObjectKind.MEMBERSHIP, body_id=body_.id).order_by(Membership.id)
    )
    parent = body_.parent
    return _common(
        ObjectKind.ORGANIZATION,
        body_,
        body=object_url(ObjectKind.BODY, body_.organisation_id),
        name=body_.name,
        shortName=body_.short_name,
        organizationType="Gremium",
        classification=BODY_KINDS[body_.kind],
        subOrganizationOf=object_url(ObjectKind.ORGANIZATION, parent.id)
        if parent is not None and services.body_is_served(parent)
        else None,
        membership=[object_url(ObjectKind.MEMBERSHIP, m.id) for m in memberships],
        meeting=url_for("oparl.organization_meetings", body_id=body_.id, _external=True),
        web=url_for("bodies.show", body_id=body_.id, _external=True),
        **{
            PREFIX + "recordType": _record_type(body_),
        },
    )


def legislative_term(term: Term) -> dict[str, Any]:
    """A term of one of our bodies: named as documents head it ("Samverkansgrupp Hälsa 2023")."""
    return _common(
        ObjectKind.LEGISLATIVE_TERM,
        term,
        body=object_url(ObjectKind.BODY, term.body.organisation_id),
        name=term.heading,
        startDate=_day(term.start_date),
        endDate=_day(term.end_date),
        web=url_for("bodies.show", body_id=term.body_id, term=term.id, _external=True),
        **{PREFIX + "organization": object_url(ObjectKind.ORGANIZATION, term.body_id)},
    )


def person(person_: Person) -> dict[str, Any]:
    return _common(
        ObjectKind.PERSON,
        person_,
        name=person_.name,
        status=[person_.title] if person_.title else None,
        membership=[membership(m) for m in services.served_memberships_of(person_)],
        web=url_for("people.show", person_id=person_.id, _external=True),
        **{PREFIX + "party": person_.party},
    )


def membership(membership_: Membership) -> dict[str, Any]:
    term = membership_.term
    start = membership_.start_date or term.start_date
    end = membership_.end_date or term.end_date
    function = membership_.function
    return _common(
        ObjectKind.MEMBERSHIP,
        membership_,
        person=object_url(ObjectKind.PERSON, membership_.person_id),
        organization=object_url(ObjectKind.ORGANIZATION, membership_.body_id),
        role=FUNCTIONS[function] if function else SEAT_KINDS[membership_.kind],
        votingRight=membership_.kind == MembershipKind.ORDINARY,
        startDate=_day(start),
        endDate=_day(end),
        **_compact(
            {
                PREFIX + "kind": SEAT_KINDS[membership_.kind],
                PREFIX + "function": FUNCTIONS[function] if function else None,
                PREFIX + "legislativeTerm": object_url(ObjectKind.LEGISLATIVE_TERM, term.id),
                PREFIX + "onBehalfOf": _organisation_ref(membership_.organisation),
                PREFIX + "substituteOrder": membership_.substitute_order,
            }
        ),
    )


def location(meeting: Meeting) -> dict[str, Any]:
    """A meeting's place, as the meeting page prints it."""
    return _common(
        ObjectKind.LOCATION,
        meeting,
        description=meeting.place,
        room=meeting.room or None,
        meetings=[object_url(ObjectKind.MEETING, meeting.id)],
        organizations=[object_url(ObjectKind.ORGANIZATION, meeting.body_id)],
    )


def _meeting_state(meeting: Meeting) -> str:
    """OParl's recommended states: terminiert (planned), eingeladen (from the kallelse until
    the record is released), durchgeführt (the record is final)."""
    if meeting.record_status == RecordStatus.FINAL:
        return "durchgeführt"
    if meeting.status in (MeetingStatus.CONVENED, MeetingStatus.HELD):
        return "eingeladen"
    return "terminiert"


def meeting(meeting_: Meeting) -> dict[str, Any]:
    agenda = services.served_items_of(meeting_)
    record_visible = can_view_record(ANONYMOUS, meeting_)
    revisions = services.served_revisions_of(meeting_)
    start = end = None
    if meeting_.start_time is not None:
        start = datetime.combine(meeting_.meeting_date, meeting_.start_time, tzinfo=LOCAL_TZ)
    if meeting_.end_time is not None:
        end = datetime.combine(meeting_.meeting_date, meeting_.end_time, tzinfo=LOCAL_TZ)
    participants: list[str] = []
    if record_visible:
        for attendance in meeting_.attendances:
            url = _person_ref(attendance.person)
            if url and url not in participants:
                participants.append(url)
    return _common(
        ObjectKind.MEETING,
        meeting_,
        name=meeting_.title,
        meetingState=_meeting_state(meeting_),
        cancelled=meeting_.status == MeetingStatus.CANCELLED,
        start=stamp(start) if start else None,
        end=stamp(end) if end else None,
        location=location(meeting_) if meeting_.place else None,
        organization=[object_url(ObjectKind.ORGANIZATION, meeting_.body_id)],
        participant=participants or None,
        resultsProtocol=record_file(revisions[-1]) if revisions else None,
        auxiliaryFile=[record_file(r) for r in revisions[:-1]] or None,
        agendaItem=[agenda_item(item) for item in agenda] or None,
        web=url_for("meetings.show", meeting_id=meeting_.id, _external=True),
        **_compact(
            {
                PREFIX + "meetingDate": meeting_.meeting_date.isoformat(),
                PREFIX + "mode": MODES[meeting_.mode],
                PREFIX + "status": meeting_.status.value,
                PREFIX + "illustrative": True if meeting_.is_illustrative else None,
                PREFIX + "attendance": _attendance(meeting_) if record_visible else None,
                PREFIX + "justering": _justering(meeting_, revisions),
            }
        ),
    )


def _attendance(meeting_: Meeting) -> list[dict[str, Any]] | None:
    """Who attended, in which capacity, as the public record lists them."""
    rows = [
        _compact(
            {
                "role": attendance.role.value,
                "name": attendance.person.name,
                "person": _person_ref(attendance.person),
                "text": attendance.line,
                "function": FUNCTIONS.get(attendance.function) if attendance.function else None,
                "onBehalfOf": _organisation_ref(attendance.organisation),
                "replaces": _person_ref(attendance.replaces),
                "remote": attendance.is_remote,
            }
        )
        for attendance in meeting_.attendances
    ]
    return rows or None


def _justering(meeting_: Meeting, revisions: list[RecordRevision]) -> dict[str, Any] | None:
    """The signed record's public history: its justerat revisions and their anslag."""
    if not revisions:
        return None
    postings = [p for p in postings_of(meeting_) if p.revision in revisions]
    return {
        "recordType": _record_type(meeting_.body),
        "justerat": True,
        "revisions": [
            _compact(
                {
                    "number": revision.number,
                    "justeredAt": stamp(revision.justered_at),
                    "reason": revision.reason,
                    "file": object_url(ObjectKind.RECORD_FILE, revision.id),
                }
            )
            for revision in revisions
        ],
        "anslag": [
            {
                "revision": posting.revision.number,
                "postedOn": posting.posted_on.isoformat(),
                "appealLastDay": posting.appeal_last_day.isoformat(),
                "takedownOn": posting.takedown_on.isoformat(),
                "keptAt": posting.kept_at,
                "web": url_for("publication.notice", posting_id=posting.id, _external=True),
            }
            for posting in postings
        ],
    }


def agenda_item(item: AgendaItem) -> dict[str, Any]:
    """A public item of a sent agenda; its decision and votes once the record is final."""
    meeting_ = item.meeting
    record_visible = can_view_record(ANONYMOUS, meeting_)
    decision = item.decision if record_visible else None
    links = services.served_links_of(item)
    return _common(
        ObjectKind.AGENDA_ITEM,
        item,
        meeting=object_url(ObjectKind.MEETING, meeting_.id),
        number=(item.record_label if record_visible else item.display_number) or None,
        order=item.position,
        name=item.title,
        public=True,
        consultation=object_url(ObjectKind.CONSULTATION, item.id) if item.case_id else None,
        result="Punkten utgår." if item.is_withdrawn else None,
        resolutionText=decision.text if decision is not None else None,
        auxiliaryFile=[file(link.document) for link in links] or None,
        web=url_for("meetings.show", meeting_id=meeting_.id, _external=True) + f"#item-{item.id}",
        **_compact(
            {
                PREFIX + "caseNumber": item.case.case_number if item.case else None,
                PREFIX + "summary": item.summary,
                PREFIX + "proposal": proposal_of(item, meeting_),
                PREFIX + "documents": _documents(item),
                PREFIX + "notices": [
                    _compact({"reference": notice.case_number, "name": notice.title})
                    for notice in item.notices
                ]
                or None,
                PREFIX + "votes": _votes(item) if record_visible else None,
            }
        ),
    )


def _documents(item: AgendaItem) -> list[dict[str, Any]] | None:
    """The beslutsunderlag as the meeting page lists them: known by title, some with a file."""
    listed = [
        _compact(
            {
                "name": link.document.title,
                "file": object_url(ObjectKind.FILE, link.document_id)
                if services.link_is_served(link)
                else None,
            }
        )
        for link in item.documents
        if services.link_is_visible(link)
    ]
    return listed or None


def _votes(item: AgendaItem) -> list[dict[str, Any]] | None:
    return [_vote(vote) for vote in item.votes] or None


def _vote(vote: Vote) -> dict[str, Any]:
    """An omröstning in Popolo's VoteEvent shape: counts, and each vote when it was open."""
    return _compact(
        {
            "motion": vote.question,
            "result": vote.outcome,
            "open": vote.is_open,
            "counts": [
                {"option": option, "value": vote.count(choice)}
                for choice, option in OPTIONS.items()
            ],
            "votes": [
                _compact(
                    {
                        "voter": _person_ref(ballot.person),
                        "voterName": ballot.person.name,
                        "option": OPTIONS[ballot.choice],
                    }
                )
                for ballot in vote.ballots
            ]
            if vote.is_open
            else None,
        }
    )


def consultation(item: AgendaItem) -> dict[str, Any]:
    """The treatment of a case (Paper) at an agenda item."""
    return _common(
        ObjectKind.CONSULTATION,
        item,
        paper=object_url(ObjectKind.PAPER, item.case_id),
        agendaItem=object_url(ObjectKind.AGENDA_ITEM, item.id),
        meeting=object_url(ObjectKind.MEETING, item.meeting_id),
        organization=[object_url(ObjectKind.ORGANIZATION, item.meeting.body_id)],
    )


def paper(case_: Case) -> dict[str, Any]:
    """A case (ärende) with its diarienummer; named by its title, else by the first item."""
    items = services.items_treating(case_)
    return _common(
        ObjectKind.PAPER,
        case_,
        body=object_url(ObjectKind.BODY, case_.organisation_id),
        name=case_.title or (items[0].title if items else case_.case_number),
        reference=case_.case_number,
        auxiliaryFile=[file(document) for document in services.documents_of(case_)] or None,
        consultation=[consultation(item) for item in items],
    )


def file(document: Document) -> dict[str, Any]:
    """A document with a stored file, where the public may read it."""
    links = services.links_to(document)
    first: AgendaItemDocument | None = links[0] if links else None
    items = [link.item for link in links]
    meetings = list(dict.fromkeys(item.meeting_id for item in items))
    return _common(
        ObjectKind.FILE,
        document,
        name=document.title,
        fileName=document.filename,
        mimeType=document.media_type,
        size=document.size,
        accessUrl=url_for("agenda.document_file", link_id=first.id, _external=True)
        if first
        else None,
        agendaItem=[object_url(ObjectKind.AGENDA_ITEM, item.id) for item in items],
        meeting=[object_url(ObjectKind.MEETING, meeting_id) for meeting_id in meetings],
        paper=[object_url(ObjectKind.PAPER, document.case_id)]
        if is_served(ObjectKind.PAPER, document.case_id)
        else None,
        **_compact(
            {
                PREFIX + "kind": DOCUMENT_KINDS[document.kind],
                PREFIX + "sha256Checksum": document.sha256,
            }
        ),
    )


def record_file(revision: RecordRevision) -> dict[str, Any]:
    """The public copy of a justerat protokoll or signed minnesanteckningar (no signatures,
    items that are not public masked), where the public pages serve it."""
    meeting_ = revision.meeting
    if meeting_.body.record_type == RecordType.PROTOCOL:
        name = notice_title(meeting_, revision)
        access = url_for(
            "publication.protocol_revision_pdf",
            meeting_id=meeting_.id,
            number=revision.number,
            _external=True,
        )
    else:
        name = f"Minnesanteckningar {meeting_.body.name} {meeting_.meeting_date.isoformat()}"
        access = url_for("record.pdf", meeting_id=meeting_.id, _external=True)
    return _common(
        ObjectKind.RECORD_FILE,
        revision,
        name=name,
        fileName=f"{name}.pdf",
        mimeType="application/pdf",
        date=revision.justered_at.astimezone(LOCAL_TZ).date().isoformat(),
        size=_stored_size(revision.public_pdf_sha256),
        accessUrl=access,
        meeting=[object_url(ObjectKind.MEETING, meeting_.id)],
        **{PREFIX + "sha256Checksum": revision.public_pdf_sha256},
    )


def _stored_size(sha256: str | None) -> int | None:
    try:
        return path_for(sha256).stat().st_size if sha256 else None
    except (OSError, StorageError):
        return None


def tombstone(stone: OparlTombstone) -> dict[str, Any]:
    """A deleted or depublished object: its id, type, created, modified (when it went) and
    ``deleted``, nothing else."""
    return {
        "id": object_url(stone.kind, stone.object_id),
        "type": stone.kind.oparl_type,
        "created": stamp(stone.created_at),
        "modified": stamp(stone.deleted_at),
        "deleted": True,
    }


SERIALIZERS = {
    ObjectKind.BODY: body,
    ObjectKind.ORGANIZATION: organization,
    ObjectKind.LEGISLATIVE_TERM: legislative_term,
    ObjectKind.PERSON: person,
    ObjectKind.MEMBERSHIP: membership,
    ObjectKind.MEETING: meeting,
    ObjectKind.AGENDA_ITEM: agenda_item,
    ObjectKind.CONSULTATION: consultation,
    ObjectKind.PAPER: paper,
    ObjectKind.FILE: file,
    ObjectKind.RECORD_FILE: record_file,
    ObjectKind.LOCATION: location,
}


def serialize(kind: ObjectKind, obj: Any) -> dict[str, Any]:
    """Any object a list or an object URL answers with, a tombstone included."""
    if isinstance(obj, OparlTombstone):
        return tombstone(obj)
    return SERIALIZERS[kind](obj)
