"""The study screen's exercise reviews (``study --exercises``): what a card with an
exercise generator looks like. No session logic here (see :mod:`calcquiz.exercise_review`).

A card is shown with its question and a fresh exercise; the learner types an answer (a
whole line: ``?`` hint, ``s`` give up, ``d`` demo, ``@`` suspend, ``-`` bury, ``u`` undo,
``q`` quit; an answer that cannot be read is asked again, not counted). The verdict, the
card's answer and the worked solution then show together, with the proposed rating and
every button's interval: one key rates and moves on (Enter accepts the proposal, ``1``-``4``
rate otherwise). From a pipe: one line for the answer, one to accept (empty) or override.
"""

from __future__ import annotations

from rich.panel import Panel
from rich.text import Text

from calcquiz import ui
from calcquiz.content import Card
from calcquiz.dates import format_interval
from calcquiz.drills.session import Event
from calcquiz.exercise_review import ExerciseOutcome
from calcquiz.scheduler import RATINGS
from calcquiz.session import Rated, StudySession
from calcquiz.ui.cards import answer_panel, note_panel, question_panel
from calcquiz.ui.keys import ENTER, LineReader
from calcquiz.ui.study_view import (
    SET_ASIDE_KEYS,
    Quit,
    StudyScreen,
    hint,
    keys_line,
    leech_message,
    status_line,
)

EXERCISE_KEYS = "? hint · s give up · d demo · @ suspend · - bury · u undo · q quit"
PROPOSAL_KEYS = "Enter accept · 1-4 rate otherwise · u undo · q quit"
PROMPT = "answer> "


def exercise_panel(session: StudySession) -> Panel:
    drill = session.exercises.drill
    assert drill is not None and drill.current is not None
    ex = drill.current
    return Panel(
        Text(ex.prompt),  # generated text: plain Unicode, no markup
        title=f"Exercise · {ex.topic}",
        title_align="left",
        border_style=ui.STYLE_TITLE,
        padding=(0, 1),
    )


def verdict(outcome: ExerciseOutcome) -> Text:
    """``✓ Right.``, ``✓ Right, after the hint.``, ``✗ Not right: you gave 2; the answer
    is 3.`` or ``Given up: the answer is 3.``"""
    from calcquiz.drills.grading import answer_text

    attempt = outcome.attempt
    if outcome.correct:
        return Text(
            "✓ Right" + (", after the hint." if attempt.hinted else "."), style=ui.STYLE_GOOD
        )
    expected = answer_text(attempt.exercise)
    if outcome.gave_up:
        return Text(f"Given up: the answer is {expected}.", style=ui.STYLE_WARN)
    return Text(f"✗ Not right: you gave {attempt.given}; the answer is {expected}.",
                style=ui.STYLE_BAD)


def proposal_bar(session: StudySession, proposed: int) -> Text:
    """Every button with its interval, the proposed one in brackets:
    ``1 Again 1m · 2 Hard 6m · [3 Good 10m] · 4 Easy 9d``."""
    previews = session.reveal()
    cram = session.options.cram
    bar = Text()
    for i, (rating, name) in enumerate(RATINGS.items()):
        if i:
            bar.append(" · ", style=ui.STYLE_MUTED)
        label = f"{rating} {name}"
        if not cram:
            label += f" {format_interval(previews[rating].interval)}"
        if rating == proposed:
            bar.append(f"[{label}]", style=f"reverse {ui.RATING_STYLES[rating]}")
        else:
            bar.append(label)
    if cram:
        bar.append("   (cram: schedules unchanged)", style=ui.STYLE_MUTED)
    return bar


def draw_exercise(screen: StudyScreen, card: Card) -> None:
    screen.clear()
    console = screen.console
    console.print(status_line(screen.session))
    screen.flush_message()
    console.print(question_panel(card, screen.several_decks))
    console.print(exercise_panel(screen.session))
    drill = screen.session.exercises.drill
    assert drill is not None and drill.current is not None
    console.print(keys_line(f"Type {drill.current.answer_format} · {EXERCISE_KEYS}"))


def ask_exercise(screen: StudyScreen, card: Card) -> None:
    """Review ``card`` by its exercise: answer, rating, then the solution. Returns when the
    card is rated, set aside or a rating undone (the loop then shows the current card)."""
    session = screen.session
    lines = LineReader(screen.keys.stream)
    draw_exercise(screen, card)
    drill = session.exercises.drill
    assert drill is not None
    drill.shown()  # the exercise is timed from here
    while session.exercises.waiting:
        with screen.keys.cooked():  # the answer is typed as a line, with echo
            line = lines.read(PROMPT)
        typed = (line or "").strip()
        if typed == "d":
            screen.demo(card)
            draw_exercise(screen, card)
        elif typed == "u":
            if screen.undo():
                return
        elif typed in SET_ASIDE_KEYS:
            done = session.set_aside(SET_ASIDE_KEYS[typed])
            verb = "Suspended" if done.action == "suspend" else "Buried until tomorrow:"
            screen.message = Text(f"{verb} card {card.number} (u undoes).", style=ui.STYLE_WARN)
            return
        else:
            reply = session.exercises.answer(line)
            if reply.event is Event.QUIT:
                raise Quit
            if reply.event is Event.HINT:
                screen.console.print(Text(f"Hint: {reply.text}", style=ui.STYLE_WARN))
            elif reply.event is Event.RETRY:
                screen.console.print(Text(reply.text, style=ui.STYLE_WARN))
    _show_solution(screen, card)
    rated = _rate(screen)
    if rated is None:
        return  # a rating was undone: that card is shown next
    # Said on the next card's screen, which comes at once: the rating key moved on.
    screen.message = (
        Text(leech_message(rated), style=ui.STYLE_BAD) if rated.leech
        else Text(f"Card {card.number}: Rated {RATINGS[rated.rating]}.",
                  style=ui.RATING_STYLES[rated.rating])
    )


def _rate(screen: StudyScreen) -> Rated | None:
    """The proposed rating, Enter to accept or 1-4; None when u undid the last rating."""
    session = screen.session
    outcome = session.exercises.outcome
    assert outcome is not None
    name = RATINGS[outcome.proposed]
    screen.console.print(proposal_bar(session, outcome.proposed))
    screen.console.print(keys_line(f"Proposed: {name} · {PROPOSAL_KEYS}"))
    while True:
        key = screen.key()
        if key == ENTER:
            return session.accept()
        if key in "1234" and len(key) == 1:
            return session.rate(int(key))
        if key == "u" and screen.undo():
            return None
        if key != "u":
            hint(f"Press Enter to accept {name}, or 1-4 to rate otherwise.")


def _show_solution(screen: StudyScreen, card: Card) -> None:
    """Right after the answer: the verdict, the card's answer and the worked solution."""
    from calcquiz.ui.drill_view import explain

    outcome = screen.session.exercises.outcome
    assert outcome is not None
    console = screen.console
    console.print(verdict(outcome))
    console.print(answer_panel(card))
    note = note_panel(card)
    if note is not None:
        console.print(note)
    explain(outcome.attempt, verdict=False)
