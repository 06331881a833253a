"""Exercise reviews (``study --exercises``): a card reviewed by solving a fresh exercise.

The exercise side of a :class:`calcquiz.session.StudySession`, no terminal here. A card
whose demo has a generator (:func:`calcquiz.drills.has_generator`) gets a new exercise
each time it is shown, held in a one-exercise :class:`~calcquiz.drills.session.DrillSession`
(which times and grades it; it writes nothing itself). The outcome proposes a rating
(:func:`propose_rating`); the session commits the rating and the exercise together, the
exercise as a ``drill_log`` row linked to the ``review_log`` row (kind ``exercise``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from calcquiz.store import DrillEntry

if TYPE_CHECKING:
    from calcquiz.content import Card
    from calcquiz.drills.session import Attempt, DrillSession, Reply

AGAIN, HARD, GOOD = 1, 2, 3


def propose_rating(attempt: Attempt) -> int:
    """Wrong (or given up) → Again; right after the hint → Hard; right → Good."""
    if attempt.status.value != "correct":
        return AGAIN
    return HARD if attempt.hinted else GOOD


@dataclass(frozen=True)
class ExerciseOutcome:
    """How the learner did on the shown card's exercise, and the rating that suggests."""

    attempt: Attempt
    answered_at: float
    proposed: int

    @property
    def correct(self) -> bool:
        return self.attempt.status.value == "correct"

    @property
    def gave_up(self) -> bool:
        return self.attempt.given is None

    def entry(self) -> DrillEntry:
        """Its ``drill_log`` row, written in the rating's transaction."""
        from calcquiz.drills import format_answer

        ex = self.attempt.exercise
        return DrillEntry(
            topic=ex.topic,
            prompt=ex.prompt,
            expected=format_answer(ex.answer),
            given=self.attempt.given,
            correct=self.correct,
            duration_ms=self.attempt.duration_ms,
            answered_at=self.answered_at,
        )


class ExerciseReviews:
    """Which cards get an exercise, the shown card's exercise, and how it went."""

    def __init__(self, enabled: bool, clock: Callable[[], float], seed: int | None = None):
        self.enabled = enabled
        self.clock = clock
        self.rng = random.Random(seed)  # with --seed, the same exercises again
        self.drill: DrillSession | None = None  # the shown card's exercise, if it has one
        self.outcome: ExerciseOutcome | None = None  # ... once answered

    def applies_to(self, card: Card) -> bool:
        """Whether ``card`` is reviewed by an exercise (else as usual, by recall)."""
        if not self.enabled:
            return False  # a recall session never imports the drills
        from calcquiz.drills import has_generator

        return has_generator(card.demo)

    def start(self, card: Card) -> None:
        """``card`` is shown: a fresh exercise if it has a generator (after an undo too)."""
        self.drill, self.outcome = None, None
        if self.applies_to(card):
            from calcquiz.drills import new_exercise
            from calcquiz.drills.session import DrillSession

            self.drill = DrillSession([new_exercise(card.demo or "", self.rng)], clock=self.clock)

    @property
    def waiting(self) -> bool:
        """An exercise is shown and not answered yet."""
        return self.drill is not None and self.outcome is None

    def answer(self, line: str | None) -> Reply:
        """One typed line, read as :meth:`DrillSession.handle` reads it (``?`` hint, ``s``
        give up, ``q`` or None quit, else an answer). A graded answer or a give-up sets
        :attr:`outcome` with its proposed rating."""
        if self.drill is None or self.outcome is not None:
            raise RuntimeError("no exercise is waiting for an answer")
        reply = self.drill.handle(line)
        if reply.attempt is not None:
            self.outcome = ExerciseOutcome(
                reply.attempt, self.clock(), propose_rating(reply.attempt)
            )
        return reply

    def proposed(self) -> int:
        if self.outcome is None:
            raise RuntimeError("no exercise has been answered")
        return self.outcome.proposed

    def for_rating(self) -> ExerciseOutcome | None:
        """The outcome a rating of the shown card is given for (None: a recall review).
        An exercise card is rated only once its exercise is answered."""
        if self.waiting:
            raise RuntimeError("answer the exercise before rating the card")
        return self.outcome  # kept until the next card shows: the view explains it


def exercise_counts(outcomes: Iterable[ExerciseOutcome | None]) -> tuple[int, int]:
    """(answered right, exercise reviews) among ratings' outcomes (None: recall)."""
    done = [o for o in outcomes if o is not None]
    return sum(o.correct for o in done), len(done)
