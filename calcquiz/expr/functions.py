"""The one table of functions the expression language knows, each with all its forms.

Adding a function means adding one :class:`Function` row: its numpy form (arrays), its
math-module form (fast scalar loops), how sympy writes it, and the sympy class that maps
back to it when a derivative is read. ``typed=False`` rows (``sign``, ``dirac``) never come
from what a user types: sympy produces them when differentiating ``abs``. How each prints
for people (``√``, ``|x|``, ``ln``) is in :mod:`calcquiz.pretty_expr`, which reads text and
so imports no numpy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Function:
    name: str
    numpy: Callable[[Any], Any]
    math: Callable[[float], float]
    sympy: Callable[[Any, Any], Any]  # (sympy module, argument) -> sympy expression
    sympy_class: str | None  # sympy class read back as this function; None: no such class
    aliases: tuple[str, ...] = ()
    typed: bool = True


def _sigmoid(t: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-t))


def _dirac(t: Any) -> Any:
    """The derivative of sign(t): 0 where t != 0, undefined (nan) at t = 0."""
    return np.where(t == 0, np.nan, 0.0)[()]


def _sign(t: float) -> float:
    return math.copysign(1.0, t) if t else 0.0


TABLE: tuple[Function, ...] = (
    Function("sin", np.sin, math.sin, lambda sp, t: sp.sin(t), "sin"),
    Function("cos", np.cos, math.cos, lambda sp, t: sp.cos(t), "cos"),
    Function("tan", np.tan, math.tan, lambda sp, t: sp.tan(t), "tan"),
    Function("exp", np.exp, math.exp, lambda sp, t: sp.exp(t), "exp"),
    Function("log", np.log, math.log, lambda sp, t: sp.log(t), "log", aliases=("ln",)),
    Function("sqrt", np.sqrt, math.sqrt, lambda sp, t: sp.sqrt(t), None),
    Function("tanh", np.tanh, math.tanh, lambda sp, t: sp.tanh(t), "tanh"),
    Function("abs", np.abs, abs, lambda sp, t: sp.Abs(t), "Abs"),
    Function("sigmoid", _sigmoid, lambda t: 1.0 / (1.0 + math.exp(-t)),
             lambda sp, t: 1 / (1 + sp.exp(-t)), None),
    Function("sign", np.sign, _sign, lambda sp, t: sp.sign(t), "sign", typed=False),
    Function("dirac", _dirac, lambda t: 0.0 if t else math.nan,
             lambda sp, t: sp.DiracDelta(t), "DiracDelta", typed=False),
)
BY_NAME: dict[str, Function] = {f.name: f for f in TABLE}
# What a user may type -> canonical name (``ln`` is the natural log, like ``log``).
FUNCTIONS: dict[str, str] = {
    alias: f.name for f in TABLE if f.typed for alias in (f.name, *f.aliases)
}
