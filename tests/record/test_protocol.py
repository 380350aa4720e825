"""A protokoll with jäv, yrkanden, an omröstning and a reservation; its rules; quorum."""

from datetime import date

import pytest
from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.agenda.services import confirm_agenda
from app.bodies.models import Membership, MembershipKind
from app.core.errors import DomainError
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus, RecordStatus
from app.record.models import AttendanceRole, BallotChoice, MotionKind
from app.record.rendering import record_pdf
from app.record.services import (
    add_motion,
    add_recusal,
    add_reservation,
    add_vote,
    finalise_minutes,
    has_quorum,
    paragraph_range,
    record_problems,
    remove_attendance,
    serving_at,
    start_record,
    update_attendance,
    update_decision,
)
from tests.record.helpers import (
    add_case_item,
    assert_in_order,
    make_committee,
    new_meeting,
    pdf_text,
    without_page_furniture,
)

QUESTION = "Ja för förvaltningens förslag, nej för Dan Holms avslagsyrkande"


def _started(app, factory) -> tuple[dict[str, int], int, int]:
    """The nämnd's meeting of 2025-03-14 with a case item, its record started."""
    ids = make_committee(factory)
    with app.test_request_context():
        meeting = new_meeting(
            ids["body"],
            "2025-03-14",
            adjustment_place_time="Stadshuset, Sala, 2025-03-20 kl. 10.00",
        )
        item = add_case_item(meeting, ids)
        confirm_agenda(None, meeting)
        start_record(None, meeting)
        db.session.commit()
        return ids, meeting.id, item.id


def test_start_record_prefills_attendance_numbers_and_decisions(app, factory):
    ids, meeting_id, item_id = _started(app, factory)
    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.record_status == RecordStatus.DRAFT
        assert meeting.status == MeetingStatus.HELD
        by_role = {
            role: [a.person_id for a in meeting.attendances if a.role == role]
            for role in AttendanceRole
        }
        assert sorted(by_role[AttendanceRole.VOTING]) == sorted(
            ids[k] for k in ("anna", "bo", "cia", "dan", "eva")
        )
        assert sorted(by_role[AttendanceRole.SUBSTITUTE_NOT_SERVING]) == sorted(
            [ids["fia"], ids["gus"]]
        )
        assert by_role[AttendanceRole.OTHER] == [ids["stina"]]
        assert meeting.secretary_id == ids["stina"]
        lines = [a.line for a in meeting.attendances]
        assert "Anna Berg (S) (Ordförande)" in lines
        assert "Stina Sekreterare (sekreterare)" in lines
        # § numbers 1-6 in agenda order; decisions prefilled from the proposals, the standing
        # items' generated sentences included; Övriga frågor has no proposal and no decision.
        rows = [
            (item.paragraph, item.title, item.decision.text if item.decision else None)
            for item in meeting.items
        ]
        assert rows == [
            (
                1,
                "Fastställande av föredragningslista",
                "Den preliminära föredragningslistan fastställs.",
            ),
            (
                2,
                "Föregående protokoll",
                "Det finns inget tidigare protokoll registrerat.",  # the nämnd's first meeting
            ),
            (3, "Justering", "Bo Ek utses att jämte ordföranden justera dagens protokoll."),
            (4, "Nästa sammanträde", "Tid för nästa sammanträde meddelas senare."),
            (
                5,
                "Bidrag till kulturföreningar 2025",
                "Bidragen fördelas enligt förvaltningens förslag.",
            ),
            (6, "Övriga frågor", None),
        ]
        assert paragraph_range(meeting) == "§§ 1–6"
        assert len(serving_at(meeting, db.session.get(AgendaItem, item_id))) == 5
        assert all(has_quorum(meeting, item) for item in meeting.items)


def _process(app, ids, meeting_id, item_id) -> dict[int, BallotChoice]:
    """Cia has jäv and Fia serves for her; Dan moves avslag; an open vote 3-2; Dan and Fia,
    who voted no, reserve themselves."""
    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        item = next(i for i in meeting.items if i.id == item_id)
        add_recusal(None, item, person_id=ids["cia"], substitute_id=ids["fia"])
        serving = {p.id for p in serving_at(meeting, item)}
        assert serving == {ids[k] for k in ("anna", "bo", "dan", "eva", "fia")}
        add_motion(None, item, kind=MotionKind.REJECTION, person_id=ids["dan"], text=None)
        choices = {
            ids["anna"]: BallotChoice.YES,
            ids["bo"]: BallotChoice.YES,
            ids["dan"]: BallotChoice.NO,
            ids["eva"]: BallotChoice.YES,
            ids["fia"]: BallotChoice.NO,
        }
        vote = add_vote(
            None,
            item,
            question=QUESTION,
            is_open=True,
            choices=choices,
            outcome="Nämnden har beslutat enligt förvaltningens förslag.",
        )
        assert (vote.count(BallotChoice.YES), vote.count(BallotChoice.NO)) == (3, 2)
        add_reservation(None, item, person_id=ids["dan"], reason=None)
        # Fia served on this item only: she took part and may reserve herself too.
        add_reservation(
            None, item, person_id=ids["fia"], reason="Till förmån för Dan Holms yrkande."
        )
        db.session.commit()
        return choices


def test_jav_vote_and_reservation_follow_the_rules(app, factory):
    ids, meeting_id, item_id = _started(app, factory)
    _process(app, ids, meeting_id, item_id)
    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        item = next(i for i in meeting.items if i.id == item_id)
        other = next(i for i in meeting.items if i.paragraph == 4)
        # Jäv holds for that item only.
        assert ids["cia"] in {p.id for p in serving_at(meeting, other)}
        assert ids["fia"] not in {p.id for p in serving_at(meeting, other)}
        # The member with jäv took no part: she cannot reserve herself, nor vote.
        with pytest.raises(DomainError):
            add_reservation(None, item, person_id=ids["cia"], reason=None)
        # An ersättare who did not serve cannot reserve herself.
        with pytest.raises(DomainError):
            add_reservation(None, item, person_id=ids["gus"], reason=None)
        with pytest.raises(DomainError):
            add_reservation(None, other, person_id=ids["fia"], reason=None)
        # Nobody reserves twice.
        with pytest.raises(DomainError):
            add_reservation(None, item, person_id=ids["dan"], reason=None)
        everyone = {ids[k]: BallotChoice.YES for k in ("anna", "bo", "dan", "eva", "fia")}
        with pytest.raises(DomainError):
            add_vote(
                None,
                item,
                question=QUESTION,
                is_open=True,
                choices={**everyone, ids["cia"]: BallotChoice.NO},
            )
        # An open vote needs every serving member's choice.
        missing_eva = {pid: c for pid, c in everyone.items() if pid != ids["eva"]}
        with pytest.raises(DomainError, match="Eva Sten"):
            add_vote(None, item, question=QUESTION, is_open=True, choices=missing_eva)
        # A closed vote cannot count more votes than members serve, nor negative ones.
        with pytest.raises(DomainError):
            add_vote(None, item, question=QUESTION, is_open=False, counts=(3, 2, 1))
        with pytest.raises(DomainError):
            add_vote(None, item, question=QUESTION, is_open=False, counts=(6, -1, 0))
        closed = add_vote(None, item, question=QUESTION, is_open=False, counts=(2, 2, 1))
        assert closed.count(BallotChoice.ABSTAIN) == 1
        # Jäv is declared by a serving member; the substitute is a present ersättare not serving.
        with pytest.raises(DomainError):
            add_recusal(None, other, person_id=ids["gus"], substitute_id=None)
        with pytest.raises(DomainError):
            add_recusal(None, other, person_id=ids["bo"], substitute_id=ids["eva"])
        db.session.rollback()


def test_jav_substitute_must_be_present_at_the_item(app, factory):
    """add_recusal: "an ersättare present may serve for it"; the refusal reads "The substitute
    must be a present ersättare who is not serving". An ersättare who left after § 3 is not
    present at § 5 and cannot serve there."""
    ids, meeting_id, item_id = _started(app, factory)
    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        third = next(i for i in meeting.items if i.paragraph == 3)
        gus = next(a for a in meeting.attendances if a.person_id == ids["gus"])
        update_attendance(None, gus, to_item_id=third.id)
        db.session.commit()
        item = db.session.get(AgendaItem, item_id)
        with pytest.raises(DomainError):
            add_recusal(None, item, person_id=ids["cia"], substitute_id=ids["gus"])
        db.session.rollback()
        # Fia, present throughout, may serve.
        add_recusal(None, item, person_id=ids["cia"], substitute_id=ids["fia"])
        db.session.commit()


def test_jav_is_declared_once_and_a_substitute_serves_for_one_member(app, factory):
    """add_recusal: "Only a serving member can declare jäv", and the substitute must be "a
    present ersättare who is not serving". Once Cia has jäv on § 5 with Fia serving for her,
    Cia no longer serves there (a second jäv would print two substitutes for one seat), and Fia
    serves there (she cannot fill a second member's seat as well)."""
    ids, _meeting_id, item_id = _started(app, factory)
    with app.test_request_context():
        item = db.session.get(AgendaItem, item_id)
        add_recusal(None, item, person_id=ids["cia"], substitute_id=ids["fia"])
        db.session.commit()
        with pytest.raises(DomainError):
            add_recusal(None, item, person_id=ids["dan"], substitute_id=ids["fia"])
        db.session.rollback()
        with pytest.raises(DomainError):
            add_recusal(None, item, person_id=ids["cia"], substitute_id=ids["gus"])
        db.session.rollback()
        # Dan's jäv with Gus serving for him is in order: five serve, each seat once.
        item = db.session.get(AgendaItem, item_id)
        add_recusal(None, item, person_id=ids["dan"], substitute_id=ids["gus"])
        assert {p.id for p in serving_at(item.meeting, item)} == {
            ids[k] for k in ("anna", "bo", "eva", "fia", "gus")
        }
        db.session.rollback()


def test_protokoll_pdf_prints_the_decision_process(app, factory):
    ids, meeting_id, item_id = _started(app, factory)
    choices = _process(app, ids, meeting_id, item_id)
    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        item = next(i for i in meeting.items if i.id == item_id)
        numbers = sorted(i.paragraph for i in meeting.items)
        names = {p.id: p.name_with_party for p in serving_at(meeting, item)}
        text = without_page_furniture(pdf_text(record_pdf(meeting)))
        db.session.commit()
    paragraphs = f"§§ {numbers[0]}–{numbers[-1]}"
    assert paragraphs == "§§ 1–6"
    assert "MINNESANTECKNINGAR" not in text and "Vid minnesanteckningarna" not in text
    assert_in_order(
        text,
        [
            "PROTOKOLL",
            "Kulturnämnden 2023–2026",
            "Sammanträdesdatum 2025-03-14",
            "Plats och tid Sammanträdesrum Kronan, Stadshuset, Sala kl. 13:00-15:30",
            "Beslutande ledamöter",
            "Anna Berg (S) (Ordförande) Bo Ek (M) Cia Lund (C) Dan Holm (V) Eva Sten (KD)",
            "Ej tjänstgörande ersättare Fia Ros (S) Gus Falk (M)",
            "Övriga närvarande Stina Sekreterare (sekreterare)",
            "Justerare Bo Ek",
            "Justeringens plats och tid Stadshuset, Sala, 2025-03-20 kl. 10.00",
            f"Paragrafer {paragraphs}",
            # The signatures: secretary, chair, justerare, each under a line.
            "Sekreterare",
            "Stina Sekreterare",
            "Ordförande",
            "Anna Berg",
            "Justerare",
            "Bo Ek",
            "§ 1 Fastställande av föredragningslista",
            "Beslut Den preliminära föredragningslistan fastställs.",
            "§ 3 Justering",
            "Beslut Bo Ek utses att jämte ordföranden justera dagens protokoll.",
            "§ 5 Bidrag till kulturföreningar 2025",
            "Dnr 2025/17",
            "Förslag till beslut Bidragen fördelas enligt förvaltningens förslag.",
            "Cia Lund (C) anmäler jäv och deltar inte i handläggningen av ärendet. Fia Ros (S) tjänstgör i stället.",
            "Yrkanden Dan Holm (V) yrkar avslag.",
            "Omröstning",
            QUESTION,
            *[f"{names[pid]} {choice.printed}" for pid, choice in choices.items()],
            "Ja: 3, Nej: 2, Avstår: 0.",
            "Nämnden har beslutat enligt förvaltningens förslag.",
            "Beslut Bidragen fördelas enligt förvaltningens förslag.",
            "Dan Holm (V) reserverar sig mot beslutet.",
            "Fia Ros (S) reserverar sig mot beslutet. Till förmån för Dan Holms yrkande.",
            "§ 6 Övriga frågor",
        ],
    )
    signatures = text[text.index(f"Paragrafer {paragraphs}") : text.index("§ 1 Fastställande")]
    for label, name in (
        ("Sekreterare", "Stina Sekreterare"),
        ("Ordförande", "Anna Berg"),
        ("Justerare", "Bo Ek"),
    ):
        assert f"{label} …" in signatures and f"… {name}" in signatures
    # The member with jäv is not in the ballot table; the voting record is as entered.
    vote = text[text.index("Omröstning") : text.index("Ja: 3, Nej: 2")]
    assert "Cia Lund" not in vote and "Gus Falk" not in vote
    assert "inte beslutfört" not in text


def test_record_problems_of_a_protokoll(app, factory):
    _ids, meeting_id, _item_id = _started(app, factory)
    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        problems = record_problems(meeting)
        # Only Övriga frågor lacks a decision; justerare are chosen; quorum holds.
        assert len(problems) == 1 and "§ 6 Övriga frågor" in problems[0]
        meeting.adjusters.clear()
        db.session.flush()
        assert len(record_problems(meeting)) == 2


def _quorum_words(problem: str) -> bool:
    return "quorum" in problem or "beslutför" in problem


def test_an_item_without_quorum_is_flagged(app, factory):
    ids, meeting_id, _item_id = _started(app, factory)
    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        third = next(i for i in meeting.items if i.paragraph == 3)
        before = record_problems(meeting)
        # Bo, Cia and Dan leave after § 3: two of five ordinarie seats serve from § 4 on.
        for attendance in meeting.attendances:
            if attendance.person_id in (ids["bo"], ids["cia"], ids["dan"]):
                update_attendance(None, attendance, to_item_id=third.id)
        db.session.commit()
        meeting = db.session.get(Meeting, meeting_id)
        quorum = {item.paragraph: has_quorum(meeting, item) for item in meeting.items}
        assert quorum == {1: True, 2: True, 3: True, 4: False, 5: False, 6: False}
        new = [p for p in record_problems(meeting) if p not in before]
        assert len(new) == 3 and all(_quorum_words(p) for p in new)
        for paragraph, problem in zip((4, 5, 6), new, strict=True):
            item = next(i for i in meeting.items if i.paragraph == paragraph)
            assert f"§ {paragraph} {item.title}" in problem
        assert any("till och med § 3" in a.line for a in meeting.attendances)
        text = without_page_furniture(pdf_text(record_pdf(meeting)))
        db.session.commit()
    warning = "Observera: när ärendet avgjordes var organet inte beslutfört."
    assert text.count(warning) == 3
    assert_in_order(
        text, ["§ 3 Justering", "§ 4 Nästa sammanträde", warning, "§ 5 Bidrag", warning]
    )
    assert warning not in text[: text.index("§ 4 Nästa sammanträde")]
    assert "Bo Ek (M) till och med § 3" in text


def test_removing_members_breaks_quorum_everywhere(app, factory):
    ids, meeting_id, _item_id = _started(app, factory)
    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        for attendance in list(meeting.attendances):
            if attendance.person_id in (ids["bo"], ids["cia"], ids["dan"]):
                remove_attendance(None, attendance)
        db.session.commit()
        meeting = db.session.get(Meeting, meeting_id)
        assert all(has_quorum(meeting, item) is False for item in meeting.items)
        assert sum(_quorum_words(p) for p in record_problems(meeting)) == 6
        text = pdf_text(record_pdf(meeting))
        db.session.commit()
    assert text.count("inte beslutfört") == 6


def test_draft_record_is_the_secretarys_only(app, factory, make_client, login):
    ids, meeting_id, _item_id = _started(app, factory)
    factory.user("stina@example.se", person_id=ids["stina"])
    anonymous, secretary = make_client(), make_client()
    login(secretary, "stina@example.se")
    page = secretary.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "Gus Falk (M)" in page and "Anna Berg (S) (Ordförande)" in page
    response = anonymous.get(f"/meetings/{meeting_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Gus Falk (M)" not in page and "Anna Berg (S) (Ordförande)" not in page


def test_prefill_follows_the_seats_on_the_meeting_date(app, factory):
    ids = make_committee(factory)
    left = factory.person("Hugo Gammal", party="L")
    factory.seat(left, ids["body"], MembershipKind.ORDINARY, end_date=date(2024, 12, 31))
    later = factory.person("Ida Ny", party="MP")
    factory.seat(later, ids["body"], MembershipKind.SUBSTITUTE, start_date=date(2025, 6, 1))
    adjunct = factory.person("Jon Adjungerad", party="S")
    factory.seat(adjunct, ids["body"], MembershipKind.CO_OPTED)
    with app.app_context():
        for membership in db.session.scalars(select(Membership)):
            if membership.person_id in (ids["gus"], ids["fia"]):
                membership.substitute_order = 1 if membership.person_id == ids["gus"] else 2
        db.session.commit()
    with app.test_request_context():
        meeting = new_meeting(ids["body"], "2025-03-14")
        start_record(None, meeting)
        db.session.commit()
        rows = [(a.role, a.line) for a in meeting.attendances]
    assert rows == [
        (AttendanceRole.VOTING, "Anna Berg (S) (Ordförande)"),
        (AttendanceRole.VOTING, "Bo Ek (M)"),
        (AttendanceRole.VOTING, "Cia Lund (C)"),
        (AttendanceRole.VOTING, "Dan Holm (V)"),
        (AttendanceRole.VOTING, "Eva Sten (KD)"),
        (AttendanceRole.SUBSTITUTE_NOT_SERVING, "Gus Falk (M)"),
        (AttendanceRole.SUBSTITUTE_NOT_SERVING, "Fia Ros (S)"),
        (AttendanceRole.OTHER, "Jon Adjungerad (adjungerad)"),
        (AttendanceRole.OTHER, "Stina Sekreterare (sekreterare)"),
    ]


def test_record_pdf_is_remade_only_when_the_record_changes(app, factory, monkeypatch):
    import app.documents.stored as stored

    renders = []
    real_render = stored.render_pdf

    def counting_render(html, **kwargs):
        renders.append(html)
        return real_render(html, **kwargs)

    monkeypatch.setattr(stored, "render_pdf", counting_render)
    _ids, meeting_id, item_id = _started(app, factory)
    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        first = record_pdf(meeting)
        db.session.commit()
        assert record_pdf(db.session.get(Meeting, meeting_id)) == first
        assert len(renders) == 1
        item = db.session.get(AgendaItem, item_id)
        update_decision(
            None,
            item,
            item.decision.version,
            text="Bidragen fördelas enligt förvaltningens förslag, med tillägget att Sala Konstförening får 20 000 kronor.",
        )
        db.session.commit()
        changed = record_pdf(db.session.get(Meeting, meeting_id))
        db.session.commit()
    assert len(renders) == 2
    assert "Sala Konstförening får 20 000 kronor" in pdf_text(changed)
    assert "Sala Konstförening" not in pdf_text(first)


def test_a_protokoll_is_not_finalised_as_minutes(app, factory):
    _ids, meeting_id, _item_id = _started(app, factory)
    with app.test_request_context():
        meeting = db.session.get(Meeting, meeting_id)
        with pytest.raises(DomainError):
            finalise_minutes(None, meeting)
        assert meeting.record_status == RecordStatus.DRAFT
