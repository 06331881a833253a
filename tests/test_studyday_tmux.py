"""A study day as a person sees it in tmux at 60, 80 and 140 columns: learn-ahead, decks
by name, exercise reviews, demos that fit, corrections marked where they apply."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from calcquiz.ui.study_view import QUESTION_KEYS

from .helpers import CLI, Terminal, calcquiz_command

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

WIDTHS = [60, 80, 140]


@pytest.fixture
def terminal(calcquiz_home: Path, tmp_path: Path):
    opened: list[Terminal] = []

    def start(*args: str, width: int = 80, height: int = 24) -> Terminal:
        # the terminal sets the width, not the COLUMNS the test process runs with
        command = "unset COLUMNS LINES; " + calcquiz_command(calcquiz_home, *args)
        t = Terminal(command, tmp_path, width, height)
        opened.append(t)
        return t

    yield start
    for t in opened:
        t.close()


def ratings(home: Path) -> list[int]:
    conn = sqlite3.connect(home / "calcquiz.db")
    try:
        return [r for (r,) in conn.execute("SELECT rating FROM review_log ORDER BY id")]
    finally:
        conn.close()


def config_set(key: str, value: str) -> None:
    subprocess.run([*CLI, "config", "set", key, value], check=True, capture_output=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_learning_card_within_the_limit_comes_back_at_once(terminal, calcquiz_home, width):
    t = terminal("study", "--new", "1", width=width, height=30)
    t.wait_for(QUESTION_KEYS[:20])
    t.keys("Space")
    t.wait_for("1 Again")
    t.keys("1")  # Again: due in 1m, within the 20-minute learn-ahead limit
    t.wait_for("0 new · 1 learning")  # the status line is redrawn first, then the card
    screen = t.wait_for("Card 1 · derivative")
    assert "Only cards in learning remain" not in screen
    t.keys("Space")
    t.wait_for("1 Again")
    t.keys("3")  # Good: due in 10m, shown at once again
    t.wait_for("0 new · 1 learning · 0 due   2 done")
    t.keys("q")
    screen = t.wait_for("EXIT=0")
    assert ratings(calcquiz_home) == [1, 3]
    assert "Time spent:" in screen


@pytest.mark.parametrize("width", WIDTHS)
def test_the_countdown_appears_only_beyond_the_limit(terminal, calcquiz_home, width):
    config_set("learn_ahead_minutes", "5")
    t = terminal("study", "--new", "1", width=width, height=30)
    t.wait_for(QUESTION_KEYS[:20])
    t.keys("Space")
    t.wait_for("1 Again")
    t.keys("3")  # Good: due in 10m, beyond the 5-minute limit
    screen = t.wait_for("Only cards in learning remain")
    flat = " ".join(screen.split())
    found = re.search(r"The next shows at (\d\d:\d\d:\d\d), in (\d):(\d\d) \(due (\S+), "
                      r"learn-ahead 5m\)\.", flat)
    assert found, screen
    assert 4 * 60 + 50 <= 60 * int(found[2]) + int(found[3]) <= 5 * 60
    t.keys("q")
    t.wait_for("EXIT=0")


@pytest.mark.parametrize("width", WIDTHS)
def test_two_decks_share_the_new_card_limit_and_the_hint_says_so(
    terminal, calcquiz_home, tmp_path, width
):
    mine = tmp_path / "mine.yaml"
    mine.write_text("deck: Mine\ncards:\n" + "".join(
        f"  - {{id: m{i}, number: {i}, question: Q{i}?, answer: A{i}}}\n" for i in range(1, 9)
    ), encoding="utf-8")
    config_set("decks", str(mine))
    config_set("new_per_day", "2")
    t = terminal("study", width=width, height=40)
    for done in range(2):
        t.wait_for(f"{done} done")
        t.keys("Space")
        t.wait_for("1 Again")
        t.keys("4")
    screen = t.wait_for("EXIT=0")
    flat = " ".join(screen.replace("│", " ").split())
    assert "New-card limit reached: 2 new cards today. 5 more today: calcquiz study --new 7" in flat
    assert ratings(calcquiz_home) == [4, 4]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_study_screen_names_the_deck_when_the_session_holds_several(
    terminal, calcquiz_home, tmp_path, width
):
    mine = tmp_path / "mine.yaml"
    mine.write_text("deck: Mine\ncards:\n  - {id: adam, number: 1, question: Adam?, answer: A}\n",
                    encoding="utf-8")
    config_set("decks", str(mine))
    t = terminal("study", "--new", "30", width=width, height=30)
    # the status line is drawn before the card: wait for the card's header itself
    screen = t.wait_for("Card 1 · derivative")
    assert "Calculus & Optimization · Card 1 · derivative" in screen
    t.keys("q")
    t.wait_for("EXIT=0")
    one = terminal("study", "--deck", "Mine", width=width, height=30)
    screen = one.wait_for("Card 1 · adam")
    assert "Mine ·" not in screen
    one.keys("q")
    one.wait_for("EXIT=0")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_demo_fits_the_screen_and_a_key_ends_its_animation(terminal, width):
    # 10 s a row: only the key press can end 61 rows within the wait below.
    t = terminal("demo", "momentum", "--delay", "10", width=width, height=24)
    t.wait_for("GD vs momentum")
    t.keys("Space")
    screen = t.wait_for("EXIT=0", timeout=30)
    # The output and the shell's prompt line fill the screen exactly: the test's EXIT=0
    # line pushed the title one line up, into the scrollback, and no further.
    above = t.tmux("capture-pane", "-p", "-t", "t", "-S", "-1").splitlines()
    assert above[0].startswith("GD vs momentum"), above
    flat = " ".join(screen.replace("│", " ").split())
    assert "card 11: takeaway" in flat and "momentum 52 steps" in flat  # the whole takeaway
    assert "⋮ " in flat and "of 61 rows not shown at this height (--all-rows shows them)" in flat
    assert "The plot needs a taller terminal." in flat
    assert re.search(r"^ ?60 ", screen, re.M)  # the last row, step 60


@pytest.mark.parametrize("width", WIDTHS)
def test_inside_study_a_demo_fits_and_one_key_goes_back_to_the_card(terminal, width):
    t = terminal("study", "--cram", "--tag", "momentum", width=width, height=24)
    t.wait_for("0 done")
    t.keys("d")
    t.wait_for("GD vs momentum")  # the demo's title: 61 rows come in about 2.5 s
    t.keys("x")  # ends the animation
    screen = t.wait_for("Press any key to go back to the card.")
    flat = " ".join(screen.replace("│", " ").split())
    assert "takeaway" in flat and "momentum 52 steps" in flat
    assert "(calcquiz demo momentum --all-rows shows them)" in flat
    assert screen.splitlines()[0].startswith("GD vs momentum")  # nothing scrolled off
    t.keys("q")  # any key goes back to the card, q too
    screen = t.wait_for("Space/Enter show")
    assert "Momentum" in screen and "EXIT=" not in screen
    t.keys("q")
    t.wait_for("EXIT=0")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_summary_says_when_the_next_review_can_be_studied(terminal, calcquiz_home, width):
    config_set("new_per_day", "1")  # then nothing is left today
    t = terminal("study", width=width, height=30)
    t.wait_for("0 done")
    t.keys("Space")
    t.wait_for("1 Again")
    t.keys("4")  # Easy: a review, days away
    screen = t.wait_for("EXIT=0")
    flat = " ".join(screen.replace("│", " ").split())
    assert re.search(r"Next review: (tomorrow 04:00|\w{3} 04:00|\d{4}-\d\d-\d\d), when the day "
                     r"starts \(1 card\)\.", flat), screen
    start = terminal(width=width, height=30)
    screen = start.wait_for("EXIT=0")
    flat = " ".join(screen.split())
    assert "nothing due now; next review" in flat and "when the day starts." in flat
