"""Reading an Anki package (``.apkg``) or collection package (``.colpkg``).

Anki 23.10+ writes ``collection.anki21b``: the collection's SQLite file compressed with
zstd (schema 18: decks and config in tables of their own). Older Anki and genanki write
``collection.anki21`` or ``collection.anki2`` uncompressed (schema 11: decks and config
as JSON in the ``col`` row). A new package also carries a legacy ``collection.anki2``
that only asks to update Anki, so the newest member wins.

The collection is copied to a temporary file and read with SQLite in read-only mode;
nothing in it is executed or trusted. What it may unpack to is bounded before it is
written out (:func:`unpack_limit`), and every value calcquiz uses is checked as it is
read: a value Anki itself never writes (a review time outside 1970 to now, a due date
beyond Anki's 100-year interval cap, decks or config that are not JSON objects) refuses
the package with one line (:class:`DamagedPackageError`), so what is imported is always a
state calcquiz can schedule, list and check.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import struct
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from calcquiz.errors import BadInputError

MEMBERS = ("collection.anki21b", "collection.anki21", "collection.anki2")
# What a collection may unpack to: a real one compresses about 3 to 25 times (zstd or
# deflate), so 100 times its packed size, and at least 64 MiB for small packages. A zip or
# zstd bomb is stopped there, before it fills the temporary folder.
MAX_COLLECTION_BYTES = 4 << 30
MIN_UNPACK_BYTES = 64 << 20
UNPACK_RATIO = 100
# A note whose fields together hold more characters than this is skipped without being
# read into Python (a deck file holds at most 32 MiB; a real note is a few KiB).
MAX_NOTE_BYTES = 1 << 20
DAY = 86400
# A review time or due date must lie between 1970 and now plus Anki's longest interval
# (36,500 days) and a day of clock skew; Anki writes nothing outside.
MAX_INTERVAL_DAYS = 36500
_ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


class DamagedPackageError(BadInputError):
    """The package holds a value Anki never writes: it is refused whole."""


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
class NoteType:
    """A note type: its field names and each card template's question and answer (and
    what ``export anki`` needs to rebuild it: template names, css, modification time)."""

    name: str
    fields: tuple[str, ...]
    templates: dict[int, tuple[str, str]]  # ord -> (question format, answer format)
    cloze: bool = False
    template_names: dict[int, str] = field(default_factory=dict)  # ord -> name
    css: str = ""
    mtime: int = 0  # seconds


@dataclass(frozen=True)
class AnkiNote:
    id: int
    guid: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    size: int = 0  # above MAX_NOTE_BYTES (characters): too big, ``fields`` left empty
    type_id: int = 0  # its note type (``mid``); 0: unknown
    mtime: int = 0  # seconds: Anki's importer updates a note only from a newer one

    @property
    def too_big(self) -> bool:
        return self.size > MAX_NOTE_BYTES


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
    note_types: dict[int, NoteType] = field(default_factory=dict)
    scheduler_version: int = 2  # 1: the old scheduler's log, remapped as it is read
    # Deck option presets that carry FSRS parameters fitted in Anki: name -> (FSRS
    # version, parameters), the newest version each preset has.
    fsrs_presets: dict[str, tuple[int, tuple[float, ...]]] = field(default_factory=dict)

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


def read_package(path: Path, now: float | None = None) -> AnkiCollection:
    """The collection inside ``path``; BadInputError when it is not a readable package,
    DamagedPackageError when it holds values Anki never writes (``now`` bounds times)."""
    with _unpacked(path) as db_path:
        try:
            conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise BadInputError(f"{path}: cannot read the collection ({exc})") from None
        try:
            return read_collection(conn, time.time() if now is None else now)
        except DamagedValueError as exc:
            raise DamagedPackageError(
                f"{path} is damaged: {exc} (Anki never writes this; in Anki, Tools > Check "
                "Database, then export again)"
            ) from None
        except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
            raise BadInputError(f"{path} is not a readable Anki collection ({exc})") from None
        finally:
            conn.close()


def unpack_limit(packed_bytes: int) -> int:
    """The most a collection packed in ``packed_bytes`` may unpack to."""
    return min(MAX_COLLECTION_BYTES, max(MIN_UNPACK_BYTES, UNPACK_RATIO * packed_bytes))


def _why_not_a_file(path: Path) -> str:
    """Why ``path`` cannot be a package: "no such file" only when nothing is there."""
    if path.is_dir():
        return "is a directory, not an Anki package"
    if path.exists():
        return "is not a regular file (a FIFO, device or socket); a package must be a file"
    return "no such file"


@contextmanager
def _unpacked(path: Path) -> Iterator[Path]:
    if not path.is_file():
        raise BadInputError(f"{path}: {_why_not_a_file(path)}")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise BadInputError(f"{path} is not an Anki package (.apkg or .colpkg)") from None
    with archive, tempfile.TemporaryDirectory(prefix="calcquiz-anki-") as tmp:
        names = set(archive.namelist())
        member = next((m for m in MEMBERS if m in names), None)
        if member is None:
            raise BadInputError(f"{path} holds no Anki collection (no {' or '.join(MEMBERS)})")
        info = archive.getinfo(member)
        _check_member(path, info)
        limit = unpack_limit(info.compress_size)
        if info.file_size > limit and not member.endswith("b"):
            raise _too_big(path, info.file_size, limit)
        target = Path(tmp) / "collection.sqlite"
        try:
            with archive.open(member) as raw, open(target, "wb") as out:
                if member.endswith("b"):
                    import zstandard

                    reader = zstandard.ZstdDecompressor().stream_reader(raw)
                    _copy_limited(reader, out, path, limit)
                else:
                    _copy_limited(raw, out, path, limit)
        except BadInputError:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
            raise BadInputError(f"{path}: the collection cannot be unpacked ({exc})") from None
        except Exception as exc:  # zstandard.ZstdError has no stable import path
            if type(exc).__name__ != "ZstdError":
                raise
            raise BadInputError(f"{path}: the collection cannot be unpacked ({exc})") from None
        yield target


def _check_member(path: Path, info: zipfile.ZipInfo) -> None:
    """Refuse what Anki never writes before reading a byte: encryption, other methods."""
    if info.flag_bits & 0x1:
        raise BadInputError(f"{path}: the collection is encrypted (Anki never encrypts one)")
    if info.compress_type not in _ZIP_METHODS:
        raise BadInputError(
            f"{path}: the collection is packed with zip method {info.compress_type} "
            "(Anki uses only 0, stored, and 8, deflate)"
        )


def _too_big(path: Path, size: int, limit: int) -> BadInputError:
    return BadInputError(
        f"{path}: the collection unpacks to more than {limit:,} bytes "
        f"({'at least ' if size <= limit else ''}{size:,}); a real collection "
        "compresses far less: refused as a zip bomb"
    )


def _copy_limited(src: Any, dst: Any, path: Path, limit: int = MAX_COLLECTION_BYTES) -> None:
    total = 0
    while chunk := src.read(1 << 20):
        total += len(chunk)
        if total > limit:
            raise _too_big(path, total, limit)
        dst.write(chunk)


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


class DamagedValueError(Exception):
    """A value Anki never writes, found by :func:`read_collection` (the message says
    which)."""


def _whole(value: object, what: str, low: float = -(2**63), high: float = 2**63 - 1) -> int:
    """``value`` as an int in [low, high]: SQLite may hand back a float (even inf) or text
    for a column Anki fills with whole numbers."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if type(value) is not int or not low <= value <= high:
        raise DamagedValueError(f"{what} is {_shown(value)}")
    return value


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _json_object(text: object, what: str) -> dict[str, object]:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        value = json.loads(text or "{}") if isinstance(text, str) else None
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, dict):
        raise DamagedValueError(f"{what} is not a JSON object")
    return value


def _text(value: object, what: str) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise DamagedValueError(f"{what} is not UTF-8 text") from None
    if not isinstance(value, str):
        raise DamagedValueError(f"{what} is {_shown(value)}, not text")
    return value


def read_collection(conn: sqlite3.Connection, now: float) -> AnkiCollection:
    """What calcquiz needs from the collection open on ``conn``: a package's unpacked file
    (:func:`read_package`) or a live collection (``sync anki`` passes the ``anki``
    package's database, which answers the same queries). Every value is checked as it is
    read (``now`` bounds review times): DamagedValueError names the first that Anki never
    writes."""
    tables = _tables(conn)
    crt_value, conf_text, decks_text = conn.execute("SELECT crt, conf, decks FROM col").fetchone()
    crt = _whole(crt_value, "the collection's creation time (crt)", 0, now + DAY)
    if "decks" in tables:  # schema 18
        decks = {
            _whole(i, "a deck id"): _text(n, f"the name of deck {i}").replace("\x1f", "::")
            for i, n in conn.execute("SELECT id, name FROM decks")
        }
        config = {
            str(k): _config_value(v, str(k)) for k, v in conn.execute("SELECT KEY, val FROM config")
        }
    else:
        decks = {}
        for i, d in _json_object(decks_text, "the collection's decks (col.decks)").items():
            if not isinstance(d, dict) or not isinstance(d.get("name"), str):
                raise DamagedValueError(f"deck {_shown(i)} in col.decks has no name")
            decks[_whole(_int_key(i), "a deck id")] = d["name"]
        config = _json_object(conf_text, "the collection's config (col.conf)")
    offset = config.get("creationOffset")
    if offset is not None and not isinstance(offset, bool):
        offset = _whole(offset, "the config's creationOffset (minutes from UTC)", -1440, 1440)
    rollover = config.get("rollover", 4)
    rollover = 4 if rollover is None else _whole(rollover, "the config's rollover hour", 0, 23)
    # Anki's importer runs its v1-to-v2 upgrade on a collection without schedVer 2 or 3.
    version = config.get("schedVer", 1)
    version = 1 if version is None else _whole(version, "the config's schedVer", 1, 3)
    notes = [
        _note(*row)
        for row in conn.execute(
            # length() loads the value once; a second call (or a CAST) would load it again
            "SELECT id, guid, CASE WHEN length(flds) > ? THEN NULL ELSE flds END, "
            "tags, mid, mod FROM notes ORDER BY id",
            (MAX_NOTE_BYTES,),
        )
    ]
    collection = AnkiCollection(
        notes=notes,
        cards={},
        revlog={},
        decks=decks,
        crt=crt,
        creation_offset=offset if isinstance(offset, int) else None,
        rollover=rollover,
        note_types=_note_types(conn, tables),
        scheduler_version=version,
        fsrs_presets=_fsrs_presets(conn, tables),
    )
    latest = now + DAY  # a day of clock skew
    rows = conn.execute(
        "SELECT id, nid, CASE WHEN odid != 0 THEN odid ELSE did END, ord, type, queue, "
        "CASE WHEN odid != 0 AND odue != 0 THEN odue ELSE due END, ivl, reps, lapses "
        "FROM cards ORDER BY nid, ord"
    )
    names = ("id", "nid", "did", "ord", "type", "queue", "due", "ivl", "reps", "lapses")
    for row in rows:
        values = [
            _whole(v, f"card {_shown(row[0])}'s {n}") for v, n in zip(row, names, strict=True)
        ]
        card = AnkiCard(*values)
        if version == 1 and card.type == 2 and card.queue in (1, 3):
            card = replace(card, type=3)  # v1 kept relearning cards as reviews in learning
        if card.type not in (0, 1, 2, 3):
            raise DamagedValueError(f"card {card.id}'s type is {card.type}")
        if card.type != 0:
            try:
                due = collection.due_time(card)
            except (OverflowError, ValueError, OSError):
                due = None
            if due is None or not 0 <= due <= latest + MAX_INTERVAL_DAYS * DAY:
                raise DamagedValueError(
                    f"card {card.id} is due on day {card.due}, outside 1970 to "
                    f"{MAX_INTERVAL_DAYS:,} days from now"
                )
        collection.cards.setdefault(card.note_id, []).append(card)
    for row in conn.execute(
        "SELECT id, cid, ease, ivl, lastIvl, factor, time, type FROM revlog ORDER BY id"
    ):
        what = f"review {_shown(row[0])}"
        entry = Revlog(
            _whole(row[0], f"{what}'s time (its id, in ms)", 1, int(latest * 1000)),
            _whole(row[1], f"{what}'s card"),
            _whole(row[2], f"{what}'s button", 0, 4),
            _whole(row[3], f"{what}'s interval"),
            _whole(row[4], f"{what}'s last interval"),
            _whole(row[5], f"{what}'s factor"),
            _whole(row[6], f"{what}'s duration", 0, 2**31),
            _whole(row[7], f"{what}'s kind", 0, 5),
        )
        if version == 1 and entry.ease in (2, 3) and entry.kind in (0, 2):
            # v1's (re)learning buttons were Again, Good, Easy (Anki's v2_upgrade.sql)
            entry = replace(entry, ease=entry.ease + 1)
        collection.revlog.setdefault(entry.card_id, []).append(entry)
    return collection


def _int_key(key: str) -> int:
    try:
        return int(key)
    except ValueError:
        raise DamagedValueError(f"deck id {_shown(key)} in col.decks is not a number") from None


def _config_value(raw: object, key: str) -> Any:
    text = bytes(raw).decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    try:
        return json.loads(text or "null")
    except (ValueError, RecursionError):
        raise DamagedValueError(f"config value {key!r} is not JSON") from None


def _note(
    nid: object, guid: object, flds: object, tags: object, mid: object, mod: object
) -> AnkiNote:
    note_id = _whole(nid, "a note id")
    text = None if flds is None else _text(flds, f"note {note_id}'s fields")
    length = MAX_NOTE_BYTES + 1 if text is None else len(text)
    fields = () if text is None else tuple(text.split("\x1f"))
    return AnkiNote(
        note_id,
        _text(guid, f"note {note_id}'s guid"),
        fields,
        tuple(_text(tags or "", f"note {note_id}'s tags").split()),
        length,
        _whole(mid, f"note {note_id}'s note type"),
        _whole(mod, f"note {note_id}'s modification time"),
    )


def _note_types(conn: sqlite3.Connection, tables: set[str]) -> dict[int, NoteType]:
    """Each note type's fields and templates: tables in schema 18 (a template's formats in
    its protobuf ``config``: field 1 the question, 2 the answer), ``col.models`` before."""
    types: dict[int, NoteType] = {}
    if "notetypes" in tables:
        fields: dict[int, list[tuple[int, str]]] = {}
        for ntid, ord_, name in conn.execute("SELECT ntid, ord, name FROM fields"):
            fields.setdefault(_whole(ntid, "a field's note type"), []).append(
                (_whole(ord_, "a field's position"), _text(name, "a field name"))
            )
        templates: dict[int, dict[int, tuple[str, str]]] = {}
        names: dict[int, dict[int, str]] = {}
        for ntid, ord_, name, config in conn.execute(
            "SELECT ntid, ord, name, config FROM templates"
        ):
            parts = _protobuf_strings(config if isinstance(config, bytes) else b"")
            ntid = _whole(ntid, "a template's note type")
            ord_ = _whole(ord_, "a template's position")
            templates.setdefault(ntid, {})[ord_] = (parts.get(1, ""), parts.get(2, ""))
            names.setdefault(ntid, {})[ord_] = _text(name, "a template name")
        for ntid, name, mtime, config in conn.execute(
            "SELECT id, name, mtime_secs, config FROM notetypes"
        ):
            ntid = _whole(ntid, "a note type id")
            raw = config if isinstance(config, bytes) else b""
            types[ntid] = NoteType(
                _text(name, f"note type {ntid}'s name"),
                tuple(n for _, n in sorted(fields.get(ntid, []))),
                templates.get(ntid, {}),
                _protobuf_varints(raw).get(1, 0) == 1,
                names.get(ntid, {}),
                _protobuf_strings(raw).get(3, ""),
                _whole(mtime, f"note type {ntid}'s modification time"),
            )
        return types
    (models_text,) = conn.execute("SELECT models FROM col").fetchone()
    for key, model in _json_object(models_text, "the collection's note types (col.models)").items():
        if not isinstance(model, dict):
            raise DamagedValueError(f"note type {_shown(key)} in col.models is not a JSON object")
        flds = [f for f in model.get("flds") or [] if isinstance(f, dict)]
        tmpls = [t for t in model.get("tmpls") or [] if isinstance(t, dict)]
        types[_whole(_int_key(key), "a note type id")] = NoteType(
            str(model.get("name", "")),
            tuple(str(f.get("name", "")) for f in sorted(flds, key=lambda f: _ord(f))),
            {_ord(t): (str(t.get("qfmt", "")), str(t.get("afmt", ""))) for t in tmpls},
            model.get("type") == 1,
            {_ord(t): str(t.get("name", "")) for t in tmpls},
            str(model.get("css", "")),
            mod if type(mod := model.get("mod")) is int else 0,  # only export anki needs it
        )
    return types


# Where a preset keeps each FSRS version's parameters: col.dconf keys (schema 11) and
# DeckConfig.Config field numbers (schema 18, packed floats).
_FSRS_KEYS = ((6, "fsrsParams6", 6), (5, "fsrsParams5", 5), (4, "fsrsWeights", 3))


def _fsrs_presets(
    conn: sqlite3.Connection, tables: set[str]
) -> dict[str, tuple[int, tuple[float, ...]]]:
    """Each preset's newest fitted FSRS parameters (a preset with none is left out)."""
    found: dict[str, tuple[int, tuple[float, ...]]] = {}
    if "deck_config" in tables:
        for name, config in conn.execute("SELECT name, config FROM deck_config"):
            fields = [
                (n, v)
                for n, w, v in _protobuf_fields(config if isinstance(config, bytes) else b"")
                if w == 2 and isinstance(v, bytes) and len(v) % 4 == 0
            ]
            for version, _, number in _FSRS_KEYS:
                packed = next((v for n, v in fields if n == number and v), None)
                if packed:
                    values = struct.unpack(f"<{len(packed) // 4}f", packed)
                    found[str(name)] = (version, tuple(float(f"{x:.7g}") for x in values))
                    break
        return _finite(found)
    (dconf,) = conn.execute("SELECT dconf FROM col").fetchone()
    try:
        presets = _json_object(dconf, "the collection's deck options (col.dconf)")
    except DamagedValueError:
        return {}  # only a notice depends on it
    for preset in presets.values():
        if not isinstance(preset, dict):
            continue
        for version, key, _ in _FSRS_KEYS:
            listed = preset.get(key)
            if (
                isinstance(listed, list)
                and listed
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in listed)
            ):
                found[str(preset.get("name", ""))] = (version, tuple(float(v) for v in listed))
                break
    return _finite(found)


def _finite(
    found: dict[str, tuple[int, tuple[float, ...]]],
) -> dict[str, tuple[int, tuple[float, ...]]]:
    return {k: v for k, v in found.items() if all(math.isfinite(x) for x in v[1])}


def _ord(item: dict[str, object]) -> int:
    value = item.get("ord", 0)
    return value if type(value) is int else 0


def _protobuf_fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """``(field number, wire type, value)`` of a protobuf message's top-level fields;
    stops quietly at anything malformed (a template then has empty formats)."""
    pos = 0

    def varint() -> int:
        nonlocal pos
        value = shift = 0
        while pos < len(data) and shift < 64:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
        raise ValueError("truncated varint")

    try:
        while pos < len(data):
            key = varint()
            number, wire = key >> 3, key & 7
            if wire == 0:
                yield number, wire, varint()
            elif wire == 2:
                size = varint()
                yield number, wire, data[pos : pos + size]
                pos += size
            elif wire in (1, 5):
                pos += 8 if wire == 1 else 4
            else:
                return
    except ValueError:
        return


def _protobuf_strings(data: bytes) -> dict[int, str]:
    return {
        n: v.decode("utf-8", "replace")
        for n, w, v in _protobuf_fields(data)
        if w == 2 and isinstance(v, bytes)
    }


def _protobuf_varints(data: bytes) -> dict[int, int]:
    return {n: v for n, w, v in _protobuf_fields(data) if w == 0 and isinstance(v, int)}


# Neither alternative reads past the next "<" or "[": one pass over any field.
_MEDIA = re.compile(r"""<img[^<>]*?\bsrc\s*=\s*["']?([^"'<>\s]+)|\[sound:([^\[\]]+)\]""", re.I)


def media_names(text: str) -> list[str]:
    """The media files a field refers to (images and sounds), in order."""
    return [m.group(1) or m.group(2) for m in _MEDIA.finditer(text)]
