"""Reading a typed answer and comparing it with the expected one. No terminal here.

The rule, stated under every prompt:

* A number is right when it is within half a unit of the third significant figure of the
  exact answer: ``|given - expected| <= 0.5 * 10**(floor(log10|expected|) - 2)``. So the
  exact answer rounded to 3 significant figures is always right (-0.173 for -0.172795,
  1.10 or 1.1 for 1.10364), as is anything more precise, and exact forms (``4/3``,
  ``sqrt(2)/2``, ``ln(2)``) are numbers like any other. An expected 0 (or below 1e-9 in
  size, round-off) takes an absolute 1e-9.
* Vectors and matrices: the same shape, and each entry by the rule above.
* ``count``: the whole number exactly. ``choice``: one of the listed words, or a prefix
  of exactly one of them (``sad`` for saddle, ``y`` for yes).
* ``direction``: any vector ``v`` with ``v·Hv < 0`` for the exercise's Hessian ``H``
  (every direction of negative curvature is right, at any length).

Answers are read by :func:`calcquiz.expr.parse_answer` (a whitelist, never ``eval``).
An unreadable or misshapen answer gets a message and no grade: the learner types again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from calcquiz.drills.exercise import Exercise, Value, fmt
from calcquiz.errors import ExpressionError

SIG_FIGS = 3
ABS_FLOOR = 1e-9


@dataclass(frozen=True)
class Grade:
    correct: bool
    message: str = ""  # set when the answer could not be graded (then correct is False)
    given: Any = None


def tolerance(expected: float) -> float:
    """Half a unit of the third significant figure of ``expected`` (at least 1e-9)."""
    if abs(expected) < ABS_FLOOR:
        return ABS_FLOOR
    unit = 10.0 ** (math.floor(math.log10(abs(expected))) - (SIG_FIGS - 1))
    return max(unit / 2 * (1 + 1e-9), ABS_FLOOR)  # 1e-9: a typed boundary value is in


def close_enough(given: float, expected: float) -> bool:
    return math.isfinite(given) and abs(given - expected) <= tolerance(expected)


def round_sig(value: float, figures: int = SIG_FIGS) -> str:
    """``value`` rounded to ``figures`` significant figures, as text: -0.173, 1.10, 1560."""
    if value == 0 or not math.isfinite(value):
        return fmt(value)
    digits = figures - 1 - math.floor(math.log10(abs(value)))
    rounded = round(value, digits)
    if rounded and math.floor(math.log10(abs(rounded))) > math.floor(math.log10(abs(value))):
        digits -= 1  # 0.9996 rounds up to 1.00, not 1.000
    return f"{rounded:.{max(digits, 0)}f}"


def grade(exercise: Exercise, typed: str) -> Grade:
    """Compare a typed answer with the expected one (see the module docstring)."""
    text = typed.strip()
    if exercise.kind == "choice":
        return _grade_choice(exercise, text)
    from calcquiz.expr import parse_answer

    try:
        given = parse_answer(text)
    except ExpressionError as exc:
        return Grade(False, f"could not read that answer: {exc}", text)
    if exercise.kind == "direction":
        return _grade_direction(exercise, given)
    expected = exercise.answer
    if _shape(given) != _shape(expected):
        return Grade(False, f"expected {exercise.answer_format}", given)
    if exercise.kind == "count":
        return Grade(float(given) == float(expected), "", given)  # type: ignore[arg-type]
    return Grade(_close(given, expected), "", given)


def _grade_choice(exercise: Exercise, text: str) -> Grade:
    word = text.lower().rstrip(".")
    matches = [c for c in exercise.choices if c == word] or [
        c for c in exercise.choices if word and c.startswith(word)
    ]
    if len(matches) != 1:
        return Grade(False, f"answer with one of: {', '.join(exercise.choices)}", text)
    return Grade(matches[0] == exercise.answer, "", matches[0])


def _grade_direction(exercise: Exercise, given: Any) -> Grade:
    hessian = _hessian(exercise)
    if _shape(given) != (len(hessian),):
        return Grade(False, f"expected {exercise.answer_format}", given)
    v = [float(x) for x in given]
    if not all(math.isfinite(x) for x in v) or not any(v):
        return Grade(False, "a direction needs a nonzero vector", given)
    curvature = sum(v[i] * hessian[i][j] * v[j] for i in range(len(v)) for j in range(len(v)))
    return Grade(curvature < 0, "", given)


def _hessian(exercise: Exercise) -> list[list[float]]:
    """The Hessian a direction exercise was drawn with: its parameter "hessian", rows of
    numbers (a generator that gave anything else is a bug: TypeError)."""
    rows = exercise.data["hessian"]
    if not isinstance(rows, Sequence) or isinstance(rows, str):
        raise TypeError(f"{exercise.topic}: its 'hessian' is not a matrix")
    matrix = []
    for row in rows:
        if not isinstance(row, Sequence):
            raise TypeError(f"{exercise.topic}: its 'hessian' is not a matrix")
        matrix.append([float(x) for x in row])
    return matrix


def _shape(value: Any) -> tuple[int, ...]:
    if isinstance(value, list):
        inner = {_shape(v) for v in value}
        return (len(value), *(inner.pop() if len(inner) == 1 else (-1,)))
    return ()


def _close(given: Any, expected: Any) -> bool:
    if isinstance(expected, list):
        return all(_close(g, e) for g, e in zip(given, expected, strict=True))
    return close_enough(float(given), float(expected))


def format_answer(value: Value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(format_answer(v) for v in value) + "]"
    return fmt(float(value))


def answer_text(exercise: Exercise) -> str:
    """The expected answer as shown after an attempt, with its 3-figure form if that differs."""
    text = format_answer(exercise.answer)
    if exercise.kind == "direction":
        return f"for example {text}"
    if exercise.kind == "number" and isinstance(exercise.answer, float | int):
        short = round_sig(float(exercise.answer))
        if float(short) != float(exercise.answer):
            return f"{text} (to 3 significant figures: {short})"
    return text
