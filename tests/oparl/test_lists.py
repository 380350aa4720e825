"""External lists: pages with ``pagination`` and ``links`` (``next`` until the last page), and
the ``created_since``/``created_until``/``modified_since``/``modified_until`` filters, kept in
every link, agreeing with the ``created`` and ``modified`` each object shows."""

from datetime import UTC, datetime, timedelta
from math import ceil
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from sqlalchemy import select, update

from app.agenda.models import AgendaItem
from app.bodies.models import Body, Membership
from app.cases.models import Case, Document
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus
from app.oparl.services import BODY_LISTS
from app.organisations.models import Organisation
from app.people.models import Person
from tests.oparl.walk import API, answer, get_json

BASE = datetime(2024, 1, 1, 12, tzinfo=UTC)
TIMESTAMPED = (Organisation, Body, Person, Membership, Meeting, AgendaItem, Case, Document)


def region(client) -> dict:
    bodies = get_json(client, f"{API}bodies")["data"]
    return next(b for b in bodies if b["name"] == "Region Västmanland")


def ids(page: dict) -> list[str]:
    return [obj["id"] for obj in page["data"]]


def every_page(client, first: str) -> list[dict]:
    pages, url = [], first
    while url:
        pages.append(get_json(client, url))
        url = pages[-1]["links"].get("next")
    return pages


def q(moment: datetime) -> str:
    return quote(moment.isoformat())


def test_a_list_pages_through_next_links(client, world):
    people = region(client)["person"]
    everyone = ids(get_json(client, people))
    assert len(everyone) > 20
    pages = every_page(client, f"{people}?limit=7")
    assert [p["pagination"]["currentPage"] for p in pages] == list(range(1, len(pages) + 1))
    for page in pages:
        assert page["pagination"] == {
            "totalElements": len(everyone),
            "elementsPerPage": 7,
            "currentPage": page["pagination"]["currentPage"],
            "totalPages": ceil(len(everyone) / 7),
        }
        assert page["links"]["first"] == f"{people}?limit=7"
        assert page["links"]["last"] == pages[-1]["links"]["self"]
    assert [len(p["data"]) for p in pages[:-1]] == [7] * (len(pages) - 1)
    assert "prev" not in pages[0]["links"]
    assert pages[1]["links"]["prev"] == pages[0]["links"]["self"]
    assert "next" not in pages[-1]["links"]
    assert [i for p in pages for i in ids(p)] == everyone  # the same order, nothing twice
    beyond = get_json(client, f"{people}?limit=7&page={len(pages) + 1}")
    assert beyond["data"] == [] and "next" not in beyond["links"]
    # The server keeps to its own maximum.
    assert get_json(client, f"{people}?limit=1000")["pagination"]["elementsPerPage"] == 100


@pytest.mark.parametrize(
    "query",
    ["page=0", "page=x", "limit=0", "modified_since=yesterday", "created_until=2024-13-01"],
)
def test_a_bad_parameter_is_a_json_400(client, world, query):
    response = answer(client, f"{region(client)['meeting']}?{query}", 400)
    assert response.get_json()["error"]["code"] == 400


def _set_times(app) -> None:
    """Known timestamps: everything at BASE, then each row an hour per id later, so that each
    kind's objects spread over time (and an item's meeting is sometimes later than the item)."""
    with app.app_context():
        for model in TIMESTAMPED:
            db.session.execute(update(model).values(created_at=BASE, updated_at=BASE))
            for step, row_id in enumerate(db.session.scalars(select(model.id).order_by(model.id))):
                later = BASE + timedelta(hours=(row_id * 7 + step * 3) % 50)
                db.session.execute(
                    update(model)
                    .where(model.id == row_id)
                    .values(created_at=later - timedelta(days=30), updated_at=later)
                )
        db.session.commit()


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_filters_agree_with_the_objects_dates_in_every_list(app, client, world):
    region_url = f"{API}body/{world['region']}"
    _set_times(app)
    body = region(client)
    checked = 0
    for name in BODY_LISTS:
        list_url = f"{region_url}/{name}"
        everything = [o for p in every_page(client, list_url) for o in p["data"]]
        if not everything:
            continue
        for stamp in ("created", "modified"):
            moments = sorted({_stamp(o[stamp]) for o in everything})
            middle = moments[len(moments) // 2]
            since = {o["id"] for o in everything if _stamp(o[stamp]) >= middle}
            until = {o["id"] for o in everything if _stamp(o[stamp]) <= middle}
            assert since and until and (since != until or len(moments) == 1)
            got_since = {
                o["id"]
                for p in every_page(client, f"{list_url}?{stamp}_since={q(middle)}&limit=5")
                for o in p["data"]
            }
            got_until = {
                o["id"]
                for p in every_page(client, f"{list_url}?{stamp}_until={q(middle)}&limit=5")
                for o in p["data"]
            }
            assert got_since == since, (name, stamp)
            assert got_until == until, (name, stamp)
            checked += 1
    assert checked >= 14
    assert body["id"] == region_url


def test_filters_combine_and_stay_in_the_links(app, client, world):
    region_url = f"{API}body/{world['region']}"
    _set_times(app)
    meetings = get_json(client, f"{region_url}/meetings")["data"]
    modified = sorted(_stamp(m["modified"]) for m in meetings)
    low, high = modified[1], modified[-2]
    expected = [m["id"] for m in meetings if low <= _stamp(m["modified"]) <= high]
    first = f"{region_url}/meetings?modified_since={q(low)}&modified_until={q(high)}&limit=2"
    pages = every_page(client, first)
    assert [i for p in pages for i in ids(p)] == expected
    assert len(pages) > 1
    for page in pages:
        for link in page["links"].values():
            query = parse_qs(urlsplit(link).query)
            assert _stamp(query["modified_since"][0]) == low
            assert _stamp(query["modified_until"][0]) == high
            assert query["limit"] == ["2"]
    # A "+" left unencoded arrives as a space; it is still read as the offset.
    plain = get_json(
        client, f"{region_url}/meetings?modified_since={low.astimezone(UTC).isoformat()}"
    )
    assert ids(plain) == [m["id"] for m in meetings if _stamp(m["modified"]) >= low]
    # Without an offset, Stockholm time.
    local = low.astimezone(UTC).replace(tzinfo=None) + timedelta(hours=1)
    assert ids(
        get_json(client, f"{region_url}/meetings?modified_since={local.isoformat()}")
    ) == ids(plain)
    nothing = get_json(client, f"{region_url}/meetings?created_since={q(BASE + timedelta(days=9))}")
    assert nothing["data"] == [] and nothing["pagination"]["totalElements"] == 0


def test_an_item_is_modified_when_its_meeting_is(app, client, world):
    """The kallelse makes an agenda public and the final record adds its decisions: an item
    shows (and filters by) the later of its own and its meeting's change."""
    region_url = f"{API}body/{world['region']}"
    _set_times(app)
    later = BASE + timedelta(days=5)
    with app.app_context():
        db.session.execute(
            update(Meeting).where(Meeting.id == world["srb_meeting"]).values(updated_at=later)
        )
        db.session.commit()
    since = get_json(client, f"{region_url}/agenda-items?modified_since={q(later)}")["data"]
    assert since and {i["meeting"] for i in since} == {f"{API}meeting/{world['srb_meeting']}"}
    assert all(_stamp(i["modified"]) == later for i in since)
    meeting = get_json(client, f"{API}meeting/{world['srb_meeting']}")
    assert _stamp(meeting["modified"]) == later


def test_a_sent_kallelse_reaches_a_client_that_syncs_changes(app, client, world):
    """The agenda of a meeting becomes public when the kallelse is sent; a client asking for
    the items changed since its last visit gets them then."""
    _set_times(app)
    region_url = f"{API}body/{world['region']}"
    last_visit = datetime.now(UTC) - timedelta(seconds=1)
    unsent = get_json(client, f"{region_url}/agenda-items?modified_since={q(last_visit)}")
    assert unsent["data"] == []
    with app.app_context():
        db.session.get(Meeting, world["planned_meeting"]).status = MeetingStatus.CONVENED
        db.session.commit()
    sent = get_json(client, f"{region_url}/agenda-items?modified_since={q(last_visit)}")
    assert [item["name"] for item in sent["data"]] == ["PLANERAD PUNKT"]
