"""Rendering cards: the card table, one card's panels, and validation reports."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.panel import Panel
from rich.text import Text

from calcquiz import ui
from calcquiz.latex import to_unicode

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.markdown import Markdown

    from calcquiz.content import Card, Deck, Problem


# What Markdown could read as markup: emphasis, code, escapes, links, HTML, headings,
# quotes, lists, line breaks. A question with none of it is shown as plain text, so the
# study screen does not load markdown-it for the bundled deck's questions.
_MARKDOWN_SIGNS = re.compile(r"[*_`\\\[<&#>~|]|\n|^\s*(?:[-+]|\d+[.)])\s")


def question_text(card: Card) -> str:
    return to_unicode(card.question)


def question_body(card: Card) -> RenderableType:
    """The question as the answer is shown: its Markdown rendered (an imported question's
    ``**bold**`` or ``\\<`` escape), as plain text when it holds no Markdown."""
    text = question_text(card)
    if _MARKDOWN_SIGNS.search(text) is None:
        return Text(text, style=ui.STYLE_QUESTION)
    from rich.markdown import Markdown

    return Markdown(text, style=ui.STYLE_QUESTION, hyperlinks=False)


def answer_markdown(text: str) -> Markdown:
    """Card Markdown with its math already turned into Unicode."""
    from rich.markdown import Markdown  # markdown-it is slow to import: only for answers

    # a link shows its address: as a terminal hyperlink, a deck could hide where it leads
    return Markdown(to_unicode(text), hyperlinks=False)


def card_header(card: Card, with_deck: bool = False) -> str:
    """``Card 3 · gradient   #calculus``; the deck's name first when several are in play."""
    tags = "  ".join(f"#{t}" for t in card.tags)
    deck = f"{card.deck} · " if with_deck else ""
    return f"{deck}Card {card.number} · {card.id}" + (f"   {tags}" if tags else "")


def question_panel(card: Card, with_deck: bool = False) -> Panel:
    return Panel(
        question_body(card),
        title=Text(card_header(card, with_deck)),  # a Text: tags and ids are data, never markup
        title_align="left",
        border_style=ui.STYLE_TITLE,
        padding=(1, 2),
    )


def answer_panel(card: Card) -> Panel:
    """The answer, each claim its note corrects marked (†) where it stands."""
    return _markdown_panel(card.marked_answer(), "Answer", ui.STYLE_GOOD)


def note_panel(card: Card) -> Panel | None:
    """The note, each correction marked as the claim it corrects."""
    note = card.marked_note()
    return _markdown_panel(note, "Note", ui.STYLE_WARN) if note else None


def _markdown_panel(text: str, title: str, style: str) -> Panel:
    return Panel(
        answer_markdown(text), title=title, title_align="left", border_style=style, padding=(0, 1)
    )


def print_card(card: Card, with_deck: bool = False) -> None:
    console = ui.console()
    console.print(question_panel(card, with_deck))
    console.print(answer_panel(card))
    note = note_panel(card)
    if note is not None:
        console.print(note)
    if card.demo:
        console.print(Text(f"Demo: calcquiz demo {card.demo}", style=ui.STYLE_MUTED))


def print_validation(path: str, deck: Deck | None, problems: Sequence[Problem]) -> None:
    if problems:
        for problem in problems:
            ui.print_error(str(problem))
    else:
        assert deck is not None
        sys.stdout.write(f"ok: {path}: deck {deck.name!r}, {len(deck.cards)} cards\n")
