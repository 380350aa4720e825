"""Carries the demo SRB meeting through the whole cycle, so a newcomer sees a justerat, signed
and posted protokoll: the record is started (decisions as proposed: the meeting is marked
illustrative), the uppdrag of items 7 and 10 recorded and the completeness check answered
(``complete_srb_record``), the secretary sends it to justering,
the justerare rejects it once with a comment, the secretary corrects it and sends it again,
the chair and the justerare approve, and the anslag is posted. Every step goes through the
same services the pages use.
"""

from datetime import date

from sqlalchemy import select

from app.accounts.models import User
from app.agenda.models import StandardKind
from app.bodies.models import Body
from app.demo.loader import read_data
from app.extensions import db
from app.justering import services as justering
from app.justering.models import SignoffRole
from app.meetings.models import Meeting, RecordStatus
from app.organisations.models import Organisation
from app.publication.services import post_anslag
from app.record.models import Decision
from app.record.services import (
    accept_finding,
    add_assignment,
    completeness,
    start_record,
    update_decision,
)
from app.signing import keys
from app.signing.settings import signing_settings

SRB_MEETING = date(2024, 4, 19)
SECRETARY = "elin.hellstrom@example.se"
ADJUSTER = "johanna.odo@example.se"
CHAIR = "ordforande.srb@example.se"
REJECTION = "Justeringens plats och tid saknas i protokollets huvud."
ADJUSTMENT = "Digital justering, senast 14 dagar efter sammanträdet"
# The points of the completeness check the seeds cannot fill, accepted with a note that says
# so (by finding kind and item title) rather than filled with invented content.
NO_RECIPIENTS = (
    "Källdokumentet (föredragningslistan) anger inte vart beslutet skickas; demoprotokollet "
    "hittar inte på mottagare som källan saknar."
)
SRB_ACCEPTANCES = {
    ("no-recipients", "Välfärdsbrottslighet"): NO_RECIPIENTS,
}


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def srb_meeting() -> Meeting | None:
    return db.session.scalar(
        select(Meeting)
        .join(Meeting.body)
        .where(Body.short_name == "SRB", Meeting.meeting_date == SRB_MEETING)
    )


def issue_demo_certificates(users: list[User]) -> None:
    """Personal certificates from the development CA for the demo signatories, so each
    signature in the demo protokoll is made with the signatory's own key (as with a signing
    service), not all with the organisation's seal. Only where the development CA is."""
    settings = signing_settings()
    password = settings.password
    if password is None or not (settings.folder / keys.CA_KEY).exists():
        return
    ca = keys.load_ca(settings.folder, password)
    for user in users:
        path = keys.personal_pkcs12_path(settings.folder / keys.PERSONAL, user.email)
        if not path.exists():
            keys.issue_personal_certificate(
                ca,
                settings.folder / keys.PERSONAL,
                name=user.person.name,
                email=user.email,
                password=password,
            )


def _srb_rows() -> list[dict]:
    return next(
        meeting_row
        for data in read_data()
        for meeting_row in data.get("meetings") or []
        if meeting_row["key"] == f"srb-{SRB_MEETING.isoformat()}"
    )["items"]


def complete_srb_record(secretary: User, meeting: Meeting) -> None:
    """What the completeness check asks of the demo protokoll: "Beslutet skickas till" where
    the seeds give it (the tjänsteskrivelse of item 10; the Region and its kommuner, whom
    item 8 recommends), and an acceptance with a truthful note where they do not."""
    for row in _srb_rows():
        if row.get("recipients") or row.get("recipient_region"):
            item = next(i for i in meeting.items if i.title == row["title"])
            decision = item.decision
            region = (
                db.session.scalar(
                    select(Organisation).where(Organisation.name == row["recipient_region"])
                )
                if row.get("recipient_region")
                else None
            )
            update_decision(
                secretary,
                item,
                decision.version if decision else None,
                text=decision.text if decision else "",
                recipient_region=region.id if region else None,
                recipient_lines="\n".join(row.get("recipients") or []) or None,
            )
    db.session.flush()
    for finding in completeness(meeting):
        title = finding.item.title if finding.item else None
        note = SRB_ACCEPTANCES.get((finding.kind, title or ""))
        if note and finding.blocks:
            accept_finding(secretary, meeting, finding.key, note)


def add_srb_uppdrag(secretary: User, meeting: Meeting) -> int:
    """The uppdrag SRB gives Regionala ledningsgruppen (items 7 and 10, due at the meetings of
    2024-10-11 and 2024-06-14), worded as the demo data transcribes them from the proposals;
    the seeds hold the agenda, so they become uppdrag when the record is written."""
    rows = _srb_rows()
    added = 0
    for row in rows:
        for uppdrag in row.get("assignments") or []:
            item = next(i for i in meeting.items if i.title == row["title"])
            assignee = db.session.scalar(select(Body).where(Body.name == uppdrag["assignee"]))
            due = db.session.scalar(
                select(Meeting).where(
                    Meeting.body_id == meeting.body_id, Meeting.meeting_date == uppdrag["due_date"]
                )
            )
            add_assignment(
                secretary,
                item,
                description=uppdrag["description"].strip(),
                assignee_body_id=assignee.id if assignee else None,
                assignee_text=None if assignee else uppdrag["assignee"],
                due_meeting_id=due.id if due else None,
                due_date=None if due else uppdrag["due_date"],
            )
            added += 1
    return added


def run_srb_cycle(review_url=lambda round_id: f"/justering/{round_id}") -> bool:
    """Run the cycle once; False when the meeting has already been through it."""
    meeting = srb_meeting()
    if meeting is None or meeting.record_status != RecordStatus.NONE:
        return False
    secretary, adjuster, chair = _user(SECRETARY), _user(ADJUSTER), _user(CHAIR)
    issue_demo_certificates([secretary, adjuster, chair])
    meeting.secretary = secretary.person
    start_record(secretary, meeting)
    # Items with no proposal get the decision such items usually get (the meeting is marked
    # illustrative: the seeds hold the agenda, not the protokoll).
    for item in meeting.items:
        if item.decision is None and not item.is_withdrawn:
            other = item.standard_kind == StandardKind.OTHER_QUESTIONS
            text = "Inga övriga frågor anmäldes." if other else "Informationen noteras."
            db.session.add(Decision(item=item, text=text))
    db.session.flush()
    add_srb_uppdrag(secretary, meeting)
    complete_srb_record(secretary, meeting)

    first = justering.send_to_justering(secretary, meeting, review_url=review_url).round
    mine = next(s for s in first.signoffs if s.role == SignoffRole.ADJUSTER)
    justering.reject(adjuster, mine, comment=REJECTION)
    meeting.adjustment_place_time = ADJUSTMENT

    second = justering.send_to_justering(secretary, meeting, review_url=review_url).round
    for signoff in second.signoffs[1:]:
        justering.approve(chair if signoff.role == SignoffRole.CHAIR else adjuster, signoff)
    post_anslag(secretary, meeting)
    return True
