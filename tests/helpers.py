"""Helpers shared by the tests that drive calcquiz in a subprocess."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

CLI = [sys.executable, "-m", "calcquiz"]


def reviews(home: Path) -> list[tuple]:
    """(card_id, rating, reviewed_at, state_after) of every logged rating."""
    db = home / "calcquiz.db"
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT card_id, rating, reviewed_at, state_after FROM review_log ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def integrity(home: Path) -> str:
    conn = sqlite3.connect(home / "calcquiz.db")
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


class Session:
    """A piped `calcquiz study` whose output is read as it arrives."""

    PROMPT = "Space/Enter show answer"

    def __init__(self, *args: str, **popen):
        self.proc = subprocess.Popen(
            [*CLI, "study", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            **popen,
        )
        self.out: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.out.append(line)

    def text(self) -> str:
        return "".join(self.out)

    def send(self, keys: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(keys)
        self.proc.stdin.flush()

    def wait_for(self, needle: str, count: int, timeout: float = 20) -> None:
        deadline = time.time() + timeout
        while self.text().count(needle) < count:
            if time.time() > deadline:
                raise AssertionError(f"never saw {needle!r} x{count}:\n{self.text()}")
            time.sleep(0.01)


# ---------------------------------------------------------------- Anki exchange
# Shared by tests/test_export_progress.py and tests/test_import_anki*.py (test files do
# not import each other).

DAY = 86400.0


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def study_days(store, decks, start: float, days: int, ratings, cram_days=()) -> FakeClock:
    """Drive the real StudySession once a day at ``start``'s hour for ``days`` days.

    ``ratings(day, card_id, nth)`` chooses each rating (``nth``: how many times the card
    was shown that day). Learning steps are waited for within the day. On the days in
    ``cram_days`` a cram session follows (ratings logged, schedule unchanged).
    """
    from calcquiz.session import SessionOptions, StudySession

    clock = FakeClock(start)
    for day in range(days):
        clock.now = start + day * DAY
        _one_session(store, decks, clock, day, ratings, SessionOptions())
        if day in cram_days:
            _one_session(store, decks, clock, day, ratings, SessionOptions(cram=True))
    return clock


def _one_session(store, decks, clock, day, ratings, options) -> None:
    from calcquiz.session import StudySession

    session = StudySession(store, decks, options, clock=clock)
    shown: dict[str, int] = {}
    while True:
        card = session.next_card()
        if card is None:
            wait = session.waiting_until()
            if wait is None:
                return
            clock.now = max(clock.now, wait) + 1
            continue
        clock.advance(7.25)  # thinking time: the rating's duration
        session.reveal()
        shown[card.id] = shown.get(card.id, 0) + 1
        session.rate(ratings(day, card.id, shown[card.id]))
        clock.advance(1.5)
