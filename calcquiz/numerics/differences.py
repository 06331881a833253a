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

from calcquiz.numerics.vector import Array

EPS = float(np.finfo(np.float64).eps)
# Relative step for slopes: about eps^(1/3), where the h² error meets the eps/h round-off.
SLOPE_STEP = 1e-5
# A kink: the one-sided slopes differ by more than this times their size (plus round-off),
# at two steps 8x apart, the gap not shrinking between them (a smooth gap shrinks 64x).
KINK_RTOL = 1e-4
# An unbounded one-sided slope: |slope| grows by more than this at each 8x smaller step
# (|x|^a grows by 8^(1 - a): 2 for a = 2/3, 1.23 for a = 0.9; a smooth slope by O(h²)).
UNBOUNDED_RATIO = 1.1


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
    """Is f differentiable at x? One-sided slopes at h = 1e-5 max(1, |x|), h / 8 and h / 64.

    * A side whose slope grows in size by more than UNBOUNDED_RATIO at each of the two
      refinements (as |x|^a with a < 1 does: by 8^(1 − a)), beyond the round-off bound, has
      an unbounded slope: it is reported as ±inf, and f is not differentiable there (a
      smooth slope changes by O(h²) only).
    * Otherwise not differentiable when a slope is not finite, or when the slopes differ at
      both h and h / 8 by more than KINK_RTOL (1e-4) times max(|left|, |right|) plus the
      round-off bound 100 eps max|f| / h, and the gap at h / 8 is at least half the gap at
      h (a smooth function's gap shrinks by 64, a kink's does not shrink at all).
    """
    h = SLOPE_STEP * max(1.0, abs(x)) if h is None else h
    steps = (h, h / 8, h / 64)
    slopes: list[tuple[float, float]] = []
    noises: list[float] = []
    with np.errstate(all="ignore"):
        for step in steps:
            pair = one_sided_slopes(fun, x, step)
            if not all(math.isfinite(s) for s in pair):
                return Differentiability(False, *pair, step)
            size = max(abs(fun(x + k * step)) for k in (-2, -1, 0, 1, 2))
            slopes.append(pair)
            noises.append(100 * EPS * size / step)
    sides = [_unbounded([s[side] for s in slopes], noises) for side in (0, 1)]
    if any(sides):
        left, right = (math.copysign(math.inf, slopes[-1][i]) if sides[i] else slopes[-1][i]
                       for i in (0, 1))
        return Differentiability(False, left, right, steps[-1])
    gaps = []
    for (left, right), noise in zip(slopes[:2], noises[:2], strict=True):
        gaps.append((abs(right - left), KINK_RTOL * max(abs(left), abs(right)) + noise))
    (gap1, tol1), (gap2, tol2) = gaps
    kink = gap1 > tol1 and gap2 > tol2 and gap2 >= 0.5 * gap1
    return Differentiability(not kink, *slopes[1], h / 8)


def _unbounded(slopes: list[float], noises: list[float]) -> bool:
    """True if |slope| grows by more than UNBOUNDED_RATIO at each refinement of the step,
    each growth beyond the round-off bound and KINK_RTOL of the slope."""
    for (a, b), noise in zip(zip(slopes, slopes[1:], strict=False), noises[1:], strict=True):
        grew = abs(b) - abs(a)
        if not (abs(b) > UNBOUNDED_RATIO * abs(a) and grew > noise + KINK_RTOL * abs(b)):
            return False
    return True


def one_sided_directional(fun: Callable[[Array], float], p: Array, u: Array, h: float) -> float:
    """f'(p; u), the one-sided slope along the unit vector u, by the second-order
    forward formula (−3 f(p) + 4 f(p + h u) − f(p + 2h u)) / (2h): it exists at a kink,
    where ∇f does not."""
    return float((-3 * fun(p) + 4 * fun(p + h * u) - fun(p + 2 * h * u)) / (2 * h))


def steepest_one_sided(fun: Callable[[Array], float], p: Array, h: float | None = None) -> (
        tuple[float, float]):
    """(angle in degrees, slope) of the largest one-sided slope f'(p; u) over unit u in the
    plane: the best of 720 angles 0.5° apart, refined by golden-section search in the half
    degree on either side (60 steps: the angle to about 1e-12 degrees); of equal peaks, the
    one at the smallest angle. Where f is
    differentiable this is the gradient's direction and |∇f|."""
    h = SLOPE_STEP * max(1.0, float(np.linalg.norm(p))) / 8 if h is None else h

    def slope(a: float) -> float:
        r = math.radians(a)
        return one_sided_directional(fun, p, np.array([math.cos(r), math.sin(r)]), h)

    with np.errstate(all="ignore"):
        grid = [0.5 * k for k in range(720)]
        values = [slope(a) for a in grid]
        finite = [(v, a) for v, a in zip(values, grid, strict=True) if math.isfinite(v)]
        if not finite:
            return math.nan, math.nan
        peak = max(v for v, _ in finite)  # ties (a symmetric f): the smallest angle
        # relative to the peak itself: f scaled by 1e-8 has slopes of 1e-8
        best = next(a for v, a in finite if v >= peak - 1e-9 * abs(peak))
        lo, hi = best - 0.5, best + 0.5
        ratio = (math.sqrt(5) - 1) / 2
        c, d = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        fc, fd = slope(c), slope(d)
        for _ in range(60):
            if fc >= fd:
                hi, d, fd = d, c, fc
                c = hi - ratio * (hi - lo)
                fc = slope(c)
            else:
                lo, c, fc = c, d, fd
                d = lo + ratio * (hi - lo)
                fd = slope(d)
        angle = (lo + hi) / 2
        top = slope(angle)
    if not top >= peak:
        angle, top = best, peak
    angle %= 360
    return (0.0 if angle > 360 - 1e-6 else angle), top
