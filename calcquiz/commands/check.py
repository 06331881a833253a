"""``calcquiz check``: verify the progress database, and repair it."""

from __future__ import annotations

from typing import Annotated

import typer


def check(
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Back the file up beside itself, then fix what was found.",
        ),
    ] = False,
) -> None:
    """Check the progress database: SQLite's integrity check, every row's values, and
    that each card's saved state is the one its latest logged rating recorded.

    Prints one line per problem; exit 1 if any is found. With --repair, first copies
    the file to calcquiz.db.bak-<timestamp>, then keeps every rating whose rating and
    time are intact (rebuilding its broken parts), removes rows it cannot use, rebuilds
    each broken card's state from its log (or makes it new again), and reports each
    change. The repair is refused while another calcquiz process (a study session) has
    the database open, and if it cannot finish it changes nothing.

    Example: calcquiz check --repair
    """
    from calcquiz.store import check as checker

    report = checker.check(repair=repair)
    if not report.exists:
        typer.echo(f"Nothing to check: {report.path} holds no progress yet.")
        return
    for line in report.problems:
        typer.echo(f"Problem: {line}")
    if report.not_replayed:
        typer.echo(
            f"Note: {report.not_replayed} cards have imported history; their states "
            "are checked for valid values only."
        )
    if report.backup is not None:
        typer.echo(f"Backed up {report.path} to {report.backup}")
    for line in report.changes:
        typer.echo(f"Fixed: {line}")
    if report.ok:
        typer.echo(f"{report.path}: no problems found.")
    elif repair:
        after = checker.check()
        if after.ok:
            typer.echo(f"Repaired {len(report.problems)} problems; {report.path} checks clean.")
        else:
            for line in after.problems:
                typer.echo(f"Still wrong: {line}")
            raise typer.Exit(1)
    else:
        typer.echo(
            f"{len(report.problems)} problems found; `calcquiz check --repair` backs the "
            "file up, then fixes them."
        )
        raise typer.Exit(1)
