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

    def start(*args: str) -> Terminal:
        # unset: the terminal's own size
        command = "unset COLUMNS LINES; " + calcquiz_command(calcquiz_home, *args)
        opened.append(Terminal(command, tmp_path, width=80, height=30))
        return opened[-1]

    yield start
    for t in opened:
        t.close()


def test_a_person_solves_an_exercise_accepts_good_and_reads_the_solution(
    terminal, calcquiz_home: Path
):
    t = terminal("study", "--exercises", "--new", "2")
    screen = t.wait_for("answer>")
    assert "What is a Derivative?" in screen and "Exercise · derivative" in screen
    assert "Rate of change" not in screen  # the card's answer waits until after rating

    t.type(derivative_answer(screen))  # typed on the terminal's own line editing
    t.keys("Enter")
    screen = t.wait_for("Proposed: Good")
    assert "✓ Right." in screen
    assert re.search(r"\[3 Good 10m\]", screen), screen

    t.keys("Enter")  # a single key accepts the proposed rating
    screen = t.wait_for("any key: next card")
    assert "Rated Good." in screen
    assert "Rate of change of a function" in screen  # the card's answer
    assert "f'(x) = " in screen  # the worked solution: f', then its value at the point
    assert re.search(r"f'\(-?[\d.]+\) = ", screen), screen
    assert screen.count("✓") == 1  # judged once, before the rating; not again after it
    assert logged(calcquiz_home) == [("derivative", 3, "exercise", 1)]  # committed already

    t.keys("Space")
    screen = t.wait_for("Exercise · partial")
    assert "What is a Partial Derivative?" in screen
    t.keys("s", "Enter")  # give up
    screen = t.wait_for("Proposed: Again")
    assert "Given up: the answer is" in screen
    t.keys("2")  # override: Hard
    screen = t.wait_for("any key: next card")
    assert "Rated Hard." in screen and "Worked solution" in screen
    t.keys("q")
    screen = t.wait_for("EXIT=0")
    assert "Exercises: 1 of 2 right" in screen
    assert logged(calcquiz_home) == [
        ("derivative", 3, "exercise", 1),
        ("partial-derivative", 2, "exercise", 0),
    ]
