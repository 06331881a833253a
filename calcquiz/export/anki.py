"""Decks as Anki notes, written as an ``.apkg`` package or as Anki's plain-text format.

What keeps a re-import an update rather than a duplicate:

* Each note's guid is ``genanki.guid_for(deck name, card id)``: editing a card's text
  does not change it (genanki's default guid hashes the fields, which would).
* The note type ("calcquiz") and every deck have fixed ids derived from their names.
* Anki updates a note from a package only when the package's note is newer, so a
  package carries its write time as the notes' modification time, and at least one
  second more than the package it replaces (two exports within one second would
  otherwise tie, and Anki would keep the old text).
* Cards converted from Anki notes (``import anki --to-deck``) go back as those notes, in
  their own note types with their own guids and times (:mod:`.original_notes`).

The text format cannot define a note type (Anki silently maps rows naming an unknown
one onto its default type), so the ``.txt`` stands on its own: it targets Anki's
built-in "Basic" note type, Front = the question and Back = the answer with the note
and the demo line folded in. Its guids (:func:`txt_guid`) are longer than any genanki
guid, so they can never collide with the ``.apkg``'s notes; re-importing an edited
``.txt`` updates its notes in place (same guids, Anki's "update existing notes").
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import sqlite3
import tempfile
import time
import unicodedata
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calcquiz.content import Card, Deck
from calcquiz.errors import BadInputError
from calcquiz.export.html import escape, to_anki_html

if TYPE_CHECKING:
    from calcquiz.content.anki_notes import AnkiNoteType
    from calcquiz.export.original_notes import OriginalNote, OriginalNotes
    from calcquiz.export.progress import Progress

NOTE_TYPE_NAME = "calcquiz"
FIELDS = ("Question", "Answer", "Note", "Demo")

# genanki's advice for ids of note types and decks: a number in [2**30, 2**31).
_ID_LOW, _ID_SPAN = 1 << 30, 1 << 30


def stable_id(key: str) -> int:
    """A fixed id in genanki's range for a note type or deck, from its name."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return _ID_LOW + int.from_bytes(digest[:8], "big") % _ID_SPAN


# Bump the key (and so the id) only when the fields change: Anki treats a note type
# with the same id but other fields as a conflict.
NOTE_TYPE_ID = stable_id("calcquiz note type v1")


def deck_id(deck_name: str) -> int:
    return stable_id("calcquiz deck: " + anki_deck_name(deck_name))


def anki_deck_name(name: str) -> str:
    """The deck's name on one line (Anki's text format puts it on a header line)."""
    return " ".join(name.split())


def slug(text: str) -> str:
    """Lowercase ASCII words joined by dashes.

    >>> slug("Calculus & Optimization")
    'calculus-optimization'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    if words:
        return "-".join(words)
    return "deck-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def guid(deck_name: str, card_id: str) -> str:
    import genanki

    return str(genanki.guid_for(anki_deck_name(deck_name), card_id))


@dataclass(frozen=True)
class AnkiNote:
    """One card as Anki will store it: HTML fields, tags and identity."""

    guid: str
    deck: str
    fields: tuple[str, str, str, str]  # in FIELDS order
    tags: tuple[str, ...]
    position: int  # the card's number: new cards are studied in deck order


def note_for(card: Card, anki_guid: str | None = None) -> AnkiNote:
    """The note for ``card``; ``anki_guid``: the guid of the Anki note the card came from
    (``import anki --to-deck``), so that Anki recognises its own note."""
    deck_tag = slug(card.deck)
    tags = tuple(dict.fromkeys((*card.tags, deck_tag)))
    return AnkiNote(
        guid=anki_guid or guid(card.deck, card.id),
        deck=anki_deck_name(card.deck),
        fields=(
            to_anki_html(card.question),
            to_anki_html(card.marked_answer()),  # corrected claims marked † as in study
            to_anki_html(note) if (note := card.marked_note()) else "",
            escape(f"calcquiz demo {card.demo}") if card.demo else "",
        ),
        tags=tags,
        position=card.number,
    )


def notes_for(decks: Sequence[Deck]) -> list[AnkiNote]:
    identity = anki_guids(decks)
    return [note_for(c, identity.get((d.name, c.id))) for d in decks for c in d.cards]


def anki_guids(decks: Sequence[Deck]) -> dict[tuple[str, str], str]:
    """(deck, card id) -> the guid of the Anki note the card came from, for the first
    card (by deck order, then number) of each such note. An Anki note with several cards
    (reversed, cloze) came across as several calcquiz cards; only one note in a package can
    hold its guid, so the others go out as notes of their own."""
    taken: set[str] = set()
    found: dict[tuple[str, str], str] = {}
    for deck in decks:
        for card in deck.cards:
            anki = deck.anki_guids.get(card.id)
            if anki and anki not in taken:
                taken.add(anki)
                found[(deck.name, card.id)] = anki
    return found


# ---------------------------------------------------------------- the note type

QUESTION_TEMPLATE = '<div class="cq-question">{{Question}}</div>'
ANSWER_TEMPLATE = """{{FrontSide}}
<hr id="answer">
<div class="cq-answer">{{Answer}}</div>
{{#Note}}<div class="cq-note"><div class="cq-label">Note</div>{{Note}}</div>{{/Note}}
{{#Demo}}<div class="cq-demo"><span class="cq-label">Try it:</span>
<code>{{Demo}}</code></div>{{/Demo}}"""

# Colours come from variables set once for light mode and once for night mode; Anki
# marks night mode with .nightMode (2.1.20+) or .night_mode (older) on the card or body.
CSS = """\
.card {
  --cq-fg: #1f2328;
  --cq-bg: #ffffff;
  --cq-muted: #57606a;
  --cq-rule: #d0d7de;
  --cq-note-bg: #fff8e5;
  --cq-note-edge: #bf8700;
  --cq-code-bg: #eff1f3;
  font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 20px;
  line-height: 1.5;
  color: var(--cq-fg);
  background-color: var(--cq-bg);
  text-align: left;
}
.card.nightMode, .card.night_mode, .nightMode .card, .night_mode .card {
  --cq-fg: #e6edf3;
  --cq-bg: #1f2328;
  --cq-muted: #9198a1;
  --cq-rule: #3d444d;
  --cq-note-bg: #2e2a1f;
  --cq-note-edge: #d29922;
  --cq-code-bg: #2d333b;
}
.cq-question, .cq-answer, .cq-note, .cq-demo { max-width: 42em; margin: 0 auto; }
.cq-question { font-weight: 600; text-align: center; }
.cq-answer ul, .cq-answer ol, .cq-note ul, .cq-note ol { padding-left: 1.4em; }
.cq-answer li { margin: 0.3em 0; }
hr#answer { border: none; border-top: 1px solid var(--cq-rule); margin: 1em auto; }
.cq-note {
  margin-top: 1em;
  padding: 0.5em 0.8em;
  font-size: 0.85em;
  background-color: var(--cq-note-bg);
  border-left: 4px solid var(--cq-note-edge);
}
.cq-label { font-weight: 600; color: var(--cq-muted); }
.cq-demo { margin-top: 1em; font-size: 0.85em; }
code {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  padding: 0.1em 0.3em;
  border-radius: 4px;
  background-color: var(--cq-code-bg);
}
"""


def _model() -> Any:
    import genanki

    return genanki.Model(
        NOTE_TYPE_ID,
        NOTE_TYPE_NAME,
        fields=[{"name": name} for name in FIELDS],
        templates=[
            {"name": "Question > Answer", "qfmt": QUESTION_TEMPLATE, "afmt": ANSWER_TEMPLATE}
        ],
        css=CSS,
        sort_field_index=0,
    )


# ---------------------------------------------------------------- .apkg


def apkg_bytes(
    decks: Sequence[Deck],
    timestamp: float,
    progress: Progress | None = None,
    originals: OriginalNotes | None = None,
) -> bytes:
    """The ``.apkg`` (a zip holding an Anki collection) for these decks.

    ``timestamp`` (seconds since the epoch) becomes the modification time of every
    note and of the note type, and seeds the note and card ids. With ``progress``, the
    studied cards carry their schedule and review log (see :mod:`.progress`). Cards
    converted from Anki notes go back as those notes (``originals``, by default
    :func:`.original_notes.original_notes` of the decks).
    """
    import genanki

    from calcquiz.export.original_notes import original_notes

    if originals is None:
        originals = original_notes(decks, timestamp)
    taken = originals.guids
    anki_identity = {
        key: g
        for key, g in anki_guids(decks).items()
        if key not in originals.covered and g not in taken
    }
    package_decks = _package_decks(decks, originals, anki_identity)

    # genanki's Package.write_to_file leaves its temporary database behind in the system
    # temp folder; building the database here keeps it in a folder that is removed.
    with tempfile.TemporaryDirectory(prefix="calcquiz-apkg-") as tmp:
        db_path = Path(tmp) / "collection.anki2"
        conn = sqlite3.connect(db_path)
        try:
            # A scratch file that is zipped, then removed: no journal, no fsync.
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            ids = itertools.count(int(timestamp * 1000))
            with warnings.catch_warnings():  # genanki's doubts about an Anki note's HTML
                warnings.simplefilter("ignore")
                genanki.Package(package_decks).write_to_db(conn.cursor(), timestamp, ids)
            _keep_original_times(conn, originals.notes)
            if progress is not None:
                from calcquiz.export.progress import add_progress

                keys = {
                    (anki_identity.get((c.deck, c.id)) or guid(c.deck, c.id), 0): (c.deck, c.id)
                    for d in decks
                    for c in d.cards
                    if (c.deck, c.id) not in originals.covered
                }
                keys.update(
                    ((n.guid, c.ord), c.key) for n in originals.notes for c in n.cards
                )
                add_progress(conn, progress, keys, timestamp)
            conn.commit()
        finally:
            conn.close()
        zip_path = Path(tmp) / "package.apkg"
        with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as out:
            out.write(db_path, "collection.anki2")
            out.writestr("media", json.dumps({}))
        return zip_path.read_bytes()


def _package_decks(
    decks: Sequence[Deck], originals: OriginalNotes, anki_identity: Mapping[tuple[str, str], str]
) -> list[Any]:
    """The genanki decks, a deck each, holding its cards as calcquiz notes (under their
    Anki guid where they have one) and the converted ones as their own Anki notes."""
    import genanki

    model = _model()
    package_decks: list[genanki.Deck] = []
    by_name: dict[str, genanki.Deck] = {}  # where a converted note goes
    for deck in decks:
        name = anki_deck_name(deck.name)
        description = escape(deck.description or "")  # text, as every other field
        anki_deck = genanki.Deck(deck_id(deck.name), name, description=description)
        package_decks.append(anki_deck)
        by_name.setdefault(deck.name, anki_deck)
        for note in (
            note_for(card, anki_identity.get((deck.name, card.id)))
            for card in deck.cards
            if (deck.name, card.id) not in originals.covered
        ):
            anki_deck.add_note(
                genanki.Note(
                    model=model,
                    fields=list(note.fields),
                    tags=list(note.tags),
                    guid=note.guid,
                    due=note.position,
                )
            )
    models: dict[int, genanki.Model] = {}
    for original in originals.notes:
        kept = models.setdefault(original.kind.id, _original_model(original.kind))
        by_name[original.deck].add_note(_original_note(kept, original))
    return package_decks


def _original_model(kind: AnkiNoteType) -> Any:
    """The note type a converted note came from, as Anki's importer recognises it: its
    id, and its fields and templates under their names."""
    import genanki

    model = genanki.Model(
        kind.id,
        kind.name,
        fields=[{"name": name} for name in kind.fields],
        templates=[
            {"name": t.name, "qfmt": t.question, "afmt": t.answer} for t in kind.templates
        ],
        css=kind.css,
        model_type=genanki.Model.CLOZE if kind.cloze else genanki.Model.FRONT_BACK,
    )
    # genanki works out which fields each template needs by rendering it with its own
    # Mustache, which fails on Anki's filters; Anki recomputes it on import, and each
    # note's cards are known (_original_note), so nothing needs it.
    model._req = []
    return model


def _original_note(model: Any, original: OriginalNote) -> Any:
    import genanki

    note = genanki.Note(
        model=model,
        fields=list(original.fields),
        tags=list(original.tags),
        guid=original.guid,
        due=min(c.position for c in original.cards),
    )
    note.cards = [genanki.Card(c.ord) for c in original.cards]  # the cards it had in Anki
    return note


def _keep_original_times(conn: sqlite3.Connection, originals: Sequence[OriginalNote]) -> None:
    """Each converted note's and note type's own modification time (genanki writes the
    package's): Anki then updates only the notes edited in calcquiz, and never the note
    types."""
    conn.executemany(
        "UPDATE notes SET mod = ? WHERE guid = ?", [(n.modified, n.guid) for n in originals]
    )
    if not originals:
        return
    (text,) = conn.execute("SELECT models FROM col").fetchone()
    models = json.loads(text)
    for n in originals:
        models[str(n.kind.id)]["mod"] = n.kind.modified
    conn.execute("UPDATE col SET models = ?", (json.dumps(models),))


def _package_rows(apkg: Path, query: str) -> list[tuple[Any, ...]] | None:
    """``query``'s rows in the collection of an existing ``.apkg``, or None if unreadable."""
    try:
        with (
            zipfile.ZipFile(apkg) as archive,
            tempfile.TemporaryDirectory(prefix="calcquiz-apkg-") as tmp,
        ):
            names = set(archive.namelist())
            member = next(
                (n for n in ("collection.anki21", "collection.anki2") if n in names), None
            )
            if member is None:
                return None
            db_path = archive.extract(member, tmp)
            conn = sqlite3.connect(db_path)  # a throwaway copy
            try:
                return conn.execute(query).fetchall()
            finally:
                conn.close()
    except (OSError, zipfile.BadZipFile, sqlite3.Error, ValueError):
        return None


def sent_notes(apkg: Path) -> dict[str, tuple[str, int]]:
    """Each note of an existing ``.apkg`` (guid -> its fields joined as Anki joins them,
    and its modification time); empty if unreadable."""
    rows = _package_rows(apkg, "SELECT guid, flds, mod FROM notes") or []
    return {
        guid: (flds, mod)
        for guid, flds, mod in rows
        if isinstance(guid, str) and isinstance(flds, str) and type(mod) is int
    }


def package_timestamp(replaced: Mapping[str, tuple[str, int]], now: float | None = None) -> float:
    """The notes' modification time for a new package: now, and newer than every note of
    the package it replaces (``replaced``: :func:`sent_notes` of it)."""
    stamp = time.time() if now is None else now
    previous = max((mod for _, mod in replaced.values()), default=None)
    if previous is not None and int(stamp) <= previous:
        stamp = float(previous + 1)
    return stamp


# ---------------------------------------------------------------- .txt


def _txt_field(value: str) -> str:
    """One tab-separated field, quoted CSV-style when it holds a tab, newline or quote,
    or starts with ``#`` (Anki skips a row that starts with ``#`` as a comment)."""
    if any(c in value for c in '\t\n\r"') or value.startswith("#"):
        return '"' + value.replace('"', '""') + '"'
    return value


TXT_NOTE_TYPE = "Basic"  # built into every Anki collection
TXT_FIELDS = ("Front", "Back")
TXT_GUID_PREFIX = "calcquiz-txt:"


def txt_guid(deck_name: str, card_id: str) -> str:
    """The text export's guid: a prefix no genanki guid has (those are at most 10
    characters), so a Basic note never takes over the .apkg's calcquiz note."""
    return TXT_GUID_PREFIX + guid(deck_name, card_id)


def basic_back(note: AnkiNote) -> str:
    """The Back of a Basic note: the answer, then the note and the demo line."""
    _, answer, remark, demo = note.fields
    parts = [answer]
    if remark:
        parts.append(f'<div class="cq-note"><b>Note:</b> {remark}</div>')
    if demo:
        parts.append(f'<div class="cq-demo"><b>Try it:</b> <code>{demo}</code></div>')
    return "\n".join(parts)


def txt_text(decks: Sequence[Deck]) -> str:
    """Anki's plain-text import format: header lines, then one row per note.

    Columns: guid, Front, Back, tags (and deck, when there are several).
    """
    notes = notes_for(decks)
    several = len({n.deck for n in notes}) > 1
    lines = [
        "#separator:tab",
        "#html:true",
        f"#notetype:{TXT_NOTE_TYPE}",
    ]
    if several:
        lines.append("#deck column:5")
    else:
        lines.append(f"#deck:{notes[0].deck}")
    lines += [
        "#tags column:4",
        "#guid column:1",
        # A comment for people reading the file; it holds no colon, so Anki reads no
        # header from it.
        "# Written by calcquiz for Anki's Basic note type. Columns are guid, "
        f"{', '.join(TXT_FIELDS)} (the answer, note and demo), tags{', deck' if several else ''}",
    ]
    for note in notes:
        row = [TXT_GUID_PREFIX + note.guid, note.fields[0], basic_back(note), " ".join(note.tags)]
        if several:
            row.append(note.deck)
        lines.append("\t".join(_txt_field(v) for v in row))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- writing a file

FORMATS = ("apkg", "txt")


@dataclass(frozen=True)
class Written:
    """What an export wrote."""

    path: Path
    format: str
    notes: int
    decks: int
    studied: int | None = None  # cards written with their schedule (--with-progress)
    anki_notes: int = 0  # notes given back to Anki in their own note types
    anki_notes_edited: int = 0  # of which edited in calcquiz: they update Anki's
    unmapped: int = 0  # cards edited in calcquiz whose edit no Anki field can take
    left_out: int = 0  # cloze cards without their deletion (OriginalNotes.left_out)


def choose_format(requested: str | None, output: Path | None) -> str:
    """The format asked for, else the one named by the output's extension, else apkg."""
    named = output.suffix.lower().lstrip(".") if output is not None else ""
    if requested is None:
        return named if named in FORMATS else "apkg"
    if requested not in FORMATS:
        raise BadInputError(f"unknown format {requested!r} (choose from {', '.join(FORMATS)})")
    if named in FORMATS and named != requested:
        raise BadInputError(f"--format {requested} does not match the output file {output}")
    return requested


def default_filename(decks: Sequence[Deck], fmt: str) -> str:
    stem = slug(decks[0].name) if len(decks) == 1 else f"{len(decks)}-decks"
    return f"calcquiz-{stem}.{fmt}"


def export(
    decks: Sequence[Deck],
    output: Path | None = None,
    fmt: str | None = None,
    *,
    force: bool = False,
    now: float | None = None,
    progress: Progress | None = None,
) -> Written:
    """Write ``decks`` for Anki; ``output`` may be a file, a folder, or None (the cwd).
    ``progress`` (``.apkg`` only) adds the studied cards' schedules and review logs."""
    from calcquiz.export.files import refuse_existing, write_atomically

    fmt = choose_format(fmt, output)
    if progress is not None and fmt != "apkg":
        raise BadInputError("--with-progress needs the .apkg format (a text file has no schedule)")
    if output is None:
        path = Path(default_filename(decks, fmt))
    elif output.is_dir():
        path = output / default_filename(decks, fmt)
    else:
        path = output
    if not force:
        refuse_existing(path)  # before the work of building the file
    notes = sum(len(d.cards) for d in decks)
    originals = None
    if fmt == "apkg":
        from calcquiz.export.original_notes import original_notes

        # the package replaced, read once: its notes' times (the new ones must be newer)
        # and when each note's text was first sent (original_notes)
        sent = sent_notes(path) if force and path.is_file() else {}
        stamp = package_timestamp(sent, now)
        originals = original_notes(decks, stamp, sent)
        notes += len(originals.notes) - len(originals.covered)
        data = apkg_bytes(decks, stamp, progress, originals)
    else:
        data = txt_text(decks).encode("utf-8")
    write_atomically(path, data, force=force)
    studied = len(progress) if progress is not None else None
    if originals is None:
        return Written(path, fmt, notes, len(decks), studied)
    return Written(
        path,
        fmt,
        notes,
        len(decks),
        studied,
        len(originals.notes),
        sum(n.edited for n in originals.notes),
        len(originals.unmapped),
        len(originals.left_out),
    )
