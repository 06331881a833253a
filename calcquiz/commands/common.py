"""Options shared by several commands, and what every command reads: config and decks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from calcquiz.config import Config
    from calcquiz.content import Deck
    from calcquiz.store import Store



def option(flag: str, help: str, metavar: str | None = None, **more: Any) -> Any:
    """An optional ``--flag``: its default is None ("not given"), so none is shown."""
    return typer.Option(flag, metavar=metavar, help=help, show_default=False, **more)


DeckOption = Annotated[
    list[Path] | None,
    option(
        "--deck",
        "A deck YAML file (repeatable). Default: the bundled deck and the config's decks.",
        "PATH",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
TagOption = Annotated[
    list[str] | None, option("--tag", "Only cards with this tag (repeatable).", "TAG")
]
RevlogOption = Annotated[
    Path | None,
    typer.Option(
        "--revlog",
        metavar="FILE.csv",
        help="Read this review log (card_id, review_rating, review_time, review_duration"
        "[, review_state]) instead of calcquiz's own.",
        show_default=False,
    ),
]


def config() -> Config:
    """The settings in ``config.toml`` (defaults for what it leaves out)."""
    from calcquiz.config import load_config

    return load_config()


def load(decks: list[Path] | None) -> list[Deck]:
    """The chosen decks, validated (raises DeckValidationError with a located message).

    No ``--deck``: the bundled decks and the config's ``decks``; ``--deck``: just those."""
    from calcquiz.content import bundled_deck_paths, load_decks

    if decks:
        return load_decks(decks)
    extra = config().decks
    return load_decks([*bundled_deck_paths(), *extra] if extra else None)


def existing_store() -> Store | None:
    """The progress database if there is one (reading commands never create it)."""
    from calcquiz.store import db_path, open_store

    return open_store() if db_path().exists() else None
