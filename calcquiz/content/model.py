"""The deck model: cards, decks, the problems validation finds, and finding a card."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from calcquiz.errors import DeckError
from calcquiz.suggest import did_you_mean

_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


class Card(NamedTuple):
    """One flashcard. ``id`` is the stable key for progress; ``number`` its position.

    A NamedTuple rather than a frozen dataclass: as immutable, and made three times
    faster, which ``list`` and ``export`` of 100,000 cards feel."""

    id: str
    number: int
    question: str
    answer: str
    tags: tuple[str, ...] = ()
    demo: str | None = None
    note: str | None = None
    deck: str = ""

    def one_line(self) -> str:
        """The question on one line (its whitespace collapsed, math as written), then the
        tags as ``#tag``: a card as ``list`` writes it to a pipe."""
        line = " ".join(self.question.split())
        return line + "  #" + " #".join(self.tags) if self.tags else line

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text (non-ASCII as is), as ``list --json`` writes it."""
        return _JSON(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {
            "deck": self.deck,
            "id": self.id,
            "number": self.number,
            "question": self.question,
            "answer": self.answer,
            "tags": list(self.tags),
            "demo": self.demo,
            "note": self.note,
        }


@dataclass(frozen=True)
class Deck:
    """A validated deck; ``cards`` are in ``number`` order, ``by_id`` is built once here."""

    name: str
    cards: Sequence[Card]  # a tuple; cache.LazyCards for a deck read from the cache
    path: Path | None = None
    description: str | None = None
    # card id -> the guid of the Anki note it came from (``import anki --to-deck``)
    anki_guids: Mapping[str, str] = field(default_factory=dict, hash=False)
    by_id: Mapping[str, Card] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # LazyCards index their ids without making a card; a tuple is indexed here.
        lazy_index = getattr(self.cards, "lazy_index", None)
        by_id = lazy_index() if lazy_index is not None else {c.id: c for c in self.cards}
        object.__setattr__(self, "by_id", by_id)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a deck file, located as precisely as we can."""

    path: str
    message: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    card: str | None = None  # "card 'chain-rule'" or "card #3"

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        parts = [where]
        if self.card:
            parts.append(self.card)
        parts.append(self.message)
        return ": ".join(parts)


class DeckValidationError(DeckError):
    """A deck failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        first = str(self.problems[0])
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problem{'s' * (more > 1)})" if more else ""))


def card_number(key: str) -> int | None:
    """The card number ``key`` names (``"7"``, ``"007"``), or None if it is not a number.
    A number longer than any card's is -1, which matches no card (``int()`` would refuse
    4,300 digits); ``"²".isdigit()`` is True, but it is not a number here."""
    if not (key.isascii() and key.isdigit()):
        return None
    digits = key.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else -1


def find_card(decks: Sequence[Deck], key: str) -> Card:
    """A card by id or by number across the decks; ambiguous or unknown keys are errors."""
    key = key.strip()
    number = card_number(key)
    if number is not None:
        matches = [c for d in decks for c in d.cards if c.number == number]
    else:
        matches = [d.by_id[key] for d in decks if key in d.by_id]
    if not matches:
        all_ids = [c.id for d in decks for c in d.cards]
        suffix = "" if key.isdigit() or len(key) > 200 else did_you_mean(key, all_ids)
        shown = repr(key) if len(key) <= 60 else f"{key[:30]!r}... ({len(key)} characters)"
        raise DeckError(f"no card {shown} in {', '.join(repr(d.name) for d in decks)}{suffix}")
    if len(matches) > 1:
        raise DeckError(
            f"{key!r} matches cards in several decks ({', '.join(c.deck for c in matches)}); "
            "pick one with --deck"
        )
    return matches[0]
