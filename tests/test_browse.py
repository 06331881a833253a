"""`calcquiz list` and `calcquiz show`, and conventions every command follows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import BUNDLED_DECK, command_code, imports_after


def test_list_shows_all_twenty(cli):
    """To a pipe: a header, then one plain line per card, its question as written."""
    result = cli("list")
    assert result.exit_code == 0
    from calcquiz.content import load_decks

    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["#", "card", "state"]
    cards = load_decks()[0].cards
    assert len(lines) == 1 + len(cards)
    for line, card in zip(lines[1:], cards, strict=True):
        assert line.split()[:3] == [str(card.number), card.id, "new"], card.id
        assert " ".join(card.question.split()) in line
        assert line.endswith(" ".join(f"#{t}" for t in card.tags))
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


def test_a_command_line_builds_only_the_command_it_names(monkeypatch):
    """main() runs an app of the named command alone; every command's help (and that of
    each subcommand) reads as it does in the app of all commands."""
    from typer.testing import CliRunner

    from calcquiz import ui
    from calcquiz.cli import COMMANDS, app, app_for

    assert [p[0] for p in commands(app_for(["demo", "momentum"]))] == ["demo"]
    assert [p[:1] for p in commands(app_for(["export", "anki"]))] == [["export"]]
    for args in ([], ["--version"], ["--help"], ["stdy"], ["-h", "study"]):
        assert app_for(args) is app, args  # all commands: help, suggestions
    monkeypatch.setenv("_CALCQUIZ_COMPLETE", "bash_complete")
    assert app_for(["study"]) is app  # shell completion lists every command
    monkeypatch.delenv("_CALCQUIZ_COMPLETE")

    runner = CliRunner()
    paths = commands(app)
    assert {p[0] for p in paths} == set(COMMANDS)
    for path in [*paths, *([name] for name in COMMANDS)]:
        ui.reset_consoles()
        alone = runner.invoke(app_for(path), [*path, "--help"])
        ui.reset_consoles()
        every = runner.invoke(app, [*path, "--help"])
        assert (alone.exit_code, alone.stdout) == (every.exit_code, every.stdout), path


def test_python_dash_m_works(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "calcquiz", "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("calcquiz ")


def test_help_does_not_import_heavy_modules():
    heavy = ("numpy", "sympy", "genanki", "plotille", "plotext", "yaml", "fsrs",
             "fsrs_rs_python", "zstandard")
    imported, out = imports_after(command_code("--help"), heavy)
    assert "Usage" in out
    assert imported == []


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


def test_help_shows_no_python_type_names(cli):
    from calcquiz.cli import app

    for path in commands(app):
        text = cli(*path, "--help").stdout
        for python in ("<int>", "<str>", "<float>", "<list[", "list[Path]", "<path>", "{"):
            assert python not in text, (path, python)
    assert "--tag TAG" in cli("study", "--help").stdout
    assert "--new N" in cli("study", "--help").stdout
    assert "show [OPTIONS] CARD" in cli("show", "--help").stdout
    assert "validate [OPTIONS] [PATH]..." in cli("validate", "--help").stdout


def test_export_without_a_subcommand_prints_its_help(cli):
    result = cli("export")
    assert result.exit_code == 0 and result.stderr == ""
    assert "anki" in result.stdout and "Usage:" in result.stdout


def test_bare_calcquiz_prints_a_start_screen(cli, calcquiz_home: Path):
    result = cli()
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "flashcards" in out and "20 cards in 1 deck" in out
    assert "20 new cards to start with" in out
    for command in ("calcquiz study", "calcquiz demo momentum", "calcquiz export anki"):
        assert command in out
    assert not (calcquiz_home / "calcquiz.db").exists()  # looking creates nothing
    cli("study", "--new", "2", input="\n4\n\n4\n")
    assert "to study today: 0 reviews, 0 in learning, 18 new" in cli().stdout


def _studied(cli) -> None:
    """Card 1 to review (Easy), card 2 in learning (Again), the rest new."""
    assert cli("study", "--new", "2", input="\n4\n\n1\nq\n").exit_code == 0


def test_list_search_state_due_and_tag(cli):
    _studied(cli)

    def ids(*args: str) -> list[str]:
        result = cli("list", "--json", *args)
        assert result.exit_code == 0, result.stderr
        return [row["id"] for row in json.loads(result.stdout)]

    from calcquiz.content import load_decks

    cards = load_decks()[0].cards
    expected = [
        c.id
        for c in cards
        if "hessian" in " ".join([c.question, c.answer, c.note or "", c.id, *c.tags]).lower()
    ]
    assert "hessian" in expected and len(expected) < len(cards)
    assert ids("--search", "HESSIAN") == expected
    assert ids("--search", "partial-derivative") == ["partial-derivative"]  # by id
    assert ids("--state", "review") == ["derivative"]
    assert ids("--state", "learning") == ["partial-derivative"]
    assert len(ids("--state", "new")) == 18
    assert ids("--due") == ["partial-derivative"]  # learning, due in 1 minute: today
    assert ids("--tag", "hessian", "--state", "new") == ids("--tag", "hessian")
    assert ids("--search", "no such words anywhere") == []
    assert "No card matches." in cli("list", "--search", "no such words").stdout
    assert cli("list", "--state", "sleeping").exit_code == 2


def test_list_json_has_difficulty_and_marks(cli):
    _studied(cli)
    rows = json.loads(cli("list", "--json").stdout)
    assert 1 <= rows[0]["difficulty"] <= 10 and rows[0]["stability"] > 0
    assert rows[2]["difficulty"] is None
    assert {k: rows[0][k] for k in ("suspended", "buried", "leech")} == {
        "suspended": False,
        "buried": False,
        "leech": False,
    }


def test_suspend_and_unsuspend_from_the_shell(cli):
    result = cli("suspend", "derivative", "3")
    assert result.exit_code == 0, result.stderr
    assert "Suspended card 1 · derivative." in result.stdout
    assert "Suspended card 3 · gradient." in result.stdout
    rows = json.loads(cli("list", "--json", "--state", "suspended").stdout)
    assert [r["id"] for r in rows] == ["derivative", "gradient"]
    assert "suspended" in cli("list", "--search", "gradient").stdout
    stats = json.loads(cli("stats", "--json").stdout)
    assert stats["set_aside"] == {"suspended": 2, "buried": 0, "leech": 0}
    out = cli("study", "--new", "1", input="q\n").stdout
    assert "What is a Partial Derivative?" in out  # card 1 is skipped
    assert cli("unsuspend", "derivative").exit_code == 0
    assert [r["id"] for r in json.loads(cli("list", "--json", "--state", "suspended").stdout)] == [
        "gradient"
    ]
    bad = cli("suspend", "derivative", "no-such-card")
    assert bad.exit_code == 2 and "no card 'no-such-card'" in bad.stderr


def test_reset_one_card_or_one_deck(cli, tmp_path: Path):
    assert cli("study", "--new", "3", input="\n4\n\n4\n\n4\n").exit_code == 0
    assert cli("suspend", "gradient").exit_code == 0
    result = cli("reset", "--card", "derivative", "--yes")
    assert result.exit_code == 0 and "forgot 1 card states and 1 reviews" in result.stdout
    rows = {r["id"]: r for r in json.loads(cli("list", "--json").stdout)}
    assert rows["derivative"]["state"] == "new" and rows["partial-derivative"]["state"] == "review"
    kept = cli("reset", "--card", "2", input="n\n")
    assert kept.exit_code == 0 and "Kept everything." in kept.stdout
    result = cli("reset", "--deck", "Calculus & Optimization", "--yes")
    assert "forgot 2 card states and 2 reviews" in result.stdout
    rows = json.loads(cli("list", "--json").stdout)
    assert all(r["state"] == "new" and not r["suspended"] for r in rows)
    bad = cli("reset", "--deck", "Nope", "--yes")
    assert bad.exit_code == 2 and "no deck file or deck named 'Nope'" in bad.stderr
