"""Writing a tree back as text that reads like math.

:func:`to_text` is ASCII that :func:`calcquiz.expr.parse` reads again to the same values
(``^`` for power, ``*`` written out): it is what ``--f`` options and JSON carry.
:func:`to_pretty` is for people only (``3x² − sin(x)/2``, ``√x``, ``|x|``, ``π``).

Both drop what a person would not write: ``1*x`` is ``x``, ``-1*x`` is ``-x``,
``x + -3`` is ``x - 3``, and ``a - (b - c)`` is ``a - b + c``. Sums and products are
flattened with explicit stacks, so long ones cost no recursion.
"""

from __future__ import annotations

from dataclasses import dataclass

from calcquiz.expr.functions import BY_NAME
from calcquiz.expr.tree import BinOp, Call, Const, Neg, Node, Num, Var

SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def to_text(node: Node) -> str:
    """ASCII that parses back to the same function: ``3*x^2 - 2*x``."""
    return _Printer(pretty=False).text(node)


def to_pretty(node: Node) -> str:
    """Unicode for reading, not for parsing: ``3x² − 2x``."""
    return _Printer(pretty=True).text(node)


def number_text(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


@dataclass
class _Printer:
    pretty: bool

    def text(self, node: Node) -> str:
        return self._print(node)[0]

    @property
    def minus(self) -> str:
        return "−" if self.pretty else "-"

    def _print(self, node: Node) -> tuple[str, int]:
        """(text, precedence of its outermost operation)."""
        if isinstance(node, Num):
            s = number_text(abs(node.value))
            return (self.minus + s, UNARY) if node.value < 0 else (s, ATOM)
        if isinstance(node, Const):
            return ("π" if self.pretty and node.name == "pi" else node.name), ATOM
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
            return self.minus + self._wrap_text(text, prec, PRODUCT), UNARY
        return text, prec

    def _wrap(self, node: Node, least: int) -> str:
        text, prec = self._print(node)
        return self._wrap_text(text, prec, least)

    @staticmethod
    def _wrap_text(text: str, prec: int, least: int) -> str:
        return text if prec >= least else f"({text})"

    def _call(self, node: Call) -> str:
        func = BY_NAME[node.func]
        inner = self._print(node.arg)[0]
        if not self.pretty:
            return f"{node.func}({inner})"
        if func.name == "abs":
            return f"|{inner}|"
        if func.name == "sqrt":
            return "√" + self._wrap(node.arg, ATOM)
        return f"{func.pretty}({inner})"

    def _power(self, node: BinOp) -> str:
        base = self._wrap(node.left, ATOM)
        exp = node.right
        sign = -1.0 if isinstance(exp, Neg) and isinstance(exp.arg, Num) else 1.0
        value = exp.arg if isinstance(exp, Neg) else exp
        if self.pretty and isinstance(value, Num) and value.value.is_integer():
            return base + number_text(sign * value.value).translate(_SUPERSCRIPT)
        text, prec = self._print(exp)
        # right-associative, x^y^z; for people, a power in an exponent gets parentheses
        return f"{base}^{self._wrap_text(text, prec, ATOM if self.pretty else POWER)}"

    def _sum(self, node: Node) -> str:
        out: list[str] = []
        for negative, term in _terms(node):
            text = self._wrap(term, PRODUCT)
            if not out:
                out.append(self.minus + text if negative else text)
            else:
                out.append(f" {self.minus if negative else '+'} {text}")
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
        texts = [self._wrap(f, POWER if i else PRODUCT + 1) for i, f in enumerate(factors)]
        if len(factors) == 1:
            return self._wrap(factors[0], PRODUCT)
        if not self.pretty:
            return "*".join(texts)
        out = texts[0]
        for prev, text in zip(factors, texts[1:], strict=False):
            # 3x, 2π, 2√x: a number before a variable reads as a product; otherwise a dot
            # (2·e, 2·exp(x): "2e" would read as a number)
            out += text if isinstance(prev, Num) and text[0] in "xyzπ√" else "·" + text
        return out


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
