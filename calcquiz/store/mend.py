"""Mending logged ratings from their good parts: a review_log row whose rating and time are
intact but whose saved states (``before_json``, ``after_json``) or state codes
(``state_before``, ``state_after``) are unreadable is kept, and what is broken is rebuilt.

A card's ratings form a chain: each is applied to the state the one before it left (the
store reads the state again inside the rating's transaction), so a rating's 'after' state
is the next rating's 'before' state, and the last one's is the card's saved state. A
broken 'after' state is taken from there when it is intact; only when neither is, the
rating is applied again (fuzz off, today's settings) to the state before it. A broken
'before' state is the previous rating's 'after' state. Read-only: :mod:`.check` writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from calcquiz.states import CardState
from calcquiz.store.rows import NEW, REVIEW, STATE_NAMES, state_problem

# (the row, the state before it, the time) -> the state the row's rating leads to
Step = Callable[["Logged", CardState | None, float], CardState]


@dataclass
class Logged:
    """One usable review_log row of a card (rating, time and cram flag intact), as read."""

    id: int
    deck: str
    card_id: str
    rating: int
    reviewed_at: float
    cram: bool
    state_before: Any
    state_after: Any
    before_json: Any
    after_json: Any
    before: CardState | None = None  # the 'before' state (None: a new card, or broken)
    after: CardState | None = None  # None: broken
    flaws: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, row: tuple[Any, ...]) -> Logged:
        """A row in ``LOG_COLUMNS`` order that :func:`review_problem` accepted."""
        rid, deck, card_id, rating, at, _, s_before, s_after, before_json, after_json, cram = row
        out = cls(rid, deck, card_id, rating, at, bool(cram), s_before, s_after,
                  before_json, after_json)
        for name, value in (("state before", s_before), ("state after", s_after)):
            if type(value) is not int or value not in STATE_NAMES:
                out.flaws.append(f"unknown {name} {value!r}")
        if before_json is not None:
            out.before = out._usable(before_json, "before")
        out.after = out._usable(after_json, "after", cram=out.cram)
        return out

    def _usable(self, text: object, which: str, cram: bool = False) -> CardState | None:
        state = _parse(text)
        if state is None:
            self.flaws.append(f"its saved '{which}' state is unreadable")
            return None
        fits = (state.deck, state.card_id) == (self.deck, self.card_id)
        # A cram rating's 'after' state of a new card is a placeholder, not a stored state.
        if not fits or (not cram and state_problem(tuple(state.__dict__.values()))):
            self.flaws.append(f"its saved '{which}' state is not a usable state of this card")
            return None
        return state

    @property
    def before_broken(self) -> bool:
        return self.before_json is not None and self.before is None


def _parse(text: object) -> CardState | None:
    if not isinstance(text, str):
        return None
    try:
        return CardState.from_json(text)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Mended:
    """A row to rewrite: its new state codes and saved states, and where they came from."""

    id: int
    card_id: str
    flaws: str
    state_before: int
    state_after: int
    before_json: str | None
    after_json: str
    rebuilt: str  # what was rebuilt, and from what


def mend_card(
    rows: list[Logged], saved: CardState | None, step: Step, cram_state: Step
) -> tuple[list[Mended], list[tuple[int, float, CardState]]]:
    """A card's rows (in id order): the rows to rewrite, and its non-cram ratings as
    (rating, time, 'after' state) with every 'after' state usable."""
    mended: list[Mended] = []
    log: list[tuple[int, float, CardState]] = []
    prev: CardState | None = None  # the state the last non-cram rating left
    for i, row in enumerate(rows):
        source = ""
        # The state the rating was applied to: its own record of it, else the chain's.
        before = prev if row.before_broken else row.before
        after = row.after
        if after is None and row.cram:
            after, source = cram_state(row, before, row.reviewed_at), "the state before it"
        elif after is None:
            after, source = _after_from_neighbours(rows, i, before, saved, step)
        if row.flaws:
            mended.append(_mended(row, before, after, source))
        if not row.cram:
            log.append((row.rating, row.reviewed_at, after))
            prev = after
    return mended, log


def _mended(
    row: Logged, before: CardState | None, after: CardState, source: str
) -> Mended:
    """The flawed ``row`` rewritten with the states worked out for it (``source``: where
    a missing 'after' state came from), saying what was rebuilt."""
    rebuilt = []
    if row.after is None:
        rebuilt.append(f"its 'after' state from {source}")
    if row.before_broken:
        rebuilt.append("its 'before' state from the rating before it")
    if any(f.startswith("unknown state") for f in row.flaws):
        rebuilt.append("its state codes")
    before_json = row.before_json
    if row.before_broken:
        before_json = before.to_json() if before is not None else None
    return Mended(
        row.id, row.card_id, "; ".join(row.flaws),
        before.state if before is not None else NEW, after.state, before_json,
        after.to_json() if row.after is None else row.after_json, ", ".join(rebuilt),
    )


def _after_from_neighbours(
    rows: list[Logged], i: int, prev: CardState | None, saved: CardState | None, step: Step
) -> tuple[CardState, str]:
    row = rows[i]
    later = next((r for r in rows[i + 1 :] if not r.cram), None)
    if later is not None and later.before is not None:
        return later.before, "the next rating's 'before' state"
    at = max(row.reviewed_at, (prev.last_review or 0.0) if prev is not None else 0.0)
    if later is None and saved is not None and _follows(saved, prev, row, at):
        return saved, "the card's saved state"
    return step(row, prev, at), "its rating and time, applied again to the state before"


def _follows(saved: CardState, prev: CardState | None, row: Logged, at: float) -> bool:
    """Whether the card's saved state can be this last rating's outcome: one more rep, a
    lapse only for Again on a review card, and reviewed between the rating before it and
    this one (a session applies a rating as of when the answer was shown)."""
    reps = prev.reps if prev is not None else 0
    lapses = prev.lapses if prev is not None else 0
    lapsed = row.rating == 1 and prev is not None and prev.state == REVIEW
    earliest = (prev.last_review or 0.0) if prev is not None else 0.0
    return (
        saved.reps == reps + 1
        and saved.lapses == lapses + lapsed
        and saved.last_review is not None
        and earliest - 1e-3 <= saved.last_review <= at + 1e-3
    )
