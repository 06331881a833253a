"""The deck model: cards, decks, the problems validation finds, and finding a card."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypedDict

from calcquiz.card_keys import card_number
from calcquiz.errors import DeckError
from calcquiz.suggest import did_you_mean

if TYPE_CHECKING:  # the Anki note records load only where a deck has some
    from calcquiz.content.anki_notes import AnkiNoteRecord, AnkiNoteType

_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


# A claim and its correction share a mark; a card with more than four corrections is refused.
MARKS = ("†", "‡", "§", "¶")


class CorrectionJson(TypedDict):
    mark: str
    claim: str
    correction: str


class CardJson(TypedDict):
    """A card as ``show --json`` prints it (and ``list --json`` before its progress)."""

    deck: str
    id: str
    number: int
    question: str
    answer: str
    tags: list[str]
    demo: str | None
    note: str | None
    corrections: list[CorrectionJson]


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
    # (claim, correction): a sentence of the answer that the note corrects, and the
    # note's sentence that corrects it; each pair is marked † (then ‡, §, ¶) on both.
    corrections: tuple[tuple[str, str], ...] = ()

    def one_line(self) -> str:
        """The question on one line (its whitespace collapsed, math as written), then the
        tags as ``#tag``: a card as ``list`` writes it to a pipe."""
        line = " ".join(self.question.split())
        return line + "  #" + " #".join(self.tags) if self.tags else line

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text (non-ASCII as is), as ``list --json`` writes it."""
        return _JSON(self.to_dict())

    def to_dict(self) -> CardJson:
        return {
            "deck": self.deck,
            "id": self.id,
            "number": self.number,
            "question": self.question,
            "answer": self.answer,
            "tags": list(self.tags),
            "demo": self.demo,
            "note": self.note,
            "corrections": [
                {"mark": mark, "claim": claim, "correction": correction}
                for mark, (claim, correction) in zip(MARKS, self.corrections, strict=False)
            ],
        }

    def marked_answer(self) -> str:
        """The answer with each claim the note corrects marked where it stands: ``… †``."""
        text = self.answer
        for mark, (claim, _) in zip(MARKS, self.corrections, strict=False):
            text = text.replace(claim, f"{claim} {mark}", 1)
        return text

    def marked_note(self) -> str | None:
        """The note with each correction marked as its claim is: ``† …``."""
        text = self.note
        for mark, (_, correction) in zip(MARKS, self.corrections, strict=False):
            text = text.replace(correction, f"{mark} {correction}", 1) if text else text
        return text


@dataclass(frozen=True)
class Deck:
    """A validated deck; ``cards`` are in ``number`` order, ``by_id`` is built once here."""

    name: str
    cards: Sequence[Card]  # a tuple; cache.LazyCards for a deck read from the cache
    path: Path | None = None
    description: str | None = None
    # card id -> the guid of the Anki note it came from (``import anki --to-deck``)
    anki_guids: Mapping[str, str] = field(default_factory=dict, hash=False)
    # the Anki notes the cards came from, whole, and their note types (export anki
    # gives them back to Anki as they were, see content/anki_notes.py)
    anki_note_types: tuple[AnkiNoteType, ...] = ()
    anki_notes: tuple[AnkiNoteRecord, ...] = ()
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


def find_card(decks: Sequence[Deck], key: str) -> Card:
    """A card by id or by number across the decks, or named with its deck as ``DECK/ID``
    or ``DECK/NUMBER`` (``Calculus & Optimization/3``); ambiguous or unknown keys are
    errors. Card ids have no ``/``, so the last one splits the deck's name from the card."""
    key = key.strip()
    deck_name, slash, in_deck = key.rpartition("/")
    if slash:  # "Linear Algebra / 3" reads as "Linear Algebra/3"
        return find_card(_decks_named(decks, deck_name.strip(), key), in_deck)
    number = card_number(key)
    if number is not None:
        matches = [c for d in decks for c in d.cards if c.number == number]
    else:
        matches = [d.by_id[key] for d in decks if key in d.by_id]
    if not matches:
        raise _no_card(decks, key)
    if len(matches) > 1:
        named = " or ".join(repr(f"{c.deck}/{key}") for c in matches)
        raise DeckError(f"{key!r} matches cards in several decks: name one with its deck, {named}")
    return matches[0]


def _no_card(decks: Sequence[Deck], key: str) -> DeckError:
    all_ids = [c.id for d in decks for c in d.cards]
    suffix = "" if key.isdigit() or len(key) > 200 else did_you_mean(key, all_ids)
    in_decks = ", ".join(repr(d.name) for d in decks)
    return DeckError(f"no card {_shown(key)} in {in_decks}{suffix}")


def _decks_named(decks: Sequence[Deck], name: str, key: str) -> list[Deck]:
    """The decks called ``name`` (the deck part of ``key``); DeckError, with a suggestion,
    if there is none."""
    named = [d for d in decks if d.name == name]
    if not named:
        names = [d.name for d in decks]
        hint = "" if len(name) > 200 else did_you_mean(name, names)
        raise DeckError(
            f"no deck named {_shown(name)} in {_shown(key)}{hint} "
            f"(decks: {', '.join(map(repr, names))})"
        )
    return named


def _shown(text: str) -> str:
    """``text`` quoted for an error line, cut when long (a 100 KB argument is not echoed)."""
    return repr(text) if len(text) <= 60 else f"{text[:30]!r}... ({len(text)} characters)"
