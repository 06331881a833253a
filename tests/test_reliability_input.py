"""Hostile and malformed expressions through the real commands: refused, exit 2, nothing run."""

from __future__ import annotations

from pathlib import Path

import pytest

from calcquiz import expr
from calcquiz.errors import ExpressionError

from .helpers import REFUSED

LOOKALIKES = [
    "ｘ + 1",  # fullwidth x
    "х + 1",  # Cyrillic ha
    "𝑥^2",  # mathematical italic x
    "sіn(x)",  # Cyrillic i in sin
    "x\u200b+1",  # zero-width space
    "ℯ^x",  # script e
]
HOSTILE = [text for text, _ in REFUSED if text and "undefined" not in text] + LOOKALIKES


def test_there_are_at_least_30_hostile_inputs():
    assert len(HOSTILE) >= 30


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_function_is_refused_by_demo_with_exit_2(cli, text: str):
    with pytest.raises(ExpressionError):
        expr.parse(text)
    result = cli("demo", "derivative", "--f", text, "--no-live")
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert result.stdout == ""


@pytest.mark.parametrize("text", HOSTILE[:12])
def test_hostile_function_under_json_is_refused_too(cli, text: str):
    result = cli("demo", "gradient", "--f", text, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""


@pytest.mark.parametrize("text", ["9**9**9", "-" * 300 + "1", "1+" * 3000 + "1", "[" * 50])
def test_hostile_drill_answers_are_refused_and_the_drill_goes_on(cli, text: str):
    result = cli("drill", "derivative", "-n", "1", "--seed", "3", input=f"{text}\nq\n")
    assert result.exit_code == 0
    assert "could not read that answer" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_injection_through_constraint_runs_nothing(cli, tmp_path: Path):
    marker = tmp_path / "pwned"
    for option in ("--f", "--g"):
        args = ["demo", "lagrange", "--f", "x^2 + y^2", "--g", "x + y - 1", "--json"]
        args[args.index(option) + 1] = f"__import__('os').system('touch {marker}')"
        assert cli(*args).exit_code == 2
    assert not marker.exists()
