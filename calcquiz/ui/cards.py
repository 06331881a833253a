"""Rendering cards: the card table, one card's panels, and validation reports."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from calcquiz import ui
from calcquiz.mathtext import to_unicode

if TYPE_CHECKING:
    from calcquiz.content import Card, Deck, Problem


def question_text(card: Card) -> str:
    return to_unicode(card.question)


def answer_markdown(text: str) -> Markdown:
    """Card Markdown with its math already turned into Unicode."""
    return Markdown(to_unicode(text))


def print_card_table(cards: Sequence[Card], extra: dict[str, list[str]] | None = None) -> None:
    """The card list. ``extra`` adds columns (name -> one cell per card), e.g. progress."""
    table = Table(title=None, show_lines=False, header_style=ui.STYLE_TITLE)
    table.add_column("#", justify="right")
    table.add_column("id", style=ui.STYLE_MUTED, no_wrap=True)
    table.add_column("question", ratio=1)
    table.add_column("tags", style=ui.STYLE_MUTED, max_width=24)
    for name in extra or {}:
        table.add_column(name, no_wrap=True)
    for i, card in enumerate(cards):
        cells = [str(card.number), card.id, question_text(card), ", ".join(card.tags)]
        cells += [column[i] for column in (extra or {}).values()]
        table.add_row(*cells)
    ui.console().print(table)


def card_header(card: Card) -> str:
    tags = "  ".join(f"#{t}" for t in card.tags)
    return f"Card {card.number} · {card.id}" + (f"   {tags}" if tags else "")


def question_panel(card: Card) -> Panel:
    return Panel(
        Text(question_text(card), style="bold"),
        title=card_header(card),
        title_align="left",
        border_style=ui.STYLE_TITLE,
        padding=(1, 2),
    )


def answer_panel(card: Card) -> Panel:
    return Panel(
        answer_markdown(card.answer),
        title="Answer",
        title_align="left",
        border_style=ui.STYLE_GOOD,
        padding=(0, 1),
    )


def note_panel(card: Card) -> Panel | None:
    if not card.note:
        return None
    return Panel(
        answer_markdown(card.note),
        title="Note",
        title_align="left",
        border_style=ui.STYLE_WARN,
        padding=(0, 1),
    )


def print_card(card: Card) -> None:
    console = ui.console()
    console.print(question_panel(card))
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
