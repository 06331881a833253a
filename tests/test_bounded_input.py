"""Piped input with no newline (/dev/zero) cannot fill memory: a line longer than any key
or answer ends the input, in study, exercise reviews, drill and reset's question."""

from __future__ import annotations

import resource
import subprocess

import pytest

from calcquiz.ui.keys import MAX_LINE

from .helpers import CLI

pytestmark = pytest.mark.slow  # each test is its own process fed a hostile stream

LIMIT = 1_500_000_000  # bytes of address space: ample for calcquiz, far below what /dev/zero fills


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


@pytest.mark.parametrize(
    "args",
    [["study"], ["study", "--exercises", "--seed", "1"], ["drill", "-n", "2"],
     ["reset", "--card", "1"]],
)
def test_a_stream_without_newlines_ends_the_input(calcquiz_home, args):
    if args[0] == "reset":  # reset asks only when there is a store
        subprocess.run([*CLI, "suspend", "1"], check=True, capture_output=True)
    with open("/dev/zero", "rb") as zero:
        done = subprocess.run([*CLI, *args], stdin=zero, capture_output=True, text=True,
                              timeout=120, preexec_fn=_limited)
    # reset: the input ended unanswered, so nothing is reset, with exit 1 as at any EOF
    assert done.returncode == (1 if args[0] == "reset" else 0), done.stderr[-500:]
    assert done.stderr == f"Input ends here: a line is longer than {MAX_LINE:,} characters.\n"


def test_a_long_line_then_more_input_stops_at_the_long_line(calcquiz_home):
    piped = "x" * (MAX_LINE + 10) + "\n4\n"
    done = subprocess.run([*CLI, "drill", "-n", "1", "--seed", "2"], input=piped,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert "Input ends here" in done.stderr
    assert "You gave 4" not in done.stdout  # nothing after the long line is read as input
