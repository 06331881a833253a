"""An exercise: its prompt drawn at once, its answer and worked solution computed on demand.

A generator draws every parameter from its ``random.Random`` first and builds the prompt
from them without numpy or sympy, so the first exercise is on screen before either is
imported. The computation (sympy derivatives, numeric runs) is a closure, :attr:`Exercise.solve`,
run the first time the answer or the worked solution is needed, and then kept.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypedDict

# What an answer is: a number, a vector, a matrix, or one word among ``choices``.
Value = float | list[float] | list[list[float]] | str
# What an exercise was drawn from, by name (the keys differ by topic; ``drill --json`` shows
# them): a function's text, a point, a count, a flag, a matrix.
Parameters = dict[str, str | float | bool | Sequence[float] | Sequence[Sequence[float]]]

# kind -> what to type, shown under every prompt (it states the precision graded).
PRECISION = "exact (4/3, sqrt(2)/2) or to 3 significant figures"
FORMATS = {
    "number": f"a number, {PRECISION}",
    "vector": f"a vector such as [1, 2], each entry {PRECISION}",
    "matrix": f"a matrix such as [[1, 2], [3, 4]], each entry {PRECISION}",
    "count": "a whole number, exactly",
    "direction": "a vector [dx, dy]: any direction that works is right",
}


@dataclass(frozen=True)
class Worked:
    """The expected answer and the steps that reach it."""

    answer: Value
    steps: tuple[str, ...]


class ExerciseJson(TypedDict):
    """An exercise as ``drill --json`` prints it."""

    topic: str
    prompt: str
    answer_format: str
    answer: Value
    data: Parameters
    solution: list[str]


@dataclass(frozen=True, eq=False)
class Exercise:
    topic: str
    prompt: str
    data: Parameters  # the parameters it was built from (shown by --json)
    hint: str
    solve: Callable[[], Worked] = field(repr=False)
    kind: str = "number"  # number, vector, matrix, count, direction or choice
    choices: tuple[str, ...] = ()  # the words a "choice" answer is one of

    @cached_property
    def worked(self) -> Worked:
        return self.solve()

    @property
    def answer(self) -> Value:
        return self.worked.answer

    @property
    def solution(self) -> tuple[str, ...]:
        return self.worked.steps

    @property
    def answer_format(self) -> str:
        if self.kind == "choice":
            return "one of: " + ", ".join(self.choices)
        return FORMATS[self.kind]

    def to_dict(self) -> ExerciseJson:
        return {
            "topic": self.topic,
            "prompt": self.prompt,
            "answer_format": self.answer_format,
            "answer": self.answer,
            "data": self.data,
            "solution": list(self.solution),
        }


def known(answer: Value, *steps: str) -> Callable[[], Worked]:
    """A ``solve`` for an answer already in hand."""
    return lambda: Worked(answer, steps)


# ---------------------------------------------------------------- writing numbers and terms


def fmt(value: float) -> str:
    """Numbers as a person writes them: 3, -0.5, 0.25, 1.5e-05."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def par(value: float) -> str:
    """A number as a factor: ``(-2)`` in ``1 - (-2)/3``."""
    return f"({fmt(value)})" if value < 0 else fmt(value)


def vec(values: Sequence[float]) -> str:
    return "[" + ", ".join(fmt(v) for v in values) + "]"


def nonzero(rng: random.Random, low: int, high: int) -> int:
    return rng.choice([v for v in range(low, high + 1) if v != 0])


def term(coef: float, body: str, first: bool = False) -> str:
    """One term of a polynomial with its sign: " + 3*x^2", " - x", "2*x"."""
    sign = "-" if coef < 0 else "+"
    mag = abs(coef)
    text = body if mag == 1 and body else (f"{fmt(mag)}*{body}" if body else fmt(mag))
    if first:
        return ("-" if coef < 0 else "") + text
    return f" {sign} {text}"


def shifted(var: str, by: float) -> str:
    """``(x - 3)``, ``(x + 2)``, or plain ``x``."""
    if by == 0:
        return var
    return f"({var} {'-' if by > 0 else '+'} {fmt(abs(by))})"


# ---------------------------------------------------------------- the demos' routes (lazy)


def value_of(expr_text: str, **at: float) -> float:
    from calcquiz.expr import parse

    # check=True is the default, named so that mypy does not read ``at`` as a `check`
    return float(parse(expr_text).evaluate(check=True, **at))


def derivative(expr_text: str, var: str, **at: float) -> tuple[str, float]:
    """(the derivative as math to read, its value at ``at``), by the demos' sympy route.
    A variable the derivative has lost (x in d/dx of x + y) ignores its value."""
    from calcquiz.expr import parse

    d = parse(expr_text).diff(var)
    return d.pretty, float(d.evaluate(check=True, **at))  # for reading: 3x² + 2/x


def slope_solution(f: str, x0: float) -> Callable[[], Worked]:
    """The solution of "what is f'(x) at x0": f' as text, then its value at x0."""

    def solve() -> Worked:
        d_text, value = derivative(f, "x", x=x0)
        return Worked(value, (f"f'(x) = {d_text}", f"f'({fmt(x0)}) = {fmt(value)}"))

    return solve
