"""Browsing and checking decks: ``list``, ``show``, ``validate``, and the start screen."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from calcquiz.commands.common import (
    DeckOption,
    JsonOption,
    check_tags,
    config,
    existing_store,
    load,
)


class StateChoice(str, Enum):
    new = "new"
    learning = "learning"
    review = "review"
    relearning = "relearning"
    suspended = "suspended"
    buried = "buried"
    leech = "leech"


def list_cards(
    deck: DeckOption = None,
    json: JsonOption = False,
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            "-s",
            metavar="TEXT",
            help="Only cards whose question, answer, note, id or tags contain TEXT (any case).",
            show_default=False,
        ),
    ] = None,
    state: Annotated[
        StateChoice | None,
        typer.Option(
            "--state", metavar="STATE", help="Only cards in this state: "
            + ", ".join(s.value for s in StateChoice) + ".", show_default=False,
        ),
    ] = None,
    due: Annotated[bool, typer.Option("--due", help="Only cards due today.")] = False,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            metavar="TAG",
            help="Only cards with this tag (repeatable).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """List the cards with their progress: state, due, stability, recall.

    Example: calcquiz list --search gradient --state review
    """
    import time

    from calcquiz import progress
    from calcquiz.dates import Calendar
    from calcquiz.gc_paused import gc_paused
    from calcquiz.ui import listing

    settings = config()
    # A 100,000-card list makes a few objects a card and no reference cycle: the cyclic
    # collector's rescans of the deck and the states were a tenth of the time.
    with gc_paused():
        decks = load(deck)
        check_tags(decks, tag)
        now = time.time()
        query = progress.CardQuery(
            search=search, state=state.value if state else None, due=due, tags=tuple(tag or ())
        )
        calendar = Calendar(settings.day_starts_at)
        store = existing_store()  # never studied: don't create a database just to list cards
        total = sum(len(d.cards) for d in decks)
        form = progress.JSON if json else progress.LINES
        try:  # rows are made, filtered and written a chunk at a time: never 100,000 at once
            chunks = progress.list_rows(store, decks, query, form, now, calendar, settings)
            listing.print_card_list(chunks, decks, total, calendar, now, as_json=json)
        finally:
            if store is not None:
                store.close()


def show(
    card: Annotated[
        str,
        typer.Argument(
            metavar="CARD",
            help="The card's id or number; DECK/ID or DECK/NUMBER names its deck too.",
            show_default=False,
        ),
    ],
    deck: DeckOption = None,
    json: JsonOption = False,
) -> None:
    """Show one card's question and answer, with its math as Unicode.

    Example: calcquiz show "Calculus & Optimization/3"
    """
    from calcquiz import ui
    from calcquiz.content import find_card
    from calcquiz.ui import cards as view

    decks = load(deck)
    found = find_card(decks, card)
    if json:
        ui.print_json(found.to_dict())
    else:
        view.print_card(found, with_deck=len(decks) > 1)


def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH",
            help="Deck files to check. Default: the bundled decks.",
            show_default=False,
        ),
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


def start_screen() -> None:
    """Bare ``calcquiz``: what it is, what is due now, and three commands to try first."""
    from calcquiz.dates import Calendar
    from calcquiz.session import SessionOptions, StudySession
    from calcquiz.ui.study_view import print_start

    settings = config()
    decks = load(None)
    store = existing_store()
    if store is None:
        counts, next_due = None, None
    else:
        with store:
            session = StudySession(
                store, decks, SessionOptions.from_config(settings), config=settings
            )
            counts = session.counts()
            summary = session.summary() if not any(counts.values()) else None
            next_due = summary if summary and summary.next_due is not None else None
    cards = sum(len(d.cards) for d in decks)
    calendar = Calendar(settings.day_starts_at)
    print_start(cards, len(decks), counts, next_due, calendar, settings.new_per_day)
