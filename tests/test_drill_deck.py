"""`drill --deck D` draws its exercises from D's cards only, and says so when none of
them has a drill (it drew from every topic before)."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def mine(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "deck: Mine\ncards:\n"
        "  - {id: mom, number: 1, question: Momentum?, answer: Velocity., demo: momentum}\n"
        "  - {id: plain, number: 2, question: Plain?, answer: Yes.}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("studied", [False, True])
def test_drill_draws_only_the_decks_topics(cli, mine, studied):
    if studied:  # a store exists, so recall comes from it
        assert cli("suspend", "2", "--deck", str(mine)).exit_code == 0
    result = cli("drill", "--deck", str(mine), "-n", "12", "--seed", "4", "--json")
    assert result.exit_code == 0
    assert {e["topic"] for e in json.loads(result.stdout)} == {"momentum"}


def test_a_deck_without_drills_is_bad_input(cli, tmp_path):
    plain = tmp_path / "plain.yaml"
    plain.write_text("deck: Plain\ncards:\n  - {id: a, number: 1, question: Q?, answer: A}\n",
                     encoding="utf-8")
    result = cli("drill", "--deck", str(plain), "-n", "1")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: no card in 'Plain' has a drill")
    assert cli("drill", "momentum", "--deck", str(plain), "-n", "1", "--json").exit_code == 0


def test_the_bundled_deck_still_draws_every_topic(cli):
    from calcquiz.drills import TOPICS

    result = cli("drill", "-n", "400", "--seed", "1", "--json")
    assert {e["topic"] for e in json.loads(result.stdout)} == set(TOPICS)
