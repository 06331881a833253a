"""Where calcquiz keeps its files: ``$CALCQUIZ_HOME`` if set, else the user data folder."""

from __future__ import annotations

import os
from pathlib import Path

DB_NAME = "calcquiz.db"


def data_dir() -> Path:
    """``$CALCQUIZ_HOME`` if set, else the platform's user data folder for calcquiz."""
    home = os.environ.get("CALCQUIZ_HOME")
    if home:
        return Path(home).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("calcquiz", appauthor=False))


def db_path() -> Path:
    return data_dir() / DB_NAME


def deck_cache_dir() -> Path:
    return data_dir() / "cache" / "decks"
