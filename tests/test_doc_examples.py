"""Every command example in README.md, docs/*.md and benchmarks/README.md runs, and says
what the page says it says (the convention is in docs/architecture.md):

* a fenced ``console`` block holds examples: ``$ COMMAND`` lines, each followed by the
  lines of output it must print, in that order (other lines may come between; ``...``
  marks where output is left out);
* a command exits 0, or with the code a trailing ``# exit N`` gives;
* the examples of one page run in order, in one fresh ``CALCQUIZ_HOME`` and working
  folder (``tests/`` and ``content/`` of the checkout are reachable there), with
  ``calcquiz`` the checkout's, NO_COLOR set and 80 columns.

``docs/_pending/`` (notes waiting to be merged into the docs) is not read.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .helpers import REPO

PAGES = sorted(
    [REPO / "README.md", REPO / "benchmarks" / "README.md", *(REPO / "docs").glob("*.md")]
)
FENCE = re.compile(r"^(`{3,})(\w*)[^\n]*\n(.*?)^\1\s*$", re.M | re.S)
EXIT = re.compile(r"\s+#\s*exit\s+(\d+)\s*$")


@dataclass
class Example:
    page: str
    line: int
    command: str
    exit_code: int = 0
    output: list[str] = field(default_factory=list)


def examples(page: Path) -> list[Example]:
    text = page.read_text(encoding="utf-8")
    found: list[Example] = []
    for block in FENCE.finditer(text):
        if block[2] != "console":
            continue
        first = text.count("\n", 0, block.start(3)) + 1
        for n, line in enumerate(block[3].splitlines(), first):
            if line.startswith("$ "):
                command, code = line[2:].strip(), 0
                if m := EXIT.search(command):
                    command, code = command[: m.start()], int(m[1])
                found.append(Example(page.name, n, command, code))
            elif line.strip() in ("", "..."):
                continue
            elif found and found[-1].line >= first:
                found[-1].output.append(line.strip())
            else:
                raise AssertionError(f"{page.name}:{n}: output before any $ command")
    return found


def test_every_page_block_is_well_formed():
    """Parsed without running: each console block starts with a command, and each command
    is calcquiz's (alone or fed by printf)."""
    total = 0
    for page in PAGES:
        for example in examples(page):
            assert re.match(r"(printf '[^']*' \| )?calcquiz( |$)", example.command), example
            total += 1
    assert total >= 20  # the pages do show their commands


def run(example: Example, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    define = f"calcquiz() {{ '{sys.executable}' -m calcquiz \"$@\"; }}\n"
    return subprocess.run(
        ["sh", "-c", define + example.command], cwd=cwd, env=env, capture_output=True,
        text=True, timeout=300,
    )


def missing_output(expected: list[str], printed: str) -> str | None:
    """The first expected line not found, in order, in ``printed`` (None: all found)."""
    lines = iter(printed.splitlines())
    for want in expected:
        if not any(want in line for line in lines):
            return want
    return None


@pytest.mark.slow  # a process per example
@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_the_examples_of_a_page_run_as_shown(page: Path, tmp_path: Path, calcquiz_home: Path):
    work = tmp_path / "work"
    work.mkdir()
    for name in ("tests", "content"):
        (work / name).symlink_to(REPO / name)
    env = {**os.environ, "CALCQUIZ_HOME": str(calcquiz_home), "NO_COLOR": "1",
           "COLUMNS": "80", "PAGER": "cat"}
    for example in examples(page):
        done = run(example, work, env)
        where = f"{example.page}:{example.line}: {example.command}"
        assert done.returncode == example.exit_code, f"{where}\n{done.stdout}{done.stderr}"
        absent = missing_output(example.output, done.stdout + done.stderr)
        assert absent is None, f"{where}\nnot printed: {absent!r}\n{done.stdout}{done.stderr}"
