"""Optimisation under constraints: constrained (g <= 0) and lagrange (g = 0).

Sign conventions, stated once:

* ``lagrange`` (equality g(x) = 0): the multiplier lambda satisfies grad f = lambda grad g
  at the solution (scipy SLSQP's sign; L = f - lambda g). Then df*/dc = lambda when the
  constraint is moved to g(x) = c.
* ``constrained`` (inequality g(x) <= 0): the KKT multiplier mu >= 0 satisfies
  grad f + mu grad g = 0 when the constraint is active (g = 0), and mu = 0 when it is not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypedDict

import numpy as np

from calcquiz.demos import core, objectives
from calcquiz.demos.core import DemoRun, Outcome, Plot, Row, RowGenerator, Series
from calcquiz.demos.objectives import Array, Objective
from calcquiz.errors import BadInputError
from calcquiz.numerics.differences import central_difference
from calcquiz.numerics.iterate import projected_path
from calcquiz.numerics.kkt import (
    KKTCheck,
    KKTReport,
    as_dict,
    best_constrained,
    check_kkt,
    constrained_kind,
    default_starts,
    kkt_points,
    lagrange_newton,
    project_onto,
)


def _pair(
    f: str | None, g: str | None, default_f: Objective, default_g: Objective
) -> tuple[Objective, Objective]:
    """f and g as Objectives in the same variables (x, y at least; z if either uses it)."""
    if f is None and g is None:
        return default_f, default_g
    from calcquiz import expr

    pf = expr.parse(f if f is not None else default_f.text)
    pg = expr.parse(g if g is not None else default_g.text)
    if not pg.variables:
        raise BadInputError("--g must depend on x, y or z: a constant is no constraint")
    used = set(pf.variables) | set(pg.variables)
    dim = max([2, *(objectives.ALL_NAMES.index(v) + 1 for v in used)])
    names = objectives.ALL_NAMES[:dim]
    fo = objectives.from_expr(pf, names, "f")
    go = default_g if g is None and dim == 2 else objectives.from_expr(pg, names, "g")
    return fo, go



class ConstrainedResult(TypedDict):
    x: list[float]
    f: float
    steps: int
    g: float
    active: bool  # the constraint holds with equality at the end
    multiplier: float | None  # None: the end is no KKT point
    kkt_residual: float
    converged: bool
    label: str  # the end's KKT kind, or "not converged"
    stop: str
    solution: KKTReport | None  # the lowest constrained minimum found from all starts
    points: list[KKTReport]  # the KKT points found from every start
    starts: int


class LagrangeResult(TypedDict):
    x: list[float]
    f: float
    multiplier: float | None
    g: float
    converged: bool
    kkt_residual: float
    steps: int
    kind: str  # along the constraint: minimum, maximum... or unknown
    label: str
    solution: KKTReport | None
    points: list[KKTReport]
    starts: int
    df_dc: float | None  # the price of the constraint, if converged

# --- constrained (card 15) --------------------------------------------------------------


def _bowl(p: Array) -> float:
    x, y = p
    return float((x - 2) ** 2 + (y - 1) ** 2)


def _bowl_der(p: Array) -> Array:
    x, y = p
    return np.array([2 * (x - 2), 2 * (y - 1)])


def _bowl_hess(p: Array) -> Array:
    return 2.0 * np.eye(2)


def _disk(p: Array) -> float:
    return float(p @ p - 1)


def _disk_der(p: Array) -> Array:
    return 2 * p


def _disk_hess(p: Array) -> Array:
    return 2.0 * np.eye(len(p))


BOWL = objectives.builtin("(x-2)^2 + (y-1)^2", ("x", "y"), _bowl, _bowl_der, _bowl_hess)
DISK = objectives.builtin("x^2 + y^2 - 1", ("x", "y"), _disk, _disk_der, _disk_hess)


def project_disk(p: Array) -> Array:
    """The exact projection onto the unit disk x^2 + y^2 <= 1: p / max(1, |p|)."""
    return p / max(1.0, float(np.linalg.norm(p)))


def project_euclidean(g: Objective, p: Array) -> Array | None:
    """The nearest point to p with g ≤ 0 (see numerics.kkt.project_onto)."""
    return project_onto(g, p)


def constrained(
    f: str | None = None,
    g: str | None = None,
    start: Sequence[float] | None = None,
    lr: float = 0.05,
    steps: int = 100,
) -> DemoRun:
    """Projected gradient descent for min f subject to g <= 0:

        p <- P(p - lr grad f(p)),

    where P maps a point back onto the feasible set; the run stops early if a step leaves p
    unchanged in float64. Default: min (x - 2)^2 + (y - 1)^2 with
    x^2 + y^2 <= 1 from (0, -1), lr 0.05, 100 steps; P(p) = p / max(1, |p|) exactly. The
    solution is (2, 1)/sqrt 5 = (.894427, .447214), f* = (sqrt 5 - 1)^2 = 1.527864, with
    KKT multiplier mu = sqrt 5 - 1 = 1.236068 (grad f + mu grad g = 0). For a user's --g,
    P is the nearest point found by :func:`project_euclidean`; --f alone keeps the disk.
    """
    lr, steps = core.check_lr(lr), core.check_steps(steps)
    fo, go = _pair(f, g, BOWL, DISK)
    p = core.check_point(start, fo.names, (0.0, -1.0) if fo.dim == 2 else (0.0,) * fo.dim,
                    "--start")
    fo.check(p)
    go.check(p)
    exact = go is DISK
    projected = project_disk(p) if exact else project_euclidean(go, p)
    if projected is None:
        raise BadInputError("--start: cannot project the start onto g <= 0")
    p = projected
    params = {"f": fo.text, "g": go.text + " <= 0", "start": core.vec(p), "lr": lr, "steps": steps,
              "projection": "p / max(1, |p|)" if exact else "nearest point with g <= 0 (Newton)"}
    columns = ["k", *fo.names, "f", "g"]
    if fo.dim == 2:
        columns += ["|p|", "angle (deg)"]
    return DemoRun("constrained", columns, params, _constrained_rows(fo, go, p, lr, steps, exact),
                   title=f"projected gradient descent: min {core.pretty(fo.text)}"
                         f" s.t. {core.pretty(go.text)} ≤ 0",
                   expected_rows=min(steps, 100) + 1)


def _constrained_rows(
    fo: Objective, go: Objective, p: Array, lr: float, steps: int, exact: bool
) -> RowGenerator:
    def project(q: Array) -> Array | None:
        return project_disk(q) if exact else project_euclidean(go, q)

    keep = core.shown_steps(steps)
    path, stop = projected_path(fo.jac, project, p, lr, steps)
    values: list[float] = []
    last = len(path) - 1
    for k, q in enumerate(path):
        fk, gk = fo.fun(q), go.fun(q)
        values.append(fk)
        row: Row = [k, *core.vec(q), fk, gk]
        if fo.dim == 2:
            row += [core.norm(q), math.degrees(math.atan2(q[1], q[0]))]
        if k in keep or k == last:
            yield row
    p = path[-1]
    end = check_kkt(fo, go, p, equality=False)
    points = kkt_points(fo, go, [*default_starts(path[0]), p], equality=False)
    best = best_constrained(points)
    converged = end.satisfied
    if converged and "stalled" in stop:
        stop = f"converged at step {last}: a step no longer changes p"
    result: ConstrainedResult = {
        "x": core.vec(p), "f": values[-1], "steps": last, "g": go.fun(p), "active": end.active,
        "multiplier": end.multiplier if converged else None, "kkt_residual": end.residual,
        "converged": converged, "label": end.kind if converged else "not converged",
        "stop": stop, "solution": as_dict(best) if best is not None else None,
        "points": [as_dict(c) for c in points], "starts": len(default_starts(path[0])) + 1,
    }
    takeaway = _constrained_text(fo, end, best, converged, last, result["starts"])
    if converged and end.kind == "neither":
        takeaway += _falling_direction(fo, go, np.array(end.x))
    takeaway += _ties(best, points)
    plot = Plot("f by step", [Series("f", [float(i) for i in range(len(values))], values)],
                xlabel="step", ylabel="f")
    return Outcome(result, takeaway, [plot])


def _falling_direction(fo: Objective, go: Objective, p: Array) -> str:
    """At a KKT point that is no minimum: a feasible direction along which f falls, checked
    on f itself (the eigenvector of H_f's lowest eigenvalue, or of the reduced Hessian,
    turned so that ∇g·d ≤ 0), and how far along it f keeps falling, feasible points only."""
    with np.errstate(all="ignore"):
        H = np.asarray(fo.hess(p), dtype=np.float64)
        gg = np.asarray(go.jac(p), dtype=np.float64)
    if not (np.all(np.isfinite(H)) and np.all(np.isfinite(gg))):
        return ""
    values, vectors = np.linalg.eigh((H + H.T) / 2)
    d = vectors[:, 0]
    if values[0] >= 0:
        return ""
    if float(gg @ d) > 0:
        d = -d
    f0 = fo.fun(p)
    scale = max(1.0, float(np.linalg.norm(p)))
    falls = []
    with np.errstate(all="ignore"):
        for t in (1e-3, 1e-1, 1e1, 1e3):
            q = p + t * scale * d
            fq, gq = fo.fun(q), go.fun(q)
            if not (math.isfinite(fq) and gq <= 0 and fq < f0):
                break
            falls.append((t * scale, fq))
    if not falls:
        return ""
    where = "(" + ", ".join(f"{v + 0.0:.3g}" for v in d) + ")"
    text = (f" f falls along the feasible direction {where}: f = {falls[0][1]:.6g} at distance "
            f"{falls[0][0]:.3g}")
    if len(falls) == 4:
        text += (f", and it is still falling at distance {falls[-1][0]:.3g} (f = "
                 f"{falls[-1][1]:.4g}): f may be unbounded below on the feasible set")
    return text + "."


def _still_moving(end: KKTCheck) -> str:
    """Where the residual is small but one more Newton step would still move the point
    more than the tolerance: say how far (the residual alone looks converged)."""
    if math.isfinite(end.newton_step) and end.newton_step > 0:
        return f", yet one more Newton step would still move it by {end.newton_step:.3g}"
    return ""


def _same(a: KKTCheck, b: KKTCheck) -> bool:
    return math.dist(a.x, b.x) <= 1e-6 * max(1.0, math.hypot(*b.x))


def _where(c: KKTCheck) -> str:
    return "(" + ", ".join(f"{v + 0.0:.6g}" for v in c.x) + ")"


def _constrained_text(
    fo: Objective, end: KKTCheck, best: KKTCheck | None, converged: bool, steps: int,
    starts: int,
) -> str:
    if not converged:
        text = (f"After {core.steps_text(steps)} the run is at {_where(end)}, f = {end.f:.6g}, "
                f"with KKT residual {end.residual:.3g}{_still_moving(end)}: not converged, so no "
                f"multiplier is claimed.")
    elif end.active:
        text = (f"The run converged on the boundary g = 0 at {_where(end)}, f = {end.f:.6g}: "
                f"∇f + μ∇g = 0 with μ = {end.multiplier:.6g} ≥ 0 (the KKT conditions hold)"
                + (", and μ is how fast f would fall there if the constraint were relaxed."
                   if end.kind == "constrained minimum" else "."))
    else:
        text = (f"The run converged inside the feasible set (g = {end.g:.3g} < 0) at "
                f"{_where(end)}, f = {end.f:.6g}: the constraint is not active, its multiplier "
                f"is 0 and ∇f = 0 there.")
    if converged and end.kind != "constrained minimum":
        text += f" This point is a KKT point but {_kind_phrase(end.kind)}."
    if best is None:
        text += (f" No constrained minimum was found from {starts} starts, so none is "
                 f"named here.")
    elif converged and _same(end, best):
        text += (f" It is the lowest constrained minimum found by Newton's method on the KKT "
                 f"system from {starts} starts.")
    else:
        text += (f" The lowest constrained minimum found from {starts} starts is "
                 f"{_where(best)}, f = {best.f:.6g}.")
    return text


def _ties(best: KKTCheck | None, points: Sequence[KKTCheck]) -> str:
    """A note when other constrained minima found have the same f as the best."""
    if best is None:
        return ""
    same = [c for c in points if c is not best and c.kind == best.kind and c.satisfied
            and abs(c.f - best.f) <= 1e-9 * max(1.0, abs(best.f))]
    if not same:
        return ""
    return " Equally low: " + ", ".join(_where(c) for c in same) + "."


def _kind_phrase(label: str) -> str:
    return {"constrained maximum": "a constrained maximum, not a minimum",
            "neither": "neither a constrained minimum nor a maximum",
            "undetermined": "of a kind the second-order test cannot decide"}.get(label, label)


# --- lagrange (card 16) -----------------------------------------------------------------


def _line(p: Array) -> float:
    x, y = p
    return float(x + y - 1)


def _line_der(p: Array) -> Array:
    return np.array([1.0, 1.0])


def _line_hess(p: Array) -> Array:
    return np.zeros((2, 2))


ELLIPSE = objectives.diagonal_quadratic("x^2 + 2*y^2", 1.0, 2.0)
LINE = objectives.builtin("x + y - 1", ("x", "y"), _line, _line_der, _line_hess)
SCAN = (-0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5)


def angle_between(a: Array, b: Array) -> float:
    """The angle between two vectors in degrees (0: parallel, 180: opposite)."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if not na or not nb:
        return float("nan")
    u, v = a / na, b / nb  # Kahan's formula: accurate near 0 and 180, unlike acos
    return math.degrees(2 * math.atan2(float(np.linalg.norm(u - v)), float(np.linalg.norm(u + v))))


def lagrange(
    f: str | None = None,
    g: str | None = None,
    start: Sequence[float] | None = None,
    steps: int = 20,
) -> DemoRun:
    """min f subject to g = 0 by Lagrange multipliers: at the solution grad f = lambda grad g
    (the gradients are parallel), found by Newton's method on that system
    (:func:`lagrange_newton`). df*/dc, from solving again with g = +-1e-5, equals lambda.

    Default: min x^2 + 2y^2 s.t. x + y - 1 = 0: the table walks along the line
    (x, y) = (t, 1 - t) and shows the angle between grad f and grad g closing to 0 at the
    solution (2/3, 1/3), lambda = 4/3, f* = 2/3. With --g the table shows the Newton
    iterates instead, from --start (default: the origin).
    """
    steps = core.check_steps(steps)
    fo, go = _pair(f, g, ELLIPSE, LINE)
    p = core.check_point(start, fo.names, (0.0,) * fo.dim, "--start")
    fo.check(p, order=2)
    go.check(p, order=2)
    scan = g is None and fo.dim == 2
    params = {"f": fo.text, "g": go.text + " = 0", "start": core.vec(p), "steps": steps,
              "sign": "grad f = lambda grad g"}
    columns = ["point", *fo.names, "f", "g", "grad f", "lambda estimate", "angle(grad f, grad g)"]
    return DemoRun("lagrange", columns, params, _lagrange_rows(fo, go, p, steps, scan),
                   title=f"Lagrange: min {core.pretty(fo.text)} s.t. {core.pretty(go.text)} = 0",
                   expected_rows=len(SCAN) + 1 if scan else 8)


def _lagrange_row(label: str, fo: Objective, go: Objective, p: Array) -> Row:
    gf, gg = fo.jac(p), go.jac(p)
    estimate = float(gf @ gg) / float(gg @ gg) if gg @ gg else float("nan")
    return [label, *core.vec(p), fo.fun(p), go.fun(p), core.vec(gf), estimate,
            angle_between(gf, gg)]


def _lagrange_rows(
    fo: Objective, go: Objective, p0: Array, steps: int, scan: bool
) -> RowGenerator:
    path = lagrange_newton(fo, go, p0, steps)
    p, _ = path[-1]
    if scan:  # walk along g = 0: x + y = 1 is (t, 1 - t)
        points: list[tuple[float, str, Array]] = [
            (t, f"t = {t:g}", np.array([t, 1 - t])) for t in SCAN
        ]
        points.append((float(p[0]), "solution" if check_kkt(fo, go, p, equality=True).satisfied
                       else "Newton's end", p))
        for _, label, q in sorted(points, key=lambda item: item[0]):
            yield _lagrange_row(label, fo, go, q)
    else:
        for k, (q, _) in enumerate(path):
            yield _lagrange_row(f"Newton {k}", fo, go, q)
    end = check_kkt(fo, go, p, equality=True)
    converged = end.satisfied
    lam = end.multiplier
    found = kkt_points(fo, go, [*default_starts(p0), p], equality=True)
    best = best_constrained(found)
    kind = constrained_kind(fo, go, p, lam) if converged else "unknown"
    # df*/dc by a central difference of the optimum of g = c, c = ±1e-5.
    df_dc = central_difference(
        lambda c: fo.fun(lagrange_newton(fo, go, p, 20, shift=c)[-1][0]), 0.0, 1e-5
    ) if converged else None
    result: LagrangeResult = {
        "x": core.vec(p), "f": fo.fun(p), "multiplier": lam if converged else None,
        "g": go.fun(p), "converged": converged, "kkt_residual": end.residual,
        "steps": len(path) - 1, "kind": kind, "label": end.kind if converged else "not converged",
        "solution": as_dict(best) if best is not None else None,
        "points": [as_dict(c) for c in found], "starts": len(default_starts(p0)) + 1,
        "df_dc": df_dc,
    }
    takeaway = _lagrange_text(fo, go, p0, end, kind, result, best, _ties(best, found))
    return Outcome(result, takeaway)


def _lagrange_text(
    fo: Objective, go: Objective, p0: Array, end: KKTCheck, kind: str, result: LagrangeResult,
    best: KKTCheck | None, ties: str,
) -> str:
    starts = result["starts"]
    if not end.satisfied:
        text = (f"Newton's method on the Lagrange system did not reach a point with g = 0 and "
                f"∇f parallel to ∇g from ({', '.join(f'{v + 0.0:g}' for v in p0)}) "
                f"(KKT residual {end.residual:.3g}{_still_moving(end)}), so no "
                f"multiplier is claimed; try another --start.")
    else:
        lam = end.multiplier
        p = np.array(end.x)
        angle = angle_between(fo.jac(p), go.jac(p))
        if lam == 0 or not math.isfinite(angle):
            how = "∇f = 0 there, so λ = 0: the constraint costs nothing"
        else:
            how = (f"∇f and ∇g are {'parallel' if lam > 0 else 'opposite'} (angle "
                   f"{angle:.3g}°): ∇f = λ∇g with λ = {lam:.6g}")
        label = ("a constrained minimum" if end.kind == "constrained minimum" else
                 _kind_phrase(end.kind))
        text = (f"At {_where(end)}, on g = 0, the level curve of f touches the constraint: "
                f"{how}. f = {end.f:.6g}; along the constraint this point is {label}. "
                f"λ is also the price of the constraint: moving it to g = c changes f there at "
                f"rate df/dc = {result['df_dc']:.6g}. With L = f + λg, as on the card, the "
                f"sign of λ flips.")
    if best is None:
        text += f" No constrained minimum was found from {starts} starts."
    elif end.satisfied and _same(end, best):
        text += f" It is the lowest constrained minimum found from {starts} starts."
    else:
        text += (f" The lowest constrained minimum found from {starts} starts is "
                 f"{_where(best)}, f = {best.f:.6g}, λ = {best.multiplier:.6g}.")
    text += ties
    if kind not in ("minimum", "unknown"):
        text += " Newton's method finds any stationary point of the Lagrangian, not only minima."
    return text
