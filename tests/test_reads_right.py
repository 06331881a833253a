"""Things that read wrong, each checked as a person meets it: the next review's time, counts
in words, one style of error, unknown tags, demo options without a demo, the help's order,
a Newton run that stops at once."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calcquiz.config import Config
from calcquiz.content import load_decks
from calcquiz.session import SessionOptions, StudySession

from .helpers import T0, Clock, run_cli

BERLIN = ZoneInfo("Europe/Berlin")


run = run_cli  # in-process: each check reads what the command prints


def test_the_next_review_is_available_from_the_start_of_its_day(store):
    decks = load_decks()
    clock = Clock(T0)
    s = StudySession(store, decks, SessionOptions(new_limit=1), clock=clock, tz=BERLIN,
                     config=Config())
    card = s.next_card()
    s.reveal()
    s.rate(4)  # Easy: a review, days away
    due = store.card_state(card.deck, card.id).due
    summary = s.summary()
    local = datetime.fromtimestamp(due, BERLIN)
    day = local.date() - timedelta(days=1) if local.hour < 4 else local.date()
    expected = datetime(day.year, day.month, day.day, 4, tzinfo=BERLIN).timestamp()
    assert summary.next_due == pytest.approx(due)
    assert summary.next_available == expected and summary.next_at_day_start
    assert summary.next_due_cards == 1


def test_a_learning_card_is_available_at_its_due_time_less_the_learn_ahead(store):
    decks = load_decks()
    clock = Clock(T0)
    s = StudySession(store, decks, SessionOptions(new_limit=1), clock=clock,
                     config=Config(learn_ahead_minutes=5))
    card = s.next_card()
    s.reveal()
    s.rate(3)  # Good: due in 10m
    due = store.card_state(card.deck, card.id).due
    summary = s.summary()
    assert summary.next_available == pytest.approx(due - 300)
    assert not summary.next_at_day_start


def test_the_start_screen_counts_in_words(calcquiz_home):
    import time

    from calcquiz.store import REVIEW, CardState, open_store
    now = time.time()
    with open_store(calcquiz_home / "calcquiz.db") as store:
        store.import_history(
            [CardState("Calculus & Optimization", "derivative", REVIEW, None, 4.0, 5.0,
                       now - 60, now - 5 * 86400, 3, 0)], [])
    out = " ".join(run().stdout.split())
    assert "to study today: 1 review, 0 in learning, 19 new." in out


@pytest.mark.parametrize(("args", "message"), [
    (["list", "--state", "foo"],
     "Error: invalid value for '--state': 'foo' is not one of 'new', 'learning', 'review', "
     "'relearning', 'suspended', 'buried', 'leech' (see 'calcquiz list --help')\n"),
    (["nosuch"], "Error: no such command 'nosuch' (see 'calcquiz --help')\n"),
    (["lst"], "Error: no such command 'lst'; did you mean 'list'? (see 'calcquiz --help')\n"),
    (["show", "99"], "Error: no card '99' in 'Calculus & Optimization'\n"),
])
def test_errors_read_in_one_style(calcquiz_home, args, message):
    result = run(*args)
    assert result.returncode == 2
    assert result.stderr.replace("python -m calcquiz", "calcquiz") == message
    assert "Value error" not in result.stderr


@pytest.mark.parametrize("command", [["list"], ["list", "--json"], ["study"], ["study", "--cram"]])
def test_an_unknown_tag_is_exit_2_with_a_suggestion_in_every_command(calcquiz_home, command):
    result = run(*command, "--tag", "optimisation", input="q\n")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "Error: no card has the tag 'optimisation'; did you mean 'optimization'? (tags: ")
    assert result.stdout == ""


@pytest.mark.parametrize("option", [["--f", "x^2"], ["--steps", "5"], ["--all-rows"],
                                    ["--start", "1"]])
def test_a_demo_option_without_a_demo_is_exit_2(calcquiz_home, option):
    result = run("demo", *option)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: {option[0]} needs a demo to run: calcquiz demo NAME")
    assert result.stdout == ""


def test_help_lists_study_first_as_a_newcomer_needs():
    out = run("--help").stdout
    commands = re.findall(r"^  (\w+)\s{2,}", out.split("Commands:")[1], re.M)
    # Typer lists command groups (export, import, config) after the plain commands.
    assert commands[:6] == ["study", "demo", "drill", "list", "show", "stats"]
    assert commands.index("validate") > commands.index("optimize")
    assert commands.index("check") > commands.index("validate")


def test_newton_says_why_it_stops_at_once_from_a_stationary_start():
    result = run("demo", "newton", "--f", "x^3", "--json")
    import json

    data = json.loads(result.stdout)
    assert data["result"]["steps"] == 0
    text = run("demo", "newton", "--f", "x^3").stdout
    flat = " ".join(text.split())
    assert "The start (0) is already a stationary point" in flat
    assert "∇f = 0 there, so Newton's method stops at once" in flat
    assert "converged in 0 steps" not in flat
    moved = " ".join(run("demo", "newton", "--f", "x^3", "--start", "1").stdout.split())
    assert "stops at once" not in moved
