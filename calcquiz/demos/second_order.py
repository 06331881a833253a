"""Second derivatives: the Hessian and Newton's method (hessian, newton)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np

from calcquiz.demos import core, objectives
from calcquiz.demos.core import DemoRun, Outcome, Plot, RowGenerator, Series
from calcquiz.demos.objectives import Array, Objective, exact_kind
from calcquiz.numerics.convergence import is_converged, newton_distance, observed_order
from calcquiz.numerics.critical import (
    classify_critical_point,
    classify_eigenvalues,
    classify_limit,
)
from calcquiz.numerics.differences import hessian_by_differences
from calcquiz.numerics.iterate import IterationResult, bisect_root, newton_path

classify = classify_eigenvalues  # the core's test, under its old name


# --- hessian (card 13) ------------------------------------------------------------------


def _quadratic(p: Array) -> float:
    x, y = p
    return float(x**2 + 3 * x * y + y**2)


def _quadratic_der(p: Array) -> Array:
    x, y = p
    return np.array([2 * x + 3 * y, 3 * x + 2 * y])


def _quadratic_hess(p: Array) -> Array:
    return np.array([[2.0, 3.0], [3.0, 2.0]])


def _monkey(p: Array) -> float:
    x, y = p
    return float(x**3 - 3 * x * y**2)


def _monkey_der(p: Array) -> Array:
    x, y = p
    return np.array([3 * x**2 - 3 * y**2, -6 * x * y])


def _monkey_hess(p: Array) -> Array:
    x, y = p
    return np.array([[6 * x, -6 * y], [-6 * y, -6 * x]])


QUADRATIC = objectives.builtin(
    "x^2 + 3xy + y^2", ("x", "y"), _quadratic, _quadratic_der, _quadratic_hess
)
MONKEY_SADDLE = objectives.builtin(
    "x^3 - 3xy^2", ("x", "y"), _monkey, _monkey_der, _monkey_hess, label="monkey saddle"
)
HESSIAN_CASES: tuple[tuple[Objective, tuple[float, ...]], ...] = (
    (objectives.ROSENBROCK, (1.0, 1.0)),
    (objectives.ROSENBROCK, (-1.2, 1.0)),
    (objectives.ROSENBROCK, (0.0, 0.0)),
    (QUADRATIC, (0.0, 0.0)),
    (MONKEY_SADDLE, (0.0, 0.0)),
)


def hessian(f: str | None = None, at: Sequence[float] | None = None) -> DemoRun:
    """H[i][j] = d^2 f / dx_i dx_j, its eigenvalues (ascending, numpy.linalg.eigvalsh) and the
    kind of curvature they give (see :func:`classify`); checked against central differences
    of the gradient. The kind names a minimum, maximum or saddle only where grad f = 0
    (``stationary``); elsewhere it describes the local curvature.

    Default: Rosenbrock at (1, 1), where H = [[802, -400], [-400, 200]] with eigenvalues
    0.39936 and 1001.6, at (-1.2, 1) and (0, 0); x^2 + 3xy + y^2 (eigenvalues -1, 5: a
    saddle); x^3 - 3xy^2, the monkey saddle, whose Hessian is zero at the origin. --at
    without --f shows Rosenbrock at that point.
    """
    if f is None:
        cases = [(obj, np.array(p)) for obj, p in HESSIAN_CASES]
        if at is not None:
            cases = [(obj, core.check_point(at, obj.names, (), "--at")) for obj, _ in cases[:1]]
    else:
        obj = objectives.from_text(f)
        p = core.check_point(at, obj.names, (0.0,) * obj.dim, "--at")
        obj.check(p, order=2)
        cases = [(obj, p)]
    params = {"cases": [{"f": obj.text, "at": core.vec(p)} for obj, p in cases]}
    columns = ["f", "point", "H", "eigenvalues", "kind", "|grad f|", "check"]
    return DemoRun("hessian", columns, params, _hessian_rows(cases),
                   title="Hessians, their eigenvalues and the curvature they describe",
                   expected_rows=len(cases))


class HessianCase(TypedDict):
    f: str
    at: list[float]
    hessian: list[list[float]]
    eigenvalues: list[float]
    kind: str  # minimum, maximum, saddle or degenerate: the curvature at ``at``
    kind_exact: bool  # the eigenvalues' signs found exactly by sympy
    stationary: bool  # the gradient is 0 there, allowing for round-off
    stationary_kind: str | None  # the kind of the stationary point ``at`` stands for
    grad_norm: float
    newton_distance: float  # to the stationary point of the local quadratic model


class HessianResult(HessianCase):
    """The first case, and every case."""

    cases: list[HessianCase]


def _hessian_rows(cases: Sequence[tuple[Objective, Array]]) -> RowGenerator:
    found: list[HessianCase] = []
    for obj, p in cases:
        H = obj.hess(p)
        g = obj.jac(p)
        point = classify_critical_point(p, g, H, obj.precise)
        exact = exact_kind(obj, p)
        kind = exact or point.kind
        grad_norm = float(np.linalg.norm(g))
        check = float(np.max(np.abs(hessian_by_differences(obj.jac, p) - H)))
        # The kind of the stationary point p stands for: where ∇f(p) is not exactly 0,
        # that of the nearby point, allowing for the curvature changing on the way there.
        point_kind = None
        if point.stationary:
            point_kind = kind if not np.any(g) else classify_limit(
                p, g, obj.hess, obj.precise).kind
        found.append({"f": obj.text, "at": core.vec(p), "hessian": core.mat(H),
                      "eigenvalues": list(point.eigenvalues), "kind": kind,
                      "kind_exact": exact is not None, "stationary": point.stationary,
                      "stationary_kind": point_kind, "grad_norm": grad_norm,
                      "newton_distance": newton_distance(g, H)})
        yield [obj.label, core.vec(p), core.mat(H), list(point.eigenvalues), kind, grad_norm, check]
    result: HessianResult = {**found[0], "cases": found}
    return Outcome(result, _hessian_text(found[0]))


def _hessian_text(first: HessianCase) -> str:
    """What the first case's eigenvalues say, and whether its point is stationary."""
    eig = ", ".join(f"{v + 0.0:.6g}" for v in first["eigenvalues"])
    where = ", ".join(f"{v + 0.0:g}" for v in first["at"])
    how = " (signs found exactly by sympy)" if first["kind_exact"] else ""
    if first["kind"] == "degenerate":
        curvature = ("a zero eigenvalue (relative to the largest), so the second derivatives "
                     "cannot decide the kind")
    else:
        curvature = f"the curvature of a {first['kind']}"
    if first["stationary"] and first["grad_norm"] > 0:
        near = (f"; the gradient is {first['grad_norm']:.2g}, not 0, but the stationary point "
                f"of the local quadratic model is {first['newton_distance']:.2g} away")
        if first["stationary_kind"] == first["kind"] != "degenerate":
            tail = f"{near}, and it is a {first['kind']} too."
        else:
            tail = (f"{near}, and the curvature changes within that distance, so the "
                    f"second derivatives cannot decide that point's kind: ({where}) is not "
                    f"shown to be a minimum, maximum or saddle.")
    elif first["stationary"]:
        tail = (f", and as the gradient is 0 there, ({where}) is a {first['kind']}."
                if first["kind"] != "degenerate" else
                f"; the gradient is 0, so ({where}) is a stationary point of undecided kind.")
    else:
        tail = "; the gradient is not 0 there, so it is not a stationary point."
    return (
        f"The Hessian holds the second partial derivatives: the curvature. At ({where}) its "
        f"eigenvalues are {eig}{how}: {curvature}{tail} Eigenvalues all positive: a minimum; "
        f"all negative: a maximum; mixed: a saddle; a zero eigenvalue: second derivatives "
        f"cannot decide. Newton's method divides by this curvature."
    )


# --- newton (card 14) -------------------------------------------------------------------


def _exp_minus_2x(p: Array) -> float:
    return float(math.exp(p[0]) - 2 * p[0])


def _exp_minus_2x_der(p: Array) -> Array:
    return np.array([math.exp(p[0]) - 2])


def _exp_minus_2x_hess(p: Array) -> Array:
    return np.array([[math.exp(p[0])]])


EXP_MINUS_2X = objectives.builtin(
    "exp(x) - 2x", ("x",), _exp_minus_2x, _exp_minus_2x_der, _exp_minus_2x_hess
)


def reference_minimiser(obj: Objective, run: IterationResult) -> Array | None:
    """The stationary point the run approaches, found independently of the run's own last
    iterate: in 1-D by bisection on f' over a bracket around it (f' changes sign there),
    to float64 resolution; otherwise (or with no bracket) by continuing Newton's method up
    to 300 more steps, accepted only if the core's convergence test passes there. None if
    neither gives a point (then no errors are printed)."""
    last = run.x
    if not np.all(np.isfinite(last)):
        return None
    if obj.dim == 1:
        root = _bisect_derivative(obj, float(last[0]), run)
        # A sign change of f' at a kink (abs) is no zero of f': keep only a true zero.
        if root is not None and is_converged(np.array([root]), obj.jac(np.array([root])),
                                             _hess_at(obj, root), start=run.path[0],
                                             precise=obj.precise):
            return np.array([root])
    more = newton_path(obj.fun, obj.jac, obj.hess, last, 300, obj.precise)
    return more.x if more.converged else None


def _hess_at(obj: Objective, x: float) -> Array | None:
    with np.errstate(all="ignore"):
        H = obj.hess(np.array([x]))
    return H if np.all(np.isfinite(H)) else None


def _bisect_derivative(obj: Objective, x: float, run: IterationResult) -> float | None:
    xs = [float(q[0]) for q in run.path]
    step = max((abs(b - a) for a, b in zip(xs, xs[1:], strict=False)), default=0.0)
    return bisect_root(lambda t: float(obj.jac(np.array([t]))[0]), x, step)


def newton(f: str | None = None, start: Sequence[float] | None = None, steps: int = 20) -> DemoRun:
    """Newton's method for a minimum, x <- x - H^{-1} grad f (see :func:`newton_path`), with
    the error e_k = |x_k - x*| and the ratio e_k / e_{k-1}^2, which settles to a constant
    when convergence is quadratic (the number of correct digits doubles each step).

    Default: f = exp(x) - 2x from x = 0 (x* = ln 2; the ratio tends to f'''/(2 f'') = 1/2),
    then Rosenbrock from (-1.2, 1) (x* = (1, 1)). For --f, x* is found independently of
    the run (:func:`reference_minimiser`); ``order`` is the observed order of convergence
    (numerics.convergence.observed_order), and "quadratic" is said only when it is ≥ 1.8.
    """
    steps = core.check_steps(steps)
    if f is None:
        if start is not None:
            from calcquiz.errors import BadInputError

            raise BadInputError("--start needs --f (the default runs two fixed problems)")
        problems: list[Problem] = [
            (EXP_MINUS_2X, np.array([0.0]), np.array([math.log(2.0)])),
            (objectives.ROSENBROCK, np.array([-1.2, 1.0]), np.array([1.0, 1.0])),
        ]
    else:
        obj = objectives.from_text(f)
        p = core.check_point(start, obj.names, (0.0,) * obj.dim, "--start")
        obj.check(p, order=2)
        problems = [(obj, p, None)]
    params = {"problems": [{"f": o.text, "start": core.vec(p0)} for o, p0, _ in problems],
              "steps": steps}
    columns = ["f", "k", "x", "f(x)", "|grad f|", "error", "e_k / e_k-1^2"]
    return DemoRun("newton", columns, params, _newton_rows(problems, steps),
                   title="Newton's method: x ← x − H⁻¹∇f",
                   expected_rows=16)


Problem = tuple[Objective, Array, "Array | None"]


@dataclass
class NewtonRun:
    """One problem's run, and its errors against the stationary point found independently."""

    f_text: str
    x: list[float]
    f: float
    steps: int
    converged: bool
    stop: str  # why the run stopped
    errors: list[float | None]  # None: no stationary point found to measure them from
    order: float | None  # the observed order of convergence
    kind: str | None  # the kind of the point it converged to
    max_f: float
    minimiser: list[float] | None


class _NewtonResult(TypedDict):
    x: list[float]
    f: float
    steps: int
    converged: bool
    stop: str
    errors: list[float | None]
    order: float | None
    kind: str | None
    minimiser: list[float] | None


class RosenbrockResult(TypedDict):
    x: list[float]
    f: float
    steps: int
    max_f: float
    converged: bool
    stop: str
    order: float | None


class NewtonResult(_NewtonResult, total=False):
    rosenbrock: RosenbrockResult  # the default's second problem


def _newton_rows(problems: Sequence[Problem], steps: int) -> RowGenerator:
    runs: list[NewtonRun] = []
    series = []
    for obj, p0, known in problems:
        path = newton_path(obj.fun, obj.jac, obj.hess, p0, steps, obj.precise)
        run = _newton_run(obj, path, known)
        yield from _newton_table(obj, path, run.errors)
        runs.append(run)
        errors = run.errors
        if all(e is not None and e > 0 for e in errors[:-1]) and len(errors) > 1:
            ks = [float(k) for k in range(len(errors) - 1)]
            series.append(Series(obj.label, ks, [math.log10(e) for e in errors[:-1] if e]))
    first = runs[0]
    result: NewtonResult = {
        "x": first.x, "f": first.f, "steps": first.steps, "converged": first.converged,
        "stop": first.stop, "errors": first.errors, "order": first.order, "kind": first.kind,
        "minimiser": first.minimiser,
    }
    takeaway = None
    if len(runs) > 1:
        ros = runs[1]
        result["rosenbrock"] = {"x": ros.x, "f": ros.f, "steps": ros.steps, "max_f": ros.max_f,
                                "converged": ros.converged, "stop": ros.stop, "order": ros.order}
        if first.converged and first.order is not None and ros.converged:
            takeaway = _newton_default_text(first, ros)
    if takeaway is None:  # --f, or --steps too few for the default's sentences to hold
        takeaway = _newton_text(first)
    plot = Plot("Newton error", series, xlabel="step", ylabel="log10 error")
    return Outcome(result, takeaway, [plot] if series else [])


def _newton_run(obj: Objective, run: IterationResult, known: Array | None) -> NewtonRun:
    """The run's summary, with its errors from ``known`` or else from the stationary point
    found independently of it (:func:`reference_minimiser`)."""
    target = known if known is not None else reference_minimiser(obj, run)
    errors: list[float | None] = [
        float(np.linalg.norm(q - target)) + 0.0 if target is not None else None
        for q in run.path
    ]
    scale = float(np.linalg.norm(target)) if target is not None else 1.0
    kind = None
    if run.converged:  # an iterate only approximates the point: relative tolerance
        kind = classify_limit(run.x, obj.jac(run.x), obj.hess, obj.precise).kind
    return NewtonRun(
        f_text=obj.text, x=core.vec(run.x), f=run.values[-1], steps=run.nit,
        converged=run.converged, stop=run.message, errors=errors,
        order=observed_order(errors, scale) if target is not None else None, kind=kind,
        max_f=max(run.values), minimiser=core.vec(target) if target is not None else None,
    )


def _newton_table(
    obj: Objective, run: IterationResult, errors: Sequence[float | None]
) -> Iterator[list[core.Cell]]:
    """The table's rows (the steps shown) with the error and the ratio e_k / e_(k-1)²."""
    keep = core.shown_steps(len(run.path) - 1)
    for k, q in enumerate(run.path):
        if k not in keep:
            continue
        e, prev = errors[k], errors[k - 1] if k else None
        ratio = e / prev**2 if e is not None and prev else None
        x_cell = core.vec(q)[0] if obj.dim == 1 else core.vec(q)
        yield [obj.label, k, x_cell, run.values[k], run.grad_norms[k], e, ratio]


def _newton_default_text(first: NewtonRun, ros: NewtonRun) -> str:
    """The default's takeaway, for when both runs converged (the first with its order
    measured): every sentence holds only then."""
    shown = ", ".join(f"{e:.1e}" for e in first.errors[1:6] if e is not None)
    return (
        f"Newton divides the gradient by the curvature. On exp(x) − 2x the errors "
        f"{shown} square at each step (observed order {first.order:.2f}, ratio "
        f"e_k / e_(k−1)² → 0.5): quadratic convergence to ln 2 in {first.steps} "
        f"steps. On Rosenbrock it reaches (1, 1) in {ros.steps} steps, though f climbs "
        f"to {ros.max_f:.1f} on the way: a Newton step is not a descent step, and "
        f"each needs H (n × n) and a solve, O(n³): too costly for a deep net."
    )


def _newton_text(run: NewtonRun) -> str:
    where = ", ".join(f"{v + 0.0:.6g}" for v in run.x)
    errs = [e for e in run.errors if e is not None]
    if not run.converged and run.minimiser is not None and len(errs) > 2 and (
            errs[-1] < errs[-2] < errs[-3]):
        x_star = ", ".join(f"{v + 0.0:.6g}" for v in run.minimiser)
        text = (f"Newton's method has not converged after {core.steps_text(run.steps)}: it "
                f"is at ({where}), {errs[-1]:.3g} from the stationary point ({x_star}) found "
                f"independently, and closing in.")
    elif not run.converged:
        text = (f"Newton's method did not converge: it stopped at ({where}) after "
                f"{core.steps_text(run.steps)} ({run.stop}). Far from a stationary point "
                f"the step can go anywhere.")
    else:
        kind = run.kind
        what = f"a {kind}" if kind in ("minimum", "maximum", "saddle") else (
            "a stationary point whose kind the second derivatives cannot decide")
        text = (f"Newton's method converged in {core.steps_text(run.steps)} to {what} at "
                f"({where}).")
        if run.steps == 0:  # the start itself: no step to watch, and the user should know
            return (f"The start ({where}) is already {what}: ∇f = 0 there, so Newton's "
                    "method stops at once. Give another --start to watch it run."
                    + (" Newton heads for any point where ∇f = 0, not only minima."
                       if run.kind != "minimum" else ""))
    text += _order_text(run)
    if run.kind not in (None, "minimum"):
        text += " Newton heads for any point where ∇f = 0, not only minima."
    return text


def _order_text(run: NewtonRun) -> str:
    """What the observed order of convergence says, if it could be measured."""
    order = run.order
    errors = [e for e in run.errors if e]
    if run.minimiser is None:
        return (" No stationary point was found independently near the run's end, so no "
                "errors (and no order of convergence) are shown.")
    if order is None:
        return " Too few errors above round-off to measure the order of convergence."
    if order >= 1.8:
        return (f" The errors {'square' if order < 2.5 else 'shrink even faster than squaring'}"
                f" at each step (observed order {order:.2f}): "
                f"{'quadratic' if order < 2.5 else 'at least quadratic'} convergence, as "
                f"near any stationary point where the Hessian is not singular.")
    if order >= 1.2:
        return f" The observed order is {order:.2f}: faster than linear, short of quadratic."
    rate = errors[-1] / errors[-2] if len(errors) > 1 else float("nan")
    return (f" The convergence is only linear (observed order {order:.2f}, each error "
            f"about {rate:.3g} times the last): the Hessian is singular at the limit, "
            f"so the speed-up of Newton's method is lost.")
