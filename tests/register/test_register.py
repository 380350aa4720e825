"""The decisions register (/beslut): final records only, drafts for the secretary, items and
bodies as each reader may see them; filters by body, year and text; pages of 25."""

import re

from app.agenda.models import AgendaItem
from app.extensions import db
from app.meetings.models import AgendaStatus, MeetingStatus, RecordStatus
from app.record.models import Decision
from app.register.services import PER_PAGE
from tests.members_world import (
    ANNA,
    CLOSED_DECISION,
    DRAFT_DECISION,
    GROUP_DECISION,
    OLLE,
    PUBLIC_DECISION,
    STINA,
    _meeting,
    assert_no_email_addresses,
    page_of,
)


def _rows(page: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    return re.findall(r"<tr>.*?</tr>", body.group(1), re.S) if body else []


def _as(make_client, login, email):
    client = make_client()
    login(client, email)
    return client


def test_the_public_reads_decisions_of_final_records(world, client):
    page = page_of(client, "/beslut")

    rows = _rows(page)
    assert len(rows) == 1
    row = rows[0]
    for part in ("Kulturnämnden", "2025-03-14", "§ 12", "2025/17", PUBLIC_DECISION):
        assert part in row
    assert f'href="/meetings/{world["held"]}/record#item-{world["grants"]}"' in row
    assert '<th scope="col">§</th>' in page and '<th scope="row"' in row
    for hidden in (CLOSED_DECISION, DRAFT_DECISION, GROUP_DECISION):
        assert hidden not in page
    assert_no_email_addresses(page, "/beslut")


def test_each_reader_sees_what_she_may(world, make_client, login):
    member = page_of(_as(make_client, login, ANNA), "/beslut")
    assert PUBLIC_DECISION in member and CLOSED_DECISION in member
    assert DRAFT_DECISION not in member and GROUP_DECISION not in member

    secretary = page_of(_as(make_client, login, STINA), "/beslut")
    assert DRAFT_DECISION in secretary and GROUP_DECISION in secretary
    draft_row = next(row for row in _rows(secretary) if DRAFT_DECISION in row)
    assert "Utkast" in draft_row  # marked as a draft

    other = page_of(_as(make_client, login, OLLE), "/beslut")
    assert GROUP_DECISION in other and PUBLIC_DECISION in other
    assert CLOSED_DECISION not in other and DRAFT_DECISION not in other


def test_filters_by_body_year_and_text(world, make_client, login):
    stina = _as(make_client, login, STINA)

    by_body = page_of(stina, f"/beslut?body={world['group']}")
    assert GROUP_DECISION in by_body and PUBLIC_DECISION not in by_body
    assert len(_rows(page_of(stina, "/beslut?year=2025"))) == 4
    assert "Inga beslut motsvarar filtren." in page_of(stina, "/beslut?year=2024")
    assert 'value="2025" selected' in page_of(stina, "/beslut?year=2025")

    for text in ("bidragen", "BIDRAG", "2025/17", "kulturföreningar"):
        rows = _rows(page_of(stina, f"/beslut?q={text}"))
        assert len(rows) == 1 and PUBLIC_DECISION in rows[0], text
    # Wildcards are text, not patterns.
    assert _rows(page_of(stina, "/beslut?q=%25")) == []
    (row,) = _rows(page_of(stina, f"/beslut?body={world['body']}&year=2025&q=taxor"))
    assert DRAFT_DECISION in row


def test_pages_of_twenty_five(world, app, client):
    with app.test_request_context():
        meeting = _meeting(
            world["body"],
            "2024-11-08",
            status=MeetingStatus.HELD,
            agenda_status=AgendaStatus.CONFIRMED,
            record_status=RecordStatus.FINAL,
        )
        for n in range(1, 31):
            item = AgendaItem(
                meeting=meeting, position=n, number=n, paragraph=n, title=f"Ärende {n}"
            )
            db.session.add(Decision(item=item, text=f"Beslut nummer {n}."))
        db.session.commit()

    first = page_of(client, "/beslut")
    assert len(_rows(first)) == PER_PAGE
    assert "31 beslut" in first and "sida 1 av 2" in first
    assert 'rel="next" href="/beslut?page=2"' in first
    assert PUBLIC_DECISION in first  # the latest meeting first
    second = page_of(client, "/beslut?page=2")
    assert len(_rows(second)) == 31 - PER_PAGE
    assert "Beslut nummer 30." in second and 'rel="prev"' in second
    # In § order within a meeting.
    numbers = [int(n) for n in re.findall(r"Beslut nummer (\d+)\.", first + second)]
    assert numbers == sorted(numbers)
    # Filters carry over to the other pages; a page past the end shows the last one.
    filtered = page_of(client, "/beslut?year=2024&q=nummer")
    assert 'href="/beslut?year=2024&amp;q=nummer&amp;page=2"' in filtered
    assert "Beslut nummer 30." in page_of(client, "/beslut?page=99")


def test_years_offered_are_those_with_decisions(world, app, client):
    page = page_of(client, "/beslut")
    assert re.findall(r'<option value="(\d{4})"', page) == ["2025"]
