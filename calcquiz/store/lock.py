"""Who may use the store file at the same time.

Every open :class:`~calcquiz.store.Store` holds a *shared* lock on the file for as long as
it is open, so any number of sessions and commands work side by side (SQLite's own
locking orders their writes). ``calcquiz check --repair`` takes the *exclusive* lock: it
rewrites card states from a scan of the whole file, and may replace the file with one
rebuilt from its readable rows, so a session writing at the same time would have its
ratings overwritten or written into the replaced file. While any session is open the
repair is refused (nothing changed); while a repair runs, opening the store waits for it.

The lock is ``flock`` on the store file itself (no extra file beside it): it is separate
from SQLite's byte-range locks, and it is released by the kernel when a process dies.
A file replaced while a process waited for its lock is opened again. Where ``fcntl`` is
missing (Windows) there is no lock, and the repair's old advice holds: close other
sessions first.
"""

from __future__ import annotations

import os
import stat
import time
from contextlib import suppress
from pathlib import Path

from calcquiz.errors import StoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

POLL_S = 0.02


class FileLock:
    """A held lock; :meth:`release` (or closing the process) lets it go."""

    def __init__(self, fd: int | None):
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the only descriptor of the open file unlocks it
            self.fd = None

    def discard_if_alone(self, path: Path) -> None:
        """Remove the file this lock is on (and its -wal and -shm) if no other process has
        it open: for a store this process began to create and could not finish."""
        if self.fd is None or fcntl is None or not _same_file(self.fd, path):
            return
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # another process is creating it too, and may well finish
        for made in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            with suppress(OSError):
                made.unlink(missing_ok=True)

    def __enter__(self) -> FileLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def hold(path: Path, *, exclusive: bool, wait_s: float) -> FileLock:
    """Lock ``path`` (creating it empty if it is missing), waiting up to ``wait_s``.

    Raises StoreError with one line saying who holds it when the wait runs out."""
    if fcntl is None:  # pragma: no cover - Windows
        return FileLock(None)
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    deadline = time.monotonic() + wait_s
    while True:
        fd = _open(path)
        try:
            while True:
                try:
                    fcntl.flock(fd, mode | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise StoreError(_busy(path, exclusive)) from None
                    time.sleep(POLL_S)
            if _same_file(fd, path):
                return FileLock(fd)
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # a repair replaced the file while we waited: lock the new one


def _open(path: Path) -> int:
    # O_NONBLOCK: a FIFO put there since the store was classified does not hang the open.
    flags = os.O_RDONLY | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        from calcquiz.store.schema import os_error

        raise os_error(path, exc) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise StoreError(f"{path} is not a regular file, so not a calcquiz database")
    return fd


def _same_file(fd: int, path: Path) -> bool:
    try:
        now = os.stat(path)
    except OSError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)


def _busy(path: Path, exclusive: bool) -> str:
    if exclusive:
        return (
            f"{path} is open in another calcquiz process (a study session?); close it, then "
            "run `calcquiz check --repair` again (nothing was changed)"
        )
    return f"{path} is being repaired by `calcquiz check --repair`; try again when it is done"
