"""Points as numpy arrays or as a small pure-Python :class:`Vector`: the few operations the
numeric core needs, on either kind, so that one implementation of each algorithm serves both.

Why two kinds: ``import numpy`` costs about 70 ms, more than a demo on a 2-variable bowl
spends on everything else. A built-in objective evaluates on a Vector without numpy; a
user's function (sympy), large data and n > 2 linear algebra stay with numpy.

The kind of the start point decides the kind of every point of a run: ``point(p0)`` keeps
a Vector a Vector and makes anything else a float64 array, as the core always did. A
Hessian on the Vector path is a :data:`Matrix` (a tuple of row Vectors). Vector arithmetic
is IEEE float64 like numpy's, element by element (``p - lr * g`` gives the same bits);
+, − and × never raise (an overflow gives inf, as in numpy).

Nothing here imports numpy at module level; a function that meets an array imports it (it
is loaded already, or there would be no array).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any, SupportsFloat, TypeAlias


class Vector(tuple[float, ...]):
    """An immutable vector of floats: +, − (with another Vector), * and / by a number,
    ``dot``, ``norm``, ``isfinite``. Equality is element-wise ``==`` (as numpy.array_equal:
    -0.0 equals 0.0, nan equals nothing)."""

    __slots__ = ()

    def __new__(cls, values: Iterable[SupportsFloat] = ()) -> Vector:
        return super().__new__(cls, (float(v) for v in values))

    def __add__(self, other: Any) -> Vector:
        if not isinstance(other, Vector):
            return NotImplemented
        return Vector(a + b for a, b in zip(self, other, strict=True))

    def __sub__(self, other: Any) -> Vector:
        if not isinstance(other, Vector):
            return NotImplemented
        return Vector(a - b for a, b in zip(self, other, strict=True))

    def __neg__(self) -> Vector:
        return Vector(-a for a in self)

    def __mul__(self, scalar: Any) -> Vector:
        if not isinstance(scalar, (int, float)):
            return NotImplemented
        return Vector(a * scalar for a in self)

    def __rmul__(self, scalar: Any) -> Vector:
        if not isinstance(scalar, (int, float)):
            return NotImplemented
        return Vector(scalar * a for a in self)

    def __truediv__(self, scalar: float) -> Vector:
        return Vector(a / scalar for a in self)

    def dot(self, other: Vector) -> float:
        """The dot product, exactly rounded (math.fsum)."""
        return math.fsum(a * b for a, b in zip(self, other, strict=True))

    def norm(self) -> float:
        """The Euclidean norm by math.hypot (no overflow or underflow of the squares)."""
        return math.hypot(*self)

    def isfinite(self) -> bool:
        return all(math.isfinite(a) for a in self)

    def copy(self) -> Vector:
        return self  # immutable: a copy is itself

    def tolist(self) -> list[float]:
        return list(self)

    def numpy(self) -> Any:
        """The same values as a float64 array (imports numpy)."""
        import numpy as np

        return np.array(self, dtype=np.float64)

    def __repr__(self) -> str:
        return f"Vector({list(self)!r})"


Matrix: TypeAlias = "tuple[Vector, ...]"
Array: TypeAlias = Any  # a point, gradient or Hessian: a float64 numpy array, or a Vector/Matrix


class SingularMatrixError(ArithmeticError):
    """A linear system without a unique solution (a zero pivot), on either kind."""


def is_pure(value: object) -> bool:
    """True for a Vector or a Matrix (the pure-Python kind)."""
    return isinstance(value, Vector) or (
        isinstance(value, tuple) and bool(value) and isinstance(value[0], Vector))


def point(p0: Any) -> Any:
    """A run's start: a Vector stays one (of floats); anything else becomes a float64 array."""
    if isinstance(p0, Vector):
        return p0
    import numpy as np

    return np.array(p0, dtype=np.float64)


def like(p: Any, values: Iterable[Any]) -> Any:
    """``values`` as the same kind of vector as ``p``."""
    if isinstance(p, Vector):
        return Vector(values)
    import numpy as np

    return np.asarray(values, dtype=np.float64)


def matrix_like(p: Any, rows: Iterable[Iterable[Any]]) -> Any:
    """``rows`` as a Matrix if ``p`` is a Vector, else as a float64 array."""
    if isinstance(p, Vector):
        return tuple(Vector(row) for row in rows)
    import numpy as np

    return np.asarray(rows, dtype=np.float64)


def as_matrix(H: Any) -> Any:
    """A Matrix as given; anything else as a 2-D float64 array (a number is 1 × 1)."""
    if is_pure(H):
        return H
    import numpy as np

    return np.atleast_2d(np.asarray(H, dtype=np.float64))


def flat(values: Any) -> list[float]:
    """Every number in a scalar, vector or matrix of either kind, as a list of floats."""
    if isinstance(values, (int, float)):
        return [float(values)]
    if isinstance(values, (tuple, list)) and all(isinstance(v, (int, float)) for v in values):
        return [float(v) for v in values]
    if is_pure(values):
        return [a for row in values for a in row]
    import numpy as np

    return [float(v) for v in np.ravel(np.asarray(values, dtype=np.float64))]


def all_finite(values: Any) -> bool:
    return all(math.isfinite(v) for v in flat(values))


def nonzero(values: Any) -> bool:
    """True if any entry is not 0 (numpy.any)."""
    return any(flat(values))


def dot(a: Any, b: Any) -> float:
    """a · b: Vector.dot, or numpy.dot for arrays."""
    if isinstance(a, Vector) and isinstance(b, Vector):
        return a.dot(b)
    import numpy as np

    return float(np.dot(a, b))


def same(a: Any, b: Any) -> bool:
    """numpy.array_equal, on either kind."""
    if isinstance(a, Vector) and isinstance(b, Vector):
        return a == b
    import numpy as np

    return bool(np.array_equal(a, b))


def quiet() -> AbstractContextManager[Any]:
    """numpy's floating-point warnings off (inf and nan are results here, not accidents);
    nothing to do when numpy is not loaded, as no array can then exist."""
    np = sys.modules.get("numpy")
    return nullcontext() if np is None else np.errstate(all="ignore")


def solve(H: Any, g: Any) -> Any:
    """x with H x = g. A Matrix of size 1 or 2 is solved here by Gaussian elimination with
    partial pivoting (exact zero pivot: SingularMatrixError, as LAPACK's); anything else
    by numpy.linalg.solve, and a Vector's answer comes back as a Vector."""
    if is_pure(H) and len(H) <= 2:
        return Vector(_solve_small(H, g))
    import numpy as np

    try:
        x = np.linalg.solve(as_matrix(H), np.asarray(g, dtype=np.float64))
    except np.linalg.LinAlgError as exc:
        raise SingularMatrixError(str(exc)) from None
    return Vector(x.tolist()) if isinstance(g, Vector) else x


def _solve_small(H: Matrix, g: Vector) -> Iterator[float]:
    if len(H) == 1:
        if H[0][0] == 0:
            raise SingularMatrixError("singular 1 x 1 matrix")
        yield g[0] / H[0][0]
        return
    (a, b), (c, d) = H
    g1, g2 = g
    if abs(c) > abs(a):  # partial pivoting: the larger first column entry leads
        a, b, c, d, g1, g2 = c, d, a, b, g2, g1
    if a == 0:
        raise SingularMatrixError("singular 2 x 2 matrix")
    factor = c / a
    u = d - factor * b
    if u == 0:
        raise SingularMatrixError("singular 2 x 2 matrix")
    x2 = (g2 - factor * g1) / u
    yield (g1 - b * x2) / a
    yield x2


def eigvalsh(H: Any) -> tuple[float, ...]:
    """The eigenvalues of a symmetric matrix, ascending. A Matrix of size 1 or 2 in closed
    form: for [[a, b], [b, c]], λ = m ∓ r with m = a/2 + c/2 and r = hypot((a − c)/2, b).
    Rounding leaves each λ within a few ulp of max |λ| of numpy.linalg.eigvalsh's (about
    1e-15 · max |λ|, plus a few subnormal steps for entries below 1e-307): far inside the
    1e-9 · max |λ| that decides a zero eigenvalue in :mod:`calcquiz.numerics.critical`
    (tests/test_vector.py checks both against eigvalsh). Anything else by
    numpy.linalg.eigvalsh."""
    if is_pure(H) and len(H) == 1:
        return (H[0][0],)
    if is_pure(H) and len(H) == 2:
        (a, b), (_, c) = H
        m = a / 2 + c / 2
        r = math.hypot((a - c) / 2, b)
        return (m - r, m + r)
    import numpy as np

    return tuple(float(v) for v in np.linalg.eigvalsh(as_matrix(H)))


def symmetrised(H: Any) -> Any:
    """(H + Hᵀ) / 2, on either kind."""
    if is_pure(H):
        n = len(H)
        return tuple(Vector((H[i][j] + H[j][i]) / 2 for j in range(n)) for i in range(n))
    return (H + H.T) / 2


def spectral_norm_symmetric(D: Any) -> float:
    """‖D‖₂ of a symmetric matrix: max |λ| (a Matrix by :func:`eigvalsh`), else numpy's
    matrix 2-norm."""
    if is_pure(D):
        return max(abs(v) for v in eigvalsh(D))
    import numpy as np

    return float(np.linalg.norm(D, 2))


def matrix_minus(A: Any, B: Any) -> Any:
    """A − B, on either kind."""
    if is_pure(A) and is_pure(B):
        return tuple(a - b for a, b in zip(A, B, strict=True))
    import numpy as np

    return np.asarray(A) - np.asarray(B)
