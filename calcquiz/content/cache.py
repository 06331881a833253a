"""The validated-deck cache: a deck validated in exactly this form (same bytes) is read
back from JSON, which skips parsing YAML altogether.

Keyed by a hash of the file's bytes, of calcquiz's version and of the validation rules'
own version (``RULES``), so an edited deck, or one checked by older rules, is always
parsed and validated afresh. A cache that cannot be read or written only costs speed.
"""

from __future__ import annotations

import os
from pathlib import Path

from calcquiz.content.model import Card, Deck

KEEP = 16
RULES = "v3"  # bump when validation rules change: v3 refuses control/private-use chars


def key(raw: bytes) -> str:
    import hashlib

    from calcquiz import __version__

    return hashlib.blake2b(raw + f"{__version__}/{RULES}".encode(), digest_size=16).hexdigest()


def get(entry: str, path: Path) -> Deck | None:
    import json

    from calcquiz.paths import deck_cache_dir

    try:
        data = json.loads((deck_cache_dir() / f"{entry}.json").read_text(encoding="utf-8"))
        name = data["name"]
        cards = tuple(
            Card(i, n, q, a, tuple(t), demo, note, name)
            for i, n, q, a, t, demo, note in data["cards"]
        )
        return Deck(name=name, cards=cards, path=path, description=data["description"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None  # no entry, or an unreadable one: parse the file instead


def put(entry: str, deck: Deck) -> None:
    import json

    from calcquiz.paths import deck_cache_dir

    folder = deck_cache_dir()
    data = {
        "name": deck.name,
        "description": deck.description,
        "cards": [
            [c.id, c.number, c.question, c.answer, list(c.tags), c.demo, c.note] for c in deck.cards
        ],
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{entry}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder / f"{entry}.json")
        entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only costs speed
