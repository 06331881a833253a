"""The claims test: random user functions (polynomials, exp/log/trig compositions,
1-3 variables, scaled by 1e-8 ... 1e8), every demo that takes --f, and each claim in its
JSON result (derivative, kind, converged, minimum, solution, multiplier, convex) checked
against sympy (exact derivatives, Hessians) and scipy.optimize.

The reference divides f by its known scale c before judging a claim: a claim about f is
a claim about f / c, and the reference tolerances can then be absolute. The same
functions on every CI run (the ``ci`` Hypothesis profile, tests/conftest.py), new ones
locally; CLAIMS_EXAMPLES functions per demo (500 by default).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import scipy.optimize as so
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calcquiz.demos import constraints, convexity, derivatives, descent, landscape, second_order
from calcquiz.errors import CalcquizError

pytestmark = pytest.mark.slow  # about three minutes: `pytest --slow` or CI runs it

NAMES = ("x", "y", "z")
SYMS = sp.symbols("x y z", real=True)
EXAMPLES = int(os.environ.get("CLAIMS_EXAMPLES", "500"))
CLAIMS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))


@dataclass
class Fn:
    """A random user function: its --f text, its sympy form (of f / scale) and scale."""

    text: str
    expr: Any  # sympy, f / scale
    dim: int
    scale: float

    @property
    def syms(self) -> tuple[Any, ...]:
        return SYMS[: self.dim]

    def __post_init__(self) -> None:
        # sympy's exact derivatives, evaluated in float64 (lambdify of test-built sympy).
        grads = [sp.diff(self.expr, s) for s in self.syms]
        self._f = sp.lambdify(self.syms, self.expr, "numpy")
        self._g = sp.lambdify(self.syms, grads, "numpy")
        # Away from a kink of abs the DiracDelta of sign' is 0 (numpy has no DiracDelta).
        hessian = sp.hessian(self.expr, self.syms).replace(sp.DiracDelta, lambda *a: sp.S.Zero)
        self._h = sp.lambdify(self.syms, hessian, "numpy")

    def grad(self, p):
        with np.errstate(all="ignore"):
            return np.asarray(self._g(*np.asarray(p, dtype=float)), dtype=float).ravel()

    def hess(self, p):
        with np.errstate(all="ignore"):
            H = self._h(*np.asarray(p, dtype=float))
        return np.array(H, dtype=float).reshape(self.dim, self.dim)

    def fun(self):
        return self._f


def _int(draw, lo=-3, hi=3, nonzero=False):
    v = draw(st.integers(lo, hi))
    return (v or 1) if nonzero else v


@st.composite
def functions(draw, min_dim=1, max_dim=3):
    dim = draw(st.integers(min_dim, max_dim))
    names = NAMES[:dim]

    def linear():
        terms = [f"{_int(draw, nonzero=True)}*{n}" for n in names if draw(st.booleans())]
        terms = terms or [names[draw(st.integers(0, dim - 1))]]
        return " + ".join(terms) + f" + {_int(draw)}"

    def monomial():
        powers = [f"{n}^{draw(st.integers(1, 3))}" for n in names if draw(st.booleans())]
        return f"{_int(draw, nonzero=True)}*" + ("*".join(powers) or names[0])

    def unary():
        u = linear()
        kind = draw(st.sampled_from(["sin", "cos", "exp", "log", "tanh", "sqrt", "abs"]))
        if kind == "exp":
            return f"exp(({u})/4)"
        if kind == "log":
            return f"log(1 + ({u})^2)"
        if kind == "sqrt":
            return f"sqrt(1 + ({u})^2)"
        return f"{kind}({u})"

    parts = [draw(st.sampled_from([monomial, unary, monomial]))() for _ in
             range(draw(st.integers(1, 3)))]
    body = " + ".join(f"({p})" for p in parts)
    if dim > 1 and not all(n in body for n in names):  # make sure every variable is used
        body += " + " + " + ".join(f"{n}^2" for n in names if n not in body)
    exponent = draw(st.sampled_from([-8, -4, 0, 4, 8]))
    scale = 10.0**exponent
    text = body if exponent == 0 else f"1e{exponent}*({body})"
    # Trusted test text from the grammar above, never user input.
    expr = sp.sympify(body.replace("^", "**"), locals=dict(zip(NAMES, SYMS, strict=True)))
    return Fn(text, expr, dim, scale)


def points(dim):
    return st.lists(st.sampled_from([-1.5, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 2.0]),
                    min_size=dim, max_size=dim)


def run_or_refused(demo, **kwargs):
    """The demo's result, or None when it refuses the input cleanly (undefined there)."""
    try:
        return demo(**kwargs).result
    except CalcquizError:
        return None


def close(a, b, rel=1e-6, abs_=1e-9):
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)


# --- checks shared by the iterative demos -------------------------------------------------


def assert_stationary(fn: Fn, x, x0):
    """A 'converged' claim: x is within 1e-4 of a zero of ∇(f/c), found by scipy's root
    finder from x (accepted where its residual is below 1e-10, success flag or not: at a
    degenerate zero, as of x³, hybr stops on its call budget after finding it)."""
    x = np.asarray(x, dtype=float)
    size = max(1.0, min(float(np.linalg.norm(x)), float(np.linalg.norm(x0))))
    size += 1e-10 * float(np.linalg.norm(x))  # float64 resolution where x is large
    g = fn.grad(x)
    if not np.any(np.abs(g) > 1e-12 * size):
        return x
    with np.errstate(all="ignore"):
        sol = so.root(fn.grad, x, jac=fn.hess, method="hybr", options={"xtol": 1e-13})
    found = np.all(np.isfinite(sol.x)) and np.linalg.norm(fn.grad(sol.x)) <= 1e-10
    assert found and np.linalg.norm(sol.x - x) <= 1e-4 * size, (fn.text, x, g, sol)
    return sol.x


def assert_kind(fn: Fn, x, kind) -> None:
    """A 'minimum' / 'maximum' / 'saddle' claim against the sympy Hessian's eigenvalues at
    the stationary point x (as found by scipy from the demo's point)."""
    if kind not in ("minimum", "maximum", "saddle"):
        return
    eig = np.linalg.eigvalsh(fn.hess(x))
    tol = 1e-7 * float(np.max(np.abs(eig)))
    if kind == "minimum":
        assert np.all(eig > -tol) and np.any(eig > tol), (fn.text, x, eig)
    elif kind == "maximum":
        assert np.all(eig < tol) and np.any(eig < -tol), (fn.text, x, eig)
    else:
        assert eig[0] < -tol and eig[-1] > tol, (fn.text, x, eig)


# --- first derivatives --------------------------------------------------------------------


def check_derivative(fn, at):
    result = run_or_refused(derivatives.derivative, f=fn.text, at=[at])
    if result is None:
        return
    if result["derivative"] is None:  # claimed not to exist: f' jumps or is undefined there
        near = [fn.grad([at + d])[0] for d in (-1e-9, 1e-9)]
        here = fn.grad([at])[0]
        assert not np.isfinite(here) or abs(near[0] - near[1]) > 1e-6 * max(
            1.0, *map(abs, near)), (fn.text, at, near)
        return
    exact = fn.grad([at])[0]
    assert close(result["derivative"] / fn.scale, exact, rel=1e-9, abs_=1e-9), (fn.text, at)


def check_partial_and_gradient(fn, at):
    result = run_or_refused(derivatives.partial, f=fn.text, at=at)
    if result is None:
        return
    exact = fn.grad(at)
    for got, want, i in zip(result["gradient"], exact, range(fn.dim), strict=True):
        if got is None:  # claimed not to exist: ∂f/∂x_i jumps across the point
            e = np.eye(fn.dim)[i] * 1e-9
            near = [fn.grad(np.array(at) - e)[i], fn.grad(np.array(at) + e)[i]]
            assert abs(near[0] - near[1]) > 1e-6 * max(1.0, *map(abs, near)), fn.text
        else:
            assert close(got / fn.scale, want, rel=1e-9, abs_=1e-9), (fn.text, at, i)
    if fn.dim == 2:
        result = derivatives.gradient(f=fn.text, at=at).result
        if result["gradient"] is not None:
            assert close(result["norm"] / fn.scale, float(np.linalg.norm(exact)), 1e-9, 1e-9)


# --- second order -------------------------------------------------------------------------


def check_hessian(fn, at):
    result = run_or_refused(second_order.hessian, f=fn.text, at=at)
    if result is None:
        return
    H = fn.hess(at)
    assert np.allclose(np.array(result["hessian"]) / fn.scale, H, rtol=1e-9, atol=1e-9)
    eig = np.linalg.eigvalsh(H)
    top = float(np.max(np.abs(eig)))
    kind = result["kind"]
    if kind == "degenerate":
        assert np.min(np.abs(eig)) <= 1e-6 * top or top == 0, (fn.text, at, eig)
    else:
        assert_kind(fn, at, kind)
    if result["stationary"]:
        assert np.linalg.norm(fn.grad(at)) <= 1e-6 * max(1.0, top), (fn.text, at)


def check_newton(fn, start):
    result = run_or_refused(second_order.newton, f=fn.text, start=start)
    if result is None:
        return
    if result["converged"]:
        assert_kind(fn, assert_stationary(fn, result["x"], start), result["kind"])
    if result["minimiser"] is not None:
        assert_stationary(fn, result["minimiser"], start)
        errors = result["errors"]
        assert errors[-1] == pytest.approx(
            float(np.linalg.norm(np.array(result["x"]) - result["minimiser"])), abs=1e-12)


# --- descent ------------------------------------------------------------------------------


def check_gradient_descent(fn, start, lr):
    result = run_or_refused(descent.gradient_descent, f=fn.text, start=start,
                            lr=lr / fn.scale, steps=200)
    if result is None:
        return
    if result["converged"]:
        assert not result["diverged"]
        assert_kind(fn, assert_stationary(fn, result["x"], start), result["kind"])
    if result["diverged"]:
        assert not all(math.isfinite(v) for v in [*result["x"], result["f"]])


def check_learning_rate(fn, start):
    result = run_or_refused(descent.learning_rate, f=fn.text, start=start, steps=30)
    if result is None:
        return
    eig = np.linalg.eigvalsh(fn.hess(result["curvature_at"])) * fn.scale
    assert close(result["L"], float(np.max(eig)), rel=1e-7, abs_=1e-12 * fn.scale)
    for r in result["runs"]:
        if r["converged"]:
            assert_stationary(fn, r["x"], start)
        elif "converged" not in r["verdict"]:
            own = eig
            factors = [1 - r["lr"] * v for v in own]
            assert close(r["factor"], max(factors, key=abs), rel=1e-7, abs_=1e-12)


def check_local_minima_and_saddle(fn, start):
    result = run_or_refused(landscape.local_minima, f=fn.text, start=start, lr=0.05 / fn.scale,
                            steps=200)
    if result is not None:
        for r in result["runs"]:
            if "minimum" in r["basin"]:
                assert r["converged"] and r["kind"] == "minimum"
                assert_kind(fn, assert_stationary(fn, r["x"], r["start"]), "minimum")
    result = run_or_refused(landscape.saddle, f=fn.text, start=start, lr=0.05 / fn.scale,
                            steps=200)
    if result is not None and result["converged"]:
        assert not result["escaped"]
        assert_kind(fn, assert_stationary(fn, result["x"], start), result["kind"])


def check_momentum(fn, start):
    result = run_or_refused(descent.momentum, f=fn.text, start=start, lr=0.02 / fn.scale,
                            steps=200)
    if result is None:
        return
    for run in (result, result["gd"]):
        if run["converged"]:
            assert_stationary(fn, run["x"], start)


# --- convexity ----------------------------------------------------------------------------


def check_convexity(fn):
    result = run_or_refused(convexity.convexity, f=fn.text)
    if result is None:
        return
    mine = result["functions"][-1]
    if mine["convex"] is False and "witness" in mine:
        w = mine["witness"]
        a, b, t = [sp.Rational(v) for v in w["a"]], [sp.Rational(v) for v in w["b"]], (
            sp.Rational(w["t"]))
        mid = [t * u + (1 - t) * v for u, v in zip(a, b, strict=True)]

        def at(q):
            return fn.expr.subs(dict(zip(fn.syms, q, strict=True)))

        gap = (at(mid) - (t * at(a) + (1 - t) * at(b))).evalf(50)
        assert gap > 0, (fn.text, w)
    elif mine["convex"] is False:
        q = mine["negative_curvature_at"]
        eig = np.linalg.eigvalsh(fn.hess(q))
        assert eig[0] < 0, (fn.text, q, eig)
    elif mine["convex"]:
        rng = np.random.default_rng(0)
        for q in rng.uniform(-2, 2, (10, fn.dim)):
            eig = np.linalg.eigvalsh(fn.hess(q))
            if np.all(np.isfinite(eig)):
                assert eig[0] >= -1e-6 * max(1.0, float(np.max(np.abs(eig)))), (fn.text, q)


# --- constraints --------------------------------------------------------------------------

G_TEXTS = {"x^2 + y^2 - 1": SYMS[0] ** 2 + SYMS[1] ** 2 - 1,
           "x + 2*y - 1": SYMS[0] + 2 * SYMS[1] - 1,
           "x^2/4 + y^2 - 1": SYMS[0] ** 2 / 4 + SYMS[1] ** 2 - 1}


def assert_kkt(fn: Fn, g, x, multiplier, equality):
    """∇(f/c) = λ ∇g (equality) or ∇(f/c) + μ∇g = 0, μ ≥ 0 (active inequality), g(x) = 0."""
    gf = fn.grad(x)
    gg = np.array([float(sp.diff(g, s).subs(dict(zip(SYMS[:2], x, strict=True))))
                   for s in SYMS[:2]])
    gv = float(g.subs(dict(zip(SYMS[:2], x, strict=True))))
    m = multiplier / fn.scale
    residual = gf - m * gg if equality else gf + m * gg
    size = max(float(np.linalg.norm(gf)), abs(m) * float(np.linalg.norm(gg)), 1e-12)
    assert np.linalg.norm(residual) <= 1e-5 * size, (fn.text, x, residual)
    assert abs(gv) <= 1e-7 * max(1.0, float(np.linalg.norm(gg))), (fn.text, x, gv)
    if not equality:
        assert m >= -1e-6 * size / max(float(np.linalg.norm(gg)), 1e-12)


def check_constraints(fn, g_text):
    g = G_TEXTS[g_text]
    result = run_or_refused(constraints.lagrange, f=fn.text, g=g_text)
    if result is not None:
        if result["converged"]:
            assert_kkt(fn, g, result["x"], result["multiplier"], equality=True)
        if result["solution"] is not None:
            s = result["solution"]
            assert_kkt(fn, g, s["x"], s["multiplier"], equality=True)
            f_num, g_num = fn.fun(), sp.lambdify(SYMS[:2], g, "numpy")
            local = so.minimize(lambda p: float(f_num(*p)), s["x"], method="SLSQP",
                                constraints=[{"type": "eq", "fun": lambda p: float(g_num(*p))}],
                                options={"ftol": 1e-14, "maxiter": 200})
            if local.success:
                assert local.fun >= s["f"] / fn.scale - 1e-7 * max(1.0, abs(s["f"] / fn.scale))
    result = run_or_refused(constraints.constrained, f=fn.text, g=g_text, lr=0.05 / fn.scale)
    if result is not None:
        if result["converged"] and result["active"]:
            assert_kkt(fn, g, result["x"], result["multiplier"], equality=False)
        s = result["solution"]
        if s is not None and s["active"]:
            assert_kkt(fn, g, s["x"], s["multiplier"], equality=False)
        elif s is not None:  # inside g < 0: an unconstrained minimum of f
            assert float(g.subs(dict(zip(SYMS[:2], s["x"], strict=True)))) < 0
            assert_kind(fn, assert_stationary(fn, s["x"], s["x"]), "minimum")


# --- the Hypothesis tests: one function, every demo that takes it ------------------------

LRS = st.sampled_from([0.001, 0.01, 0.05, 0.1])


@CLAIMS
@given(functions(min_dim=1, max_dim=1), points(1), points(1), LRS)
def test_claims_on_functions_of_one_variable(fn, at, start, lr):
    check_derivative(fn, at[0])
    check_hessian(fn, at)
    check_newton(fn, start)
    check_gradient_descent(fn, start, lr)
    check_learning_rate(fn, start)
    check_local_minima_and_saddle(fn, start)
    check_momentum(fn, start)
    check_convexity(fn)


@CLAIMS
@given(functions(min_dim=2, max_dim=2), points(2), points(2), LRS,
       st.sampled_from(sorted(G_TEXTS)))
def test_claims_on_functions_of_two_variables(fn, at, start, lr, g_text):
    check_partial_and_gradient(fn, at)
    check_hessian(fn, at)
    check_newton(fn, start)
    check_gradient_descent(fn, start, lr)
    check_learning_rate(fn, start)
    check_local_minima_and_saddle(fn, start)
    check_momentum(fn, start)
    check_convexity(fn)
    check_constraints(fn, g_text)


@settings(CLAIMS, max_examples=max(10, EXAMPLES // 5))
@given(functions(min_dim=3, max_dim=3), points(3), points(3), LRS)
def test_claims_on_functions_of_three_variables(fn, at, start, lr):
    check_partial_and_gradient(fn, at)
    check_hessian(fn, at)
    check_newton(fn, start)
    check_gradient_descent(fn, start, lr)
