"""Hypothesis damages a real store, a value or a page at a time: every
command exits 0 or prints one clean line, and `check --repair` always leaves a store that
checks clean and can be studied again."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

TEMPLATE: dict[str, Path] = {}
COLUMNS = {
    "card_state": [
        "deck",
        "card_id",
        "state",
        "step",
        "stability",
        "difficulty",
        "due",
        "last_review",
        "reps",
        "lapses",
    ],
    "review_log": [
        "deck",
        "card_id",
        "rating",
        "reviewed_at",
        "duration_ms",
        "state_before",
        "state_after",
        "before_json",
        "after_json",
        "cram",
    ],
    "card_flags": ["deck", "card_id", "suspended", "buried_until", "leech"],
    "drill_log": [
        "topic",
        "prompt",
        "expected",
        "given",
        "correct",
        "duration_ms",
        "answered_at",
    ],
}
HOSTILE = st.one_of(
    st.sampled_from(
        [
            None,
            -1,
            0,
            4,
            7,
            101,
            2**63 - 1,
            -(2**63),
            1e308,
            -1e308,
            float("inf"),
            float("-inf"),
            3.5,
            1e-300,
            "",
            "text",
            "2026-01-01",
            "{}",
            "null",
            "[1]",
            '{"deck": 1}',
            b"\x00\xff",
            "[/]",
            "\x1f",
        ]
    ),
    st.text(max_size=20),
    st.integers(),
    st.floats(),
)


def one_clean_line_or_ok(result, command: tuple[str, ...]) -> None:
    if result.exit_code == 0:
        return
    assert result.exit_code in (1, 2), (command, result.exit_code, result.stdout)
    assert result.stderr.startswith("Error: "), (command, result.stderr)
    assert result.stderr.count("\n") == 1, (command, result.stderr)


COMMANDS: list[tuple[tuple[str, ...], str | None]] = [
    (("list",), None),
    (("list", "--json"), None),
    (("show", "1"), None),
    (("stats",), None),
    (("stats", "--json"), None),
    (("study",), "\n3\nu\n\n1\n\n4\nq\n"),
    (("study", "--cram", "--limit", "3"), "\n3\n\n1\nq\n"),
    (("drill", "derivative", "--count", "1"), "1\n"),
    (("drill", "--count", "1"), "q\n"),
]


def every_command_is_clean(cli, home: Path, must_repair: bool = False) -> None:
    for command, keys in COMMANDS:
        one_clean_line_or_ok(cli(*command, input=keys), command)
    check = cli("check")
    assert check.exit_code in (0, 1) and "Traceback" not in check.stdout + check.stderr
    repaired = cli("check", "--repair")
    if repaired.exit_code != 0 and not must_repair:  # a file SQLite cannot read at all
        one_clean_line_or_ok(repaired, ("check", "--repair"))
        return
    after = cli("check")
    assert after.exit_code == 0, (repaired.stdout, after.stdout)
    studied = cli("study", input="\n3\n\n2\nq\n")
    assert studied.exit_code == 0, studied.stderr
    one_clean_line_or_ok(cli("reset", "--yes"), ("reset", "--yes"))


def fresh_store(cli, home: Path) -> Path:
    """A store from real sessions (ratings, an undo, cram, drills, a burial, suspensions),
    copied per example."""
    db = home / "calcquiz.db"
    for leftover in home.glob("calcquiz.db*"):
        leftover.unlink()
    if "db" not in TEMPLATE:
        assert cli("study", input="\n3\n\n1\n\n4\nu\n\n2\n\n3\n\n1\nq\n").exit_code == 0
        assert cli("study", "--cram", "--limit", "4", input="\n3\n\n1\n\n2\n\n4\n").exit_code == 0
        assert cli("study", input="-\n").exit_code == 0  # bury the next card
        assert cli("suspend", "12", "15").exit_code == 0
        assert (
            cli("drill", "derivative", "--count", "2", "--seed", "1", input="1\n2\n").exit_code == 0
        )
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        saved = home.parent / f"{home.name}-template.db"
        shutil.copyfile(db, saved)
        TEMPLATE["db"] = saved
    shutil.copyfile(TEMPLATE["db"], db)
    return db


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    table=st.sampled_from(sorted(COLUMNS)),
    data=st.data(),
)
def test_a_damaged_value_anywhere_gives_a_clean_line(cli, calcquiz_home: Path, table, data):
    db = fresh_store(cli, calcquiz_home)
    column = data.draw(st.sampled_from(COLUMNS[table]), label="column")
    value = data.draw(HOSTILE, label="value")
    conn = sqlite3.connect(db)
    try:
        keys = conn.execute(f"SELECT {COLUMNS[table][1]} FROM {table}").fetchall()
        assume(keys)
        row = data.draw(st.integers(0, len(keys) - 1), label="row")
        # card_state and card_flags have no rowid: pick the row by its place in key order
        where = (
            "rowid = (SELECT rowid FROM {t} LIMIT 1 OFFSET ?)"
            if table not in ("card_state", "card_flags")
            else "card_id = (SELECT card_id FROM {t} ORDER BY deck, card_id LIMIT 1 OFFSET ?)"
        )
        try:
            conn.execute(
                f"UPDATE {table} SET {column} = ? WHERE {where.format(t=table)}", (value, row)
            )
            conn.commit()
        except (sqlite3.IntegrityError, OverflowError):
            assume(False)  # NOT NULL, a duplicate key, or too big for SQLite to store
    finally:
        conn.close()
    every_command_is_clean(cli, calcquiz_home)


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pages=st.lists(st.integers(1, 50), min_size=1, max_size=3), noise=st.binary(min_size=1))
def test_damaged_pages_give_a_clean_line(cli, calcquiz_home: Path, pages, noise):
    db = fresh_store(cli, calcquiz_home)
    data = bytearray(db.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    count = len(data) // size
    for page in pages:
        page %= count
        assume(page > 0)  # the header page intact: the damage is inside
        data[page * size : (page + 1) * size] = (noise * (size // len(noise) + 1))[:size]
    db.write_bytes(bytes(data))
    every_command_is_clean(cli, calcquiz_home)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE card_state SET state = 9",
        "UPDATE card_state SET due = 'soon'",
        "UPDATE card_state SET due = 1e300",
        "UPDATE card_state SET stability = 'x'",
        "UPDATE card_state SET difficulty = NULL WHERE state = 2",
        "UPDATE review_log SET reviewed_at = 'noon'",
        "UPDATE review_log SET rating = 12",
        "UPDATE review_log SET after_json = '{'",
        "UPDATE drill_log SET answered_at = 'x', correct = 5",
        "UPDATE card_flags SET buried_until = 'later'",
        "UPDATE card_flags SET suspended = 7",
        "PRAGMA user_version = -1",
    ],
)
def test_named_cases(cli, calcquiz_home: Path, statement: str):
    db = fresh_store(cli, calcquiz_home)
    conn = sqlite3.connect(db)
    conn.execute(statement)
    conn.commit()
    conn.close()
    every_command_is_clean(cli, calcquiz_home)


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.8, 0.95])
def test_a_store_cut_short_gives_a_clean_line(cli, calcquiz_home: Path, fraction: float):
    db = fresh_store(cli, calcquiz_home)
    data = db.read_bytes()
    db.write_bytes(data[: int(len(data) * fraction)])
    every_command_is_clean(cli, calcquiz_home, must_repair=True)
