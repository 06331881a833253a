"""An Anki field (HTML with MathJax) as a calcquiz card's Markdown text.

* MathJax ``\\(...\\)`` becomes ``$...$`` and ``\\[...\\]`` becomes ``$$...$$``; the math
  is taken out before the HTML is read, so its ``<``, ``&lt;`` or ``_`` arrive as the
  characters MathJax would have shown (tags inside math are dropped, entities decoded).
* ``<b>``/``<strong>`` become ``**``, ``<i>``/``<em>`` ``*``, ``<code>`` backticks;
  ``<br>``, ``<div>`` and ``<p>`` break lines; list items become ``*   item`` (or
  ``1.  item`` in a numbered list); ``<script>`` and ``<style>`` are dropped whole,
  every other tag is dropped with its text kept.
* Entities are decoded (``&nbsp;`` is a plain space). A ``$`` in the text becomes
  ``\\$``, calcquiz's literal dollar.
* Images and sounds cannot come along: they are dropped here, and
  :func:`calcquiz.anki_import.package.media_names` names them for the report.

The result is plain text: nothing in it is interpreted as HTML by calcquiz.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_MATH = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.S)
_SOUND = re.compile(r"\[sound:[^\]]*\]")
_TAG = re.compile(r"<[^>]*>")
_INLINE = {"b": "**", "strong": "**", "i": "*", "em": "*", "code": "`"}
_HIDDEN = {"script", "style"}
_BLOCK = {"div", "p", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre"}


def _math_text(source: str) -> str:
    """What MathJax reads from HTML: the text, tags dropped and entities decoded."""
    return html.unescape(_TAG.sub("", source)).replace("\xa0", " ").strip()


class _Markdown(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[str] = []  # "ul"/"ol" of the open lists
        self.hidden = 0  # inside <script> or <style>: not text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _INLINE:
            self.out.append(_INLINE[tag])
        elif tag == "br":
            self.out.append("\n")
        elif tag in ("ul", "ol"):
            self.lists.append(tag)
            self.out.append("\n")
        elif tag == "li":
            indent = "    " * max(0, len(self.lists) - 1)
            bullet = "1.  " if self.lists and self.lists[-1] == "ol" else "*   "
            self.out.append(f"\n{indent}{bullet}")
        elif tag in _BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _INLINE:
            self.out.append(_INLINE[tag])
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.out.append("\n\n")
        elif tag in _BLOCK and tag != "li":
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.out.append(data.replace("\xa0", " ").replace("$", "\\$"))


def to_markdown(field: str) -> str:
    """One Anki field as calcquiz Markdown.

    >>> to_markdown("<b>Chain rule</b>: \\\\(f(g(x))' = f'(g(x))\\\\,g'(x)\\\\) &amp; more")
    "**Chain rule**: $f(g(x))' = f'(g(x))\\\\,g'(x)$ & more"
    """
    field = _SOUND.sub("", field)
    maths: list[str] = []
    marker = next(chr(c) for c in range(0xE000, 0xE100) if chr(c) not in field)

    def keep(match: re.Match[str]) -> str:
        inline, display = match.group(1), match.group(2)
        body = _math_text(inline if inline is not None else display)
        maths.append(f"${body}$" if inline is not None else f"$${body}$$")
        return f"{marker}{len(maths) - 1}{marker}"

    parser = _Markdown()
    parser.feed(_MATH.sub(keep, field))
    parser.close()
    text = "".join(parser.out)
    lines = [line.rstrip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

    def put_back(match: re.Match[str]) -> str:
        before = text[: match.start()]
        space = " " if before.endswith("\\") else ""  # "\" then "$" would read as "\$"
        return space + maths[int(match.group(1))]

    return re.sub(f"{marker}(\\d+){marker}", put_back, text)
