"""The validated-deck cache: a deck validated in exactly this form (same bytes) is read
back without parsing YAML, and a warm start reads only what its first screen needs.

An entry is keyed by a hash of the file's bytes, of calcquiz's version and of the
validation rules' own version (``RULES``), so an edited deck, or one checked by older
rules, is always parsed and validated afresh. It is two files:

* ``<entry>.json``, the index: the deck's name, description and card ids, and where each
  card's body starts in the bodies file;
* ``<entry>.cards``, the bodies: one JSON array, a card ``[number, question, answer, tags,
  demo, note]`` a line (then its corrections, when it has any), so one card is read with
  one seek and read, and every card with one ``json.loads``.

A deck file that has not changed need not even be read: ``<path key>.stat`` remembers
the file's size, mtime, ctime, inode and device beside the entry its bytes gave. It is
trusted only if the file was last changed at least ``SETTLED_NS`` before it was recorded,
so an edit in the same clock tick as the recording cannot hide (git's "racily clean"
rule), and ctime, which no program can set back, changes with any write or ``touch``.

A cache that cannot be read or written only costs speed.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import time
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from calcquiz.content.model import Card, Deck

if TYPE_CHECKING:  # the Anki note records load only where a deck has some
    from calcquiz.content.anki_notes import AnkiNoteRecord, AnkiNoteType, KeptNotesDict

KEEP = 16
RULES = "v6"  # bump when validation rules change: v6 reads anki_note_types and anki_notes
LAYOUT = "index+bodies"  # the entries' own layout
# forms of every card made on first use (LazyCards.derived), removed with their entry
DERIVED = (".numbers", ".demos", ".lines", ".jsonl")
SETTLED_NS = 3_000_000_000  # a stat is remembered once the file is 3 s old (FAT: 2 s ticks)


def key(raw: bytes) -> str:
    import hashlib

    return hashlib.blake2b(raw + _salt(), digest_size=16).hexdigest()


def _salt() -> bytes:
    from calcquiz import __version__

    return f"{__version__}/{RULES}/{LAYOUT}".encode()


# --- the entry of an unchanged file, from its stat ------------------------------------------


def _stat_record(path: Path) -> Path:
    import hashlib

    from calcquiz.paths import deck_cache_dir

    where = os.fsencode(os.path.abspath(path))
    name = hashlib.blake2b(where + _salt(), digest_size=16).hexdigest()
    return deck_cache_dir() / f"{name}.stat"


def _fingerprint(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def same_file_state(a: os.stat_result, b: os.stat_result) -> bool:
    """Size, mtime, ctime, inode and device agree (atime may move with a read)."""
    return _fingerprint(a) == _fingerprint(b)


def entry_for_stat(path: Path, st: os.stat_result) -> str | None:
    """The entry this file's bytes gave when it had exactly this stat, if remembered."""
    if not stat.S_ISREG(st.st_mode):
        return None
    try:
        data = json.loads(_stat_record(path).read_bytes())
        if data["stat"] == _fingerprint(st) and isinstance(data["entry"], str):
            return data["entry"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def remember_stat(path: Path, st: os.stat_result, entry: str) -> None:
    """Remember that ``path``, with stat ``st`` taken before its bytes were read, gave
    ``entry``; only once the file has settled (see the module's docstring)."""
    settled = time.time_ns() - SETTLED_NS
    if not stat.S_ISREG(st.st_mode) or max(st.st_mtime_ns, st.st_ctime_ns) > settled:
        return
    record = _stat_record(path)
    _write_atomic(record, json.dumps({"stat": _fingerprint(st), "entry": entry}).encode())


# --- entries --------------------------------------------------------------------------------


def get(entry: str, path: Path) -> Deck | None:
    from calcquiz.paths import deck_cache_dir

    folder = deck_cache_dir()
    try:
        index = json.loads((folder / f"{entry}.json").read_bytes())
        bodies = Bodies.open(folder / f"{entry}.cards", index["bodies"], len(index["ids"]))
        cards = LazyCards(index["name"], index["ids"], bodies, folder / entry)
        anki_guids = index.get("anki_guids") or {}
        if not isinstance(anki_guids, dict):
            raise ValueError("damaged cache index")
        kinds, notes = _anki_notes(index.get("anki_note_types"), index.get("anki_notes"))
        return Deck(
            name=index["name"],
            cards=cards,
            path=path,
            description=index["description"],
            anki_guids=anki_guids,
            anki_note_types=kinds,
            anki_notes=notes,
        )
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None  # no entry, or an unreadable one: parse the file instead


def _anki_notes(
    kinds: object, notes: object
) -> tuple[tuple[AnkiNoteType, ...], tuple[AnkiNoteRecord, ...]]:
    """The entry's Anki note types and notes, read as the deck file's are."""
    if kinds is None and notes is None:
        return (), ()
    from calcquiz.content.anki_notes import read_anki_notes

    def damaged(message: str, where: tuple[str | int, ...]) -> None:
        raise ValueError("damaged cache index")

    return read_anki_notes(kinds, notes, None, damaged, check_text=False)


def put(entry: str, deck: Deck) -> None:
    from calcquiz.paths import deck_cache_dir

    folder = deck_cache_dir()
    encode = json.JSONEncoder(ensure_ascii=False).encode
    lines = [
        encode([c.number, c.question, c.answer, list(c.tags), c.demo, c.note,
                *([[list(p) for p in c.corrections]] if c.corrections else [])]).encode()
        for c in deck.cards
    ]
    starts = array("q")
    at = 2  # after "[\n"
    for line in lines:
        starts.append(at)
        at += len(line) + 2  # ",\n" or "\n]"
    body = b"[\n" + b",\n".join(lines) + b"\n]\n"
    index = {
        "name": deck.name,
        "description": deck.description,
        "anki_guids": dict(deck.anki_guids),
        **_anki_notes_plain(deck),
        "ids": [c.id for c in deck.cards],
        "bodies": {"size": len(body), "starts": _pack(starts)},
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(folder / f"{entry}.cards", body)  # bodies first: an index never
        _write_atomic(folder / f"{entry}.json", encode(index).encode())  # points at nothing
        _prune(folder)
    except OSError:
        pass  # a cache that cannot be written only costs speed


def _anki_notes_plain(deck: Deck) -> KeptNotesDict:
    if not deck.anki_note_types and not deck.anki_notes:
        return {}
    from calcquiz.content.anki_notes import note_plain, note_type_plain

    kinds = {k.id: k for k in deck.anki_note_types}
    return {
        "anki_note_types": [note_type_plain(k) for k in deck.anki_note_types],
        "anki_notes": [note_plain(n, kinds[n.note_type]) for n in deck.anki_notes],
    }


def _write_atomic(target: Path, data: bytes) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError:
        pass


def _prune(folder: Path) -> None:
    """Keep the newest ``KEEP`` entries (and stat records pointing anywhere: they are tiny,
    and one pointing at a pruned entry is only a miss)."""
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for old in entries[:-KEEP]:
        for suffix in (".json", ".cards", *DERIVED):
            old.with_suffix(suffix).unlink(missing_ok=True)
    records = sorted(folder.glob("*.stat"), key=lambda p: p.stat().st_mtime)
    for old in records[: -KEEP * 4]:
        old.unlink(missing_ok=True)


def _pack(starts: array[int]) -> dict[str, str]:
    import base64

    return {"order": sys.byteorder, "q": base64.b64encode(starts.tobytes()).decode("ascii")}


def _unpack(packed: dict[str, str]) -> array[int]:
    import base64

    starts = array("q")
    starts.frombytes(base64.b64decode(packed["q"]))
    if packed["order"] != sys.byteorder:
        starts.byteswap()
    return starts


class Bodies:
    """A cache entry's card bodies: one by a seek and a read, or all with one ``json.loads``.

    The file is opened (and its size checked against the index) when the entry is read, so
    an entry pruned by another process later is still readable through the open file."""

    def __init__(self, file: BinaryIO, size: int, packed: dict[str, str], count: int):
        self.file = file
        self.size = size
        self._packed = packed
        self._starts: array[int] | None = None
        self.count = count

    @classmethod
    def open(cls, path: Path, meta: Mapping[str, object], count: int) -> Bodies:
        """``meta``: the index's "bodies" as read from its JSON (a damaged one raises
        ValueError, KeyError or TypeError: a miss)."""
        file = open(path, "rb")  # noqa: SIM115 -- kept open while the deck is in use
        try:
            size, packed = meta["size"], meta["starts"]
            if (
                not isinstance(size, int)
                or os.fstat(file.fileno()).st_size != size
                or not isinstance(packed, dict)
            ):
                raise ValueError("cache bodies do not match their index")
            return cls(file, size, packed, count)
        except BaseException:
            file.close()
            raise

    def __del__(self) -> None:
        with contextlib.suppress(AttributeError):  # a half-made Bodies has no file
            self.file.close()

    def _read(self, start: int, length: int) -> bytes:
        self.file.seek(start)
        return self.file.read(length)

    def starts(self) -> array[int]:
        if self._starts is None:
            starts = _unpack(self._packed)
            if len(starts) != self.count:
                raise ValueError("cache index and bodies differ in length")
            self._starts = starts
        return self._starts

    def one(self, i: int) -> list[Any]:
        starts = self.starts()
        end = starts[i + 1] - 2 if i + 1 < len(starts) else self.size - 3  # "\n]\n"
        raw = self._read(starts[i], end - starts[i])
        body = json.loads(raw)
        if not isinstance(body, list) or len(body) not in (6, 7):
            raise ValueError("damaged cache entry")
        return body

    def all(self) -> list[list[Any]]:
        raw = self._read(0, self.size)
        rows = json.loads(raw)
        if not isinstance(rows, list) or len(rows) != self.count:
            raise ValueError("damaged cache entry")
        return rows


class LazyCards(Sequence[Card]):
    """A cached deck's cards: ids in memory, each Card made from its body the first time it
    is asked for (a study session of a 100,000-card deck makes a few dozen)."""

    def __init__(self, deck: str, ids: list[str], bodies: Bodies, entry: Path | None = None):
        if not isinstance(ids, list):
            raise ValueError("cache ids are not a list")
        self.deck = deck
        self.ids = ids
        self.bodies = bodies
        self.entry = entry  # the entry's path without suffix: where derived forms are kept
        self._made: dict[int, Card] = {}

    def lazy_index(self) -> LazyIndex:
        """``Deck.by_id`` for these cards (see :class:`calcquiz.content.model.Deck`)."""
        return LazyIndex(self)

    def __len__(self) -> int:
        return len(self.ids)

    def _card(self, i: int) -> Card:
        card = self._made.get(i)
        if card is None:
            card = self._made[i] = self._make(i, self.bodies.one(i))
        return card

    def _make(self, i: int, body: list[Any]) -> Card:
        number, question, answer, tags, demo, note, *corrections = body  # only if any
        pairs = tuple((claim, fix) for claim, fix in corrections[0]) if corrections else ()
        return Card(self.ids[i], number, question, answer, tuple(tags), demo, note, self.deck,
                    pairs)

    def derived(self, suffix: str, make: Callable[[Card], str]) -> list[str]:
        """``make(card)`` for every card, in deck order, kept beside the entry as one line
        each (``suffix`` names the form): ``list`` of 100,000 cards reads its lines
        instead of decoding every card. Made on first use; a kept file that does not
        have a line per card is made again."""
        path = None if self.entry is None else self.entry.with_suffix(suffix)
        if path is not None:
            try:
                lines = path.read_bytes().decode("utf-8").split("\n")
                if len(lines) == len(self.ids):
                    return lines
            except (OSError, UnicodeDecodeError):
                pass
        lines = [make(card) for card in self]
        if path is not None:
            _write_atomic(path, "\n".join(lines).encode("utf-8"))
        return lines

    def rows(self) -> list[list[Any]]:
        """Every card's ``[number, question, answer, tags, demo, note]``, in deck order: the
        columns ``list`` needs, without making 100,000 Cards."""
        return self.bodies.all()

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return tuple(self._card(i) for i in range(len(self))[index])
        return self._card(range(len(self))[index])

    def __iter__(self) -> Iterator[Card]:
        """Every card, from one read of the bodies; those not made yet are made for the
        caller and not kept, so a pass over the deck holds one Card at a time."""
        made = self._made
        for i, body in enumerate(self.bodies.all()):
            yield made.get(i) or self._make(i, body)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))


class LazyIndex(Mapping[str, Card]):
    """``Deck.by_id`` over LazyCards, in deck order: looking an id up makes only that card.

    The first few lookups scan the id column (in C, under a millisecond for 100,000 ids);
    the id -> position map, 15-20 ms to build for 100,000 ids, is made only for a
    session that goes on to look up more cards than that."""

    SCANS = 16

    def __init__(self, cards: LazyCards):
        self.cards = cards
        self._position: dict[str, int] | None = None
        self._scans = 0

    @property
    def position(self) -> dict[str, int]:
        if self._position is None:
            ids = self.cards.ids
            self._position = dict(zip(ids, range(len(ids)), strict=True))
        return self._position

    def _find(self, card_id: str) -> int | None:
        if self._position is None and self._scans < self.SCANS:
            self._scans += 1
            try:
                return self.cards.ids.index(card_id)
            except ValueError:
                return None
        return self.position.get(card_id)

    def __getitem__(self, card_id: str) -> Card:
        at = self._find(card_id)
        if at is None:
            raise KeyError(card_id)
        return self.cards[at]

    def __contains__(self, card_id: object) -> bool:
        return isinstance(card_id, str) and self._find(card_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.cards.ids)

    def __len__(self) -> int:
        return len(self.cards.ids)


def derived_lines(deck: Deck, suffix: str, make: Callable[[Card], str]) -> list[str]:
    """``make(card)`` for each card of ``deck``: kept beside a cached deck's entry (see
    :meth:`LazyCards.derived`), made afresh for a deck that was just parsed."""
    if isinstance(deck.cards, LazyCards):
        return deck.cards.derived(suffix, make)
    return [make(card) for card in deck.cards]
