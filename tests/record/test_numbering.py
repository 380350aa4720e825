"""§ numbers by the body's rule: per year (never reused), per meeting, or the item numbers."""

from app.agenda.models import AgendaItem
from app.agenda.services import add_item, confirm_agenda
from app.bodies.models import NumberingRule
from app.extensions import db
from app.meetings.models import AgendaStatus, Meeting
from app.record.rendering import record_pdf
from app.record.services import (
    paragraph_range,
    record_number,
    record_problems,
    start_record,
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


def _record(body_id: int, day: str, *, extra_item: bool = False) -> Meeting:
    """Schedule a meeting (five standing items, optionally one more) and start its record."""
    meeting = new_meeting(body_id, day)
    if extra_item:
        add_item(
            None, meeting, title="Kulturpris", proposal="Kulturpriset tilldelas Sala Konsthall."
        )
    confirm_agenda(None, meeting)
    start_record(None, meeting)
    db.session.commit()
    return meeting


def _paragraphs(meeting: Meeting) -> list[int | None]:
    return [item.paragraph for item in meeting.items]


def test_per_year_numbers_continue_through_the_year_and_restart(app, factory):
    ids = make_committee(factory, NumberingRule.PER_YEAR)
    with app.test_request_context():
        march = _record(ids["body"], "2025-03-14", extra_item=True)
        assert _paragraphs(march) == [1, 2, 3, 4, 5, 6]
        assert paragraph_range(march) == "§§ 1–6"
        may = _record(ids["body"], "2025-05-16")
        assert _paragraphs(may) == [7, 8, 9, 10, 11]
        assert paragraph_range(may) == "§§ 7–11"
        assert [record_number(item) for item in may.items][:2] == ["§ 7", "§ 8"]
        january = _record(ids["body"], "2026-01-23")
        assert _paragraphs(january) == [1, 2, 3, 4, 5]
        assert paragraph_range(january) == "§§ 1–5"
        text = pdf_text(record_pdf(may))
        db.session.commit()
    assert_in_order(
        text,
        ["Paragrafer §§ 7–11", "§ 7 Fastställande av föredragningslista", "§ 11 Övriga frågor"],
    )


def test_numbers_once_given_are_kept_and_never_reused(app, factory):
    ids = make_committee(factory, NumberingRule.PER_YEAR)
    with app.test_request_context():
        march = _record(ids["body"], "2025-03-14", extra_item=True)
        march_id = march.id
        may = _record(ids["body"], "2025-05-16")
        assert _paragraphs(may) == [7, 8, 9, 10, 11]
        # Starting a record again changes nothing: numbers, attendance, decisions stay.
        start_record(None, march)
        db.session.commit()
        march = db.session.get(Meeting, march_id)
        assert _paragraphs(march) == [1, 2, 3, 4, 5, 6]
        assert len(march.attendances) == 8
        decisions = db.session.scalars(
            db.select(AgendaItem.id).where(
                AgendaItem.meeting_id == march_id, AgendaItem.decision.has()
            )
        ).all()
        assert len(decisions) == 5
        # An item taken up later in the March meeting (the agenda opened again to add it)
        # gets the next free number of the year, after May's: never one already used.
        march.agenda_status = AgendaStatus.PRELIMINARY
        late = add_item(None, march, title="Extra ärende: lokalhyra", proposal="Hyran godkänns.")
        db.session.flush()
        assert late.paragraph is None
        start_record(None, march)
        db.session.commit()
        march = db.session.get(Meeting, march_id)
        assert [(i.title, i.paragraph) for i in march.items][-2:] == [
            ("Extra ärende: lokalhyra", 12),
            ("Övriga frågor", 6),
        ]
        assert _paragraphs(march)[:5] == [1, 2, 3, 4, 5]
        late = next(i for i in march.items if i.paragraph == 12)
        assert late.decision is not None and late.decision.text == "Hyran godkänns."
        # The next meeting of the year continues after the highest number used.
        june = _record(ids["body"], "2025-06-13")
        assert _paragraphs(june)[0] == 13


def test_per_meeting_numbers_restart_each_meeting(app, factory):
    ids = make_committee(factory, NumberingRule.PER_MEETING)
    with app.test_request_context():
        first = _record(ids["body"], "2025-03-14", extra_item=True)
        second = _record(ids["body"], "2025-05-16")
        assert _paragraphs(first) == [1, 2, 3, 4, 5, 6]
        assert _paragraphs(second) == [1, 2, 3, 4, 5]
        assert paragraph_range(second) == "§§ 1–5"
        # An item added later in the first meeting continues that meeting's series.
        first.agenda_status = AgendaStatus.PRELIMINARY
        add_item(None, first, title="Extra ärende", proposal="Informationen noteras.")
        start_record(None, first)
        db.session.commit()
        assert sorted(_paragraphs(first)) == [1, 2, 3, 4, 5, 6, 7]
        assert next(i.paragraph for i in first.items if i.title == "Extra ärende") == 7


def test_plain_numbers_are_the_item_numbers(app, factory):
    ids = make_committee(factory, NumberingRule.PLAIN)
    with app.test_request_context():
        meeting = _record(ids["body"], "2025-03-14", extra_item=True)
        assert _paragraphs(meeting) == [item.number for item in meeting.items] == [1, 2, 3, 4, 5, 6]
        assert [record_number(item) for item in meeting.items] == ["1", "2", "3", "4", "5", "6"]
        text = without_page_furniture(pdf_text(record_pdf(meeting)))
        db.session.commit()
    assert "§" not in text.replace("Paragrafer §§ 1–6", "")
    assert_in_order(
        text, ["1 Fastställande av föredragningslista", "5 Kulturpris", "6 Övriga frågor"]
    )


def test_an_item_that_utgar_keeps_its_number(app, factory):
    ids = make_committee(factory, NumberingRule.PER_YEAR)
    with app.test_request_context():
        meeting = new_meeting(ids["body"], "2025-03-14")
        withdrawn_before = add_item(
            None, meeting, title="Musikskolans taxor", proposal="Taxorna höjs."
        )
        case_item = add_case_item(meeting, ids)
        withdrawn_before.is_withdrawn = True
        confirm_agenda(None, meeting)
        start_record(None, meeting)
        db.session.commit()
        # Withdrawn before the meeting: numbered all the same, and no decision is prefilled.
        assert (withdrawn_before.number, withdrawn_before.paragraph) == (5, 5)
        assert withdrawn_before.decision is None
        # Withdrawn during the record: it keeps its number too.
        update_decision(None, case_item, case_item.decision.version, is_withdrawn=True)
        db.session.commit()
        assert (case_item.number, case_item.paragraph) == (6, 6)
        assert _paragraphs(meeting) == [1, 2, 3, 4, 5, 6, 7]
        assert paragraph_range(meeting) == "§§ 1–7"
        problems = " ".join(record_problems(meeting))
        assert "Musikskolans" not in problems and "Bidrag till kulturföreningar" not in problems
        text = without_page_furniture(pdf_text(record_pdf(meeting)))
        db.session.commit()
    assert_in_order(
        text,
        [
            "§ 4 Nästa sammanträde",
            "§ 5 Musikskolans taxor Punkten utgår. § 6 Bidrag till kulturföreningar 2025 Dnr 2025/17 Punkten utgår.",
            "§ 7 Övriga frågor",
        ],
    )
    assert "Taxorna höjs." not in text and "Bidragen fördelas" not in text
