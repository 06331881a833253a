"""`calcquiz drill` in a real terminal (tmux): typed lines, what a person sees."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from .helpers import calcquiz_command

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Terminal:
    def __init__(self, command: str, cwd: Path):
        self.socket = f"calcquiz-drill-{uuid.uuid4().hex[:8]}"
        self.tmux("new-session", "-d", "-s", "t", "-x", "80", "-y", "40", "-c", str(cwd),
                  f"{command}; echo EXIT=$?; sleep 600")  # fmt: skip

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        ).stdout

    def type(self, line: str) -> None:
        self.tmux("send-keys", "-t", "t", "-l", line)
        self.tmux("send-keys", "-t", "t", "Enter")

    def wait_for(self, text: str, count: int = 1, timeout: float = 30) -> str:
        deadline = time.time() + timeout
        while True:
            screen = self.tmux("capture-pane", "-p", "-t", "t", "-S", "-200")
            if screen.count(text) >= count:
                return screen
            if time.time() > deadline:
                raise AssertionError(f"{text!r} x{count} never appeared:\n{screen}")
            time.sleep(0.05)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def test_a_person_answers_asks_a_hint_and_skips(cli, calcquiz_home: Path, tmp_path: Path):
    args = ["drill", "newton", "-n", "2", "--seed", "2"]
    first, _ = json.loads(cli(*args, "--json").stdout)
    t = Terminal(calcquiz_command(calcquiz_home, *args), tmp_path)
    try:
        screen = t.wait_for("answer>")
        assert "Drill 1/2 · newton" in screen and "3 significant figures" in screen
        t.type(format(first["answer"], ".3g"))  # what a person would type: 3 figures
        screen = t.wait_for("Drill 2/2")
        assert "✓ Correct" in screen and "f''(x) =" in screen
        t.type("?")
        t.wait_for("Hint: x_new = x - f'(x)/f''(x)")
        t.type("s")
        screen = t.wait_for("EXIT=0")
        assert "Skipped." in screen and "Worked solution" in screen
        assert "Drill: 1/1 right, 1 skipped" in screen
    finally:
        t.close()
    conn = sqlite3.connect(calcquiz_home / "calcquiz.db")
    rows = conn.execute("SELECT given, correct FROM drill_log ORDER BY id").fetchall()
    conn.close()
    assert rows == [(format(first["answer"], ".3g"), 1), (None, 0)]
