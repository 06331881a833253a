"""Reading an Anki package (``.apkg``) or collection package (``.colpkg``).

Anki 23.10+ writes ``collection.anki21b``: the collection's SQLite file compressed with
zstd (schema 18: decks and config in tables of their own). Older Anki and genanki write
``collection.anki21`` or ``collection.anki2`` uncompressed (schema 11: decks and config
as JSON in the ``col`` row). A new package also carries a legacy ``collection.anki2``
that only asks to update Anki, so the newest member wins.

The collection is copied to a temporary file and read with SQLite in read-only mode;
nothing in it is executed or trusted beyond its column types.
"""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from calcquiz.errors import BadInputError

MEMBERS = ("collection.anki21b", "collection.anki21", "collection.anki2")
# A collection bigger than this once unpacked is refused (a zip or zstd bomb).
MAX_COLLECTION_BYTES = 4 << 30
DAY = 86400


@dataclass(frozen=True)
class Revlog:
    """One row of Anki's review log. ``id`` is the answer time in ms."""

    id: int
    card_id: int
    ease: int  # 1-4, 0 for manual entries
    ivl: int
    last_ivl: int
    factor: int
    time_ms: int
    kind: int  # 0 learn, 1 review, 2 relearn, 3 filtered, 4 manual, 5 rescheduled

    @property
    def is_rating(self) -> bool:
        """A rating that counts for FSRS (Anki's ``has_rating_and_affects_scheduling``):
        a button pressed, and not cramming in a filtered deck without rescheduling."""
        return 1 <= self.ease <= 4 and not (self.kind == 3 and self.factor == 0)

    @property
    def is_reset(self) -> bool:
        """ "Forget"/"reset": the card's history starts again after this row."""
        return self.kind == 4 and self.factor == 0


@dataclass(frozen=True)
class AnkiCard:
    id: int
    note_id: int
    deck_id: int
    ord: int
    type: int  # 0 new, 1 learning, 2 review, 3 relearning
    queue: int
    due: int
    ivl: int
    reps: int
    lapses: int


@dataclass(frozen=True)
class AnkiNote:
    id: int
    guid: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass
class AnkiCollection:
    """What calcquiz needs from a collection: notes, their cards, the review log."""

    notes: list[AnkiNote]
    cards: dict[int, list[AnkiCard]]  # by note id, by ord
    revlog: dict[int, list[Revlog]]  # by card id, oldest first
    decks: dict[int, str]  # id -> name, "::" between levels
    crt: int
    creation_offset: int | None  # minutes west of UTC; None: legacy day counting
    rollover: int

    def first_card(self, note: AnkiNote) -> AnkiCard | None:
        cards = self.cards.get(note.id, [])
        return cards[0] if cards else None

    def deck_name(self, card: AnkiCard | None) -> str | None:
        return self.decks.get(card.deck_id) if card is not None else None

    def day_start(self, day: int) -> float:
        """When Anki's day number ``day`` begins (its rollover hour, local time)."""
        if self.creation_offset is None:  # legacy: 24-hour days from crt's rollover
            crt_local = datetime.fromtimestamp(self.crt)
            base = crt_local.replace(hour=self.rollover, minute=0, second=0, microsecond=0)
            return base.timestamp() + day * DAY
        # Day 0 is the calendar date of crt where the collection was made.
        made = datetime.fromtimestamp(self.crt, timezone.utc) - timedelta(
            minutes=self.creation_offset
        )
        date = made.date() + timedelta(days=day)
        return datetime(date.year, date.month, date.day, self.rollover).timestamp()

    def due_time(self, card: AnkiCard) -> float | None:
        """The card's due time in seconds since the epoch (None for a new card)."""
        if card.type == 0:
            return None
        if card.due > 1_000_000_000:  # (re)learning within a day: a Unix time
            return float(card.due)
        return self.day_start(card.due)


def read_package(path: Path) -> AnkiCollection:
    """The collection inside ``path``; BadInputError when it is not a readable package."""
    with _unpacked(path) as db_path:
        try:
            conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise BadInputError(f"{path}: cannot read the collection ({exc})") from None
        try:
            return _read_collection(conn)
        except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
            raise BadInputError(f"{path} is not a readable Anki collection ({exc})") from None
        finally:
            conn.close()


@contextmanager
def _unpacked(path: Path) -> Iterator[Path]:
    if not path.is_file():
        raise BadInputError(f"{path}: no such file")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise BadInputError(f"{path} is not an Anki package (.apkg or .colpkg)") from None
    with archive, tempfile.TemporaryDirectory(prefix="calcquiz-anki-") as tmp:
        names = set(archive.namelist())
        member = next((m for m in MEMBERS if m in names), None)
        if member is None:
            raise BadInputError(f"{path} holds no Anki collection (no {' or '.join(MEMBERS)})")
        target = Path(tmp) / "collection.sqlite"
        try:
            with archive.open(member) as raw, open(target, "wb") as out:
                if member.endswith("b"):
                    import zstandard

                    reader = zstandard.ZstdDecompressor().stream_reader(raw)
                    _copy_limited(reader, out, path)
                else:
                    _copy_limited(raw, out, path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise BadInputError(f"{path}: the collection cannot be unpacked ({exc})") from None
        except Exception as exc:  # zstandard.ZstdError has no stable import path
            if type(exc).__name__ != "ZstdError":
                raise
            raise BadInputError(f"{path}: the collection cannot be unpacked ({exc})") from None
        yield target


def _copy_limited(src: Any, dst: Any, path: Path) -> None:
    total = 0
    while chunk := src.read(1 << 20):
        total += len(chunk)
        if total > MAX_COLLECTION_BYTES:
            raise BadInputError(f"{path}: the collection is larger than 4 GiB unpacked")
        dst.write(chunk)


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _read_collection(conn: sqlite3.Connection) -> AnkiCollection:
    tables = _tables(conn)
    crt, conf_text, decks_text = conn.execute("SELECT crt, conf, decks FROM col").fetchone()
    if "decks" in tables:  # schema 18
        decks = {
            int(i): str(n).replace("\x1f", "::")
            for i, n in conn.execute("SELECT id, name FROM decks")
        }
        config = {
            str(k): json.loads(bytes(v).decode("utf-8") or "null")
            for k, v in conn.execute("SELECT KEY, val FROM config")
        }
    else:
        decks = {int(i): str(d["name"]) for i, d in json.loads(decks_text or "{}").items()}
        config = json.loads(conf_text or "{}")
    offset = config.get("creationOffset")
    notes = [
        AnkiNote(int(i), str(g), tuple(str(f).split("\x1f")), tuple(str(t).split()))
        for i, g, f, t in conn.execute("SELECT id, guid, flds, tags FROM notes ORDER BY id")
    ]
    cards: dict[int, list[AnkiCard]] = {}
    rows = conn.execute(
        "SELECT id, nid, CASE WHEN odid != 0 THEN odid ELSE did END, ord, type, queue, "
        "CASE WHEN odid != 0 AND odue != 0 THEN odue ELSE due END, ivl, reps, lapses "
        "FROM cards ORDER BY nid, ord"
    )
    for row in rows:
        card = AnkiCard(*(int(v) for v in row))
        cards.setdefault(card.note_id, []).append(card)
    revlog: dict[int, list[Revlog]] = {}
    for row in conn.execute(
        "SELECT id, cid, ease, ivl, lastIvl, factor, time, type FROM revlog ORDER BY id"
    ):
        entry = Revlog(*(int(v) for v in row))
        revlog.setdefault(entry.card_id, []).append(entry)
    return AnkiCollection(
        notes=notes,
        cards=cards,
        revlog=revlog,
        decks=decks,
        crt=int(crt),
        creation_offset=int(offset) if isinstance(offset, int) else None,
        rollover=int(config.get("rollover", 4)) % 24,
    )


_MEDIA = re.compile(r"""<img[^>]*?\bsrc\s*=\s*["']?([^"'>\s]+)|\[sound:([^\]]+)\]""", re.I)


def media_names(text: str) -> list[str]:
    """The media files a field refers to (images and sounds), in order."""
    return [m.group(1) or m.group(2) for m in _MEDIA.finditer(text)]
