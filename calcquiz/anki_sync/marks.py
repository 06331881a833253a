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
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from calcquiz.errors import CalcquizError
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


def load(collection: Path) -> dict[Key, Marks]:
    """The marks the last sync with ``collection`` left (nothing when unreadable: the
    next sync then keeps every mark, as a first one does)."""
    try:
        data = json.loads(state_path().read_text(encoding="utf-8"))
        cards = data.get(str(collection.resolve()), {})
        return {
            (deck, card_id): Marks(bool(s), bool(b))
            for deck, card_id, s, b in cards
            if isinstance(deck, str) and isinstance(card_id, str)
        }
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def save(collection: Path, marks: dict[Key, Marks]) -> None:
    """Remember ``marks`` for ``collection`` (atomically: a temporary file, then a rename)."""
    path = state_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    # A sync of some decks keeps what the others' last sync left.
    merged = {**load(collection), **marks}
    data[str(collection.resolve())] = [
        [deck, card_id, m.suspended, m.buried] for (deck, card_id), m in sorted(merged.items())
    ]
    text = json.dumps(data, ensure_ascii=False)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return  # nothing new: the file is not rewritten
    try:
        fd, tmp = tempfile.mkstemp(prefix=".anki-sync-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise CalcquizError(f"cannot write {path}: {exc.strerror or exc}") from None
