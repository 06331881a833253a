"""The drills' numeric core, in one place: iterations, classification, projections, KKT.

Plain Python floats on purpose: a drill's prompt is built before numpy or sympy is
imported (drill start-up), and these problems are 1-D or 2-D. Each function states its
formula. ``calcquiz/numerics`` (the demos' shared core) should take these over when it
exists: the names match what they compute, not how a drill uses them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# ---------------------------------------------------------------- iterations


def momentum_steps(
    grad: Callable[[float], float], x0: float, lr: float, mu: float, steps: int
) -> list[tuple[float, float, float, float]]:
    """Heavy-ball momentum, torch.optim.SGD's form: b = mu b + g (b = g on the first step),
    x = x - lr b. Returns (x before, g, b, x after) per step."""
    x, b = float(x0), None
    out = []
    for _ in range(steps):
        g = grad(x)
        b = g if b is None else mu * b + g
        out.append((x, g, b, x - lr * b))
        x = x - lr * b
    return out


@dataclass(frozen=True)
class DescentRun:
    """Gradient descent x <- x - lr f'(x) in 1-D (scipy's names: ``x``, ``nit``)."""

    path: tuple[float, ...]  # x_0, x_1, ..., x_nit
    converged: bool  # |f'(x)| <= gtol at the end

    @property
    def x(self) -> float:
        return self.path[-1]

    @property
    def nit(self) -> int:
        return len(self.path) - 1


def gradient_descent_1d(
    grad: Callable[[float], float],
    x0: float,
    lr: float,
    gtol: float = 1e-10,
    maxiter: int = 10_000,
    bound: float = 1e6,
) -> DescentRun:
    """Iterate x_{k+1} = x_k - lr f'(x_k) until |f'(x_k)| <= gtol, |x| > bound (diverged)
    or ``maxiter`` steps."""
    path = [float(x0)]
    x = float(x0)
    for _ in range(maxiter):
        g = grad(x)
        if abs(g) <= gtol:
            return DescentRun(tuple(path), True)
        x = x - lr * g
        path.append(x)
        if not math.isfinite(x) or abs(x) > bound:
            break
    return DescentRun(tuple(path), abs(grad(x)) <= gtol if math.isfinite(x) else False)


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


def classify(eigenvalues: Sequence[float]) -> str | None:
    """minimum (all > 0), maximum (all < 0), saddle (both signs); None if any is 0."""
    if any(e == 0 for e in eigenvalues):
        return None
    if all(e > 0 for e in eigenvalues):
        return "minimum"
    if all(e < 0 for e in eigenvalues):
        return "maximum"
    return "saddle"


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
