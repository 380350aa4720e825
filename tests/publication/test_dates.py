"""The statutory dates: three weeks of appeal from the anslag, moved past weekends, public
holidays, midsommarafton, julafton and nyårsafton (lag 1930:173); the anslag itself due the
second day after the justering."""

from datetime import date

import pytest

from app.publication.services import (
    appeal_last_day,
    is_non_working_day,
    latest_posting_day,
    takedown_day,
)


@pytest.mark.parametrize(
    ("posted", "last_day"),
    [
        # An ordinary Wednesday: exactly three weeks.
        ("2026-03-04", "2026-03-25"),
        # Juldagen (Fri), annandag jul (Sat) and a Sunday: Monday.
        ("2026-12-04", "2026-12-28"),
        # Julafton (Thu) is no working day either.
        ("2026-12-03", "2026-12-28"),
        # Midsommarafton (Fri 19 June 2026), midsommardagen, Sunday: Monday.
        ("2026-05-29", "2026-06-22"),
        # Nyårsafton (Wed), nyårsdagen (Thu): Friday.
        ("2025-12-10", "2026-01-02"),
        # Långfredagen, påskafton, påskdagen, annandag påsk: Tuesday.
        ("2026-03-13", "2026-04-07"),
        # A Saturday: Monday.
        ("2026-03-07", "2026-03-30"),
        # Kristi himmelsfärdsdag (Thu 14 May 2026): Friday.
        ("2026-04-23", "2026-05-15"),
    ],
)
def test_appeal_last_day(posted, last_day):
    assert appeal_last_day(date.fromisoformat(posted)) == date.fromisoformat(last_day)


def test_the_notice_is_taken_down_the_day_after_the_last_day_for_appeal():
    assert takedown_day(date(2026, 3, 4)) == date(2026, 3, 26)
    assert takedown_day(date(2026, 12, 4)) == date(2026, 12, 29)


def test_working_days():
    assert not is_non_working_day(date(2026, 3, 4))
    assert is_non_working_day(date(2026, 6, 19))  # midsommarafton
    assert not is_non_working_day(date(2025, 6, 19))  # a Thursday, the day before it
    assert is_non_working_day(date(2025, 6, 20))  # midsommarafton 2025
    assert is_non_working_day(date(2026, 6, 6))  # nationaldagen
    assert is_non_working_day(date(2026, 12, 24))
    assert is_non_working_day(date(2026, 12, 31))


@pytest.mark.parametrize(
    ("justered", "latest"),
    [
        ("2026-03-02", "2026-03-04"),  # Monday: Wednesday
        ("2026-03-05", "2026-03-09"),  # Thursday: the Saturday moves to Monday
        ("2026-12-22", "2026-12-28"),  # julafton, juldagen, annandag, Sunday
    ],
)
def test_latest_posting_day_is_the_second_day_after_justering(justered, latest):
    assert latest_posting_day(date.fromisoformat(justered)) == date.fromisoformat(latest)
