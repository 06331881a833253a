"""The study session as a state machine: which card comes next, rating, undo, summary.

No terminal here: :mod:`calcquiz.ui.study_view` drives a session from key presses, and
tests drive it directly with a fake clock. Every :meth:`StudySession.rate` commits to the
store before it returns, so the next card is only ever shown after the rating is safe.

Order of cards: learning cards whose step is due, then reviews due today (earliest
first; as in Anki, a review card is due on its day, not at its minute), then new cards
(by number, or shuffled), at most ``new_limit`` new cards a day and ``review_limit``
ratings a session. A card rated into a learning step comes back in the same session
when that step is due.
"""

from __future__ import annotations

import random
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from calcquiz import scheduler as sched
from calcquiz.errors import BadInputError
from calcquiz.store import LEARNING, RELEARNING, CardState, Store

if TYPE_CHECKING:
    import fsrs

    from calcquiz.content import Card, Deck

# A card whose next step is due within this many seconds stays in the session.
SESSION_HORIZON = 6 * 3600


@dataclass(frozen=True)
class SessionOptions:
    retention: float = sched.DEFAULT_RETENTION
    new_limit: int = 20
    review_limit: int = 200
    cram: bool = False
    shuffle: bool = False
    seed: int | None = None
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.new_limit < 0:
            raise BadInputError(f"Invalid --new: {self.new_limit} (must be 0 or more)")
        if self.review_limit < 1:
            raise BadInputError(f"Invalid --limit: {self.review_limit} (must be 1 or more)")


@dataclass(frozen=True)
class Rated:
    review_id: int
    card: Card
    rating: int
    before: CardState | None
    after: CardState


@dataclass
class Summary:
    reviewed: int
    ratings: dict[str, int]
    seconds: float
    next_due: float | None
    new_seen: int
    cram: bool


def start_of_local_day(now: float) -> float:
    d = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return d.timestamp()


def end_of_local_day(now: float) -> float:
    """The next local midnight (by the calendar, so a DST change is handled)."""
    today = datetime.fromtimestamp(now).date()
    return datetime.combine(today + timedelta(days=1), datetime.min.time()).timestamp()


@dataclass
class StudySession:
    store: Store
    decks: Sequence[Deck]
    options: SessionOptions = field(default_factory=SessionOptions)
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self._scheduler: fsrs.Scheduler | None = None
        sched.check_retention(self.options.retention)
        self.started = self.clock()
        self.history: list[Rated] = []
        self.current: Card | None = None
        self.current_state: CardState | None = None
        self.shown_at = 0.0
        self.outcomes: dict[int, sched.Outcome] | None = None
        self._front: deque[Card] = deque()
        self._learning: list[tuple[float, Card]] = []  # (due, card), back later this session
        self._reviews: deque[Card] = deque()
        self._new: deque[Card] = deque()
        self._new_seen = 0
        self._build_queues()

    @property
    def scheduler(self) -> fsrs.Scheduler:
        """Made on first use: fsrs is imported only once an answer is revealed."""
        if self._scheduler is None:
            self._scheduler = sched.make_scheduler(self.options.retention)
        return self._scheduler

    # -- building the queues
    def _selected(self, deck: Deck) -> list[Card]:
        cards = list(deck.cards)
        if self.options.tags:
            wanted = set(self.options.tags)
            cards = [c for c in cards if wanted & set(c.tags)]
        return cards

    def _build_queues(self) -> None:
        now = self.clock()
        rng = random.Random(self.options.seed)
        selected = {(d.name, c.id): c for d in self.decks for c in self._selected(d)}
        if self.options.cram:
            cram = list(selected.values())
            if self.options.shuffle:
                rng.shuffle(cram)
            self._reviews.extend(cram)
            return

        reviews: list[tuple[float, Card]] = []
        new: list[Card] = []
        day_end = end_of_local_day(now)
        for deck in self.decks:
            # Indexed reads: the cards due soon, and the set of ids ever studied.
            for state in self.store.due_states(deck.name, max(now + SESSION_HORIZON, day_end)):
                card = selected.get((deck.name, state.card_id))
                if card is None:  # removed from the deck or filtered out: history kept
                    continue
                if state.state in (LEARNING, RELEARNING):
                    if state.due <= now + SESSION_HORIZON:
                        self._learning.append((state.due, card))
                elif state.due < day_end:  # a review is due on its day, as in Anki
                    reviews.append((state.due, card))
            studied = self.store.studied_ids(deck.name)
            allowed = self.options.new_limit - self.store.new_cards_introduced_since(
                deck.name, start_of_local_day(now)
            )
            fresh = [c for c in self._selected(deck) if c.id not in studied]
            if self.options.shuffle:
                rng.shuffle(fresh)
            new.extend(fresh[: max(0, allowed)])
        reviews.sort(key=lambda pair: pair[0])
        review_cards = [c for _, c in reviews]
        if self.options.shuffle:
            rng.shuffle(review_cards)
        self._reviews.extend(review_cards)
        self._new.extend(new)
        self._learning.sort(key=lambda pair: pair[0])

    # -- what to show
    @property
    def done_count(self) -> int:
        return len(self.history)

    def counts(self) -> dict[str, int]:
        """Cards left, Anki style: new, learning, due reviews."""
        return {
            "new": len(self._new),
            "learning": len(self._learning),
            "review": len(self._reviews),
        }

    def limit_reached(self) -> bool:
        return self.done_count >= self.options.review_limit

    def next_card(self) -> Card | None:
        """The card to show now, or None when nothing is due now (see :meth:`waiting_until`)."""
        if self.current is not None:
            return self.current
        if self.limit_reached():
            return None
        now = self.clock()
        card: Card | None = None
        if self._front:
            card = self._front.popleft()
        elif self._learning and self._learning[0][0] <= now:
            card = self._learning.pop(0)[1]
        elif self._reviews:
            card = self._reviews.popleft()
        elif self._new:
            card = self._new.popleft()
        if card is not None:
            self._show(card, now)
        return card

    def _show(self, card: Card, now: float) -> None:
        self.current = card
        self.current_state = self.store.card_state(card.deck, card.id)
        self.shown_at = now
        self.outcomes = None

    def waiting_until(self) -> float | None:
        """When the next learning card is due, if only such cards remain."""
        if self.limit_reached() or not self._learning:
            return None
        return self._learning[0][0]

    # -- answering
    def reveal(self) -> dict[int, sched.Outcome]:
        """Show the answer: fix each button's outcome now, so the shown interval is applied."""
        if self.current is None:
            raise RuntimeError("no card is shown")
        if self.outcomes is None:
            now = self.clock()
            if self.options.cram:
                state = sched.cram_state(
                    self.current_state, self.current.deck, self.current.id, 0, now
                )
                self.outcomes = {r: sched.Outcome(r, state, 0.0) for r in sched.RATINGS}
            else:
                self.outcomes = sched.preview(
                    self.scheduler, self.current.deck, self.current.id, self.current_state, now
                )
        return self.outcomes

    def rate(self, rating: int) -> Rated:
        """Record a rating (committed before this returns) and move on."""
        if rating not in sched.RATINGS:
            raise BadInputError(f"Invalid rating: {rating} (1 Again, 2 Hard, 3 Good, 4 Easy)")
        card = self.current
        if card is None:
            raise RuntimeError("no card is shown")
        outcome = self.reveal()[rating]
        now = self.clock()
        duration_ms = int(max(0.0, now - self.shown_at) * 1000)
        before = self.current_state
        review_id = self.store.record_review(
            before, outcome.state, rating, now, duration_ms, cram=self.options.cram
        )
        rated = Rated(review_id, card, rating, before, outcome.state)
        self.history.append(rated)
        if before is None:
            self._new_seen += 1
        self.current = None
        self.current_state = None
        self.outcomes = None
        if self.options.cram:
            if rating == 1:  # forgotten: once more at the end of this cram
                self._reviews.append(card)
        elif (
            outcome.state.state in (LEARNING, RELEARNING)
            and outcome.state.due - now <= SESSION_HORIZON
        ):
            self._learning.append((outcome.state.due, card))
            self._learning.sort(key=lambda pair: pair[0])
        return rated

    def undo(self) -> Rated | None:
        """Take back the last rating (state and log restored together); show that card again."""
        if not self.history:
            return None
        last = self.history.pop()
        self.store.undo_review(last.review_id)
        if last.before is None:
            self._new_seen -= 1
        self._learning = [(due, c) for due, c in self._learning if c is not last.card]
        if self.options.cram and last.rating == 1 and last.card in self._reviews:
            self._reviews.reverse()
            self._reviews.remove(last.card)
            self._reviews.reverse()
        if self.current is not None:
            self._front.appendleft(self.current)
            self.current = None
        self._show(last.card, self.clock())
        return last

    # -- the end
    def summary(self) -> Summary:
        now = self.clock()
        names = Counter(sched.RATINGS[r.rating] for r in self.history)
        left_now = self.current or self._front or self._reviews or self._new
        next_due = now if left_now else self.store.next_due([d.name for d in self.decks], now)
        return Summary(
            reviewed=len(self.history),
            ratings={name: names.get(name, 0) for name in sched.RATINGS.values()},
            seconds=now - self.started,
            next_due=next_due,
            new_seen=self._new_seen,
            cram=self.options.cram,
        )
