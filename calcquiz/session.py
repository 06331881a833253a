"""The study session as a state machine: which card comes next, rating, undo, summary.

No terminal here: :mod:`calcquiz.ui.study_view` drives a session from key presses, and
tests drive it directly with a fake clock. Every :meth:`StudySession.rate` commits to the
store before it returns, so the next card is only ever shown after the rating is safe.

Order of cards: learning cards whose step is due, then reviews due today (earliest
first; as in Anki, a review card is due on its day, and the day starts at
``day_starts_at``, so a review due at 02:00 belongs to the previous day's session), then
new cards (by number, or shuffled), at most ``new_limit`` new cards a day and
``review_limit`` ratings a session. A card rated into a learning step comes back in the
same session when that step is due; when nothing else is left, it is shown up to
``learn_ahead_minutes`` early, as Anki's learn-ahead limit does, and rated at the real
time (the scheduler sees the time that has passed, not the due time). Suspended cards,
and cards buried until the next day starts, are left out. A card that lapses
``leech_threshold`` times becomes a leech.

Exercise reviews (``options.exercises``, see :mod:`calcquiz.exercise_review`): a card
whose demo has an exercise generator is shown with a fresh exercise; the typed answer is
graded and a rating proposed, which :meth:`StudySession.accept` (or :meth:`rate`, to
override) commits through the same path as any rating, the exercise logged with it.
Other cards are reviewed as usual.
"""

from __future__ import annotations

import random
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from functools import partial
from itertools import compress, count, islice, repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from calcquiz import scheduler as sched
from calcquiz.config import Config, check_option
from calcquiz.dates import Calendar
from calcquiz.errors import BadInputError, UndoConflictError
from calcquiz.exercise_review import ExerciseOutcome, ExerciseReviews, exercise_counts
from calcquiz.gc_paused import gc_paused
from calcquiz.states import CardState, State
from calcquiz.store import Flags, Store

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
    exercises: bool = False  # review cards that have a generator by a fresh exercise

    def __post_init__(self) -> None:
        # the settings' own ranges
        check_option("new_per_day", self.new_limit, "--new")
        check_option("reviews_per_session", self.review_limit, "--limit")

    @classmethod
    def from_config(cls, config: Config, **given: Any) -> SessionOptions:
        """The config's limits and retention; options given on the command line win."""
        base = cls(
            retention=config.retention,
            new_limit=config.new_per_day,
            review_limit=config.reviews_per_session,
            exercises=config.review_mode == "exercises",
        )
        return replace(base, **{k: v for k, v in given.items() if v is not None})


@dataclass(frozen=True)
class Rated:
    review_id: int
    card: Card
    rating: int
    before: CardState | None
    after: CardState
    flags_before: Flags = Flags()
    leech: bool = False  # this lapse made the card a leech (again)
    suspended: bool = False  # ... and suspended it
    exercise: ExerciseOutcome | None = None  # rated from this exercise (kind "exercise")
    marks_set: Flags | None = None  # the marks the rating set (the leech rule's), if any
    # Undone, but its marks were changed by another session since and were kept as it left them
    marks_kept: bool = False


@dataclass(frozen=True)
class SetAside:
    """The learner suspended (``@``) or buried (``-``) a card."""

    card: Card
    action: str  # "suspend" or "bury"
    flags_before: Flags
    flags_after: Flags  # the marks it set: undo puts flags_before back only while they stay


@dataclass
class Summary:
    reviewed: int  # ratings given
    cards: int  # distinct cards rated
    ratings: dict[str, int]
    seconds: float  # time on cards, not waiting for a learning card
    next_due: float | None
    next_due_cards: int  # cards due on next_due's day
    new_limit_reached: bool  # new cards are waiting but today's limit is used up
    new_today: int  # new cards introduced today (before and during this session)
    new_left_today: int  # new cards the config's daily limit still allows today
    unseen: int  # selected cards never studied, not suspended or buried
    set_aside: dict[str, int]  # "suspend"/"bury" -> cards, this session
    leeches: int  # cards that became leeches this session
    cram: bool
    exercises: tuple[int, int] = (0, 0)  # exercise reviews: (answered right, done)
    # When the next card can be studied: a review from the start of the day it is due
    # (not its due time), a learning card from its due time less the learn-ahead limit.
    next_available: float | None = None
    next_at_day_start: bool = False  # ... and that is a day's start (a review's day)


def _kind(state: CardState | None) -> str:
    if state is None or state.state == State.NEW:
        return "new"
    return "learning" if state.state in (State.LEARNING, State.RELEARNING) else "review"


@dataclass
class StudySession:
    store: Store
    decks: Sequence[Deck]
    options: SessionOptions = field(default_factory=SessionOptions)
    clock: Callable[[], float] = time.time
    config: Config = field(default_factory=Config)
    tz: tzinfo | None = None  # None: the system's local zone

    def __post_init__(self) -> None:
        self._scheduler: fsrs.Scheduler | None = None
        sched.check_retention(self.options.retention)
        self.calendar = Calendar(self.config.day_starts_at, self.tz)
        self.started = self.clock()
        self.history: list[Rated | SetAside] = []
        # ratings whose undo another session's change refused: they stand, and still count
        self._kept: list[Rated] = []
        self.current: Card | None = None
        self.current_state: CardState | None = None
        self.shown_at = 0.0
        self._ahead = 60.0 * self.config.learn_ahead_minutes
        self._card_seconds = 0.0  # on cards rated or set aside; waits for a card left out
        self.previews: dict[int, sched.RatingPreview] | None = None
        self._front: deque[tuple[str, Card]] = deque()  # (kind, card): shown again first
        # (due, deck name, card id) of learning cards back later this session, by due
        self._learning: list[tuple[float, str, str]] = []
        # Reviews as (deck name, card id): a Card is made only when it is shown, so a
        # session over 100,000 cards with thousands due makes a few dozen.
        self._reviews: deque[tuple[str, str]] = deque()
        self._deck_named = {d.name: d for d in self.decks}
        self._new: deque[Card] = deque()
        self._new_today = 0
        self._unseen = 0
        self.exercises = ExerciseReviews(self.options.exercises, self.clock, self.options.seed)
        self._build_queues()

    @property
    def scheduler(self) -> fsrs.Scheduler:
        """Made on first use: fsrs is imported only once an answer is revealed."""
        if self._scheduler is None:
            self._scheduler = sched.make_scheduler(self.options.retention, config=self.config)
        return self._scheduler

    # -- building the queues
    def _selected(self, deck: Deck) -> list[Card]:
        cards = list(deck.cards)
        if self.options.tags:
            wanted = set(self.options.tags)
            cards = [c for c in cards if wanted & set(c.tags)]
        return cards

    def _pool(self, deck: Deck) -> tuple[Sequence[Card], Sequence[str]]:
        """The selected cards and their ids, in deck order. Without --tag, the deck's own
        cards and id column: a cached deck makes a Card only when one is drawn."""
        if self.options.tags:
            cards = self._selected(deck)
            return cards, [c.id for c in cards]
        ids = getattr(deck.cards, "ids", None)  # a cached deck's id column, as it is
        return deck.cards, ids if ids is not None else list(deck.by_id)

    def _card(self, key: tuple[str, str]) -> Card:
        deck, card_id = key
        return self._deck_named[deck].by_id[card_id]

    def _build_queues(self) -> None:
        # A 100,000-card deck makes tens of thousands of small objects here; the cyclic
        # collector's passes over them would cost more than they could free.
        with gc_paused():
            self._fill_queues()

    def _fill_queues(self) -> None:
        now = self.clock()
        rng = random.Random(self.options.seed)
        hidden = {
            d.name: {card_id for card_id, flags in self.store.card_flags(d.name).items()
                     if flags.hidden(now)}
            for d in self.decks
        }
        if self.options.cram:
            self._fill_cram(rng, hidden)
            return

        reviews: list[tuple[float, str, str]] = []
        new: list[Card] = []
        day_end = self.calendar.today_end(now)
        # The daily new-card limit holds for the session's decks together, as Anki's does
        # for a parent deck: what every deck introduced today counts against it.
        day_start = self.calendar.today_start(now)
        self._new_today = sum(
            self.store.new_cards_introduced_since(d.name, day_start) for d in self.decks
        )
        allowed = max(0, self.options.new_limit - self._new_today)
        shuffled: list[tuple[Sequence[Card], int]] = []  # (pool, position): all decks' unseen
        for deck in self.decks:
            pool, ids = self._pool(deck)
            # In the deck still, chosen by --tag, not suspended or buried (history kept).
            selected = set(ids) - hidden[deck.name]
            reviews += self._queue_due(deck.name, selected, now, day_end)
            # Two sets and a difference: 20 ms for 100,000 ids, where probing one set with
            # the other's ids one by one takes half as long again.
            unseen = selected - set(self.store.studied_ids(deck.name))
            self._unseen += len(unseen)
            if unseen:
                # Their positions in deck order, found in C (compress over a map); all of
                # them to shuffle (across decks), else only the first few still allowed.
                found = compress(count(), map(unseen.__contains__, ids))
                if self.options.shuffle:
                    shuffled.extend(zip(repeat(pool), found))
                else:
                    fresh = list(islice(found, allowed))
                    new.extend(pool[p] for p in fresh)
                    allowed -= len(fresh)
        if shuffled:
            rng.shuffle(shuffled)  # positions, not cards: no Card made
            new.extend(pool[p] for pool, p in shuffled[:allowed])
        if len(self.decks) > 1:  # each deck's come by due already
            reviews.sort(key=itemgetter(0))
        review_keys = [triple[1:] for triple in reviews]
        if self.options.shuffle:
            rng.shuffle(review_keys)
        self._reviews.extend(review_keys)
        self._new.extend(new)
        self._learning.sort(key=itemgetter(0))

    def _fill_cram(self, rng: random.Random, hidden: dict[str, set[str]]) -> None:
        """--cram: every selected card that is not set aside, as a review, in deck order
        (or shuffled)."""
        cram = [
            (d.name, c.id) for d in self.decks for c in self._selected(d)
            if c.id not in hidden[d.name]
        ]
        if self.options.shuffle:
            rng.shuffle(cram)
        self._reviews.extend(cram)

    def _queue_due(
        self, deck: str, selected: set[str], now: float, day_end: float
    ) -> list[tuple[float, str, str]]:
        """The deck's ``selected`` cards due soon: a learning step due within the session's
        horizon joins the learning queue; a review due today is returned (due, deck, id)."""
        reviews = []
        # An indexed read: the cards due soon (id, state, due).
        for card_id, state, due in self.store.due_keys(deck, max(now + SESSION_HORIZON, day_end)):
            if card_id not in selected:
                continue  # removed, filtered out, suspended or buried: history kept
            if state in (State.LEARNING, State.RELEARNING):
                if due <= now + SESSION_HORIZON:
                    self._learning.append((due, deck, card_id))
            elif due < day_end:  # a review is due on its day, as in Anki
                reviews.append((due, deck, card_id))
        return reviews

    # -- what to show
    @property
    def done_count(self) -> int:
        """Ratings given this session (what ``review_limit`` counts)."""
        return len(self._rated())

    def _rated(self) -> list[Rated]:
        """The ratings of this session that stand, in the undo history or not."""
        return self._kept + [h for h in self.history if isinstance(h, Rated)]

    def counts(self) -> dict[str, int]:
        """Cards left, Anki style: new, learning, due reviews (the card shown included)."""
        out = {
            "new": len(self._new),
            "learning": len(self._learning),
            "review": len(self._reviews),
        }
        for kind, _ in self._front:
            out[kind] += 1
        if self.current is not None:
            out["review" if self.options.cram else _kind(self.current_state)] += 1
        return out

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
            card = self._front.popleft()[1]
        elif self._learning and self._learning[0][0] <= now:
            _, deck_name, card_id = self._learning.pop(0)
            card = self._card((deck_name, card_id))
        elif self._reviews:
            card = self._card(self._reviews.popleft())
        elif self._new:
            card = self._new.popleft()
        elif self._learning and self._learning[0][0] <= now + self._ahead:
            _, deck_name, card_id = self._learning.pop(0)  # learn ahead: nothing else is left
            card = self._card((deck_name, card_id))
        if card is not None:
            self._show(card, now)
        return card

    def _show(self, card: Card, now: float) -> None:
        self.current = card
        self.current_state = self.store.card_state(card.deck, card.id)
        self.shown_at = now
        self.previews = None
        self.exercises.start(card)

    def waiting_until(self) -> float | None:
        """When the next learning card can be shown (its due time less the learn-ahead
        limit), if only such cards remain."""
        due = self.learning_due()
        return None if due is None else due - self._ahead

    def learning_due(self) -> float | None:
        """When the next learning card is due, if only such cards remain."""
        if self.limit_reached() or not self._learning:
            return None
        return self._learning[0][0]

    @property
    def learn_ahead(self) -> float:
        """Seconds before its due time a learning card may be shown when nothing else is."""
        return self._ahead

    def _time_on_card(self, now: float) -> None:
        self._card_seconds += max(0.0, now - self.shown_at)

    # -- answering
    def reveal(self) -> dict[int, sched.RatingPreview]:
        """Show the answer: fix each button's outcome now, so the shown interval is applied."""
        if self.current is None:
            raise RuntimeError("no card is shown")
        if self.previews is None:
            now = self.clock()
            if self.options.cram:
                state = sched.cram_state(
                    self.current_state, self.current.deck, self.current.id, 0, now
                )
                self.previews = {r: sched.RatingPreview(r, state, 0.0) for r in sched.RATINGS}
            else:
                self.previews = sched.preview(
                    self.scheduler, self.current.deck, self.current.id, self.current_state, now
                )
        return self.previews

    def rate(self, rating: int) -> Rated:
        """Record a rating (committed before this returns) and move on."""
        if rating not in sched.RATINGS:
            raise BadInputError(f"Invalid rating: {rating} (1 Again, 2 Hard, 3 Good, 4 Easy)")
        card = self.current
        if card is None:
            raise RuntimeError("no card is shown")
        exercise = self.exercises.for_rating()
        preview = self.reveal()[rating]
        now = self.clock()
        duration_ms = int(max(0.0, now - self.shown_at) * 1000)
        self._time_on_card(now)
        applied = self.store.apply_review(
            self.current_state, preview.state, rating, now, duration_ms,
            cram=self.options.cram, recompute=self._recompute(card, rating),
            exercise=exercise.entry() if exercise else None,
            mark=None if self.options.cram else partial(self._leech_marks, rating),
        )  # another session rated this card meanwhile: the rating applies to its new state
        before, after = applied.before, applied.after
        rated = Rated(
            applied.review_id, card, rating, before, after, applied.flags_before,
            leech=applied.marked is not None,
            suspended=applied.marked is not None and self.config.leech_action == "suspend",
            exercise=exercise, marks_set=applied.marked,
        )
        self.history.append(rated)
        self.current = None
        self.current_state = None
        self.previews = None
        if self.options.cram:
            if rating == 1:  # forgotten: once more at the end of this cram
                self._reviews.append((card.deck, card.id))
        elif (
            not rated.suspended
            and after.state in (State.LEARNING, State.RELEARNING)
            and after.due - now <= SESSION_HORIZON
        ):
            self._learning.append((after.due, card.deck, card.id))
            self._learning.sort(key=itemgetter(0))
        return rated

    def _leech_marks(
        self, rating: int, before: CardState | None, after: CardState, marks: Flags
    ) -> Flags | None:
        """The marks a rating sets, applied in its transaction: a lapse (Again on a review
        card) that reaches the leech rule marks the card a leech (and suspends it, if the
        config says so). None: the marks stay as they are."""
        lapsed = rating == 1 and before is not None and before.state == State.REVIEW
        if not lapsed or not sched.becomes_leech(after.lapses, self.config.leech_threshold):
            return None
        suspend = self.config.leech_action == "suspend"
        return replace(marks, leech=True, suspended=marks.suspended or suspend)

    def set_aside(self, action: str) -> SetAside:
        """Suspend (``"suspend"``) the shown card, or bury it (``"bury"``) until the next
        day starts. Committed before this returns; undone by :meth:`undo`."""
        card = self.current
        if card is None:
            raise RuntimeError("no card is shown")
        if action == "suspend":
            change = partial(replace, suspended=True)
        elif action == "bury":
            change = partial(replace, buried_until=self.calendar.today_end(self.clock()))
        else:
            raise ValueError(f"unknown action {action!r}")
        # Applied to the marks as they are at commit time: another session's are kept.
        before, after = self.store.change_flags(card.deck, card.id, change)
        self._time_on_card(self.clock())
        done = SetAside(card, action, before, after)
        self.history.append(done)
        self.current = None
        self.current_state = None
        self.previews = None
        return done

    def _recompute(self, card: Card, rating: int) -> Callable[[CardState | None, float], CardState]:
        def apply(fresh: CardState | None, at: float) -> CardState:
            return sched.preview(self.scheduler, card.deck, card.id, fresh, at)[rating].state

        return apply

    def undo(self) -> Rated | SetAside | None:
        """Take back the last rating, suspension or burial (state, log and marks restored
        together); show that card again.

        If another session changed that card since a rating, or its marks since a
        suspension or burial, UndoConflictError is raised, nothing changes, and the entry
        leaves the undo history. A rating whose marks (a leech's) another session changed
        since is undone, and those marks are kept (the result's ``marks_kept``)."""
        if not self.history:
            return None
        last = self.history.pop()
        if isinstance(last, Rated):
            marks = None if last.marks_set is None else (last.marks_set, last.flags_before)
            try:
                undone = self.store.undo_review(last.review_id, marks)
            except UndoConflictError:
                self._kept.append(last)
                raise
            if undone.marks_kept is not None:
                last = replace(last, marks_kept=True)
            again = (last.card.deck, last.card.id)
            self._learning = [e for e in self._learning if (e[1], e[2]) != again]
            if self.options.cram and last.rating == 1 and again in self._reviews:
                self._reviews.reverse()
                self._reviews.remove(again)
                self._reviews.reverse()
        elif not self.store.restore_flags(
            last.card.deck, last.card.id, last.flags_after, last.flags_before
        ):
            raise UndoConflictError(
                f"card {last.card.number}'s marks were changed in another session since; "
                "they stay as that session left them"
            )
        if self.current is not None:
            kind = "review" if self.options.cram else _kind(self.current_state)
            self._front.appendleft((kind, self.current))
            self.current = None
        self._show(last.card, self.clock())
        return last

    # -- the end
    def summary(self) -> Summary:
        now = self.clock()
        rated = self._rated()
        names = Counter(sched.RATINGS[r.rating] for r in rated)
        left_now = self.current or self._front or self._reviews or self._new
        next_due: float | None = now  # with cards left, the next is due now
        next_available: float | None = now
        next_cards, at_day_start = 0, False
        if not left_now:
            next_due = self.store.next_active_due([d.name for d in self.decks], now)
            next_cards, next_available, at_day_start = self._coming(next_due, now)
        new_in_session = sum(r.before is None for r in rated)
        new_today = self._new_today + new_in_session
        unseen = max(0, self._unseen - new_in_session)
        aside = Counter(h.action for h in self.history if isinstance(h, SetAside))
        return Summary(
            reviewed=len(rated),
            cards=len({(r.card.deck, r.card.id) for r in rated}),
            ratings={name: names.get(name, 0) for name in sched.RATINGS.values()},
            seconds=self._seconds_on_cards(now),
            next_due=next_due,
            next_due_cards=next_cards,
            new_limit_reached=unseen > 0 and new_today >= self.options.new_limit,
            new_today=new_today,
            new_left_today=max(0, min(unseen, self.config.new_per_day - new_today)),
            unseen=unseen,
            set_aside={"suspend": aside.get("suspend", 0), "bury": aside.get("bury", 0)},
            leeches=sum(r.leech for r in rated),
            cram=self.options.cram,
            exercises=exercise_counts(r.exercise for r in rated),
            next_available=next_available,
            next_at_day_start=at_day_start,
        )

    def _seconds_on_cards(self, now: float) -> float:
        """Time on cards, the shown one included; not the waits for a learning card."""
        return self._card_seconds + (now - self.shown_at if self.current is not None else 0.0)

    def _coming(self, next_due: float | None, now: float) -> tuple[int, float | None, bool]:
        """The cards due after now to the end of the day that ``next_due`` falls in: how
        many, when the first can be studied, and whether that is at a day's start."""
        if next_due is None:
            return 0, None, False
        end = self.calendar.today_end(next_due)
        available: list[tuple[float, bool]] = []  # (from when, at a day's start)
        for deck in self.decks:
            flags = self.store.card_flags(deck.name)
            for s in self.store.due_states(deck.name, end):
                if s.due > now and not flags.get(s.card_id, Flags()).hidden(now):
                    available.append(self._available(s, now))
        first, at_day_start = min(available) if available else (next_due, False)
        return len(available), first, at_day_start

    def _available(self, state: CardState, now: float) -> tuple[float, bool]:
        """When a card due later can be studied, and whether that is a day's start."""
        if state.state in (State.LEARNING, State.RELEARNING):
            return max(now, state.due - self._ahead), False
        start = self.calendar.today_start(state.due)
        return (start, True) if start > now else (now, False)

    def accept(self) -> Rated:
        """Rate the shown card with the rating its answered exercise proposed."""
        return self.rate(self.exercises.proposed())
