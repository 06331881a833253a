"""Constrained optimality: Lagrange (g = 0) and KKT (g ≤ 0) checks, and a multi-start
solver that finds and labels the constrained critical points.

Signs, stated once:

* equality g(x) = 0: ∇f = λ ∇g (L = f − λ g, scipy SLSQP's sign); λ = ∇f·∇g / |∇g|².
* inequality g(x) ≤ 0: ∇f + μ ∇g = 0 with μ ≥ 0 when active (g = 0), μ = 0 when not.

Tolerances (relative, so scaling f or g by a constant changes no verdict):

* on the constraint (active): |g(p)| ≤ FEAS_RTOL · max(|∇g(p)|, Σ_i |∂g/∂x_i · p_i|), the
  size of g's first-order terms at p (|∇g| |p| would let any g pass far out: x − 1 = −1
  at (0, 1.4e11) is not on x = 1);
* stationary: |∇f − λ∇g| ≤ KKT_RTOL · max(|∇f|, |λ| |∇g|), or ∇f = 0;
* μ ≥ 0 means μ ≥ −KKT_RTOL · |∇f| / |∇g|.

``kkt_residual`` reported = |∇f − λ ∇g| + max(g, 0) for g ≤ 0, or + |g| for g = 0.

The kind of a point comes from the Hessian of the Lagrangian restricted to the tangent
space {d : ∇g·d = 0} (:func:`constrained_kind`), classified by
:func:`calcquiz.numerics.critical.classify_eigenvalues`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypedDict

import numpy as np

from calcquiz.numerics.convergence import XTOL
from calcquiz.numerics.critical import EIG_RTOL, classify_eigenvalues, classify_limit, is_stationary
from calcquiz.numerics.vector import Array

FEAS_RTOL = 1e-9
KKT_RTOL = 1e-6


class Smooth(Protocol):
    """What the solver needs of f and g: value, gradient and Hessian at a point."""

    def fun(self, p: Array) -> float: ...
    def jac(self, p: Array) -> Array: ...
    def hess(self, p: Array) -> Array: ...


@dataclass(frozen=True)
class KKTCheck:
    """The conditions at one point. ``kind``: 'constrained minimum', 'constrained maximum',
    'neither', 'undetermined' (second order cannot decide) or 'not a KKT point'."""

    x: tuple[float, ...]
    f: float
    g: float
    multiplier: float
    residual: float
    feasible: bool
    active: bool
    satisfied: bool
    kind: str
    newton_step: float = math.nan  # |dp| of one Lagrange–Newton step from here, if computed


def _norm(v: Array) -> float:
    """The Euclidean norm without overflow of the squares (math.hypot scales)."""
    return math.hypot(*(float(t) for t in np.ravel(v)))


def _on_constraint(g_value: float, grad_g: Array, p: Array) -> bool:
    with np.errstate(all="ignore"):
        terms = float(np.sum(np.abs(np.asarray(grad_g, dtype=np.float64) * p)))
    scale = max(_norm(grad_g), terms)
    return abs(g_value) <= FEAS_RTOL * scale or g_value == 0


def check_kkt(f: Smooth, g: Smooth, p: Array, *, equality: bool) -> KKTCheck:
    """Check the Lagrange (``equality``) or KKT conditions at p, with the module's signs
    and tolerances, and label the point."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(all="ignore"):
        gf, gg, gv, fv = f.jac(p), g.jac(p), float(g.fun(p)), float(f.fun(p))
    x = tuple(float(v) for v in p)
    if not all(bool(np.all(np.isfinite(v))) for v in (gv, fv, p, gf, gg)):
        return KKTCheck(x, fv, gv, math.nan, math.inf, False, False, False, "not a KKT point")
    active = _on_constraint(gv, gg, p)
    feasible = active or (not equality and gv < 0)
    lam = _lagrange_multiplier(gf, gg) if active else 0.0
    mult = (lam if equality else -lam) + 0.0  # μ = −λ for g ≤ 0; + 0.0: never print −0
    stat = _norm(gf - lam * gg)
    stationary, step = _stationary(f, g, p, gf, gg, lam, active, stat)
    sign_ok = equality or mult >= -KKT_RTOL * _norm(gf) / max(_norm(gg), 1e-300)
    residual = stat + (abs(gv) if equality else max(gv, 0.0))
    satisfied = feasible and stationary and sign_ok
    if not feasible or not stationary:
        kind = "not a KKT point"
    elif active:
        kind = _label(constrained_kind(f, g, p, lam, equality=equality), mult, equality)
    else:
        kind = _label(classify_limit(p, gf, f.hess).kind, 0.0, True)
    return KKTCheck(x, fv, gv, mult, residual, feasible, active, satisfied, kind, step)


def _lagrange_multiplier(gf: Array, gg: Array) -> float:
    """λ with ∇f = λ ∇g as near as can be: (∇f · ∇g) / |∇g|², computed on ∇g / |∇g| so
    nothing overflows (0 where ∇g = 0)."""
    gg_size = _norm(gg)
    return float(gf @ (gg / gg_size)) / gg_size if gg_size else 0.0


def _stationary(
    f: Smooth, g: Smooth, p: Array, gf: Array, gg: Array, lam: float, active: bool,
    stat: float,
) -> tuple[bool, float]:
    """Whether ∇f − λ∇g = 0 at p (``gf`` = ∇f, ``gg`` = ∇g, ``stat`` = |∇f − λ∇g| within
    KKT_RTOL of the terms' size), and the length of the Lagrange–Newton step if one was
    taken (else nan).

    Also by Newton distance, as unconstrained points are: the Lagrange–Newton step from
    (p, λ) is at most XTOL max(1, |p|). A gradient tiny only because everything is tiny
    far out on a branch (exp(x) + y² on xy = 1 at x = −1e11) is no KKT point."""
    size = max(_norm(gf), abs(lam) * _norm(gg))
    stationary = math.isfinite(stat) and (stat <= KKT_RTOL * size or not np.any(gf))
    if not stationary or not np.any(gf):
        return stationary, math.nan
    if active:
        dp, _ = kkt_step(f, g, p, lam)
        step = _norm(dp)
        return step <= XTOL * max(1.0, _norm(p)), step
    with np.errstate(all="ignore"):
        return is_stationary(p, gf, f.hess(p)), math.nan


def kkt_step(f: Smooth, g: Smooth, p: Array, lam: float, shift: float = 0.0) -> (
        tuple[Array, float]):
    """One Newton step (dp, dλ) on ∇f − λ∇g = 0, g = shift (see :func:`lagrange_newton`);
    where the system is singular, the least-squares step of least norm (numpy.linalg.lstsq):
    on a linear f and g every point of g = 0 is a KKT point, and the step to g = c is then
    the shortest one. A step with inf or nan in it is returned as inf."""
    n = len(p)
    with np.errstate(all="ignore"):
        gf, gg = f.jac(p), g.jac(p)
        residual = np.concatenate([gf - lam * gg, [g.fun(p) - shift]])
        K = np.zeros((n + 1, n + 1))
        K[:n, :n] = f.hess(p) - lam * g.hess(p)
        K[:n, n] = -gg
        K[n, :n] = gg
        if not (np.all(np.isfinite(K)) and np.all(np.isfinite(residual))):
            return np.full(n, math.inf), math.inf
        try:
            d = np.linalg.solve(K, -residual)
        except np.linalg.LinAlgError:
            d = np.linalg.lstsq(K, -residual, rcond=None)[0]
    if not np.all(np.isfinite(d)):
        return np.full(n, math.inf), math.inf
    return d[:n], float(d[n])


def _label(kind: str, mult: float, equality: bool) -> str:
    if kind == "degenerate":
        return "undetermined"
    # On g = 0 of g ≤ 0: μ > 0 rules out a max, μ < 0 a min.
    if not equality and (kind == "minimum" and mult < 0 or kind == "maximum" and mult > 0):
        return "neither"
    return {"minimum": "constrained minimum", "maximum": "constrained maximum"}.get(
        kind, "neither")


def constrained_kind(f: Smooth, g: Smooth, p: Array, lam: float, *,
                     equality: bool = True) -> str:
    """The kind (see critical.classify_eigenvalues) of the second-order test at a KKT point:

    * the Hessian of L = f − λ g restricted to the tangent space of g = 0 (the directions
      orthogonal to ∇g);
    * for g ≤ 0 active with μ = 0 (no strict complementarity), the feasible directions
      with ∇g·d ≤ 0 form a half-space, on which dᵀHd takes every value it takes anywhere
      (d or −d is in it): the test is on the full Hessian of f;
    * an eigenvalue counts as zero below EIG_RTOL · max |λ| + 2 × the change of the
      eigenvalues over one Lagrange–Newton step (the point the iterate stands for): a point
      within 5e-7 of a degenerate one is not called a minimum (x³ + y³ on x = 1 near y = 0).
    """
    if len(p) == 1:
        return "minimum"  # g = 0 is isolated points on a line: each is a min and a max
    if not equality and _zero_multiplier(f, g, p, lam):
        with np.errstate(all="ignore"):
            H = np.asarray(f.hess(p), dtype=np.float64)
        if not np.all(np.isfinite(H)):
            return "degenerate"
        return classify_eigenvalues(np.linalg.eigvalsh((H + H.T) / 2))
    eig = _reduced_eigenvalues(f, g, p, lam)
    if eig is None:
        return "degenerate"
    kind = classify_eigenvalues(eig)
    if kind == "degenerate":
        return kind
    dp, dlam = kkt_step(f, g, p, lam)
    if not np.any(dp) and dlam == 0:
        return kind
    there = _reduced_eigenvalues(f, g, p + dp, lam + dlam) if np.all(np.isfinite(dp)) else None
    if there is None:
        return "degenerate"
    spread = float(np.max(np.abs(np.asarray(there) - np.asarray(eig))))
    tol = EIG_RTOL * float(np.max(np.abs(eig))) + 2 * spread
    if kind == "saddle":
        return kind if eig[0] < -tol and eig[-1] > tol else "degenerate"
    return "degenerate" if np.any(np.abs(eig) <= tol) else kind


def _reduced_eigenvalues(f: Smooth, g: Smooth, p: Array, lam: float) -> Array | None:
    with np.errstate(all="ignore"):
        gg = np.asarray(g.jac(p), dtype=np.float64)
        if not (np.all(np.isfinite(gg)) and np.any(gg)):
            return None
        _, _, vt = np.linalg.svd(gg.reshape(1, -1))
        tangent = vt[1:].T
        reduced = tangent.T @ (f.hess(p) - lam * g.hess(p)) @ tangent
    if not np.all(np.isfinite(reduced)):
        return None
    return np.linalg.eigvalsh((reduced + reduced.T) / 2)


def _zero_multiplier(f: Smooth, g: Smooth, p: Array, lam: float) -> bool:
    """μ = 0 as far as the point can tell: μ|∇g| is no more than the gradient a step of
    XTOL max(1, |p|) would make (‖H_f‖ XTOL max(1, |p|))."""
    if lam == 0:
        return True
    with np.errstate(all="ignore"):
        H = np.asarray(f.hess(p), dtype=np.float64)
        size = float(np.max(np.abs(H))) if np.all(np.isfinite(H)) else math.inf
    return abs(lam) * _norm(g.jac(p)) <= size * XTOL * max(1.0, _norm(p))


def lagrange_newton(
    f: Smooth, g: Smooth, p0: Array, steps: int, shift: float = 0.0
) -> list[tuple[Array, float]]:
    """Newton's method on ∇f − λ∇g = 0, g − shift = 0 (unknowns p, λ):

        [ H_f − λ H_g   −∇g ] [dp]     [ ∇f − λ ∇g ]
        [ ∇gᵀ             0 ] [dλ] = − [ g − shift ]

    from p0 and λ0 = ∇f·∇g / |∇g|². Returns the (p, λ) iterates; stops when the residual is
    below 1e-13 times its first value, is not finite, or the system is singular."""
    p = np.array(p0, dtype=np.float64)
    out: list[tuple[Array, float]] = []
    first = None
    with np.errstate(all="ignore"):
        gg = g.jac(p)
        lam = float(f.jac(p) @ gg) / float(gg @ gg) if gg @ gg else 0.0
        out.append((p, lam))
        for _ in range(steps):
            gf, gg = f.jac(p), g.jac(p)
            residual = np.concatenate([gf - lam * gg, [g.fun(p) - shift]])
            size = float(np.linalg.norm(residual))
            first = size if first is None else first
            if not math.isfinite(size) or size <= 1e-13 * first or size == 0:
                break
            dp, dlam = kkt_step(f, g, p, lam, shift)
            if not np.all(np.isfinite(dp)):
                break
            p, lam = p + dp, lam + dlam
            out.append((p, lam))
    return out


def _newton_stationary(f: Smooth, p0: Array, steps: int = 40) -> Array:
    p = np.array(p0, dtype=np.float64)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            g = f.jac(p)
            if not np.any(g) or not np.all(np.isfinite(g)):
                break
            try:
                d = np.linalg.solve(f.hess(p), g)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(d)) or np.array_equal(p - d, p):
                break
            p = p - d
    return p


def project_newton(g: Smooth, p: Array, tol: float = 1e-12, iters: int = 50) -> Array | None:
    """An approximate projection onto {g ≤ 0}: while g(p) > tol, step
    p ← p − g(p) ∇g(p) / |∇g(p)|² (Newton's method along ∇g toward g = 0).
    None if it fails (∇g = 0, or no convergence in ``iters`` steps)."""
    for _ in range(iters):
        value = g.fun(p)
        if not math.isfinite(value):
            return None
        if value <= tol:
            return p
        grad = g.jac(p)
        denom = float(grad @ grad)
        if not denom or not math.isfinite(denom):
            return None
        p = p - value * grad / denom
    return None


def project_onto(g: Smooth, p: Array, iters: int = 30) -> Array | None:
    """The nearest point to p with g ≤ 0 (exact up to round-off, for a smooth g): if
    g(p) > 0, solve q − p + ν ∇g(q) = 0, g(q) = 0 by Newton's method (residual below
    1e-14 max(1, |p|)), starting from :func:`project_newton`. None if it does not
    converge."""
    if g.fun(p) <= 0:
        return p
    q = project_newton(g, p)
    if q is None:
        return None
    grad = g.jac(q)
    nu = float((p - q) @ grad) / float(grad @ grad)
    n = len(p)
    for _ in range(iters):
        grad = g.jac(q)
        residual = np.concatenate([q - p + nu * grad, [g.fun(q)]])
        if not np.all(np.isfinite(residual)):
            return None
        if np.linalg.norm(residual) < 1e-14 * max(1.0, float(np.linalg.norm(p))):
            break
        K = np.zeros((n + 1, n + 1))
        K[:n, :n] = np.eye(n) + nu * g.hess(q)
        K[:n, n] = grad
        K[n, :n] = grad
        try:
            step = np.linalg.solve(K, -residual)
        except np.linalg.LinAlgError:
            return None
        q, nu = q + step[:n], nu + float(step[n])
    else:
        if np.linalg.norm(residual) > 1e-9:
            return None
    return q if g.fun(q) <= 1e-12 else project_newton(g, q)


def default_starts(p0: Array, radius: float | None = None) -> list[Array]:
    """p0 and the 3ⁿ grid {−R, 0, R}ⁿ around the origin, R = 2 max(1, |p0|)."""
    n = len(p0)
    r = radius if radius is not None else 2 * max(1.0, float(np.linalg.norm(p0)))
    grid = [np.array(c, dtype=np.float64) for c in itertools.product((-r, 0.0, r), repeat=n)]
    return [np.asarray(p0, dtype=np.float64), *grid]


def kkt_points(
    f: Smooth, g: Smooth, starts: Sequence[Array], *, equality: bool, steps: int = 40
) -> list[KKTCheck]:
    """Every distinct point satisfying the conditions that Newton's method reaches from
    ``starts``: on g = 0 by :func:`lagrange_newton`, and, for g ≤ 0, also interior
    stationary points of f with g < 0. Sorted by f; points closer than 1e-7 max(1, |p|)
    are merged."""
    found: list[KKTCheck] = []
    candidates: list[Array] = []
    for s in starts:
        candidates.append(lagrange_newton(f, g, s, steps)[-1][0])
        if not equality:
            candidates.append(_newton_stationary(f, s, steps))
    for c in candidates:
        if not np.all(np.isfinite(c)):
            continue
        check = check_kkt(f, g, c, equality=equality)
        if check.kind == "not a KKT point":  # infeasible, or Newton did not get there
            continue
        if any(math.dist(check.x, o.x) <= 1e-7 * max(1.0, math.hypot(*o.x)) for o in found):
            continue
        found.append(check)
    return sorted(found, key=lambda c: c.f)


def best_constrained(points: Sequence[KKTCheck]) -> KKTCheck | None:
    """The lowest f among the points labelled constrained minimum with the conditions met
    (μ ≥ 0 for g ≤ 0); None if there is none."""
    ok = [c for c in points if c.satisfied and c.kind == "constrained minimum"]
    return min(ok, key=lambda c: c.f) if ok else None


class KKTReport(TypedDict):
    """A KKTCheck as it goes into a demo's JSON result."""

    x: list[float]
    f: float
    g: float
    multiplier: float
    kkt_residual: float
    active: bool
    satisfied: bool
    kind: str


def as_dict(check: KKTCheck) -> KKTReport:
    """A KKTCheck for the JSON result."""
    return {"x": [v + 0.0 for v in check.x], "f": check.f, "g": check.g,
            "multiplier": check.multiplier, "kkt_residual": check.residual,
            "active": check.active, "satisfied": check.satisfied, "kind": check.kind}
