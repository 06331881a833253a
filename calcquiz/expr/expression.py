"""A parsed expression: its tree, its text, and what can be done with it."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from calcquiz.errors import ExpressionError
from calcquiz.expr import symbolic
from calcquiz.expr.evaluate import compile_float, compile_numpy
from calcquiz.expr.tree import Node, used_variables
from calcquiz.expr.unparse import to_text
from calcquiz.pretty_expr import pretty_text


class Expr:
    """A parsed, whitelisted expression. Build one with :func:`calcquiz.expr.parse`.

    ``variables`` are the variables it uses, in canonical order (x, y, z);
    ``allowed`` are the ones it may use (what :meth:`diff` accepts).
    """

    __slots__ = ("text", "node", "allowed", "variables", "_fn", "_diffs", "_budget")

    def __init__(
        self,
        node: Node,
        text: str,
        allowed: Sequence[str],
        budget: symbolic.Budget | None = None,
    ) -> None:
        self.node = node
        self.text = text
        self.allowed = tuple(allowed)
        used = used_variables(node)
        self.variables = tuple(v for v in self.allowed if v in used)
        self._fn = compile_numpy(node)
        self._diffs: dict[str, Expr] = {}
        self._budget = budget if budget is not None else symbolic.Budget()

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"

    @property
    def pretty(self) -> str:
        """The expression in Unicode for people (``3x² − 2x``); not parseable."""
        return pretty_text(to_text(self.node))

    def evaluate(self, *, check: bool = True, **values: Any) -> Any:
        """The value at ``values`` (floats or numpy arrays), computed in float64.

        With ``check`` (the default) a point where the expression is undefined or not
        finite raises ExpressionError; ``check=False`` returns inf or nan there instead.
        """
        env: dict[str, np.float64 | np.ndarray] = {}  # a number, or an array of them
        for name in self.variables:
            if name not in values:
                raise ExpressionError(f"no value given for {name} in {self.text}")
            env[name] = np.asarray(values[name], dtype=np.float64)[()]
        if not check:
            with np.errstate(all="ignore"):
                return self._fn(env)
        where = ", ".join(f"{n}={_short(env[n])}" for n in self.variables)
        at = f" at {where}" if where else ""
        try:
            with np.errstate(divide="raise", invalid="raise", over="ignore", under="ignore"):
                value = self._fn(env)
        except FloatingPointError as exc:
            raise ExpressionError(f"{self.text} is undefined{at} ({exc})") from None
        if not np.all(np.isfinite(value)):
            raise ExpressionError(f"{self.text} is not finite{at} (it gives {_short(value)})")
        return value

    def scalar_function(self, names: Sequence[str]) -> Callable[..., float]:
        """A fast float function of the variables ``names``, taken positionally, for long
        loops. It gives what ``evaluate(check=False)`` gives: inf or nan where undefined."""
        index = {n: i for i, n in enumerate(names)}
        missing = [v for v in self.variables if v not in index]
        if missing:
            raise ExpressionError(f"no value given for {missing[0]} in {self.text}")
        fast = compile_float(self.node, index)

        def call(*args: float) -> float:
            try:
                return float(fast(args))
            except (ValueError, ZeroDivisionError, OverflowError):
                values = dict(zip(names, args, strict=True))
                return float(self.evaluate(check=False, **values))

        return call

    def to_sympy(self) -> Any:
        """The same expression as a sympy object, built node by node (never from text).
        Raises ExpressionError ("too complex") past the symbolic budget."""
        symbolic.check_budget(self.node, self._budget, derivative=False)
        started = time.perf_counter()
        try:
            return symbolic.to_sympy(self.node)
        finally:
            self._budget.charge(started)

    def diff(self, variable: str) -> Expr:
        """The exact partial derivative with respect to ``variable``, by sympy. Raises
        ExpressionError ("too complex") past the symbolic budget (see
        :mod:`calcquiz.expr.symbolic`)."""
        if variable not in self.allowed:
            raise ExpressionError(f"cannot differentiate with respect to {variable!r}")
        if variable not in self._diffs:
            import sympy

            symbolic.check_budget(self.node, self._budget, derivative=True)
            started = time.perf_counter()
            try:
                derivative = sympy.diff(symbolic.to_sympy(self.node), symbolic.symbol(variable))
                node = symbolic.from_sympy_node(derivative, self.allowed)
            finally:
                self._budget.charge(started)
            self._diffs[variable] = Expr(node, to_text(node), self.allowed, self._budget)
        return self._diffs[variable]


def from_sympy(expression: Any, variables: Sequence[str] = ("x", "y", "z")) -> Expr:
    """An :class:`Expr` from a sympy expression made of the whitelisted operations.

    sympy may add ``sign`` (from ``abs``) and ``DiracDelta``, which are evaluated as
    numpy's sign and as 0 away from 0 (undefined at 0).
    """
    node = symbolic.from_sympy_node(expression, tuple(variables))
    return Expr(node, to_text(node), variables)


def _short(value: Any) -> str:
    if np.ndim(value) == 0:
        return f"{float(value):.6g}"
    return "[array]"
