"""Learning progress in an Anki collection: each studied card's scheduling and its log.

``export anki --with-progress`` writes genanki's collection first (notes and new cards),
then :func:`add_progress` turns the studied cards into Anki's learning, review and
relearning cards and adds one ``revlog`` row per non-cram rating, as Anki 23.10+
reads them when a package is imported with "Import any learning progress":

* ``cards``: ``type``/``queue`` 1/1 learning, 2/2 review, 3/1 relearning; ``due`` is a
  Unix time in seconds for (re)learning, and for review the day number counted from
  the collection's creation day (``crt``); ``left`` is the learning steps still to go;
  ``data`` holds the FSRS memory state ``{"s", "d", "dr", "decay", "lrt"}`` (Anki's
  ``rslib/src/storage/card/data.rs``).
* ``revlog``: ``id`` = rating time in ms, ``ease`` 1-4, ``type`` 0 learn / 1 review /
  2 relearn (by the state the card was in), ``ivl``/``lastIvl`` days when positive and
  seconds when negative, ``time`` the answer's duration in ms.
* ``col.conf``: ``schedVer`` 2 (without it Anki's importer runs the v1 to v2 upgrade,
  which turns Good on learning entries into Easy), rollover hour 4, and the creation
  time's UTC offset (``creationOffset``), so days are counted by the local calendar.
  A review due on a calendar day is due in Anki from that day's rollover (4 am).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from calcquiz.content import Deck
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

ROLLOVER_HOUR = ANKI_ROLLOVER_HOUR  # as the scheduler counts days
DAY = 86400
# Anki's card type and queue for each calcquiz state.
CARD_TYPE = {LEARNING: (1, 1), REVIEW: (2, 2), RELEARNING: (3, 1)}
# Anki's revlog type by the state the card was in when rated.
REVLOG_TYPE = {NEW: 0, LEARNING: 0, REVIEW: 1, RELEARNING: 2}
DEFAULT_FACTOR = 2500  # Anki's starting ease; FSRS ignores it


@dataclass(frozen=True)
class CardProgress:
    """One studied card: its state now and its non-cram ratings, oldest first."""

    state: CardState
    reviews: tuple[LoggedReview, ...]


Progress = dict[tuple[str, str], CardProgress]  # keyed by (deck name, card id)


def gather(store: Store, decks: Sequence[Deck]) -> Progress:
    """The studied cards of ``decks`` that are still in them."""
    out: Progress = {}
    for deck in decks:
        states = store.card_states(deck.name)
        history = scheduled_history(store, deck.name)
        for card in deck.cards:
            state = states.get(card.id)
            if state is not None and state.state != NEW:
                out[(deck.name, card.id)] = CardProgress(state, tuple(history.get(card.id, ())))
    return out


# ---------------------------------------------------------------- days


def local_date(ts: float) -> date:
    return datetime.fromtimestamp(ts).date()


def creation_time(progress: Progress, now: float) -> int:
    """The collection's ``crt``: the rollover hour of the day before anything here, so
    every review's day number is positive."""
    times = [now] + [r.reviewed_at for p in progress.values() for r in p.reviews]
    times += [p.state.due for p in progress.values()]
    first = min(local_date(t) for t in times) - timedelta(days=1)
    return int(datetime(first.year, first.month, first.day, ROLLOVER_HOUR).timestamp())


def minutes_west(ts: float) -> int:
    """The local UTC offset at ``ts`` as Anki keeps it: minutes west of UTC."""
    offset = datetime.fromtimestamp(ts).astimezone().utcoffset()
    return -int(offset.total_seconds() // 60) if offset is not None else 0


def day_number(ts: float, crt: int) -> int:
    """Anki's day number of the local calendar day holding ``ts``."""
    return (local_date(ts) - local_date(crt)).days


# ---------------------------------------------------------------- cards and revlog


def anki_interval(state: CardState | None, at: float) -> int:
    """Anki's ``ivl`` convention for the wait a state sets: days (>= 1) for a review,
    minus the seconds for a (re)learning step, 0 for new."""
    if state is None or state.state == NEW:
        return 0
    wait = max(0.0, state.due - at)
    if state.state == REVIEW:
        return max(1, round(wait / DAY))
    return -max(1, round(wait))


def steps_left(state: CardState) -> int:
    """Learning steps still to go, as Anki's ``left`` (today's count * 1000 + total)."""
    from calcquiz.scheduler import LEARNING_STEPS, RELEARNING_STEPS

    steps = LEARNING_STEPS if state.state == LEARNING else RELEARNING_STEPS
    remaining = max(1, len(steps) - (state.step or 0))
    return remaining * 1000 + remaining


def card_data(state: CardState, retention: float, decay: float) -> str:
    data: dict[str, Any] = {"dr": retention, "decay": decay}
    if state.stability is not None and state.difficulty is not None:
        data["s"] = round(state.stability, 6)
        data["d"] = round(state.difficulty, 6)
    if state.last_review is not None:
        data["lrt"] = int(state.last_review)
    return json.dumps(data, separators=(",", ":"))


def card_fields(state: CardState, crt: int, retention: float, decay: float) -> dict[str, Any]:
    """The ``cards`` columns that carry the schedule of a studied card."""
    ctype, queue = CARD_TYPE[state.state]
    if state.state == REVIEW:
        due = day_number(state.due, crt)
        ivl = anki_interval(state, state.last_review if state.last_review else state.due)
        left = 0
    else:
        due = int(state.due)
        ivl = 0
        if state.state == RELEARNING and state.stability is not None:
            ivl = max(1, round(state.stability))
        left = steps_left(state)
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


def revlog_rows(card_id: int, reviews: Sequence[LoggedReview]) -> list[tuple[Any, ...]]:
    """``(id, cid, usn, ease, ivl, lastIvl, factor, time, type)`` per rating."""
    rows: list[tuple[Any, ...]] = []
    last_ivl = 0
    used: set[int] = set()
    for review in reviews:
        rid = review_ms(review.reviewed_at)
        while rid in used:  # two ratings in one ms: Anki's ids must differ
            rid += 1
        used.add(rid)
        before = review.before.state if review.before else NEW
        ivl = anki_interval(review.after, review.reviewed_at)
        factor = DEFAULT_FACTOR if before in (REVIEW, RELEARNING) else 0
        duration = min(max(review.duration_ms or 0, 0), 2**31 - 1)
        rows.append(
            (rid, card_id, -1, review.rating, ivl, last_ivl, factor, duration, REVLOG_TYPE[before])
        )
        last_ivl = ivl
    return rows


def fill_states(reviews: Sequence[LoggedReview]) -> list[LoggedReview]:
    """The log with every missing before/after state rebuilt by replaying it (history
    bulk-loaded without states); states that were logged are kept as they are."""
    if all(r.after is not None for r in reviews):
        return list(reviews)
    from calcquiz import scheduler as sched

    scheduler = sched.make_scheduler(fuzz=False)
    replayed = sched.replay_states(scheduler, "", "", [(r.rating, r.reviewed_at) for r in reviews])
    out: list[LoggedReview] = []
    for i, review in enumerate(reviews):
        before = review.before if review.before is not None else (out[-1].after if out else None)
        after = review.after if review.after is not None else replayed[i]
        out.append(
            LoggedReview(review.rating, review.reviewed_at, review.duration_ms, before, after)
        )
    return out


def add_progress(
    conn: sqlite3.Connection,
    progress: Progress,
    guids: dict[str, tuple[str, str]],
    now: float,
    retention: float,
) -> int:
    """Write ``progress`` into genanki's collection at ``conn``. ``guids`` maps each
    note's guid to its card's (deck name, card id). Returns the revlog rows written."""
    from calcquiz import scheduler as sched

    decay = float(sched.make_scheduler(fuzz=False).parameters[20])
    crt = creation_time(progress, now)
    conf = json.loads(conn.execute("SELECT conf FROM col").fetchone()[0])
    conf.update(schedVer=2, rollover=ROLLOVER_HOUR, creationOffset=minutes_west(crt))
    conn.execute("UPDATE col SET crt = ?, conf = ?", (crt, json.dumps(conf)))

    written = 0
    rows = conn.execute("SELECT c.id, n.guid FROM cards c JOIN notes n ON n.id = c.nid")
    for card_id, guid in rows.fetchall():
        key = guids.get(guid)
        studied = progress.get(key) if key else None
        if studied is None:
            continue
        fields = card_fields(studied.state, crt, retention, decay)
        conn.execute(
            "UPDATE cards SET " + ", ".join(f"{k} = ?" for k in fields) + " WHERE id = ?",
            (*fields.values(), card_id),
        )
        log = revlog_rows(card_id, fill_states(studied.reviews))
        conn.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", log)
        written += len(log)
    return written
