"""First-order optimisers: gradient-descent, minibatch, learning-rate, momentum, weight-decay.

All of them step with :func:`calcquiz.numerics.iterate.sgd_step`, torch.optim.SGD's update
rule (dampening 0, no Nesterov) for one parameter vector:

    g = ∇f(p) + weight_decay · p        (coupled L2 weight decay)
    b = g                     on the first step,
    b = momentum · b + g      afterwards,
    p = p − lr · b

With momentum 0 this is plain gradient descent, p ← p − lr ∇f(p). The textbook form
v = γ v + η ∇f, p ← p − v gives the same path while lr is constant (v = lr b).
A run that overflows to inf or nan is not an error: it stops there, and says so. Whether a
run converged is decided by :mod:`calcquiz.numerics.convergence`, never by the step count.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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
    check_momentum,
    check_point,
    check_steps,
    finite,
    norm,
    pretty,
    shown_steps,
    vec,
)
from calcquiz.demos.objectives import Array, Objective
from calcquiz.numerics.convergence import converged_at, detect_cycle
from calcquiz.numerics.critical import classify_limit
from calcquiz.numerics.iterate import IterationResult, gd_path, sgd_path, sgd_step, steps_until


def _objective(f: str | None, default: Objective) -> Objective:
    return default if f is None else objectives.from_text(f)


def _start(obj: Objective, start: Sequence[float] | None, default: Sequence[float]) -> Array:
    p = check_point(start, obj.names, default if obj.dim == len(default) else (0.0,) * obj.dim,
                    "--start")
    obj.check(p)
    return p


def _log10(values: Sequence[float]) -> list[float]:
    with np.errstate(all="ignore"):
        return [float(v) for v in np.log10(np.abs(np.asarray(values, dtype=np.float64)))]


def _curve(label: str, ks: Sequence[int], fs: Sequence[float], gs: Sequence[float]) -> Series:
    """log10 f when f stays positive (the default bowls have f* = 0), else log10 |grad f|."""
    values = fs if all(v > 0 for v in fs if np.isfinite(v)) else gs
    return Series(label, [float(k) for k in ks], _log10(values))


def _curve_label(fs: Sequence[float]) -> str:
    return "log10 f" if all(v > 0 for v in fs if np.isfinite(v)) else "log10 |grad f|"


# --- gradient-descent (card 6) ----------------------------------------------------------


def gradient_descent(
    f: str | None = None, start: Sequence[float] | None = None, lr: float = 0.1, steps: int = 30
) -> DemoRun:
    """Gradient descent, p_{k+1} = p_k - lr * grad f(p_k), from ``start`` for ``steps`` steps.

    Stops early if a step leaves p unchanged in float64 (converged as far as it can).
    Default: f = (x - 3)^2 + 2 (y + 1)^2 from (0, 0), lr 0.1, 30 steps. Each coordinate's
    error shrinks by a constant factor, 1 - 2 lr = 0.8 for x and 1 - 4 lr = 0.6 for y:
    x_k = 3 - 3 (0.8)^k, y_k = -1 + (0.6)^k.
    """
    lr, steps = check_lr(lr), check_steps(steps)
    obj = _objective(f, objectives.BOWL)
    p = _start(obj, start, (0.0, 0.0))
    params = {"f": obj.text, "start": vec(p), "lr": lr, "steps": steps}
    columns = ["k", *obj.names, "f", "|grad f|"]
    return DemoRun(
        "gradient-descent",
        columns,
        params,
        _descent_rows(obj, p, lr, steps),
        title=f"gradient descent on f = {pretty(obj.text)}, lr = {lr:g}",
        expected_rows=min(steps, 100) + 1,
    )


def run_gd(obj: Objective, p: Array, lr: float, steps: int) -> IterationResult:
    """Plain gradient descent on ``obj`` by the core (see numerics.iterate.gd_path)."""
    return gd_path(obj.fun, obj.jac, p, lr, steps, hess=obj.hessian)


def end_kind(obj: Objective, run: IterationResult) -> str | None:
    """The kind of the stationary point a converged run ended at (None if not converged or
    the Hessian is unavailable)."""
    if not run.converged or obj.hessian is None:
        return None
    try:
        H = obj.hess(run.x)
    except Exception:  # noqa: BLE001 - no Hessian there: no kind claimed
        return None
    if not finite(*np.ravel(H)):
        return None
    return classify_limit(run.x, obj.jac(run.x), obj.hess).kind


def _descent_rows(obj: Objective, p: Array, lr: float, steps: int) -> RowGenerator:
    keep = shown_steps(steps)
    run = run_gd(obj, p, lr, steps)
    k = run.nit
    for i, (q, fk, gk) in enumerate(zip(run.path, run.values, run.grad_norms, strict=True)):
        if i in keep or i == k:
            yield [i, *vec(q), fk, gk]
    fs, gs = run.values, run.grad_norms
    kind = end_kind(obj, run)
    result = {
        "x": vec(run.x), "f": fs[-1], "steps": k, "grad_norm": gs[-1],
        "diverged": run.diverged, "converged": run.converged, "kind": kind,
        "stop": run.message,
    }
    takeaway = _descent_text(obj, run, lr, kind, steps)
    ks = list(range(len(fs)))
    plot = Plot("descent", [_curve("GD", ks, fs, gs)], xlabel="step", ylabel=_curve_label(fs))
    return Outcome(result, takeaway, [plot])


def _descent_text(
    obj: Objective, run: IterationResult, lr: float, kind: str | None, steps: int
) -> str:
    fs, gs, k = run.values, run.grad_norms, run.nit
    f0 = fs[0]
    finite_f = [v for v in fs if math.isfinite(v)]
    if run.diverged or fs[-1] > f0:
        falling = bool(finite_f) and finite_f[-1] < f0 and (not fs[-1] > f0)
        if falling:
            return (f"f fell without bound ({f0:.4g} at the start, {finite_f[-1]:.4g} before "
                    f"the run overflowed at step {k}): along this path f is unbounded below, "
                    f"so there is no minimum for gradient descent to reach.")
        where = f"overflowed at step {k}" if run.diverged else f"climbed to f = {fs[-1]:.4g}"
        return (f"The run {where}: with lr = {lr:g} each step overshoots, so f grows instead "
                f"of falling (lr is too large for the curvature here). Try a smaller --lr.")
    text = (f"Each step moves against the gradient, p ← p − {lr:g} ∇f(p): f went from "
            f"{f0:.6g} to {fs[-1]:.4g} in {k} steps and |∇f| to {gs[-1]:.2g}.")
    if run.converged:
        what = f"a {kind}" if kind in ("minimum", "maximum", "saddle") else (
            "a stationary point whose kind the second derivatives cannot decide")
        text += f" It converged to {what} at ({', '.join(f'{v:.6g}' for v in run.x)})."
        if k < steps:
            text += " It stopped early: in float64 a further step no longer changes p."
    elif "stalled" in run.message:
        text += (" It stalled: a step no longer changes p in float64, but the point is not "
                 "stationary to within the tolerance.")
    else:
        text += " It has not converged yet (more --steps would go further)."
    if obj is objectives.BOWL:
        downhill = all(b <= a for a, b in zip(fs, fs[1:], strict=False))
        text += (
            f" On this bowl the error in x is multiplied by 1 − 2 lr = {1 - 2 * lr:g} per "
            f"step and in y by 1 − 4 lr = {1 - 4 * lr:g}"
            + (": the steepest direction is not the direction to the minimum, but each step "
               "still goes downhill." if downhill else ".")
        )
    return text


# --- learning-rate (card 8) -------------------------------------------------------------

LEARNING_RATES = (0.01, 0.1, 0.45, 0.5, 0.9, 0.99, 1.0, 1.05)


def learning_rate(
    f: str | None = None,
    start: Sequence[float] | None = None,
    steps: int = 20,
    lr: float | None = None,
) -> DemoRun:
    """Gradient descent p ← p − lr ∇f(p) for ``steps`` steps at each learning rate in
    0.01, 0.1, 0.45, 0.5, 0.9, 0.99, 1.0, 1.05 (and ``--lr`` if given).

    Near a minimum x* with Hessian eigenvalues λ_i the error along each eigenvector is
    multiplied by the signed factor 1 − lr·λ_i per step: it shrinks only if every
    |1 − lr λ_i| < 1, i.e. lr < 2/L with L the largest eigenvalue. The table's factor is the
    signed 1 − lr λ of largest size. λ is read at the minimum a run converged to (the
    curvature where the rule applies); if no run converged, at the start (and said so).
    Default: f = x² from x0 = 1, so L = 2 and x_k = (1 − 2 lr)^k: lr 0.5 lands in one step,
    lr 1 bounces between 1 and −1 forever, lr 1.05 diverges.
    """
    steps = check_steps(steps)
    rates = sorted(set(LEARNING_RATES) | ({check_lr(lr)} if lr is not None else set()))
    obj = _objective(f, objectives.SQUARE)
    p = _start(obj, start, (1.0,))
    obj.check(p, order=2)
    params = {"f": obj.text, "start": vec(p), "steps": steps, "lrs": rates}
    columns = ["lr", "factor 1 − lr λ", "x final" if obj.dim == 1 else "p final", "f final",
               "verdict"]
    where = ", ".join(f"{v:g}" for v in p)
    return DemoRun(
        "learning-rate",
        columns,
        params,
        _learning_rate_rows(obj, p, rates, steps, lr),
        title=f"learning rates on f = {pretty(obj.text)} from ({where}), {steps} steps",
        expected_rows=len(rates),
    )


def verdict(obj: Objective, path: Sequence[Array], grad_norms: Sequence[float]) -> str:
    """What a descent path did, each word checked: diverged (overflow), converged at step k
    (the core's test), bounces forever (a 2-cycle; 'cycles, period q' for q = 3, 4),
    diverges (|∇f| grew), else converging / too slow (|∇f| below / above 5% of its start),
    with ', oscillating' if the last two steps point in opposite directions."""
    last = path[-1]
    if not finite(*last, grad_norms[-1]):
        return "diverged (overflow)"
    if converged_at(path, obj.jac, obj.hessian):
        first = next(i for i in range(len(path))
                     if converged_at(path[: i + 1], obj.jac, obj.hessian))
        return f"converged at step {first}"
    period = detect_cycle(path)
    if period is not None:
        return "bounces forever" if period == 2 else f"cycles, period {period}"
    g0, gn = grad_norms[0], grad_norms[-1]
    tail = grad_norms[-4:]
    growing = len(tail) == 4 and all(b > a for a, b in zip(tail, tail[1:], strict=False))
    if gn > g0 * (1 + 1e-9) and growing:
        return "diverges"
    oscillates = len(path) > 2 and float(np.dot(path[-1] - path[-2], path[-2] - path[-3])) < 0
    if gn > g0 * (1 + 1e-9):
        return "not settling" + (", oscillating" if oscillates else "")
    kind = "converging" if gn < 0.05 * g0 else "too slow"
    return kind + (", oscillating" if oscillates else "")


def _curvature(obj: Objective, p: Array) -> Array | None:
    try:
        H = obj.hess(p)
    except Exception:  # noqa: BLE001 - no curvature there
        return None
    if not finite(*np.ravel(H)):
        return None
    return np.linalg.eigvalsh((H + H.T) / 2)


def signed_factor(rate: float, eigenvalues: Array) -> float:
    """1 − rate·λ for the eigenvalue λ that makes |1 − rate·λ| largest."""
    factors = [1 - rate * float(v) for v in eigenvalues]
    return max(factors, key=abs)


def _learning_rate_rows(
    obj: Objective, p0: Array, rates: Sequence[float], steps: int, chosen: float | None,
) -> RowGenerator:
    paths = {rate: sgd_path(obj.jac, p0, rate, steps) for rate in rates}
    # Where the curvature is read: the minimum a run converged to (each run's own, for its
    # factor; the lowest such minimum for L), else the start.
    own: dict[float, Array] = {}
    for rate in rates:
        path = paths[rate]
        if finite(*path[-1]) and converged_at(path, obj.jac, obj.hessian):
            end_eig = _curvature(obj, path[-1])
            if end_eig is not None and np.all(end_eig > 0):
                own[rate] = end_eig
    at_min = bool(own)
    ref = min((paths[r][-1] for r in own), key=obj.fun) if own else p0
    start_eig = _curvature(obj, ref)
    eig = np.zeros(obj.dim) if start_eig is None else start_eig
    curvature = float(np.max(eig))
    runs: list[dict[str, Any]] = []
    plot_series = []
    for rate in rates:
        path = paths[rate]
        with np.errstate(all="ignore"):
            norms = [float(np.linalg.norm(obj.jac(q))) for q in path]
            sizes = [float(np.linalg.norm(q)) for q in path]
        plot_series.append(Series(f"lr {rate:g}", [float(i) for i in range(len(path))],
                                  _log10(sizes)))
        end = path[-1]
        label = verdict(obj, path, norms)
        factor = signed_factor(rate, own.get(rate, eig))
        f_end = obj.fun(end)
        run = {"lr": rate, "factor": factor, "x": vec(end), "f": f_end,
               "steps": len(path) - 1, "verdict": label,
               "converged": label.startswith("converged"),
               "diverged": "diverge" in label}
        runs.append(run)
        yield [rate, factor, vec(end)[0] if obj.dim == 1 else vec(end), f_end, label]
    if chosen is not None:
        pick = next(r for r in runs if r["lr"] == chosen)
    else:
        finite_runs = [r for r in runs if np.isfinite(r["f"])]
        pick = min(finite_runs or runs, key=lambda r: (r["f"], r["lr"]))
    limit = 2 / curvature if curvature > 0 else float("inf")
    result = {"x": pick["x"], "f": pick["f"], "steps": pick["steps"], "lr": pick["lr"],
              "converged": pick["converged"], "L": curvature, "limit": limit,
              "curvature_at": vec(ref), "curvature_at_minimum": at_min, "runs": runs}
    takeaway = _learning_rate_text(obj, runs, eig, ref, at_min, limit)
    plot = Plot("|p_k| by learning rate", plot_series[-4:], xlabel="step", ylabel="log10 |p|")
    return Outcome(result, takeaway, [plot] if obj is objectives.SQUARE else [])


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _learning_rate_text(
    obj: Objective, runs: list[dict[str, Any]], eig: Array, ref: Array, at_min: bool,
    limit: float,
) -> str:
    where = ", ".join(f"{v:.4g}" for v in ref)
    counts = {word: sum(1 for r in runs if r["verdict"].startswith(word))
              for word in ("converged", "bounces", "diverge")}
    tally = (f"Here {counts['converged']} of {len(runs)} rates converged, "
             f"{_n(counts['bounces'], 'bounces', 'bounce')} forever and "
             f"{_n(counts['diverge'], 'diverges', 'diverge')}.")
    if not at_min:
        lam = ", ".join(f"{v:.4g}" for v in eig)
        return (f"No run converged to a minimum, so there is no minimum's curvature to set "
                f"the rule; at the start ({where}) the Hessian's eigenvalues are {lam}, and "
                f"each step multiplies the offset along an eigenvector by 1 − lr λ. {tally}")
    L = float(np.max(eig))
    text = (f"The learning rate scales every step. Near the minimum at ({where}) the error "
            f"along each eigenvector of the Hessian is multiplied by 1 − lr λ per step "
            f"(largest λ: L = {L:.6g}); it shrinks for every λ only if lr < 2/L = {limit:.4g}, "
            f"and at lr = 2/L the factor reaches −1. {tally}")
    odd = [r for r in runs
           if (r["lr"] < limit and r["diverged"]) or (r["lr"] > limit and r["converged"])]
    if odd:
        text += (" The rule is local: " + ", ".join(f"lr {r['lr']:g}" for r in odd)
                 + " did otherwise, because the curvature along the path from the start "
                 "differs from the curvature at the minimum.")
    elif obj is objectives.SQUARE:
        text += (f" On x² the factor is exactly 1 − 2 lr: lr = 1/L = {1 / L:g} lands on the "
                 f"minimum in one step.")
    return text


# --- momentum (card 11) -----------------------------------------------------------------

MOMENTUM_TOL = 1e-6
MAX_COUNT_STEPS = 2_000


def momentum(
    f: str | None = None,
    start: Sequence[float] | None = None,
    lr: float = 0.035,
    momentum: float = 0.7,
    steps: int = 60,
) -> DemoRun:
    """Plain gradient descent and heavy-ball momentum side by side, torch.optim.SGD form:

        b_1 = g_1,  b_k = momentum * b_{k-1} + g_k,  p_k = p_{k-1} - lr * b_k

    (the card's v_k = gamma v_{k-1} + eta g_k, p_k = p_{k-1} - v_k is the same path with
    v = lr b while lr is constant). Default: the ravine f = (x^2 + 50 y^2) / 2 from (10, 1),
    lr 0.035, momentum 0.7, 60 steps; also counts the steps each needs to reach f < 1e-6
    (for --f, |grad f| < 1e-6 |grad f(start)|), up to 2,000.
    """
    lr, steps, mu = check_lr(lr), check_steps(steps), check_momentum(momentum)
    obj = _objective(f, objectives.RAVINE)
    p = _start(obj, start, (10.0, 1.0))
    params = {"f": obj.text, "start": vec(p), "lr": lr, "momentum": mu, "steps": steps,
              "form": "torch: b = momentum*b + g; p -= lr*b"}
    columns = ["k", *(f"GD {n}" for n in obj.names), "GD f",
               *(f"mom {n}" for n in obj.names), "mom f"]
    return DemoRun(
        "momentum",
        columns,
        params,
        _momentum_rows(obj, p, lr, mu, steps),
        title=f"GD vs momentum {mu:g} on f = {pretty(obj.text)}, lr = {lr:g}",
        expected_rows=min(steps, 100) + 1,
    )


def _steps_to_tol(obj: Objective, p0: Array, lr: float, mu: float) -> int | None:
    """Steps until f < 1e-6 (default ravine, f* = 0) or |∇f| ≤ 1e-6 |∇f(p₀)| (--f: relative,
    so scaling f changes nothing); None if not within MAX_COUNT_STEPS, or if the run
    overflows or stalls (see numerics.iterate.steps_until)."""
    if obj is objectives.RAVINE:
        def done(p: Array, g: Array) -> bool:
            return obj.fun(p) < MOMENTUM_TOL
    else:
        tol = MOMENTUM_TOL * norm(obj.jac(p0))

        def done(p: Array, g: Array) -> bool:
            return not g.any() or math.hypot(*g.tolist()) < tol

    return steps_until(obj.jac, p0, lr, done, MAX_COUNT_STEPS, mu)


def zigzags(points: Sequence[Array]) -> bool:
    """True if some coordinate's steps change sign at least 3 times in the last 10 steps."""
    steps = np.diff(np.array(points[-11:]), axis=0)
    if len(steps) < 2:
        return False
    flips = np.sum(np.diff(np.sign(steps), axis=0) != 0, axis=0)
    return bool(np.any(flips >= 3))


def _momentum_rows(obj: Objective, p0: Array, lr: float, mu: float, steps: int) -> RowGenerator:
    keep = shown_steps(steps)
    mus = {"gd": 0.0, "momentum": mu}
    points = {name: sgd_path(obj.jac, p0, lr, steps, mus[name]) for name in mus}
    with np.errstate(all="ignore"):
        history = {name: [obj.fun(q) for q in points[name]] for name in mus}
        grads = {name: [norm(obj.jac(q)) for q in points[name]] for name in mus}
    alive = {name: finite(*points[name][-1], history[name][-1]) for name in mus}
    for k in range(max(len(p) for p in points.values())):
        row: Row = [k]
        died = False  # a run blew up at this step: show the row where it happens
        for name in ("gd", "momentum"):
            if k < len(points[name]):
                row += [*vec(points[name][k]), history[name][k]]
                died = died or (k == len(points[name]) - 1 and not alive[name])
            else:
                row += [None] * (obj.dim + 1)
        if k in keep or died:
            yield row
    counts = {name: _steps_to_tol(obj, p0, lr, mus[name]) for name in ("gd", "momentum")}
    conv = {name: finite(*points[name][-1]) and converged_at(points[name], obj.jac, obj.hessian)
            for name in ("gd", "momentum")}
    p_gd, p_mom = points["gd"][-1], points["momentum"][-1]
    rule = "f < 1e-6" if obj is objectives.RAVINE else "|∇f| ≤ 1e-6 |∇f(p₀)|"
    result = {
        "x": vec(p_mom),
        "f": history["momentum"][-1],
        "steps": len(history["momentum"]) - 1,
        "converged": conv["momentum"],
        "diverged": not alive["momentum"],
        "gd": {"x": vec(p_gd), "f": history["gd"][-1], "steps": len(history["gd"]) - 1,
               "converged": conv["gd"], "diverged": not alive["gd"]},
        "steps_to_tol": counts,
        "tol_rule": rule,
    }
    takeaway = _momentum_text(history, counts, rule, mu, steps, zigzags(points["gd"]), alive)
    ks = list(range(len(history["gd"])))
    km = list(range(len(history["momentum"])))
    plot = Plot(
        "GD vs momentum",
        [_curve("GD", ks, history["gd"], grads["gd"]),
         _curve(f"momentum {mu:g}", km, history["momentum"], grads["momentum"])],
        xlabel="step",
        ylabel=_curve_label(history["gd"] + history["momentum"]),
    )
    return Outcome(result, takeaway, [plot])


def _momentum_text(
    history: dict[str, list[float]], counts: dict[str, int | None], rule: str, mu: float,
    steps: int, gd_zigzags: bool, alive: dict[str, bool],
) -> str:
    def count(n: int | None) -> str:
        return f"{n} steps" if n is not None else f"more than {MAX_COUNT_STEPS:,} steps"

    def state(name: str) -> str:
        return "overflowed" if not alive[name] else f"is at f = {history[name][-1]:.3g}"

    text = (f"After {steps} steps plain GD {state('gd')} and momentum {mu:g} "
            f"{state('momentum')}; to reach {rule} GD needs {count(counts['gd'])} and "
            f"momentum {count(counts['momentum'])}.")
    gd_n, mom_n = counts["gd"], counts["momentum"]
    faster = mom_n is not None and (gd_n is None or mom_n < gd_n)
    if faster and gd_zigzags:
        text += (" Plain GD zig-zags across the valley; the velocity adds up the steady pull "
                 "along the valley floor and the alternating pushes across it cancel.")
    elif faster:
        text += " The velocity adds up the steady pull downhill, so momentum gets there first."
    elif mom_n is not None and gd_n is not None and mom_n == gd_n:
        text += " Here momentum gains nothing."
    else:
        text += (" Here momentum is slower: the velocity overshoots and has to come back."
                 if mom_n is not None or gd_n is not None else
                 " Neither run reached it.")
    return text


# --- minibatch (card 7) -----------------------------------------------------------------

N_SAMPLES = 256
SCHEMES = (("full", N_SAMPLES, 0.5), ("batch_32", 32, 0.1), ("batch_1", 1, 0.05))


def regression_data(seed: int = 0, n: int = N_SAMPLES) -> tuple[Array, Array]:
    """x ~ U(-1, 1), y = 2x + 1 + 0.5 noise (standard normal), from default_rng(seed).
    Returns the design matrix X = [x, 1] and y."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, n)
    y = 2.0 * x + 1.0 + 0.5 * rng.standard_normal(n)
    return np.column_stack([x, np.ones(n)]), y


def minibatch(seed: int = 0, steps: int = 20) -> DemoRun:
    """Linear regression y ~ w x + b, loss = mean((w x + b - y)^2) / 2, by gradient descent
    on batches: full batch (256 samples, lr 0.5), batch 32 (lr 0.1) and batch 1 (lr 0.05),
    each epoch a fresh shuffle (default_rng([seed, 1])); ``steps`` is the number of epochs.
    Each update is (w, b) <- (w, b) - lr X_B^T (X_B (w, b) - y_B) / |B|.

    Distances are to the least-squares solution (numpy.linalg.lstsq). Data: see
    :func:`regression_data`.
    """
    steps = check_steps(steps, high=1000)
    params = {"seed": seed, "epochs": steps, "n": N_SAMPLES,
              "schemes": {name: {"batch": b, "lr": lr} for name, b, lr in SCHEMES}}
    columns = ["epoch"]
    for _name, batch, _lr in SCHEMES:
        label = "full" if batch == N_SAMPLES else f"b{batch}"
        columns += [f"{label} loss", f"{label} dist"]
    return DemoRun(
        "minibatch",
        columns,
        params,
        _minibatch_rows(seed, steps),
        title="full batch vs batch 32 vs batch 1: y = 2x + 1 + noise, 256 samples",
        expected_rows=steps + 1,
    )


def _minibatch_rows(seed: int, epochs: int) -> RowGenerator:
    X, y = regression_data(seed)
    n = len(y)
    best = np.linalg.lstsq(X, y, rcond=None)[0]

    def loss(w: Array) -> float:
        return float(np.mean((X @ w - y) ** 2) / 2)

    state = {name: np.zeros(2) for name, _, _ in SCHEMES}
    rngs = {name: np.random.default_rng([seed, 1]) for name, _, _ in SCHEMES}
    dist: dict[str, list[float]] = {name: [] for name, _, _ in SCHEMES}
    updates = {name: 0 for name, _, _ in SCHEMES}
    for epoch in range(epochs + 1):
        if epoch:
            for name, batch, lr in SCHEMES:
                w = state[name]
                order = rngs[name].permutation(n)
                for i in range(0, n, batch):
                    idx = order[i : i + batch]
                    Xb, yb = X[idx], y[idx]
                    w, _ = sgd_step(w, Xb.T @ (Xb @ w - yb) / len(idx), None, lr)
                    updates[name] += 1
                state[name] = w
        row: Row = [epoch]
        for name, _, _ in SCHEMES:
            d = float(np.linalg.norm(state[name] - best))
            dist[name].append(d)
            row += [loss(state[name]), d]
        yield row
    schemes = {
        name: {"batch": batch, "lr": lr, "updates": updates[name], "x": vec(state[name]),
               "distance": dist[name][-1], "loss": loss(state[name])}
        for name, batch, lr in SCHEMES
    }
    result = {"lstsq": vec(best), "lstsq_loss": loss(best), "schemes": schemes}
    full, b32, b1 = (schemes[name] for name, _, _ in SCHEMES)
    takeaway = (
        f"After {epochs} epochs the full batch ({full['updates']} updates) is "
        f"{full['distance']:.2g} from the least-squares solution, batch 32 ({b32['updates']} "
        f"updates) {b32['distance']:.2g}, and batch 1 ({b1['updates']} updates) "
        f"{b1['distance']:.2g}: one sample per step makes the most progress per epoch but, at "
        f"a constant learning rate, hovers at a noise floor instead of settling."
    )
    epochs_x = [float(e) for e in range(epochs + 1)]
    plot = Plot(
        "distance to the least-squares solution",
        [Series(name, epochs_x, _log10(dist[name])) for name, _, _ in SCHEMES],
        xlabel="epoch",
        ylabel="log10 distance",
    )
    return Outcome(result, takeaway, [plot])


# --- weight-decay (card 20) -------------------------------------------------------------

DECAYS = (0.0, 0.1, 0.5, 1.0, 4.0)


def ridge_data(seed: int = 0, n: int = 50, d: int = 5) -> tuple[Array, Array]:
    """X ~ N(0, 1) of shape (n, d), y = X w_true + 0.5 noise, w_true = (2, -1, 0.5, 0, 3)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w_true = np.array([2.0, -1.0, 0.5, 0.0, 3.0])[:d]
    return X, X @ w_true + 0.5 * rng.standard_normal(n)


def weight_decay(
    lr: float = 0.1, momentum: float = 0.0, steps: int = 500, seed: int = 0
) -> DemoRun:
    """SGD with coupled weight decay lambda (torch.optim.SGD(weight_decay=lambda)): each step
    uses g = grad L(w) + lambda w, which is the gradient of L(w) + lambda |w|^2 / 2 (and,
    with momentum, flows through the buffer). For lambda in 0, 0.1, 0.5, 1, 4:

    * a scalar weight, L(w) = (w - 3)^2 / 2, whose regularised minimum is w = 3 / (1 + lambda);
    * ridge regression on 50 x 5 data (default_rng(seed)), L(w) = |X w - y|^2 / (2n), whose
      minimum is w = (X^T X / n + lambda I)^{-1} X^T y / n.

    ``steps`` full-batch steps from w = 0 at learning rate ``lr``.
    """
    lr, steps, mu = check_lr(lr), check_steps(steps), check_momentum(momentum)
    params = {"lr": lr, "momentum": mu, "steps": steps, "seed": seed, "lambdas": list(DECAYS),
              "coupling": "coupled: g = grad L + lambda w (torch.optim.SGD)"}
    columns = ["lambda", "w (SGD)", "3/(1+lambda)", "|w| ridge", "ridge gap", "ridge MSE"]
    return DemoRun(
        "weight-decay",
        columns,
        params,
        _weight_decay_rows(lr, mu, steps, seed),
        title=f"weight decay: SGD(lr={lr:g}, momentum={mu:g}, weight_decay=lambda), {steps} steps",
        expected_rows=len(DECAYS),
    )


def _weight_decay_rows(lr: float, mu: float, steps: int, seed: int) -> RowGenerator:
    X, y = ridge_data(seed)
    n, d = X.shape
    XtX = X.T @ X / n
    ws, closed, norms, gaps, mses, ridge_ws, conv = [], [], [], [], [], [], []
    for lam in DECAYS:
        def scalar_grad(w: Array) -> Array:
            return w - 3.0

        def ridge_grad(w: Array) -> Array:
            return X.T @ (X @ w - y) / n

        scalar = sgd_path(scalar_grad, [0.0], lr, steps, mu, lam)
        ridge = sgd_path(ridge_grad, np.zeros(d), lr, steps, mu, lam)
        exact = np.linalg.solve(XtX + lam * np.eye(d), X.T @ y / n)
        # Converged: the core's test on the regularised problem, L + λ|w|²/2.
        def scalar_total(w: Array, lam: float = lam) -> Array:
            return w - 3.0 + lam * w

        def ridge_total(w: Array, lam: float = lam) -> Array:
            return ridge_grad(w) + lam * w

        def scalar_hess(w: Array, lam: float = lam) -> Array:
            return np.array([[1.0 + lam]])

        def ridge_hess(w: Array, lam: float = lam) -> Array:
            return XtX + lam * np.eye(d)

        ok_scalar = converged_at(scalar, scalar_total, scalar_hess)
        ok_ridge = converged_at(ridge, ridge_total, ridge_hess)
        conv.append(bool(ok_scalar and ok_ridge))
        ws.append(float(scalar[-1][0]))
        closed.append(3.0 / (1.0 + lam))
        with np.errstate(all="ignore"):
            norms.append(float(np.linalg.norm(ridge[-1])))
            gaps.append(float(np.linalg.norm(ridge[-1] - exact)))
            mses.append(float(np.mean((X @ ridge[-1] - y) ** 2)))
        ridge_ws.append(vec(ridge[-1]))
        yield [lam, ws[-1], closed[-1], norms[-1], gaps[-1], mses[-1]]
    result = {
        "w": ws,
        "lambdas": list(DECAYS),
        "closed_form": closed,
        "converged": conv,
        "ridge": {"w": ridge_ws, "norm": norms, "gap": gaps, "mse": mses},
    }
    return Outcome(result, _weight_decay_text(lr, mu, ws, norms, mses, conv))


def _weight_decay_text(
    lr: float, mu: float, ws: list[float], norms: list[float], mses: list[float],
    conv: list[bool],
) -> str:
    rule = ("Without momentum each step is w ← (1 − lr λ) w − lr ∇L: the decay factor of the "
            "card." if mu == 0 else "With momentum the decay term also flows through the "
            "velocity.")
    if all(conv):
        shrink = all(b <= a for a, b in zip(norms, norms[1:], strict=False))
        return (
            f"Weight decay pulls every weight toward 0: the scalar weight falls from "
            f"{ws[0]:.4g} to {ws[-1]:.4g} as λ grows to {DECAYS[-1]:g}, as 3 / (1 + λ) says, "
            + (f"and the ridge weights shrink from norm {norms[0]:.4g} to {norms[-1]:.4g} "
               if shrink else f"and the ridge weights' norm goes from {norms[0]:.4g} to "
               f"{norms[-1]:.4g} ")
            + f"while the training error rises from {mses[0]:.3g} to {mses[-1]:.3g}. {rule}"
        )
    bad = ", ".join(f"{lam:g}" for lam, ok in zip(DECAYS, conv, strict=True) if not ok)
    return (
        f"Not every run converged: for λ = {bad} SGD with lr = {lr:g} did not reach the "
        f"regularised minimum in these steps (the decay adds λ to the curvature, so a step "
        f"that is stable without it can overshoot with it, or need more steps). Where it "
        f"converged, the weight is 3 / (1 + λ), pulled toward 0. {rule}"
    )
