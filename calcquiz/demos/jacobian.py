"""The Jacobian of F: R^n -> R^m, checked numerically (jacobian).

J[i][j] = dF_i/dx_j, each entry against the central difference with h = 1e-6,
(F_i(x + h e_j) - F_i(x - h e_j)) / (2h), error ~ h^2 F_i'''/6 plus round-off ~ eps/h;
for a square J also det J, the local scale factor for areas. The exact entries are written
out by hand for the default (polar coordinates, det J = r) and come from sympy for ``--f``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

import numpy as np

from calcquiz.demos import core, objectives
from calcquiz.demos.core import DemoRun, Outcome, RowGenerator
from calcquiz.demos.objectives import Array
from calcquiz.numerics.differences import (
    Differentiability,
    differentiability,
    partial_difference,
)

if TYPE_CHECKING:
    from calcquiz.expr import Expr

ScalarField = Callable[[Array], float]


@dataclass
class VectorFunction:
    """F: R^n -> R^m as m component functions, with each partial derivative and its formula."""

    text: str
    names: tuple[str, ...]
    components: list[ScalarField]
    partials: list[list[ScalarField]]
    formulas: list[list[str]]
    # Components that may have a kink (abs, sign, a root): tested one-sided before J is shown.
    kinky: list[bool] | None = None


def _polar(q: Array) -> list[float]:
    r, t = q
    return [r * math.cos(t), r * math.sin(t)]


def _polar_jac(q: Array) -> list[list[float]]:
    r, t = q
    return [[math.cos(t), -r * math.sin(t)], [math.sin(t), r * math.cos(t)]]


def _polar_entry(i: int, j: int) -> ScalarField:
    return lambda q: _polar_jac(q)[i][j]


POLAR = VectorFunction(
    "(r cos t, r sin t)",
    ("r", "t"),
    [lambda q: _polar(q)[0], lambda q: _polar(q)[1]],
    [[_polar_entry(i, j) for j in range(2)] for i in range(2)],
    [["cos t", "-r sin t"], ["sin t", "r cos t"]],
)


def jacobian(f: str | None = None, at: Sequence[float] | None = None) -> DemoRun:
    """J[i][j] = dF_i/dx_j for F: R^n -> R^m, m x n, exact (by hand, or sympy for --f) and
    by central differences (F_i(p + h e_j) - F_i(p - h e_j)) / (2h), h = 1e-6.

    Default: polar to Cartesian, F(r, t) = (r cos t, r sin t) at r = 2, t = pi/6:
    J = [[cos t, -r sin t], [sin t, r cos t]] = [[.866025, -1], [.5, 1.732051]], det J = r.
    With --f, components are separated by commas: --f "x*y, x + sin(y)".
    """
    if f is None:
        vf = POLAR
        p = core.check_point(at, vf.names, (2.0, math.pi / 6), "--at")
    else:
        vf, p = _user_vector_function(f, at)
    m, n = len(vf.components), len(vf.names)
    params = {"f": vf.text, "at": core.vec(p), "h": 1e-6}
    columns = ["entry", "formula", "by differences", "exact", "difference"]
    return DemoRun("jacobian", columns, params, _jacobian_rows(vf, p),
                   title=f"Jacobian of F = {core.pretty(vf.text)}"
                         f" at ({core.point_text(vf.names, p)}): {m} × {n}",
                   expected_rows=m * n)


MAX_COMPONENTS = 6


def _user_vector_function(f: str, at: Sequence[float] | None) -> tuple[VectorFunction, Array]:
    from calcquiz import expr
    from calcquiz.errors import BadInputError

    parts = expr.parse_components(f)
    if len(parts) > MAX_COMPONENTS:
        raise BadInputError(f"--f: at most {MAX_COMPONENTS} components")
    names = _inputs(parts)
    p = core.check_point(at, names, (1.0,) * len(names), "--at")
    derivatives = [[e.diff(v) for v in names] for e in parts]
    values = {n: float(v) for n, v in zip(names, p, strict=True)}
    for e, row in zip(parts, derivatives, strict=True):  # undefined there: ExpressionError
        for each in (e, *row):
            each.evaluate(check=True, **values)

    def scalar(e: expr.Expr) -> ScalarField:
        return lambda q: float(e.evaluate(check=False, **dict(zip(names, q, strict=True))))

    vf = VectorFunction(
        "(" + ", ".join(e.text for e in parts) + ")",
        names,
        [scalar(e) for e in parts],
        [[scalar(d) for d in row] for row in derivatives],
        [[d.text for d in row] for row in derivatives],
        [objectives.has_kinks(e.node) for e in parts],
    )
    return vf, p


class Kink(TypedDict):
    """A component not differentiable along a variable: its two one-sided slopes."""

    component: int  # from 1
    variable: str
    left: float
    right: float


class _JacobianRequired(TypedDict):
    jacobian: list[list[float]] | None  # None: F has a kink at the point
    shape: list[int]  # [m, n]
    det: float | None  # for a square Jacobian


class JacobianResult(_JacobianRequired, total=False):
    kinks: list[Kink]  # only where there are kinks


def _inputs(parts: Sequence[Expr]) -> tuple[str, ...]:
    """x, or x and y, or x, y and z: up to the last variable any component uses."""
    used = {v for e in parts for v in e.variables}
    n = max([1, *(objectives.ALL_NAMES.index(v) + 1 for v in used)])
    return objectives.ALL_NAMES[:n]


def _jacobian_rows(vf: VectorFunction, p: Array) -> RowGenerator:
    h = 1e-6
    m, n = len(vf.components), len(vf.names)
    exact = np.zeros((m, n))
    worst = 0.0
    for i in range(m):
        for j in range(n):
            with np.errstate(all="ignore"):
                numeric = partial_difference(vf.components[i], p, j, h)
            exact[i, j] = vf.partials[i][j](p)
            gap = abs(numeric - exact[i, j])
            worst = max(worst, gap)
            entry = f"dF{i + 1}/d{vf.names[j]}"
            yield [entry, vf.formulas[i][j], numeric, core.num(exact[i, j]), gap]
    kinks = _kinks(vf, p)
    if kinks:
        parts = "; ".join(
            f"F{i + 1} along {vf.names[j]}: slope {t.left:.6g} from the left, {t.right:.6g} "
            f"from the right" for (i, j), t in kinks.items())
        at_kinks: JacobianResult = {
            "jacobian": None, "shape": [m, n], "det": None,
            "kinks": [{"component": i + 1, "variable": vf.names[j], "left": t.left,
                       "right": t.right} for (i, j), t in kinks.items()]}
        return Outcome(
            at_kinks,
            f"F is not differentiable here ({parts}), so it has no Jacobian at this point: "
            f"the 'exact' column holds the formula's value, not a derivative, and the "
            f"central difference averages two different slopes.")
    det = float(np.linalg.det(exact)) if m == n else None
    result: JacobianResult = {"jacobian": core.mat(exact), "shape": [m, n], "det": det}
    takeaway = (
        f"The Jacobian stacks every first partial derivative of the {m} outputs with respect "
        f"to the {n} inputs, an m × n = {m} × {n} matrix (the differences agree to {worst:.0e})."
    )
    if det is not None:
        what = {1: "lengths", 2: "areas"}.get(n, "volumes")
        sign = (" (negative: the map also flips orientation)" if det < 0 else "")
        takeaway += (f" Its determinant is {det:.6g}; its magnitude, |det J| = {abs(det):.6g}, "
                     f"is the local scale factor for {what}{sign}")
        takeaway += " (for polar coordinates it is r)." if vf is POLAR else "."
    return Outcome(result, takeaway)


def _kinks(vf: VectorFunction, p: Array) -> dict[tuple[int, int], Differentiability]:
    """The (component, variable) pairs along which F is not differentiable at p, by the
    one-sided test; only components that may have a kink are tested."""
    out = {}
    for i, kinky in enumerate(vf.kinky or []):
        if not kinky:
            continue
        for j in range(len(vf.names)):
            def along(t: float, i: int = i, j: int = j) -> float:
                q = np.array(p, dtype=np.float64)
                q[j] = t
                return vf.components[i](q)

            test = differentiability(along, float(p[j]))
            if not test.differentiable:
                out[(i, j)] = test
    return out
