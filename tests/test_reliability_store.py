"""Store faults tried on purpose: kill -9, concurrent sessions, locks, read-only, full disk."""

from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .helpers import CLI, Session, integrity, reviews

pytestmark = pytest.mark.slow  # fault trials in real processes


def study_keys(n: int) -> str:
    return "\n3\n" * n + "q\n"


@pytest.mark.slow
def test_kill_9_at_random_moments_never_loses_a_rating(calcquiz_home: Path):
    """50 sessions, each killed at a random delay after its last key: every rating whose
    next card reached the screen is in the database, and the file is never damaged."""
    rng = random.Random(8)
    acknowledged = 0
    for trial in range(50):
        s = Session("--limit", "10000", "--cram")
        s.wait_for(Session.PROMPT, 1)
        n = rng.randint(0, 3)
        for i in range(n):
            s.send("\n3\n")
            s.wait_for(Session.PROMPT, i + 2)
        acknowledged += n
        s.send("\n" + rng.choice("1234") + "\n")
        time.sleep(rng.uniform(0, 0.03))
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait()
        got = len(reviews(calcquiz_home))
        assert got >= acknowledged, f"trial {trial}: {got} saved, {acknowledged} acknowledged"
        assert integrity(calcquiz_home) == "ok"
        acknowledged = got


@pytest.mark.slow
@pytest.mark.parametrize("sessions", [2, 4])
def test_concurrent_sessions_record_every_rating(calcquiz_home: Path, sessions: int):
    procs = [
        subprocess.Popen(
            [*CLI, "study", "--cram", "--shuffle", "--seed", str(seed)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(sessions)
    ]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write(study_keys(15))
        p.stdin.close()
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read() if p.stderr else ""
    assert len(reviews(calcquiz_home)) == 15 * sessions
    assert integrity(calcquiz_home) == "ok"


def hold_write_lock(db: Path, seconds: float) -> threading.Thread:
    """Another process-like writer: a write transaction held open for ``seconds``."""
    ready = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO drill_log (topic, prompt, expected, correct, answered_at) "
            "VALUES ('lock', 'p', '1', 1, 0)"
        )
        ready.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    ready.wait(5)
    return thread


def seeded_home(home: Path) -> None:
    """A database with one rating in it."""
    result = subprocess.run([*CLI, "study"], input=study_keys(1), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(reviews(home)) == 1


def test_a_locked_database_is_waited_for(calcquiz_home: Path):
    seeded_home(calcquiz_home)
    holder = hold_write_lock(calcquiz_home / "calcquiz.db", 1.0)
    started = time.time()
    result = subprocess.run(
        [*CLI, "study", "--cram"], input=study_keys(1), capture_output=True, text=True, timeout=60
    )
    holder.join()
    assert result.returncode == 0, result.stderr
    assert time.time() - started >= 0.9
    assert len(reviews(calcquiz_home)) == 2


@pytest.mark.slow
def test_a_database_locked_too_long_fails_cleanly(calcquiz_home: Path):
    seeded_home(calcquiz_home)
    holder = hold_write_lock(calcquiz_home / "calcquiz.db", 4.0)
    result = subprocess.run(
        [*CLI, "study", "--cram"],
        input=study_keys(1),
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CALCQUIZ_BUSY_TIMEOUT_MS": "500"},
    )
    holder.join()
    assert result.returncode == 1
    assert "locked by another calcquiz process" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert len(reviews(calcquiz_home)) == 1
    assert integrity(calcquiz_home) == "ok"


def test_full_disk_is_a_clean_error_and_keeps_earlier_data(calcquiz_home: Path):
    seeded_home(calcquiz_home)
    db = calcquiz_home / "calcquiz.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = reviews(calcquiz_home)

    def tiny_file_limit() -> None:  # files may not grow past 2 KB: a "full disk"
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

    result = subprocess.run(
        [*CLI, "study", "--cram"],
        input=study_keys(3),
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=tiny_file_limit,
    )
    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith(f"Error: cannot write {db}")
    assert result.stderr.count("\n") == 1
    assert reviews(calcquiz_home) == before
    assert integrity(calcquiz_home) == "ok"


def _read_only_runner(folder: Path) -> list[str] | None:
    """A command prefix that runs with ``folder`` read-only, or None if this machine can't."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        for child in folder.iterdir():
            child.chmod(0o444)
        return []
    if shutil.which("unshare") is None:
        return None
    # root ignores permissions: use a private mount namespace with a read-only bind mount
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        return None
    return [
        "unshare",
        "-m",
        "sh",
        "-c",
        f'mount --bind "{folder}" "{folder}" && mount -o remount,ro,bind "{folder}" && exec "$@"',
        "sh",
    ]


def test_read_only_data_folder_is_a_clean_error(calcquiz_home: Path):
    seeded_home(calcquiz_home)
    conn = sqlite3.connect(calcquiz_home / "calcquiz.db")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = (calcquiz_home / "calcquiz.db").read_bytes()
    prefix = _read_only_runner(calcquiz_home)
    if prefix is None:
        pytest.skip("cannot make a read-only folder here")
    try:
        result = subprocess.run(
            [*prefix, *CLI, "study", "--cram"],
            input=study_keys(1),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        calcquiz_home.chmod(0o755)
        for child in calcquiz_home.iterdir():
            child.chmod(0o644)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("Error: ") and "read-only" in result.stderr
    assert result.stderr.count("\n") == 1
    assert (calcquiz_home / "calcquiz.db").read_bytes() == before


def _open_at_once(path: str, barrier, results) -> None:
    from calcquiz.store import open_store

    barrier.wait()
    try:
        with open_store(Path(path)) as store:
            store.conn.execute("SELECT 1")
        results.put("ok")
    except Exception as exc:  # reported to the test, which names it
        results.put(repr(exc))


@pytest.mark.slow
def test_several_processes_creating_the_store_at_once_all_open_it(tmp_path: Path):
    """A new file is put in WAL mode by whichever process comes first; SQLite refused the
    others at once with "database is locked" (16 of 600 opens here) instead of waiting."""
    import multiprocessing

    context = multiprocessing.get_context("spawn" if sys.platform == "darwin" else "fork")
    outcomes = []
    for trial in range(40):
        path = tmp_path / f"t{trial}" / "calcquiz.db"
        path.parent.mkdir()
        barrier, results = context.Barrier(4), context.Queue()
        procs = [
            context.Process(target=_open_at_once, args=(str(path), barrier, results))
            for _ in range(4)
        ]
        for p in procs:
            p.start()
        outcomes += [results.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=60)
    assert [o for o in outcomes if o != "ok"] == []
