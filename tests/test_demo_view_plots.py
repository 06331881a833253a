"""Demo plots (plotille): they fit the width, tell lines apart without colour, keep the
legend off the data and put whole-number ticks on step axes."""

from __future__ import annotations

import io
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from calcquiz.demos import DEMO_NAMES, REGISTRY
from calcquiz.demos.core import Plot, Series
from calcquiz.ui.plots import MARKERS, nice_ticks, plot_lines, tick_labels

from .helpers import examples

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def draw(plot, width, *, colour=False):
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=width,
                      color_system="standard" if colour else None)
    text = plot_lines(plot, width=width, height=15)
    assert text is not None
    console.print(text)
    return buffer.getvalue()


def parts(lines):
    """(plot-area rows, tick label line, lines below): the area is every row with an axis
    tick or bar, the tick labels follow the └ line."""
    axis = next(i for i, line in enumerate(lines) if "└" in line)
    top = next(i for i, line in enumerate(lines) if "┤" in line or "│" in line)
    return lines[top:axis], lines[axis + 1], lines[axis + 2:]


def area_cells(row):
    bar = max(row.find("┤"), row.find("│"))
    return row[bar + 1:]


def test_nice_ticks_whole_numbers_on_a_step_axis():
    for high in (3, 5, 20, 30, 60, 100, 5000):
        ticks = nice_ticks(0, high, 7, whole=True)
        assert all(t == int(t) for t in ticks) and 2 <= len(ticks) <= 7
        steps = {b - a for a, b in zip(ticks, ticks[1:], strict=False)}
        assert len(steps) == 1 and ticks[0] >= 0 and ticks[-1] <= high
    assert nice_ticks(0, 5, 20, whole=True) == [0, 1, 2, 3, 4, 5]  # never 0.5 steps
    assert nice_ticks(-1.9, 0.8, 5, whole=False) == [-1.5, -1.0, -0.5, 0.0, 0.5]
    assert tick_labels([0.1 * k for k in range(4)]) == ["0", "0.1", "0.2", "0.3"]
    assert tick_labels([-10.0, -5.0, 0.0]) == ["-10", "-5", "0"]


def test_two_lines_told_apart_by_marker_and_placed_right():
    xs = [float(k) for k in range(11)]
    plot = Plot("two lines", [Series("up", xs, xs), Series("down", xs, [10 - x for x in xs])],
                xlabel="step", ylabel="value")
    lines = draw(plot, 60).splitlines()
    assert all(len(line) <= 60 for line in lines)
    area, labels, below = parts(lines)
    rows_of = {m: [] for m in "ox"}
    for r, row in enumerate(area):
        for c, char in enumerate(area_cells(row)):
            if char in rows_of:
                rows_of[char].append((c, r))
    up, down = sorted(rows_of["o"]), sorted(rows_of["x"])
    assert len(up) >= 9 and len(down) >= 9  # 11 points each (two may share a cell)
    # Left to right, "up" climbs (its row index falls) and "down" falls: independent of
    # how the canvas maps values, only that a higher value is drawn higher.
    assert [r for _, r in up] == sorted((r for _, r in up), reverse=True)
    assert [r for _, r in down] == sorted(r for _, r in down)
    assert up[0][1] == len(area) - 1 and up[-1][1] == 0  # corner to corner
    assert labels.split() == ["0", "2", "4", "6", "8", "10"]
    assert any("o up" in line and "x down" in line for line in below)  # the legend, below


@pytest.mark.parametrize("width", [60, 80])
def test_every_demo_plot_fits_and_reads_without_colour(width):
    drawn = 0
    for name in DEMO_NAMES:
        for plot in REGISTRY[name].run().finish().plots:
            out = draw(plot, width)
            assert "\x1b[" not in out
            lines = out.splitlines()
            assert all(len(line) <= width for line in lines), name
            area, labels, below = parts(lines)
            several = [(i, s) for i, s in enumerate(plot.series) if any(
                math.isfinite(x) and math.isfinite(y) for x, y in zip(s.x, s.y, strict=True))]
            body = "".join(area_cells(row) for row in area)
            for i, series in several if len(several) > 1 else []:
                assert MARKERS[i] in body, (name, series.label)  # its marker is drawn
                assert any(f"{MARKERS[i]} {series.label[:20]}" in line for line in below)
                assert series.label not in "\n".join(area)  # the legend is not on the data
            if all(float(x).is_integer() for s in plot.series for x in s.x):
                assert all(re.fullmatch(r"-?\d+", t) for t in labels.split()), (name, labels)
            drawn += 1
    assert drawn >= 12


def test_colour_tells_series_apart_on_a_colour_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR")  # conftest sets it for every test
    xs = [0.0, 1.0, 2.0]
    plot = Plot("c", [Series("a", xs, [0.0, 1.0, 2.0]), Series("b", xs, [2.0, 1.0, 0.0])])
    out = draw(plot, 40, colour=True)
    assert "\x1b[36m" in out and "\x1b[35m" in out  # cyan and magenta
    monkeypatch.setenv("NO_COLOR", "1")
    assert not re.search(r"\x1b\[3\dm", draw(plot, 40, colour=True))


def test_points_that_are_not_finite_are_left_out():
    inf, nan = float("inf"), float("nan")
    plot = Plot("blow-up", [Series("run", [0.0, 1.0, 2.0, 3.0], [1.0, 2.0, inf, nan])])
    lines = draw(plot, 40).splitlines()
    area, labels, _ = parts(lines)
    assert labels.split() == ["0", "1"]  # the x range ends at the last finite point
    assert plot_lines(Plot("nothing", [Series("s", [0.0], [nan])]), width=40) is None
    assert plot_lines(plot, width=20) is None  # too narrow to be read
    flat = Plot("flat", [Series("s", [0.0, 1.0], [3.0, 3.0])])  # a constant still draws
    assert "3" in draw(flat, 40)


finite_floats = st.floats(allow_nan=False, allow_infinity=False)
any_floats = st.floats(allow_nan=True, allow_infinity=True)


@settings(max_examples=examples(300), deadline=None)
@given(
    series=st.lists(
        st.lists(st.tuples(st.one_of(finite_floats, st.integers(-10**6, 10**6).map(float)),
                           any_floats), min_size=1, max_size=40),
        min_size=1, max_size=4),
    width=st.integers(20, 120),
)
def test_any_numbers_draw_within_the_width_or_not_at_all(series, width):
    plot = Plot("t", [Series(f"s{i}", [x for x, _ in pts], [y for _, y in pts])
                      for i, pts in enumerate(series)], xlabel="x", ylabel="y")
    text = plot_lines(plot, width=width, height=15)
    if text is not None:
        assert all(len(line) <= width for line in text.plain.splitlines())
