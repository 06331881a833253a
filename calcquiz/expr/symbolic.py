"""sympy, both ways, within a budget. sympy is imported only here, and only when asked.

Exact derivatives can cost far more than the expression they come from: the chain and
product rules copy subtrees, so 99 nested ``sin`` or a product of 50 linear factors take
sympy many seconds and hundreds of MB. Before any sympy work the tree is measured
(:func:`calcquiz.expr.tree.measure`) and refused with "too complex" past any of:

* ``MAX_SYMBOLIC_NODES`` nodes or ``MAX_SYMBOLIC_DEPTH`` levels in the tree itself;
* ``MAX_DERIVATIVE_NODES`` nodes in its first derivative before simplification;
* ``MAX_DEGREE`` as its polynomial degree (exp(x^9) counts 9);
* ``MAX_SYMBOLIC_SECONDS`` of sympy time spent on one expression and its derivatives.

The size limits keep each sympy call well under a second on a slow machine (see
``benchmarks/``); the time limit stops a Hessian's nine derivatives from adding up.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from calcquiz.errors import ExpressionError
from calcquiz.expr.functions import BY_NAME, TABLE
from calcquiz.expr.tree import BinOp, Call, Const, Neg, Node, Num, Var, measure

if TYPE_CHECKING:
    import sympy

MAX_SYMBOLIC_NODES = 2000
MAX_SYMBOLIC_DEPTH = 40
MAX_DERIVATIVE_NODES = 2500
MAX_DEGREE = 1000.0
MAX_SYMBOLIC_SECONDS = 0.75
TOO_COMPLEX = "expression too complex for exact derivatives"


@dataclass
class Budget:
    """sympy seconds spent on one typed expression and everything derived from it."""

    seconds: float = 0.0

    def charge(self, started: float) -> None:
        self.seconds += time.perf_counter() - started


def check_budget(node: Node, budget: Budget, *, derivative: bool) -> None:
    """Raise ExpressionError ("too complex") if sympy work on ``node`` is over budget."""
    c = measure(node)
    if c.size > MAX_SYMBOLIC_NODES:
        problem = f"{c.size} nodes (the limit is {MAX_SYMBOLIC_NODES})"
    elif c.depth > MAX_SYMBOLIC_DEPTH:
        problem = f"nested {c.depth} levels deep (the limit is {MAX_SYMBOLIC_DEPTH})"
    elif c.degree > MAX_DEGREE:
        problem = f"degree {c.degree:g} (the limit is {MAX_DEGREE:g})"
    elif derivative and c.derivative > MAX_DERIVATIVE_NODES:
        problem = (f"its derivatives would have about {c.derivative} nodes "
                   f"(the limit is {MAX_DERIVATIVE_NODES})")
    elif budget.seconds > MAX_SYMBOLIC_SECONDS:
        problem = f"more than {MAX_SYMBOLIC_SECONDS:g} s of symbolic work"
    else:
        return
    raise ExpressionError(f"{TOO_COMPLEX}: {problem}")


# --- our tree -> sympy ---------------------------------------------------------------------

_SYMBOLS: dict[str, sympy.Symbol] = {}  # one real Symbol per name, made once


def symbol(name: str) -> sympy.Symbol:
    if name not in _SYMBOLS:
        import sympy

        _SYMBOLS[name] = sympy.Symbol(name, real=True)
    return _SYMBOLS[name]


def to_sympy(node: Node) -> Any:
    """The tree as a sympy object, built node by node (never from text). The caller has
    checked the budget, so the recursion is at most MAX_SYMBOLIC_DEPTH deep."""
    import sympy

    if isinstance(node, Num):
        if node.value.is_integer():
            return sympy.Integer(int(node.value))
        return sympy.Rational(repr(node.value))  # exact decimal: 0.1 -> 1/10
    if isinstance(node, Const):
        return sympy.pi if node.name == "pi" else sympy.E
    if isinstance(node, Var):
        return symbol(node.name)
    if isinstance(node, Neg):
        return -to_sympy(node.arg)
    if isinstance(node, BinOp):
        a, b = to_sympy(node.left), to_sympy(node.right)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        if node.op == "/":
            return a / b
        return a**b
    return BY_NAME[node.func].sympy(sympy, to_sympy(node.arg))


# --- sympy -> our tree -----------------------------------------------------------------------


def from_sympy_node(e: Any, variables: tuple[str, ...]) -> Node:
    """Our tree for a sympy expression made of whitelisted operations, written as a person
    would: x/2 rather than x*2^-1, sqrt(x) rather than x^(1/2), terms in sympy's order."""
    import sympy

    return _Reader(sympy, variables).read(e)


class _Reader:
    def __init__(self, sympy: Any, variables: tuple[str, ...]) -> None:
        self.sp = sympy
        self.variables = variables
        self.classes = {getattr(sympy, f.sympy_class): f.name for f in TABLE if f.sympy_class}
        self.nodes = 0

    def read(self, e: Any) -> Node:
        self.nodes += 1
        if self.nodes > MAX_DERIVATIVE_NODES * 4:
            raise ExpressionError(f"{TOO_COMPLEX}: its derivative is too large")
        sp = self.sp
        if e.is_Symbol:
            if e.name not in self.variables:
                raise ExpressionError(f"unexpected symbol {e.name} in a derivative")
            return Var(e.name)
        if e is sp.pi:
            return Const("pi")
        if e is sp.E:
            return Const("e")
        if e.is_Number:
            return self.number(e)
        if e.is_Add:
            return _balanced("+", [self.read(t) for t in e.as_ordered_terms()])
        if e.is_Mul:
            return self.product(e)
        if e.is_Pow:
            return self.power(*e.args)
        name = self.classes.get(type(e))
        if name is None or len(e.args) != 1:
            raise ExpressionError(f"cannot evaluate {type(e).__name__} in a derivative")
        return Call(name, self.read(e.args[0]))

    def number(self, e: Any) -> Node:
        # p/q stays a fraction while both parts are exact in float64; a float typed by the
        # user comes back as a Rational with a huge q (2.23e-308), best read as one float.
        if e.is_Rational and e.q != 1 and max(abs(e.p), e.q) < 2**53:
            return BinOp("/", self.number(self.sp.Integer(e.p)), Num(float(e.q)))
        try:
            value = float(e)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            shown = str(e) if len(str(e)) <= 30 else "a number beyond float64's range"
            raise ExpressionError(f"the derivative is undefined ({shown})")
        return Num(value)

    def product(self, e: Any) -> Node:
        top: list[Node] = []
        bottom: list[Node] = []
        for factor in e.as_ordered_factors():
            if factor.is_Rational and factor.q != 1:
                top.append(self.number(self.sp.Integer(factor.p)))
                bottom.append(Num(float(factor.q)))
            elif factor.is_Pow and factor.args[1].is_Number and factor.args[1] < 0:
                bottom.append(self.power(factor.args[0], -factor.args[1]))
            else:
                top.append(self.read(factor))
        numerator = _balanced("*", top) if top else Num(1.0)
        return BinOp("/", numerator, _balanced("*", bottom)) if bottom else numerator

    def power(self, base: Any, exponent: Any) -> Node:
        half = self.sp.Rational(1, 2)
        if exponent == half:
            return Call("sqrt", self.read(base))
        if exponent.is_Number and exponent < 0:
            return BinOp("/", Num(1.0), self.power(base, -exponent))
        if exponent == 1:
            return self.read(base)
        return BinOp("^", self.read(base), self.read(exponent))


def _balanced(op: str, nodes: list[Node]) -> Node:
    """a op b op c ... as a balanced tree: depth log2(n), not n, for long sums."""
    while len(nodes) > 1:
        paired = [BinOp(op, nodes[i], nodes[i + 1]) for i in range(0, len(nodes) - 1, 2)]
        nodes = paired + ([nodes[-1]] if len(nodes) % 2 else [])
    return nodes[0]
