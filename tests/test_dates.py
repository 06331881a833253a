"""The learner's day (starting at 4 a.m.) with a fixed zone, around the boundary and
across both daylight-saving changes of 2026 in Berlin (29 March: 23 h; 25 October: 25 h)."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calcquiz.dates import Calendar, format_interval, parse_steps

BERLIN = ZoneInfo("Europe/Berlin")
CAL = Calendar(4, BERLIN)


def at(y: int, m: int, d: int, h: int, mi: int = 0) -> float:
    return datetime(y, m, d, h, mi, tzinfo=BERLIN).timestamp()


def test_before_4_am_is_still_the_day_before():
    assert CAL.day_of(at(2026, 9, 22, 3, 59)) == date(2026, 9, 21)
    assert CAL.day_of(at(2026, 9, 22, 4, 0)) == date(2026, 9, 22)
    assert CAL.today_start(at(2026, 9, 22, 1)) == at(2026, 9, 21, 4)
    assert CAL.today_end(at(2026, 9, 22, 1)) == at(2026, 9, 22, 4)
    assert CAL.today_end(at(2026, 9, 22, 4)) == at(2026, 9, 23, 4)


def test_midnight_days_when_configured():
    midnight = Calendar(0, BERLIN)
    assert midnight.day_of(at(2026, 9, 22, 0, 30)) == date(2026, 9, 22)
    assert midnight.today_end(at(2026, 9, 22, 23)) == at(2026, 9, 23, 0)


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2026, 3, 28), 23), (date(2026, 10, 24), 25), (date(2026, 9, 21), 24)]
)
def test_a_day_with_a_clock_change_lasts_23_or_25_hours(day: date, hours: int):
    """The clocks change at 02:00/03:00, inside the learner's day that began the evening
    before at 04:00."""
    assert CAL.start(day + timedelta(days=1)) - CAL.start(day) == hours * 3600


def test_day_index_counts_calendar_days_across_the_spring_change():
    now = at(2026, 3, 28, 5)  # the night after, clocks go forward at 02:00
    tomorrow_morning = at(2026, 3, 29, 4, 30)  # only 22.5 hours later
    assert tomorrow_morning - now == 22.5 * 3600
    assert CAL.day_index(tomorrow_morning, now) == 1
    assert CAL.day_index(at(2026, 3, 29, 3), now) == 0  # 03:00 belongs to the 28th


def test_day_index_across_the_autumn_change():
    now = at(2026, 10, 24, 23)
    # 02:30 happens twice on 25 October; both are before 04:00, so still the 24th.
    first = datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN, fold=0).timestamp()
    second = datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN, fold=1).timestamp()
    assert second - first == 3600
    assert CAL.day_index(first, now) == CAL.day_index(second, now) == 0
    assert CAL.day_index(at(2026, 10, 25, 4), now) == 1


def test_a_day_starting_inside_the_skipped_hour_still_has_one_start():
    """With day_starts_at 2, 29 March's 02:00 does not exist in Berlin."""
    cal = Calendar(2, BERLIN)
    start = cal.start(date(2026, 3, 29))
    assert cal.day_of(start) == date(2026, 3, 29)
    assert cal.day_of(start - 1) == date(2026, 3, 28)


def test_the_system_zone_from_tz_agrees_with_zoneinfo(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        local = Calendar(4)
        for ts in range(int(at(2026, 3, 28, 0)), int(at(2026, 3, 31, 0)), 1800):
            assert local.day_of(ts) == CAL.day_of(ts)
            assert local.today_end(ts) == CAL.today_end(ts)
        for ts in range(int(at(2026, 10, 24, 0)), int(at(2026, 10, 27, 0)), 1800):
            assert local.day_of(ts) == CAL.day_of(ts)
            assert local.today_start(ts) == CAL.today_start(ts)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_format_due_in_words():
    now = at(2026, 9, 21, 9)
    assert CAL.format_due(now - 5, now) == "now"
    assert CAL.format_due(at(2026, 9, 21, 14, 30), now) == "today 14:30"
    assert CAL.format_due(at(2026, 9, 22, 2, 0), now) == "today 02:00"  # before 4 a.m.
    assert CAL.format_due(at(2026, 9, 22, 9, 10), now) == "tomorrow 09:10"
    assert CAL.format_due(at(2026, 9, 24, 9, 10), now) == "Thu 09:10"
    assert CAL.format_due(at(2026, 10, 24, 9, 10), now) == "2026-10-24"


def test_steps_and_intervals():
    assert parse_steps("1m 10m") == (timedelta(minutes=1), timedelta(minutes=10))
    assert parse_steps("30s, 1h 2d") == (
        timedelta(seconds=30),
        timedelta(hours=1),
        timedelta(days=2),
    )
    for bad in ("10", "m", "5x", "-1m", "0s", "40d"):
        with pytest.raises(ValueError):
            parse_steps(bad)
    assert [format_interval(s) for s in (59.9999, 600, 3 * 3600, 4 * 86400)] == [
        "1m", "10m", "3h", "4d"
    ]
    with pytest.raises(ValueError):
        Calendar(24)
