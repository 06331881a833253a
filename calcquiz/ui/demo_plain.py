"""A finished demo as plain text, for a file or pipe: rich is not imported.

The same title, table, plots and takeaway as :mod:`calcquiz.ui.demo_view` shows in a
terminal, without colour and without the takeaway's box: a header line names it and the
text is wrapped to the output's width (rich's width: COLUMNS, the terminal's, or 80).
The table is :func:`calcquiz.ui.demo_table.plain` and the plots
:func:`calcquiz.ui.plots.plot_text`, both shared with the terminal view.
"""

from __future__ import annotations

import sys
import textwrap
from typing import TYPE_CHECKING, TextIO

from calcquiz import ui
from calcquiz.ui import demo_table
from calcquiz.ui.demo_view import PLOT_HEIGHT, PLOT_MAX_WIDTH
from calcquiz.ui.plots import plot_text

if TYPE_CHECKING:
    from calcquiz.demos.core import DemoRun


def render(run: DemoRun, *, width: int | None = None, out: TextIO | None = None) -> None:
    """Write the finished demo to ``out`` (stdout) for a reader ``width`` columns wide
    (:func:`calcquiz.ui.output_width` if not given)."""
    out = sys.stdout if out is None else out
    width = ui.output_width() if width is None else width
    card = f"card {run.card}" if run.card is not None else ""
    outcome = run.finish()
    layout = demo_table.fit(run.columns, run.rows, None)  # the natural width, nothing folded
    parts = [_wrap(f"{run.title}  ({card})" if card else run.title, width),
             demo_table.plain(run.columns, run.rows, layout)]
    for plot in outcome.plots:
        drawn = plot_text(plot, width=min(width, PLOT_MAX_WIDTH), height=PLOT_HEIGHT)
        if drawn is not None:
            parts.append(drawn)
    parts.append(takeaway(outcome.takeaway, f"{card}: takeaway" if card else "takeaway", width))
    out.write("\n".join(parts) + "\n")
    out.flush()


def takeaway(text: str, title: str, width: int) -> str:
    """A header line ``── title ───`` as wide as ``width``, then ``text`` wrapped to it."""
    head = f"── {title.translate(ui.CONTROL_CODES)} "
    return head + "─" * max(0, width - len(head)) + "\n" + _wrap(text, width)


def _wrap(text: str, width: int) -> str:
    """Each line wrapped at spaces to ``width``; a word longer than that stays whole."""
    return "\n".join(
        textwrap.fill(line, width=max(1, width), break_long_words=False,
                      break_on_hyphens=False)
        for line in text.translate(ui.CONTROL_CODES).split("\n"))
