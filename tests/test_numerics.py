"""The numeric core (calcquiz.numerics) against independent routes: closed forms, sympy,
scipy.optimize and numpy.linalg."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.optimize as so
import sympy as sp

from calcquiz.numerics import convergence, critical, differences, iterate, kkt

# --- differences --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fun,x,left,right",
    [(abs, 0.0, -1.0, 1.0),
     (lambda t: abs(t - 1.5) + t, 1.5, 0.0, 2.0),
     (lambda t: max(0.0, t) * 3, 0.0, 0.0, 3.0)],
)
def test_kinks_are_found_with_their_one_sided_slopes(fun, x, left, right):
    test = differences.differentiability(fun, x)
    assert not test.differentiable
    assert (test.left, test.right) == pytest.approx((left, right), abs=1e-6)


@pytest.mark.parametrize("scale", [1e-8, 1.0, 1e8])
@pytest.mark.parametrize(
    "expr,x",
    [("sin(3*x)", 0.3), ("exp(x)", 2.0), ("x*abs(x)", 0.0), ("x^3", 0.0), ("log(1+x^2)", -4.0)],
)
def test_smooth_points_are_differentiable_at_any_scale(expr, x, scale):
    t = sp.Symbol("t", real=True)
    e = scale * sp.sympify(expr.replace("^", "**"), locals={"x": t})  # trusted test text
    f = sp.lambdify(t, e, "math")
    test = differences.differentiability(f, x)
    assert test.differentiable
    exact = float(sp.diff(e, t).subs(t, x))
    assert test.slope == pytest.approx(exact, rel=1e-6, abs=1e-6 * scale)


def test_central_difference_error_is_second_order():
    # f = e^x at 0: the central error is h^2/6 to leading order (Taylor), forward h/2.
    for h in (1e-2, 1e-3):
        assert differences.central_difference(math.exp, 0.0, h) - 1 == pytest.approx(
            h * h / 6, rel=1e-2)
        assert differences.forward_difference(math.exp, 0.0, h) - 1 == pytest.approx(
            h / 2, rel=1e-2)


# --- iterations and convergence -----------------------------------------------------------


def test_newton_on_x4_converges_linearly_with_ratio_two_thirds():
    run = iterate.newton_path(lambda p: float(p[0] ** 4), lambda p: 4 * p**3,
                              lambda p: np.array([[12 * p[0] ** 2]]), [1.0], 20)
    xs = [float(q[0]) for q in run.path]
    assert xs == pytest.approx([(2 / 3) ** k for k in range(21)], rel=1e-12)  # closed form
    assert not run.converged  # 3e-4 from the minimiser 0 is not within 1e-6 of the scale
    assert convergence.observed_order(xs) == pytest.approx(1.0, abs=1e-9)


def test_newton_quadratic_order_on_exp():
    run = iterate.newton_path(lambda p: float(math.exp(p[0]) - 2 * p[0]),
                              lambda p: np.exp(p) - 2, lambda p: np.array([[math.exp(p[0])]]),
                              [0.0], 20)
    assert run.converged and run.x[0] == pytest.approx(math.log(2), abs=1e-15)
    errors = [abs(float(q[0]) - math.log(2)) for q in run.path]
    assert convergence.observed_order(errors) == pytest.approx(2.0, abs=0.1)


def test_converged_is_invariant_to_scaling_f():
    for c in (1e-12, 1.0, 1e12):
        grad = lambda p, c=c: c * 2 * (p - 3)  # noqa: E731
        hess = lambda p, c=c: np.array([[2.0 * c]])  # noqa: E731
        assert convergence.is_converged(np.array([3.0 + 1e-9]), grad(np.array([3.0 + 1e-9])),
                                        hess(None), start=np.array([0.0]))
        assert not convergence.is_converged(np.array([2.9]), grad(np.array([2.9])), hess(None),
                                            start=np.array([0.0]))


def test_gd_that_stalls_is_not_called_converged():
    # f = 1e-30 x^2: from x = 1 with lr 0.1 each step is 2e-31, below float64's resolution
    # at 1, so p never changes: a stall, not a minimum (the minimiser is 0).
    run = iterate.gd_path(lambda p: 1e-30 * float(p[0] ** 2), lambda p: 2e-30 * p, [1.0], 0.1,
                          50, hess=lambda p: np.array([[2e-30]]))
    assert not run.converged and "stalled" in run.message


def test_cycles_are_detected_and_slow_oscillation_is_not_a_cycle():
    two = [np.array([(-1.0) ** k]) for k in range(12)]
    assert convergence.detect_cycle(two) == 2
    three = [np.array([float(k % 3)]) for k in range(12)]
    assert convergence.detect_cycle(three) == 3
    slow = [np.array([(-0.98) ** k]) for k in range(30)]
    assert convergence.detect_cycle(slow) is None


def test_sgd_step_matches_the_documented_torch_rule():
    p, buf = np.array([1.0, -2.0]), None
    ref_p, ref_b = p.copy(), None
    grad = lambda q: np.array([q[0] ** 3, 2 * q[1]])  # noqa: E731
    for _ in range(10):
        p, buf = iterate.sgd_step(p, grad(p), buf, 0.05, 0.9, 0.1)
        g = grad(ref_p) + 0.1 * ref_p
        ref_b = g if ref_b is None else 0.9 * ref_b + g
        ref_p = ref_p - 0.05 * ref_b
        assert p == pytest.approx(ref_p, rel=1e-15)


# --- critical points ----------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1e-12, 1e-6, 1.0, 1e6, 1e12])
def test_classification_is_invariant_to_scale(scale):
    assert critical.classify_eigenvalues([scale, 2 * scale]) == "minimum"
    assert critical.classify_eigenvalues([-scale, -2 * scale]) == "maximum"
    assert critical.classify_eigenvalues([-scale, 2 * scale]) == "saddle"
    assert critical.classify_eigenvalues([0.0, scale]) == "degenerate"


def test_exact_inertia_agrees_with_numpy_on_random_rational_matrices():
    rng = np.random.default_rng(1)
    for _ in range(50):
        n = int(rng.integers(1, 4))
        A = rng.integers(-3, 4, (n, n))
        S = A + A.T
        if rng.random() < 0.3:
            S[:, 0] = 0
            S[0, :] = 0  # a zero eigenvalue
        eig = np.linalg.eigvalsh(S.astype(float))
        want = (int(np.sum(eig > 1e-9)), int(np.sum(eig < -1e-9)), int(np.sum(abs(eig) <= 1e-9)))
        H = sp.Matrix(n, n, [sp.Rational(Fraction(int(v))) for v in S.ravel()])
        assert critical.exact_inertia(H) == want


# --- KKT ----------------------------------------------------------------------------------


class _Fn:
    def __init__(self, fun, jac, hess):
        self.fun, self.jac, self.hess = fun, jac, hess


XY = _Fn(lambda p: float(p[0] * p[1]), lambda p: np.array([p[1], p[0]]),
         lambda p: np.array([[0.0, 1.0], [1.0, 0.0]]))
CIRCLE = _Fn(lambda p: float(p @ p - 2), lambda p: 2 * p, lambda p: 2 * np.eye(2))


def test_lagrange_points_of_xy_on_a_circle_are_all_found_and_labelled():
    points = kkt.kkt_points(XY, CIRCLE, kkt.default_starts(np.zeros(2)), equality=True)
    # Closed form: (±1, ±1); xy = 1 at the maxima (1, 1), (-1, -1), -1 at the minima.
    got = {(round(c.x[0]), round(c.x[1])): c for c in points}
    assert set(got) == {(1, 1), (-1, -1), (1, -1), (-1, 1)}
    for (x, y), c in got.items():
        assert c.kind == ("constrained maximum" if x * y > 0 else "constrained minimum")
        assert c.multiplier == pytest.approx(x * y / 2, abs=1e-12)  # ∇f = λ∇g: y = 2λx
    best = kkt.best_constrained(points)
    assert best is not None and best.f == pytest.approx(-1.0, abs=1e-12)


def test_kkt_inequality_finds_the_optimum_slsqp_finds():
    # min x^2 + (y-2)^2 s.t. y - x^2 <= 0: (0, 0) is a KKT point (mu = 4) but not a minimum.
    f = _Fn(lambda p: float(p[0] ** 2 + (p[1] - 2) ** 2),
            lambda p: np.array([2 * p[0], 2 * (p[1] - 2)]), lambda p: 2 * np.eye(2))
    g = _Fn(lambda p: float(p[1] - p[0] ** 2), lambda p: np.array([-2 * p[0], 1.0]),
            lambda p: np.array([[-2.0, 0.0], [0.0, 0.0]]))
    points = kkt.kkt_points(f, g, kkt.default_starts(np.zeros(2)), equality=False)
    best = kkt.best_constrained(points)
    ref = min((so.minimize(f.fun, s, method="SLSQP", options={"ftol": 1e-14},
                           constraints=[{"type": "ineq", "fun": lambda p: -g.fun(p)}])
               for s in ([1.0, 0.0], [-1.0, 0.0], [0.0, -1.0])), key=lambda r: r.fun)
    assert best is not None and best.f == pytest.approx(ref.fun, abs=1e-8) and ref.fun == (
        pytest.approx(1.75, abs=1e-8))
    origin = kkt.check_kkt(f, g, np.zeros(2), equality=False)
    assert origin.satisfied and origin.multiplier == pytest.approx(4.0)
    assert origin.kind == "neither"


def test_lambda_is_never_read_off_an_infeasible_point():
    check = kkt.check_kkt(XY, CIRCLE, np.zeros(2), equality=True)
    assert not check.feasible and not check.satisfied and check.kind == "not a KKT point"


def test_classify_limit_does_not_call_a_degenerate_point_a_saddle_from_an_iterate():
    # f = 3x² + xy³ + x: the stationary point (−1/6, 0) has H = diag(6, 0) (degenerate);
    # at the iterate (−1/6, 4.6e-7) H has the eigenvalue 6xy = −4.6e-7 (sympy, exact).
    x, y = sp.symbols("x y", real=True)
    f = 3 * x**2 + x * y**3 + x
    grad = sp.lambdify((x, y), [sp.diff(f, x), sp.diff(f, y)])
    hess = sp.lambdify((x, y), sp.hessian(f, (x, y)))
    p = np.array([-1 / 6, 4.56e-7])
    H = np.array(hess(*p), dtype=float)
    assert critical.classify_critical_point(p, np.array(grad(*p)), H).kind == "saddle"
    limit = critical.classify_limit(p, np.array(grad(*p)), lambda q: np.array(hess(*q), float))
    assert limit.kind == "degenerate"
    # Near a clear minimum (x² + y² at 1e-7 off the origin) the kind stands.
    q = np.array([1e-7, -1e-7])
    assert critical.classify_limit(q, 2 * q, lambda r: 2 * np.eye(2)).kind == "minimum"
