"""Anki notes that are not calcquiz cards, as a calcquiz deck file.

First field -> ``question``, second -> ``answer`` (HTML to Markdown, see
:mod:`calcquiz.anki_import.html`), the note's tags kept, ``id`` a stable slug from the
note's guid (``anki-`` and 10 hex digits of its SHA-256), ``number`` in the order the
notes were created, the deck's name from the Anki deck the notes are in. The file is
written with ``yaml.safe_dump`` and must pass calcquiz's own validation before it is
written; a note that cannot become a card (an empty side, unbalanced math) is skipped
with its reason.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from calcquiz.anki_import.html import to_markdown
from calcquiz.anki_import.package import AnkiCollection, AnkiNote, media_names
from calcquiz.errors import BadInputError
from calcquiz.mathtext import MathSyntaxError, split_math

FALLBACK_NAME = "Anki import"


def card_slug(guid: str) -> str:
    return "anki-" + hashlib.sha256(guid.encode("utf-8")).hexdigest()[:10]


@dataclass
class DeckDraft:
    """The deck file to write and what went into it."""

    name: str
    cards: list[dict[str, Any]] = field(default_factory=list)
    guids: dict[str, str] = field(default_factory=dict)  # note guid -> card id
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (first field, reason)
    media: list[str] = field(default_factory=list)

    def yaml_text(self) -> str:
        import yaml

        document = {"deck": self.name, "cards": self.cards}
        header = "# Converted from Anki by calcquiz import anki --to-deck.\n"
        return header + yaml.safe_dump(
            document, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
        )


def deck_name(collection: AnkiCollection, notes: Sequence[AnkiNote]) -> str:
    """The Anki deck the notes are in; for several, their common parent deck, or the one
    holding most of them when they share none."""
    names = [_printable(collection.deck_name(collection.first_card(n))) for n in notes]
    known = [n for n in names if n]
    if not known:
        return FALLBACK_NAME
    if len(set(known)) == 1:
        return known[0]
    parts = [n.split("::") for n in known]
    common = []
    for level in zip(*parts, strict=False):
        if len(set(level)) > 1:
            break
        common.append(level[0])
    if common:
        return "::".join(common)
    return Counter(known).most_common(1)[0][0]


def _printable(name: str | None) -> str:
    """A deck name without the characters a deck file refuses."""
    from calcquiz.content.validate import bad_character

    if not name or bad_character(name) is None:
        return (name or "").strip()
    return "".join(c for c in name if bad_character(c) is None).strip()


def _problem(question: str, answer: str) -> str | None:
    """Why the card cannot be written, by the deck validator's own rules for a text."""
    from calcquiz.content.validate import bad_character

    if not question:
        return "the first field is empty"
    if not answer:
        return "the second field is empty"
    for side, text in (("first", question), ("second", answer)):
        why = bad_character(text)
        if why:
            return f"the {side} field {why}"
        try:
            split_math(text)
        except MathSyntaxError as exc:
            return str(exc)
    return None


def _tags(note: AnkiNote) -> list[str]:
    """The note's tags that a deck can hold (Anki's tags are split on spaces already)."""
    from calcquiz.content.validate import bad_character

    return [t for t in note.tags if t.strip() and bad_character(t) is None]


def draft_deck(
    collection: AnkiCollection, notes: Sequence[AnkiNote], taken_names: Sequence[str] = ()
) -> DeckDraft:
    """The deck for ``notes``; its name differs from every name in ``taken_names``."""
    name = deck_name(collection, notes)
    while name in taken_names:
        name += " (Anki)"
    draft = DeckDraft(name)
    seen_media: set[str] = set()
    for note in notes:
        if note.too_big:
            draft.skipped.append(
                (note.guid, f"its fields hold {note.size:,} bytes, more than a card can")
            )
            continue
        if note.guid in draft.guids:  # Anki's importer, too, keeps one note per guid
            draft.skipped.append((note.guid, "an earlier note has the same guid"))
            continue
        first = note.fields[0] if note.fields else ""
        second = note.fields[1] if len(note.fields) > 1 else ""
        for media in media_names(first) + media_names(second):
            if media not in seen_media:
                seen_media.add(media)
                draft.media.append(media)
        question, answer = to_markdown(first), to_markdown(second)
        problem = _problem(question, answer)
        if problem is not None:
            draft.skipped.append((question[:40] or note.guid, problem))
            continue
        card_id = card_slug(note.guid)
        while card_id in draft.guids.values():  # a clash of 40 bits: extend it
            card_id += "-2"
        draft.guids[note.guid] = card_id
        card: dict[str, Any] = {
            "id": card_id,
            "number": len(draft.cards) + 1,
            "question": question,
            "answer": answer,
        }
        tags = _tags(note)
        if tags:
            card["tags"] = tags
        draft.cards.append(card)
    if not draft.cards:
        raise BadInputError("no note could become a card: nothing to write to the deck file")
    return draft


def check(draft: DeckDraft, name: str) -> bytes:
    """The file's bytes, after ``calcquiz validate``'s own check of exactly those bytes.
    ``name`` is the file they are meant for (a path or a bare name): problems name it,
    not the scratch file the check reads."""
    import dataclasses
    import tempfile
    from pathlib import Path

    from calcquiz.content import DeckValidationError, Problem, check_deck

    data = draft.yaml_text().encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="calcquiz-deck-") as tmp:
        scratch = Path(tmp) / Path(name).name
        scratch.write_bytes(data)
        deck, problems = check_deck(scratch)
    if problems or deck is None:
        problems = [dataclasses.replace(p, path=name) for p in problems]
        raise DeckValidationError(problems or [Problem(name, "the converted deck is not valid")])
    return data
