"""Leeches, suspend and bury, driven through the session with a fake clock (Berlin days
that start at 4 a.m.), and the stats that count them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from calcquiz import progress
from calcquiz.config import Config
from calcquiz.dates import Calendar
from calcquiz.scheduler import becomes_leech
from calcquiz.session import SessionOptions, StudySession
from calcquiz.store import REVIEW, CardState, Flags, open_store

from .helpers import Clock

BERLIN = ZoneInfo("Europe/Berlin")
DECK = "Calculus & Optimization"


def at(d: int, h: int, mi: int = 0) -> float:
    return datetime(2026, 9, d, h, mi, tzinfo=BERLIN).timestamp()





def start(store, decks, clock, **config):
    return StudySession(
        store, decks, SessionOptions(new_limit=0), clock=clock, config=Config(**config), tz=BERLIN
    )


def review_card(store, card_id: str, lapses: int, due: float) -> None:
    """A graduated card with ``lapses`` lapses behind it, due at ``due``."""
    state = CardState(DECK, card_id, REVIEW, None, 5.0, 6.0, due, due - 5 * 86400, 12, lapses)
    store.import_history([state], [])


def lapse(session) -> object:
    card = session.next_card()
    assert card is not None
    session.reveal()
    return session.rate(1)


@pytest.mark.parametrize(
    ("threshold", "leech_at"),
    [(8, [8, 12, 16, 20]), (4, [4, 6, 8, 10]), (3, [3, 4, 5, 6]), (1, [1, 2, 3])],
)
def test_anki_leech_rule(threshold, leech_at):
    hits = [n for n in range(1, 21) if becomes_leech(n, threshold)]
    assert hits[: len(leech_at)] == leech_at


def test_the_eighth_lapse_makes_a_leech_and_suspends_it(store, decks):
    clock = Clock(at(21, 9))
    review_card(store, "chain-rule", lapses=7, due=at(21, 8))
    s = start(store, decks, clock)
    rated = lapse(s)
    assert rated.leech and rated.suspended and rated.after.lapses == 8
    assert store.flags(DECK, "chain-rule") == Flags(suspended=True, leech=True)
    # Suspended: it does not come back in this session's relearning step, nor later.
    clock.t += 3600
    assert s.next_card() is None and s.waiting_until() is None
    clock.t = at(25, 9)
    assert start(store, decks, clock).next_card() is None
    assert s.summary().leeches == 1


def test_the_seventh_lapse_is_not_a_leech(store, decks):
    clock = Clock(at(21, 9))
    review_card(store, "chain-rule", lapses=6, due=at(21, 8))
    rated = lapse(start(store, decks, clock))
    assert not rated.leech and store.flags(DECK, "chain-rule") == Flags()


def test_leech_action_tag_keeps_the_card_in_study(store, decks):
    clock = Clock(at(21, 9))
    review_card(store, "chain-rule", lapses=11, due=at(21, 8))  # the 12th: 8 + 8/2
    s = start(store, decks, clock, leech_action="tag")
    rated = lapse(s)
    assert rated.leech and not rated.suspended
    assert store.flags(DECK, "chain-rule") == Flags(leech=True)
    clock.t = s.waiting_until()
    assert s.next_card() is not None  # relearning goes on


def test_undo_of_the_leech_lapse_restores_the_card_and_its_marks(store, decks):
    clock = Clock(at(21, 9))
    review_card(store, "chain-rule", lapses=3, due=at(21, 8))
    s = start(store, decks, clock, leech_threshold=4)
    before = store.card_state(DECK, "chain-rule")
    assert lapse(s).leech
    s.undo()
    assert store.flags(DECK, "chain-rule") == Flags()
    assert store.card_state(DECK, "chain-rule") == before
    assert s.current is not None and s.current.id == "chain-rule"


def _failing_mark_write(monkeypatch) -> None:
    """Writing a card's marks inside a rating's or an undo's transaction fails, as a full
    disk or a killed process would make it."""
    import sqlite3

    from calcquiz.store import reviews

    def fail(*_args):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(reviews, "_put_flags", fail)


def test_a_leech_lapse_is_saved_with_its_marks_or_not_at_all(store, decks, monkeypatch):
    """The rating, its log row and the leech mark are one transaction: if the mark cannot
    be written, the rating is not saved either (no lapse logged without its mark)."""
    clock = Clock(at(21, 9))
    review_card(store, "chain-rule", lapses=7, due=at(21, 8))
    before = store.card_state(DECK, "chain-rule")
    s = start(store, decks, clock)
    _failing_mark_write(monkeypatch)
    with pytest.raises(Exception, match="disk I/O error"):
        lapse(s)
    assert store.card_state(DECK, "chain-rule") == before
    assert store.reviews(DECK) == [] and store.flags(DECK, "chain-rule") == Flags()


def test_a_leech_mark_keeps_marks_another_session_set_meanwhile(store, decks):
    """The marks are read in the rating's transaction: a burial made by another process
    while the card was shown is kept beside the leech mark."""
    clock = Clock(at(21, 9))
    review_card(store, "chain-rule", lapses=7, due=at(21, 8))
    s = start(store, decks, clock, leech_action="tag")
    assert s.next_card() is not None
    with open_store(store.path) as other:
        other.set_flags(DECK, "chain-rule", Flags(buried_until=at(22, 4)))
    s.reveal()
    assert s.rate(1).leech
    assert store.flags(DECK, "chain-rule") == Flags(buried_until=at(22, 4), leech=True)


def test_undo_of_a_leech_lapse_restores_its_marks_or_nothing(store, decks, monkeypatch):
    clock = Clock(at(21, 9))
    review_card(store, "chain-rule", lapses=7, due=at(21, 8))
    s = start(store, decks, clock)
    assert lapse(s).leech
    after = store.card_state(DECK, "chain-rule")
    _failing_mark_write(monkeypatch)
    with pytest.raises(Exception, match="disk I/O error"):
        s.undo()
    assert store.card_state(DECK, "chain-rule") == after  # the rating stays, marks too
    assert len(store.reviews(DECK)) == 1
    assert store.flags(DECK, "chain-rule") == Flags(suspended=True, leech=True)


def test_suspend_and_bury_in_study_and_undo(store, decks):
    clock = Clock(at(21, 23))
    s = StudySession(store, decks, SessionOptions(new_limit=5), clock=clock, tz=BERLIN)
    first = s.next_card()
    assert s.counts()["new"] == 5  # the card shown counts
    s.set_aside("suspend")
    assert store.flags(DECK, first.id).suspended
    second = s.next_card()
    s.set_aside("bury")
    assert store.flags(DECK, second.id).buried_until == at(22, 4)  # the next day boundary
    assert s.counts()["new"] == 3
    undone = s.undo()
    assert undone.card == second and store.flags(DECK, second.id) == Flags()
    assert s.next_card() == second
    assert s.counts()["new"] == 4  # the header is right after undo
    s.set_aside("bury")
    summary = s.summary()
    assert summary.set_aside == {"suspend": 1, "bury": 1} and summary.reviewed == 0
    # Buried until 04:00: hidden at 03:59, back at 04:00; the suspended card stays away.
    clock.t = at(22, 3, 59)
    ids = [c.id for c in StudySession(store, decks, clock=clock, tz=BERLIN)._new]
    assert second.id not in ids and first.id not in ids
    clock.t = at(22, 4)
    ids = [c.id for c in StudySession(store, decks, clock=clock, tz=BERLIN)._new]
    assert second.id in ids and first.id not in ids


def test_summary_counts_ratings_and_cards_apart(store, decks):
    clock = Clock(at(21, 9))
    s = StudySession(store, decks, SessionOptions(new_limit=2), clock=clock, tz=BERLIN)
    for _ in range(2):
        s.next_card()
        s.reveal()
        s.rate(1)
    clock.t = s.waiting_until()
    s.next_card()
    s.reveal()
    s.rate(3)
    summary = s.summary()
    assert (summary.reviewed, summary.cards) == (3, 2)


def test_stats_use_the_learners_day_and_count_marks(store, decks):
    # Reviews at 23:00 on the 20th and at 02:00 on the 21st belong to the same day (the
    # 20th); one at 05:00 on the 21st is the 21st.
    for when in (at(20, 23), at(21, 2), at(21, 5)):
        store.import_history([], [(DECK, "gradient", 3, when, 1000, 0, 1)])
    review_card(store, "chain-rule", lapses=0, due=at(22, 3))  # still the 21st
    review_card(store, "hessian", lapses=0, due=at(22, 4))  # the 22nd
    store.set_flags(DECK, "hessian", Flags(suspended=True, leech=True))
    store.set_flags(DECK, "momentum", Flags(buried_until=at(22, 4)))
    stats = progress.build_stats(store, decks, now=at(21, 9), calendar=Calendar(4, BERLIN))
    heat = {d.date: d.reviews for d in stats.heatmap}
    assert heat["2026-09-20"] == 2 and heat["2026-09-21"] == 1
    assert stats.reviews_today == 1
    forecast = {d.date: d.due for d in stats.forecast}
    assert forecast["2026-09-21"] == 1  # chain-rule, due 03:00 the night after
    assert forecast["2026-09-22"] == 0  # hessian is suspended: not forecast
    assert stats.set_aside == {"suspended": 1, "buried": 1, "leech": 1}
    midnight = progress.build_stats(store, decks, now=at(21, 9), calendar=Calendar(0, BERLIN))
    assert {d.date: d.reviews for d in midnight.heatmap}["2026-09-21"] == 2


def test_a_version_2_database_gains_the_marks_table_and_keeps_its_reviews(tmp_path: Path):
    import sqlite3

    from calcquiz.store import schema

    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path)
    migrations = schema.MIGRATIONS
    conn.executescript(migrations[1] + ";" + migrations[2] + "; PRAGMA user_version = 2;")
    conn.execute(
        "INSERT INTO review_log (deck, card_id, rating, reviewed_at, state_before, state_after, "
        "after_json) VALUES (?, 'gradient', 3, 1.0, 0, 1, '{}')",
        (DECK,),
    )
    conn.commit()
    conn.close()
    with open_store(path) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert s.review_count([DECK]) == 1
        s.set_flags(DECK, "gradient", Flags(suspended=True))
        assert s.card_flags(DECK) == {"gradient": Flags(suspended=True)}
        s.set_flags(DECK, "gradient", Flags())  # no marks: no row
        assert s.conn.execute("SELECT COUNT(*) FROM card_flags").fetchone()[0] == 0
