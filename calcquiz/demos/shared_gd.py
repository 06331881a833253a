"""What the gradient-descent demos share (descent, rates, landscape): the objective and start
point from the options, a run of plain gradient descent by the core, the kind of point it
ended at, and the log-scale curves of the plots. No numpy at import: a run on a built-in
objective from a ``light`` start point is computed on Vectors."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from calcquiz.demos import core, objectives
from calcquiz.demos.core import DemoRun, Outcome, RowGenerator, Series, check_values
from calcquiz.demos.objectives import Array, Objective
from calcquiz.numerics.critical import classify_limit
from calcquiz.numerics.iterate import IterationResult, gd_path
from calcquiz.numerics.run_end import RunEnd, classify_end
from calcquiz.numerics.vector import all_finite, nonzero, quiet, same


def objective_or(f: str | None, default: Objective) -> Objective:
    return default if f is None else objectives.from_text(f)


def start_point(
    obj: Objective,
    start: Sequence[float] | None,
    default: Sequence[float],
    fill: float = 0.0,
    *,
    light: bool = False,
) -> Array:
    """``start`` checked against ``obj``; without it ``default``, or ``fill`` in every
    coordinate when ``obj`` has another number of variables than ``default``. ``light``:
    a Vector when ``obj`` takes one (see Objective.point), for a demo whose own code works
    on either kind of point."""
    values = check_values(
        start, obj.names, default if obj.dim == len(default) else (fill,) * obj.dim, "--start")
    p = obj.point(values, light=light)
    obj.check(p)
    return p


def log10s(values: Sequence[float]) -> list[float]:
    """log10 |v| of each value: -inf for 0, inf for inf, nan for nan (as numpy.log10)."""
    return [_log10_abs(float(v)) for v in values]


def _log10_abs(v: float) -> float:
    size = abs(v)
    return -math.inf if size == 0 else math.log10(size)


def curve(label: str, ks: Sequence[int], fs: Sequence[float], gs: Sequence[float]) -> Series:
    """log10 f when f stays positive (the default bowls have f* = 0), else log10 |grad f|."""
    values = fs if all(v > 0 for v in fs if math.isfinite(v)) else gs
    return Series(label, [float(k) for k in ks], log10s(values))


def curve_label(fs: Sequence[float]) -> str:
    return "log10 f" if all(v > 0 for v in fs if math.isfinite(v)) else "log10 |grad f|"


def run_gd(obj: Objective, p: Array, lr: float, steps: int) -> IterationResult:
    """Plain gradient descent on ``obj`` by the core (see numerics.iterate.gd_path)."""
    return gd_path(obj.fun, obj.jac, p, lr, steps, hess=obj.hessian, precise=obj.precise)


def run_end(run: IterationResult) -> RunEnd:
    """How the run ended (numerics.run_end.classify_end): the one classification every
    descent demo's text uses."""
    return classify_end(run.path, run.values, converged=run.converged,
                        stalled=run.message.startswith("stalled"),
                        grad_is_zero=run.grad_norms[-1] == 0)


def path_end(obj: Objective, path: Sequence[Array], converged: bool) -> RunEnd:
    """:func:`classify_end` for a bare path of points (sgd_path), with f at each."""
    with quiet():
        values = [float(obj.fun(q)) for q in path]
        stalled = len(path) > 1 and same(path[-1], path[-2])
        zero = stalled and not nonzero(obj.jac(path[-1]))
    return classify_end(path, values, converged=converged, stalled=stalled, grad_is_zero=zero)


def end_kind(obj: Objective, run: IterationResult) -> str | None:
    """The kind of the stationary point a converged run ended at (None if not converged or
    the Hessian is unavailable)."""
    if not run.converged or obj.hessian is None:
        return None
    try:
        H = obj.hess(run.x)
    except Exception:  # no Hessian there: no kind claimed
        return None
    if not all_finite(H):
        return None
    return classify_limit(run.x, obj.jac(run.x), obj.hess, obj.precise).kind


def gd_demo(
    name: str, title: str, obj: Objective, p: Array, lr: float, steps: int,
    finish: Callable[[IterationResult], Outcome],
) -> DemoRun:
    """A demo of one plain gradient-descent run (``run_gd``): a row per shown step (k, the
    point, f, |grad f|, the last step always), then ``finish(run)`` gives the outcome."""
    params = {"f": obj.text, "start": core.vec(p), "lr": lr, "steps": steps}
    columns = ["k", *obj.names, "f", "|grad f|"]
    return DemoRun(name, columns, params, _gd_rows(obj, p, lr, steps, finish), title=title,
                   expected_rows=min(steps, 100) + 1)


def _gd_rows(
    obj: Objective, p: Array, lr: float, steps: int, finish: Callable[[IterationResult], Outcome]
) -> RowGenerator:
    keep = core.shown_steps(steps)
    run = run_gd(obj, p, lr, steps)
    for i, (q, fk, gk) in enumerate(zip(run.path, run.values, run.grad_norms, strict=True)):
        if i in keep or i == run.nit:
            yield [i, *core.vec(q), fk, gk]
    return finish(run)
