"""Exercises on the shape of a loss: convexity, which local minimum descent reaches, saddles."""

from __future__ import annotations

import random
from collections.abc import Callable

from calcquiz.drills import numerics as num
from calcquiz.drills.calculus import KIND_CHOICES
from calcquiz.drills.exercise import (
    Exercise,
    Worked,
    fmt,
    known,
    nonzero,
    par,
    shifted,
    term,
    vec,
)
from calcquiz.drills.grading import round_sig
from calcquiz.pretty_expr import pretty_text

YES_NO = ("yes", "no")


def gen_convexity(rng: random.Random) -> Exercise:
    if rng.random() < 0.35:
        return _convex_quadratic(rng)
    a, b = rng.randint(-4, 4), rng.randint(-4, 4)
    lo = rng.randint(-3, 2)
    hi = lo + rng.randint(1, 3)
    # f'' = 12x^2 + 6ax + 2b, a parabola with its vertex at -a/4: its least value on [lo, hi]
    at = min(max(-a / 4, lo), hi)
    least = 12 * at**2 + 6 * a * at + 2 * b
    while abs(least) < 0.5:  # too close to a tie to be a fair question
        b += 1
        least = 12 * at**2 + 6 * a * at + 2 * b
    f = "x^4" + (term(a, "x^3") if a else "") + (term(b, "x^2") if b else "")
    convex = least >= 0
    where = "its vertex" if at == -a / 4 else ("the left end" if at == lo else "the right end")
    verdict = (
        "f'' ≥ 0 on the whole interval: f is convex there"
        if convex
        else f"f'' < 0 near x = {fmt(at)}: the graph bends down, a chord there lies below it, "
        "so f is not convex on the interval"
    )
    return Exercise(
        "convexity",
        f"f(x) = {pretty_text(f)}. Is f convex on the interval [{lo}, {hi}]? Answer yes or no.",
        {"f": f, "interval": [lo, hi]},
        "A twice-differentiable f is convex on an interval exactly when f'' ≥ 0 all over it.",
        known(
            "yes" if convex else "no",
            f"f''(x) = 12x^2{term(6 * a, 'x') if a else ''}{term(2 * b, '') if b else ''}",
            f"on [{lo}, {hi}] its least value is at {where}, x = {fmt(at)}: f''({fmt(at)}) = "
            f"{fmt(least)}",
            verdict,
        ),
        "choice",
        YES_NO,
    )


def _convex_quadratic(rng: random.Random) -> Exercise:
    a, b, c = nonzero(rng, -3, 3), rng.randint(-4, 4), nonzero(rng, -3, 3)
    while 4 * a * c - b * b == 0:  # a singular Hessian: convex or not hangs on a tie
        b += 1
    d, e = rng.randint(-3, 3), rng.randint(-3, 3)
    f = term(a, "x^2", True) + (term(b, "x*y") if b else "") + term(c, "y^2")
    f += (term(d, "x") if d else "") + (term(e, "y") if e else "")
    (low, high), _ = num.eig_sym2([[2 * a, b], [b, 2 * c]])
    convex = low > 0
    return Exercise(
        "convexity",
        f"f(x, y) = {pretty_text(f)}. Is f convex on the whole plane? Answer yes or no.",
        {"f": f},
        "f is convex exactly when its Hessian is positive semidefinite everywhere; for a "
        "quadratic the Hessian is constant.",
        known(
            "yes" if convex else "no",
            f"H = [[{2 * a}, {b}], [{b}, {2 * c}]] (the linear terms do not change it)",
            f"eigenvalues {fmt(low)} and {fmt(high)} (det H = {4 * a * c - b * b})",
            "both positive: H is positive definite, f is convex"
            if convex
            else "a negative eigenvalue: f curves down along its eigenvector, not convex",
        ),
        "choice",
        YES_NO,
    )


def gen_local_minima(rng: random.Random) -> Exercise:
    s = rng.choice([2, 3, 4])
    t = rng.choice([-1.0, -0.5, 0.5, 1.0])
    f = "x^4/4" + term(-s / 2, "x^2") + term(t, "x")
    low, peak, high = num.cubic_roots(-s, t)  # f'(x) = x^3 - s x + t

    def fun(x: float) -> float:
        return x**4 / 4 - s * x**2 / 2 + t * x

    def grad(x: float) -> float:
        return x**3 - s * x + t

    def hess(x: float) -> float:
        return 3 * x**2 - s

    for _ in range(100):
        x0 = rng.choice([-2.5, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 2.5])
        lr = rng.choice([0.02, 0.05, 0.1, 0.15, 0.2])
        run = num.gradient_descent_1d(fun, grad, hess, x0, lr)
        if run.converged and all(abs(x - peak) > 0.1 for x in run.path):
            break  # ends at a minimum, never close to the maximum: a fair question
    else:  # small steps from far out always qualify
        x0, lr = rng.choice([-2.5, 2.5]), 0.02
        run = num.gradient_descent_1d(fun, grad, hess, x0, lr)
    reached = low if abs(run.x - low) < abs(run.x - high) else high
    shown = [round_sig(v) for v in (low, peak, high)]
    return Exercise(
        "local-minima",
        f"f(x) = {pretty_text(f)} has local minima at x ≈ {shown[0]} and x ≈ {shown[2]} and a "
        "local "
        f"maximum at x ≈ {shown[1]}. Gradient descent starts at x₀ = {fmt(x0)} with "
        f"learning rate {fmt(lr)}. Which local minimum does it reach? Answer with its x.",
        {"f": f, "start": [x0], "lr": lr, "minima": [low, high], "maximum": peak},
        "Take a step or two: x ← x - η f'(x). Once descent is on one side of the maximum "
        "and steps are small, it stays in that basin.",
        known(reached, *_descent_steps(run, grad, lr, peak, reached, s)),
    )


def _descent_steps(
    run: num.DescentRun,
    grad: Callable[[float], float],
    lr: float,
    peak: float,
    reached: float,
    s: int,
) -> list[str]:
    side = [x > peak for x in run.path]
    settled = max((i + 1 for i, v in enumerate(side) if v != side[-1]), default=0)
    lines = [f"f'(x) = x^3 - {s}*x{term(grad(0), '')}"]
    for k in range(min(3, run.nit)):
        x = run.path[k]
        lines.append(f"x{k + 1} = {fmt(x)} - {fmt(lr)} × {par(grad(x))} = {fmt(run.path[k + 1])}")
    lines.append(
        f"from x{settled} on, every iterate is {'right' if side[-1] else 'left'} of the "
        f"maximum at {fmt(peak)}"
    )
    curvature = 3 * reached**2 - s  # f''
    lines.append(
        f"after {run.nit} step{'s' * (run.nit != 1)} x = {fmt(run.x)}, "
        f"f' = {grad(run.x):.1e}, f'' = {fmt(curvature)}"
        + (f" > 0: the local minimum at {fmt(reached)}" if curvature > 0 else "")
    )
    return lines


def gen_saddle(rng: random.Random) -> Exercise:
    if rng.random() < 0.5:
        return _saddle_direction(rng)
    p = rng.choice([1, 2])
    c = nonzero(rng, -3, 3)
    q = rng.randint(-1, 1)
    f = f"x^3 - {3 * p * p}*x" + term(c, f"{shifted('y', q)}^2")
    x0 = rng.choice([p, -p])
    (low, high) = sorted([6 * x0, 2 * c])

    def solve() -> Worked:
        kind = num.classify([low, high])  # never degenerate: 6x0 and 2c are not 0
        return Worked(
            kind,
            (
                f"∇f = (3x^2 - {3 * p * p}, {2 * c}{shifted('y', q)}) = 0 at x = ±{p}, y = {q}",
                f"H = [[6x, 0], [0, {2 * c}]] = [[{6 * x0}, 0], [0, {2 * c}]] at ({x0}, {q})",
                f"eigenvalues {low} and {high}: a {kind}",
            ),
        )

    return Exercise(
        "saddle",
        f"f(x, y) = {pretty_text(f)} has critical points ({p}, {q}) and ({-p}, {q}). "
        f"What kind of point is ({x0}, {q})?",
        {"f": f, "at": [x0, q]},
        "At a critical point the Hessian decides: eigenvalues all positive, all negative, "
        "or of both signs.",
        solve,
        "choice",
        KIND_CHOICES,
    )


def _saddle_direction(rng: random.Random) -> Exercise:
    a, b, c = nonzero(rng, -3, 3), nonzero(rng, -4, 4), nonzero(rng, -3, 3)
    while 4 * a * c - b * b >= 0:  # make the origin a saddle
        b = b + 1 if b > 0 else b - 1
    f = term(a, "x^2", True) + term(b, "x*y") + term(c, "y^2")
    h = [[2.0 * a, float(b)], [float(b), 2.0 * c]]
    (low, high), v = num.eig_sym2(h)
    return Exercise(
        "saddle",
        f"f(x, y) = {pretty_text(f)} has a saddle at the origin. Give a direction [dx, dy] in "
        "which f "
        "curves down from it (negative curvature: vᵀHv < 0).",
        {"f": f, "at": [0, 0], "hessian": h},
        "Find H, then try simple vectors ([1, 0], [0, 1], [1, 1], [1, -1]) or an eigenvector "
        "of the negative eigenvalue.",
        known(
            v,
            f"H = [[{2 * a}, {b}], [{b}, {2 * c}]], det H = {4 * a * c - b * b} < 0",
            f"eigenvalues {fmt(low)} and {fmt(high)}",
            f"eigenvector of {fmt(low)}: v = {vec(v)}; f(tv) = t²·({fmt(low)})/2 < 0 for t ≠ 0",
            "any v with vᵀHv < 0 is right, e.g. any multiple of v",
        ),
        "direction",
    )
