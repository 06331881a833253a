"""Shared fixtures. Every test runs with CALCQUIZ_HOME in a temporary folder, so no test
ever reads or writes a real user's progress."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUNDLED_DECK = REPO / "content" / "day09_calculus_optimization.yaml"


@pytest.fixture(autouse=True)
def calcquiz_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("calcquiz-home")
    monkeypatch.setenv("CALCQUIZ_HOME", str(home))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    return home


@pytest.fixture
def cli():
    """Run the CLI in-process: ``cli("list", "--json")`` returns a typer Result."""
    from typer.testing import CliRunner

    from calcquiz import ui
    from calcquiz.cli import app

    runner = CliRunner()

    def run(*args: str, input: str | None = None):  # `input` mirrors CliRunner
        ui.reset_consoles()
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return run
