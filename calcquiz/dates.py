"""Dates and times in one place: the learner's day, which starts at ``day_starts_at``.

As in Anki, "today" runs from ``day_starts_at`` (default 4 a.m., local time) to the same
hour the next calendar day, so a review at 01:30 counts for the evening before and a card
due at 02:00 belongs to the previous day's session. Days are built from local calendar
dates, so a day that contains a daylight-saving change lasts 23 or 25 hours.

Timestamps are epoch seconds (UTC). ``tz=None`` means the system's local zone (``TZ``);
tests pass a :class:`zoneinfo.ZoneInfo` to pin one.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo

DEFAULT_DAY_STARTS_AT = 4


@dataclass(frozen=True)
class Calendar:
    """The learner's days: each starts at ``starts_at`` o'clock local time."""

    starts_at: int = DEFAULT_DAY_STARTS_AT
    tz: tzinfo | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.starts_at <= 23:
            raise ValueError(f"Invalid day start: {self.starts_at} (an hour, 0-23)")

    def local(self, ts: float) -> datetime:
        """``ts`` as a local wall-clock time (naive when ``tz`` is None). A time the store
        holds (up to 9999-12-31 23:59:59 UTC) that is already the year 10000 in this zone
        is shown as the last moment a datetime holds."""
        try:
            return datetime.fromtimestamp(ts, self.tz)
        except (OverflowError, ValueError, OSError):
            if ts < 0:
                raise
            return datetime.max if self.tz is None else datetime.max.replace(tzinfo=self.tz)

    def day_of(self, ts: float) -> date:
        """The learner's day that ``ts`` falls in (before ``starts_at``: the day before)."""
        moment = self.local(ts)
        day = moment.date()
        return day - timedelta(days=1) if moment.hour < self.starts_at else day

    def start(self, day: date) -> float:
        """When the learner's ``day`` begins, as a timestamp."""
        moment = datetime(day.year, day.month, day.day, self.starts_at, tzinfo=self.tz)
        return moment.timestamp()

    def today_start(self, now: float) -> float:
        return self.start(self.day_of(now))

    def today_end(self, now: float) -> float:
        """The next day boundary after ``now`` (when buried cards come back)."""
        return self.start(self.day_of(now) + timedelta(days=1))

    def day_index(self, ts: float, now: float) -> int:
        """Days from today to the day of ``ts``: 0 today, 1 tomorrow, -1 yesterday."""
        return (self.day_of(ts) - self.day_of(now)).days

    def day_starts(self, first: date, days: int) -> list[float]:
        """The ``days + 1`` boundaries of ``days`` consecutive days from ``first``."""
        return [self.start(first + timedelta(days=i)) for i in range(days + 1)]

    def format_due(self, ts: float, now: float) -> str:
        """One due time in words: :class:`DueFormat`."""
        return DueFormat(self, now)(ts)

    def clock_time(self, ts: float) -> str:
        return f"{self.local(ts):%H:%M:%S}"


class DueFormat:
    """A due time in words, seen from ``now``: ``now``, ``today 14:30``, ``tomorrow 09:10``,
    ``Mon 09:10`` within a week, else the local date ``2026-10-24``. Made once for many due
    times (``list`` of 100,000 cards): the week's day boundaries are found once, so a due
    time in the week costs one local-time conversion; a later one shows only its local
    date, found once per UTC hour (an hour that holds two local dates, under an offset of
    half or three quarters of an hour, is converted per due time)."""

    def __init__(self, calendar: Calendar, now: float):
        self.calendar = calendar
        self.now = now
        today = calendar.day_of(now)
        # boundaries[i] is when the day i days from today starts (7 days ahead at most)
        self.boundaries = [calendar.start(today + timedelta(days=i)) for i in range(8)]
        self.week_end = self.boundaries[7]
        self._hour_dates: dict[int, str] = {}  # UTC hour -> its local date ("": two dates)

    def __call__(self, ts: float) -> str:
        if ts <= self.now:
            return "now"
        if ts >= self.week_end:  # 7 days or more ahead: the local date
            hour = int(ts // 3600)
            date = self._hour_dates.get(hour)
            if date is None:
                date = self._hour_dates[hour] = self._date_of_hour(hour)
            return date or self._date(self.calendar.local(ts))
        days = bisect.bisect_right(self.boundaries, ts) - 1
        moment = self.calendar.local(ts)
        clock = f"{moment.hour:02d}:{moment.minute:02d}"
        if days == 0:
            return f"today {clock}"
        if days == 1:
            return f"tomorrow {clock}"
        return f"{moment:%a} {clock}"

    def many(self, times: Iterable[float | None]) -> list[str]:
        """Each due time in words, "" for None: one call for a list's column, where a
        call per card cost a quarter of the formatting (the common case, a date beyond
        the week, is looked up here; the rest go through the call above)."""
        week_end, hour_dates = self.week_end, self._hour_dates
        out: list[str] = []
        add = out.append
        for ts in times:
            if ts is None:
                add("")
                continue
            ts = int(ts)  # due times are shown to the second below, as elsewhere
            date = hour_dates.get(ts // 3600) if ts >= week_end else None
            add(date or self(ts))
        return out

    def _date_of_hour(self, hour: int) -> str:
        first = self.calendar.local(hour * 3600.0)
        last = self.calendar.local(hour * 3600.0 + 3599.999999)
        return self._date(first) if first.date() == last.date() else ""

    @staticmethod
    def _date(moment: datetime) -> str:
        return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"


_ISO_DATES: dict[int, str] = {}  # days since 1970 -> "YYYY-MM-DD", as they are asked for
_ISO_CLOCK = tuple(f"T{h:02d}:{m:02d}:" for h in range(24) for m in range(60))  # by minute
_ISO_SECONDS = tuple(f"{s:02d}+00:00" for s in range(60))


def iso_utc(ts: float) -> str:
    """``2026-09-21T09:10:00+00:00``: a timestamp as JSON carries it, to the second below.
    Each day's date is formatted once and the time of day read from two tables
    (``list --json`` writes one for each of up to 100,000 cards)."""
    day, second = divmod(math.floor(ts), 86400)
    date = _ISO_DATES.get(day)
    if date is None:
        date = _ISO_DATES[day] = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
    return date + _ISO_CLOCK[second // 60] + _ISO_SECONDS[second % 60]


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def format_interval(seconds: float) -> str:
    """Anki's style: 45s, 10m, 3h, 4d, 2.1mo, 1.3y."""
    seconds = round(seconds)  # timestamps carry float noise: 59.9999 s is 1m
    if seconds < 60:
        return f"{max(1, round(seconds))}s"
    minutes = seconds / 60
    if minutes < 60:
        return f"{round(minutes)}m"
    hours = minutes / 60
    if hours < 24:
        return f"{round(hours)}h"
    days = hours / 24
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"


def format_duration(seconds: float) -> str:
    """Time spent: ``45s``, ``3m 05s``, ``1h 02m``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def parse_steps(text: str) -> tuple[timedelta, ...]:
    """``"1m 10m"`` -> (1 minute, 10 minutes). Units s, m, h, d; raises ValueError."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    steps = []
    for word in text.replace(",", " ").split():
        number, unit = word[:-1], word[-1:]
        if unit not in units or not number.replace(".", "", 1).isdigit():
            raise ValueError(f"{word!r} is not a step like 30s, 10m, 1h or 1d")
        seconds = float(number) * units[unit]
        if not 1 <= seconds <= 30 * 86400:
            raise ValueError(f"{word!r} is out of range (1s to 30d)")
        steps.append(timedelta(seconds=seconds))
    return tuple(steps)
