"""Learning progress in an Anki collection: each studied card's scheduling and its log.

``export anki --with-progress`` writes genanki's collection first (notes and new cards),
then :func:`add_progress` turns the studied cards into Anki's learning, review and
relearning cards and adds one ``revlog`` row per non-cram rating, as Anki 23.10+
reads them when a package is imported with "Import any learning progress":

* ``cards``: ``type``/``queue`` 1/1 learning, 2/2 review, 3/1 relearning (queue -1
  when suspended in calcquiz); ``due`` is a
  Unix time in seconds for (re)learning, and for review the day number counted from
  the collection's creation day (``crt``); ``left`` is the learning steps still to go;
  ``data`` holds the FSRS memory state ``{"s", "d", "dr", "decay", "lrt"}`` (Anki's
  ``rslib/src/storage/card/data.rs``).
* ``revlog``: ``id`` = rating time in ms, ``ease`` 1-4, ``type`` 0 learn / 1 review /
  2 relearn (by the state the card was in), ``ivl``/``lastIvl`` days when positive and
  seconds when negative, ``time`` the answer's duration in ms.
* ``col.conf``: ``schedVer`` 2 (without it Anki's importer runs the v1 to v2 upgrade,
  which turns Good on learning entries into Easy), rollover hour 4, and the creation
  time's UTC offset (``creationOffset``), so days are local days from 4 a.m., as
  calcquiz's own (its default) and Anki's (its default) are.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from calcquiz.dates import Calendar
from calcquiz.scheduler import ANKI_ROLLOVER_HOUR
from calcquiz.store import (
    LEARNING,
    NEW,
    RELEARNING,
    REVIEW,
    CardState,
    LoggedReview,
    Store,
    review_ms,
    scheduled_history,
)

if TYPE_CHECKING:
    from calcquiz.content import Deck

ROLLOVER_HOUR = ANKI_ROLLOVER_HOUR  # as the scheduler counts days
ANKI_DAYS = Calendar(ROLLOVER_HOUR)
DAY = 86400
# Anki's card type and queue for each calcquiz state.
CARD_TYPE = {LEARNING: (1, 1), REVIEW: (2, 2), RELEARNING: (3, 1)}
# Anki's revlog type by the state the card was in when rated.
REVLOG_TYPE = {NEW: 0, LEARNING: 0, REVIEW: 1, RELEARNING: 2}
DEFAULT_FACTOR = 2500  # Anki's starting ease; FSRS ignores it
MAX_IVL_DAYS = 36500  # Anki's largest interval (its "maximum interval" default)
MAX_WAIT_S = 2**31 - 1  # Anki keeps seconds in a 32-bit integer


@dataclass
class Progress:
    """The studied cards' states, and the store their review logs are read from while
    the package is written (so the store must stay open until then)."""

    states: dict[tuple[str, str], CardState]  # by (deck name, card id)
    store: Store
    suspended: set[tuple[str, str]] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.states)


def gather(store: Store, decks: Sequence[Deck]) -> Progress:
    """The studied cards of ``decks`` that are still in them."""
    states: dict[tuple[str, str], CardState] = {}
    suspended: set[tuple[str, str]] = set()
    for deck in decks:
        saved = store.card_states(deck.name)
        flags = store.card_flags(deck.name)
        for card in deck.cards:
            state = saved.get(card.id)
            if state is not None and state.state != NEW:
                states[(deck.name, card.id)] = state
                if card.id in flags and flags[card.id].suspended:
                    suspended.add((deck.name, card.id))
    return Progress(states, store, suspended)


# ---------------------------------------------------------------- days


def local_date(ts: float) -> date:
    return datetime.fromtimestamp(ts).date()


def creation_time(progress: Progress, now: float) -> int:
    """The collection's ``crt``: the rollover hour of the day before anything here, so
    every day number is positive."""
    times = [now] + [s.due for s in progress.states.values()]
    first_review = progress.store.conn.execute("SELECT MIN(reviewed_at) FROM review_log").fetchone()
    if first_review and first_review[0] is not None:
        times.append(first_review[0])
    first = min(local_date(t) for t in times) - timedelta(days=1)
    return int(datetime(first.year, first.month, first.day, ROLLOVER_HOUR).timestamp())


def minutes_west(ts: float) -> int:
    """The local UTC offset at ``ts`` as Anki keeps it: minutes west of UTC."""
    offset = datetime.fromtimestamp(ts).astimezone().utcoffset()
    return -int(offset.total_seconds() // 60) if offset is not None else 0


def day_number(ts: float, crt: int) -> int:
    """Anki's day number of the day (from the rollover hour) holding ``ts``."""
    return (ANKI_DAYS.day_of(ts) - local_date(crt)).days


# ---------------------------------------------------------------- cards and revlog


def anki_interval(state: int, due: float | None, at: float) -> int:
    """Anki's ``ivl`` convention for the wait a rating set: days (>= 1) into review,
    minus the seconds to a (re)learning step."""
    wait = max(0.0, (due if due is not None else at) - at)
    if state == REVIEW:
        return int(min(MAX_IVL_DAYS, max(1, round(wait / DAY))))
    return -int(min(MAX_WAIT_S, max(1, round(wait))))


def steps_left(state: CardState, steps: Steps) -> int:
    """Learning steps still to go, as Anki's ``left`` (today's count * 1000 + total)."""
    of_state = steps.learning if state.state == LEARNING else steps.relearning
    remaining = max(1, of_state - (state.step or 0))
    return remaining * 1000 + remaining


@dataclass(frozen=True)
class Steps:
    """How many learning and relearning steps the scheduler has."""

    learning: int
    relearning: int


def card_data(state: CardState, retention: float, decay: float) -> str:
    data: dict[str, float] = {"dr": retention, "decay": decay}
    if state.stability is not None and state.difficulty is not None:
        data["s"] = round(state.stability, 6)
        data["d"] = round(state.difficulty, 6)
    if state.last_review is not None:
        data["lrt"] = int(state.last_review)
    return json.dumps(data, separators=(",", ":"))


class CardFields(TypedDict):
    """The columns of Anki's ``cards`` table that carry a card's schedule, in the order
    the UPDATE writes them."""

    type: int
    queue: int
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int
    left: int
    data: str  # FSRS memory state as Anki's JSON (card_data)


def card_fields(
    state: CardState, crt: int, retention: float, decay: float, steps: Steps
) -> CardFields:
    """The ``cards`` columns that carry the schedule of a studied card."""
    ctype, queue = CARD_TYPE[state.state]
    if state.state == REVIEW:
        due = day_number(state.due, crt)
        ivl = anki_interval(REVIEW, state.due, state.last_review or state.due)
        left = 0
    else:
        due = int(state.due)
        ivl = 0
        if state.state == RELEARNING and state.stability is not None:
            ivl = int(min(MAX_IVL_DAYS, max(1, round(state.stability))))
        left = steps_left(state, steps)
    return {
        "type": ctype,
        "queue": queue,
        "due": due,
        "ivl": ivl,
        "factor": DEFAULT_FACTOR,
        "reps": state.reps,
        "lapses": state.lapses,
        "left": left,
        "data": card_data(state, retention, decay),
    }


def revlog_rows(
    card_id: int, reviews: Sequence[LoggedReview], used: set[int]
) -> list[tuple[Any, ...]]:
    """``(id, cid, usn, ease, ivl, lastIvl, factor, time, type)`` per rating. ``used``:
    the revlog ids taken so far in the collection (updated)."""
    rows: list[tuple[Any, ...]] = []
    last_ivl = 0
    for review in fill_dues(reviews):
        rid = review_ms(review.reviewed_at)
        while rid in used:  # two ratings in one ms (two cards): Anki's ids must differ
            rid += 1
        used.add(rid)
        ivl = anki_interval(review.state_after, review.due_after, review.reviewed_at)
        factor = DEFAULT_FACTOR if review.state_before in (REVIEW, RELEARNING) else 0
        duration = min(max(review.duration_ms or 0, 0), 2**31 - 1)
        kind = REVLOG_TYPE[review.state_before]
        rows.append((rid, card_id, -1, review.rating, ivl, last_ivl, factor, duration, kind))
        last_ivl = ivl
    return rows


def fill_dues(reviews: Sequence[LoggedReview]) -> list[LoggedReview]:
    """The log with each missing due time (history bulk-loaded without states) rebuilt
    by replaying the log with fuzz off; what was logged is kept as it is."""
    if all(r.due_after is not None for r in reviews):
        return list(reviews)
    from calcquiz import scheduler as sched

    scheduler = sched.make_scheduler(fuzz=False)
    replayed = sched.replay_states(scheduler, "", "", [(r.rating, r.reviewed_at) for r in reviews])
    return [
        r
        if r.due_after is not None
        else LoggedReview(
            r.rating, r.reviewed_at, r.duration_ms, r.state_before, again.state, again.due
        )
        for r, again in zip(reviews, replayed, strict=True)
    ]


def add_progress(
    conn: sqlite3.Connection,
    progress: Progress,
    guids: dict[tuple[str, int], tuple[str, str]],
    now: float,
) -> int:
    """Write ``progress`` into genanki's collection at ``conn``. ``guids`` maps each
    card's note guid and template ord to its calcquiz card (deck name, card id).
    Returns the revlog rows written.
    Desired retention, decay and steps are those of calcquiz's scheduler (its config)."""
    from calcquiz import scheduler as sched

    scheduler = sched.make_scheduler(fuzz=False)
    retention = float(scheduler.desired_retention)
    decay = float(scheduler.parameters[20])
    steps = Steps(len(scheduler.learning_steps), len(scheduler.relearning_steps))
    crt = creation_time(progress, now)
    conf = json.loads(conn.execute("SELECT conf FROM col").fetchone()[0])
    conf.update(schedVer=2, rollover=ROLLOVER_HOUR, creationOffset=minutes_west(crt))
    conn.execute("UPDATE col SET crt = ?, conf = ?", (crt, json.dumps(conf)))

    anki_ids: dict[tuple[str, str], int] = {}
    for card_id, guid, ord_ in conn.execute(
        "SELECT c.id, n.guid, c.ord FROM cards c JOIN notes n ON n.id = c.nid"
    ).fetchall():
        key = guids.get((guid, ord_))
        state = progress.states.get(key) if key else None
        if key is None or state is None:
            continue
        anki_ids[key] = card_id
        fields = card_fields(state, crt, retention, decay, steps)
        if key in progress.suspended:
            fields["queue"] = -1  # Anki's suspended queue; the type keeps the schedule
        conn.execute(
            "UPDATE cards SET " + ", ".join(f"{k} = ?" for k in fields) + " WHERE id = ?",
            (*fields.values(), card_id),
        )

    written = 0
    used: set[int] = set()
    # Rows arrive card by card, so their ids are in no order: a larger page cache, and
    # the revlog's indexes built once at the end rather than row by row.
    conn.execute("PRAGMA cache_size = -65536")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'revlog' "
        "AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    for deck in sorted({deck for deck, _ in anki_ids}):
        for card_id, reviews in scheduled_history(progress.store, deck):
            anki_id = anki_ids.get((deck, card_id))
            if anki_id is None:
                continue
            log = revlog_rows(anki_id, reviews, used)
            conn.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", log)
            written += len(log)
    for _, sql in indexes:
        conn.execute(sql)
    return written
