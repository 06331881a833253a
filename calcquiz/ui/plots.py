"""Line plots as text: plotille's braille canvas for the curves, axes and legend drawn here.

plotille (pure Python, about 5 ms to import) is imported only when a plot is drawn. Each
series is drawn on a canvas of its own and the canvases are merged cell by cell, so a
cell keeps the colour of the one series in it. Without colour (NO_COLOR, a pipe) the
series of a plot with several lines are told apart by their markers (o x + * # @), which
the legend below the plot repeats; the legend never covers the data. A step axis (all x
values whole numbers) gets whole-number ticks.

A plot is drawn once as styled pieces of text (:func:`plot_pieces`); :func:`plot_lines` makes
rich Text of them for a terminal, :func:`plot_text` the plain text for a file or pipe
(rich is not imported for it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple, TypeAlias

from calcquiz import ui

if TYPE_CHECKING:
    from rich.text import Text

    from calcquiz.demos.core import Plot

# (text, style) pieces in order; "" is no style. Lines end with "\n" inside the text.
Pieces: TypeAlias = "list[tuple[str, str]]"

MARKERS = "ox+*#@"
MIN_WIDTH = 30
BRAILLE = 0x2800


class Line(NamedTuple):
    label: str
    points: list[tuple[float, float]]
    marker: str | None
    style: str


class Axis(NamedTuple):
    """A value range drawn over ``cells`` characters, ``dots`` braille dots per character."""

    low: float
    high: float
    cells: int
    dots: int

    @property
    def delta(self) -> float:
        """The value of one dot: ``low`` is the first dot, ``high`` the last."""
        return (self.high - self.low) / (self.cells * self.dots - 1)

    def cell(self, value: float) -> int:
        return round((value - self.low) / self.delta) // self.dots


def plot_lines(plot: Plot, *, width: int, height: int = 15) -> Text | None:
    """The plot as rich Text at most ``width`` columns wide (styles are dropped by the
    console under NO_COLOR or in a pipe); None when there is nothing to draw or no room.
    Points that are not finite (a run that blew up, log10 of 0) are left out."""
    pieces = plot_pieces(plot, width=width, height=height)
    if pieces is None:
        return None
    from rich.text import Text

    out = Text(no_wrap=True, overflow="crop")
    for text, style in pieces:
        out.append(text, style=style or None)
    return out


def plot_text(plot: Plot, *, width: int, height: int = 15) -> str | None:
    """The plot as plain text (the characters of :func:`plot_lines`, without styles)."""
    pieces = plot_pieces(plot, width=width, height=height)
    if pieces is None:
        return None
    return "".join(text for text, _ in pieces).translate(ui.CONTROL_CODES)  # as rich's Text


def plot_pieces(plot: Plot, *, width: int, height: int = 15) -> Pieces | None:
    """The plot as styled pieces of text (see :func:`plot_lines`)."""
    lines = _lines(plot)
    if not lines or width < MIN_WIDTH:
        return None
    xs = [x for line in lines for x, _ in line.points]
    ys = [y for line in lines for _, y in line.points]
    whole_x = all(float(x).is_integer() for x in xs)
    y_low, y_high = _padded(min(ys), max(ys))
    if not math.isfinite(y_high - y_low):
        return None
    y_ticks = nice_ticks(y_low, y_high, max(2, height // 3), whole=False)
    y_labels = tick_labels(y_ticks)
    gutter = max(len(label) for label in y_labels) + 1
    cells = width - gutter - 1
    x_low, x_high = _padded(min(xs), max(xs))
    x_axis = Axis(x_low, x_high, cells, 2)
    y_axis = Axis(y_low, y_high, height, 4)
    if not all(0 < axis.delta < math.inf for axis in (x_axis, y_axis)):
        return None  # a span too wide (1e308 apart) or too fine for float64 to draw
    label_width = max(len(_fmt(x_low, 0)), len(_fmt(x_high, 0))) + 3
    x_ticks = nice_ticks(x_low, x_high, max(2, cells // (label_width + 2)), whole=whole_x)
    grid = _draw(lines, x_axis, y_axis)

    out: Pieces = [(_header(plot, width) + "\n", ui.STYLE_TITLE)]
    if plot.ylabel:
        out.append((plot.ylabel[:width] + "\n", ui.STYLE_MUTED))
    out += _y_axis_and_area(grid, y_axis, zip(y_ticks, y_labels, strict=True), gutter)
    out += _x_axis(x_axis, x_ticks, gutter, width, plot.xlabel)
    if len(lines) > 1:
        out.append(("\n", ""))
        out += _legend(lines, width)
    return out


def _y_axis_and_area(
    grid: list[list[tuple[str, str]]], y_axis: Axis, ticks: Iterable[tuple[float, str]],
    gutter: int,
) -> Pieces:
    """The plot area's rows, top first, each after the y axis: a tick's label and ┤ on the
    row of its value (the first tick of a row wins), │ elsewhere."""
    tick_rows: dict[int, str] = {}
    for value, label in ticks:
        tick_rows.setdefault(y_axis.cells - 1 - y_axis.cell(value), label)
    out: Pieces = []
    for row, cells in enumerate(grid):
        tick = tick_rows.get(row)
        out.append((f"{tick or '':>{gutter - 1}} " + ("┤" if tick else "│"), ""))
        _append_row(out, cells)
    return out


def _lines(plot: Plot) -> list[Line]:
    several = sum(1 for s in plot.series if s.x) > 1
    lines = []
    for i, series in enumerate(plot.series):
        points = [(float(x), float(y)) for x, y in zip(series.x, series.y, strict=False)
                  if math.isfinite(x) and math.isfinite(y)]
        if points:
            marker = MARKERS[i % len(MARKERS)] if several else None
            colour = ui.PLOT_COLOURS[i % len(ui.PLOT_COLOURS)]
            lines.append(Line(series.label, points, marker, colour))
    return lines


def _padded(low: float, high: float) -> tuple[float, float]:
    """A range that is not empty: a constant c is shown on c - 1..c + 1 (or ± |c|/2)."""
    if high > low:
        return low, high
    pad = abs(low) / 2 if low else 1.0
    return low - pad, high + pad


def _draw(lines: Sequence[Line], x_axis: Axis, y_axis: Axis) -> list[list[tuple[str, str]]]:
    """The plot area as rows of (character, style), top row first: braille dots of all
    lines OR-ed together, a marker where a line has a data point (the later line wins), and
    a line's colour where it is alone in a cell."""
    rows, cols = y_axis.cells, x_axis.cells
    bits = [[0] * cols for _ in range(rows)]
    marks: list[list[tuple[str, str] | None]] = [[None] * cols for _ in range(rows)]
    owner: list[list[str | None]] = [[None] * cols for _ in range(rows)]
    for line in lines:
        if line.marker:
            for x, y in line.points:
                marks[rows - 1 - y_axis.cell(y)][x_axis.cell(x)] = (line.marker, line.style)
        for r, text in enumerate(_braille(line, x_axis, y_axis)):
            for c, char in enumerate(text[:cols]):
                dots = ord(char) - BRAILLE
                if 0 < dots < 256:
                    bits[r][c] |= dots
                    owner[r][c] = line.style if owner[r][c] in (None, line.style) else ""
    return [[_cell(marks[r][c], bits[r][c], owner[r][c]) for c in range(cols)]
            for r in range(rows)]


def _cell(mark: tuple[str, str] | None, dots: int, owner: str | None) -> tuple[str, str]:
    """A marker where there is one, else the braille character of the dots, in the colour
    of the line that drew them if only one did."""
    if mark is not None:
        return mark
    return (chr(BRAILLE + dots), owner or "") if dots else (" ", "")


def _braille(line: Line, x_axis: Axis, y_axis: Axis) -> list[str]:
    """The line alone, drawn by plotille in braille characters: rows of text, top first."""
    import plotille

    cols, rows = x_axis.cells, y_axis.cells
    canvas = plotille.Canvas(cols, rows, x_axis.low, y_axis.low,
                             x_axis.low + x_axis.delta * cols * 2,
                             y_axis.low + y_axis.delta * rows * 4)
    (x0, y0), rest = line.points[0], line.points[1:]
    canvas.point(x0, y0)
    for x1, y1 in rest:
        canvas.line(x0, y0, x1, y1)
        x0, y0 = x1, y1
    return canvas.plot(linesep="\n").split("\n")


def _append_row(out: Pieces, cells: list[tuple[str, str]]) -> None:
    """One row of the plot area: a piece per run of one colour, then the line's end."""
    begin = 0
    for end in range(1, len(cells) + 1):
        if end == len(cells) or cells[end][1] != cells[begin][1]:
            out.append(("".join(char for char, _ in cells[begin:end]), cells[begin][1]))
            begin = end
    out.append(("\n", ""))


def _header(plot: Plot, width: int) -> str:
    return plot.title[:width].center(width).rstrip()


def _x_axis(axis: Axis, ticks: Sequence[float], gutter: int, width: int, xlabel: str) -> Pieces:
    cols = {axis.cell(v): label for v, label in zip(ticks, tick_labels(ticks), strict=True)
            if 0 <= axis.cell(v) < axis.cells}
    rule = "".join("┬" if c in cols else "─" for c in range(axis.cells))
    labels = [" "] * (width + 20)
    free = 0  # the first column a label may use (one blank between labels)
    for col, label in sorted(cols.items()):
        start = min(gutter + 1 + col - (len(label) - 1) // 2, width - len(label))
        if start >= free:
            labels[start:start + len(label)] = label
            free = start + len(label) + 1
    pieces = [(" " * gutter + "└" + rule + "\n", ""), ("".join(labels[:width]).rstrip(), "")]
    if xlabel:
        pieces.append(("\n" + xlabel[:width].center(width).rstrip(), ui.STYLE_MUTED))
    return pieces


def _legend(lines: Sequence[Line], width: int) -> Pieces:
    """Markers and labels under the plot, wrapped to ``width``."""
    pieces: Pieces = []
    used = 0
    for line in lines:
        item = f"{line.marker} {line.label}"[: width - 1]
        if used and used + 3 + len(item) > width:
            pieces.append(("\n", ""))
            used = 0
        elif used:
            pieces.append(("   ", ""))
            used += 3
        pieces += [(item[:2], line.style), (item[2:], "")]
        used += len(item)
    return pieces


def nice_ticks(low: float, high: float, most: int, *, whole: bool) -> list[float]:
    """Round tick values in [low, high]: a step of 1, 2 or 5 times a power of ten (at least
    1 when ``whole``), the smallest giving at most ``most`` ticks."""
    span = high - low
    if not 0 < span < math.inf or span / max(1, most) == 0:
        return [low, high]
    power = 10.0 ** math.floor(math.log10(span / max(1, most)))
    for factor in (1, 2, 5, 10, 20, 50, 100):
        step = factor * power
        if whole and step < 1:
            continue
        first = math.ceil(low / step - 1e-9)
        last = math.floor(high / step + 1e-9)
        if last - first + 1 <= most:
            return [k * step + 0.0 for k in range(first, last + 1)]
    return [low, high]


def tick_labels(ticks: Sequence[float]) -> list[str]:
    """Tick values written alike: as few decimals as the step needs, or %g for big and
    tiny values (so 0.1 steps read 0.1, 0.2, and not 0.30000000000000004)."""
    if len(ticks) < 2:
        return [_fmt(t, 0) for t in ticks]
    step = abs(ticks[1] - ticks[0])
    biggest = max(abs(t) for t in ticks)
    if biggest >= 1e5 or step < 1e-4:
        return [f"{t:.3g}" for t in ticks]
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return [_fmt(t, decimals) for t in ticks]


def _fmt(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return "0" if float(text) == 0 else text
