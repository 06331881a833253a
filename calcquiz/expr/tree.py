"""The expression tree, and measures of it taken without recursion (any tree, any depth).

Nodes compare and hash by identity (``eq=False``): value equality on a frozen dataclass
would recurse through the whole tree, which is exactly what a deep tree must not do.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}


@dataclass(frozen=True, eq=False)
class Num:
    value: float


@dataclass(frozen=True, eq=False)
class Const:
    name: str  # "pi" or "e"


@dataclass(frozen=True, eq=False)
class Var:
    name: str


@dataclass(frozen=True, eq=False)
class Neg:
    arg: Node


@dataclass(frozen=True, eq=False)
class BinOp:
    op: str  # one of + - * / ^
    left: Node
    right: Node


@dataclass(frozen=True, eq=False)
class Call:
    func: str  # a name from functions.TABLE
    arg: Node


Node: TypeAlias = "Num | Const | Var | Neg | BinOp | Call"


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, BinOp):
        return (node.left, node.right)
    if isinstance(node, (Neg, Call)):
        return (node.arg,)
    return ()


def postorder(root: Node) -> Iterator[Node]:
    """Every node, children before parents, without recursion."""
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            yield node
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(children(node)))


def used_variables(root: Node) -> set[str]:
    return {n.name for n in postorder(root) if isinstance(n, Var)}


@dataclass(frozen=True)
class Complexity:
    """How much symbolic work a tree costs.

    ``depth`` counts nesting as a reader does: a long sum or product is one level.
    ``derivative`` bounds the node count of its first derivative before any
    simplification (the chain and product rules copy subtrees, so it grows like size
    times depth); ``degree`` bounds its polynomial degree (exp(x^9) counts 9).
    """

    size: int
    depth: int
    degree: float
    derivative: int


_Part = tuple[int, int, float, int, "float | None"]


def measure(root: Node) -> Complexity:
    # per node: (size, depth, degree, derivative size, value if constant), children first
    done: dict[int, _Part] = {}
    for node in postorder(root):
        parts = [done.pop(id(c)) for c in children(node)]
        done[id(node)] = _combine(node, parts)
    size, depth, degree, derivative, _ = done[id(root)]
    return Complexity(size, depth, degree, derivative)


def _combine(node: Node, parts: list[_Part]) -> _Part:
    size, depth, degree, derivative = _combine_sizes(node, parts)
    return size, depth, degree, derivative, _constant(node, parts)


def _constant(node: Node, parts: list[_Part]) -> float | None:
    """The node's value when it has no variables (for exponents: (x^2)^(3*2) has degree 12)."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Const):
        return CONSTANTS[node.name]
    values = [p[4] for p in parts]
    if not values or any(v is None for v in values):
        return None
    try:
        if isinstance(node, Neg):
            return -values[0]  # type: ignore[operator]
        if isinstance(node, Call):
            from calcquiz.expr.functions import BY_NAME

            return BY_NAME[node.func].math(values[0])  # type: ignore[arg-type]
        a, b = values
        assert isinstance(node, BinOp) and a is not None and b is not None
        ops = {"+": a + b, "-": a - b, "*": a * b}
        return ops[node.op] if node.op in ops else (a / b if node.op == "/" else math.pow(a, b))
    except (ValueError, ZeroDivisionError, OverflowError):
        return None


_CHAINS = {"+": "+", "-": "+", "*": "*", "/": "*"}


def _chain(node: Node) -> str:
    return _CHAINS.get(node.op, "") if isinstance(node, BinOp) else ""


def _same_chain(parent: Node, child: Node) -> bool:
    """a + b - c + d is one level of nesting, as for sympy (its Add and Mul are flat)."""
    return _chain(parent) != "" and _chain(parent) == _chain(child)


def _combine_sizes(node: Node, parts: list[_Part]) -> tuple[int, int, float, int]:
    if not parts:
        return 1, 1, (1.0 if isinstance(node, Var) else 0.0), 1
    size = 1 + sum(p[0] for p in parts)
    depth = max(p[1] + (0 if _same_chain(node, c) else 1)
                for p, c in zip(parts, children(node), strict=True))
    if isinstance(node, (Neg, Call)):
        (s, _, g, d, _), = parts
        if isinstance(node, Neg):
            return size, depth, g, d + 1
        # f'(a)*a'; sigmoid's and tan's derivatives hold their argument twice
        copies = 3 if node.func in ("sigmoid", "tan") else 2
        return size, depth, g, d + copies * s + 4
    assert isinstance(node, BinOp)
    (sa, _, ga, da, _), (sb, _, gb, db, exponent) = parts
    if node.op in "+-":
        return size, depth, max(ga, gb), da + db + 1
    if node.op == "*":
        return size, depth, ga + gb, sa + sb + da + db + 3
    if node.op == "/":
        return size, depth, ga + gb, sa + 2 * sb + da + db + 5
    if exponent is not None:  # a^c: c * a^(c-1) * a'
        return size, depth, ga * abs(exponent), 2 * sa + da + 5
    return size, depth, ga + gb + 1, 3 * (sa + sb) + da + db + 8
