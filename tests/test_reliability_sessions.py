"""Two study sessions on one store: no rating overwrites another, undo
never undoes another session's work, and every card's log replays to its saved state."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
from pathlib import Path

import pytest

from calcquiz import scheduler as sched
from calcquiz.store import CardState

from .helpers import CLI, Session, integrity

pytestmark = pytest.mark.slow  # sessions in real processes, side by side

DECK = "Calculus & Optimization"


def rows(home: Path, sql: str, args: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(home / "calcquiz.db")
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def stored(home: Path, card_id: str) -> CardState | None:
    found = rows(
        home,
        "SELECT deck, card_id, state, step, stability, difficulty, due, last_review, reps, "
        "lapses FROM card_state WHERE card_id = ?",
        (card_id,),
    )
    return CardState(*found[0]) if found else None


def assert_log_replays_to_every_state(home: Path) -> int:
    """For every card: the non-cram log, replayed through the scheduler with fuzz off at
    each rating's scheduler time, gives the saved state; the due date is the last logged
    'after' state's (fuzz drew it). Returns the number of cards compared."""
    scheduler = sched.make_scheduler(fuzz=False)
    logs: dict[str, list[tuple[int, float, dict]]] = {}
    for card_id, rating, after_json in rows(
        home, "SELECT card_id, rating, after_json FROM review_log WHERE cram = 0 ORDER BY id"
    ):
        after = json.loads(after_json)
        logs.setdefault(card_id, []).append((rating, after["last_review"], after))
    saved = {r[0] for r in rows(home, "SELECT card_id FROM card_state")}
    assert saved == set(logs), "a card has a state without a log, or a log without a state"
    for card_id, log in logs.items():
        want = sched.replay(scheduler, DECK, card_id, [(r, t) for r, t, _ in log])
        have = stored(home, card_id)
        assert want is not None and have is not None
        for name in ("state", "step", "reps", "lapses", "last_review"):
            assert getattr(have, name) == getattr(want, name), (card_id, name, have, want)
        for name in ("stability", "difficulty"):
            assert abs(getattr(have, name) - getattr(want, name)) < 1e-9, (card_id, name)
        assert have.due == log[-1][2]["due"]
    return len(logs)


def test_two_sessions_rating_the_same_card_both_count(calcquiz_home: Path):
    a = Session()
    a.wait_for(Session.PROMPT, 1)
    b = Session()
    b.wait_for(Session.PROMPT, 1)  # both show card 1, new
    a.send("\n3\n")
    a.wait_for(Session.PROMPT, 2)
    b.send("\n1\n")  # B rates the card A already rated
    b.wait_for(Session.PROMPT, 2)
    a.send("q\n")
    b.send("q\n")
    assert a.proc.wait(30) == 0 and b.proc.wait(30) == 0
    log = rows(
        calcquiz_home,
        "SELECT rating, state_before, before_json FROM review_log WHERE card_id = 'derivative' "
        "ORDER BY id",
    )
    assert [r[0] for r in log] == [3, 1]
    # B's rating was applied to the state A's rating left, not to the new card B was shown
    assert log[0][1:] == (0, None)
    assert log[1][2] is not None and json.loads(log[1][2])["reps"] == 1
    state = stored(calcquiz_home, "derivative")
    assert state is not None and state.reps == 2
    assert assert_log_replays_to_every_state(calcquiz_home) == 1
    assert integrity(calcquiz_home) == "ok"


def test_undo_after_another_session_rated_the_card_changes_nothing(calcquiz_home: Path):
    a = Session()
    a.wait_for(Session.PROMPT, 1)
    b = Session()
    b.wait_for(Session.PROMPT, 1)
    a.send("\n4\n")
    a.wait_for(Session.PROMPT, 2)
    b.send("\n2\n")
    b.wait_for(Session.PROMPT, 2)
    before = (stored(calcquiz_home, "derivative"), rows(calcquiz_home, "SELECT * FROM review_log"))
    a.send("u\n")  # A's rating of card 1 is no longer the card's latest state
    a.wait_for("changed in another session", 1)
    a.send("q\n")
    b.send("q\n")
    assert a.proc.wait(30) == 0 and b.proc.wait(30) == 0
    after = (stored(calcquiz_home, "derivative"), rows(calcquiz_home, "SELECT * FROM review_log"))
    assert after == before
    assert before[0] is not None and before[0].reps == 2
    assert assert_log_replays_to_every_state(calcquiz_home) == 1


def test_undo_of_an_unchanged_card_still_works_beside_another_session(calcquiz_home: Path):
    a = Session()
    a.wait_for(Session.PROMPT, 1)
    b = Session("--shuffle", "--seed", "3")
    b.wait_for(Session.PROMPT, 1)
    a.send("\n3\n")
    a.wait_for(Session.PROMPT, 2)
    a.send("u\n")
    a.wait_for("Undid Good on card 1", 1)
    a.send("q\n")
    b.send("q\n")
    assert a.proc.wait(30) == 0 and b.proc.wait(30) == 0
    assert rows(calcquiz_home, "SELECT COUNT(*) FROM review_log")[0][0] == 0
    assert stored(calcquiz_home, "derivative") is None


def keys(rng: random.Random, cards: int) -> str:
    out = []
    for _ in range(cards):
        out.append("\n" + rng.choice("1234") + "\n")
        if rng.random() < 0.2:
            out.append("u\n")
    return "".join(out) + "q\n"


@pytest.mark.slow
def test_three_sessions_with_undo_keep_log_and_states_in_agreement(calcquiz_home: Path):
    """Three sessions rate overlapping cards at once, with random undos: afterwards every
    card's log replays to its saved state, and `calcquiz check` finds nothing wrong."""
    rng = random.Random(12)
    procs = [
        subprocess.Popen(
            [*CLI, "study", "--shuffle", "--seed", str(seed % 2)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(3)
    ]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write(keys(rng, 25))
        p.stdin.close()
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read() if p.stderr else ""
    assert assert_log_replays_to_every_state(calcquiz_home) >= 5
    result = subprocess.run([*CLI, "check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems found" in result.stdout
