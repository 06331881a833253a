"""Second derivatives: the Hessian and Newton's method (hessian, newton)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from calcquiz.demos import objectives
from calcquiz.demos.core import (
    DemoRun,
    Outcome,
    Plot,
    RowGenerator,
    Series,
    check_point,
    check_steps,
    finite,
    mat,
    shown_steps,
    vec,
)
from calcquiz.demos.objectives import Array, Objective

KINDS = ("minimum", "maximum", "saddle", "degenerate")


def classify(eigenvalues: Sequence[float] | Array) -> str:
    """The kind of curvature: eigenvalues of both signs -> saddle; else any zero ->
    degenerate (the second derivatives cannot tell); else all > 0 -> minimum, all < 0 ->
    maximum. "Zero" means below 1e-9 times the largest magnitude."""
    values = np.asarray(eigenvalues, dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(values)))) if values.size else 1.0
    tol = 1e-9 * scale
    if np.any(values > tol) and np.any(values < -tol):
        return "saddle"
    if np.any(np.abs(values) <= tol):
        return "degenerate"
    return "minimum" if np.all(values > 0) else "maximum"


def hessian_by_differences(obj: Objective, p: Array, h: float = 1e-5) -> Array:
    """Central differences of the gradient: H[:, j] ~ (grad f(p + h e_j) - grad f(p - h e_j)) / 2h.
    """
    n = obj.dim
    out = np.zeros((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        out[:, j] = (obj.jac(p + e) - obj.jac(p - e)) / (2 * h)
    return out


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
            cases = [(obj, check_point(at, obj.names, (), "--at")) for obj, _ in cases[:1]]
    else:
        obj = objectives.from_text(f)
        p = check_point(at, obj.names, (0.0,) * obj.dim, "--at")
        obj.check(p, order=2)
        cases = [(obj, p)]
    params = {"cases": [{"f": obj.text, "at": vec(p)} for obj, p in cases]}
    columns = ["f", "point", "H", "eigenvalues", "kind", "|grad f|", "check"]
    return DemoRun(
        "hessian",
        columns,
        params,
        _hessian_rows(cases),
        title="Hessians, their eigenvalues and the curvature they describe",
        expected_rows=len(cases),
    )


def _hessian_rows(cases: Sequence[tuple[Objective, Array]]) -> RowGenerator:
    found: list[dict[str, Any]] = []
    for obj, p in cases:
        H = obj.hess(p)
        eig = np.linalg.eigvalsh(H)
        grad_norm = float(np.linalg.norm(obj.jac(p)))
        check = float(np.max(np.abs(hessian_by_differences(obj, p) - H)))
        kind = classify(eig)
        stationary = grad_norm <= 1e-9 * max(1.0, float(np.max(np.abs(H))))
        found.append({"f": obj.text, "at": vec(p), "hessian": mat(H), "eigenvalues": vec(eig),
                      "kind": kind, "stationary": stationary, "grad_norm": grad_norm})
        yield [obj.label, vec(p), mat(H), vec(eig), kind, grad_norm, check]
    result = dict(found[0])
    result["cases"] = found
    first = found[0]
    takeaway = (
        f"The Hessian holds the second partial derivatives: the curvature. At {first['at']} "
        f"its eigenvalues are {', '.join(f'{v:.6g}' for v in first['eigenvalues'])}, so the "
        f"curvature is that of a {first['kind']}"
        + (" and, as the gradient is 0, the point is one." if first["stationary"] else
           "; the gradient is not 0 there, so it is not a stationary point.")
        + " Eigenvalues all positive: a minimum; all negative: a maximum; mixed: a saddle; "
        "a zero eigenvalue: second derivatives cannot decide. Newton's method divides by this "
        "curvature."
    )
    return Outcome(result, takeaway)


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


@dataclass
class NewtonRun:
    """The iterates of Newton's method and why it stopped."""

    path: list[Array]
    values: list[float]
    grad_norms: list[float]
    stop: str


def newton_path(obj: Objective, p0: Array, steps: int) -> NewtonRun:
    """x_{k+1} = x_k - H(x_k)^{-1} grad f(x_k), computed by solving H d = grad f (never
    inverting H). Stops when the step changes nothing, the gradient is exactly 0, H is
    singular, a value is not finite, or after ``steps`` steps."""
    p = np.array(p0, dtype=np.float64)
    path, values, norms = [p], [obj.fun(p)], [float(np.linalg.norm(obj.jac(p)))]
    stop = f"{steps} steps done"
    with np.errstate(all="ignore"):
        for _ in range(steps):
            g = obj.jac(p)
            if not np.any(g):
                stop = "gradient exactly 0"
                break
            try:
                d = np.linalg.solve(obj.hess(p), g)
            except np.linalg.LinAlgError:
                stop = "Hessian singular"
                break
            new = p - d
            if not finite(*new):
                stop = "not finite"
                path.append(new)
                values.append(obj.fun(new))
                norms.append(float("nan"))
                break
            if np.array_equal(new, p):
                stop = "step changes nothing"
                break
            p = new
            path.append(p)
            values.append(obj.fun(p))
            norms.append(float(np.linalg.norm(obj.jac(p))))
    return NewtonRun(path, values, norms, stop)


def newton(f: str | None = None, start: Sequence[float] | None = None, steps: int = 20) -> DemoRun:
    """Newton's method for a minimum, x <- x - H^{-1} grad f (see :func:`newton_path`), with
    the error e_k = |x_k - x*| and the ratio e_k / e_{k-1}^2, which settles to a constant
    when convergence is quadratic (the number of correct digits doubles each step).

    Default: f = exp(x) - 2x from x = 0 (x* = ln 2; the ratio tends to f'''/(2 f'') = 1/2),
    then Rosenbrock from (-1.2, 1) (x* = (1, 1)). For --f, x* is taken to be the last
    iterate when the run converged (|grad f| < 1e-8).
    """
    steps = check_steps(steps)
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
        p = check_point(start, obj.names, (0.0,) * obj.dim, "--start")
        obj.check(p, order=2)
        problems = [(obj, p, None)]
    params = {"problems": [{"f": o.text, "start": vec(p0)} for o, p0, _ in problems],
              "steps": steps}
    columns = ["f", "k", "x", "f(x)", "|grad f|", "error", "e_k / e_k-1^2"]
    return DemoRun(
        "newton",
        columns,
        params,
        _newton_rows(problems, steps),
        title="Newton's method: x <- x - H^-1 grad f",
        expected_rows=16,
    )


Problem = tuple[Objective, Array, "Array | None"]


def _newton_rows(problems: Sequence[Problem], steps: int) -> RowGenerator:
    summaries: list[dict[str, Any]] = []
    series = []
    for obj, p0, known in problems:
        run = newton_path(obj, p0, steps)
        converged = finite(run.grad_norms[-1]) and run.grad_norms[-1] < 1e-8
        target = known if known is not None else (run.path[-1] if converged else None)
        errors: list[float | None] = [
            float(np.linalg.norm(q - target)) if target is not None else None for q in run.path
        ]
        last = len(run.path) - 1
        keep = shown_steps(last)
        for k, q in enumerate(run.path):
            if k not in keep:
                continue
            e, prev = errors[k], errors[k - 1] if k else None
            ratio = e / prev**2 if e is not None and prev else None
            x_cell = vec(q)[0] if obj.dim == 1 else vec(q)
            yield [obj.label, k, x_cell, run.values[k], run.grad_norms[k], e, ratio]
        summaries.append({
            "f_text": obj.text, "x": vec(run.path[-1]), "f": run.values[-1],
            "steps": len(run.path) - 1, "converged": bool(converged), "stop": run.stop,
            "errors": errors, "max_f": max(run.values),
        })
        if all(e is not None and e > 0 for e in errors[:-1]):
            ks = [float(k) for k in range(len(errors) - 1)]
            series.append(Series(obj.label, ks, [math.log10(e) for e in errors[:-1] if e]))
    first = summaries[0]
    result = {k: first[k] for k in ("x", "f", "steps", "converged", "stop", "errors")}
    if len(summaries) > 1:
        result["rosenbrock"] = {k: summaries[1][k] for k in ("x", "f", "steps", "max_f",
                                                              "converged", "stop")}
    if len(summaries) > 1:
        ros = summaries[1]
        takeaway = (
            f"Newton divides the gradient by the curvature. On exp(x) - 2x the errors "
            f"{', '.join(f'{e:.1e}' for e in first['errors'][1:6] if e is not None)} square "
            f"at each step (ratio -> 0.5): quadratic convergence to ln 2 in {first['steps']} "
            f"steps. On Rosenbrock it reaches (1, 1) in {ros['steps']} steps, though f climbs "
            f"to {ros['max_f']:.1f} on the way: a Newton step is not a descent step, and "
            f"each needs H (n x n) and a solve, O(n^3): too costly for a deep net."
        )
    else:
        takeaway = (
            f"Newton's method ended at {first['x']} after {first['steps']} steps "
            f"({first['stop']}); "
            + ("near the solution the error squares at each step. " if first["converged"] else
               "it did not converge: far from a minimum the step can go anywhere. ")
            + "It heads for any point where grad f = 0: check the Hessian there (calcquiz "
            "demo hessian) to know if it is a minimum."
        )
    plot = Plot("Newton error", series, xlabel="step", ylabel="log10 error")
    return Outcome(result, takeaway, [plot] if series else [])
