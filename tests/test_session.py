"""The study state machine, driven without a terminal and with a fake clock."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from calcquiz.config import Config
from calcquiz.content import load_decks
from calcquiz.errors import BadInputError
from calcquiz.session import SessionOptions, StudySession
from calcquiz.states import CardState
from calcquiz.store import LEARNING, NEW, REVIEW

from .helpers import T0, Clock

BERLIN = ZoneInfo("Europe/Berlin")





def session(store, decks, clock=None, tz=None, config=None, **options):
    return StudySession(
        store, decks, SessionOptions(**options), clock=clock or Clock(), tz=tz,
        config=config or Config(),
    )


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
        previews = s.reveal()
        shown = previews[rating].interval
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


NO_AHEAD = Config(learn_ahead_minutes=0)


def test_again_brings_the_card_back_when_its_step_is_due(store, decks):
    clock = Clock()
    s = session(store, decks, clock=clock, new_limit=1, config=NO_AHEAD)
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
    s = session(store, decks, clock=clock, new_limit=1, config=NO_AHEAD)
    card = s.next_card()
    s.reveal()
    s.rate(1)
    clock.advance(30)
    later = session(store, decks, clock=clock, new_limit=1, config=NO_AHEAD)
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


def _at(day: str, hour: int, minute: int = 0) -> float:
    """A Berlin wall-clock time as a timestamp."""
    from datetime import datetime

    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour, minute, tzinfo=BERLIN).timestamp()


def _due(store, card_id: str, due: float) -> None:
    store.conn.execute("UPDATE card_state SET due = ? WHERE card_id = ?", (due, card_id))


def _two_reviews(store, decks, clock) -> tuple[str, str]:
    s = session(store, decks, clock=clock, new_limit=2, tz=BERLIN)
    for _ in range(2):
        s.next_card()
        s.reveal()
        s.rate(4)
    first, second = sorted(store.card_states("Calculus & Optimization"))
    return first, second


def test_the_day_starts_at_4_a_review_due_at_2_belongs_to_the_evening_before(store, decks):
    """09:00: a review due at 02:00 the next night shows today, one due at 05:00 does not."""
    clock = Clock(_at("2026-09-18", 9))
    first, second = _two_reviews(store, decks, clock)
    _due(store, first, _at("2026-09-22", 2))  # before the next day starts at 04:00
    _due(store, second, _at("2026-09-22", 5))  # the next day
    clock.t = _at("2026-09-21", 9)
    today = session(store, decks, clock=clock, new_limit=0, tz=BERLIN)
    card = today.next_card()
    assert card is not None and card.id == first
    today.reveal()
    today.rate(3)
    assert today.next_card() is None
    # At 03:00 the same night it is still "today": the 05:00 card is not due yet.
    clock.t = _at("2026-09-22", 3)
    assert session(store, decks, clock=clock, new_limit=0, tz=BERLIN).next_card() is None
    # At 04:00 the new day has started and it is.
    clock.t = _at("2026-09-22", 4)
    nxt = session(store, decks, clock=clock, new_limit=0, tz=BERLIN).next_card()
    assert nxt is not None and nxt.id == second


def test_day_starts_at_is_taken_from_the_config(store, decks):
    clock = Clock(_at("2026-09-18", 9))
    first, _ = _two_reviews(store, decks, clock)
    _due(store, first, _at("2026-09-22", 2))
    clock.t = _at("2026-09-21", 9)
    midnight = session(store, decks, clock=clock, new_limit=0, tz=BERLIN,
                       config=Config(day_starts_at=0))
    assert midnight.next_card() is None  # with midnight days, 02:00 is tomorrow


def test_new_cards_a_day_count_from_the_day_start_not_midnight(store, decks):
    clock = Clock(_at("2026-09-21", 23))
    s = session(store, decks, clock=clock, new_limit=2, tz=BERLIN)
    for _ in range(2):
        s.next_card()
        s.reveal()
        s.rate(4)
    clock.t = _at("2026-09-22", 1)  # after midnight, before 04:00: the same day
    assert session(store, decks, clock=clock, new_limit=2, tz=BERLIN).next_card() is None
    clock.t = _at("2026-09-22", 4, 1)  # a new day: two more
    later = session(store, decks, clock=clock, new_limit=2, tz=BERLIN)
    assert later.counts()["new"] == 2


def test_header_counts_are_the_same_after_a_rating_and_its_undo(store, decks):
    clock = Clock()
    s = session(store, decks, clock=clock, new_limit=3)
    s.next_card()
    s.reveal()
    s.rate(3)  # into learning (10m)
    s.next_card()
    shown = s.counts()
    assert shown == {"new": 2, "learning": 1, "review": 0}
    s.reveal()
    s.rate(1)
    s.next_card()
    s.undo()  # the third card goes back in front, the second is shown again
    assert s.counts() == shown
    s.undo()  # and now the first: nothing is in learning any more
    assert s.counts() == {"new": 3, "learning": 0, "review": 0}


# --- new cards found from the ids, studied ones and ones set aside ---------------------------


def test_new_cards_skip_studied_and_removed_ids_in_deck_order(store, decks):
    """Ids studied once but no longer in the deck do not hide new cards or shift counts."""
    deck = decks[0]
    first, second, third = (c.id for c in deck.cards[:3])
    for card_id in (first, third, "gone-from-the-deck"):
        past = T0 - 10 * 86400  # studied on an earlier day: today's new-card limit is whole
        state = CardState(deck.name, card_id, REVIEW, None, 3.0, 5.0, T0 + 30 * 86400, past, 1, 0)
        store.apply_review(None, state, 3, past, 10)
    options = SessionOptions(new_limit=2)
    session = StudySession(store, decks, options, clock=Clock(), config=Config())
    assert [c.id for c in session._new] == [second, deck.cards[3].id]
    assert session.summary().unseen == len(deck.cards) - 2


def test_learn_ahead_shows_a_learning_card_due_within_the_limit_when_nothing_else_is(
    store, decks
):
    clock = Clock()
    s = session(store, decks, clock=clock, new_limit=2)  # learn_ahead_minutes 20
    first = s.next_card()
    s.reveal()
    s.rate(1)  # Again: due in 1m (the first learning step)
    second = s.next_card()
    assert second is not None and second != first  # a new card still comes first
    s.reveal()
    clock.advance(5)
    s.rate(3)  # Good: due in 10m (the second step)
    assert s.next_card() == first  # nothing else is left: shown 55 s before it is due
    due_before = store.card_state(first.deck, first.id).due
    assert clock.t < due_before
    clock.advance(2)
    s.reveal()
    s.rate(3)  # Good at the real time, before its due time
    after = store.card_state(first.deck, first.id)
    assert after.last_review == pytest.approx(clock.t)
    assert after.due == pytest.approx(clock.t + 600)  # the 10m step counted from now


def test_beyond_the_learn_ahead_limit_the_session_waits_until_the_card_may_show(store, decks):
    clock = Clock()
    s = session(store, decks, clock=clock, new_limit=1, config=Config(learn_ahead_minutes=5))
    card = s.next_card()
    s.reveal()
    s.rate(3)  # Good on a new card: the 10m step
    due = store.card_state(card.deck, card.id).due
    assert s.next_card() is None
    assert s.learning_due() == pytest.approx(due)
    assert s.waiting_until() == pytest.approx(due - 300)
    clock.t = due - 301
    assert s.next_card() is None
    clock.t = due - 300
    assert s.next_card() == card


def test_a_second_session_the_same_day_opens_on_a_learning_card_within_the_limit(store, decks):
    clock = Clock()
    s = session(store, decks, clock=clock, new_limit=1)
    card = s.next_card()
    s.reveal()
    s.rate(3)  # due in 10m
    clock.advance(60)
    later = session(store, decks, clock=clock, new_limit=1)
    assert later.next_card() == card


def test_time_spent_counts_time_on_cards_not_the_wait_for_one(store, decks):
    clock = Clock()
    s = session(store, decks, clock=clock, new_limit=1, config=NO_AHEAD)
    s.next_card()
    clock.advance(12)
    s.reveal()
    s.rate(1)  # due in 1m
    assert s.next_card() is None
    clock.t = s.waiting_until() + 40  # waited, then a little longer
    s.next_card()
    clock.advance(8)
    s.set_aside("bury")
    assert s.summary().seconds == pytest.approx(20)
