"""What the tables hold, row by row: the state codes, the records read back (:class:`Review`,
:class:`Flags`, :class:`Applied`), writing a state row, and the checks that a stored row is
usable (:func:`state_problem`, :func:`flags_problem`, and their SQL twins)."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from calcquiz.errors import BadRowError
from calcquiz.states import MAX_STEPS, CardState, State

# States: 0 = new (no row), then fsrs.State values (plain ints: they go into SQL text).
NEW, LEARNING, REVIEW, RELEARNING = (int(s) for s in State)
STATE_NAMES = {int(s): s.label for s in State}


@dataclass(frozen=True)
class Review:
    """One logged rating (``cram``: given while cramming, schedule unchanged)."""

    id: int
    deck: str
    card_id: str
    rating: int
    reviewed_at: float
    duration_ms: int | None
    state_before: int
    state_after: int
    cram: bool
    kind: str = "recall"  # or "exercise": rated from a fresh exercise


@dataclass(frozen=True)
class DrillEntry:
    """An exercise done in a review, logged in ``drill_log`` with the rating (``given``
    None: the learner gave up)."""

    topic: str
    prompt: str
    expected: str
    given: str | None
    correct: bool
    duration_ms: int | None
    answered_at: float


@dataclass(frozen=True)
class Flags:
    """A card's marks: suspended (until unsuspended), buried (until a time), leech."""

    suspended: bool = False
    buried_until: float | None = None
    leech: bool = False

    def buried(self, now: float) -> bool:
        return self.buried_until is not None and self.buried_until > now

    def hidden(self, now: float) -> bool:
        """Not to be studied now."""
        return self.suspended or self.buried(now)


NO_FLAGS = Flags()


def _read_flags(conn: sqlite3.Connection, deck: str, card_id: str) -> Flags:
    row = conn.execute(
        "SELECT suspended, buried_until, leech FROM card_flags WHERE deck = ? AND card_id = ?",
        (deck, card_id),
    ).fetchone()
    return Flags(bool(row[0]), row[1], bool(row[2])) if row else NO_FLAGS


def _put_flags(conn: sqlite3.Connection, deck: str, card_id: str, flags: Flags) -> None:
    """Replace a card's marks (no marks: no row)."""
    if flags == NO_FLAGS:
        conn.execute("DELETE FROM card_flags WHERE deck = ? AND card_id = ?", (deck, card_id))
        return
    conn.execute(
        "INSERT OR REPLACE INTO card_flags (deck, card_id, suspended, buried_until, leech) "
        "VALUES (?, ?, ?, ?, ?)",
        (deck, card_id, int(flags.suspended), flags.buried_until, int(flags.leech)),
    )


def _put_state(conn: sqlite3.Connection, state: CardState) -> None:
    """Write a card's state row, column by column (not by the dataclass's field order)."""
    conn.execute(
        f"INSERT OR REPLACE INTO card_state ({_STATE_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            state.deck,
            state.card_id,
            state.state,
            state.step,
            state.stability,
            state.difficulty,
            state.due,
            state.last_review,
            state.reps,
            state.lapses,
        ),
    )


def _put_review(
    conn: sqlite3.Connection, deck: str, card_id: str, rating: int, at: float,
    duration_ms: int | None, before: CardState | None, after: CardState,
    cram: bool = False, kind: str = "recall",
) -> int:
    """One row of review_log, a rating between the states it was applied (a session's or
    one merged from Anki): the row's id."""
    cur = conn.execute(
        "INSERT INTO review_log (deck, card_id, rating, reviewed_at, duration_ms, "
        "state_before, state_after, before_json, after_json, cram, kind) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            deck,
            card_id,
            rating,
            at,
            duration_ms,
            before.state if before else NEW,
            after.state,
            before.to_json() if before else None,
            after.to_json(),
            int(cram),
            kind,
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def _log_exercise(conn: sqlite3.Connection, entry: DrillEntry, review_id: int) -> None:
    """The exercise of an exercise review, in the review's own transaction."""
    conn.execute(
        "INSERT INTO drill_log (topic, prompt, expected, given, correct, duration_ms, "
        "answered_at, review_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entry.topic,
            entry.prompt,
            entry.expected,
            entry.given,
            int(entry.correct),
            entry.duration_ms,
            entry.answered_at,
            review_id,
        ),
    )


def _row_to_state(row: sqlite3.Row | tuple[Any, ...]) -> CardState:
    return CardState(*row)


_STATE_COLUMNS = "deck, card_id, state, step, stability, difficulty, due, last_review, reps, lapses"

# The range a stored value must lie in for the scheduler and the views to use it.
MAX_TIME = 253402300799.0  # 9999-12-31 23:59:59 UTC, the last second a datetime can hold
MAX_STABILITY = 1.7976931348623157e308  # any finite number of days: FSRS caps the interval
MAX_COUNT = 10**9
# SQL twin of :func:`state_problem`: a row matching this is unusable. It runs on every
# open (one scan of card_state, about 10 ms for 10,000 cards); the Python function says why.
# Range tests alone also refuse text and blobs (SQLite sorts them after every number) and,
# through IFNULL, NULLs; the columns' affinity stores a whole REAL as an INTEGER.
_BAD_STATE_SQL = f"""NOT IFNULL(
    typeof(deck) = 'text' AND typeof(card_id) = 'text'
    AND state IN ({LEARNING}, {REVIEW}, {RELEARNING})
    AND (CASE WHEN step IS NULL THEN state = {REVIEW}
         ELSE step BETWEEN 0 AND {MAX_STEPS} AND step = CAST(step AS INTEGER) END)
    AND (CASE WHEN stability IS NULL THEN state = {LEARNING}
         ELSE stability BETWEEN 1e-6 AND {MAX_STABILITY!r} END)
    AND (CASE WHEN difficulty IS NULL THEN state = {LEARNING}
         ELSE difficulty BETWEEN 1 AND 10 END)
    AND due BETWEEN 0 AND {MAX_TIME}
    AND (last_review IS NULL OR last_review BETWEEN 0 AND {MAX_TIME})
    AND reps BETWEEN 0 AND {MAX_COUNT} AND reps = CAST(reps AS INTEGER)
    AND lapses BETWEEN 0 AND {MAX_COUNT} AND lapses = CAST(lapses AS INTEGER), 0)"""


_FLAG_COLUMNS = "deck, card_id, suspended, buried_until, leech"
_BAD_FLAGS_SQL = f"""NOT IFNULL(
    typeof(deck) = 'text' AND typeof(card_id) = 'text'
    AND suspended IN (0, 1) AND leech IN (0, 1)
    AND (buried_until IS NULL OR buried_until BETWEEN 0 AND {MAX_TIME}), 0)"""


def _number_in(value: object, low: float, high: float) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and low <= value <= high
    )


def state_problem(row: Sequence[Any]) -> str | None:
    """Why a ``card_state`` row (columns in ``_STATE_COLUMNS`` order) is unusable, or None."""
    deck, card_id, state, step, stability, difficulty, due, last_review, reps, lapses = row
    if not isinstance(deck, str) or not isinstance(card_id, str):
        return "its deck or card id is not text"
    if type(state) is not int or state not in (LEARNING, REVIEW, RELEARNING):
        return f"unknown state {state!r}"
    if step is None and state != REVIEW:
        return f"no learning step on a {STATE_NAMES[state]} card"
    if step is not None and (type(step) is not int or not 0 <= step <= MAX_STEPS):
        return f"bad learning step {step!r}"
    for name, value, low, high in (
        ("stability", stability, 1e-6, MAX_STABILITY),
        ("difficulty", difficulty, 1.0, 10.0),
    ):
        if value is None and state != LEARNING:
            return f"no {name} on a {STATE_NAMES[state]} card"
        if value is not None and not _number_in(value, low, high):
            return f"bad {name} {value!r}"
    if not _number_in(due, 0, MAX_TIME):
        return f"bad due date {due!r}"
    if last_review is not None and not _number_in(last_review, 0, MAX_TIME):
        return f"bad last review time {last_review!r}"
    for name, count in (("reps", reps), ("lapses", lapses)):
        if type(count) is not int or not 0 <= count <= MAX_COUNT:
            return f"bad {name} count {count!r}"
    return None


def flags_problem(row: Sequence[Any]) -> str | None:
    """Why a ``card_flags`` row (``_FLAG_COLUMNS`` order) is unusable, or None."""
    deck, card_id, suspended, buried_until, leech = row
    if not isinstance(deck, str) or not isinstance(card_id, str):
        return "its deck or card id is not text"
    for name, value in (("suspended", suspended), ("leech", leech)):
        if type(value) is not int or value not in (0, 1):
            return f"bad {name} mark {value!r}"
    if buried_until is not None and not _number_in(buried_until, 0, MAX_TIME):
        return f"bad burial time {buried_until!r}"
    return None


def bad_row_error(deck: object, card_id: object, problem: str | None) -> BadRowError:
    what = f"; {problem}" if problem else ""
    return BadRowError(
        f"card {card_id!r} of deck {deck!r} has damaged saved data{what}; "
        "run `calcquiz check --repair` to fix it (it backs the file up first)"
    )


@dataclass(frozen=True)
class Applied:
    """A committed rating: the log row, and the states it was really applied between."""

    review_id: int
    before: CardState | None
    after: CardState
    reviewed_at: float
    # With a Mark rule: the card's marks when the rating was applied (else NO_FLAGS), and
    # the marks the rating set (None: left as they were).
    flags_before: Flags = NO_FLAGS
    marked: Flags | None = None


@dataclass(frozen=True)
class Undone:
    """An undone rating: the card's state restored (None: new again), and the marks left
    as another session set them when it changed them after the rating (None: the
    rating's marks were undone too, or it set none)."""

    state: CardState | None
    marks_kept: Flags | None = None


# Given the card's state as it is at commit time and the review time, the state a rating
# leads to (the session passes the scheduler's rule for the rating pressed).
Recompute = Callable[[CardState | None, float], CardState]
# Given the states a rating was applied between and the card's marks at commit time, the
# marks the rating sets, or None to leave them (the session passes the leech rule).
Mark = Callable[[CardState | None, CardState, Flags], "Flags | None"]
