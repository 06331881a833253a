"""``calcquiz sync anki``: keep calcquiz and the learner's Anki collection in step."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from calcquiz.commands.common import DeckOption, load

sync_app = typer.Typer(
    help="Keep calcquiz and another program's copy of your cards in step, both ways.",
    no_args_is_help=True,
)


@sync_app.command("anki")
def anki(
    collection: Annotated[
        Path | None,
        typer.Argument(
            help="The Anki collection file (collection.anki2). Default: the one the last "
            "sync used, else the Anki profile's on this computer.",
            show_default=False,
        ),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            metavar="NAME",
            help="The Anki profile whose collection to sync (when there are several).",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Say what would change on each side; write nothing."),
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="The report as JSON, for scripts.")
    ] = False,
    deck: DeckOption = None,
) -> None:
    """Two-way sync with your Anki collection (close Anki first).

    calcquiz's cards are added to Anki or updated there, review histories are merged
    both ways, each card's schedule is replayed from the merged history on both sides,
    and suspensions and buries travel both ways. Other Anki notes are never touched.
    The collection is backed up before anything is written. Needs the anki package:
    pip install 'calcquiz[anki]'.

    Example: calcquiz sync anki --dry-run
    """
    from calcquiz.anki_sync.safety import require_anki

    require_anki()
    from calcquiz.anki_sync.run import collection_path, sync_anki

    path = collection_path(collection, profile)
    report = sync_anki(path, load(deck), dry_run=dry_run)
    if json_output:
        from calcquiz import ui

        ui.print_json(report.as_json())
        return
    for line in report.lines():
        typer.echo(line)
