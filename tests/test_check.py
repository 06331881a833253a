"""`calcquiz check` and `check --repair` on stores damaged on purpose."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calcquiz import scheduler as sched
from calcquiz.store import open_store, state_problem
from calcquiz.store.rows import _BAD_STATE_SQL, _STATE_COLUMNS

from .helpers import dump, examples, execute

DECK = "Calculus & Optimization"
# Card 1 Good, card 2 Again, card 3 Easy, card 4 Good: four cards with states and logs.
STUDY_KEYS = "\n3\n\n1\n\n4\n\n3\nq\n"


def one_clean_line(result, code: int = 1) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr + result.stdout
    return result.stderr


@pytest.fixture
def studied(cli, calcquiz_home: Path) -> Path:
    result = cli("study", input=STUDY_KEYS)
    assert result.exit_code == 0, result.stderr
    db = calcquiz_home / "calcquiz.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM card_state").fetchone()[0] == 4
    return db




def replayed(db: Path, card_id: str):
    with sqlite3.connect(db) as conn:
        log = conn.execute(
            "SELECT rating, json_extract(after_json, '$.last_review') FROM review_log "
            "WHERE card_id = ? AND cram = 0 ORDER BY id",
            (card_id,),
        ).fetchall()
    return sched.replay(sched.make_scheduler(fuzz=False), DECK, card_id, log)


def test_a_healthy_store_checks_clean(cli, studied: Path):
    result = cli("check")
    assert result.exit_code == 0, result.stdout
    assert "no problems found" in result.stdout


def test_no_database_is_nothing_to_check(cli, calcquiz_home: Path):
    result = cli("check")
    assert result.exit_code == 0 and "Nothing to check" in result.stdout
    assert not (calcquiz_home / "calcquiz.db").exists()


BAD_STATES = {
    "unknown state": "state = 7",
    "text due date": "due = 'tomorrow'",
    "huge due date": "due = 1e300",
    "huge integer due date": "due = 9223372036854775807",
    "text stability": "stability = 'abc'",
    "negative reps": "reps = -1",
    "null difficulty on review": "difficulty = NULL, state = 2",
    "null step while learning": "step = NULL, state = 1",
    "blob card id": "due = x'00ff'",
}


@pytest.mark.parametrize("change", BAD_STATES.values(), ids=BAD_STATES.keys())
def test_a_bad_state_row_is_named_then_rebuilt_from_its_log(cli, studied: Path, change: str):
    execute(studied, f"UPDATE card_state SET {change} WHERE card_id = 'chain-rule'")
    for command in (["study"], ["stats"], ["stats", "--json"], ["list"], ["drill", "--count", "1"]):
        error = one_clean_line(cli(*command, input="q\n"))
        assert "'chain-rule'" in error and "calcquiz check --repair" in error, command
    found = cli("check")
    assert found.exit_code == 1
    assert "Problem: card 'chain-rule'" in found.stdout
    damaged = dump(studied)

    fixed = cli("check", "--repair")
    assert fixed.exit_code == 0, fixed.stdout
    assert (
        "Fixed: card 'chain-rule'" in fixed.stdout and "rebuilt from its review log" in fixed.stdout
    )
    backups = list(studied.parent.glob("calcquiz.db.bak-*"))
    assert len(backups) == 1 and dump(backups[0]) == damaged
    assert cli("check").exit_code == 0
    with open_store(studied) as store:
        state = store.card_state(DECK, "chain-rule")
    want = replayed(studied, "chain-rule")
    assert state is not None and want is not None
    assert (state.state, state.step, state.reps) == (want.state, want.step, want.reps)
    assert state.stability == pytest.approx(want.stability)
    assert cli("stats").exit_code == 0


def test_a_bad_review_row_is_removed_and_the_card_rebuilt(cli, studied: Path):
    execute(
        studied,
        "INSERT INTO review_log (deck, card_id, rating, reviewed_at, state_before, state_after, "
        f"after_json) VALUES ('{DECK}', 'derivative', 9, 'noon', 0, 1, 'garbage')",
    )
    assert cli("stats").exit_code == 0  # a bad log row does not stop the app
    found = cli("check")
    assert found.exit_code == 1 and "unknown rating 9" in found.stdout
    fixed = cli("check", "--repair")
    assert fixed.exit_code == 0 and "Fixed: removed review" in fixed.stdout
    with sqlite3.connect(studied) as conn:
        assert conn.execute("SELECT COUNT(*) FROM review_log WHERE rating = 9").fetchone()[0] == 0


def test_state_and_log_out_of_step_are_reconciled(cli, studied: Path):
    execute(studied, "UPDATE card_state SET reps = 5 WHERE card_id = 'derivative'")
    execute(studied, "DELETE FROM review_log WHERE card_id = 'gradient'")
    execute(studied, "DELETE FROM card_state WHERE card_id = 'partial-derivative'")
    found = cli("check")
    assert found.exit_code == 1
    assert "card 'derivative'" in found.stdout and "reps 5" in found.stdout
    assert "card 'gradient'" in found.stdout and "no logged rating" in found.stdout
    assert "card 'partial-derivative'" in found.stdout and "no saved state" in found.stdout
    fixed = cli("check", "--repair")
    assert fixed.exit_code == 0, fixed.stdout
    assert "card 'gradient' of deck" in fixed.stdout and "reset to new" in fixed.stdout
    with open_store(studied) as store:
        assert store.card_state(DECK, "gradient") is None
        assert store.card_state(DECK, "derivative").reps == 1
        assert store.card_state(DECK, "partial-derivative") is not None
    assert cli("check").exit_code == 0


def damage_pages(db: Path, pages: list[int]) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    count = len(data) // size
    for page in pages:
        page %= count
        if page > 0:  # keep the header page: the damage is inside the file
            data[page * size : (page + 1) * size] = bytes(range(256)) * (size // 256)
    db.write_bytes(bytes(data))


def test_damaged_pages_give_one_line_everywhere_and_repair_salvages(cli, studied: Path):
    with open_store(studied) as store:
        for i in range(1500):
            store.record_drill("derivative", "p" * 100, "1", "1", True, i)
    damage_pages(studied, [-3, -2])
    for command in (["study"], ["stats"], ["reset", "--yes"], ["drill", "--count", "1"]):
        result = cli(*command, input="q\n")
        if result.exit_code:
            error = one_clean_line(result)
            assert "calcquiz check" in error, command
    found = cli("check")
    assert found.exit_code == 1 and "malformed" in found.stdout
    fixed = cli("check", "--repair")
    assert fixed.exit_code == 0, fixed.stdout
    assert "readable rows" in fixed.stdout
    assert cli("check").exit_code == 0
    assert cli("stats").exit_code == 0
    with sqlite3.connect(studied) as conn:
        kept = conn.execute("SELECT COUNT(*) FROM drill_log").fetchone()[0]
        assert 0 < kept < 1500  # what could be read was kept
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_check_leaves_a_foreign_file_alone(cli, calcquiz_home: Path):
    db = calcquiz_home / "calcquiz.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    before = db.read_bytes()
    for args in (["check"], ["check", "--repair"]):
        error = one_clean_line(cli(*args))
        assert "not a calcquiz database" in error
    assert db.read_bytes() == before
    assert sorted(p.name for p in calcquiz_home.iterdir()) == ["calcquiz.db"]


values = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, 1, 2, 3, 4, 100, 101, 10**9, 10**9 + 1]),
    st.floats(allow_nan=False),
    st.sampled_from([0.0, 1e-6, 0.5, 1.0, 10.0, 10.5, 1e6, 2e6, 253402300799.0, 3e11]),
    st.text(max_size=5),
    st.binary(max_size=3),
)


@settings(
    max_examples=examples(400),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(row=st.tuples(st.just("d"), st.just("c"), *([values] * 8)))
def test_the_sql_and_python_row_checks_agree(tmp_path: Path, row: tuple):
    """The open-time SQL scan and the per-row Python check call the same rows bad."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE card_state ({_STATE_COLUMNS})")
    conn.execute("INSERT INTO card_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
    stored = conn.execute(f"SELECT {_STATE_COLUMNS} FROM card_state").fetchone()
    sql_bad = conn.execute(f"SELECT COUNT(*) FROM card_state WHERE {_BAD_STATE_SQL}").fetchone()
    assert (state_problem(stored) is not None) == bool(sql_bad[0]), stored


def test_repair_backup_does_not_overwrite_an_earlier_one(cli, studied: Path):
    execute(studied, "UPDATE card_state SET state = 9 WHERE card_id = 'derivative'")
    assert cli("check", "--repair").exit_code == 0
    execute(studied, "UPDATE card_state SET state = 9 WHERE card_id = 'gradient'")
    assert cli("check", "--repair").exit_code == 0
    assert len(list(studied.parent.glob("calcquiz.db.bak-*"))) == 2
    assert os.path.getsize(studied) > 0


def test_a_store_cut_short_is_refused_by_commands_and_salvaged_by_repair(cli, studied: Path):
    with open_store(studied) as store:
        for i in range(1500):
            store.record_drill("derivative", "p" * 100, "1", "1", True, i)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = studied.read_bytes()
    studied.write_bytes(data[: len(data) * 2 // 3])
    assert "damaged" in one_clean_line(cli("stats"))
    found = cli("check")
    assert found.exit_code == 1 and "cut short" in found.stdout
    fixed = cli("check", "--repair")
    assert fixed.exit_code == 0, fixed.stdout
    assert cli("check").exit_code == 0 and cli("stats").exit_code == 0
    with sqlite3.connect(studied) as conn:
        assert conn.execute("SELECT COUNT(*) FROM review_log").fetchone()[0] == 4
        assert 0 < conn.execute("SELECT COUNT(*) FROM drill_log").fetchone()[0] < 1500


def test_a_foreign_file_cut_short_is_left_alone(cli, calcquiz_home: Path):
    db = calcquiz_home / "calcquiz.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER, body TEXT)")
        conn.executemany("INSERT INTO invoices VALUES (?, ?)", [(i, "x" * 200) for i in range(500)])
    db.write_bytes(db.read_bytes()[:8192])
    before = db.read_bytes()
    for args in (["check"], ["check", "--repair"]):
        one_clean_line(cli(*args))
    assert db.read_bytes() == before
    assert sorted(p.name for p in calcquiz_home.glob("calcquiz.db*")) == ["calcquiz.db"]


def test_salvage_keeps_exercise_reviews_and_their_links(cli, studied: Path):
    """A rebuilt file keeps which reviews were exercises and the drill answers linked to
    them (schema 4's columns), not only the columns of schema 1-2."""
    with sqlite3.connect(studied) as conn:
        review_id = conn.execute("SELECT MAX(id) FROM review_log").fetchone()[0]
        conn.execute("UPDATE review_log SET kind = 'exercise' WHERE id = ?", (review_id,))
        conn.execute(
            "INSERT INTO drill_log (topic, prompt, expected, given, correct, duration_ms, "
            "answered_at, review_id) VALUES ('derivative', 'p', '1', '1', 1, 5, 0, ?)",
            (review_id,),
        )
    with sqlite3.connect(studied) as conn:
        for _ in range(1500):
            conn.execute(
                "INSERT INTO drill_log (topic, prompt, expected, correct, answered_at) "
                "VALUES ('filler', ?, '1', 1, 1)", ("p" * 100,),
            )
    damage_pages(studied, [-2])  # a page of filler drill rows, far from the linked one
    assert cli("check", "--repair").exit_code == 0
    with sqlite3.connect(studied) as conn:
        kinds = dict(conn.execute("SELECT id, kind FROM review_log"))
        assert kinds[review_id] == "exercise"
        assert list(kinds.values()).count("exercise") == 1
        linked = conn.execute(
            "SELECT review_id FROM drill_log WHERE topic = 'derivative'"
        ).fetchall()
        assert linked == [(review_id,)]
