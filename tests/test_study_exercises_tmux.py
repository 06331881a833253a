"""`calcquiz study --exercises` in a real terminal (tmux), as a person uses it: read the
exercise, type an answer, accept the proposed rating with Enter, read the worked solution."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from .helpers import Terminal, calcquiz_command, derivative_answer

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.slow,
]

def logged(home: Path) -> list[tuple]:
    conn = sqlite3.connect(home / "calcquiz.db")
    try:
        return conn.execute(
            "SELECT r.card_id, r.rating, r.kind, d.correct FROM review_log r "
            "LEFT JOIN drill_log d ON d.review_id = r.id ORDER BY r.id"
        ).fetchall()
    finally:
        conn.close()


@pytest.fixture
def terminal(calcquiz_home: Path, tmp_path: Path):
    opened: list[Terminal] = []

    def start(*args: str, width: int = 80, height: int = 40) -> Terminal:
        # unset: the terminal's own size
        command = "unset COLUMNS LINES; " + calcquiz_command(calcquiz_home, *args)
        opened.append(Terminal(command, tmp_path, width=width, height=height))
        return opened[-1]

    yield start
    for t in opened:
        t.close()


@pytest.mark.parametrize("width", [60, 80, 140])
def test_a_person_solves_an_exercise_reads_the_solution_and_one_key_rates_and_moves_on(
    terminal, calcquiz_home: Path, width: int
):
    t = terminal("study", "--exercises", "--new", "2", width=width, height=50)
    screen = t.wait_for("answer>")
    assert "What is a Derivative?" in screen and "Exercise · derivative" in screen
    assert "Rate of change" not in screen  # the card's answer waits until it is answered

    t.type(derivative_answer(screen))  # typed on the terminal's own line editing
    t.keys("Enter")
    screen = t.wait_for("Proposed: Good")
    flat = " ".join(screen.split())
    # The verdict, the card's answer and the worked solution together, before rating.
    assert "✓ Right." in screen
    assert "Rate of change of a function" in flat
    assert "f'(x) = " in screen  # the worked solution: f', then its value at the point
    assert re.search(r"f'\(-?[\d.]+\) = ", screen), screen
    assert re.search(r"\[3 Good 10m\]", flat), screen
    assert screen.count("✓") == 1
    assert logged(calcquiz_home) == []  # nothing rated yet

    t.keys("Enter")  # one key: accepts Good and moves on
    screen = t.wait_for("Exercise · partial")
    assert "Card 1: Rated Good." in screen
    assert "What is a Partial Derivative?" in screen
    assert logged(calcquiz_home) == [("derivative", 3, "exercise", 1)]

    t.type("[1,")  # cannot be read: asked again, not counted
    t.keys("Enter")
    screen = t.wait_for("could not read that answer")
    assert "Proposed" not in screen
    t.keys("s", "Enter")  # give up
    screen = t.wait_for("Proposed: Again")
    assert "Given up: the answer is" in screen and "Worked solution" in screen
    t.keys("2")  # one key: overrides with Hard and moves on
    screen = t.wait_for("Card 2: Rated Hard.")  # the next exercise, at once
    assert "answer>" in t.wait_for("answer>")
    t.keys("q", "Enter")  # the answer line takes q as a line
    screen = t.wait_for("EXIT=0")
    assert "Exercises: 1 of 2 right" in screen
    assert logged(calcquiz_home) == [
        ("derivative", 3, "exercise", 1),
        ("partial-derivative", 2, "exercise", 0),
    ]
