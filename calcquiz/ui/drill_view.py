"""The drill screen: ask, read a typed answer, grade it, explain. Results go to the store."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence

from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from calcquiz import ui
from calcquiz.drills import Exercise, format_answer, grade
from calcquiz.mathtext import to_unicode
from calcquiz.ui.keys import LineReader

KEYS = "? hint · s skip · q quit"
Record = Callable[[Exercise, str | None, bool, int], None]


def run(exercises: Sequence[Exercise], reader: LineReader, record: Record) -> Counter[str]:
    """Ask each exercise; returns counts of "correct", "wrong", "skipped"."""
    console = ui.console()
    tally: Counter[str] = Counter()
    for i, ex in enumerate(exercises, start=1):
        console.print(
            Panel(
                Text(to_unicode(ex.prompt)),
                title=f"Drill {i}/{len(exercises)} · {ex.topic}",
                title_align="left",
                border_style=ui.STYLE_TITLE,
                padding=(1, 2),
            )
        )
        console.print(Text(f"Type {ex.answer_format} · {KEYS}", style=ui.STYLE_MUTED))
        started = time.monotonic()
        while True:
            typed = reader.read("answer> ")
            if typed is None or typed.strip().lower() == "q":
                console.print()
                summary(tally)
                return tally
            typed = typed.strip()
            if not typed:
                continue
            if typed == "?":
                console.print(Text(f"Hint: {ex.hint}", style=ui.STYLE_WARN))
                continue
            elapsed = int((time.monotonic() - started) * 1000)
            if typed.lower() == "s":
                record(ex, None, False, elapsed)
                tally["skipped"] += 1
                explain(ex, Text("Skipped.", style=ui.STYLE_MUTED))
                break
            result = grade(ex, typed)
            if result.message:  # unreadable or the wrong shape: ask again, no penalty
                console.print(Text(result.message, style=ui.STYLE_WARN))
                continue
            record(ex, typed, result.correct, elapsed)
            if result.correct:
                tally["correct"] += 1
                console.print(Text(f"✓ Correct: {format_answer(ex.answer)}", style=ui.STYLE_GOOD))
            else:
                tally["wrong"] += 1
                explain(ex, Text(f"✗ Not quite. You gave {typed}.", style=ui.STYLE_BAD))
            break
        console.print()
    summary(tally)
    return tally


def explain(ex: Exercise, headline: Text) -> None:
    console = ui.console()
    console.print(headline)
    body = Text(f"Answer: {format_answer(ex.answer)}\n", style="bold")
    body.append("\n".join(f"  {line}" for line in ex.solution))
    console.print(
        Panel(body, title="Worked solution", title_align="left", border_style=ui.STYLE_WARN)
    )


def summary(tally: Counter[str]) -> None:
    answered = tally["correct"] + tally["wrong"] + tally["skipped"]
    if not answered:
        return
    table = Table.grid(padding=(0, 2))
    table.add_row("Correct", str(tally["correct"]))
    table.add_row("Wrong", str(tally["wrong"]))
    table.add_row("Skipped", str(tally["skipped"]))
    ui.console().print(
        Panel(
            table,
            title=f"Drill: {tally['correct']}/{answered} right",
            title_align="left",
            border_style=ui.STYLE_TITLE,
        )
    )
