"""Exercises on derivatives: derivative, partial, gradient, chain rule, Jacobian, Hessian.

Answers come from the demos' own route (the whitelisted parser, sympy derivatives turned
back into expressions), computed only when the answer is first needed.
"""

from __future__ import annotations

import math
import random

from calcquiz.drills.exercise import (
    Exercise,
    Worked,
    derivative,
    fmt,
    nonzero,
    par,
    slope_solution,
    term,
    value_of,
    vec,
)
from calcquiz.pretty_expr import pretty_text

KIND_CHOICES = ("minimum", "maximum", "saddle")  # the kinds of a stationary point


def gen_derivative(rng: random.Random) -> Exercise:
    a, b = nonzero(rng, -4, 4), nonzero(rng, -5, 5)
    n = rng.randint(2, 4)
    f = rng.choice(
        [
            term(a, f"x^{n}", True) + term(b, "x"),
            f"{a}*sin({abs(b)}*x)",
            f"exp({term(a, 'x', True)})" + term(b, "x^2"),
            f"x^{n}" + term(a, "log(x)"),
        ]
    )
    x0 = rng.choice([0.5, 1, 2, -1]) if "log" not in f else rng.choice([0.5, 1, 2])
    if "exp" in f:
        x0 = rng.choice([0, 0.5, -0.5])

    return Exercise(
        "derivative",
        f"f(x) = {pretty_text(f)}. What is f'(x) at x = {fmt(x0)}?",
        {"f": f, "at": [x0]},
        "Differentiate term by term: (x^n)' = n x^(n-1), (sin kx)' = k cos kx, "
        "(e^(kx))' = k e^(kx).",
        slope_solution(f, x0),
    )


def gen_partial(rng: random.Random) -> Exercise:
    a, b, c = nonzero(rng, -3, 3), nonzero(rng, -3, 3), nonzero(rng, -4, 4)
    f = rng.choice(
        [
            term(a, "x^2*y", True) + term(b, "y^2") + term(c, "x"),
            term(a, "x*y^2", True) + term(b, "sin(y)") + term(c, "y"),
            term(a, "x^2", True) + term(b, "x*y") + term(c, "y^3"),
        ]
    )
    var = rng.choice("xy")
    x0, y0 = rng.randint(-2, 2), rng.randint(-2, 2)
    other = "y" if var == "x" else "x"

    def solve() -> Worked:
        d_text, value = derivative(f, var, x=x0, y=y0)
        return Worked(
            value,
            (
                f"Treat {other} as a constant: ∂f/∂{var} = {d_text}",
                f"at ({x0}, {y0}): {fmt(value)}",
            ),
        )

    return Exercise(
        "partial",
        f"f(x, y) = {pretty_text(f)}. What is ∂f/∂{var} at (x, y) = ({x0}, {y0})?",
        {"f": f, "at": [x0, y0], "variable": var},
        f"Differentiate with respect to {var} only; {other} behaves like a number.",
        solve,
    )


def gen_gradient(rng: random.Random) -> Exercise:
    a, b, c = nonzero(rng, -3, 3), nonzero(rng, -3, 3), nonzero(rng, -3, 3)
    f = term(a, "x^2", True) + term(b, "x*y") + term(c, "y^2")
    x0, y0 = rng.randint(-2, 2), rng.randint(-2, 2)

    def solve() -> Worked:
        dx_text, dx = derivative(f, "x", x=x0, y=y0)
        dy_text, dy = derivative(f, "y", x=x0, y=y0)
        return Worked(
            [dx, dy],
            (
                f"∂f/∂x = {dx_text} = {fmt(dx)}",
                f"∂f/∂y = {dy_text} = {fmt(dy)}",
                f"∇f = {vec([dx, dy])}",
            ),
        )

    return Exercise(
        "gradient",
        f"f(x, y) = {pretty_text(f)}. What is ∇f at ({x0}, {y0})? Answer as [∂f/∂x, ∂f/∂y].",
        {"f": f, "at": [x0, y0]},
        "The gradient is the vector of partial derivatives, one per variable.",
        solve,
        "vector",
    )


OUTER_DERIVATIVES = {"sin": "cos(u)", "exp": "exp(u)", "tanh": "1 - tanh(u)^2"}


def gen_chain_rule(rng: random.Random) -> Exercise:
    a, b = nonzero(rng, -3, 3), rng.randint(-2, 2)
    outer = rng.choice(["sin", "exp", "tanh"])
    inner = term(a, "x^2", True) + (term(b, "") if b else "")
    f = f"{outer}({inner})"
    x0 = rng.choice([0.5, 1, -0.5]) if outer != "exp" else rng.choice([0.5, -0.5, 0.25])

    def solve() -> Worked:
        u = value_of(inner, x=x0)
        du = 2 * a * x0
        outer_d = {"sin": math.cos(u), "exp": math.exp(u), "tanh": 1 - math.tanh(u) ** 2}[outer]
        _, value = derivative(f, "x", x=x0)
        return Worked(
            value,
            (
                f"u = {inner} = {fmt(u)} at x = {fmt(x0)}; du/dx = {2 * a}*x = {fmt(du)}",
                f"d {outer}(u)/du = {OUTER_DERIVATIVES[outer]} = {fmt(outer_d)}",
                f"f'(x) = {fmt(outer_d)} × {par(du)} = {fmt(value)}",
            ),
        )

    return Exercise(
        "chain-rule",
        f"f(x) = {pretty_text(f)}. Use the chain rule: what is f'(x) at x = {fmt(x0)}?",
        {"f": f, "at": [x0]},
        "f(g(x))' = f'(g(x)) · g'(x): the outer derivative at the inner value, "
        "times the inner derivative.",
        solve,
    )


def gen_jacobian(rng: random.Random) -> Exercise:
    a, b = nonzero(rng, -3, 3), nonzero(rng, -3, 3)
    comps = [term(a, "x*y", True), "x" + term(b, "y^2")]
    x0, y0 = rng.randint(-2, 2), rng.randint(-2, 2)

    def solve() -> Worked:
        rows, steps = [], []
        for i, comp in enumerate(comps, start=1):
            parts = [derivative(comp, v, x=x0, y=y0) for v in "xy"]
            rows.append([value for _, value in parts])
            steps.append(
                f"F{i} = {comp}: "
                + ", ".join(
                    f"∂F{i}/∂{v} = {t}" + ("" if t == fmt(val) else f" = {fmt(val)}")
                    for v, (t, val) in zip("xy", parts, strict=True)
                )
            )
        steps.append(f"J = [{vec(rows[0])}, {vec(rows[1])}] (one row per component)")
        return Worked(rows, tuple(steps))

    return Exercise(
        "jacobian",
        f"F(x, y) = ({', '.join(comps)}). What is the Jacobian at ({x0}, {y0})? "
        "Answer as [[∂F₁/∂x, ∂F₁/∂y], [∂F₂/∂x, ∂F₂/∂y]].",
        {"f": ", ".join(comps), "at": [x0, y0]},
        "Row i holds the partial derivatives of component i; column j is the variable.",
        solve,
        "matrix",
    )


def gen_hessian(rng: random.Random) -> Exercise:
    if rng.random() < 0.5:
        return _hessian_kind(rng)
    a, b = nonzero(rng, -3, 3), nonzero(rng, -3, 3)
    f = term(a, "x^3*y", True) + term(b, "x*y^2")
    x0, y0 = rng.randint(-2, 2), rng.randint(-2, 2)
    entry = rng.choice(["xx", "xy", "yy"])

    def solve() -> Worked:
        from calcquiz.expr import parse

        d1 = parse(f).diff(entry[0])
        d2 = d1.diff(entry[1])
        value = float(d2.evaluate(x=x0, y=y0))  # a value for a variable d2 lost is unused
        return Worked(
            value,
            (
                f"∂f/∂{entry[0]} = {d1.pretty}",
                f"∂²f/∂{entry[0]}∂{entry[1]} = {d2.pretty}",
                f"at ({x0}, {y0}): {fmt(value)}",
            ),
        )

    return Exercise(
        "hessian",
        f"f(x, y) = {pretty_text(f)}. What is the Hessian entry ∂²f/∂{entry[0]}∂{entry[1]} at "
        f"({x0}, {y0})?",
        {"f": f, "at": [x0, y0], "entry": entry},
        "Differentiate twice, once per variable (order does not matter for smooth f).",
        solve,
    )


def _hessian_kind(rng: random.Random) -> Exercise:
    a, b, c = nonzero(rng, -3, 3), nonzero(rng, -4, 4), nonzero(rng, -3, 3)
    while 4 * a * c - b * b == 0:  # a degenerate Hessian has no clean answer
        c = nonzero(rng, -3, 3)
    f = term(a, "x^2", True) + term(b, "x*y") + term(c, "y^2")
    h = [[2 * a, b], [b, 2 * c]]
    det = 4 * a * c - b * b

    def solve() -> Worked:
        from calcquiz.drills import numerics as num

        (low, high), _ = num.eig_sym2(h)
        kind = num.classify([low, high])
        return Worked(
            kind,
            (
                f"H = {h}",
                f"det H = {det}, trace H = {2 * a + 2 * c}: eigenvalues {fmt(low)} and "
                f"{fmt(high)}",
                "det < 0: eigenvalues of opposite sign, a saddle"
                if det < 0
                else f"det > 0 and H₁₁ {'>' if a > 0 else '<'} 0: a {kind}",
            ),
        )

    return Exercise(
        "hessian",
        f"f(x, y) = {pretty_text(f)}. The origin is a stationary point. Is it a minimum, a "
        "maximum or a saddle?",
        {"f": f, "at": [0, 0]},
        "Look at the signs of the Hessian's eigenvalues (det H < 0 means opposite signs).",
        solve,
        "choice",
        KIND_CHOICES,
    )
