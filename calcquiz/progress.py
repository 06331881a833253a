"""Progress figures for ``list`` and ``stats``, computed from the store. No terminal here.

"Today", the forecast's days and the heatmap's days are the learner's days, which start
at ``day_starts_at`` (see :mod:`calcquiz.dates`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import partial
from itertools import repeat
from typing import NamedTuple, TypedDict

from calcquiz import scheduler as sched
from calcquiz.config import Config
from calcquiz.content import Card, Deck
from calcquiz.dates import Calendar, iso_utc
from calcquiz.store import NO_FLAGS, STATE_NAMES, Flags, Store

FORECAST_DAYS = 14
HEATMAP_WEEKS = 12
EXERCISE_WINDOW = 5  # exercise accuracy: the last N attempted exercises on a card's topic


class ExerciseAccuracy(TypedDict):
    """Right answers among a card topic's last attempted exercises (skips left out)."""

    right: int
    of: int
    accuracy: float


def exercise_accuracy(results: list[bool] | None) -> ExerciseAccuracy | None:
    """Over recent exercise results, newest first (None: never attempted)."""
    if not results:
        return None
    right = sum(results)
    return ExerciseAccuracy(right=right, of=len(results), accuracy=right / len(results))


class CardProgress(TypedDict):
    """One card's progress, as ``list --json`` prints it beside the card's fields."""

    state: str  # new, learning, review, relearning
    due: str | None  # ISO 8601, UTC
    stability: float | None  # days
    difficulty: float | None  # FSRS difficulty, 1-10
    retrievability: float | None  # probability of recall now
    suspended: bool
    buried: bool  # hidden until the next day starts
    leech: bool
    exercise_accuracy: ExerciseAccuracy | None  # the last EXERCISE_WINDOW on its topic


def card_progress(
    store: Store | None,
    decks: Sequence[Deck],
    now: float | None = None,
    config: Config | None = None,
) -> list[CardProgress]:
    """Per card, in deck order. ``store=None``: all new."""
    return [p for _, p in iter_card_progress(store, decks, now, config)]


class RawProgress(NamedTuple):
    """A card's progress with its due time as a timestamp: what :class:`CardProgress`
    is made from, and what ``list`` writes to a pipe without making one."""

    state: str
    due: float | None
    stability: float | None
    difficulty: float | None
    retrievability: float | None
    suspended: bool
    buried: bool
    leech: bool
    exercise_accuracy: ExerciseAccuracy | None

    def for_json(self) -> CardProgress:
        """As ``list --json`` prints it: the due time in ISO 8601."""
        return {
            "state": self.state,
            "due": None if self.due is None else iso_utc(self.due),
            "stability": self.stability,
            "difficulty": self.difficulty,
            "retrievability": self.retrievability,
            "suspended": self.suspended,
            "buried": self.buried,
            "leech": self.leech,
            "exercise_accuracy": self.exercise_accuracy,
        }


NEVER_STUDIED = RawProgress("new", None, None, None, None, False, False, False, None)
_raw = partial(tuple.__new__, RawProgress)


class ListRow(NamedTuple):
    """One card as ``list`` shows it, in every format (:mod:`calcquiz.ui.listing` renders
    it as a table row, a line or a JSON object): the card, then its :class:`RawProgress`."""

    number: str  # ("" for --json, whose card JSON holds it)
    deck: str  # the deck's name on one line
    card_id: str
    line: str  # Card.one_line(): the question as written, then #tags ("" for --json)
    json: str  # Card.to_json(): the card's fields as a JSON object (--json only, else "")
    state: str
    due: float | None
    stability: float | None
    difficulty: float | None
    retrievability: float | None
    suspended: bool
    buried: bool
    leech: bool
    exercise_accuracy: ExerciseAccuracy | None

    @property
    def progress(self) -> RawProgress:
        return _raw(self[5:])


_row = partial(tuple.__new__, ListRow)  # a NamedTuple's own __new__ is a Python call
LINES, JSON = "lines", "json"  # what a row carries of its card: its line or its JSON text


@dataclass(frozen=True)
class DeckProgress:
    """What one deck's progress rows are made from, read from the store once: the
    studied cards' state rows, their marks, recall at ``now``, recent exercise results."""

    deck: Deck
    now: float
    states: dict[str, tuple[str, int, float, float | None, float | None, float | None]]
    flags: dict[str, Flags]
    recall: Callable[[float | None, float | None], float | None] | None
    recent: dict[str, list[bool]]

    def raw(self, card_id: str, demo: str | None) -> RawProgress:
        state = self.states.get(card_id)
        mark = self.flags.get(card_id) if self.flags else None
        accuracy = exercise_accuracy(self.recent.get(demo or "")) if self.recent else None
        if state is None:
            if mark is None and accuracy is None:
                return NEVER_STUDIED
            kind, due, stability, difficulty, recall = "new", None, None, None, None
        else:
            _, number, due, stability, difficulty, last_review = state
            kind = STATE_NAMES[number]
            recall = self.recall(stability, last_review) if self.recall else None
        if mark is None:  # tuple.__new__: a NamedTuple's own __new__ is a Python call
            return _raw((kind, due, stability, difficulty, recall, False, False, False, accuracy))
        return _raw((kind, due, stability, difficulty, recall, mark.suspended,
                     mark.buried(self.now), mark.leech, accuracy))

    def row(self, card: Card, form: str) -> ListRow:
        """``card``'s :class:`ListRow`; ``form``: :data:`LINES` or :data:`JSON`."""
        return _row((
            str(card.number) if form == LINES else "", " ".join(self.deck.name.split()), card.id,
            card.one_line() if form == LINES else "", card.to_json() if form == JSON else "",
            *self.raw(card.id, card.demo),
        ))

    def kept_rows(self, form: str, size: int = 1000) -> Iterator[list[ListRow]]:
        """:meth:`row` of every card, ``size`` at a time, made from the forms the deck cache
        keeps beside a deck (:func:`calcquiz.content.cache.derived_lines`) without making
        a Card: the 100,000-card ``list`` benchmark needs it. (A test holds the two equal.)"""
        from calcquiz.content.cache import derived_lines

        deck = self.deck
        ids = _card_ids(deck)
        numbers = derived_lines(deck, *KEPT_NUMBERS) if form == LINES else None
        texts = derived_lines(deck, *(KEPT_LINES if form == LINES else KEPT_JSON))
        demos = derived_lines(deck, *KEPT_DEMOS) if self.recent else None
        name = " ".join(deck.name.split())
        raw, get, recall, new = self.raw, self.states.get, self.recall, tuple.__new__
        for at in range(0, len(ids), size):
            part = slice(at, at + size)
            empty = repeat("")  # the form a row does not carry; demos, if not asked for
            lines, jsons = (texts[part], empty) if form == LINES else (empty, texts[part])
            topics = empty if demos is None else demos[part]
            numbered = empty if numbers is None else numbers[part]
            cards = zip(ids[part], numbered, lines, jsons, topics, strict=False)
            if self.flags or self.recent:
                yield [new(ListRow, (number, name, card_id, line, js,
                                     *raw(card_id, demo or None)))
                       for card_id, number, line, js, demo in cards]
                continue
            # A card's progress is its state row alone: no call per card but recall's.
            out = []
            for card_id, number, line, js, _ in cards:
                state = get(card_id)
                if state is None:
                    out.append(new(ListRow, (number, name, card_id, line, js, *NEVER_STUDIED)))
                    continue
                _, kind, due, stability, difficulty, last_review = state
                out.append(new(ListRow, (
                    number, name, card_id, line, js, STATE_NAMES[kind], due, stability,
                    difficulty, recall(stability, last_review) if recall else None,
                    False, False, False, None,
                )))
            yield out

    def progress(self, card: Card) -> CardProgress:
        return self.progress_of(card.id, card.demo)

    def progress_of(self, card_id: str, demo: str | None) -> CardProgress:
        return self.raw(card_id, demo).for_json()


def _number(card: Card) -> str:
    return str(card.number)


def _demo(card: Card) -> str:
    return card.demo or ""


def _one_line(card: Card) -> str:
    return card.one_line()


def _to_json(card: Card) -> str:
    return card.to_json()


# What a ``list`` row needs of each card besides its id, kept beside a cached deck as a
# line a card (see :func:`calcquiz.content.cache.derived_lines`): read with one split.
KEPT_NUMBERS = (".numbers", _number)
KEPT_DEMOS = (".demos", _demo)
KEPT_LINES = (".lines", _one_line)
KEPT_JSON = (".jsonl", _to_json)


def _card_ids(deck: Deck) -> list[str]:
    ids = getattr(deck.cards, "ids", None)  # a cached deck's id column, as it is
    return ids if isinstance(ids, list) else [c.id for c in deck.cards]


def deck_progress(
    store: Store | None,
    decks: Sequence[Deck],
    now: float | None = None,
    config: Config | None = None,
) -> Iterator[DeckProgress]:
    """Each deck's :class:`DeckProgress`, read as it is asked for. ``store=None``: all new."""
    now = time.time() if now is None else now
    recall = (
        sched.retrievability_at(sched.make_scheduler(config=config), now)
        if store is not None
        else None
    )
    recent = store.recent_drill_results(EXERCISE_WINDOW) if store is not None else {}
    for deck in decks:
        states = store.progress_rows(deck.name) if store is not None else {}
        flags = store.card_flags(deck.name) if store is not None else {}
        yield DeckProgress(deck, now, states, flags, recall, recent)


def iter_card_progress(
    store: Store | None,
    decks: Sequence[Deck],
    now: float | None = None,
    config: Config | None = None,
) -> Iterator[tuple[Card, CardProgress]]:
    """Each card with its progress, in deck order, made as it is asked for (``list``
    streams them). ``store=None``: all new."""
    for source in deck_progress(store, decks, now, config):
        progress = source.progress
        for card in source.deck.cards:
            yield card, progress(card)


@dataclass(frozen=True)
class DayDue:
    date: str  # the learner's day, YYYY-MM-DD
    due: int


@dataclass(frozen=True)
class DayReviews:
    date: str
    reviews: int


@dataclass(frozen=True)
class DrillAccuracy:
    correct: int
    attempted: int  # right or wrong; skips are not attempts
    skipped: int
    accuracy: float | None


@dataclass(frozen=True)
class RecallVsExercises:
    """A card's FSRS recall now beside its topic's recent exercise accuracy."""

    deck: str
    card: str
    topic: str
    retrievability: float | None
    exercise_accuracy: ExerciseAccuracy | None


@dataclass
class Stats:
    decks: list[str]
    cards: int
    reviews_today: int
    reviews_total: int
    true_retention: float | None  # share of review-state ratings that were not Again
    retention_reviews: int
    cards_by_state: dict[str, int]
    set_aside: dict[str, int]  # suspended, buried, leech (a card can be more than one)
    forecast: list[DayDue]
    heatmap: list[DayReviews]
    drill_accuracy: dict[str, DrillAccuracy] = field(default_factory=dict)
    exercise_window: int = EXERCISE_WINDOW
    recall_vs_exercises: list[RecallVsExercises] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """``stats --json``'s document."""
        return asdict(self)


def build_stats(
    store: Store,
    decks: Sequence[Deck],
    now: float | None = None,
    calendar: Calendar | None = None,
) -> Stats:
    now = time.time() if now is None else now
    calendar = calendar or Calendar()
    names = [d.name for d in decks]
    today = calendar.day_of(now)

    counts = _CardCounts(now, calendar)
    for deck in decks:
        counts.add(store, deck)

    passed, total = store.review_retention(names)
    first_day = today - timedelta(days=7 * HEATMAP_WEEKS - 1)
    per_day = store.review_counts(names, calendar.day_starts(first_day, 7 * HEATMAP_WEEKS))
    accuracy = store.drill_accuracy()
    return Stats(
        decks=names,
        cards=counts.cards,
        reviews_today=per_day[-1],
        reviews_total=store.review_count(names),
        true_retention=(passed / total) if total else None,
        retention_reviews=total,
        cards_by_state=counts.by_state,
        set_aside=counts.set_aside,
        forecast=[
            DayDue((today + timedelta(days=i)).isoformat(), n)
            for i, n in enumerate(counts.forecast)
        ],
        heatmap=[
            DayReviews((first_day + timedelta(days=i)).isoformat(), n)
            for i, n in enumerate(per_day)
        ],
        drill_accuracy={
            topic: DrillAccuracy(c, n, s, c / n if n else None)
            for topic, (c, n, s) in accuracy.items()
        },
        recall_vs_exercises=_recall_vs_exercises(store, decks, now),
    )


class _CardCounts:
    """The decks' cards counted for ``stats``: by state, set aside, and due on each day of
    the forecast (a suspended card is due on none; an overdue one today)."""

    def __init__(self, now: float, calendar: Calendar):
        self.now, self.calendar = now, calendar
        self.cards = 0
        self.by_state = {name: 0 for name in STATE_NAMES.values()}
        self.set_aside = {"suspended": 0, "buried": 0, "leech": 0}
        self.forecast = [0] * FORECAST_DAYS
        today = calendar.day_of(now)
        self.forecast_end = calendar.start(today + timedelta(days=FORECAST_DAYS))

    def add(self, store: Store, deck: Deck) -> None:
        ids = [c.id for c in deck.cards]
        self.cards += len(ids)
        counts = store.state_counts(deck.name, ids)
        self.by_state["new"] += len(ids) - sum(counts.values())
        for state, n in counts.items():
            self.by_state[STATE_NAMES[state]] += n
        present = set(ids)
        flags = store.card_flags(deck.name)
        for card_id, mark in flags.items():
            if card_id in present:
                self.set_aside["suspended"] += mark.suspended
                self.set_aside["buried"] += mark.buried(self.now)
                self.set_aside["leech"] += mark.leech
        for card_id, due in store.due_times(deck.name, self.forecast_end):
            if card_id in present and not flags.get(card_id, NO_FLAGS).suspended:
                self.forecast[max(0, self.calendar.day_index(due, self.now))] += 1


def _recall_vs_exercises(
    store: Store, decks: Sequence[Deck], now: float
) -> list[RecallVsExercises]:
    """Per card whose topic has been drilled (so a big deck without drills costs nothing)."""
    recent = store.recent_drill_results(EXERCISE_WINDOW)
    out: list[RecallVsExercises] = []
    scheduler = None
    for deck in decks:
        cards = [c for c in deck.cards if c.demo in recent]
        if not cards:
            continue
        scheduler = scheduler or sched.make_scheduler()
        states = store.card_states(deck.name)
        for card in cards:
            topic = card.demo or ""
            recall = sched.retrievability(scheduler, states.get(card.id), now)
            accuracy = exercise_accuracy(recent[topic])
            out.append(RecallVsExercises(deck.name, card.id, topic, recall, accuracy))
    return out


STATE_FILTERS = ("new", "learning", "review", "relearning", "suspended", "buried", "leech")


@dataclass(frozen=True)
class CardQuery:
    """What ``list`` narrows to; every given criterion must hold."""

    search: str | None = None  # in question, answer, note, id and tags, any case
    state: str | None = None  # one of STATE_FILTERS
    due: bool = False  # due today (the learner's day), not suspended or buried
    tags: tuple[str, ...] = ()  # any of these

    def matches(self, card: Card, p: RawProgress, due_before: float) -> bool:
        if self.tags and not set(self.tags) & set(card.tags):
            return False
        if self.state is not None and not _in_state(p, self.state):
            return False
        if self.due and (p.due is None or p.suspended or p.buried or p.due >= due_before):
            return False
        if self.search:
            needle = self.search.casefold()
            fields = (card.question, card.answer, card.note or "", card.id, *card.tags)
            return any(needle in text.casefold() for text in fields)
        return True


def _in_state(p: RawProgress, state: str) -> bool:
    if state in ("suspended", "buried", "leech"):
        return bool(getattr(p, state))
    return p.state == state


def list_rows(
    store: Store | None,
    decks: Sequence[Deck],
    query: CardQuery,
    form: str,
    now: float,
    calendar: Calendar,
    config: Config | None = None,
) -> Iterator[list[ListRow]]:
    """The rows ``list`` shows (``form``: :data:`LINES` or :data:`JSON`), in deck order, a
    chunk at a time, read as they are asked for: only the cards that match ``query``.
    Nothing to narrow: from the forms the cache keeps (:meth:`DeckProgress.kept_rows`)."""
    sources = deck_progress(store, decks, now, config)
    if query == CardQuery():
        for source in sources:
            yield from source.kept_rows(form)
        return
    end = calendar.today_end(now)
    for source in sources:
        rows = (
            source.row(card, form)
            for card in source.deck.cards
            if query.matches(card, source.raw(card.id, card.demo), end)
        )
        yield from _chunks(rows)


def card_rows(
    store: Store | None, decks: Sequence[Deck], form: str, now: float,
    config: Config | None = None,
) -> Iterator[ListRow]:
    """:meth:`DeckProgress.row` of every card, Card by Card: what :meth:`kept_rows` makes
    from kept forms (tests hold the two equal)."""
    for source in deck_progress(store, decks, now, config):
        for card in source.deck.cards:
            yield source.row(card, form)


def _chunks(items: Iterator[ListRow], size: int = 1000) -> Iterator[list[ListRow]]:
    from itertools import islice

    return iter(lambda: list(islice(items, size)), [])
