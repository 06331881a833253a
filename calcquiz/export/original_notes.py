"""Cards that came from Anki notes, grouped back into those notes for ``export anki``.

A deck converted by ``import anki --to-deck`` keeps each Anki note whole (its note type,
raw fields, modification time, and which card is which template: see
:mod:`calcquiz.content.anki_notes`). Its cards go back to Anki as ONE note per original
note, in the original note type (same id, fields, templates and css) with the original
guid, so that Anki's importer (``rslib/src/import_export/package/apkg/import/notes.rs``)
finds the note it already holds instead of adding a copy:

* A note type with the same id and the same field and template names is the existing
  one. It goes out with its own modification time, never newer, so importing never
  rewrites the learner's note type.
* A note with the same guid and note type is updated only when the package's note is
  newer (Anki's default, "update notes: if newer"). An unedited note keeps its Anki
  modification time: Anki keeps what it has, including edits made there since.
* A note edited in calcquiz takes the time its deck file was saved (at least one
  second after Anki's), so the newer side wins: an edit made in Anki after the deck
  file was saved is kept by Anki. That time is the file's, not the note's: a note whose
  text went out unchanged in the package this one replaces keeps that package's time,
  so a later save of the file (another card's edit) does not make it newer than a
  change made in Anki since.

What an edit changes: a card side that is exactly one field in its template (Basic's
``{{Front}}``, the answer after ``<hr id=answer>`` being ``{{Back}}``, a reversed card's
``{{Back}}`` question) writes the edited text into that field. Cloze cards, templates
that combine fields, and the note beside a card cannot be mapped back; nor can two
cards that put different text into one field. Such cards are counted
(:attr:`OriginalNotes.unmapped`) and their notes keep Anki's text.

A cloze card whose number no deletion in its note has is left out of the package
(:attr:`OriginalNotes.left_out`): Anki keeps its own blank one, and would add one where
it has none. One note type id kept by several decks goes out once (:func:`note_types`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from calcquiz.content import Deck
from calcquiz.content.anki_notes import AnkiNoteRecord, AnkiNoteType, edited_sides, empty_cloze

Key = tuple[str, str]  # (deck name, card id)

_ONE_FIELD = re.compile(r"\s*\{\{\s*([^{}#^/:!]+?)\s*\}\}\s*")
_HR_ANSWER = re.compile(r"<hr[^<>]*\bid\s*=\s*[\"']?answer[\"']?[^<>]*>", re.I)


@dataclass(frozen=True)
class OriginalCard:
    ord: int
    key: Key
    position: int  # the calcquiz card's number


@dataclass(frozen=True)
class OriginalNote:
    """One Anki note as the package gives it back."""

    guid: str
    kind: AnkiNoteType
    fields: tuple[str, ...]  # HTML, in the note type's field order
    tags: tuple[str, ...]
    modified: int  # seconds
    deck: str  # the calcquiz deck its first card is in
    cards: tuple[OriginalCard, ...]
    converted: tuple[str, ...]  # its fields as Anki held them when converted

    @property
    def edited(self) -> bool:
        """A field differs from Anki's."""
        return self.fields != self.converted


@dataclass
class OriginalNotes:
    notes: list[OriginalNote] = field(default_factory=list)
    covered: set[Key] = field(default_factory=set)  # cards that go out in these notes
    unmapped: set[Key] = field(default_factory=set)  # edited, but no field takes the edit
    # cloze cards whose deletion the note no longer has: Anki keeps its own blank card,
    # and a package that held one would add it blank where it is missing
    left_out: set[Key] = field(default_factory=set)

    @property
    def guids(self) -> set[str]:
        return {n.guid for n in self.notes}


def unmapped_sentence(cards: int) -> str:
    """What ``export anki`` and ``sync anki`` say of the edited cards no field can take."""
    several = cards > 1
    return (
        f"{cards} card{'s' * several} edited in calcquiz whose text cannot be mapped back to "
        "Anki fields (a cloze, a note, or a template that combines fields); "
        f"{'their notes keep' if several else 'its note keeps'} Anki's text"
    )


def original_notes(
    decks: Sequence[Deck], now: float, sent: Mapping[str, tuple[str, int]] | None = None
) -> OriginalNotes:
    """The Anki notes the cards of ``decks`` came from, with the cards' edits mapped
    back into their fields where a template shows exactly one field (see the module's
    docstring); ``now`` dates edits in a deck without a file. ``sent``: the notes of the
    package this one replaces (guid -> Anki's joined fields, modification time)."""
    found = OriginalNotes()
    kinds = note_types(decks)
    parts: dict[str, list[tuple[Deck, AnkiNoteRecord, AnkiNoteType]]] = {}
    for deck in decks:
        for record in deck.anki_notes:
            kind = kinds.get(record.note_type)
            if kind is not None:  # else calcquiz's own note type: its cards go as calcquiz's
                parts.setdefault(record.guid, []).append((deck, record, kind))
    for guid, pieces in parts.items():
        note = _note(guid, pieces, found, now, (sent or {}).get(guid))
        if note is not None:
            found.notes.append(note)
    return found


def note_types(decks: Sequence[Deck]) -> dict[int, AnkiNoteType]:
    """The note types the decks keep, one per id, as a package holds them. One id kept
    by two decks with other fields, templates or kind (converted before and after a
    change in Anki) cannot go in one package: a BadInputError. Otherwise the older entry
    goes, so that Anki keeps its own. calcquiz's own note type id is left out: the
    package's calcquiz note type has it."""
    from calcquiz.errors import BadInputError
    from calcquiz.export.anki import NOTE_TYPE_ID

    kinds: dict[int, tuple[AnkiNoteType, str]] = {}
    for deck in decks:
        for kind in deck.anki_note_types:
            if kind.id == NOTE_TYPE_ID:
                continue
            seen, where = kinds.get(kind.id, (kind, deck.name))
            if _shape(seen) != _shape(kind):
                raise BadInputError(
                    f"decks {where!r} and {deck.name!r} keep other versions of the Anki note "
                    f"type {kind.id} ({kind.name!r}): export them one at a time"
                )
            if kind.modified <= seen.modified:
                kinds[kind.id] = (kind, deck.name)
    return {i: kind for i, (kind, _) in kinds.items()}


def _shape(kind: AnkiNoteType) -> tuple[object, ...]:
    """What a note of this type must fit: its kind, field names and template names."""
    return kind.cloze, kind.fields, tuple(t.name for t in kind.templates)


def _fields_with_edits(
    record: AnkiNoteRecord, wanted: dict[int, dict[str, set[Key]]], found: OriginalNotes
) -> list[str]:
    """The note's fields with each edit in its field (``wanted``: field index -> edited
    text -> the cards that want it); a field two cards want different text in keeps
    Anki's, and those cards count as unmapped."""
    from calcquiz.export.html import to_anki_html

    fields = list(record.fields)
    for index, texts in wanted.items():
        if len(texts) > 1:  # two cards put different text into one field: ambiguous
            found.unmapped.update(k for keys in texts.values() for k in keys)
            continue
        fields[index] = to_anki_html(next(iter(texts)))
    return fields


def _note(
    guid: str,
    pieces: list[tuple[Deck, AnkiNoteRecord, AnkiNoteType]],
    found: OriginalNotes,
    now: float,
    sent: tuple[str, int] | None,
) -> OriginalNote | None:
    first_deck, record, kind = pieces[0]
    cards: list[OriginalCard] = []
    tags: list[str] = []
    # field index -> edited text -> the cards that want it
    wanted: dict[int, dict[str, set[Key]]] = {}
    saved = 0.0
    for deck, piece, piece_kind in pieces:
        if piece_kind.id != kind.id:  # a later copy with another note type: not this note
            continue
        for link in piece.cards:
            card = deck.by_id.get(link.card_id)
            if card is None or link.ord in {c.ord for c in cards}:
                continue
            key = (deck.name, card.id)
            found.covered.add(key)
            if empty_cloze(kind, record.fields, link.ord):
                found.left_out.add(key)
                continue
            cards.append(OriginalCard(link.ord, key, card.number))
            tags.extend(card.tags)
            sides = edited_sides(link, card.question, card.answer, card.note)
            if sides:
                saved = max(saved, _saved_at(deck, now))
            for side in sorted(sides):
                index = side_field(kind, link.ord, side)
                if index is None:
                    found.unmapped.add(key)
                else:
                    text = card.question if side == "question" else card.answer
                    wanted.setdefault(index, {}).setdefault(text, set()).add(key)
    if not cards:
        return None
    fields = _fields_with_edits(record, wanted, found)
    edited = tuple(fields) != record.fields
    modified = max(record.modified + 1, int(saved)) if edited else record.modified
    if edited and sent is not None and sent[0] == "\x1f".join(fields):
        # this text went out before: it dates from then, not from the file's last save
        # (a change made in Anki since is newer, and kept)
        modified = max(record.modified + 1, min(sent[1], modified))
    return OriginalNote(
        guid,
        kind,
        tuple(fields),
        tuple(dict.fromkeys(tags)),
        modified,
        first_deck.name,
        tuple(sorted(cards, key=lambda c: c.ord)),
        record.fields,
    )


def side_field(kind: AnkiNoteType, ord_: int, side: str) -> int | None:
    """The field a card side shows alone (its index), or None when the side is a cloze,
    the note, or a template that shows more than one field."""
    if kind.cloze or side == "note" or ord_ >= len(kind.templates):
        return None
    template = kind.templates[ord_]
    text = template.question
    if side == "answer":
        text = template.answer
        split = _HR_ANSWER.search(text)
        if split is not None:
            if text[: split.start()].strip() not in ("", "{{FrontSide}}"):
                return None
            text = text[split.end() :]
        else:  # the answer side drawn without the question (as the import shows it)
            text = text.replace("{{FrontSide}}", "")
    match = _ONE_FIELD.fullmatch(text)
    name = match.group(1).strip() if match else None
    if name is None or name not in kind.fields:
        return None
    return kind.fields.index(name)


def _saved_at(deck: Deck, now: float) -> float:
    """When the deck file was last saved (a card's edit is no newer), else ``now``."""
    try:
        return os.stat(deck.path).st_mtime if deck.path is not None else now
    except OSError:
        return now
