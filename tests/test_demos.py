"""Every default demo scenario against the reference values of ../shared/demos.md, each
recomputed here by an independent route: closed forms, finite differences, numpy.linalg,
scipy.optimize, sympy, and a re-implementation of torch.optim.SGD's documented update."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.optimize as so
import scipy.special as ss
import scipy.stats as st_
import sympy as sp

from calcquiz.demos import (
    constraints,
    convexity,
    deep,
    derivatives,
    descent,
    jacobian,
    landscape,
    rates,
    second_order,
)

X, Y, Z = sp.symbols("x y z", real=True)


def column(run, name):
    run.finish()
    assert run.rows, "a demo with no rows"
    return [row[run.columns.index(name)] for row in run.rows]


def torch_sgd(grad, p0, lr, steps, momentum=0.0, weight_decay=0.0):
    """torch.optim.SGD as documented (dampening 0, nesterov off), written independently:
    g = grad(p) + wd * p; b = g on the first step, else b = mu * b + g; p = p - lr * b."""
    p = np.array(p0, dtype=float)
    out, b = [p.copy()], None
    for _ in range(steps):
        g = np.asarray(grad(p), dtype=float) + weight_decay * p
        if momentum:
            b = g.copy() if b is None else momentum * b + g
            g = b
        p = p - lr * g
        out.append(p.copy())
    return out


def textbook_momentum(grad, p0, eta, gamma, steps):
    """The card's form: v = gamma v + eta grad, p = p - v (v starts at 0)."""
    p = np.array(p0, dtype=float)
    v = np.zeros_like(p)
    out = [p.copy()]
    for _ in range(steps):
        v = gamma * v + eta * np.asarray(grad(p))
        p = p - v
        out.append(p.copy())
    return out


# --- 1 derivative -------------------------------------------------------------------------


def test_derivative_default():
    run = derivatives.derivative()
    result = run.result
    assert result["derivative"] == 1.0  # f'(x) = 3x^2 - 2 at 1
    hs = column(run, "h")
    assert hs == [10.0**-k for k in range(1, 13)]
    central = dict(zip(hs, column(run, "central error"), strict=True))
    forward = dict(zip(hs, column(run, "forward error"), strict=True))
    # For a cubic the truncation errors are exact: central h^2 f'''/6 = h^2, forward 3h + h^2.
    assert central[1e-2] == pytest.approx(1e-4, rel=1e-6)
    assert forward[1e-2] == pytest.approx(3e-2 + 1e-4, rel=1e-6)
    assert central[1e-5] < 1e-9
    assert central[1e-12] > 1e-6  # round-off grows again
    assert result["best_h"] in (1e-5, 1e-6)


DERIVATIVE_CASES = [
    ("exp(x)*sin(x)", sp.exp(X) * sp.sin(X), 0.5),
    ("log(x)^2", sp.log(X) ** 2, 2.0),
    ("sigmoid(x)", 1 / (1 + sp.exp(-X)), 0.3),
    ("x^x", X**X, 1.5),
    ("tanh(x)/x", sp.tanh(X) / X, 0.7),
]


@pytest.mark.parametrize("text,reference,at", DERIVATIVE_CASES)
def test_derivative_user_function(text, reference, at):
    result = derivatives.derivative(f=text, at=[at]).result
    want = float(sp.diff(reference, X).subs(X, at))
    assert result["derivative"] == pytest.approx(want, rel=1e-12)


# --- 2 partial, 3 gradient ----------------------------------------------------------------


def test_partial_default():
    run = derivatives.partial()
    x, y = 1.0, 2.0
    assert run.result["gradient"] == pytest.approx([2 * x * y, x**2 + math.cos(y)], rel=1e-15)
    assert run.result["gradient"][1] == pytest.approx(0.5838531634528576, rel=1e-15)
    h3 = run.rows[2]  # h = 1e-3: central differences within 1e-7
    assert h3[2] < 1e-7 and h3[4] < 1e-7


PARTIAL_CASES = [
    ("x*y*z + y^2", X * Y * Z + Y**2, [1.0, 2.0, 3.0]),
    ("exp(x - y)*cos(x*y)", sp.exp(X - Y) * sp.cos(X * Y), [0.3, -0.4]),
    ("sqrt(x^2 + y^2)", sp.sqrt(X**2 + Y**2), [3.0, 4.0]),
]


@pytest.mark.parametrize("text,reference,at", PARTIAL_CASES)
def test_partial_user_function(text, reference, at):
    result = derivatives.partial(f=text, at=at).result
    subs = dict(zip((X, Y, Z), at, strict=False))
    want = [float(sp.diff(reference, s).subs(subs)) for s in (X, Y, Z)[: len(at)]]
    assert result["gradient"] == pytest.approx(want, rel=1e-12)


def test_gradient_default():
    run = derivatives.gradient()
    result = run.result
    assert result["gradient"] == [2.0, 6.0]
    assert result["norm"] == pytest.approx(math.sqrt(40), rel=1e-15)
    assert result["steepest_angle"] == pytest.approx(math.degrees(math.atan2(6, 2)), abs=1e-12)
    assert result["steepest_angle"] == pytest.approx(71.565, abs=1e-3)
    assert result["max_slope"] == pytest.approx(result["norm"], rel=1e-12)
    for slope, numeric in zip(column(run, "slope grad.u"), column(run, "by differences"),
                              strict=True):
        assert slope == pytest.approx(numeric, abs=1e-6)
    assert max(column(run, "slope grad.u")) == pytest.approx(6.324555, abs=1e-6)


@pytest.mark.parametrize(
    "text,func,at",
    [("x^2*y - y^3", lambda p: p[0] ** 2 * p[1] - p[1] ** 3, [1.0, 2.0]),
     ("sin(x)*exp(y)", lambda p: math.sin(p[0]) * math.exp(p[1]), [0.4, -0.3]),
     ("log(1 + x^2 + y^2)", lambda p: math.log(1 + p[0] ** 2 + p[1] ** 2), [1.5, -0.5])],
)
def test_gradient_user_function_vs_scipy(text, func, at):
    result = derivatives.gradient(f=text, at=at).result
    numeric = so.approx_fprime(np.array(at), func, 1e-7)
    assert result["gradient"] == pytest.approx(list(numeric), rel=1e-5, abs=1e-6)
    assert result["norm"] == pytest.approx(float(np.linalg.norm(numeric)), rel=1e-5)


# --- 4 chain-rule -------------------------------------------------------------------------


def test_chain_rule_default():
    result = deep.chain_rule().result
    assert result["loss"] == pytest.approx(0.970469, abs=1e-6)
    want = {"x": 0.821745, "w1": 3.286980, "b1": 1.643490, "w2": -0.643810, "b2": -1.393176}
    for name, value in want.items():
        assert result["grads"][name] == pytest.approx(value, abs=1e-6), name

    def loss(v):  # independent forward pass
        x, w1, b1, w2, b2 = v
        return (w2 * math.tanh(w1 * x + b1) + b2 - 1.0) ** 2 / 2

    point = np.array([2.0, 0.5, -0.5, -1.5, 0.3])
    numeric = so.approx_fprime(point, loss, 1e-8)
    got = [result["grads"][k] for k in ("x", "w1", "b1", "w2", "b2")]
    assert got == pytest.approx(list(numeric), rel=1e-6)


# --- 5 convexity --------------------------------------------------------------------------


def test_convexity_default():
    run = convexity.convexity()
    result = run.result
    by_name = {f["f"]: f for f in result["functions"]}
    assert by_name["x^2 + y^2"]["violations"] == 0
    assert by_name["log(exp(x) + exp(y))"]["violations"] == 0
    assert by_name["x^4 - 3x^2"]["violations"] > 0
    assert by_name["x^4 - 3x^2"]["worst_gap"] > 0
    assert result["chord"]["chord"] == (1.5**4 - 3 * 1.5**2)  # = -1.6875
    assert result["chord"]["chord"] == -1.6875 and result["chord"]["f_mid"] == 0.0
    assert result["concave_interval"] == pytest.approx([-1 / math.sqrt(2), 1 / math.sqrt(2)])


def test_convexity_user_function():
    result = convexity.convexity(f="sin(x)").result
    assert result["functions"][-1]["violations"] > 0
    result = convexity.convexity(f="exp(x) + abs(y)").result
    assert result["functions"][-1]["violations"] == 0


# --- 6 gradient-descent -------------------------------------------------------------------


def test_gradient_descent_closed_form():
    run = descent.gradient_descent()
    for k, x, y in zip(column(run, "k"), column(run, "x"), column(run, "y"), strict=True):
        assert x == pytest.approx(3 - 3 * 0.8**k, abs=1e-12)
        assert y == pytest.approx(-1 + 0.6**k, abs=1e-12)
    row10 = run.rows[10]
    assert row10[1:4] == pytest.approx([2.677877, -0.993953, 0.103836], abs=1e-6)
    assert run.result["f"] == pytest.approx(1.379e-5, rel=1e-3)
    assert run.result["steps"] == 30 and not run.result["diverged"]


GD_CASES = [
    ("(x-1)^2 + 3*(y+2)^2 + x*y", [0.0, 0.0], 0.05, 400),
    ("x^4 + y^2 + x*y", [1.0, 1.0], 0.05, 400),
    ("log(1 + exp(x)) + (x - y)^2 + y^2/4", [2.0, -1.0], 0.1, 600),
]


@pytest.mark.parametrize("text,start,lr,steps", GD_CASES)
def test_gradient_descent_user_function_vs_scipy(text, start, lr, steps):
    result = descent.gradient_descent(f=text, start=start, lr=lr, steps=steps).result
    fun = sp.lambdify((X, Y), sp.sympify(text.replace("^", "**")), "math")  # trusted test text
    best = so.minimize(lambda p: fun(*p), start, method="BFGS", options={"gtol": 1e-10})
    assert result["x"] == pytest.approx(list(best.x), abs=1e-4)
    assert result["f"] == pytest.approx(best.fun, abs=1e-8)


def test_gradient_descent_divergence_stops_cleanly():
    result = descent.gradient_descent(lr=2.0, steps=5000).result
    assert result["diverged"]
    assert result["steps"] < 5000
    values = [*result["x"], result["f"], result["grad_norm"]]
    assert not all(math.isfinite(v) for v in values)


# --- 7 minibatch --------------------------------------------------------------------------


def test_minibatch_against_least_squares_and_closed_form():
    result = descent.minibatch().result
    rng = np.random.default_rng(0)  # the documented data recipe, rebuilt here
    x = rng.uniform(-1, 1, 256)
    y = 2 * x + 1 + 0.5 * rng.standard_normal(256)
    A = np.column_stack([x, np.ones(256)])
    best = np.linalg.lstsq(A, y, rcond=None)[0]
    assert result["lstsq"] == pytest.approx(list(best), rel=1e-12)
    full, b32, b1 = (result["schemes"][k] for k in ("full", "batch_32", "batch_1"))
    assert (full["updates"], b32["updates"], b1["updates"]) == (20, 160, 5120)
    # Full batch GD on a quadratic: w_k - w* = (I - lr H)^k (w_0 - w*), H = A^T A / n.
    H = A.T @ A / 256
    error = np.linalg.matrix_power(np.eye(2) - 0.5 * H, 20) @ (np.zeros(2) - best)
    assert full["distance"] == pytest.approx(float(np.linalg.norm(error)), rel=1e-9)
    assert full["distance"] == pytest.approx(0.04, abs=0.01)
    assert b32["distance"] < 0.03 and b32["distance"] < full["distance"]
    # Batch 1 at a constant rate: a noise floor (demos.md says ~0.05; the floor's RMS for
    # lr .05 and noise .5 is ~0.1), never converging like the others.
    assert 0.01 < b1["distance"] < 0.3


# --- 8 learning-rate ----------------------------------------------------------------------


def test_learning_rate_closed_form():
    run = rates.learning_rate()
    result = run.result
    for r in result["runs"]:
        assert r["x"][0] == pytest.approx((1 - 2 * r["lr"]) ** 20, rel=1e-12, abs=1e-300)
        assert r["factor"] == pytest.approx(1 - 2 * r["lr"])
    verdicts = {r["lr"]: r["verdict"] for r in result["runs"]}
    assert verdicts[0.5] == "converged at step 1"
    assert verdicts[1.0] == "bounces forever"
    assert verdicts[1.05] == "diverges"
    # x_k = 0.98^k: still far from 0 after 20 steps, but shrinking by a steady factor.
    assert verdicts[0.01] == "converging"
    assert result["limit"] == 1.0 and result["L"] == 2.0
    assert result["x"] == [0.0] and result["lr"] == 0.5


def test_learning_rate_user_function_curvature():
    result = rates.learning_rate(f="3*x^2 + y^2", start=[1.0, 1.0]).result
    assert result["L"] == pytest.approx(6.0)  # Hessian diag(6, 2)
    assert result["limit"] == pytest.approx(1 / 3)
    verdicts = {r["lr"]: r["verdict"] for r in result["runs"]}
    assert "diverge" in verdicts[0.45]  # above 2/L
    assert verdicts[0.1].startswith("converging")


# --- 9 local-minima -----------------------------------------------------------------------


def test_local_minima_against_scipy():
    result = landscape.local_minima().result
    fprime = lambda x: 4 * x**3 - 6 * x + 1  # noqa: E731
    f = lambda x: x**4 - 3 * x**2 + x  # noqa: E731
    gmin = so.brentq(fprime, -2, -1)
    peak = so.brentq(fprime, 0, 0.5)
    lmin = so.brentq(fprime, 1, 2)
    assert (gmin, f(gmin)) == pytest.approx((-1.300840, -3.513905), abs=1e-6)
    assert (lmin, f(lmin)) == pytest.approx((1.130901, -1.070230), abs=1e-6)
    assert peak == pytest.approx(0.169938, abs=1e-6)
    for run in result["runs"]:
        want = gmin if run["start"][0] < peak else lmin
        assert run["x"][0] == pytest.approx(want, abs=1e-8)
        assert run["basin"] == ("global minimum" if want == gmin else "local minimum")
    assert result["x"][0] == pytest.approx(gmin, abs=1e-8)
    assert result["f"] == pytest.approx(f(gmin), abs=1e-12)


def test_local_minima_user_function_himmelblau():
    himmelblau = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"
    starts = [1.0, 1.0, -1.0, 2.0, -2.0, -2.0, 2.0, -1.0]
    result = landscape.local_minima(f=himmelblau, start=starts, lr=0.01, steps=1000).result
    minima = [(3.0, 2.0), (-2.805118, 3.131313), (-3.779310, -3.283186), (3.584428, -1.848127)]
    for run in result["runs"]:
        ref = so.minimize(lambda p: (p[0] ** 2 + p[1] - 11) ** 2 + (p[0] + p[1] ** 2 - 7) ** 2,
                          run["x"], method="BFGS").x
        assert run["x"] == pytest.approx(list(ref), abs=1e-5)
        assert min(math.dist(run["x"], m) for m in minima) < 1e-5


# --- 10 saddle ----------------------------------------------------------------------------


def test_saddle_closed_form():
    run = descent_run = landscape.saddle()
    for k, x, y in zip(column(run, "k"), column(run, "x"), column(run, "y"), strict=True):
        assert x == pytest.approx(0.8**k, rel=1e-12)
        assert y == pytest.approx(1e-3 * 1.2**k, rel=1e-12)
    norms = [2 * math.hypot(0.8**k, 1e-3 * 1.2**k) for k in range(41)]
    k_min = int(np.argmin(norms))
    result = descent_run.result
    assert result["min_grad_step"] == k_min  # 17 (demos.md says "near 0.077 at k = 15")
    assert result["min_grad_norm"] == pytest.approx(norms[k_min], rel=1e-12)
    assert 0.06 < result["min_grad_norm"] < 0.08
    assert result["f"] == pytest.approx(0.8**80 - (1e-3 * 1.2**40) ** 2, rel=1e-12)
    assert result["f"] == pytest.approx(-2.160, abs=1e-3)
    assert result["hessian_at_slowest"]["eigenvalues"] == [-2.0, 2.0]
    assert result["hessian_at_slowest"]["kind"] == "saddle"


def test_saddle_user_function():
    result = landscape.saddle(f="x^2 - y^2 + x*y/10", start=[1.0, 0.01]).result
    H = np.array([[2, 0.1], [0.1, -2]])
    assert result["hessian_at_slowest"]["eigenvalues"] == pytest.approx(
        list(np.linalg.eigvalsh(H)))


# --- 11 momentum --------------------------------------------------------------------------


def ravine_grad(p):
    return np.array([p[0], 50 * p[1]])


def test_momentum_step_by_step_like_torch_sgd():
    run = rates.momentum()
    run.finish()
    assert len(run.rows) == 61
    gd = torch_sgd(ravine_grad, [10, 1], 0.035, 60)
    heavy = torch_sgd(ravine_grad, [10, 1], 0.035, 60, momentum=0.7)
    textbook = textbook_momentum(ravine_grad, [10, 1], 0.035, 0.7, 60)
    cols = ["GD x", "GD y", "mom x", "mom y"]
    for k, row in enumerate(run.rows):
        got = [row[run.columns.index(c)] for c in cols]
        want = [*gd[k], *heavy[k]]
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15), k
        assert heavy[k] == pytest.approx(textbook[k], rel=1e-9, abs=1e-12)
        assert gd[k] == pytest.approx([10 * 0.965**k, (-0.75) ** k], rel=1e-12)


def test_momentum_reference_values():
    result = rates.momentum().result
    assert result["gd"]["f"] == pytest.approx(0.695, abs=5e-4)
    assert result["f"] == pytest.approx(2.05e-8, rel=5e-3)

    def steps_to(mu):
        path = torch_sgd(ravine_grad, [10, 1], 0.035, 400, momentum=mu)
        return next(k for k, p in enumerate(path) if (p[0] ** 2 + 50 * p[1] ** 2) / 2 < 1e-6)

    assert result["steps_to_tol"] == {"gd": steps_to(0.0), "momentum": steps_to(0.7)}
    assert result["steps_to_tol"] == {"gd": 249, "momentum": 52}


def test_momentum_user_function_step_by_step():
    run = rates.momentum(f="x^2 + 10*y^2 + x*y", start=[1.0, -1.0], lr=0.02, momentum=0.9,
                           steps=50)
    run.finish()
    assert len(run.rows) == 51
    heavy = torch_sgd(lambda p: np.array([2 * p[0] + p[1], 20 * p[1] + p[0]]), [1, -1], 0.02,
                      50, momentum=0.9)
    for k, row in enumerate(run.rows):
        assert [row[4], row[5]] == pytest.approx(list(heavy[k]), rel=1e-10, abs=1e-14)


# --- 12 jacobian --------------------------------------------------------------------------


def test_jacobian_default():
    result = jacobian.jacobian().result
    r, t = 2.0, math.pi / 6
    want = [[math.cos(t), -r * math.sin(t)], [math.sin(t), r * math.cos(t)]]
    assert np.allclose(result["jacobian"], want, rtol=1e-15)
    assert np.allclose(result["jacobian"], [[0.866025, -1], [0.5, 1.732051]], atol=1e-6)
    assert result["det"] == pytest.approx(r, rel=1e-14)


@pytest.mark.parametrize(
    "text,components,at",
    [("x*y, x + sin(y)", [X * Y, X + sp.sin(Y)], [1.0, 2.0]),
     ("exp(x)*cos(y), x*y*z, z^2 - x", [sp.exp(X) * sp.cos(Y), X * Y * Z, Z**2 - X],
      [0.5, -1.0, 2.0])],
)
def test_jacobian_user_function_vs_sympy(text, components, at):
    result = jacobian.jacobian(f=text, at=at).result
    symbols = [X, Y, Z][: len(at)]
    J = sp.Matrix(components).jacobian(symbols).subs(dict(zip(symbols, at, strict=True)))
    assert np.allclose(result["jacobian"], np.array(J, dtype=float), rtol=1e-13, atol=1e-15)


# --- 13 hessian ---------------------------------------------------------------------------


def test_hessian_default():
    result = second_order.hessian().result
    assert result["hessian"] == so.rosen_hess([1.0, 1.0]).tolist() == [[802, -400], [-400, 200]]
    assert result["eigenvalues"] == pytest.approx([0.39936, 1001.6], rel=1e-5)
    assert result["kind"] == "minimum" and result["stationary"]
    cases = result["cases"]
    for case in cases[:3]:
        assert np.allclose(case["hessian"], so.rosen_hess(case["at"]), rtol=1e-15)
    assert cases[3]["eigenvalues"] == pytest.approx([-1.0, 5.0]) and cases[3]["kind"] == "saddle"
    assert cases[4]["hessian"] == [[0.0, 0.0], [0.0, 0.0]] and cases[4]["kind"] == "degenerate"
    assert cases[1]["stationary"] is False


@pytest.mark.parametrize(
    "text,reference,at,kind",
    [("x^2*y - y^3", X**2 * Y - Y**3, [1.0, 1.0], "saddle"),
     ("-(x^2 + x*y + y^2)", -(X**2 + X * Y + Y**2), [0.0, 0.0], "maximum"),
     ("exp(x*y) + z^2", sp.exp(X * Y) + Z**2, [0.0, 0.0, 0.0], "saddle"),
     ("x^4 + y^2", X**4 + Y**2, [0.0, 0.0], "degenerate")],
)
def test_hessian_user_function_vs_sympy(text, reference, at, kind):
    result = second_order.hessian(f=text, at=at).result
    symbols = [X, Y, Z][: len(at)]
    H = np.array(sp.hessian(reference, symbols).subs(dict(zip(symbols, at, strict=True))),
                 dtype=float)
    assert np.allclose(result["hessian"], H, rtol=1e-14)
    assert result["eigenvalues"] == pytest.approx(list(np.linalg.eigvalsh(H)), abs=1e-12)
    assert result["kind"] == kind


# --- 14 newton ----------------------------------------------------------------------------


def test_newton_default():
    result = second_order.newton().result
    errors = result["errors"]
    assert errors[1:6] == pytest.approx([3.1e-1, 4.3e-2, 9e-4, 4e-7, 8e-14], rel=0.05)
    ratios = [errors[k] / errors[k - 1] ** 2 for k in range(2, 6)]
    assert ratios[-1] == pytest.approx(0.5, abs=0.01)  # f'''/(2 f'') at ln 2
    assert result["x"][0] == pytest.approx(math.log(2), abs=1e-15)
    ros = result["rosenbrock"]
    assert ros["x"] == [1.0, 1.0] and ros["steps"] == 7
    assert ros["max_f"] == pytest.approx(1411.8, abs=0.05)
    scipy_newton = so.minimize(so.rosen, [-1.2, 1], jac=so.rosen_der, hess=so.rosen_hess,
                               method="Newton-CG", options={"xtol": 1e-12})
    assert ros["x"] == pytest.approx(list(scipy_newton.x), abs=1e-8)


@pytest.mark.parametrize("steps", [1, 2, 3, 4, 5, 6, 20])
def test_newton_default_claims_only_the_convergence_its_runs_reached(steps):
    """Stopped after a few steps, the default's takeaway says nothing converged that had
    not: each run is redone here by hand (x ← x − f'/f'' on exp(x) − 2x from 0, and
    p ← p − H⁻¹∇f on scipy's Rosenbrock from (−1.2, 1)) and its distance to the minimum
    decides which claims may stand."""
    run = second_order.newton(steps=steps)
    text = run.finish().takeaway  # one step used to fail an assertion here
    x = 0.0
    for _ in range(steps):
        x -= (math.exp(x) - 2) / math.exp(x)
    p = np.array([-1.2, 1.0])
    for _ in range(steps):
        p = p - np.linalg.solve(so.rosen_hess(p), so.rosen_der(p))
    ln2_reached = abs(x - math.log(2)) < 1e-6
    ros_reached = float(np.linalg.norm(p - 1.0)) < 1e-6
    if "converged in" in text or "quadratic convergence to ln 2" in text:
        assert ln2_reached
    if "reaches (1, 1)" in text:
        assert ros_reached
    if not ln2_reached:
        assert "not converge" in text
    if ln2_reached and ros_reached:
        assert "reaches (1, 1)" in text


@pytest.mark.parametrize(
    "text,start,fprime,bracket",
    [("x^4 - 3*x^2 + x", [2.0], lambda x: 4 * x**3 - 6 * x + 1, (1, 2)),
     ("exp(x) - 3*x", [0.0], lambda x: math.exp(x) - 3, (0, 2)),
     ("x*log(x)", [0.5], lambda x: math.log(x) + 1, (0.1, 1))],
)
def test_newton_user_function_vs_brentq(text, start, fprime, bracket):
    result = second_order.newton(f=text, start=start).result
    assert result["converged"]
    assert result["x"][0] == pytest.approx(so.brentq(fprime, *bracket), abs=1e-12)


# --- 15 constrained, 16 lagrange ----------------------------------------------------------


def test_constrained_default_vs_slsqp():
    result = constraints.constrained().result
    s5 = math.sqrt(5)
    assert result["x"] == pytest.approx([2 / s5, 1 / s5], abs=1e-9)
    assert result["f"] == pytest.approx((s5 - 1) ** 2, abs=1e-9)
    assert result["multiplier"] == pytest.approx(s5 - 1, abs=1e-8)
    assert result["active"]
    ref = so.minimize(lambda p: (p[0] - 2) ** 2 + (p[1] - 1) ** 2, [0, -1],
                      jac=lambda p: np.array([2 * (p[0] - 2), 2 * (p[1] - 1)]),
                      constraints=[{"type": "ineq", "fun": lambda p: 1 - p @ p,
                                    "jac": lambda p: -2 * p}],
                      method="SLSQP", options={"ftol": 1e-12})
    assert result["x"] == pytest.approx(list(ref.x), abs=1e-6)
    assert result["f"] == pytest.approx(ref.fun, abs=1e-8)


@pytest.mark.parametrize(
    "f,g,fun,con",
    [("(x-2)^2 + (y-1)^2", "x^2/4 + y^2 - 1",
      lambda p: (p[0] - 2) ** 2 + (p[1] - 1) ** 2, lambda p: 1 - p[0] ** 2 / 4 - p[1] ** 2),
     ("x + y", None, lambda p: p[0] + p[1], lambda p: 1 - p @ p),
     ("(x-0.2)^2 + (y+0.1)^2", None,  # inside the disk: the constraint is not active
      lambda p: (p[0] - 0.2) ** 2 + (p[1] + 0.1) ** 2, lambda p: 1 - p @ p)],
)
def test_constrained_user_function_vs_slsqp(f, g, fun, con):
    result = constraints.constrained(f=f, g=g, steps=2000).result
    ref = so.minimize(fun, [0.0, -0.5], constraints=[{"type": "ineq", "fun": con}],
                      method="SLSQP", options={"ftol": 1e-14, "maxiter": 500})
    assert result["x"] == pytest.approx(list(ref.x), abs=1e-5)
    assert result["f"] == pytest.approx(ref.fun, abs=1e-7)


def test_lagrange_default():
    result = constraints.lagrange().result
    assert result["x"] == pytest.approx([2 / 3, 1 / 3], abs=1e-15)
    assert result["multiplier"] == pytest.approx(4 / 3, abs=1e-14)
    assert result["f"] == pytest.approx(2 / 3, abs=1e-15)
    assert result["df_dc"] == pytest.approx(4 / 3, abs=1e-6)  # the multiplier is df*/dc
    assert result["kind"] == "minimum"
    # The KKT system solved by numpy independently: 2x = l, 4y = l, x + y = 1.
    x, y, lam = np.linalg.solve([[2, 0, -1], [0, 4, -1], [1, 1, 0]], [0, 0, 1])
    assert [x, y, lam] == pytest.approx([*result["x"], result["multiplier"]], abs=1e-14)
    run = constraints.lagrange()
    angles = column(run, "angle(grad f, grad g)")
    assert min(angles) == pytest.approx(0.0, abs=1e-6)
    assert run.rows[angles.index(min(angles))][0] == "solution"


@pytest.mark.parametrize(
    "f,g,start,fun,con",
    [("x^2 + y^2 + z^2", "x + 2*y + 3*z - 6", None,
      lambda p: p @ p, lambda p: p[0] + 2 * p[1] + 3 * p[2] - 6),
     ("x*y", "x^2 + y^2 - 2", [1.2, -0.9],
      lambda p: p[0] * p[1], lambda p: p @ p - 2),
     ("exp(x) + y^2", "x - y - 1", None,
      lambda p: math.exp(p[0]) + p[1] ** 2, lambda p: p[0] - p[1] - 1)],
)
def test_lagrange_user_function_vs_slsqp(f, g, start, fun, con):
    result = constraints.lagrange(f=f, g=g, start=start).result
    n = len(result["x"])
    x0 = start if start is not None else [0.0] * n
    ref = so.minimize(fun, x0, constraints=[{"type": "eq", "fun": con}], method="SLSQP",
                      options={"ftol": 1e-14, "maxiter": 500})
    assert result["converged"] and result["kind"] == "minimum"
    assert result["x"] == pytest.approx(list(ref.x), abs=1e-6)
    assert result["f"] == pytest.approx(ref.fun, abs=1e-9)
    assert result["df_dc"] == pytest.approx(result["multiplier"], abs=1e-5)


def test_lagrange_reports_a_maximum_honestly():
    result = constraints.lagrange(f="x*y", g="x^2 + y^2 - 2", start=[1.2, 0.9]).result
    assert result["x"] == pytest.approx([1.0, 1.0]) and result["kind"] == "maximum"


# --- 17 vanishing, 18 exploding, 19 activations -------------------------------------------


def test_vanishing_reference_values():
    result = deep.vanishing().result

    def product(act, der):
        a, prod = 0.5, 1.0
        for _ in range(30):
            prod *= der(a)
            a = act(a)
        return prod

    sig = ss.expit
    assert result["products"]["sigmoid"] == pytest.approx(
        product(sig, lambda a: sig(a) * (1 - sig(a))), rel=1e-12)
    assert result["products"]["tanh"] == pytest.approx(
        product(math.tanh, lambda a: 1 - math.tanh(a) ** 2), rel=1e-12)
    assert result["products"]["sigmoid"] == pytest.approx(3.751e-20, rel=1e-3)
    assert result["products"]["tanh"] == pytest.approx(6.58e-2, rel=1e-3)
    assert result["products"]["relu"] == 1.0


def test_exploding_reference_values():
    run = deep.exploding()
    xs = [3.0]
    with np.errstate(all="ignore"):
        for _ in range(8):
            x = np.float64(xs[-1])
            xs.append(float(x - 0.1 * 4 * x**3))
    assert xs[1:6] == pytest.approx([-7.8, 182.0208, -2.412072e6, 5.613462e18, -7.075424e55],
                                    rel=1e-6)
    unclipped = column(run, "x")
    n = next(i for i, v in enumerate(unclipped) if v is None or not math.isfinite(v))
    assert unclipped[:n] == pytest.approx(xs[:n], rel=1e-12)
    assert unclipped[n] == -math.inf and all(v is None for v in unclipped[n + 1:])
    assert run.result["unclipped"]["diverged_at"] == n
    clipped = column(run, "clipped x")
    assert clipped[20] == pytest.approx(1.0, abs=1e-12)
    assert clipped[30] == pytest.approx(0.347, abs=1e-3)


def test_activations_reference_values():
    result = deep.activations().result
    d = result["derivatives"]
    xs = np.array(result["xs"])
    assert d["sigmoid"][:3] == pytest.approx([0.045177, 0.196612, 0.25], abs=1e-6)
    assert d["tanh"][:3] == pytest.approx([0.009866, 0.419974, 1.0], abs=1e-6)
    assert d["gelu"][:3] == pytest.approx([-0.011946, -0.083315, 0.5], abs=1e-6)
    s = ss.expit(xs)
    assert d["sigmoid"] == pytest.approx(list(s * (1 - s)), rel=1e-12)
    assert d["softplus"] == pytest.approx(list(s), rel=1e-12)
    assert d["gelu"] == pytest.approx(list(st_.norm.cdf(xs) + xs * st_.norm.pdf(xs)), rel=1e-12)
    assert d["silu"] == pytest.approx(list(s + xs * s * (1 - s)), rel=1e-12)
    assert d["relu"] == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert d["elu"] == pytest.approx(list(np.where(xs > 0, 1.0, np.exp(xs))))
    run = deep.activations()
    run.finish()
    assert len(run.rows) == 40
    for row in run.rows:  # formula vs difference, except at the kinks of (leaky) ReLU at 0
        if not (row[0] in ("relu", "leaky_relu") and row[1] == 0):
            assert row[6] < 1e-6, row


# --- 20 weight-decay ----------------------------------------------------------------------


def test_weight_decay_closed_form():
    result = deep_result = descent.weight_decay().result
    lambdas = [0, 0.1, 0.5, 1, 4]
    assert result["w"] == pytest.approx([3 / (1 + lam) for lam in lambdas], abs=1e-9)
    assert result["w"] == pytest.approx([3, 2.7273, 2, 1.5, 0.6], abs=1e-4)
    rng = np.random.default_rng(0)  # the documented data recipe, rebuilt here
    X_ = rng.standard_normal((50, 5))
    y = X_ @ np.array([2.0, -1.0, 0.5, 0.0, 3.0]) + 0.5 * rng.standard_normal(50)
    for lam, w in zip(lambdas, deep_result["ridge"]["w"], strict=True):
        ridge = np.linalg.solve(X_.T @ X_ + 50 * lam * np.eye(5), X_.T @ y)
        assert w == pytest.approx(list(ridge), abs=1e-8)
    norms = deep_result["ridge"]["norm"]
    assert norms == sorted(norms, reverse=True)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("wd", [0.0, 0.5, 4.0])
def test_sgd_step_by_step_like_torch(momentum, wd):
    def grad(p):
        return np.array([p[0] - 3.0, 2 * p[1] ** 3 - 1])

    ours = descent.sgd_path(grad, [0.5, -0.5], 0.05, 40, momentum, wd)
    theirs = torch_sgd(grad, [0.5, -0.5], 0.05, 40, momentum, wd)
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a == pytest.approx(b, rel=1e-13, abs=1e-15), k


def test_weight_decay_with_momentum_still_reaches_closed_form():
    result = descent.weight_decay(momentum=0.9, steps=800).result
    assert result["w"] == pytest.approx([3 / (1 + lam) for lam in (0, 0.1, 0.5, 1, 4)],
                                        abs=1e-9)
    # Without momentum, coupled decay is w <- (1 - lr lam) w - lr grad: the card's form.
    w, lr, lam = 0.0, 0.1, 0.5
    for _ in range(500):
        w = (1 - lr * lam) * w - lr * (w - 3)
    assert descent.weight_decay().result["w"][2] == pytest.approx(w, rel=1e-12)


def test_shown_steps():
    from calcquiz.demos.core import MAX_TABLE_ROWS, shown_steps

    assert shown_steps(60) == frozenset(range(61))
    for steps in (101, 1000, 100_000):
        keep = shown_steps(steps)
        assert set(range(21)) <= keep and steps in keep
        assert len(keep) <= MAX_TABLE_ROWS + 2
        assert max(keep) == steps
