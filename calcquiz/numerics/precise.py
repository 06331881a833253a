"""The Newton distance |H⁻¹ ∇f(p)| recomputed at 60 significant digits, to tell a true zero
gradient from one that float64 made: 1 − tanh(22)² rounds to 0 and exp(−1000) underflows,
yet neither is a stationary point (their Newton distances are 0.5 and 1).

The derivatives are sympy expressions (built node by node from a parsed, whitelisted
expression, never from text); they are evaluated by ``evalf`` at the point's exact binary
value and solved with mpmath, whose exponent range does not underflow. sympy and mpmath
are imported only here, when a user's function is checked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

DIGITS = 60


class PreciseDistance:
    """Callable: p ↦ |H⁻¹ ∇f(p)| at DIGITS digits, as a float (inf if H is singular, the
    distance overflows float64, or a value is undefined; 0 if ∇f(p) = 0 exactly). The
    last results are kept by point: a stalled run asks again at the same point."""

    def __init__(self, symbols: Sequence[Any], gradient: Sequence[Any],
                 hessian: Sequence[Sequence[Any]]) -> None:
        self.symbols = list(symbols)
        self.gradient = list(gradient)
        self.hessian = [list(row) for row in hessian]
        self._seen: dict[tuple[float, ...], float] = {}

    def __call__(self, p: Any) -> float:
        key = tuple(float(v) for v in p)
        if key not in self._seen:
            if len(self._seen) >= 64:
                self._seen.pop(next(iter(self._seen)))
            self._seen[key] = self._distance(key)
        return self._seen[key]

    def _distance(self, p: tuple[float, ...]) -> float:
        import mpmath  # type: ignore[import-untyped]  # sympy's own dependency
        import sympy

        if not all(math.isfinite(v) for v in p):
            return math.inf
        at = {s: sympy.Rational(v) for s, v in zip(self.symbols, p, strict=True)}

        def value(e: Any) -> Any:
            v = sympy.sympify(e).evalf(DIGITS, subs=at)
            if v == 0:
                return mpmath.mpf(0)
            if not (v.is_real and v.is_Number) or not v.is_finite:
                raise ValueError("undefined")
            return mpmath.mpf(v._mpf_) if v.is_Float else mpmath.mpf(sympy.Float(v, DIGITS)._mpf_)

        with mpmath.workdps(DIGITS):
            try:
                g = [value(e) for e in self.gradient]
                if not any(g):
                    return 0.0
                H = mpmath.matrix([[value(e) for e in row] for row in self.hessian])
                d = mpmath.lu_solve(H, mpmath.matrix(g))
            except (ValueError, ZeroDivisionError, TypeError):
                return math.inf
            size = mpmath.norm(d)
        try:
            return float(size)
        except OverflowError:
            return math.inf


def confirms(distance: float, p: Any, scale: float) -> bool:
    """The convergence tolerance of :mod:`calcquiz.numerics.convergence` applied to a
    precise distance: at most XTOL · scale or 16 ulp of |p|."""
    from calcquiz.numerics.convergence import EPS, XTOL, norm2

    return distance <= max(XTOL * scale, 16 * EPS * norm2(p))
