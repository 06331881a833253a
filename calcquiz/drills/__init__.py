"""Auto-graded exercises, one generator per card demo. No terminal here.

* :mod:`.exercise`: what an exercise is (its prompt now, its answer on demand).
* :mod:`.calculus`, :mod:`.descent`, :mod:`.landscape`, :mod:`.constraints`, :mod:`.deep`:
  the generators, by group of topics. :mod:`.numerics`: their plain-Python numeric core.
* :mod:`.grading`: reading and comparing answers (3 significant figures; see there).
* :mod:`.session`: :class:`DrillSession`, the answer/hint/skip/quit loop, timing, saving.

For another session (``study --exercises``) the API is: :func:`has_generator` (does a
card's demo have one?), :func:`new_exercise` (a fresh exercise for it), :func:`grade`,
and a one-exercise :class:`DrillSession` to time, grade and log it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from calcquiz.drills.calculus import (
    gen_chain_rule,
    gen_derivative,
    gen_gradient,
    gen_hessian,
    gen_jacobian,
    gen_partial,
)
from calcquiz.drills.constraints import gen_constrained, gen_lagrange
from calcquiz.drills.deep import gen_activations, gen_exploding, gen_vanishing
from calcquiz.drills.descent import (
    gen_gradient_descent,
    gen_learning_rate,
    gen_minibatch,
    gen_momentum,
    gen_newton,
    gen_weight_decay,
)
from calcquiz.drills.exercise import Exercise, Value, Worked
from calcquiz.drills.grading import Grade, format_answer, grade
from calcquiz.drills.landscape import gen_convexity, gen_local_minima, gen_saddle
from calcquiz.errors import BadInputError

__all__ = [
    "GENERATORS",
    "TOPICS",
    "DrillPlan",
    "Exercise",
    "Grade",
    "Value",
    "Worked",
    "check_topic",
    "format_answer",
    "grade",
    "has_generator",
    "new_exercise",
    "weights_from_retrievability",
]

# In card order, keyed by the card's demo name (calcquiz.demos.DEMO_NAMES).
GENERATORS: dict[str, Callable[[random.Random], Exercise]] = {
    "derivative": gen_derivative,
    "partial": gen_partial,
    "gradient": gen_gradient,
    "chain-rule": gen_chain_rule,
    "convexity": gen_convexity,
    "gradient-descent": gen_gradient_descent,
    "minibatch": gen_minibatch,
    "learning-rate": gen_learning_rate,
    "local-minima": gen_local_minima,
    "saddle": gen_saddle,
    "momentum": gen_momentum,
    "jacobian": gen_jacobian,
    "hessian": gen_hessian,
    "newton": gen_newton,
    "constrained": gen_constrained,
    "lagrange": gen_lagrange,
    "vanishing": gen_vanishing,
    "exploding": gen_exploding,
    "activations": gen_activations,
    "weight-decay": gen_weight_decay,
}
TOPICS = tuple(GENERATORS)


def has_generator(demo: str | None) -> bool:
    """Whether a card with this ``demo`` field can be reviewed by a fresh exercise."""
    return demo in GENERATORS


def new_exercise(topic: str, rng: random.Random | int | None = None) -> Exercise:
    """A fresh exercise on ``topic`` (a demo name), reproducible from a seed or a Random."""
    source = rng if isinstance(rng, random.Random) else random.Random(rng)
    return GENERATORS[check_topic(topic)](source)


def check_topic(topic: str) -> str:
    if topic not in GENERATORS:
        from calcquiz.content import closest_name

        hint = closest_name(topic, TOPICS)
        suffix = f" (did you mean {hint!r}?)" if hint else f" (topics: {', '.join(TOPICS)})"
        raise BadInputError(f"unknown drill topic {topic!r}{suffix}")
    return topic


@dataclass
class DrillPlan:
    """Which exercises to give, reproducible from the seed."""

    count: int = 5
    topic: str | None = None
    seed: int | None = None
    weights: dict[str, float] = field(default_factory=dict)  # topic -> weight when mixed

    def exercises(self) -> list[Exercise]:
        if not 1 <= self.count <= 1000:
            raise BadInputError(f"Invalid --count: {self.count} (choose 1 to 1000)")
        rng = random.Random(self.seed)
        out = []
        for _ in range(self.count):
            if self.topic is not None:
                topic = check_topic(self.topic)
            else:
                weights = [self.weights.get(t, 1.0) for t in TOPICS]
                topic = rng.choices(TOPICS, weights=weights)[0]
            out.append(GENERATORS[topic](rng))
        return out


def weights_from_retrievability(recall: dict[str, float | None]) -> dict[str, float]:
    """Favour weak cards: weight 1 - R (never studied counts as R = 0), at least 0.1."""
    return {topic: max(0.1, 1.0 - (r or 0.0)) for topic, r in recall.items()}
