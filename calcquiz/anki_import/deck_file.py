"""The ``--to-deck`` file, written so that a failed import leaves no trace.

The bytes are written and synced to a temporary file beside the target before the store
is touched; the file is put in place as the last step inside the store's transaction,
and taken back (the old file restored under ``--force``) if that transaction does not
commit. Only a kill in the instant between the two leaves the new deck file without
its history; running the import again with ``--force`` completes it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path
from types import TracebackType

from calcquiz.errors import ExportError
from calcquiz.export.files import OutputExistsError, refuse_existing, refuse_special

_PREFIX = ".calcquiz-deck-"  # short: a legal 255-byte deck name still fits beside it


class StagedDeck:
    """``with StagedDeck(path, data, force) as staged:`` writes the temporary file;
    ``staged.place()`` puts it at ``path``; leaving the block without ``staged.keep()``
    (or with an exception) undoes ``place()``."""

    def __init__(self, path: Path, data: bytes, force: bool) -> None:
        self.path, self.data, self.force = path, data, force
        self.tmp: Path | None = None
        self.backup: Path | None = None  # the replaced file, until the import commits
        self.placed = False
        self.kept = False

    def __enter__(self) -> StagedDeck:
        self.tmp = self._write_new(self.data)
        return self

    def place(self) -> None:
        assert self.tmp is not None
        try:
            if self.force:
                refuse_special(self.path)  # again at the last moment: it may have changed
                if self.path.exists():
                    self.backup = self._sibling()
                    _link_or_copy(self.path, self.backup)
                os.replace(self.tmp, self.path)
            else:
                refuse_existing(self.path)
                try:
                    os.link(self.tmp, self.path)
                except FileExistsError:
                    raise OutputExistsError(
                        f"{self.path} already exists; pass --force to overwrite it"
                    ) from None
                except OSError:  # no hard links on this file system
                    refuse_existing(self.path)
                    os.replace(self.tmp, self.path)
        except OSError as exc:
            raise ExportError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self.placed = True

    def keep(self) -> None:
        self.kept = True

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.placed and not (self.kept and kind is None):
            self._take_back()
        for leftover in (self.tmp, self.backup):
            if leftover is not None:
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()

    def _take_back(self) -> None:
        with contextlib.suppress(OSError):
            if self.backup is not None:
                os.replace(self.backup, self.path)
                self.backup = None
            else:
                self.path.unlink()

    def _sibling(self) -> Path:
        return self.path.parent / f"{_PREFIX}{secrets.token_hex(6)}.tmp"

    def _write_new(self, data: bytes) -> Path:
        """A new temporary file beside the target holding ``data``, synced to disk."""
        mode = 0o666 & ~_umask()
        for _ in range(100):
            tmp = self._sibling()
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            except FileExistsError:
                continue
            except OSError as exc:
                raise ExportError(f"cannot write {self.path}: {exc.strerror or exc}") from None
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
            except OSError as exc:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise ExportError(f"cannot write {self.path}: {exc.strerror or exc}") from None
            return tmp
        raise ExportError(f"cannot write {self.path}: no free temporary name beside it")


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
