"""Rebuilding a store with damaged pages, or cut short, from the rows that can still be
read: walking each table past unreadable pages, into a new file that replaces the old one
in a single rename. Used by :mod:`calcquiz.store.check`'s repair; no terminal here."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from calcquiz import store as st
from calcquiz.errors import StoreError
from calcquiz.store.rows import _FLAG_COLUMNS, _STATE_COLUMNS
from calcquiz.store.scan import DRILL_COLUMNS, LOG_COLUMNS


def read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


_TABLES = (
    ("card_state", _STATE_COLUMNS, None),
    ("review_log", f"{LOG_COLUMNS}, kind", "id"),  # kind, review_id: schema 4 on
    ("drill_log", f"{DRILL_COLUMNS}, review_id", "id"),
    ("card_flags", _FLAG_COLUMNS, None),
)
MAX_SKIPS = 4096  # failed reads in a row before giving up on the rest of a table
MAX_STEP = 1024


def _readable(
    src: sqlite3.Connection, table: str, columns: str, key: str | None
) -> tuple[list[tuple], bool]:
    """The rows of ``table`` that can still be read, and whether any could not."""
    rows: list[tuple] = []
    if key is None:
        try:
            for row in src.execute(f"SELECT {columns} FROM {table}"):
                rows.append(row)
            return rows, False
        except sqlite3.DatabaseError:
            return rows, True
    # Walk by id past damaged pages: on a failure jump ahead, further each time (up to
    # MAX_STEP ids), until past the largest id (when even that cannot be read: until
    # MAX_SKIPS failures in a row).
    try:
        largest = src.execute(f"SELECT MAX({key}) FROM {table}").fetchone()[0]
    except sqlite3.DatabaseError:
        largest = None
    last, step, skips, lost = 0, 1, 0, False
    while skips < MAX_SKIPS and (largest is None or last < largest):
        try:
            for row in src.execute(
                f"SELECT {columns} FROM {table} WHERE {key} > ? ORDER BY {key}", (last,)
            ):
                rows.append(row)
                last, step, skips = row[0], 1, 0
            return rows, lost
        except sqlite3.DatabaseError:
            lost = True
            last, step, skips = last + step, min(step * 2, MAX_STEP), skips + 1
    return rows, True


def _present(src: sqlite3.Connection, table: str, wanted: str) -> str:
    """The ``wanted`` columns that ``table`` has in ``src`` (an older store lacks the newer
    ones; the rebuilt file gives them their defaults)."""
    try:
        have = {row[1] for row in src.execute(f"PRAGMA table_info({table})")}
    except sqlite3.DatabaseError:
        have = set()
    names = [c for c in wanted.split(", ") if c in have]
    return ", ".join(names) if names else wanted


def salvage(source: Path, tmp: Path) -> list[str]:
    """Build ``tmp``, a new store, from the rows of ``source`` that can be read."""
    for leftover in sidecars(tmp):
        leftover.unlink(missing_ok=True)
    changes = []
    src = read_only(source)
    try:
        with st.open_store(tmp, check_rows=False, lock=False) as new, new._write() as conn:
            for table, wanted, key in _TABLES:
                columns = _present(src, table, wanted)
                rows, lost = _readable(src, table, columns, key)
                marks = ", ".join("?" * len(columns.split(", ")))
                before = conn.total_changes
                conn.executemany(  # OR IGNORE: a row the schema refuses is not copied
                    f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})", rows
                )
                copied = conn.total_changes - before
                changes.append(
                    f"{table}: copied {copied} readable rows to a rebuilt file"
                    + ("; an unreadable part was lost" if lost or copied < len(rows) else "")
                )
    finally:
        src.close()
    return changes


def sidecars(path: Path) -> tuple[Path, Path, Path]:
    """The file and the -wal and -shm files SQLite keeps beside it."""
    return path, Path(f"{path}-wal"), Path(f"{path}-shm")


def put_in_place(rebuilt: Path, path: Path) -> None:
    """Replace ``path`` with the store ``rebuilt``, in one rename. The rebuilt file is
    first made whole (its WAL written into it and removed: a rename moves the file only);
    then the old file's -wal and -shm go, which would otherwise be read with the new one."""
    conn = sqlite3.connect(rebuilt, isolation_level=None)
    try:
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    finally:
        conn.close()
    if mode != "delete" or Path(f"{rebuilt}-wal").exists():
        raise StoreError(f"cannot finish writing {rebuilt}")
    os.replace(rebuilt, path)
    for stale in sidecars(path)[1:]:
        stale.unlink(missing_ok=True)


def patched_copy(path: Path) -> Path:
    """A copy in the temporary folder (nothing is added beside a file that may not be ours)."""
    import shutil
    import tempfile

    fd, name = tempfile.mkstemp(prefix="calcquiz-check-", suffix=".db")
    os.close(fd)
    copy = Path(name)
    try:
        shutil.copyfile(path, copy)
        with open(copy, "r+b") as fh:
            header = fh.read(100)
            page_size = int.from_bytes(header[16:18], "big")
            page_size = 65536 if page_size == 1 else page_size
            pages = int.from_bytes(header[28:32], "big")
            # The missing pages come back as zeros: the schema still names every table, and
            # a read that reaches a lost page fails alone (the salvage skips it).
            fh.truncate(pages * page_size)
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return copy
