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

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calcquiz import store as st
from calcquiz.errors import StoreError
from calcquiz.states import CardState
from calcquiz.store.lock import hold
from calcquiz.store.rows import _put_state
from calcquiz.store.salvage import patched_copy, put_in_place, read_only, salvage, sidecars
from calcquiz.store.scan import (
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
        conn = read_only(path)
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
        report.backup, report.changes = _repair(path, None if scan.damaged else (scan, diffs))
    return report


Diffs = dict[tuple[str, str], tuple[str, CardState | None]]


def _repair(
    path: Path, found: tuple[Scan, Diffs] | None, source: Path | None = None
) -> tuple[Path, list[str]]:
    """Back the file up, then fix ``found`` in one transaction; with nothing found (the
    file is damaged or cut short), rebuild it from the readable rows of ``source``
    (default: the file), fix the rebuilt file, and put it in place in one rename.

    All or nothing: if any step fails (a full disk, a file-size limit), every file made
    is removed, the store is as it was, and StoreError says so in one line."""
    made: list[Path] = []
    try:
        saved = backup(path)
        made += sidecars(saved)
        if found is not None:
            return saved, _fix_rows(path, *found)
        rebuilt = path.with_name(f"{path.name}.salvage")
        made += sidecars(rebuilt)
        changes = salvage(source or path, rebuilt)
        scan, diffs = _rescan(rebuilt)  # the rebuilt file, checked afresh
        if _problems(scan, diffs):
            changes += _fix_rows(rebuilt, scan, diffs)
        put_in_place(rebuilt, path)
        return saved, changes
    except (OSError, sqlite3.Error, StoreError) as exc:
        for file in made:
            file.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            from calcquiz.paths import describe_os_error

            reason = describe_os_error(exc)
        else:
            reason = str(exc)
        raise StoreError(f"cannot repair {path}: {reason}; nothing was changed") from None


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
    readable = patched_copy(path)
    try:
        st.classify(readable)  # not ours: StoreError, and the file is left alone
        size = path.stat().st_size
        report.problems.append(
            f"the file is cut short ({size} bytes, less than its header says); "
            "`calcquiz check --repair` rebuilds it from the rows that remain"
        )
        if repair:
            report.backup, report.changes = _repair(path, None, source=readable)
    finally:  # the copy, and the -wal and -shm files reading it made beside it
        for made in (readable, Path(f"{readable}-wal"), Path(f"{readable}-shm")):
            made.unlink(missing_ok=True)
    return report


def _rescan(path: Path) -> tuple[Scan, Diffs]:
    conn = read_only(path)
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
        try:
            src = read_only(path)
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
        except sqlite3.DatabaseError:  # too damaged for SQLite to copy: copy the bytes
            for partial in sidecars(target)[1:]:
                partial.unlink(missing_ok=True)
            shutil.copyfile(path, target)
            wal = Path(f"{path}-wal")
            if wal.exists():
                shutil.copyfile(wal, Path(f"{target}-wal"))
    except BaseException as exc:  # no half-made backup is left
        for partial in sidecars(target):
            partial.unlink(missing_ok=True)
        if isinstance(exc, (OSError, sqlite3.Error)):
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise StoreError(f"cannot write the backup {target}: {why}") from None
        raise
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
