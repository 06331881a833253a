"""Plain YAML documents built straight from the parser's events, without a node graph.

``yaml.load`` composes every node of a document (with its marks) before constructing a
single value: for a 100,000-card deck that graph alone is over 500 MB. Decks need no
more than mappings, lists and scalars, so :func:`load_plain` builds those directly from
the event stream, with the loader's own resolver and constructors, and holds nothing but
the values. Anything else (aliases, explicit tags, merge keys, complex keys, several
documents, a syntax error) returns ``PLAIN_UNSUPPORTED``: the caller then parses with the
composing loader, which reports the problem with its line and column.
"""

from __future__ import annotations

from typing import Any

from calcquiz.gc_paused import gc_paused

PLAIN_UNSUPPORTED = object()
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"


class _Unsupported(Exception):
    pass


def load_plain(loader: Any) -> Any:
    """The single document of ``loader`` (a PyYAML loader instance, not yet used) as
    Python values, or ``PLAIN_UNSUPPORTED``. Never executes anything: scalars go through
    the loader's resolver and constructors, exactly as ``construct_document`` would."""
    import yaml

    try:
        with gc_paused():  # millions of new containers, none in a cycle
            return _build(loader, yaml)
    except (_Unsupported, yaml.YAMLError, ValueError, OverflowError, TypeError):
        return PLAIN_UNSUPPORTED


def _build(loader: Any, yaml: Any) -> Any:
    events = yaml.events
    loader.get_event()  # StreamStart
    if loader.check_event(events.StreamEndEvent):
        return None  # an empty file
    loader.get_event()  # DocumentStart
    scalar = _ScalarMaker(loader, yaml)
    keys: dict[str, str] = {}  # one string object per distinct key
    # Each open container: [value, key waiting for its value, or _NO_KEY (lists: unused)]
    stack: list[list[Any]] = []
    root: Any = None
    get_event = loader.get_event
    scalar_event, mapping_start = events.ScalarEvent, events.MappingStartEvent
    sequence_start, mapping_end = events.SequenceStartEvent, events.MappingEndEvent
    sequence_end, document_end = events.SequenceEndEvent, events.DocumentEndEvent
    while True:
        event = get_event()
        kind = type(event)
        if kind is scalar_event:
            value = scalar(event)
        elif kind is mapping_start or kind is sequence_start:
            if event.tag is not None and event.tag != "!":
                raise _Unsupported
            stack.append([{} if kind is mapping_start else [], _NO_KEY])
            continue
        elif kind is mapping_end or kind is sequence_end:
            value = stack.pop()[0]
        elif kind is document_end:
            break
        else:  # an alias, or something a plain document does not hold
            raise _Unsupported
        if not stack:
            root = value
            continue
        top = stack[-1]
        container = top[0]
        if type(container) is list:
            container.append(value)
        elif top[1] is _NO_KEY:
            if type(value) in (dict, list):
                raise _Unsupported  # a complex key: the composing loader says why
            if type(value) is str:
                value = keys.setdefault(value, value)
            top[1] = value
        else:
            container[top[1]] = value  # a repeated key: the last wins, as in PyYAML
            top[1] = _NO_KEY
    if not loader.check_event(events.StreamEndEvent):
        raise _Unsupported  # several documents
    return root


_NO_KEY = object()


class _ScalarMaker:
    """Scalar events to values as PyYAML's composer and constructor make them: the
    loader's implicit resolvers, then its constructors. Most deck text starts with a
    character no resolver claims, so it is text at once."""

    def __init__(self, loader: Any, yaml: Any):
        if loader.yaml_path_resolvers:
            raise _Unsupported  # resolution would depend on the path: compose instead
        self.loader = loader
        self.node = yaml.ScalarNode
        self.claimed = set(loader.yaml_implicit_resolvers)  # first characters, '' and None
        self.constructors = loader.yaml_constructors
        self.tags: dict[str, str] = {}  # resolved tags of short values seen (keys, mostly)

    def __call__(self, event: Any) -> Any:
        tag, value = event.tag, event.value
        if tag is not None and tag != "!":
            raise _Unsupported  # an explicit tag: rare, and the composing loader checks it
        if event.implicit[0] and (None in self.claimed or value[:1] in self.claimed):
            # With implicit[0] set, resolve() depends on the value alone: remember it.
            tag = self.tags.get(value)
            if tag is None:
                tag = self.loader.resolve(self.node, value, event.implicit)
                if len(value) <= 12 and len(self.tags) < 4096:
                    self.tags[value] = tag
        else:
            tag = _STR  # what resolve() returns when no implicit resolver applies
        if tag == _STR:
            return value
        # Plain decimals, the deck's numbers, skip the constructor (YAML 1.1 reads 010 as
        # octal: leading zeros go the long way).
        if tag == _INT and value.isascii() and value.isdigit() and len(value) <= 18 and (
            value[0] != "0" or value == "0"
        ):
            return int(value)
        if tag not in self.constructors:
            raise _Unsupported  # e.g. a merge key (<<): the composing loader handles it
        node = self.node(tag, value, event.start_mark, event.end_mark, style=event.style)
        return self.constructors[tag](self.loader, node)
