"""``calcquiz import``: bring progress (and decks) from other programs into calcquiz."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from calcquiz.commands.common import DeckOption, load

import_app = typer.Typer(
    help="Bring review history (and decks) from other programs into calcquiz.",
    no_args_is_help=True,
)


@import_app.command("anki")
def anki(
    file: Annotated[
        Path,
        typer.Argument(
            help="An Anki package (.apkg) or collection (.colpkg), exported from Anki.",
            show_default=False,
        ),
    ],
    to_deck: Annotated[
        Path | None,
        typer.Option(
            "--to-deck",
            metavar="PATH.yaml",
            help="Also write the notes that are not calcquiz cards as a calcquiz deck file, "
            "one card per Anki card, with their review history (several Anki decks: one "
            "file each, PATH's name plus the deck's). Default: they are skipped.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the --to-deck file if it exists.")
    ] = False,
    deck: DeckOption = None,
) -> None:
    """Merge the review history of an Anki package into calcquiz's.

    For each note that is a calcquiz card (exported by calcquiz export anki), Anki's
    ratings are added to calcquiz's log (those already there are skipped) and the card's
    FSRS state is rebuilt from the whole log. Importing the same file again changes
    nothing, and an import that fails changes nothing. In Anki, export with "Include
    scheduling information" ticked.

    Example: calcquiz import anki ~/Downloads/calcquiz.apkg
    """
    from calcquiz.anki_import.run import import_anki

    report = import_anki(file, load(deck), to_deck, force=force)
    for line in report.lines():
        typer.echo(line)
