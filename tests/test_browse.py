"""`calcquiz list` and `calcquiz show`, and conventions every command follows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import BUNDLED_DECK


def test_list_shows_all_twenty(cli):
    result = cli("list")
    assert result.exit_code == 0
    from calcquiz.content import load_decks

    for card in load_decks()[0].cards:
        assert f" {card.number:>2}   {card.id}  #" in result.stdout, card.id
    assert "Explain Momentum in optimization." in result.stdout


def test_list_json(cli):
    result = cli("list", "--json")
    assert result.exit_code == 0
    cards = json.loads(result.stdout)
    assert len(cards) == 20
    assert cards[3]["id"] == "chain-rule" and cards[3]["number"] == 4
    assert cards[10]["demo"] == "momentum"


@pytest.mark.parametrize("key", ["3", "gradient"])
def test_show_by_number_or_id(cli, key):
    result = cli("show", key)
    assert result.exit_code == 0
    assert "Explain the Gradient." in result.stdout
    assert "∇f = [∂f/∂x₁, ...]" in result.stdout
    assert "$" not in result.stdout


@pytest.mark.parametrize("n", range(1, 21))
def test_show_renders_math_as_unicode(cli, n):
    result = cli("show", str(n))
    assert result.exit_code == 0
    assert "$" not in result.stdout
    assert "\\" not in result.stdout


def test_show_includes_note_and_demo(cli):
    out = cli("show", "momentum").stdout
    assert "Note" in out and "wₜ = wₜ₋₁ - vₜ" in out
    assert "calcquiz demo momentum" in out


def test_show_json(cli):
    data = json.loads(cli("show", "11", "--json").stdout)
    assert data["id"] == "momentum"
    assert data["answer"].startswith("*   Accumulates")


def test_show_unknown_card_suggests(cli):
    result = cli("show", "chain-rul")
    assert result.exit_code == 2
    assert "did you mean 'chain-rule'" in result.stderr
    assert cli("show", "99").exit_code == 2


def test_deck_option_reads_another_deck(cli, tmp_path: Path):
    deck = tmp_path / "mine.yaml"
    deck.write_text(
        "deck: Mine\ncards:\n  - id: one\n    number: 1\n    question: Q $x^2$?\n    answer: A\n"
    )
    data = json.loads(cli("list", "--deck", str(deck), "--json").stdout)
    assert [(c["deck"], c["id"], c["question"]) for c in data] == [("Mine", "one", "Q $x^2$?")]
    both = json.loads(
        cli("list", "--deck", str(deck), "--deck", str(BUNDLED_DECK), "--json").stdout
    )
    assert len(both) == 21


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("calcquiz ")


def test_unknown_command_is_usage_error(cli):
    assert cli("frobnicate").exit_code == 2


def commands(app) -> list[list[str]]:
    """Every command path, e.g. ["list"], ["export", "anki"]."""
    from typer.main import get_command

    root = get_command(app)
    out: list[list[str]] = []

    def walk(group, prefix):
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                walk(cmd, [*prefix, name])
            else:
                out.append([*prefix, name])

    walk(root, [])
    return out


def test_every_command_has_help_with_an_example(cli):
    from calcquiz.cli import app

    paths = commands(app)
    assert ["list"] in paths and ["show"] in paths and ["validate"] in paths
    for path in paths:
        result = cli(*path, "--help")
        assert result.exit_code == 0, path
        assert "Example: calcquiz" in result.stdout, path


def test_python_dash_m_works(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "calcquiz", "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("calcquiz ")


def test_help_does_not_import_heavy_modules(tmp_path: Path):
    code = (
        "import sys\n"
        "from calcquiz.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('numpy', 'sympy', 'genanki', 'plotext', 'yaml', 'fsrs')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "HEAVY="


@pytest.mark.parametrize(
    "args",
    [
        ["study", "--new", "abc"],
        ["frobnicate"],
        ["show"],
        ["demo", "momentum", "--lr"],
        ["list", "--bogus"],
    ],
)
def test_usage_errors_are_one_line_with_exit_2(cli, args):
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert result.stdout == ""
