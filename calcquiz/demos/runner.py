"""Finding a demo by name or by card, and running it with the card it belongs to.

The card behind a demo comes from the deck: the first card (in deck order) whose ``demo``
field names it. For a demo's name and the default decks that is the bundled deck's card,
which the registry knows (:func:`resolve_default`): no deck is read. Nothing here imports
numpy or rich; the demo's module is imported when it runs. Showing a run is the view's
(:func:`calcquiz.ui.demo_view.render`, and ``run_for_study`` for the study screen).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from calcquiz.demos import DEMO_NAMES, REGISTRY, DemoInfo
from calcquiz.errors import BadInputError

if TYPE_CHECKING:
    from calcquiz.demos.core import DemoRun


# What is read here of calcquiz.content's Card and Deck: the demos know no more of decks
# (content imports the demos' names to check a deck's ``demo`` fields, never the reverse).
class Card(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def number(self) -> int: ...
    @property
    def deck(self) -> str: ...
    @property
    def demo(self) -> str | None: ...


class Deck(Protocol):
    @property
    def cards(self) -> Sequence[Card]: ...
    @property
    def by_id(self) -> Mapping[str, Card]: ...


def cards_by_demo(decks: Sequence[Deck]) -> dict[str, Card]:
    """For each demo some card names, the first such card across ``decks``."""
    found: dict[str, Card] = {}
    for deck in decks:
        for card in deck.cards:
            if card.demo and card.demo not in found:
                found[card.demo] = card
    return found


def resolve(key: str, decks: Sequence[Deck]) -> tuple[DemoInfo, Card | None]:
    """The demo ``key`` names: a demo's name, or the number or id of a card in ``decks``
    (its ``demo`` field). Also the card it belongs to, if any. A demo's name wins over a
    card id spelled the same. Unknown keys raise BadInputError with the closest match."""
    key = key.strip()
    if key in REGISTRY:
        return REGISTRY[key], cards_by_demo(decks).get(key)
    card = _card(key, decks)
    if card is None:
        raise BadInputError(unknown_demo(key, decks))
    return demo_of(card), card


def demo_of(card: Card) -> DemoInfo:
    """The demo ``card``'s ``demo`` field names; BadInputError if it names none we have."""
    if not card.demo:
        raise BadInputError(f"card {card.number} ({card.id}) has no demo")
    if card.demo not in REGISTRY:
        raise BadInputError(f"card {card.number} names demo {card.demo!r}, which this version "
                            "of calcquiz does not have")
    return REGISTRY[card.demo]


def resolve_default(key: str) -> tuple[DemoInfo, int] | None:
    """The demo ``key`` names and its card's number when ``key`` is a demo's name and the
    decks are the default ones (the bundled deck first, then the config's): the bundled
    deck's card, from the registry. None when only the decks can tell (a card's number or
    id, or an unknown key)."""
    info = REGISTRY.get(key.strip())
    return None if info is None else (info, info.card)


def _card(key: str, decks: Sequence[Deck]) -> Card | None:
    from calcquiz.card_keys import card_number

    number = card_number(key)
    if number is not None:
        matches = [c for d in decks for c in d.cards if c.number == number]
    else:
        matches = [d.by_id[key] for d in decks if key in d.by_id]
    if len(matches) > 1:
        named = " or ".join(repr(f"{c.deck}/{key}") for c in matches)
        raise BadInputError(f"{key!r} matches cards in several decks: name one with its deck, "
                            f"{named}")
    return matches[0] if matches else None


def unknown_demo(key: str, decks: Sequence[Deck]) -> str:
    from calcquiz.card_keys import card_number
    from calcquiz.suggest import did_you_mean

    if card_number(key) is not None:
        numbers = sorted(c.number for d in decks for c in d.cards if c.demo)
        span = f" (cards with a demo: {numbers[0]}..{numbers[-1]})" if numbers else ""
        shown = key if len(key) <= 30 else f"{key[:20]}... ({len(key)} digits)"
        return f"no card {shown} in the deck{span}"
    ids = [c.id for d in decks for c in d.cards if c.demo]
    hint = did_you_mean(key, [*DEMO_NAMES, *ids])
    return f"unknown demo or card {key!r}{hint} (`calcquiz demo` lists them)"


def start(info: DemoInfo, card: int | None, **given: Any) -> DemoRun:
    """The demo run with the options ``given``, labelled with its card's number."""
    run = info.run(**given)
    run.card = card
    return run
