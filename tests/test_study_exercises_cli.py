"""`calcquiz study --exercises` from a pipe: one line per key or typed answer.

Right answers are computed from the prompt on screen by an independent route (a central
finite difference of the function the prompt states, read by sympy: helpers.py), never
taken from calcquiz's own answer.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from .helpers import CLI, Session, command_code, derivative_answer, imports_after

pytestmark = pytest.mark.slow  # every test runs calcquiz in its own process


def run(*args: str, input: str = ""):  # noqa: A002 - mirrors subprocess.run
    return subprocess.run(
        [*CLI, *args], input=input, capture_output=True, text=True, timeout=60,
        env={**os.environ, "COLUMNS": "120"},
    )


def db(home: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(home / "calcquiz.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_right_answer_proposes_good_and_enter_accepts_it(calcquiz_home: Path):
    s = Session("--exercises", "--new", "1", env={**os.environ, "COLUMNS": "120"})
    try:
        s.wait_for("q quit", 1)  # the keys line; the prompt has no newline yet
        assert "What is a Derivative?" in s.text() and "Exercise · derivative" in s.text()
        assert "3 significant figures" in s.text()  # the precision graded is stated
        s.send(derivative_answer(s.text()) + "\n")
        s.wait_for("Proposed: Good", 1)
        assert "✓ Right." in s.text()
        assert re.search(r"1 Again 1m · 2 Hard 6m · \[3 Good 10m\] · 4 Easy \S+", s.text())
        # The card's answer and the worked solution are shown with the verdict, before rating.
        assert "Rate of change of a function" in s.text()
        assert "f'(x) = " in s.text()  # the worked solution's first step
        assert s.text().index("f'(x) = ") < s.text().index("Proposed: Good")
        s.send("\n")
        s.wait_for("Rated Good.", 1)
        assert db(calcquiz_home, "SELECT rating, kind FROM review_log") == [(3, "exercise")]
        assert s.proc.stdin is not None
        s.proc.stdin.close()
        assert s.proc.wait(timeout=30) == 0
    finally:
        s.proc.kill()
    assert "Exercises: 1 of 1 right" in s.text()
    linked = db(
        calcquiz_home,
        "SELECT d.topic, d.correct, r.card_id FROM drill_log d JOIN review_log r "
        "ON r.id = d.review_id",
    )
    assert linked == [("derivative", 1, "derivative")]


def test_hint_then_right_proposes_hard(calcquiz_home: Path):
    s = Session("--exercises", "--new", "1", env={**os.environ, "COLUMNS": "120"})
    try:
        s.wait_for("q quit", 1)  # the keys line; the prompt has no newline yet
        s.send("?\n")
        s.wait_for("Hint: ", 1)
        s.send(derivative_answer(s.text()) + "\n")
        s.wait_for("Proposed: Hard", 1)
        assert "✓ Right, after the hint." in s.text()
        s.send("\n")
        s.wait_for("Rated Hard.", 1)
    finally:
        s.proc.kill()
    assert db(calcquiz_home, "SELECT rating, kind FROM review_log") == [(2, "exercise")]


def test_giving_up_proposes_again_and_a_digit_overrides(calcquiz_home: Path):
    result = run("study", "--exercises", "--new", "2", input="s\n\ns\n4\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Given up: the answer is" in out and out.count("Proposed: Again") == 2
    assert "Rated Again." in out and "Rated Easy." in out
    assert "Worked solution" in out
    assert db(calcquiz_home, "SELECT card_id, rating, kind FROM review_log ORDER BY id") == [
        ("derivative", 1, "exercise"),
        ("partial-derivative", 4, "exercise"),
    ]
    # a give-up is logged as a skip (no answer), linked to its review
    assert db(calcquiz_home, "SELECT given, correct, review_id FROM drill_log ORDER BY id") == [
        (None, 0, 1),
        (None, 0, 2),
    ]


def test_an_unreadable_answer_is_asked_again_not_graded(calcquiz_home: Path):
    result = run("study", "--exercises", "--new", "1", input="two\n\ns\n\n")
    assert result.returncode == 0, result.stderr
    assert "could not read that answer" in result.stdout
    assert db(calcquiz_home, "SELECT rating FROM review_log") == [(1,)]


def test_undo_removes_the_review_and_its_exercise(calcquiz_home: Path):
    result = run("study", "--exercises", "--new", "2", input="s\n\nu\nq\n")
    assert result.returncode == 0, result.stderr
    assert "Undid Again on card 1." in result.stdout
    assert db(calcquiz_home, "SELECT COUNT(*) FROM review_log") == [(0,)]
    assert db(calcquiz_home, "SELECT COUNT(*) FROM drill_log") == [(0,)]
    assert db(calcquiz_home, "SELECT COUNT(*) FROM card_state") == [(0,)]
    # card 1 came back with an exercise to answer
    assert result.stdout.count("Exercise · derivative") == 2


def test_a_card_without_a_generator_is_reviewed_by_recall_in_the_same_session(
    calcquiz_home: Path, tmp_path: Path
):
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "deck: Mine\ncards:\n"
        "  - {id: adam, number: 1, question: What is Adam?, answer: Momentum and RMSProp}\n"
        "  - {id: newton2, number: 2, question: Newton again?, answer: x - f'/f'', demo: newton}\n",
        encoding="utf-8",
    )
    # card 1: Space shows the answer, 3 rates; card 2: give up, accept
    result = run("study", "--deck", str(mine), "--exercises", input="\n3\ns\n\n")
    assert result.returncode == 0, result.stderr
    assert "Momentum and RMSProp" in result.stdout and "Exercise · newton" in result.stdout
    assert db(calcquiz_home, "SELECT card_id, rating, kind FROM review_log ORDER BY id") == [
        ("adam", 3, "recall"),
        ("newton2", 1, "exercise"),
    ]


def test_config_review_mode_is_the_default_and_recall_overrides_it(calcquiz_home: Path):
    assert run("config", "set", "review_mode", "exercises").returncode == 0
    first = run("study", "--new", "1", input="s\n\n")
    assert "Exercise · derivative" in first.stdout
    second = run("study", "--new", "2", "--recall", input="\n3\n")
    assert "Exercise ·" not in second.stdout
    assert db(calcquiz_home, "SELECT card_id, kind FROM review_log ORDER BY id") == [
        ("derivative", "exercise"),
        ("partial-derivative", "recall"),
    ]


def test_help_documents_the_option():
    result = run("study", "--help")
    assert "--exercises" in result.stdout and "--recall" in result.stdout


def test_the_first_exercise_shows_before_numpy_or_sympy_is_imported(calcquiz_home: Path):
    imported, out = imports_after(
        command_code("study", "--exercises"), ("numpy", "sympy"), stdin="q\n"
    )
    assert "Exercise · derivative" in out
    assert imported == []


def test_a_wrong_answer_is_judged_once_then_explained(calcquiz_home: Path):
    """The review says right or wrong once, before the rating; the worked solution after
    it does not say it again."""
    result = run("study", "--exercises", "--new", "1", input="12345\n\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("✗ Not right: you gave 12345") == 1
    assert "Not quite" not in out and "You gave 12345" not in out
    assert "Proposed: Again" in out and "Rated Again." in out and "Worked solution" in out
