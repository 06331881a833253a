"""Typed expression text shown as math for people: no imports beyond ``re``, so a drill's
first prompt and a demo's title cost nothing to print. The text stays as typed wherever it
is data (JSON, re-parsing); this is only for reading."""

from __future__ import annotations

import re

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def pretty_text(text: str) -> str:
    """An expression's typed text as math for people (demo titles and takeaways, drill
    prompts; JSON keeps the plain text): x^2 → x², ** → ^, a leading or standalone 1*
    dropped, 3*x → 3x, x*y → x·y, -1* → −, binary minus as −, <= and >= as ≤ and ≥."""
    s = text.replace("**", "^").replace("<=", "≤").replace(">=", "≥")
    s = re.sub(r"\^(?:\((-?\d+)\)|(\d+)(?![\d.]))",
               lambda m: (m.group(1) or m.group(2)).translate(_SUPERSCRIPTS), s)
    s = re.sub(r"(?<![\w.])-1\*(?=[a-z(])", "-", s)
    s = re.sub(r"(?<![\w.])1\*(?=[a-z(])", "", s)
    s = re.sub(r"(?<![\w.+])(?<![eE]-)(\d+(?:\.\d+)?)\*(?=[a-z(])(?!pi\b)", r"\1", s)  # 3x
    s = re.sub(r"(?<=\S) - ", " − ", s)
    s = re.sub(r"(?<=[a-z)⁰¹²³⁴⁵⁶⁷⁸⁹])\*(?=[a-z(])", "·", s)  # x*y → x·y
    s = re.sub(r"\bpi\b", "π", re.sub(r"(?<![\w.])(\d+)\*pi\b", r"\1π", s))
    return re.sub(r"(?<![\w)])-(?=[\w(])", "−", s)
