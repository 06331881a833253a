"""Critical points: is p stationary, and what kind of point do the second derivatives say?

* Zero eigenvalue: |λ| ≤ EIG_RTOL · max |λ_i| (relative to the Hessian's own scale, so
  multiplying f by 1e-10 changes nothing); an all-zero Hessian is degenerate.
* Kind from the eigenvalues: both signs → saddle; else any zero → degenerate (second
  derivatives cannot decide); all > 0 → minimum; all < 0 → maximum.
* Stationary: ∇f(p) = 0, or the Newton distance |H⁻¹ ∇f(p)| ≤ XTOL · max(1, |p|)
  (see :mod:`calcquiz.numerics.convergence`).

Points and Hessians are numpy arrays or Vectors and Matrices
(:mod:`calcquiz.numerics.vector`): a 1 × 1 or 2 × 2 Matrix gets its eigenvalues in closed
form, an array (or a larger Matrix) from numpy.linalg.eigvalsh.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from calcquiz.numerics import vector
from calcquiz.numerics.convergence import XTOL, Precise, newton_distance, norm2
from calcquiz.numerics.vector import Array, SingularMatrixError, all_finite, as_matrix, quiet

EIG_RTOL = 1e-9
KINDS = ("minimum", "maximum", "saddle", "degenerate")


def classify_eigenvalues(eigenvalues: Sequence[float] | Array) -> str:
    """minimum, maximum, saddle or degenerate, with the relative zero test above."""
    values = vector.flat(eigenvalues)
    if not values or not all(math.isfinite(v) for v in values):
        return "degenerate"
    tol = EIG_RTOL * max(abs(v) for v in values)
    if any(v > tol for v in values) and any(v < -tol for v in values):
        return "saddle"
    if any(abs(v) <= tol for v in values):
        return "degenerate"
    return "minimum" if all(v > 0 for v in values) else "maximum"


def is_stationary(p: Array, grad: Array, hess: Array | None,
                  precise: Precise | None = None) -> bool:
    """∇f(p) = 0 to within XTOL · max(1, |p|) of Newton distance (see module docstring);
    with ``precise``, also at 60 digits (a gradient rounded to 0 is not 0)."""
    if not all_finite(grad):
        return False
    tol = XTOL * max(1.0, norm2(p))
    if vector.nonzero(grad) and not newton_distance(grad, hess) <= tol:
        return False
    return precise is None or precise(p) <= tol


@dataclass(frozen=True)
class CriticalPoint:
    """The Hessian's eigenvalues (ascending), the kind they give, and whether p is
    stationary (only then is the kind a statement about the point)."""

    eigenvalues: tuple[float, ...]
    kind: str
    stationary: bool

    @property
    def label(self) -> str:
        """'minimum', 'maximum', 'saddle', 'degenerate', or 'not stationary'."""
        return self.kind if self.stationary else "not stationary"


def classify_critical_point(p: Array, grad: Array, hess: Array,
                            precise: Precise | None = None) -> CriticalPoint:
    """Eigenvalues of the (symmetrised) Hessian by :func:`calcquiz.numerics.vector.eigvalsh`
    (numpy.linalg.eigvalsh for an array), their kind by :func:`classify_eigenvalues`, and
    the stationarity test :func:`is_stationary`."""
    H = as_matrix(hess)
    if not all_finite(H):
        return CriticalPoint((), "degenerate", False)
    eig = vector.eigvalsh(vector.symmetrised(H))
    return CriticalPoint(eig, classify_eigenvalues(eig), is_stationary(p, grad, H, precise))


def exact_inertia(hessian: object) -> tuple[int, int, int] | None:
    """(positive, negative, zero) eigenvalue counts of a symmetric sympy Matrix with rational
    entries, exactly: its characteristic polynomial has only real roots, so Descartes' rule
    of signs counts them (p(λ) for positive, p(−λ) for negative roots, the power of λ that
    divides p for zero). None if an entry is not rational."""
    import sympy

    H = sympy.Matrix(hessian)
    if not all(entry.is_Rational for entry in H):
        return None
    lam = sympy.Symbol("lam")
    coeffs = sympy.Poly(H.charpoly(lam).as_expr(), lam).all_coeffs()[::-1]  # low to high
    zero = next(i for i, c in enumerate(coeffs) if c != 0)
    rest = coeffs[zero:]

    def changes(values: list) -> int:
        signs = [v > 0 for v in values if v != 0]
        return sum(1 for a, b in zip(signs, signs[1:], strict=False) if a != b)

    negative = changes([c * (-1) ** i for i, c in enumerate(rest)])
    return changes(rest), negative, zero


def kind_from_inertia(inertia: tuple[int, int, int]) -> str:
    """The kind (as classify_eigenvalues) from exact eigenvalue sign counts."""
    positive, negative, zero = inertia
    if positive and negative:
        return "saddle"
    if zero:
        return "degenerate"
    return "minimum" if positive else "maximum"


def classify_limit(p: Array, grad: Array, hess: Callable[[Array], Array],
                   precise: Precise | None = None) -> CriticalPoint:
    """The kind of the stationary point that an iterate p approximates. The eigenvalues of
    H(p) differ from those at the stationary point by up to ‖H(p) − H(p*)‖₂, p* = p − H⁻¹∇f
    (the Newton estimate of that point), so an eigenvalue counts as zero below
    EIG_RTOL · max |λ| + 2 ‖H(p) − H(p*)‖₂: a run that has crept to within 1e-7 of a
    degenerate point is not called a saddle because of curvature 1e-7 wide."""
    H = as_matrix(hess(p))
    base = classify_critical_point(p, grad, H, precise)
    if not base.eigenvalues or not vector.nonzero(grad):
        return base
    try:
        with quiet():
            target = p - vector.solve(H, grad)
            spread = vector.spectral_norm_symmetric(
                vector.matrix_minus(as_matrix(hess(target)), H))
    except (SingularMatrixError, ValueError):
        return base
    if not math.isfinite(spread):
        return CriticalPoint(base.eigenvalues, "degenerate", base.stationary)
    eig = base.eigenvalues
    tol = EIG_RTOL * max(abs(v) for v in eig) + 2 * spread
    if base.kind == "saddle":  # needs one eigenvalue clearly below 0 and one clearly above
        clear = eig[0] < -tol and eig[-1] > tol
    else:
        clear = not any(abs(v) <= tol for v in eig)
    return base if clear else CriticalPoint(base.eigenvalues, "degenerate", base.stationary)
