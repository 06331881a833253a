"""Where Anki keeps its collections: ``<base>/<profile>/collection.anki2``.

The base folder is Anki's own default on each platform (what Anki 2.1+ uses when no
``-b`` is given): ``%APPDATA%\\Anki2`` on Windows, ``~/Library/Application Support/Anki2``
on macOS, ``$XDG_DATA_HOME/Anki2`` (``~/.local/share/Anki2``) elsewhere; ``ANKI_BASE``
overrides it, as it does for Anki.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from calcquiz.errors import BadInputError, CalcquizError

COLLECTION_FILE = "collection.anki2"


def anki_base(platform: str = sys.platform, env: Mapping[str, str] | None = None) -> Path:
    """Anki's base folder on ``platform``."""
    env = os.environ if env is None else env
    if env.get("ANKI_BASE"):
        return Path(env["ANKI_BASE"]).expanduser()
    home = Path(env.get("HOME") or Path.home())
    if platform.startswith("win"):
        appdata = env.get("APPDATA")
        return Path(appdata) / "Anki2" if appdata else home / "AppData" / "Roaming" / "Anki2"
    if platform == "darwin":
        return home / "Library" / "Application Support" / "Anki2"
    xdg = env.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else home / ".local" / "share") / "Anki2"


def profiles(base: Path) -> list[str]:
    """The profiles in ``base``: its folders that hold a collection, by name."""
    try:
        return sorted(p.name for p in base.iterdir() if (p / COLLECTION_FILE).is_file())
    except OSError:
        return []


def default_collection(profile: str | None = None, base: Path | None = None) -> Path:
    """The collection of ``profile``, or of the only profile there is."""
    base = anki_base() if base is None else base
    found = profiles(base)
    if profile is not None:
        if profile not in found:
            have = f" (profiles: {', '.join(found)})" if found else ""
            raise BadInputError(f"no Anki profile {profile!r} in {base}{have}")
        return base / profile / COLLECTION_FILE
    if not found:
        raise CalcquizError(
            f"no Anki collection in {base}: give its path "
            f"(calcquiz sync anki PATH/{COLLECTION_FILE})"
        )
    if len(found) > 1:
        raise BadInputError(
            f"{base} holds several Anki profiles ({', '.join(found)}): "
            "choose one with --profile NAME"
        )
    return base / found[0] / COLLECTION_FILE
