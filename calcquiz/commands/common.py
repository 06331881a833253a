"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from calcquiz.content import Deck

DeckOption = Annotated[
    Optional[list[Path]],  # noqa: UP045 - Typer reads this annotation at run time
    typer.Option(
        "--deck",
        metavar="PATH",
        help="A deck YAML file (repeatable). Default: the bundled deck.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def load(decks: list[Path] | None) -> list[Deck]:
    """The chosen decks, validated (raises DeckValidationError with a located message)."""
    from calcquiz.content import load_decks

    return load_decks(decks)
