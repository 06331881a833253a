"""An export killed at any moment never leaves a half-written file at its target path."""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from .helpers import CLI

pytestmark = pytest.mark.slow  # exports in real processes, killed or limited


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


@pytest.mark.slow
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


# ---------------------------------------------------------------- exports of hostile input


def hostile_deck(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.yaml"
    path.write_text(
        "deck: Hostile\n"
        "description: '<script>alert(1)</script> & <b>bold</b>'\n"
        "cards:\n"
        "  - id: one\n    number: 1\n    question: Q?\n    answer: A.\n"
    )
    return path


def test_a_deck_description_reaches_anki_as_text(tmp_path: Path):
    """Imported with the official anki package: the description shows its tags as text."""
    from .helpers import import_apkg, open_collection

    out = tmp_path / "out.apkg"
    result = subprocess.run(
        [*CLI, "export", "anki", "--deck", str(hostile_deck(tmp_path)), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, out)
        deck = col.decks.by_name("Hostile")
        assert deck is not None
        assert deck["desc"] == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
    finally:
        col.close()


def special_targets(tmp_path: Path) -> list[Path]:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    folder_link = tmp_path / "link-to-null"
    folder_link.symlink_to("/dev/null")
    return [fifo, folder_link, Path("/dev/null")]


def test_force_never_replaces_something_that_is_not_a_regular_file(tmp_path: Path):
    for target in special_targets(tmp_path):
        kind = os.stat(target).st_mode
        result = subprocess.run(
            [*CLI, "export", "anki", "-o", str(target), "--force"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2, (target, result.stderr)
        assert "not a regular file" in result.stderr and result.stderr.count("\n") == 1
        assert os.stat(target).st_mode == kind  # still the FIFO or the device
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("fmt", ["apkg", "txt"])
def test_a_file_size_limit_while_building_is_a_clean_error(tmp_path: Path, fmt: str):
    """`ulimit -f` (RLIMIT_FSIZE) as a disk that fills up while the collection is built."""

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    deck = big_deck(tmp_path / "deck.yaml", 300)
    target = tmp_path / f"out.{fmt}"
    result = subprocess.run(
        [*CLI, "export", "anki", "--deck", str(deck), "-o", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=small_files,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert not target.exists() and not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("force", [False, True])
def test_a_file_name_too_long_is_a_clean_error(tmp_path: Path, force: bool):
    target = tmp_path / ("n" * 300 + ".apkg")
    result = subprocess.run(
        [*CLI, "export", "anki", "-o", str(target), *(["--force"] if force else [])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "File name too long" in result.stderr and result.stderr.count("\n") == 1
