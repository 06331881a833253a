"""The one "did you mean" rule for every unknown name (demo, card, config key, function)."""

from __future__ import annotations

from collections.abc import Iterable

# difflib's similarity ratio a near miss must reach: "momentom" -> "momentum" (0.88),
# "sinh" -> "sin" (0.86), "othr" -> "other" (0.89); "x" -> "exp" (0.5) is no suggestion.
CUTOFF = 0.6


def closest_name(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word``, if one is close enough to suggest."""
    import difflib

    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=CUTOFF)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` to append to an error message, or ``""`` when none is close."""
    close = closest_name(word, choices)
    return f"; did you mean {close!r}?" if close else ""
