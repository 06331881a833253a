"""YAML -> Python values, safely: the safe loader only (the C one where available), no
aliases, no timestamps, no integers too long to convert. Returns problems; never prints.

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
        corrections:            # optional: what the note corrects, marked † (‡, §, ¶) on both
          - claim: text quoted exactly from the answer (found there once)
            correction: text quoted exactly from the note

No tag such as ``!!python/object`` can construct anything. ``2001-13-45`` stays text (YAML
would read it as a date, and fail on month 13).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calcquiz.content.model import Deck, Problem
from calcquiz.content.validate import build_deck

if TYPE_CHECKING:
    import yaml

# Longer integers are refused while reading: Python will not even convert a 5,000-digit
# one to a string, and no deck needs one.
MAX_INT_DIGITS = 30


@lru_cache(maxsize=1)
def _loader() -> type:
    import yaml

    try:  # the C loader is several times faster; fall back where libyaml is missing
        from yaml import CSafeLoader as SafeLoader
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        from yaml import SafeLoader  # type: ignore[assignment]

    class DeckLoader(SafeLoader):
        pass

    timestamp = "tag:yaml.org,2002:timestamp"
    DeckLoader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != timestamp]
        for first, resolvers in SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_int(loader: Any, node: yaml.ScalarNode) -> Any:
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number with {digits} digits is too large", node.start_mark
            )
        return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)

    DeckLoader.add_constructor("tag:yaml.org,2002:int", construct_int)
    DeckLoader.add_constructor(timestamp, DeckLoader.yaml_constructors["tag:yaml.org,2002:str"])
    return DeckLoader


def parse_deck(
    raw: bytes, name: str, path: Path | None = None
) -> tuple[Deck | None, list[Problem]]:
    """The deck in ``raw`` (the bytes of a file called ``name``) and every problem found."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [Problem(name, f"not UTF-8 text (invalid byte at offset {exc.start})")]
    if "\x00" in text:
        return None, [Problem(name, "not a text file (contains NUL bytes)")]

    import yaml

    # Fast path: values straight from the C parser's events, checked without nodes.
    # Only a deck with something to report (or unusual YAML) pays for the node graph,
    # which locates every problem by line and column.
    from calcquiz.yamlplain import PLAIN_UNSUPPORTED, load_plain

    loader = _loader()(text)
    try:
        plain = load_plain(loader)
    finally:
        loader.dispose()
    if plain is not PLAIN_UNSUPPORTED:
        deck, problems = build_deck(plain, None, name, path)
        if not problems:
            return deck, problems
        del plain, deck, problems

    loader = _loader()(text)
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
    except (ValueError, OverflowError) as exc:  # a value YAML's constructors cannot build
        return None, [Problem(name, f"YAML error: {exc}")]
    finally:
        loader.dispose()

    return build_deck(data, root, name, path)


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


