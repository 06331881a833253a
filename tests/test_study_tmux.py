"""`calcquiz study` in a real terminal (tmux): single keypresses, what a person sees."""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from calcquiz.ui.study_view import ANSWER_KEYS, QUESTION_KEYS

from .helpers import Terminal, calcquiz_command

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


@pytest.fixture
def terminal(calcquiz_home: Path, tmp_path: Path):
    opened: list[Terminal] = []

    def start(*args: str) -> Terminal:
        t = Terminal(calcquiz_command(calcquiz_home, *args), tmp_path)
        opened.append(t)
        return t

    yield start
    for t in opened:
        t.close()


def count_reviews(home: Path) -> int:
    conn = sqlite3.connect(home / "calcquiz.db")
    try:
        return conn.execute("SELECT COUNT(*) FROM review_log").fetchone()[0]
    finally:
        conn.close()


def test_a_person_studies_two_cards_with_single_keys(terminal, calcquiz_home: Path):
    t = terminal("study")
    screen = t.wait_for(QUESTION_KEYS)
    assert "What is a Derivative?" in screen
    assert "Card 1 · derivative" in screen
    assert "Space/Enter show answer" in screen
    assert "Rate of change" not in screen  # the answer is hidden until asked for

    t.keys("Space")  # no Enter needed
    screen = t.wait_for(ANSWER_KEYS)  # the last line drawn: the whole screen is there
    assert "Rate of change of a function" in screen
    assert "1 Again 1m · 2 Hard 6m · 3 Good 10m · 4 Easy" in screen

    t.keys("x")  # an unknown key: a hint, the card stays
    screen = t.wait_for("Press 1-4 to rate")

    t.keys("3")
    screen = t.wait_for("What is a Partial Derivative?")
    screen = t.wait_for(QUESTION_KEYS)
    assert "What is a Derivative?" not in screen  # a fresh screen per card
    assert count_reviews(calcquiz_home) == 1  # committed before the next card showed

    t.keys("Enter")
    t.wait_for("∂f/∂x.")
    t.keys("u")  # undo the rating of card 1: it comes back
    t.wait_for("Undid Good on card 1.")
    screen = t.wait_for(QUESTION_KEYS)
    assert "What is a Derivative?" in screen
    assert count_reviews(calcquiz_home) == 0

    t.keys("Space")
    t.wait_for("Rate of change of a function")
    t.keys("4")
    t.wait_for("What is a Partial Derivative?")
    t.keys("q")
    screen = t.wait_for("EXIT=0")
    assert "Reviewed: 1 rating of 1 card" in screen
    assert "Again 0, Hard 0, Good 0, Easy 1" in screen
    assert count_reviews(calcquiz_home) == 1


def test_ctrl_c_in_a_terminal_keeps_ratings_and_exits_130(terminal, calcquiz_home: Path):
    t = terminal("study")
    t.wait_for("What is a Derivative?")
    t.keys("Enter")
    t.wait_for("1 Again")
    t.keys("1")
    t.wait_for("What is a Partial Derivative?")
    t.keys("C-c")
    screen = t.wait_for("EXIT=130")
    assert "Session interrupted" in screen and "Reviewed: 1 rating of 1 card" in screen
    assert count_reviews(calcquiz_home) == 1


def test_suspend_and_bury_keys_and_their_undo(terminal, calcquiz_home: Path):
    t = terminal("study", "--new", "3")
    screen = t.wait_for(QUESTION_KEYS)
    assert "3 new · 0 learning · 0 due" in screen  # the card shown counts
    t.keys("@")
    t.wait_for("Suspended card 1 (u undoes).")
    screen = t.wait_for(QUESTION_KEYS)
    assert "Card 2 · partial-derivative" in screen and "2 new · 0 learning" in screen
    t.keys("Space")
    t.wait_for(ANSWER_KEYS)
    t.keys("-")  # bury works on the answer side too
    t.wait_for("Buried until tomorrow: card 2 (u undoes).")
    t.wait_for("Card 3 · gradient")
    t.keys("u")
    t.wait_for("Undid burying card 2.")
    screen = t.wait_for(QUESTION_KEYS)
    assert "Card 2 · partial-derivative" in screen and "2 new · 0 learning" in screen
    t.keys("q")
    screen = t.wait_for("EXIT=0")
    assert "Set aside: 1 suspended" in screen
    conn = sqlite3.connect(calcquiz_home / "calcquiz.db")
    flags = conn.execute("SELECT card_id, suspended, buried_until FROM card_flags").fetchall()
    conn.close()
    assert flags == [("derivative", 1, None)]


def test_the_wait_screen_counts_down_live_and_accepts_undo(terminal, calcquiz_home: Path):
    import subprocess

    from .helpers import CLI

    subprocess.run([*CLI, "config", "set", "learn_ahead_minutes", "0"], check=True)
    t = terminal("study", "--new", "1")
    t.wait_for(QUESTION_KEYS)
    t.keys("Space")
    t.wait_for(ANSWER_KEYS)
    t.keys("1")
    screen = t.wait_for("Only cards in learning remain")
    assert re.search(r"The next shows at \d\d:\d\d:\d\d, in [01]:[0-5]\d\.", screen), screen

    def left(text: str) -> int:
        minutes, seconds = re.search(r"in (\d):(\d\d)\.", text).groups()
        return 60 * int(minutes) + int(seconds)

    first = left(screen)
    assert 50 <= first <= 60
    time.sleep(2.2)
    assert left(t.screen()) < first  # it counts down without a key press
    assert "1 new" not in t.screen() and "0 new · 1 learning" in t.screen()
    t.keys("u")
    t.wait_for("Undid Again on card 1.")
    screen = t.wait_for(QUESTION_KEYS)
    assert "Card 1 · derivative" in screen
    assert count_reviews(calcquiz_home) == 0
    t.keys("q")
    t.wait_for("EXIT=0")


def test_keys_typed_ahead_are_kept_and_not_echoed(terminal, calcquiz_home: Path):
    """Space and 3 pressed together (before the answer is drawn) reveal and rate the card;
    nothing typed shows up on the screen."""
    t = terminal("study")
    t.wait_for(QUESTION_KEYS)
    t.keys("Space", "3", "Space")
    screen = t.wait_for("∂f/∂x.")  # card 2's answer: the third key was kept too
    assert count_reviews(calcquiz_home) == 1
    assert "What is a Derivative?" not in screen
    t.keys("q")
    screen = t.wait_for("EXIT=0")
    assert "Reviewed: 1 rating of 1 card" in screen


def test_ctrl_z_gives_the_shell_its_terminal_and_fg_resumes_single_keys(
    calcquiz_home: Path, tmp_path: Path
):
    """Suspended with Ctrl-Z, the shell has a normal terminal (line editing, echo); after
    ``fg`` the study takes single keys again."""
    if shutil.which("bash") is None:
        pytest.skip("needs bash for job control")
    t = Terminal("env PS1='$ ' bash --norc --noprofile -i", tmp_path)
    try:
        t.wait_for("$")
        t.type(calcquiz_command(calcquiz_home, "study"))
        t.keys("Enter")
        t.wait_for(QUESTION_KEYS)
        t.keys("C-z")
        t.wait_for("Stopped")
        t.type("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | sort | tr '\\n' ,")
        t.keys("Enter")
        t.wait_for("echo,icanon,")  # the shell's terminal: line editing and echo
        t.type("fg")
        t.keys("Enter")
        time.sleep(0.5)
        t.keys("Space")  # one key, no Enter
        t.wait_for("Rate of change of a function")
        t.keys("3", "q")
        t.wait_for("Reviewed: 1 rating of 1 card")
    finally:
        t.close()


def test_a_key_pressed_during_a_demo_does_not_dismiss_it_or_quit(terminal, calcquiz_home: Path):
    """`d` runs the card's demo; q pressed while it draws is dropped, so the demo stays on
    screen until a fresh key, and the session goes on."""
    t = terminal("study")
    t.wait_for(QUESTION_KEYS)
    t.keys("d", "q")
    screen = t.wait_for("Press any key to go back to the card.")
    time.sleep(0.3)
    screen = t.screen()
    assert "Press any key to go back to the card." in screen and "EXIT=" not in screen
    t.keys("x")
    screen = t.wait_for(QUESTION_KEYS)
    assert "What is a Derivative?" in screen
    t.keys("q")
    t.wait_for("EXIT=0")
