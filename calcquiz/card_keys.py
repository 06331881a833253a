"""How a card is named on the command line: by number or by id (``7``, ``adam``).

Shared by the deck model (``show``, ``study``) and the demo finder (``demo 7``), which
import nothing of each other."""

from __future__ import annotations


def card_number(key: str) -> int | None:
    """The card number ``key`` names (``"7"``, ``"007"``), or None if it is not a number.
    A number longer than any card's is -1, which matches no card (``int()`` would refuse
    4,300 digits); ``"²".isdigit()`` is True, but it is not a number here."""
    if not (key.isascii() and key.isdigit()):
        return None
    digits = key.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else -1
