"""The whitelist: text -> our tree, refusing everything else with a one-line message.

Text is parsed with ``ast.parse(mode="eval")`` and the Python tree is walked against a
whitelist; nothing is handed to ``eval``, ``exec``, ``sympify`` or ``parse_expr``.
Hostile input is refused quickly: the text is limited to ``MAX_LENGTH`` characters, the
tree to ``MAX_DEPTH`` levels, constant exponents to ``MAX_EXPONENT``, and constants must
stay finite, so ``9**9**9`` is refused before anything is computed.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from collections.abc import Sequence
from typing import TypeAlias

import numpy as np

from calcquiz.errors import ExpressionError
from calcquiz.expr.evaluate import compile_numpy
from calcquiz.expr.expression import Expr
from calcquiz.expr.functions import FUNCTIONS
from calcquiz.expr.symbolic import Budget
from calcquiz.expr.tree import CONSTANTS, BinOp, Call, Const, Neg, Node, Num, Var
from calcquiz.expr.unparse import to_text
from calcquiz.suggest import did_you_mean

MAX_LENGTH = 500
MAX_DEPTH = 100
MAX_EXPONENT = 1000.0
# Bound on the decimal digits of any number sympy may build from the expression
# (coefficients grow under constant powers: (1e300*x)**1000 would need 300,000 digits).
MAX_DIGITS = 4000.0
MAX_LIST_DEPTH = 2
_TOO_DEEP = f"expression nested too deeply (the limit is {MAX_DEPTH} levels)"

VARIABLES: tuple[str, ...] = ("x", "y", "z")
_UNICODE = {"−": "-", "×": "*", "·": "*", "÷": "/", "π": "pi", "²": "^2", "³": "^3"}


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
    budget = Budget()  # one function: its components share the symbolic time budget
    out = []
    for part in parts:
        node = builder.build(part)
        out.append(Expr(node, to_text(node), variables, budget))
    return out


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
        hint = did_you_mean(name, pool)
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
                value = float(compile_numpy(node)({}))
        except FloatingPointError as exc:
            problem = "too large" if "overflow" in str(exc) else "undefined"
            raise ExpressionError(f"{to_text(node)} is {problem} ({exc})") from None
        if not math.isfinite(value):
            raise ExpressionError(f"{to_text(node)} is undefined or too large")
        return value




def _digits(value: float) -> float:
    return abs(math.log10(abs(value))) if value else 0.0
