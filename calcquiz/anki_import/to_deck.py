"""Anki notes that are not calcquiz cards, as a calcquiz deck file.

One calcquiz card per Anki card: its two sides as its note type's template draws them
(:mod:`calcquiz.anki_import.templates`; genanki notes without a known note type: first
field -> ``question``, second -> ``answer``), HTML to Markdown
(:mod:`calcquiz.anki_import.html`), the note's tags kept, ``id`` a stable slug from the
note's guid (``anki-`` and 10 hex digits of its SHA-256, then ``-2``, ``-3``... for the
note's other cards), ``number`` in the order the notes were created, one deck per Anki
deck (:func:`draft_decks`). The file is written with ``yaml.safe_dump`` and must pass
calcquiz's own validation before it is written; a card that cannot be shown (an empty or
media-only question, unbalanced math, a refused character) is skipped with its reason.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TypedDict

from calcquiz.anki_import import package
from calcquiz.anki_import.html import to_markdown
from calcquiz.anki_import.package import MAX_NOTE_BYTES, AnkiCollection, AnkiNote, media_names
from calcquiz.content.anki_notes import (
    MAX_TIME,
    AnkiCardLink,
    AnkiNoteRecord,
    AnkiNoteType,
    AnkiTemplate,
    NoteDict,
    NoteTypeDict,
    card_digest,
    note_plain,
    note_type_plain,
    note_type_problems,
    raw_text_problem,
)
from calcquiz.errors import BadInputError
from calcquiz.latex import MathSyntaxError, split_math

FALLBACK_NAME = "Anki import"


class _CardRequired(TypedDict):
    id: str
    number: int
    question: str
    answer: str


class DraftCard(_CardRequired, total=False):
    """A card as the deck file holds it (the keys in this order)."""

    tags: list[str]
    note: str


class _DeckRequired(TypedDict):
    deck: str
    cards: list[DraftCard]


class DeckDocument(_DeckRequired, total=False):
    """The deck file's YAML document."""

    anki_guids: dict[str, str]  # card id -> the guid of its Anki note
    anki_note_types: list[NoteTypeDict]  # the Anki note types of the notes below
    anki_notes: list[NoteDict]  # each Anki note whole, to give it back (export anki)


def card_slug(guid: str) -> str:
    return "anki-" + hashlib.sha256(guid.encode("utf-8")).hexdigest()[:10]


@dataclass
class DeckDraft:
    """The deck file to write and what went into it."""

    name: str
    cards: list[DraftCard] = field(default_factory=list)
    guids: dict[str, str] = field(default_factory=dict)  # note guid -> its first card's id
    card_ids: dict[tuple[str, int], str] = field(default_factory=dict)  # (guid, ord) -> id
    anki_decks: dict[str, str] = field(default_factory=dict)  # card id -> its Anki deck
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (first field, reason)
    media: list[str] = field(default_factory=list)
    # the Anki notes whole (by guid, with every card of theirs made here) and their types
    anki_notes: dict[str, AnkiNoteRecord] = field(default_factory=dict)
    anki_note_types: dict[int, AnkiNoteType] = field(default_factory=dict)
    notes_left_out: bool = False  # too big with them (see check)

    def yaml_text(self) -> str:
        import yaml

        document: DeckDocument = {"deck": self.name, "cards": self.cards}
        ids = {c["id"] for c in self.cards}
        # each card's Anki note, so that calcquiz export anki gives the note back its guid
        document["anki_guids"] = {
            cid: guid for (guid, _), cid in sorted(self.card_ids.items()) if cid in ids
        }
        # and the note itself, so that it goes back to Anki in its own note type
        notes = [
            replace(n, cards=tuple(c for c in n.cards if c.card_id in ids))
            for n in self.anki_notes.values()
        ]
        notes = [n for n in notes if n.cards]
        if notes:
            used = {n.note_type for n in notes}
            kinds = [k for i, k in self.anki_note_types.items() if i in used]
            document["anki_note_types"] = [note_type_plain(k) for k in kinds]
            document["anki_notes"] = [
                note_plain(n, self.anki_note_types[n.note_type]) for n in notes
            ]
        header = "# Converted from Anki by calcquiz import anki --to-deck.\n"
        if notes:
            header += (
                "# anki_note_types and anki_notes keep the Anki notes as they were, so that\n"
                "# calcquiz export anki updates them in Anki (edit the cards, not these).\n"
            )
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


def _problem(question: str, answer: str, note: str = "") -> str | None:
    """Why the card cannot be written, by the deck validator's own rules for a text."""
    from calcquiz.content.validate import bad_character

    for side, text in (("question", question), ("answer", answer), ("note", note)):
        why = bad_character(text)
        if why:
            return f"its {side} {why}"
        try:
            split_math(text)
        except MathSyntaxError as exc:
            return f"its {side}: {exc}"
    return None


def _tags(note: AnkiNote) -> list[str]:
    """The note's tags that a deck can hold (Anki's tags are split on spaces already)."""
    from calcquiz.content.validate import bad_character

    return [t for t in note.tags if t.strip() and bad_character(t) is None]


def card_id_for(guid: str, ord_: int) -> str:
    """The calcquiz card id of the Anki card ``ord_`` of the note ``guid``: the note's
    slug for its first template (or first cloze), then ``-2``, ``-3``..."""
    return card_slug(guid) + (f"-{ord_ + 1}" if ord_ else "")


EMPTY_ANSWER = "*(empty in Anki)*"


def _sides(collection: AnkiCollection, note: AnkiNote, ord_: int) -> tuple[str, str, str] | str:
    """The card's question, answer and note as HTML, or why it cannot be a card."""
    from calcquiz.anki_import.templates import render, unused_fields

    note_type = collection.note_types.get(note.type_id)
    if note_type is None:  # no template known: the first two fields, as genanki writes
        if ord_:
            return "its note type is missing from the package"
        first = note.fields[0] if note.fields else ""
        return first, note.fields[1] if len(note.fields) > 1 else "", ""
    qfmt = note_type.templates.get(0 if note_type.cloze else ord_, ("", ""))[0]
    if "image-occlusion" in qfmt.lower():
        return "image occlusion cannot be shown in a terminal"
    sides = render(note_type, note, ord_)
    if sides is None:
        return f"its note type has no card template {ord_ + 1}"
    note_html = sides.note
    extra = unused_fields(note_type, note)
    if extra:
        kept = "".join(f"<div><b>{name}</b>: {value}</div>" for name, value in extra)
        note_html = f"{note_html}<br>{kept}" if note_html else kept
    return sides.question, sides.answer, note_html


def draft_deck(
    collection: AnkiCollection, notes: Sequence[AnkiNote], taken_names: Sequence[str] = ()
) -> DeckDraft:
    """The deck for ``notes``, one calcquiz card per Anki card (a note's cards as its
    note type's templates or cloze deletions show them); its name differs from every
    name in ``taken_names``. A card whose answer side is empty in Anki keeps an answer
    that says so; a card that cannot be shown (an empty question, only media, image
    occlusion, a character a deck refuses) is skipped with its reason."""
    name = deck_name(collection, notes)
    while name in taken_names:
        name += " (Anki)"
    draft = DeckDraft(name)
    seen_media: set[str] = set()
    taken_ids: set[str] = set()
    seen_guids: set[str] = set()
    for note in notes:
        # Anki's importer, too, keeps one note per guid: the first, even if none of its
        # cards can be shown here (merging matches cards by guid, so a later note must not
        # take the first one's history)
        if note.guid in seen_guids:
            draft.skipped.append((note.guid, "an earlier note has the same guid"))
            continue
        seen_guids.add(note.guid)
        if note.too_big:
            draft.skipped.append(
                (note.guid, f"its fields hold more than {MAX_NOTE_BYTES:,} characters")
            )
            continue
        for media in (m for f in note.fields for m in media_names(f)):
            if media not in seen_media:
                seen_media.add(media)
                draft.media.append(media)
        anki_cards = collection.cards.get(note.id, [])
        ords = [c.ord for c in anki_cards] or [0]
        for ord_ in ords:
            anki_card = next((c for c in anki_cards if c.ord == ord_), None)
            sides = _sides(collection, note, ord_)
            label = to_markdown(note.fields[0])[:40] if note.fields else ""
            label = (label or note.guid) + (f" (card {ord_ + 1})" if ord_ else "")
            if isinstance(sides, str):
                draft.skipped.append((label, sides))
                continue
            question_html, answer_html, note_html = sides
            question, answer = to_markdown(question_html), to_markdown(answer_html)
            if not question:
                draft.skipped.append((label, _empty("question", question_html)))
                continue
            if not answer:
                answer = _empty_answer(answer_html)
            note_text = to_markdown(note_html)
            problem = _problem(question, answer, note_text)
            if problem is not None:
                draft.skipped.append((label, problem))
                continue
            card_id = card_id_for(note.guid, ord_)
            while card_id in taken_ids:  # a clash of 40 bits: extend it
                card_id += "-2"
            taken_ids.add(card_id)
            draft.guids.setdefault(note.guid, card_id)
            draft.card_ids[(note.guid, ord_)] = card_id
            draft.anki_decks[card_id] = _printable(collection.deck_name(anki_card))
            card: DraftCard = {
                "id": card_id,
                "number": len(draft.cards) + 1,
                "question": question,
                "answer": answer,
            }
            tags = _tags(note)
            if tags:
                card["tags"] = tags
            if note_text:
                card["note"] = note_text
            draft.cards.append(card)
            link = AnkiCardLink(card_id, ord_, card_digest(question, answer, note_text))
            _keep_note(draft, collection, note, link)
    if not draft.cards:
        why = "the package holds no notes" if not notes else "no note could become a card"
        raise BadInputError(f"{why}: nothing to write to the deck file")
    return draft


def _keep_note(
    draft: DeckDraft, collection: AnkiCollection, note: AnkiNote, link: AnkiCardLink
) -> None:
    """Keep ``note`` whole in ``draft`` with the card ``link`` (a note or note type holding
    a character a deck refuses is not kept: its cards go back to Anki as calcquiz's)."""
    kept = draft.anki_notes.get(note.guid)
    if kept is not None:
        draft.anki_notes[note.guid] = replace(kept, cards=(*kept.cards, link))
        return
    kind = draft.anki_note_types.get(note.type_id) or _note_type(
        note.type_id, collection.note_types.get(note.type_id)
    )
    if kind is None or len(note.fields) != len(kind.fields) or not 0 <= note.mtime <= MAX_TIME:
        return
    if any(raw_text_problem(f) for f in note.fields):
        return
    draft.anki_note_types[kind.id] = kind
    draft.anki_notes[note.guid] = AnkiNoteRecord(
        note.guid, kind.id, note.mtime, note.fields, (link,)
    )


def _note_type(type_id: int, note_type: package.NoteType | None) -> AnkiNoteType | None:
    """The note type as a deck keeps it, or None when a deck cannot hold it."""
    if note_type is None or type_id <= 0 or not note_type.fields:
        return None
    ords = sorted(note_type.templates)
    if not ords or ords != list(range(len(ords))):
        return None
    templates = tuple(
        AnkiTemplate(note_type.template_names.get(o, f"Card {o + 1}"), *note_type.templates[o])
        for o in ords
    )
    texts = [note_type.name, note_type.css, *note_type.fields]
    texts += [t for tmpl in templates for t in (tmpl.name, tmpl.question, tmpl.answer)]
    if not note_type.name.strip() or any(raw_text_problem(t) for t in texts):
        return None
    if not 0 <= note_type.mtime <= MAX_TIME:
        return None
    kind = AnkiNoteType(
        type_id, note_type.name, note_type.cloze, note_type.mtime, note_type.fields, templates,
        note_type.css,
    )
    return None if note_type_problems(kind) else kind


def draft_decks(
    collection: AnkiCollection, notes: Sequence[AnkiNote], taken_names: Sequence[str] = ()
) -> tuple[list[DeckDraft], DeckDraft]:
    """:func:`draft_deck`, one deck per Anki deck the cards are in (a subdeck is a deck
    of its own, named as in Anki, ``Parent::Child``), in the order their first cards
    come. Also returns the single draft they were split from (its ``skipped`` and
    ``media`` cover them all)."""
    whole = draft_deck(collection, notes, taken_names)
    names = list(dict.fromkeys(whole.anki_decks.get(c["id"]) or "" for c in whole.cards))
    if len(names) <= 1:
        return [whole], whole
    drafts: dict[str, DeckDraft] = {}
    taken = set(taken_names)
    for anki_name in names:
        name = anki_name or FALLBACK_NAME
        while name in taken:
            name += " (Anki)"
        taken.add(name)
        drafts[anki_name] = DeckDraft(name)
    ids_of = {cid: key for key, cid in whole.card_ids.items()}
    for card in whole.cards:
        draft = drafts[whole.anki_decks.get(card["id"]) or ""]
        draft.cards.append({**card, "number": len(draft.cards) + 1})
        guid, ord_ = ids_of[card["id"]]
        draft.card_ids[(guid, ord_)] = card["id"]
        draft.guids.setdefault(guid, card["id"])
        draft.anki_decks[card["id"]] = whole.anki_decks.get(card["id"]) or ""
    for draft in drafts.values():  # each keeps the notes of its own cards (yaml_text)
        draft.anki_notes, draft.anki_note_types = whole.anki_notes, whole.anki_note_types
    return list(drafts.values()), whole


def _empty(side: str, html: str) -> str:
    media = media_names(html)
    if media:
        return f"its {side} shows only media ({', '.join(media)})"
    return f"its {side} side is empty"


def _empty_answer(html: str) -> str:
    media = media_names(html)
    if media:
        return f"*(only media in Anki: {', '.join(media)})*"
    return EMPTY_ANSWER


def check(draft: DeckDraft, name: str) -> bytes:
    """The file's bytes, after ``calcquiz validate``'s own check of exactly those bytes.
    ``name`` is the file they are meant for (a path or a bare name): problems name it,
    not the scratch file the check reads."""
    import dataclasses
    import tempfile
    from pathlib import Path

    from calcquiz.content import DeckValidationError, Problem, check_deck, files

    data = draft.yaml_text().encode("utf-8")
    if len(data) > files.MAX_DECK_BYTES and draft.anki_notes:
        # The notes kept whole can double a deck: without them it still converts, and
        # export anki gives its cards back by anki_guids, as before they were kept.
        draft.anki_notes, draft.notes_left_out = {}, True
        data = draft.yaml_text().encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="calcquiz-deck-") as tmp:
        scratch = Path(tmp) / Path(name).name
        scratch.write_bytes(data)
        deck, problems = check_deck(scratch)
    if problems or deck is None:
        problems = [dataclasses.replace(p, path=name) for p in problems]
        raise DeckValidationError(problems or [Problem(name, "the converted deck is not valid")])
    return data
