"""Time and peak memory of `calcquiz import anki FILE --to-deck` on hostile packages: one
field of 40k `<img `, 150k `\\(`, 45k `[sound:`, a 40 KB nested list, a 60 MB and a
400 MB field, and a 128 KiB zstd bomb of 4 GiB. Each should end in a few seconds with
bounded memory (exit 0, or exit 2 and one line). Needs the official `anki` package.

    python benchmarks/import_anki_hostile.py
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

FIELDS = {
    "40k <img": "<img " * 40_000,
    "150k \\(": "\\(" * 150_000,
    "45k [sound:": "[sound:" * 45_000,
    "40 KB nested list": "<ul><li>" * 5_000 + "x",
    "60 MB field": "x" * (60 << 20),
    "400 MB field": "x" * (400 << 20),
}


def base_collection(folder: Path) -> bytes:
    """A schema-11 collection of two Basic notes, made by Anki itself."""
    from anki.collection import Collection, ExportAnkiPackageOptions
    from anki.generic_pb2 import Empty
    from anki.import_export_pb2 import ExportLimit

    col = Collection(str(folder / "collection.anki2"))
    for front in ("q1", "q2"):
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = front, "a"
        col.add_note(note, 1)
    out = folder / "base.apkg"
    options = ExportAnkiPackageOptions(with_scheduling=True, legacy=True)
    col.export_anki_package(
        out_path=str(out), options=options, limit=ExportLimit(whole_collection=Empty())
    )
    col.close()
    return zipfile.ZipFile(out).read("collection.anki21")


def with_field(base: bytes, field: str, out: Path) -> Path:
    db = out.with_suffix(".sqlite")
    db.write_bytes(base)
    conn = sqlite3.connect(db)
    conn.execute(
        "UPDATE notes SET flds = ? || char(31) || 'a' WHERE id = (SELECT min(id) FROM notes)",
        (field,),
    )
    conn.commit()
    conn.close()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(db, "collection.anki21")
    db.unlink()
    return out


def zstd_bomb(out: Path) -> Path:
    import zstandard

    buffer = io.BytesIO()
    with zstandard.ZstdCompressor(level=19).stream_writer(buffer, closefd=False) as writer:
        chunk = b"\0" * (1 << 24)
        for _ in range(256):
            writer.write(chunk)
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("collection.anki21b", buffer.getvalue())
    return out


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="calcquiz-bench-") as tmp:
        folder = Path(tmp)
        base = base_collection(folder)
        packages = {
            name: with_field(base, field, folder / f"case{i}.apkg")
            for i, (name, field) in enumerate(FIELDS.items())
        }
        packages["zstd bomb (4 GiB)"] = zstd_bomb(folder / "bomb.apkg")
        print(f"{'case':20} {'package':>11} {'exit':>4} {'seconds':>8} {'peak MB':>8}  last line")
        for name, package in packages.items():
            home = folder / f"home-{name}".replace(" ", "_")
            home.mkdir()
            command = [
                "/usr/bin/time", "-f", "%M", sys.executable, "-m", "calcquiz", "import",
                "anki", str(package), "--to-deck", str(home / "deck.yaml"),
            ]
            started = time.perf_counter()
            run = subprocess.run(
                command, capture_output=True, text=True,
                env={**os.environ, "CALCQUIZ_HOME": str(home)},
            )
            seconds = time.perf_counter() - started
            errors = [
                line for line in run.stderr.strip().splitlines()
                if not line.startswith("Command exited")  # /usr/bin/time's own line
            ]
            peak = int(errors[-1]) / 1024 if errors and errors[-1].isdigit() else float("nan")
            last = (errors[:-1] or run.stdout.strip().splitlines() or [""])[-1]
            size = package.stat().st_size
            print(f"{name:20} {size:>11,} {run.returncode:>4} {seconds:>8.2f} {peak:>8.0f}  "
                  f"{last[:110]}")


if __name__ == "__main__":
    main()
