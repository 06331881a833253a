"""Shared fixtures. Every test runs with CALCQUIZ_HOME in a temporary folder, so no test
ever reads or writes a real user's progress.

Tests marked ``slow`` (calcquiz in other processes: the CLI piped, fault trials, kill -9,
tmux; big fuzz runs) are left out of a developer's plain ``pytest``, which drives the same
code in-process; ``pytest --slow`` runs them, and so does every run with ``CI`` set
(``.ci/run``), so CI always runs the whole suite. A check that a path keeps heavy imports
away (a subprocess each, about a second) stays in the plain run: ``helpers.imports_after``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# CI explores the same Hypothesis examples on every run, so a red CI is reproducible and a
# green one is not luck; a developer's runs keep drawing new examples (and keep finding
# cases like the ones now pinned in the tests). Tests leave `derandomize` to the profile.
# No deadline in either: a shared machine's load is not a failure.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, database=None, print_blob=True)
settings.load_profile("ci" if in_ci() else "dev")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow", action="store_true", help="also run the tests marked slow (CI=true does too)"
    )


def run_slow(config: pytest.Config) -> bool:
    return bool(config.getoption("--slow")) or in_ci()


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
    from .helpers import invoke

    return invoke


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

@pytest.fixture
def no_real_anki(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Anki's default folders point into the test's own folder (a module makes it autouse
    with ``pytestmark = pytest.mark.usefixtures("no_real_anki")``)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("APPDATA", str(home / "AppData"))
    monkeypatch.delenv("ANKI_BASE", raising=False)
    return home
