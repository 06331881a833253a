"""The one "did you mean" rule, and the slow-test switch in conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from calcquiz.suggest import closest_name, did_you_mean

pytest_plugins = ["pytester"]  # runs conftest.py's slow switch in a scratch suite

DEMOS = ("momentum", "newton", "saddle", "gradient-descent")


def test_a_near_miss_is_suggested_once():
    assert did_you_mean("momentom", DEMOS) == "; did you mean 'momentum'?"
    assert closest_name("gradient-decent", DEMOS) == "gradient-descent"


def test_nothing_close_suggests_nothing():
    assert did_you_mean("zzz", DEMOS) == ""
    assert closest_name("x", ["exp", "sin"]) is None  # ratio 0.5, under the cutoff
    assert did_you_mean("anything", []) == ""


def test_every_unknown_name_uses_the_same_rule(cli):
    # A demo name, a card id and a config key, all one hint format.
    assert "unknown demo or card 'momentom'; did you mean 'momentum'?" in cli(
        "demo", "momentom"
    ).stderr
    assert "; did you mean 'chain-rule'?" in cli("show", "chain-rul").stderr
    assert "; did you mean 'retention'?" in cli("config", "set", "retension", "0.8").stderr


SLOW_AND_FAST = """
import pytest

@pytest.mark.slow
def test_slow():
    pass

def test_fast():
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    ours = (Path(__file__).parent / "conftest.py").read_text(encoding="utf-8").splitlines()
    # The scratch suite is no package: leave out conftest's relative import of our helpers.
    pytester.makeconftest("\n".join(line for line in ours if "from .helpers" not in line))
    pytester.makeini("[pytest]\nmarkers =\n    slow: a fault trial\n")
    pytester.makepyfile(test_pair=SLOW_AND_FAST)
    monkeypatch.delenv("CI", raising=False)
    profile = settings.get_current_profile_name()
    yield pytester
    settings.load_profile(profile)  # the scratch conftest loaded its own, in this process


def test_a_plain_run_leaves_slow_tests_out(suite: pytest.Pytester):
    suite.runpytest_inprocess().assert_outcomes(passed=1, deselected=1)


def test_slow_runs_them(suite: pytest.Pytester):
    suite.runpytest_inprocess("--slow").assert_outcomes(passed=2)


@pytest.mark.parametrize("value,runs", [("true", 2), ("1", 2), ("false", 1), ("", 1)])
def test_ci_set_runs_everything(suite: pytest.Pytester, monkeypatch, value: str, runs: int):
    monkeypatch.setenv("CI", value)
    suite.runpytest_inprocess().assert_outcomes(passed=runs, deselected=2 - runs)
