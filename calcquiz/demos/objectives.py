"""The functions demos run on: built-in ones written in numpy with their derivatives beside
them (scipy's names: ``rosen``, ``rosen_der``, ``rosen_hess``), and the user's own ``--f``,
whose derivatives come from sympy through :mod:`calcquiz.expr`.

All take a point ``p`` (``p[0]`` is x, ``p[1]`` is y, ...): a 1-D float array, or, for the
built-ins, also a :class:`~calcquiz.numerics.vector.Vector`, on which they compute without
numpy (see :func:`builtin`). numpy is imported where an array is made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from calcquiz.errors import BadInputError, ExpressionError
from calcquiz.numerics.vector import Array, Vector, like, matrix_like, quiet

if TYPE_CHECKING:
    from calcquiz.expr import Expr
    from calcquiz.numerics.precise import PreciseDistance

ALL_NAMES = ("x", "y", "z")


class Objective:
    """A scalar function of ``len(names)`` variables with its gradient and Hessian.

    ``fun``/``jac``/``hess`` may return inf or nan where a run diverges; ``check`` is
    strict and raises ExpressionError where the function or its derivatives are undefined.
    """

    def __init__(
        self,
        text: str,
        names: Sequence[str],
        fun: Callable[[Array], float],
        jac: Callable[[Array], Array],
        hess: Callable[[Array], Array] | None = None,
        check: Callable[[Array, int], None] | None = None,
        user: bool = False,
        label: str | None = None,
        kinks: bool = False,
        expr: Any = None,
        takes_vectors: bool = False,
        precise: Callable[[Array], float] | None = None,
    ) -> None:
        self.text = text
        self.label = label or text  # a short name for table cells
        self.names = tuple(names)
        self.fun = fun
        self.jac = jac
        self._hess = hess
        self._check = check
        self.user = user
        # True if f may fail to be differentiable where it is defined (it uses abs):
        # then a derivative is only reported after the one-sided slopes agree.
        self.kinks = kinks
        self.expr = expr  # the parsed calcquiz.expr.Expr of a user's function, else None
        self.takes_vectors = takes_vectors  # fun, jac and hess also take a Vector (built-ins)
        # The Newton distance at 60 digits (numerics.precise), for a user's function: it
        # confirms a stationary point float64 found (built-ins are smooth and well scaled).
        self.precise = precise

    @property
    def dim(self) -> int:
        return len(self.names)

    @property
    def hessian(self) -> Callable[[Array], Array] | None:
        """The Hessian function, or None if this objective has none."""
        return self.hess if self._hess is not None else None

    def hess(self, p: Array) -> Array:
        if self._hess is None:
            raise BadInputError(f"no Hessian for {self.text}")
        return self._hess(p)

    def point(self, values: Sequence[float], *, light: bool = False) -> Array:
        """A point for this objective: a Vector if ``light`` and the objective takes one
        (so a run on it needs no numpy), else a float64 array."""
        if light and self.takes_vectors:
            return Vector(values)
        import numpy as np

        return np.array(values, dtype=np.float64)

    def check(self, p: Array, order: int = 1) -> None:
        """Raise ExpressionError unless f (and derivatives up to ``order``) are finite at p."""
        if self._check is not None:
            self._check(p, order)

    def __repr__(self) -> str:
        return f"Objective({self.text!r})"


# --- User functions ---------------------------------------------------------------------


def from_text(
    text: str, *, min_dim: int = 1, max_dim: int = 3, option: str = "--f", what: str = "f"
) -> Objective:
    """An Objective from the user's expression. Its dimension is set by the last variable
    it uses: ``y**2`` is a function of (x, y). Raises ExpressionError or BadInputError."""
    from calcquiz import expr

    parsed = expr.parse(text)
    dim = max([min_dim, *(ALL_NAMES.index(v) + 1 for v in parsed.variables)])
    if dim > max_dim:
        allowed = ", ".join(ALL_NAMES[:max_dim])
        raise BadInputError(f"{option}: this demo takes a function of {allowed} only")
    names = ALL_NAMES[:dim]
    return from_expr(parsed, names, what=what)


_CACHE: dict[tuple[str, tuple[str, ...], str], Objective] = {}
_CACHE_SIZE = 32


def from_expr(parsed: Any, names: Sequence[str], what: str = "f") -> Objective:
    """An Objective from a parsed :class:`calcquiz.expr.Expr` in the variables ``names``.

    The last few are kept by canonical text: running several demos on one function in one
    process differentiates it once (an Objective holds no state of a run)."""
    key = (parsed.text, tuple(names), what)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = _from_expr(parsed, tuple(names), what)
    return _CACHE[key]


def _from_expr(parsed: Expr, names: tuple[str, ...], what: str) -> Objective:
    user = _UserFunction(parsed, names, what)
    return Objective(parsed.text, names, user.fun, user.jac, user.hess, user.check, user=True,
                     kinks=has_kinks(parsed.node), expr=parsed, precise=user.precise)


class _UserFunction:
    """A user's function (``what`` = its text) and its derivatives by sympy through
    :mod:`calcquiz.expr`: the gradient's at once, the Hessian's and the precise distance to
    a stationary point the first time they are asked for. Values are computed in float64
    by compiled scalar functions (inf or nan where undefined); :meth:`check` is strict."""

    def __init__(self, parsed: Expr, names: tuple[str, ...], what: str):
        self.parsed, self.names, self.what = parsed, names, what
        self.grads = [parsed.diff(n) for n in names]
        self._f = parsed.scalar_function(names)
        self._g = [g.scalar_function(names) for g in self.grads]

    @cached_property
    def hessian_exprs(self) -> list[list[Expr]]:
        """The second partials, each differentiated once: below the diagonal, the entry
        above it."""
        n = len(self.names)
        upper = {(i, j): self.grads[i].diff(self.names[j]) for i in range(n) for j in range(i, n)}
        return [[upper[min(i, j), max(i, j)] for j in range(n)] for i in range(n)]

    @cached_property
    def _h(self) -> list[list[Callable[..., float]]]:
        return [[h.scalar_function(self.names) for h in row] for row in self.hessian_exprs]

    def fun(self, p: Array) -> float:
        return self._f(*p.tolist())

    def jac(self, p: Array) -> Array:
        import numpy as np

        args = p.tolist()
        return np.array([g(*args) for g in self._g])

    def hess(self, p: Array) -> Array:
        import numpy as np

        args = p.tolist()
        return np.array([[h(*args) for h in row] for row in self._h])

    def check(self, p: Array, order: int) -> None:
        """ExpressionError where f (and with ``order`` 1 or 2, its gradient or Hessian) is
        undefined or not finite at p."""
        values = {n: float(v) for n, v in zip(self.names, p, strict=True)}
        try:
            self.parsed.evaluate(check=True, **values)
            if order >= 1:
                for n, g in zip(self.names, self.grads, strict=True):
                    _checked(g, values, f"d{self.what}/d{n}")
            if order >= 2:
                for row in self.hessian_exprs:
                    for h in row:
                        _checked(h, values, f"the Hessian of {self.what}")
        except ExpressionError as exc:
            raise ExpressionError(f"{self.what} = {self.parsed.text}: {exc}") from None

    @cached_property
    def _precise(self) -> PreciseDistance:
        from calcquiz.numerics.precise import PreciseDistance

        return PreciseDistance(
            [symbolic_name(n) for n in self.names], [g.to_sympy() for g in self.grads],
            [[h.to_sympy() for h in row] for row in self.hessian_exprs])

    def precise(self, p: Array) -> float:
        """|H⁻¹ ∇f(p)| computed precisely (:class:`calcquiz.numerics.precise.PreciseDistance`)."""
        return self._precise(p)


def symbolic_name(name: str) -> Any:
    """The sympy symbol calcquiz.expr uses for a variable."""
    from calcquiz.expr import symbolic

    return symbolic.symbol(name)


EXACT_DEGREE = 12


def exact_kind(obj: Objective, p: Array) -> str | None:
    """The kind of the Hessian at p computed exactly (sympy, p's float64 values as exact
    rationals) when f is a user's polynomial of degree ≤ EXACT_DEGREE; None otherwise. See
    calcquiz.numerics.critical.exact_inertia."""
    if obj.expr is None:
        return None
    import sympy

    from calcquiz.numerics.critical import exact_inertia, kind_from_inertia

    e = obj.expr.to_sympy()
    by_name = {s.name: s for s in e.free_symbols}
    symbols = [by_name.get(n, sympy.Symbol(n, real=True)) for n in obj.names]
    # Small polynomials only: exact rationals of a large degree grow without bound.
    if not e.is_polynomial(*symbols) or sympy.Poly(e, *symbols).total_degree() > EXACT_DEGREE:
        return None
    point = {s: sympy.Rational(float(v)) for s, v in zip(symbols, p, strict=True)}
    inertia = exact_inertia(sympy.hessian(e, symbols).subs(point))
    return kind_from_inertia(inertia) if inertia is not None else None


def has_kinks(node: Any) -> bool:
    """True if f may have a kink or an unbounded slope where it is defined: the tree calls
    abs or sign, or takes a root (sqrt, or ^ with an exponent that is not a whole number):
    sqrt(x^2) is |x| and (x^2)^(1/3) has a cusp, whatever the spelling. The one-sided
    test (:func:`calcquiz.numerics.differences.differentiability`) then decides."""
    from calcquiz import expr

    if isinstance(node, expr.Call):
        return node.func in ("abs", "sign", "sqrt") or has_kinks(node.arg)
    if isinstance(node, expr.BinOp):
        if node.op == "^" and not (isinstance(node.right, expr.Num)
                                   and float(node.right.value).is_integer()):
            return True
        return has_kinks(node.left) or has_kinks(node.right)
    if isinstance(node, expr.Neg):
        return has_kinks(node.arg)
    return False


def _checked(e: Any, values: dict[str, float], label: str) -> None:
    try:
        e.evaluate(**values)
    except ExpressionError as exc:
        raise ExpressionError(f"{label} = {exc}") from None


def builtin(
    text: str,
    names: Sequence[str],
    fun: Callable[[Array], Any],
    jac: Callable[[Array], Any],
    hess: Callable[[Array], Any] | None = None,
    label: str | None = None,
) -> Objective:
    """An objective from formulas written once for either kind of point: ``fun(p)`` a
    number, ``jac(p)`` a sequence of numbers, ``hess(p)`` a sequence of rows. Each returns
    the kind of ``p`` (:func:`~calcquiz.numerics.vector.like`). On a Vector they compute in
    Python floats, the same IEEE operations as on an array; where Python raises instead
    (``x ** 2`` past 1e154, a division by 0) the formula is run again on a numpy array,
    which gives the inf or nan that the array path gives."""

    def f(p: Array) -> float:
        return float(_either(fun, p))

    def g(p: Array) -> Array:
        return like(p, _either(jac, p))

    h = None
    if hess is not None:
        hess_fn = hess

        def h(p: Array) -> Array:
            return matrix_like(p, _either(hess_fn, p))

    return Objective(text, names, f, g, h, label=label, takes_vectors=True)


def _either(formula: Callable[[Array], Any], p: Array) -> Any:
    if isinstance(p, Vector):
        try:
            return formula(p)
        except (OverflowError, ZeroDivisionError):
            p = p.numpy()
    with quiet():
        return formula(p)


# --- Built-in functions, each beside its derivatives ------------------------------------


def rosen(p: Array) -> Any:
    """Rosenbrock: (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at (1, 1)."""
    x, y = p
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def rosen_der(p: Array) -> Array:
    import numpy as np

    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def rosen_hess(p: Array) -> Array:
    import numpy as np

    x, y = p
    return np.array([[1200 * x**2 - 400 * y + 2, -400 * x], [-400 * x, 200.0]])


ROSENBROCK = builtin(
    "(1 - x)^2 + 100 (y - x^2)^2", ("x", "y"), rosen, rosen_der, rosen_hess, label="Rosenbrock"
)


def _bowl(p: Array) -> Any:
    x, y = p
    return (x - 3) ** 2 + 2 * (y + 1) ** 2


def _bowl_der(p: Array) -> Sequence[float]:
    x, y = p
    return (2 * (x - 3), 4 * (y + 1))


def _bowl_hess(p: Array) -> Sequence[Sequence[float]]:
    return ((2.0, 0.0), (0.0, 4.0))


BOWL = builtin("(x - 3)^2 + 2 (y + 1)^2", ("x", "y"), _bowl, _bowl_der, _bowl_hess)


def _ravine(p: Array) -> Any:
    x, y = p
    return (x**2 + 50 * y**2) / 2


def _ravine_der(p: Array) -> Sequence[float]:
    x, y = p
    return (x, 50 * y)


def _ravine_hess(p: Array) -> Sequence[Sequence[float]]:
    return ((1.0, 0.0), (0.0, 50.0))


RAVINE = builtin("(x^2 + 50 y^2) / 2", ("x", "y"), _ravine, _ravine_der, _ravine_hess)


def diagonal_quadratic(text: str, a: float, b: float) -> Objective:
    """f(x, y) = a x^2 + b y^2: grad f = (2a x, 2b y), Hessian diag(2a, 2b)."""

    def fun(p: Array) -> Any:
        x, y = p
        return a * x**2 + b * y**2

    def jac(p: Array) -> Sequence[float]:
        x, y = p
        return (2 * a * x, 2 * b * y)

    def hess(p: Array) -> Sequence[Sequence[float]]:
        return ((2.0 * a, 0.0), (0.0, 2.0 * b))

    return builtin(text, ("x", "y"), fun, jac, hess)


SADDLE = diagonal_quadratic("x^2 - y^2", 1.0, -1.0)


def _square(p: Array) -> Any:
    return p[0] ** 2


def _square_der(p: Array) -> Sequence[float]:
    return (2 * p[0],)


def _square_hess(p: Array) -> Sequence[Sequence[float]]:
    return ((2.0,),)


SQUARE = builtin("x^2", ("x",), _square, _square_der, _square_hess)


def _double_well(p: Array) -> Any:
    x = p[0]
    return x**4 - 3 * x**2 + x


def _double_well_der(p: Array) -> Sequence[float]:
    x = p[0]
    return (4 * x**3 - 6 * x + 1,)


def _double_well_hess(p: Array) -> Sequence[Sequence[float]]:
    return ((12 * p[0] ** 2 - 6,),)


DOUBLE_WELL = builtin(
    "x^4 - 3 x^2 + x", ("x",), _double_well, _double_well_der, _double_well_hess
)
# f' = 4x^3 - 6x + 1 as numpy.roots coefficients: the stationary points of DOUBLE_WELL.
DOUBLE_WELL_DER_COEFFS = (4.0, 0.0, -6.0, 1.0)
