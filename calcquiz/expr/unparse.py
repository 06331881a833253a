"""A tree back to text: :func:`to_text` is ASCII that :func:`calcquiz.expr.parse` reads
again to the same values (``^`` for power, ``*`` written out), what ``--f`` options and JSON
carry. For people it goes through :func:`calcquiz.pretty_expr.pretty_text`
(``3x² − sin(x)/2``, ``√x``), the one printer for reading.

It drops what a person would not write: ``1*x`` is ``x``, ``-1*x`` is ``-x``,
``x + -3`` is ``x - 3``, and ``a - (b - c)`` is ``a - b + c``. Sums and products are
flattened with explicit stacks, so long ones cost no recursion.
"""

from __future__ import annotations

from dataclasses import dataclass

from calcquiz.expr.tree import BinOp, Call, Const, Neg, Node, Num, Var

SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5


def to_text(node: Node) -> str:
    """ASCII that parses back to the same function: ``3*x^2 - 2*x``."""
    return _Printer().text(node)


def number_text(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


@dataclass
class _Printer:
    def text(self, node: Node) -> str:
        return self._print(node)[0]

    def _print(self, node: Node) -> tuple[str, int]:
        """(text, precedence of its outermost operation)."""
        if isinstance(node, Num):
            s = number_text(abs(node.value))
            return ("-" + s, UNARY) if node.value < 0 else (s, ATOM)
        if isinstance(node, Const):
            return node.name, ATOM
        if isinstance(node, Var):
            return node.name, ATOM
        if isinstance(node, Call):
            return self._call(node), ATOM
        if isinstance(node, BinOp) and node.op == "^":
            return self._power(node), POWER
        if isinstance(node, BinOp) and node.op in "+-":
            return self._sum(node), SUM
        negative, body = _strip_sign(node)
        text, prec = self._product(body) if isinstance(body, BinOp) else self._print(body)
        if negative:
            return "-" + self._wrap_text(text, prec, PRODUCT), UNARY
        return text, prec

    def _wrap(self, node: Node, least: int) -> str:
        text, prec = self._print(node)
        return self._wrap_text(text, prec, least)

    @staticmethod
    def _wrap_text(text: str, prec: int, least: int) -> str:
        return text if prec >= least else f"({text})"

    def _call(self, node: Call) -> str:
        return f"{node.func}({self._print(node.arg)[0]})"

    def _power(self, node: BinOp) -> str:
        text, prec = self._print(node.right)
        return f"{self._wrap(node.left, ATOM)}^{self._wrap_text(text, prec, POWER)}"  # x^y^z

    def _sum(self, node: Node) -> str:
        out: list[str] = []
        for negative, term in _terms(node):
            text = self._wrap(term, PRODUCT)
            if not out:
                out.append("-" + text if negative else text)
            else:
                out.append(f" {'-' if negative else '+'} {text}")
        return "".join(out)

    def _product(self, node: BinOp) -> tuple[str, int]:
        _, top, bottom = _factors(node)
        if not top and not bottom:
            return "1", ATOM
        numerator = self._join(top) if top else "1"
        if not bottom:
            return numerator, (PRODUCT if len(top) > 1 else self._print(top[0])[1])
        if len(bottom) == 1:
            return f"{numerator}/{self._wrap(bottom[0], POWER)}", PRODUCT
        return f"{numerator}/({self._join(bottom)})", PRODUCT

    def _join(self, factors: list[Node]) -> str:
        if len(factors) == 1:
            return self._wrap(factors[0], PRODUCT)
        return "*".join(self._wrap(f, POWER if i else PRODUCT + 1) for i, f in enumerate(factors))


def _strip_sign(node: Node) -> tuple[bool, Node]:
    """(whether the node is minus something, that something) for -x, -3*x, x*(-2)."""
    negative = False
    while isinstance(node, Neg):
        negative, node = not negative, node.arg
    if isinstance(node, BinOp) and node.op in "*/":
        negative ^= _factors(node)[0]
    elif isinstance(node, Num) and node.value < 0:
        return not negative, Num(-node.value)
    return negative, node


def _abs_factor(node: Node) -> tuple[bool, Node | None]:
    """(whether the factor is negative, the factor without its sign or None if that is 1)."""
    negative = False
    while isinstance(node, Neg):
        negative, node = not negative, node.arg
    if isinstance(node, Num):
        negative ^= node.value < 0
        return negative, (None if abs(node.value) == 1.0 else Num(abs(node.value)))
    return negative, node


def _factors(node: BinOp) -> tuple[bool, list[Node], list[Node]]:
    """(sign, numerator factors, denominator factors) of a product or quotient, with the
    factors' signs and 1s taken out. The right side of ``/`` is one unit (its products
    are flattened into the denominator, a quotient inside it keeps its parentheses)."""
    negative = False
    top: list[Node] = []
    bottom: list[Node] = []
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        item, below = stack.pop()
        if isinstance(item, Neg) and isinstance(item.arg, BinOp) and item.arg.op in "*/":
            stack.append((Num(-1.0), below))
            stack.append((item.arg, below))
            continue
        if isinstance(item, BinOp) and item.op == "*":
            stack.append((item.right, below))
            stack.append((item.left, below))
            continue
        if isinstance(item, BinOp) and item.op == "/" and not below:
            stack.append((item.right, True))
            stack.append((item.left, False))
            continue
        flip, kept = _abs_factor(item)
        negative ^= flip
        if kept is not None:
            (bottom if below else top).append(kept)
    return negative, top, bottom


def _terms(node: Node) -> list[tuple[bool, Node]]:
    """The terms of a sum with their signs: a - (b - c) gives (+a, -b, +c)."""
    out: list[tuple[bool, Node]] = []
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        item, negative = stack.pop()
        if isinstance(item, BinOp) and item.op in "+-":
            stack.append((item.right, negative ^ (item.op == "-")))
            stack.append((item.left, negative))
            continue
        if isinstance(item, Neg):
            stack.append((item.arg, not negative))
            continue
        flip, _ = _strip_sign(item)
        out.append((negative ^ flip, _unsigned(item) if flip else item))
    return out


def _unsigned(node: Node) -> Node:
    """A negative term without its sign: -3*x -> 3*x, x*(-2) -> x*2 (printed 2*x later)."""
    while isinstance(node, Neg):
        node = node.arg
    if isinstance(node, Num):
        return Num(abs(node.value))
    if isinstance(node, BinOp) and node.op in "*/":
        return BinOp("*", Num(-1.0), node)  # the product printer cancels the signs
    return node
