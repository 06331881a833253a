"""Suspensions and buries in both directions.

Neither side records when a mark changed, so each sync remembers the marks it left on
every card it synced (``anki-sync-marks.json`` in calcquiz's data folder, per collection).
A side whose mark differs from that remembered value changed it since, and its value
wins: the later change, since the other side still holds the old one. A mark is a yes or
no, so two sides that both changed it agree. On the first sync there is nothing
remembered, and a card suspended (or buried) on either side ends up so on both: no mark
is lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from calcquiz.paths import data_dir

Key = tuple[str, str]  # (deck name, card id)


@dataclass(frozen=True)
class Marks:
    suspended: bool = False
    buried: bool = False


def reconcile(calcquiz: Marks, anki: Marks, last: Marks | None) -> Marks:
    """The marks both sides should hold."""
    return Marks(
        _one(calcquiz.suspended, anki.suspended, None if last is None else last.suspended),
        _one(calcquiz.buried, anki.buried, None if last is None else last.buried),
    )


def _one(calcquiz: bool, anki: bool, last: bool | None) -> bool:
    if calcquiz == anki:
        return calcquiz
    if last is None:
        return True  # first sync: keep the mark
    return anki if calcquiz == last else calcquiz


def state_path() -> Path:
    return data_dir() / "anki-sync-marks.json"


def _read(path: Path) -> tuple[str, dict[str, object]]:
    """The marks file's text and its data (empty when missing or unreadable)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, ValueError):
        return "", {}
    return text, data if isinstance(data, dict) else {}


def _cards(data: dict[str, object], collection: Path) -> dict[Key, Marks]:
    """The marks remembered for ``collection`` (nothing when any row is malformed)."""
    rows = data.get(str(collection.resolve()), [])
    out: dict[Key, Marks] = {}
    for row in rows if isinstance(rows, list) else [None]:
        if not (isinstance(row, list) and len(row) == 4):
            return {}
        deck, card_id, suspended, buried = row
        if isinstance(deck, str) and isinstance(card_id, str):
            out[(deck, card_id)] = Marks(bool(suspended), bool(buried))
    return out


def load(collection: Path) -> dict[Key, Marks]:
    """The marks the last sync with ``collection`` left (nothing when unreadable: the
    next sync then keeps every mark, as a first one does)."""
    return _cards(_read(state_path())[1], collection)


def save(collection: Path, marks: dict[Key, Marks]) -> None:
    """Remember ``marks`` for ``collection`` (atomically: a temporary file, then a rename);
    a file that would not change is not rewritten."""
    from calcquiz.export.files import write_atomically

    path = state_path()
    old, data = _read(path)
    # A sync of some decks keeps what the others' last sync left.
    merged = {**_cards(data, collection), **marks}
    data[str(collection.resolve())] = [
        [deck, card_id, m.suspended, m.buried] for (deck, card_id), m in sorted(merged.items())
    ]
    text = json.dumps(data, ensure_ascii=False)
    if text != old:
        write_atomically(path, text.encode("utf-8"), force=True)
