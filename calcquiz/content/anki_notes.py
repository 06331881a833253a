"""What a deck keeps of the Anki notes its cards came from, so that ``export anki`` can
give each note back to Anki whole: in its own note type, with its own guid and fields.

A deck file converted by ``import anki --to-deck`` carries two optional lists::

    anki_note_types:
    - id: 1700000000001          # Anki's note type id: its importer matches on it
      name: Basic (and reversed card)
      kind: standard             # or cloze
      modified: 1700000000       # seconds; kept, so the export never looks newer
      fields: [Front, Back]
      templates:
      - {name: Card 1, question: '{{Front}}', answer: '{{FrontSide}}<hr id=answer>{{Back}}'}
      css: '.card { ... }'
    anki_notes:
    - guid: 'f#X:n3|Vq'
      note_type: 1700000000001
      modified: 1700000000
      fields: {Front: sin', Back: cos}   # the note's raw fields, as Anki holds them
      cards:
        anki-0a1b2c3d4e: {ord: 0, digest: 1a2b3c4d.5e6f7a8b.e3b0c442}

A card's ``digest`` is 8 hex digits of the SHA-256 of its question, answer and note as
imported (:func:`card_digest`): the export compares it with the card's text now to tell
which side a learner edited. Every value is checked by :func:`read_anki_notes`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

KINDS = ("standard", "cloze")
MAX_CLOZE_ORD = 499  # Anki's highest cloze number is 500
_DIGEST = re.compile(r"[0-9a-f]{8}\.[0-9a-f]{8}\.[0-9a-f]{8}")
_TYPE_KEYS = ("id", "name", "kind", "modified", "fields", "templates", "css")
_NOTE_KEYS = ("guid", "note_type", "modified", "fields", "cards")
_MAX_ID = 2**63 - 1
MAX_TIME = 2**32 - 2  # Anki keeps 32 bits of a modification time; an edit adds a second
# what Anki removes from a field name (anywhere; at its start; at its end)
_NOT_IN_FIELD_NAME = re.compile(r'[:{}"]|^[#/^\s]|\s$')
_CLOZE_NUMBER = re.compile(r"\{\{c(\d+)::")


@dataclass(frozen=True)
class AnkiTemplate:
    name: str
    question: str  # Anki's question format (qfmt)
    answer: str  # its answer format (afmt)


@dataclass(frozen=True)
class AnkiNoteType:
    id: int
    name: str
    cloze: bool
    modified: int
    fields: tuple[str, ...]
    templates: tuple[AnkiTemplate, ...]
    css: str


@dataclass(frozen=True)
class AnkiCardLink:
    card_id: str
    ord: int  # Anki's template (or cloze number - 1) of this card
    digest: str  # see card_digest


@dataclass(frozen=True)
class AnkiNoteRecord:
    guid: str
    note_type: int
    modified: int
    fields: tuple[str, ...]  # in the note type's field order
    cards: tuple[AnkiCardLink, ...]


def _hash8(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def card_digest(question: str, answer: str, note: str | None) -> str:
    """The card's three sides, hashed one by one: ``question.answer.note``."""
    return ".".join(_hash8(side) for side in (question, answer, note or ""))


def edited_sides(link: AnkiCardLink, question: str, answer: str, note: str | None) -> set[str]:
    """Which of ``question``, ``answer``, ``note`` differ from the card as imported."""
    now = card_digest(question, answer, note).split(".")
    then = link.digest.split(".")
    return {s for s, a, b in zip(("question", "answer", "note"), now, then, strict=True) if a != b}


def note_type_problems(kind: AnkiNoteType) -> list[tuple[str, tuple[str | int, ...]]]:
    """What Anki would refuse or change in ``kind`` on import (each problem with where it
    is within the entry): a field name it rewrites, an empty template name, two fields or
    templates named alike (Anki compares names ignoring case), a cloze note type with
    other than one template. Anki keeps a note type without these whole."""
    out: list[tuple[str, tuple[str | int, ...]]] = []
    for i, name in enumerate(kind.fields):
        if _NOT_IN_FIELD_NAME.search(name):
            out.append((
                f"{name!r} is not a field name Anki keeps (none of : {{ }} \" in it, nor # / ^ "
                "or a space at its start, nor a space at its end)",
                ("fields", i),
            ))
    if len({n.casefold() for n in kind.fields}) != len(kind.fields):
        out.append(("'fields' names a field twice (Anki ignores case)", ("fields",)))
    for i, template in enumerate(kind.templates):
        if not template.name:
            out.append(("'name' must not be empty", ("templates", i, "name")))
    if len({t.name.casefold() for t in kind.templates}) != len(kind.templates):
        out.append(("'templates' names a template twice (Anki ignores case)", ("templates",)))
    if kind.cloze and len(kind.templates) != 1:
        out.append(("a cloze note type has one template", ("templates",)))
    return out


def empty_cloze(kind: AnkiNoteType, fields: Sequence[str], ord_: int) -> bool:
    """Whether card ``ord_`` is a cloze number no deletion in ``fields`` uses: a card
    Anki keeps blank once its deletion is removed (until Empty Cards), and would add
    blank to a note that never had it."""
    if not kind.cloze:
        return False
    numbers = {int(n) for f in fields for n in _CLOZE_NUMBER.findall(f)} or {1}
    return ord_ + 1 not in numbers


# ---------------------------------------------------------------- to and from YAML


class TemplateDict(TypedDict):
    name: str
    question: str
    answer: str


class NoteTypeDict(TypedDict):
    id: int
    name: str
    kind: str
    modified: int
    fields: list[str]
    templates: list[TemplateDict]
    css: str


class CardLinkDict(TypedDict):
    ord: int
    digest: str


class NoteDict(TypedDict):
    guid: str
    note_type: int
    modified: int
    fields: dict[str, str]
    cards: dict[str, CardLinkDict]


class KeptNotesDict(TypedDict, total=False):
    """A deck's two fields (or a cache entry's), both or neither."""

    anki_note_types: list[NoteTypeDict]
    anki_notes: list[NoteDict]


def note_type_plain(kind: AnkiNoteType) -> NoteTypeDict:
    return {
        "id": kind.id,
        "name": kind.name,
        "kind": "cloze" if kind.cloze else "standard",
        "modified": kind.modified,
        "fields": list(kind.fields),
        "templates": [
            {"name": t.name, "question": t.question, "answer": t.answer} for t in kind.templates
        ],
        "css": kind.css,
    }


def note_plain(note: AnkiNoteRecord, kind: AnkiNoteType) -> NoteDict:
    return {
        "guid": note.guid,
        "note_type": note.note_type,
        "modified": note.modified,
        "fields": dict(zip(kind.fields, note.fields, strict=True)),
        "cards": {c.card_id: {"ord": c.ord, "digest": c.digest} for c in note.cards},
    }


# A problem: its message and where it is, as keys and list positions from the top key.
Complain = Callable[[str, tuple[str | int, ...]], None]


def raw_text_problem(text: str) -> str | None:
    """Why an Anki value cannot be kept in a deck file: the deck's rule for text, with
    carriage returns allowed (Anki's own fields and css hold them)."""
    from calcquiz.content.validate import bad_character

    return bad_character(text.replace("\r", ""))


@dataclass(frozen=True)
class _Reader:
    complain: Complain
    text_problem: Callable[[str], str | None]


def read_anki_notes(
    types_value: object,
    notes_value: object,
    card_ids: set[str] | None,
    complain: Complain,
    check_text: bool = True,
) -> tuple[tuple[AnkiNoteType, ...], tuple[AnkiNoteRecord, ...]]:
    """The note types and notes of a deck's ``anki_note_types`` and ``anki_notes``, each
    value checked (``complain`` hears of every problem; the result is then incomplete).
    ``card_ids``: the deck's cards (None: not known, nothing checked against them).
    ``check_text=False`` leaves out the character check, for values checked before (the
    cache's), so that reading them needs no validator."""
    r = _Reader(complain, raw_text_problem if check_text else lambda _: None)
    kinds, complete = _read_types(types_value, r)
    by_id = {k.id: k for k in kinds}
    notes: list[AnkiNoteRecord] = []
    if notes_value is None:
        return kinds, ()
    if not isinstance(notes_value, list):
        r.complain("'anki_notes' must be a list of notes", ("anki_notes",))
        return kinds, ()
    guids: set[str] = set()
    linked: set[str] = set()
    for i, raw in enumerate(notes_value):
        note = _read_note(raw, ("anki_notes", i), by_id, complete, card_ids, r)
        if note is None:
            continue
        if note.guid in guids:
            r.complain(f"the guid {note.guid!r} is listed twice", ("anki_notes", i, "guid"))
            continue
        clash = next((c.card_id for c in note.cards if c.card_id in linked), None)
        if clash is not None:
            r.complain(f"card {clash!r} is in another note too", ("anki_notes", i, "cards", clash))
            continue
        guids.add(note.guid)
        linked.update(c.card_id for c in note.cards)
        notes.append(note)
    return kinds, tuple(notes)


def _text(
    value: object, where: tuple[str | int, ...], r: _Reader, empty: bool = True
) -> str | None:
    what = "'" + "/".join(map(str, where)) + "'"
    if not isinstance(value, str):
        r.complain(f"{what} must be text", where)
    elif not empty and not value.strip():
        r.complain(f"{what} must not be empty", where)
    elif (why := r.text_problem(value)) is not None:
        r.complain(f"{what} {why}", where)
    else:
        return value
    return None


def _whole(
    value: object, where: tuple[str | int, ...], r: _Reader, low: int, high: int = _MAX_ID
) -> int | None:
    if type(value) is int and low <= value <= high:
        return value
    to = f" to {high}" if high != _MAX_ID else ""
    r.complain(f"'{'/'.join(map(str, where))}' must be a whole number from {low}{to}", where)
    return None


def _mapping(
    raw: object, keys: tuple[str, ...], where: tuple[str | int, ...], r: _Reader
) -> Mapping[object, object] | None:
    if not isinstance(raw, dict):
        r.complain(f"an entry must be a mapping with {', '.join(keys)}", where)
        return None
    missing = [k for k in keys if k not in raw]
    unknown = [k for k in raw if k not in keys]
    if missing or unknown:
        said = [f"missing {', '.join(missing)}"] if missing else []
        said += [f"unknown key {', '.join(map(repr, unknown))}"] if unknown else []
        r.complain(f"{'; '.join(said)} (an entry has {', '.join(keys)})", where)
        return None
    return raw


def _read_types(value: object, r: _Reader) -> tuple[tuple[AnkiNoteType, ...], bool]:
    """The note types read, and whether all were (if not, a note of an unread one is
    not complained of: its note type's problem was)."""
    if value is None:
        return (), True
    if not isinstance(value, list):
        r.complain("'anki_note_types' must be a list of note types", ("anki_note_types",))
        return (), False
    kinds: list[AnkiNoteType] = []
    for i, raw in enumerate(value):
        kind = _read_type(raw, ("anki_note_types", i), r)
        if kind is not None and kind.id in {k.id for k in kinds}:
            r.complain(f"note type {kind.id} is listed twice", ("anki_note_types", i, "id"))
        elif kind is not None:
            kinds.append(kind)
    return tuple(kinds), len(kinds) == len(value)


def _read_type(raw: object, where: tuple[str | int, ...], r: _Reader) -> AnkiNoteType | None:
    entry = _mapping(raw, _TYPE_KEYS, where, r)
    if entry is None:
        return None
    kind_id = _whole(entry["id"], (*where, "id"), r, 1)
    name = _text(entry["name"], (*where, "name"), r, empty=False)
    modified = _whole(entry["modified"], (*where, "modified"), r, 0, MAX_TIME)
    css = _text(entry["css"], (*where, "css"), r)
    kind = entry["kind"]
    if kind not in KINDS:
        r.complain(f"'kind' must be {' or '.join(KINDS)}", (*where, "kind"))
    fields = _names(entry["fields"], (*where, "fields"), r)
    templates = _templates(entry["templates"], (*where, "templates"), r)
    if (
        kind_id is None
        or name is None
        or modified is None
        or css is None
        or fields is None
        or templates is None
        or kind not in KINDS
    ):
        return None
    found = AnkiNoteType(kind_id, name, kind == "cloze", modified, fields, templates, css)
    problems = note_type_problems(found)
    for message, at in problems:
        r.complain(message, (*where, *at))
    return None if problems else found


def _names(value: object, where: tuple[str | int, ...], r: _Reader) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value:
        r.complain("'fields' must be a list of field names", where)
        return None
    names = [_text(v, (*where, i), r, empty=False) for i, v in enumerate(value)]
    if None in names:
        return None
    if len(set(names)) != len(names):
        r.complain("'fields' names a field twice", where)
        return None
    return tuple(n for n in names if n is not None)


def _templates(
    value: object, where: tuple[str | int, ...], r: _Reader
) -> tuple[AnkiTemplate, ...] | None:
    if not isinstance(value, list) or not value:
        r.complain("'templates' must be a list of card templates", where)
        return None
    out: list[AnkiTemplate] = []
    for i, raw in enumerate(value):
        entry = _mapping(raw, ("name", "question", "answer"), (*where, i), r)
        if entry is None:
            return None
        parts = [_text(entry[k], (*where, i, k), r) for k in ("name", "question", "answer")]
        name, question, answer = parts
        if name is None or question is None or answer is None:
            return None
        out.append(AnkiTemplate(name, question, answer))
    return tuple(out)


def _read_note(
    raw: object,
    where: tuple[str | int, ...],
    kinds: Mapping[int, AnkiNoteType],
    kinds_complete: bool,
    card_ids: set[str] | None,
    r: _Reader,
) -> AnkiNoteRecord | None:
    entry = _mapping(raw, _NOTE_KEYS, where, r)
    if entry is None:
        return None
    guid = _text(entry["guid"], (*where, "guid"), r, empty=False)
    modified = _whole(entry["modified"], (*where, "modified"), r, 0, MAX_TIME)
    kind_id = _whole(entry["note_type"], (*where, "note_type"), r, 1)
    if guid is None or modified is None or kind_id is None:
        return None
    kind = kinds.get(kind_id)
    if kind is None:
        if kinds_complete:
            r.complain(f"note type {kind_id} is not in 'anki_note_types'", (*where, "note_type"))
        return None
    fields = entry["fields"]
    if not isinstance(fields, dict) or list(fields) != list(kind.fields):
        r.complain(
            f"'fields' must map the note type's fields, in order: {', '.join(kind.fields)}",
            (*where, "fields"),
        )
        return None
    values = [_text(fields[n], (*where, "fields", n), r) for n in kind.fields]
    texts = tuple(v for v in values if v is not None)
    if len(texts) != len(values):
        return None
    cards = _cards(entry["cards"], (*where, "cards"), kind, card_ids, r)
    if cards is None:
        return None
    return AnkiNoteRecord(guid, kind_id, modified, texts, cards)


def _cards(
    value: object,
    where: tuple[str | int, ...],
    kind: AnkiNoteType,
    card_ids: set[str] | None,
    r: _Reader,
) -> tuple[AnkiCardLink, ...] | None:
    if not isinstance(value, dict) or not value:
        r.complain("'cards' must map card ids to their ord and digest", where)
        return None
    links: list[AnkiCardLink] = []
    for card_id, raw in value.items():
        at = (*where, str(card_id))
        if not isinstance(card_id, str) or (card_ids is not None and card_id not in card_ids):
            r.complain(f"{card_id!r} is not a card of this deck", at)
            return None
        entry = _mapping(raw, ("ord", "digest"), at, r)
        if entry is None:
            return None
        ord_, digest = entry["ord"], entry["digest"]
        highest = MAX_CLOZE_ORD if kind.cloze else len(kind.templates) - 1
        if type(ord_) is not int or not 0 <= ord_ <= highest:
            r.complain(f"'ord' must be a whole number from 0 to {highest}", (*at, "ord"))
            return None
        if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
            r.complain("'digest' must be 3 groups of 8 hex digits joined by dots", (*at, "digest"))
            return None
        if ord_ in {link.ord for link in links}:
            r.complain(f"two cards have ord {ord_}", (*at, "ord"))
            return None
        links.append(AnkiCardLink(card_id, ord_, digest))
    return tuple(links)
