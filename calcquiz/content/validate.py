"""Deck validation: one small checker per field, each problem located (file:line:col).

The rule: every value accepted here is shown, studied, listed and exported without error;
anything calcquiz cannot handle is refused here, not later. Text fields may hold any
printable character plus newlines and tabs; control characters (Anki rejects a package
holding one), private-use, surrogate and unassigned code points are refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calcquiz.content.model import Card, Deck, Problem
from calcquiz.latex import MathSyntaxError, split_math
from calcquiz.suggest import did_you_mean

if TYPE_CHECKING:
    from typing import TypeAlias

    import yaml

    from calcquiz.content.anki_notes import AnkiNoteRecord, AnkiNoteType

    # A YAML mapping's keys, each with its key node and value node (for file:line:col).
    KeyNodes: TypeAlias = dict[str, tuple[yaml.Node, yaml.Node]]

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # used with fullmatch: no "a\n"
DECK_KEYS = {"deck", "description", "cards", "anki_guids", "anki_note_types", "anki_notes"}
REQUIRED_CARD_KEYS = ("id", "number", "question", "answer")
OPTIONAL_CARD_KEYS = ("tags", "demo", "note", "corrections")
ALL_CARD_KEYS = REQUIRED_CARD_KEYS + OPTIONAL_CARD_KEYS
CARD_KEYS = set(ALL_CARD_KEYS)
MAX_CARD_NUMBER = 999_999  # Anki flags a new card due at 1,000,000 or later
_BAD_CATEGORIES = {
    "Cc": "control character",
    "Co": "private-use character",
    "Cs": "surrogate",
    "Cn": "unassigned code point",
}


def type_name(value: object) -> str:
    if value is None:
        return "nothing"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


def bad_character(text: str) -> str | None:
    """Why ``text`` cannot be a card field, or None: the first unusable character."""
    # Printable text (newlines and tabs aside) holds none of the refused categories, all
    # of which str.isprintable() rejects: one C-speed pass for nearly every field.
    if text.isprintable() or text.replace("\n", "").replace("\t", "").isprintable():
        return None
    for i, ch in enumerate(text, start=1):
        what = _BAD_CATEGORIES.get(unicodedata.category(ch))
        if what and ch not in "\n\t":
            return f"contains the {what} U+{ord(ch):04X} at character {i}"
    return None


@dataclass
class _Report:
    """Problems found in one file, each located at a YAML node."""

    name: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, message: str, node: yaml.Node | None = None, card: str | None = None) -> None:
        line, column = (None, None) if node is None else (
            node.start_mark.line + 1, node.start_mark.column + 1
        )
        self.problems.append(Problem(self.name, message, line, column, card))


def _mapping_nodes(node: yaml.Node | None) -> KeyNodes:
    """Key -> (key node, value node), for locating problems in a mapping."""
    import yaml

    out: KeyNodes = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                out.setdefault(str(key.value), (key, value))
    return out


def _at(nodes: KeyNodes, key: str) -> yaml.Node | None:
    """The value node of ``key``; None when validating without nodes (the fast path)."""
    return nodes[key][1] if key in nodes else None


# ---------------------------------------------------------------- the deck


def build_deck(
    data: Any, root: yaml.Node | None, name: str, path: Path | None
) -> tuple[Deck | None, list[Problem]]:
    """The Deck from a loaded document, or every problem found in it."""
    report = _Report(name)
    if data is None:
        report.add("empty file: a deck needs 'deck' and 'cards'")
        return None, report.problems
    if not isinstance(data, dict):
        found = type_name(data)
        report.add(f"not a deck: expected a mapping with 'deck' and 'cards', found {found}", root)
        return None, report.problems
    top = _mapping_nodes(root)
    _check_keys(report, data, DECK_KEYS, top, root, None, sorted(DECK_KEYS))
    deck_name = _check_deck_name(report, data, top, root)
    description = _check_description(report, data, top)
    cards = _check_cards(report, data, top, root, deck_name or "")
    anki_guids = _check_anki_guids(report, data, top, cards or [])
    kinds, notes = _check_anki_notes(report, data, root, cards or [], anki_guids)
    if report.problems or cards is None or deck_name is None:
        return None, report.problems
    ordered = tuple(sorted(cards, key=lambda c: c.number))
    return Deck(
        name=deck_name, cards=ordered, path=path, description=description, anki_guids=anki_guids,
        anki_note_types=kinds, anki_notes=notes,
    ), []


def _check_anki_notes(
    report: _Report, data: dict[Any, Any], root: yaml.Node | None, cards: list[Card],
    anki_guids: dict[str, str],
) -> tuple[tuple[AnkiNoteType, ...], tuple[AnkiNoteRecord, ...]]:
    """Optional ``anki_note_types`` and ``anki_notes`` (see :mod:`.anki_notes`), each
    problem located at its own value."""
    if data.get("anki_note_types") is None and data.get("anki_notes") is None:
        return (), ()
    from calcquiz.content.anki_notes import read_anki_notes

    def complain(message: str, where: tuple[str | int, ...]) -> None:
        said = message if message.startswith("'anki_") else f"'{where[0]}': {message}"
        report.add(said, _node_at(root, where))

    ids = {c.id for c in cards} if cards else None
    kinds, notes = read_anki_notes(
        data.get("anki_note_types"), data.get("anki_notes"), ids, complain
    )
    for i, note in enumerate(notes):
        for link in note.cards:
            other = anki_guids.get(link.card_id)
            if other is not None and other != note.guid:
                complain(f"card {link.card_id!r} has the guid {other!r} in 'anki_guids'",
                         ("anki_notes", i, "cards", link.card_id))
    return kinds, notes


def _node_at(node: yaml.Node | None, where: tuple[str | int, ...]) -> yaml.Node | None:
    """The node at ``where`` (keys and list positions), or the deepest one found."""
    import yaml

    for step in where:
        if isinstance(step, int) and isinstance(node, yaml.SequenceNode):
            if step >= len(node.value):
                break
            node = node.value[step]
        elif isinstance(step, str) and step in (mapped := _mapping_nodes(node)):
            node = mapped[step][1]
        else:
            break
    return node


def _check_anki_guids(
    report: _Report, data: dict[object, object], top: KeyNodes, cards: list[Card]
) -> dict[str, str]:
    """Optional ``anki_guids``: card id -> the guid of the Anki note the card came from
    (written by ``import anki --to-deck``, so ``export anki`` gives the note back its
    identity)."""
    value = data.get("anki_guids")
    if value is None:
        return {}
    node = _at(top, "anki_guids")
    if not isinstance(value, dict):
        report.add(f"'anki_guids' must be a mapping of card ids, found {type_name(value)}", node)
        return {}
    ids = {c.id for c in cards}
    before = len(report.problems)
    for card_id, guid in value.items():
        if not isinstance(card_id, str) or (cards and card_id not in ids):
            report.add(f"'anki_guids' names {card_id!r}, which is not a card of this deck", node)
        elif not isinstance(guid, str) or not guid.strip():
            report.add(f"'anki_guids' of {card_id!r} must be non-empty text", node)
        else:
            _check_characters(report, "anki_guids", guid, node, None)
    return value if len(report.problems) == before else {}


def _check_keys(
    report: _Report, data: dict[object, object], allowed: set[str],
    nodes: KeyNodes, where: yaml.Node | None,
    card: str | None, listed: list[str] | tuple[str, ...],
) -> None:
    for key in data:
        if str(key) not in allowed:
            report.add(f"unknown key {key!r} (allowed: {', '.join(listed)})",
                       nodes.get(str(key), (where,))[0], card)


def _check_deck_name(
    report: _Report, data: dict[object, object], top: KeyNodes, root: yaml.Node | None
) -> str | None:
    if "deck" not in data:
        report.add("missing 'deck' (the deck's name)", root)
        return None
    value = data["deck"]
    if not isinstance(value, str) or not value.strip():
        report.add(f"'deck' must be non-empty text, found {type_name(value)}", _at(top, "deck"))
        return None
    return value if _check_characters(report, "deck", value, _at(top, "deck"), None) else None


def _check_description(report: _Report, data: dict[object, object], top: KeyNodes) -> str | None:
    value = data.get("description")
    if value is None:
        return None
    node = _at(top, "description")
    if not isinstance(value, str):
        report.add(f"'description' must be text, found {type_name(value)}", node)
        return None
    return value if _check_characters(report, "description", value, node, None) else None


def _check_characters(
    report: _Report, key: str, value: str, node: yaml.Node | None, card: str | None
) -> bool:
    why = bad_character(value)
    if why:
        report.add(f"'{key}' {why}", node, card)
    return why is None


def _check_cards(
    report: _Report, data: dict[object, object], top: KeyNodes, root: yaml.Node | None,
    deck_name: str,
) -> list[Card] | None:
    import yaml

    if "cards" not in data:
        report.add("missing 'cards' (the list of cards)", root)
        return None
    value, node = data["cards"], _at(top, "cards")
    if not isinstance(value, list):
        report.add(f"'cards' must be a list, found {type_name(value)}", node)
        return None
    if not value:
        report.add("empty deck: 'cards' has no cards", node)
        return None
    nodes = node.value if isinstance(node, yaml.SequenceNode) else []
    seen = _Seen()
    cards = []
    for position, raw in enumerate(value, start=1):
        card_node = nodes[position - 1] if position - 1 < len(nodes) else None
        card = _CardCheck(report, raw, card_node, position, seen).card(deck_name)
        if card is not None:
            cards.append(card)
    return cards


# ---------------------------------------------------------------- one card


def _is_correction_list(value: object) -> bool:
    """A list of mappings, each with exactly a non-blank 'claim' and 'correction' text."""
    return isinstance(value, list) and all(
        isinstance(v, dict) and set(v) == {"claim", "correction"}
        and all(isinstance(t, str) and t.strip() for t in v.values())
        for v in value
    )


@dataclass
class _Seen:
    ids: dict[str, int] = field(default_factory=dict)  # id -> position
    numbers: dict[int, str] = field(default_factory=dict)  # number -> card label


class _CardCheck:
    """Checks one card, one method per field; :meth:`card` is the Card if all passed."""

    def __init__(
        self, report: _Report, raw: Any, node: yaml.Node | None, position: int, seen: _Seen
    ) -> None:
        self.report, self.raw, self.node = report, raw, node
        self.position, self.seen = position, seen
        self.fields = _mapping_nodes(node)
        card_id = raw.get("id") if isinstance(raw, dict) else None
        named = isinstance(card_id, str) and card_id
        self.label = f"card {card_id!r}" if named else f"card #{position}"

    def problem(self, message: str, key: str | None = None) -> None:
        where = self.fields[key][1] if key in self.fields else self.node
        self.report.add(message, where, self.label)

    def card(self, deck_name: str) -> Card | None:
        if not isinstance(self.raw, dict):
            self.problem(f"a card must be a mapping, found {type_name(self.raw)}")
            return None
        before = len(self.report.problems)
        _check_keys(self.report, self.raw, CARD_KEYS, self.fields, self.node, self.label,
                    ALL_CARD_KEYS)
        for key in REQUIRED_CARD_KEYS:
            if key not in self.raw:
                self.problem(f"missing field '{key}'")
        checks: dict[str, Callable[[Any], Any]] = {
            "id": self.check_id, "number": self.check_number, "tags": self.check_tags,
            "demo": self.check_demo, "question": self.check_text("question"),
            "answer": self.check_text("answer"), "note": self.check_text("note"),
        }
        values = {k: check(self.raw[k]) for k, check in checks.items() if k in self.raw}
        if len(self.report.problems) > before:
            return None
        corrections = self.check_corrections(
            self.raw.get("corrections"), values["answer"], values.get("note")
        )
        if corrections is None:
            return None
        return Card(id=values["id"], number=values["number"], question=values["question"],
                    answer=values["answer"], tags=values.get("tags") or (),
                    demo=values.get("demo"), note=values.get("note"), deck=deck_name,
                    corrections=corrections)

    def check_corrections(
        self, value: Any, answer: str, note: str | None
    ) -> tuple[tuple[str, str], ...] | None:
        """``corrections``: a list of ``{claim: ..., correction: ...}``, each claim text
        found exactly once in the answer, each correction text found in the note."""
        from calcquiz.content.model import MARKS

        if value is None:
            return ()
        shape = ("'corrections' must be a list of mappings with 'claim' (text of the answer) "
                 "and 'correction' (text of the note)")
        if not _is_correction_list(value):
            self.problem(shape, "corrections")
            return None
        if len(value) > len(MARKS):
            self.problem(f"'corrections' has {len(value)} entries; at most {len(MARKS)} "
                         f"(marked {' '.join(MARKS)})", "corrections")
            return None
        if note is None:
            self.problem("'corrections' needs a 'note' that holds the corrections",
                         "corrections")
            return None
        pairs = []
        for entry in value:
            claim, correction = entry["claim"], entry["correction"]
            if answer.count(claim) != 1:
                found = "is not" if claim not in answer else "is more than once"
                self.problem(f"'corrections': the claim {claim!r} {found} in the answer "
                             "(quote it exactly as written there)", "corrections")
            elif correction not in note:
                self.problem(f"'corrections': the correction {correction!r} is not in the "
                             "note (quote it exactly as written there)", "corrections")
            else:
                pairs.append((claim, correction))
        return tuple(pairs) if len(pairs) == len(value) else None

    def check_id(self, value: Any) -> str | None:
        if not isinstance(value, str):
            self.problem(f"'id' must be text, found {type_name(value)}", "id")
        elif not ID_PATTERN.fullmatch(value):
            self.problem(
                f"'id' {value!r} must be a slug: lowercase letters, digits and single dashes", "id"
            )
        elif value in self.seen.ids:
            self.problem(f"duplicate id {value!r} (also card #{self.seen.ids[value]})", "id")
        else:
            self.seen.ids[value] = self.position
            return value
        return None

    def check_number(self, value: Any) -> int | None:
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(f"'number' must be a whole number, found {type_name(value)}", "number")
        elif value < 1:
            self.problem(f"'number' must be positive, found {value}", "number")
        elif value > MAX_CARD_NUMBER:
            self.problem(f"'number' must be at most {MAX_CARD_NUMBER:,}", "number")
        elif value in self.seen.numbers:
            self.problem(f"duplicate number {value} (also {self.seen.numbers[value]})", "number")
        else:
            self.seen.numbers[value] = self.label
            return value
        return None

    def check_text(self, key: str) -> Callable[[Any], str | None]:
        def check(value: Any) -> str | None:
            if key == "note" and value is None:
                return None
            if not isinstance(value, str):
                self.problem(f"'{key}' must be text, found {type_name(value)}", key)
            elif not value.strip():
                self.problem(f"'{key}' is empty", key)
            elif self._characters(key, value):
                try:
                    if "$" in value:  # without a dollar there is no math to check
                        split_math(value)
                    return value
                except MathSyntaxError as exc:
                    self.problem(f"'{key}': {exc}", key)
            return None

        return check

    def _characters(self, key: str, value: str) -> bool:
        why = bad_character(value)
        if why:
            self.problem(f"'{key}' {why}", key)
        return why is None

    def check_tags(self, value: Any) -> tuple[str, ...] | None:
        tags = [] if value is None else value
        if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
            self.problem("'tags' must be a list of non-empty text tags", "tags")
        elif any(c.isspace() for t in tags for c in t):
            self.problem("tags cannot contain spaces (Anki splits tags on spaces)", "tags")
        elif all(self._characters("tags", t) for t in tags):
            return tuple(tags)
        return None

    def check_demo(self, value: Any) -> str | None:
        from calcquiz.demos import DEMO_NAMES

        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(f"'demo' must be text, found {type_name(value)}", "demo")
        elif value not in DEMO_NAMES:
            self.problem(f"unknown demo {value!r}{did_you_mean(value, DEMO_NAMES)}", "demo")
        else:
            return value
        return None
