"""``calcquiz export``: write decks in formats other programs import."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from calcquiz.commands.common import DeckOption, load
from calcquiz.errors import BadInputError

export_app = typer.Typer(
    help="Write the decks in formats other programs import.",
    no_args_is_help=True,
)


class AnkiFormat(str, Enum):
    apkg = "apkg"
    txt = "txt"


@export_app.command("anki")
def anki(
    format: Annotated[
        AnkiFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="apkg: an Anki package. txt: Anki's text import format (Basic notes). "
            "Default: from the -o extension, else apkg.",
            show_default=False,
            case_sensitive=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File or folder to write. Default: ./calcquiz-<deck>.apkg (or .txt).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    with_progress: Annotated[
        bool,
        typer.Option(
            "--with-progress",
            help="Also write each studied card's schedule and review log (.apkg only); "
            'import with Anki\'s "Import any learning progress" to continue there.',
        ),
    ] = False,
    deck: DeckOption = None,
) -> None:
    """Export the deck for Anki; re-importing an edited export updates the notes in place.

    The .apkg brings its own note type ("calcquiz": Question, Answer, Note, Demo) and
    deck, with math for Anki's MathJax; cards converted from Anki (import anki --to-deck)
    go back as their own notes, so Anki updates the ones edited here. The .txt stands on
    its own: Anki's Basic note type, the note and demo folded into Back (its notes are
    separate from the .apkg's).

    --with-progress adds your schedule and review history: import the file in Anki with
    "Import any learning progress" ticked and study on where you stopped.

    Example: calcquiz export anki -o deck.apkg
    """
    from calcquiz.export import anki as exporter
    from calcquiz.export.files import export_errors

    decks = load(deck)
    fmt = exporter.choose_format(format.value if format else None, output)
    if with_progress:
        if fmt != "apkg":
            raise BadInputError("--with-progress needs the .apkg format (text has no schedule)")
        from calcquiz.export.progress import gather
        from calcquiz.store import open_store

        # The review log is read while the package is built.
        with open_store() as store, export_errors(output):
            progress = gather(store, decks)
            written = exporter.export(decks, output, fmt, force=force, progress=progress)
    else:
        with export_errors(output):
            written = exporter.export(decks, output, fmt, force=force)
    what = "Anki package" if written.format == "apkg" else "Anki text file"
    in_decks = f" in {written.decks} decks" if written.decks > 1 else ""
    studied = f", {written.studied} with their progress" if written.studied is not None else ""
    typer.echo(f"Wrote {written.path}: {what}, {written.notes} notes{in_decks}{studied}.")
    if written.anki_notes:
        edited = written.anki_notes_edited
        typer.echo(
            f"{written.anki_notes} of them are the Anki notes the cards came from, in their own "
            f"note types: Anki updates {edited} edited here and keeps the rest as it has them."
        )
    if written.unmapped:
        from calcquiz.export.original_notes import unmapped_sentence

        typer.echo(unmapped_sentence(written.unmapped) + ".")
    if written.left_out:
        cards = f"{written.left_out} cloze card{'s' * (written.left_out > 1)}"
        typer.echo(
            f"{cards} left out: the note has no deletion with that number (Anki keeps such a "
            "card blank until Tools > Empty Cards, and would add it blank elsewhere)."
        )
