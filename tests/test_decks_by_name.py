"""--deck takes a deck file or a known deck's name in every command, with a did-you-mean;
a card can be named with its deck (DECK/ID or DECK/NUMBER)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from calcquiz.content import find_card, load_decks
from calcquiz.errors import DeckError

from .helpers import BUNDLED_DECK, CLI, run_cli

BUNDLED = "Calculus & Optimization"
MISSPELLED = "Calculus & Optimisation"


# calcquiz in-process (a subprocess each made this file a fifth of the plain test run;
# `test_one_command_as_its_own_process` keeps the real process).
run = run_cli


def run_process(*args: str, input: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], input=input, capture_output=True, text=True,
                          timeout=60, env={**os.environ})


@pytest.fixture
def mine(calcquiz_home: Path, tmp_path: Path) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "deck: Mine\ncards:\n"
        "  - {id: adam, number: 3, question: What is Adam?, answer: Momentum + RMSProp}\n"
        "  - {id: nesterov, number: 4, question: Nesterov?, answer: Look ahead}\n",
        encoding="utf-8",
    )
    assert run("config", "set", "decks", str(path)).returncode == 0
    return path


# Every command that takes --deck, with what it needs besides.
COMMANDS = [
    ["list"],
    ["list", "--json"],
    ["show", "3"],
    ["study", "--cram"],
    ["stats", "--json"],
    ["stats", "--calibration"],
    ["suspend", "3"],
    ["unsuspend", "3"],
    ["reset", "--yes"],
    ["simulate", "--days", "5", "--retention", "0.9"],
    ["export", "anki", "--force", "-o", "OUT.apkg"],
    ["demo"],
    ["demo", "14"],
    ["drill", "--json", "-n", "1", "--seed", "1"],
    ["import", "anki", "MISSING.apkg"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_misspelled_deck_name_is_exit_2_with_a_suggestion_everywhere(mine, tmp_path, command):
    args = [a.replace("OUT", str(tmp_path / "out")) for a in command]
    result = run(*args, "--deck", MISSPELLED, input="q\n")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr == (
        f"Error: no deck file or deck named {MISSPELLED!r}; did you mean {BUNDLED!r}? "
        f"(decks: {BUNDLED!r}, 'Mine')\n"
    )


@pytest.mark.slow
@pytest.mark.parametrize("command", [["list"], ["study", "--cram"]], ids=" ".join)
def test_one_command_as_its_own_process(mine, command):
    """The same refusal from a real process: the in-process runs above stand for it."""
    result = run_process(*command, "--deck", MISSPELLED, input="q\n")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith(f"Error: no deck file or deck named {MISSPELLED!r}; ")


@pytest.mark.parametrize("command", [c for c in COMMANDS if c[0] != "import"], ids=" ".join)
def test_the_bundled_deck_by_name_is_accepted_everywhere(mine, tmp_path, command):
    args = [a.replace("OUT", str(tmp_path / "out")) for a in command]
    result = run(*args, "--deck", BUNDLED, input="q\n")
    # Commands that need a history say so, naming the deck; none refuses its name.
    assert "no deck" not in result.stderr and "no such file" not in result.stderr
    no_history = f"Error: no reviews of deck {BUNDLED!r}"
    assert result.returncode in (0, 1) or result.stderr.startswith(no_history), result.stderr


def test_optimize_takes_a_deck_by_name_or_one_it_holds_reviews_of(mine):
    assert run("study", "--deck", "Mine", input="\n3\n").returncode == 0
    result = run("optimize", "--deck", "Mine", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["reviews"] == 1
    result = run("optimize", "--deck", "Mien")
    assert result.returncode == 2
    assert result.stderr == (
        "Error: no reviews of deck 'Mien'; did you mean 'Mine'? (decks with reviews: 'Mine')\n"
    )


def test_a_deck_by_name_and_by_file_select_the_same_cards(mine):
    by_name = json.loads(run("list", "--json", "--deck", "Mine").stdout)
    by_file = json.loads(run("list", "--json", "--deck", str(mine)).stdout)
    assert [r["id"] for r in by_name] == [r["id"] for r in by_file] == ["adam", "nesterov"]
    bundled = json.loads(run("list", "--json", "--deck", BUNDLED).stdout)
    assert len(bundled) == 20 and {r["deck"] for r in bundled} == {BUNDLED}


def test_a_missing_file_is_still_named_as_a_file(mine):
    result = run("list", "--deck", "nothere.yaml")
    assert result.returncode == 2
    assert result.stderr == "Error: nothere.yaml: no such file\n"


def test_a_number_in_two_decks_asks_for_the_deck_by_name(mine):
    result = run("show", "3")
    assert result.returncode == 2
    assert result.stderr == (
        "Error: '3' matches cards in several decks: name one with its deck, "
        f"'{BUNDLED}/3' or 'Mine/3'\n"
    )
    # Each form the message proposes works.
    shown = json.loads(run("show", f"{BUNDLED}/3", "--json").stdout)
    assert (shown["deck"], shown["id"]) == (BUNDLED, "gradient")
    shown = json.loads(run("show", "Mine/3", "--json").stdout)
    assert (shown["deck"], shown["id"]) == ("Mine", "adam")
    shown = json.loads(run("show", "Mine/nesterov", "--json").stdout)
    assert shown["number"] == 4


def test_show_names_the_deck_when_several_are_loaded(mine):
    assert f"{BUNDLED} · Card 3 · gradient" in run("show", f"{BUNDLED}/3").stdout
    alone = run("show", "3", "--deck", BUNDLED).stdout
    assert "Card 3 · gradient" in alone and f"{BUNDLED} · Card" not in alone


def test_a_card_named_with_an_unknown_deck_gets_a_suggestion(mine):
    result = run("show", "Mien/3")
    assert result.returncode == 2
    assert result.stderr == (
        "Error: no deck named 'Mien' in 'Mien/3'; did you mean 'Mine'? "
        f"(decks: {BUNDLED!r}, 'Mine')\n"
    )


def test_suspend_and_reset_take_deck_slash_card(mine, calcquiz_home):
    assert run("suspend", "Mine/3").returncode == 0
    listed = json.loads(run("list", "--json", "--deck", "Mine").stdout)
    assert [r["suspended"] for r in listed] == [True, False]
    assert run("unsuspend", "Mine/adam").returncode == 0
    result = run("reset", "--card", "Mine/3", "--yes")
    assert result.returncode == 0, result.stderr


def test_find_card_by_deck_and_id_or_number():
    decks = load_decks([BUNDLED_DECK])
    assert find_card(decks, f"{BUNDLED}/3").id == "gradient"
    assert find_card(decks, f"{BUNDLED}/chain-rule").number == 4
    with pytest.raises(DeckError, match="no card '99'"):
        find_card(decks, f"{BUNDLED}/99")


def test_an_empty_deck_name_is_not_the_current_folder(calcquiz_home):
    result = run("list", "--deck", "")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: no deck file or deck named ''")
