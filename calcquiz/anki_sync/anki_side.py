"""The live collection: read as ``import anki`` reads a package, written through the
official ``anki`` package's API (notes, cards) and its database proxy (review log rows,
which the API only writes when Anki itself answers a card).

Scheduling follows ``export anki --with-progress`` (:func:`calcquiz.export.progress.card_fields`):
card type, queue, due, interval, remaining steps and the FSRS memory state, so Anki's
scheduler carries on from them. A review card's due day is counted in the collection's
own days (its creation day and rollover hour), the days :class:`AnkiCollection` reads
back, so a due time survives the round trip.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from calcquiz.anki_import.package import AnkiCollection, DamagedValueError, read_collection
from calcquiz.dates import Calendar
from calcquiz.errors import CalcquizError
from calcquiz.export.anki import (
    ANSWER_TEMPLATE,
    CSS,
    FIELDS,
    NOTE_TYPE_NAME,
    QUESTION_TEMPLATE,
)
from calcquiz.export.progress import CardFields, Steps, card_fields
from calcquiz.states import CardState
from calcquiz.store import REVIEW

from .marks import Marks

SUSPENDED, SCHED_BURIED, USER_BURIED = -1, -2, -3  # Anki's queues for marked cards
NEW_QUEUE = 0
# Anki keeps stability and difficulty as 32-bit floats rounded to 3 decimals: a memory
# state that close is the same one (rewriting it would change the card every sync).
ROUNDING, F32 = 5e-4, 1e-6


class _Rows(list[Any]):
    def fetchone(self) -> Any:
        return self[0] if self else None


class _Connection:
    """The collection's database proxy as the sqlite3 connection the package reader uses
    (the proxy hands a blob back as a list of byte values; sqlite3 as bytes)."""

    def __init__(self, db: Any):
        self.db = db

    def execute(self, sql: str, args: tuple[Any, ...] = ()) -> _Rows:
        return _Rows(
            [bytes(v) if isinstance(v, list) else v for v in row]
            for row in self.db.all(sql, *args)
        )


def read_live(col: Any) -> AnkiCollection:
    """Notes, cards, review log and day counting of the open collection, checked as
    ``import anki`` checks a package (a value Anki never writes refuses the sync)."""
    from .safety import SyncRefused

    try:
        # the real clock bounds review times: a sync's ``now`` may be a simulated day
        return read_collection(_Connection(col.db), time.time())  # type: ignore[arg-type]
    except DamagedValueError as exc:
        raise SyncRefused(
            f"{col.path} is damaged: {exc} (Anki never writes this); in Anki, run "
            "Tools > Check Database"
        ) from None


def anki_marks(queue: int) -> Marks:
    return Marks(suspended=queue == SUSPENDED, buried=queue in (SCHED_BURIED, USER_BURIED))


def anki_day(collection: AnkiCollection, ts: float) -> int:
    """The collection's day number of the day holding ``ts``."""
    days = Calendar(collection.rollover)
    return (days.day_of(ts) - days.day_of(collection.day_start(0))).days


def note_type(col: Any) -> Any:
    """calcquiz's note type in the collection (``export anki``'s), added when missing."""
    found = col.models.by_name(NOTE_TYPE_NAME)
    if found is not None:
        names = [f["name"] for f in found["flds"]]
        if names != list(FIELDS):
            raise CalcquizError(
                f"the collection's note type {NOTE_TYPE_NAME!r} has the fields "
                f"{', '.join(names)}, not {', '.join(FIELDS)}: rename it in Anki "
                "(Tools > Manage Note Types) and sync again"
            )
        return found
    models = col.models
    model = models.new(NOTE_TYPE_NAME)
    for name in FIELDS:
        models.add_field(model, models.new_field(name))
    template = models.new_template("Question > Answer")
    template["qfmt"], template["afmt"] = QUESTION_TEMPLATE, ANSWER_TEMPLATE
    models.add_template(model, template)
    model["css"] = CSS
    models.add(model)
    return models.by_name(NOTE_TYPE_NAME)


@dataclass(frozen=True)
class Scheduling:
    """What the memory state and steps are written with (calcquiz's scheduler)."""

    retention: float
    decay: float
    steps: Steps


def schedule_fields(
    state: CardState, collection: AnkiCollection, how: Scheduling
) -> CardFields:
    fields = card_fields(state, collection.crt, how.retention, how.decay, how.steps)
    if state.state == REVIEW:
        fields["due"] = anki_day(collection, state.due)
        if state.last_review is not None:  # Anki's interval: due day minus review day
            fields["ivl"] = max(1, fields["due"] - anki_day(collection, state.last_review))
    return fields


def put_schedule(card: Any, fields: CardFields | None, marks: Marks) -> bool:
    """Give ``card`` the schedule ``fields`` (None: a new card) and ``marks``; False, and
    the card untouched, when it has them already."""
    if fields is None:
        queue = SUSPENDED if marks.suspended else USER_BURIED if marks.buried else NEW_QUEUE
        if card.type != 0 or card.queue == queue:
            return False
        card.queue = queue
        return True
    data = json.loads(fields["data"])
    queue = SUSPENDED if marks.suspended else USER_BURIED if marks.buried else fields["queue"]
    wanted = {
        "type": fields["type"],
        "queue": queue,
        "due": fields["due"],
        "ivl": fields["ivl"],
        "reps": fields["reps"],
        "lapses": fields["lapses"],
        "left": fields["left"],
        "last_review_time": last_review_time(card, data.get("lrt")),
    }
    memory = (data.get("s"), data.get("d"))
    same = all(getattr(card, k) == v for k, v in wanted.items()) and _same_memory(card, memory)
    if same:
        return False
    from anki.cards import FSRSMemoryState

    for key, value in wanted.items():
        setattr(card, key, value)
    if memory[0] is not None and memory[1] is not None:
        card.memory_state = FSRSMemoryState(stability=memory[0], difficulty=memory[1])
        card.decay = data["decay"]
    if not card.factor:
        card.factor = fields["factor"]
    return True


def last_review_time(card: Any, ours: int | None) -> int | None:
    """The card's last review time as Anki's Check Database sets it: its last rating row
    in the collection's log (the rows the sync wrote included), in whole seconds of the
    row's id, none after a "Forget". A rating late in its second is the next second's row
    (to the millisecond). ``ours`` when the card has no rows."""
    from calcquiz.anki_import.package import Revlog

    rows = card.col.db.all(
        "SELECT id, cid, ease, ivl, lastIvl, factor, time, type FROM revlog WHERE cid = ? "
        "ORDER BY id",
        card.id,
    )
    if not rows:
        return ours
    last = None
    for row in rows:
        entry = Revlog(*row)
        if entry.is_rating:
            last = entry.id // 1000
        elif entry.is_reset:
            last = None
    return last


def _same_memory(card: Any, memory: tuple[float | None, float | None]) -> bool:
    have = card.memory_state
    if memory[0] is None or memory[1] is None:
        return True  # nothing to set
    if have is None:
        return False
    return all(
        abs(stored - wanted) <= ROUNDING + F32 * max(1.0, wanted)
        for stored, wanted in ((have.stability, memory[0]), (have.difficulty, memory[1]))
    )


def scheduling_warnings(col: Any, deck_names: list[str], parameters: list[float]) -> list[str]:
    """What would make Anki schedule these cards otherwise than calcquiz replays them."""
    from calcquiz.export.anki import anki_deck_name

    if not col.get_config("fsrs", False):
        return [
            "FSRS is off in this collection (Anki: Deck Options > FSRS): Anki schedules "
            "the cards with its older algorithm, not from the memory states the sync sets"
        ]
    out = []
    for name in deck_names:
        deck = col.decks.by_name(anki_deck_name(name))
        if deck is None or "conf" not in deck:
            continue
        theirs = list(col.decks.config_dict_for_deck_id(deck["id"]).get("fsrsParams6") or [])
        if theirs and (
            len(theirs) != len(parameters)
            or any(abs(a - b) > 1e-4 for a, b in zip(theirs, parameters, strict=False))
        ):
            out.append(
                f"Anki's deck {anki_deck_name(name)!r} uses other FSRS parameters than "
                "calcquiz: memory states are replayed with calcquiz's (to use Anki's: "
                "calcquiz config set parameters " + ", ".join(f"{v:g}" for v in theirs) + ")"
            )
    return out


# A review row's id is unique across the collection: when calcquiz's rating time is taken
# (a deleted card's rows stay in Anki's log), the sync writes it a millisecond or a few
# later. Within this window, a row of the same card and button stands for that rating.
MOVED_ID_WINDOW_MS = 1000


def align_moved_ids(
    collection: AnkiCollection, anki_card_id: int, ratings: list[tuple[int, int]]
) -> None:
    """Give the rows of ``anki_card_id`` that a sync wrote at a moved id the time of the
    calcquiz rating they stand for (``ratings``: (ms, button) of calcquiz's log), in
    ``collection``, so neither side takes them for new."""
    from dataclasses import replace

    rows = collection.revlog.get(anki_card_id)
    if not rows or not ratings:
        return
    mine = {ms for ms, _ in ratings}
    free = sorted(r for r in ratings if r[0] not in {row.id for row in rows})
    if not free:
        return
    aligned = []
    for row in rows:
        if row.id not in mine:
            match = next(
                (r for r in free if r[1] == row.ease and 0 < row.id - r[0] <= MOVED_ID_WINDOW_MS),
                None,
            )
            if match is not None:
                free.remove(match)
                row = replace(row, id=match[0])
        aligned.append(row)
    collection.revlog[anki_card_id] = aligned
