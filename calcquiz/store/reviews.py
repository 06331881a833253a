"""The review log: recording a rating with its state in one transaction, undo, reading
the log back, counting reviews, and forgetting progress."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from calcquiz.errors import StoreError, UndoConflictError
from calcquiz.states import CardState
from calcquiz.store.base import StoreBase
from calcquiz.store.rows import (
    _STATE_COLUMNS,
    NO_FLAGS,
    REVIEW,
    Applied,
    DrillEntry,
    Flags,
    Mark,
    Recompute,
    Review,
    Undone,
    _log_exercise,
    _put_flags,
    _put_review,
    _put_state,
    _read_flags,
    _row_to_state,
    bad_row_error,
)


class ReviewLog(StoreBase):
    """Ratings: recorded with the state they lead to, undone, read back, counted, forgotten."""

    # -- reviews
    def apply_review(
        self,
        before: CardState | None,
        after: CardState,
        rating: int,
        reviewed_at: float,
        duration_ms: int | None,
        cram: bool = False,
        recompute: Recompute | None = None,
        exercise: DrillEntry | None = None,
        mark: Mark | None = None,
    ) -> Applied:
        """Log a rating and (unless cramming) save the new state, in one transaction.

        ``before`` is the state the card had when it was shown and ``after`` the state the
        rating leads to from it. The card's state is read again inside the write
        transaction: if another session changed it meanwhile, ``recompute(fresh, time)``
        gives the state the rating leads to from the fresh one (without ``recompute`` the
        write is refused). So no rating overwrites another, and each card's log replays to
        its stored state (replay each rating at its ``after_json`` ``last_review``, the
        time the scheduler applied it).

        With ``exercise`` the rating is logged as kind ``exercise`` and the exercise goes
        to ``drill_log`` in the same transaction, linked by ``review_id``.

        With ``mark``, the marks ``mark(before, after, marks)`` returns (the leech rule's)
        are set in the same transaction too: a rating is never saved without them.
        """
        with self._write() as conn:
            fresh = before
            if not cram:
                fresh = self._read_state(conn, after.deck, after.card_id)
                if fresh != before:
                    if recompute is None:
                        raise UndoConflictError(
                            f"card {after.card_id!r} changed in another session; "
                            "nothing was saved"
                        )
                    # Reviewed no earlier than the other session's rating: the log of a
                    # card stays in the order its ratings were applied.
                    at = max(reviewed_at, (fresh.last_review or 0.0) if fresh else 0.0)
                    after = recompute(fresh, at)
                _put_state(conn, after)
            review_id = _put_review(
                conn, after.deck, after.card_id, rating, reviewed_at, duration_ms, fresh,
                after, cram, "recall" if exercise is None else "exercise",
            )
            if exercise is not None:
                _log_exercise(conn, exercise, review_id)
            flags, marked = NO_FLAGS, None
            if mark is not None:
                flags = _read_flags(conn, after.deck, after.card_id)
                marked = mark(fresh, after, flags)
                if marked is not None:
                    _put_flags(conn, after.deck, after.card_id, marked)
            return Applied(review_id, fresh, after, reviewed_at, flags, marked)

    def import_history(
        self,
        states: Iterable[CardState],
        reviews: Iterable[tuple[str, str, int, float, int | None, int, int]],
    ) -> None:
        """Bulk-load card states and past reviews ``(deck, card_id, rating, reviewed_at,
        duration_ms, state_before, state_after)`` in one transaction."""
        with self._write() as conn:
            for state in states:
                _put_state(conn, state)
            conn.executemany(
                "INSERT INTO review_log (deck, card_id, rating, reviewed_at, duration_ms, "
                "state_before, state_after, after_json) VALUES (?, ?, ?, ?, ?, ?, ?, '{}')",
                reviews,
            )

    def undo_review(
        self, review_id: int, marks: tuple[Flags, Flags] | None = None
    ) -> Undone:
        """Remove a logged rating and restore the card's state from before it, and with
        ``marks`` = (the marks the rating set, the marks it found: :class:`Applied`'s
        ``marked`` and ``flags_before``) its marks, in one transaction.

        Only while the card's state is still the one that rating produced: if another
        session changed the card since, raises UndoConflictError and changes nothing. The
        marks are put back only while they are still the ones the rating set; if another
        session changed them since, they stay as it left them (``Undone.marks_kept``)."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT deck, card_id, before_json, after_json, cram FROM review_log "
                "WHERE id = ?",
                (review_id,),
            ).fetchone()
            if row is None:
                raise StoreError(f"nothing to undo: review {review_id} is not in {self.path}")
            deck, card_id, before_json, after_json, cram = row
            try:
                before = CardState.from_json(before_json) if before_json else None
                after = None if cram else CardState.from_json(after_json)
            except (TypeError, ValueError):
                raise bad_row_error(deck, card_id, f"review {review_id} is unreadable") from None
            if not cram:
                current = conn.execute(
                    f"SELECT {_STATE_COLUMNS} FROM card_state WHERE deck = ? AND card_id = ?",
                    (deck, card_id),
                ).fetchone()
                if current is None or _row_to_state(current) != after:
                    raise UndoConflictError(
                        f"card {card_id!r} was changed in another session since that rating; "
                        "nothing was undone"
                    )
            conn.execute("DELETE FROM drill_log WHERE review_id = ?", (review_id,))
            conn.execute("DELETE FROM review_log WHERE id = ?", (review_id,))
            kept = None
            if marks is not None:
                now = _read_flags(conn, deck, card_id)
                if now == marks[0]:
                    _put_flags(conn, deck, card_id, marks[1])
                else:
                    kept = now
            if cram:
                return Undone(before, kept)
            if before is None:
                conn.execute(
                    "DELETE FROM card_state WHERE deck = ? AND card_id = ?", (deck, card_id)
                )
                return Undone(None, kept)
            _put_state(conn, before)
            return Undone(before, kept)

    def reviews(self, deck: str | None = None) -> list[Review]:
        sql = (
            "SELECT id, deck, card_id, rating, reviewed_at, duration_ms, state_before, "
            "state_after, cram, kind FROM review_log"
        )
        args: tuple[Any, ...] = ()
        if deck is not None:
            sql += " WHERE deck = ?"
            args = (deck,)
        rows = self.conn.execute(sql + " ORDER BY id", args).fetchall()
        return [
            Review(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), r[9])
            for r in rows
        ]

    def new_cards_introduced_since(self, deck: str, since: float) -> int:
        row = self.conn.execute(
            "SELECT COUNT(DISTINCT card_id) FROM review_log "
            "WHERE reviewed_at >= ? AND deck = ? AND state_before = 0 AND cram = 0",
            (since, deck),
        ).fetchone()
        return int(row[0])

    # -- progress queries (all indexed by deck, due or reviewed_at)
    def review_count(self, decks: Sequence[str], since: float | None = None) -> int:
        sql = f"SELECT COUNT(*) FROM review_log WHERE deck IN ({self._in(decks)})"
        args: list[Any] = list(decks)
        if since is not None:
            sql += " AND reviewed_at >= ?"
            args.append(since)
        return int(self.conn.execute(sql, args).fetchone()[0])

    def review_retention(self, decks: Sequence[str]) -> tuple[int, int]:
        """(passed, total) over ratings of cards in review state, cram excluded."""
        row = self.conn.execute(
            "SELECT COUNT(*), SUM(rating > 1) FROM review_log "
            f"WHERE state_before = {REVIEW} AND cram = 0 AND deck IN ({self._in(decks)})",
            list(decks),
        ).fetchone()
        return int(row[1] or 0), int(row[0] or 0)

    def review_counts(self, decks: Sequence[str], bounds: Sequence[float]) -> list[int]:
        """Reviews in each interval ``[bounds[i], bounds[i+1])`` (one indexed count each)."""
        sql = (
            "SELECT COUNT(*) FROM review_log WHERE deck = ? AND reviewed_at >= ? "
            "AND reviewed_at < ?"
        )
        out = []
        for lo, hi in zip(bounds, bounds[1:], strict=False):
            out.append(sum(int(self.conn.execute(sql, (d, lo, hi)).fetchone()[0]) for d in decks))
        return out

    # -- maintenance
    def reset(self) -> tuple[int, int]:
        """Forget all progress. Returns (cards, reviews) removed."""
        with self._write() as conn:
            cards = conn.execute("SELECT COUNT(*) FROM card_state").fetchone()[0]
            reviews = conn.execute("SELECT COUNT(*) FROM review_log").fetchone()[0]
            conn.execute("DELETE FROM card_state")
            conn.execute("DELETE FROM review_log")
            conn.execute("DELETE FROM drill_log")
            conn.execute("DELETE FROM card_flags")
        return int(cards), int(reviews)

    def reset_cards(self, deck: str | None, card_ids: Sequence[str] | None) -> tuple[int, int]:
        """Forget the progress of some cards: ``card_ids`` of ``deck`` (any deck when None),
        or every card of ``deck``. Returns (cards, reviews) removed."""
        where, args = [], []
        if deck is not None:
            where.append("deck = ?")
            args.append(deck)
        if card_ids is not None:
            where.append(f"card_id IN ({self._in(card_ids)})")
            args.extend(card_ids)
        if not where:
            raise ValueError("reset_cards needs a deck or card ids")
        cond = " AND ".join(where)
        with self._write() as conn:
            cards = conn.execute(f"DELETE FROM card_state WHERE {cond}", args).rowcount
            # Exercises done in these reviews stay (drill results) but lose their link: a
            # later review may reuse a deleted review's id.
            conn.execute(
                "UPDATE drill_log SET review_id = NULL WHERE review_id IN "
                f"(SELECT id FROM review_log WHERE {cond})",
                args,
            )
            reviews = conn.execute(f"DELETE FROM review_log WHERE {cond}", args).rowcount
            conn.execute(f"DELETE FROM card_flags WHERE {cond}", args)
        return int(cards), int(reviews)
