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
from calcquiz.content.parse import parse_deck
from calcquiz.content.validate import ID_PATTERN, MAX_CARD_NUMBER

__all__ = [
    "ID_PATTERN", "MAX_CARD_NUMBER", "MAX_DECK_BYTES", "Card", "Deck", "DeckValidationError",
    "Problem", "bundled_content_dir", "bundled_deck_paths", "check_deck",
    "find_card", "load_deck", "load_decks", "parse_deck",
]
