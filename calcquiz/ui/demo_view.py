"""Rendering demos: the list of demos, a table that fills row by row, a small plot, the takeaway.

Animation (rich Live, one row every ``delay`` seconds) happens only when stdout is a
terminal; otherwise, or with ``live=False``, the finished table is printed at once.
Plots are drawn by calcquiz.ui.plots (plotille, imported only when a plot is drawn). A file
or pipe gets the same as plain text from calcquiz.ui.demo_plain (the command chooses);
rich is imported here only when something is rendered.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from calcquiz import ui
from calcquiz.ui import demo_table
from calcquiz.ui.plots import plot_lines

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from calcquiz.demos import DemoInfo
    from calcquiz.demos.core import DemoRun

# A demo should end within a few seconds: rows are paced to fit this, at most ROW_DELAY each.
TARGET_SECONDS = 2.5
ROW_DELAY = 0.08
PLOT_HEIGHT = 15
PLOT_MAX_WIDTH = 90


def print_demo_list(infos: Iterable[DemoInfo], cards: Mapping[str, int]) -> None:
    """The demos, with the number of the card behind each (``cards``: by demo name)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(header_style=ui.STYLE_TITLE)
    table.add_column("demo", style=ui.STYLE_KEY, no_wrap=True)
    table.add_column("card", justify="right", no_wrap=True)
    table.add_column("what it shows", ratio=1)
    for info in infos:
        card = cards.get(info.name)
        table.add_row(info.name, "—" if card is None else str(card), info.summary)
    console = ui.console()
    console.print(table)
    console.print(Text("Run one: calcquiz demo NAME, or a card's number or id (calcquiz demo 14);"
                       " calcquiz demo --help for options", style=ui.STYLE_MUTED))


def default_delay(expected_rows: int) -> float:
    return min(ROW_DELAY, TARGET_SECONDS / max(1, expected_rows))


def render(run: DemoRun, *, live: bool = True, delay: float | None = None) -> None:
    """Show a demo: its table (animated if ``live`` and stdout is a terminal), plots, takeaway.

    In a terminal the table is laid out for its width (calcquiz.ui.demo_table: no number or
    header is split; columns that cannot fit are named in a note); a file or pipe gets the
    whole table at its natural width."""
    from rich.panel import Panel
    from rich.text import Text

    console = ui.console()
    width = console.width if console.is_terminal else None
    card = f"card {run.card}" if run.card is not None else ""
    console.print(Text(f"{run.title}  ({card})" if card else run.title, style=ui.STYLE_TITLE))
    if live and console.is_terminal:
        pause = default_delay(run.expected_rows) if delay is None else delay
        layout = _animate(run, console, pause)
    else:
        run.finish()
        layout = demo_table.fit(run.columns, run.rows, width)
        if console.is_terminal:
            console.print(_table(run, layout))
        else:  # a file or pipe: plain lines at their natural width, nothing folded
            console.out(demo_table.plain(run.columns, run.rows, layout), highlight=False)
    note = demo_table.note(layout)
    if note is not None:
        console.print(note)
    outcome = run.finish()
    for plot in outcome.plots:
        drawn = plot_lines(plot, width=min(console.width, PLOT_MAX_WIDTH), height=PLOT_HEIGHT)
        if drawn is not None:
            console.print(drawn)
    console.print(Panel(Text(outcome.takeaway), title=f"{card}: takeaway" if card else "takeaway",
                        title_align="left", border_style=ui.STYLE_GOOD))


def _animate(run: DemoRun, console: Console, pause: float) -> demo_table.Layout:
    """Rows appear one by one; the layout is redone only when a new row does not fit it."""
    from rich.live import Live

    layout = demo_table.fit(run.columns, [], console.width)
    table = _table(run, layout)
    with Live(table, console=console, refresh_per_second=20) as live:
        for row in run:
            if _fits(row, layout):
                table.add_row(*demo_table.cells(row, layout))
            else:
                layout = demo_table.fit(run.columns, run.rows, console.width)
                table = _table(run, layout)
                live.update(table)
            if pause > 0:
                time.sleep(pause)
        final = demo_table.fit(run.columns, run.rows, console.width)
        if final != layout:
            layout = final
            live.update(_table(run, layout))
    return layout


def _fits(row: Sequence[Any], layout: demo_table.Layout) -> bool:
    return all(demo_table.least_width(row[i], layout.digits) <= width
               for i, width in zip(layout.shown, layout.widths, strict=True))


def _table(run: DemoRun, layout: demo_table.Layout) -> Table:
    table = demo_table.build(run.columns, layout)
    for row in run.rows:
        table.add_row(*demo_table.cells(row, layout))
    return table


def run_for_study(name: str, card: int | None = None) -> None:
    """Show the default scenario of demo ``name`` (the `d` key in a study session), the same
    as ``calcquiz demo NAME``, labelled with ``card``, the number of the card being studied
    (none if not given: a number from another deck would mislead). An unknown name raises
    BadInputError."""
    from calcquiz.demos import REGISTRY
    from calcquiz.demos.runner import unknown_demo
    from calcquiz.errors import BadInputError

    info = REGISTRY.get(name)
    if info is None:
        raise BadInputError(unknown_demo(name, []))
    run = info.run()
    run.card = card
    render(run, live=True)
