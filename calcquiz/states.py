"""The scheduler's vocabulary, shared by the store and the scheduler: card states, ratings,
and a studied card's saved state. (The store imports these; the scheduler does not import
the store.)"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import IntEnum

# The most (re)learning steps a config may set. A card's step is an index into them, so a
# stored step of 0..MAX_STEPS is what the store's row check accepts (store/rows.py).
MAX_STEPS = 100


class State(IntEnum):
    """0 = new (a card without a saved state), then fsrs.State's values."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Rating(IntEnum):
    """The four buttons, fsrs.Rating's values."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


@dataclass(frozen=True)
class CardState:
    """A studied card's scheduling state (times are epoch seconds, UTC)."""

    deck: str
    card_id: str
    state: int  # a State value
    step: int | None
    stability: float | None
    difficulty: float | None
    due: float
    last_review: float | None
    reps: int = 0
    lapses: int = 0

    def to_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CardState:
        return cls(**json.loads(text))
