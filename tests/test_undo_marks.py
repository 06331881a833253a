"""Undo of a suspension, a burial or a leech mark beside another session: the marks are put
back only while they are still the ones the undone change set; a mark the other session
set since is never erased, and the learner is told."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from calcquiz.config import Config
from calcquiz.errors import UndoConflictError
from calcquiz.session import Rated, SessionOptions, StudySession
from calcquiz.store import REVIEW, CardState, Flags, open_store

from .helpers import Clock, Session

BERLIN = ZoneInfo("Europe/Berlin")
DECK = "Calculus & Optimization"
NEXT_DAY = datetime(2026, 9, 22, 4, tzinfo=BERLIN).timestamp()  # when a burial ends


def session(store, decks, clock, **config) -> StudySession:
    return StudySession(
        store, decks, SessionOptions(new_limit=5), clock=clock, config=Config(**config), tz=BERLIN
    )


@pytest.fixture
def two(tmp_path: Path, decks):
    """Two sessions on one store, each through its own connection, as two processes are."""
    path = tmp_path / "calcquiz.db"
    clock = Clock(datetime(2026, 9, 21, 9, tzinfo=BERLIN).timestamp())
    with open_store(path) as a_store, open_store(path) as b_store:
        yield session(a_store, decks, clock), session(b_store, decks, clock), a_store


@pytest.mark.parametrize(
    ("mine", "theirs", "both"),
    [
        ("bury", "suspend", Flags(suspended=True, buried_until=NEXT_DAY)),
        ("suspend", "bury", Flags(suspended=True, buried_until=NEXT_DAY)),
    ],
)
def test_undo_keeps_a_mark_another_session_set_since(two, mine, theirs, both):
    a, b, store = two
    shown = a.next_card()
    assert shown is not None and b.next_card() == shown  # both show card 1
    a.set_aside(mine)
    b.set_aside(theirs)
    assert store.flags(DECK, shown.id) == both  # B's mark joined A's, did not replace it
    with pytest.raises(UndoConflictError, match="changed in another session"):
        a.undo()
    assert store.flags(DECK, shown.id) == both
    assert a.history == []  # the conflicting entry left the undo history


def test_undo_of_an_unchanged_mark_still_works_beside_another_session(two):
    a, b, store = two
    shown = a.next_card()
    assert shown is not None
    a.set_aside("bury")
    b.next_card()
    undone = a.undo()
    assert undone is not None and store.flags(DECK, shown.id) == Flags()
    assert a.current == shown  # shown again


@pytest.mark.parametrize("theirs", ["bury", "unsuspend"])
def test_undo_of_a_leech_lapse_keeps_marks_changed_since(tmp_path: Path, decks, theirs):
    """The lapse that made the card a leech (and suspended it) is undone; the marks another
    session changed since (a burial added, or the card unsuspended) stay as it left them."""
    clock = Clock(datetime(2026, 9, 21, 9, tzinfo=BERLIN).timestamp())
    path = tmp_path / "calcquiz.db"
    with open_store(path) as store, open_store(path) as other:
        due = clock() - 3600
        before = CardState(DECK, "chain-rule", REVIEW, None, 5.0, 6.0, due, due - 5 * 86400, 12, 7)
        store.import_history([before], [])
        a = StudySession(
            store, decks, SessionOptions(new_limit=0), clock=clock, config=Config(), tz=BERLIN
        )
        assert a.next_card() is not None
        a.reveal()
        rated = a.rate(1)
        assert rated.leech and store.flags(DECK, "chain-rule") == Flags(True, None, True)
        changed = Flags(True, NEXT_DAY, True) if theirs == "bury" else Flags(False, None, True)
        other.set_flags(DECK, "chain-rule", changed)
        undone = a.undo()
        assert isinstance(undone, Rated) and undone.marks_kept
        assert store.card_state(DECK, "chain-rule") == before  # the rating is undone
        assert store.reviews(DECK) == []
        assert store.flags(DECK, "chain-rule") == changed  # their marks are kept
    from calcquiz.ui.study_view import undo_message

    assert "marks, changed in another session since, stay" in undo_message(undone)


def test_undo_of_a_leech_lapse_whose_marks_stand_restores_them(tmp_path: Path, decks):
    clock = Clock(datetime(2026, 9, 21, 9, tzinfo=BERLIN).timestamp())
    with open_store(tmp_path / "calcquiz.db") as store:
        due = clock() - 3600
        before = CardState(DECK, "chain-rule", REVIEW, None, 5.0, 6.0, due, due - 5 * 86400, 12, 7)
        store.import_history([before], [])
        store.set_flags(DECK, "chain-rule", Flags(buried_until=clock() - 60))  # an old burial
        a = StudySession(
            store, decks, SessionOptions(new_limit=0), clock=clock, config=Config(), tz=BERLIN
        )
        assert a.next_card() is not None
        a.reveal()
        assert a.rate(1).leech
        undone = a.undo()
        assert isinstance(undone, Rated) and not undone.marks_kept
        assert store.flags(DECK, "chain-rule") == Flags(buried_until=clock() - 60)


@pytest.mark.slow
def test_two_processes_undo_of_a_burial_keeps_the_others_suspension(calcquiz_home: Path):
    a = Session()
    a.wait_for(Session.PROMPT, 1)
    b = Session()
    b.wait_for(Session.PROMPT, 1)  # both show card 1
    a.send("-\n")  # A buries it
    a.wait_for(Session.PROMPT, 2)
    b.send("@\n")  # B suspends it
    b.wait_for(Session.PROMPT, 2)
    a.send("u\n")
    a.wait_for("Cannot undo", 1)
    a.send("q\n")
    b.send("q\n")
    assert a.proc.wait(30) == 0 and b.proc.wait(30) == 0
    conn = sqlite3.connect(calcquiz_home / "calcquiz.db")
    try:
        marks = conn.execute(
            "SELECT suspended, buried_until IS NOT NULL FROM card_flags WHERE card_id = ?",
            ("derivative",),
        ).fetchall()
    finally:
        conn.close()
    assert marks == [(1, 1)]


def test_a_rating_whose_undo_was_refused_still_counts(two):
    a, b, store = two
    shown = a.next_card()
    assert shown is not None and b.next_card() == shown
    a.reveal()
    a.rate(3)
    b.reveal()
    b.rate(1)  # B rates the same card after A: A's rating can no longer be undone
    with pytest.raises(UndoConflictError):
        a.undo()
    logged = [r for (r,) in store.conn.execute(
        "SELECT rating FROM review_log WHERE card_id = ? ORDER BY id", (shown.id,))]
    assert logged == [3, 1]  # A's Good stands in the log...
    summary = a.summary()  # ...so A's summary and review limit count it
    assert summary.reviewed == 1 and summary.ratings["Good"] == 1
    assert a.done_count == 1
    assert summary.new_today == 1
