"""First derivatives, checked numerically: derivative, partial, gradient (the Jacobian is
in :mod:`.jacobian`).

Finite differences used throughout (h is the step):

* forward:  f'(x) ~ (f(x + h) - f(x)) / h,          error ~ h f''/2, plus round-off ~ eps/h
* central:  f'(x) ~ (f(x + h) - f(x - h)) / (2h),   error ~ h^2 f'''/6, plus round-off ~ eps/h

The exact derivatives they are compared with are written out by hand for the default
functions and come from sympy for ``--f``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypedDict

import numpy as np

from calcquiz.demos import core, objectives
from calcquiz.demos.core import DemoRun, Outcome, Plot, RowGenerator, Series
from calcquiz.demos.objectives import Array, Objective
from calcquiz.numerics.differences import (
    SLOPE_STEP,
    Differentiability,
    central_difference,
    differentiability,
    directional_difference,
    forward_difference,
    one_sided_directional,
    partial_difference,
    steepest_one_sided,
)

STEPS_DERIVATIVE = [10.0**-k for k in range(1, 13)]
STEPS_PARTIAL = [10.0**-k for k in range(1, 9)]



class SideSlopes(TypedDict):
    """Where f has a kink: the one-sided slopes along each axis (None: f undefined on that
    side; ±inf: unbounded), the partial derivative along the smooth ones."""

    left: list[float | None]
    right: list[float | None]


class _DerivativeResult(TypedDict):
    derivative: float | None  # None: f'(x) does not exist
    x: float
    f: float
    differentiable: bool


class DerivativeResult(_DerivativeResult, total=False):
    left: float | None  # the one-sided slopes, where they were tested
    right: float | None
    best_h: float | None  # the step with the smallest central error (always set)
    best_error: float | None


class _PartialResult(TypedDict):
    gradient: list[float | None]  # None: that partial derivative does not exist
    at: list[float]
    f: float


class PartialResult(_PartialResult, total=False):
    left: list[float | None]  # where f has a kink (SideSlopes)
    right: list[float | None]


class _GradientResult(TypedDict):
    gradient: list[float] | None  # None: f is not differentiable there
    norm: float | None
    steepest_angle: float | None  # degrees; None: no direction is steepest
    max_slope: float | None


class GradientResult(_GradientResult, total=False):
    left: list[float | None]  # where f has a kink (SideSlopes)
    right: list[float | None]

# --- derivative (card 1) ----------------------------------------------------------------


def _cubic(p: Array) -> float:
    return float(p[0] ** 3 - 2 * p[0])


def _cubic_der(p: Array) -> Array:
    return np.array([3 * p[0] ** 2 - 2])


CUBIC = objectives.builtin("x^3 - 2x", ("x",), _cubic, _cubic_der)


def derivative(f: str | None = None, at: Sequence[float] | None = None) -> DemoRun:
    """Forward and central differences of f at x for h = 1e-1 ... 1e-12, against f'(x).

    Default: f = x^3 - 2x at x = 1, where f'(x) = 3x^2 - 2 = 1. Forward differences have
    error O(h), central ones O(h^2), until floating-point round-off (~1e-16 / h) dominates
    and the error grows again as h shrinks. Where f may have a kink (it uses abs) or the
    exact formula is undefined, f'(x) is reported only if the one-sided slopes agree
    (:func:`calcquiz.numerics.differences.differentiability`); otherwise it is null and
    the left and right slopes are given.
    """
    obj = CUBIC if f is None else objectives.from_text(f, max_dim=1)
    p = core.check_point(at, obj.names, (1.0,), "--at")
    obj.check(p, order=0)
    x = float(p[0])
    params = {"f": obj.text, "at": [x], "h": STEPS_DERIVATIVE}
    columns = ["h", "forward", "forward error", "central", "central error"]
    return DemoRun("derivative", columns, params, _derivative_rows(obj, x),
                   title=f"d/dx of f = {core.pretty(obj.text)} at x = {x:g}",
                   expected_rows=len(STEPS_DERIVATIVE))


def axis_differentiability(obj: Objective, p: Array, i: int) -> Differentiability | None:
    """None when f is smooth at p along axis i (no abs, exact partial finite); else the
    one-sided slopes test along that axis."""
    with np.errstate(all="ignore"):
        exact = float(obj.jac(p)[i])
    if not obj.kinks and math.isfinite(exact):
        return None

    def along(t: float) -> float:
        q = p.copy()
        q[i] = t
        return obj.fun(q)

    test = differentiability(along, float(p[i]))
    if test.differentiable and not math.isfinite(exact):
        return Differentiability(False, test.left, test.right, test.h)
    return test


def _derivative_rows(obj: Objective, x: float) -> RowGenerator:
    def fun(t: float) -> float:
        return obj.fun(np.array([t]))

    test = axis_differentiability(obj, np.array([x]), 0)
    exists = test is None or test.differentiable
    exact = float(obj.jac(np.array([x]))[0]) if exists else math.nan
    fwd_err: list[float] = []
    cen_err: list[float] = []
    cen: list[float] = []
    with np.errstate(all="ignore"):
        for h in STEPS_DERIVATIVE:
            fwd = forward_difference(fun, x, h)
            cen.append(central_difference(fun, x, h))
            fwd_err.append(abs(fwd - exact))
            cen_err.append(abs(cen[-1] - exact))
            yield [h, fwd, fwd_err[-1] if exists else None, cen[-1],
                   cen_err[-1] if exists else None]
    result: DerivativeResult = {"derivative": exact if exists else None, "x": x,
                                "f": obj.fun(np.array([x])), "differentiable": exists}
    if test is not None:  # ±inf: a slope that grows without bound; None: undefined there
        result["left"] = None if math.isnan(test.left) else test.left
        result["right"] = None if math.isnan(test.right) else test.right
    if not exists:
        assert test is not None
        result["best_h"], result["best_error"] = None, None
        return Outcome(result, _no_derivative_text(x, test, cen[STEPS_DERIVATIVE.index(1e-5)]))
    best = int(np.nanargmin(cen_err)) if not all(math.isnan(e) for e in cen_err) else 0
    best_h = STEPS_DERIVATIVE[best]
    result["best_h"], result["best_error"] = best_h, cen_err[best]
    takeaway = f"The derivative is the slope of the tangent: f'({x:g}) = {exact:.6g}. " + (
        _error_text(cen_err, fwd_err, best_h))
    plot = Plot(
        "error against h (log10 both)",
        [
            Series("forward", _log10(STEPS_DERIVATIVE), _log10(fwd_err)),
            Series("central", _log10(STEPS_DERIVATIVE), _log10(cen_err)),
        ],
        xlabel="log10 h",
        ylabel="log10 error",
    )
    return Outcome(result, takeaway, [plot])


def _error_text(cen_err: list[float], fwd_err: list[float], best_h: float) -> str:
    """How the errors behave, each word checked on them: 'like h²' only if the central
    error falls at least 30-fold from h = 1e-2 to 1e-3 (h² gives 100), 'like h' only if the
    forward error falls at least 3-fold (h gives 10); otherwise the errors are round-off
    from the start (the third or second derivative is 0 or tiny) and are called that."""
    i2, i3, i5, i12 = (STEPS_DERIVATIVE.index(h) for h in (1e-2, 1e-3, 1e-5, 1e-12))

    def falls(errors: list[float], factor: float) -> bool:
        return errors[i2] > 0 and errors[i3] * factor <= errors[i2]

    central = (f"Central differences close in like h² (error {cen_err[i2]:.1e} at h = 1e-2, "
               f"{cen_err[i5]:.1e} at h = 1e-5)" if falls(cen_err, 30) else
               f"Central differences have no truncation error to shed here (f‴ is 0 or "
               f"tiny): their error is round-off, {cen_err[i2]:.1e} at h = 1e-2 and "
               f"{cen_err[i5]:.1e} at h = 1e-5")
    forward = (f"forward ones only like h ({fwd_err[i2]:.1e} at h = 1e-2)" if falls(fwd_err, 3)
               else f"forward ones show round-off only too ({fwd_err[i2]:.1e} at h = 1e-2)")
    if best_h == STEPS_DERIVATIVE[0]:
        tail = (f"Round-off grows as h shrinks, to {cen_err[i12]:.1e} at h = 1e-12: the "
                f"largest step shown is the best.")
    else:
        tail = (f"Below the best step, h ≈ {best_h:.0e}, round-off wins: {cen_err[i12]:.1e} "
                f"at h = 1e-12.")
    return f"{central}, {forward}. {tail}"


def _no_derivative_text(x: float, test: Differentiability, central: float) -> str:
    def side(name: str, slope: float) -> str:
        if math.isinf(slope):
            return (f"the slope from the {name} is {'−' if slope < 0 else '+'}∞ (the "
                    f"one-sided quotient grows without bound as h shrinks)")
        if not math.isfinite(slope):
            return f"f is not defined just {name} of {x:g}"
        return f"the slope from the {name} is {slope:.6g} (at h = {test.h:.2g})"

    text = (f"f'({x:g}) does not exist: {side('left', test.left)} and "
            f"{side('right', test.right)}, so no single tangent fits.")
    if math.isfinite(central):
        text += (f" The central difference still prints a number ({central:.6g} at "
                 f"h = 1e-5): a difference quotient is not a derivative.")
    return text


def _log10(values: Sequence[float]) -> list[float]:
    with np.errstate(all="ignore"):
        return [float(v) for v in np.log10(np.abs(np.asarray(values, dtype=np.float64)))]


# --- partial (card 2) -------------------------------------------------------------------


def _partial_default(p: Array) -> float:
    x, y = p
    return float(x**2 * y + np.sin(y))


def _partial_default_der(p: Array) -> Array:
    x, y = p
    return np.array([2 * x * y, x**2 + np.cos(y)])


PARTIAL_DEFAULT = objectives.builtin(
    "x^2 y + sin(y)", ("x", "y"), _partial_default, _partial_default_der
)


def partial(f: str | None = None, at: Sequence[float] | None = None) -> DemoRun:
    """Each partial derivative by a central difference that moves one variable only:
    df/dx ~ (f(x + h, y) - f(x - h, y)) / (2h), y held fixed, and so on for y and z.

    Default: f = x^2 y + sin y at (1, 2): df/dx = 2xy = 4, df/dy = x^2 + cos y = 0.583853.
    """
    obj = PARTIAL_DEFAULT if f is None else objectives.from_text(f)
    p = core.check_point(at, obj.names, (1.0, 2.0, 0.0)[: obj.dim], "--at")
    obj.check(p)
    columns = ["h"]
    for n in obj.names:
        columns += [f"df/d{n}", f"error d{n}"]
    params = {"f": obj.text, "at": core.vec(p), "h": STEPS_PARTIAL}
    return DemoRun("partial", columns, params, _partial_rows(obj, p),
                   title=f"partial derivatives of f = {core.pretty(obj.text)}"
                         f" at ({core.point_text(obj.names, p)})",
                   expected_rows=len(STEPS_PARTIAL))


def kinks_at(obj: Objective, p: Array) -> dict[int, Differentiability]:
    """The axes along which f is not differentiable at p, with their one-sided slopes."""
    out = {}
    for i in range(obj.dim):
        test = axis_differentiability(obj, p, i)
        if test is not None and not test.differentiable:
            out[i] = test
    return out


def _side_values(obj: Objective, kinks: dict[int, Differentiability], exact: Array) -> (
        SideSlopes):
    def clean(v: float) -> float | None:
        return None if math.isnan(v) else v  # ±inf: an unbounded one-sided slope

    left = [clean(kinks[i].left) if i in kinks else float(exact[i]) for i in range(obj.dim)]
    right = [clean(kinks[i].right) if i in kinks else float(exact[i]) for i in range(obj.dim)]
    return {"left": left, "right": right}


def _slope_text(slope: float) -> str:
    if math.isinf(slope):
        return "−∞" if slope < 0 else "+∞"
    return "undefined" if math.isnan(slope) else f"{slope:.6g}"


def _kink_text(obj: Objective, kinks: dict[int, Differentiability]) -> str:
    parts = [f"along {obj.names[i]} the slope is {_slope_text(t.left)} from the left and "
             f"{_slope_text(t.right)} from the right" for i, t in kinks.items()]
    return "; ".join(parts)


def _partial_rows(obj: Objective, p: Array) -> RowGenerator:
    kinks = kinks_at(obj, p)
    exact = obj.jac(p)
    errors: list[list[float]] = [[] for _ in obj.names]
    with np.errstate(all="ignore"):
        for h in STEPS_PARTIAL:
            row: list[float | None] = [h]
            for i in range(obj.dim):
                d = partial_difference(obj.fun, p, i, h)
                errors[i].append(abs(d - exact[i]))
                row += [d, None if i in kinks else errors[i][-1]]
            yield list(row)
    gradient: list[float | None] = [None if i in kinks else float(exact[i])
                                    for i in range(obj.dim)]
    result: PartialResult = {"gradient": gradient, "at": core.vec(p), "f": obj.fun(p)}
    held = " and ".join(obj.names[1:]) if obj.dim > 1 else "nothing else"
    if kinks:
        sides = _side_values(obj, kinks, exact)
        result["left"], result["right"] = sides["left"], sides["right"]
        missing = ", ".join(f"∂f/∂{obj.names[i]}" for i in kinks)
        return Outcome(result, f"{missing} does not exist here: {_kink_text(obj, kinks)}. "
                       f"A partial derivative exists only where both one-sided slopes agree.")
    parts = ", ".join(f"∂f/∂{n} = {v:.6g}" for n, v in zip(obj.names, exact, strict=True))
    best = min(min(e) for e in errors)
    takeaway = (
        f"{parts}. A partial derivative is an ordinary derivative along one axis: ∂f/∂x moves "
        f"x alone with {held} held fixed, and the differences agree with the exact values to "
        f"{best:.0e} at best." if best else
        f"{parts}. A partial derivative is an ordinary derivative along one axis: ∂f/∂x moves "
        f"x alone with {held} held fixed; here the differences match the exact values exactly."
    )
    return Outcome(result, takeaway)


# --- gradient (card 3) ------------------------------------------------------------------


GRADIENT_DEFAULT = objectives.diagonal_quadratic("x^2 + 3y^2", 1.0, 3.0)
ANGLES = [30.0 * k for k in range(12)]


def gradient(f: str | None = None, at: Sequence[float] | None = None) -> DemoRun:
    """The slope of f along unit directions u = (cos a, sin a), a = 0, 30, ..., 330 degrees,
    plus the gradient's own direction: slope = grad f . u (checked by a central difference
    of f along u). It is largest, equal to |grad f|, when u points along grad f.

    Default: f = x^2 + 3y^2 at (1, 1): grad f = (2, 6), |grad f| = 6.324555 at 71.565 deg.
    """
    obj = GRADIENT_DEFAULT if f is None else objectives.from_text(f, min_dim=2, max_dim=2)
    p = core.check_point(at, obj.names, (1.0, 1.0), "--at")
    obj.check(p)
    params = {"f": obj.text, "at": core.vec(p), "angles": ANGLES}
    columns = ["angle (deg)", "direction u", "slope grad.u", "by differences", "bar"]
    return DemoRun("gradient", columns, params, _gradient_rows(obj, p),
                   title=f"directional slopes of f = {core.pretty(obj.text)}"
                         f" at ({core.point_text(obj.names, p)})",
                   expected_rows=len(ANGLES) + 1)


def _gradient_rows(obj: Objective, p: Array) -> RowGenerator:
    kinks = kinks_at(obj, p)
    g = obj.jac(p)
    norm = float(np.linalg.norm(g))
    smooth = not kinks
    if smooth:
        steepest = float(np.degrees(np.arctan2(g[1], g[0])) % 360) if norm > 0 else None
        top = norm
    else:  # no gradient: the steepest one-sided slope f'(p; u) over all directions
        angle, top = steepest_one_sided(obj.fun, p)
        steepest = angle if math.isfinite(angle) else None
    angles = sorted(ANGLES + ([steepest] if steepest is not None else []))
    h = 1e-6
    one_sided_h = SLOPE_STEP * max(1.0, float(np.linalg.norm(p))) / 8
    for a in angles:
        u = np.array([math.cos(math.radians(a)), math.sin(math.radians(a))])
        u[np.abs(u) < 1e-15] = 0.0  # cos 90 deg is 6e-17 in floating point
        slope = float(g @ u) + 0.0
        with np.errstate(all="ignore"):
            numeric = (directional_difference(obj.fun, p, u, h) if smooth
                       else one_sided_directional(obj.fun, p, u, one_sided_h))
        width = round(20 * abs(slope) / norm) if norm > 0 and smooth else 0
        bar = ("+" if slope >= 0 else "-") + "#" * width
        yield [a, core.vec(u), slope if smooth else None, numeric, bar if smooth else ""]
    if not smooth:
        return _kinked_gradient_outcome(obj, kinks, g, steepest, top)
    result: GradientResult = {"gradient": core.vec(g), "norm": norm, "steepest_angle": steepest,
                              "max_slope": top}
    if steepest is None:
        takeaway = ("The gradient is 0 here: every direction is flat to first order "
                    "(a stationary point).")
    else:
        takeaway = (
            f"∇f = ({', '.join(f'{v + 0.0:.6g}' for v in g)}) and |∇f| = {norm:.6g}. The "
            f"slope ∇f·u = |∇f| cos(angle to ∇f) is steepest at {steepest:.3f}°, along the "
            f"gradient, where it equals the norm; it is 0 at right angles and most negative "
            f"opposite, along −∇f, the way gradient descent steps."
        )
    return Outcome(result, takeaway)


def _kinked_gradient_outcome(
    obj: Objective, kinks: dict[int, Differentiability], g: Array, steepest: float | None,
    top: float,
) -> Outcome:
    """Where f has a kink there is no gradient: the one-sided slopes, and the steepest."""
    result: GradientResult = {"gradient": None, "norm": None, "steepest_angle": steepest,
                              "max_slope": top if steepest is not None else None,
                              **_side_values(obj, kinks, g)}
    takeaway = (f"f is not differentiable here ({_kink_text(obj, kinks)}), so there is no "
                f"gradient: the slope along u is the one-sided slope f'(p; u), not ∇f·u, "
                f"and the column 'by differences' shows it.")
    if steepest is not None:
        takeaway += (f" The steepest one-sided slope is {top:.6g}, at {steepest:.3f}°"
                     + (" (no direction goes uphill: every one-sided slope is ≤ 0)."
                        if top <= 0 else "."))
    return Outcome(result, takeaway)
