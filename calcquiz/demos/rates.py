"""Step sizes and velocity: learning-rate (card 8) and momentum (card 11), by the core's
torch.optim.SGD rule (see :mod:`calcquiz.demos.descent` for the formulas).

No numpy at import: on their built-in x² and ravine both run on Vectors
(:mod:`calcquiz.numerics.vector`); a user's --f brings numpy with it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import TypedDict

from calcquiz.demos import core, objectives
from calcquiz.demos.core import DemoRun, Outcome, Plot, Row, RowGenerator, Series
from calcquiz.demos.objectives import Array, Objective
from calcquiz.demos.shared_gd import (
    curve,
    curve_label,
    log10s,
    objective_or,
    path_end,
    start_point,
)
from calcquiz.numerics import vector
from calcquiz.numerics.convergence import converged_at
from calcquiz.numerics.iterate import sgd_path, steps_until
from calcquiz.numerics.run_end import RunEnd

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
    steps = core.check_steps(steps)
    rates = sorted(set(LEARNING_RATES) | ({core.check_lr(lr)} if lr is not None else set()))
    obj = objective_or(f, objectives.SQUARE)
    p = start_point(obj, start, (1.0,), light=True)
    obj.check(p, order=2)
    params = {"f": obj.text, "start": core.vec(p), "steps": steps, "lrs": rates}
    columns = ["lr", "factor 1 − lr λ", "x final" if obj.dim == 1 else "p final", "f final",
               "verdict"]
    where = ", ".join(f"{v + 0.0:g}" for v in p)
    return DemoRun(
        "learning-rate",
        columns,
        params,
        _learning_rate_rows(obj, p, rates, steps, lr),
        title=f"learning rates on f = {core.pretty(obj.text)} from ({where}), "
              f"{core.steps_text(steps)}",
        expected_rows=len(rates),
    )


def verdict(obj: Objective, path: Sequence[Array], grad_norms: Sequence[float]) -> str:
    """What a descent path did, in the words of the shared classification
    (numerics.run_end): converged at step k, diverged (overflow), left f's domain at step
    k, bounces forever / cycles, period q (settles into ... when approached), diverges,
    unbounded below, drifting away, stalled, else converging (steps shrinking steadily) or
    not settling, with ', oscillating' if the last two steps point in opposite directions."""
    first = _first_converged(obj, path)
    if first is not None:
        return f"converged at step {first}"
    end = path_end(obj, path, False)
    if end.kind == "overflowed" or not core.finite(grad_norms[-1]):
        return "diverged (overflow)"
    if end.kind == "left the domain":
        return f"left f's domain at step {end.step}"
    if end.kind == "cycling":
        return _cycle_words(end)
    if end.kind in _END_WORDS:
        return _END_WORDS[end.kind]
    oscillates = len(path) > 2 and vector.dot(path[-1] - path[-2], path[-2] - path[-3]) < 0
    kind = "converging" if end.converging else "not settling"
    return kind + (", oscillating" if oscillates else "")


# A run that ended one of these ways (numerics.run_end's kinds), in a verdict's words.
_END_WORDS = {
    "diverging": "diverges",
    "unbounded below": "unbounded below",
    "stalled": "stalled",
    "drifting": "drifting away",
}


def _first_converged(obj: Objective, path: Sequence[Array]) -> int | None:
    """The first step from which the path counts as converged; None if its end does not."""
    if not (core.finite(*path[-1]) and converged_at(path, obj.jac, obj.hessian, obj.precise)):
        return None
    return next(i for i in range(len(path))
                if converged_at(path[: i + 1], obj.jac, obj.hessian, obj.precise))


def _cycle_words(end: RunEnd) -> str:
    if end.settling:
        return ("settles into bouncing" if end.period == 2
                else f"settles into a cycle, period {end.period}")
    return "bounces forever" if end.period == 2 else f"cycles, period {end.period}"


def _curvature(obj: Objective, p: Array) -> tuple[float, ...] | None:
    """The eigenvalues of the Hessian at p (calcquiz.numerics.vector.eigvalsh), or None."""
    try:
        H = obj.hess(p)
    except Exception:  # no curvature there
        return None
    if not vector.all_finite(H):
        return None
    return vector.eigvalsh(vector.symmetrised(vector.as_matrix(H)))


def signed_factor(rate: float, eigenvalues: Sequence[float]) -> float:
    """1 − rate·λ for the eigenvalue λ that makes |1 − rate·λ| largest."""
    factors = [1 - rate * float(v) for v in eigenvalues]
    return max(factors, key=abs)


class RateRun(TypedDict):
    """One learning rate's run."""

    lr: float
    factor: float  # the signed 1 − lr λ of largest size
    x: list[float]
    f: float
    steps: int
    verdict: str  # what the path did (:func:`verdict`)
    converged: bool
    diverged: bool


class LearningRateResult(TypedDict):
    """The run at --lr (else the lowest finite end), the curvature rule, every run."""

    x: list[float]
    f: float
    steps: int
    lr: float
    converged: bool
    L: float  # the largest eigenvalue of the Hessian at curvature_at
    limit: float  # 2 / L
    curvature_at: list[float]
    curvature_at_minimum: bool  # else read at the start: no run converged to a minimum
    runs: list[RateRun]


def _learning_rate_rows(
    obj: Objective, p0: Array, rates: Sequence[float], steps: int, chosen: float | None,
) -> RowGenerator:
    paths = {rate: sgd_path(obj.jac, p0, rate, steps) for rate in rates}
    own = _minimum_curvatures(obj, paths)
    at_min = bool(own)
    ref = min((paths[r][-1] for r in own), key=obj.fun) if own else p0
    start_eig = _curvature(obj, ref)
    eig = (0.0,) * obj.dim if start_eig is None else start_eig
    curvature = max(eig)
    runs: list[RateRun] = []
    plot_series = []
    for rate in rates:
        run = _rate_run(obj, rate, paths[rate], own.get(rate, eig))
        runs.append(run)
        with vector.quiet():
            sizes = [core.norm(q) for q in paths[rate]]
        plot_series.append(Series(f"lr {rate:g}", [float(i) for i in range(len(sizes))],
                                  log10s(sizes)))
        yield [rate, run["factor"], run["x"][0] if obj.dim == 1 else run["x"], run["f"],
               run["verdict"]]
    pick = _picked_run(runs, chosen)
    limit = 2 / curvature if curvature > 0 else float("inf")
    result: LearningRateResult = {
        "x": pick["x"], "f": pick["f"], "steps": pick["steps"], "lr": pick["lr"],
        "converged": pick["converged"], "L": curvature, "limit": limit,
        "curvature_at": core.vec(ref), "curvature_at_minimum": at_min, "runs": runs}
    takeaway = _learning_rate_text(obj, runs, eig, ref, at_min, limit)
    plot = Plot("|p_k| by learning rate", plot_series[-4:], xlabel="step", ylabel="log10 |p|")
    return Outcome(result, takeaway, [plot] if obj is objectives.SQUARE else [])


def _rate_run(obj: Objective, rate: float, path: list[Array], eig: Sequence[float]) -> RateRun:
    """One rate's run: its factor for the Hessian eigenvalues ``eig``, end and verdict."""
    end = path[-1]
    with vector.quiet():
        norms = [core.norm(obj.jac(q)) for q in path]
    label = verdict(obj, path, norms)
    return {"lr": rate, "factor": signed_factor(rate, eig), "x": core.vec(end),
            "f": obj.fun(end), "steps": len(path) - 1, "verdict": label,
            "converged": label.startswith("converged"), "diverged": "diverge" in label}


def _picked_run(runs: list[RateRun], chosen: float | None) -> RateRun:
    """The run at --lr, else the one with the lowest finite f (the lower rate on a tie)."""
    if chosen is not None:
        return next(r for r in runs if r["lr"] == chosen)
    finite_runs = [r for r in runs if math.isfinite(r["f"])]
    return min(finite_runs or runs, key=lambda r: (r["f"], r["lr"]))


def _minimum_curvatures(
    obj: Objective, paths: dict[float, list[Array]]
) -> dict[float, tuple[float, ...]]:
    """The Hessian's eigenvalues at the minimum each rate's run converged to (rates whose run
    did not converge to a minimum are left out): where the curvature rule applies."""
    own: dict[float, tuple[float, ...]] = {}
    for rate, path in paths.items():
        if core.finite(*path[-1]) and converged_at(path, obj.jac, obj.hessian, obj.precise):
            end_eig = _curvature(obj, path[-1])
            if end_eig is not None and all(v > 0 for v in end_eig):
                own[rate] = end_eig
    return own


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


_TALLIED = ("converged", "bounces", "cycles", "settles", "diverge")  # verdicts' first words


def _tally(runs: list[RateRun]) -> str:
    """How many rates converged, cycled and diverged; the others named with their verdict."""
    counts = {word: sum(1 for r in runs if r["verdict"].startswith(word)) for word in _TALLIED}
    cycles = counts["bounces"] + counts["cycles"] + counts["settles"]
    tally = (f"Here {counts['converged']} of {len(runs)} rates converged, "
             f"{_n(cycles, 'cycles', 'cycle')} forever and "
             f"{_n(counts['diverge'], 'diverges', 'diverge')}.")
    others = [r for r in runs if not r["verdict"].startswith(_TALLIED)]
    if others:
        tally += " The others: " + ", ".join(
            f"lr {r['lr']:g} {r['verdict']}" for r in others) + "."
    return tally


def _learning_rate_text(
    obj: Objective, runs: list[RateRun], eig: Sequence[float], ref: Array, at_min: bool,
    limit: float,
) -> str:
    where = ", ".join(f"{v + 0.0:.4g}" for v in ref)
    tally = _tally(runs)
    if not at_min:
        lam = ", ".join(f"{v + 0.0:.4g}" for v in eig)
        return (f"No run converged to a minimum, so there is no minimum's curvature to set "
                f"the rule; at the start ({where}) the Hessian's eigenvalues are {lam}, and "
                f"each step multiplies the offset along an eigenvector by 1 − lr λ. {tally}")
    L = max(eig)
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
STAY_STEPS = 20  # reached: the target holds at that step and the next 20


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
    lr, steps, mu = core.check_lr(lr), core.check_steps(steps), core.check_momentum(momentum)
    obj = objective_or(f, objectives.RAVINE)
    p = start_point(obj, start, (10.0, 1.0), light=True)
    params = {"f": obj.text, "start": core.vec(p), "lr": lr, "momentum": mu, "steps": steps,
              "form": "torch: b = momentum*b + g; p -= lr*b"}
    columns = ["k", *(f"GD {n}" for n in obj.names), "GD f",
               *(f"mom {n}" for n in obj.names), "mom f"]
    return DemoRun("momentum", columns, params, _momentum_rows(obj, p, lr, mu, steps),
                   title=f"GD vs momentum {mu:g} on f = {core.pretty(obj.text)}, lr = {lr:g}",
                   expected_rows=min(steps, 100) + 1)


def _steps_to_tol(obj: Objective, p0: Array, lr: float, mu: float) -> int | None:
    """Steps until f < 1e-6 (default ravine, f* = 0) or |∇f| ≤ 1e-6 |∇f(p₀)| (--f: relative,
    so scaling f changes nothing); None if not within MAX_COUNT_STEPS, or if the run
    overflows or stalls (see numerics.iterate.steps_until)."""
    if obj is objectives.RAVINE:
        def done(p: Array, g: Array) -> bool:
            return obj.fun(p) < MOMENTUM_TOL
    else:
        tol = MOMENTUM_TOL * core.norm(obj.jac(p0))

        def done(p: Array, g: Array) -> bool:
            return not vector.nonzero(g) or core.norm(g) < tol

    return steps_until(obj.jac, p0, lr, done, MAX_COUNT_STEPS, mu, stay=STAY_STEPS)


def zigzags(points: Sequence[Array]) -> bool:
    """True if some coordinate's steps change sign at least 3 times in the last 10 steps
    (a sign of nan differs from every other, as numpy.sign's)."""
    last = [vector.flat(p) for p in points[-11:]]
    steps = [[b - a for a, b in zip(p, q, strict=True)]
             for p, q in zip(last, last[1:], strict=False)]
    if len(steps) < 2:
        return False
    signs = [[_sign(v) for v in step] for step in steps]
    return any(sum(1 for s, t in zip(column, column[1:], strict=False) if t - s != 0) >= 3
               for column in zip(*signs, strict=True))


def _sign(v: float) -> float:
    return v if math.isnan(v) else float((v > 0) - (v < 0))


class DescentEnd(TypedDict):
    x: list[float]
    f: float
    steps: int
    converged: bool
    diverged: bool


class MomentumResult(DescentEnd):
    """The momentum run's end, plain GD's, and the steps each needs to reach tol_rule."""

    gd: DescentEnd
    steps_to_tol: dict[str, int | None]  # by run: gd, momentum
    tol_rule: str
    end: str  # how each run ended (numerics.run_end)
    gd_end: str


def _momentum_rows(obj: Objective, p0: Array, lr: float, mu: float, steps: int) -> RowGenerator:
    keep = core.shown_steps(steps)
    mus = {"gd": 0.0, "momentum": mu}
    points = {name: sgd_path(obj.jac, p0, lr, steps, mus[name]) for name in mus}
    with vector.quiet():
        history = {name: [obj.fun(q) for q in points[name]] for name in mus}
        grads = {name: [core.norm(obj.jac(q)) for q in points[name]] for name in mus}
    alive = {name: core.finite(*points[name][-1], history[name][-1]) for name in mus}
    yield from _side_by_side(obj.dim, points, history, alive, keep)
    counts = {name: _steps_to_tol(obj, p0, lr, mus[name]) for name in ("gd", "momentum")}
    conv = {name: core.finite(*points[name][-1])
            and converged_at(points[name], obj.jac, obj.hessian, obj.precise)
            for name in ("gd", "momentum")}
    p_gd, p_mom = points["gd"][-1], points["momentum"][-1]
    rule = "f < 1e-6" if obj is objectives.RAVINE else "|∇f| ≤ 1e-6 |∇f(p₀)|"
    ends = {name: path_end(obj, points[name], conv[name]) for name in mus}
    result: MomentumResult = {
        "x": core.vec(p_mom),
        "f": history["momentum"][-1],
        "steps": len(history["momentum"]) - 1,
        "converged": conv["momentum"],
        "diverged": not alive["momentum"],
        "gd": {"x": core.vec(p_gd), "f": history["gd"][-1], "steps": len(history["gd"]) - 1,
               "converged": conv["gd"], "diverged": not alive["gd"]},
        "steps_to_tol": counts,
        "tol_rule": rule,
        "end": ends["momentum"].kind,
        "gd_end": ends["gd"].kind,
    }
    takeaway = _momentum_text(history, counts, rule, mu, steps,
                              obj.dim > 1 and zigzags(points["gd"]), ends)
    ks = list(range(len(history["gd"])))
    km = list(range(len(history["momentum"])))
    plot = Plot(
        "GD vs momentum",
        [curve("GD", ks, history["gd"], grads["gd"]),
         curve(f"momentum {mu:g}", km, history["momentum"], grads["momentum"])],
        xlabel="step",
        ylabel=curve_label(history["gd"] + history["momentum"]),
    )
    return Outcome(result, takeaway, [plot])


def _side_by_side(
    dim: int, points: dict[str, list[Array]], history: dict[str, list[float]],
    alive: dict[str, bool], keep: frozenset[int],
) -> Iterator[Row]:
    """The table's rows: step k of plain GD and of momentum side by side (blank once a run
    has stopped), the steps ``keep`` and any step where a run blew up."""
    for k in range(max(len(p) for p in points.values())):
        row: Row = [k]
        died = False  # a run blew up at this step: show the row where it happens
        for name in ("gd", "momentum"):
            if k < len(points[name]):
                row += [*core.vec(points[name][k]), history[name][k]]
                died = died or (k == len(points[name]) - 1 and not alive[name])
            else:
                row += [None] * (dim + 1)
        if k in keep or died:
            yield row


def _momentum_text(
    history: dict[str, list[float]], counts: dict[str, int | None], rule: str, mu: float,
    steps: int, gd_zigzags: bool, ends: dict[str, RunEnd],
) -> str:
    def state(name: str) -> str:
        return _state_text(ends[name], history[name][-1])

    def count(name: str) -> str:
        return _count_text(counts[name], ends[name])

    text = (f"After {core.steps_text(steps)} plain GD {state('gd')} and momentum {mu:g} "
            f"{state('momentum')}; to reach {rule} (and stay there for {STAY_STEPS} more "
            f"steps) GD needs {count('gd')} and momentum {count('momentum')}.")
    return text + " " + _momentum_compared(counts["gd"], counts["momentum"], ends, gd_zigzags)


_BLOWN_UP = ("overflowed", "left the domain", "diverging", "unbounded below")  # run_end kinds


def _state_text(end: RunEnd, f_last: float) -> str:
    """Where a run is after its steps: "is at f = 0.5", or how it blew up and when."""
    if end.kind in ("overflowed", "left the domain"):
        return {"overflowed": "overflowed", "left the domain": "left f's domain"}[
            end.kind] + f" at step {end.step}"
    return f"is at f = {f_last:.3g}" + (" and diverging" if end.kind == "diverging" else "")


def _count_text(n: int | None, end: RunEnd) -> str:
    """The steps a run needs to reach the tolerance, or why it never does here."""
    if n is not None:
        return core.steps_text(n)
    if end.kind in _BLOWN_UP or end.kind == "cycling":
        return "never (it does not settle)"
    return f"more than {MAX_COUNT_STEPS:,} steps"


def _momentum_compared(
    gd_n: int | None, mom_n: int | None, ends: dict[str, RunEnd], gd_zigzags: bool
) -> str:
    """The sentence that compares the two runs' step counts and says why."""
    if ends["momentum"].kind in _BLOWN_UP:
        return ("With this lr and momentum the velocity carries each step further than "
                "the last: the momentum run diverges.")
    gd_blew_up = ends["gd"].kind in _BLOWN_UP
    if mom_n is not None and (gd_n is None or mom_n < gd_n):  # momentum got there first
        if gd_zigzags and not gd_blew_up:
            return ("Plain GD zig-zags across the valley; the velocity adds up the steady "
                    "pull along the valley floor and the alternating pushes across it cancel.")
        if gd_n is None and gd_blew_up:
            return "Plain GD diverges at this lr; momentum still gets there."
        return "The velocity adds up the steady pull downhill, so momentum gets there first."
    if mom_n is None and gd_n is None:
        return "Neither run reached it."
    if mom_n == gd_n:
        return "Here momentum gains nothing."
    return "Here momentum is slower: the velocity overshoots and has to come back."
