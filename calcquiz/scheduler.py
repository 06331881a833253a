"""FSRS scheduling through the maintained ``fsrs`` package (py-fsrs 6), and nothing else.

:func:`preview` reviews a card once per rating *before* the learner answers, so the
interval printed on each button is exactly the one applied when it is pressed — fuzz
included (fsrs draws the fuzz at review time, so reviewing again would draw anew).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from calcquiz.dates import DEFAULT_DAY_STARTS_AT, Calendar, format_interval, parse_steps, utc
from calcquiz.errors import BadInputError
from calcquiz.states import CardState, Rating, State

if TYPE_CHECKING:
    import fsrs

    from calcquiz.config import Config

RATINGS = {int(r): r.label for r in Rating}  # 1 Again, 2 Hard, 3 Good, 4 Easy
DEFAULT_RETENTION = 0.9
# FSRS counts the days between reviews as Anki does, by days that start at 4 a.m.
ANKI_ROLLOVER_HOUR = DEFAULT_DAY_STARTS_AT
_ANKI_DAYS = Calendar(ANKI_ROLLOVER_HOUR)


def check_retention(retention: float) -> None:
    if not 0.7 <= retention <= 0.99:
        raise BadInputError(f"Invalid retention: {retention} (choose between 0.70 and 0.99)")


def make_scheduler(
    retention: float | None = None, fuzz: bool = True, *, config: Config | None = None
) -> fsrs.Scheduler:
    """An FSRS scheduler with the config's retention, steps and parameters.

    ``config=None`` reads ``config.toml`` (defaults where it says nothing); ``retention``
    overrides the config's for this run (a command-line option)."""
    if config is None:
        from calcquiz.config import load_config

        config = load_config()
    retention = config.retention if retention is None else retention
    check_retention(retention)
    import fsrs
    from fsrs.scheduler import DEFAULT_PARAMETERS

    try:
        return fsrs.Scheduler(
            parameters=config.parameters or DEFAULT_PARAMETERS,
            desired_retention=retention,
            learning_steps=parse_steps(config.learning_steps),
            relearning_steps=parse_steps(config.relearning_steps),
            enable_fuzzing=fuzz,
        )
    except ValueError as exc:  # parameters outside FSRS's bounds
        raise BadInputError(f"Invalid FSRS parameters in the config: {exc}") from None


_utc = utc


def to_fsrs(state: CardState | None, now: float) -> fsrs.Card:
    import fsrs

    if state is None:  # a new card: fsrs starts it in Learning, step 0
        return fsrs.Card(card_id=1, due=_utc(now))
    return fsrs.Card(
        card_id=1,
        state=fsrs.State(state.state),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=_utc(state.due),
        last_review=_days_as_anki(state.last_review, now) if state.last_review else None,
    )


def on_a_known_step(scheduler: fsrs.Scheduler, card: fsrs.Card) -> fsrs.Card:
    """A (re)learning step past the scheduler's steps (they were shortened since the card
    was rated) is taken as the last step, as Anki does: Good graduates the card, Hard
    repeats the last step, Again starts the steps over. (fsrs alone would graduate it
    on Hard too.)"""
    import fsrs

    if card.step is None or card.state not in (fsrs.State.Learning, fsrs.State.Relearning):
        return card
    learning = card.state == fsrs.State.Learning
    steps = scheduler.learning_steps if learning else scheduler.relearning_steps
    if steps and card.step >= len(steps):
        card.step = len(steps) - 1
    return card


def _days_as_anki(last_review: float, now: float) -> datetime:
    """The last review as fsrs should see it so that it counts the days since as Anki
    does: local days from 4 am, not 24-hour periods (a review at 9:00 a day after one
    at 9:30 is 1 day later, not 0), so both compute the same memory state from one
    log. Same-day reviews keep their real time."""
    days = _ANKI_DAYS.day_index(now, last_review)
    if days <= 0:
        return _utc(last_review)
    return _utc(now) - timedelta(days=days)


def from_fsrs(
    card: fsrs.Card, deck: str, card_id: str, before: CardState | None, rating: int
) -> CardState:
    reps = (before.reps if before else 0) + 1
    # A lapse is forgetting a card that had graduated to review.
    lapses = (before.lapses if before else 0) + (
        rating == Rating.AGAIN and before is not None and before.state == State.REVIEW
    )
    return CardState(
        deck=deck,
        card_id=card_id,
        state=int(card.state.value),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due.timestamp(),
        last_review=card.last_review.timestamp() if card.last_review else None,
        reps=reps,
        lapses=lapses,
    )


@dataclass(frozen=True)
class RatingPreview:
    """What pressing one rating button does: the state it writes and the wait it sets."""

    rating: int
    state: CardState
    interval: float  # seconds until due


def preview(
    scheduler: fsrs.Scheduler,
    deck: str,
    card_id: str,
    state: CardState | None,
    now: float,
) -> dict[int, RatingPreview]:
    """The outcome of each rating (1-4), each reviewed once at ``now``."""
    import fsrs

    card = on_a_known_step(scheduler, to_fsrs(state, now))
    out: dict[int, RatingPreview] = {}
    for rating in RATINGS:
        reviewed, _ = scheduler.review_card(card, fsrs.Rating(rating), review_datetime=_utc(now))
        new_state = from_fsrs(reviewed, deck, card_id, state, rating)
        out[rating] = RatingPreview(rating, new_state, max(0.0, new_state.due - now))
    return out


def retrievability(scheduler: fsrs.Scheduler, state: CardState | None, now: float) -> float | None:
    """Probability of recall now (None for a card never studied)."""
    if state is None or state.stability is None:
        return None
    return float(scheduler.get_card_retrievability(to_fsrs(state, now), _utc(now)))


def retrievability_at(
    scheduler: fsrs.Scheduler, now: float
) -> Callable[[float | None, float | None], float | None]:
    """:func:`retrievability` for many cards at one moment, from a card's stability and
    last review, without building an fsrs Card for each: FSRS-6's forgetting curve
    ``R = (1 + factor * t / S) ** -w20`` with ``factor = 0.9 ** (-1 / w20) - 1``, and ``t``
    the days since the last review counted as :func:`to_fsrs` makes fsrs count them
    (Anki's days from 4 a.m.; within one such day, whole 24-hour periods)."""
    from bisect import bisect_right

    decay = -scheduler.parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    today = _ANKI_DAYS.day_of(now)
    # When each day began, from today back to the oldest review seen so far: a review
    # finds its day by bisection, not by a local-time conversion per card (100,000 cards
    # in ``list``). Extended backwards, a year at a time, as older reviews come.
    first = today
    starts = [_ANKI_DAYS.start(today)]

    def extend_back(last_review: float) -> None:
        nonlocal first, starts
        back = (first - _ANKI_DAYS.day_of(last_review)).days + 365
        first -= timedelta(days=back)
        starts = _ANKI_DAYS.day_starts(first, back - 1) + starts

    def recall(stability: float | None, last_review: float | None) -> float | None:
        if stability is None:
            return None
        if last_review is None:
            return 0.0
        if last_review < starts[0]:
            extend_back(last_review)
        days = len(starts) - bisect_right(starts, last_review)
        if days <= 0:
            days = max(0, int((now - last_review) // 86400))
        return float((1 + factor * days / stability) ** decay)

    return recall


def becomes_leech(lapses: int, threshold: int) -> bool:
    """Anki's rule, checked on each lapse: a card is a leech at ``threshold`` lapses, and
    again at every half threshold after (8, 12, 16, ... for 8)."""
    if threshold < 1 or lapses < threshold:
        return False
    return (lapses - threshold) % max(1, threshold // 2) == 0


def cram_state(
    state: CardState | None, deck: str, card_id: str, rating: int, now: float
) -> CardState:
    """A cram rating changes nothing: the logged 'after' state is the state as it was."""
    if state is not None:
        return state
    return CardState(deck, card_id, State.NEW, None, None, None, now, None, 0, 0)


def replay(
    scheduler: fsrs.Scheduler,
    deck: str,
    card_id: str,
    ratings: Iterable[tuple[int, float]],
) -> CardState | None:
    """The state a card reaches from new by the ``(rating, reviewed_at)`` reviews, in time
    order, each applied with :func:`preview`'s rules. None when there are no reviews.

    Stability, difficulty, state, step, reps and lapses follow from the log alone; ``due``
    does too when ``scheduler`` has fuzz off (a logged run with fuzz on drew its own).
    """
    states = replay_states(scheduler, deck, card_id, ratings)
    return states[-1] if states else None


def replay_states(
    scheduler: fsrs.Scheduler,
    deck: str,
    card_id: str,
    ratings: Iterable[tuple[int, float]],
) -> list[CardState]:
    """Like :func:`replay`, but the state after each review, in time order."""
    import fsrs

    states: list[CardState] = []
    state: CardState | None = None
    for rating, reviewed_at in sorted(ratings, key=lambda r: r[1]):
        card = on_a_known_step(scheduler, to_fsrs(state, reviewed_at))
        reviewed, _ = scheduler.review_card(
            card, fsrs.Rating(rating), review_datetime=_utc(reviewed_at)
        )
        state = from_fsrs(reviewed, deck, card_id, state, rating)
        states.append(state)
    return states


__all__ = [
    "RATINGS",
    "becomes_leech",
    "RatingPreview",
    "cram_state",
    "format_interval",
    "make_scheduler",
    "preview",
    "replay",
    "retrievability",
]
