"""`list` to a pipe and `list --json` with nothing to narrow write every row from the
decks' kept one-line forms and each card's raw progress. Those rows must be
exactly what the general path, Card by Card and CardProgress by CardProgress, writes."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calcquiz import progress
from calcquiz.config import Config
from calcquiz.content import load_decks
from calcquiz.dates import Calendar
from calcquiz.states import CardState, State
from calcquiz.store import Flags, open_store
from calcquiz.ui import listing

from .helpers import REPO, T0

EDGE = REPO / "tests" / "data"

DECK = """deck: "Odd  [bold]name[/]"
cards:
""" + "".join(
    f"""  - id: c{i}
    number: {i}
    question: "Card {i}:  $x^{{{i}}}$ [red]markup[/] \\"quoted\\" 日本語\\twith\\ttabs"
    answer: "A {i}\\nsecond line"
    tags: [{'t' + str(i % 3)}, "a::b"]
    demo: {['momentum', 'gradient-descent', 'newton'][i % 3]}
    note: {'null' if i % 2 else '"a note"'}
"""
    for i in range(1, 61)
)


@pytest.fixture
def decks(tmp_path: Path, calcquiz_home: Path):
    """A cached deck (read twice: the second time from the cache) beside the bundled one."""
    path = tmp_path / "odd.yaml"
    path.write_text(DECK, encoding="utf-8")
    load_decks([path])
    return load_decks([path, *sorted((REPO / "content").glob("*.yaml"))])


def studied_store(path: Path, decks, marks: bool = True) -> None:
    """Every kind of progress: new, learning, review, relearning; due before now, today,
    this week and next year; with ``marks``, suspended, buried, leech cards and exercise
    results on two topics (without, the progress is the state rows alone)."""
    rng = random.Random(5)
    with open_store(path) as store:
        for deck in decks:
            for card in list(deck.cards)[::2]:
                kind = rng.choice([State.LEARNING, State.REVIEW, State.RELEARNING])
                due = T0 + rng.choice([-3600, 600, 86400, 3 * 86400, 40 * 86400, 400 * 86400])
                last = T0 - rng.uniform(0, 900) * 86400
                stability = None if kind == State.LEARNING else rng.uniform(0.01, 3000)
                difficulty = None if kind == State.LEARNING else rng.uniform(1, 10)
                state = CardState(deck.name, card.id, kind, 0 if kind != State.REVIEW else None,
                                  stability, difficulty, due + rng.random(), last, 1, 0)
                store.apply_review(None, state, 3, last, 10)
            if not marks:
                continue
            cards = list(deck.cards)
            store.set_flags(deck.name, cards[1].id, Flags(suspended=True))
            store.set_flags(deck.name, cards[2].id, Flags(buried_until=T0 + 3600))
            store.set_flags(deck.name, cards[4].id, Flags(leech=True, suspended=True))
        for topic, right in [("momentum", True), ("momentum", False), ("newton", True)][
            : 3 if marks else 0
        ]:
            store.record_drill(topic, "p", "1", "1" if right else "2", right, 10)


def general_and_fast(decks, capsys, json_output: bool) -> tuple[str, str]:
    """What ``list`` writes to a pipe (or with --json), from rows made Card by Card, then
    from the kept forms; and checks the rows themselves are equal."""
    from calcquiz import ui

    ui.reset_consoles()
    config = Config()
    calendar = Calendar(config.day_starts_at)
    total = sum(len(d.cards) for d in decks)
    form = progress.JSON if json_output else progress.LINES
    with open_store() as store:
        general_rows = list(progress.card_rows(store, decks, form, T0, config))
        fast_rows = [
            row
            for chunk in progress.list_rows(store, decks, progress.CardQuery(), form, T0,
                                            calendar, config)
            for row in chunk
        ]
        assert fast_rows == general_rows
        outputs = []
        for rows in (general_rows, fast_rows):
            listing.print_card_list([rows], decks, total, calendar, T0, as_json=json_output)
            outputs.append(capsys.readouterr().out)
        if json_output:  # byte for byte what json writes of each card and its progress
            cards = [(c, s.progress(c)) for s in progress.deck_progress(store, decks, T0, config)
                     for c in s.deck.cards]
            encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
            plain = "[\n" + ",\n".join(encode({**c.to_dict(), **p}) for c, p in cards) + "\n]\n"
            assert outputs[0] == plain
    return outputs[0], outputs[1]


@pytest.mark.parametrize("json_output", [False, True], ids=["lines", "json"])
def test_rows_from_kept_forms_are_the_general_rows(
    decks, calcquiz_home: Path, capsys, json_output: bool
):
    studied_store(calcquiz_home / "calcquiz.db", decks)
    general, fast = general_and_fast(decks, capsys, json_output)
    assert fast == general
    rows = general.splitlines()
    assert len(rows) >= 80  # the cards and the header (or brackets)
    if json_output:
        parsed = json.loads(general)
        assert {p["state"] for p in parsed} == {"new", "learning", "review", "relearning"}
        assert all(any(p[mark] for p in parsed) for mark in ("suspended", "buried", "leech"))
        assert {p["exercise_accuracy"]["of"] for p in parsed if p["exercise_accuracy"]} == {1, 2}
    else:
        for kind in ("new", "learning", "review", "suspended", "buried", "leech", "1/2", "now",
                     "tomorrow", "2027-"):
            assert kind in general, kind
    # and again, now that the kept forms are read from the cache, not made
    assert general_and_fast(decks, capsys, json_output) == (general, fast)


def test_a_kept_form_without_a_line_per_card_is_made_again(decks, calcquiz_home: Path):
    from calcquiz.content.cache import derived_lines
    from calcquiz.paths import deck_cache_dir

    deck = decks[0]
    lines = derived_lines(deck, ".lines", lambda c: c.one_line())
    kept = list(deck_cache_dir().glob("*.lines"))
    assert len(kept) == 1
    kept[0].write_text("too\nfew\n", encoding="utf-8")
    assert derived_lines(deck, ".lines", lambda c: c.one_line()) == lines
    assert lines[0] == deck.cards[0].one_line() and "\t" not in lines[0]


FLOATS = st.one_of(
    st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5).map(float)
)


@given(
    state=st.sampled_from(["new", "learning", "review", "relearning"]),
    due=st.one_of(st.none(), st.floats(0, 4e9)),
    numbers=st.tuples(FLOATS, FLOATS, FLOATS),
    marks=st.tuples(st.booleans(), st.booleans(), st.booleans()),
    accuracy=st.one_of(
        st.none(), st.builds(lambda r, o: {"right": r, "of": o, "accuracy": r / o},
                             st.integers(0, 5), st.integers(1, 5))
    ),
)
def test_a_json_item_is_what_json_writes(state, due, numbers, marks, accuracy):
    """The template against ``json`` itself; inf and nan as the strings print_json writes."""
    from calcquiz import ui
    from calcquiz.dates import iso_utc
    from calcquiz.progress import ListRow

    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    card = {"deck": "d", "id": "c", "question": "\"q\" 日本語"}
    row = ListRow("1", "d", "c", "", encode(card), state, due, *numbers, *marks, accuracy)
    as_dict = {
        **card,
        "state": state, "due": None if due is None else iso_utc(due),
        "stability": numbers[0], "difficulty": numbers[1], "retrievability": numbers[2],
        "suspended": marks[0], "buried": marks[1], "leech": marks[2],
        "exercise_accuracy": accuracy,
    }
    if any(x is not None and not math.isfinite(x) for x in numbers):
        with pytest.raises(ValueError):
            encode(as_dict)
        as_dict = ui._finite(as_dict)
    assert listing.json_items([row]) == [encode(as_dict)]


@pytest.mark.parametrize("json_output", [False, True], ids=["lines", "json"])
def test_rows_of_state_rows_alone_are_the_general_rows(
    decks, calcquiz_home: Path, capsys, json_output: bool
):
    """No marks and no exercise results: a line is made straight from the state row."""
    studied_store(calcquiz_home / "calcquiz.db", decks, marks=False)
    general, fast = general_and_fast(decks, capsys, json_output)
    assert fast == general
    assert "review" in general and "new" in general
