"""Has an iteration converged, diverged or settled into a cycle? Tests relative to the
problem's own scale, with the thresholds stated here once.

* Converged: every value finite and the point is stationary to within XTOL of its scale:
  the Newton estimate of the distance to the nearest stationary point, |H⁻¹ ∇f(p)|, is at
  most XTOL · scale, scale = max(1, min(|p|, |p₀|)) (so a run that flew far away is not
  judged by its own size), or within 16 ulp of |p| (float64 cannot come closer).
  ∇f(p) = 0 exactly counts. Where the Hessian is singular or not finite the
  distance is unknown and the point is not called converged; only when no Hessian exists
  at all (an objective without one) the test is |∇f(p)| ≤ GTOL · |∇f(p₀)|. Multiplying f
  by a constant changes neither test.
* Diverged: a coordinate, f or |∇f| is inf or nan.
* Cycle of period q (2..4): the last two points each repeat the point q steps before to
  within CYCLE_RTOL of the step length, while the steps themselves do not shrink to 0.
* Observed order: q_k = log(e_{k+1} / e_k) / log(e_k / e_{k-1}) on errors above the round-off
  floor ORDER_FLOOR · max(1, |x*|): 1 is linear, 2 quadratic convergence.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence

from calcquiz.numerics import vector
from calcquiz.numerics.vector import Array, SingularMatrixError, all_finite, as_matrix, quiet

EPS = sys.float_info.epsilon  # float64's, numpy.finfo(numpy.float64).eps
XTOL = 1e-6
GTOL = 1e-8
CYCLE_RTOL = 1e-6
ORDER_FLOOR = 1e-13
# The Newton distance at a point recomputed at high precision (numerics.precise), or None.
Precise = Callable[[Array], float]


def norm2(v: object) -> float:
    """The Euclidean norm by math.hypot: no overflow or underflow of the squares (numpy's
    norm of (1e-162, 0) is 0, of (1e200, 0) inf)."""
    return math.hypot(*vector.flat(v))


def finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


def newton_distance(grad: Array, hess: Array | None) -> float:
    """|H⁻¹ ∇f|: the distance to the stationary point of the local quadratic model (inf if
    H is singular or not finite, 0 if ∇f = 0)."""
    if not vector.nonzero(grad):
        return 0.0
    if hess is None:
        return math.inf
    H = as_matrix(hess)
    if not all_finite(H):
        return math.inf
    try:
        with quiet():
            d = vector.solve(H, grad)
    except SingularMatrixError:
        return math.inf
    value = norm2(d)
    return value if math.isfinite(value) else math.inf


def is_converged(
    p: Array,
    grad: Array,
    hess: Array | None,
    *,
    start: Array | None = None,
    grad_scale: float | None = None,
    precise: Precise | None = None,
) -> bool:
    """The convergence test stated in the module docstring, at the point p. With
    ``precise`` (the Newton distance at 60 digits, :mod:`calcquiz.numerics.precise`) a
    pass in float64 must also pass there: a gradient that rounded or underflowed to 0 is
    not a stationary point."""
    g = grad
    if not (all_finite(p) and all_finite(g)):
        return False
    size = norm2(p)
    scale = max(1.0, min(size, norm2(start)) if start is not None else size)
    if not vector.nonzero(g):
        passed = True
    elif hess is not None:
        d = newton_distance(g, hess)
        passed = math.isfinite(d) and d <= max(XTOL * scale, 16 * EPS * size)
    else:
        passed = grad_scale is not None and norm2(g) <= GTOL * grad_scale
    if passed and precise is not None:
        return precise(p) <= max(XTOL * scale, 16 * EPS * size)
    return passed


def converged_at(
    path: Sequence[Array],
    jac: Callable[[Array], Array],
    hess: Callable[[Array], Array] | None,
    precise: Precise | None = None,
) -> bool:
    """:func:`is_converged` at the last point of ``path`` (its start and gradient scale)."""
    with quiet():
        last = path[-1]
        if not all_finite(last):
            return False
        g = jac(last)
        if hess is None:
            return is_converged(last, g, None, start=path[0],
                                grad_scale=norm2(jac(path[0])), precise=precise)
        try:
            H = as_matrix(hess(last))
        except Exception:  # no Hessian there: the distance is unknown
            return not vector.nonzero(g)
        return is_converged(last, g, H, start=path[0], precise=precise)


def is_diverged(*values: float) -> bool:
    """True if any value (coordinates, f, |∇f|) is inf or nan."""
    return not finite(*values)


def detect_cycle(path: Sequence[Array], max_period: int = 4) -> int | None:
    """The period q of a cycle the path has settled into (see the module docstring)."""
    n = len(path) - 1
    for q in range(2, max_period + 1):
        if n < 2 * q:
            break
        steps = [norm2(path[i] - path[i - 1]) for i in range(n - q + 1, n + 1)]
        step = max(steps)
        if not (step > 0 and math.isfinite(step)):
            return None
        size = max(norm2(path[n]), 1e-300)
        if step <= XTOL * size:
            return None  # converging, not cycling
        repeats = [norm2(path[m] - path[m - q]) for m in (n, n - 1)]
        if all(r <= CYCLE_RTOL * step for r in repeats):
            return q
    return None


def observed_order(errors: Sequence[float | None], scale: float = 1.0) -> float | None:
    """The convergence order from the last three decreasing errors above the floor
    ORDER_FLOOR · max(1, scale); None if there are not three such errors."""
    floor = ORDER_FLOOR * max(1.0, scale)
    usable = [e for e in errors if e is not None and math.isfinite(e) and e > floor]
    best: float | None = None
    for a, b, c in zip(usable, usable[1:], usable[2:], strict=False):
        if a > b > c and b / a < 1:
            best = math.log(c / b) / math.log(b / a)
    return best


def gradient_scale(grad_norms: Sequence[float]) -> float:
    """The largest finite gradient norm along a path (0 if none is finite)."""
    values = [g for g in grad_norms if math.isfinite(g)]
    return max(values) if values else 0.0
