"""The deck model, and YAML loading with validation. Returns errors; never prints.

A deck file is a YAML mapping::

    deck: Calculus & Optimization
    cards:
      - id: chain-rule          # stable slug: progress is keyed on it
        number: 4               # position in the deck, unique, positive
        question: What is the Chain Rule?
        answer: "* Rule for differentiating composite functions: $(f(g(x)))' = ...$"
        tags: [calculus, backprop]
        demo: chain-rule        # optional: the numeric demo behind the card
        note: optional correction or aside

Loading uses yaml's safe loader only (the C one where available), so no tag such as
``!!python/object`` can construct anything.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calcquiz.demos import DEMO_NAMES
from calcquiz.errors import DeckError
from calcquiz.mathtext import MathSyntaxError, split_math

if TYPE_CHECKING:
    import yaml

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DECK_KEYS = {"deck", "description", "cards"}
REQUIRED_CARD_KEYS = ("id", "number", "question", "answer")
OPTIONAL_CARD_KEYS = ("tags", "demo", "note")
ALL_CARD_KEYS = REQUIRED_CARD_KEYS + OPTIONAL_CARD_KEYS
CARD_KEYS = set(ALL_CARD_KEYS)
# A deck file larger than this is refused before parsing: 20 cards take ~10 kB and a
# 10,000-card deck a few MB, so this only stops accidents and hostile files.
MAX_DECK_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Card:
    """One flashcard. ``id`` is the stable key for progress; ``number`` its position."""

    id: str
    number: int
    question: str
    answer: str
    tags: tuple[str, ...] = ()
    demo: str | None = None
    note: str | None = None
    deck: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "deck": self.deck,
            "id": self.id,
            "number": self.number,
            "question": self.question,
            "answer": self.answer,
            "tags": list(self.tags),
            "demo": self.demo,
            "note": self.note,
        }


@dataclass(frozen=True)
class Deck:
    name: str
    cards: tuple[Card, ...]
    path: Path | None = None
    description: str | None = None
    by_id: dict[str, Card] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a deck file, located as precisely as we can."""

    path: str
    message: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    card: str | None = None  # "card 'chain-rule'" or "card #3"

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        parts = [where]
        if self.card:
            parts.append(self.card)
        parts.append(self.message)
        return ": ".join(parts)


class DeckValidationError(DeckError):
    """A deck failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        first = str(self.problems[0])
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problem{'s' * (more > 1)})" if more else ""))


def bundled_content_dir() -> Path:
    """Where the bundled decks live: inside the wheel, or ``content/`` in a checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "_bundled_content"
    if packaged.is_dir():
        return packaged
    return here.parent / "content"


def bundled_deck_paths() -> list[Path]:
    folder = bundled_content_dir()
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def load_decks(paths: Iterable[os.PathLike[str] | str] | None = None) -> list[Deck]:
    """Load and validate decks (default: the bundled ones). Raises DeckValidationError."""
    chosen = list(paths) if paths else bundled_deck_paths()
    if not chosen:
        raise DeckError(f"no deck files found in {bundled_content_dir()}")
    decks = [load_deck(p) for p in chosen]
    names: dict[str, Path | None] = {}
    for deck in decks:
        if deck.name in names:
            raise DeckValidationError(
                [
                    Problem(
                        str(deck.path),
                        f"deck name {deck.name!r} is also used by {names[deck.name]}",
                    )
                ]
            )
        names[deck.name] = deck.path
    return decks


def load_deck(path: os.PathLike[str] | str, use_cache: bool = True) -> Deck:
    """A valid deck, or DeckValidationError. A deck already validated in exactly this
    form (same bytes) comes from the cache, which skips parsing YAML altogether."""
    raw, problem = _read(path)
    if problem is not None:
        raise DeckValidationError([problem])
    assert raw is not None
    key = _cache_key(raw) if use_cache else None
    if key is not None:
        cached = _cache_get(key, Path(path))
        if cached is not None:
            return cached
    deck, problems = parse_deck(raw, str(path), Path(path))
    if problems or deck is None:
        raise DeckValidationError(problems)
    if key is not None:
        _cache_put(key, deck)
    return deck


def check_deck(path: os.PathLike[str] | str) -> tuple[Deck | None, list[Problem]]:
    """Read and validate one deck file; returns the deck (if valid) and every problem found."""
    raw, problem = _read(path)
    if problem is not None:
        return None, [problem]
    assert raw is not None
    return parse_deck(raw, str(path), Path(path))


def _read(path: os.PathLike[str] | str) -> tuple[bytes | None, Problem | None]:
    name = str(path)
    try:
        size = os.stat(path).st_size
        if size > MAX_DECK_BYTES:
            return None, Problem(
                name, f"file is {size:,} bytes; decks are limited to {MAX_DECK_BYTES:,}"
            )
        return Path(path).read_bytes(), None
    except FileNotFoundError:
        return None, Problem(name, "no such file")
    except IsADirectoryError:
        return None, Problem(name, "is a directory, not a deck file")
    except OSError as exc:
        return None, Problem(name, f"cannot read: {exc.strerror or exc}")


# ---------------------------------------------------------------- the validated-deck cache
# Keyed by a hash of the file's bytes and of calcquiz's version (validation rules may
# change between versions), so an edited deck is always parsed and validated afresh.
_CACHE_KEEP = 16


def _cache_key(raw: bytes) -> str:
    import hashlib

    from calcquiz import __version__

    # "v2" names the cache's own layout (cards as lists)
    return hashlib.blake2b(raw + f"{__version__}/v2".encode(), digest_size=16).hexdigest()


def _cache_get(key: str, path: Path) -> Deck | None:
    import json

    from calcquiz.paths import deck_cache_dir

    try:
        data = json.loads((deck_cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
        name = data["name"]
        cards = tuple(
            Card(i, n, q, a, tuple(t), demo, note, name)
            for i, n, q, a, t, demo, note in data["cards"]
        )
        return Deck(
            name=data["name"],
            cards=cards,
            path=path,
            description=data["description"],
            by_id={c.id: c for c in cards},
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no entry, or an unreadable one: parse the file instead


def _cache_put(key: str, deck: Deck) -> None:
    import json

    from calcquiz.paths import deck_cache_dir

    folder = deck_cache_dir()
    data = {
        "name": deck.name,
        "description": deck.description,
        "cards": [
            [c.id, c.number, c.question, c.answer, list(c.tags), c.demo, c.note] for c in deck.cards
        ],
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder / f"{key}.json")
        entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-_CACHE_KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only costs speed


def parse_deck(
    raw: bytes, name: str, path: Path | None = None
) -> tuple[Deck | None, list[Problem]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [Problem(name, f"not UTF-8 text (invalid byte at offset {exc.start})")]
    if "\x00" in text:
        return None, [Problem(name, "not a text file (contains NUL bytes)")]

    import yaml

    try:  # the C loader is several times faster; fall back where libyaml is missing
        from yaml import CSafeLoader as SafeLoader
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        from yaml import SafeLoader  # type: ignore[assignment]

    loader = SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            _refuse_aliases(root, name)
        data = loader.construct_document(root) if root is not None else None
    except _AliasFound as found:
        return None, [found.problem]
    except yaml.MarkedYAMLError as exc:
        return None, [_yaml_problem(name, exc)]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
        return None, [
            Problem(name, f"YAML error: {exc.reason} (#x{exc.character:04x})", line, column)
        ]
    except yaml.YAMLError as exc:
        return None, [Problem(name, "YAML error: " + " ".join(str(exc).split()))]
    except RecursionError:
        return None, [Problem(name, "YAML nesting is too deep")]
    finally:
        loader.dispose()

    return _build_deck(data, root, name, path)


class _AliasFound(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


def _refuse_aliases(root: yaml.Node, name: str) -> None:
    """Decks never need anchors and aliases; refusing them stops "billion laughs" files.

    Walks the node graph iteratively and visits each node once, so neither deep nesting
    nor shared aliases can blow up the walk itself.
    """
    import yaml

    seen: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            mark = node.start_mark
            raise _AliasFound(
                Problem(
                    name,
                    "YAML aliases (*name) are not allowed in decks",
                    mark.line + 1,
                    mark.column + 1,
                )
            )
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _yaml_problem(name: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    what = exc.problem or "YAML syntax error"
    if exc.context:
        what = f"{exc.context}, {what}"
    what = " ".join(what.split())
    if "could not determine a constructor" in what:
        what = "unsupported YAML tag (only plain YAML is allowed in decks): " + what
    message = f"YAML error: {what}"
    if mark is None:
        return Problem(name, message)
    return Problem(name, message, mark.line + 1, mark.column + 1)


def _mark(node: yaml.Node | None) -> tuple[int | None, int | None]:
    if node is None:
        return None, None
    return node.start_mark.line + 1, node.start_mark.column + 1


def _mapping_nodes(node: yaml.Node | None) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """Key -> (key node, value node), for locating problems in a mapping."""
    import yaml

    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                out.setdefault(str(key.value), (key, value))
    return out


def _type_name(value: object) -> str:
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


def _build_deck(
    data: Any, root: yaml.Node | None, name: str, path: Path | None
) -> tuple[Deck | None, list[Problem]]:
    import yaml

    problems: list[Problem] = []

    def problem(message: str, node: yaml.Node | None = None, card: str | None = None) -> None:
        line, column = _mark(node)
        problems.append(Problem(name, message, line, column, card))

    if data is None:
        problem("empty file: a deck needs 'deck' and 'cards'")
        return None, problems
    if not isinstance(data, dict):
        problem(
            f"not a deck: expected a mapping with 'deck' and 'cards', found {_type_name(data)}",
            root,
        )
        return None, problems

    top = _mapping_nodes(root)
    for key in data:
        if str(key) not in DECK_KEYS:
            problem(
                f"unknown key {key!r} (allowed: {', '.join(sorted(DECK_KEYS))})",
                top.get(str(key), (root,))[0],
            )

    deck_name = data.get("deck")
    if "deck" not in data:
        problem("missing 'deck' (the deck's name)", root)
    elif not isinstance(deck_name, str) or not deck_name.strip():
        problem(f"'deck' must be non-empty text, found {_type_name(deck_name)}", top["deck"][1])
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        problem(
            f"'description' must be text, found {_type_name(description)}", top["description"][1]
        )

    cards_data = data.get("cards")
    if "cards" not in data:
        problem("missing 'cards' (the list of cards)", root)
        return None, problems
    cards_node = top["cards"][1]
    if not isinstance(cards_data, list):
        problem(f"'cards' must be a list, found {_type_name(cards_data)}", cards_node)
        return None, problems
    if not cards_data:
        problem("empty deck: 'cards' has no cards", cards_node)
        return None, problems

    card_nodes = cards_node.value if isinstance(cards_node, yaml.SequenceNode) else []
    cards: list[Card] = []
    ids: dict[str, int] = {}
    numbers: dict[int, str] = {}
    for position, raw_card in enumerate(cards_data, start=1):
        node = card_nodes[position - 1] if position - 1 < len(card_nodes) else None
        label = f"card #{position}"
        if not isinstance(raw_card, dict):
            problem(f"a card must be a mapping, found {_type_name(raw_card)}", node, label)
            continue
        card_id = raw_card.get("id")
        if isinstance(card_id, str) and card_id:
            label = f"card {card_id!r}"
        fields = _mapping_nodes(node)
        before = len(problems)

        def at(
            key: str,
            node: yaml.Node | None = node,
            fields: dict[str, tuple[yaml.Node, yaml.Node]] = fields,
        ) -> yaml.Node | None:
            return fields[key][1] if key in fields else node

        for key in raw_card:
            if str(key) not in CARD_KEYS:
                problem(
                    f"unknown key {key!r} (allowed: {', '.join(ALL_CARD_KEYS)})",
                    fields.get(str(key), (node,))[0],
                    label,
                )
        for key in REQUIRED_CARD_KEYS:
            if key not in raw_card:
                problem(f"missing field '{key}'", node, label)

        if "id" in raw_card:
            if not isinstance(card_id, str):
                problem(f"'id' must be text, found {_type_name(card_id)}", at("id"), label)
            elif not ID_PATTERN.match(card_id):
                problem(
                    f"'id' {card_id!r} must be a slug: lowercase letters, digits and single dashes",
                    at("id"),
                    label,
                )
            elif card_id in ids:
                problem(f"duplicate id {card_id!r} (also card #{ids[card_id]})", at("id"), label)
            else:
                ids[card_id] = position

        number = raw_card.get("number")
        if "number" in raw_card:
            if not isinstance(number, int) or isinstance(number, bool):
                problem(
                    f"'number' must be a whole number, found {_type_name(number)}",
                    at("number"),
                    label,
                )
            elif number < 1:
                problem(f"'number' must be positive, found {number}", at("number"), label)
            elif number in numbers:
                problem(f"duplicate number {number} (also {numbers[number]})", at("number"), label)
            else:
                numbers[number] = label

        for key in ("question", "answer", "note"):
            if key not in raw_card or (key == "note" and raw_card[key] is None):
                continue
            value = raw_card[key]
            if not isinstance(value, str):
                problem(f"'{key}' must be text, found {_type_name(value)}", at(key), label)
            elif not value.strip():
                problem(f"'{key}' is empty", at(key), label)
            else:
                try:
                    split_math(value)
                except MathSyntaxError as exc:
                    problem(f"'{key}': {exc}", at(key), label)

        tags = raw_card.get("tags", [])
        if tags is None:
            tags = []
        if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
            problem("'tags' must be a list of non-empty text tags", at("tags"), label)
            tags = []
        elif any(" " in t for t in tags):
            problem("tags cannot contain spaces (Anki splits tags on spaces)", at("tags"), label)

        demo = raw_card.get("demo")
        if demo is not None:
            if not isinstance(demo, str):
                problem(f"'demo' must be text, found {_type_name(demo)}", at("demo"), label)
            elif demo not in DEMO_NAMES:
                hint = _closest(demo, DEMO_NAMES)
                problem(
                    f"unknown demo {demo!r}" + (f" (did you mean {hint!r}?)" if hint else ""),
                    at("demo"),
                    label,
                )

        if len(problems) == before:
            cards.append(
                Card(
                    id=str(card_id),
                    number=number,  # type: ignore[arg-type]  # checked above
                    question=raw_card["question"],
                    answer=raw_card["answer"],
                    tags=tuple(tags),
                    demo=demo,
                    note=raw_card.get("note"),
                    deck=deck_name if isinstance(deck_name, str) else "",
                )
            )

    if problems:
        return None, problems
    ordered = tuple(sorted(cards, key=lambda c: c.number))
    return (
        Deck(
            name=str(deck_name),
            cards=ordered,
            path=path,
            description=description,
            by_id={c.id: c for c in ordered},
        ),
        problems,
    )


def _closest(word: str, choices: Sequence[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return matches[0] if matches else None


def closest_name(word: str, choices: Sequence[str]) -> str | None:
    """The choice closest to ``word`` (for "did you mean" hints), if any is close."""
    return _closest(word, choices)


def find_card(decks: Sequence[Deck], key: str) -> Card:
    """A card by id or by number across the decks; ambiguous or unknown keys are errors."""
    key = key.strip()
    if key.isdigit():
        matches = [c for d in decks for c in d.cards if c.number == int(key)]
    else:
        matches = [d.by_id[key] for d in decks if key in d.by_id]
    if not matches:
        all_ids = [c.id for d in decks for c in d.cards]
        hint = None if key.isdigit() else _closest(key, all_ids)
        suffix = f" (did you mean {hint!r}?)" if hint else ""
        raise DeckError(f"no card {key!r} in {', '.join(repr(d.name) for d in decks)}{suffix}")
    if len(matches) > 1:
        raise DeckError(
            f"{key!r} matches cards in several decks ({', '.join(c.deck for c in matches)}); "
            "pick one with --deck"
        )
    return matches[0]
