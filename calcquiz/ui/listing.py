"""``calcquiz list`` for decks of any size: rows are written as they are produced.

* To a pipe or a file: one plain line per card, under one header line.
* In a terminal: a short list is the rich table of :func:`calcquiz.ui.cards.print_card_table`;
  a long one goes through a pager (``$PAGER``, else ``less``), fed line by line, so the first
  screen shows at once and quitting the pager stops the listing.
* ``--json``: one JSON array, one card object a line, written card by card.

Nothing here holds more than one screen of rows.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import IO, TYPE_CHECKING, Any

from calcquiz import ui
from calcquiz.dates import Calendar, iso_utc
from calcquiz.mathtext import to_unicode

if TYPE_CHECKING:
    from rich.console import Console

    from calcquiz.content import Card, Deck
    from calcquiz.progress import CardProgress, DeckProgress, ExerciseAccuracy, RawProgress

Row = tuple["Card", "CardProgress"]

# A terminal gets the table when the list is at most this long, the pager beyond it.
TABLE_ROWS = 100
DEFAULT_PAGER = "less -FRX"  # quit if one screen, colours, keep the screen on quit
MARKS = ("suspended", "buried", "leech")


@dataclass(frozen=True)
class Columns:
    """Column widths, decided from the decks before any row is made (no pass over rows)."""

    number: int
    card: int
    deck: int  # 0: no deck column

    @classmethod
    def of(cls, decks: Iterable[Deck], show_deck: bool) -> Columns:
        """From ids alone (``by_id``) and each deck's last card, the highest number: a
        cached deck makes no card for this."""
        decks = [d for d in decks if len(d.cards)]
        top = max((d.cards[-1].number for d in decks), default=1)
        longest = max((len(card_id) for d in decks for card_id in d.by_id), default=4)
        deck = min(16, max((len(d.name) for d in decks), default=4)) if show_deck else 0
        return cls(max(1, len(str(top))), min(32, max(4, longest)), max(4, deck) if deck else 0)


class DueFormat:
    """:meth:`Calendar.format_due` for many cards at one ``now``: the week's day boundaries
    are found once, so a due time in the week costs one local-time conversion; one later
    than that shows only its local date, found once per UTC hour (an hour that holds two
    local dates, under an offset of half or three quarters of an hour, is converted per
    due time)."""

    def __init__(self, calendar: Calendar, now: float):
        from datetime import timedelta

        self.calendar = calendar
        self.now = now
        today = calendar.day_of(now)
        # boundaries[i] is when the day i days from today starts (7 days ahead at most)
        self.boundaries = [calendar.start(today + timedelta(days=i)) for i in range(8)]
        self.week_end = self.boundaries[7]
        self._hour_dates: dict[int, str] = {}  # UTC hour -> its local date ("": two dates)

    def __call__(self, ts: float) -> str:
        import bisect

        if ts <= self.now:
            return "now"
        if ts >= self.week_end:  # 7 days or more ahead: the local date
            hour = int(ts // 3600)
            date = self._hour_dates.get(hour)
            if date is None:
                date = self._hour_dates[hour] = self._date_of_hour(hour)
            return date or self._date(self.calendar.local(ts))
        days = bisect.bisect_right(self.boundaries, ts) - 1
        moment = self.calendar.local(ts)
        clock = f"{moment.hour:02d}:{moment.minute:02d}"
        if days == 0:
            return f"today {clock}"
        if days == 1:
            return f"tomorrow {clock}"
        return f"{moment:%a} {clock}"

    def _date_of_hour(self, hour: int) -> str:
        first = self.calendar.local(hour * 3600.0)
        last = self.calendar.local(hour * 3600.0 + 3599.999999)
        return self._date(first) if first.date() == last.date() else ""

    @staticmethod
    def _date(moment: datetime) -> str:
        return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"


def solved_text(accuracy: ExerciseAccuracy | None) -> str:
    """Recent exercises on the card's topic, ``right/of`` (blank: none attempted)."""
    return "" if not accuracy else f"{accuracy['right']}/{accuracy['of']}"


class LineFormat:
    """One card a line: ``#  [deck]  card  state  due  stab.  recall  solved  question  #tags``.

    ``unicode``: math as Unicode, for people (the pager); else the question as written in
    the deck, for scripts (a pipe), which also keeps 100,000 lines fast."""

    def __init__(self, columns: Columns, calendar: Calendar, now: float, unicode: bool):
        self.columns = columns
        self.due = DueFormat(calendar, now)
        self.unicode = unicode
        self._deck_names: dict[str, str] = {}  # a deck's name on one line
        c = columns
        deck = f"%-{c.deck}.{c.deck}s  " if c.deck else "%.0s"  # truncated to its width
        # printf style: half the time of str.format for 100,000 lines
        self.template = f"%{c.number}s  {deck}%-{c.card}s  %-10s  %-14s  %8s  %6s  %6s  %s"

    def header(self) -> str:
        return self._join(
            "#", "deck", "card", "state", "due", "stab.", "recall", "solved", "question"
        )

    def line(self, card: Card, p: CardProgress) -> str:
        if self.unicode:
            text = " ".join(to_unicode(card.question).split())
            text = text + "  #" + " #".join(card.tags) if card.tags else text
        else:
            text = card.one_line()
        due = p["due"]
        return self.cells(
            card.number, self.deck_name(card.deck), card.id, text, p["state"],
            None if due is None else datetime.fromisoformat(due).timestamp(), p["stability"],
            p["difficulty"], p["retrievability"], p["suspended"], p["buried"], p["leech"],
            p["exercise_accuracy"],
        )

    def deck_name(self, deck: str) -> str:
        """A deck's name on one line."""
        shown = self._deck_names.get(deck)
        if shown is None:
            shown = self._deck_names[deck] = " ".join(deck.split())
        return shown

    def cells(
        self, number: int | str, deck: str, card_id: str, text: str, state: str,
        due: float | None, stability: float | None, difficulty: float | None,
        recall: float | None, suspended: bool, buried: bool, leech: bool,
        accuracy: ExerciseAccuracy | None,
    ) -> str:
        """A line from a card's number, deck name (:meth:`deck_name`), id and text, then
        its progress field by field, as :class:`calcquiz.progress.RawProgress` holds them:
        ``cells(number, deck, id, text, *raw)``. The due time counts to the second below,
        as the JSON ``due`` that :meth:`line` reads."""
        if suspended or buried or leech:
            marks = (m for m, on in zip(MARKS, (suspended, buried, leech), strict=True) if on)
            text += f"  [{', '.join(marks)}]"
        return (
            self.template
            % (
                number,
                deck,
                card_id,
                state,
                "" if due is None else self.due(int(due)),
                "" if stability is None else f"{stability:.1f}d",
                "" if recall is None else f"{recall:.0%}",
                solved_text(accuracy) if accuracy else "",
                text,
            )
        ).rstrip()

    def state_offset(self, card: Card) -> int:
        """Where the state starts in ``card``'s line (a long id pushes it right)."""
        c = self.columns
        return c.number + 2 + (c.deck + 2 if c.deck else 0) + max(c.card, len(card.id)) + 2

    def _join(self, *cells: object) -> str:
        return (self.template % cells).rstrip()


def print_card_list(
    rows: Iterable[Row],
    decks: list[Deck],
    total: int,
    calendar: Calendar,
    now: float | None = None,
) -> None:
    """The cards of ``rows`` (any number, made lazily), as the output calls for."""
    from calcquiz.ui import cards

    rows = iter(rows)
    show_deck = len(decks) > 1
    console = ui.console()
    if console.is_terminal:
        first = list(islice(rows, TABLE_ROWS + 1))
        if len(first) <= TABLE_ROWS:
            cards.print_card_table(first, show_deck, total, calendar)
            return
        rows = _chain(first, rows)
    columns = Columns.of(decks, show_deck)
    now = time.time() if now is None else now
    if console.is_terminal:
        _page(LineFormat(columns, calendar, now, unicode=True), rows, total, console)
    else:
        _write_lines(LineFormat(columns, calendar, now, unicode=False), rows, total)


def _chain(first: list[Row], rest: Iterator[Row]) -> Iterator[Row]:
    yield from first
    yield from rest


def _write_lines(fmt: LineFormat, rows: Iterator[Row], total: int) -> None:
    line = fmt.line
    chunks = ([line(card, p) for card, p in chunk] for chunk in _chunks(rows))
    _write_line_chunks(fmt, chunks, total)


def _chunks(items: Iterable[Any], size: int = 1000) -> Iterator[list[Any]]:
    items = iter(items)
    return iter(lambda: list(islice(items, size)), [])


def _write_line_chunks(fmt: LineFormat, chunks: Iterable[list[str]], total: int) -> None:
    """The header, the lines (a write per chunk), and the footer, to stdout."""
    out = sys.stdout
    shown = 0
    for lines in chunks:
        if not lines:
            continue
        if not shown:
            out.write(fmt.header() + "\n")
        out.write("\n".join(lines) + "\n")
        shown += len(lines)
    footer = _footer(shown, total)
    out.write(footer + "\n" if footer else "")
    out.flush()


def _footer(shown: int, total: int) -> str:
    if not shown:
        return "No card matches."
    return f"{shown} of {total} cards match." if shown < total else ""


def _page(fmt: LineFormat, rows: Iterator[Row], total: int, console: Console) -> None:
    """Feed the lines to ``$PAGER`` as they are made; without a pager, print them."""
    import subprocess

    command = os.environ.get("PAGER", DEFAULT_PAGER).strip()
    if not command or command == "cat":
        _print_lines(fmt, rows, total, console)
        return
    try:
        pager = subprocess.Popen(
            command, shell=True, stdin=subprocess.PIPE, text=True, encoding="utf-8"
        )
    except OSError:
        _print_lines(fmt, rows, total, console)
        return
    assert pager.stdin is not None
    try:
        _print_lines(fmt, rows, total, _pager_console(pager.stdin, console))
        pager.stdin.close()
    except (BrokenPipeError, KeyboardInterrupt):  # the reader quit the pager: stop listing
        pass
    finally:
        with contextlib.suppress(BrokenPipeError):
            pager.stdin.close()
        while True:  # the pager owns the terminal until it exits
            try:
                pager.wait()
                break
            except KeyboardInterrupt:
                continue


def _pager_console(stream: IO[str], like: Console) -> Console:
    from rich.console import Console

    class PagerConsole(Console):
        def on_broken_pipe(self) -> None:  # rich would exit 1: quitting a pager is fine
            raise BrokenPipeError

    return PagerConsole(
        file=stream,
        force_terminal=like.is_terminal,
        no_color=like.no_color,
        color_system="standard" if like.color_system else None,
        width=100_000,  # lines are never wrapped by rich: the pager decides
        highlight=False,
    )


def _print_lines(fmt: LineFormat, rows: Iterator[Row], total: int, console: Console) -> None:
    from rich.text import Text


    shown = 0
    for card, p in rows:
        if not shown:
            console.print(Text(fmt.header(), style=ui.STYLE_TITLE), soft_wrap=True)
        line = Text(fmt.line(card, p))
        start = fmt.state_offset(card)
        line.stylize(ui.STATE_STYLES.get(p["state"], ""), start, start + len(p["state"]))
        console.print(line, soft_wrap=True)
        shown += 1
    footer = _footer(shown, total)
    if footer:
        console.print(Text(footer, style=ui.STYLE_MUTED), soft_wrap=True)


# --- to a pipe, nothing to narrow: rows from the decks' kept one-line forms ------------------


def _number(card: Card) -> str:
    return str(card.number)


def _demo(card: Card) -> str:
    return card.demo or ""


def _one_line(card: Card) -> str:
    return card.one_line()


# What a ``list`` line needs of each card besides its id, kept beside a cached deck as a
# line a card (see :func:`calcquiz.content.cache.derived_lines`): read with one split.
LIST_COLUMNS = ((".numbers", _number), (".demos", _demo), (".lines", _one_line))


def _ids(deck: Deck) -> list[str]:
    ids = getattr(deck.cards, "ids", None)  # a cached deck's id column, as it is
    return ids if isinstance(ids, list) else [c.id for c in deck.cards]


def write_progress_lines(
    sources: Iterable[DeckProgress], decks: list[Deck], total: int, calendar: Calendar,
    now: float,
) -> None:
    """The lines :func:`print_card_list` writes to a pipe for every card, made from each
    deck's kept LIST_COLUMNS and raw progress: no Card, CardProgress or ISO date per
    row, so 100,000 rows take half the time. (A test holds the two equal.)"""
    fmt = LineFormat(Columns.of(decks, len(decks) > 1), calendar, now, unicode=False)
    _write_line_chunks(fmt, _progress_line_chunks(fmt, sources), total)


def _progress_line_chunks(
    fmt: LineFormat, sources: Iterable[DeckProgress]
) -> Iterator[list[str]]:
    from calcquiz.content.cache import derived_lines

    for source in sources:
        deck = source.deck
        numbers, demos, texts = (derived_lines(deck, *column) for column in LIST_COLUMNS)
        ids = _ids(deck)
        cells, raw, name = fmt.cells, source.raw, fmt.deck_name(deck.name)
        for at in range(0, len(ids), 1000):  # a write per 1,000 lines
            part = slice(at, at + 1000)
            if not source.flags and not source.recent:
                yield _lines_of_states(fmt, source, name, ids[part], numbers[part], texts[part])
                continue
            yield [
                cells(number, name, card_id, text, *raw(card_id, demo or None))
                for card_id, number, demo, text in zip(
                    ids[part], numbers[part], demos[part], texts[part], strict=True
                )
            ]


def _lines_of_states(
    fmt: LineFormat, source: DeckProgress, deck: str, ids: list[str], numbers: list[str],
    texts: list[str],
) -> list[str]:
    """``fmt.cells(number, deck, id, text, *source.raw(id, None))`` for each card, when the
    store has no marks and no exercise results, so a card's progress is its state row
    alone: one loop with no call per card but recall and the due date, a fifth less time
    for 100,000 rows. (A test holds it equal to the general path.)"""
    from calcquiz.store import STATE_NAMES

    get, recall, due, template = source.states.get, source.recall, fmt.due, fmt.template
    out: list[str] = []
    for card_id, number, text in zip(ids, numbers, texts, strict=True):
        state = get(card_id)
        if state is None:
            out.append((template % (number, deck, card_id, "new", "", "", "", "", text)).rstrip())
            continue
        _, kind, at, stability, _, last_review = state
        shown = recall(stability, last_review) if recall else None
        out.append((template % (
            number, deck, card_id, STATE_NAMES[kind], due(int(at)),
            "" if stability is None else f"{stability:.1f}d",
            "" if shown is None else f"{shown:.0%}", "", text,
        )).rstrip())
    return out


_PROGRESS_JSON = (
    '"state": "%s", "due": %s, "stability": %s, "difficulty": %s, "retrievability": %s, '
    '"suspended": %s, "buried": %s, "leech": %s, "exercise_accuracy": %s}'
)


def _json_number(value: float | None) -> str:
    """As ``json`` writes a number: ``float.__repr__``; inf or nan raise ValueError, as
    ``allow_nan=False`` makes it."""
    if value is None:
        return "null"
    if value - value != 0:  # inf - inf and nan - nan are nan
        raise ValueError(f"not a JSON number: {value!r}")
    return repr(value)


def progress_json(p: RawProgress, encode: Callable[[Any], str]) -> str:
    """``encode(CardProgress)`` without its opening brace, from a :class:`RawProgress` by
    a template: a third of the time of making the dict and encoding it, which 100,000
    rows feel. The same text ``encode`` gives (a property test holds them equal); inf or
    nan raise ValueError as ``encode`` does."""
    state, due, stability, difficulty, recall, suspended, buried, leech, accuracy = p
    return _PROGRESS_JSON % (
        state,
        "null" if due is None else f'"{iso_utc(due)}"',
        _json_number(stability),
        _json_number(difficulty),
        _json_number(recall),
        "true" if suspended else "false",
        "true" if buried else "false",
        "true" if leech else "false",
        "null" if accuracy is None else encode(accuracy),
    )


def write_progress_json(sources: Iterable[DeckProgress]) -> None:
    """:func:`print_json_array` of every card's ``to_dict`` and progress, made from each
    deck's kept JSON text of its cards: the card's part is not encoded again per row.
    (A test holds the two equal.)"""
    from calcquiz.content.cache import derived_lines
    from calcquiz.content.model import Card

    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode

    def chunks() -> Iterator[list[str]]:
        for source in sources:
            deck = source.deck
            texts = derived_lines(deck, ".jsonl", Card.to_json)
            ids = _ids(deck)
            demos: list[str | None] = [None] * len(ids)
            if source.recent:  # exercise accuracy is by the card's demo
                demos = [d or None for d in derived_lines(deck, *LIST_COLUMNS[1])]
            for at in range(0, len(texts), 1000):
                part = slice(at, at + 1000)
                if not source.flags and not source.recent:
                    yield _json_of_states(source, ids[part], texts[part], encode)
                    continue
                yield [
                    text[:-1] + ", " + _progress_tail(source, card_id, demo, encode)
                    for card_id, text, demo in zip(ids[part], texts[part], demos[part],
                                                   strict=True)
                ]

    _write_json_chunks(chunks())


# A studied card's JSON when its progress is its state row alone (no marks, no exercise
# results): the card's JSON without its closing brace, then :data:`_PROGRESS_JSON` with
# the state, the due time and the three numbers (``%r`` is how ``json`` writes a float).
_STATE_ROW_JSON = "%s, " + _PROGRESS_JSON % (
    "%s", '"%s"', "%r", "%r", "%r", "false", "false", "false", "null"
)


def _json_of_states(
    source: DeckProgress, ids: list[str], texts: list[str], encode: Callable[[Any], str]
) -> list[str]:
    """``text[:-1] + ", " + _progress_tail(source, id, None, encode)`` for each card, when
    the store has no marks and no exercise results: one loop with no call per card but
    recall and the due date, half the time for 100,000 cards. The store's check at open
    holds every stored number finite; a learning card without stability or difficulty
    takes the general route. (A test holds it equal to the general path.)"""
    from calcquiz.dates import IsoUtc
    from calcquiz.progress import NEVER_STUDIED
    from calcquiz.store import STATE_NAMES

    get, recall, iso, template = source.states.get, source.recall, IsoUtc(), _STATE_ROW_JSON
    never_studied = ", " + progress_json(NEVER_STUDIED, encode)
    out: list[str] = []
    add = out.append
    for card_id, text in zip(ids, texts, strict=True):
        state = get(card_id)
        if state is None:
            add(text[:-1] + never_studied)
            continue
        _, kind, due, stability, difficulty, last_review = state
        if stability is None or difficulty is None or recall is None:
            add(text[:-1] + ", " + _progress_tail(source, card_id, None, encode))
            continue
        add(template % (text[:-1], STATE_NAMES[kind], iso(due), stability, difficulty,
                        recall(stability, last_review)))
    return out


def _progress_tail(
    source: DeckProgress, card_id: str, demo: str | None, encode: Callable[[Any], str]
) -> str:
    """A card's progress as JSON without its opening brace; inf or nan as strings, as
    :func:`print_json_array` writes them."""
    try:
        return progress_json(source.raw(card_id, demo), encode)
    except ValueError:
        return encode(ui._finite(source.progress_of(card_id, demo)))[1:]


def _write_json_chunks(chunks: Iterable[list[str]]) -> None:
    """One JSON array on stdout, an item a line, a write per chunk of encoded items."""
    out = sys.stdout
    first = True
    for items in chunks:
        if not items:
            continue
        out.write(("[\n" if first else ",\n") + ",\n".join(items))
        first = False
    out.write("[]\n" if first else "\n]\n")
    out.flush()


def print_json_array(items: Iterable[dict[str, Any]]) -> None:
    """One JSON array on stdout, written item by item (one object a line, a write per
    1,000)."""
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode

    def encoded(item: dict[str, Any]) -> str:
        try:
            return encode(item)
        except ValueError:  # inf or nan somewhere: written as strings, as print_json does
            return encode(ui._finite(item))

    _write_json_chunks([encoded(item) for item in chunk] for chunk in _chunks(items))
