"""Writing an export file: atomically, and never over an existing file unless asked."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from calcquiz.errors import BadInputError, ExportError


class OutputExistsError(BadInputError):
    """The output file exists and overwriting it was not asked for."""


def refuse_existing(path: Path) -> None:
    """Raise OutputExistsError if something is at ``path``."""
    if path.exists() or path.is_symlink():
        raise OutputExistsError(f"{path} already exists; pass --force to overwrite it")


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
