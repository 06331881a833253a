"""Review histories and the training items FSRS expects. Pure Python: no fsrs-rs here.

A history comes from calcquiz's own ``review_log`` (:func:`from_store`) or from a CSV in
the open-spaced-repetition layout (:func:`read_csv`): ``card_id, review_rating,
review_time, review_duration`` and an optional ``review_state``.

Days: FSRS counts intervals in whole days. For calcquiz's own log a review's day is the
learner's day, as ``calcquiz study`` counts them (from ``day_starts_at``, 4 a.m. local
time by default). For a CSV it is the calendar date in the time zone its ISO 8601 time
gives, or the local calendar date for epoch times and times without a zone.

Items (:func:`build_items`): for every review on a later day than the card's previous
review, one item holding the card's reviews up to and including it, as ``(rating,
delta_t)`` pairs with ``delta_t`` the days since the previous review (0 for the first
review and for same-day reviews). Same-day reviews therefore shape the memory state of
later items but are never scored themselves. Items are ordered by the time of their last
review, as fsrs-rs's time-series split and recency weighting assume.

A CSV is read only if it is a regular file of at most :data:`MAX_CSV_BYTES` with lines of
at most :data:`MAX_LINE_BYTES` (a FIFO or device is refused before it is read, so it
cannot hang or fill memory); times lie between 1970 and 9999, as the store's do.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from calcquiz.errors import BadInputError

if TYPE_CHECKING:
    from calcquiz.dates import Calendar
    from calcquiz.store import Store

REQUIRED_COLUMNS = ("card_id", "review_rating", "review_time", "review_duration")
OPTIONAL_COLUMNS = ("review_state",)
MANUAL_STATE = 4  # an Anki "manual" entry (rescheduled, forgotten): not a recall
MAX_CSV_BYTES = 256 << 20  # about five million reviews, more than years of heavy use
MAX_LINE_BYTES = 64 << 10  # a review is a few dozen bytes; a longer line is not a review
MAX_DURATION_MS = 2**31 - 1  # Anki's revlog keeps a duration in a 32-bit integer
MAX_TIME = 253402300799.0  # 9999-12-31 23:59:59 UTC, as the store's rows (store/rows.py)


class Kind(IntEnum):
    """What a review was, judged from the history alone (the simulator's three states)."""

    LEARNING = 0  # on the card's first day
    REVIEW = 1  # on a later day than the card's previous review
    RELEARNING = 2  # the same day as a review, after it (a lapse being relearnt)


@dataclass(frozen=True)
class ReviewEvent:
    """One rating: ``card`` identifies the card, ``when`` is epoch seconds, ``day`` the
    proleptic ordinal of its calendar day."""

    card: str
    rating: int
    when: float
    day: int
    duration_ms: int | None
    state: int | None = None  # review_state from a CSV, if given


@dataclass(frozen=True)
class TrainingItem:
    """A card's reviews up to one scored review (the last), as (rating, delta_t) pairs."""

    card: str
    when: float
    reviews: tuple[tuple[int, int], ...]


def local_day(ts: float) -> int:
    return datetime.fromtimestamp(ts).date().toordinal()


# -- reading


def from_store(
    store: Store, deck: str | None = None, calendar: Calendar | None = None
) -> list[ReviewEvent]:
    """Every logged rating (cram ratings too: they were real recalls), all decks or one,
    on the learner's days (``calendar``: days start at ``day_starts_at``, as in study)."""
    if calendar is None:
        from calcquiz.dates import Calendar

        calendar = Calendar()
    return [
        ReviewEvent(
            card=f"{r.deck}\x1f{r.card_id}",
            rating=r.rating,
            when=r.reviewed_at,
            day=calendar.day_of(r.reviewed_at).toordinal(),
            duration_ms=r.duration_ms,
        )
        for r in store.reviews(deck)
    ]


def own_history(
    deck: str | None, calendar: Calendar, must_exist: bool = True
) -> list[ReviewEvent]:
    """calcquiz's own log (never creating a database just to read it). With ``must_exist``,
    a named deck without reviews raises BadInputError naming the decks that have some."""
    from calcquiz.store import db_path, open_store

    if not db_path().exists():
        if deck is not None and must_exist:
            raise BadInputError(f"no reviews of deck {deck!r}: nothing has been studied yet")
        return []
    with open_store() as store:
        events = from_store(store, deck, calendar)
        if deck is not None and not events and must_exist:
            names = sorted({r.deck for r in store.reviews()})
            known = ", ".join(repr(n) for n in names) or "none yet"
            raise BadInputError(f"no reviews of deck {deck!r} (decks with reviews: {known})")
    return events


def read_csv(path: Path) -> list[ReviewEvent]:
    """An open-spaced-repetition review log. Any malformed line raises BadInputError
    naming the file, line and column; what is not a regular file is refused unread."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise BadInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BadInputError(f"{path} is a folder, not a CSV file") from None
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise BadInputError(f"{path} is a folder, not a CSV file")
        if not stat.S_ISREG(info.st_mode):
            raise BadInputError(f"{path} is not a regular file (a FIFO or device); give a CSV file")
        if info.st_size > MAX_CSV_BYTES:
            raise BadInputError(_too_big(path))
        with os.fdopen(fd, "rb") as fh:
            fd = -1  # the file object closes it
            return _parse(path, _lines(path, fh))
    except csv.Error as exc:
        raise BadInputError(f"{path}: not a readable CSV file ({exc})") from None
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    finally:
        if fd >= 0:
            os.close(fd)


def _too_big(path: Path) -> str:
    return f"{path} is over {MAX_CSV_BYTES >> 20} MB, more than a review log holds"


def _lines(path: Path, fh: BinaryIO) -> Iterator[str]:
    """The file's lines as text, each checked: UTF-8 (a bad byte is located by line and by
    offset in the file), at most MAX_LINE_BYTES, at most MAX_CSV_BYTES in all (a file that
    grows while it is read is still bounded)."""
    offset = 0
    for number in itertools.count(1):
        raw = fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        if len(raw) > MAX_LINE_BYTES:
            raise BadInputError(
                f"{path}:{number}: a line over {MAX_LINE_BYTES >> 10} KB "
                "(a review is one short line: is this a review log?)"
            )
        start = offset
        offset += len(raw)
        if offset > MAX_CSV_BYTES:
            raise BadInputError(_too_big(path))
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw, start = raw[len(codecs.BOM_UTF8) :], start + len(codecs.BOM_UTF8)
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadInputError(
                f"{path}:{number}: not UTF-8 text (byte {start + exc.start} of the file)"
            ) from None


def _parse(path: Path, lines: Iterable[str]) -> list[ReviewEvent]:
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise BadInputError(
            f"{path}:1: empty file (expected a header: {','.join(REQUIRED_COLUMNS)})"
        )
    names = [h.strip() for h in header]
    for column in REQUIRED_COLUMNS:
        if column not in names:
            raise BadInputError(
                f"{path}:1: missing column {column} "
                f"(expected {', '.join(REQUIRED_COLUMNS)}[, review_state])"
            )
    index = {n: names.index(n) for n in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if n in names}
    events: list[ReviewEvent] = []
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            raise BadInputError(f"{path}:{line}: {len(row)} fields, the header has {len(names)}")
        event = _event(path, line, row, index)
        if event is not None:
            events.append(event)
    return events


def _event(path: Path, line: int, row: list[str], index: dict[str, int]) -> ReviewEvent | None:
    def cell(name: str) -> str:
        return row[index[name]].strip()

    def bad(name: str, why: str) -> BadInputError:
        text = cell(name)
        shown = repr(text) if len(text) <= 40 else f"{text[:20]!r}... ({len(text)} characters)"
        return BadInputError(f"{path}:{line}: column {index[name] + 1} ({name}): {shown} {why}")

    state: int | None = None
    if "review_state" in index and cell("review_state"):
        if cell("review_state") not in {"0", "1", "2", "3", "4"}:
            raise bad("review_state", "is not a state 0-4")
        state = int(cell("review_state"))
        if state == MANUAL_STATE:
            return None
    card = cell("card_id")
    if not card:
        raise bad("card_id", "is empty")
    if cell("review_rating") not in {"1", "2", "3", "4"}:
        raise bad("review_rating", "is not a rating 1-4")
    when, day = _time(cell("review_time"))
    if when is None:
        raise bad("review_time", "is not an ISO 8601 time or epoch milliseconds, 1970-9999")
    duration: int | None = None
    if cell("review_duration"):
        text = cell("review_duration")
        if not _digits(text) or len(text) > 10 or int(text) > MAX_DURATION_MS:
            raise bad(
                "review_duration", f"is not a whole number of milliseconds, 0-{MAX_DURATION_MS}"
            )
        duration = int(text)
    return ReviewEvent(card, int(cell("review_rating")), when, day, duration, state)


def _digits(text: str) -> bool:
    """ASCII digits only: "²".isdigit() is True, but int("²") fails."""
    return text.isascii() and text.isdigit()


def _time(text: str) -> tuple[float | None, int]:
    """Epoch seconds and the day's ordinal, or (None, 0) for what is not a time from 1970
    to 9999 (the range the store and Python's dates hold)."""
    try:
        if _digits(text):  # epoch milliseconds, as fsrs-rs's own revlog.csv
            if len(text) > 20:
                return None, 0
            when = int(text) / 1000
            day = local_day(when) if 0 <= when <= MAX_TIME else 0
        else:
            if not text.isascii():
                return None, 0
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            # The day is the date where the review was made, in the zone the file gives.
            when, day = moment.timestamp(), moment.date().toordinal()
    except (ValueError, OverflowError, OSError):  # out of range for this zone's dates
        return None, 0
    if not 0 <= when <= MAX_TIME:
        return None, 0
    return when, day


# -- training items


def by_card(events: Iterable[ReviewEvent]) -> dict[str, list[ReviewEvent]]:
    """Each card's reviews in time order (stable for equal times). A CSV review_state 0
    (new) after earlier reviews means the card was reset: its history restarts there."""
    cards: dict[str, list[ReviewEvent]] = {}
    for event in events:
        cards.setdefault(event.card, []).append(event)
    for card, reviews in cards.items():
        reviews.sort(key=lambda e: e.when)
        resets = [i for i, e in enumerate(reviews) if e.state == 0 and i > 0]
        if resets:
            cards[card] = reviews[resets[-1] :]
    return cards


def build_items(events: Iterable[ReviewEvent]) -> list[TrainingItem]:
    """One item per review on a later day than the card's previous review (module doc)."""
    items: list[TrainingItem] = []
    for card, reviews in by_card(events).items():
        pairs: list[tuple[int, int]] = []
        last_day = reviews[0].day
        for event in reviews:
            delta = max(0, event.day - last_day)
            pairs.append((event.rating, delta))
            if delta > 0:
                items.append(TrainingItem(card, event.when, tuple(pairs)))
            last_day = event.day
    items.sort(key=lambda item: item.when)
    return items


def kinds(reviews: Sequence[ReviewEvent]) -> list[Kind]:
    """Each review of one card (in time order) as learning, review or relearning."""
    out: list[Kind] = []
    for i, event in enumerate(reviews):
        if i == 0 or event.day == reviews[0].day:
            out.append(Kind.LEARNING)
        elif event.day > reviews[i - 1].day:
            out.append(Kind.REVIEW)
        else:
            out.append(Kind.RELEARNING)
    return out
