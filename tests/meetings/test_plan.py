"""The sammanträdesplan: a year of meetings made at once from a rule or a typed list (holidays
flagged, days with a meeting or past skipped, never doubled), the plan pages per body and per
organisation, and moving a meeting (the calendar feed's event updated, the members told)."""

import re
from datetime import date, time

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.agenda import services as agenda
from app.bodies.models import Body, MembershipFunction, MembershipKind
from app.core.dates import local_today
from app.core.errors import DomainError
from app.extensions import db
from app.meetings import services as planning
from app.meetings.models import Meeting, MeetingMode, MeetingStatus
from app.meetings.services import LAST_WEEK, MeetingDetails, Pattern, PlanRule
from tests.agenda.helpers import make_committee

# Service tests name their own "today"; the pages plan next year, whatever year it is.
TODAY = date(2026, 6, 1)


def _next_year() -> int:
    return local_today().year + 1


@pytest.fixture
def committee(app, factory):
    ids = make_committee(factory)
    factory.user("karin@example.se", person_id=ids["karin"])  # a ledamot with a login
    other = factory.body("Tekniska nämnden")
    sven = factory.person("Sven Ek", email="sven@example.se")
    factory.seat(sven, other, MembershipKind.STAFF, MembershipFunction.SECRETARY)
    factory.user("sven@example.se", person_id=sven)
    ids["other"] = other
    return ids


def _meetings(app, body_id: int) -> list[Meeting]:
    with app.app_context():
        meetings = db.session.scalars(
            select(Meeting).where(Meeting.body_id == body_id).order_by(Meeting.meeting_date)
        ).all()
        for meeting in meetings:
            _ = meeting.items, meeting.body  # loaded before the context closes
        return list(meetings)


# -- the rules ----------------------------------------------------------------------------


def test_first_tuesday_of_every_month_but_july(app):
    rule = PlanRule(
        year=2027, pattern=Pattern.MONTHLY, weekday=1, weeks=(1,), skip_months=frozenset({7})
    )
    with app.app_context():
        days = planning.dates_from_rule(rule, today=TODAY)
    assert len(days) == 11
    assert [d.month for d in days] == [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12]
    assert all(d.weekday() == 1 and d.day <= 7 for d in days)
    assert days[0] == date(2027, 1, 5) and days[1] == date(2027, 2, 2)


def test_first_and_last_thursday_and_every_other_week(app):
    with app.app_context():
        monthly = planning.dates_from_rule(
            PlanRule(year=2027, pattern=Pattern.MONTHLY, weekday=3, weeks=(1, LAST_WEEK)),
            today=TODAY,
        )
        weekly = planning.dates_from_rule(
            PlanRule(
                year=2027,
                pattern=Pattern.WEEKLY,
                start=date(2027, 1, 12),
                interval=2,
                skip_months=frozenset({7, 8}),
            ),
            today=TODAY,
        )
    assert len(monthly) == 24
    assert date(2027, 9, 2) in monthly and date(2027, 9, 30) in monthly
    assert date(2027, 12, 30) in monthly
    assert weekly[:3] == [date(2027, 1, 12), date(2027, 1, 26), date(2027, 2, 9)]
    assert all((d - date(2027, 1, 12)).days % 14 == 0 for d in weekly)
    assert not any(d.month in (7, 8) for d in weekly)
    assert weekly[-1].year == 2027


def test_a_rule_for_a_year_gone_or_far_off_is_refused(app):
    with app.app_context():
        for year in (2025, 2032):
            with pytest.raises(DomainError) as error:
                planning.dates_from_rule(
                    PlanRule(year=year, pattern=Pattern.MONTHLY, weekday=1), today=TODAY
                )
            assert error.value.field == "year"


def test_the_preview_flags_holidays_and_skips_days_with_a_meeting_or_past(app, committee):
    with app.test_request_context():
        body = db.session.get(Body, committee["body"])
        agenda.schedule_meeting(None, body, meeting_date=date(2027, 2, 2))
        db.session.commit()
        days, errors = planning.parse_date_list(
            "2026-05-12\n2027-02-02\n24 december 2027\n2027-02-16\n2027-02-16", 2027
        )
        assert errors == []
        preview = planning.plan_dates(body, days, today=TODAY)
        by_day = {planned.day: planned for planned in preview.days}
        assert list(by_day) == [
            date(2026, 5, 12),
            date(2027, 2, 2),
            date(2027, 2, 16),
            date(2027, 12, 24),
        ]
        assert by_day[date(2026, 5, 12)].is_past
        assert by_day[date(2027, 2, 2)].existing is not None
        assert by_day[date(2027, 12, 24)].holiday == "Julafton"
        assert by_day[date(2027, 2, 16)].holiday is None
        assert [p.day for p in preview.to_create] == [date(2027, 2, 16), date(2027, 12, 24)]


def test_creating_skips_what_exists_and_refuses_nonsense(app, committee):
    details = MeetingDetails(
        start_time=time(9), end_time=time(12), room="Mälaren", mode=MeetingMode.HYBRID
    )
    with app.test_request_context():
        body = db.session.get(Body, committee["body"])
        agenda.schedule_meeting(None, body, meeting_date=date(2027, 3, 2))
        made = planning.create_planned_meetings(
            None, body, [date(2027, 3, 2), date(2027, 4, 6), date(2026, 1, 1)], details, today=TODAY
        )
        assert [m.meeting_date for m in made] == [date(2027, 4, 6)]
        assert made[0].start_time == time(9) and made[0].room == "Mälaren"
        assert made[0].mode == MeetingMode.HYBRID and made[0].items  # standing items
        with pytest.raises(DomainError):  # all there already: nothing is doubled
            planning.create_planned_meetings(None, body, [date(2027, 4, 6)], details, today=TODAY)
        with pytest.raises(DomainError):
            planning.create_planned_meetings(None, body, [], details, today=TODAY)
        many = [date(2027, 1, 1).replace(month=m, day=d) for m in range(1, 13) for d in range(1, 7)]
        with pytest.raises(DomainError):  # 72 at once is a mistake in the rule
            planning.create_planned_meetings(None, body, many, details, today=TODAY)
        db.session.commit()
    assert [m.meeting_date for m in _meetings(app, committee["body"])] == [
        date(2027, 3, 2),
        date(2027, 4, 6),
    ]


def test_typed_dates_in_swedish_and_iso_forms(app):
    with app.test_request_context():
        days, errors = planning.parse_date_list(
            "2027-02-02\n\n9 februari 2027\ntisdag 16 februari 2027\n"
            "tisdagen den 23 februari 2027\n2/3 2027\n9/3\n",
            2027,
        )
        assert errors == []
        assert days == [date(2027, 2, d) for d in (2, 9, 16, 23)] + [
            date(2027, 3, 2),
            date(2027, 3, 9),
        ]
        days, errors = planning.parse_date_list("onsdag 2 februari 2027\n31 juni 2027\nsnart", 2027)
        assert days == []
        assert [(e.number, e.text) for e in errors] == [
            (1, "onsdag 2 februari 2027"),
            (2, "31 juni 2027"),
            (3, "snart"),
        ]


# -- the pages ----------------------------------------------------------------------------


def _rule_form(year: int, **values) -> dict:
    return {
        "year": str(year),
        "source": "rule",
        "pattern": "monthly",
        "weeks": ["1"],
        "weekday": "1",
        "skip_months": ["7"],
        "start_time": "09:00",
        "end_time": "12:00",
        "room": "Sammanträdesrum Mälaren",
        "building": "Regionhuset",
        "location": "Västerås",
        "mode": "hybrid",
        **values,
    }


def test_a_secretary_plans_a_year_from_a_rule(app, committee, make_client, login):
    year = _next_year()
    elin = make_client()
    login(elin, "elin@example.se")
    url = f"/bodies/{committee['body']}/plan/new"
    body_page = elin.get(f"/bodies/{committee['body']}").get_data(as_text=True)
    assert url in body_page and f"/bodies/{committee['body']}/plan" in body_page

    response = elin.submit(url, {**_rule_form(year), "preview": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    boxes = re.findall(r'name="days" value="([\d-]+)"', page)
    assert len(boxes) == 11 and all(date.fromisoformat(d).weekday() == 1 for d in boxes)
    assert "tisdag" in page  # dates as "tisdag 5 januari 2027"
    assert not _meetings(app, committee["body"])  # a preview makes nothing
    previewed = re.search(r'name="previewed" type="hidden" value="([^"]*)"', page).group(1)
    checked = re.findall(r'name="days" value="([\d-]+)" id="[^"]+" checked', page)

    chosen = checked[:3]
    response = elin.submit(
        url, {**_rule_form(year), "previewed": previewed, "days": chosen, "create": "1"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/bodies/{committee['body']}/plan?year={year}")
    meetings = _meetings(app, committee["body"])
    assert [m.meeting_date.isoformat() for m in meetings] == chosen
    assert all(
        m.start_time == time(9) and m.place == "Sammanträdesrum Mälaren, Regionhuset, Västerås"
        for m in meetings
    )
    assert all(m.mode == MeetingMode.HYBRID and m.items for m in meetings)

    plan = elin.get(response.headers["Location"]).get_data(as_text=True)
    for meeting in meetings:
        assert f"/meetings/{meeting.id}" in plan
    assert "Hybrid" in plan or "hybrid" in plan
    assert "kl. 09:00-12:00" in plan

    # The same rule again: the dates made are shown as there already, and not made twice.
    page = elin.submit(url, {**_rule_form(year), "preview": "1"}).get_data(as_text=True)
    assert len(re.findall(r'name="days" value=', page)) == 8
    previewed = re.search(r'name="previewed" type="hidden" value="([^"]*)"', page).group(1)
    response = elin.submit(
        url, {**_rule_form(year), "previewed": previewed, "days": chosen, "create": "1"}
    )
    assert response.status_code == 422  # all chosen exist: refused, nothing doubled
    assert len(_meetings(app, committee["body"])) == 3


def test_a_changed_rule_is_previewed_again_before_anything_is_made(
    app, committee, make_client, login
):
    year = _next_year()
    elin = make_client()
    login(elin, "elin@example.se")
    url = f"/bodies/{committee['body']}/plan/new"
    page = elin.submit(url, {**_rule_form(year), "preview": "1"}).get_data(as_text=True)
    previewed = re.search(r'name="previewed" type="hidden" value="([^"]*)"', page).group(1)
    response = elin.submit(
        url,
        {
            **_rule_form(year, weekday="3"),
            "previewed": previewed,
            "days": previewed.split(","),
            "create": "1",
        },
    )
    assert response.status_code == 200
    assert not _meetings(app, committee["body"])
    boxes = re.findall(r'name="days" value="([\d-]+)"', response.get_data(as_text=True))
    assert boxes and all(date.fromisoformat(d).weekday() == 3 for d in boxes)


def test_a_bad_line_in_the_list_is_named_and_the_text_kept(app, committee, make_client, login):
    year = _next_year()
    elin = make_client()
    login(elin, "elin@example.se")
    typed = f"{year}-02-03\n32 januari {year}\n3 febuari {year}"
    response = elin.submit(
        f"/bodies/{committee['body']}/plan/new",
        {"year": str(year), "source": "list", "dates": typed, "mode": "on_site", "preview": "1"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"32 januari {year}" in page and f"3 febuari {year}" in page
    assert "Rad 2" in page and "Rad 3" in page
    assert "Det finns ingen sådan dag." in page
    assert "febuari" in page.split("</textarea>")[0]  # the typed text is still in the box
    assert 'name="days"' not in page
    assert not _meetings(app, committee["body"])


def test_julafton_is_flagged_and_not_chosen(app, committee, make_client, login):
    year = _next_year()
    elin = make_client()
    login(elin, "elin@example.se")
    page = elin.submit(
        f"/bodies/{committee['body']}/plan/new",
        {
            "year": str(year),
            "source": "list",
            "dates": f"24 december {year}\n{year}-12-14",
            "mode": "on_site",
            "preview": "1",
        },
    ).get_data(as_text=True)
    assert "Helgdag: Julafton" in page
    assert re.search(rf'value="{year}-12-14" id="[^"]+" checked', page)
    assert re.search(rf'value="{year}-12-24" id="[^"]+">', page)  # offered, not ticked


def test_only_the_bodys_secretary_plans(app, committee, make_client, login):
    url = f"/bodies/{committee['body']}/plan/new"
    anonymous = make_client()
    assert anonymous.get(url).status_code == 302
    for email in ("karin@example.se", "sven@example.se"):  # a member; another's secretary
        client = make_client()
        login(client, email)
        assert client.get(url).status_code == 403
        token = client.csrf_token("/")
        response = client.post(
            url, data={**_rule_form(_next_year()), "create": "1", "csrf_token": token}
        )
        assert response.status_code == 403
        assert client.get(f"/bodies/{committee['body']}/plan").status_code == 200
    assert not _meetings(app, committee["body"])


def test_the_plans_show_what_the_reader_may_see(app, committee, factory, make_client, login):
    year = _next_year()
    hidden = factory.body("Personalgruppen", is_public=False)
    with app.app_context():
        body = db.session.get(Body, committee["body"])
        secret = db.session.get(Body, hidden)
        secret.organisation_id = body.organisation_id
        agenda.schedule_meeting(None, body, meeting_date=date(year, 3, 9))
        agenda.schedule_meeting(None, body, meeting_date=date(year - 1, 3, 9))
        agenda.schedule_meeting(None, secret, meeting_date=date(year, 2, 9))
        db.session.commit()
        organisation_id = body.organisation_id
    anonymous = make_client()
    assert anonymous.get(f"/bodies/{hidden}/plan").status_code == 404
    page = anonymous.get(f"/organisations/{organisation_id}/plan?year={year}").get_data(
        as_text=True
    )
    assert "Kulturnämnden" in page and "9 mars" in page
    assert "Personalgruppen" not in page and "9 februari" not in page
    assert f"/organisations/{organisation_id}/plan" in anonymous.get(
        f"/organisations/{organisation_id}"
    ).get_data(as_text=True)
    body_plan = anonymous.get(f"/bodies/{committee['body']}/plan?year={year}").get_data(
        as_text=True
    )
    assert f"9 mars {year}" in body_plan and f"9 mars {year - 1}" not in body_plan
    assert "Planera ett års sammanträden" not in body_plan  # no planning for the public

    # The filter narrows to one body; a body the reader may not see is ignored.
    page = anonymous.get(
        f"/organisations/{organisation_id}/plan?year={year}&body={hidden}"
    ).get_data(as_text=True)
    assert "Personalgruppen" not in page


# -- moving a meeting ---------------------------------------------------------------------


def test_moving_a_meeting_updates_the_feed_and_tells_the_members(
    app, committee, make_client, login, smtp_server
):
    year = _next_year()
    with app.app_context():
        body = db.session.get(Body, committee["body"])
        meeting = agenda.schedule_meeting(
            None,
            body,
            meeting_date=date(year, 2, 2),
            start_time=time(9),
            end_time=time(12),
            room="Mälaren",
        )
        db.session.commit()
        meeting_id = meeting.id
    elin = make_client()
    login(elin, "elin@example.se")
    feed_url = f"/bodies/{committee['body']}/calendar.ics"

    def event():
        (found,) = [
            e
            for e in Calendar.from_ical(elin.get(feed_url).data).walk("VEVENT")
            if str(e["UID"]) == f"meeting-{meeting_id}@sekretariat"
        ]
        return found

    before = event()
    response = elin.submit(
        f"/meetings/{meeting_id}/edit",
        {
            "meeting_date": f"{year}-02-09",
            "start_time": "13:00",
            "end_time": "15:00",
            "room": "Kronan",
            "mode": "on_site",
        },
    )
    assert response.status_code == 302
    after = event()
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.start.date() == date(year, 2, 9) and after.start.hour == 13
    assert str(after["LOCATION"]) == "Kronan"

    received = smtp_server.wait_for(3)
    assert {m["rcpt_tos"][0] for m in received} == {
        "karin@example.se",
        "olle@example.se",
        "sara@example.se",
    }
    message = received[0]["message"]
    text = message.get_body(("plain",)).get_content()
    old_day = date(year, 2, 2)
    assert str(message["Subject"]).startswith("Flyttat sammanträde: Kulturnämnden")
    assert f"Datum: {_swedish(old_day)} → {_swedish(date(year, 2, 9))}" in text
    assert "Tid: kl. 09:00-12:00 → kl. 13:00-15:00" in text
    assert "Plats: Mälaren → Kronan" in text
    assert f"/meetings/{meeting_id}" in text

    # Saving it again unchanged tells nobody; a held meeting cannot be moved at all.
    response = elin.submit(
        f"/meetings/{meeting_id}/edit",
        {
            "meeting_date": f"{year}-02-09",
            "start_time": "13:00",
            "end_time": "15:00",
            "room": "Kronan",
            "mode": "on_site",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        db.session.get(Meeting, meeting_id).status = MeetingStatus.HELD
        db.session.commit()
    response = elin.submit(
        f"/meetings/{meeting_id}/edit", {"meeting_date": f"{year}-03-09", "mode": "on_site"}
    )
    assert response.status_code == 422
    assert len(smtp_server.messages) == 3
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).meeting_date == date(year, 2, 9)


def _swedish(day: date) -> str:
    weekdays = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
    months = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
              "september", "oktober", "november", "december")  # fmt: skip
    return f"{weekdays[day.weekday()]} {day.day} {months[day.month - 1]} {day.year}"


def test_a_move_rolled_back_mails_no_one(app, committee, smtp_server):
    """The move mail goes after the commit: a change undone before it (a stale version, a
    refused justerare choice in the same form) tells the members nothing."""
    year = _next_year()
    with app.test_request_context():
        body = db.session.get(Body, committee["body"])
        meeting = agenda.schedule_meeting(None, body, meeting_date=date(year, 2, 2), room="Mälaren")
        db.session.commit()
        meeting_id = meeting.id
        agenda.update_meeting(None, meeting, None, meeting_date=date(year, 2, 9), room="Kronan")
        assert smtp_server.messages == []  # nothing before the commit
        db.session.rollback()
        assert db.session.get(Meeting, meeting_id).meeting_date == date(year, 2, 2)
        meeting = db.session.get(Meeting, meeting_id)
        agenda.update_meeting(None, meeting, None, meeting_date=date(year, 2, 16), room="Kronan")
        db.session.commit()
    received = smtp_server.wait_for(3)
    text = received[0]["message"].get_body(("plain",)).get_content()
    assert f"{_swedish(date(year, 2, 2))} → {_swedish(date(year, 2, 16))}" in text
    assert "9 februari" not in text
