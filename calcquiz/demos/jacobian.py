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
from typing import Any

import numpy as np

from calcquiz.demos import core, objectives
from calcquiz.demos.core import DemoRun, Outcome, RowGenerator
from calcquiz.demos.objectives import Array
from calcquiz.numerics.differences import partial_difference

ScalarField = Callable[[Array], float]


@dataclass
class VectorFunction:
    """F: R^n -> R^m as m component functions, with each partial derivative and its formula."""

    text: str
    names: tuple[str, ...]
    components: list[ScalarField]
    partials: list[list[ScalarField]]
    formulas: list[list[str]]


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
    used = {v for e in parts for v in e.variables}
    n = max([1, *(objectives.ALL_NAMES.index(v) + 1 for v in used)])
    names = objectives.ALL_NAMES[:n]
    p = core.check_point(at, names, (1.0,) * n, "--at")
    values: dict[str, Any] = {n: float(v) for n, v in zip(names, p, strict=True)}
    derivatives = [[e.diff(v) for v in names] for e in parts]
    for i, e in enumerate(parts):  # strict: undefined at the point -> ExpressionError
        e.evaluate(**values)
        for d in derivatives[i]:
            d.evaluate(**values)

    def scalar(e: expr.Expr) -> ScalarField:
        return lambda q: float(e.evaluate(check=False, **dict(zip(names, q, strict=True))))

    vf = VectorFunction(
        "(" + ", ".join(e.text for e in parts) + ")",
        names,
        [scalar(e) for e in parts],
        [[scalar(d) for d in row] for row in derivatives],
        [[d.text for d in row] for row in derivatives],
    )
    return vf, p


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
    det = float(np.linalg.det(exact)) if m == n else None
    result = {"jacobian": core.mat(exact), "shape": [m, n], "det": det}
    takeaway = (
        f"The Jacobian stacks every first partial derivative of the {m} outputs with respect "
        f"to the {n} inputs, an m × n = {m} × {n} matrix (the differences agree to {worst:.0e})."
    )
    if det is not None:
        takeaway += f" Its determinant, {det:.6g}, is the local scale factor for areas"
        takeaway += " (for polar coordinates it is r)." if vf is POLAR else "."
    return Outcome(result, takeaway)
