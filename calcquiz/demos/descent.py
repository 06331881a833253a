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

No numpy at import: gradient-descent on its built-in bowl runs on Vectors
(:mod:`calcquiz.numerics.vector`), as learning-rate and momentum (rates.py) do on theirs;
minibatch and weight-decay import numpy when they run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypedDict

from calcquiz.demos import core, objectives
from calcquiz.demos.core import DemoRun, Outcome, Plot, Row, RowGenerator, Series
from calcquiz.demos.objectives import Array, Objective
from calcquiz.demos.shared_gd import (
    curve,
    curve_label,
    end_kind,
    gd_demo,
    log10s,
    objective_or,
    run_end,
    run_gd,
    start_point,
)
from calcquiz.numerics.convergence import converged_at
from calcquiz.numerics.iterate import IterationResult, sgd_path, sgd_step
from calcquiz.numerics.run_end import RunEnd

# --- gradient-descent (card 6) ----------------------------------------------------------


def gradient_descent(
    f: str | None = None, start: Sequence[float] | None = None, lr: float = 0.1, steps: int = 30
) -> DemoRun:
    """Gradient descent, p_{k+1} = p_k - lr * grad f(p_k), from ``start`` for ``steps`` steps.

    Stops early if a step leaves p unchanged in float64; whether the end is converged (a
    stationary point to within 1e-6 of the scale) or only stalled is the core's test.
    Default: f = (x - 3)^2 + 2 (y + 1)^2 from (0, 0), lr 0.1, 30 steps. Each coordinate's
    error shrinks by a constant factor, 1 - 2 lr = 0.8 for x and 1 - 4 lr = 0.6 for y:
    x_k = 3 - 3 (0.8)^k, y_k = -1 + (0.6)^k.
    """
    lr, steps = core.check_lr(lr), core.check_steps(steps)
    obj = objective_or(f, objectives.BOWL)
    p = start_point(obj, start, (0.0, 0.0), light=True)
    title = f"gradient descent on f = {core.pretty(obj.text)}, lr = {lr:g}"
    return gd_demo("gradient-descent", title, obj, p, lr, steps,
                   lambda run: _descent_outcome(obj, run, lr, steps))


class DescentResult(TypedDict):
    x: list[float]
    f: float
    steps: int
    grad_norm: float
    diverged: bool
    converged: bool
    kind: str | None  # the stationary point's kind, if it converged (shared_gd.end_kind)
    stop: str  # why the loop stopped
    end: str  # how the run ended (numerics.run_end)


def _descent_outcome(obj: Objective, run: IterationResult, lr: float, steps: int) -> Outcome:
    fs, gs, k = run.values, run.grad_norms, run.nit
    kind = end_kind(obj, run)
    result: DescentResult = {
        "x": core.vec(run.x), "f": fs[-1], "steps": k, "grad_norm": gs[-1],
        "diverged": run.diverged, "converged": run.converged, "kind": kind,
        "stop": run.message, "end": run_end(run).kind,
    }
    takeaway = _descent_text(obj, run, lr, kind, steps)
    ks = list(range(len(fs)))
    plot = Plot("descent", [curve("GD", ks, fs, gs)], xlabel="step", ylabel=curve_label(fs))
    return Outcome(result, takeaway, [plot])


def _descent_text(
    obj: Objective, run: IterationResult, lr: float, kind: str | None, steps: int
) -> str:
    fs, gs, k = run.values, run.grad_norms, run.nit
    f0 = fs[0]
    end = run_end(run)
    blown = _blown_up_text(run, end, lr)
    if blown is not None:
        return blown
    text = (f"Each step moves against the gradient, p ← p − {lr:g} ∇f(p): f went from "
            f"{f0:.6g} to {fs[-1]:.4g} in {core.steps_text(k)} and |∇f| to {gs[-1]:.2g}. ")
    if run.converged:
        what = f"a {kind}" if kind in ("minimum", "maximum", "saddle") else (
            "a stationary point whose kind the second derivatives cannot decide")
        text += f"It converged to {what} at ({', '.join(f'{v + 0.0:.6g}' for v in run.x)})."
        if k < steps:
            text += " It stopped early: in float64 a further step no longer changes p."
    else:
        text += end.sentence
    if obj is objectives.BOWL:
        downhill = all(b < a for a, b in zip(fs, fs[1:], strict=False))
        text += (
            f" On this bowl the error in x is multiplied by 1 − 2 lr = {1 - 2 * lr:g} per "
            f"step and in y by 1 − 4 lr = {1 - 4 * lr:g}"
            + (": the steepest direction is not the direction to the minimum, but each step "
               "still goes downhill." if downhill else ".")
        )
    return text


def _blown_up_text(run: IterationResult, end: RunEnd, lr: float) -> str | None:
    """The takeaway of a run that left f's domain or overflowed; None for any other."""
    f0 = run.values[0]
    finite_f = [v for v in run.values if math.isfinite(v)]
    if end.kind == "left the domain" and end.step is not None:
        return (f"Each step moves against the gradient, p ← p − {lr:g} ∇f(p). At step "
                f"{end.step} the step left f's domain (f is not defined at "
                f"({', '.join(f'{v + 0.0:.6g}' for v in run.path[end.step])})): with lr = "
                f"{lr:g} the step jumps past where f exists. Try a smaller --lr.")
    if end.kind != "overflowed":
        return None
    falling = bool(finite_f) and finite_f[-1] < f0 and all(
        b <= a for a, b in zip(finite_f, finite_f[1:], strict=False))
    if falling:
        return (f"f fell at every step ({f0:.4g} at the start, {finite_f[-1]:.4g} before "
                f"the run overflowed at step {end.step}): along this path f looks "
                f"unbounded below, so there is no minimum for gradient descent to reach.")
    return (f"The run overflowed at step {end.step}: with lr = {lr:g} each step "
            f"overshoots, so f grows instead of falling (lr is too large for the "
            f"curvature here). Try a smaller --lr.")


# --- minibatch (card 7) -----------------------------------------------------------------

N_SAMPLES = 256
SCHEMES = (("full", N_SAMPLES, 0.5), ("batch_32", 32, 0.1), ("batch_1", 1, 0.05))


def regression_data(seed: int = 0, n: int = N_SAMPLES) -> tuple[Array, Array]:
    """x ~ U(-1, 1), y = 2x + 1 + 0.5 noise (standard normal), from default_rng(seed).
    Returns the design matrix X = [x, 1] and y."""
    import numpy as np

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
    steps = core.check_steps(steps, high=1000)
    params = {"seed": seed, "epochs": steps, "n": N_SAMPLES,
              "schemes": {name: {"batch": b, "lr": lr} for name, b, lr in SCHEMES}}
    columns = ["epoch"]
    for _name, batch, _lr in SCHEMES:
        label = "full" if batch == N_SAMPLES else f"b{batch}"
        columns += [f"{label} loss", f"{label} dist"]
    return DemoRun("minibatch", columns, params, _minibatch_rows(seed, steps),
                   title="full batch vs batch 32 vs batch 1: y = 2x + 1 + noise, 256 samples",
                   expected_rows=steps + 1)


class SchemeEnd(TypedDict):
    """A batch size's run after the last epoch."""

    batch: int
    lr: float
    updates: int
    x: list[float]
    distance: float  # from the least-squares solution
    loss: float


class MinibatchResult(TypedDict):
    lstsq: list[float]  # the least-squares solution
    lstsq_loss: float
    schemes: dict[str, SchemeEnd]  # by SCHEMES name: full, batch_32, batch_1


def _minibatch_rows(seed: int, epochs: int) -> RowGenerator:
    import numpy as np

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
    schemes: dict[str, SchemeEnd] = {
        name: {"batch": batch, "lr": lr, "updates": updates[name], "x": core.vec(state[name]),
               "distance": dist[name][-1], "loss": loss(state[name])}
        for name, batch, lr in SCHEMES
    }
    result: MinibatchResult = {"lstsq": core.vec(best), "lstsq_loss": loss(best),
                               "schemes": schemes}
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
        [Series(name, epochs_x, log10s(dist[name])) for name, _, _ in SCHEMES],
        xlabel="epoch",
        ylabel="log10 distance",
    )
    return Outcome(result, takeaway, [plot])


# --- weight-decay (card 20) -------------------------------------------------------------

DECAYS = (0.0, 0.1, 0.5, 1.0, 4.0)


def ridge_data(seed: int = 0, n: int = 50, d: int = 5) -> tuple[Array, Array]:
    """X ~ N(0, 1) of shape (n, d), y = X w_true + 0.5 noise, w_true = (2, -1, 0.5, 0, 3)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w_true = np.array([2.0, -1.0, 0.5, 0.0, 3.0])[:d]
    return X, X @ w_true + 0.5 * rng.standard_normal(n)


class RidgeEnds(TypedDict):
    """Per lambda: the ridge run's end, |w|, distance to the closed form, and MSE."""

    w: list[list[float]]
    norm: list[float]
    gap: list[float]
    mse: list[float]


class WeightDecayResult(TypedDict):
    """Per lambda (in ``lambdas``' order): the scalar weight, its closed form, both runs
    converged, and the ridge runs."""

    w: list[float]
    lambdas: list[float]
    closed_form: list[float]
    converged: list[bool]
    ridge: RidgeEnds


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
    lr, steps, mu = core.check_lr(lr), core.check_steps(steps), core.check_momentum(momentum)
    params = {"lr": lr, "momentum": mu, "steps": steps, "seed": seed, "lambdas": list(DECAYS),
              "coupling": "coupled: g = grad L + lambda w (torch.optim.SGD)"}
    columns = ["lambda", "w (SGD)", "3/(1+lambda)", "|w| ridge", "ridge gap", "ridge MSE"]
    return DemoRun(
        "weight-decay",
        columns,
        params,
        _weight_decay_rows(lr, mu, steps, seed),
        title=f"weight decay: SGD(lr={lr:g}, momentum={mu:g}, weight_decay=λ), "
              f"{core.steps_text(steps)}",
        expected_rows=len(DECAYS),
    )


def _weight_decay_rows(lr: float, mu: float, steps: int, seed: int) -> RowGenerator:
    import numpy as np

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
        ridge_ws.append(core.vec(ridge[-1]))
        yield [lam, ws[-1], closed[-1], norms[-1], gaps[-1], mses[-1]]
    result: WeightDecayResult = {
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
    plain = ("Without momentum each step is w ← (1 − lr λ) w − lr ∇L, as torch's "
             "weight_decay = λ adds λw to the gradient. The card's penalty λ‖w‖² has gradient "
             "2λw, so its decay factor is 1 − 2ηλ: the same rule with weight_decay = 2λ.")
    rule = (plain if mu == 0 else "With momentum the decay term also flows through the "
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


__all__ = ["end_kind", "gradient_descent", "minibatch", "run_gd", "weight_decay"]
