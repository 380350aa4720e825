"""A committee whose meetings hold every case of visibility, and reading the search page."""

import html
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from app.bodies.models import Body, MembershipKind
from app.cases.models import Confidentiality
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus, RecordStatus
from tests.factories import (
    attach_document,
    create_body,
    create_decision,
    create_document,
    create_item,
    create_meeting,
    create_membership,
    create_person,
    create_user,
)

SECRETARY = "elin@example.se"
MEMBER = "karin@example.se"
OUTSIDER = "utomstaende@example.se"


def make_world(app, factory=None) -> dict[str, int]:
    """Kulturnämnden (public) with a secretary, a member and a user of no body; and a closed
    body nobody of them sits in.

    - 2024-03-14, kallelse sent, record a draft: Kulturstrategi (public; public, internal and
      secret documents; a draft decision) and Personalärende (not public).
    - 2023-11-09, held, record final: Biblioteksplan (public, decision) and Hemlig förhandling
      (not public, decision).
    - 2024-05-20, planned (no kallelse yet): Museibesök.
    - Slutna gruppen (not public), 2024-02-01, final: Budgetdialog with a decision.
    """
    with app.app_context():
        body = create_body("Kulturnämnden")
        elin = create_person("Elin Hellström", email=SECRETARY)
        create_membership(elin, body, MembershipKind.STAFF, function="sekreterare")
        create_user(SECRETARY, person=elin)
        karin = create_person("Karin Berg", party="C")
        create_membership(karin, body, MembershipKind.ORDINARY)
        create_user(MEMBER, person=karin)
        create_user(OUTSIDER)
        closed_body = create_body("Slutna gruppen", is_public=False)

        draft = _meeting(body, "2024-03-14", MeetingStatus.CONVENED, RecordStatus.DRAFT)
        strategy = create_item(
            draft,
            "Kulturstrategi",
            summary="Samverkansgruppen för kultur har tagit fram en strategi för 2025–2030.",
            proposal="Nämnden antar kulturstrategin.",
        )
        create_decision(
            strategy, "Nämnden antar kulturstrategin med tillägget om bibliotekens roll."
        )
        for position, (title, confidentiality) in enumerate(
            (
                ("Kulturstrategi remissvar", Confidentiality.PUBLIC),
                ("Kulturstrategi internt underlag", Confidentiality.INTERNAL),
                ("Kulturstrategi sekretessbelagd bilaga", Confidentiality.SECRET),
            )
        ):
            attach_document(strategy, create_document(title, confidentiality), position=position)
        staff = create_item(
            draft, "Personalärende", summary="Omplacering av en bibliotekarie.", is_public=False
        )
        final = _meeting(body, "2023-11-09", MeetingStatus.HELD, RecordStatus.FINAL)
        plan = create_item(
            final,
            "Biblioteksplan",
            summary="Biblioteksplanen beskriver målbilden för läsfrämjande arbete.",
        )
        create_decision(
            plan, "Nämnden fastställer biblioteksplanen.", notes="Diskussion om <b>öppettider</b>."
        )
        secret = create_item(
            final, "Hemlig förhandling", summary="Förhandling om hyresavtal.", is_public=False
        )
        create_decision(secret, "Hyresavtalet godkänns.")
        planned = _meeting(body, "2024-05-20", MeetingStatus.PLANNED, RecordStatus.NONE)
        visit = create_item(planned, "Museibesök", summary="Nämnden besöker länsmuseet.")
        closed = _meeting(closed_body, "2024-02-01", MeetingStatus.HELD, RecordStatus.FINAL)
        budget = create_item(closed, "Budgetdialog", summary="Budgetdialog inför 2025.")
        create_decision(budget, "Budgetdialogen läggs till handlingarna.")
        db.session.commit()
        return {
            "body": body.id,
            "closed_body": closed_body.id,
            "draft": draft.id,
            "final": final.id,
            "planned": planned.id,
            "strategy": strategy.id,
            "staff": staff.id,
            "plan": plan.id,
            "secret": secret.id,
            "visit": visit.id,
            "budget": budget.id,
        }


def _meeting(body: Body, day: str, status: MeetingStatus, record: RecordStatus) -> Meeting:
    return create_meeting(body, date.fromisoformat(day), status=status, record_status=record)


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
