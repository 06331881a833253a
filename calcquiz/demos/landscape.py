"""The shape of a loss surface: local-minima, saddle (convexity is in :mod:`.convexity`).

No numpy at import: saddle on its built-in x² − y² runs on Vectors
(:mod:`calcquiz.numerics.vector`); local-minima imports numpy when it runs (numpy.roots).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypedDict

from calcquiz.demos import core, objectives
from calcquiz.demos.core import DemoRun, Outcome, Plot, RowGenerator, Series
from calcquiz.demos.objectives import Array, Objective
from calcquiz.demos.shared_gd import end_kind, gd_demo, objective_or, run_end, run_gd, start_point
from calcquiz.errors import BadInputError
from calcquiz.numerics.critical import classify_critical_point, classify_eigenvalues
from calcquiz.numerics.iterate import IterationResult
from calcquiz.numerics.run_end import RunEnd

# --- local-minima (card 9) --------------------------------------------------------------

LOCAL_STARTS = (-2.0, -0.5, 0.0, 0.2, 0.5, 2.0)
N_RANDOM_STARTS = 6


class StationaryPoint(TypedDict):
    x: float
    f: float
    kind: str  # minimum, maximum, saddle or degenerate (numerics.critical)


class LocalEnd(TypedDict):
    """Where one run of local-minima ended."""

    start: list[float]
    x: list[float]
    f: float
    grad_norm: float
    steps: int
    converged: bool
    diverged: bool
    kind: str | None  # the stationary point's kind; None if not converged or undecided
    end: str  # how it ended if it did not converge (_end_label)


class LocalRun(LocalEnd):
    basin: str  # the end named after the core's checks (_basin)


class Minimum(TypedDict):
    x: list[float]
    f: float


class _LocalMinimaResult(TypedDict):
    x: list[float]  # the best run's end: the lowest minimum, else the lowest end
    f: float
    steps: int
    converged: bool
    kind: str | None
    runs: list[LocalRun]
    minima: list[Minimum]  # the distinct minima reached


class LocalMinimaResult(_LocalMinimaResult, total=False):
    stationary: list[StationaryPoint]  # the default f's, from the roots of f'


def stationary_points_double_well() -> list[StationaryPoint]:
    """Roots of f' = 4x^3 - 6x + 1 (numpy.roots), each with f and its kind from f''."""
    import numpy as np

    roots = np.sort(np.roots(objectives.DOUBLE_WELL_DER_COEFFS).real)
    out: list[StationaryPoint] = []
    for r in roots:
        p = np.array([r])
        kind = classify_eigenvalues(objectives.DOUBLE_WELL.hess(p)[0])
        out.append({"x": float(r), "f": objectives.DOUBLE_WELL.fun(p), "kind": kind})
    return out


def local_minima(
    f: str | None = None,
    start: Sequence[float] | None = None,
    lr: float = 0.05,
    steps: int = 60,
    seed: int = 0,
) -> DemoRun:
    """Gradient descent, x <- x - lr f'(x), from several starts (each run stops early if a
    step leaves x unchanged in float64). Each end is named only after the core's checks:
    converged (numerics.convergence) and the kind of point (numerics.critical). At these
    defaults each run ends in the basin it starts in; a longer step can jump to another.

    Default: f = x^4 - 3x^2 + x, lr 0.05, 60 steps, from -2, -0.5, 0, 0.2, 0.5 and 2. Its
    stationary points (roots of f' = 4x^3 - 6x + 1) are the global minimum
    -1.300840 (f = -3.513905), a maximum at 0.169938 and a local minimum 1.130901
    (f = -1.070230).

    ``--start`` lists the starts, flattened (for f of x, y: "1,2,-1,0" is (1,2) and (-1,0));
    for --f of more than one variable the default is 6 random starts in [-2, 2]^n
    (default_rng(seed)).
    """
    import numpy as np

    lr, steps = core.check_lr(lr), core.check_steps(steps)
    obj = objectives.DOUBLE_WELL if f is None else objectives.from_text(f)
    if start is not None:
        if len(start) % obj.dim:
            raise BadInputError(
                f"--start lists starting points of {obj.dim} numbers each, got {len(start)}"
            )
        starts = np.array(start, dtype=np.float64).reshape(-1, obj.dim)
    elif obj.dim == 1:
        starts = np.array(LOCAL_STARTS).reshape(-1, 1)
    else:
        starts = np.random.default_rng(seed).uniform(-2.0, 2.0, (N_RANDOM_STARTS, obj.dim))
    if len(starts) > 50:
        raise BadInputError("--start: at most 50 starting points")
    for p in starts:
        if not core.finite(*p):
            raise BadInputError("--start must be finite numbers")
        obj.check(p)
    params = {"f": obj.text, "starts": [core.vec(p) for p in starts], "lr": lr, "steps": steps,
              "seed": seed}
    columns = ["start", "end", "f(end)", "|grad f|", "basin"]
    return DemoRun("local-minima", columns, params, _local_minima_rows(obj, starts, lr, steps),
                   title=f"gradient descent from {len(starts)} starts"
                         f" on f = {core.pretty(obj.text)}, lr = {lr:g}",
                   expected_rows=len(starts))


def _local_minima_rows(obj: Objective, starts: Array, lr: float, steps: int) -> RowGenerator:
    """The runs, each end named by the core's checks; the default's story (left of the
    maximum → global minimum) is told only if every run bears it out."""
    known = stationary_points_double_well() if obj is objectives.DOUBLE_WELL else None
    ends = [_local_end(obj, p0, lr, steps) for p0 in starts]
    lowest = min((r["f"] for r in ends if r["kind"] == "minimum"), default=None)
    runs: list[LocalRun] = []
    for e in ends:
        r: LocalRun = {**e, "basin": _basin(e, lowest, known)}
        runs.append(r)
        cell = (lambda v: v[0]) if obj.dim == 1 else (lambda v: v)
        yield [cell(r["start"]), cell(r["x"]), r["f"], r["grad_norm"], r["basin"]]
    result = _local_minima_result(runs)
    if known is not None:
        result["stationary"] = known
    if known is not None and all(r["kind"] == "minimum" for r in runs):
        takeaway = _double_well_text(runs, known, lr)
    else:
        takeaway = _local_minima_text(runs, len(result["minima"]), lowest)
    plots = [_double_well_plot()] if obj is objectives.DOUBLE_WELL else []
    return Outcome(result, takeaway, plots)


def _local_end(obj: Objective, p0: Array, lr: float, steps: int) -> LocalEnd:
    run = run_gd(obj, p0, lr, steps)
    return {"start": core.vec(p0), "x": core.vec(run.x), "f": run.fun,
            "grad_norm": run.grad_norms[-1], "steps": run.nit, "converged": run.converged,
            "diverged": run.diverged, "kind": end_kind(obj, run),
            "end": _end_label(run_end(run))}


def _local_minima_result(runs: list[LocalRun]) -> LocalMinimaResult:
    """The best run (the lowest minimum, else the lowest finite end) and the distinct
    minima reached (f to 6 decimals, x to 4)."""
    at_minima = [r for r in runs if r["kind"] == "minimum"]
    best = min(at_minima or runs, key=lambda r: r["f"] if math.isfinite(r["f"]) else math.inf)
    ends = sorted({(round(r["f"], 6), tuple(round(v, 4) for v in r["x"])) for r in at_minima})
    return {
        "x": best["x"], "f": best["f"], "steps": best["steps"], "converged": best["converged"],
        "kind": best["kind"], "runs": runs,
        "minima": [{"x": list(x), "f": fv} for fv, x in ends],
    }


def _not_at_minimum(runs: list[LocalRun]) -> str:
    """' 2 of 6 runs did not end at a minimum (...).', or '' if all did."""
    others = [r for r in runs if r["kind"] != "minimum"]
    if not others:
        return ""
    return (f" {len(others)} of {len(runs)} runs did not end at a minimum ("
            + ", ".join(sorted({r['basin'] for r in others})) + ").")


def _double_well_text(runs: list[LocalRun], known: list[StationaryPoint], lr: float) -> str:
    """The default's takeaway when every run ended at a minimum: the start picks the
    basin, unless a run says otherwise."""
    gmin, peak, lmin = known
    crossed = [r for r in runs if (r["start"][0] < peak["x"]) != (r["basin"] == "global minimum")]
    if not crossed:
        return (
            f"Same function, same step size, different ends: starts left of the maximum at "
            f"{peak['x']:.6f} end in the global minimum {gmin['x']:.6f} (f = {gmin['f']:.6f}), "
            f"starts right of it in the local minimum {lmin['x']:.6f} (f = {lmin['f']:.6f}). "
            f"Gradient descent only goes downhill, so here the start picks the basin."
        )
    limits = [2 / (12 * m["x"] ** 2 - 6) for m in (gmin, lmin)]  # 2/f'' at each minimum
    stable = lr < min(limits)
    return (
        "The start does not always pick the basin: from "
        + ", ".join(f"{r['start'][0]:g}" for r in crossed)
        + f" a step jumps over the maximum at {peak['x']:.6f} and the run ends in the "
        f"other basin, {'though' if stable else 'and'} lr = {lr:g} is "
        f"{'below' if stable else 'not below'} 2/f'' at both minima ({limits[0]:.3g} "
        f"and {limits[1]:.3g}): a step size stable near a minimum can still be long "
        f"enough to leave the basin."
    )


def _local_minima_text(runs: list[LocalRun], minima: int, lowest: float | None) -> str:
    """The takeaway for a user's f: how many minima, and nothing claimed beyond them."""
    note = _not_at_minimum(runs)
    if minima and lowest is not None:
        return (
            f"{minima} distinct {'minimum' if minima == 1 else 'minima'} reached; the "
            f"lowest is f = {lowest:.6g}."
            f"{note} Gradient descent goes downhill from where it starts, so other starts "
            f"(or noise) may find a lower minimum; nothing here proves the lowest found is "
            f"global."
        )
    moving = any(r["end"].startswith("still moving") for r in runs)
    away = all(r["end"] in ("unbounded below", "drifting") for r in runs)
    return f"No run converged to a minimum.{note}" + (
        " Try more --steps or a smaller --lr." if moving else
        " Every run kept going downhill away from its start: f may have no minimum "
        "there to find." if away else
        " More steps would not change that; a smaller --lr or other starts might.")


def _double_well_plot() -> Plot:
    import numpy as np

    obj = objectives.DOUBLE_WELL
    xs = np.linspace(-2.0, 2.0, 81)
    ys = [obj.fun(np.array([x])) for x in xs]
    return Plot("f(x) = x⁴ − 3x² + x", [Series("f", core.vec(xs), ys)], xlabel="x", ylabel="f")


def _end_label(end: RunEnd) -> str:
    """A short name for how a run that did not converge ended (numerics.run_end)."""
    if end.kind == "cycling":
        return f"cycling, period {end.period}"
    if end.kind == "left the domain":
        return "left f's domain"
    if end.kind == "overflowed":
        return "diverged (overflow)"
    if end.kind == "still moving":
        return "still moving (converging)" if end.converging else "still moving"
    return end.kind


def _basin(run: LocalEnd, lowest: float | None, known: list[StationaryPoint] | None) -> str:
    """A run's end, named only after the core's checks: diverged, not converged, or the
    kind of the stationary point it converged to (global/local for the default)."""
    if not run["converged"]:
        return str(run["end"])
    kind = run["kind"]
    if kind != "minimum":
        return f"stuck at a {kind}" if kind in ("maximum", "saddle") else (
            "stationary, kind undecided")
    if known is not None:
        nearest = min(known, key=lambda s: abs(s["x"] - run["x"][0]))
        if nearest["kind"] == "minimum":
            is_global = nearest["f"] == min(s["f"] for s in known)
            return "global minimum" if is_global else "local minimum"
    assert lowest is not None
    close = abs(run["f"] - lowest) <= 1e-6 * max(abs(lowest), abs(run["f"])) or run["f"] == lowest
    return "lowest minimum found" if close else "higher minimum"


# --- saddle (card 10) -------------------------------------------------------------------


def saddle(
    f: str | None = None, start: Sequence[float] | None = None, lr: float = 0.1, steps: int = 40
) -> DemoRun:
    """Gradient descent, p <- p - lr grad f(p), passing a saddle point (stopping early if a
    step leaves p unchanged in float64).

    Default: f = x^2 - y^2 from (1, 1e-3), lr 0.1, 40 steps. The Hessian is diag(2, -2):
    x_k = (1 - 2 lr)^k = 0.8^k shrinks while y_k = 1e-3 (1 + 2 lr)^k = 1e-3 (1.2)^k grows,
    so the run slows near the saddle at (0, 0) (|grad f| = 2 sqrt(0.64^k + 1e-6 1.44^k)
    bottoms at 0.0632 at k = 17),
    then escapes along -y^2. The Hessian is reported where the gradient was smallest.
    """
    lr, steps = core.check_lr(lr), core.check_steps(steps)
    obj = objective_or(f, objectives.SADDLE)
    p = start_point(obj, start, (1.0, 1e-3), fill=1.0, light=True)
    title = f"gradient descent near a saddle: f = {core.pretty(obj.text)}, lr = {lr:g}"
    return gd_demo("saddle", title, obj, p, lr, steps, lambda run: _saddle_outcome(obj, run))


class SlowestHessian(TypedDict):
    """The Hessian where the gradient was smallest, and the kind of point it describes."""

    at: list[float]
    hessian: list[list[float]]
    eigenvalues: list[float]
    kind: str


class SaddleResult(TypedDict):
    x: list[float]
    f: float
    steps: int
    converged: bool
    diverged: bool
    kind: str | None  # the stationary point it converged to
    escaped: bool  # after the slowest step the gradient grew back and f kept falling
    min_grad_norm: float
    min_grad_step: int
    hessian_at_slowest: SlowestHessian | None  # None: undefined there


def _saddle_outcome(obj: Objective, run: IterationResult) -> Outcome:
    points, values, norms, k = run.path, run.values, run.grad_norms, run.nit
    slow = min((i for i, g in enumerate(norms) if not math.isnan(g)), key=norms.__getitem__)
    slow_point = points[slow]
    hessian: SlowestHessian | None
    try:
        obj.check(slow_point, order=2)
        H = obj.hess(slow_point)
        point = classify_critical_point(slow_point, obj.jac(slow_point), H, obj.precise)
        hessian = {"at": core.vec(slow_point), "hessian": core.mat(H),
                   "eigenvalues": list(point.eigenvalues), "kind": point.kind}
    except Exception:  # an undefined Hessian only leaves this part out
        hessian = None
    escaped = _escaped(values, norms, slow, run.converged)
    end = end_kind(obj, run)
    result: SaddleResult = {
        "x": core.vec(run.x), "f": values[-1], "steps": k, "converged": run.converged,
        "diverged": run.diverged, "kind": end, "escaped": escaped,
        "min_grad_norm": norms[slow], "min_grad_step": slow, "hessian_at_slowest": hessian,
    }
    takeaway = _saddle_text(obj, run, slow, slow_point, hessian, escaped, end)
    plot = Plot("|∇f| by step", [Series("|∇f|", [float(i) for i in range(len(norms))],
                [math.log10(v) if v > 0 and math.isfinite(v) else float("nan") for v in norms])],
                xlabel="step", ylabel="log10 |∇f|")
    return Outcome(result, takeaway, [plot])


def _escaped(values: Sequence[float], norms: Sequence[float], slow: int, converged: bool) -> bool:
    """Escaped the slow point: after it the gradient grew back tenfold and f kept falling
    below its value there (and the run did not converge to a stationary point)."""
    if converged or slow >= len(norms) - 1:
        return False
    later = [g for g in norms[slow + 1:] if math.isfinite(g)]
    drop = values[-1] < values[slow] if math.isfinite(values[-1]) else True
    return bool(later) and max(later) >= 10 * norms[slow] and drop


def _saddle_text(
    obj: Objective, run: IterationResult, slow: int, slow_point: Array,
    hessian: SlowestHessian | None,
    escaped: bool, end: str | None,
) -> str:
    values, norms, k = run.values, run.grad_norms, run.nit
    where = ", ".join(f"{v + 0.0:.3g}" for v in slow_point)
    kind = hessian["kind"] if hessian else "unknown"
    eig_text = ", ".join(f"{v + 0.0:.4g}" for v in hessian["eigenvalues"]) if hessian else "?"
    shrinks = (f"The gradient shrinks to {norms[slow]:.3g} at step {slow}" if slow else
               f"The gradient is smallest at the start, {norms[0]:.3g}")
    text = (f"{shrinks}, near ({where}). The Hessian there has eigenvalues {eig_text}: the "
            f"curvature of a {kind}. ")
    if run.converged:
        end_at = ", ".join(f"{v + 0.0:.4g}" for v in run.x)
        text += (f"The run converged to a stationary point ({end or 'kind undecided'}) at "
                 f"({end_at})")
        return text + (": it did not escape. Started exactly on the ridge, no step has a "
                       "component along the escape direction, so descent stops at the saddle."
                       if end == "saddle" else ".")
    if escaped:
        text += (f"Along the negative-curvature direction a tiny offset grows each step, so "
                 f"the run escapes (|∇f| grows back, f = {values[-1]:.4g} at step {k})."
                 if kind == "saddle" else
                 f"After it the run sped up again (f = {values[-1]:.4g} at step {k}).")
        if obj is objectives.SADDLE:
            text += (" Started exactly on y = 0 it would stop at the saddle, where the "
                     "gradient is 0: in high dimensions such points, not bad local minima, "
                     "are what slow training.")
        return text
    finish = run_end(run)
    if finish.kind == "still moving":
        return text + (f"After {core.steps_text(k)} the run has neither converged nor escaped (f = "
                       f"{values[-1]:.4g}). " + finish.sentence)
    return text + f"After {core.steps_text(k)} f = {values[-1]:.4g}. " + finish.sentence
