"""Every demo's table through the real view at 60 and 80 columns, with and without NO_COLOR:
no number, word or header is ever split across lines, every cell of a shown column is on
screen (at 3 to 6 significant digits), a column left out is named in a note, and no line is
wider than the terminal."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from calcquiz import ui
from calcquiz.demos import DEMO_NAMES, REGISTRY

from .helpers import examples

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PUNCTUATION = "()[],"


def render(monkeypatch, name, width, *, no_color, live=False):
    from calcquiz.ui import demo_view

    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    buffer = io.StringIO()
    # tall enough for every row: a short terminal shortens the table (test_demo_fit.py)
    console = Console(file=buffer, force_terminal=True, width=width, height=10_000,
                      color_system="standard" if no_color else None, highlight=False)
    monkeypatch.setattr(ui, "console", lambda: console)
    run = REGISTRY[name].run()
    demo_view.render(run, live=live, delay=0)
    return run, buffer.getvalue()


def words(text):
    """The pieces a reader sees, without the brackets and commas around numbers."""
    return [w.strip(PUNCTUATION) for w in text.split() if w.strip(PUNCTUATION)]


def renderings(value):
    """How a cell may be written: every word of it at 3..6 significant digits."""
    if value is None:
        return [{"—"}]
    if isinstance(value, int):  # bool included
        return [{str(value)}]
    if isinstance(value, float):
        if value != value:
            return [{"nan"}]
        if value in (float("inf"), float("-inf")):
            return [{"inf" if value > 0 else "-inf"}]
        return [{f"{value:.{d}g}" for d in range(3, 7)}]
    if isinstance(value, list):
        return [r for v in value for r in renderings(v)]
    return [{w} for w in words(str(value))]


def table_part(run, lines):
    """(header lines, body lines): the body ends where the note, a plot or the takeaway
    begins."""
    rule = next(i for i, line in enumerate(lines) if line and set(line) == {"─"})
    plots = run.finish().plots
    ends = [i for i, line in enumerate(lines) if i > rule and (
        line.startswith("Not shown") or line.startswith("╭")
        or (plots and line.strip() == plots[0].title.strip()))]
    return lines[:rule], lines[rule + 1:ends[0]]


def left_out(lines, columns):
    """The columns the note names: always the last ones, in order."""
    start = next((i for i, line in enumerate(lines) if line.startswith("Not shown")), None)
    if start is None:
        return []
    end = next(i for i in range(start, len(lines)) if "shows all)" in lines[i])
    note = " ".join(line.strip() for line in lines[start:end + 1])
    names = note.split("Not shown at this width: ", 1)[1].split(" (a wider terminal", 1)[0]
    k = next(k for k in range(1, len(columns)) if ", ".join(columns[k:]) == names)
    return columns[k:]


@pytest.mark.parametrize("no_color", [False, True], ids=["plain", "NO_COLOR"])
@pytest.mark.parametrize("width", [60, 80])
@pytest.mark.parametrize("name", DEMO_NAMES)
def test_no_number_or_header_is_split(monkeypatch, name, width, no_color):
    run, out = render(monkeypatch, name, width, no_color=no_color)
    if no_color:
        assert not re.search(r"\x1b\[(3[0-7]|9[0-7]|38;)", out)  # no foreground colour
    lines = ANSI.sub("", out).splitlines()
    assert all(len(line) <= width for line in lines), name
    title = set(words(lines[0] + " " + lines[1]))
    header, body = table_part(run, lines)
    shown = list(range(len(run.columns) - len(left_out(lines, run.columns))))
    assert len(shown) >= 2

    # Headers: every word of a shown header is there whole, and nothing else is.
    header_words = set(words(" ".join(header)))
    for i in shown:
        assert set(words(run.columns[i])) <= header_words, (name, run.columns[i])
    allowed = {w for i in shown for w in words(run.columns[i])}
    assert header_words - title <= allowed, (name, header_words - title - allowed)

    # Cells: each one is on screen whole, and the body holds nothing but whole cells.
    body_words = set(words(" ".join(body)))
    seen: set[str] = set()
    for row in run.rows:
        for i in shown:
            for choices in renderings(row[i]):
                assert choices & body_words, (name, run.columns[i], row[i], choices)
                seen |= choices
    assert body_words <= seen, (name, body_words - seen)


def test_vanishing_at_80_keeps_every_number_whole(monkeypatch):
    """The reported example: 0.0534 was split into 0.053 / 4 and headers into sigmo / id a."""
    run, out = render(monkeypatch, "vanishing", 80, no_color=True)
    lines = ANSI.sub("", out).splitlines()
    header, body = table_part(run, lines)
    assert "0.0534" in words(" ".join(body))  # layer 2's sigmoid product, at 3 digits
    assert words(" ".join(header)).count("sigmoid") == 2 and "sigmo" not in words(" ".join(lines))
    assert not left_out(lines, run.columns)  # all ten columns fit, with two-line headers


def test_a_column_that_cannot_fit_is_named(monkeypatch):
    run, out = render(monkeypatch, "vanishing", 60, no_color=True)
    lines = ANSI.sub("", out).splitlines()
    assert left_out(lines, run.columns) == ["relu a", "relu'", "relu product"]
    assert "--json shows all" in " ".join(lines)


def test_a_pipe_gets_the_whole_table_at_six_digits(monkeypatch):
    from calcquiz.ui import demo_view

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, width=60)
    monkeypatch.setattr(ui, "console", lambda: console)
    run = REGISTRY["vanishing"].run()
    demo_view.render(run, live=False)
    out = buffer.getvalue()
    assert "Not shown" not in out
    header = next(line for line in out.splitlines() if "relu product" in line)
    assert "sigmoid product" in header  # one line of headers
    assert f"{run.rows[2][3]:.6g}" in out


def test_live_view_ends_with_the_same_layout(monkeypatch):
    """Animated, the table is re-laid out as rows arrive; the last frame keeps every number."""
    from calcquiz.ui import demo_table

    run, out = render(monkeypatch, "vanishing", 60, no_color=True, live=True)
    final = demo_table.fit(run.columns, run.rows, 60)
    last_row = [demo_table.format_cell(run.rows[-1][i], final.digits).plain
                for i in final.shown]
    last_line = next(line for line in reversed(ANSI.sub("", out).splitlines())
                     if line.split()[:1] == [str(run.rows[-1][0])])
    assert last_line.split() == last_row


def test_fit_prefers_digits_then_wrapped_headers_then_dropping():
    from calcquiz.ui.demo_table import fit

    columns = ["k", "x", "rate of change"]
    rows = [[1, -0.987654321, 2.5]]  # "-0.987654" at 6 digits, "-0.98765" at 5, "-0.988" at 3
    assert fit(columns, rows, 28).digits == 6  # 1 + 9 + 14 and two gaps of 2
    assert fit(columns, rows, 27).digits == 5
    wrapped = fit(columns, rows, 24)  # even 3 digits need 25: the header wraps instead
    assert wrapped.digits == 6 and not wrapped.dropped and wrapped.widths[2] < 14
    dropped = fit(columns, rows, 12)  # "change" and "-0.988" still need 17
    assert dropped.dropped == ["rate of change"] and dropped.shown == [0, 1]
    assert dropped.digits == 3
    assert fit(columns, rows, None).widths == [1, 9, 14]


cells_strategy = st.one_of(
    st.none(), st.integers(-10**9, 10**9), st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=3),
    st.text(alphabet="ab (),=", min_size=0, max_size=25),
)


@settings(max_examples=examples(200), deadline=None)
@given(data=st.data(), n=st.integers(1, 8), width=st.integers(30, 120))
def test_any_table_fits_or_names_what_it_leaves_out(data, n, width):
    from calcquiz.ui import demo_table

    columns = data.draw(st.lists(st.text(alphabet="xyz '", min_size=1, max_size=18).filter(
        str.strip), min_size=n, max_size=n))
    rows = data.draw(st.lists(st.lists(cells_strategy, min_size=n, max_size=n), max_size=6))
    layout = demo_table.fit(columns, rows, width)
    assert layout.shown == list(range(len(layout.shown)))  # only the last ones go
    assert layout.dropped == columns[len(layout.shown):]
    total = sum(layout.widths) + demo_table.GAP * (len(layout.widths) - 1)
    assert total <= width or len(layout.shown) == 1
    for i, w in zip(layout.shown, layout.widths, strict=True):
        assert w >= max(map(len, columns[i].split(" ")))  # no header word is split
        for row in rows:
            assert w >= demo_table.least_width(row[i], layout.digits)  # nor a number or word
    console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system=None)
    table = demo_table.build(columns, layout)
    for row in rows:
        table.add_row(*demo_table.cells(row, layout))
    console.print(table)
    out = console.file.getvalue()
    if total <= width:
        assert all(len(line) <= width for line in out.splitlines())
        body = set(words(out))
        for row in rows:
            for i in layout.shown:
                cell = demo_table.format_cell(row[i], layout.digits).plain
                assert set(words(cell)) <= body
