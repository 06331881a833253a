"""Rendering demos: the list of demos, a table that fills row by row, a small plot, the takeaway.

Animation (rich Live, one row every ``delay`` seconds) happens only when stdout is a
terminal; otherwise, or with ``live=False``, the finished table is printed at once. A key
press (``skip``) ends the animation at once: the remaining rows are computed unshown.

In a terminal a demo shows what fits its height: the takeaway always; the table shortened
to the room left (its first rows, a marked gap ``⋮``, its last rows; a line says how many
rows are hidden and how to see them); a plot only where it fits beside at least
``MIN_TABLE_ROWS`` rows of the table. ``all_rows`` shows everything, as a file or pipe
always gets.

Plots are drawn by calcquiz.ui.plots (plotille, imported only when a plot is drawn). A file
or pipe gets the same as plain text from calcquiz.ui.demo_plain (the command chooses);
rich is imported here only when something is rendered.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from calcquiz import ui
from calcquiz.ui import demo_table
from calcquiz.ui.plots import plot_lines

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.table import Table
    from rich.text import Text

    from calcquiz.demos import DemoInfo
    from calcquiz.demos.core import DemoRun, Row

# A demo should end within a few seconds: rows are paced to fit this, at most ROW_DELAY each.
TARGET_SECONDS = 2.5
ROW_DELAY = 0.08
PLOT_HEIGHT = 15
PLOT_MAX_WIDTH = 90
MIN_TABLE_ROWS = 10  # a plot is drawn only if the table keeps at least this many rows
TAKEAWAY_GUESS = 6  # lines kept for the takeaway while rows come (it is known at the end)
REDRAW_SECONDS = 0.05  # a shortened table is rebuilt at most this often while rows come
GAP_MARK = "⋮"

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


def _wait(seconds: float) -> bool:
    """No key to read: wait, and say no key ended the animation."""
    time.sleep(seconds)
    return False


def render(
    run: DemoRun,
    *,
    live: bool = True,
    delay: float | None = None,
    all_rows: bool = False,
    skip: Callable[[float], bool] | None = None,
    reserve: int = 1,
    more: str = "--all-rows shows them",
) -> None:
    """Show a demo: its table (animated if ``live`` and stdout is a terminal), plots, takeaway.

    In a terminal the table is laid out for its width (calcquiz.ui.demo_table: no number or
    header is split; columns that cannot fit are named in a note) and, unless ``all_rows``,
    shortened to its height less ``reserve`` lines kept below (a prompt); ``more`` says
    how to see hidden rows. ``skip(seconds)`` waits between rows and is True when a key
    was pressed: the animation then ends at once. A file or pipe gets the whole table at
    its natural width."""
    from rich.text import Text

    console = ui.console()
    card = f"card {run.card}" if run.card is not None else ""
    title = Text(f"{run.title}  ({card})" if card else run.title, style=ui.STYLE_TITLE)
    console.print(title)
    fit_height = console.is_terminal and not all_rows
    used = _height(console, title) + reserve
    shown = None
    try:
        if live and console.is_terminal:
            pause = default_delay(run.expected_rows) if delay is None else delay
            room = console.height - used - TAKEAWAY_GUESS - 1 if fit_height else None
            shown = _animate(run, console, pause, skip or _wait, room)
        _finish(run, console, shown, used, fit_height, more)
    finally:
        if shown is not None:
            shown.stop()


def _finish(
    run: DemoRun, console: Console, shown: Any, used: int, fit_height: bool, more: str
) -> None:
    """The finished table (in place of the animated one, if any), notes, plots, takeaway."""
    from rich.panel import Panel
    from rich.text import Text

    width = console.width if console.is_terminal else None
    card = f"card {run.card}" if run.card is not None else ""
    outcome = run.finish()
    takeaway = Panel(Text(outcome.takeaway), title=f"{card}: takeaway" if card else "takeaway",
                     title_align="left", border_style=ui.STYLE_GOOD)
    plots = [drawn for plot in outcome.plots
             if (drawn := plot_lines(plot, width=min(console.width, PLOT_MAX_WIDTH),
                                     height=PLOT_HEIGHT)) is not None]
    layout = demo_table.fit(run.columns, run.rows, width)
    notes: list[Text] = [n for n in (demo_table.note(layout),) if n is not None]
    rows: Sequence[Row | None] = run.rows
    if fit_height:
        room = console.height - used - _height(console, takeaway)
        room -= sum(_height(console, note) for note in notes)
        rows, plots, left_out = _fit_height(console, run, layout, room, plots, more)
        notes += left_out
    table = _table(run.columns, layout, rows)
    if shown is not None:
        shown.update(table, refresh=True)  # the animated table, redrawn in place as it ends
        shown.stop()
    elif console.is_terminal:
        console.print(table)
    else:  # a file or pipe: plain lines at their natural width, nothing folded
        console.out(demo_table.plain(run.columns, run.rows, layout), highlight=False)
    for note in notes:
        console.print(note)
    for drawn in plots:
        console.print(drawn)
    console.print(takeaway)


def _fit_height(
    console: Console, run: DemoRun, layout: demo_table.Layout, room: int, plots: list[Any],
    more: str,
) -> tuple[Sequence[Row | None], list[Any], list[Text]]:
    """The rows (None marks the gap) and plots that fit in ``room`` lines, and the notes
    that say what was left out (``more``: how to see it)."""
    from rich.text import Text

    def hidden_note(hidden: int) -> Text:
        return Text(f"{GAP_MARK} {hidden} of {len(run.rows)} rows not shown at this "
                    f"height ({more}).", style=ui.STYLE_MUTED)

    room -= _height(console, hidden_note(len(run.rows)))  # kept whether needed or not
    rows, kept, hidden = _fit_rows(console, run, layout, room, plots)
    notes = [hidden_note(hidden)] if hidden else []
    if len(kept) < len(plots):
        notes.append(Text("The plot needs a taller terminal.", style=ui.STYLE_MUTED))
    return rows, kept, notes


def _height(console: Console, renderable: RenderableType) -> int:
    return len(console.render_lines(renderable, console.options, pad=False))


def _fit_rows(
    console: Console, run: DemoRun, layout: demo_table.Layout, room: int, plots: list[Any]
) -> tuple[Sequence[Row | None], list[Any], int]:
    """The rows to show in ``room`` lines (None marks the gap), the plots that fit beside
    them, and how many rows are hidden. ``room`` is without the line that says so."""
    header = _height(console, _table(run.columns, layout, []))
    whole = _height(console, _table(run.columns, layout, run.rows))
    plot_lines_ = sum(_height(console, p) for p in plots)
    if whole + plot_lines_ <= room:
        return run.rows, plots, 0
    keep = min(len(run.rows), MIN_TABLE_ROWS)
    if plots and header + keep + 1 + plot_lines_ > room:
        plots = []  # the plot only where it fits beside a useful table
        room -= 1  # the line that says so
    room -= plot_lines_ if plots else 0
    if whole <= room:
        return run.rows, plots, 0
    n = max(2, room - header)  # body lines: one per row, a row that wraps takes more
    while True:
        rows = shortened(run.rows, n)
        if n <= 2 or _height(console, _table(run.columns, layout, rows)) <= room:
            return rows, plots, len(run.rows) - sum(r is not None for r in rows)
        n -= 1


def shortened(rows: Sequence[Row], n: int) -> Sequence[Row | None]:
    """At most ``n`` lines of rows: all of them, or the first and the last around a gap
    (None), the first half rounded up."""
    if len(rows) <= n:
        return rows
    first = n // 2  # n - 1 rows beside the gap, the larger half first
    last = n - 1 - first
    return [*rows[:first], None, *(rows[len(rows) - last:] if last else [])]


def _animate(
    run: DemoRun,
    console: Console,
    pause: float,
    skip: Callable[[float], bool],
    room: int | None,
) -> Any:
    """Rows appear one by one, at most ``room`` lines of them (first rows, gap, last rows);
    a key (``skip``) ends it at once. Returns the Live display, still open so that the
    final table replaces the animated one in place."""
    from rich.live import Live

    layout = demo_table.fit(run.columns, [], console.width)
    table = _table(run.columns, layout, [])
    live = Live(table, console=console, refresh_per_second=20, auto_refresh=True)
    live.start()
    drawn = time.monotonic()
    try:
        for row in run:
            if not _fits(row, layout):
                layout = demo_table.fit(run.columns, run.rows, console.width)
            now = time.monotonic()
            if room is None or len(run.rows) <= room or now - drawn >= REDRAW_SECONDS:
                rows = run.rows if room is None else shortened(run.rows, max(2, room - 2))
                live.update(_table(run.columns, layout, rows))
                drawn = now
            if pause > 0 and skip(pause):
                break  # a key: the rest is computed, not shown row by row
    except BaseException:
        live.stop()
        raise
    return live


def _fits(row: Sequence[Any], layout: demo_table.Layout) -> bool:
    return all(demo_table.least_width(row[i], layout.digits) <= width
               for i, width in zip(layout.shown, layout.widths, strict=True))


def _table(columns: Sequence[str], layout: demo_table.Layout,
           rows: Iterable[Row | None]) -> Table:
    from rich.text import Text

    table = demo_table.build(columns, layout)
    for row in rows:
        if row is None:  # the gap of a shortened table
            table.add_row(*[Text(GAP_MARK, style=ui.STYLE_MUTED) for _ in layout.shown])
        else:
            table.add_row(*demo_table.cells(row, layout))
    return table


def run_for_study(name: str, card: int | None = None, **view: Any) -> None:
    """Show the default scenario of demo ``name`` (the `d` key in a study session), the same
    as ``calcquiz demo NAME``, labelled with ``card``, the number of the card being studied
    (none if not given: a number from another deck would mislead). An unknown name raises
    BadInputError. ``view`` goes to :func:`render` (e.g. ``skip``)."""
    from calcquiz.demos import REGISTRY
    from calcquiz.demos.runner import unknown_demo
    from calcquiz.errors import BadInputError

    info = REGISTRY.get(name)
    if info is None:
        raise BadInputError(unknown_demo(name, []))
    run = info.run()
    run.card = card
    render(run, live=True, **view)
