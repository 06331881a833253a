"""Limits across decks: new_per_day and reviews_per_session hold for the whole session, and
every "N more: run X" hint is exactly true when run."""

from __future__ import annotations

import re
import shlex
import sqlite3
from pathlib import Path

import pytest

from calcquiz.config import Config
from calcquiz.content import load_decks
from calcquiz.session import SessionOptions, StudySession

from .helpers import Clock, run_cli

run = run_cli  # in-process: the hints are run as typed, a second each as subprocesses


def new_cards_introduced(home: Path) -> int:
    """Distinct cards whose first logged review is in the store (independent of calcquiz)."""
    conn = sqlite3.connect(home / "calcquiz.db")
    try:
        return conn.execute("SELECT COUNT(DISTINCT deck || '/' || card_id) FROM review_log")\
            .fetchone()[0]
    finally:
        conn.close()


def mine(tmp_path: Path, n: int = 8) -> Path:
    path = tmp_path / "mine.yaml"
    cards = "".join(
        f"  - {{id: m{i}, number: {i}, question: Q{i}?, answer: A{i}, tags: [mine]}}\n"
        for i in range(1, n + 1)
    )
    path.write_text(f"deck: Mine\ncards:\n{cards}", encoding="utf-8")
    return path


def easy_all(times: int = 40) -> str:
    return "\n4\n" * times


def hint(stdout: str) -> tuple[int, list[str]]:
    """The summary's "N more today: COMMAND" hint: N and the command's words."""
    flat = " ".join(stdout.replace("│", " ").split())
    found = re.search(r"(\d+) (?:more today|new cards? left today): (calcquiz study.*?)"
                      r"(?= ╰|$)", flat)
    assert found, stdout
    return int(found[1]), shlex.split(found[2])


def test_new_per_day_holds_across_decks_in_one_session(store, tmp_path):
    decks = [*load_decks(), *load_decks([mine(tmp_path)])]
    s = StudySession(store, decks, SessionOptions(new_limit=2), clock=Clock(), config=Config())
    seen = []
    while (card := s.next_card()) is not None:
        seen.append(card.deck)
        s.reveal()
        s.rate(4)
    assert len(seen) == 2
    assert s.summary().new_today == 2


def test_new_per_day_counts_what_every_deck_introduced_today(store, tmp_path):
    decks = [*load_decks(), *load_decks([mine(tmp_path)])]
    clock = Clock()
    first = StudySession(store, decks[1:], SessionOptions(new_limit=3), clock=clock)
    for _ in range(2):
        first.next_card()
        first.reveal()
        first.rate(4)
    clock.advance(60)
    later = StudySession(store, decks, SessionOptions(new_limit=3), clock=clock)
    shown = []
    while (card := later.next_card()) is not None:
        shown.append(card)
        later.reveal()
        later.rate(4)
    assert len(shown) == 1  # 2 from Mine earlier today, 1 more across both decks


def test_a_shuffled_session_holds_the_limit_across_decks(store, tmp_path):
    decks = [*load_decks(), *load_decks([mine(tmp_path)])]
    s = StudySession(store, decks, SessionOptions(new_limit=5, shuffle=True, seed=3),
                     clock=Clock())
    assert s.counts()["new"] == 5


def test_the_more_today_hint_is_exactly_true_when_run(calcquiz_home: Path, tmp_path: Path):
    assert run("config", "set", "decks", str(mine(tmp_path))).returncode == 0
    assert run("config", "set", "new_per_day", "2").returncode == 0
    first = run("study", input=easy_all())
    assert first.returncode == 0, first.stderr
    assert new_cards_introduced(calcquiz_home) == 2
    more, command = hint(first.stdout)
    assert (more, command) == (5, ["calcquiz", "study", "--new", "7"])
    second = run(*command[1:], input=easy_all())
    assert second.returncode == 0, second.stderr
    assert new_cards_introduced(calcquiz_home) == 2 + more


def test_the_hint_keeps_the_deck_and_tag_of_the_session(calcquiz_home: Path, tmp_path: Path):
    deck = mine(tmp_path, n=9)
    assert run("config", "set", "new_per_day", "3").returncode == 0
    first = run("study", "--deck", str(deck), "--tag", "mine", input=easy_all())
    more, command = hint(first.stdout)
    assert command == ["calcquiz", "study", "--deck", str(deck), "--tag", "mine", "--new", "8"]
    run(*command[1:], input=easy_all())
    assert new_cards_introduced(calcquiz_home) == 3 + more
    third = run("study", "--deck", str(deck), input=easy_all())
    more, command = hint(third.stdout)
    assert more == 1  # 9 cards, 8 introduced
    run(*command[1:], input=easy_all())
    assert new_cards_introduced(calcquiz_home) == 9


def test_the_left_today_hint_after_a_lower_new_is_exactly_true(calcquiz_home: Path,
                                                               tmp_path: Path):
    assert run("config", "set", "decks", str(mine(tmp_path))).returncode == 0
    assert run("config", "set", "new_per_day", "3").returncode == 0
    first = run("study", "--new", "1", input=easy_all())
    left, command = hint(first.stdout)
    assert (left, command) == (2, ["calcquiz", "study"])
    run(*command[1:], input=easy_all())
    assert new_cards_introduced(calcquiz_home) == 3


@pytest.mark.parametrize("limit", [1, 3])
def test_reviews_per_session_holds_across_decks(store, tmp_path, limit):
    decks = [*load_decks(), *load_decks([mine(tmp_path)])]
    s = StudySession(store, decks, SessionOptions(new_limit=30, review_limit=limit),
                     clock=Clock())
    done = 0
    while s.next_card() is not None:
        s.reveal()
        s.rate(4)
        done += 1
    assert done == limit
