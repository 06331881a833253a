"""Files that are not calcquiz's are never written, and the data folder's faults are clean
errors. Each case runs the real CLI in a subprocess."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from calcquiz.store import SCHEMA_VERSION

from .helpers import CLI

pytestmark = pytest.mark.slow  # every case runs the real CLI in a subprocess

COMMANDS = [
    ["study"],
    ["stats"],
    ["reset", "--yes"],
    ["drill", "derivative", "--count", "1"],
    ["check", "--repair"],
]


def run(*args: str, home: Path | None = None, stdin: str = "q\n") -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if home is not None:
        env["CALCQUIZ_HOME"] = str(home)
    return subprocess.run(
        [*CLI, *args], input=stdin, capture_output=True, text=True, timeout=60, env=env
    )


def assert_one_line(result: subprocess.CompletedProcess, code: int | None = 1) -> str:
    """One clean line; exit ``code`` (None: 1 or 2, as the settings file is read first and
    a data folder that cannot hold it is reported as bad input)."""
    assert result.returncode in ((1, 2) if code is None else (code,)), (
        result.stdout,
        result.stderr,
    )
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    return result.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    """The database and every file beside it (-wal, -shm, journals): none may appear."""
    return {p.name: p.read_bytes() for p in folder.glob("calcquiz.db*")}


def sqlite_file(path: Path, *statements: str) -> Path:
    conn = sqlite3.connect(path)
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()
    return path


FOREIGN = {
    "only a view": ["CREATE VIEW v AS SELECT 1 AS x"],
    "only an index-less table": ["CREATE TABLE notes (body TEXT)"],
    "a foreign card_state table": ["CREATE TABLE card_state (id INTEGER, front TEXT)"],
    "our table names, other columns": [
        "CREATE TABLE card_state (id INTEGER)",
        "CREATE TABLE review_log (id INTEGER)",
        "PRAGMA user_version = 1",
    ],
    "a trigger": ["CREATE TABLE t (x)", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END"],
    "a negative schema version": ["PRAGMA user_version = -3"],
    "a negative version with our tables": [
        "CREATE TABLE card_state (deck, card_id)",
        "PRAGMA user_version = -1",
    ],
    "a version from the future": [f"PRAGMA user_version = {SCHEMA_VERSION + 5}"],
    "a version but no tables": ["PRAGMA user_version = 2"],
}


@pytest.mark.parametrize("statements", FOREIGN.values(), ids=FOREIGN.keys())
def test_a_file_that_is_not_ours_is_refused_byte_for_byte(calcquiz_home: Path, statements):
    sqlite_file(calcquiz_home / "calcquiz.db", *statements)
    before = snapshot(calcquiz_home)
    for command in COMMANDS:
        error = assert_one_line(run(*command))
        assert "calcquiz" in error, command
        assert snapshot(calcquiz_home) == before, command  # not a byte, not a sibling file


def test_an_empty_sqlite_file_is_adopted(calcquiz_home: Path):
    db = sqlite_file(calcquiz_home / "calcquiz.db", "PRAGMA user_version = 0")
    result = run("study", stdin="\n3\nq\n")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM review_log").fetchone()[0] == 1


def test_a_fifo_in_place_of_the_database_is_refused_without_blocking(calcquiz_home: Path):
    os.mkfifo(calcquiz_home / "calcquiz.db")
    error = assert_one_line(run("stats"))
    assert "not a regular file" in error


def test_drill_with_a_bad_deck_is_refused_before_writing(calcquiz_home: Path, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("deck: x\ncards: 7\n")
    for deck in (bad, tmp_path / "missing.yaml"):
        result = run("drill", "derivative", "--deck", str(deck), stdin="1\n")
        assert_one_line(result, code=2)
    assert not (calcquiz_home / "calcquiz.db").exists()


def test_a_home_with_an_over_long_name_is_a_clean_error(tmp_path: Path):
    home = tmp_path / ("x" * 300) / "data"
    for command in (["study"], ["stats"], ["list"], ["reset", "--yes"], ["check"]):
        error = assert_one_line(run(*command, home=home), code=None)
        assert "CALCQUIZ_HOME" in error or "File name too long" in error, command


def test_a_home_whose_path_is_too_long_overall_is_a_clean_error(tmp_path: Path):
    home = tmp_path.joinpath(*["y" * 200] * 25)  # each name fits; the whole is 5000 bytes
    for command in (["study"], ["stats"], ["list"], ["check"]):
        assert_one_line(run(*command, home=home), code=None)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes any folder")
def test_a_home_without_permission_is_a_clean_error(tmp_path: Path):
    locked = tmp_path / "locked"
    locked.mkdir()
    home = locked / "calcquiz"
    locked.chmod(0)
    try:
        for command in (["study"], ["stats"], ["list"], ["check"]):
            error = assert_one_line(run(*command, home=home))
            assert str(locked) in error and "ermission" in error, command
    finally:
        locked.chmod(0o700)


def test_a_home_under_a_file_is_a_clean_error(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for command in (["study"], ["stats"], ["list"], ["check"], ["reset", "--yes"]):
        result = run(*command, home=blocker / "home")
        if command in (["study"], ["stats"]) or result.returncode:  # these must write
            assert_one_line(result, code=None)
    assert blocker.read_text() == "x"


def _counting_inspect(monkeypatch, outcomes=None):
    """Count the schema reads; with ``outcomes``, give them in turn (an exception is
    raised) instead of reading the file."""
    from calcquiz.store import schema

    calls = []
    real = schema._inspect

    def inspect(path):
        calls.append(path)
        if outcomes is None:
            return real(path)
        outcome = outcomes[len(calls) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(schema, "_inspect", inspect)
    return calls


def _foreign_file(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    return path


def test_a_store_read_while_another_process_writes_it_is_read_again(tmp_path, monkeypatch):
    """A lock-free read can catch another calcquiz copying its new tables into the file
    and see "another program's tables": a just-written file is read again, not refused."""
    from calcquiz.errors import StoreError
    from calcquiz.store import schema

    path = _foreign_file(tmp_path / "calcquiz.db")  # just written
    torn = StoreError(f"{path} is not a calcquiz database (it holds another program's tables)")
    calls = _counting_inspect(monkeypatch, [torn, SCHEMA_VERSION])
    assert schema.classify(path) == "store" and len(calls) == 2


def test_a_foreign_file_is_refused_after_one_read_once_settled(tmp_path, monkeypatch):
    from calcquiz.errors import StoreError
    from calcquiz.store import schema

    path = _foreign_file(tmp_path / "calcquiz.db")
    old = path.stat().st_mtime - 3600
    os.utime(path, (old, old))
    calls = _counting_inspect(monkeypatch)
    with pytest.raises(StoreError, match="another program's tables"):
        schema.classify(path)
    assert len(calls) == 1


def test_a_just_written_foreign_file_is_refused_when_two_reads_agree(tmp_path, monkeypatch):
    from calcquiz.errors import StoreError
    from calcquiz.store import schema

    path = _foreign_file(tmp_path / "calcquiz.db")
    calls = _counting_inspect(monkeypatch)
    with pytest.raises(StoreError, match="another program's tables"):
        schema.classify(path)
    assert len(calls) == 2
