"""Writing an export file: atomically, and never over an existing file unless asked."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from calcquiz.errors import BadInputError, ExportError


class OutputExistsError(BadInputError):
    """The output file exists and overwriting it was not asked for."""


def refuse_existing(path: Path) -> None:
    """Raise OutputExistsError if something is at ``path``."""
    try:
        there = path.exists() or path.is_symlink()
    except OSError as exc:  # e.g. a name longer than the file system allows
        raise ExportError(f"cannot write {path}: {_describe(exc)}") from None
    if there:
        raise OutputExistsError(f"{path} already exists; pass --force to overwrite it")


def refuse_special(path: Path) -> None:
    """``--force`` replaces a regular file only: not a device, FIFO, socket or folder."""
    try:
        special = (path.exists() or path.is_symlink()) and not path.is_file()
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {_describe(exc)}") from None
    if special:
        raise BadInputError(
            f"{path} exists and is not a regular file; --force only replaces files"
        )


@contextmanager
def export_errors(target: Path | None) -> Iterator[None]:
    """A file-system or SQLite failure while an export is built (a full disk, a file size
    limit, a name too long) becomes one ExportError line instead of a traceback."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or target or "the export"
        raise ExportError(f"cannot write {where}: {_describe(exc)}") from None
    except Exception as exc:
        sqlite3 = sys.modules.get("sqlite3")
        if sqlite3 is None or not isinstance(exc, sqlite3.Error):
            raise
        raise ExportError(
            f"cannot build the Anki package: {exc} (is the disk or the temporary folder full?)"
        ) from None


def _describe(exc: OSError) -> str:
    return exc.strerror or str(exc)


def write_atomically(path: Path, data: bytes, *, force: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    Readers see either the old file or the whole new one, never a partial write, and a
    failure leaves no temporary file behind. Without ``force`` an existing file is left
    alone (checked at the moment of linking, so a file that appears meanwhile is safe).
    Raises OutputExistsError (exit 2) or ExportError (exit 1).
    """
    if not force:
        refuse_existing(path)
    else:
        refuse_special(path)
    folder = path.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {_describe(exc)}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        if force:
            refuse_special(path)  # again just before replacing: it may have changed
            os.replace(tmp, path)
        else:
            _link_new(tmp, path)
    except OutputExistsError:
        raise
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {_describe(exc)}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _link_new(tmp: Path, path: Path) -> None:
    """Put ``tmp`` at ``path`` only if nothing is there (the temp file is removed after)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise OutputExistsError(f"{path} already exists; pass --force to overwrite it") from None
    except OSError:  # a file system without hard links: check, then rename
        refuse_existing(path)
        os.replace(tmp, path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
