"""Helpers shared by the tests that drive calcquiz in a subprocess."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

CLI = [sys.executable, "-m", "calcquiz"]


def reviews(home: Path) -> list[tuple]:
    """(card_id, rating, reviewed_at, state_after) of every logged rating."""
    db = home / "calcquiz.db"
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT card_id, rating, reviewed_at, state_after FROM review_log ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def integrity(home: Path) -> str:
    conn = sqlite3.connect(home / "calcquiz.db")
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


class Session:
    """A piped `calcquiz study` whose output is read as it arrives."""

    PROMPT = "Space/Enter show answer"

    def __init__(self, *args: str, **popen):
        self.proc = subprocess.Popen(
            [*CLI, "study", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            **popen,
        )
        self.out: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.out.append(line)

    def text(self) -> str:
        return "".join(self.out)

    def send(self, keys: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(keys)
        self.proc.stdin.flush()

    def wait_for(self, needle: str, count: int, timeout: float = 20) -> None:
        deadline = time.time() + timeout
        while self.text().count(needle) < count:
            if time.time() > deadline:
                raise AssertionError(f"never saw {needle!r} x{count}:\n{self.text()}")
            time.sleep(0.01)
