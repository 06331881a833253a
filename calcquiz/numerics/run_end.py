"""How a run ended, in one classification every descent demo's text uses:

* ``converged``: the core's convergence test passed at the last point
  (:mod:`calcquiz.numerics.convergence`, confirmed at 60 digits for a user's function).
* ``left the domain``: a point is finite but f is not defined there (nan), at ``step``.
* ``overflowed``: a coordinate or f became inf or nan, at ``step``.
* ``stalled``: a step no longer changes p in float64, yet the point is not stationary
  (``detail`` says when the gradient rounded to exactly 0).
* ``cycling``: the last points repeat with period ``period`` (2..4), exactly to within
  CYCLE_RTOL of the step, or (``settling``) ever closer: the gaps |p_k − p_(k−q)| shrink
  geometrically while the step lengths tend to a positive limit.
* ``diverging``: f and the step length both grew over the last LOOKBACK steps, or an
  oscillation's step length grew period after period, the growth not slowing.
* ``unbounded below``: f fell and |p| grew over the last LOOKBACK steps, and f falls by at
  least as much each step: f → −∞ along the path, there is no minimum to reach.
* ``drifting``: f fell and |p| grew over the last LOOKBACK steps, each fall smaller and the
  steps shrinking ever more slowly (sublinearly): the run creeps away, toward no point it
  has come close to (f may have no minimum that way).
* ``still moving``: none of these; ``converging`` when the steps shrink by a steady factor
  below 0.99 (then more steps would go further).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from calcquiz.numerics.convergence import CYCLE_RTOL, EPS, XTOL, norm2
from calcquiz.numerics.vector import Array, all_finite

LOOKBACK = 4
KINDS = ("converged", "left the domain", "overflowed", "stalled", "cycling", "diverging",
         "unbounded below", "drifting", "still moving")


@dataclass(frozen=True)
class RunEnd:
    kind: str
    step: int | None = None  # where it overflowed or left the domain
    period: int | None = None  # of a cycle
    settling: bool = False  # a cycle approached, not yet repeated exactly
    converging: bool = False  # still moving, steps shrinking geometrically
    ratio: float | None = None  # the step-length factor per step (still moving, diverging)
    detail: str = ""

    @property
    def finished(self) -> bool:
        """True if more steps would not change the verdict (all but 'still moving')."""
        return self.kind != "still moving"

    @property
    def sentence(self) -> str:
        """One plain sentence about the end, for a demo's text."""
        if self.kind == "converged":
            return "It converged: the end is a stationary point to within the tolerance."
        if self.kind == "left the domain":
            return (f"It left f's domain at step {self.step}: f is not defined there, so "
                    f"every later number is meaningless.")
        if self.kind == "overflowed":
            return f"It overflowed at step {self.step}: a value became inf or nan."
        if self.kind == "stalled":
            return ("It stalled: a step no longer changes p in float64, but the point is not "
                    "stationary" + (f" ({self.detail})" if self.detail else "") + ".")
        if self.kind == "cycling":
            what = "bounces between two points" if self.period == 2 else (
                f"cycles through {self.period} points")
            if self.settling:
                return (f"It {what.replace('bounces', 'settles into bouncing')} (a cycle of "
                        f"period {self.period}, approached ever closer): it will never "
                        f"converge at this learning rate.")
            return f"It {what} forever (a cycle of period {self.period}): it will never converge."
        if self.kind == "diverging":
            return ("It is diverging: each step is longer than the last"
                    + (f" (about {self.ratio:.6g}× per step)" if self.ratio else "")
                    + ", so more steps only go further away.")
        if self.kind == "unbounded below":
            return ("f falls by at least as much at every step while |p| grows: along this "
                    "path f is unbounded below, so there is no minimum to reach.")
        if self.kind == "drifting":
            return ("It is drifting away: |p| grows at every step while f falls less and "
                    "less, toward no point it has come near; f may have no minimum that way.")
        if self.converging:
            return (f"It has not converged yet; the steps shrink by about {self.ratio:.3g} "
                    f"per step, so more --steps would go further.")
        return "It has not converged yet, and its steps do not shrink steadily."


def classify_end(
    path: Sequence[Array],
    values: Sequence[float],
    *,
    converged: bool,
    stalled: bool = False,
    grad_is_zero: bool = False,
) -> RunEnd:
    """The end of a run from its points and f values (see the module docstring)."""
    if converged:
        return RunEnd("converged")
    end = _non_finite(path, values)
    if end is not None:
        return end
    if stalled:
        return RunEnd("stalled", detail="its gradient rounded to 0 in float64, the true "
                                        "one is not 0" if grad_is_zero else "")
    steps = [norm2(path[i] - path[i - 1]) for i in range(1, len(path))]
    end = _cycling(path, steps)
    if end is None:
        end = _running_away(path, values, steps)
    return end if end is not None else _still(steps)


def _non_finite(path: Sequence[Array], values: Sequence[float]) -> RunEnd | None:
    """The first step whose point or value is not finite: overflowed, or left f's domain
    (f is nan there)."""
    for k, (p, v) in enumerate(zip(path, values, strict=True)):
        if not all_finite(p):
            return RunEnd("overflowed", step=k)
        if not math.isfinite(v):
            return RunEnd("left the domain" if math.isnan(v) else "overflowed", step=k)
    return None


def _cycling(path: Sequence[Array], steps: Sequence[float]) -> RunEnd | None:
    """A cycle of period 2, 3 or 4 (exact or settling), or an oscillation whose steps keep
    growing (diverging)."""
    for q in (2, 3, 4):
        kind = _cycle(path, steps, q)
        if kind == "diverging":
            ratio = (steps[-1] / steps[-1 - q]) ** (1 / q) if steps[-1 - q] > 0 else None
            return RunEnd("diverging", ratio=ratio)
        if kind is not None:
            return RunEnd("cycling", period=q, settling=kind == "settling")
    return None


def _running_away(
    path: Sequence[Array], values: Sequence[float], steps: Sequence[float]
) -> RunEnd | None:
    """Over the last LOOKBACK steps: diverging (f rising, steps lengthening), unbounded
    below (f falling by at least as much each step while |p| grows) or drifting (|p|
    growing, f falling less and less, the steps shrinking ever more slowly)."""
    if len(steps) < LOOKBACK + 1:
        return None
    fs = list(values[-LOOKBACK - 1:])
    tail = steps[-LOOKBACK:]
    if _increasing(fs) and _increasing(tail):
        return RunEnd("diverging", ratio=tail[-1] / tail[-2])
    falling = all(b < a for a, b in zip(fs, fs[1:], strict=False))
    if not (falling and _increasing([norm2(p) for p in path[-LOOKBACK - 1:]])):
        return None
    drops = [a - b for a, b in zip(fs, fs[1:], strict=False)]
    if all(b >= a * (1 - 1e-9) for a, b in zip(drops, drops[1:], strict=False)):
        return RunEnd("unbounded below")
    ratios = _ratios(steps)
    if len(ratios) >= 3 and ratios[-1] > 0.95 and _increasing(ratios):
        return RunEnd("drifting")  # slowing down ever more: sublinear, not geometric
    return None


def _increasing(values: Sequence[float]) -> bool:
    return all(b > a for a, b in zip(values, values[1:], strict=False))


def _ratios(steps: Sequence[float]) -> list[float]:
    tail = steps[-LOOKBACK:]
    if any(not s > 0 for s in tail):
        return []
    return [b / a for a, b in zip(tail, tail[1:], strict=False)]


def _still(steps: Sequence[float]) -> RunEnd:
    """Still moving; ``converging`` if the steps shrink by a steady factor below 0.99 (the
    last LOOKBACK ratios within 0.01 of each other)."""
    ratios = _ratios(steps)
    if len(ratios) >= 2 and max(ratios) < 0.99 and max(ratios) - min(ratios) <= 0.01:
        return RunEnd("still moving", converging=True, ratio=ratios[-1])
    return RunEnd("still moving")


def _cycle(path: Sequence[Array], steps: Sequence[float], q: int) -> str | None:
    """'exact', 'settling' or 'diverging' (an oscillation of period q whose step length
    keeps growing), or None."""
    n = len(path) - 1
    if n < 3 * q + 1:
        return None
    step = max(steps[-q:])
    if not (step > 0 and math.isfinite(step)):
        return None
    size = max(norm2(path[n]), 1e-300)
    if step <= XTOL * size:
        return None  # converging, not cycling
    # gaps: how far each of the last 2q + 1 points is from the point one period before
    gaps = [norm2(path[m] - path[m - q]) for m in range(n - 2 * q, n + 1)]
    if _growing_oscillation(steps, gaps, q):
        return "diverging"
    if all(g <= CYCLE_RTOL * step for g in gaps[-2:]):
        return "exact"
    return "settling" if _settling(steps, gaps, q, step) else None


def _growing_oscillation(steps: Sequence[float], gaps: Sequence[float], q: int) -> bool:
    """Step lengths one period apart growing period after period, at a rate that does not
    slow: a divergence (x² at lr 1 + 1e-7), however small each repeat's gap."""
    a, b, c = steps[-1 - 2 * q], steps[-1 - q], steps[-1]
    return (c - b > 4 * EPS * c and b - a > 0 and c - b >= (b - a) * (1 - 1e-6)
            and gaps[-1] > 0 and gaps[-1] >= gaps[-1 - q])


def _settling(steps: Sequence[float], gaps: Sequence[float], q: int, step: float) -> bool:
    """Approaching a cycle: the gaps shrink geometrically (by rho_gap per period), the step
    length settles 4x faster than that (a run converging to a point, even slowly, shrinks
    its steps too: x² + 0.3x³ at lr 1 shrinks them by 0.96 per period)."""
    b, c = steps[-1 - q], steps[-1]
    shrinking = all(gaps[-1 - j] < gaps[-1 - j - q] for j in range(q))
    if not (gaps[-1 - q] > 0 and b > 0 and shrinking):
        return False
    rho_gap = gaps[-1] / gaps[-1 - q]
    rho_step = c / b
    return gaps[-1] <= 0.05 * step and rho_gap < 0.9 and abs(1 - rho_step) <= (
        0.25 * (1 - rho_gap))
