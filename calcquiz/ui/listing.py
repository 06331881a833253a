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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import IO, TYPE_CHECKING, Any

from calcquiz import ui
from calcquiz.dates import Calendar
from calcquiz.mathtext import to_unicode

if TYPE_CHECKING:
    from rich.console import Console

    from calcquiz.content import Card, Deck
    from calcquiz.progress import CardProgress, ExerciseAccuracy

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
    are found once, so each due time costs one local-time conversion."""

    def __init__(self, calendar: Calendar, now: float):
        from datetime import timedelta

        self.calendar = calendar
        self.now = now
        today = calendar.day_of(now)
        # boundaries[i] is when the day i days from today starts (7 days ahead at most)
        self.boundaries = [calendar.start(today + timedelta(days=i)) for i in range(8)]

    def __call__(self, ts: float) -> str:
        import bisect

        if ts <= self.now:
            return "now"
        days = bisect.bisect_right(self.boundaries, ts) - 1
        moment = self.calendar.local(ts)
        if days >= 7:
            return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        clock = f"{moment.hour:02d}:{moment.minute:02d}"
        if days == 0:
            return f"today {clock}"
        if days == 1:
            return f"tomorrow {clock}"
        return f"{moment:%a} {clock}"


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
        c = columns
        deck = f"{{:<{c.deck}.{c.deck}}}  " if c.deck else "{:.0}"  # truncated to its width
        self.template = (
            f"{{:>{c.number}}}  {deck}{{:<{c.card}}}  {{:<10}}  {{:<14}}  "
            "{:>8}  {:>6}  {:>6}  {}"
        )

    def header(self) -> str:
        return self._join(
            "#", "deck", "card", "state", "due", "stab.", "recall", "solved", "question"
        )

    def line(self, card: Card, p: CardProgress) -> str:
        stability, recall, due = p["stability"], p["retrievability"], p["due"]
        question = " ".join((to_unicode(card.question) if self.unicode else card.question).split())
        if card.tags:
            question += "  #" + " #".join(card.tags)
        if p["suspended"] or p["buried"] or p["leech"]:
            question += f"  [{', '.join(m for m in MARKS if p[m])}]"  # type: ignore[literal-required]
        accuracy = p["exercise_accuracy"]
        return self.template.format(
            card.number,
            " ".join(card.deck.split()),
            card.id,
            p["state"],
            "" if due is None else self.due(datetime.fromisoformat(due).timestamp()),
            "" if stability is None else f"{stability:.1f}d",
            "" if recall is None else f"{recall:.0%}",
            solved_text(accuracy) if accuracy else "",
            question,
        ).rstrip()

    def state_offset(self, card: Card) -> int:
        """Where the state starts in ``card``'s line (a long id pushes it right)."""
        c = self.columns
        return c.number + 2 + (c.deck + 2 if c.deck else 0) + max(c.card, len(card.id)) + 2

    def _join(self, *cells: object) -> str:
        return self.template.format(*cells).rstrip()


def print_card_list(
    rows: Iterable[Row],
    decks: list[Deck],
    total: int,
    calendar: Calendar,
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
    if console.is_terminal:
        _page(LineFormat(columns, calendar, time.time(), unicode=True), rows, total, console)
    else:
        _write_lines(LineFormat(columns, calendar, time.time(), unicode=False), rows, total)


def _chain(first: list[Row], rest: Iterator[Row]) -> Iterator[Row]:
    yield from first
    yield from rest


def _write_lines(fmt: LineFormat, rows: Iterator[Row], total: int) -> None:
    out = sys.stdout
    shown = 0
    line = fmt.line
    for chunk in iter(lambda: list(islice(rows, 1000)), []):  # a write per 1,000 lines
        if not shown:
            out.write(fmt.header() + "\n")
        out.write("".join([line(card, p) + "\n" for card, p in chunk]))
        shown += len(chunk)
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


def print_json_array(items: Iterable[dict[str, Any]]) -> None:
    """One JSON array on stdout, written item by item (one object a line, a write per
    1,000)."""
    out = sys.stdout
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode

    def encoded(item: dict[str, Any]) -> str:
        try:
            return encode(item)
        except ValueError:  # inf or nan somewhere: written as strings, as print_json does
            return encode(ui._finite(item))

    items = iter(items)
    first = True
    for chunk in iter(lambda: list(islice(items, 1000)), []):
        out.write(("[\n" if first else ",\n") + ",\n".join([encoded(i) for i in chunk]))
        first = False
    out.write("[]\n" if first else "\n]\n")
    out.flush()
