"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

DeckOption = Annotated[
    Optional[list[Path]],  # noqa: UP045 - Typer reads this annotation at run time
    typer.Option(
        "--deck",
        help="A deck YAML file (repeatable). Default: the bundled deck.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def load(decks: list[Path] | None):  # type: ignore[no-untyped-def]
    """The chosen decks, validated (raises DeckValidationError with a located message)."""
    from calcquiz.content import load_decks

    return load_decks(decks)
