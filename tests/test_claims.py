"""The claims test: random user functions (polynomials, exp/log/trig compositions, kinks
written as abs or as a root of a square (sqrt(u^2), (u^2)^(1/2), sqrt(sin(u)^2)), functions
without a minimum (linear, 1/(1 + u^2)), 1-3 variables, scaled by 1e-8 ... 1e8), at points
on a grid that includes ±1e-6 (next to degenerate critical points such as that of x^3),
with learning rates up to 100 (steps that overflow or leave a domain), and constraints
that can be degenerate (a line through a critical point); every demo that takes --f, and
each claim in its JSON result (derivative, one-sided slopes, steepest slope, kind,
converged, how a run ended, minimum, solution, multiplier, convex) checked against sympy
(exact derivatives, Hessians), mpmath and scipy.optimize.

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

from calcquiz.demos import (
    constraints,
    convexity,
    derivatives,
    descent,
    landscape,
    rates,
    second_order,
)
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
        kind = draw(st.sampled_from(["sin", "cos", "exp", "log", "tanh", "sqrt", "abs",
                                     "kink", "bump"]))
        if kind == "exp":
            return f"exp(({u})/4)"
        if kind == "log":
            return f"log(1 + ({u})^2)"
        if kind == "sqrt":
            return f"sqrt(1 + ({u})^2)"
        if kind == "kink":  # |u| spelt without abs
            return draw(st.sampled_from([f"sqrt(({u})^2)", f"(({u})^2)^(1/2)",
                                         f"sqrt(sin({u})^2)"]))
        if kind == "bump":  # bounded, no minimum
            return f"1/(1 + ({u})^2)"
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
    # ±1e-6: next to a degenerate critical point (x^3 at 0), where a near-zero gradient
    # must not be taken for a minimum.
    return st.lists(st.sampled_from([-1.5, -1.0, -0.5, -1e-6, 0.0, 1e-6, 0.25, 0.5, 1.0, 2.0]),
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
        for key, side in (("left", -1), ("right", 1)):  # the slopes it prints instead
            if result.get(key) is not None:
                want = one_sided_reference(fn, at, side)
                got = result[key] / fn.scale
                if math.isinf(want) or math.isinf(got):
                    assert got == want, (fn.text, at, key, got, want)
                else:
                    assert close(got, want, rel=1e-5, abs_=1e-7), (fn.text, at, key, got, want)
        return
    exact = fn.grad([at])[0]
    assert close(result["derivative"] / fn.scale, exact, rel=1e-9, abs_=1e-9), (fn.text, at)
    # sympy's derivative of |x| at 0 is sign(0) = 0: a claimed derivative must also have
    # one-sided limits of f' that agree (no jump across the point).
    near = [fn.grad([at + d])[0] for d in (-1e-9, 1e-9)]
    assert abs(near[0] - near[1]) <= 1e-6 * max(1.0, *map(abs, near)), (fn.text, at, near)


def one_sided_reference(fn: Fn, at: float, side: int) -> float:
    """The one-sided slope of f / c at ``at`` from the left (side -1) or right (+1), by
    mpmath at 60 digits: the quotient at t = 1e-30 and 1e-40; ±inf when it grows tenfold
    between them (an unbounded slope), else the quotient at 1e-40."""
    import mpmath

    f = sp.lambdify(fn.syms, fn.expr, "mpmath")
    with mpmath.workdps(60):
        x = mpmath.mpf(at)
        q = [side * (f(x + side * mpmath.mpf(t)) - f(x)) / mpmath.mpf(t)
             for t in ("1e-30", "1e-40")]
        if abs(q[1]) > 10 * abs(q[0]) and abs(q[1]) > 1e6:
            return math.copysign(math.inf, float(q[1]))
        return float(q[1])


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
            e = np.eye(fn.dim)[i] * 1e-9  # and no jump of the partial across the point
            near = [fn.grad(np.array(at) - e)[i], fn.grad(np.array(at) + e)[i]]
            assert abs(near[0] - near[1]) <= 1e-6 * max(1.0, *map(abs, near)), (fn.text, at, i)
    if fn.dim == 2:
        result = derivatives.gradient(f=fn.text, at=at).result
        if result["gradient"] is not None:
            assert close(result["norm"] / fn.scale, float(np.linalg.norm(exact)), 1e-9, 1e-9)
        elif result["max_slope"] is not None:
            want = steepest_one_sided(fn, at)
            assert close(result["max_slope"] / fn.scale, want, rel=1e-6, abs_=1e-7), (
                fn.text, at, result["max_slope"], want)


def steepest_one_sided(fn: Fn, at) -> float:
    """max over unit u of f'(p; u) = lim (f(p + t u) - f(p)) / t, by mpmath at 40 digits
    with t = 1e-25 (a one-sided quotient whose error is O(t)), over 720 angles, refined by
    scipy's bounded search around the best."""
    import mpmath

    f = sp.lambdify(fn.syms, fn.expr, "mpmath")
    t = mpmath.mpf("1e-25")

    def slope(a: float) -> float:
        with mpmath.workdps(40):
            p = [mpmath.mpf(v) for v in at]
            u = (mpmath.cos(a), mpmath.sin(a))
            return float((f(p[0] + t * u[0], p[1] + t * u[1]) - f(*p)) / t)

    grid = [k * math.pi / 360 for k in range(720)]
    best = max(grid, key=slope)
    refined = so.minimize_scalar(lambda a: -slope(a), bounds=(best - 0.01, best + 0.01),
                                 method="bounded", options={"xatol": 1e-10})
    return max(slope(best), -float(refined.fun))


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
    if result["kind_exact"]:  # signs found exactly: checked exactly, by sympy's own roots
        assert kind == exact_kind(fn, at), (fn.text, at, kind)
    elif kind == "degenerate":
        assert np.min(np.abs(eig)) <= 1e-6 * top or top == 0, (fn.text, at, eig)
    else:
        assert_kind(fn, at, kind)
    if result["stationary"]:
        assert np.linalg.norm(fn.grad(at)) <= 1e-6 * max(1.0, top), (fn.text, at)
        # The kind claimed for the stationary point itself (at ±1e-6 next to x^3's
        # degenerate 0, the curvature at p is no guide): checked where scipy finds it.
        if result["stationary_kind"] in ("minimum", "maximum", "saddle"):
            assert_kind(fn, assert_stationary(fn, at, at), result["stationary_kind"])


def exact_kind(fn: Fn, at) -> str:
    """The kind of the Hessian of f at the exact binary value of ``at``, from the real roots
    of its characteristic polynomial (sympy, exact rationals): the signs, no tolerance."""
    point = {s: sp.Rational(float(v)) for s, v in zip(fn.syms, at, strict=True)}
    H = sp.hessian(fn.expr, fn.syms).subs(point)
    lam = sp.Symbol("lam")
    roots = sp.Poly(H.charpoly(lam).as_expr(), lam).all_roots()
    pos = sum(1 for r in roots if r > 0)
    neg = sum(1 for r in roots if r < 0)
    if pos and neg:
        return "saddle"
    if pos + neg < len(roots):
        return "degenerate"
    return "minimum" if pos else "maximum"


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
    if result["end"] == "cycling":  # an independent rerun repeats with a period 2..4
        path = independent_gd(fn, start, lr, result["steps"])
        step = float(np.linalg.norm(path[-1] - path[-2]))
        assert step > 0 and any(
            float(np.linalg.norm(path[-1] - path[-1 - q])) <= 0.05 * step for q in (2, 3, 4)
        ), (fn.text, start, lr)
    if result["end"] == "unbounded below":  # f kept falling by at least as much
        path = independent_gd(fn, start, lr, result["steps"])
        fs = [float(fn.fun()(*q)) for q in path[-5:]]
        drops = [a - b for a, b in zip(fs, fs[1:], strict=False)]
        assert all(d > 0 for d in drops) and drops[-1] >= 0.5 * drops[0], (fn.text, fs)


def independent_gd(fn: Fn, start, lr: float, steps: int) -> list[np.ndarray]:
    """Gradient descent on f (sympy's gradient times the scale), lr / scale as the demo."""
    p = np.array(start, dtype=float)
    path = [p]
    for _ in range(steps):
        p = p - (lr / fn.scale) * (fn.scale * fn.grad(p))
        path.append(p)
    return path


def check_learning_rate(fn, start):
    result = run_or_refused(rates.learning_rate, f=fn.text, start=start, steps=30)
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
    result = run_or_refused(rates.momentum, f=fn.text, start=start, lr=0.02 / fn.scale,
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
           "x^2/4 + y^2 - 1": SYMS[0] ** 2 / 4 + SYMS[1] ** 2 - 1,
           # through the critical point of many f (x^3 + ..., (x-1)^2 - y^2 ...): μ = 0,
           # degenerate reduced Hessians
           "x": SYMS[0],
           "x - 1": SYMS[0] - 1}


def assert_local_minimum(fn: Fn, g, x, equality: bool, sign: float = 1.0) -> None:
    """No feasible point within 1e-3 of x has a lower f (64 directions): on g = 0 for an
    equality (moved back onto it along grad g by scipy's root finder), with g <= 0 for an
    inequality. ``sign`` -1: no higher f (a maximum)."""
    f_num = fn.fun()
    g_num = sp.lambdify(SYMS[:2], g, "numpy")
    gg = sp.lambdify(SYMS[:2], [sp.diff(g, s) for s in SYMS[:2]], "numpy")
    x = np.asarray(x, dtype=float)
    f0 = float(f_num(*x))
    for a in np.linspace(0, 2 * np.pi, 64, endpoint=False):
        q = x + 1e-3 * np.array([math.cos(a), math.sin(a)])
        if equality:
            n = np.asarray(gg(*q), dtype=float)
            sol = so.root_scalar(lambda t, q=q, n=n: float(g_num(*(q + t * n))), x0=0.0, x1=1e-4,
                                 xtol=1e-15)
            if not sol.converged:
                continue
            q = q + sol.root * n
        elif float(g_num(*q)) > 0:
            continue
        assert sign * (float(f_num(*q)) - f0) >= -1e-12 * max(1.0, abs(f0)), (fn.text, x, q)


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


def check_constraints(fn, g_text, start=None):
    g = G_TEXTS[g_text]
    result = run_or_refused(constraints.lagrange, f=fn.text, g=g_text, start=start)
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
            # "lowest found" is no claim of a global minimum: SLSQP from s must not find a
            # lower point nearby (it may leap to another basin: that is no contradiction).
            near = np.linalg.norm(np.asarray(local.x) - s["x"]) <= 1e-2 * max(
                1.0, float(np.linalg.norm(s["x"])))
            if local.success and near:
                assert local.fun >= s["f"] / fn.scale - 1e-7 * max(1.0, abs(s["f"] / fn.scale))
            assert_local_minimum(fn, g, s["x"], equality=True)
    result = run_or_refused(constraints.constrained, f=fn.text, g=g_text, lr=0.05 / fn.scale,
                            start=start)
    if result is not None:
        if result["converged"] and result["active"]:
            assert_kkt(fn, g, result["x"], result["multiplier"], equality=False)
        if result["label"] in ("constrained minimum", "constrained maximum"):
            assert_local_minimum(fn, g, result["x"], equality=False,
                                 sign=1.0 if result["label"] == "constrained minimum" else -1.0)
        s = result["solution"]
        if s is not None and s["active"]:
            assert_kkt(fn, g, s["x"], s["multiplier"], equality=False)
            assert_local_minimum(fn, g, s["x"], equality=False)
        elif s is not None:  # inside g < 0: an unconstrained minimum of f
            assert float(g.subs(dict(zip(SYMS[:2], s["x"], strict=True)))) < 0
            assert_kind(fn, assert_stationary(fn, s["x"], s["x"]), "minimum")


# --- the Hypothesis tests: one function, every demo that takes it ------------------------

LRS = st.sampled_from([0.001, 0.01, 0.05, 0.1, 1.0, 10.0, 100.0])  # large: overflow, domain


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
    check_constraints(fn, g_text, start)


@settings(CLAIMS, max_examples=max(10, EXAMPLES // 5))
@given(functions(min_dim=3, max_dim=3), points(3), points(3), LRS)
def test_claims_on_functions_of_three_variables(fn, at, start, lr):
    check_partial_and_gradient(fn, at)
    check_hessian(fn, at)
    check_newton(fn, start)
    check_gradient_descent(fn, start, lr)


# --- the cases that once got through, through the same checks ------------------------------


def _fn(text: str) -> Fn:
    expr = sp.sympify(text.replace("^", "**"), locals=dict(zip(NAMES, SYMS, strict=True)))
    dim = max(NAMES.index(str(s)) + 1 for s in expr.free_symbols)
    return Fn(text, expr, max(dim, 1), 1.0)


@pytest.mark.parametrize("text,at", [("sqrt(x^2)", 0.0), ("(x^2)^(1/2)", 0.0),
                                     ("sqrt(sin(x)^2)", 0.0), ("(x^2)^(1/3) + x", 0.0)])
def test_claims_checks_catch_kinks_spelt_as_roots(text, at):
    check_derivative(_fn(text), at)


@pytest.mark.parametrize("text,at", [("sqrt(x^2) + y^2", [0.0, 1.0]),
                                     ("sqrt(x^2*y^2)", [0.0, 1.0])])
def test_claims_checks_catch_kinks_in_partials_and_gradients(text, at):
    check_partial_and_gradient(_fn(text), at)


@pytest.mark.parametrize("text,at", [("x^3", [1e-6]), ("x^3 + y^2", [1e-6, 0.0])])
def test_claims_checks_catch_minima_next_to_degenerate_points(text, at):
    check_hessian(_fn(text), at)


@pytest.mark.parametrize("text,start,lr", [("tanh(x)", [0.0], 100.0), ("exp(-x)", [0.0], 1000.0),
                                           ("x - y", [0.0, 0.0], 0.1)])
def test_claims_checks_catch_underflow_and_unbounded_runs(text, start, lr):
    fn = _fn(text)
    check_gradient_descent(fn, start, lr)
    check_newton(fn, start)
    check_learning_rate(fn, start)


@pytest.mark.parametrize("text,g_text", [("y^2 - (x-1)^2", "x - 1"), ("x^3 + y^3", "x - 1"),
                                         ("(x-1)^2 - y^2", "x - 1")])
def test_claims_checks_catch_degenerate_constraints(text, g_text):
    check_constraints(_fn(text), g_text, [1.0, 0.0])
