"""First-order optimisers: gradient-descent, minibatch, learning-rate, momentum, weight-decay.

All of them step with :func:`sgd_step`, which is torch.optim.SGD's update rule (dampening
0, no Nesterov) for one parameter vector:

    g = grad f(p) + weight_decay * p        (coupled L2 weight decay)
    b = g                     on the first step,
    b = momentum * b + g      afterwards,
    p = p - lr * b

With momentum 0 this is plain gradient descent, p = p - lr * grad f(p). The textbook form
v = gamma v + eta grad f, p = p - v gives the same path while lr is constant (v = lr b).
A run that overflows to inf or nan is not an error: it stops there, and says so.
"""

from __future__ import annotations

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
    check_momentum,
    check_point,
    check_steps,
    finite,
    norm,
    shown_steps,
    vec,
)
from calcquiz.demos.objectives import Array, Objective


def sgd_step(
    p: Array,
    grad: Array,
    buf: Array | None,
    lr: float,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
) -> tuple[Array, Array | None]:
    """One torch.optim.SGD step; returns (new p, new momentum buffer or None)."""
    g = grad + weight_decay * p if weight_decay else grad
    if momentum:
        buf = g.copy() if buf is None else momentum * buf + g
        g = buf
    return p - lr * g, buf


def sgd_path(
    jac: Callable[[Array], Array],
    p0: Sequence[float] | Array,
    lr: float,
    steps: int,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    stop_at_fixed_point: bool = False,
) -> list[Array]:
    """The points p_0 ... p_steps of :func:`sgd_step`. Stops early at inf or nan, and, if
    ``stop_at_fixed_point`` (plain GD only), when a step leaves p unchanged in float64."""
    p = np.array(p0, dtype=np.float64)
    path, buf = [p], None
    with np.errstate(all="ignore"):
        for _ in range(steps):
            new, buf = sgd_step(p, jac(p), buf, lr, momentum, weight_decay)
            if stop_at_fixed_point and np.array_equal(new, p):
                break
            p = new
            path.append(p)
            if not finite(*p):
                break
    return path


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
        title=f"gradient descent on f = {obj.text}, lr = {lr:g}",
        expected_rows=min(steps, 100) + 1,
    )


def gd_trace(
    obj: Objective, p: Array, lr: float, steps: int
) -> list[tuple[int, Array, float, float]]:
    """(k, p_k, f(p_k), |grad f(p_k)|) along plain gradient descent, p <- p - lr grad f(p).

    Ends after ``steps`` steps, at the first inf or nan, or when a step no longer changes
    p in float64 (the run has converged as far as it can)."""
    trace = []
    with np.errstate(all="ignore"):
        for k, q in enumerate(sgd_path(obj.jac, p, lr, steps, stop_at_fixed_point=True)):
            fk, gk = obj.fun(q), norm(obj.jac(q))
            trace.append((k, q, fk, gk))
            if not finite(fk, gk, *q):
                break
    return trace


def _descent_rows(obj: Objective, p: Array, lr: float, steps: int) -> RowGenerator:
    keep = shown_steps(steps)
    trace = gd_trace(obj, p, lr, steps)
    ks, fs, gs = [], [], []
    f0 = obj.fun(p)
    for k, p, fk, gk in trace:
        ks.append(k)
        fs.append(fk)
        gs.append(gk)
        if k in keep or k == len(trace) - 1:
            yield [k, *vec(p), fk, gk]
    diverged = not finite(fs[-1], gs[-1], *p)
    converged = not diverged and k < steps
    result = {
        "x": vec(p),
        "f": fs[-1],
        "steps": k,
        "grad_norm": gs[-1],
        "diverged": diverged,
        "stop": "diverged" if diverged else (
            "converged: a step no longer changes p" if converged else f"{steps} steps done"),
    }
    if diverged or fs[-1] > f0:
        where = f"blew up at step {k}" if diverged else f"climbed to f = {fs[-1]:.4g}"
        takeaway = (
            f"The run {where}: with lr = {lr:g} each step overshoots the minimum by more "
            f"than it gains, so f grows instead of falling. A smaller --lr converges."
        )
    else:
        takeaway = (
            f"Each step moves against the gradient, p <- p - {lr:g} grad f(p): f went from "
            f"{f0:.6g} to {fs[-1]:.4g} in {k} steps and |grad f| to {gs[-1]:.2g}."
        )
        if converged and k < steps:
            takeaway += " It stopped early: in float64 a further step no longer changes p."
        if obj is objectives.BOWL:
            takeaway += (
                f" On this bowl the error in x shrinks by 1 - 2 lr = {1 - 2 * lr:g} per step "
                f"and in y by 1 - 4 lr = {1 - 4 * lr:g}: the steepest direction is not the "
                f"direction to the minimum, but each step still goes downhill."
            )
    plot = Plot("descent", [_curve("GD", ks, fs, gs)], xlabel="step", ylabel=_curve_label(fs))
    return Outcome(result, takeaway, [plot])


# --- learning-rate (card 8) -------------------------------------------------------------

LEARNING_RATES = (0.01, 0.1, 0.45, 0.5, 0.9, 0.99, 1.0, 1.05)


def learning_rate(
    f: str | None = None,
    start: Sequence[float] | None = None,
    steps: int = 20,
    lr: float | None = None,
) -> DemoRun:
    """Gradient descent p <- p - lr grad f(p) for ``steps`` steps at each learning rate in
    0.01, 0.1, 0.45, 0.5, 0.9, 0.99, 1.0, 1.05 (and ``--lr`` if given).

    Near a minimum with curvature L (the largest Hessian eigenvalue) the error is multiplied
    by 1 - lr L per step: it shrinks only if lr < 2 / L. Default: f = x^2 from x0 = 1, so
    L = 2 and x_k = (1 - 2 lr)^k: lr 0.5 lands in one step, lr 1 bounces between 1 and -1
    forever, lr 1.05 diverges. For --f, L is taken from the Hessian at the start.
    """
    steps = check_steps(steps)
    rates = sorted(set(LEARNING_RATES) | ({check_lr(lr)} if lr is not None else set()))
    obj = _objective(f, objectives.SQUARE)
    p = _start(obj, start, (1.0,))
    obj.check(p, order=2)
    curvature = float(np.max(np.abs(np.linalg.eigvalsh(obj.hess(p)))))
    params = {"f": obj.text, "start": vec(p), "steps": steps, "lrs": rates}
    columns = ["lr", "factor 1 - lr L", "x final" if obj.dim == 1 else "p final", "f final",
               "verdict"]
    return DemoRun(
        "learning-rate",
        columns,
        params,
        _learning_rate_rows(obj, p, rates, steps, curvature, lr),
        title=f"learning rates on f = {obj.text} from {vec(p)}, {steps} steps, L = {curvature:.6g}",
        expected_rows=len(rates),
    )


def verdict(path: Sequence[Array], grad_norms: Sequence[float]) -> str:
    """Describe a descent path: diverged, bounces, too slow, converging or converged."""
    last = path[-1]
    if not finite(*last, grad_norms[-1]):
        return "diverged (overflow)"
    g0, gn = grad_norms[0], grad_norms[-1]
    oscillates = len(path) > 2 and float(np.dot(path[-1] - path[-2], path[-2] - path[-3])) < 0
    if gn <= 1e-12 * max(1.0, g0):
        return "converged"
    if gn > g0 * (1 + 1e-9):
        return "diverges"
    if len(path) > 2 and abs(gn - grad_norms[-3]) <= 1e-9 * gn:
        return "bounces forever" if oscillates else "stuck"
    kind = "converging" if gn < 0.05 * g0 else "too slow"
    return kind + (", oscillating" if oscillates else "")


def _learning_rate_rows(
    obj: Objective, p0: Array, rates: Sequence[float], steps: int, curvature: float,
    chosen: float | None,
) -> RowGenerator:
    runs: list[dict[str, Any]] = []
    plot_series = []
    for rate in rates:
        path = sgd_path(obj.jac, p0, rate, steps)
        sizes = [float(np.linalg.norm(q)) for q in path]
        steps_x = [float(i) for i in range(len(path))]
        plot_series.append(Series(f"lr {rate:g}", steps_x, _log10(sizes)))
        with np.errstate(all="ignore"):
            norms = [float(np.linalg.norm(obj.jac(q))) for q in path]
        end = path[-1]
        f_end = obj.fun(end)
        label = verdict(path, norms)
        if label == "converged":
            first = next(i for i, n in enumerate(norms) if n <= 1e-12 * max(1.0, norms[0]))
            label = f"converged at step {first}"
        run = {"lr": rate, "factor": 1 - rate * curvature, "x": vec(end), "f": f_end,
               "steps": len(path) - 1, "verdict": label}
        runs.append(run)
        yield [rate, 1 - rate * curvature, vec(end)[0] if obj.dim == 1 else vec(end), f_end, label]
    if chosen is not None:
        pick = next(r for r in runs if r["lr"] == chosen)
    else:
        finite_runs = [r for r in runs if np.isfinite(r["f"])]
        pick = min(finite_runs or runs, key=lambda r: (r["f"], r["lr"]))
    limit = 2 / curvature if curvature > 0 else float("inf")
    result = {"x": pick["x"], "f": pick["f"], "steps": pick["steps"], "lr": pick["lr"],
              "L": curvature, "limit": limit, "runs": runs}
    takeaway = (
        f"The learning rate scales every step. Near the minimum the error is multiplied by "
        f"1 - lr L per step (L = {curvature:.6g}): too small a rate barely moves, a rate of "
        f"1/L = {1 / curvature if curvature else float('inf'):.4g} jumps straight to the "
        f"minimum of the quadratic, and at lr >= 2/L = {limit:.4g} the factor reaches -1: "
        f"the run bounces, then diverges."
    )
    plot = Plot("|p_k| by learning rate", plot_series[-4:], xlabel="step", ylabel="log10 |p|")
    return Outcome(result, takeaway, [plot] if obj is objectives.SQUARE else [])


# --- momentum (card 11) -----------------------------------------------------------------

MOMENTUM_TOL = 1e-6
MAX_COUNT_STEPS = 10_000


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
    (for --f, |grad f| < 1e-6), up to 10,000.
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
        title=f"GD vs momentum {mu:g} on f = {obj.text}, lr = {lr:g}",
        expected_rows=min(steps, 100) + 1,
    )


def _steps_to_tol(obj: Objective, p0: Array, lr: float, mu: float) -> int | None:
    """Steps until f < tol (default ravine, f* = 0) or |grad f| < tol (--f); None if never."""
    p, buf = p0.copy(), None
    with np.errstate(all="ignore"):
        for k in range(MAX_COUNT_STEPS + 1):
            g = obj.jac(p)
            value = obj.fun(p) if obj is objectives.RAVINE else float(np.linalg.norm(g))
            if value < MOMENTUM_TOL:
                return k
            if not finite(value, *p):
                return None
            p, buf = sgd_step(p, g, buf, lr, mu)
    return None


def _momentum_rows(obj: Objective, p0: Array, lr: float, mu: float, steps: int) -> RowGenerator:
    keep = shown_steps(steps)
    runs: dict[str, tuple[Array, Array | None]] = {"gd": (p0, None), "momentum": (p0, None)}
    mus = {"gd": 0.0, "momentum": mu}
    alive = {"gd": True, "momentum": True}
    history: dict[str, list[float]] = {"gd": [], "momentum": []}
    grads: dict[str, list[float]] = {"gd": [], "momentum": []}
    with np.errstate(all="ignore"):
        for k in range(steps + 1):
            row: Row = [k]
            died = False  # a run blew up at this step: show the row where it happens
            for name in ("gd", "momentum"):
                p, buf = runs[name]
                if not alive[name]:
                    row += [None] * (obj.dim + 1)
                    continue
                fk = obj.fun(p)
                g = obj.jac(p)
                history[name].append(fk)
                grads[name].append(norm(g))
                row += [*vec(p), fk]
                if not finite(fk, *p):
                    alive[name], died = False, True
                elif k < steps:
                    runs[name] = sgd_step(p, g, buf, lr, mus[name])
            if k in keep or died:
                yield row
            if not any(alive.values()):
                break
    counts = {name: _steps_to_tol(obj, p0, lr, mus[name]) for name in ("gd", "momentum")}
    p_gd, p_mom = runs["gd"][0], runs["momentum"][0]
    rule = "f < 1e-6" if obj is objectives.RAVINE else "|grad f| < 1e-6"
    result = {
        "x": vec(p_mom),
        "f": history["momentum"][-1],
        "steps": len(history["momentum"]) - 1,
        "gd": {"x": vec(p_gd), "f": history["gd"][-1], "steps": len(history["gd"]) - 1},
        "steps_to_tol": counts,
        "tol_rule": rule,
    }

    def count(n: int | None) -> str:
        return str(n) if n is not None else f"more than {MAX_COUNT_STEPS}"

    takeaway = (
        f"After {steps} steps plain GD is at f = {history['gd'][-1]:.3g} and momentum "
        f"{mu:g} at f = {history['momentum'][-1]:.3g}; to reach {rule} GD needs "
        f"{count(counts['gd'])} steps and momentum {count(counts['momentum'])}. The velocity "
        f"adds up the steady pull along the valley floor and cancels the zig-zag across it."
    )
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
                    w = w - lr * (Xb.T @ (Xb @ w - yb)) / len(idx)
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
    ws, closed, norms, gaps, mses, ridge_ws = [], [], [], [], [], []
    for lam in DECAYS:
        scalar = sgd_path(lambda w: w - 3.0, [0.0], lr, steps, mu, lam)[-1]
        ridge = sgd_path(lambda w: X.T @ (X @ w - y) / n, np.zeros(d), lr, steps, mu, lam)[-1]
        exact = np.linalg.solve(X.T @ X / n + lam * np.eye(d), X.T @ y / n)
        ws.append(float(scalar[0]))
        closed.append(3.0 / (1.0 + lam))
        norms.append(float(np.linalg.norm(ridge)))
        gaps.append(float(np.linalg.norm(ridge - exact)))
        with np.errstate(all="ignore"):
            mses.append(float(np.mean((X @ ridge - y) ** 2)))
        ridge_ws.append(vec(ridge))
        yield [lam, ws[-1], closed[-1], norms[-1], gaps[-1], mses[-1]]
    result = {
        "w": ws,
        "lambdas": list(DECAYS),
        "closed_form": closed,
        "ridge": {"w": ridge_ws, "norm": norms, "gap": gaps, "mse": mses},
    }
    takeaway = (
        f"Weight decay pulls every weight toward 0: the scalar weight falls from {ws[0]:.4g} to "
        f"{ws[-1]:.4g} as lambda grows to {DECAYS[-1]:g}, exactly 3 / (1 + lambda), and the "
        f"ridge weights shrink from norm {norms[0]:.4g} to {norms[-1]:.4g} while the training "
        f"error rises from {mses[0]:.3g} to {mses[-1]:.3g}. Without momentum each step is "
        f"w <- (1 - lr lambda) w - lr grad L: the decay factor of the card."
    )
    return Outcome(result, takeaway)
