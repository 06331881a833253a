"""Math in card text: find ``$...$`` / ``$$...$$`` spans, render LaTeX as terminal Unicode,
and rewrite the delimiters for Anki's MathJax (``\\(...\\)`` and ``\\[...\\]``).

The symbol and sub/superscript tables are unicodeit's; this module adds only what a
table cannot do: the structure of ``\\frac``, grouped scripts that have no Unicode form
(``w_{new}`` becomes ``w_new``, not a half-converted mix), and TeX's rule that a space
after a control word is not output.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

# Braces nest at most this deep in card math: validate refuses deeper, and the renderer
# prints anything deeper as it is written rather than recursing further.
MAX_MATH_DEPTH = 50


class MathSyntaxError(ValueError):
    """Unbalanced ``$`` delimiters or braces in card text."""


@dataclass(frozen=True)
class Segment:
    kind: str  # "text", "inline" or "display"
    content: str


def split_math(text: str) -> list[Segment]:
    """Split text into plain and math segments. ``\\$`` is a literal dollar sign."""
    segments: list[Segment] = []
    buf: list[str] = []
    i, n = 0, len(text)
    while i < n:
        j = text.find("$", i)
        if j < 0:  # no more dollars: the rest is text
            buf.append(text[i:])
            break
        if j > i and text[j - 1] == "\\":  # \$ is a literal dollar
            buf.append(text[i : j - 1] + "$")
            i = j + 1
            continue
        buf.append(text[i:j])
        i = j
        display = text.startswith("$$", i)
        delim = "$$" if display else "$"
        start = i + len(delim)
        end = _find_closing(text, start, delim)
        if end < 0:
            line = text.count("\n", 0, i) + 1
            column = i - text.rfind("\n", 0, i)
            raise MathSyntaxError(
                f"unbalanced '{delim}': math opened at line {line}, column {column} "
                "is never closed (write \\$ for a literal dollar)"
            )
        body = text[start:end]
        if not body.strip():
            raise MathSyntaxError(f"empty math '{delim}{delim}' (write \\$ for a literal dollar)")
        _check_braces(body)
        if "".join(buf):
            segments.append(Segment("text", "".join(buf)))
        buf = []
        segments.append(Segment("display" if display else "inline", body))
        i = end + len(delim)
    if "".join(buf):
        segments.append(Segment("text", "".join(buf)))
    return segments


def _find_closing(text: str, start: int, delim: str) -> int:
    i = start
    while True:
        j = text.find(delim, i)
        if j < 0:
            return -1
        if j > 0 and text[j - 1] == "\\":  # an escaped \$ inside math
            i = j + 1
            continue
        return j  # for "$", a "$$" here closes it too: "$a$$b$" is two inline spans


def _check_braces(body: str) -> None:
    """Balanced, and nested at most MAX_MATH_DEPTH deep (the renderer recurses per level)."""
    depth = 0
    escaped = False
    for ch in body:
        if escaped:
            escaped = False
            continue
        if ch == "\\":
            escaped = True
        elif ch == "{":
            depth += 1
            if depth > MAX_MATH_DEPTH:
                raise MathSyntaxError(
                    f"math nested more than {MAX_MATH_DEPTH} braces deep; simplify it"
                )
        elif ch == "}":
            depth -= 1
            if depth < 0:
                raise MathSyntaxError("unbalanced braces in math: '}' without '{'")
    if depth:
        raise MathSyntaxError("unbalanced braces in math: '{' is never closed")


# ---------------------------------------------------------------- LaTeX -> Unicode


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(macro -> symbol, char -> subscript, char -> superscript), from unicodeit's data."""
    import unicodeit.data as data

    macros = {k: v for k, v in data.REPLACEMENTS if re.fullmatch(r"\\[A-Za-z]+", k)}
    subs: dict[str, str] = {}
    sups: dict[str, str] = {}
    for key, value in data.SUBSUPERSCRIPTS:
        if key.startswith("_"):
            subs[key[1:]] = value
        elif key.startswith("^"):
            sups[key[1:]] = value
    return macros, subs, sups


# Binary relations and operators keep the space that follows them; every other control
# word swallows it, as in TeX (so "\nabla f" reads "∇f").
_SPACED = set("→←↔⇒⇐⇔≤≥≠≈≡×∈∉⊂⊆∪∩±∓⋅·∝∼")
# Macros that only style their argument: keep the argument, drop the macro.
_STYLE_MACROS = {
    "text",
    "textrm",
    "mathrm",
    "mathbf",
    "mathit",
    "operatorname",
    "boldsymbol",
    "mathsf",
    "textbf",
    "mbox",
}
_DROP_MACROS = {"left", "right", "big", "Big", "bigg", "Bigg", "displaystyle", "limits"}
_SPACING = {",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": " ", "qquad": "  "}


def latex_to_unicode(latex: str) -> str:
    """Render one LaTeX math snippet as readable Unicode.

    >>> latex_to_unicode(r"\\frac{\\partial f}{\\partial x}")
    '∂f/∂x'
    >>> latex_to_unicode(r"v_{t-1} + H^{-1} + w_{new}")
    'vₜ₋₁ + H⁻¹ + w_new'
    """
    return _to_unicode(latex, 0)


def _to_unicode(latex: str, depth: int) -> str:
    if depth > MAX_MATH_DEPTH:
        return latex  # deeper than validate allows: shown as written, no further recursion
    out, _ = _render(latex, 0, None, depth + 1)
    return re.sub(r"[ \t]{2,}", " ", out).strip()


def _read_group(s: str, i: int) -> tuple[str, int]:
    """The next argument at ``s[i:]``: a braced group (without braces) or one token."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        return "", i
    if s[i] == "{":
        depth, j = 0, i
        while j < len(s):
            if s[j] == "\\":
                j += 2
                continue
            if s[j] == "{":
                depth += 1
            elif s[j] == "}":
                depth -= 1
                if depth == 0:
                    return s[i + 1 : j], j + 1
            j += 1
        return s[i + 1 :], len(s)
    if s[i] == "\\":
        m = re.match(r"\\([A-Za-z]+|.)", s[i:])
        assert m is not None
        return m.group(0), i + len(m.group(0))
    return s[i], i + 1


def _render(s: str, i: int, stop: str | None, depth: int) -> tuple[str, int]:
    """``s[i:]`` as Unicode, up to ``stop`` (a closing brace) or the end; returns the text
    and where it stopped (after ``stop``)."""

    def sub(text: str) -> str:  # an argument, rendered one level deeper
        return _to_unicode(text, depth)

    out: list[str] = []
    while i < len(s):
        ch = s[i]
        if stop is not None and ch == stop:
            return "".join(out), i + 1
        if ch == "{" and depth > MAX_MATH_DEPTH:
            out.append(s[i:])  # too deep: the rest as written
            return "".join(out), len(s)
        if ch == "{":
            inner, i = _render(s, i + 1, "}", depth + 1)
            out.append(inner)
            continue
        if ch in "_^":
            arg, i = _read_group(s, i + 1)
            out.append(_script(ch, sub(arg) if "\\" in arg or "{" in arg else arg))
            continue
        if ch == "\\":
            i = _macro(s, i, out, sub)
            continue
        out.append(ch)
        i += 1
    return "".join(out), i


def _macro(s: str, i: int, out: list[str], sub: Callable[[str], str]) -> int:
    """The macro at ``s[i]`` (a backslash) and its arguments, rendered onto ``out`` (``sub``
    renders an argument); returns where they end."""
    m = re.match(r"\\([A-Za-z]+|.)", s[i:])
    if m is None:  # a trailing backslash
        return i + 1
    name = m.group(1)
    i += len(m.group(0))
    if name in ("frac", "dfrac", "tfrac"):
        num, i = _read_group(s, i)
        den, i = _read_group(s, i)
        out.append(_fraction(sub(num), sub(den)))
    elif name == "sqrt":
        arg, i = _read_group(s, i)
        rendered = sub(arg)
        out.append("√" + (rendered if len(rendered) == 1 else f"({rendered})"))
    elif name in _STYLE_MACROS:
        arg, i = _read_group(s, i)
        out.append(sub(arg) if "\\" in arg else arg)
    elif name in _DROP_MACROS:
        pass  # sizing and layout only
    elif name in _SPACING:
        out.append(_SPACING[name])
    elif not name.isalpha():  # \{ \} \% \& \_ \#
        out.append(name)
    else:
        i = _symbol(name, s, i, out)
    return i


def _symbol(name: str, s: str, i: int, out: list[str]) -> int:
    """A word macro's symbol onto ``out`` (an unknown macro's name: it reads better than a
    backslash). TeX swallows the spaces after a word macro; a spaced operator instead gets
    a space before it. Returns where the spaces end."""
    macros, _, _ = _tables()
    symbol = macros.get("\\" + name)
    out.append(name if symbol is None else symbol)
    if symbol not in _SPACED:
        while i < len(s) and s[i] == " ":
            i += 1
    elif len(out) >= 2 and not out[-2].endswith(" "):
        out.insert(len(out) - 1, " ")
    return i


def _script(kind: str, text: str) -> str:
    """Subscript or superscript ``text``: all Unicode if every character has a form, else
    ``_text`` / ``^text`` (one half-converted group would read wrong)."""
    _, subs, sups = _tables()
    table = subs if kind == "_" else sups
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text)
    if len(text) > 1 and not re.fullmatch(r"\w+", text):
        return f"{kind}({text})"
    return kind + text


_COMPOUND = re.compile(r"[+\-−=,±<>≤≥ ]|(?<=\w)/")


def _fraction(num: str, den: str) -> str:
    """a/b, with parentheses where a side is compound: (a+b)/c."""
    num, den = num.strip(), den.strip()
    if _COMPOUND.search(num):
        num = f"({num})"
    if _COMPOUND.search(den):
        den = f"({den})"
    return f"{num}/{den}"


def to_unicode(text: str) -> str:
    """Card text with every math span rendered as Unicode (delimiters removed)."""
    parts = []
    for seg in split_math(text):
        if seg.kind == "text":
            parts.append(seg.content)
        elif seg.kind == "inline":
            parts.append(latex_to_unicode(seg.content))
        else:
            parts.append("\n\n    " + latex_to_unicode(seg.content) + "\n\n")
    return "".join(parts)


# ---------------------------------------------------------------- LaTeX -> MathJax


def mathjax_delimiters(kind: str) -> tuple[str, str]:
    """Anki's MathJax reads only ``\\(...\\)`` (inline) and ``\\[...\\]`` (display)."""
    return ("\\(", "\\)") if kind == "inline" else ("\\[", "\\]")
