"""The shape of a loss surface: convexity, local-minima, saddle."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from calcquiz.demos import objectives
from calcquiz.demos.core import (
    DemoRun,
    Outcome,
    Plot,
    Row,
    RowGenerator,
    Series,
    check_lr,
    check_point,
    check_steps,
    finite,
    mat,
    norm,
    shown_steps,
    vec,
)
from calcquiz.demos.descent import gd_trace, sgd_path
from calcquiz.demos.objectives import Array, Objective
from calcquiz.demos.second_order import classify
from calcquiz.errors import BadInputError

# --- convexity (card 5) -----------------------------------------------------------------

N_PAIRS = 1000
BOX = 2.0  # pairs are drawn uniformly from [-BOX, BOX]^n


def _logsumexp(p: Array) -> float:
    m = float(np.max(p))
    return m + math.log(float(np.sum(np.exp(p - m))))


def _double_well(p: Array) -> float:
    x = p[0]
    return float(x**4 - 3 * x**2)


# f'' of x^4 - 3x^2 is 12x^2 - 6 (numpy.roots coefficients): negative between its roots.
DOUBLE_WELL_SECOND = (12.0, 0.0, -6.0)
CONVEXITY_CASES: tuple[tuple[str, int, Callable[[Array], float]], ...] = (
    ("x^2 + y^2", 2, lambda p: float(p @ p)),
    ("log(exp(x) + exp(y))", 2, _logsumexp),
    ("x^4 - 3x^2", 1, _double_well),
)


def chord_gaps(fun: Callable[[Array], float], dim: int, rng: np.random.Generator) -> Array:
    """f(t a + (1 - t) b) - (t f(a) + (1 - t) f(b)) for N_PAIRS random a, b in the box and
    t in [0, 1]; f is convex on the box only if no gap is positive."""
    a = rng.uniform(-BOX, BOX, (N_PAIRS, dim))
    b = rng.uniform(-BOX, BOX, (N_PAIRS, dim))
    t = rng.uniform(0.0, 1.0, N_PAIRS)
    gaps = np.empty(N_PAIRS)
    for i in range(N_PAIRS):
        mid = t[i] * a[i] + (1 - t[i]) * b[i]
        gaps[i] = fun(mid) - (t[i] * fun(a[i]) + (1 - t[i]) * fun(b[i]))
    return gaps


def violations(gaps: Array) -> int:
    """Gaps above round-off (1e-12 relative) count as violations of convexity."""
    return int(np.sum(gaps > 1e-12 * np.maximum(1.0, np.abs(gaps))))


def convexity(seed: int = 0, f: str | None = None) -> DemoRun:
    """The chord test of convexity: f(t a + (1 - t) b) <= t f(a) + (1 - t) f(b) for 1000
    random pairs a, b in [-2, 2]^n and t in [0, 1] (numpy default_rng(seed)); a positive gap
    (the curve above its chord) proves f is not convex. Then one chord by hand: x^4 - 3x^2
    from -1.5 to 1.5, where the chord is at -1.6875 but f(0) = 0, and the interval where
    f'' = 12x^2 - 6 < 0 (|x| < 1/sqrt 2).

    Default functions: x^2 + y^2 and log(exp(x) + exp(y)) (convex), x^4 - 3x^2 (not);
    ``--f`` adds the user's function (of x, y, z) to the test.
    """
    cases = list(CONVEXITY_CASES)
    if f is not None:
        obj = objectives.from_text(f)
        cases.append((obj.text, obj.dim, obj.fun))
    params = {"seed": seed, "pairs": N_PAIRS, "box": [-BOX, BOX],
              "functions": [name for name, _, _ in cases]}
    columns = ["f", "pairs", "violations", "worst gap", "verdict"]
    return DemoRun(
        "convexity",
        columns,
        params,
        _convexity_rows(cases, seed),
        title="the chord test: is f below every chord?",
        expected_rows=len(cases) + 1,
    )


def _convexity_rows(
    cases: Sequence[tuple[str, int, Callable[[Array], float]]], seed: int
) -> RowGenerator:
    rng = np.random.default_rng(seed)
    found = []
    for name, dim, fun in cases:
        gaps = chord_gaps(fun, dim, rng)
        bad = violations(gaps)
        worst = float(np.nanmax(gaps)) if not np.all(np.isnan(gaps)) else float("nan")
        undefined = int(np.sum(np.isnan(gaps)))
        verdict = "not convex" if bad else "no violation found"
        if undefined:
            verdict += f" ({undefined} pairs undefined)"
        found.append({"f": name, "violations": bad, "worst_gap": worst, "convex": not bad})
        yield [name, N_PAIRS, bad, worst, verdict]
    a, b = -1.5, 1.5
    fa, fb = _double_well(np.array([a])), _double_well(np.array([b]))
    chord, f_mid = (fa + fb) / 2, _double_well(np.array([(a + b) / 2]))
    yield ["x^4 - 3x^2, chord -1.5..1.5", 1, int(f_mid > chord), f_mid - chord,
           f"f(0) = {f_mid:g} above the chord's {chord:g}"]
    roots = np.sort(np.roots(DOUBLE_WELL_SECOND).real)
    result = {
        "functions": found,
        "chord": {"a": a, "b": b, "chord": chord, "f_mid": f_mid},
        "concave_interval": vec(roots),
    }
    takeaway = (
        f"A convex function lies on or below every chord: x^2 + y^2 and logsumexp pass all "
        f"{N_PAIRS} random chords, while x^4 - 3x^2 fails {found[2]['violations']} of them. "
        f"Its chord from -1.5 to 1.5 sits at {chord:g} but f(0) = {f_mid:g}: f'' = 12x^2 - 6 "
        f"< 0 for |x| < {roots[1]:.4f}, a hump between two minima. On a convex function "
        f"every local minimum is global; with two minima, gradient descent can stop at either."
    )
    return Outcome(result, takeaway)


# --- local-minima (card 9) --------------------------------------------------------------

LOCAL_STARTS = (-2.0, -0.5, 0.0, 0.2, 0.5, 2.0)
N_RANDOM_STARTS = 6


def stationary_points_double_well() -> list[dict[str, Any]]:
    """Roots of f' = 4x^3 - 6x + 1 (numpy.roots), each with f and its kind from f''."""
    roots = np.sort(np.roots(objectives.DOUBLE_WELL_DER_COEFFS).real)
    out = []
    for r in roots:
        p = np.array([r])
        kind = classify(objectives.DOUBLE_WELL.hess(p)[0])
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
    step leaves x unchanged in float64); each ends in the basin it starts in.

    Default: f = x^4 - 3x^2 + x, lr 0.05, 60 steps, from -2, -0.5, 0, 0.2, 0.5 and 2. Its
    stationary points (roots of f' = 4x^3 - 6x + 1) are the global minimum
    -1.300840 (f = -3.513905), a maximum at 0.169938 and a local minimum 1.130901
    (f = -1.070230).

    ``--start`` lists the starts, flattened (for f of x, y: "1,2,-1,0" is (1,2) and (-1,0));
    for --f of more than one variable the default is 6 random starts in [-2, 2]^n
    (default_rng(seed)).
    """
    lr, steps = check_lr(lr), check_steps(steps)
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
        if not finite(*p):
            raise BadInputError("--start must be finite numbers")
        obj.check(p)
    params = {"f": obj.text, "starts": [vec(p) for p in starts], "lr": lr, "steps": steps,
              "seed": seed}
    columns = ["start", "end", "f(end)", "|grad f|", "basin"]
    return DemoRun(
        "local-minima",
        columns,
        params,
        _local_minima_rows(obj, starts, lr, steps),
        title=f"gradient descent from {len(starts)} starts on f = {obj.text}, lr = {lr:g}",
        expected_rows=len(starts),
    )


def _local_minima_rows(obj: Objective, starts: Array, lr: float, steps: int) -> RowGenerator:
    known = stationary_points_double_well() if obj is objectives.DOUBLE_WELL else None
    runs: list[dict[str, Any]] = []
    for p0 in starts:
        path = sgd_path(obj.jac, p0, lr, steps, stop_at_fixed_point=True)
        end = path[-1]
        runs.append({"start": vec(p0), "x": vec(end), "f": obj.fun(end),
                     "grad_norm": norm(obj.jac(end)), "steps": len(path) - 1})
    finite_f = [r["f"] for r in runs if finite(r["f"], *r["x"])]
    lowest = min(finite_f) if finite_f else float("nan")
    for r in runs:
        r["basin"] = _basin(r, lowest, known)
        cell = (lambda v: v[0]) if obj.dim == 1 else (lambda v: v)
        yield [cell(r["start"]), cell(r["x"]), r["f"], r["grad_norm"], r["basin"]]
    best = min(runs, key=lambda r: r["f"] if np.isfinite(r["f"]) else math.inf)
    ends = sorted({(round(r["f"], 6), tuple(round(v, 4) for v in r["x"])) for r in runs
                   if r["basin"] not in ("diverged", "not converged")})
    result = {
        "x": best["x"], "f": best["f"], "steps": best["steps"], "runs": runs,
        "minima": [{"x": list(x), "f": fv} for fv, x in ends],
    }
    if known is not None:
        result["stationary"] = known
        gmin, peak, lmin = known
        takeaway = (
            f"Same function, same step size, different ends: starts left of the maximum at "
            f"{peak['x']:.6f} end in the global minimum {gmin['x']:.6f} (f = {gmin['f']:.6f}), "
            f"starts right of it in the local minimum {lmin['x']:.6f} (f = {lmin['f']:.6f}). "
            f"Gradient descent only goes downhill, so the start picks the basin; a smaller "
            f"learning rate would not change which."
        )
    else:
        takeaway = (
            f"{len(ends)} distinct end point(s); the lowest found is f = {lowest:.6g}. Gradient "
            f"descent ends in the basin it starts in, so only other starts (or noise) can "
            f"find a lower minimum; nothing here proves the lowest found is global."
        )
    plots = []
    if obj is objectives.DOUBLE_WELL:
        xs = np.linspace(-2.0, 2.0, 81)
        ys = [obj.fun(np.array([x])) for x in xs]
        plots.append(Plot("f(x) = x^4 - 3x^2 + x", [Series("f", vec(xs), ys)], xlabel="x",
                          ylabel="f"))
    return Outcome(result, takeaway, plots)


def _basin(run: dict[str, Any], lowest: float, known: list[dict[str, Any]] | None) -> str:
    if not finite(run["f"], *run["x"]):
        return "diverged"
    if run["grad_norm"] > 1e-3:
        return "not converged"
    if known is not None:
        nearest = min(known, key=lambda s: abs(s["x"] - run["x"][0]))
        if nearest["kind"] == "minimum":
            is_global = nearest["f"] == min(s["f"] for s in known)
            return "global minimum" if is_global else "local minimum"
        return f"stuck at a {nearest['kind']}"
    return "lowest found" if abs(run["f"] - lowest) <= 1e-6 * max(1.0, abs(lowest)) else (
        "higher minimum")


# --- saddle (card 10) -------------------------------------------------------------------


def saddle(
    f: str | None = None, start: Sequence[float] | None = None, lr: float = 0.1, steps: int = 40
) -> DemoRun:
    """Gradient descent, p <- p - lr grad f(p), passing a saddle point (stopping early if a
    step leaves p unchanged in float64).

    Default: f = x^2 - y^2 from (1, 1e-3), lr 0.1, 40 steps. The Hessian is diag(2, -2):
    x_k = (1 - 2 lr)^k = 0.8^k shrinks while y_k = 1e-3 (1 + 2 lr)^k = 1e-3 (1.2)^k grows,
    so the run slows near the saddle at (0, 0) (|grad f| bottoms near 0.077 at k = 15),
    then escapes along -y^2. The Hessian is reported where the gradient was smallest.
    """
    lr, steps = check_lr(lr), check_steps(steps)
    obj = objectives.SADDLE if f is None else objectives.from_text(f)
    default = (1.0, 1e-3) if obj.dim == 2 else (1.0,) * obj.dim
    p = check_point(start, obj.names, default, "--start")
    obj.check(p)
    params = {"f": obj.text, "start": vec(p), "lr": lr, "steps": steps}
    columns = ["k", *obj.names, "f", "|grad f|"]
    return DemoRun(
        "saddle",
        columns,
        params,
        _saddle_rows(obj, p, lr, steps),
        title=f"gradient descent near a saddle: f = {obj.text}, lr = {lr:g}",
        expected_rows=min(steps, 100) + 1,
    )


def _saddle_rows(obj: Objective, p: Array, lr: float, steps: int) -> RowGenerator:
    keep = shown_steps(steps)
    trace = gd_trace(obj, p, lr, steps)
    points = [q for _, q, _, _ in trace]
    values = [fk for _, _, fk, _ in trace]
    norms = [gk for _, _, _, gk in trace]
    k, p = len(trace) - 1, points[-1]
    for i, q, fk, gk in trace:
        if i in keep or i == k:
            row: Row = [i, *vec(q), fk, gk]
            yield row
    slow = int(np.nanargmin(norms))
    slow_point = points[slow]
    try:
        obj.check(slow_point, order=2)
        H = obj.hess(slow_point)
        eig = np.linalg.eigvalsh(H)
        hessian: dict[str, Any] | None = {"at": vec(slow_point), "hessian": mat(H),
                                          "eigenvalues": vec(eig), "kind": classify(eig)}
    except Exception:  # noqa: BLE001 - an undefined Hessian only leaves this part out
        hessian = None
    result = {
        "x": vec(p), "f": values[-1], "steps": k,
        "min_grad_norm": norms[slow], "min_grad_step": slow, "hessian_at_slowest": hessian,
    }
    kind = hessian["kind"] if hessian else "unknown"
    eig_text = ", ".join(f"{v:.4g}" for v in hessian["eigenvalues"]) if hessian else "?"
    takeaway = (
        f"The gradient shrinks to {norms[slow]:.3g} at step {slow}, near "
        f"({', '.join(f'{v:.3g}' for v in slow_point)}): a plateau where descent crawls. The "
        f"Hessian there has eigenvalues {eig_text} ({kind}): "
    )
    if kind == "saddle":
        takeaway += (
            f"along the negative-curvature direction a tiny offset grows each step, so the "
            f"run escapes (f = {values[-1]:.4g} at step {k})."
        )
        if obj is objectives.SADDLE:
            takeaway += (
                " Started exactly on y = 0 it would stop at the saddle, where the gradient is "
                "0: in high dimensions such points, not bad local minima, are what slow "
                "training."
            )
    else:
        takeaway += "no direction of negative curvature, so this is not a saddle."
    plot = Plot("|grad f| by step", [Series("|grad f|", [float(i) for i in range(len(norms))],
                [math.log10(v) if v > 0 and math.isfinite(v) else float("nan") for v in norms])],
                xlabel="step", ylabel="log10 |grad f|")
    return Outcome(result, takeaway, [plot])
