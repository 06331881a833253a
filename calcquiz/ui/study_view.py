"""The study screen: drives a :class:`~calcquiz.session.StudySession` from key presses.

Keys: Space/Enter reveal, 1-4 rate, d demo, u undo, q quit. The session commits each
rating before this module draws the next card.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from calcquiz import ui
from calcquiz.content import Card
from calcquiz.scheduler import RATINGS, format_interval
from calcquiz.session import StudySession, Summary
from calcquiz.ui.cards import answer_panel, note_panel, question_panel
from calcquiz.ui.keys import ENTER, KeyReader

RATING_STYLES = {1: "bold red", 2: "bold yellow", 3: "bold green", 4: "bold blue"}
QUESTION_KEYS = "Space/Enter show answer · d demo · u undo · q quit"
ANSWER_KEYS = "1-4 rate · d demo · u undo · q quit"


class Quit(Exception):
    """The learner pressed q or input ended."""


def rating_bar(session: StudySession) -> Text:
    """``1 Again 10m · 2 Hard 1d · 3 Good 3d · 4 Easy 8d``: the intervals that will apply."""
    outcomes = session.reveal()
    bar = Text()
    for i, (rating, name) in enumerate(RATINGS.items()):
        if i:
            bar.append(" · ", style=ui.STYLE_MUTED)
        bar.append(f"{rating} ", style=ui.STYLE_KEY)
        bar.append(name, style=RATING_STYLES[rating])
        if not session.options.cram:
            bar.append(f" {format_interval(outcomes[rating].interval)}")
    if session.options.cram:
        bar.append("   (cram: schedules unchanged)", style=ui.STYLE_MUTED)
    return bar


def status_line(session: StudySession) -> Text:
    counts = session.counts()
    text = Text()
    text.append(f"{counts['new']} new", style="blue")
    text.append(" · ", style=ui.STYLE_MUTED)
    text.append(f"{counts['learning']} learning", style="red")
    text.append(" · ", style=ui.STYLE_MUTED)
    text.append(f"{counts['review']} due", style="green")
    text.append(f"   {session.done_count} done", style=ui.STYLE_MUTED)
    return text


def hint(message: str) -> None:
    ui.console().print(Text(message, style=ui.STYLE_WARN))


def keys_line(keys: str) -> Text:
    return Text(keys, style=ui.STYLE_MUTED)


class StudyScreen:
    def __init__(
        self,
        session: StudySession,
        keys: KeyReader,
        run_demo: Callable[[Card], None],
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.session = session
        self.keys = keys
        self.run_demo = run_demo
        self.sleep = sleep
        self.console = ui.console()
        self.message: Text | None = None

    def key(self) -> str:
        key = self.keys.read()
        if key is None or key == "q":
            raise Quit
        return key

    def clear(self) -> None:
        if self.console.is_terminal:
            self.console.clear()
        else:
            self.console.print()

    def draw(self, card: Card, answered: bool) -> None:
        self.clear()
        self.console.print(status_line(self.session))
        if self.message is not None:
            self.console.print(self.message)
            self.message = None
        self.console.print(question_panel(card))
        if answered:
            self.console.print(answer_panel(card))
            note = note_panel(card)
            if note is not None:
                self.console.print(note)
            self.console.print(rating_bar(self.session))
            self.console.print(keys_line(ANSWER_KEYS))
        else:
            self.console.print(keys_line(QUESTION_KEYS))

    def demo(self, card: Card) -> None:
        if not card.demo:
            hint("This card has no demo.")
            return
        self.clear()
        self.run_demo(card)
        self.console.print(keys_line("Press any key to go back to the card."))
        self.key()

    def undo(self) -> bool:
        undone = self.session.undo()
        if undone is None:
            hint("Nothing to undo yet.")
            return False
        self.message = Text(
            f"Undid {RATINGS[undone.rating]} on card {undone.card.number}.", style=ui.STYLE_WARN
        )
        return True

    def run(self) -> Summary:
        """Study until done, q, or end of input. KeyboardInterrupt propagates to the caller."""
        try:
            while True:
                card = self.session.next_card()
                if card is None:
                    if not self.wait_for_learning():
                        break
                    continue
                self.ask(card)
        except Quit:
            pass
        return self.session.summary()

    def ask(self, card: Card) -> None:
        answered = False
        self.draw(card, answered)
        while True:
            key = self.key()
            if key == "d":
                self.demo(card)
                self.draw(card, answered)
            elif key == "u":
                if self.undo():
                    return  # the undone card is now current; the loop shows it again
            elif not answered and key in (" ", ENTER):
                answered = True
                self.draw(card, answered)
            elif answered and key in "1234" and len(key) == 1:
                self.session.rate(int(key))
                return
            elif answered:
                hint(f"Press 1-4 to rate ({ANSWER_KEYS}).")
            else:
                hint(f"Press Space or Enter to see the answer ({QUESTION_KEYS}).")

    def wait_for_learning(self) -> bool:
        """Only cards in a learning step remain: say when the next is due; wait or stop."""
        due = self.session.waiting_until()
        if due is None:
            return False
        wait = max(0.0, due - self.session.clock())
        self.clear()
        self.console.print(
            Text(
                f"Only cards in learning remain; the next is due in {format_interval(wait)} "
                f"(at {datetime.fromtimestamp(due):%H:%M})."
            )
        )
        self.console.print(keys_line("w wait for it · q stop here"))
        while True:
            key = self.key()
            if key == "w":
                break
            hint("Press w to wait or q to stop.")
        remaining = due - self.session.clock()
        if remaining > 0:
            self.console.print(Text(f"Waiting {format_interval(remaining)}…", style=ui.STYLE_MUTED))
            self.sleep(remaining)
        return True


def print_summary(summary: Summary, interrupted: bool = False) -> None:
    console = ui.console()
    lines = [
        Text(f"Cards reviewed: {summary.reviewed}" + (" (cram)" if summary.cram else "")),
        Text("Ratings: " + ", ".join(f"{name} {count}" for name, count in summary.ratings.items())),
        Text(f"Time spent: {_duration(summary.seconds)}"),
        Text(f"Next card due: {_when(summary.next_due)}"),
    ]
    title = "Session interrupted — every rating is saved" if interrupted else "Session summary"
    console.print(
        Panel(Group(*lines), title=title, title_align="left", border_style=ui.STYLE_TITLE)
    )


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def _when(ts: float | None) -> str:
    if ts is None:
        return "nothing scheduled"
    wait = ts - time.time()
    if wait <= 0:
        return "now"
    return f"in {format_interval(wait)} ({datetime.fromtimestamp(ts):%Y-%m-%d %H:%M})"
