"""Exchange with Anki: each card's scheduled history for ``export anki --with-progress``,
and merging Anki's ratings into the log for ``import anki`` and ``sync anki`` (which also
sets marks in the same :func:`transaction`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from calcquiz.states import CardState
from calcquiz.store.rows import Flags, _put_flags, _put_review, _put_state

if TYPE_CHECKING:
    from calcquiz.store import Store


def review_ms(reviewed_at: float) -> int:
    """A rating's time in whole milliseconds: Anki's revlog id, and how an imported
    review is recognised as one already in the log."""
    return int(round(reviewed_at * 1000))


@dataclass(frozen=True)
class LoggedReview:
    """One non-cram rating as an export needs it: the states around it, and the due
    time it set (None where the log kept no state: history bulk-loaded by
    :meth:`Store.import_history`)."""

    rating: int
    reviewed_at: float
    duration_ms: int | None
    state_before: int
    state_after: int
    due_after: float | None


@dataclass(frozen=True)
class IncomingReview:
    """A rating from elsewhere (an Anki revlog row) to merge into the log."""

    rating: int
    reviewed_at: float
    duration_ms: int | None


def scheduled_history(store: Store, deck: str) -> Iterator[tuple[str, list[LoggedReview]]]:
    """Each card's non-cram ratings in ``deck``, oldest first, one card at a time (a
    million reviews are streamed, never all held at once)."""
    import itertools

    rows = store.conn.execute(
        "SELECT card_id, rating, reviewed_at, duration_ms, state_before, state_after, "
        "json_extract(after_json, '$.due') FROM review_log WHERE deck = ? AND cram = 0 "
        "ORDER BY card_id, reviewed_at, id",
        (deck,),
    )
    for card_id, group in itertools.groupby(rows, key=lambda row: row[0]):
        yield card_id, [LoggedReview(*row[1:]) for row in group]


Rebuild = Callable[[list[tuple[int, float]]], list[CardState]]


MERGE_BATCH = 500  # cards per transaction (and per scan of the deck's log)


CardsWork = Mapping[str, tuple[list[IncomingReview], Rebuild]]  # card id -> work


def merge_reviews(store: Store, deck: str, cards: CardsWork) -> dict[str, int]:
    """For each card of ``deck`` in ``cards`` (card id -> (incoming ratings, rebuild)):
    add the incoming ratings not yet logged (matched on the time in ms) and set the
    card's state to ``rebuild(its whole non-cram log)``. All in one transaction, so each
    state agrees with the log as it is at commit time. Returns the ratings added per card.

    ``rebuild`` gets ``(rating, reviewed_at)`` oldest first and returns the state after
    each of them (the last is the card's state). Callers pass at most
    :data:`MERGE_BATCH` cards: the log is read once per call, by a scan of the deck.
    """
    with store._write() as conn:
        return _merge_batch(conn, deck, cards)


def merge_all(
    store: Store,
    decks: Mapping[str, CardsWork],
    before_commit: Callable[[], None] | None = None,
) -> dict[str, dict[str, int]]:
    """:func:`merge_reviews` for every deck and card in ``decks`` in ONE transaction (the
    log read :data:`MERGE_BATCH` cards at a time): an import is all or nothing.
    ``before_commit`` runs last inside the transaction (an import puts its deck file in
    place there); if it raises, nothing is committed. Returns the ratings added per card
    of each deck."""
    with transaction(store) as writes:
        added = writes.merge(decks)
        if before_commit is not None:
            before_commit()
    return added


class ExchangeWrites:
    """The writes of one :func:`transaction`."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def merge(self, decks: Mapping[str, CardsWork]) -> dict[str, dict[str, int]]:
        """:func:`merge_reviews` for every deck and card in ``decks``, the log read
        :data:`MERGE_BATCH` cards at a time. Returns the ratings added per card of each
        deck."""
        added: dict[str, dict[str, int]] = {}
        for deck, cards in decks.items():
            ids = list(cards)
            for start in range(0, len(ids), MERGE_BATCH):
                batch = {c: cards[c] for c in ids[start : start + MERGE_BATCH]}
                added.setdefault(deck, {}).update(_merge_batch(self._conn, deck, batch))
        return added

    def set_flags(self, deck: str, card_id: str, flags: Flags) -> None:
        """:meth:`Store.set_flags` inside this transaction."""
        _put_flags(self._conn, deck, card_id, flags)


@contextmanager
def transaction(store: Store) -> Iterator[ExchangeWrites]:
    """One store transaction for an exchange that changes many cards at once: Anki's
    ratings merged and marks set (``sync anki`` also commits the collection inside it).
    Reads through ``store`` in the block see its writes; leaving the block with an
    exception rolls all of them back."""
    with store._write() as conn:
        yield ExchangeWrites(conn)


def _merge_batch(conn: sqlite3.Connection, deck: str, cards: CardsWork) -> dict[str, int]:
    added: dict[str, int] = {}
    logged: dict[str, list[tuple[int, float, int, float | None]]] = {c: [] for c in cards}
    marks = ",".join("?" * len(cards))
    # "+deck": one sequential scan of the table; through the (deck, reviewed_at)
    # index the same rows are read in random order, 7 times slower for 1M reviews.
    rows = conn.execute(
        "SELECT card_id, rating, reviewed_at, cram, json_extract(after_json, '$.due') "
        f"FROM review_log WHERE +deck = ? AND card_id IN ({marks})",
        (deck, *cards),
    )
    for card_id, rating, at, cram, due in rows:
        logged[card_id].append((int(rating), float(at), int(cram), due))
    for card_id, (incoming, rebuild) in cards.items():
        added[card_id] = _merge_one(conn, deck, card_id, logged[card_id], incoming, rebuild)
    return added


def _merge_one(
    conn: sqlite3.Connection,
    deck: str,
    card_id: str,
    logged: list[tuple[int, float, int, float | None]],
    incoming: list[IncomingReview],
    rebuild: Rebuild,
) -> int:
    fresh = _fresh(logged, incoming)
    if not fresh:
        return 0
    timeline: list[tuple[int, float, IncomingReview | None]] = sorted(
        [(rating, at, None) for rating, at, cram, _ in logged if not cram]
        + [(r.rating, r.reviewed_at, r) for r in fresh.values()],
        key=lambda item: item[1],
    )
    states = rebuild([(rating, at) for rating, at, _ in timeline])
    if timeline[-1][2] is None and states:  # the last rating was already here: keep the
        last_due = max((r for r in logged if not r[2]), key=lambda r: r[1])[3]  # due it set
        if last_due is not None:
            states[-1] = CardState(**{**states[-1].__dict__, "due": float(last_due)})
    before: CardState | None = None
    for (rating, at, new), after in zip(timeline, states, strict=True):
        if new is not None:
            _put_review(conn, deck, card_id, rating, at, new.duration_ms, before, after)
        before = after
    if states:
        _put_state(conn, states[-1])
    return len(fresh)


def _fresh(
    logged: list[tuple[int, float, int, float | None]], incoming: list[IncomingReview]
) -> dict[int, IncomingReview]:
    """The incoming reviews at a millisecond no logged review (nor an earlier incoming
    one) has, by that millisecond."""
    known = {review_ms(at) for _, at, _, _ in logged}
    fresh: dict[int, IncomingReview] = {}
    for review in incoming:
        ms = review_ms(review.reviewed_at)
        if ms not in known and ms not in fresh:
            fresh[ms] = review
    return fresh
