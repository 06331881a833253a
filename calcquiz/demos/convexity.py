"""Convexity by the chord test (convexity).

f is convex when f(t a + (1 - t) b) <= t f(a) + (1 - t) f(b) for all a, b and t in [0, 1].
The demo draws 1000 pairs a, b uniformly from [-2, 2]^n and t from [0, 1] and reports the
gaps f(t a + (1 - t) b) - (t f(a) + (1 - t) f(b)) above round-off (64 eps times the size
of the values compared): a positive gap proves f is not convex; none is evidence only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypedDict

import numpy as np

from calcquiz.demos import core, objectives
from calcquiz.demos.core import DemoRun, Outcome, RowGenerator
from calcquiz.demos.objectives import Array, Objective
from calcquiz.numerics.critical import EIG_RTOL
from calcquiz.numerics.differences import EPS

N_PAIRS = 1000
BOX = 2.0  # pairs are drawn uniformly from [-BOX, BOX]^n


def _logsumexp(p: Array) -> Any:
    """log(sum(exp)) over the last axis, shifted by the max (one point or a stack)."""
    m = np.max(p, axis=-1)
    return m + np.log(np.sum(np.exp(p - m[..., None]), axis=-1))


def _symmetric_well(p: Array) -> Any:
    x = p[..., 0]
    return x**4 - 3 * x**2


def _sum_squares(p: Array) -> Any:
    return np.sum(p * p, axis=-1)


# f'' of x^4 - 3x^2 is 12x^2 - 6 (numpy.roots coefficients): negative between its roots.
SYMMETRIC_WELL_SECOND = (12.0, 0.0, -6.0)
# Each function takes a stack of points, shape (N, n), and returns the N values.
CONVEXITY_CASES: tuple[tuple[str, int, Callable[[Array], Any]], ...] = (
    ("x^2 + y^2", 2, _sum_squares),
    ("log(exp(x) + exp(y))", 2, _logsumexp),
    ("x^4 - 3x^2", 1, _symmetric_well),
)


ROUND_OFF = 64 * EPS  # a gap below this times the size of the values compared is noise


def chord_gaps(
    fun: Callable[[Array], Any], dim: int, rng: np.random.Generator
) -> tuple[Array, Array, tuple[Array, Array, Array]]:
    """f(t a + (1 − t) b) − (t f(a) + (1 − t) f(b)) for N_PAIRS random a, b in the box and
    t in [0, 1], with the size |f(mid)| + t |f(a)| + (1 − t) |f(b)| of each comparison (the
    scale of its round-off) and the pairs themselves; f is convex on the box only if no gap
    is positive."""
    a = rng.uniform(-BOX, BOX, (N_PAIRS, dim))
    b = rng.uniform(-BOX, BOX, (N_PAIRS, dim))
    t = rng.uniform(0.0, 1.0, N_PAIRS)
    mid = t[:, None] * a + (1 - t[:, None]) * b
    with np.errstate(all="ignore"):
        fm, fa, fb = (np.broadcast_to(np.asarray(fun(q), dtype=np.float64), (N_PAIRS,))
                      for q in (mid, a, b))
        gaps = fm - (t * fa + (1 - t) * fb)
        sizes = np.abs(fm) + t * np.abs(fa) + (1 - t) * np.abs(fb)
    return gaps, sizes, (a, b, t)


def violations(gaps: Array, sizes: Array | None = None) -> Array:
    """The gaps that are violations of convexity: above round-off, ROUND_OFF (64 eps) times
    the size of the values compared (so 10000 x, whose gaps are round-off of 1e-12, is
    convex, and so is 1e-8 times any convex function)."""
    sizes = np.abs(gaps) if sizes is None else sizes
    with np.errstate(all="ignore"):
        return np.asarray(gaps > ROUND_OFF * sizes)


def convexity(seed: int = 0, f: str | None = None) -> DemoRun:
    """The chord test of convexity: f(t a + (1 - t) b) <= t f(a) + (1 - t) f(b) for 1000
    random pairs a, b in [-2, 2]^n and t in [0, 1] (numpy default_rng(seed)); a positive gap
    (the curve above its chord) proves f is not convex. Then one chord by hand: x^4 - 3x^2
    from -1.5 to 1.5, where the chord is at -1.6875 but f(0) = 0, and the interval where
    f'' = 12x^2 - 6 < 0 (|x| < 1/sqrt 2).

    Default functions: x^2 + y^2 and log(exp(x) + exp(y)) (convex), x^4 - 3x^2 (not);
    ``--f`` adds the user's function (of x, y, z) to the test.
    """
    cases: list[tuple[str, int, Callable[[Array], Any]]] = list(CONVEXITY_CASES)
    user = None
    if f is not None:
        user = objectives.from_text(f)
        parsed, names = user.expr, user.names

        def many(points: Array) -> Any:  # the user's f on a stack of points at once
            return parsed.evaluate(check=False, **{n: points[:, i] for i, n in enumerate(names)})

        cases.append((user.text, user.dim, many))
    params = {"seed": seed, "pairs": N_PAIRS, "box": [-BOX, BOX],
              "functions": [name for name, _, _ in cases]}
    columns = ["f", "pairs", "violations", "worst gap", "verdict"]
    return DemoRun("convexity", columns, params, _convexity_rows(cases, seed, user),
                   title="the chord test: is f below every chord?",
                   expected_rows=len(cases) + 1)


class Witness(TypedDict):
    """The pair whose chord f rises above most, and where: f(a + t(b − a))."""

    a: list[float]
    b: list[float]
    t: float


class _ConvexityCase(TypedDict):
    f: str
    violations: int  # pairs whose chord f rises above
    worst_gap: float
    convex: bool | None  # None: no violation, but some pairs undefined


class ConvexityCase(_ConvexityCase, total=False):
    witness: Witness  # if a pair violates the chord test
    negative_curvature_at: list[float]  # --f: no violation found, yet f'' < 0 there


class Chord(TypedDict):
    """x^4 − 3x^2's chord from a to b, and f at the midpoint, above it."""

    a: float
    b: float
    chord: float
    f_mid: float


class ConvexityResult(TypedDict):
    functions: list[ConvexityCase]
    chord: Chord
    concave_interval: list[float]  # where x^4 − 3x^2 has f'' < 0


def _convexity_rows(
    cases: Sequence[tuple[str, int, Callable[[Array], Any]]], seed: int,
    user: Objective | None,
) -> RowGenerator:
    rng = np.random.default_rng(seed)
    found: list[ConvexityCase] = []
    for name, dim, fun in cases:
        is_user = user is not None and name == user.text and fun is cases[-1][2]
        entry, verdict = _chord_test(name, dim, fun, rng, user if is_user else None)
        found.append(entry)
        yield [name, N_PAIRS, entry["violations"], entry["worst_gap"], verdict]
    a, b = -1.5, 1.5
    fa, fb = float(_symmetric_well(np.array([a]))), float(_symmetric_well(np.array([b])))
    chord, f_mid = (fa + fb) / 2, float(_symmetric_well(np.array([(a + b) / 2])))
    yield ["x^4 - 3x^2, chord -1.5..1.5", 1, int(f_mid > chord), f_mid - chord,
           f"f(0) = {f_mid:g} above the chord's {chord:g}"]
    roots = np.sort(np.roots(SYMMETRIC_WELL_SECOND).real)
    result: ConvexityResult = {
        "functions": found,
        "chord": {"a": a, "b": b, "chord": chord, "f_mid": f_mid},
        "concave_interval": core.vec(roots),
    }
    takeaway = (
        f"A convex function lies on or below every chord: x² + y² and logsumexp pass all "
        f"{N_PAIRS} random chords, while x⁴ − 3x² fails {found[2]['violations']} of them. "
        f"Its chord from −1.5 to 1.5 sits at {chord:g} but f(0) = {f_mid:g}: f'' = 12x² − 6 "
        f"< 0 for |x| < {roots[1]:.4f}, a hump between two minima. On a convex function "
        f"every local minimum is global; with two minima, gradient descent can stop at either."
    )
    if user is not None:
        takeaway += f" Your f = {found[-1]['f']}: " + _user_verdict(found[-1])
    return Outcome(result, takeaway)


def _chord_test(
    name: str, dim: int, fun: Callable[[Array], Any], rng: np.random.Generator,
    user: Objective | None,
) -> tuple[ConvexityCase, str]:
    """One function's chord test on N_PAIRS random pairs, and its verdict. ``user``: the
    user's --f, whose Hessian is also looked at where no chord is violated."""
    gaps, sizes, (pa, pb, pt) = chord_gaps(fun, dim, rng)
    bad = violations(gaps, sizes)
    count = int(np.sum(bad))
    worst = float(np.nanmax(gaps)) if not np.all(np.isnan(gaps)) else float("nan")
    undefined = int(np.sum(np.isnan(gaps)))
    entry: ConvexityCase = {"f": name, "violations": count, "worst_gap": worst,
                            "convex": not count}
    verdict = "not convex" if count else "no violation found"
    if count:
        i = int(np.nanargmax(np.where(bad, gaps, -np.inf)))
        entry["witness"] = {"a": core.vec(pa[i]), "b": core.vec(pb[i]), "t": float(pt[i])}
    elif user is not None:
        negative = _negative_curvature(user, np.concatenate([pa[:100], pb[:100]]))
        if negative is not None:
            entry["convex"] = False
            entry["negative_curvature_at"] = core.vec(negative)
            verdict = "not convex (f'' < 0)" if dim == 1 else "not convex (H not ≥ 0)"
    if undefined:
        verdict += f" ({undefined} pairs undefined)"
        entry["convex"] = False if count else None
    return entry, verdict


def _user_verdict(mine: ConvexityCase) -> str:
    if mine["violations"]:
        return "not convex: a chord lies below the curve."
    if mine["convex"] is False:
        return "not convex: the Hessian has a negative eigenvalue at a sampled point."
    if mine["convex"]:
        return ("no chord of the 1000 lies below the curve and the Hessian is ≥ 0 at every "
                "sampled point: convex as far as this test can see (sampling proves only "
                "the opposite).")
    return "undefined at some sampled points."


def _negative_curvature(obj: Objective, points: Array) -> Array | None:
    """A sampled point where the Hessian has an eigenvalue below −1e-9 times its largest
    size (relative, see numerics.critical), or None."""
    with np.errstate(all="ignore"):
        for q in points:
            try:
                H = obj.hess(q)
            except Exception:  # no Hessian: nothing to add
                return None
            if not np.all(np.isfinite(H)):
                continue
            eig = np.linalg.eigvalsh((H + H.T) / 2)
            if eig[0] < -EIG_RTOL * float(np.max(np.abs(eig))):
                return np.asarray(q)
    return None
