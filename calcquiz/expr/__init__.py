"""Safe math expressions: the whitelist parser for what users type (``--f``, drill answers).

* variables ``x``, ``y``, ``z`` (or fewer, as the caller says), numbers, ``pi`` and ``e``;
* ``+ - * / **`` and ``^`` (``^`` means power, as in math), unary minus, parentheses;
* the functions of :data:`functions.TABLE` with one argument each: ``sin cos tan exp log
  ln sqrt tanh abs sigmoid`` (``log`` and ``ln`` are both the natural log;
  ``sigmoid(t) = 1 / (1 + exp(-t))``).

Everything else is refused with :class:`~calcquiz.errors.ExpressionError` and a one-line
message. Where each idea lives:

* :mod:`.functions`: the one table of functions, all forms of each side by side;
* :mod:`.parse`: text -> tree through the whitelist (``parse``, ``parse_answer``, ...);
* :mod:`.tree`: the tree's nodes and measures of it (size, depth, degree);
* :mod:`.evaluate`: the tree computed with numpy or the math module;
* :mod:`.symbolic`: sympy both ways, within a budget ("too complex" past it);
* :mod:`.unparse`: the tree back to ASCII text that parses again (for people,
  :mod:`calcquiz.pretty_expr` prints that text as math);
* :mod:`.expression`: :class:`Expr`, which ties these together.

Values are computed in float64. :meth:`Expr.evaluate` is strict by default: a point where
the expression is undefined (``log(-1)``, ``1/0``) or not finite raises
``ExpressionError``; ``check=False`` lets inf and nan through, for runs that may diverge.
Derivatives come from sympy (imported only when :meth:`Expr.to_sympy` or :meth:`Expr.diff`
is called) and are turned back into an :class:`Expr`, evaluated by the same code.
"""

from __future__ import annotations

from calcquiz.expr.expression import Expr, from_sympy
from calcquiz.expr.functions import FUNCTIONS, TABLE, Function
from calcquiz.expr.parse import (
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_LENGTH,
    VARIABLES,
    Answer,
    parse,
    parse_answer,
    parse_components,
    parse_numbers,
)
from calcquiz.expr.symbolic import (
    MAX_DEGREE,
    MAX_DERIVATIVE_NODES,
    MAX_SYMBOLIC_DEPTH,
    MAX_SYMBOLIC_NODES,
    MAX_SYMBOLIC_SECONDS,
    TOO_COMPLEX,
)
from calcquiz.expr.tree import (
    CONSTANTS,
    BinOp,
    Call,
    Complexity,
    Const,
    Neg,
    Node,
    Num,
    Var,
    measure,
)
from calcquiz.expr.unparse import to_text

__all__ = [
    "CONSTANTS", "FUNCTIONS", "MAX_DEGREE", "MAX_DEPTH", "MAX_DERIVATIVE_NODES", "MAX_DIGITS",
    "MAX_EXPONENT", "MAX_LENGTH", "MAX_SYMBOLIC_DEPTH", "MAX_SYMBOLIC_NODES",
    "MAX_SYMBOLIC_SECONDS", "TABLE", "TOO_COMPLEX", "VARIABLES", "Answer", "BinOp", "Call",
    "Complexity", "Const", "Expr", "Function", "Neg", "Node", "Num", "Var", "from_sympy",
    "measure", "parse", "parse_answer", "parse_components", "parse_numbers", "to_text",
]
