"""Shared fixtures. Every test runs with CALCQUIZ_HOME in a temporary folder, so no test
ever reads or writes a real user's progress.

Tests marked ``slow`` (fault trials: kill -9, concurrent processes, tmux, big fuzz runs) are
left out of a developer's plain ``pytest``; ``pytest --slow`` runs them, and so does every
run with ``CI`` set (``.ci/run``), so CI always runs the whole suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI explores the same Hypothesis examples on every run, so a red CI is reproducible and a
# green one is not luck; a developer's runs keep drawing new examples (and keep finding
# cases like the ones now pinned in the tests).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
    settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow", action="store_true", help="also run the tests marked slow (CI=true does too)"
    )


def run_slow(config: pytest.Config) -> bool:
    ci = os.environ.get("CI", "").strip().lower()
    return bool(config.getoption("--slow")) or ci not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if run_slow(config):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:  # deselected, not skipped: one summary line, "N deselected"
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


def pytest_report_header(config: pytest.Config) -> str:
    return "slow tests: " + ("run" if run_slow(config) else "left out (pytest --slow runs them)")


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
    from calcquiz.cli import app_for

    runner = CliRunner()

    def run(*args: str, input: str | None = None):  # `input` mirrors CliRunner
        ui.reset_consoles()
        # the app main() runs: only the named command, or all of them
        return runner.invoke(app_for(args), list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def store(tmp_path: Path):
    """A fresh store in the test's own folder (for the pure state machines)."""
    from calcquiz.store import open_store

    with open_store(tmp_path / "calcquiz.db") as s:
        yield s


@pytest.fixture
def decks():
    """The bundled deck, loaded as the commands load it."""
    from calcquiz.content import load_decks

    return load_decks()
