"""An Anki field (HTML with MathJax) as a calcquiz card's Markdown text.

* MathJax ``\\(...\\)`` becomes ``$...$`` and ``\\[...\\]`` becomes ``$$...$$``; the math
  is taken out before the HTML is read, so its ``<``, ``&lt;`` or ``_`` arrive as the
  characters MathJax would have shown (tags inside math are dropped, entities decoded).
* ``<b>``/``<strong>`` become ``**``, ``<i>``/``<em>`` ``*``, ``<code>`` backticks;
  ``<br>``, ``<div>`` and ``<p>`` break lines; list items become ``*   item`` (or
  ``1.  item`` in a numbered list); ``<script>`` and ``<style>`` are dropped whole,
  every other tag is dropped with its text kept.
* Entities are decoded (``&nbsp;`` is a plain space), and what they stand for stays
  text: a ``<`` that would open a tag becomes ``\\<`` and an ``&`` that would open an
  entity ``\\&`` (Markdown's escapes), a ``$`` becomes ``\\$``, calcquiz's literal dollar.
* Images and sounds cannot come along: they are dropped here, and
  :func:`calcquiz.anki_import.package.media_names` names them for the report.

The result is plain text: nothing in it is interpreted as HTML by calcquiz.
"""

from __future__ import annotations

import bisect
import html
import re

_SOUND = re.compile(r"\[sound:[^\[\]]*\]")  # never past the next "[": linear in the field
# A tag: its name, then anything up to ">" but not across another "<" (so a field of
# unclosed "<img " is read in one pass); comments are found with str.find.
_TOKEN = re.compile(r"<!--|<(/?)([A-Za-z][A-Za-z0-9]*)([^<>]*)>")
_TAG = re.compile(r"<[^<>]*>")
_MATH_OPEN = re.compile(r"\\[(\[]")
# Text that Markdown would read as markup: "<" opening a tag or comment, "&" opening an
# entity. A backslash keeps it text, as it was in Anki.
_LOOKS_LIKE_TAG = re.compile(r"<(?=[A-Za-z/!?])")
_LOOKS_LIKE_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_INLINE = {"b": "**", "strong": "**", "i": "*", "em": "*", "code": "`"}
_HIDDEN = {"script", "style"}
_BLOCK = {"div", "p", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre"}
MAX_LIST_DEPTH = 4  # deeper lists are indented as the fourth level: output stays linear
# Characters that frame a placeholder for a math span: the first one the field lacks.
_MARKER_RANGES = (range(0xE000, 0xF900), range(0xF0000, 0xFFFFE), range(0x100000, 0x10FFFE))


def _math_text(source: str) -> str:
    """What MathJax reads from HTML: the text, tags dropped and entities decoded."""
    return html.unescape(_TAG.sub("", source)).replace("\xa0", " ").strip()


def _text(data: str) -> str:
    """Decoded HTML text as Markdown that shows exactly that text."""
    data = html.unescape(data).replace("\xa0", " ").replace("$", "\\$")
    data = _LOOKS_LIKE_ENTITY.sub(r"\\&", data)
    return _LOOKS_LIKE_TAG.sub(r"\\<", data)


def _math_spans(field: str) -> list[tuple[int, int, bool]]:
    """``(start, end, inline)`` of each ``\\(...\\)`` and ``\\[...\\]``, as the lazy regex
    ``\\\\\\((.*?)\\\\\\)|\\\\\\[(.*?)\\\\\\]`` finds them, in one pass: an opener with no
    closer after it is text (the closers' positions are looked up, never rescanned)."""
    closers = {
        "(": [m.start() for m in re.finditer(r"\\\)", field)],
        "[": [m.start() for m in re.finditer(r"\\\]", field)],
    }
    spans: list[tuple[int, int, bool]] = []
    pos = 0
    while (opener := _MATH_OPEN.search(field, pos)) is not None:
        kind = field[opener.start() + 1]
        ends = closers[kind]
        i = bisect.bisect_left(ends, opener.end())
        if i == len(ends):
            pos = opener.start() + 1
            continue
        spans.append((opener.start(), ends[i] + 2, kind == "("))
        pos = ends[i] + 2
    return spans


class _Markdown:
    """HTML to Markdown in one left-to-right pass over the tags."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.lists: list[str] = []  # "ul"/"ol" of the open lists
        self.code = 0  # open <code> tags: Markdown shows marks inside a code span as typed

    def convert(self, source: str) -> str:
        lowered = source.lower()  # once: closing tags of <script>/<style> are found in it
        pos = 0
        while (token := _TOKEN.search(source, pos)) is not None:
            self.out.append(_text(source[pos : token.start()]))
            pos = token.end()
            if token.group(0) == "<!--":
                end = source.find("-->", pos)
                pos = len(source) if end < 0 else end + 3
                continue
            name = token.group(2).lower()
            if token.group(1):
                self.end_tag(name)
            elif name in _HIDDEN:  # dropped whole, up to its closing tag
                end = lowered.find(f"</{name}", pos)
                close = source.find(">", end) if end >= 0 else -1
                pos = len(source) if close < 0 else close + 1
            else:
                self.start_tag(name)
        self.out.append(_text(source[pos:]))
        return "".join(self.out)

    def start_tag(self, tag: str) -> None:
        if tag in _INLINE:
            self._inline(tag, opening=True)
        elif tag == "br":
            self.out.append("\n")
        elif tag in ("ul", "ol"):
            self.lists.append(tag)
            self.out.append("\n")
        elif tag == "li":
            indent = "    " * min(MAX_LIST_DEPTH - 1, max(0, len(self.lists) - 1))
            bullet = "1.  " if self.lists and self.lists[-1] == "ol" else "*   "
            self.out.append(f"\n{indent}{bullet}")
        elif tag in _BLOCK:
            self.out.append("\n")

    def end_tag(self, tag: str) -> None:
        if tag in _INLINE:
            self._inline(tag, opening=False)
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.out.append("\n\n")
        elif tag in _BLOCK and tag != "li":
            self.out.append("\n")


    def _inline(self, tag: str, opening: bool) -> None:
        """A mark for bold, italic or code; none inside code (``<code><b>x</b></code>``,
        a cloze revealed in code, would show ``**x**``), where only the code's own counts."""
        if tag == "code":
            if opening:
                self.code += 1
                if self.code > 1:
                    return
            elif self.code:
                self.code -= 1
                if self.code:
                    return
            else:
                return  # a stray </code> opens nothing to close
        elif self.code:
            return
        self.out.append(_INLINE[tag])


def _marker(field: str) -> str:
    present = set(field)
    for block in _MARKER_RANGES:
        for code in block:
            if chr(code) not in present:
                return chr(code)
    raise ValueError("the field holds every private-use character")  # > 137,000 of them


def to_markdown(field: str) -> str:
    """One Anki field as calcquiz Markdown, in time linear in the field's length.

    >>> to_markdown("<b>Chain rule</b>: \\\\(f(g(x))' = f'(g(x))\\\\,g'(x)\\\\) &amp; more")
    "**Chain rule**: $f(g(x))' = f'(g(x))\\\\,g'(x)$ & more"
    """
    field = _SOUND.sub("", field)
    maths: list[str] = []
    marker = _marker(field)
    pieces: list[str] = []
    pos = 0
    for start, end, inline in _math_spans(field):
        body = _math_text(field[start + 2 : end - 2])
        maths.append(f"${body}$" if inline else f"$${body}$$")
        pieces += [field[pos:start], f"{marker}{len(maths) - 1}{marker}"]
        pos = end
    pieces.append(field[pos:])

    text = _Markdown().convert("".join(pieces))
    lines = [line.rstrip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

    def put_back(match: re.Match[str]) -> str:
        before = text[: match.start()]
        space = " " if before.endswith("\\") else ""  # "\" then "$" would read as "\$"
        return space + maths[int(match.group(1))]

    return re.sub(f"{marker}(\\d+){marker}", put_back, text)
