"""Browsing and checking decks: ``list``, ``show`` and ``validate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from calcquiz.commands.common import DeckOption, JsonOption, load


def list_cards(deck: DeckOption = None, json: JsonOption = False) -> None:
    """List the cards: number, id, question and tags.

    Example: calcquiz list --json
    """
    from calcquiz import progress, ui
    from calcquiz.store import db_path, open_store
    from calcquiz.ui import cards as view

    decks = load(deck)
    cards = [c for d in decks for c in d.cards]
    if db_path().exists():
        with open_store() as store:
            rows = progress.card_progress(store, decks)
    else:  # never studied: don't create a database just to list cards
        rows = progress.card_progress(None, decks)
    if json:
        ui.print_json([{**c.to_dict(), **p} for c, p in zip(cards, rows, strict=True)])
    else:
        view.print_card_table(cards, progress=rows)


def show(
    card: Annotated[str, typer.Argument(help="The card's id or number.", show_default=False)],
    deck: DeckOption = None,
    json: JsonOption = False,
) -> None:
    """Show one card's question and answer, with its math as Unicode.

    Example: calcquiz show chain-rule
    """
    from calcquiz import ui
    from calcquiz.content import find_card
    from calcquiz.ui import cards as view

    found = find_card(load(deck), card)
    if json:
        ui.print_json(found.to_dict())
    else:
        view.print_card(found)


def validate(
    paths: Annotated[
        Optional[list[Path]],  # noqa: UP045 - Typer reads this annotation at run time
        typer.Argument(help="Deck files to check. Default: the bundled decks.", show_default=False),
    ] = None,
) -> None:
    """Check deck files and report every problem, located by file, line and card.

    Exit code 0 when all decks are valid, 2 when any is not.

    Example: calcquiz validate my_deck.yaml
    """
    from calcquiz.content import bundled_deck_paths, check_deck
    from calcquiz.ui import cards as view

    chosen = paths or bundled_deck_paths()
    bad = 0
    for path in chosen:
        deck, problems = check_deck(path)
        view.print_validation(str(path), deck, problems)
        bad += bool(problems)
    if bad:
        raise typer.Exit(2)
