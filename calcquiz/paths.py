"""Where calcquiz keeps its files: ``$CALCQUIZ_HOME`` if set, else the user data folder."""

from __future__ import annotations

import errno
import os
from pathlib import Path

DB_NAME = "calcquiz.db"
NAME_MAX = 255  # bytes in one path component on every file system calcquiz targets


def data_dir() -> Path:
    """``$CALCQUIZ_HOME`` if set, else the platform's user data folder for calcquiz.

    A ``CALCQUIZ_HOME`` no file system can hold (a name over 255 bytes) raises StoreError."""
    home = os.environ.get("CALCQUIZ_HOME")
    if home:
        path = Path(home).expanduser()
        if any(len(os.fsencode(part)) > NAME_MAX for part in path.parts):
            from calcquiz.errors import StoreError

            raise StoreError(
                f"CALCQUIZ_HOME has a folder name longer than {NAME_MAX} bytes; "
                "set it to a shorter path"
            )
        return path
    import platformdirs

    return Path(platformdirs.user_data_dir("calcquiz", appauthor=False))


def db_path() -> Path:
    return data_dir() / DB_NAME


def deck_cache_dir() -> Path:
    return data_dir() / "cache" / "decks"


def describe_os_error(exc: OSError, path: Path | str | None = None) -> str:
    """One line for a file-system error, naming the file and, where it helps, what to do."""
    where = path if path is not None else exc.filename
    if where is not None and len(str(where)) > 200:  # e.g. a 100 KB name: not echoed whole
        where = f"{str(where)[:100]}... ({len(str(where))} characters)"
    what = exc.strerror or str(exc)
    hint = {
        errno.EACCES: "check its permissions or set CALCQUIZ_HOME to a folder you own",
        errno.EPERM: "check its permissions or set CALCQUIZ_HOME to a folder you own",
        errno.ENAMETOOLONG: "use a shorter path",
        errno.ENOSPC: "free some disk space",
        errno.EROFS: "the file system is read-only",
    }.get(exc.errno or 0)
    text = f"cannot use {where}: {what}" if where is not None else what
    return f"{text} ({hint})" if hint else text
