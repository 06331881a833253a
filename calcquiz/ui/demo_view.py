"""Rendering demos: the list of demos, a table that fills row by row, a small plot, the takeaway.

Animation (rich Live, one row every ``delay`` seconds) happens only when stdout is a
terminal; otherwise, or with ``live=False``, the finished table is printed at once.
plotext is imported here only, when a demo with a plot is shown.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from calcquiz import ui

if TYPE_CHECKING:
    from rich.console import Console

    from calcquiz.demos import DemoInfo
    from calcquiz.demos.core import DemoRun, Plot

# A demo should end within a few seconds: rows are paced to fit this, at most ROW_DELAY each.
TARGET_SECONDS = 2.5
ROW_DELAY = 0.08
PLOT_HEIGHT = 15
PLOT_MAX_WIDTH = 90


def print_demo_list(infos: Iterable[DemoInfo]) -> None:
    table = Table(header_style=ui.STYLE_TITLE)
    table.add_column("demo", style=ui.STYLE_KEY, no_wrap=True)
    table.add_column("card", justify="right")
    table.add_column("what it shows", ratio=1)
    for info in infos:
        table.add_row(info.name, str(info.card), info.summary)
    console = ui.console()
    console.print(table)
    console.print(Text("Run one: calcquiz demo NAME  (calcquiz demo --help for options)",
                       style=ui.STYLE_MUTED))


def default_delay(expected_rows: int) -> float:
    return min(ROW_DELAY, TARGET_SECONDS / max(1, expected_rows))


def render(run: DemoRun, *, live: bool = True, delay: float | None = None) -> None:
    """Show a demo: its table (animated if ``live`` and stdout is a terminal), plots, takeaway."""
    console = ui.console()
    digits = significant_digits(len(run.columns), console.width if console.is_terminal else None)
    table = Table(box=box.SIMPLE_HEAD, header_style=ui.STYLE_KEY, pad_edge=False)
    for i, column in enumerate(run.columns):
        table.add_column(Text(column), justify="right", overflow="fold",
                         min_width=len(column) if i == 0 else None)
    console.print(Text(f"{run.title}  (card {run.card})", style=ui.STYLE_TITLE))
    if live and console.is_terminal:
        pause = default_delay(run.expected_rows) if delay is None else delay
        with Live(table, console=console, refresh_per_second=20):
            for row in run:
                table.add_row(*(format_cell(v, digits) for v in row))
                if pause > 0:
                    time.sleep(pause)
    else:
        for row in run:
            table.add_row(*(format_cell(v, digits) for v in row))
        _print_full_width(console, table)
    outcome = run.finish()
    for plot in outcome.plots:
        text = plot_text(plot, width=min(console.width, PLOT_MAX_WIDTH),
                         color=console.is_terminal and not console.no_color)
        if text:
            console.print(Text.from_ansi(text))
    console.print(Panel(Text(outcome.takeaway), title=f"card {run.card}: takeaway",
                        title_align="left", border_style=ui.STYLE_GOOD))


def _print_full_width(console: Console, table: Table) -> None:
    """A file or pipe gets the table at its natural width, so no digit is folded away."""
    if console.is_terminal:
        console.print(table)
        return
    wide = console.options.update_width(10_000)
    needed = console.measure(table, options=wide).maximum
    previous = console.width
    console.width = max(previous, needed)
    try:
        console.print(table)
    finally:
        console.width = previous


def significant_digits(columns: int, width: int | None) -> int:
    """6 significant digits, fewer when a terminal is too narrow for the columns (a file or
    pipe is printed at full width). A number takes about digits + 6 characters."""
    if width is None:
        return 6
    per_column = (width - 2 * columns) // max(1, columns)
    return max(3, min(6, per_column - 6))


def format_cell(value: Any, digits: int = 6) -> Text:
    """One table cell: numbers to ``digits`` significant digits, inf and nan in red,
    missing values as a dim dash, lists as (a, b) and matrices as [[a, b], [c, d]]."""
    if value is None:
        return Text("—", style=ui.STYLE_MUTED)
    if isinstance(value, bool):
        return Text(str(value))
    if isinstance(value, int):
        return Text(str(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            return Text(_number(value, digits), style=ui.STYLE_BAD)
        return Text(_number(value, digits))
    if isinstance(value, (list, tuple)):
        return Text(_sequence(value, digits), style=_list_style(value))
    return Text(str(value))


def _number(value: float, digits: int) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}g}"


def _sequence(values: Sequence[Any], digits: int) -> str:
    if values and all(isinstance(v, (list, tuple)) for v in values):
        return "[" + ", ".join("[" + _flat(v, digits) + "]" for v in values) + "]"
    return "(" + _flat(values, digits) + ")"


def _flat(values: Sequence[Any], digits: int) -> str:
    return ", ".join(_number(float(v), digits) if v is not None else "—" for v in values)


def _list_style(values: Sequence[Any]) -> str:
    flat = [v for row in values for v in (row if isinstance(row, (list, tuple)) else [row])]
    bad = any(isinstance(v, float) and not math.isfinite(v) for v in flat)
    return ui.STYLE_BAD if bad else ""


def plot_text(plot: Plot, *, width: int, color: bool) -> str:
    """The plot drawn by plotext 6 as text (ANSI colours if ``color``); "" if nothing to draw.
    Points that are not finite (a run that blew up, log10 of 0) are left out."""
    series = []
    for s in plot.series:
        points = [(x, y) for x, y in zip(s.x, s.y, strict=False)
                  if math.isfinite(x) and math.isfinite(y)]
        if points:
            series.append((s.label, points))
    if not series or width < 30:
        return ""
    import plotext

    fig = plotext.figure
    fig.clear()
    fig.theme("simple" if color else "colorless")  # first: it resets the label pixels
    fig.plot_size(width, PLOT_HEIGHT)
    for label, points in series:
        signal = fig.signal([p[0] for p in points], [p[1] for p in points])
        signal.lines()
        if len(series) > 1:
            signal.label(label)
        fig.draw(signal)
    if len(series) > 1:  # bottom left: the curves here mostly fall from the top left
        x_low = min(p[0] for _, points in series for p in points)
        y_low = min(p[1] for _, points in series for p in points)
        fig.legend(x=x_low, y=y_low, ha="left", va="bottom", relative=True)
    fig.title(plot.title)
    if plot.xlabel:
        fig.label(plot.xlabel, axis="x")
    if plot.ylabel:
        fig.label(plot.ylabel, axis="y")
    out: str = fig.build().string(colorless=not color)
    fig.clear()
    return out
