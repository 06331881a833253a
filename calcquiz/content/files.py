"""Finding and reading deck files, and loading them through validation and the cache.

A deck is read only if it is a regular file: a FIFO would block forever and a device such
as /dev/zero reports size 0 yet never ends. The check is made on the open descriptor (so a
file swapped after the first look is caught too) and reads stop at ``MAX_DECK_BYTES``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from calcquiz.content import cache
from calcquiz.content.model import Deck, DeckValidationError, Problem
from calcquiz.errors import DeckError

# A deck file larger than this is refused before parsing: 20 cards take ~10 kB and a
# 10,000-card deck a few MB, so this only stops accidents and hostile files.
MAX_DECK_BYTES = 32 * 1024 * 1024
_NOT_A_FILE = "is not a regular file (a FIFO, device or socket); a deck must be a file"


def bundled_content_dir() -> Path:
    """Where the bundled decks live: inside the wheel, or ``content/`` in a checkout."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "_bundled_content"
    if packaged.is_dir():
        return packaged
    return package.parent / "content"


def bundled_deck_paths() -> list[Path]:
    folder = bundled_content_dir()
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def load_decks(paths: Iterable[os.PathLike[str] | str] | None = None) -> list[Deck]:
    """Load and validate decks (default: the bundled ones). Raises DeckValidationError."""
    chosen = list(paths) if paths else bundled_deck_paths()
    if not chosen:
        raise DeckError(f"no deck files found in {bundled_content_dir()}")
    decks = [load_deck(p) for p in chosen]
    names: dict[str, Path | None] = {}
    for deck in decks:
        if deck.name in names:
            message = f"deck name {deck.name!r} is also used by {names[deck.name]}"
            raise DeckValidationError([Problem(str(deck.path), message)])
        names[deck.name] = deck.path
    return decks


def load_deck(path: os.PathLike[str] | str, use_cache: bool = True) -> Deck:
    """A valid deck, or DeckValidationError. A deck already validated in exactly this
    form (same bytes) comes from the cache, which skips parsing YAML altogether; if the
    file's stat is the one remembered for those bytes, the file is not even read."""
    where = Path(path)
    before = _stat(where) if use_cache else None
    if before is not None:
        remembered = cache.entry_for_stat(where, before)
        cached = cache.get(remembered, where) if remembered else None
        if cached is not None:
            return cached
    raw, problem = read(path)
    if problem is not None or raw is None:
        raise DeckValidationError([problem or Problem(str(path), "cannot read")])
    entry = cache.key(raw) if use_cache else None
    if entry is not None:
        cached = cache.get(entry, where)
        if cached is not None:
            _remember(where, before, entry)
            return cached
    from calcquiz.content.parse import parse_deck  # YAML and validation: a cache miss only

    deck, problems = parse_deck(raw, str(path), where)
    if problems or deck is None:
        raise DeckValidationError(problems)
    if entry is not None:
        cache.put(entry, deck)
        _remember(where, before, entry)
    return deck


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None  # read() says what is wrong


def _remember(path: Path, before: os.stat_result | None, entry: str) -> None:
    """Remember the entry for the stat taken before reading, if the file has not changed
    since (a write while we read leaves a different stat behind)."""
    after = _stat(path)
    if before is not None and after is not None and cache.same_file_state(before, after):
        cache.remember_stat(path, before, entry)


def check_deck(path: os.PathLike[str] | str) -> tuple[Deck | None, list[Problem]]:
    """Read and validate one deck file; returns the deck (if valid) and every problem found."""
    raw, problem = read(path)
    if problem is not None or raw is None:
        return None, [problem or Problem(str(path), "cannot read")]
    from calcquiz.content.parse import parse_deck

    return parse_deck(raw, str(path), Path(path))


def read(path: os.PathLike[str] | str) -> tuple[bytes | None, Problem | None]:
    """The file's bytes, or the problem that stops us reading them."""
    name = str(path)
    try:
        first = os.stat(path)
        if stat.S_ISDIR(first.st_mode):
            return None, Problem(name, "is a directory, not a deck file")
        if not stat.S_ISREG(first.st_mode):
            return None, Problem(name, _NOT_A_FILE)  # checked before open: a FIFO blocks
        if first.st_size > MAX_DECK_BYTES:
            return None, _too_big(name, first.st_size)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None, Problem(name, _NOT_A_FILE)
            raw = fh.read(MAX_DECK_BYTES + 1)  # bounded by bytes read, not the reported size
    except FileNotFoundError:
        return None, Problem(name, "no such file")
    except IsADirectoryError:
        return None, Problem(name, "is a directory, not a deck file")
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        return None, Problem(name, f"cannot read: {getattr(exc, 'strerror', None) or exc}")
    if len(raw) > MAX_DECK_BYTES:  # it grew after the first look
        return None, _too_big(name, len(raw))
    return raw, None


def _too_big(name: str, size: int) -> Problem:
    return Problem(name, f"file is {size:,} bytes; decks are limited to {MAX_DECK_BYTES:,}")
