"""An expression as math for people: ``3x² − 2x``, ``√x``, ``|x|``, ``π``, ``2·(y + 1)²``.

The one printer for reading. Demo titles and drill prompts pass it the text as typed;
:attr:`calcquiz.expr.Expr.pretty` passes it the tree's ASCII form (``expr.to_text``), so a
prompt and its worked solution spell an expression alike. It reads text, with no imports
beyond ``re``: a drill's first prompt and a demo's title cost nothing to print, where
``calcquiz.expr`` would bring numpy. The text stays as typed wherever it is data (JSON,
re-parsing); this is only for reading.
"""

from __future__ import annotations

import re

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
# Functions whose printed name differs from the typed one (sqrt and abs are written as
# signs below). Kept here rather than in expr/functions.py, which imports numpy.
_PRINTED_NAMES = {"log": "ln", "sigmoid": "σ", "dirac": "δ"}
_CALL = re.compile(r"(?<![\w.])(abs|sqrt|log|ln|sigmoid|dirac)\(")
_OPERAND = re.compile(r"[0-9.]+(?:e[-+]?[0-9]+)?|[a-z]\w*")
_ATOM = re.compile(r"[a-z]+|[0-9]+(?:\.[0-9]*)?(?:e[-+]?[0-9]+)?")


def pretty_text(text: str) -> str:
    """An expression's text as math for people: x^2 → x², ** → ^, sqrt(x) → √x,
    abs(x) → |x|, log → ln, pi → π, a leading or standalone 1* dropped, 3*x → 3x, any
    other product with a dot (x·y, 2·e, 2·(y + 1)), minus as −, <= and >= as ≤ and ≥."""
    s = text.replace("**", "^").replace("<=", "≤").replace(">=", "≥")
    s = re.sub(r"(?<![\w.^])-1\*(?=[a-z(])", "-", s)
    s = re.sub(r"(?<![\w.^])1\*(?=[a-z(])", "", s)
    s = _calls(_bracket_power_exponents(s))
    s = re.sub(r"\^(?:\((-?\d+)\)|(\d+)(?![\d.e]))",
               lambda m: (m.group(1) or m.group(2)).translate(_SUPERSCRIPTS), s)
    s = re.sub(r"(?<![a-z])pi(?![a-z])", "π", s)
    # 3x, 2π, 2√x: a number before a variable reads as a product; anywhere else a dot
    # (2·e, 2·exp(x): "2e" would read as a number)
    s = re.sub(r"(?<![\w.^√/])(?<![eE][-+])([0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)\*"
               r"(?=[xyzπ](?![a-z0-9_(])|√)", r"\1", s)
    s = s.replace("*", "·")
    s = re.sub(r"(?<=\S) - ", " − ", s)
    return re.sub(r"(?<![\w)])-(?=[\w(√|])", "−", s)


def _closing(s: str, i: int) -> int:
    """The index of the parenthesis that closes the one at ``s[i]`` (or len(s))."""
    depth = 0
    for j in range(i, len(s)):
        depth += {"(": 1, ")": -1}.get(s[j], 0)
        if depth == 0:
            return j
    return len(s)


def _operand_end(s: str, i: int) -> int:
    """Where the operand that starts at ``s[i]`` ends: a name, a number, a call or a group."""
    if i < len(s) and s[i] == "(":
        return _closing(s, i) + 1
    m = _OPERAND.match(s, i)
    j = m.end() if m else i
    return _closing(s, j) + 1 if j < len(s) and s[j] == "(" and j > i else j


def _bracket_power_exponents(s: str) -> str:
    """x^y^z means x^(y^z): written with the parentheses, since x^y² would read as (x^y)²."""
    out, i = [], 0
    while i < len(s):
        out.append(s[i])
        if s[i] == "^":
            end = _operand_end(s, i + 1)
            if end < len(s) and s[end] == "^" and end > i + 1:
                while end < len(s) and s[end] == "^":  # the chain, to its end
                    end = _operand_end(s, end + 1)
                out.append(f"({_bracket_power_exponents(s[i + 1 : end])})")
                i = end
                continue
        i += 1
    return "".join(out)


def _calls(s: str) -> str:
    """sqrt(u) → √u (√(u) unless u is a name, a number or a call), abs(u) → |u|, and the
    functions printed under another name."""
    out, i = [], 0
    while m := _CALL.search(s, i):
        close = _closing(s, m.end() - 1)
        typed = s[m.end() : close]
        inner = _calls(typed)
        name = m.group(1)
        if name == "abs":
            shown = f"|{inner}|"
        elif name == "sqrt":
            shown = "√" + (inner if _is_atom(typed) else f"({inner})")
        else:
            shown = f"{_PRINTED_NAMES.get(name, name)}({inner})"
        out.append(s[i : m.start()] + shown)
        i = close + 1
    return "".join(out) + s[i:]


def _is_atom(text: str) -> bool:
    """A name, an unsigned number or one call: what follows √ without parentheses."""
    if _ATOM.fullmatch(text):
        return True
    m = re.match(r"[a-z]+\(", text)
    return m is not None and _closing(text, m.end() - 1) == len(text) - 1
