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
