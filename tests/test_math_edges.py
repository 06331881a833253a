"""Regression tests for false sentences at the edges of floating point: kinks written
another way, zero gradients by underflow, runs that cycle or diverge, constrained points
that are not minima, wrong numbers in sentences, and unbounded loops. Each number is
checked by an independent route (sympy, mpmath, scipy, closed forms)."""

from __future__ import annotations

import math
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import mpmath
import numpy as np
import pytest
import scipy.optimize as so
import sympy as sp

from calcquiz.demos import REGISTRY
from calcquiz.numerics.iterate import bisect_root

X, Y = sp.symbols("x y", real=True)


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) if the block runs longer than ``seconds``."""
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def demo(name: str, **options: object):
    run = REGISTRY[name].run(**options)
    return run.result, run.finish().takeaway


# --- every numeric loop has a bound -------------------------------------------------------


def test_newton_on_x_minus_log_x_finishes_and_claims_no_minimiser():
    with deadline(30):
        result, text = demo("newton", f="x - log(x)", start=[5.0])
    # The iterate leaves log's domain (x < 0): no stationary point is claimed near it.
    assert result["converged"] is False and result["minimiser"] is None


def test_bisect_root_gives_up_at_the_edge_of_float64():
    with deadline(10):
        assert bisect_root(lambda t: 1 - 1 / t, -1.7976931348623031e308) is None
        assert bisect_root(lambda t: 1.0, 1e308) is None
        assert bisect_root(lambda t: 1.0, math.inf) is None
    # Still finds a plain root (x = 2 for t^2 - 4 from 1.5: closed form).
    assert bisect_root(lambda t: t * t - 4, 1.5, 0.5) == pytest.approx(2.0, abs=1e-15)


# --- kinks, whatever the spelling ---------------------------------------------------------


def one_sided(expr, at: float) -> tuple[float, float]:
    """(left, right) derivative of a sympy expression in X at ``at``, by sympy limits."""
    h = sp.Symbol("h", positive=True)
    right = sp.limit((expr.subs(X, at + h) - expr.subs(X, at)) / h, h, 0, "+")
    left = sp.limit((expr.subs(X, at) - expr.subs(X, at - h)) / h, h, 0, "+")
    return float(left), float(right)


@pytest.mark.parametrize("text,expr", [
    ("sqrt(x^2)", sp.sqrt(X**2)),
    ("(x^2)^(1/2)", (X**2) ** sp.Rational(1, 2)),
    ("sqrt(sin(x)^2)", sp.sqrt(sp.sin(X) ** 2)),
])
def test_derivative_finds_a_kink_written_without_abs(text, expr):
    result, text_out = demo("derivative", f=text, at=[0.0])
    left, right = one_sided(expr, 0.0)
    assert (left, right) == (-1.0, 1.0)
    assert result["derivative"] is None and result["differentiable"] is False
    assert (result["left"], result["right"]) == pytest.approx((left, right), abs=1e-6)
    assert "does not exist" in text_out


def test_derivative_reports_an_infinite_one_sided_slope_as_infinite():
    result, text = demo("derivative", f="(x^2)^(1/3)", at=[0.0])
    left, right = one_sided((X**2) ** sp.Rational(1, 3), 0.0)
    assert (left, right) == (-math.inf, math.inf)
    assert (result["left"], result["right"]) == (left, right)
    assert "−∞" in text and "+∞" in text and "111" not in text


def test_derivative_of_a_cusp_plus_a_line_is_not_a_number():
    # (x^2)^(1/3) + x: one-sided slopes -inf and +inf (sympy), the line changes neither.
    result, _ = demo("derivative", f="(x^2)^(1/3) + x", at=[0.0])
    assert one_sided((X**2) ** sp.Rational(1, 3) + X, 0.0) == (-math.inf, math.inf)
    assert result["derivative"] is None
    assert (result["left"], result["right"]) == (-math.inf, math.inf)


def test_derivative_still_reported_where_a_root_is_smooth():
    result, _ = demo("derivative", f="sqrt(1 + x^2)", at=[0.5])
    exact = float(sp.diff(sp.sqrt(1 + X**2), X).subs(X, 0.5))
    assert result["derivative"] == pytest.approx(exact, rel=1e-12)


def test_partial_finds_the_kink_of_sqrt_x_squared():
    result, _ = demo("partial", f="sqrt(x^2) + y^2", at=[0.0, 1.0])
    assert result["gradient"][0] is None
    assert result["gradient"][1] == pytest.approx(float(sp.diff(Y**2, Y).subs(Y, 1)))


def test_gradient_at_a_kink_gives_the_steepest_one_sided_slope():
    result, text = demo("gradient", f="sqrt(x^2) + y^2", at=[0.0, 1.0])
    # f'(p; u) = |cos a| + 2 sin a, largest where tan a = 2: sqrt(5) at 63.435 degrees.
    assert result["gradient"] is None
    assert result["max_slope"] == pytest.approx(math.sqrt(5), rel=1e-9)
    assert result["steepest_angle"] == pytest.approx(math.degrees(math.atan2(2, 1)), abs=1e-3)
    assert "2.23607" in text and "63.4" in text
    # The same maximum by scipy on the closed form of the one-sided slope.
    best = so.minimize_scalar(lambda a: -(abs(math.cos(a)) + 2 * math.sin(a)),
                              bounds=(0, math.pi / 2), method="bounded",
                              options={"xatol": 1e-12})
    assert result["max_slope"] == pytest.approx(-best.fun, rel=1e-9)


def test_gradient_of_a_product_kink_is_not_called_stationary():
    result, text = demo("gradient", f="sqrt(x^2*y^2)", at=[0.0, 1.0])
    # f = |x||y|: along x at y = 1 the slopes are -1 and 1, and f'(p; u) = |cos a| <= 1.
    assert result["gradient"] is None and "stationary" not in text
    assert result["max_slope"] == pytest.approx(1.0, rel=1e-9)


def test_jacobian_tests_for_kinks():
    result, text = demo("jacobian", f="abs(x), y", at=[0.0, 1.0])
    assert result["jacobian"] is None and result["det"] is None
    assert result["kinks"] == [{"component": 1, "variable": "x", "left": -1.0, "right": 1.0}]
    result, _ = demo("jacobian", f="abs(x), y", at=[2.0, 1.0])
    assert result["jacobian"] == [[1.0, 0.0], [0.0, 1.0]]


def test_jacobian_determinant_of_a_3x3_map_scales_volumes_by_its_magnitude():
    result, text = demo("jacobian", f="x*cos(y), x*sin(y), -z", at=[2.0, 0.5, 1.0])
    # Cylindrical coordinates with z flipped: det = -r = -2 (sympy's Jacobian).
    r, t, z = sp.symbols("r t z")
    exact = sp.Matrix([r * sp.cos(t), r * sp.sin(t), -z]).jacobian([r, t, z]).det()
    want = float(exact.subs({r: 2, t: 0.5}))
    assert result["det"] == pytest.approx(want, rel=1e-12)
    assert "volumes" in text and "areas" not in text and f"{abs(want):.6g}" in text


# --- a zero gradient only where it is zero, not where float64 rounded it ------------------


def test_hessian_near_a_degenerate_critical_point_claims_no_minimum():
    result, text = demo("hessian", f="x^3", at=[1e-6])
    # f' = 3x^2 vanishes only at 0 (sympy), where f'' = 0: a degenerate point, and f' at
    # 1e-6 is 3e-12, not 0.
    assert sp.solve(sp.diff(X**3, X), X) == [0] and sp.diff(X**3, X, 2).subs(X, 0) == 0
    assert result["grad_norm"] == pytest.approx(3e-12, rel=1e-12)
    assert result["stationary_kind"] == "degenerate"
    assert "is a minimum" not in text and "not shown to be a minimum" in text


def test_hessian_near_a_nondegenerate_minimum_still_names_it():
    result, text = demo("hessian", f="x^2 + x^3", at=[1e-9])
    # f'' = 2 + 6x > 0 at the critical point 0 (sympy): a minimum, 1e-9 away.
    assert sp.diff(X**2 + X**3, X, 2).subs(X, 0) == 2
    assert result["stationary_kind"] == "minimum" and "a minimum too" in text


def precise_derivative(expr, at: float) -> mpmath.mpf:
    """f'(at) at 400 digits: mpmath on the sympy derivative (independent of float64; enough
    for 1 - tanh(100)^2 = 5.5e-87 to survive the cancellation)."""
    with mpmath.workdps(400):
        return sp.lambdify(X, sp.diff(expr, X), "mpmath")(mpmath.mpf(at))


def test_newton_on_tanh_finds_no_stationary_point_where_the_derivative_rounded_to_0():
    result, text = demo("newton", f="tanh(x)", start=[1.0])
    # tanh' = 1 - tanh^2 > 0 everywhere: sympy finds no real zero; at 21.7 it is 5e-19.
    assert sp.solveset(sp.diff(sp.tanh(X), X), X, sp.S.Reals) == sp.S.EmptySet
    assert precise_derivative(sp.tanh(X), 21.7182) > 0
    assert result["minimiser"] is None and result["converged"] is False
    assert "stationary point (" not in text


@pytest.mark.parametrize("options,expr", [
    (dict(f="tanh(x)", lr=100.0), sp.tanh(X)),
    (dict(f="exp(-x)", start=[0.0], lr=1000.0), sp.exp(-X)),
])
def test_gradient_descent_does_not_converge_where_the_gradient_underflowed(options, expr):
    result, text = demo("gradient-descent", **options)
    assert result["grad_norm"] == 0.0  # what float64 computes at the end
    assert precise_derivative(expr, result["x"][0]) != 0  # what it is
    assert result["converged"] is False and result["kind"] is None
    assert "stationary point" not in text.replace("not a stationary point", "")


def test_learning_rate_on_a_gaussian_bump_claims_no_convergence():
    result, text = demo("learning-rate", f="10000*exp(-x^2)", start=[-2.0])
    # f' = -2x 10^4 exp(-x^2) is 0 only at x = 0 (sympy), a maximum; runs that fled to
    # |x| ~ 75 have f' ~ 1e-2440, not 0.
    assert sp.solve(sp.diff(10000 * sp.exp(-X**2), X), X) == [0]
    for run in result["runs"]:
        assert not (run["converged"] and abs(run["x"][0]) > 1e-3), run


def test_newton_far_out_on_a_flat_valley_does_not_converge():
    f = "sqrt(1 + x^2) + log(1 + (x + 3*y - 2)^2)"
    result, _ = demo("newton", f=f, start=[3.0, 1.0])
    # The only stationary point is (0, 2/3) (sympy): grad f = 0 needs x = 0 and x + 3y = 2.
    e = sp.sqrt(1 + X**2) + sp.log(1 + (X + 3 * Y - 2) ** 2)
    assert sp.solve([sp.diff(e, X), sp.diff(e, Y)], [X, Y], dict=True) == [
        {X: 0, Y: sp.Rational(2, 3)}]
    if result["converged"]:
        assert result["x"] == pytest.approx([0.0, 2 / 3], abs=1e-6)


# --- one classification of a run's end ----------------------------------------------------


def test_gradient_descent_on_the_bowl_at_lr_half_cycles():
    result, text = demo("gradient-descent", lr=0.5)
    # Closed form: x_k = 3 - 3 (1 - 2 lr)^k = 3, y_k = -1 + (1 - 4 lr)^k = -1 + (-1)^k.
    assert result["x"] == [3.0, -1 + (-1) ** 30]
    assert result["end"] == "cycling"
    assert "more --steps" not in text and "bounces between two points" in text
    assert "goes downhill" not in text  # f stays at 2 once x = 3


def test_saddle_demo_on_a_bowl_with_a_large_rate_says_diverging():
    result, text = demo("saddle", f="x^2 + y^2", start=[1.0, 1.0], lr=1.5, steps=40)
    # Closed form: p_k = (1 - 2 lr)^k (1, 1) = (-2)^k (1, 1), f_40 = 2 * 4^40.
    assert result["f"] == pytest.approx(2 * 4.0**40, rel=1e-12)
    assert "diverging" in text and "crawling" not in text


def test_exploding_clipped_run_that_cycles_is_not_called_steady():
    result, text = demo("exploding", lr=2.0)
    # Closed form: from 3 the clipped gradient is sign(x) (|4x^3| > 1), so x = 3 - 2 = 1,
    # then 1 - 2 = -1, then -1 + 2 = 1, ...
    xs = [3.0]
    for _ in range(30):
        xs.append(xs[-1] - 2.0 * math.copysign(1.0, xs[-1]))
    assert result["clipped"]["x"] == [xs[-1]]
    assert result["clipped"]["end"] == "cycling"
    assert "steadily" not in text and "bounces between two points" in text


def heavy_ball(grad, x0: float, lr: float, mu: float, steps: int) -> list[float]:
    """torch.optim.SGD's momentum rule written out (b = mu b + g, x -= lr b)."""
    xs, b = [x0], None
    for _ in range(steps):
        with np.errstate(all="ignore"):
            g = grad(np.float64(xs[-1]))
            b = g if b is None else mu * b + g
            xs.append(float(xs[-1] - lr * b))
    return xs


def test_momentum_that_diverges_is_not_said_to_come_back():
    result, text = demo("momentum", f="x^2 + 0.3*x^3", start=[2.0], lr=0.1, momentum=0.9,
                        steps=60)
    xs = heavy_ball(lambda x: 2 * x + 0.9 * x * x, 2.0, 0.1, 0.9, 60)
    assert not all(math.isfinite(x) for x in xs)  # the reference run blows up too
    assert result["diverged"] is True
    assert "has to come back" not in text and "diverges" in text


def test_momentum_in_one_dimension_mentions_no_valley():
    _, text = demo("momentum", f="x^2", start=[1.0])
    assert "valley" not in text


def test_momentum_count_needs_the_target_to_hold():
    # Heavy ball on x^2 with mu 0.9 oscillates: the count is the first step after which
    # |grad f| <= 1e-6 |grad f(x0)| holds for 20 more steps (checked on the reference run).
    result, _ = demo("momentum", f="x^2", start=[1.0], lr=0.1, momentum=0.9, steps=60)
    xs = heavy_ball(lambda x: 2 * x, 1.0, 0.1, 0.9, 2100)
    ok = [abs(2 * x) <= 1e-6 * 2 for x in xs]
    first = next(k for k in range(len(ok) - 20) if all(ok[k:k + 21]))
    assert result["steps_to_tol"]["momentum"] == first


def test_learning_rate_names_the_stable_two_cycle_and_the_slow_divergence():
    result, _ = demo("learning-rate", f="x^2 + 0.3*x^3", lr=1.05, steps=20)
    run = next(r for r in result["runs"] if r["lr"] == 1.05)
    # The 2-cycle of g(x) = x - 1.05 (2x + 0.9x^2): the roots of g(g(x)) = x other than
    # the fixed points, by sympy; it is stable where |g'(a) g'(b)| < 1.
    g = X - sp.Rational(105, 100) * (2 * X + sp.Rational(9, 10) * X**2)
    roots = [float(r) for r in sp.real_roots(sp.Poly(sp.expand(g.subs(X, g) - X), X))]
    fixed = [float(r) for r in sp.real_roots(sp.Poly(sp.expand(g - X), X))]
    cycle = sorted(r for r in roots if all(abs(r - f) > 1e-9 for f in fixed))
    dg = sp.lambdify(X, sp.diff(g, X))
    assert abs(dg(cycle[0]) * dg(cycle[1])) < 1
    assert min(abs(run["x"][0] - c) for c in cycle) < 0.01
    assert run["verdict"] == "settles into bouncing"
    result, _ = demo("learning-rate", lr=1.0000001, steps=20)
    run = next(r for r in result["runs"] if r["lr"] == 1.0000001)
    # Closed form on x^2: x_k = (1 - 2 lr)^k, |x_k| grows by 1 + 2e-7 per step.
    assert run["x"][0] == pytest.approx((1 - 2 * 1.0000001) ** 20, rel=1e-12)
    assert run["verdict"] == "diverges"


def test_functions_without_a_minimum_are_not_said_to_converge():
    result, text = demo("gradient-descent", f="x - y")
    # Closed form: grad = (1, -1), so f_k = -0.2 k: unbounded below.
    assert result["f"] == pytest.approx(-0.2 * 30, rel=1e-12)
    assert result["end"] == "unbounded below" and "more --steps" not in text
    result, text = demo("learning-rate", f="1/(1 + x^2)")
    # f' = -2x / (1 + x^2)^2 vanishes only at 0 (sympy), a maximum: no minimum to reach.
    assert sp.solve(sp.diff(1 / (1 + X**2), X), X) == [0]
    assert not any(r["verdict"].startswith(("converg", "too slow")) for r in result["runs"])


# --- constrained and Lagrange points: second order that covers every case -----------------


def test_constrained_point_with_zero_multiplier_and_a_falling_feasible_direction():
    result, text = demo("constrained", f="y^2 - (x-1)^2", g="x - 1", start=[1.0, 0.0])
    # Feasible direction (-1, 0): f(1 - t, 0) = -t^2 < 0 = f(1, 0) for every t > 0.
    t = sp.Symbol("t", positive=True)
    assert sp.simplify((Y**2 - (X - 1) ** 2).subs({X: 1 - t, Y: 0})) == -(t**2)
    assert result["label"] != "constrained minimum" and result["solution"] is None
    assert "lowest constrained minimum" not in text
    assert "μ = -0" not in text and "μ = −0" not in text
    # f(1 - t, 0) = -t^2: -1e-6 at t = 1e-3, -1e6 at t = 1e3, and x = 1 - t stays feasible.
    assert "feasible direction (-1, 0)" in text and "f = -1e-06 at distance 0.001" in text
    assert "f may be unbounded below" in text


def test_constrained_point_with_zero_multiplier_is_no_maximum_either():
    result, _ = demo("constrained", f="(x-1)^2 - y^2", g="x - 1", start=[1.0, 0.0])
    # f(1 - t, 0) = t^2 > 0 (feasible) and f(1, t) = -t^2 < 0 (on g = 0): neither.
    e = (X - 1) ** 2 - Y**2
    t = sp.Symbol("t", positive=True)
    assert e.subs({X: 1 - t, Y: 0}) == t**2 and e.subs({X: 1, Y: t}) == -(t**2)
    assert result["label"] == "neither"


def test_lagrange_near_a_degenerate_point_names_no_minimum():
    result, text = demo("lagrange", f="x^3 + y^3", g="x - 1")
    # On x = 1, f = 1 + y^3 is increasing (f' = 3y^2 >= 0): it has no local minimum.
    assert sp.solveset(sp.diff(1 + Y**3, Y) < 0, Y, sp.S.Reals) == sp.S.EmptySet
    assert result["solution"] is None and "lowest constrained minimum" not in text


def test_lagrange_far_along_a_branch_is_no_minimum_and_the_real_one_is_found():
    result, _ = demo("lagrange", f="exp(x) + y^2", g="x*y - 1", start=[2.0, -1.0])
    ref = so.minimize(lambda p: math.exp(p[0]) + p[1] ** 2, [1.0, 1.0], method="SLSQP",
                      constraints=[{"type": "eq", "fun": lambda p: p[0] * p[1] - 1}],
                      options={"ftol": 1e-14, "maxiter": 500})
    assert ref.success and ref.fun == pytest.approx(3.6906, abs=1e-4)
    s = result["solution"]
    assert s is not None
    assert s["x"] == pytest.approx(list(ref.x), abs=1e-6)
    assert s["f"] == pytest.approx(ref.fun, rel=1e-9)
    for point in result["points"]:  # nothing far out on the x < 0 branch is kept
        assert abs(point["x"][0]) < 1e3


def test_lagrange_price_of_a_linear_constraint_is_lambda():
    result, text = demo("lagrange", f="2*x + 2*y", g="x + y - 1")
    # On x + y = 1 + c, f = 2 (1 + c): df/dc = 2 = lambda (grad f = 2 grad g).
    c = sp.Symbol("c")
    assert sp.diff((2 * X + 2 * Y).subs(Y, 1 + c - X), c) == 2
    assert result["multiplier"] == pytest.approx(2.0, rel=1e-12)
    assert result["df_dc"] == pytest.approx(2.0, rel=1e-6)
    assert "df/dc = 2" in text


# --- numbers in sentences -----------------------------------------------------------------


def test_activations_use_stable_forms_in_the_tails():
    result, _ = demo("activations", at=[-10.0, 20.0])
    with mpmath.workdps(60):
        phi = lambda x: mpmath.ncdf(x)  # noqa: E731
        gelu = [float(x * phi(x)) for x in (mpmath.mpf(-10), mpmath.mpf(20))]
        gelu_der = [float(phi(x) + x * mpmath.npdf(x)) for x in (mpmath.mpf(-10), mpmath.mpf(20))]
        tanh_der = [float(mpmath.sech(x) ** 2) for x in (mpmath.mpf(-10), mpmath.mpf(20))]
    assert result["values"]["gelu"][0] == pytest.approx(gelu[0], rel=1e-14)
    assert result["values"]["gelu"][0] < 0  # -7.6e-23, not -0
    assert result["derivatives"]["gelu"] == pytest.approx(gelu_der, rel=1e-14)
    assert result["derivatives"]["tanh"] == pytest.approx(tanh_der, rel=1e-14)


def test_vanishing_does_not_praise_relu_when_its_product_is_zero():
    result, text = demo("vanishing", at=[-0.5])
    # ReLU'(-0.5) = 0, so the product over 30 layers is exactly 0.
    assert result["products"]["relu"] == 0.0
    assert "does not help here" in text
    assert "ReLU, residual connections and normalisation keep the factors near 1" not in text


def test_derivative_of_a_line_does_not_claim_h_squared():
    result, text = demo("derivative", f="x", at=[1.0])
    # Central differences of a linear f have no truncation error: all error is round-off.
    assert result["derivative"] == 1.0
    assert "like h²" not in text and "round-off" in text


def test_weight_decay_names_the_cards_factor_correctly():
    _, text = demo("weight-decay")
    # The card's penalty lambda |w|^2 has gradient 2 lambda w: factor 1 - 2 eta lambda.
    w, lam, eta = sp.symbols("w lambda eta")
    assert sp.expand(w - eta * sp.diff(lam * w**2, w)) == sp.expand((1 - 2 * eta * lam) * w)
    assert "1 − 2ηλ" in text and "the decay factor of the card" not in text


def test_drill_momentum_answers_exact_zeros_as_zero():
    import random
    from fractions import Fraction

    from calcquiz.drills.descent import gen_momentum

    zeros = 0
    for seed in range(400):
        ex = gen_momentum(random.Random(seed))
        d = ex.data
        a = Fraction(d["f"].split("*")[0])
        x, lr, mu = (Fraction(repr(float(v))) for v in (d["start"][0], d["lr"], d["momentum"]))
        b = None
        for _ in range(d["steps"]):  # heavy ball in exact rationals, f' = 2 a x
            g = 2 * a * x
            b = g if b is None else mu * b + g
            x = x - lr * b
        assert ex.answer == float(x), (seed, ex.answer, x)
        zeros += x == 0
    assert zeros > 0  # the cases that used to print 1.11022e-16


def test_one_step_is_not_one_steps():
    _, text = demo("gradient-descent", steps=1)
    assert "1 steps" not in text and "1 step" in text
    _, text = demo("momentum", steps=1)
    assert "1 steps" not in text


def test_saddle_docstring_states_where_the_gradient_bottoms():
    # |grad f| = 2 sqrt(0.64^k + 1e-6 1.44^k) on the default run (closed form).
    norms = [2 * math.sqrt(0.64**k + 1e-6 * 1.44**k) for k in range(41)]
    k = min(range(41), key=norms.__getitem__)
    assert (k, round(norms[k], 4)) == (17, 0.0632)
    from calcquiz.demos import landscape

    doc = landscape.saddle.__doc__ or ""
    assert "0.0632 at k = 17" in doc and "0.077" not in doc
    result, _ = demo("saddle")
    assert result["min_grad_step"] == 17
    assert result["min_grad_norm"] == pytest.approx(norms[17], rel=1e-9)


def test_local_minima_names_how_each_run_ended():
    result, text = demo("local-minima", f="x - y", start=[0.0, 0.0, 1.0, 1.0])
    # f = x - y: the gradient (1, -1) never vanishes (closed form), f falls 0.1 * 2 per step.
    assert [r["basin"] for r in result["runs"]] == ["unbounded below"] * 2
    assert "more --steps" not in text.lower()
    result, _ = demo("local-minima", f="x^2", lr=1.0, start=[1.0, 2.0])
    # x_k = (1 - 2)^k x_0: bounces between x_0 and -x_0 (closed form).
    assert [r["basin"] for r in result["runs"]] == ["cycling, period 2"] * 2


def test_steepest_one_sided_slope_does_not_depend_on_the_scale_of_f():
    # f = c (|2x + 1| + y^2) at (-0.5, -1.5): f'(p; u) = c (2 |cos a| - 3 sin a), largest
    # c sqrt(13) (closed form), for every scale c.
    for c in ("1e-8", "1", "1e8"):
        result, _ = demo("gradient", f=f"{c}*(abs(2*x + 1) + y^2)", at=[-0.5, -1.5])
        assert result["max_slope"] == pytest.approx(float(c) * math.sqrt(13), rel=1e-9)


def test_a_point_far_out_is_not_on_a_linear_constraint_it_misses_by_one():
    from calcquiz.demos import objectives
    from calcquiz.numerics.kkt import check_kkt

    f = objectives.from_text("-x*y^3 - x", min_dim=2)
    g = objectives.from_text("x - 1", min_dim=2)
    p = np.array([0.0, 140799429783.7186])
    # g(p) = 0 - 1 = -1 exactly: p is a distance 1 from the line x = 1, however large y is.
    assert float(g.fun(p)) == -1.0
    check = check_kkt(f, g, p, equality=True)
    assert check.active is False and check.satisfied is False
    # A point that is on a circle of radius 1e6 stays feasible (g's terms are 1e12 there).
    circle = objectives.from_text("x^2 + y^2 - 1e12", min_dim=2)
    on = np.array([1e6 * math.cos(0.3), 1e6 * math.sin(0.3)])
    assert check_kkt(f, circle, on, equality=True).feasible
