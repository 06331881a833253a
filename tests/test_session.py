"""The study state machine, driven without a terminal and with a fake clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from calcquiz.content import load_decks
from calcquiz.errors import BadInputError
from calcquiz.session import SessionOptions, StudySession
from calcquiz.store import LEARNING, NEW, REVIEW, open_store

T0 = 1_790_000_000.0  # a fixed "now" (2026-09-21)


class Clock:
    def __init__(self, t: float = T0):
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def store(tmp_path: Path):
    with open_store(tmp_path / "calcquiz.db") as s:
        yield s


@pytest.fixture
def decks():
    return load_decks()


def session(store, decks, clock=None, **options):
    return StudySession(store, decks, SessionOptions(**options), clock=clock or Clock())


def test_new_cards_come_in_number_order_and_respect_the_daily_limit(store, decks):
    s = session(store, decks, new_limit=3)
    seen = []
    while (card := s.next_card()) is not None:
        seen.append(card.number)
        s.reveal()
        s.rate(4)  # Easy: graduates, not back this session
    assert seen == [1, 2, 3]
    # The same day, a new session introduces no more new cards.
    again = session(store, decks, new_limit=3, clock=Clock(T0 + 60))
    assert again.next_card() is None


def test_shown_interval_is_exactly_the_applied_one(store, decks):
    clock = Clock()
    s = session(store, decks, clock=clock)
    for rating in (1, 2, 3, 4):
        card = s.next_card()
        assert card is not None
        outcomes = s.reveal()
        shown = outcomes[rating].interval
        clock.advance(7)  # thinking time between reveal and rating
        s.rate(rating)
        state = store.card_state(card.deck, card.id)
        assert state is not None
        assert state.due == pytest.approx(state.last_review + shown)


def test_fuzzed_review_interval_matches_the_preview(store, decks):
    """Fuzz applies from 2.5 days on; the previewed (fuzzed) interval is what is saved."""
    clock = Clock()
    s = session(store, decks, clock=clock, new_limit=1)
    card = s.next_card()
    s.reveal()
    s.rate(4)  # Easy: straight to review, days away
    first = store.card_state(card.deck, card.id)
    assert first.state == REVIEW
    clock.t = first.due
    s2 = session(store, decks, clock=clock, new_limit=0)
    assert s2.next_card() == card
    previews = {r: o.interval for r, o in s2.reveal().items()}
    assert previews[3] > 2.5 * 86400
    s2.rate(3)
    after = store.card_state(card.deck, card.id)
    assert after.due - clock.t == pytest.approx(previews[3])


def test_again_brings_the_card_back_when_its_step_is_due(store, decks):
    clock = Clock()
    s = session(store, decks, clock=clock, new_limit=1)
    card = s.next_card()
    s.reveal()
    interval = s.reveal()[1].interval
    s.rate(1)
    assert s.next_card() is None  # nothing else due now
    wait = s.waiting_until()
    assert wait == pytest.approx(T0 + interval)
    clock.t = wait
    assert s.next_card() == card


def test_undo_restores_state_and_log_and_shows_the_card_again(store, decks):
    clock = Clock()
    s = session(store, decks, clock=clock)
    first = s.next_card()
    s.reveal()
    s.rate(3)
    second = s.next_card()
    s.reveal()
    s.rate(2)
    assert len(store.reviews()) == 2
    undone = s.undo()
    assert undone is not None and undone.card == second
    assert store.card_state(second.deck, second.id) is None  # new again
    assert [r.card_id for r in store.reviews()] == [first.id]
    assert s.next_card() == second
    # Undo while a card is shown puts it back after the undone one.
    undone = s.undo()
    assert undone.card == first
    assert s.next_card() == first
    s.reveal()
    s.rate(3)
    assert s.next_card() == second


def test_undo_of_a_review_restores_the_previous_state(store, decks):
    clock = Clock()
    s = session(store, decks, clock=clock, new_limit=1)
    card = s.next_card()
    s.reveal()
    s.rate(4)
    before = store.card_state(card.deck, card.id)
    clock.t = before.due + 1
    s2 = session(store, decks, clock=clock, new_limit=0)
    assert s2.next_card() == card
    s2.reveal()
    s2.rate(1)
    assert store.card_state(card.deck, card.id).lapses == 1
    s2.undo()
    assert store.card_state(card.deck, card.id) == before


def test_cram_logs_ratings_but_keeps_schedules(store, decks):
    s = session(store, decks, cram=True, tags=("hessian",))
    shown = []
    while (card := s.next_card()) is not None:
        shown.append(card.id)
        s.reveal()
        s.rate(3)
    assert sorted(shown) == ["hessian", "newtons-method", "saddle-point"]
    assert store.card_states("Calculus & Optimization") == {}
    assert [r.cram for r in store.reviews()] == [True, True, True]
    assert all(r.state_before == NEW for r in store.reviews())


def test_cram_again_repeats_the_card_at_the_end(store, decks):
    s = session(store, decks, cram=True, tags=("momentum",))
    card = s.next_card()
    s.reveal()
    s.rate(1)
    assert s.next_card() == card


def test_review_limit_stops_the_session(store, decks):
    s = session(store, decks, review_limit=2)
    for _ in range(2):
        s.next_card()
        s.reveal()
        s.rate(3)
    assert s.next_card() is None
    assert s.waiting_until() is None


def test_card_removed_from_deck_keeps_history_and_is_not_shown(store, decks, tmp_path):
    clock = Clock()
    s = session(store, decks, clock=clock, new_limit=1)
    card = s.next_card()
    s.reveal()
    s.rate(1)
    src = Path(decks[0].path).read_text(encoding="utf-8")
    start = src.index("  - id: derivative")
    end = src.index("  - id: partial-derivative")
    smaller = tmp_path / "smaller.yaml"
    smaller.write_text(src[:start] + src[end:], encoding="utf-8")
    clock.advance(3600)
    later = session(store, load_decks([smaller]), clock=clock, new_limit=0)
    assert later.next_card() is None
    assert store.card_state(card.deck, "derivative") is not None
    assert len(store.reviews()) == 1


def test_learning_card_from_an_earlier_session_comes_back(store, decks):
    clock = Clock()
    s = session(store, decks, clock=clock, new_limit=1)
    card = s.next_card()
    s.reveal()
    s.rate(1)
    clock.advance(30)
    later = session(store, decks, clock=clock, new_limit=1)
    assert later.next_card() is None
    assert later.waiting_until() == pytest.approx(store.card_state(card.deck, card.id).due)
    assert store.card_state(card.deck, card.id).state == LEARNING


def test_bad_options_are_refused():
    with pytest.raises(BadInputError):
        SessionOptions(new_limit=-1)
    with pytest.raises(BadInputError):
        SessionOptions(review_limit=0)


def test_bad_retention_is_refused(store, decks):
    with pytest.raises(BadInputError):
        session(store, decks, retention=1.5)


def test_summary_counts(store, decks):
    clock = Clock()
    s = session(store, decks, clock=clock, new_limit=3)
    for rating in (1, 3, 4):
        s.next_card()
        s.reveal()
        clock.advance(10)
        s.rate(rating)
    summary = s.summary()
    assert summary.reviewed == 3
    assert summary.ratings == {"Again": 1, "Hard": 0, "Good": 1, "Easy": 1}
    assert summary.seconds == pytest.approx(30)
    assert summary.next_due is not None and summary.next_due > clock.t


def test_a_review_due_later_today_is_shown_now_but_not_one_due_tomorrow(store, decks):
    from calcquiz.session import end_of_local_day, start_of_local_day

    morning = start_of_local_day(T0) + 9 * 3600
    clock = Clock(morning - 3 * 86400)
    s = session(store, decks, clock=clock, new_limit=2)
    for _ in range(2):
        s.next_card()
        s.reveal()
        s.rate(4)
    states = store.card_states("Calculus & Optimization")
    later_today = end_of_local_day(morning) - 3600  # 23:00
    tomorrow = end_of_local_day(morning) + 3600  # 01:00 the next day
    first, second = sorted(states.values(), key=lambda st: st.card_id)
    store.conn.execute(
        "UPDATE card_state SET due = ? WHERE card_id = ?", (later_today, first.card_id)
    )
    store.conn.execute(
        "UPDATE card_state SET due = ? WHERE card_id = ?", (tomorrow, second.card_id)
    )
    clock.t = morning
    today = session(store, decks, clock=clock, new_limit=0)
    card = today.next_card()
    assert card is not None and card.id == first.card_id
    today.reveal()
    today.rate(3)
    assert today.next_card() is None
