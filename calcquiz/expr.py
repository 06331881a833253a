"""Safe math expressions: the whitelist parser for what users type (``--f``, drill answers).

Text is parsed with ``ast.parse(mode="eval")`` and the tree is walked against a whitelist;
nothing is ever handed to ``eval``, ``exec``, ``sympify`` or ``parse_expr``. What is allowed:

* variables ``x``, ``y``, ``z`` (or fewer, as the caller says), numbers, ``pi`` and ``e``;
* ``+ - * / **`` and ``^`` (``^`` means power, as in math), unary minus, parentheses;
* ``sin cos tan exp log ln sqrt tanh abs sigmoid`` with one argument each
  (``log`` and ``ln`` are both the natural log; ``sigmoid(t) = 1 / (1 + exp(-t))``).

Everything else is refused with :class:`~calcquiz.errors.ExpressionError` and a one-line
message. Hostile input is refused quickly: the text is limited to ``MAX_LENGTH``
characters, the tree to ``MAX_DEPTH`` levels, constant exponents to ``MAX_EXPONENT``, and
constants must stay finite, so ``9**9**9`` is refused before anything is computed.

Values are computed with numpy in float64. :meth:`Expr.evaluate` is strict by default: a
point where the expression is undefined (``log(-1)``, ``1/0``) or not finite raises
``ExpressionError``; ``check=False`` lets inf and nan through, for runs that may diverge.
Derivatives come from sympy (imported only when :meth:`Expr.to_sympy` or
:meth:`Expr.diff` is called) and are turned back into an :class:`Expr`, so they are
evaluated by the same code.
"""

from __future__ import annotations

import ast
import difflib
import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np

from calcquiz.errors import ExpressionError

MAX_LENGTH = 500
MAX_DEPTH = 100
MAX_EXPONENT = 1000.0
# Bound on the decimal digits of any number sympy may build from the expression
# (coefficients grow under constant powers: (1e300*x)**1000 would need 300,000 digits).
MAX_DIGITS = 4000.0
MAX_LIST_DEPTH = 2
_TOO_DEEP = f"expression nested too deeply (the limit is {MAX_DEPTH} levels)"

VARIABLES: tuple[str, ...] = ("x", "y", "z")
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
# Name -> canonical name. ``ln`` is an alias of ``log`` (natural log).
FUNCTIONS: dict[str, str] = {
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "exp": "exp",
    "log": "log",
    "ln": "log",
    "sqrt": "sqrt",
    "tanh": "tanh",
    "abs": "abs",
    "sigmoid": "sigmoid",
}
_UNICODE = {"−": "-", "×": "*", "·": "*", "÷": "/", "π": "pi", "²": "^2", "³": "^3"}


# --- The tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Const:
    name: str  # "pi" or "e"


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Neg:
    arg: Node


@dataclass(frozen=True)
class BinOp:
    op: str  # one of + - * / ^
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    func: str  # a canonical name from FUNCTIONS, or an internal one
    arg: Node


Node: TypeAlias = "Num | Const | Var | Neg | BinOp | Call"


def _sigmoid(t: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-t))


def _dirac(t: Any) -> Any:
    """The derivative of sign(t): 0 where t != 0, undefined (nan) at t = 0."""
    return np.where(t == 0, np.nan, 0.0)[()]


_NUMPY_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "abs": np.abs,
    "sigmoid": _sigmoid,
    "sign": np.sign,
    "dirac": _dirac,
}
_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "^": np.power,
}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}

Compiled = Callable[[Mapping[str, Any]], Any]


def _compile(node: Node) -> Compiled:
    """Nested closures computing the node with numpy (no eval, no code generation)."""
    if isinstance(node, Num):
        value = np.float64(node.value)
        return lambda env: value
    if isinstance(node, Const):
        const = np.float64(CONSTANTS[node.name])
        return lambda env: const
    if isinstance(node, Var):
        name = node.name
        return lambda env: env[name]
    if isinstance(node, Neg):
        arg = _compile(node.arg)
        return lambda env: np.negative(arg(env))
    if isinstance(node, BinOp):
        op, left, right = _BINARY[node.op], _compile(node.left), _compile(node.right)
        return lambda env: op(left(env), right(env))
    func, inner = _NUMPY_FUNCTIONS[node.func], _compile(node.arg)
    return lambda env: func(inner(env))


def _sign(t: float) -> float:
    return math.copysign(1.0, t) if t else 0.0


def _dirac_float(t: float) -> float:
    return 0.0 if t else math.nan


_MATH_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "abs": abs,
    "sigmoid": lambda t: 1.0 / (1.0 + math.exp(-t)),
    "sign": _sign,
    "dirac": _dirac_float,
}
_MATH_BINARY: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "^": math.pow,  # raises (never returns a complex) for a negative base
}
FloatCompiled = Callable[[Sequence[float]], float]


def _compile_float(node: Node, index: Mapping[str, int]) -> FloatCompiled:
    """Like :func:`_compile` on plain floats with the math module (several times faster);
    math raises where numpy would give inf or nan, and the caller falls back to numpy."""
    if isinstance(node, Num):
        value = node.value
        return lambda args: value
    if isinstance(node, Const):
        const = CONSTANTS[node.name]
        return lambda args: const
    if isinstance(node, Var):
        i = index[node.name]
        return lambda args: args[i]
    if isinstance(node, Neg):
        arg = _compile_float(node.arg, index)
        return lambda args: -arg(args)
    if isinstance(node, BinOp):
        op = _MATH_BINARY[node.op]
        left, right = _compile_float(node.left, index), _compile_float(node.right, index)
        return lambda args: op(left(args), right(args))
    func, inner = _MATH_FUNCTIONS[node.func], _compile_float(node.arg, index)
    return lambda args: func(inner(args))


def to_text(node: Node) -> str:
    """The node written back as text that :func:`parse` reads again (``^`` for power)."""
    return _text(node, 0)


def _text(node: Node, outer: int) -> str:
    if isinstance(node, Num):
        v = node.value
        s = str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
        return f"({s})" if v < 0 and outer > 0 else s
    if isinstance(node, (Const, Var)):
        return node.name
    if isinstance(node, Neg):
        s = "-" + _text(node.arg, 3)
        return f"({s})" if outer >= 3 else s
    if isinstance(node, BinOp):
        prec = _PRECEDENCE[node.op]
        if node.op == "^":  # right-associative
            s = f"{_text(node.left, prec + 1)}^{_text(node.right, prec)}"
        else:
            s = f"{_text(node.left, prec)} {node.op} {_text(node.right, prec + 1)}"
        return f"({s})" if prec < outer else s
    return f"{node.func}({_text(node.arg, 0)})"


# --- Expressions ------------------------------------------------------------------------


class Expr:
    """A parsed, whitelisted expression. Build one with :func:`parse`.

    ``variables`` are the variables it uses, in canonical order (x, y, z);
    ``allowed`` are the ones it may use (what :meth:`diff` accepts).
    """

    __slots__ = ("text", "node", "allowed", "variables", "_fn", "_diffs")

    def __init__(self, node: Node, text: str, allowed: Sequence[str]) -> None:
        self.node = node
        self.text = text
        self.allowed = tuple(allowed)
        used = _used_variables(node)
        self.variables = tuple(v for v in self.allowed if v in used)
        self._fn = _compile(node)
        self._diffs: dict[str, Expr] = {}

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"

    def evaluate(self, *, check: bool = True, **values: Any) -> Any:
        """The value at ``values`` (floats or numpy arrays), computed in float64.

        With ``check`` (the default) a point where the expression is undefined or not
        finite raises ExpressionError; ``check=False`` returns inf or nan there instead.
        """
        env: dict[str, Any] = {}
        for name in self.variables:
            if name not in values:
                raise ExpressionError(f"no value given for {name} in {self.text}")
            env[name] = np.asarray(values[name], dtype=np.float64)[()]
        if not check:
            with np.errstate(all="ignore"):
                return self._fn(env)
        where = ", ".join(f"{n}={_short(env[n])}" for n in self.variables)
        at = f" at {where}" if where else ""
        try:
            with np.errstate(divide="raise", invalid="raise", over="ignore", under="ignore"):
                value = self._fn(env)
        except FloatingPointError as exc:
            raise ExpressionError(f"{self.text} is undefined{at} ({exc})") from None
        if not np.all(np.isfinite(value)):
            raise ExpressionError(f"{self.text} is not finite{at} (it gives {_short(value)})")
        return value

    def scalar_function(self, names: Sequence[str]) -> Callable[..., float]:
        """A fast float function of the variables ``names``, taken positionally, for long
        loops. It gives what ``evaluate(check=False)`` gives: inf or nan where undefined."""
        index = {n: i for i, n in enumerate(names)}
        missing = [v for v in self.variables if v not in index]
        if missing:
            raise ExpressionError(f"no value given for {missing[0]} in {self.text}")
        fast = _compile_float(self.node, index)

        def call(*args: float) -> float:
            try:
                return float(fast(args))
            except (ValueError, ZeroDivisionError, OverflowError):
                values = dict(zip(names, args, strict=True))
                return float(self.evaluate(check=False, **values))

        return call

    def to_sympy(self) -> Any:
        """The same expression as a sympy object, built node by node (never from text)."""
        return _to_sympy(self.node)

    def diff(self, variable: str) -> Expr:
        """The exact partial derivative with respect to ``variable``, by sympy."""
        if variable not in self.allowed:
            raise ExpressionError(f"cannot differentiate with respect to {variable!r}")
        if variable not in self._diffs:
            import sympy

            derivative = sympy.diff(self.to_sympy(), _symbol(variable))
            self._diffs[variable] = from_sympy(derivative, self.allowed)
        return self._diffs[variable]


def _used_variables(node: Node) -> set[str]:
    if isinstance(node, Var):
        return {node.name}
    if isinstance(node, BinOp):
        return _used_variables(node.left) | _used_variables(node.right)
    if isinstance(node, (Neg, Call)):
        return _used_variables(node.arg)
    return set()


def _short(value: Any) -> str:
    if np.ndim(value) == 0:
        return f"{float(value):.6g}"
    return "[array]"


# --- Parsing ----------------------------------------------------------------------------


def parse(text: str, variables: Sequence[str] = VARIABLES) -> Expr:
    """Parse one expression in ``variables``; refuse anything outside the whitelist."""
    body = _parse_ast(text)
    if isinstance(body, ast.Tuple):
        raise ExpressionError("expected one expression, got a comma-separated list")
    node = _Builder(tuple(variables)).build(body)
    return Expr(node, _clean(text), variables)


def parse_components(text: str, variables: Sequence[str] = VARIABLES) -> list[Expr]:
    """Comma-separated components of a vector function, e.g. ``"x*y, x + sin(y)"``."""
    body = _parse_ast(text)
    parts = body.elts if isinstance(body, ast.Tuple) else [body]
    if not parts:
        raise ExpressionError("no components given")
    builder = _Builder(tuple(variables))
    out = []
    for part in parts:
        node = builder.build(part)
        out.append(Expr(node, to_text(node), variables))
    return out


def parse_number(text: str) -> float:
    """A number written as an expression without variables: ``"4/3"``, ``"ln(2)"``, ``"pi/4"``."""
    return float(parse(text, variables=()).evaluate())


def parse_numbers(text: str) -> list[float]:
    """A flat comma-separated list of numbers such as ``"1, -2"`` or ``"[2, pi/6]"``."""
    value = parse_answer(text)
    if isinstance(value, float):
        return [value]
    if any(isinstance(v, list) for v in value):
        raise ExpressionError("expected a flat list of numbers such as 1,2")
    return [float(v) for v in value]  # type: ignore[arg-type]


Answer: TypeAlias = "float | list[Answer]"


def parse_answer(text: str) -> Answer:
    """A numeric answer: a number, a list ``"[2, 6]"`` / ``"2, 6"``, or ``"[[2,1],[1,0]]"``.

    Numbers may be expressions without variables (``"sqrt(2)/2"``); lists nest at most
    two deep (a matrix).
    """
    body = _parse_ast(text)
    return _Builder(()).value(body, 0)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _parse_ast(text: str) -> ast.expr:
    if not isinstance(text, str):
        raise ExpressionError("expected text")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression too long ({len(text)} characters; the limit is {MAX_LENGTH})"
        )
    for old, new in _UNICODE.items():
        text = text.replace(old, new)
    if not text.strip():
        raise ExpressionError("empty expression")
    odd = sorted({c for c in text if not (c.isascii() and (c.isprintable() or c in " \t"))})
    if odd:
        raise ExpressionError(f"character {odd[0]!r} is not allowed")
    source = text.replace("^", "**").strip()
    try:
        with warnings.catch_warnings():  # "1if" and the like warn before they fail
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(_syntax_message(source, exc)) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(_TOO_DEEP) from None
    return tree.body


_IMPLICIT_PRODUCT = re.compile(r"(?<![\w.])\d+(?:\.\d*)?\s*(?!e[+-]?\d)[A-Za-z_(]|\)\s*[\w(]")


def _syntax_message(source: str, exc: SyntaxError) -> str:
    if _IMPLICIT_PRODUCT.search(source):
        return "malformed expression: multiplication must be explicit (write 2*x, not 2x)"
    column = f" at column {exc.offset}" if exc.offset else ""
    return f"malformed expression{column}: {exc.msg}"


_NODE_NAMES = {
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.Lambda: "lambda",
    ast.IfExp: "if/else",
    ast.List: "lists",
    ast.Tuple: "lists",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.Starred: "*args",
    ast.NamedExpr: ":=",
    ast.JoinedStr: "f-strings",
}
_OPERATORS = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Not: "not",
    ast.Invert: "~",
}


class _Builder:
    """Turns a Python ``ast`` into our own tree, refusing everything not whitelisted."""

    def __init__(self, variables: tuple[str, ...]) -> None:
        for v in variables:
            if v not in VARIABLES:
                raise ValueError(f"unsupported variable name: {v!r}")
        self.variables = variables

    def build(self, node: ast.expr) -> Node:
        try:
            out = self._node(node, 1)
        except RecursionError:
            raise ExpressionError(_TOO_DEEP) from None
        self._check_sizes(out)
        return out

    def value(self, node: ast.expr, depth: int) -> Answer:
        if isinstance(node, (ast.List, ast.Tuple)):
            if depth >= MAX_LIST_DEPTH:
                raise ExpressionError(f"lists nest at most {MAX_LIST_DEPTH} deep")
            if not node.elts:
                raise ExpressionError("empty list")
            return [self.value(e, depth + 1) for e in node.elts]
        built = self.build(node)
        return float(Expr(built, to_text(built), ()).evaluate())

    # The walk -------------------------------------------------------------------------

    def _node(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise ExpressionError(_TOO_DEEP)
        if isinstance(node, ast.Constant):
            return self._constant(node.value)
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return Neg(self._node(node.operand, depth + 1))
            if isinstance(node.op, ast.UAdd):
                return self._node(node.operand, depth + 1)
            raise ExpressionError(f"operator {_OPERATORS.get(type(node.op), '?')!r} is not allowed")
        if isinstance(node, ast.BinOp):
            ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "^"}
            op = ops.get(type(node.op))
            if op is None:
                symbol = _OPERATORS.get(type(node.op), type(node.op).__name__)
                raise ExpressionError(f"operator {symbol!r} is not allowed (use + - * / ^)")
            return BinOp(op, self._node(node.left, depth + 1), self._node(node.right, depth + 1))
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        what = _NODE_NAMES.get(type(node), type(node).__name__)
        raise ExpressionError(f"{what} not allowed in an expression")

    def _constant(self, value: object) -> Node:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if isinstance(value, complex):
                raise ExpressionError("complex numbers are not allowed")
            if isinstance(value, (str, bytes)):
                raise ExpressionError("text in quotes is not allowed in an expression")
            raise ExpressionError(f"{value!r} is not allowed in an expression")
        try:
            number = float(value)
        except OverflowError:
            raise ExpressionError("number too large") from None
        if not math.isfinite(number):
            raise ExpressionError("number too large")
        return Num(number)

    def _name(self, name: str) -> Node:
        if name in self.variables:
            return Var(name)
        if name in CONSTANTS:
            return Const(name)
        if name in FUNCTIONS:
            raise ExpressionError(f"{name} is a function: write {name}(...)")
        raise ExpressionError(self._unknown(name, "variable" if len(name) == 1 else "name"))

    def _call(self, node: ast.Call, depth: int) -> Node:
        if not isinstance(node.func, ast.Name):
            what = _NODE_NAMES.get(type(node.func), "this kind of call")
            raise ExpressionError(f"{what} not allowed in an expression")
        name = node.func.id
        if name not in FUNCTIONS:
            if name in self.variables or name in CONSTANTS:
                raise ExpressionError(f"{name} is not a function (write {name}*(...) to multiply)")
            raise ExpressionError(self._unknown(name, "function"))
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise ExpressionError(f"{name} takes exactly one argument")
        return Call(FUNCTIONS[name], self._node(node.args[0], depth + 1))

    def _unknown(self, name: str, kind: str) -> str:
        if kind == "function":
            pool = list(FUNCTIONS)
        elif kind == "variable":
            pool = [*self.variables, *CONSTANTS]
        else:
            pool = [*self.variables, *CONSTANTS, *FUNCTIONS]
        close = difflib.get_close_matches(name, pool, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        if kind == "function":
            allowed = ", ".join(sorted(set(FUNCTIONS)))
        elif self.variables:
            allowed = ", ".join(self.variables) + ", pi, e"
        else:
            allowed = "numbers, pi, e (no variables here)"
        return f"unknown {kind} {name!r}{hint} (allowed: {allowed})"

    # Size checks: refuse before sympy or numpy has to build something huge -------------

    def _check_sizes(self, node: Node) -> None:
        self._bounds(node)

    def _bounds(self, node: Node) -> tuple[float | None, float]:
        """(value if the node is constant, bound on the decimal digits of its numbers)."""
        if isinstance(node, Num):
            return node.value, _digits(node.value)
        if isinstance(node, Const):
            return CONSTANTS[node.name], 1.0
        if isinstance(node, Var):
            return None, 0.0
        if isinstance(node, Neg):
            value, digits = self._bounds(node.arg)
            return (None if value is None else -value), digits
        if isinstance(node, Call):
            value, digits = self._bounds(node.arg)
            if value is None:
                return None, digits
            result = self._fold(node)
            return result, max(digits, _digits(result))
        left, ld = self._bounds(node.left)
        right, rd = self._bounds(node.right)
        if node.op == "^" and right is not None:
            if abs(right) > MAX_EXPONENT:
                raise ExpressionError(
                    f"exponent {right:.6g} is too large (the limit is {MAX_EXPONENT:g})"
                )
            digits = abs(right) * ld + rd
        elif node.op in "*/":
            digits = ld + rd
        else:
            digits = max(ld, rd) + 1.0
        if digits > MAX_DIGITS:
            raise ExpressionError("numbers in the expression get too large")
        if left is None or right is None:
            return None, digits
        return self._fold(node), digits

    def _fold(self, node: Node) -> float:
        """The value of a constant part, which must be defined and finite."""
        try:
            with np.errstate(divide="raise", invalid="raise", over="raise", under="ignore"):
                value = float(_compile(node)({}))
        except FloatingPointError as exc:
            problem = "too large" if "overflow" in str(exc) else "undefined"
            raise ExpressionError(f"{to_text(node)} is {problem} ({exc})") from None
        if not math.isfinite(value):
            raise ExpressionError(f"{to_text(node)} is undefined or too large")
        return value


def _digits(value: float) -> float:
    return abs(math.log10(abs(value))) if value else 0.0


# --- sympy, both ways (imported only here, and only when asked) -------------------------

_SYMBOLS: dict[str, Any] = {}


def _symbol(name: str) -> Any:
    if name not in _SYMBOLS:
        import sympy

        _SYMBOLS[name] = sympy.Symbol(name, real=True)
    return _SYMBOLS[name]


def _sympy_number(value: float) -> Any:
    import sympy

    if value.is_integer():
        return sympy.Integer(int(value))
    return sympy.Rational(repr(value))  # exact decimal: 0.1 -> 1/10


def _to_sympy(node: Node) -> Any:
    import sympy

    if isinstance(node, Num):
        return _sympy_number(node.value)
    if isinstance(node, Const):
        return sympy.pi if node.name == "pi" else sympy.E
    if isinstance(node, Var):
        return _symbol(node.name)
    if isinstance(node, Neg):
        return -_to_sympy(node.arg)
    if isinstance(node, BinOp):
        a, b = _to_sympy(node.left), _to_sympy(node.right)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        if node.op == "/":
            return a / b
        return a**b
    arg = _to_sympy(node.arg)
    functions: dict[str, Callable[[Any], Any]] = {
        "sin": sympy.sin,
        "cos": sympy.cos,
        "tan": sympy.tan,
        "exp": sympy.exp,
        "log": sympy.log,
        "sqrt": sympy.sqrt,
        "tanh": sympy.tanh,
        "abs": sympy.Abs,
        "sigmoid": lambda t: 1 / (1 + sympy.exp(-t)),
        "sign": sympy.sign,
        "dirac": sympy.DiracDelta,
    }
    return functions[node.func](arg)


def from_sympy(expression: Any, variables: Sequence[str] = VARIABLES) -> Expr:
    """An :class:`Expr` from a sympy expression made of the whitelisted operations.

    Used for derivatives: sympy may add ``sign`` (from ``abs``) and ``DiracDelta``, which
    are evaluated as numpy's sign and as 0 away from 0 (undefined at 0).
    """
    node = _from_sympy(expression, tuple(variables))
    text = str(expression).replace("**", "^")
    return Expr(node, text, variables)


def _from_sympy(e: Any, variables: tuple[str, ...]) -> Node:
    import sympy

    if e.is_Symbol:
        if e.name not in variables:
            raise ExpressionError(f"unexpected symbol {e.name} in a derivative")
        return Var(e.name)
    if e is sympy.pi:
        return Const("pi")
    if e is sympy.E:
        return Const("e")
    if e.is_Number:
        value = float(e)
        if not math.isfinite(value):
            raise ExpressionError(f"the derivative is undefined ({e})")
        return Num(value)
    if e.is_Add or e.is_Mul:
        op = "+" if e.is_Add else "*"
        nodes = [_from_sympy(a, variables) for a in e.args]
        out = nodes[0]
        for n in nodes[1:]:
            out = BinOp(op, out, n)
        return out
    if e.is_Pow:
        base, exponent = e.args
        return BinOp("^", _from_sympy(base, variables), _from_sympy(exponent, variables))
    if isinstance(e, sympy.exp):
        return Call("exp", _from_sympy(e.args[0], variables))
    names = {
        sympy.sin: "sin",
        sympy.cos: "cos",
        sympy.tan: "tan",
        sympy.log: "log",
        sympy.tanh: "tanh",
        sympy.Abs: "abs",
        sympy.sign: "sign",
        sympy.DiracDelta: "dirac",
    }
    name = names.get(type(e))
    if name is None or (name != "dirac" and len(e.args) != 1):
        raise ExpressionError(f"cannot evaluate {type(e).__name__} in a derivative")
    return Call(name, _from_sympy(e.args[0], variables))
