"""Finite differences, one-sided slopes and a differentiability test.

With step h and machine epsilon eps = 2.2e-16:

* forward:  f'(x) ~ (f(x + h) - f(x)) / h,           error ~ h |f''| / 2  + eps |f| / h
* central:  f'(x) ~ (f(x + h) - f(x - h)) / (2h),    error ~ h² |f'''| / 6 + eps |f| / h
* one-sided, second order (used for left and right slopes):
  right:  (-3 f(x) + 4 f(x + h) - f(x + 2h)) / (2h),  left: the mirror image;
  error ~ h² |f'''| / 3 + 4 eps |f| / h.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray
EPS = float(np.finfo(np.float64).eps)
# Relative step for slopes: about eps^(1/3), where the h² error meets the eps/h round-off.
SLOPE_STEP = 1e-5
# A kink: the one-sided slopes differ by more than this times their size (plus round-off),
# at two steps 8x apart, the gap not shrinking between them (a smooth gap shrinks 64x).
KINK_RTOL = 1e-4


def forward_difference(fun: Callable[[float], float], x: float, h: float) -> float:
    """(f(x + h) - f(x)) / h: error O(h)."""
    return (fun(x + h) - fun(x)) / h


def central_difference(fun: Callable[[float], float], x: float, h: float) -> float:
    """(f(x + h) - f(x - h)) / (2h): error O(h²)."""
    return (fun(x + h) - fun(x - h)) / (2 * h)


def partial_difference(fun: Callable[[Array], float], p: Array, i: int, h: float) -> float:
    """Central difference along coordinate ``i``, the other coordinates held fixed:
    (f(p + h e_i) - f(p - h e_i)) / (2h)."""
    e = np.zeros_like(p, dtype=np.float64)
    e[i] = h
    return (fun(p + e) - fun(p - e)) / (2 * h)


def directional_difference(fun: Callable[[Array], float], p: Array, u: Array, h: float) -> float:
    """Central difference along the direction u: (f(p + h u) - f(p - h u)) / (2h)."""
    return (fun(p + h * u) - fun(p - h * u)) / (2 * h)


def hessian_by_differences(jac: Callable[[Array], Array], p: Array, h: float = 1e-5) -> Array:
    """Central differences of the gradient: H[:, j] ~ (∇f(p + h e_j) − ∇f(p − h e_j)) / 2h."""
    n = len(p)
    out = np.zeros((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        out[:, j] = (np.asarray(jac(p + e)) - np.asarray(jac(p - e))) / (2 * h)
    return out


def one_sided_slopes(fun: Callable[[float], float], x: float, h: float) -> tuple[float, float]:
    """(left, right) slopes at x by the second-order one-sided formulas above, step h."""
    f0 = fun(x)
    right = (-3 * f0 + 4 * fun(x + h) - fun(x + 2 * h)) / (2 * h)
    left = (3 * f0 - 4 * fun(x - h) + fun(x - 2 * h)) / (2 * h)
    return float(left), float(right)


@dataclass(frozen=True)
class Differentiability:
    """The verdict of :func:`differentiability` with the slopes it rests on."""

    differentiable: bool
    left: float
    right: float
    h: float

    @property
    def slope(self) -> float:
        """The common slope (the mean of left and right) when differentiable, else nan."""
        return (self.left + self.right) / 2 if self.differentiable else math.nan


def differentiability(fun: Callable[[float], float], x: float, h: float | None = None) -> (
        Differentiability):
    """Is f differentiable at x? One-sided slopes at h = 1e-5 max(1, |x|) and h / 8.

    Not differentiable when a slope is not finite, or when the slopes differ at both steps
    by more than KINK_RTOL (1e-4) times max(|left|, |right|) plus the round-off bound
    100 eps max|f| / h, and the gap at h / 8 is at least half the gap at h (a smooth
    function's gap shrinks by 64, a kink's does not shrink at all).
    """
    h = SLOPE_STEP * max(1.0, abs(x)) if h is None else h
    gaps = []
    slopes = (math.nan, math.nan)
    with np.errstate(all="ignore"):
        for step in (h, h / 8):
            slopes = one_sided_slopes(fun, x, step)
            if not all(math.isfinite(s) for s in slopes):
                return Differentiability(False, *slopes, step)
            size = max(abs(fun(x + k * step)) for k in (-2, -1, 0, 1, 2))
            noise = 100 * EPS * size / step
            gap = abs(slopes[1] - slopes[0])
            gaps.append((gap, KINK_RTOL * max(abs(slopes[0]), abs(slopes[1])) + noise))
    (gap1, tol1), (gap2, tol2) = gaps
    kink = gap1 > tol1 and gap2 > tol2 and gap2 >= 0.5 * gap1
    return Differentiability(not kink, *slopes, h / 8)
