"""Rendering ``calcquiz stats``: figures, a 14-day due forecast and a review heatmap."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from calcquiz import ui

if TYPE_CHECKING:
    from calcquiz.progress import DayReviews, RecallVsExercises, Stats

BAR_WIDTH = 40
SHADES = " ░▒▓█"
RECALL_ROWS = 30  # cards shown in "Recall vs exercises"


def print_stats(report: Stats) -> None:
    console = ui.console()
    retention = report.true_retention
    figures = Table.grid(padding=(0, 2))
    figures.add_column(style=ui.STYLE_MUTED)
    figures.add_column()
    figures.add_row("Decks", Text(", ".join(report.decks)))  # names are data, not markup
    figures.add_row("Reviews today", str(report.reviews_today))
    figures.add_row("Reviews in all", str(report.reviews_total))
    figures.add_row(
        "True retention",
        "no reviews of mature cards yet"
        if retention is None
        else f"{retention:.1%} of {report.retention_reviews} reviews",
    )
    states = report.cards_by_state
    figures.add_row("Cards", " · ".join(f"{n} {name}" for name, n in states.items()))
    figures.add_row(
        "Set aside", " · ".join(f"{n} {name}" for name, n in report.set_aside.items())
    )
    console.print(Text("Progress", style=ui.STYLE_TITLE))
    console.print(figures)

    console.print()
    console.print(Text("Due in the next 14 days", style=ui.STYLE_TITLE))
    forecast = report.forecast
    peak = max((d.due for d in forecast), default=0) or 1
    chart = Table.grid(padding=(0, 1))
    chart.add_column(style=ui.STYLE_MUTED)
    chart.add_column()
    chart.add_column(justify="right")
    for i, day in enumerate(forecast):
        label = "today" if i == 0 else date.fromisoformat(day.date).strftime("%a %d")
        bar = "█" * round(BAR_WIDTH * day.due / peak)
        chart.add_row(label, Text(bar, style=ui.STYLE_GOOD), str(day.due))
    console.print(chart)

    console.print()
    console.print(Text("Reviews, last 12 weeks", style=ui.STYLE_TITLE))
    console.print(heatmap(report.heatmap))

    accuracy = report.drill_accuracy
    if accuracy:
        console.print()
        console.print(Text("Drill accuracy", style=ui.STYLE_TITLE))
        table = Table.grid(padding=(0, 2))
        for topic, a in accuracy.items():
            share = "-" if a.accuracy is None else f"{a.accuracy:.0%}"
            skipped = f"{a.skipped} skipped" if a.skipped else ""
            table.add_row(Text(topic), f"{a.correct}/{a.attempted}", share, skipped)
        console.print(table)
    print_recall_vs_exercises(report.recall_vs_exercises, report.exercise_window)


def print_recall_vs_exercises(rows: Sequence[RecallVsExercises], window: int) -> None:
    """Recalling a card beside solving its topic's exercises (drilled topics only)."""
    if not rows:
        return
    console = ui.console()
    console.print()
    console.print(Text(f"Recall vs exercises (last {window} answers)", style=ui.STYLE_TITLE))
    table = Table.grid(padding=(0, 2))
    table.add_column(style=ui.STYLE_MUTED)
    table.add_column(justify="right")
    table.add_column()
    for r in rows[:RECALL_ROWS]:
        solved = r.exercise_accuracy
        table.add_row(
            Text(r.card),
            "recall -" if r.retrievability is None else f"recall {r.retrievability:.0%}",
            "no exercises yet" if not solved else f"solved {solved['right']} of {solved['of']}",
        )
    console.print(table)
    if len(rows) > RECALL_ROWS:
        more = f"... and {len(rows) - RECALL_ROWS} more cards (stats --json lists them all)"
        console.print(Text(more, style=ui.STYLE_MUTED))


def heatmap(days: Sequence[DayReviews]) -> Text:
    """Weeks as columns, weekdays as rows, shaded by review count (GitHub style)."""
    peak = max((d.reviews for d in days), default=0)
    first = date.fromisoformat(days[0].date)
    offset = first.weekday()
    grid: list[list[str]] = [[" "] * ((len(days) + offset + 6) // 7) for _ in range(7)]
    for i, d in enumerate(days):
        col, row = divmod(i + offset, 7)
        n = d.reviews
        level = 0 if n == 0 else 1 + min(3, int(3 * n / peak)) if peak else 0
        grid[row][col] = SHADES[min(level, 4)] if n else "·"
    text = Text()
    for row, name in enumerate(["Mon", "", "Wed", "", "Fri", "", "Sun"]):
        text.append(f"{name:>3} ", style=ui.STYLE_MUTED)
        text.append(" ".join(grid[row]), style=ui.STYLE_GOOD)
        text.append("\n")
    text.append(f"    · none   ░ ▒ ▓ █ more (busiest day: {peak})", style=ui.STYLE_MUTED)
    return text
