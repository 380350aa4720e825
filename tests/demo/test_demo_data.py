"""The demo data reproduces the seed documents: counts and exact strings."""

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.agenda.models import AgendaItem
from app.bodies.models import Body, Membership, MembershipFunction, MembershipKind
from app.demo.loader import load_demo, read_data
from app.extensions import db
from app.meetings.models import Meeting, RecordStatus
from app.organisations.models import Organisation, OrganisationKind, OrganisationMembership
from app.people.models import Person
from app.record.models import Assignment, Attendance, AttendanceRole

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

KOMMUNER = [
    "Arboga", "Fagersta", "Hallstahammar", "Kungsör", "Köping",
    "Norberg", "Sala", "Skinnskatteberg", "Surahammar", "Västerås",
]  # fmt: skip


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _meeting(body_name: str, day: str) -> Meeting:
    from datetime import date

    return db.session.scalar(
        select(Meeting)
        .join(Meeting.body)
        .where(Body.name == body_name, Meeting.meeting_date == date.fromisoformat(day))
    )


def _lines(meeting: Meeting, role: AttendanceRole) -> list[str]:
    return [a.line for a in meeting.attendances if a.role == role]


def test_region_and_its_ten_kommuner(app, demo):
    with app.app_context():
        region = db.session.scalar(
            select(Organisation).where(Organisation.name == "Region Västmanland")
        )
        assert region.kind == OrganisationKind.REGION
        kommuner = db.session.scalars(
            select(Organisation).where(
                Organisation.county == "Västmanland",
                Organisation.kind == OrganisationKind.MUNICIPALITY,
            )
        ).all()
        assert sorted(k.short_name for k in kommuner) == sorted(KOMMUNER)
        assert {k.name for k in kommuner} >= {"Västerås stad", "Arboga kommun", "Norbergs kommun"}


def test_bodies_of_the_region(app, demo):
    with app.app_context():
        srb = db.session.scalar(select(Body).where(Body.short_name == "SRB"))
        assert srb.name == "Strategisk regional beredning"
        assert srb.record_type.value == "protocol"
        assert srb.numbering.value == "per_year"
        assert (
            db.session.scalar(select(Body).where(Body.name == "Regionala ledningsgruppen"))
            is not None
        )
        for name in (
            "Samverkansgrupp Kompetensförsörjning",
            "Samverkansgrupp Hälsa",
            "Samverkansgrupp Nära vård",
        ):
            group = db.session.scalar(select(Body).where(Body.name == name))
            assert group.record_type.value == "notes"
            assert group.parent is srb
            assert [t.label for t in group.terms] == ["2023"]
            assert group.terms[0].heading == f"{name} 2023"


@pytest.mark.parametrize(
    ("body", "day", "voting", "not_serving", "others"),
    [
        ("Samverkansgrupp Kompetensförsörjning", "2024-02-16", 8, 5, 11),
        ("Samverkansgrupp Hälsa", "2024-02-09", 10, 4, 4),
        ("Samverkansgrupp Nära vård", "2024-02-02", 12, 5, 7),
    ],
)
def test_group_meeting_attendance_counts(app, demo, body, day, voting, not_serving, others):
    with app.app_context():
        meeting = _meeting(body, day)
        assert meeting.record_status == RecordStatus.FINAL
        assert len(_lines(meeting, AttendanceRole.VOTING)) == voting
        assert len(_lines(meeting, AttendanceRole.SUBSTITUTE_NOT_SERVING)) == not_serving
        assert len(_lines(meeting, AttendanceRole.OTHER)) == others


def test_attendance_lines_print_as_the_seeds(app, demo):
    with app.app_context():
        kompetens = _meeting("Samverkansgrupp Kompetensförsörjning", "2024-02-16")
        voting = _lines(kompetens, AttendanceRole.VOTING)
        assert "Johanna Odö (S) (Norberg)" in voting
        assert (
            "Christine Andersen (S) (Skinnskatteberg) ersätter Ewa Olsson-Bergstedt (SD)" in voting
        )
        assert "Elin Hellström (mötessekreterare)" in _lines(kompetens, AttendanceRole.OTHER)
        assert kompetens.secretary.name == "Elin Hellström"
        assert kompetens.time_span == "kl. 08:30-12:00"
        all_lines = [
            line
            for m in db.session.scalars(select(Meeting))
            for line in _lines(m, AttendanceRole.VOTING)
        ]
        assert any(line.endswith("från del av punkt 3") for line in all_lines)
        assert any(
            "Eva Wilhelmsson (mötessekreterare)" in _lines(m, AttendanceRole.OTHER)
            for m in db.session.scalars(select(Meeting))
        )


def test_withdrawn_item_keeps_its_number(app, demo):
    with app.app_context():
        meeting = _meeting("Samverkansgrupp Kompetensförsörjning", "2024-02-16")
        item = next(i for i in meeting.items if i.title == "Återkoppling från föregående möte")
        assert (item.display_number, item.record_label, item.reference) == ("4", "§ 4", "§ 4")
        assert item.is_withdrawn


def test_srb_spring_meeting_has_the_fifteen_items(app, demo):
    with app.app_context():
        meeting = _meeting("Strategisk regional beredning", "2024-04-19")
        assert meeting.is_illustrative
        assert meeting.time_span == "kl. 09:00"
        items = meeting.items
        assert [i.number for i in items] == list(range(1, 16))
        by_number = {i.number: i for i in items}
        # Standing items generate their sentences (tests/agenda/test_building.py checks them).
        assert [by_number[n].standard_kind.value for n in (1, 2, 3, 4, 14)] == [
            "approve_agenda",
            "previous_minutes",
            "adjusters",
            "next_meeting",
            "other_questions",
        ]
        assert [a.person.name for a in meeting.adjusters] == ["Johanna Odö"]
        assert by_number[5].title == "Minnesanteckningar från samverkansgrupperna"
        assert by_number[5].case.case_number == "RV240022"
        assert [d.document.title for d in by_number[5].documents] == [
            "Minnesanteckningar samverkansgrupp Kompetensförsörjning 2024-02-16",
            "Minnesanteckningar samverkansgrupp Hälsa 2024-02-09",
            "Minnesanteckningar samverkansgrupp Nära vård 2024-02-02",
        ]
        assert [(n.case_number, n.title) for n in by_number[6].notices] == [
            ("RUF240012-14", "Västmanlands Remissvar Inriktningsunderlag"),
            ("RV240022-1.1", "Årsplan Samverkansgrupp Nära vård 2024"),
        ]
        assert by_number[8].documents[0].document.title == (
            "Bilaga Utdrag ur minnesanteckningar Samverkansgrupp Nära vård 2024-02-02 punkt 5"
        )
        assert by_number[10].case.case_number == "RUF240104"
        assert len(by_number[10].documents) == 4
        assert by_number[7].summary_label.printed == "Ärendet i korthet"
        assert by_number[14].title == "Övriga frågor"
        assert by_number[15].title == "Kommande möte"
        assert by_number[15].proposal is None
        assert "Samverkan Mälardalens Universitet" in by_number[15].summary
        # No extraction garbling survives: no private-use bullets, no lost ligatures.
        texts = " ".join(filter(None, (t for i in items for t in (i.summary, i.proposal, i.title))))
        assert "\uf0b7" not in texts and "\ufffd" not in texts


def test_uppdrag_to_presidiet(app, demo):
    with app.app_context():
        assignments = db.session.scalars(select(Assignment)).all()
        assert any(a.assignee == "presidiet" for a in assignments)


def test_bergslaget_members_and_board(app, demo):
    with app.app_context():
        bergslaget = db.session.scalar(
            select(Organisation).where(Organisation.name == "Intresseföreningen Bergslaget")
        )
        assert bergslaget.org_number == "885501-2327"
        members = db.session.scalars(
            select(OrganisationMembership).where(
                OrganisationMembership.association_id == bergslaget.id
            )
        ).all()
        assert len(members) == 26
        by_county: dict[str, int] = {}
        for m in members:
            by_county[m.member.county] = by_county.get(m.member.county, 0) + 1
        assert by_county == {
            "Gävleborg": 3,
            "Dalarna": 8,
            "Örebro": 5,
            "Västmanland": 6,
            "Värmland": 4,
        }
        board = db.session.scalar(
            select(Body).where(Body.organisation_id == bergslaget.id, Body.kind == "styrelse")
        )
        seats = db.session.scalars(select(Membership).where(Membership.body_id == board.id)).all()
        assert sum(s.kind == MembershipKind.ORDINARY for s in seats) == 9
        assert sum(s.kind == MembershipKind.SUBSTITUTE for s in seats) == 9
        chair = next(s for s in seats if s.function == MembershipFunction.CHAIR)
        assert (chair.person.name, chair.organisation.name) == ("Jan Bohman", "Borlänge kommun")
        assert any(s.function == MembershipFunction.VICE_CHAIR for s in seats)
        nomination = db.session.scalar(
            select(Body).where(Body.organisation_id == bergslaget.id, Body.kind == "valberedning")
        )
        nominators = db.session.scalars(
            select(Membership).where(Membership.body_id == nomination.id)
        ).all()
        assert len(nominators) == 5
        convener = next(s for s in nominators if s.function == MembershipFunction.CONVENER)
        assert convener.person.name == "Irén Lejegren"
        assert _count(Membership, Membership.function == MembershipFunction.AUDITOR) == 1


def test_johanna_odo_sits_in_srb_kompetensforsorjning_and_bergslaget(app, demo):
    with app.app_context():
        johanna = db.session.scalar(select(Person).where(Person.name == "Johanna Odö"))
        assert johanna.party == "S"
        bodies = {
            m.body.name
            for m in db.session.scalars(
                select(Membership).where(Membership.person_id == johanna.id)
            )
        }
        assert {"Strategisk regional beredning", "Samverkansgrupp Kompetensförsörjning"} <= bodies


def test_loading_twice_changes_nothing(app, demo):
    models = (Organisation, Person, Body, Membership, Meeting, Attendance, AgendaItem, Assignment)
    with app.app_context():
        before = {m.__name__: _count(m) for m in models}
        load_demo()
        db.session.commit()
        after = {m.__name__: _count(m) for m in models}
    assert before == after


def _normalise(text: str) -> str:
    # Undo the extraction's line wrapping: hyphenated breaks ("utvecklings-/förvaltningens")
    # and plain ones.
    text = re.sub(r"-[ \t]*\n\s*", "", text.replace("\uf0b7", " "))
    return re.sub(r"\s+", " ", text)


@pytest.mark.skipif(not SEEDS.exists(), reason="the seed documents live in ../shared/seeds")
def test_every_name_is_printed_in_the_seeds():
    """Names of people and organisations are copied from the seeds, not invented or merged."""
    seed_text = _normalise(" ".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")))
    names = [
        row["name"]
        for data in read_data()
        for key in ("people", "organisations")
        for row in data.get(key) or []
    ]
    missing = [name for name in names if _normalise(name) not in seed_text]
    assert missing == []
