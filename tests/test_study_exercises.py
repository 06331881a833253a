"""Exercise reviews (``study --exercises``) in the study state machine, with a fake clock.

The "right" answer typed here is the exercise's own expected answer: these tests are about
what the session does with a graded outcome (the proposed rating, what is logged, undo);
the generators' answers are checked against independent routes in tests/test_drills.py,
and the CLI tests type answers computed by finite differences.
"""

from __future__ import annotations

import sqlite3

import pytest

from calcquiz.config import Config
from calcquiz.content import load_decks
from calcquiz.drills import format_answer, has_generator
from calcquiz.errors import UndoConflictError
from calcquiz.scheduler import make_scheduler, preview
from calcquiz.session import SessionOptions, StudySession
from calcquiz.store import NEW, SCHEMA_VERSION, open_store
from calcquiz.store.schema import MIGRATIONS

from .helpers import T0, Clock


def session(store, decks, clock=None, **options) -> StudySession:
    options.setdefault("exercises", True)
    # No learn-ahead: a card rated Again waits for its step instead of coming back at once.
    return StudySession(
        store, decks, SessionOptions(**options), clock=clock or Clock(),
        config=Config(learn_ahead_minutes=0),
    )


def right(s: StudySession) -> str:
    drill = s.exercises.drill
    assert drill is not None and drill.current is not None
    return format_answer(drill.current.answer)


def wrong(s: StudySession) -> str:
    """A number far from the expected one (the first new card, derivative, is a number)."""
    drill = s.exercises.drill
    assert drill is not None and drill.current is not None
    expected = float(drill.current.answer)  # type: ignore[arg-type]
    return format_answer(expected + 1 + 2 * abs(expected))


def rows(store, sql: str) -> list[tuple]:
    return store.conn.execute(sql).fetchall()


def test_every_bundled_card_has_an_exercise_generator(decks):
    cards = [c for d in decks for c in d.cards]
    assert len(cards) == 20
    assert all(has_generator(c.demo) for c in cards), [c.id for c in cards]


def test_each_card_is_shown_with_a_fresh_exercise_on_its_topic(store, decks):
    s = session(store, decks, new_limit=3)
    card = s.next_card()
    assert card is not None and card.demo == "derivative"
    drill = s.exercises.drill
    assert drill is not None and drill.current is not None
    assert drill.current.topic == card.demo
    assert s.exercises.waiting


@pytest.mark.parametrize(
    ("lines", "proposed", "correct"),
    [
        (["WRONG"], 1, 0),  # wrong: Again
        (["?", "RIGHT"], 2, 1),  # right after the hint: Hard
        (["RIGHT"], 3, 1),  # right: Good
        (["s"], 1, 0),  # given up: Again
    ],
)
def test_the_outcome_proposes_a_rating_and_enter_accepts_it(
    store, decks, lines, proposed, correct
):
    clock = Clock()
    s = session(store, decks, clock=clock, new_limit=1)
    card = s.next_card()
    assert card is not None
    for line in lines:
        typed = {"WRONG": wrong(s), "RIGHT": right(s)}.get(line, line)
        clock.advance(5)
        s.exercises.answer(typed)
    outcome = s.exercises.outcome
    assert outcome is not None and outcome.proposed == proposed
    shown = s.reveal()[proposed].interval  # the interval the proposed button shows
    rated = s.accept()
    assert rated.rating == proposed
    state = store.card_state(card.deck, card.id)
    assert state is not None and state.due == pytest.approx(state.last_review + shown)
    review = rows(store, "SELECT id, rating, kind FROM review_log")
    assert review == [(rated.review_id, proposed, "exercise")]
    drill = rows(
        store, "SELECT topic, correct, given IS NULL, review_id, duration_ms FROM drill_log"
    )
    gave_up = lines == ["s"]
    assert drill == [("derivative", correct, int(gave_up), rated.review_id, len(lines) * 5000)]


def test_a_digit_overrides_the_proposed_rating(store, decks):
    s = session(store, decks, new_limit=1)
    s.next_card()
    s.exercises.answer(right(s))
    assert s.exercises.proposed() == 3
    rated = s.rate(1)  # the learner knows it was a lucky guess
    assert rated.rating == 1 and rated.exercise is not None and rated.exercise.correct
    assert rows(store, "SELECT rating, kind FROM review_log") == [(1, "exercise")]
    assert rows(store, "SELECT correct FROM drill_log") == [(1,)]


def test_an_exercise_card_is_rated_only_once_answered(store, decks):
    s = session(store, decks, new_limit=1)
    s.next_card()
    with pytest.raises(RuntimeError):
        s.rate(3)
    with pytest.raises(RuntimeError):
        s.accept()
    assert rows(store, "SELECT COUNT(*) FROM review_log") == [(0,)]


def test_an_unreadable_answer_is_not_graded(store, decks):
    s = session(store, decks, new_limit=1)
    s.next_card()
    reply = s.exercises.answer("two point five")
    assert reply.event.value == "retry" and reply.text
    assert s.exercises.waiting and s.exercises.outcome is None


def test_undo_restores_state_review_row_and_drill_row_together(store, decks):
    clock = Clock()
    # An exercise from `calcquiz drill`, not linked to any review, must survive the undo.
    store.record_drill("derivative", "p", "1", "1", True, 100, T0 - 60)
    s = session(store, decks, clock=clock, new_limit=2)
    first = s.next_card()
    assert first is not None
    s.exercises.answer(right(s))
    s.accept()  # Good: into learning
    before_second = store.card_state(first.deck, first.id)
    clock.advance(30)
    second = s.next_card()
    assert second is not None and second.id != first.id
    s.exercises.answer("s")
    rated = s.accept()
    assert rows(store, "SELECT COUNT(*) FROM drill_log WHERE review_id IS NOT NULL") == [(2,)]

    undone = s.undo()
    assert undone is rated
    assert store.card_state(second.deck, second.id) is None  # new again
    assert store.card_state(first.deck, first.id) == before_second  # untouched
    assert rows(store, "SELECT card_id, kind FROM review_log") == [(first.id, "exercise")]
    drills = rows(store, "SELECT topic, review_id IS NULL FROM drill_log ORDER BY id")
    assert drills == [("derivative", 1), ("derivative", 0)]  # the linked row went with it
    # The card is shown again with a fresh exercise, waiting for an answer.
    assert s.next_card() is second
    assert s.exercises.waiting and s.exercises.drill is not rated.exercise


def test_undo_of_an_exercise_review_on_a_card_changed_elsewhere_changes_nothing(
    store, decks
):
    clock = Clock()
    s = session(store, decks, clock=clock, new_limit=1)
    card = s.next_card()
    s.exercises.answer(right(s))
    s.accept()  # Good: the 10m learning step
    clock.advance(700)
    other = session(store, decks, clock=clock, new_limit=1, exercises=False)
    assert other.next_card().id == card.id
    other.reveal()
    other.rate(3)
    with pytest.raises(UndoConflictError):
        s.undo()
    assert rows(store, "SELECT kind FROM review_log ORDER BY id") == [("exercise",), ("recall",)]
    assert rows(store, "SELECT COUNT(*) FROM drill_log") == [(1,)]


def test_the_rating_applies_to_the_state_at_commit_time(store, decks):
    """Another session rated the card while the exercise was being solved: the exercise
    rating is applied to that newer state (the same path as any rating)."""
    clock = Clock()
    s = session(store, decks, clock=clock, new_limit=1)
    card = s.next_card()
    assert card is not None
    other = session(store, decks, clock=clock, new_limit=1, exercises=False)
    assert other.next_card().id == card.id
    other.reveal()
    other.rate(3)
    theirs = store.card_state(card.deck, card.id)
    clock.advance(60)
    s.exercises.answer(right(s))
    s.accept()
    mine = store.card_state(card.deck, card.id)
    expected = preview(make_scheduler(0.9, config=Config()), card.deck, card.id, theirs, clock())
    assert mine is not None and theirs is not None
    assert mine.reps == theirs.reps + 1
    assert mine.state == expected[3].state.state and mine.step == expected[3].state.step
    before = rows(store, "SELECT state_before, kind FROM review_log ORDER BY id")
    assert before == [(NEW, "recall"), (int(theirs.state), "exercise")]


def test_cards_without_a_generator_are_reviewed_as_usual_in_the_same_session(
    store, tmp_path
):
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "deck: Mine\ncards:\n"
        "  - {id: adam, number: 1, question: What is Adam?, answer: Momentum + RMSProp}\n"
        "  - {id: nesterov, number: 2, question: Nesterov?, answer: Look ahead, demo: momentum}\n",
        encoding="utf-8",
    )
    decks = [*load_decks(), *load_decks([mine])]
    s = session(store, decks, new_limit=30)
    seen = []
    while (card := s.next_card()) is not None:
        seen.append((card.deck, card.id, s.exercises.drill is not None))
        if s.exercises.drill is not None:
            s.exercises.answer("s")
            s.accept()
        else:
            s.reveal()
            s.rate(4)
    # A user's card with a bundled demo gets that demo's exercises; one without, recall.
    assert ("Mine", "adam", False) in seen and ("Mine", "nesterov", True) in seen
    assert len(seen) == 22 and sum(has for *_, has in seen) == 21
    logged = rows(store, "SELECT deck, card_id, kind FROM review_log")
    kinds = {(deck, card_id): kind for deck, card_id, kind in logged}
    assert kinds[("Mine", "adam")] == "recall"
    assert sum(k == "exercise" for k in kinds.values()) == 21
    linked = rows(store, "SELECT COUNT(*) FROM drill_log d JOIN review_log r ON r.id = d.review_id")
    assert linked == [(21,)]
    assert s.summary().exercises == (0, 21)


def test_resetting_a_card_keeps_its_exercises_but_unlinks_them(store, decks):
    s = session(store, decks, new_limit=1)
    card = s.next_card()
    s.exercises.answer("s")
    s.accept()
    store.reset_cards(card.deck, [card.id])
    assert rows(store, "SELECT COUNT(*) FROM review_log") == [(0,)]
    # a later review can take the deleted review's id: no exercise may point at it
    assert rows(store, "SELECT topic, review_id FROM drill_log") == [("derivative", None)]


def test_recall_mode_logs_kind_recall_and_no_exercise(store, decks):
    s = session(store, decks, new_limit=1, exercises=False)
    s.next_card()
    assert s.exercises.drill is None
    s.reveal()
    s.rate(3)
    assert rows(store, "SELECT kind FROM review_log") == [("recall",)]
    assert rows(store, "SELECT COUNT(*) FROM drill_log") == [(0,)]
    assert [r.kind for r in store.reviews()] == ["recall"]


def test_review_mode_in_the_config_is_the_default_and_an_option_overrides_it():
    assert SessionOptions.from_config(Config()).exercises is False
    configured = Config(review_mode="exercises")
    assert SessionOptions.from_config(configured).exercises is True
    assert SessionOptions.from_config(configured, exercises=False).exercises is False
    assert SessionOptions.from_config(Config(), exercises=True).exercises is True


def test_the_seed_gives_the_same_exercises(store, decks, tmp_path):
    a = session(store, decks, new_limit=1, seed=7)
    a.next_card()
    with open_store(tmp_path / "other.db") as other:
        b = session(other, decks, new_limit=1, seed=7)
        b.next_card()
        assert a.exercises.drill.current.prompt == b.exercises.drill.current.prompt


def test_a_store_from_schema_3_gains_kind_and_review_id(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for version in (1, 2, 3):
        conn.executescript(MIGRATIONS[version])
    conn.execute(
        "INSERT INTO review_log (deck, card_id, rating, reviewed_at, state_before, "
        "state_after, after_json) VALUES ('D', 'c', 3, 1.0, 0, 1, '{}')"
    )
    conn.execute(
        "INSERT INTO drill_log (topic, prompt, expected, given, correct, answered_at) "
        "VALUES ('newton', 'p', '1', '1', 1, 1.0)"
    )
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    with open_store(path) as store:
        assert rows(store, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
        assert rows(store, "SELECT kind FROM review_log") == [("recall",)]
        assert rows(store, "SELECT review_id FROM drill_log") == [(None,)]


def test_an_answer_that_cannot_be_read_is_asked_again_and_not_counted(store, decks):
    s = session(store, decks, new_limit=1)
    card = s.next_card()
    for line in ("[1,", "x+", "1 2 3 4"):
        s.exercises.answer(line)
        assert s.exercises.waiting and s.exercises.outcome is None
    with pytest.raises(RuntimeError):
        s.rate(3)  # no rating before a readable answer
    s.exercises.answer(right(s))
    rated = s.accept()
    assert rated.card == card and rated.rating == 3
    assert rows(store, "SELECT COUNT(*) FROM review_log") == [(1,)]
    assert rows(store, "SELECT COUNT(*), SUM(correct) FROM drill_log") == [(1, 1)]
