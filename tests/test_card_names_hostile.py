"""Cards named as DECK/ID in show and demo: a huge name is not echoed whole, and spaces
around the slash are read as a person means them."""

from __future__ import annotations

import pytest

from calcquiz.content import find_card, load_decks
from calcquiz.errors import DeckError

BUNDLED = "Calculus & Optimization"


@pytest.mark.parametrize("command", ["show", "demo"])
def test_a_huge_deck_name_is_cut_in_the_error(cli, command):
    key = "x" * 100_000 + "/3"
    result = cli(command, key)
    assert result.exit_code == 2
    assert len(result.stderr) < 400 and "(100000 characters)" in result.stderr
    assert result.stderr.count("\n") == 1


def test_spaces_around_the_slash_are_ignored():
    decks = load_decks()
    assert find_card(decks, f" {BUNDLED} / 3 ").id == "gradient"
    assert find_card(decks, f"{BUNDLED} /gradient").number == 3
    with pytest.raises(DeckError, match="no deck named 'Calculus'"):
        find_card(decks, "Calculus / 3")


@pytest.mark.parametrize("length", [300, 5_000, 100_000])
@pytest.mark.parametrize("command", [["list"], ["show", "1"], ["drill", "-n", "1"], ["stats"]])
def test_a_huge_deck_option_is_cut_in_the_error(cli, command, length):
    result = cli(*command, "--deck", "x" * length)
    assert result.exit_code == 2
    assert len(result.stderr) < 400 and f"({length} characters)" in result.stderr
    assert result.stderr.count("\n") == 1


def test_suspend_names_the_deck_when_numbers_repeat_across_decks(cli, tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("deck: Mine\ncards:\n  - {id: a, number: 3, question: Q?, answer: A}\n",
                    encoding="utf-8")
    assert cli("config", "set", "decks", str(mine)).exit_code == 0
    result = cli("suspend", "Mine/3", f"{BUNDLED}/3")
    assert result.stdout == (
        f"Suspended Mine · card 3 · a.\nSuspended {BUNDLED} · card 3 · gradient.\n"
    )
    assert cli("unsuspend", "Mine/3").stdout == "Unsuspended Mine · card 3 · a.\n"
    assert cli("unsuspend", "3", "--deck", "Mine").stdout == "Unsuspended card 3 · a.\n"
