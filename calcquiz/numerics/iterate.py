"""The iterations, one implementation each: gradient descent, SGD with momentum and weight
decay (torch.optim.SGD's rule), and Newton's method.

torch.optim.SGD (dampening 0, no Nesterov), for one parameter vector p:

    g = ∇f(p) + weight_decay · p        (coupled L2 weight decay)
    b = g                  on the first step,   b = momentum · b + g   afterwards
    p = p − lr · b

With momentum 0 this is plain gradient descent, p ← p − lr ∇f(p). The textbook form
v = γ v + η ∇f, p ← p − v gives the same path while lr is constant (v = lr · b).

Newton's method: p ← p − H(p)⁻¹ ∇f(p), by solving H d = ∇f (never inverting H).

Runs stop at the first inf or nan (a run that overflows is reported, not an error), and
plain descent and Newton stop when a step leaves p unchanged in float64 (a *stall*: the
convergence test of :mod:`calcquiz.numerics.convergence` then says whether that point
is stationary).

Points are numpy arrays or :class:`~calcquiz.numerics.vector.Vector` s: the start point's
kind is kept throughout (see :mod:`calcquiz.numerics.vector`), and numpy is imported only
for arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from calcquiz.numerics import vector
from calcquiz.numerics.convergence import Precise, converged_at, finite, norm2
from calcquiz.numerics.vector import Array, SingularMatrixError, point, quiet, same

Fun = Callable[[Array], float]
# Bounds on bisect_root's loops: doubling from 1e-300 passes 1e308 in about 2050 steps,
# and 2100 halvings bring any float64 bracket down to adjacent floats.
BISECT_GROWTH = 2100
BISECT_HALVINGS = 2100
Jac = Callable[[Array], Array]


@dataclass
class IterationResult:
    """One run, with scipy.optimize's names: ``x`` (last point), ``fun`` (f there), ``nit``
    (steps taken), ``message`` (why it stopped), ``converged`` (the core's test passed)."""

    x: Array
    fun: float
    nit: int
    message: str
    converged: bool
    diverged: bool
    path: list[Array] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return self.converged


def sgd_step(
    p: Array,
    grad: Array,
    buf: Array | None,
    lr: float,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
) -> tuple[Array, Array | None]:
    """One torch.optim.SGD step; returns (new p, new momentum buffer or None)."""
    g = grad + weight_decay * p if weight_decay else grad
    if momentum:
        buf = g.copy() if buf is None else momentum * buf + g
        g = buf
    return p - lr * g, buf


def sgd_path(
    jac: Jac,
    p0: Sequence[float] | Array,
    lr: float,
    steps: int,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    stop_at_fixed_point: bool = False,
) -> list[Array]:
    """The points p_0 … p_steps of :func:`sgd_step`. Stops early at inf or nan, and, if
    ``stop_at_fixed_point`` (plain GD only), when a step leaves p unchanged in float64."""
    p = point(p0)
    path, buf = [p], None
    with quiet():
        for _ in range(steps):
            new, buf = sgd_step(p, jac(p), buf, lr, momentum, weight_decay)
            if stop_at_fixed_point and same(new, p):
                break
            p = new
            path.append(p)
            if not finite(*p):
                break
    return path


def _result(
    fun: Fun, jac: Jac, hess: Jac | None, path: list[Array], steps: int, stalled: bool,
    precise: Precise | None = None,
) -> IterationResult:
    with quiet():
        values = [float(fun(q)) for q in path]
        norms = [norm2(jac(q)) for q in path]
    last = path[-1]
    diverged = not finite(values[-1], norms[-1], *last)
    converged = not diverged and converged_at(path, jac, hess, precise)
    nit = len(path) - 1
    outside = next((k for k, (q, v) in enumerate(zip(path, values, strict=True))
                    if math.isnan(v) and vector.all_finite(q)), None)
    if outside is not None:
        message = f"left f's domain at step {outside} (f is nan there)"
    elif diverged:
        message = f"overflow to inf or nan at step {nit}"
    elif converged:
        message = f"converged at step {nit}: a stationary point to within the tolerance"
    elif stalled:
        message = f"stalled at step {nit}: a step no longer changes p in float64"
    else:
        message = f"{steps} steps done, not converged"
    return IterationResult(last, values[-1], nit, message, converged, diverged, path, values,
                           norms)


def gd_path(
    fun: Fun, jac: Jac, p0: Sequence[float] | Array, lr: float, steps: int,
    hess: Jac | None = None, precise: Precise | None = None,
) -> IterationResult:
    """Plain gradient descent p ← p − lr ∇f(p) for at most ``steps`` steps; stops early at
    inf/nan or when p no longer changes (see the module docstring). ``hess`` and
    ``precise`` serve only the convergence test."""
    path = sgd_path(jac, p0, lr, steps, stop_at_fixed_point=True)
    stalled = len(path) - 1 < steps and finite(*path[-1])
    return _result(fun, jac, hess, path, steps, stalled, precise)


def momentum_path(
    fun: Fun, jac: Jac, p0: Sequence[float] | Array, lr: float, momentum: float, steps: int,
    hess: Jac | None = None, weight_decay: float = 0.0, precise: Precise | None = None,
) -> IterationResult:
    """torch.optim.SGD with ``momentum`` (and ``weight_decay``) for ``steps`` steps."""
    path = sgd_path(jac, p0, lr, steps, momentum, weight_decay)
    return _result(fun, jac, hess, path, steps, False, precise)


def newton_path(
    fun: Fun, jac: Jac, hess: Jac, p0: Sequence[float] | Array, steps: int,
    precise: Precise | None = None,
) -> IterationResult:
    """Newton's method p ← p − H⁻¹ ∇f for at most ``steps`` steps. Stops when ∇f is exactly
    0, H is singular, a value is not finite, or a step changes nothing."""
    p = point(p0)
    path = [p]
    reason = ""
    with quiet():
        for _ in range(steps):
            g = jac(p)
            if not vector.nonzero(g):
                break
            try:
                d = vector.solve(hess(p), g)
            except SingularMatrixError:
                reason = "the Hessian is singular"
                break
            new = p - d
            if same(new, p):
                break
            p = new
            path.append(p)
            if not finite(*p):
                break
    result = _result(fun, jac, hess, path, steps, stalled=False, precise=precise)
    if reason and not result.converged:
        result.message = f"stopped at step {result.nit}: {reason}"
    return result


def projected_path(
    jac: Jac,
    project: Callable[[Array], Array | None],
    p0: Sequence[float] | Array,
    lr: float,
    steps: int,
) -> tuple[list[Array], str]:
    """Projected gradient descent p ← P(p − lr ∇f(p)) from a feasible p0: the points and why
    it stopped (P returned None, a value is not finite, a step changed nothing, or
    ``steps`` steps were done)."""
    p = point(p0)
    path = [p]
    with quiet():
        for k in range(steps):
            if not finite(*p):
                return path, "not finite"
            q = project(p - lr * jac(p))
            if q is None:
                return path, f"projection failed at step {k + 1}"
            if same(q, p):
                return path, f"stalled at step {k}: a step no longer changes p"
            p = q
            path.append(p)
    return path, f"{steps} steps done"


def steps_until(
    jac: Jac,
    p0: Sequence[float] | Array,
    lr: float,
    done: Callable[[Array, Array], bool],
    max_steps: int,
    momentum: float = 0.0,
    stay: int = 0,
) -> int | None:
    """The first k ≤ max_steps at which ``done(p_k, ∇f(p_k))`` holds along torch.optim.SGD
    (:func:`sgd_step`) and keeps holding for the next ``stay`` steps (a run that only
    passes through the target while oscillating has not reached it); None if there is no
    such k, if a gradient is not finite, or if p stops changing in float64 for 50 steps in a
    row (it will never get there)."""
    p, buf = point(p0), None
    still = 0
    first: int | None = None
    with quiet():
        for k in range(max_steps + stay + 1):
            g = jac(p)
            if done(p, g):
                first = k if first is None else first
                if k - first >= stay:
                    return first
            else:
                first = None
                if k >= max_steps:
                    return None
            if not vector.all_finite(g):
                return None
            new, buf = sgd_step(p, g, buf, lr, momentum)
            still = still + 1 if same(new, p) else 0
            if still >= 50:
                return None
            p = new
    return None


def bisect_root(d: Callable[[float], float], x: float, step: float = 0.0) -> float | None:
    """A zero of d near x, independent of any iteration that led to x: grow the bracket
    [x − w, x + w] from w = max(|x| 1e-12, min(step, 1)) by doubling (up to 1e3 max(1, |x|),
    and at most BISECT_GROWTH times) until d changes sign, then bisect to float64 resolution
    (at most BISECT_HALVINGS times: 2100 halvings span every float64 interval). None if x or
    the bracket is not finite, no sign change is found or d is not finite (note: a jump of
    d, as of sign at a kink, also changes sign; the caller checks that d is 0 there)."""
    if not math.isfinite(x):
        return None
    if d(x) == 0:
        return x
    width = max(abs(x) * 1e-12, 1e-300, min(step, 1.0) if step else 1e-12)
    with quiet():
        bracket = _bracket(d, x, width, 1e3 * max(1.0, abs(x)))
        return None if bracket is None else _bisect(d, *bracket)


def _bracket(
    d: Callable[[float], float], x: float, width: float, limit: float
) -> tuple[float, float, float] | None:
    """(lo, hi, d(lo)) with d changing sign on [lo, hi] = [x − w, x + w], w doubling from
    ``width`` up to ``limit``; an end where d is 0 comes back as (it, it, 0.0). None if
    none is found or a value is not finite."""
    for _ in range(BISECT_GROWTH):
        lo, hi = x - width, x + width
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return None
        dlo, dhi = d(lo), d(hi)
        if not (math.isfinite(dlo) and math.isfinite(dhi)):
            return None
        if dlo == 0 or dhi == 0:
            end = lo if dlo == 0 else hi
            return end, end, 0.0
        if (dlo < 0) != (dhi < 0):
            return lo, hi, dlo
        width *= 2
        if not width <= limit:
            return None
    return None


def _bisect(d: Callable[[float], float], lo: float, hi: float, dlo: float) -> float | None:
    """Halve [lo, hi] (d(lo) = dlo, d changing sign on it) until no float64 lies between its
    ends, or d is 0 at a midpoint; None if d is not finite there."""
    for _ in range(BISECT_HALVINGS):
        mid = lo + (hi - lo) / 2
        if mid in (lo, hi):
            return mid
        dm = d(mid)
        if dm == 0 or not math.isfinite(dm):
            return mid if dm == 0 else None
        if (dm < 0) == (dlo < 0):
            lo, dlo = mid, dm
        else:
            hi = mid
    return None
