"""A demo in a terminal shows what fits its height: the takeaway always, the table's first
rows, a marked gap and its last rows, the plot only where it fits; --all-rows shows all;
a key press ends the animation at once."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from calcquiz import ui
from calcquiz.demos import DEMO_NAMES, REGISTRY
from calcquiz.ui import demo_table, demo_view

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def show(monkeypatch, name, width, height, **options):
    monkeypatch.setenv("NO_COLOR", "1")
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=width, height=height,
                      color_system="standard", highlight=False)
    monkeypatch.setattr(ui, "console", lambda: console)
    run = REGISTRY[name].run()
    demo_view.render(run, **{"live": False, **options})
    return run, ANSI.sub("", buffer.getvalue()).splitlines()


def row_line(row, layout) -> str:
    """How a row reads in the table: its shown cells, in order, separated by spaces."""
    return " ".join(demo_table.cell_text(row[i], layout.digits) for i in layout.shown)


def flat(line: str) -> str:
    return " ".join(line.split())


@pytest.mark.parametrize("name", DEMO_NAMES)
@pytest.mark.parametrize(("width", "height"), [(60, 24), (80, 24), (140, 40)])
def test_the_whole_demo_fits_the_screen_with_its_takeaway(monkeypatch, name, width, height):
    run, lines = show(monkeypatch, name, width, height)
    reserve = 1  # the line kept for the shell prompt or the key that goes back
    assert len(lines) <= height - reserve, (name, len(lines), "\n".join(lines))
    assert all(len(line) <= width for line in lines)
    text = " ".join(flat(line.strip("│ ")) for line in lines)
    assert " ".join(run.finish().takeaway.split()) in text  # the whole takeaway, on screen
    assert flat(lines[0]).startswith(flat(run.title)[:20])  # the title at the top

    notes = [i for i, line in enumerate(lines) if "rows not shown at this height" in line]
    if not notes:
        assert len(run.rows) <= height  # nothing hidden: a table that fits
        return
    found = re.search(r"⋮ (\d+) of (\d+) rows not shown", flat(" ".join(lines[notes[0]:])))
    assert found and int(found[2]) == len(run.rows)
    hidden = int(found[1])
    if not isinstance(run.rows[0][0], (int, float)) or len({r[0] for r in run.rows}) < len(
        run.rows
    ):
        return  # the rows cannot be told apart by their first cell
    end = min(i for i, line in enumerate(lines)
              if "rows not shown at this" in line or "Not shown at this width" in line)
    # The first column (a step, an angle, a point) never wraps: each shown row starts a
    # line there, and the gap's line holds a ⋮. Read the rows between the rule and the note.
    rule = next(i for i, line in enumerate(lines) if line and set(line) == {"─"})
    layout = demo_table.fit(run.columns, run.rows, width)
    first_width = layout.widths[0]
    firsts = [line[:first_width].strip() for line in lines[rule + 1:end]]
    firsts = [f for f in firsts if f]
    expected = [demo_table.cell_text(r[0], layout.digits) for r in run.rows]
    gap = firsts.index("⋮")
    assert firsts.count("⋮") == 1
    assert firsts[:gap] == expected[:gap]  # the first rows, in order
    assert firsts[gap + 1:] == expected[len(expected) - len(firsts[gap + 1:]):]  # the last
    assert len(firsts) - 1 == len(run.rows) - hidden  # the note counts what is hidden


@pytest.mark.parametrize("name", ["momentum", "constrained", "saddle"])
def test_all_rows_shows_every_row_and_the_plot(monkeypatch, name):
    run, lines = show(monkeypatch, name, 140, 24, all_rows=True)
    layout = demo_table.fit(run.columns, run.rows, 140)
    body = {flat(line) for line in lines}
    assert all(flat(row_line(r, layout)) in body for r in run.rows)
    assert not any("rows not shown" in line for line in lines)
    assert any("└┬" in line for line in lines)  # the plot's x axis


def test_a_tall_terminal_gets_the_plot_and_a_short_one_says_it_needs_more(monkeypatch):
    _, tall = show(monkeypatch, "momentum", 100, 60)
    x_axis = "└┬"  # the plot's x axis
    assert any(x_axis in line for line in tall)
    assert not any("The plot needs a taller terminal." in line for line in tall)
    _, short = show(monkeypatch, "momentum", 100, 24)
    assert not any(x_axis in line for line in short)
    assert any("The plot needs a taller terminal." in line for line in short)


def test_a_key_press_ends_the_animation_at_once(monkeypatch):
    waits = []

    def skip(seconds: float) -> bool:
        waits.append(seconds)
        return len(waits) == 3  # a key on the third row

    run, lines = show(monkeypatch, "momentum", 100, 24, live=True, delay=5.0, skip=skip)
    assert waits == [5.0, 5.0, 5.0]  # no wait after the key
    assert len(run.rows) == 61  # the rest computed, shown in the final table
    layout = demo_table.fit(run.columns, run.rows, 100)
    assert flat(row_line(run.rows[-1], layout)) in {flat(line) for line in lines}
    assert any("─ takeaway ─" in line for line in lines)


def test_shortened_keeps_the_first_and_last_rows_around_one_gap():
    rows = [[i] for i in range(10)]
    assert demo_view.shortened(rows, 10) == rows
    assert demo_view.shortened(rows, 5) == [[0], [1], None, [8], [9]]
    assert demo_view.shortened(rows, 4) == [[0], [1], None, [9]]
