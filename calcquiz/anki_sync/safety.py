"""Refusing what must not be written, and the backup taken before writing.

* One sync at a time: an exclusive lock on ``anki-sync.lock`` in calcquiz's data folder,
  held for the whole sync (the OS drops it when the process dies).
* Anki holds its collection open with SQLite's exclusive locking mode, so while Anki
  runs even a read is refused with "database is locked": that is how a collection in use
  is recognised, before anything is written.
* A damaged file, a collection from a newer Anki (a schema this ``anki`` package cannot
  open), or a folder that cannot be written are refused the same way.
* The backup is a consistent copy of the collection (SQLite's ``VACUUM INTO`` through
  the open collection) in ``anki-backups`` in calcquiz's data folder; the last
  :data:`KEEP_BACKUPS` are kept.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from calcquiz.errors import BadInputError, CalcquizError
from calcquiz.paths import data_dir

# The newest collection schema Anki 26.9 (rslib's SCHEMA_MAX_VERSION) opens.
NEWEST_SCHEMA = 18
KEEP_BACKUPS = 5
INSTALL_HINT = "sync anki needs the anki package: pip install 'calcquiz[anki]'"


class SyncRefused(CalcquizError):
    """The collection cannot be synced now; nothing was written."""


def require_anki() -> None:
    """One line, exit 1, when the optional ``anki`` package is missing."""
    import importlib.util

    if importlib.util.find_spec("anki") is None:
        raise CalcquizError(INSTALL_HINT)


@contextmanager
def sync_lock() -> Iterator[None]:
    """Held while a sync runs; a second sync is refused at once."""
    folder = data_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / "anki-sync.lock", "a+b")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise CalcquizError(f"cannot use {folder}: {exc.strerror or exc}") from None
    try:
        if not _try_lock(handle):
            raise SyncRefused("another calcquiz sync is running; try again when it has finished")
        yield
    finally:
        handle.close()


def _try_lock(handle: Any) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def check_collection(path: Path) -> int:
    """Refuse, with one line, a collection that cannot be synced safely now; else its
    schema version (older than :data:`NEWEST_SCHEMA`: opening it upgrades it)."""
    if not path.exists():
        raise BadInputError(f"{path}: no such Anki collection")
    if not path.is_file():
        raise BadInputError(f"{path} is not an Anki collection file (collection.anki2)")
    import zipfile

    if zipfile.is_zipfile(path):
        raise BadInputError(
            f"{path} is an Anki package, not a collection: 'calcquiz import anki' reads "
            "packages; sync needs the collection file (collection.anki2)"
        )
    if not os.access(path, os.R_OK | os.W_OK) or not os.access(path.parent, os.W_OK):
        raise SyncRefused(f"cannot write {path}: the file or its folder is read-only")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0)
    except sqlite3.Error as exc:
        raise SyncRefused(f"cannot open {path}: {exc}") from None
    try:
        conn.create_collation("unicase", _unicase)  # Anki's, which its indexes use
        conn.execute("PRAGMA query_only = ON")
        ok = conn.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            raise SyncRefused(f"{path} is damaged ({ok}); in Anki, run Tools > Check Database")
        version = conn.execute("SELECT ver FROM col").fetchone()[0]
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            raise SyncRefused(
                f"Anki has {path} open: close Anki (or switch it to another profile), "
                "then sync again"
            ) from None
        raise SyncRefused(f"{path} is not a readable Anki collection ({exc})") from None
    except (sqlite3.DatabaseError, TypeError) as exc:
        raise SyncRefused(f"{path} is not a readable Anki collection ({exc})") from None
    finally:
        conn.close()
    if not isinstance(version, int) or version > NEWEST_SCHEMA:
        raise SyncRefused(
            f"{path} was written by a newer Anki (schema {version}); update the anki "
            "package: pip install -U 'calcquiz[anki]'"
        )
    return version


def _unicase(a: str, b: str) -> int:
    x, y = a.casefold(), b.casefold()
    return (x > y) - (x < y)


def open_collection(path: Path) -> Any:
    """The collection, opened (and so locked) by the official ``anki`` package."""
    from anki.collection import Collection
    from anki.errors import DBError

    try:
        return Collection(str(path))
    except DBError as exc:
        text = str(exc).splitlines()[0] if str(exc) else "in use"
        if "already open" in text:
            raise SyncRefused(
                f"Anki has {path} open: close Anki (or switch it to another profile), "
                "then sync again"
            ) from None
        raise SyncRefused(f"the anki package cannot open {path}: {text}") from None
    except Exception as exc:  # the backend's errors share no base class beyond this
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SyncRefused(f"the anki package cannot open {path}: {text}") from None


def backup_folder() -> Path:
    return data_dir() / "anki-backups"


def back_up(col: Any, path: Path, now: float | None = None) -> Path:
    """A consistent copy of the open collection; the oldest beyond :data:`KEEP_BACKUPS`
    are removed. A failed backup removes its partial file and refuses the sync."""
    return _backed_up(path, now, lambda target: col.db.execute("VACUUM INTO ?", str(target)))


def copy_closed(path: Path, target: Path) -> None:
    """A consistent copy of a collection nobody holds open (SQLite's online backup)."""
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()


def back_up_closed(path: Path, now: float | None = None) -> Path:
    """:func:`back_up` for a collection not yet opened (before opening upgrades it)."""
    return _backed_up(path, now, lambda target: copy_closed(path, target))


def _backed_up(path: Path, now: float | None, write: Any) -> Path:
    folder = backup_folder()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if now is None else now))
    target = folder / f"{path.parent.name}-{stamp}.anki2"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.parent.name}-{stamp}-{n}.anki2"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write(target)
    except Exception as exc:  # OSError, sqlite3.Error, the anki backend's DBError (disk full)
        with contextlib.suppress(OSError):
            target.unlink(missing_ok=True)
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SyncRefused(
            f"cannot back up the collection to {target} ({why}); nothing was written"
        ) from None
    _prune(folder, path.parent.name)
    return target


def _prune(folder: Path, profile: str) -> None:
    ours = sorted(
        (p for p in folder.glob(f"{profile}-*.anki2") if p.is_file()),
        key=lambda p: p.stat().st_mtime_ns,
    )
    for old in ours[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)
