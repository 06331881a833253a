"""The test suite's own rules: Hypothesis is derandomized in CI and only there, through the
profile in tests/conftest.py; test text names behaviour, not issue numbers."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import settings

from .conftest import in_ci

TESTS = Path(__file__).resolve().parent
SOURCES = sorted(p for p in TESTS.glob("*.py") if p.name != "test_suite.py")


def test_the_hypothesis_profile_follows_ci():
    assert settings.default.derandomize is in_ci()
    assert settings.default.deadline is None


def test_no_test_chooses_its_own_randomness():
    """A test that set ``derandomize`` would draw the same examples locally (finding
    nothing new) or new ones in CI (failing on luck)."""
    offenders = [
        f"{path.name}:{n}"
        for path in SOURCES
        if path.name != "conftest.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bderandomize\s*=", line)
    ]
    assert offenders == []


def test_no_test_cites_an_issue_number():
    offenders = [
        f"{path.name}:{n}: {line.strip()}"
        for path in SOURCES
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"(?i)\bissues?\s*#?\d|\(#\d+\)", line)
    ]
    assert offenders == []


def test_big_property_tests_draw_every_example_in_ci():
    from .helpers import examples

    assert examples(400) == (400 if in_ci() else 100)
    assert examples(40) == (40 if in_ci() else 25)
