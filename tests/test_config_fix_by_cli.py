"""A config.toml edited by hand with invalid values can be put right with `config set`
and `config unset`: the values a change does not touch are kept as they are."""

from __future__ import annotations

from calcquiz.config import config_path


def test_invalid_values_can_be_fixed_one_by_one(cli):
    path = config_path()
    path.write_text("learn_ahead_minutes = -5\nretention = 7\nnew_per_day = 3\n",
                    encoding="utf-8")
    refused = cli("list")
    assert refused.exit_code == 2
    assert "`calcquiz config unset learn_ahead_minutes` puts back the default" in refused.stderr
    assert cli("config", "set", "learn_ahead_minutes", "10").exit_code == 0
    assert "retention = 7" in path.read_text(encoding="utf-8")  # not dropped by the change
    assert cli("config", "unset", "retention").exit_code == 0
    assert cli("list").exit_code == 0
    text = path.read_text(encoding="utf-8")
    assert "learn_ahead_minutes = 10" in text and "new_per_day = 3" in text
    assert "retention" not in text


def test_a_set_still_checks_the_value_it_writes(cli):
    path = config_path()
    path.write_text("retention = 7\n", encoding="utf-8")
    assert cli("config", "set", "learn_ahead_minutes", "-1").exit_code == 2
    assert path.read_text(encoding="utf-8") == "retention = 7\n"


def test_a_deck_file_gone_from_the_config_says_where_it_is_named(cli, tmp_path):
    deck = tmp_path / "mine.yaml"
    deck.write_text("deck: Mine\ncards:\n  - {id: a, number: 1, question: Q?, answer: A}\n",
                    encoding="utf-8")
    assert cli("config", "set", "decks", str(deck)).exit_code == 0
    deck.unlink()
    for command in (["list"], ["show", "1"], ["stats"]):
        result = cli(*command)
        assert result.exit_code == 2
        assert result.stderr == (
            f"Error: {deck}: no such file (a deck in the config's decks: `calcquiz config set "
            "decks FILE...` changes them, `calcquiz config unset decks` clears them)\n"
        )
    assert cli("config", "unset", "decks").exit_code == 0
    assert cli("list").exit_code == 0


def test_config_set_decks_refuses_decks_that_cannot_load_beside_the_bundled_one(cli, tmp_path):
    from calcquiz.content import bundled_deck_paths

    copy = tmp_path / "copy.yaml"
    copy.write_bytes(bundled_deck_paths()[0].read_bytes())  # same deck name as the bundled
    broken = tmp_path / "broken.yaml"
    broken.write_text("deck: Broken\ncards: 3\n", encoding="utf-8")
    for value in (str(copy), str(broken)):
        result = cli("config", "set", "decks", value)
        assert result.exit_code == 2 and result.stderr.startswith("Error: Invalid decks: ")
        assert result.stderr.count("\n") == 1
        assert not config_path().exists()  # nothing written
        assert cli("list").exit_code == 0  # and every command still works
