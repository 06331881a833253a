"""Exercises on constrained optimisation: Lagrange multipliers, inequality constraints (KKT)."""

from __future__ import annotations

import random

from calcquiz.drills import numerics as num
from calcquiz.drills.exercise import Exercise, Value, Worked, fmt, known, nonzero, shifted, vec
from calcquiz.pretty_expr import pretty_text

YES_NO = ("yes", "no")


def gen_lagrange(rng: random.Random) -> Exercise:
    a = rng.randint(1, 4)
    c = nonzero(rng, -3, 3)
    f = f"x^2 + {a}*y^2"
    g = f"x + y - {c}" if c > 0 else f"x + y + {-c}"
    lam = 2 * a * c / (a + 1)  # grad f = lam grad g: 2x = lam, 2ay = lam, x + y = c
    x, y = lam / 2, lam / (2 * a)
    return Exercise(
        "lagrange",
        f"Minimize f(x, y) = {pretty_text(f)} subject to x + y = {c}. What is the multiplier "
        "λ with "
        "∇f = λ∇g (g = x + y)?",
        {"f": f, "g": g},
        "Set ∇f = λ∇g, write x and y in terms of λ, then put them into the constraint.",
        known(
            lam,
            f"∇f = (2x, {2 * a}y) = λ(1, 1), so x = λ/2 and y = λ/{2 * a}",
            f"x + y = {c} gives λ(1/2 + 1/{2 * a}) = {c}, λ = {fmt(lam)}",
            f"the point is ({fmt(x)}, {fmt(y)}), f = {fmt(x * x + a * y * y)}",
        ),
    )


def gen_constrained(rng: random.Random) -> Exercise:
    a, b = rng.randint(-4, 4), rng.randint(-4, 4)
    if rng.random() < 0.5:
        r = rng.choice([1, 2, 3, 5])
        while a * a + b * b == r * r or a == b == 0:  # on the boundary: active with μ = 0
            a += 1
        point = num.nearest_in_disk(a, b, r)
        g, g_text, region = f"x^2 + y^2 - {r * r}", f"x² + y² ≤ {r * r}", "disk"
        level = float(r * r)
        grad_g = "(2x, 2y)"
    else:
        c = rng.randint(-3, 3)
        while a + b == c:
            a += 1
        point = num.nearest_in_half_plane(a, b, c)
        g, g_text, region = shifted("x + y", c).strip("()"), f"x + y ≤ {c}", "half-plane"
        level = float(c)
        grad_g = "(1, 1)"
    f = f"{shifted('x', a)}^2 + {shifted('y', b)}^2"
    question = rng.choice(["solution", "multiplier", "active"])
    ask = {
        "solution": ("What is the solution? Answer as [x, y].", "vector"),
        "multiplier": ("What is its KKT multiplier μ (∇f + μ∇g = 0, μ ≥ 0, μ·g = 0)?", "number"),
        "active": ("Is the constraint active (g = 0) at the solution? Answer yes or no.", "choice"),
    }[question]
    answers: dict[str, Value] = {
        "solution": list(point.x),
        "multiplier": point.multiplier,
        "active": "yes" if point.active else "no",
    }
    answer = answers[question]
    inside = not point.active
    steps = [
        f"the unconstrained minimum ({a}, {b}) is "
        + (f"inside the {region} ({g_text} holds)" if inside else f"outside {g_text}"),
        "so the constraint is inactive: the solution is that point and μ = 0"
        if inside
        else f"so it is active: the solution is the nearest point of the {region}, {vec(point.x)}",
    ]
    if not inside:
        grad_f = [2 * (point.x[0] - a), 2 * (point.x[1] - b)]
        steps.append(
            f"∇f = (2{shifted('x', a)}, 2{shifted('y', b)}) = {vec(grad_f)}"
            f" there, ∇g = {grad_g}; ∇f + μ∇g = 0 gives μ = {fmt(point.multiplier)} ≥ 0"
        )

    def solve() -> Worked:
        holds, residual = num.kkt_holds(a, b, region, level, point)
        check = (
            f"KKT conditions checked at {vec(point.x)}: residual {residual:.1e}, μ ≥ 0, μ·g = 0"
            if holds
            else f"the KKT check at {vec(point.x)} fails (residual {residual:.1e})"
        )
        return Worked(answer, (*steps, check))

    return Exercise(
        "constrained",
        f"Minimize f(x, y) = {pretty_text(f)} subject to g(x, y) = {pretty_text(g)} ≤ 0. {ask[0]}",
        {"f": f, "g": g, "question": question},
        "Check the unconstrained minimum first. If it breaks the constraint, the solution "
        "is on the boundary: the nearest point, where ∇f = -μ∇g.",
        solve,
        ask[1],
        YES_NO if question == "active" else (),
    )
