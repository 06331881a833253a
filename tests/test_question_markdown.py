"""A question's Markdown (an imported card's bold, code or escaped ``<``) is rendered in
``show`` and ``study`` as the answer's is; a plain question never loads markdown-it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import Terminal, calcquiz_command

DECK = """\
deck: Imported
cards:
  - id: bold
    number: 1
    question: What is the **dot product** of `a` and $b$?
    answer: "**Sum** of products."
  - id: escaped
    number: 2
    question: Use \\<script> tags \\& entities?
    answer: Never.
"""


@pytest.fixture
def deck_file(tmp_path: Path) -> Path:
    path = tmp_path / "imported.yaml"
    path.write_text(DECK, encoding="utf-8")
    return path


def test_show_renders_a_questions_markdown(cli, deck_file):
    out = cli("show", "1", "--deck", str(deck_file)).stdout
    assert "What is the dot product of a and b?" in out
    assert "**" not in out and "`" not in out


def test_show_renders_a_questions_escapes_as_the_text_they_stand_for(cli, deck_file):
    out = cli("show", "2", "--deck", str(deck_file)).stdout
    assert "Use <script> tags & entities?" in out
    assert "\\" not in out


def _modules_after_showing(question: str) -> list[str]:
    code = (
        "import sys\n"
        "from io import StringIO\n"
        "from rich.console import Console\n"
        "from calcquiz.content import Card\n"
        "from calcquiz.ui.cards import question_panel\n"
        "card = Card(id='c', number=1, question=sys.argv[1], answer='a', deck='D')\n"
        "Console(file=StringIO(), width=80).print(question_panel(card))\n"
        "print(sorted(m for m in sys.modules if m.startswith('markdown_it')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, question], capture_output=True, text=True, check=True
    )
    return eval(done.stdout)  # a printed list of module names


def test_a_plain_question_does_not_load_markdown_it():
    assert _modules_after_showing("What is a Derivative? What does it represent in ML?") == []
    assert _modules_after_showing("What is **bold**?") != []


@pytest.mark.slow
def test_study_shows_a_questions_markdown_rendered(tmp_path, deck_file):
    term = Terminal(
        calcquiz_command(tmp_path / "home", "study", "--deck", str(deck_file)), tmp_path, 80, 24
    )
    try:
        screen = term.wait_for("What is the dot product of a and b?")
        assert "**" not in screen
    finally:
        term.close()


def test_a_link_shows_its_address_in_a_terminal():
    from io import StringIO

    from rich.console import Console

    from calcquiz.content import Card
    from calcquiz.ui.cards import answer_panel, question_panel

    card = Card(id="c", number=1, question="Read [the docs](https://example.org/q)?",
                answer="See [here](https://example.org/a).", deck="D")
    out = StringIO()
    console = Console(file=out, force_terminal=True, color_system="standard", width=100)
    console.print(question_panel(card))
    console.print(answer_panel(card))
    shown = out.getvalue()
    assert "\x1b]8;" not in shown  # no hidden terminal hyperlink
    assert "https://example.org/q" in shown and "https://example.org/a" in shown
