"""Regression tests for six classes of false statements a demo once made, each checked by an
independent route (sympy limits and derivatives, scipy.optimize, closed forms)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.optimize as so
import sympy as sp

from calcquiz.demos import (
    constraints,
    convexity,
    deep,
    derivatives,
    descent,
    landscape,
    rates,
    second_order,
)

X, Y = sp.symbols("x y", real=True)


# --- 1. a derivative where none exists ----------------------------------------------------


@pytest.mark.parametrize(
    "text,expr,at",
    [("abs(x)", sp.Abs(X), 0.0), ("abs(x - 1) + x", sp.Abs(X - 1) + X, 1.0),
     ("abs(sin(x))", sp.Abs(sp.sin(X)), 0.0)],
)
def test_derivative_is_null_at_a_kink_with_the_one_sided_slopes(text, expr, at):
    result = derivatives.derivative(f=text, at=[at]).result
    h = sp.Symbol("h", positive=True)
    quotient = (expr.subs(X, at + h) - expr.subs(X, at)) / h
    right = float(sp.limit(quotient, h, 0, "+"))
    left = float(sp.limit((expr.subs(X, at) - expr.subs(X, at - h)) / h, h, 0, "+"))
    assert left != right
    assert result["derivative"] is None and result["differentiable"] is False
    assert (result["left"], result["right"]) == pytest.approx((left, right), abs=1e-6)
    run = derivatives.derivative(f=text, at=[at])
    assert "does not exist" in run.finish().takeaway


@pytest.mark.parametrize("text,expr,at", [("x*abs(x)", X * sp.Abs(X), 0.0),
                                          ("abs(x)", sp.Abs(X), 0.5)])
def test_derivative_is_reported_where_abs_is_smooth(text, expr, at):
    result = derivatives.derivative(f=text, at=[at]).result
    h = sp.Symbol("h", positive=True)
    exact = float(sp.limit((expr.subs(X, at + h) - expr.subs(X, at - h)) / (2 * h), h, 0))
    assert result["derivative"] == pytest.approx(exact, abs=1e-12)


def test_gradient_and_partial_do_not_invent_a_gradient_at_a_kink():
    result = derivatives.gradient(f="abs(x) + y^2", at=[0.0, 1.0]).result
    assert result["gradient"] is None and result["left"][0] == pytest.approx(-1.0)
    result = derivatives.partial(f="abs(x) + y^2", at=[0.0, 1.0]).result
    assert result["gradient"][0] is None and result["gradient"][1] == pytest.approx(2.0)


# --- 2. convergence claimed, not checked --------------------------------------------------


def test_newton_on_x4_errors_are_to_the_true_minimiser_and_the_order_is_linear():
    run = second_order.newton(f="x^4", start=[1.0])
    result = run.result
    # Closed form: x_k = (2/3)^k, the minimiser is 0, so e_k = (2/3)^k (never 0).
    assert result["errors"] == pytest.approx([(2 / 3) ** k for k in range(21)], rel=1e-9)
    assert result["errors"][-1] > 0
    assert result["order"] == pytest.approx(1.0, abs=0.01)
    text = run.finish().takeaway
    assert "linear" in text and "quadratic" not in text and "square" not in text


def test_newton_order_two_where_the_hessian_is_not_singular():
    result = second_order.newton(f="x^4 - 3*x^2 + x", start=[2.0]).result
    x_star = so.brentq(lambda x: 4 * x**3 - 6 * x + 1, 1, 2, xtol=1e-15, rtol=1e-15)
    assert result["minimiser"][0] == pytest.approx(x_star, abs=1e-14)
    assert result["order"] == pytest.approx(2.0, abs=0.15)
    assert result["kind"] == "minimum"


def test_learning_rate_names_a_two_cycle_and_not_slow_progress():
    # f = sqrt(1 + x^2), lr 3: GD settles into the 2-cycle ±sqrt(lr^2/4 - 1) (closed form:
    # x = -x + lr x / sqrt(1 + x^2) at a symmetric cycle).
    result = rates.learning_rate(f="sqrt(1 + x^2)", start=[1.0], steps=300, lr=3.0).result
    run = next(r for r in result["runs"] if r["lr"] == 3.0)
    assert run["verdict"] == "bounces forever"
    assert abs(run["x"][0]) == pytest.approx(math.sqrt(3.0**2 / 4 - 1), rel=1e-6)
    assert run["converged"] is False


def test_constrained_after_three_steps_claims_no_multiplier():
    run = constraints.constrained(steps=3)
    result = run.result
    assert result["converged"] is False and result["multiplier"] is None
    assert result["kkt_residual"] > 1e-3
    assert "not active" not in run.finish().takeaway


# --- 3. "the solution" or "a minimum" for points that are not -----------------------------


def test_constrained_finds_the_true_optimum_and_labels_the_kkt_saddle():
    result = constraints.constrained(f="x^2 + (y-2)^2", g="y - x^2").result
    refs = [so.minimize(lambda p: p[0] ** 2 + (p[1] - 2) ** 2, s, method="SLSQP",
                        constraints=[{"type": "ineq", "fun": lambda p: p[0] ** 2 - p[1]}],
                        options={"ftol": 1e-14}) for s in ([1.0, 0.5], [-1.0, 0.5])]
    assert result["solution"]["f"] == pytest.approx(min(r.fun for r in refs), abs=1e-8)
    assert result["solution"]["f"] == pytest.approx(1.75, abs=1e-9)
    assert abs(result["solution"]["x"][0]) == pytest.approx(math.sqrt(1.5), abs=1e-8)
    assert result["x"] == pytest.approx([0.0, 0.0], abs=1e-9)  # where the run stopped
    assert result["label"] == "neither"


def test_lagrange_never_reads_a_multiplier_off_an_infeasible_point():
    result = constraints.lagrange(f="x*y", g="x^2 + 4*y^2 - 8").result
    assert result["multiplier"] is None and result["converged"] is False
    # Closed form: on x^2 + 4y^2 = 8, xy = 2 sin(2t) with x = 2√2 cos t, y = √2 sin t.
    assert result["solution"]["f"] == pytest.approx(-2.0, abs=1e-12)
    assert result["solution"]["multiplier"] == pytest.approx(-0.25, abs=1e-12)


def test_local_minima_does_not_call_a_maximum_a_minimum():
    peak = so.brentq(lambda x: 4 * x**3 - 6 * x + 1, 0, 0.5)  # f'' = 12x^2 - 6 < 0 there
    result = landscape.local_minima(f="x^4 - 3*x^2 + x", start=[peak, 2.0]).result
    first = result["runs"][0]
    assert "minimum" not in first["basin"]
    assert result["runs"][1]["basin"] == "lowest minimum found"


def test_gradient_descent_on_an_unbounded_function_names_no_minimum():
    run = descent.gradient_descent(f="-x^2 - y^2", start=[1.0, 1.0], steps=5000)
    text = run.finish().takeaway
    assert run.result["diverged"] and "unbounded below" in text
    assert "overshoot" not in text


# --- 4. absolute tolerances where scale matters ------------------------------------------


@pytest.mark.parametrize("c", [1e-10, 1.0, 1e10])
def test_hessian_kind_does_not_depend_on_the_scale_of_f(c):
    result = second_order.hessian(f=f"{c!r}*(x^2 + y^2)", at=[0.0, 0.0]).result
    H = sp.hessian(sp.Rational(repr(c)) * (X**2 + Y**2), (X, Y))
    assert all(v > 0 for v in H.eigenvals())
    assert result["kind"] == "minimum" and result["stationary"]


def test_a_linear_function_is_convex_whatever_its_scale():
    for text in ("10000*x", "1e8*x - 3*y", "1e-8*(x^2 + y^2)"):
        assert convexity.convexity(f=text).result["functions"][-1]["convex"] is True
    found = convexity.convexity(f="1e-8*sin(x)").result["functions"][-1]
    assert found["convex"] is False
    w = found["witness"]  # the violating chord, rechecked in exact arithmetic
    a, b, t = (sp.Rational(v) for v in (w["a"][0], w["b"][0], w["t"]))
    assert sp.sin(t * a + (1 - t) * b) - (t * sp.sin(a) + (1 - t) * sp.sin(b)) > 0


# --- 5. sign and scale slips --------------------------------------------------------------


def test_learning_rate_factor_is_signed():
    result = rates.learning_rate(f="-x^2").result
    for r in result["runs"]:
        assert r["factor"] == pytest.approx(1 + 2 * r["lr"])  # f'' = -2: 1 - lr (-2)
        assert not r["converged"]


def test_learning_rate_curvature_is_read_at_the_minimum_reached():
    result = rates.learning_rate(f="x^4 - 3*x^2 + x", start=[2.0], steps=200).result
    # From 2, lr 0.01 ends in the local minimum, lr 0.1 in the global one (card 8's note).
    minima = [so.brentq(lambda x: 4 * x**3 - 6 * x + 1, *b) for b in ((-2, -1), (1, 2))]
    assert result["curvature_at_minimum"]
    assert result["L"] == pytest.approx(12 * minima[0] ** 2 - 6, rel=1e-6)  # the lowest found
    ends = set()
    for r in result["runs"]:
        if r["converged"]:
            x = min(minima, key=lambda m: abs(m - r["x"][0]))
            ends.add(round(x, 3))
            assert r["factor"] == pytest.approx(1 - r["lr"] * (12 * x**2 - 6), rel=1e-6)
    assert ends == {round(m, 3) for m in minima}


def test_quadratic_verdicts_agree_with_two_over_l():
    result = rates.learning_rate(f="3*x^2 + y^2", start=[1.0, 1.0], steps=400).result
    assert result["limit"] == pytest.approx(1 / 3)  # L = 6
    for r in result["runs"]:
        # Closed form: x_k = (1 - 6 lr)^k, y_k = (1 - 2 lr)^k from (1, 1).
        want = [(1 - 6 * r["lr"]) ** r["steps"], (1 - 2 * r["lr"]) ** r["steps"]]
        if r["lr"] < result["limit"]:
            assert not r["diverged"] and "diverge" not in r["verdict"], r
            assert r["x"] == pytest.approx(want, rel=1e-9, abs=1e-300)
            assert r["converged"] == (max(abs(v) for v in want) < 1e-6)
        else:
            assert r["diverged"], r


# --- 6. takeaways that describe the default whatever happened ----------------------------


def test_saddle_on_the_ridge_does_not_escape():
    run = landscape.saddle(start=[1.0, 0.0], steps=2000)
    result = run.result
    assert result["escaped"] is False and result["converged"] is True
    assert result["x"] == pytest.approx([0.0, 0.0], abs=1e-12)
    assert "escapes" not in run.finish().takeaway and "did not escape" in run.finish().takeaway
    assert landscape.saddle().result["escaped"] is True


def test_exploding_at_a_small_rate_does_not_claim_overflow():
    run = deep.exploding(lr=0.001)
    assert run.result["unclipped"]["diverged_at"] is None
    text = run.finish().takeaway
    assert "overflow" not in text and "overshoots" not in text


def test_weight_decay_that_diverges_does_not_say_shrink():
    run = deep_run = descent.weight_decay(lr=1.0)
    result = run.result
    # Scalar: w <- w - lr (w - 3 + lam w): factor 1 - lr (1 + lam) = -1 at lam = 1, -4 at 4.
    assert result["converged"][-1] is False and result["converged"][0] is True
    assert "shrink" not in deep_run.finish().takeaway


def test_momentum_that_is_slower_says_so():
    run = rates.momentum(f="x^2 + y^2", start=[1.0, 1.0], lr=0.4, momentum=0.9)
    text = run.finish().takeaway
    counts = run.result["steps_to_tol"]
    assert counts["momentum"] > counts["gd"]
    assert "slower" in text and "cancel" not in text


def test_lagrange_angle_in_text_matches_the_table():
    run = constraints.lagrange(f="x*y", g="x^2 + y^2 - 2", start=[1.2, -0.9])
    result = run.result
    assert result["x"] == pytest.approx([1.0, -1.0]) and result["multiplier"] == pytest.approx(
        -0.5)
    angle = run.rows[-1][run.columns.index("angle(grad f, grad g)")]
    gf, gg = np.array([-1.0, 1.0]), np.array([2.0, -2.0])  # ∇(xy), ∇g at (1, -1)
    cosine = gf @ gg / (np.linalg.norm(gf) * np.linalg.norm(gg))
    assert cosine == pytest.approx(-1.0, abs=1e-15)  # opposite: 180 degrees
    assert angle == pytest.approx(180.0, abs=1e-6)
    assert "opposite (angle 180°)" in run.finish().takeaway


def test_local_minima_does_not_say_the_start_picks_the_basin_when_a_step_jumps():
    # From 2 with lr 0.1 the first step is 2 - 0.1 f'(2) = 2 - 0.1 * 21 = -0.1, left of the
    # maximum: the run ends in the global minimum although it started in the other basin.
    run = landscape.local_minima(start=[2.0, -2.0], lr=0.1)
    result = run.result
    gmin = so.brentq(lambda x: 4 * x**3 - 6 * x + 1, -2, -1)
    assert [r["x"][0] for r in result["runs"]] == pytest.approx([gmin, gmin], abs=1e-8)
    text = run.finish().takeaway
    assert "does not always pick the basin" in text and "from 2 " in text


# --- the JSON contract additions ----------------------------------------------------------


@pytest.mark.parametrize(
    "demo",
    [descent.gradient_descent, rates.learning_rate, rates.momentum, landscape.local_minima,
     landscape.saddle, second_order.newton, constraints.constrained, constraints.lagrange,
     deep.exploding],
)
def test_iterative_demos_report_converged(demo):
    result = demo().result
    assert isinstance(result["converged"], bool)


def test_default_convergence_flags_match_closed_forms():
    # GD on the bowl: error 3 (0.8)^30 = 3.7e-3 in x after 30 steps: not converged; after
    # 200 steps 3 (0.8)^200 = 1e-19: converged.
    assert descent.gradient_descent().result["converged"] is False
    assert descent.gradient_descent(steps=200).result["converged"] is True
    assert second_order.newton().result["converged"] is True  # ln 2 to round-off
    assert constraints.constrained().result["converged"] is True
    for name in ("constrained", "lagrange"):
        result = getattr(constraints, name)().result
        assert result["kkt_residual"] == pytest.approx(0.0, abs=1e-8)


def test_hessian_kind_is_exact_for_polynomials():
    result = second_order.hessian(f="1e-10*(x^2 + y^2) + x^4", at=[0.0, 0.0]).result
    assert result["kind"] == "minimum" and result["kind_exact"] is True
    result = second_order.hessian(f="x^4 + y^2", at=[0.0, 0.0]).result
    assert result["kind"] == "degenerate" and result["kind_exact"] is True


@pytest.mark.parametrize(
    "text,shown",
    [("(x - 3)^2 + 2 (y + 1)^2", "(x − 3)² + 2 (y + 1)²"), ("1*x^3 - 1*x*y", "x³ − x·y"),
     ("3*(y - 1)^2 + 2*pi*x", "3·(y − 1)² + 2π·x"), ("sqrt(x) + 2*abs(y)", "√x + 2·|y|"),
     ("-1*x^2 + x**4", "−x² + x⁴"), ("x^4 - 3*x^2 + x", "x⁴ − 3x² + x"),
     ("1e-8*(x^2)", "1e-8·(x²)"), ("x^(-2)", "x⁻²"), ("x^2 + y^2 - 1 <= 0", "x² + y² − 1 ≤ 0")],
)
def test_expressions_in_titles_read_like_math(text, shown):
    from calcquiz.demos.core import pretty

    assert pretty(text) == shown
