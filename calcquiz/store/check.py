"""``calcquiz check``: verify the progress database, and repair it (like Anki's Check Database).

Checked, in order: SQLite's ``integrity_check``; the schema (through
:func:`calcquiz.store.classify`); every row's values (a known state, finite numbers in
range, dates in range, readable JSON); and that each card's saved state is the one its
latest logged rating recorded (:func:`calcquiz.store.scan.differences`: not a replay
through today's settings, which may have changed since).

``repair`` first copies the file beside itself (``calcquiz.db.bak-<timestamp>``), then
keeps each rating whose rating and time are intact, rebuilding its broken saved states
(:mod:`calcquiz.store.mend`), removes rows it cannot use, rebuilds each inconsistent
card's state from its log (or, with no usable log, makes it new again), and reports each
change. A file with damaged
pages, or cut short, is rebuilt from the rows that can still be read. No terminal here.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calcquiz import store as st
from calcquiz.errors import StoreError
from calcquiz.states import CardState
from calcquiz.store.lock import hold
from calcquiz.store.rows import _FLAG_COLUMNS, _STATE_COLUMNS, _put_state
from calcquiz.store.scan import (
    DRILL_COLUMNS,
    LOG_COLUMNS,
    Scan,
    brief_state,
    differences,
    scan_file,
)
from calcquiz.store.schema import busy_timeout_ms, truncated


@dataclass
class Report:
    path: Path
    problems: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    backup: Path | None = None
    not_replayed: int = 0  # cards whose history was imported from elsewhere
    exists: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------- check and repair


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _card(key: tuple[Any, Any]) -> str:
    return f"card {key[1]!r} of deck {key[0]!r}"


def _problems(scan: Scan, diffs: dict[tuple[str, str], tuple[str, CardState | None]]) -> list[str]:
    lines = list(scan.damaged)
    lines += [f"{_card((d, c))}: {why}" for d, c, why in scan.bad_states]
    lines += [why for _, why in scan.bad_reviews]
    lines += [f"review {m.id} of card {m.card_id!r}: {m.flaws}" for m in scan.mended]
    lines += [why for _, why in scan.bad_drills]
    lines += [
        f"{_card((d, c))}: suspended/buried/leech marks: {why}" for d, c, why in scan.bad_flags
    ]
    lines += [f"{_card(key)}: {why}" for key, (why, _) in diffs.items() if why]
    return lines


def check(path: Path | None = None, repair: bool = False) -> Report:
    """Check the store at ``path`` (default: the user's); with ``repair``, fix it.

    A file that is not a calcquiz store raises StoreError and is left alone. The repair
    holds the file's exclusive lock (:mod:`calcquiz.store.lock`) from its own scan to its
    last write: while another calcquiz process has the store open it raises StoreError
    and changes nothing, so no rating made meanwhile can be overwritten or lost."""
    path = path or st.db_path()
    report = _check(path, repair=False)
    if not (repair and report.problems):
        return report
    with hold(path, exclusive=True, wait_s=busy_timeout_ms() / 1000):
        return _check(path, repair=True)  # scanned again: no one can write now


def _check(path: Path, repair: bool) -> Report:
    report = Report(path)
    try:
        kind = st.classify(path)
    except StoreError:
        if not _cut_short(path):
            raise
        return _check_cut_short(path, repair, report)
    if kind != "store":
        report.exists = False  # nothing studied yet: nothing to check
        return report
    try:
        conn = _read_only(path)
        try:
            scan = scan_file(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read {path}: {exc}") from None
    diffs = {} if scan.damaged else differences(scan)
    report.problems = _problems(scan, diffs)
    report.not_replayed = len(scan.imported)
    if repair and report.problems:
        report.backup = backup(path)
        if scan.damaged:
            report.changes += _salvage(path)
            rescan = _check(path, repair=False)  # the rebuilt file, checked afresh
            if rescan.problems:
                report.changes += _fix_rows(path, *_rescan(path))
        else:
            report.changes += _fix_rows(path, scan, diffs)
    return report


def _cut_short(path: Path) -> bool:
    """An SQLite file shorter than its header says (a copy or a disk that stopped early)."""
    try:
        with open(path, "rb") as fh:
            magic = fh.read(16)
        return magic == b"SQLite format 3\x00" and truncated(path)
    except OSError:
        return False


def _check_cut_short(path: Path, repair: bool, report: Report) -> Report:
    """SQLite will not open a file cut short; a copy padded back to its full length can be
    read, and (after checking it is ours) salvaged from."""
    readable = _patched_copy(path)
    try:
        st.classify(readable)  # not ours: StoreError, and the file is left alone
        size = path.stat().st_size
        report.problems.append(
            f"the file is cut short ({size} bytes, less than its header says); "
            "`calcquiz check --repair` rebuilds it from the rows that remain"
        )
        if repair:
            report.backup = backup(path)
            report.changes += _salvage(path, source=readable)
            if _check(path, repair=False).problems:
                report.changes += _fix_rows(path, *_rescan(path))
    finally:  # the copy, and the -wal and -shm files reading it made beside it
        for made in (readable, Path(f"{readable}-wal"), Path(f"{readable}-shm")):
            made.unlink(missing_ok=True)
    return report


def _patched_copy(path: Path) -> Path:
    """A copy in the temporary folder (nothing is added beside a file that may not be ours)."""
    import shutil
    import tempfile

    fd, name = tempfile.mkstemp(prefix="calcquiz-check-", suffix=".db")
    os.close(fd)
    copy = Path(name)
    shutil.copyfile(path, copy)
    with open(copy, "r+b") as fh:
        header = fh.read(100)
        page_size = int.from_bytes(header[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        pages = int.from_bytes(header[28:32], "big")
        # The missing pages come back as zeros: the schema still names every table, and a
        # read that reaches a lost page fails alone (the salvage skips it).
        fh.truncate(pages * page_size)
    return copy


def _rescan(path: Path) -> tuple[Scan, dict[tuple[str, str], tuple[str, CardState | None]]]:
    conn = _read_only(path)
    try:
        scan = scan_file(conn)
    finally:
        conn.close()
    return scan, differences(scan)


def backup(path: Path) -> Path:
    """A copy of the database (WAL contents included) beside it; returns its path."""
    import shutil

    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.bak-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.bak-{stamp}-{n}")
    try:
        src = _read_only(path)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    except sqlite3.Error:  # too damaged for SQLite to copy: copy the bytes
        for partial in (Path(f"{target}-wal"), Path(f"{target}-shm")):
            partial.unlink(missing_ok=True)
        shutil.copyfile(path, target)
        wal = Path(f"{path}-wal")
        if wal.exists():
            shutil.copyfile(wal, Path(f"{target}-wal"))
    for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        if leftover.exists() and leftover.stat().st_size == 0:  # the copy's own, empty
            leftover.unlink()
    return target


def _fix_rows(
    path: Path,
    scan: Scan,
    diffs: dict[tuple[str, str], tuple[str, CardState | None]],
) -> list[str]:
    """Remove unusable rows and rebuild inconsistent card states, in one transaction."""
    changes: list[str] = []
    with st.open_store(path, check_rows=False, lock=False) as store, store._write() as conn:
        for deck, card_id, _ in scan.bad_states:
            conn.execute("DELETE FROM card_state WHERE deck IS ? AND card_id IS ?", (deck, card_id))
            if (deck, card_id) not in diffs:
                changes.append(f"{_card((deck, card_id))}: removed its unusable state (new)")
        for review_id, why in scan.bad_reviews:
            conn.execute("DELETE FROM review_log WHERE id = ?", (review_id,))
            # its exercise stays a drill answer, no longer linked to a review
            conn.execute("UPDATE drill_log SET review_id = NULL WHERE review_id = ?", (review_id,))
            changes.append(f"removed {why}")
        for m in scan.mended:
            conn.execute(
                "UPDATE review_log SET state_before = ?, state_after = ?, before_json = ?, "
                "after_json = ? WHERE id = ?",
                (m.state_before, m.state_after, m.before_json, m.after_json, m.id),
            )
            changes.append(
                f"review {m.id} of card {m.card_id!r}: kept its rating and time; rebuilt "
                f"{m.rebuilt}"
            )
        for deck, card_id, why in scan.bad_flags:
            conn.execute("DELETE FROM card_flags WHERE deck IS ? AND card_id IS ?", (deck, card_id))
            changes.append(f"{_card((deck, card_id))}: removed its unusable marks ({why})")
        for drill_id, why in scan.bad_drills:
            conn.execute("DELETE FROM drill_log WHERE id = ?", (drill_id,))
            changes.append(f"removed {why}")
        for key, (_, want) in diffs.items():
            if want is None:
                conn.execute("DELETE FROM card_state WHERE deck = ? AND card_id = ?", key)
                changes.append(f"{_card(key)}: no usable review log; reset to new")
            else:
                _put_state(conn, want)
                changes.append(
                    f"{_card(key)}: state rebuilt from its review log ({brief_state(want)})"
                )
    return changes


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


def _salvage(path: Path, source: Path | None = None) -> list[str]:
    """Rebuild a file with damaged pages from the rows of ``source`` (default: the file
    itself) that can be read, then put it in place."""
    tmp = path.with_name(f"{path.name}.salvage")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    changes = []
    src = _read_only(source or path)
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
    for stale in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    os.replace(tmp, path)
    return changes
