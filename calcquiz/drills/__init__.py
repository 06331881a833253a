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

import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from calcquiz.drills.exercise import Exercise, Value, Worked
from calcquiz.drills.grading import Grade, format_answer, grade
from calcquiz.errors import BadInputError

__all__ = [
    "GENERATORS",
    "TOPICS",
    "WHERE",
    "DrillPlan",
    "Exercise",
    "Grade",
    "Value",
    "Worked",
    "check_topic",
    "format_answer",
    "generator",
    "grade",
    "has_generator",
    "new_exercise",
    "weights_from_retrievability",
]

Generator = Callable[[random.Random], Exercise]

# In card order, keyed by the card's demo name (calcquiz.demos.DEMO_NAMES): the module that
# holds its generator, ``gen_<name>``. Only that module is imported when a drill starts.
WHERE: dict[str, str] = {
    "derivative": "calculus",
    "partial": "calculus",
    "gradient": "calculus",
    "chain-rule": "calculus",
    "convexity": "landscape",
    "gradient-descent": "descent",
    "minibatch": "descent",
    "learning-rate": "descent",
    "local-minima": "landscape",
    "saddle": "landscape",
    "momentum": "descent",
    "jacobian": "calculus",
    "hessian": "calculus",
    "newton": "descent",
    "constrained": "constraints",
    "lagrange": "constraints",
    "vanishing": "deep",
    "exploding": "deep",
    "activations": "deep",
    "weight-decay": "descent",
}
TOPICS = tuple(WHERE)


def generator(topic: str) -> Generator:
    """The generator for ``topic`` (imports its module on first use)."""
    module = importlib.import_module(f"calcquiz.drills.{WHERE[check_topic(topic)]}")
    fn: Generator = getattr(module, "gen_" + topic.replace("-", "_"))
    return fn


def __getattr__(name: str) -> Any:
    """``GENERATORS``, every topic's generator (all modules loaded), built on first use."""
    if name == "GENERATORS":
        return {t: generator(t) for t in TOPICS}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def has_generator(demo: str | None) -> bool:
    """Whether a card with this ``demo`` field can be reviewed by a fresh exercise."""
    return demo in WHERE


def new_exercise(topic: str, rng: random.Random | int | None = None) -> Exercise:
    """A fresh exercise on ``topic`` (a demo name), reproducible from a seed or a Random."""
    source = rng if isinstance(rng, random.Random) else random.Random(rng)
    return generator(topic)(source)


def check_topic(topic: str) -> str:
    if topic not in WHERE:
        from calcquiz.suggest import closest_name

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
            out.append(generator(topic)(rng))
        return out


def weights_from_retrievability(recall: dict[str, float | None]) -> dict[str, float]:
    """Favour weak cards: weight 1 - R (never studied counts as R = 0), at least 0.1."""
    return {topic: max(0.1, 1.0 - (r or 0.0)) for topic, r in recall.items()}
