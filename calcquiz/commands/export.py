"""``calcquiz export``: write decks in formats other programs import."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from calcquiz.commands.common import DeckOption, load

export_app = typer.Typer(
    help="Write the decks in formats other programs import.",
    no_args_is_help=True,
)


class AnkiFormat(str, Enum):
    apkg = "apkg"
    txt = "txt"


@export_app.command("anki")
def anki(
    format: Annotated[  # noqa: A002 - the option is --format
        Optional[AnkiFormat],  # noqa: UP045 - Typer reads this annotation at run time
        typer.Option(
            "--format",
            "-f",
            help="apkg: an Anki package. txt: Anki's text import format. "
            "Default: from the -o extension, else apkg.",
            show_default=False,
            case_sensitive=False,
        ),
    ] = None,
    output: Annotated[
        Optional[Path],  # noqa: UP045 - Typer reads this annotation at run time
        typer.Option(
            "--output",
            "-o",
            help="File or folder to write. Default: ./calcquiz-<deck>.apkg (or .txt).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    deck: DeckOption = None,
) -> None:
    """Export the deck for Anki; re-importing an edited export updates the notes in place.

    The .apkg brings its own note type ("calcquiz": Question, Answer, Note, Demo) and
    deck, with math for Anki's MathJax. The .txt needs that note type in the collection
    already, so import the .apkg once first; after that either file updates the notes.

    Example: calcquiz export anki -o deck.apkg
    """
    from calcquiz.export import anki as exporter
    from calcquiz.export.files import export_errors

    decks = load(deck)
    with export_errors(output):
        written = exporter.export(decks, output, format.value if format else None, force=force)
    what = "Anki package" if written.format == "apkg" else "Anki text file"
    in_decks = f" in {written.decks} decks" if written.decks > 1 else ""
    typer.echo(f"Wrote {written.path}: {what}, {written.notes} notes{in_decks}.")
