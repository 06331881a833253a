"""A demo's table laid out for the terminal's width: no number and no word is ever split.

The layout tries, in order: 6 significant digits down to 3, at each first every cell on
one line, then text cells (points, rules, lists) wrapped at their spaces; then headers
wrapped at their spaces too (6 digits down to 3); when even that is too wide, columns are
left out from the right (never the first) and a note names them. A number or a word is
never split: a column is at least as wide as its longest number or word. A file or pipe
gets every column on one line at 6 digits.

rich is imported only when a terminal table or a styled cell is built: the layout and
:func:`plain` (a file or pipe) work on the cell texts of :func:`cell_text`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from calcquiz import ui

if TYPE_CHECKING:  # rich is imported when a terminal table is built, not for a pipe
    from rich.table import Table
    from rich.text import Text

DIGITS = (6, 5, 4, 3)
GAP = 2  # between two columns: one space of padding and the (blank) divider


class Layout(NamedTuple):
    digits: int
    shown: list[int]  # indexes of the columns shown, in order
    widths: list[int]  # the width of each shown column
    dropped: list[str]  # the headers of the columns left out


def fit(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], width: int | None
) -> Layout:
    """The layout of a table for a terminal ``width`` columns wide (None: no limit)."""
    every = list(range(len(columns)))
    if width is None:
        return Layout(DIGITS[0], every, _measure(columns, rows, DIGITS[0])[0], [])
    measured = {digits: _measure(columns, rows, digits) for digits in DIGITS}
    # Fewer digits before two-line headers, and both before leaving a column out.
    for kinds in ((0, 1), (2,)):
        for digits in DIGITS:
            for kind in kinds:
                widths = measured[digits][kind]
                if sum(widths) + GAP * (len(widths) - 1) <= width:
                    return Layout(digits, every, _spread(measured[digits][0], widths, width), [])
    full, _, tight = measured[DIGITS[-1]]
    shown = every
    while len(shown) > 1 and sum(tight[i] for i in shown) + GAP * (len(shown) - 1) > width:
        shown = shown[:-1]
    widths = _spread([full[i] for i in shown], [tight[i] for i in shown], width)
    return Layout(DIGITS[-1], shown, widths, [columns[i] for i in every if i not in shown])


def _measure(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], digits: int
) -> tuple[list[int], list[int], list[int]]:
    """Per column, three widths: every cell and the header on one line; text cells
    wrapped at their spaces; text cells and the header wrapped at their spaces. A number
    is never wrapped, nor is any word."""
    full = [len(name.strip()) for name in columns]
    least = list(full)
    tight = [_longest_word(name.strip()) for name in columns]
    for row in rows:
        for i, value in enumerate(row):
            full[i] = max(full[i], len(cell_text(value, digits)))
            narrowest = least_width(value, digits)
            least[i] = max(least[i], narrowest)
            tight[i] = max(tight[i], narrowest)
    return full, least, tight


def _longest_word(text: str) -> int:
    return max(map(len, text.split(" ")))


def least_width(value: Any, digits: int) -> int:
    """The narrowest a cell can be: a number whole, text down to its longest word."""
    text = cell_text(value, digits)
    if value is None or isinstance(value, (int, float)):
        return len(text)
    return _longest_word(text)


def _spread(full: list[int], widths: list[int], width: int) -> list[int]:
    """Give the room left over back to the wrapped columns, widest need first."""
    widths = list(widths)
    room = width - sum(widths) - GAP * (len(widths) - 1)
    while room > 0:
        short = [i for i in range(len(widths)) if widths[i] < full[i]]
        if not short:
            break
        i = max(short, key=lambda k: full[k] - widths[k])
        widths[i] += 1
        room -= 1
    return widths


def build(columns: Sequence[str], layout: Layout) -> Table:
    """An empty table with the layout's columns; add rows with :func:`cells`."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, header_style=ui.STYLE_KEY, show_edge=False,
                  padding=(0, 1, 0, 0), pad_edge=False)
    for i, width in zip(layout.shown, layout.widths, strict=True):
        table.add_column(Text(columns[i].strip()), justify="right", width=width, overflow="fold",
                         no_wrap=False)
    return table


def plain(columns: Sequence[str], rows: Sequence[Sequence[Any]], layout: Layout) -> str:
    """The table as plain text for a file or pipe: the same columns, gaps and rule as the
    terminal table, every cell on one line (rich's layout is not needed, nor its cost)."""
    widths = [max(w, len(columns[i])) for i, w in zip(layout.shown, layout.widths, strict=True)]
    gap = " " * GAP
    lines = [gap.join(columns[i].rjust(w) for i, w in zip(layout.shown, widths, strict=True)),
             "─" * (sum(widths) + GAP * (len(widths) - 1))]
    for row in rows:
        lines.append(gap.join(cell_text(row[i], layout.digits).rjust(w)
                              for i, w in zip(layout.shown, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines)


def cells(row: Sequence[Any], layout: Layout) -> list[Text]:
    return [format_cell(row[i], layout.digits) for i in layout.shown]


def note(layout: Layout) -> Text | None:
    """The line that says which columns did not fit, or None."""
    text = note_text(layout)
    if text is None:
        return None
    from rich.text import Text

    return Text(text, style=ui.STYLE_MUTED)


def note_text(layout: Layout) -> str | None:
    if not layout.dropped:
        return None
    names = ", ".join(layout.dropped)
    return f"Not shown at this width: {names} (a wider terminal or --json shows all)."


def format_cell(value: Any, digits: int = 6) -> Text:
    """One table cell as rich Text: :func:`cell_text` in the style of :func:`cell_style`."""
    from rich.text import Text

    return Text(cell_text(value, digits), style=cell_style(value))


def cell_text(value: Any, digits: int = 6) -> str:
    """One table cell: numbers to ``digits`` significant digits, missing values as a dash,
    lists as (a, b) and matrices as [[a, b], [c, d]]; text without control characters."""
    if value is None:
        return "—"
    if isinstance(value, (bool, int)):
        return str(value)
    if isinstance(value, float):
        return number(value, digits)
    if isinstance(value, (list, tuple)):
        return _sequence(value, digits)
    # edge spaces would only push a word past its column
    return str(value).translate(ui.CONTROL_CODES).strip()


def cell_style(value: Any) -> str:
    """A cell's style: inf and nan in red (also inside a list), a missing value dim."""
    if value is None:
        return ui.STYLE_MUTED
    if isinstance(value, float) and not math.isfinite(value):
        return ui.STYLE_BAD
    if isinstance(value, (list, tuple)):
        return _list_style(value)
    return ""


def number(value: float, digits: int) -> str:
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
    return ", ".join(number(float(v), digits) if v is not None else "—" for v in values)


def _list_style(values: Sequence[Any]) -> str:
    flat = [v for row in values for v in (row if isinstance(row, (list, tuple)) else [row])]
    bad = any(isinstance(v, float) and not math.isfinite(v) for v in flat)
    return ui.STYLE_BAD if bad else ""
