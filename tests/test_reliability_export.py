"""An export killed at any moment never leaves a half-written file at its target path."""

from __future__ import annotations

import random
import signal
import subprocess
import time
import zipfile
from pathlib import Path

from .helpers import CLI


def big_deck(path: Path, cards: int) -> Path:
    lines = ["deck: Kill Test", "cards:"]
    for i in range(1, cards + 1):
        lines += [
            f"  - id: c{i}",
            f"    number: {i}",
            f"    question: Q {i} $x^{{{i}}}$?",
            f"    answer: '**A** {i}: $\\frac{{{i}}}{{x}}$ <b>&</b>'",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_kill_9_during_export_leaves_nothing_or_a_whole_package(tmp_path: Path):
    deck = big_deck(tmp_path / "deck.yaml", 3000)
    rng = random.Random(5)
    for fmt, check in (("apkg", lambda p: zipfile.ZipFile(p).testzip() is None), ("txt", None)):
        target = tmp_path / f"out.{fmt}"
        complete = subprocess.run(
            [*CLI, "export", "anki", "--deck", str(deck), "-o", str(target)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert complete.returncode == 0, complete.stderr
        whole = target.read_bytes() if fmt == "txt" else None
        target.unlink()
        for _ in range(8):
            proc = subprocess.Popen(
                [*CLI, "export", "anki", "--deck", str(deck), "-o", str(target), "--force"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0.2, 2.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if target.exists():  # only ever the finished file
                if check is not None:
                    assert check(target)
                else:
                    assert target.read_bytes() == whole
                target.unlink()
