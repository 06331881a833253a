"""`calcquiz check --repair` beside live sessions, on rows damaged in part, after a change of
learning steps, and under a file-size limit: nothing the learner did is lost, and a repair
that cannot run says so in one line and changes nothing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from .helpers import CLI, Session, integrity

DECK = "Calculus & Optimization"


def rows(db: Path, sql: str, args: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def execute(db: Path, sql: str, args: tuple = ()) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute(sql, args)
        conn.commit()
    finally:
        conn.close()


def dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
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
