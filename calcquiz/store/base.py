"""What every part of :class:`calcquiz.store.Store` stands on: the connection, one
committed write transaction, and reading one card's state row."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from calcquiz.states import CardState
from calcquiz.store.lock import FileLock
from calcquiz.store.rows import _STATE_COLUMNS, _row_to_state, bad_row_error, state_problem
from calcquiz.store.schema import store_error


class StoreBase:
    """The connection and the transaction; the mixins below add the queries."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path
        self.file_lock: FileLock | None = None  # the shared lock of an open store

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction; waits for other writers up to the busy timeout."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise store_error(self.path, exc) from None
        try:
            yield self.conn
        except BaseException:
            self.conn.rollback()
            raise
        try:
            self.conn.commit()
        except sqlite3.Error as exc:
            self.conn.rollback()
            raise store_error(self.path, exc) from None

    @staticmethod
    def _read_state(conn: sqlite3.Connection, deck: str, card_id: str) -> CardState | None:
        row = conn.execute(
            f"SELECT {_STATE_COLUMNS} FROM card_state WHERE deck = ? AND card_id = ?",
            (deck, card_id),
        ).fetchone()
        if row is None:
            return None
        problem = state_problem(row)
        if problem:
            raise bad_row_error(deck, card_id, problem)
        return _row_to_state(row)

    def _in(self, decks: Sequence[str]) -> str:
        return ",".join("?" * len(decks))
