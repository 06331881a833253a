"""The drill screen: draws what a :class:`DrillSession` says happened. No drill logic here."""

from __future__ import annotations

from rich.panel import Panel
from rich.text import Text

from calcquiz import ui
from calcquiz.drills.session import Attempt, DrillSession, DrillSummary, Event, Status
from calcquiz.ui.keys import LineReader

KEYS = "? hint · s skip · q quit"


def run(session: DrillSession, reader: LineReader) -> DrillSummary:
    """Ask each exercise in turn until the last one or ``q``; returns the summary."""
    console = ui.console()
    while (ex := session.current) is not None:
        number, total = session.position
        console.print(
            Panel(
                Text(ex.prompt),  # generated text: plain Unicode, no LaTeX to convert
                title=f"Drill {number}/{total} · {ex.topic}",
                title_align="left",
                border_style=ui.STYLE_TITLE,
                padding=(1, 2),
            )
        )
        console.print(Text(f"Type {ex.answer_format} · {KEYS}", style=ui.STYLE_MUTED))
        session.shown()
        while True:
            reply = session.handle(reader.read("answer> "))
            if reply.event is Event.HINT:
                console.print(Text(f"Hint: {reply.text}", style=ui.STYLE_WARN))
            elif reply.event is Event.RETRY:
                console.print(Text(reply.text, style=ui.STYLE_WARN))
            elif reply.event is Event.DONE and reply.attempt is not None:
                explain(reply.attempt)
                console.print()
                break
            elif reply.event is Event.QUIT:
                console.print()
                break
    result = session.summary()
    summary(result)
    return result


def explain(attempt: Attempt, verdict: bool = True) -> None:
    """After every attempt, the worked solution: one line when right, a panel otherwise.
    ``verdict=False``: the caller has already said right or wrong (a study review)."""
    from calcquiz.drills.grading import answer_text

    console = ui.console()
    ex = attempt.exercise
    if attempt.status is Status.CORRECT:
        if verdict:
            console.print(Text(f"✓ Correct: {answer_text(ex)}", style=ui.STYLE_GOOD))
        console.print(Text("  " + " · ".join(ex.solution), style=ui.STYLE_MUTED))
        return
    if verdict and attempt.status is Status.SKIPPED:
        console.print(Text("Skipped.", style=ui.STYLE_MUTED))
    elif verdict:
        console.print(Text(f"✗ Not quite. You gave {attempt.given}.", style=ui.STYLE_BAD))
    body = Text(f"Answer: {answer_text(ex)}\n", style="bold")
    body.append("\n".join(f"  {line}" for line in ex.solution))
    console.print(
        Panel(body, title="Worked solution", title_align="left", border_style=ui.STYLE_WARN)
    )


def summary(result: DrillSummary) -> None:
    if not result.attempted + result.skipped:
        return
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    table.add_row("Correct", str(result.correct))
    table.add_row("Wrong", str(result.wrong))
    table.add_row("Skipped", str(result.skipped))
    ui.console().print(
        Panel(
            table,
            title=f"Drill: {result.correct}/{result.attempted} right"
            + (f", {result.skipped} skipped" if result.skipped else ""),
            title_align="left",
            border_style=ui.STYLE_TITLE,
        )
    )
