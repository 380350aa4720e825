"""Synthetic volume for benchmarks: `flask seed-synthetic --bodies N --years Y`.

Made-up kommuner outside the demo's Västmanland, each with its nämnder; every body gets a term,
eleven ledamöter, five ersättare and a secretary, about ten held meetings a year with fifteen
items each (standing items first and last, § numbers per year), a decision on every item,
attendance, and a final record, so the public pages, the register and the search have content.
Names, titles and decision texts are Swedish and drawn from fixed lists by a seeded random
generator: the same arguments give the same data.

Rows go in with Core inserts (executemany, ids back in order), never one ORM object per row, and
the search index is rebuilt once at the end: 30 bodies × 10 years (3,000 meetings, 45,000 items)
take well under a minute on SQLite.
"""

import random
from datetime import date, time
from typing import Any

from sqlalchemy import Connection, func, insert, select

from app.agenda.models import AgendaItem
from app.bodies.models import (
    Body,
    BodyKind,
    Membership,
    MembershipFunction,
    MembershipKind,
    NumberingRule,
    RecordType,
    Term,
)
from app.core.models import utcnow
from app.meetings.models import AgendaStatus, Meeting, MeetingStatus, RecordStatus
from app.organisations.models import Organisation, OrganisationKind
from app.people.models import Person
from app.record.models import Attendance, AttendanceRole, Decision
from app.search.index import rebuild_index

MUNICIPALITIES = (
    "Gävle", "Sandviken", "Falun", "Borlänge", "Ludvika", "Avesta", "Hedemora", "Säter",
    "Mora", "Leksand", "Rättvik", "Orsa", "Älvdalen", "Gagnef", "Smedjebacken", "Hofors",
    "Ockelbo", "Ovanåker", "Bollnäs", "Söderhamn", "Hudiksvall", "Nordanstig", "Ljusdal",
    "Karlstad", "Kristinehamn", "Filipstad", "Hagfors", "Torsby", "Arvika", "Säffle",
)  # fmt: skip
COMMITTEES = (
    ("Kommunstyrelsen", BodyKind.BOARD, RecordType.PROTOCOL),
    ("Barn- och utbildningsnämnden", BodyKind.COMMITTEE, RecordType.PROTOCOL),
    ("Socialnämnden", BodyKind.COMMITTEE, RecordType.PROTOCOL),
    ("Miljö- och byggnadsnämnden", BodyKind.COMMITTEE, RecordType.PROTOCOL),
    ("Kultur- och fritidsnämnden", BodyKind.COMMITTEE, RecordType.PROTOCOL),
    ("Samverkansgrupp Folkhälsa", BodyKind.COOPERATION_GROUP, RecordType.NOTES),
)
FIRST_NAMES = (
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Kerstin", "Ingrid", "Emma", "Malin",
    "Johanna", "Sofia", "Lars", "Anders", "Johan", "Per", "Erik", "Karl", "Mikael", "Peter",
    "Jan", "Magnus", "Fredrik", "Mats", "Stefan", "Ulf", "Björn", "Åsa", "Göran", "Örjan",
)  # fmt: skip
LAST_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Lindberg", "Lindström", "Berglund", "Sjöberg", "Åkesson", "Hellström",
    "Lundqvist", "Öberg", "Forsberg", "Holm", "Ek", "Ström", "Sundberg", "Wikström", "Nyström",
)  # fmt: skip
PARTIES = ("S", "M", "SD", "C", "V", "KD", "L", "MP")
PLACES = (
    "Norra Centrum", "Södra hamnen", "Östra industriområdet", "Kvarteret Lärkan",
    "Björkhagen", "Ängsvägen", "Stationsområdet", "Skogsbacken", "Sjöstaden", "Kyrkbyn",
)  # fmt: skip
SUBJECTS = (
    "förskolans lokaler", "äldreomsorgens bemanning", "skolskjutsar", "gång- och cykelvägar",
    "vatten och avlopp", "bibliotekens öppettider", "ensamkommande barn", "idrottshallen",
    "kompetensförsörjning inom vården", "digitalisering av ärendehanteringen",
    "energieffektivisering i kommunens fastigheter", "försörjningsstöd", "trygghetsboende",
    "fritidsgårdarnas verksamhet", "livsmedelskontroll", "tillsyn enligt miljöbalken",
    "integration och etablering", "ungdomars psykiska hälsa", "kollektivtrafiken",
    "bredbandsutbyggnad på landsbygden",
)  # fmt: skip
TITLES = (
    "Budget {year} och plan för {next}–{later}",
    "Delårsrapport per augusti {year}",
    "Årsredovisning {year}",
    "Yttrande över remiss om {subject}",
    "Motion om {subject}",
    "Medborgarförslag om {subject}",
    "Detaljplan för {place}",
    "Riktlinjer för {subject}",
    "Uppföljning av internkontrollplan {year}",
    "Investeringsbudget för {subject}",
    "Taxa för {subject} {next}",
    "Revidering av delegationsordning",
    "Intern kontroll av {subject}",
    "Redovisning av uppdrag om {subject}",
    "Samverkansavtal om {subject}",
)
SUMMARY_SENTENCES = (
    "Förvaltningen har utrett frågan om {subject} och redovisar sina slutsatser i "
    "tjänsteskrivelsen.",
    "Ärendet har beretts i samråd med berörda förvaltningar och de fackliga organisationerna.",
    "Kostnaderna ryms inom ramen för nämndens budget för {year}.",
    "Arbetet med {subject} följs upp i samband med delårsrapporten.",
    "Förslaget bedöms förbättra tillgängligheten för invånarna i {place}.",
    "Synpunkter har inkommit från allmänheten under samrådstiden.",
    "En barnkonsekvensanalys har gjorts och bifogas ärendet.",
    "Förvaltningen föreslår att arbetet med {subject} prioriteras under kommande år.",
)
DECISIONS = (
    "{body} beslutar att godkänna förvaltningens förslag om {subject}.",
    "{body} beslutar att anta riktlinjerna för {subject}.",
    "{body} beslutar att lägga redovisningen till handlingarna.",
    "{body} beslutar att överlämna yttrandet som sitt eget till kommunstyrelsen.",
    "{body} beslutar att avslå motionen om {subject}.",
    "{body} beslutar att uppdra åt förvaltningen att återkomma med en utredning om {subject}.",
    "{body} beslutar att anta detaljplanen för {place}.",
)
OPENING = ("Mötets öppnande", "Val av justerare", "Godkännande av dagordning")
CLOSING = ("Övriga frågor",)
MONTHS = (1, 2, 3, 4, 5, 6, 8, 9, 10, 11)  # no meetings in July and December


class SyntheticError(Exception):
    pass


def seed_synthetic(
    connection: Connection,
    *,
    bodies: int,
    years: int,
    meetings_per_year: int = 10,
    items_per_meeting: int = 15,
    last_year: int = 2025,
    seed: int = 1,
) -> dict[str, int]:
    """Insert the synthetic data through ``connection`` and rebuild the search index; returns
    the number of rows made per kind. Refuses when the synthetic kommuner already exist."""
    if bodies < 1 or years < 1:
        raise SyntheticError("bodies and years must be at least 1")
    rng = random.Random(seed)  # noqa: S311 - made-up data, reproducible by design
    now = utcnow()
    stamps = {"created_at": now, "updated_at": now, "version": 1}
    per_org = len(COMMITTEES)
    org_count = -(-bodies // per_org)
    if org_count > len(MUNICIPALITIES):
        raise SyntheticError(f"at most {len(MUNICIPALITIES) * per_org} bodies")
    names = [f"{MUNICIPALITIES[i]} kommun" for i in range(org_count)]
    if connection.scalar(select(func.count()).where(Organisation.name.in_(names))):
        raise SyntheticError("the synthetic data is already loaded")

    def add(model: Any, rows: list[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        table = model.__table__
        keys = {key for row in rows for key in row}  # executemany needs the same keys in each
        rows = [{key: row.get(key) for key in keys} for row in rows]
        result = connection.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        )
        return list(result.scalars())

    org_ids = add(
        Organisation,
        [
            {"name": name, "short_name": name.removesuffix(" kommun"), **stamps}
            | {"kind": OrganisationKind.MUNICIPALITY}
            for name in names
        ],
    )
    body_rows, body_names = [], []
    for index in range(bodies):
        name, kind, record_type = COMMITTEES[index % per_org]
        body_names.append(name)
        body_rows.append(
            {
                "organisation_id": org_ids[index // per_org],
                "name": name,
                "kind": kind,
                "record_type": record_type,
                "numbering": NumberingRule.PER_YEAR
                if record_type == RecordType.PROTOCOL
                else NumberingRule.PLAIN,
                "is_public": True,
                **stamps,
            }
        )
    body_ids = add(Body, body_rows)
    first_year = last_year - years + 1
    term_ids = add(
        Term,
        [
            {
                "body_id": body_id,
                "label": f"{first_year}–{last_year}",
                "start_date": date(first_year, 1, 1),
                "end_date": None,
                "version": 1,
            }
            for body_id in body_ids
        ],
    )

    # People: per body eleven ledamöter, five ersättare and a secretary.
    seats_per_body = [
        *([(MembershipKind.ORDINARY, None)] * 11),
        *([(MembershipKind.SUBSTITUTE, None)] * 5),
        (MembershipKind.STAFF, MembershipFunction.SECRETARY),
    ]
    person_rows = []
    for _ in body_ids:
        for kind, _function in seats_per_body:
            person_rows.append(
                {
                    "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    "party": None if kind == MembershipKind.STAFF else rng.choice(PARTIES),
                    "title": "nämndsekreterare" if kind == MembershipKind.STAFF else None,
                    **stamps,
                }
            )
    person_ids = add(Person, person_rows)
    membership_rows = []
    people_of: list[list[int]] = []
    for number, (body_id, term_id) in enumerate(zip(body_ids, term_ids, strict=True)):
        people = person_ids[number * len(seats_per_body) : (number + 1) * len(seats_per_body)]
        people_of.append(people)
        for position, ((kind, function), person_id) in enumerate(
            zip(seats_per_body, people, strict=True)
        ):
            membership_rows.append(
                {
                    "person_id": person_id,
                    "body_id": body_id,
                    "term_id": term_id,
                    "kind": kind,
                    "function": MembershipFunction.CHAIR if position == 0 else function,
                    "organisation_id": org_ids[number // per_org],
                    "substitute_order": position - 10
                    if kind == MembershipKind.SUBSTITUTE
                    else None,
                    **stamps,
                }
            )
    add(Membership, membership_rows)

    # Meetings, their items, decisions and attendance, body by body.
    counts = {"meetings": 0, "items": 0, "decisions": 0, "attendances": 0}
    for number, (body_id, term_id) in enumerate(zip(body_ids, term_ids, strict=True)):
        body_name = body_names[number]
        people = people_of[number]
        meeting_rows = []
        for year in range(first_year, last_year + 1):
            for month in MONTHS[:meetings_per_year]:
                day = date(year, month, rng.randint(8, 24))
                while day.weekday() >= 5:
                    day = day.replace(day=day.day + 1)
                meeting_rows.append(
                    {
                        "body_id": body_id,
                        "term_id": term_id,
                        "meeting_date": day,
                        "start_time": time(rng.choice((9, 13)), 0),
                        "end_time": time(rng.choice((11, 15)), 30),
                        "room": "Sammanträdesrum " + rng.choice(("Kronan", "Ekan", "Tornet")),
                        "building": "Stadshuset",
                        "location": MUNICIPALITIES[number // per_org],
                        "status": MeetingStatus.HELD,
                        "agenda_status": AgendaStatus.CONFIRMED,
                        "record_status": RecordStatus.FINAL,
                        "secretary_id": people[-1],
                        **stamps,
                    }
                )
        meeting_ids = add(Meeting, meeting_rows)
        item_rows = []
        paragraph_of_year: dict[int, int] = {}
        for meeting_id, meeting in zip(meeting_ids, meeting_rows, strict=True):
            year = meeting["meeting_date"].year
            titles = list(OPENING)
            for _ in range(items_per_meeting - len(OPENING) - len(CLOSING)):
                titles.append(_fill(rng, rng.choice(TITLES), year))
            titles.extend(CLOSING)
            for position, title in enumerate(titles[:items_per_meeting], 1):
                standing = position <= len(OPENING) or title in CLOSING
                paragraph = paragraph_of_year.get(year, 0) + 1
                paragraph_of_year[year] = paragraph
                summary = (
                    None
                    if standing
                    else " ".join(
                        _fill(rng, sentence, year) for sentence in rng.sample(SUMMARY_SENTENCES, 3)
                    )
                )
                item_rows.append(
                    {
                        "meeting_id": meeting_id,
                        "position": position,
                        "number": position,
                        "title": title,
                        "summary": summary,
                        "proposal": None
                        if standing
                        else _fill(rng, rng.choice(DECISIONS), year, body=body_name),
                        "is_public": standing or rng.random() > 0.05,
                        "paragraph": paragraph
                        if body_rows[number]["record_type"] == RecordType.PROTOCOL
                        else None,
                        **stamps,
                    }
                )
        item_ids = add(AgendaItem, item_rows)
        add(
            Decision,
            [
                {
                    "item_id": item_id,
                    "text": row["proposal"] or "Noterades.",
                    **stamps,
                }
                for item_id, row in zip(item_ids, item_rows, strict=True)
            ],
        )
        attendance_rows = []
        for meeting_id in meeting_ids:
            absent = set(rng.sample(range(11), rng.randint(0, 3)))
            for position, person_id in enumerate(people[:11]):
                if position not in absent:
                    attendance_rows.append(
                        {
                            "meeting_id": meeting_id,
                            "person_id": person_id,
                            "role": AttendanceRole.VOTING,
                            "position": position,
                            "function": MembershipFunction.CHAIR if position == 0 else None,
                        }
                    )
            for offset, absentee in enumerate(sorted(absent)):
                attendance_rows.append(
                    {
                        "meeting_id": meeting_id,
                        "person_id": people[11 + offset],
                        "role": AttendanceRole.VOTING,
                        "position": 11 + offset,
                        "replaces_id": people[absentee],
                    }
                )
            attendance_rows.append(
                {
                    "meeting_id": meeting_id,
                    "person_id": people[-1],
                    "role": AttendanceRole.OTHER,
                    "position": 20,
                    "title": "nämndsekreterare",
                }
            )
        add(Attendance, attendance_rows)
        counts["meetings"] += len(meeting_ids)
        counts["items"] += len(item_ids)
        counts["decisions"] += len(item_ids)
        counts["attendances"] += len(attendance_rows)
    counts["search entries"] = rebuild_index(connection)
    return {
        "organisations": len(org_ids),
        "bodies": len(body_ids),
        "people": len(person_ids),
        "memberships": len(membership_rows),
        **counts,
    }


def _fill(rng: random.Random, template: str, year: int, body: str = "Nämnden") -> str:
    return template.format(
        year=year,
        next=year + 1,
        later=year + 3,
        subject=rng.choice(SUBJECTS),
        place=rng.choice(PLACES),
        body=body,
    )
