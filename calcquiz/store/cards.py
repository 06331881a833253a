"""Card states and marks: reading the FSRS state rows, the suspended/buried/leech marks,
and the due-time queries of the study queue and ``list``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import itemgetter

from calcquiz.states import CardState
from calcquiz.store.base import StoreBase
from calcquiz.store.rows import (
    _BAD_FLAGS_SQL,
    _BAD_STATE_SQL,
    _FLAG_COLUMNS,
    _STATE_COLUMNS,
    Flags,
    _put_flags,
    _read_flags,
    _row_to_state,
    flags_problem,
    state_problem,
)


class CardStates(StoreBase):
    """Reading card states and marks, and setting the marks."""

    # -- card state
    def progress_rows(
        self, deck: str
    ) -> dict[str, tuple[str, int, float, float | None, float | None, float | None]]:
        """card id -> (card id, state, due, stability, difficulty, last_review): what
        ``list`` shows of every studied card, the rows as SQLite gives them (100,000 of
        them: no tuple is sliced or made again)."""
        rows = self.conn.execute(
            "SELECT card_id, state, due, stability, difficulty, last_review FROM card_state "
            "WHERE deck = ?",
            (deck,),
        ).fetchall()
        return dict(zip(map(itemgetter(0), rows), rows, strict=True))

    def card_states(self, deck: str) -> dict[str, CardState]:
        rows = self.conn.execute(
            f"SELECT {_STATE_COLUMNS} FROM card_state WHERE deck = ?", (deck,)
        ).fetchall()
        return {r[1]: _row_to_state(r) for r in rows}

    def due_states(self, deck: str, until: float) -> list[CardState]:
        """Cards of ``deck`` due at or before ``until``, earliest first (uses the index)."""
        rows = self.conn.execute(
            f"SELECT {_STATE_COLUMNS} FROM card_state WHERE deck = ? AND due <= ? ORDER BY due",
            (deck, until),
        ).fetchall()
        return [_row_to_state(r) for r in rows]

    def due_keys(self, deck: str, until: float) -> list[tuple[str, int, float]]:
        """(card id, state, due) of the cards of ``deck`` due at or before ``until``,
        earliest first: what a session's queues need, without a CardState per card."""
        return self.conn.execute(
            "SELECT card_id, state, due FROM card_state WHERE deck = ? AND due <= ? ORDER BY due",
            (deck, until),
        ).fetchall()

    def studied_ids(self, deck: str) -> list[str]:
        """Ids of the cards of ``deck`` with a state, in no particular order. Joined by
        SQLite with a separator no valid id holds (validation refuses control characters)
        and split in one call: a fifth of the time of a row each for 100,000 cards. Counted,
        so if a stored id does hold one, the ids are read again a row at a time."""
        count, joined = self.conn.execute(
            "SELECT count(*), group_concat(card_id, char(31)) FROM card_state WHERE deck = ?",
            (deck,),
        ).fetchone()
        ids = joined.split("\x1f") if joined else []
        if len(ids) == count:
            return ids
        rows = self.conn.execute("SELECT card_id FROM card_state WHERE deck = ?", (deck,))
        return [r[0] for r in rows]

    def card_state(self, deck: str, card_id: str) -> CardState | None:
        """The card's state (None: new); a damaged row raises BadRowError naming the card."""
        return self._read_state(self.conn, deck, card_id)

    def first_bad_state(self) -> tuple[str, str, str | None] | None:
        """(deck, card_id, problem) of the first unusable card_state or card_flags row."""
        row = self.conn.execute(
            f"SELECT {_STATE_COLUMNS} FROM card_state WHERE {_BAD_STATE_SQL} LIMIT 1"
        ).fetchone()
        if row is not None:
            return row[0], row[1], state_problem(row)
        row = self.conn.execute(
            f"SELECT {_FLAG_COLUMNS} FROM card_flags WHERE {_BAD_FLAGS_SQL} LIMIT 1"
        ).fetchone()
        return None if row is None else (row[0], row[1], flags_problem(row))

    def state_counts(self, deck: str, card_ids: Iterable[str]) -> dict[int, int]:
        """Studied cards of ``deck`` by state, counting only ids still in the deck."""
        wanted = set(card_ids)
        counts: dict[int, int] = {}
        rows = self.conn.execute("SELECT card_id, state FROM card_state WHERE deck = ?", (deck,))
        for card_id, state in rows:
            if card_id in wanted:
                counts[state] = counts.get(state, 0) + 1
        return counts

    def due_times(self, deck: str, until: float) -> list[tuple[str, float]]:
        rows = self.conn.execute(
            "SELECT card_id, due FROM card_state WHERE deck = ? AND due < ?", (deck, until)
        )
        return [(r[0], r[1]) for r in rows]

    # -- suspended, buried, leech
    def card_flags(self, deck: str) -> dict[str, Flags]:
        rows = self.conn.execute(
            "SELECT card_id, suspended, buried_until, leech FROM card_flags WHERE deck = ?",
            (deck,),
        )
        return {r[0]: Flags(bool(r[1]), r[2], bool(r[3])) for r in rows}

    def flags(self, deck: str, card_id: str) -> Flags:
        return _read_flags(self.conn, deck, card_id)

    def set_flags(self, deck: str, card_id: str, flags: Flags) -> None:
        """Replace a card's marks (no marks: no row)."""
        with self._write() as conn:
            _put_flags(conn, deck, card_id, flags)

    def change_flags(
        self, deck: str, card_id: str, change: Callable[[Flags], Flags]
    ) -> tuple[Flags, Flags]:
        """Set a card's marks to ``change(marks)`` of the marks it has at commit time, in one
        transaction (a mark another session set meanwhile is kept). Returns (before, after)."""
        with self._write() as conn:
            before = _read_flags(conn, deck, card_id)
            after = change(before)
            _put_flags(conn, deck, card_id, after)
            return before, after

    def restore_flags(self, deck: str, card_id: str, expected: Flags, restore: Flags) -> bool:
        """Put back ``restore`` only while the card's marks are still ``expected`` (the ones
        the change being undone set), in one transaction. False: another session changed
        them since, and they are left as it set them."""
        with self._write() as conn:
            if _read_flags(conn, deck, card_id) != expected:
                return False
            _put_flags(conn, deck, card_id, restore)
            return True

    def next_active_due(self, decks: Iterable[str], after: float) -> float | None:
        """The earliest due time after ``after`` of a card that is not suspended."""
        best: float | None = None
        for deck in decks:
            row = self.conn.execute(
                "SELECT MIN(s.due) FROM card_state s LEFT JOIN card_flags f "
                "ON f.deck = s.deck AND f.card_id = s.card_id "
                "WHERE s.deck = ? AND s.due > ? AND COALESCE(f.suspended, 0) = 0",
                (deck, after),
            ).fetchone()
            if row and row[0] is not None and (best is None or row[0] < best):
                best = row[0]
        return best
