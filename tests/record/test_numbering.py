"""§ numbers by the body's rule: per year (never reused), per meeting, or the item numbers."""

import re

from sqlalchemy import select

from app.agenda.models import AgendaItem, uses_paragraphs
from app.agenda.rendering import agenda_pdf_for_reading
from app.agenda.services import add_item, confirm_agenda
from app.bodies.models import NumberingRule
from app.extensions import db
from app.meetings.models import AgendaStatus, Meeting, MeetingStatus, RecordStatus
from app.record.rendering import (
    extract_pdf_for_reading,
    record_pdf,
    record_pdf_for_reading,
)
from app.record.services import (
    paragraph_range,
    record_problems,
    start_record,
    update_decision,
)
from tests.record.helpers import (
    HALSA,
    add_case_item,
    assert_in_order,
    make_committee,
    meeting_of,
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
        assert [item.record_label for item in may.items][:2] == ["§ 7", "§ 8"]
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
        assert [item.record_label for item in meeting.items] == ["1", "2", "3", "4", "5", "6"]
        text = without_page_furniture(pdf_text(record_pdf(meeting)))
        db.session.commit()
    assert "§" not in text
    assert "Punkter 1–6" in text
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


# -- one style across the demo's documents and pages ---------------------------------------------

# A § sign stuck to its number ("§6"): the seeds' style, never the product's ("§ 6").
STUCK = re.compile(r"§\d")
NUMBER_SPAN = re.compile(r'<span class="number">([^<]*)</span>')


def _numbers_in(page: str) -> list[str]:
    return [number.strip() for number in NUMBER_SPAN.findall(page)]


def _one_style(numbers: list[str], *, paragraphs: bool) -> None:
    """Every number printed as the body's rule has it: all "§ N", or all plain "N"."""
    assert numbers
    pattern = r"§ \d+" if paragraphs else r"\d+"
    assert all(re.fullmatch(pattern, number) for number in numbers), numbers


def test_the_demo_prints_every_number_in_its_bodys_one_style(app, demo, client):
    """The seeds print "§1" in one group's minutes and "5" beside "§6" in another's: the
    demo's record pages, record PDFs, utdrag, meeting pages and agenda PDFs print each body's
    numbers one way ("§ 6" or "6"), and no number with a § stuck to it."""
    with app.test_request_context():
        meetings = [m for m in db.session.scalars(select(Meeting).order_by(Meeting.id)) if m.items]
        seen = {
            m.id: (m.body.name, uses_paragraphs(m.body.numbering), m.record_status)
            for m in meetings
        }
        drafts = {m.id for m in meetings if m.status == MeetingStatus.PLANNED}
        texts = {}
        for meeting in meetings:
            agenda = pdf_text(agenda_pdf_for_reading(meeting))
            record = None
            utdrag = None
            if meeting.record_status == RecordStatus.FINAL:
                record = without_page_furniture(pdf_text(record_pdf_for_reading(meeting)))
                utdrag = pdf_text(extract_pdf_for_reading(meeting, meeting.items[-1:]))
            texts[meeting.id] = (
                agenda,
                record,
                utdrag,
                [(i.number, i.record_label, i.title) for i in meeting.items],
            )
    assert {name for name, _p, _s in seen.values()} >= {
        "Samverkansgrupp Kompetensförsörjning",
        "Samverkansgrupp Hälsa",
        "Samverkansgrupp Nära vård",
        "Strategisk regional beredning",
    }
    for meeting_id, (name, paragraphs, status) in seen.items():
        agenda, record, utdrag, items = texts[meeting_id]
        # The agenda numbers its items plainly, whatever the body.
        assert not STUCK.search(agenda), name
        for number, _label, title in items:
            shown = title if number is None else f"{number} {title}"
            assert shown in " ".join(agenda.split()), (name, title)
        meeting_page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
        if status != RecordStatus.FINAL:
            # An agenda still a draft (SRB 2024-06-14: the standing items only, no kallelse
            # sent) is not shown to the public: its numbers are asked of its PDF above.
            if meeting_id not in drafts:
                _one_style(_numbers_in(meeting_page), paragraphs=False)
            continue
        # The record, on its page, on the meeting page, in its PDF and in an utdrag: one style.
        record_page = client.get(f"/meetings/{meeting_id}/record").get_data(as_text=True)
        for page in (record_page, meeting_page):
            assert not STUCK.search(page), name
            _one_style(_numbers_in(page), paragraphs=paragraphs)
        for text in (record, utdrag):
            assert not STUCK.search(text), name
            if not paragraphs:
                assert "§" not in text, name
        for _number, label, title in items:
            assert f"{label} {title}" in record, (name, label, title)
        assert f"{items[-1][1]} {items[-1][2]}" in utdrag


def test_the_halsa_minutes_number_their_last_item_as_the_others(app, demo, client):
    """Seed 001 prints Hälsa's items "1"-"5", then "§6 Övriga frågor"; the body numbers
    plainly, so item 6 is "6" everywhere, and an attendance from part of an item names it
    "punkt 3"."""
    with app.test_request_context():
        meeting = meeting_of(*HALSA)
        last = meeting.items[-1]
        assert (last.display_number, last.record_label, last.reference) == ("6", "6", "punkt 6")
        meeting_id = meeting.id
        lines = [a.line for a in meeting.attendances]
    page = client.get(f"/meetings/{meeting_id}/record").get_data(as_text=True)
    assert '<span class="number">6</span> Övriga frågor' in page
    assert "§" not in page.split("<main", 1)[1]
    assert any(line.endswith("från del av punkt 3") for line in lines)
