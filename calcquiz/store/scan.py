"""What ``calcquiz check`` reads: each row's check, one scan of every table
(:func:`scan_file`), and what each card's saved state should be: the one its latest
rating recorded (:func:`differences`).
Read-only; :mod:`calcquiz.store.check` reports and repairs. No terminal here.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from calcquiz.states import CardState
from calcquiz.store.mend import Logged, Mended, mend_card
from calcquiz.store.rows import (
    _FLAG_COLUMNS,
    _STATE_COLUMNS,
    MAX_TIME,
    STATE_NAMES,
    _number_in,
    flags_problem,
    state_problem,
)

# Fields compared exactly; the floats within rounding.
_EXACT = ("state", "step", "reps", "lapses")
_FLOATS = ("stability", "difficulty")
LOG_COLUMNS = (
    "id, deck, card_id, rating, reviewed_at, duration_ms, state_before, state_after, "
    "before_json, after_json, cram"
)
DRILL_COLUMNS = "id, topic, prompt, expected, given, correct, duration_ms, answered_at"


@dataclass
class Scan:
    """What one read of the file found."""

    damaged: list[str] = field(default_factory=list)  # integrity or read failures
    bad_states: list[tuple[Any, Any, str]] = field(default_factory=list)  # deck, card_id, why
    bad_reviews: list[tuple[int, str]] = field(default_factory=list)
    bad_drills: list[tuple[int, str]] = field(default_factory=list)
    bad_flags: list[tuple[Any, Any, str]] = field(default_factory=list)  # deck, card_id, why
    states: dict[tuple[str, str], CardState] = field(default_factory=dict)
    logs: dict[tuple[str, str], list[tuple[int, float, CardState]]] = field(default_factory=dict)
    imported: set[tuple[str, str]] = field(default_factory=set)
    mended: list[Mended] = field(default_factory=list)  # rows kept, their states rebuilt


# ---------------------------------------------------------------- row checks


def _time_ok(value: object) -> bool:
    return _number_in(value, 0, MAX_TIME)


def review_problem(row: tuple[Any, ...]) -> str | None:
    """Why a review_log row (``LOG_COLUMNS`` order) cannot be used at all, or None: its
    card, rating, time or cram flag is broken. (Broken saved states are mended from the
    card's other rows: :mod:`calcquiz.store.mend`.)"""
    _, deck, card_id, rating, reviewed_at, _, before, after, _, after_json, cram = row
    if not isinstance(deck, str) or not isinstance(card_id, str):
        return "its deck or card id is not text"
    if type(rating) is not int or rating not in (1, 2, 3, 4):
        return f"unknown rating {rating!r}"
    if not _time_ok(reviewed_at):
        return f"bad review time {reviewed_at!r}"
    if cram not in (0, 1) or type(cram) is not int:
        return f"bad cram flag {cram!r}"
    if after_json == "{}":  # imported history: its state codes are all there is
        for name, value in (("state before", before), ("state after", after)):
            if type(value) is not int or value not in STATE_NAMES:
                return f"unknown {name} {value!r}"
    return None


def drill_problem(row: tuple[Any, ...]) -> str | None:
    _, topic, prompt, expected, given, correct, _, answered_at = row
    if not all(isinstance(v, str) for v in (topic, prompt, expected)):
        return "its topic, prompt or answer is not text"
    if given is not None and not isinstance(given, str):
        return "its given answer is not text"
    if type(correct) is not int or correct not in (0, 1):
        return f"bad correct flag {correct!r}"
    if not _time_ok(answered_at):
        return f"bad answer time {answered_at!r}"
    return None


# ---------------------------------------------------------------- reading


def _rows(conn: sqlite3.Connection, sql: str, scan: Scan, table: str) -> Iterator[tuple]:
    try:
        yield from conn.execute(sql)
    except sqlite3.DatabaseError as exc:
        scan.damaged.append(f"cannot read the {table} table: {exc}")


def scan_file(conn: sqlite3.Connection) -> Scan:
    scan = Scan()
    try:
        found = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
        if found != ["ok"]:
            scan.damaged.extend(f"integrity check: {m}" for m in found)
    except sqlite3.DatabaseError as exc:
        scan.damaged.append(f"integrity check failed: {exc}")
    for row in _rows(conn, f"SELECT {_STATE_COLUMNS} FROM card_state", scan, "card_state"):
        why = state_problem(row)
        if why:
            scan.bad_states.append((row[0], row[1], why))
        else:
            scan.states[(row[0], row[1])] = CardState(*row)
    sql = f"SELECT {LOG_COLUMNS} FROM review_log ORDER BY id"
    ratings: dict[tuple[str, str], list[Logged]] = {}
    for row in _rows(conn, sql, scan, "review_log"):
        why = review_problem(row)
        if why:
            scan.bad_reviews.append((row[0], f"review {row[0]} of card {row[2]!r}: {why}"))
        elif row[9] == "{}":
            scan.imported.add((row[1], row[2]))
        else:
            ratings.setdefault((row[1], row[2]), []).append(Logged.read(row))
    _mend(scan, ratings)
    sql = f"SELECT {_FLAG_COLUMNS} FROM card_flags"
    for row in _rows(conn, sql, scan, "card_flags"):
        why = flags_problem(row)
        if why:
            scan.bad_flags.append((row[0], row[1], why))
    sql = f"SELECT {DRILL_COLUMNS} FROM drill_log ORDER BY id"
    for row in _rows(conn, sql, scan, "drill_log"):
        why = drill_problem(row)
        if why:
            scan.bad_drills.append((row[0], f"drill answer {row[0]}: {why}"))
    return scan


def _mend(scan: Scan, ratings: dict[tuple[str, str], list[Logged]]) -> None:
    """Each card's ratings, their broken saved states rebuilt (:func:`mend_card`)."""
    from calcquiz import scheduler as sched

    made: list[Any] = []

    def step(row: Logged, before: CardState | None, at: float) -> CardState:
        if not made:  # fsrs is loaded only when a rating has to be applied again
            made.append(sched.make_scheduler(fuzz=False))
        return sched.preview(made[0], row.deck, row.card_id, before, at)[row.rating].state

    def cram(row: Logged, before: CardState | None, at: float) -> CardState:
        return sched.cram_state(before, row.deck, row.card_id, row.rating, at)

    for key, rows in ratings.items():
        mended, log = mend_card(rows, scan.states.get(key), step, cram)
        scan.mended += mended
        if log and key not in scan.imported:  # imported history is not compared
            scan.logs[key] = log


# ---------------------------------------------------------------- what the log says


def last_recorded(log: list[tuple[int, float, CardState]]) -> CardState:
    """The state a card's latest rating recorded (the log is in commit order: each rating
    is applied to the state the one before it left, so the last one is the card's)."""
    return log[-1][2]


def same_state(a: CardState, b: CardState) -> bool:
    if any(getattr(a, f) != getattr(b, f) for f in _EXACT):
        return False
    for name in (*_FLOATS, "due", "last_review"):
        x, y = getattr(a, name), getattr(b, name)
        if (x is None) != (y is None):
            return False
        if x is not None and not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9):
            return False
    return True


def differences(scan: Scan) -> dict[tuple[str, str], tuple[str, CardState | None]]:
    """Cards whose saved state is not the one their latest rating recorded: key -> (why,
    the right state; None: no usable rating, the card is new).

    The log is not replayed through today's scheduler here: the learning steps, the FSRS
    parameters or the retention may have changed since a rating was given, and each
    rating was right for the settings of its day (a learning step past today's count is a
    valid state: the card goes on from the last step)."""
    bad_keys = {(d, c) for d, c, _ in scan.bad_states}
    out: dict[tuple[str, str], tuple[str, CardState | None]] = {}
    for key in sorted((set(scan.states) | set(scan.logs) | bad_keys) - scan.imported, key=str):
        log = scan.logs.get(key, [])
        want = last_recorded(log) if log else None
        have = scan.states.get(key)
        if key in bad_keys:
            out[key] = ("", want)  # reported as a bad row; rebuilt from `want`
        elif have is None and want is not None:
            out[key] = (f"has {len(log)} logged ratings but no saved state", want)
        elif have is not None and want is None:
            out[key] = ("has a saved state but no logged rating", None)
        elif have is not None and want is not None and not same_state(have, want):
            out[key] = (
                f"saved state ({brief_state(have)}) is not the one its latest rating "
                f"recorded ({brief_state(want)})",
                want,
            )
    return out


def brief_state(s: CardState) -> str:
    return f"{STATE_NAMES.get(s.state, s.state)}, reps {s.reps}, lapses {s.lapses}"
