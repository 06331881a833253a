"""``calcquiz list``: :class:`calcquiz.progress.ListRow` rows, one renderer per format.

* In a terminal, up to :data:`TABLE_ROWS` cards: a table, one line per card as in Anki's
  browser (the question cut with …; columns that do not fit are named under it).
* A longer list in a terminal: the lines below, math as Unicode, through a pager
  (``$PAGER``, else ``less``), fed as they are made; quitting the pager stops the list.
* To a pipe or a file: one plain line per card under one header line.
* ``--json``: one JSON array, one card object a line.

Rows come a chunk at a time and are written as they come: nothing here holds more than a
chunk, or a screen, of rows.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import IO, TYPE_CHECKING, Any

from calcquiz import ui
from calcquiz.dates import Calendar, DueFormat, iso_utc
from calcquiz.latex import to_unicode

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from calcquiz.content import Deck
    from calcquiz.progress import ListRow

# A terminal gets the table when the list is at most this long, the pager beyond it.
TABLE_ROWS = 100
DEFAULT_PAGER = "less -FRX"  # quit if one screen, colours, keep the screen on quit
MARKS = ("suspended", "buried", "leech")


def print_card_list(
    chunks: Iterable[list[ListRow]],
    decks: list[Deck],
    total: int,
    calendar: Calendar,
    now: float,
    as_json: bool = False,
) -> None:
    """The rows of ``chunks`` (any number, made lazily), as the output calls for."""
    if as_json:
        _write_json(json_items(rows) for rows in chunks)
        return
    show_deck = len(decks) > 1
    due = DueFormat(calendar, now)
    if not ui.stdout_is_terminal():  # a pipe or a file: rich is not even imported
        _write_lines(LineFormat(Columns.of(decks, show_deck), due, False), chunks, total)
        return
    rows = chain.from_iterable(chunks)
    console = ui.console()
    first = list(islice(rows, TABLE_ROWS + 1))
    if len(first) <= TABLE_ROWS:
        print_table(first, show_deck, total, due, console)
        return
    _page(LineFormat(Columns.of(decks, show_deck), due, True), chain(first, rows), total, console)


# --- the cells every text format shares ----------------------------------------------------


def solved_text(accuracy: Any) -> str:
    """Recent exercises on the card's topic, ``right/of`` (blank: none attempted)."""
    return "" if not accuracy else f"{accuracy['right']}/{accuracy['of']}"


def question_and_tags(line: str) -> tuple[str, str]:
    """A row's line split into the question and its ``#tags`` (``Card.one_line`` joins them
    with two spaces, which a question on one line never holds)."""
    question, sep, tags = line.partition("  #")
    return question, "#" + tags if sep else ""


# --- to a pipe, and through the pager: one line a card --------------------------------------


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


class LineFormat:
    """One card a line: ``#  [deck]  card  state  due  stab.  recall  solved  question  #tags``.

    ``unicode``: math as Unicode, for people (the pager); else the question as written in
    the deck, for scripts (a pipe)."""

    def __init__(self, columns: Columns, due: DueFormat, unicode: bool):
        self.columns = columns
        self.due = due
        self.unicode = unicode
        c = columns
        deck = f"%-{c.deck}.{c.deck}s  " if c.deck else "%.0s"  # truncated to its width
        # printf style: half the time of str.format for 100,000 lines
        self.template = f"%{c.number}s  {deck}%-{c.card}s  %-10s  %-14s  %8s  %6s  %6s  %s"

    def header(self) -> str:
        return (self.template % (
            "#", "deck", "card", "state", "due", "stab.", "recall", "solved", "question"
        )).rstrip()

    def lines(self, rows: list[ListRow]) -> list[str]:
        """Each row's line, made a column at a time: a list of 100,000 cards feels every
        call and branch per row (a third less time than a loop over the rows)."""
        if not rows:
            return []
        (numbers, decks, ids, texts, _, states, whens, stabilities, _, recalls,
         suspended, buried, leech, accuracy) = zip(*rows, strict=True)
        if self.unicode:
            texts = tuple(map(_unicode_line, texts))
        if any(suspended) or any(buried) or any(leech):
            texts = tuple(map(_with_marks, texts, suspended, buried, leech))
        dues = self.due.many(whens)
        stability = ["" if s is None else f"{s:.1f}d" for s in stabilities]
        recall = ["" if r is None else f"{r:.0%}" for r in recalls]
        solved = [solved_text(a) if a else "" for a in accuracy]
        template = self.template
        columns = (numbers, decks, ids, states, dues, stability, recall, solved, texts)
        return [(template % cells).rstrip() for cells in zip(*columns, strict=True)]

    def state_offset(self, card_id: str) -> int:
        """Where the state starts in a card's line (a long id pushes it right)."""
        c = self.columns
        return c.number + 2 + (c.deck + 2 if c.deck else 0) + max(c.card, len(card_id)) + 2


def _unicode_line(line: str) -> str:
    """A card's line with its math in Unicode on one line, its tags kept apart."""
    question, tags = question_and_tags(line)
    return " ".join(to_unicode(question).split()) + ("  " + tags if tags else "")


def _with_marks(line: str, suspended: bool, buried: bool, leech: bool) -> str:
    marks = [m for m, on in zip(MARKS, (suspended, buried, leech), strict=True) if on]
    return f"{line}  [{', '.join(marks)}]" if marks else line


def _chunked(rows: Iterator[ListRow], size: int = 1000) -> Iterator[list[ListRow]]:
    return iter(lambda: list(islice(rows, size)), [])


def _footer(shown: int, total: int) -> str:
    if not shown:
        return "No card matches."
    return f"{shown} of {total} cards match." if shown < total else ""


def _write_lines(fmt: LineFormat, chunks: Iterable[list[ListRow]], total: int) -> None:
    """The header, the lines (a write per chunk, as the chunks come), and the footer, to
    stdout."""
    out = sys.stdout
    shown = 0
    for chunk in chunks:
        if not chunk:
            continue
        if not shown:
            out.write(fmt.header() + "\n")
        out.write("\n".join(fmt.lines(chunk)) + "\n")
        shown += len(chunk)
    footer = _footer(shown, total)
    out.write(footer + "\n" if footer else "")
    out.flush()


def _page(fmt: LineFormat, rows: Iterator[ListRow], total: int, console: Console) -> None:
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


def _print_lines(fmt: LineFormat, rows: Iterator[ListRow], total: int, console: Console) -> None:
    from rich.text import Text

    shown = 0
    for chunk in _chunked(rows, 100):
        if not shown:
            console.print(Text(fmt.header(), style=ui.STYLE_TITLE), soft_wrap=True)
        for row, text in zip(chunk, fmt.lines(chunk), strict=True):
            line = Text(text)
            start, state = fmt.state_offset(row.card_id), row.state
            line.stylize(ui.STATE_STYLES.get(state, ""), start, start + len(state))
            console.print(line, soft_wrap=True)
        shown += len(chunk)
    footer = _footer(shown, total)
    if footer:
        console.print(Text(footer, style=ui.STYLE_MUTED), soft_wrap=True)


# --- --json: one object a card --------------------------------------------------------------

_PROGRESS_JSON = (
    '"state": "%s", "due": %s, "stability": %s, "difficulty": %s, "retrievability": %s, '
    '"suspended": %s, "buried": %s, "leech": %s, "exercise_accuracy": %s}'
)
_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def json_items(rows: list[ListRow]) -> list[str]:
    """Each row as one JSON object, the text ``json`` writes of the card's fields and then
    its :class:`calcquiz.progress.CardProgress` (a property test holds them equal), from a
    template: one loop, no call per row but the due time's (100,000 rows feel every call).
    inf or nan, which ``json`` cannot write, are written as strings, as ui.print_json does."""
    out: list[str] = []
    add = out.append
    for row in rows:
        _, _, _, _, card, state, due, stability, difficulty, recall, suspended, buried, \
            leech, accuracy = row
        if (
            (stability is not None and stability - stability != 0)  # inf - inf is nan
            or (difficulty is not None and difficulty - difficulty != 0)
            or (recall is not None and recall - recall != 0)
        ):
            add(card[:-1] + ", " + _ENCODE(ui._finite(row.progress.for_json()))[1:])
            continue
        add(card[:-1] + ", " + _PROGRESS_JSON % (
            state,
            "null" if due is None else f'"{iso_utc(due)}"',
            # a float through %s is its repr, as json writes it (no call per number)
            "null" if stability is None else stability,
            "null" if difficulty is None else difficulty,
            "null" if recall is None else recall,
            "true" if suspended else "false",
            "true" if buried else "false",
            "true" if leech else "false",
            "null" if accuracy is None else _ENCODE(accuracy),
        ))
    return out


def _write_json(chunks: Iterable[list[str]]) -> None:
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


# --- in a terminal: a table, one line a card, as Anki's browser shows cards ------------------

# When the terminal is too narrow for every column, they are left out in DROP_ORDER (and
# named under the table); the question takes the rest. The deck's column (several decks)
# and the question, state and due stay at any width.
DROP_ORDER = ("tags", "solved", "stab.", "recall", "card")
QUESTION_WANT = 30  # the question's width (if it is that long) before a column is left out
DECK_MAX = 12  # a deck's name is cut to this many characters (with …)
CARD_MAX = 24


def print_table(
    rows: list[ListRow], show_deck: bool, total: int, due: DueFormat, console: Console
) -> None:
    """The rows as a table that fits the console's width, one line per card; the columns
    left out for want of width are named under it."""
    from rich.text import Text

    if not rows:
        console.print(Text("No card matches.", style=ui.STYLE_WARN))
        return
    cells = [_table_cells(row, due) for row in rows]
    shown, left_out = _fit_columns(cells, show_deck, console.width)
    console.print(_table(rows, cells, shown))
    if left_out:
        console.print(Text(
            f"Not shown at {console.width} columns: "
            f"{', '.join(c for c in COLUMNS if c in left_out)} "
            "(a wider terminal shows them; --json has every field).",
            style=ui.STYLE_MUTED,
        ))
    if len(rows) < total:
        console.print(Text(f"{len(rows)} of {total} cards match.", style=ui.STYLE_MUTED))


COLUMNS = ("#", "card", "question", "deck", "state", "due", "stab.", "recall", "solved", "tags")


def _table_cells(row: ListRow, due: DueFormat) -> dict[str, str]:
    p = row
    question, tags = question_and_tags(row.line)
    deck = row.deck if len(row.deck) <= DECK_MAX else row.deck[: DECK_MAX - 1] + "…"
    card = row.card_id if len(row.card_id) <= CARD_MAX else row.card_id[: CARD_MAX - 1] + "…"
    when = "" if p.due is None else due(int(p.due))
    if p.suspended or p.buried:  # as Anki's browser: the due time of a card set aside
        when = "(suspended)" if p.suspended else "(buried)"
    return {
        "#": row.number,
        "card": card,
        "question": " ".join(to_unicode(question).split()),
        "deck": deck,
        "state": p.state + (", leech" if p.leech else ""),
        "due": when,
        "stab.": "" if p.stability is None else f"{p.stability:.1f}d",
        "recall": "" if p.retrievability is None else f"{p.retrievability:.0%}",
        "solved": solved_text(p.exercise_accuracy),
        "tags": tags.replace("#", "").replace(" ", ",") if tags else "",
    }


def _fit_columns(
    cells: list[dict[str, str]], show_deck: bool, width: int
) -> tuple[dict[str, int], list[str]]:
    """The columns shown with their widths, and those left out (in the order they go), so
    that a line fits ``width`` with the question at least QUESTION_WANT wide (or as wide
    as it is); the question takes what the others leave."""
    names = [c for c in COLUMNS if show_deck or c != "deck"]
    widths = {c: max(len(c), *(len(row[c]) for row in cells)) for c in names}
    question = widths["question"]

    def others() -> int:  # two spaces between columns
        return sum(widths[c] for c in names if c != "question") + 2 * (len(names) - 1)

    left_out: list[str] = []
    for name in DROP_ORDER:
        if others() + min(question, QUESTION_WANT) <= width:
            break
        if name in names:
            names.remove(name)
            left_out.append(name)
    widths["question"] = max(1, min(question, width - others()))
    return {c: widths[c] for c in names}, left_out


def _table(rows: list[ListRow], cells: list[dict[str, str]], widths: dict[str, int]) -> Table:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style=ui.STYLE_TITLE, pad_edge=False, padding=(0, 1))
    for name, width in widths.items():
        table.add_column(
            name,
            justify="right" if name in ("#", "stab.", "recall", "solved") else "left",
            no_wrap=True,
            overflow="ellipsis",
            width=width,
        )
    for row, cell in zip(rows, cells, strict=True):
        texts = []
        for name in widths:
            text = Text(cell[name])
            if name == "card":
                text.stylize(ui.STYLE_KEY)
            elif name == "state":
                text.stylize(ui.STATE_STYLES.get(row.state, ""), 0, len(row.state))
            elif name == "tags":
                text.stylize(ui.STYLE_MUTED)
            texts.append(text)
        table.add_row(*texts)
    return table
