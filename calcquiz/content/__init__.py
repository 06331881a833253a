"""Decks: the model, reading and validating YAML files, and the validated-deck cache.

* :mod:`.model`: ``Card``, ``Deck``, ``Problem``, ``find_card`` (no YAML, no I/O);
* :mod:`.files`: finding and reading deck files (regular files only, bounded reads) and
  loading them: ``load_decks``, ``load_deck``, ``check_deck``;
* :mod:`.parse`: bytes -> YAML values through a safe loader (``parse_deck``);
* :mod:`.validate`: one checker per field, each problem located;
* :mod:`.cache`: validated decks kept as JSON, keyed by the file's bytes.

Returns errors; never prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from calcquiz.content.files import (
    MAX_DECK_BYTES,
    bundled_content_dir,
    bundled_deck_paths,
    check_deck,
    load_deck,
    load_decks,
)
from calcquiz.content.model import (
    Card,
    Deck,
    DeckValidationError,
    Problem,
    find_card,
)

if TYPE_CHECKING:
    from calcquiz.content.parse import parse_deck
    from calcquiz.content.validate import ID_PATTERN, MAX_CARD_NUMBER

__all__ = [
    "ID_PATTERN", "MAX_CARD_NUMBER", "MAX_DECK_BYTES", "Card", "Deck", "DeckValidationError",
    "Problem", "bundled_content_dir", "bundled_deck_paths", "check_deck",
    "find_card", "load_deck", "load_decks", "parse_deck",
]


def __getattr__(name: str) -> Any:
    """The YAML parser and the validators load on first use: a deck read from the cache
    needs neither."""
    if name == "parse_deck":
        from calcquiz.content.parse import parse_deck

        return parse_deck
    if name in ("ID_PATTERN", "MAX_CARD_NUMBER"):
        from calcquiz.content import validate

        return getattr(validate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
