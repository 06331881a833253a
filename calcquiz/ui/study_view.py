"""The study screen: drives a :class:`~calcquiz.session.StudySession` from key presses.

Keys: Space/Enter reveal, 1-4 rate, d demo, @ suspend, - bury until tomorrow, u undo,
q quit. The session commits each rating before this module draws the next card.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from calcquiz import ui
from calcquiz.content import Card
from calcquiz.dates import Calendar, format_duration, format_interval
from calcquiz.scheduler import RATINGS
from calcquiz.session import Rated, SetAside, StudySession, Summary
from calcquiz.ui.cards import answer_panel, note_panel, question_panel
from calcquiz.ui.keys import ENTER, TIMEOUT, KeyReader

QUESTION_KEYS = "Space/Enter show answer · d demo · @ suspend · - bury · u undo · q quit"
ANSWER_KEYS = "1-4 rate · d demo · @ suspend · - bury · u undo · q quit"
SET_ASIDE_KEYS = {"@": "suspend", "-": "bury"}


class Quit(Exception):
    """The learner pressed q or input ended."""


def rating_bar(session: StudySession) -> Text:
    """``1 Again 10m · 2 Hard 1d · 3 Good 3d · 4 Easy 8d``: the intervals that will apply."""
    previews = session.reveal()
    bar = Text()
    for i, (rating, name) in enumerate(RATINGS.items()):
        if i:
            bar.append(" · ", style=ui.STYLE_MUTED)
        bar.append(f"{rating} ", style=ui.STYLE_KEY)
        bar.append(name, style=ui.RATING_STYLES[rating])
        if not session.options.cram:
            bar.append(f" {format_interval(previews[rating].interval)}")
    if session.options.cram:
        bar.append("   (cram: schedules unchanged)", style=ui.STYLE_MUTED)
    return bar


def status_line(session: StudySession) -> Text:
    """Cards left (the one shown included) and ratings given."""
    counts = session.counts()
    text = Text()
    text.append(f"{counts['new']} new", style=ui.STYLE_NEW)
    text.append(" · ", style=ui.STYLE_MUTED)
    text.append(f"{counts['learning']} learning", style=ui.STYLE_LEARNING)
    text.append(" · ", style=ui.STYLE_MUTED)
    text.append(f"{counts['review']} due", style=ui.STYLE_REVIEW)
    text.append(f"   {session.done_count} done", style=ui.STYLE_MUTED)
    return text


def hint(message: str) -> None:
    ui.console().print(Text(message, style=ui.STYLE_WARN))


def keys_line(keys: str) -> Text:
    return Text(keys, style=ui.STYLE_MUTED)


def undo_message(undone: Rated | SetAside) -> str:
    card = undone.card.number
    if isinstance(undone, SetAside):
        verb = "suspending" if undone.action == "suspend" else "burying"
        return f"Undid {verb} card {card}."
    kept = " Its marks, changed in another session since, stay as they are." * undone.marks_kept
    return f"Undid {RATINGS[undone.rating]} on card {card}.{kept}"


def leech_message(rated: Rated) -> str:
    lapses = rated.after.lapses
    action = "suspended; calcquiz unsuspend" if rated.suspended else "tagged leech; rewrite it?"
    what = f"{action} {rated.card.id}" if rated.suspended else action
    return f"Card {rated.card.number} is a leech ({lapses} lapses): {what}"


class StudyScreen:
    def __init__(
        self,
        session: StudySession,
        keys: KeyReader,
        run_demo: Callable[[Card, Callable[[float], bool] | None], None],
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.session = session
        self.keys = keys
        self.run_demo = run_demo
        self.sleep = sleep
        self.console = ui.console()
        self.message: Text | None = None
        self.several_decks = len(session.decks) > 1  # each card then says its deck

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
        self.flush_message()
        self.console.print(question_panel(card, self.several_decks))
        if answered:
            self.console.print(answer_panel(card))
            note = note_panel(card)
            if note is not None:
                self.console.print(note)
            self.console.print(rating_bar(self.session))
            self.console.print(keys_line(ANSWER_KEYS))
        else:
            self.console.print(keys_line(QUESTION_KEYS))

    def flush_message(self) -> None:
        if self.message is not None:
            self.console.print(self.message)
            self.message = None

    def demo(self, card: Card) -> None:
        if not card.demo:  # shown by the redraw that follows (printed now, it was cleared)
            self.message = Text("This card has no demo.", style=ui.STYLE_WARN)
            return
        self.clear()
        self.run_demo(card, self._skip if self.keys.interactive else None)
        self.keys.discard()  # keys pressed while it ran are not the answer to this
        # no newline: on a full screen a cursor line below would push the demo's top off
        self.console.print(keys_line("Press any key to go back to the card."),
                           end="" if self.console.is_terminal else "\n")
        if self.keys.read() is None:  # any key goes back, q too; only the input's end stops
            raise Quit

    def _skip(self, seconds: float) -> bool:
        """A demo's pause between rows: True when a key was pressed (it ends the animation)."""
        return self.keys.read_within(seconds) != TIMEOUT

    def undo(self) -> bool:
        from calcquiz.errors import UndoConflictError

        try:
            undone = self.session.undo()
        except UndoConflictError as exc:
            hint(f"Cannot undo: {exc}.")
            return False
        if undone is None:
            hint("Nothing to undo yet.")
            return False
        self.message = Text(undo_message(undone), style=ui.STYLE_WARN)
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
        self.flush_message()  # e.g. the last card became a leech
        return self.session.summary()

    def ask(self, card: Card) -> None:
        if self.session.exercises.drill is not None:  # reviewed by a fresh exercise
            from calcquiz.ui.exercise_view import ask_exercise

            ask_exercise(self, card)
            return
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
            elif key in SET_ASIDE_KEYS:
                done = self.session.set_aside(SET_ASIDE_KEYS[key])
                verb = "Suspended" if done.action == "suspend" else "Buried until tomorrow:"
                self.message = Text(f"{verb} card {card.number} (u undoes).", style=ui.STYLE_WARN)
                return
            elif not answered and key in (" ", ENTER):
                answered = True
                self.draw(card, answered)
            elif answered and key in "1234" and len(key) == 1:
                rated = self.session.rate(int(key))
                if rated.leech:
                    self.message = Text(leech_message(rated), style=ui.STYLE_BAD)
                return
            elif answered:
                hint(f"Press 1-4 to rate ({ANSWER_KEYS}).")
            else:
                hint(f"Press Space or Enter to see the answer ({QUESTION_KEYS}).")

    def wait_for_learning(self) -> bool:
        """Only cards in a learning step remain: say when the next is due; wait, undo or
        stop. On a terminal the wait counts down live and the card shows when due."""
        due = self.session.waiting_until()  # when it can be shown: learn-ahead applied
        if due is None:
            return False
        if self.keys.interactive:
            return self._countdown(due)
        wait = max(0.0, due - self.session.clock())
        self.clear()
        self.flush_message()
        self.console.print(
            Text(
                f"Only cards in learning remain; the next shows in {format_interval(wait)} "
                f"at {self.session.calendar.clock_time(due)}{self._ahead_note()}."
            )
        )
        self.console.print(keys_line("w wait for it · u undo · q stop here"))
        while True:
            key = self.key()
            if key == "w":
                break
            if key == "u":
                if self.undo():
                    return True
                continue
            hint("Press w to wait, u to undo or q to stop.")
        remaining = due - self.session.clock()
        if remaining > 0:
            self.console.print(Text(f"Waiting {format_interval(remaining)}…", style=ui.STYLE_MUTED))
            self.sleep(remaining)
        return True

    def _ahead_note(self) -> str:
        """`` (due 22:02:53, learn-ahead 20m)``: why a card shows before its due time."""
        ahead = self.session.learn_ahead
        due = self.session.learning_due()
        if not ahead or due is None:
            return ""
        at = self.session.calendar.clock_time(due)
        return f" (due {at}, learn-ahead {format_interval(ahead)})"

    def _countdown(self, due: float) -> bool:
        at = self.session.calendar.clock_time(due)
        while (remaining := due - self.session.clock()) > 0:
            self.clear()
            self.console.print(status_line(self.session))
            self.flush_message()
            minutes, seconds = divmod(int(remaining + 0.999), 60)
            self.console.print(
                Text("Only cards in learning remain.\n")
                .append(f"The next shows at {at}, in ")
                .append(f"{minutes}:{seconds:02d}", style=ui.STYLE_KEY)
                .append(f"{self._ahead_note()}.")
            )
            self.console.print(keys_line("it shows by itself when due · u undo · q stop here"))
            key = self.keys.read_within(min(1.0, remaining))
            if key is None or key == "q":
                raise Quit
            if key == TIMEOUT:
                continue  # a second passed: redraw the countdown
            if key == "u" and self.undo():
                return True
        return True


def print_summary(
    summary: Summary, calendar: Calendar, interrupted: bool = False, again: str = "calcquiz study"
) -> None:
    """The session's figures; a headline in words when nothing was studied. ``again`` is
    the command that studies the same selection (its --deck and --tag), for the hints."""
    console = ui.console()
    now = time.time()
    if not summary.reviewed and not any(summary.set_aside.values()) and not interrupted:
        for line in headline(summary, calendar, now, again=again):
            console.print(Text(line))
        return
    lines = [
        Text(
            f"Reviewed: {_count(summary.reviewed, 'rating')} of {_count(summary.cards, 'card')}"
            + (" (cram)" if summary.cram else "")
        ),
        Text("Ratings: " + ", ".join(f"{name} {count}" for name, count in summary.ratings.items())),
    ]
    aside = [f"{n} {verb}" for verb, n in (("suspended", summary.set_aside["suspend"]),
                                           ("buried", summary.set_aside["bury"])) if n]
    if aside:
        lines.append(Text("Set aside: " + ", ".join(aside)))
    if summary.leeches:
        lines.append(Text(f"New leeches: {summary.leeches}", style=ui.STYLE_WARN))
    if summary.exercises[1]:
        lines.append(Text(f"Exercises: {summary.exercises[0]} of {summary.exercises[1]} right"))
    lines.append(Text(f"Time spent: {format_duration(summary.seconds)}"))
    after = headline(summary, calendar, now, after_session=True, again=again)
    lines.extend(Text(line) for line in after)
    title = "Session interrupted — every rating is saved" if interrupted else "Session summary"
    console.print(
        Panel(Group(*lines), title=title, title_align="left", border_style=ui.STYLE_TITLE)
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def headline(
    summary: Summary,
    calendar: Calendar,
    now: float,
    after_session: bool = False,
    again: str = "calcquiz study",
) -> list[str]:
    """``Nothing due. Next review: tomorrow 09:10 (3 cards).``, and why no new cards."""
    lines = []
    due = summary.next_due
    if due is not None and due <= now:
        lines.append("More cards are due now.")
    else:
        start = "Next review" if after_session else "Nothing due. Next review"
        if due is None:
            lines.append("Nothing due and nothing scheduled." if not after_session
                         else "Next review: nothing scheduled.")
        else:
            lines.append(f"{start}: {when_available(summary, calendar, now)} "
                         f"({_count(summary.next_due_cards, 'card')}).")
    if summary.new_limit_reached and summary.new_left_today:  # this run's --new was lower
        lines.append(
            f"{_count(summary.new_left_today, 'new card')} left today: {again}"
        )
    elif summary.new_limit_reached:
        more = summary.new_today + min(5, summary.unseen)
        lines.append(
            f"New-card limit reached: {_count(summary.new_today, 'new card')} today. "
            f"{min(5, summary.unseen)} more today: {again} --new {more}"
        )
    return lines


def when_available(summary: Summary, calendar: Calendar, now: float) -> str:
    """``tomorrow 04:00, when the day starts``: when the next cards can be studied (a
    review is due on its day, from the day's start, whatever its due time)."""
    at = summary.next_available if summary.next_available is not None else summary.next_due
    assert at is not None
    text = calendar.format_due(at, now)
    return f"{text}, when the day starts" if summary.next_at_day_start else text


def print_start(
    cards: int,
    decks: int,
    counts: dict[str, int] | None,
    next_due: Summary | None,
    calendar: Calendar,
    new_per_day: int,
) -> None:
    """Bare ``calcquiz``: what it is, what is due now, and three commands to try first."""
    console = ui.console()
    console.print(
        Text(
            "calcquiz: flashcards, live numeric demos and auto-graded drills for the "
            "calculus and optimization behind machine learning.",
            style=ui.STYLE_TITLE,
        )
    )
    where = f"{_count(cards, 'card')} in {_count(decks, 'deck')}"
    if counts is None:
        due = f"{min(cards, new_per_day)} new cards to start with (nothing studied yet)"
    elif any(counts.values()):
        due = (
            f"to study today: {_count(counts['review'], 'review')}, "
            f"{counts['learning']} in learning, {counts['new']} new"
        )
    elif next_due is not None and next_due.next_due is not None:
        due = f"nothing due now; next review {when_available(next_due, calendar, time.time())}"
    else:
        due = "nothing due now"
    console.print(Text(f"{where}; {due}."))
    console.print()
    console.print(Text("Try first:", style=ui.STYLE_KEY))
    for command, what in START_COMMANDS:
        line = Text(f"  {command:<24}", style=ui.STYLE_KEY)
        line.append(what)
        console.print(line)
    console.print()
    console.print(Text("Every command: calcquiz --help", style=ui.STYLE_MUTED))


START_COMMANDS = (
    ("calcquiz study", "review what is due (Space: answer, 1-4: rate, q: stop)"),
    ("calcquiz demo momentum", "the numbers behind a card, computed live"),
    ("calcquiz export anki", "the deck as an Anki package"),
)
