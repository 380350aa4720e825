"""A committee whose meetings hold every case of visibility, and reading the search page."""

import html
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from app.agenda.models import AgendaItem, AgendaItemDocument
from app.bodies.models import Body, MembershipKind
from app.cases.models import Confidentiality, Document
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus, RecordStatus
from app.record.models import Decision

SECRETARY = "elin@example.se"
MEMBER = "karin@example.se"
OUTSIDER = "utomstaende@example.se"


def make_world(app, factory) -> dict[str, int]:
    """Kulturnämnden (public) with a secretary, a member and a user of no body; and a closed
    body nobody of them sits in.

    - 2024-03-14, kallelse sent, record a draft: Kulturstrategi (public; public, internal and
      secret documents; a draft decision) and Personalärende (not public).
    - 2023-11-09, held, record final: Biblioteksplan (public, decision) and Hemlig förhandling
      (not public, decision).
    - 2024-05-20, planned (no kallelse yet): Museibesök.
    - Slutna gruppen (not public), 2024-02-01, final: Budgetdialog with a decision.
    """
    ids: dict[str, int] = {}
    ids["body"] = factory.body("Kulturnämnden")
    elin = factory.person("Elin Hellström", email=SECRETARY)
    factory.seat(elin, ids["body"], MembershipKind.STAFF, function="sekreterare")
    factory.user(SECRETARY, person_id=elin)
    karin = factory.person("Karin Berg", party="C")
    factory.seat(karin, ids["body"], MembershipKind.ORDINARY)
    factory.user(MEMBER, person_id=karin)
    factory.user(OUTSIDER)
    ids["closed_body"] = factory.body("Slutna gruppen", is_public=False)
    with app.app_context():
        draft = _meeting(ids["body"], "2024-03-14", MeetingStatus.CONVENED, RecordStatus.DRAFT)
        strategy = _item(
            draft,
            1,
            "Kulturstrategi",
            summary="Samverkansgruppen för kultur har tagit fram en strategi för 2025–2030.",
            proposal="Nämnden antar kulturstrategin.",
        )
        _decision(strategy, "Nämnden antar kulturstrategin med tillägget om bibliotekens roll.")
        for position, (title, confidentiality) in enumerate(
            (
                ("Kulturstrategi remissvar", Confidentiality.PUBLIC),
                ("Kulturstrategi internt underlag", Confidentiality.INTERNAL),
                ("Kulturstrategi sekretessbelagd bilaga", Confidentiality.SECRET),
            )
        ):
            document = Document(title=title, confidentiality=confidentiality)
            db.session.add(AgendaItemDocument(item=strategy, document=document, position=position))
        staff = _item(draft, 2, "Personalärende", summary="Omplacering av en bibliotekarie.")
        staff.is_public = False
        final = _meeting(ids["body"], "2023-11-09", MeetingStatus.HELD, RecordStatus.FINAL)
        plan = _item(
            final,
            1,
            "Biblioteksplan",
            summary="Biblioteksplanen beskriver målbilden för läsfrämjande arbete.",
        )
        _decision(
            plan, "Nämnden fastställer biblioteksplanen.", notes="Diskussion om <b>öppettider</b>."
        )
        secret = _item(final, 2, "Hemlig förhandling", summary="Förhandling om hyresavtal.")
        secret.is_public = False
        _decision(secret, "Hyresavtalet godkänns.")
        planned = _meeting(ids["body"], "2024-05-20", MeetingStatus.PLANNED, RecordStatus.NONE)
        visit = _item(planned, 1, "Museibesök", summary="Nämnden besöker länsmuseet.")
        closed = _meeting(ids["closed_body"], "2024-02-01", MeetingStatus.HELD, RecordStatus.FINAL)
        budget = _item(closed, 1, "Budgetdialog", summary="Budgetdialog inför 2025.")
        _decision(budget, "Budgetdialogen läggs till handlingarna.")
        db.session.commit()
        ids.update(
            draft=draft.id,
            final=final.id,
            planned=planned.id,
            strategy=strategy.id,
            staff=staff.id,
            plan=plan.id,
            secret=secret.id,
            visit=visit.id,
            budget=budget.id,
        )
    return ids


def _meeting(body_id: int, day: str, status: MeetingStatus, record: RecordStatus) -> Meeting:
    meeting = Meeting(
        body=db.session.get(Body, body_id),
        meeting_date=date.fromisoformat(day),
        status=status,
        record_status=record,
    )
    db.session.add(meeting)
    return meeting


def _item(meeting: Meeting, number: int, title: str, **values) -> AgendaItem:
    item = AgendaItem(title=title, number=number, position=number, **values)
    meeting.items.append(item)
    return item


def _decision(item: AgendaItem, text: str, **values) -> Decision:
    decision = Decision(item=item, text=text, **values)
    db.session.add(decision)
    return decision


@dataclass(frozen=True)
class Found:
    kind: str
    title: str
    url: str


HIT_RE = re.compile(
    r'<li class="hit hit-(\w+)">\s*<h3><span class="hit-kind">[^<]*</span> '
    r'<a href="([^"]*)"[^>]*>(.*?)</a></h3>',
    re.S,
)


def search_page(client, q: str, **params) -> str:
    response = client.get("/search?" + urlencode({"q": q, **params}))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def hits(page: str) -> list[Found]:
    return [
        Found(kind, html.unescape(re.sub(r"</?mark>", "", title)), html.unescape(url))
        for kind, url, title in HIT_RE.findall(page)
    ]


def found(client, q: str, **params) -> set[tuple[str, str]]:
    """(kind, title) of every hit on the first page."""
    return {(hit.kind, hit.title) for hit in hits(search_page(client, q, **params))}
