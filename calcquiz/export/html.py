"""Card text (Markdown with ``$...$`` math) to the HTML that Anki shows.

Math is cut out before Markdown runs, so Markdown never sees a backslash or an
underscore of LaTeX, and is put back afterwards with Anki's MathJax delimiters:
``$...$`` becomes ``\\(...\\)`` and ``$$...$$`` becomes ``\\[...\\]``.

Card text is text, not HTML: ``<``, ``>`` and ``&`` are escaped exactly once, both in
text and inside math (MathJax reads the rendered characters, so ``a<b`` still typesets
as a < b). Raw HTML and entity references in a card are shown as typed, never
interpreted, so a card cannot inject a tag or a script into Anki.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from calcquiz.latex import mathjax_delimiters, split_math

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

# Private-use characters frame the placeholders that stand in for math while Markdown
# runs; one that the text does not contain is picked for each call.
_MARKER_CHOICES = tuple(chr(c) for c in range(0xE000, 0xE100))


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` (quotes need no escaping outside attributes)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # CommonMark without raw HTML (escaped instead), without entity references (shown as
    # typed) and without images (a card has no media to point at).
    md = MarkdownIt("commonmark", {"html": False}).disable(["entity", "image"])

    def text(
        self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return escape(tokens[idx].content)

    md.add_render_rule("text", text)
    return md


def to_anki_html(text: str) -> str:
    """Render one card field (question, answer or note) as HTML for Anki.

    A field that is a single paragraph comes back without the ``<p>`` around it, so a
    one-line question reads as plain text in Anki's browser.

    >>> to_anki_html("**Fix**: $a<b$")
    '<strong>Fix</strong>: \\\\(a&lt;b\\\\)'
    """
    segments = split_math(text)
    marker = next(c for c in _MARKER_CHOICES if c not in text)
    maths: list[str] = []
    source: list[str] = []
    for seg in segments:
        if seg.kind == "text":
            source.append(seg.content)
            continue
        opening, closing = mathjax_delimiters(seg.kind)
        source.append(f"{marker}{len(maths)}{marker}")
        maths.append(opening + escape(seg.content) + closing)

    md = _markdown()
    env: EnvType = {}
    tokens = md.parse("".join(source), env)
    if [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]:
        rendered = md.renderer.render(tokens[1].children or [], md.options, env)
    else:
        rendered = md.renderer.render(tokens, md.options, env)
    rendered = rendered.strip()

    # A private-use character is plain text to Markdown, so every placeholder comes
    # through whole (one inside a link target is percent-encoded and so drops out).
    return re.sub(f"{marker}(\\d+){marker}", lambda m: maths[int(m.group(1))], rendered)
