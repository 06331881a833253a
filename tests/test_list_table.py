"""`calcquiz list` in a terminal reads like Anki's browser: one line per card at any width
from 60 columns, the question cut with …, a short deck name, and the columns that did not
fit named under the table."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from calcquiz.content import load_decks
from calcquiz.dates import Calendar, DueFormat
from calcquiz.progress import LINES, card_rows
from calcquiz.states import CardState, State
from calcquiz.store import Flags, open_store
from calcquiz.ui import listing

from .helpers import BUNDLED_DECK, T0

SECOND = r"""deck: "A Second Deck With A Rather Long Name"
cards:
  - id: a-card-with-an-id-longer-than-the-column-allows
    number: 1
    question: "$\\alpha^2$ and a question that goes on and on, far past any terminal's width"
    answer: "a"
    tags: [one, two]
"""


def table(tmp_path: Path, width: int, studied: bool = True) -> list[str]:
    second = tmp_path / "second.yaml"
    second.write_text(SECOND, encoding="utf-8")
    decks = load_decks([BUNDLED_DECK, second])
    with open_store(tmp_path / "calcquiz.db") as store:
        if studied:
            card = decks[0].cards[0]
            state = CardState(decks[0].name, card.id, State.REVIEW, None, 12.5, 5.0,
                              T0 + 3 * 86400, T0 - 86400, 3, 0)
            store.apply_review(None, state, 3, T0 - 86400, 10)
            store.set_flags(decks[0].name, decks[0].cards[1].id, Flags(suspended=True))
        rows = list(card_rows(store, decks, LINES, T0))
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=True, no_color=True)
    listing.print_table(rows, True, len(rows) + 5, DueFormat(Calendar(), T0), console)
    return re.sub(r"\x1b\[[0-9;]*m", "", buffer.getvalue()).splitlines()


@pytest.mark.parametrize("width", [60, 80, 100, 140, 200])
def test_one_line_per_card_within_the_width(tmp_path: Path, width: int):
    lines = table(tmp_path, width)
    cards = [line for line in lines if re.match(r"\s*\d+  ", line)]
    assert len(cards) == 21  # 20 bundled cards and one more: each on its own line
    assert all(len(line) <= width for line in lines)
    long_one = next(line for line in cards if "A Second De…" in line)
    assert "α² and a question" in long_one  # math as Unicode
    assert "…  A Second" in long_one  # the question cut with …, not wrapped
    assert "21 of 26 cards match." in lines[-1]


@pytest.mark.parametrize("width", [60, 80, 140])
def test_columns_left_out_are_named_under_the_table(tmp_path: Path, width: int):
    lines = table(tmp_path, width)
    header = lines[0].split()
    note = " ".join(" ".join(line.split()) for line in lines if not re.match(r"\s*\d+  ", line))
    names = ("card", "deck", "state", "due", "stab.", "recall", "solved", "tags")
    left_out = [name for name in names if name not in header]
    if left_out:
        assert f"Not shown at {width} columns: {', '.join(left_out)}" in note
    else:
        assert "Not shown" not in note
    assert {"#", "question", "deck", "state", "due"} <= set(header)  # at any width
    if width >= 140:
        assert {"card", "stab.", "recall"} <= set(header)


def test_a_short_deck_name_and_the_marks(tmp_path: Path):
    lines = table(tmp_path, 140)
    second = next(line for line in lines if "α²" in line)
    assert "A Second De…" in second and "Rather Long Name" not in second
    first = next(line for line in lines if line.split()[:2] == ["1", "derivative"])
    assert "review" in first and "12.5d" in first
    suspended = next(line for line in lines if line.split()[:2] == ["2", "partial-derivative"])
    assert "(suspended)" in suspended  # as Anki's browser shows a card set aside


def test_nothing_to_show(tmp_path: Path):
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, force_terminal=True, no_color=True)
    listing.print_table([], False, 20, DueFormat(Calendar(), T0), console)
    assert buffer.getvalue().strip() == "No card matches."


def test_a_list_to_a_pipe_never_imports_rich():
    """A pipe gets plain lines: the terminal's library stays unloaded (about 0.1 s)."""
    from .helpers import command_code, imports_after

    imported, out = imports_after(command_code("list"), ("rich",))
    assert "derivative" in out and imported == []
    imported, out = imports_after(command_code("list", "--json"), ("rich",))
    assert '"id": "derivative"' in out and imported == []
