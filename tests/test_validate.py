"""`calcquiz validate`: every kind of bad deck is refused with a located one-line message."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import BUNDLED_DECK

BAD = Path(__file__).parent / "data" / "bad_decks"

# file -> (message fragment, whether the message carries line:column)
EXPECTED: dict[str, tuple[str, bool]] = {
    "answer_is_empty.yaml": ("'answer' is empty", True),
    "answer_is_number.yaml": ("'answer' must be text, found a number", True),
    "billion_laughs.yaml": ("aliases", True),
    "binary_garbage.yaml": ("not UTF-8", False),
    "card_not_a_mapping.yaml": ("card #1: a card must be a mapping", True),
    "cards_not_a_list.yaml": ("'cards' must be a list", True),
    "deep_nesting.yaml": ("YAML error", True),
    "duplicate_id.yaml": ("duplicate id 'a'", True),
    "duplicate_number.yaml": ("duplicate number 1", True),
    "empty_cards.yaml": ("empty deck", True),
    "empty_file.yaml": ("empty file", False),
    "id_not_slug.yaml": ("must be a slug", True),
    "list_not_mapping.yaml": ("not a deck", True),
    "missing_answer.yaml": ("card 'a': missing field 'answer'", True),
    "missing_cards.yaml": ("missing 'cards'", True),
    "missing_deck_name.yaml": ("missing 'deck'", True),
    "missing_id.yaml": ("card #1: missing field 'id'", True),
    "not_utf8.yaml": ("not UTF-8", False),
    "number_is_bool.yaml": ("'number' must be a whole number, found a boolean", True),
    "number_is_text.yaml": ("'number' must be a whole number, found text", True),
    "number_is_zero.yaml": ("'number' must be positive", True),
    "only_comments.yaml": ("empty file", False),
    "python_name_tag.yaml": ("unsupported YAML tag", True),
    "python_object_tag.yaml": ("unsupported YAML tag", True),
    "question_is_list.yaml": ("'question' must be text, found a list", True),
    "scalar_document.yaml": ("not a deck", True),
    "tags_not_a_list.yaml": ("'tags' must be a list", True),
    "tags_with_space.yaml": ("tags cannot contain spaces", True),
    "unbalanced_brace.yaml": ("unbalanced braces", True),
    "unbalanced_dollar.yaml": ("unbalanced '$'", True),
    "unknown_card_key.yaml": ("unknown key 'hint'", True),
    "unknown_demo.yaml": ("did you mean 'momentum'", True),
    "unknown_top_key.yaml": ("unknown key 'author'", True),
    "yaml_bad_indent.yaml": ("YAML error", True),
    "yaml_duplicate_document.yaml": ("expected a single document", True),
    "yaml_tab_indent.yaml": ("tab", True),
    "yaml_unclosed_bracket.yaml": ("YAML error", True),
    "yaml_unclosed_quote.yaml": ("YAML error", True),
    # values that used to validate and then crash show, study or export
    "math_too_deep.yaml": ("'answer': math nested more than 50 braces deep", True),
    "script_too_deep.yaml": ("'question': math nested more than 50 braces deep", True),
    "number_5000_digits.yaml": ("a number with 5000 digits is too large", True),
    "number_past_int64.yaml": ("'number' must be at most 999,999", True),
    "number_one_million.yaml": ("'number' must be at most 999,999", True),
    "control_character.yaml": ("'answer' contains the control character U+001F", True),
    "control_in_deck_name.yaml": ("'deck' contains the control character U+0007", True),
    "private_use_character.yaml": ("'answer' contains the private-use character U+E000", True),
    "private_use_in_tag.yaml": ("'tags' contains the private-use character U+F0000", True),
    "id_trailing_newline.yaml": ("'id' 'a\\n' must be a slug", True),
}


def test_every_bad_deck_file_has_an_expectation():
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_deck_is_refused_with_a_located_message(cli, name: str):
    fragment, located = EXPECTED[name]
    path = BAD / name
    result = cli("validate", str(path))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines, "no message"
    assert all(line.startswith(f"Error: {path}") for line in lines), lines
    assert any(fragment in line for line in lines), lines
    if located:
        assert any(
            line.startswith(f"Error: {path}:") and line.split(":")[2].isdigit() for line in lines
        )
    assert "Traceback" not in result.output


def test_python_tag_is_never_executed(cli, tmp_path: Path):
    marker = tmp_path / "pwned"
    deck = tmp_path / "evil.yaml"
    deck.write_text(f"deck: !!python/object/apply:os.system ['touch {marker}']\ncards: []\n")
    assert cli("validate", str(deck)).exit_code == 2
    assert not marker.exists()


def test_all_problems_are_reported_not_just_the_first(cli, tmp_path: Path):
    deck = tmp_path / "two.yaml"
    deck.write_text(
        "deck: D\ncards:\n"
        "  - {id: a, number: 1, question: q}\n"
        "  - {id: B, number: 1, question: q, answer: a}\n"
    )
    result = cli("validate", str(deck))
    assert result.exit_code == 2
    assert "missing field 'answer'" in result.stderr
    assert "must be a slug" in result.stderr
    assert "duplicate number 1" in result.stderr


def test_bundled_deck_is_valid(cli):
    result = cli("validate")
    assert result.exit_code == 0
    assert "20 cards" in result.stdout


def test_missing_file(cli, tmp_path: Path):
    result = cli("validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_good_and_bad_together_exit_2(cli):
    result = cli("validate", str(BUNDLED_DECK), str(BAD / "empty_file.yaml"))
    assert result.exit_code == 2
    assert "20 cards" in result.stdout


@pytest.mark.parametrize("command", [["list"], ["show", "1"]])
def test_commands_reading_a_bad_deck_exit_2(cli, command):
    result = cli(*command, "--deck", str(BAD / "duplicate_id.yaml"))
    assert result.exit_code == 2
    assert "duplicate id" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_study_refuses_a_bad_deck_and_writes_nothing(cli, calcquiz_home: Path, name: str):
    fragment, _ = EXPECTED[name]
    result = cli("study", "--deck", str(BAD / name), input="\n3\n")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {BAD / name}")
    assert fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (calcquiz_home / "calcquiz.db").exists()


def test_a_50_mb_deck_is_refused_quickly(cli, tmp_path: Path, calcquiz_home: Path):
    big = tmp_path / "big.yaml"
    with big.open("w") as fh:
        fh.write("deck: Big\ncards:\n")
        line = "  - {id: c, number: 1, question: q, answer: a}\n"
        fh.write(line * (50 * 1024 * 1024 // len(line)))
    for command in (["validate", str(big)], ["study", "--deck", str(big)]):
        result = cli(*command)
        assert result.exit_code == 2
        assert "decks are limited to" in result.stderr
    assert not (calcquiz_home / "calcquiz.db").exists()


@pytest.mark.slow  # a subprocess each, with a timeout
@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "/dev/null"])
def test_a_deck_that_is_not_a_regular_file_is_refused_at_once(cli, tmp_path: Path, kind):
    """A FIFO used to block forever; /dev/zero (size 0) was read until memory ran out."""
    import os
    import subprocess
    import sys

    if kind == "fifo":
        path = tmp_path / "deck.yaml"
        os.mkfifo(path)
    else:
        path = Path(kind)
    for command in (["validate", str(path)], ["list", "--deck", str(path)],
                    ["study", "--deck", str(path)]):
        run = subprocess.run([sys.executable, "-m", "calcquiz", *command], capture_output=True,
                             text=True, timeout=30, stdin=subprocess.DEVNULL)  # hang guard
        assert run.returncode == 2
        assert run.stderr == f"Error: {path}: is not a regular file (a FIFO, device or socket); " \
                             "a deck must be a file\n"


def test_a_yaml_date_is_text_not_a_crash(cli, tmp_path: Path):
    deck = tmp_path / "dates.yaml"
    deck.write_text("deck: D\ncards:\n  - {id: a, number: 1, question: 2001-13-45, "
                    "answer: 2001-12-01}\n")
    assert cli("validate", str(deck)).exit_code == 0
    shown = cli("show", "a", "--deck", str(deck), "--json")
    assert shown.exit_code == 0
    assert '"question": "2001-13-45"' in shown.stdout and '"answer": "2001-12-01"' in shown.stdout
