"""The review store: one SQLite file under ``$CALCQUIZ_HOME`` (else the user data folder).

Tables:

* ``card_state``: the FSRS state of every card studied at least once, keyed by
  ``(deck, card_id)``. A card without a row is *new*.
* ``review_log``: one row per rating, append-only (undo removes the row it undoes):
  card, rating, time, duration, the state before and after as JSON, and its ``kind``:
  ``recall`` (the learner recalled the answer) or ``exercise`` (rated from a fresh
  exercise, ``study --exercises``).
* ``drill_log``: one row per auto-graded exercise; ``given`` is NULL for a skipped one;
  ``review_id`` links an exercise done in a review to its ``review_log`` row (undoing
  the review removes both).
* ``card_flags``: suspended, buried (until when) and leech marks, keyed like
  ``card_state`` but apart from it, so a new card can be suspended and a rating, which
  replaces the state row, never touches the marks.

Every write is its own transaction, committed before the caller goes on, so a process
killed at any moment loses nothing already rated. WAL mode and a busy timeout let two
sessions write at once. The schema version lives in ``PRAGMA user_version``; a file that
is not ours, is damaged, or is newer than this code is refused and left untouched.

The package, by idea: :mod:`.schema` (versions, migrations, what a file is, error
messages), :mod:`.rows` (row records and their checks), :mod:`.base` (connection and
transaction), :mod:`.cards` (states and marks), :mod:`.reviews` (the review log),
:mod:`.drills` (the drill log), :mod:`.exchange` (Anki export and import),
:mod:`.scan` and :mod:`.check` (``calcquiz check``: reading every row, and repairing).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calcquiz.paths import DB_NAME, data_dir, db_path
from calcquiz.states import CardState, State
from calcquiz.store.cards import CardStates
from calcquiz.store.drills import DrillLog
from calcquiz.store.lock import hold
from calcquiz.store.reviews import ReviewLog

if TYPE_CHECKING:
    from calcquiz.store.exchange import (
        MERGE_BATCH,
        IncomingReview,
        LoggedReview,
        Rebuild,
        merge_reviews,
        review_ms,
        scheduled_history,
    )
from calcquiz.store.rows import (
    LEARNING,
    MAX_COUNT,
    MAX_STABILITY,
    MAX_TIME,
    NEW,
    NO_FLAGS,
    RELEARNING,
    REVIEW,
    STATE_NAMES,
    Applied,
    DrillEntry,
    Flags,
    Recompute,
    Review,
    Undone,
    bad_row_error,
    flags_problem,
    state_problem,
)
from calcquiz.store.schema import (
    BUSY_TIMEOUT_MS,
    SCHEMA_VERSION,
    busy_timeout_ms,
    check_writable,
    classify,
    migrate,
    store_error,
    use_wal,
)

# Everything importable as ``calcquiz.store.X`` before the module became this package.
__all__ = [
    "BUSY_TIMEOUT_MS",
    "DB_NAME",
    "LEARNING",
    "MAX_COUNT",
    "MAX_STABILITY",
    "MAX_TIME",
    "MERGE_BATCH",
    "NEW",
    "NO_FLAGS",
    "RELEARNING",
    "REVIEW",
    "SCHEMA_VERSION",
    "STATE_NAMES",
    "Applied",
    "CardState",
    "DrillEntry",
    "Flags",
    "IncomingReview",
    "LoggedReview",
    "Rebuild",
    "Recompute",
    "Review",
    "State",
    "Store",
    "Undone",
    "bad_row_error",
    "busy_timeout_ms",
    "classify",
    "data_dir",
    "db_path",
    "flags_problem",
    "merge_reviews",
    "open_store",
    "review_ms",
    "scheduled_history",
    "state_problem",
    "store_error",
]


class Store(CardStates, ReviewLog, DrillLog):
    """The progress database. Open with :func:`open_store`; use as a context manager."""

    # -- lifecycle
    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            if self.file_lock is not None:
                self.file_lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(
    path: Path | None = None, *, check_rows: bool = True, lock: bool = True
) -> Store:
    """Open (creating or migrating as needed) the progress database.

    What the file is is decided read-only first (:func:`classify`): only a new or empty
    file, or a calcquiz store, is written. With ``check_rows`` a card_state row that
    calcquiz cannot use raises BadRowError naming the card (``calcquiz check`` opens
    without it, to report and repair such rows).

    The open store holds the file's shared lock (:mod:`.lock`) until it is closed: a
    repair waits for no one and is refused while it is held. ``lock=False`` is for the
    repair itself, which holds the exclusive lock already."""
    path = path or db_path()
    kind = classify(path)
    check_writable(path, kind)
    timeout_ms = busy_timeout_ms()
    held = hold(path, exclusive=False, wait_s=timeout_ms / 1000) if lock else None
    try:
        conn = sqlite3.connect(path, timeout=timeout_ms / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        if held is not None:
            held.release()
        raise store_error(path, exc) from None
    store = Store(conn, path)
    store.file_lock = held
    try:
        conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        use_wal(conn, timeout_ms)
        # FULL: a committed rating survives a power cut too, not only a killed process.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
        bad = store.first_bad_state() if check_rows else None
    except sqlite3.Error as exc:
        conn.close()
        if kind == "missing" and held is not None:
            held.discard_if_alone(path)  # no half-made store for a later command to misread
        store.close()
        raise store_error(path, exc) from None
    if bad is not None:
        store.close()
        raise bad_row_error(*bad)
    return store


def __getattr__(name: str) -> Any:
    """Importing and exporting histories (:mod:`.exchange`) loads on first use: a study
    session needs none of it."""
    if name in {
        "MERGE_BATCH", "IncomingReview", "LoggedReview", "Rebuild", "merge_reviews",
        "review_ms", "scheduled_history",
    }:
        from calcquiz.store import exchange

        return getattr(exchange, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
