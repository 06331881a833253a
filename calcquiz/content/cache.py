"""The validated-deck cache: a deck validated in exactly this form (same bytes) is read
back from JSON, which skips parsing YAML altogether.

Keyed by a hash of the file's bytes, of calcquiz's version and of the validation rules'
own version (``RULES``), so an edited deck, or one checked by older rules, is always
parsed and validated afresh. A cache that cannot be read or written only costs speed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from calcquiz.content.model import Card, Deck

KEEP = 16
RULES = "v3"  # bump when validation rules change: v3 refuses control/private-use chars
LAYOUT = "columns"  # the entry's own layout: cards by column


def key(raw: bytes) -> str:
    import hashlib

    from calcquiz import __version__

    salt = f"{__version__}/{RULES}/{LAYOUT}".encode()
    return hashlib.blake2b(raw + salt, digest_size=16).hexdigest()


def get(entry: str, path: Path) -> Deck | None:
    import json

    from calcquiz.paths import deck_cache_dir

    try:
        data = json.loads((deck_cache_dir() / f"{entry}.json").read_text(encoding="utf-8"))
        name = data["name"]
        cards = LazyCards(name, data["cards"])
        return Deck(name=name, cards=cards, path=path, description=data["description"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None  # no entry, or an unreadable one: parse the file instead


def put(entry: str, deck: Deck) -> None:
    import json

    from calcquiz.paths import deck_cache_dir

    folder = deck_cache_dir()
    cards = deck.cards
    data = {
        "name": deck.name,
        "description": deck.description,
        "cards": {  # by column: a warm start makes cards only as they are needed
            "id": [c.id for c in cards],
            "number": [c.number for c in cards],
            "question": [c.question for c in cards],
            "answer": [c.answer for c in cards],
            "tags": [list(c.tags) for c in cards],
            "demo": [c.demo for c in cards],
            "note": [c.note for c in cards],
        },
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


_COLUMNS = ("id", "number", "question", "answer", "tags", "demo", "note")


class LazyCards(Sequence[Card]):
    """A cached deck's cards (columns as the cache holds them), each Card made the first
    time it is asked for: a study session of a 100,000-card deck makes a few hundred."""

    def __init__(self, deck: str, columns: dict[str, list[Any]]):
        self.deck = deck
        self.columns = [columns[name] for name in _COLUMNS]
        self.ids: list[str] = self.columns[0]
        if any(not isinstance(c, list) or len(c) != len(self.ids) for c in self.columns):
            raise ValueError("cache columns differ in length")
        self._made: list[Card | None] = [None] * len(self.ids)

    def lazy_index(self) -> LazyIndex:
        """``Deck.by_id`` for these cards (see :class:`calcquiz.content.model.Deck`)."""
        return LazyIndex(self)

    def __len__(self) -> int:
        return len(self.ids)

    def _card(self, i: int) -> Card:
        card = self._made[i]
        if card is None:
            card = self._made[i] = self._make(i)
        return card

    def _make(self, i: int) -> Card:
        ids, numbers, questions, answers, tags, demos, notes = self.columns
        return Card(
            ids[i], numbers[i], questions[i], answers[i], tuple(tags[i]), demos[i], notes[i],
            self.deck,
        )

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return tuple(self._card(i) for i in range(len(self))[index])
        return self._card(range(len(self))[index])

    def __iter__(self) -> Iterator[Card]:
        """Every card; those not made yet are made for the caller and not kept, so a pass
        over the deck (``list``, ``export``) holds one card at a time."""
        made = self._made
        return (made[i] or self._make(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))


class LazyIndex(Mapping[str, Card]):
    """``Deck.by_id`` over LazyCards, in deck order: looking an id up makes only that card."""

    def __init__(self, cards: LazyCards):
        self.cards = cards
        self.position = {card_id: i for i, card_id in enumerate(cards.ids)}

    def __getitem__(self, card_id: str) -> Card:
        return self.cards[self.position[card_id]]

    def __contains__(self, card_id: object) -> bool:
        return card_id in self.position

    def __iter__(self) -> Iterator[str]:
        return iter(self.position)

    def __len__(self) -> int:
        return len(self.position)
