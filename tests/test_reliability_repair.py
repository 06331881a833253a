"""`calcquiz check --repair` beside live sessions, on rows damaged in part, after a change of
learning steps, and under a file-size limit: nothing the learner did is lost, and a repair
that cannot run says so in one line and changes nothing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from .helpers import CLI, Session, dump, execute, integrity

DECK = "Calculus & Optimization"


def rows(db: Path, sql: str, args: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()




def run(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=120, env=env, **kw
    )


def one_line(result: subprocess.CompletedProcess, code: int = 1) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stderr


# ---------------------------------------------------------------- a repair beside a session


@pytest.mark.slow
def test_repair_is_refused_while_a_session_is_open_and_no_rating_is_lost(calcquiz_home: Path):
    db = calcquiz_home / "calcquiz.db"
    session = Session()
    session.wait_for(Session.PROMPT, 1)
    session.send("\n3\n")  # card 1 Good
    session.wait_for(Session.PROMPT, 2)
    # Something for the repair to fix: card 1's saved state no longer its log replayed.
    execute(db, "UPDATE card_state SET reps = 7 WHERE card_id = 'derivative'")
    before = dump(db)

    refused = run("check", "--repair", env={**os.environ, "CALCQUIZ_BUSY_TIMEOUT_MS": "300"})
    error = one_line(refused)
    assert "open in another calcquiz process" in error and "nothing was changed" in error
    assert dump(db) == before
    assert sorted(p.name for p in calcquiz_home.glob("calcquiz.db*")) == [
        "calcquiz.db", "calcquiz.db-shm", "calcquiz.db-wal",
    ]  # no backup made, no rebuilt file left

    for shown in range(2, 6):  # four more ratings, after the refused repair
        session.send("\n3\n")
        session.wait_for(Session.PROMPT, shown + 1)
    session.send("q\n")
    assert session.proc.wait(30) == 0
    assert rows(db, "SELECT COUNT(*) FROM review_log")[0][0] == 5

    fixed = run("check", "--repair")  # the session is closed: the repair runs
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "card 'derivative'" in fixed.stdout
    assert rows(db, "SELECT COUNT(*) FROM review_log")[0][0] == 5
    assert rows(db, "SELECT reps FROM card_state WHERE card_id = 'derivative'") == [(1,)]
    assert integrity(calcquiz_home) == "ok"


def test_a_store_being_repaired_is_waited_for_then_refused_in_one_line(
    cli, calcquiz_home: Path
):
    from calcquiz.store.lock import hold

    assert cli("study", input="\n3\nq\n").exit_code == 0
    db = calcquiz_home / "calcquiz.db"
    with hold(db, exclusive=True, wait_s=0):  # what a running repair holds
        result = run("stats", env={**os.environ, "CALCQUIZ_BUSY_TIMEOUT_MS": "200"})
    assert "being repaired" in one_line(result)
    assert run("stats").returncode == 0


# ---------------------------------------------------------------- a change of learning steps

TEN_STEPS = " ".join(f"{m}m" for m in range(1, 11))


def good_on_learning_cards(home: Path, decks, clock, settings, goods: int, cards: int) -> None:
    """Rate ``cards`` new cards Good ``goods`` times each, every step waited out."""
    from calcquiz.session import SessionOptions, StudySession
    from calcquiz.store import open_store

    with open_store(home / "calcquiz.db") as store:
        session = StudySession(
            store, decks, SessionOptions(new_limit=cards), clock=clock, config=settings
        )
        for _ in range(goods * cards):
            if session.next_card() is None:
                clock.advance(11 * 60)
                assert session.next_card() is not None
            session.reveal()
            session.rate(3)


def test_shorter_learning_steps_leave_learning_cards_healthy(cli, calcquiz_home: Path, decks):
    from calcquiz.config import Config
    from calcquiz.store import LEARNING, REVIEW, open_store

    from .helpers import Clock

    db = calcquiz_home / "calcquiz.db"
    clock = Clock()
    good_on_learning_cards(calcquiz_home, decks, clock, Config(learning_steps=TEN_STEPS), 5, 3)
    learning = rows(db, "SELECT card_id, state, step FROM card_state ORDER BY card_id")
    assert [(state, step) for _, state, step in learning] == [(LEARNING, 5)] * 3

    assert cli("config", "set", "learning_steps", "1m").exit_code == 0
    found = cli("check")
    assert found.exit_code == 0 and "no problems found" in found.stdout, found.stdout
    before = dump(db)
    assert cli("check", "--repair").exit_code == 0
    assert dump(db) == before and not list(calcquiz_home.glob("calcquiz.db.bak-*"))

    # The cards go on from the last step: Good graduates them (the other two stay put).
    clock.advance(3600)
    good_on_learning_cards(calcquiz_home, decks, clock, Config(learning_steps="1m"), 1, 1)
    with open_store(db) as store:
        states = sorted(s.state for s in store.card_states(DECK).values())
    assert states == [LEARNING, LEARNING, REVIEW]
    assert cli("check").exit_code == 0


def test_a_step_past_the_steps_goes_on_as_in_anki(tmp_path: Path):
    """A card five Goods into ten learning steps, then the steps cut to one: each button
    does what Anki's own scheduler does with the same card (the official anki package):
    Again starts over, Hard repeats the step (1.5 x), Good and Easy graduate."""
    import anki.collection  # noqa: F401  (anki's modules import each other in this order)
    from anki.scheduler.v3 import CardAnswer

    from calcquiz import scheduler as sched
    from calcquiz.config import Config
    from calcquiz.store import LEARNING

    from .helpers import T0, open_collection

    col = open_collection(tmp_path / "anki")
    conf = col.decks.config_dict_for_deck_id(1)
    conf["new"]["delays"] = [float(m) for m in range(1, 11)]
    col.decks.update_config(conf)
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"], note["Back"] = "q", "a"
    col.add_note(note, 1)
    cid = note.cards()[0].id
    for _ in range(5):
        card = col.get_card(cid)
        card.start_timer()
        states = col._backend.get_scheduling_states(cid)
        answer = col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD)
        col.sched.answer_card(answer)
    conf["new"]["delays"] = [1.0]
    col.decks.update_config(conf)
    anki_states = col._backend.get_scheduling_states(cid)
    col.close()

    scheduler = sched.make_scheduler(fuzz=False, config=Config(learning_steps="1m"))
    state = sched.CardState(DECK, "c", LEARNING, 5, None, None, T0, T0 - 600, 5, 0)
    ours = sched.preview(scheduler, DECK, "c", state, T0)
    for rating, name in ((1, "again"), (2, "hard"), (3, "good"), (4, "easy")):
        theirs = getattr(anki_states, name).normal
        if theirs.WhichOneof("kind") == "review":
            assert ours[rating].state.state != LEARNING, name
        else:
            assert ours[rating].state.state == LEARNING, name
            assert ours[rating].interval == theirs.learning.scheduled_secs, name


def test_a_step_past_several_steps_is_taken_as_the_last_one():
    """With more than one step left, calcquiz (which keeps a card's step, not Anki's count
    of steps to go) takes the card as on the last step: Hard repeats it, Good graduates."""
    from calcquiz import scheduler as sched
    from calcquiz.config import Config
    from calcquiz.store import LEARNING, RELEARNING, REVIEW

    from .helpers import T0

    scheduler = sched.make_scheduler(
        fuzz=False, config=Config(learning_steps="1m 10m", relearning_steps="10m")
    )
    learning = sched.CardState(DECK, "c", LEARNING, 5, None, None, T0, T0 - 600, 5, 0)
    relearning = sched.CardState(DECK, "c", RELEARNING, 3, 2.0, 6.0, T0, T0 - 600, 9, 1)
    # Hard on the last step repeats it; on a first and only step it waits 1.5 x the step.
    for state, last_step in ((learning, 600.0), (relearning, 900.0)):
        ours = sched.preview(scheduler, DECK, "c", state, T0)
        assert (ours[1].state.state, ours[1].state.step, ours[1].interval) == (
            state.state, 0, {LEARNING: 60.0, RELEARNING: 600.0}[state.state]
        )
        assert (ours[2].state.state, ours[2].interval) == (state.state, last_step)
        assert ours[3].state.state == REVIEW and ours[3].state.step is None


# ---------------------------------------------------------------- ratings damaged in part


def four_ratings(home: Path, decks) -> list[tuple]:
    """Card 'derivative' rated Good, Good, Again, Good, each when due; its log rows."""
    from calcquiz.config import Config
    from calcquiz.session import SessionOptions, StudySession
    from calcquiz.store import open_store

    from .helpers import Clock

    clock = Clock()
    with open_store(home / "calcquiz.db") as store:
        for rating in (3, 3, 1, 3):
            session = StudySession(
                store, decks, SessionOptions(new_limit=1), clock=clock, config=Config()
            )
            card = session.next_card()
            assert card is not None and card.id == "derivative"
            session.reveal()
            clock.advance(7)  # the learner reads the answer: rated after it was shown
            session.rate(rating)
            clock.advance(400 * 86400)
    return log_rows(home / "calcquiz.db")


def log_rows(db: Path) -> list[tuple]:
    return rows(
        db,
        "SELECT id, rating, reviewed_at, state_before, state_after, before_json, after_json "
        "FROM review_log WHERE card_id = 'derivative' ORDER BY id",
    )


def replayed_fields(after_json: str) -> tuple:
    """What a rating applied again gives exactly: not its due date (the day's fuzz drew it)
    nor its time (applied as of the rating, not of when the answer was shown)."""
    import json

    s = json.loads(after_json)
    return (s["state"], s["step"], s["reps"], s["lapses"],
            round(s["stability"], 9), round(s["difficulty"], 9))


BROKEN = {
    # (which row, SQL that breaks it, the columns it must get back exactly)
    "middle after_json": (1, "after_json = '{broken'", (6,)),
    "last after_json": (3, "after_json = '{broken'", (6,)),
    "state_before 9": (2, "state_before = 9", (3,)),
    "state_after text": (0, "state_after = 'x'", (4,)),
    "before_json of another card": (
        2, "before_json = replace(before_json, 'derivative', 'gradient')", (5,)
    ),
    "before_json and after_json": (1, "before_json = '[]', after_json = '{broken'", (5, 6)),
}


@pytest.mark.parametrize(("at", "damage", "columns"), BROKEN.values(), ids=BROKEN.keys())
def test_repair_rebuilds_a_rating_whose_rating_and_time_are_intact(
    cli, calcquiz_home: Path, decks, at: int, damage: str, columns: tuple
):
    db = calcquiz_home / "calcquiz.db"
    good = four_ratings(calcquiz_home, decks)
    execute(db, f"UPDATE review_log SET {damage} WHERE id = ?", (good[at][0],))
    found = cli("check")
    assert found.exit_code == 1 and f"Problem: review {good[at][0]}" in found.stdout

    fixed = cli("check", "--repair")
    assert fixed.exit_code == 0, fixed.stdout
    assert "kept its rating and time; rebuilt" in fixed.stdout
    mended = log_rows(db)
    assert mended == good  # every rating kept, each broken part given back exactly
    assert cli("check").exit_code == 0


def test_a_rating_with_no_intact_neighbour_is_applied_again(cli, calcquiz_home: Path, decks):
    """The 'after' state of rating 2 is broken, and so is rating 3's copy of it ('before'):
    rating 2 is applied again to rating 1's state (fuzz off, so the due date aside)."""
    db = calcquiz_home / "calcquiz.db"
    good = four_ratings(calcquiz_home, decks)
    execute(db, "UPDATE review_log SET after_json = '{broken' WHERE id = ?", (good[1][0],))
    execute(db, "UPDATE review_log SET before_json = 'null' WHERE id = ?", (good[2][0],))
    fixed = cli("check", "--repair")
    assert fixed.exit_code == 0, fixed.stdout
    assert "applied again" in fixed.stdout
    mended = log_rows(db)
    assert [r[:5] for r in mended] == [r[:5] for r in good]
    assert replayed_fields(mended[1][6]) == replayed_fields(good[1][6])
    assert mended[2][5] == mended[1][6]  # the chain holds again
    assert cli("check").exit_code == 0


def test_a_rating_without_its_card_or_time_is_still_removed(cli, calcquiz_home: Path, decks):
    db = calcquiz_home / "calcquiz.db"
    good = four_ratings(calcquiz_home, decks)
    execute(db, "UPDATE review_log SET reviewed_at = 'noon' WHERE id = ?", (good[3][0],))
    fixed = cli("check", "--repair")
    assert fixed.exit_code == 0, fixed.stdout
    assert f"Fixed: removed review {good[3][0]}" in fixed.stdout
    assert len(log_rows(db)) == 3
    assert cli("check").exit_code == 0


# ---------------------------------------------------------------- under a file-size limit


def limited(kb: int):
    """Run the child under ``ulimit -f kb`` (a write past it fails with EFBIG)."""
    import resource

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (kb * 1024, kb * 1024))

    return apply


def damaged_store(db: Path) -> None:
    """A store of about 300 KB with two damaged pages near its end."""
    from calcquiz.store import open_store

    with open_store(db) as store:
        for i in range(1500):
            store.record_drill("derivative", "p" * 100, "1", "1", True, i)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    pages = len(data) // size
    for page in (pages - 3, pages - 2):
        data[page * size : (page + 1) * size] = bytes(range(256)) * (size // 256)
    db.write_bytes(bytes(data))


@pytest.mark.slow
def test_repair_under_a_file_size_limit_is_all_or_nothing(cli, calcquiz_home: Path):
    assert cli("study", input="\n3\n\n1\nq\n").exit_code == 0
    db = calcquiz_home / "calcquiz.db"
    damaged_store(db)
    original = db.read_bytes()
    outcomes = set()
    for kb in range(32, len(original) // 1024 + 128, 32):
        db.write_bytes(original)
        for made in calcquiz_home.glob("calcquiz.db?*"):
            made.unlink()
        result = run("check", "--repair", preexec_fn=limited(kb))
        left = sorted(p.name for p in calcquiz_home.glob("calcquiz.db*"))
        if result.returncode == 0:
            outcomes.add("repaired")
            assert run("check").returncode == 0, kb
            assert [n for n in left if ".bak-" in n] and not [n for n in left if "salvage" in n]
            continue
        outcomes.add("refused")
        error = one_line(result)
        assert "cannot repair" in error and "nothing was changed" in error, (kb, error)
        assert db.read_bytes() == original, kb
        assert set(left) <= {"calcquiz.db", "calcquiz.db-wal", "calcquiz.db-shm"}, (kb, left)
    assert outcomes == {"repaired", "refused"}


@pytest.mark.slow
@pytest.mark.parametrize("kb", [8, 32, 40, 48, 64])
def test_the_first_store_under_a_file_size_limit(calcquiz_home: Path, kb: int):
    """Creating the store fails in one line, or the store is whole; a later command (with
    no limit) never meets a half-made one."""
    from calcquiz.store import SCHEMA_VERSION

    result = run("study", input="\n3\nq\n", preexec_fn=limited(kb))
    error = one_line(result)
    assert "cannot rollback" not in error and "file-size limit" in error
    db = calcquiz_home / "calcquiz.db"
    if db.exists():  # created whole before the rating failed
        assert rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert run("study", input="\n3\nq\n").returncode == 0
    assert rows(db, "SELECT COUNT(*) FROM review_log") == [(1,)]
    assert run("check").returncode == 0


def test_a_broken_rating_after_imported_history_is_mended(cli, calcquiz_home: Path, decks):
    """A card with history imported from Anki, then rated here: the local rating's broken
    'after' state is found and rebuilt from the card's saved state like any other."""
    from calcquiz.config import Config
    from calcquiz.session import SessionOptions, StudySession
    from calcquiz.store import REVIEW, CardState, open_store

    from .helpers import Clock

    db = calcquiz_home / "calcquiz.db"
    clock = Clock()
    with open_store(db) as store:
        last = clock() - 5 * 86400
        imported = CardState(DECK, "derivative", REVIEW, None, 5.0, 6.0, clock() - 60, last, 3, 0)
        store.import_history([imported], [(DECK, "derivative", 3, last, 4000, 1, REVIEW)])
        session = StudySession(
            store, decks, SessionOptions(new_limit=0), clock=clock, config=Config()
        )
        card = session.next_card()
        assert card is not None and card.id == "derivative"
        session.reveal()
        clock.advance(7)
        session.rate(3)
    good = log_rows(db)
    execute(db, "UPDATE review_log SET after_json = '{broken' WHERE id = ?", (good[-1][0],))
    assert cli("check").exit_code == 1
    fixed = cli("check", "--repair")
    assert fixed.exit_code == 0 and "from the card's saved state" in fixed.stdout, fixed.stdout
    assert log_rows(db) == good
