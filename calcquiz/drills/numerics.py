"""The drills' numeric core, in one place: iterations, classification, projections, KKT.

The iterations, the convergence test, the classification of a critical point and the KKT
check are the demos' own, from :mod:`calcquiz.numerics`; the functions here adapt them to
the drills' scalars and 2x2 problems (plain floats in and out). numpy comes with them, so
they run when an answer is computed, never before a prompt is shown; the one exception is
local-minima, whose question (a start and a step that end in a fair basin) needs a run.
Closed forms a person can follow (cubic roots, 2x2 eigenvalues, projections, minibatch
variance) are plain Python and state their formulas.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# ---------------------------------------------------------------- iterations (the core's)


def momentum_steps(
    grad: Callable[[Any], Any], x0: float, lr: float, mu: float, steps: int
) -> list[tuple[float, float, float, float]]:
    """Heavy-ball momentum by the core's torch.optim.SGD step (b = g first, then
    b = mu b + g; x = x - lr b). Returns (x before, g, b, x after) per step.

    Computed in exact fractions (lr and mu as the decimals they are written as, a numpy
    object array through the same sgd_step), each value rounded to float64 once at the end:
    an exact 0 is 0, not the 1.1e-16 that float64 steps leave (0.1 is not 1/10 in binary).
    ``grad`` must then take and return a Fraction (a polynomial's derivative does)."""
    from fractions import Fraction

    import numpy as np

    from calcquiz.numerics.iterate import sgd_step

    def exact(v: float) -> Fraction:
        return Fraction(repr(float(v)))  # the shortest decimal: 0.1 is 1/10

    p, buf = np.array([exact(x0)], dtype=object), None
    rate, m = exact(lr), exact(mu)
    out = []
    for _ in range(steps):
        g = np.array([grad(p[0])], dtype=object)
        new, buf = sgd_step(p, g, buf, rate, momentum=m)  # type: ignore[arg-type]
        assert buf is not None
        out.append((float(p[0]), float(g[0]), float(buf[0]), float(new[0])))
        p = new
    return out


@dataclass(frozen=True)
class DescentRun:
    """Gradient descent x <- x - lr f'(x) in 1-D (scipy's names: ``x``, ``nit``)."""

    path: tuple[float, ...]  # x_0, x_1, ..., x_nit
    converged: bool  # the core's convergence test passed at the end

    @property
    def x(self) -> float:
        return self.path[-1]

    @property
    def nit(self) -> int:
        return len(self.path) - 1


def gradient_descent_1d(
    fun: Callable[[float], float],
    grad: Callable[[float], float],
    hess: Callable[[float], float],
    x0: float,
    lr: float,
    maxiter: int = 10_000,
) -> DescentRun:
    """The core's gradient descent (:func:`calcquiz.numerics.iterate.gd_path`) on a 1-D f,
    for at most ``maxiter`` steps; ``converged`` is the core's test."""
    import numpy as np

    from calcquiz.numerics.iterate import gd_path

    run = gd_path(
        lambda p: fun(float(p[0])),
        lambda p: np.array([grad(float(p[0]))]),
        [x0],
        lr,
        maxiter,
        hess=lambda p: np.array([[hess(float(p[0]))]]),
    )
    return DescentRun(tuple(float(q[0]) for q in run.path), bool(run.converged))


# ---------------------------------------------------------------- roots, eigenvalues


def cubic_roots(p: float, q: float) -> list[float]:
    """The three real roots of x^3 + p x + q (requires 4p^3 + 27q^2 < 0), ascending,
    by the trigonometric formula x_k = 2 sqrt(-p/3) cos(acos(3q/(2p) sqrt(-3/p))/3 - 2πk/3)."""
    if 4 * p**3 + 27 * q**2 >= 0:
        raise ValueError("x^3 + p x + q needs 4p^3 + 27q^2 < 0 for three real roots")
    m = 2 * math.sqrt(-p / 3)
    theta = math.acos(3 * q / (2 * p) * math.sqrt(-3 / p)) / 3
    return sorted(m * math.cos(theta - 2 * math.pi * k / 3) for k in range(3))


def eig_sym2(h: Sequence[Sequence[float]]) -> tuple[tuple[float, float], list[float]]:
    """Eigenvalues (ascending) of a symmetric 2x2 matrix [[p, r], [r, s]], and a unit
    eigenvector of the smaller: λ = (p+s)/2 ∓ sqrt(((p-s)/2)^2 + r^2); v ∝ (r, λ - p)."""
    p, r, s = float(h[0][0]), float(h[0][1]), float(h[1][1])
    mid, rad = (p + s) / 2, math.hypot((p - s) / 2, r)
    low, high = mid - rad, mid + rad
    v = [r, low - p] if r != 0 else ([1.0, 0.0] if p <= s else [0.0, 1.0])
    norm = math.hypot(*v)
    return (low, high), [v[0] / norm, v[1] / norm]


def classify(eigenvalues: Sequence[float]) -> str:
    """minimum, maximum, saddle or degenerate: the core's classification of a Hessian's
    eigenvalues (:func:`calcquiz.numerics.critical.classify_eigenvalues`)."""
    from calcquiz.numerics.critical import classify_eigenvalues

    return classify_eigenvalues(list(eigenvalues))


# ---------------------------------------------------------------- minibatches


def mean_and_variance(values: Sequence[float]) -> tuple[float, float]:
    """The mean and the population variance (1/N) Σ (v - mean)^2."""
    mean = sum(values) / len(values)
    return mean, sum((v - mean) ** 2 for v in values) / len(values)


def minibatch_variance(values: Sequence[float], b: int, replace: bool) -> float:
    """Variance of the mean of b draws: σ²/b with replacement, σ²/b · (N-b)/(N-1) without."""
    n = len(values)
    _, var = mean_and_variance(values)
    return var / b if replace else var / b * (n - b) / (n - 1)


# ---------------------------------------------------------------- constraints


@dataclass(frozen=True)
class KKTPoint:
    """min (x-a)^2 + (y-b)^2 subject to g(x, y) <= 0; ∇f + μ∇g = 0, μ >= 0, μ g = 0."""

    x: tuple[float, float]
    multiplier: float
    active: bool


def nearest_in_disk(a: float, b: float, r: float) -> KKTPoint:
    """g = x^2 + y^2 - r^2: the projection of (a, b) onto the disk. Outside it, x* = r(a, b)/ρ
    with ρ = |(a, b)|, and 2(x* - a) + 2μx* = 0 gives μ = ρ/r - 1."""
    rho = math.hypot(a, b)
    if rho <= r:
        return KKTPoint((a, b), 0.0, rho == r)
    return KKTPoint((r * a / rho, r * b / rho), rho / r - 1, True)


def nearest_in_half_plane(a: float, b: float, c: float) -> KKTPoint:
    """g = x + y - c: the projection of (a, b) onto x + y <= c. Outside it, x* = (a, b) - s(1, 1)
    with s = (a + b - c)/2, and 2(x* - a) + μ = 0 gives μ = a + b - c."""
    excess = a + b - c
    if excess <= 0:
        return KKTPoint((a, b), 0.0, excess == 0)
    return KKTPoint((a - excess / 2, b - excess / 2), excess, True)


@dataclass(frozen=True)
class _Smooth:
    """f, ∇f and the Hessian as the core's KKT check asks for them (numpy arrays)."""

    fun: Callable[[Any], float]
    jac: Callable[[Any], Any]
    hess: Callable[[Any], Any]


def kkt_holds(a: float, b: float, g: str, level: float, point: KKTPoint) -> tuple[bool, float]:
    """The core's KKT check (:func:`calcquiz.numerics.kkt.check_kkt`) of ``point`` for
    min (x-a)^2 + (y-b)^2 s.t. g <= 0, g = x^2 + y^2 - level ("disk") or x + y - level
    ("half-plane"). Returns (conditions hold, the residual |∇f + μ∇g| + max(g, 0))."""
    import numpy as np

    from calcquiz.numerics.kkt import check_kkt

    f = _Smooth(
        lambda p: float((p[0] - a) ** 2 + (p[1] - b) ** 2),
        lambda p: np.array([2 * (p[0] - a), 2 * (p[1] - b)]),
        lambda p: 2 * np.eye(2),
    )
    if g == "disk":
        con = _Smooth(lambda p: float(p @ p - level), lambda p: 2 * p, lambda p: 2 * np.eye(2))
    else:
        con = _Smooth(
            lambda p: float(p[0] + p[1] - level),
            lambda p: np.array([1.0, 1.0]),
            lambda p: np.zeros((2, 2)),
        )
    check = check_kkt(f, con, np.array(point.x, dtype=float), equality=False)
    agrees = math.isclose(check.multiplier, point.multiplier, rel_tol=1e-6, abs_tol=1e-9)
    return check.satisfied and agrees, check.residual
