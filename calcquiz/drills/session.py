"""A drill as a state machine: the exercise shown, a typed line in, what happened out.

No terminal here (it mirrors :mod:`calcquiz.session`): :mod:`calcquiz.ui.drill_view`
draws what :meth:`DrillSession.handle` returns, and tests drive a session directly with a
fake clock. Every graded or skipped exercise is written to the log before ``handle``
returns, so nothing answered is lost if the process dies on the next screen.

Input, one line at a time: ``q`` (or end of input) quits, ``?`` shows the hint, ``s``
skips (logged as skipped, not as wrong), an empty line is ignored, anything else is an
answer. An answer that cannot be read, or has the wrong shape, gets a message and the
same exercise again, ungraded.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from calcquiz.drills.exercise import Exercise
from calcquiz.drills.grading import Grade, format_answer, grade


class Status(str, Enum):
    CORRECT = "correct"
    WRONG = "wrong"
    SKIPPED = "skipped"


class DrillLog(Protocol):
    """Where results go: :class:`calcquiz.store.Store` (``given=None`` marks a skip)."""

    def record_drill(
        self,
        topic: str,
        prompt: str,
        expected: str,
        given: str | None,
        correct: bool,
        duration_ms: int | None,
        answered_at: float | None = None,
    ) -> int: ...


@dataclass(frozen=True)
class Attempt:
    """One exercise's outcome. ``hinted``: the hint was shown first; ``log_id``: its row."""

    exercise: Exercise
    status: Status
    given: str | None
    duration_ms: int
    hinted: bool
    log_id: int | None


class Event(str, Enum):
    IGNORED = "ignored"  # an empty line
    HINT = "hint"
    RETRY = "retry"  # unreadable or misshapen: same exercise, no grade
    DONE = "done"  # graded or skipped: see Reply.attempt
    QUIT = "quit"


@dataclass(frozen=True)
class Reply:
    event: Event
    text: str = ""  # the hint, or why an answer could not be graded
    attempt: Attempt | None = None


@dataclass(frozen=True)
class DrillSummary:
    correct: int
    wrong: int
    skipped: int
    seconds: float

    @property
    def attempted(self) -> int:
        """Answers graded right or wrong; skips are not attempts."""
        return self.correct + self.wrong


@dataclass
class DrillSession:
    exercises: Sequence[Exercise]
    log: DrillLog | None = None
    clock: Callable[[], float] = time.time
    attempts: list[Attempt] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.started = self.clock()
        self.index = 0  # of the exercise shown (or about to be)
        self.shown_at = self.started
        self.hinted = False
        self.finished = not self.exercises

    @property
    def current(self) -> Exercise | None:
        return None if self.finished else self.exercises[self.index]

    @property
    def position(self) -> tuple[int, int]:
        """(1-based number of the current exercise, how many in all)."""
        return self.index + 1, len(self.exercises)

    def shown(self) -> None:
        """The current exercise is on screen now: its time starts here."""
        self.shown_at = self.clock()

    def handle(self, line: str | None) -> Reply:
        """One line of input (None: end of input). See the module docstring."""
        if self.finished:
            raise RuntimeError("the drill is over")
        typed = "q" if line is None else line.strip()
        if typed.lower() == "q":
            self.finished = True
            return Reply(Event.QUIT)
        if not typed:
            return Reply(Event.IGNORED)
        if typed == "?":
            return Reply(Event.HINT, self.hint())
        if typed.lower() == "s":
            return Reply(Event.DONE, attempt=self.skip())
        result = grade(self.exercises[self.index], typed)
        if result.message:
            return Reply(Event.RETRY, result.message)
        return Reply(Event.DONE, attempt=self._finish(typed, result))

    def hint(self) -> str:
        self.hinted = True
        return self.exercises[self.index].hint

    def skip(self) -> Attempt:
        return self._finish(None, None)

    def _finish(self, typed: str | None, result: Grade | None) -> Attempt:
        ex = self.exercises[self.index]
        now = self.clock()
        ms = int(max(0.0, now - self.shown_at) * 1000)
        correct = result is not None and result.correct
        log_id = None
        if self.log is not None:
            log_id = self.log.record_drill(
                ex.topic, ex.prompt, format_answer(ex.answer), typed, correct, ms, now
            )
        status = Status.SKIPPED if result is None else (Status.CORRECT if correct else Status.WRONG)
        attempt = Attempt(ex, status, typed, ms, self.hinted, log_id)
        self.attempts.append(attempt)
        self.index += 1
        self.hinted = False
        self.finished = self.index >= len(self.exercises)
        self.shown_at = now
        return attempt

    def summary(self) -> DrillSummary:
        counts = Counter(a.status for a in self.attempts)
        return DrillSummary(
            counts[Status.CORRECT],
            counts[Status.WRONG],
            counts[Status.SKIPPED],
            self.clock() - self.started,
        )
