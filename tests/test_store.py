"""The SQLite review store: schema, round trips, and refusing files that are not ours."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calcquiz.errors import StoreError, UndoConflictError
from calcquiz.store import SCHEMA_VERSION, CardState, data_dir, db_path, open_store

from .helpers import examples


def test_home_variable_decides_where_data_lives(calcquiz_home: Path):
    assert data_dir() == calcquiz_home
    assert db_path() == calcquiz_home / "calcquiz.db"


def test_new_database_has_schema_version_and_wal(tmp_path: Path):
    path = tmp_path / "sub" / "calcquiz.db"
    with open_store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_migrates_a_version_1_database(tmp_path: Path):
    from calcquiz.store import schema

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(schema.MIGRATIONS[1] + "; PRAGMA user_version = 1;")
    conn.execute(
        "INSERT INTO review_log (deck, card_id, rating, reviewed_at, state_before, state_after, "
        "after_json) VALUES ('d', 'c', 3, 1.0, 0, 1, '{}')"
    )
    conn.commit()
    conn.close()
    with open_store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert len(store.reviews()) == 1  # history kept
        store.record_drill("derivative", "p", "1", "1", True, 10)
        assert store.drill_accuracy() == {"derivative": (1, 1, 0)}


def unchanged_after_refusal(path: Path, match: str) -> None:
    before = path.read_bytes()
    siblings = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(StoreError, match=match) as info:
        open_store(path)
    assert str(path) in str(info.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == siblings


def test_refuses_a_file_that_is_not_sqlite(tmp_path: Path):
    path = tmp_path / "calcquiz.db"
    path.write_text("my shopping list\n")
    unchanged_after_refusal(path, "not a calcquiz database")


def test_refuses_another_programs_database(tmp_path: Path):
    path = tmp_path / "calcquiz.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    unchanged_after_refusal(path, "not a calcquiz database")


def test_refuses_a_newer_schema(tmp_path: Path):
    path = tmp_path / "calcquiz.db"
    with open_store(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    unchanged_after_refusal(path, "newer calcquiz")


def test_refuses_a_truncated_database(tmp_path: Path):
    path = tmp_path / "calcquiz.db"
    with open_store(path) as store:
        for i in range(300):
            store.record_drill("t", "p" * 200, "1", "1", True, i)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    unchanged_after_refusal(path, "damaged|not a calcquiz database")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_unwritable_data_folder(tmp_path: Path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="cannot"):
            open_store(folder / "calcquiz.db")
    finally:
        folder.chmod(0o700)


def test_data_folder_that_is_a_file(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the data folder"):
        open_store(blocker / "calcquiz.db")


@st.composite
def states(draw: st.DrawFn) -> CardState:
    """Any state the scheduler can produce: learning and relearning cards are on a step,
    review and relearning cards have a stability and a difficulty."""
    state = draw(st.sampled_from([1, 2, 3]))
    known = st.none() if state == 1 else st.nothing()
    return CardState(
        deck=draw(st.text(min_size=1, max_size=30)),
        card_id=draw(st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True)),
        state=state,
        step=draw(st.integers(0, 5) if state != 2 else st.one_of(st.none(), st.integers(0, 5))),
        stability=draw(st.one_of(known, st.floats(0.001, 36500))),
        difficulty=draw(st.one_of(known, st.floats(1, 10))),
        due=draw(st.floats(0, 4e9)),
        last_review=draw(st.one_of(st.none(), st.floats(0, 4e9))),
        reps=draw(st.integers(0, 10_000)),
        lapses=draw(st.integers(0, 1000)),
    )


@settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(before=st.one_of(st.none(), states()), after=states(), rating=st.integers(1, 4))
def test_record_then_undo_round_trips(tmp_path: Path, before, after, rating):
    if before is not None:
        before = CardState(**{**before.__dict__, "deck": after.deck, "card_id": after.card_id})
    path = tmp_path / "rt.db"
    with open_store(path) as store:
        store.reset()
        if before is not None:
            store.apply_review(None, before, 3, 1.0, 5)
        n = len(store.reviews())
        review_id = store.apply_review(before, after, rating, 2.0, 10).review_id
        assert store.card_state(after.deck, after.card_id) == after
        logged = store.reviews()[-1]
        assert (logged.rating, logged.state_after, logged.duration_ms) == (rating, after.state, 10)
        restored = store.undo_review(review_id).state
        assert restored == before
        assert store.card_state(after.deck, after.card_id) == before
        assert len(store.reviews()) == n


def test_reset_forgets_everything(tmp_path: Path):
    with open_store(tmp_path / "x.db") as store:
        store.apply_review(None, CardState("d", "c", 1, 0, 1.0, 5.0, 10.0, 1.0, 1, 0), 3, 1.0, 5)
        assert store.reset() == (1, 1)
        assert store.reviews() == [] and store.card_states("d") == {}


def state(reps: int, due: float = 100.0, card_id: str = "c") -> CardState:
    return CardState("d", card_id, 2, None, 3.0 + reps, 5.0, due, 10.0 * reps, reps, 0)


def test_a_rating_meets_the_state_as_it_is_at_commit_time(tmp_path: Path):
    """Session A shows the card at reps 1; B rates it meanwhile: A's rating is recomputed
    from B's result, not written over it."""
    with open_store(tmp_path / "x.db") as store:
        store.apply_review(None, state(1), 3, 10.0, 5)
        shown = store.card_state("d", "c")
        store.apply_review(shown, state(2), 3, 20.0, 5)  # session B
        seen: list[tuple[CardState | None, float]] = []

        def recompute(fresh: CardState | None, at: float) -> CardState:
            seen.append((fresh, at))
            return state(3)

        applied = store.apply_review(shown, state(2, due=999.0), 1, 15.0, 5, recompute=recompute)
        assert seen == [(state(2), 20.0)]  # B's state, and no earlier than B's rating
        assert (applied.before, applied.after, applied.reviewed_at) == (state(2), state(3), 15.0)
        assert store.card_state("d", "c") == state(3)
        with pytest.raises(UndoConflictError, match="changed in another session"):
            store.apply_review(shown, state(2), 3, 30.0, 5)  # no recompute: refused
        assert len(store.reviews()) == 3


def test_undo_only_while_the_card_is_as_that_rating_left_it(tmp_path: Path):
    with open_store(tmp_path / "x.db") as store:
        first = store.apply_review(None, state(1), 3, 10.0, 5).review_id
        store.apply_review(state(1), state(2), 3, 20.0, 5)  # another session, later
        with pytest.raises(UndoConflictError, match="nothing was undone"):
            store.undo_review(first)
        assert store.card_state("d", "c") == state(2)
        assert len(store.reviews()) == 2
        cram = store.apply_review(state(2), state(2), 1, 30.0, 5, cram=True).review_id
        assert store.undo_review(cram).state == state(2)  # a cram rating changed no state
        assert store.card_state("d", "c") == state(2)


@pytest.mark.parametrize(
    ("setup", "kind"),
    [
        ([], "empty"),
        (["PRAGMA user_version = 0"], "empty"),
        (["CREATE VIEW v AS SELECT 1"], None),
        (["PRAGMA user_version = -1"], None),
        (["CREATE TABLE card_state (x)", "PRAGMA user_version = 1"], None),
    ],
)
def test_classify_decides_read_only(tmp_path: Path, setup: list[str], kind: str | None):
    from calcquiz.store import classify

    path = tmp_path / "calcquiz.db"
    conn = sqlite3.connect(path)
    for sql in setup:
        conn.execute(sql)
    conn.commit()
    conn.close()
    before = path.read_bytes()
    if kind is None:
        with pytest.raises(StoreError, match="not a calcquiz database"):
            classify(path)
    else:
        assert classify(path) == kind
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["calcquiz.db"]
    assert classify(tmp_path / "nothing.db") == "missing"


# --- schema 5: the reads a session and every open make are served by indexes ---------------


def query_plan(store, sql: str, args: tuple[object, ...] = ()) -> str:
    return " ".join(row[-1] for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", args))


def test_due_cards_and_the_bad_row_check_read_indexes_only(tmp_path: Path):
    from calcquiz.store.rows import _BAD_STATE_SQL, _STATE_COLUMNS

    with open_store(tmp_path / "s.db") as store:
        due = query_plan(
            store,
            "SELECT card_id, state, due FROM card_state WHERE deck = ? AND due <= ? ORDER BY due",
            ("d", 1.0),
        )
        assert "COVERING INDEX card_state_due" in due
        bad = query_plan(store, f"SELECT {_STATE_COLUMNS} FROM card_state WHERE {_BAD_STATE_SQL}")
        assert "card_state_bad" in bad


def test_the_bad_row_index_sees_rows_changed_by_hand(tmp_path: Path):
    """The partial index is kept by SQLite itself, so a row damaged outside calcquiz is in
    it and the check at open names the card."""
    path = tmp_path / "s.db"
    with open_store(path) as store:
        state = CardState("d", "c", 2, None, 3.0, 5.0, 100.0, 50.0, 1, 0)
        store.apply_review(None, state, 3, 50.0, 10)
        assert store.first_bad_state() is None
    conn = sqlite3.connect(path)
    conn.execute("UPDATE card_state SET stability = 'abc'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="'c'"):
        open_store(path)


def test_a_version_4_store_gains_the_new_indexes_and_keeps_its_rows(tmp_path: Path):
    from calcquiz.store import schema

    path = tmp_path / "v4.db"
    conn = sqlite3.connect(path)
    for version in range(1, 5):
        conn.executescript(schema.MIGRATIONS[version])
    conn.execute(
        "INSERT INTO card_state (deck, card_id, state, stability, difficulty, due, last_review,"
        " reps) VALUES ('d', 'c', 2, 3.0, 5.0, 100.0, 50.0, 1)"
    )
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    with open_store(path) as store:
        names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
        assert {"card_state_due", "card_state_bad", "card_flags_bad"} <= names
        assert store.due_keys("d", 200.0) == [("c", 2, 100.0)]
        assert store.studied_ids("d") == ["c"]


def test_the_store_package_exports_no_private_names():
    """Code outside the store uses its public names only: the package hands out none that
    start with an underscore (its modules keep their own)."""
    import calcquiz.store as store_package

    private = [n for n in vars(store_package) if n.startswith("_") and not n.startswith("__")]
    assert private == []
