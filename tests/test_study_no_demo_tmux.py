"""``d`` on a card without a demo (every imported card) says so, and the message stays
on the screen instead of being cleared by the redraw."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .helpers import Terminal, calcquiz_command

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


@pytest.mark.parametrize("answered", [False, True])
def test_d_on_a_card_without_a_demo_says_so(calcquiz_home: Path, tmp_path: Path, answered):
    deck = tmp_path / "plain.yaml"
    deck.write_text("deck: Plain\ncards:\n  - {id: one, number: 1, question: Q1?, answer: A1}\n",
                    encoding="utf-8")
    study = calcquiz_command(calcquiz_home, "study", "--deck", str(deck))
    command = "unset COLUMNS LINES; " + study
    t = Terminal(command, tmp_path, 80, 24)
    try:
        t.wait_for("Space/Enter show answer")
        if answered:
            t.keys("Space")
            t.wait_for("1 Again")
        t.keys("d")
        screen = t.wait_for("This card has no demo.")
        assert "Card 1 · one" in screen  # the card is still shown beside the message
        t.keys("q")
        t.wait_for("EXIT=0")
    finally:
        t.close()
