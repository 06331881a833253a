"""Future workload from fsrs-rs's simulator, set up from the learner's own history.

The simulator (``fsrs_rs_python.simulate``) introduces ``deck_size`` cards at most
``new_per_day`` a day, answers each due card at random with the recall probability its
memory state gives (``R = (1 + f t / S)^(-w20)``), rates a passed review Hard/Good/Easy
with the learner's own proportions, and charges each answer the learner's median time
for that state and rating. It reviews at most ``review_limit`` cards a day; the rest wait
for the next day. Every card starts new: fsrs-rs-python's ``simulate`` takes no existing
cards, so the run shows the workload of these cards learnt afresh at these limits.

``remembered`` is the simulator's expected number of cards recalled on the last day (the
sum of every card's recall probability). The recommended retention is fsrs-rs's
``optimal_retention``: the desired retention with the least simulated time per card
remembered, searched between 0.70 and 0.95, shown clamped to 0.70-0.97.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from calcquiz.memory_model.history import Kind, ReviewEvent, by_card, kinds

if TYPE_CHECKING:
    import fsrs_rs_python

MIN_SAMPLES = 5  # fewer logged answers than this: keep fsrs-rs's default for that figure
RECOMMEND_RANGE = (0.70, 0.97)
NO_TIME_CAP = 86400.0  # seconds a day: calcquiz limits cards, not minutes
MAX_STEPS = 5  # fsrs-rs's simulator models at most this many (re)learning steps


@dataclass(frozen=True)
class Setup:
    deck_size: int
    new_per_day: int
    review_limit: int
    costs: tuple[tuple[float, ...], ...]  # seconds: [learning, review, relearning][rating-1]
    first_rating_prob: tuple[float, ...]  # Again, Hard, Good, Easy on a card's first answer
    review_rating_prob: tuple[float, ...]  # Hard, Good, Easy among passed reviews
    measured: int  # how many of the 12 costs come from the learner's own durations
    learning_steps: int = 2  # calcquiz's default steps: 1m 10m
    relearning_steps: int = 1  # and 10m after a lapse
    reviews: int = 0  # the history the figures rest on: answers logged ...
    cards_seen: int = 0  # ... on this many cards
    first_answers: int = 0  # rating odds of a first answer from this many (or defaults)
    passed_reviews: int = 0  # Hard/Good/Easy odds from this many (or defaults)


@dataclass(frozen=True)
class Row:
    retention: float
    reviews_per_day: float  # reviews of cards already learnt (first answers not counted)
    minutes_per_day: float  # every answer, first answers included
    remembered: float
    reviews_by_day: tuple[int, ...]


def setup(
    events: Sequence[ReviewEvent],
    deck_size: int,
    new_per_day: int,
    review_limit: int,
    steps: tuple[int, int] = (2, 1),
) -> Setup:
    """The simulator's costs and rating odds from the history (defaults where it is thin)."""
    import fsrs_rs_python as fr

    default = fr.default_simulator_config()
    times: dict[tuple[int, int], list[float]] = {}
    firsts = [0, 0, 0, 0]
    passed = [0, 0, 0]
    for reviews in by_card(events).values():
        firsts[reviews[0].rating - 1] += 1
        for event, kind in zip(reviews, kinds(reviews), strict=True):
            if kind == Kind.REVIEW and event.rating > 1:
                passed[event.rating - 2] += 1
            if event.duration_ms is not None:
                times.setdefault((int(kind), event.rating), []).append(event.duration_ms / 1000)
    costs = [list(row) for row in default.state_rating_costs]
    measured = 0
    for (state, rating), seconds in times.items():
        if len(seconds) >= MIN_SAMPLES:
            costs[state][rating - 1] = statistics.median(seconds)
            measured += 1
    return Setup(
        deck_size=deck_size,
        new_per_day=new_per_day,
        review_limit=review_limit,
        costs=tuple(tuple(row) for row in costs),
        first_rating_prob=_odds(firsts, default.first_rating_prob),
        review_rating_prob=_odds(passed, default.review_rating_prob),
        measured=measured,
        learning_steps=min(steps[0], MAX_STEPS),
        relearning_steps=min(steps[1], MAX_STEPS),
        reviews=len(events),
        cards_seen=sum(firsts),
        first_answers=sum(firsts),
        passed_reviews=sum(passed),
    )


SMALL_HISTORY = 64  # fewer reviews than this: little to go on (fsrs-rs fits 21 parameters)


def basis(s: Setup, fitted_parameters: bool) -> str:
    """What the recommendation rests on, said plainly: how many reviews of how many cards,
    which figures are the learner's and which fsrs-rs's defaults, and a warning when that
    is little (fewer than SMALL_HISTORY reviews) or the memory model is not fitted."""
    def source(count: int, what: str) -> str:
        if count >= MIN_SAMPLES:
            return f"{what}: from your {count} answers"
        return f"{what}: fsrs-rs's defaults (only {count} of your answers, {MIN_SAMPLES} needed)"

    parts = [
        source(s.first_answers, "first-answer ratings"),
        source(s.passed_reviews, "review ratings"),
        f"answer times: {s.measured} of 12 from your log",
        "memory model: " + ("your saved fitted parameters" if fitted_parameters
                               else "FSRS-6's default parameters, not a fit to you"),
    ]
    text = (f"This advice rests on {s.reviews} review{'' if s.reviews == 1 else 's'} of "
            f"{s.cards_seen} card{'' if s.cards_seen == 1 else 's'}: " + "; ".join(parts) + ".")
    if s.reviews < SMALL_HISTORY:
        text += (" That is little to go on: the recommendation is mostly fsrs-rs's defaults, "
                 "and it will change as your history grows.")
    elif not fitted_parameters:
        text += (" The memory model is not fitted to you: calcquiz optimize --save fits it, "
                 "and saves the fit only when it predicts your held-out reviews better.")
    return text


def _odds(counts: Sequence[int], default: Sequence[float]) -> tuple[float, ...]:
    total = sum(counts)
    if total < MIN_SAMPLES:
        return tuple(default)
    return tuple(c / total for c in counts)


def config(s: Setup, days: int) -> fsrs_rs_python.SimulatorConfig:
    import fsrs_rs_python as fr

    c = fr.default_simulator_config()
    c.deck_size = s.deck_size
    c.learn_span = days
    c.max_cost_perday = NO_TIME_CAP
    c.learn_limit = s.new_per_day
    c.review_limit = s.review_limit
    c.new_cards_ignore_review_limit = True  # calcquiz limits new cards separately
    c.state_rating_costs = [list(row) for row in s.costs]
    c.first_rating_prob = list(s.first_rating_prob)
    c.review_rating_prob = list(s.review_rating_prob)
    c.learning_step_count = s.learning_steps
    c.relearning_step_count = s.relearning_steps
    return c


def simulate(
    s: Setup, parameters: Sequence[float], days: int, retentions: Sequence[float], seed: int = 42
) -> list[Row]:
    import fsrs_rs_python as fr

    rows = []
    for retention in retentions:
        result = fr.simulate(list(parameters), retention, config(s, days), seed)
        reviews = tuple(int(n) for n in result.review_cnt_per_day)
        rows.append(
            Row(
                retention=retention,
                reviews_per_day=sum(reviews) / days,
                minutes_per_day=sum(result.cost_per_day) / days / 60,
                remembered=float(result.memorized_cnt_per_day[-1]),
                reviews_by_day=reviews,
            )
        )
    return rows


def recommended(s: Setup, parameters: Sequence[float], days: int) -> float | None:
    """fsrs-rs's optimal retention, clamped; None when its search finds no minimum."""
    import fsrs_rs_python as fr

    try:
        value = float(fr.optimal_retention(config(s, days), list(parameters)))
    except ValueError:  # fsrs-rs: OptimalNotFound
        return None
    low, high = RECOMMEND_RANGE
    return min(high, max(low, round(value, 2)))
