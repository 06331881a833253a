"""Helpers and data shared by several test files (which never import each other): calcquiz
in a subprocess, Anki collections through the official anki package, study history, and
the expressions the parser refuses."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from calcquiz.export import anki as exporter

from .conftest import in_ci

CLI = [sys.executable, "-m", "calcquiz"]
REPO = Path(__file__).resolve().parent.parent


def examples(count: int) -> int:
    """A big property test's example count, or a seed loop's length: all ``count`` in CI
    (Hypothesis derandomized there), a quarter in a developer's plain run (where Hypothesis
    draws new examples each time)."""
    return count if in_ci() else max(25, count // 4)


def invoke(*args: str, input: str | None = None):
    """calcquiz run in-process as its command line would run it (the same command group,
    its error handling and exit codes): a typer ``Result``. A tenth of a second where a
    subprocess (``CLI``) takes about one."""
    from typer.testing import CliRunner

    from calcquiz import ui
    from calcquiz.cli import app_for

    ui.reset_consoles()
    # the app main() runs: only the named command, or all of them
    return CliRunner().invoke(app_for(args), list(args), input=input, catch_exceptions=False)


def run_cli(*args: str, input: str = "") -> subprocess.CompletedProcess:
    """:func:`invoke`, answered as ``subprocess.run`` answers (for tests written that way)."""
    result = invoke(*args, input=input)
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout,
                                       result.stderr)


BUNDLED_DECK = REPO / "content" / "day09_calculus_optimization.yaml"
REVLOG_CSV = REPO / "tests" / "data" / "review_logs_josh.csv"  # an open-spaced-repetition log


def reviews(home: Path) -> list[tuple]:
    """(card_id, rating, reviewed_at, state_after) of every logged rating."""
    db = home / "calcquiz.db"
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT card_id, rating, reviewed_at, state_after FROM review_log ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def integrity(home: Path) -> str:
    conn = sqlite3.connect(home / "calcquiz.db")
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


class Session:
    """A piped `calcquiz study` whose output is read as it arrives."""

    PROMPT = "Space/Enter show answer"

    def __init__(self, *args: str, **popen):
        self.proc = subprocess.Popen(
            [*CLI, "study", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            **popen,
        )
        self.out: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.out.append(line)

    def text(self) -> str:
        return "".join(self.out)

    def send(self, keys: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(keys)
        self.proc.stdin.flush()

    def wait_for(self, needle: str, count: int, timeout: float = 20) -> None:
        deadline = time.time() + timeout
        while self.text().count(needle) < count:
            if time.time() > deadline:
                raise AssertionError(f"never saw {needle!r} x{count}:\n{self.text()}")
            time.sleep(0.01)


# ---------------------------------------------------------------- Anki collections
# Shared by the export and import tests: every check goes through the official anki
# package.

DECK_NAME = "Calculus & Optimization"
DECK_TAG = "calculus-optimization"

# A small deck with the awkward cases, and the exact fields Anki must end up with.
FIXTURE_DECK = r"""
deck: Export Fixture
description: Cards that are hard to export.
cards:
  - id: escapes
    number: 1
    question: 'Is $a<b$ when a & b are <script>alert(1)</script> "quoted"?'
    answer: |
      *   **Yes**: $x > y \& z$ costs \$5.
      *   <img src=x onerror=alert(1)> stays text; so does &lt;.
    tags: [edge]
    demo: momentum
    note: 'Display: $$\sum_{i<n} w_i$$'
  - id: plain
    number: 2
    question: "#1 rule"
    answer: "Line one\n#two\twith a tab"
"""
FIXTURE_FIELDS = {
    "escapes": [
        'Is \\(a&lt;b\\) when a &amp; b are &lt;script&gt;alert(1)&lt;/script&gt; "quoted"?',
        "<ul>\n<li><strong>Yes</strong>: \\(x &gt; y \\&amp; z\\) costs $5.</li>\n"
        "<li>&lt;img src=x onerror=alert(1)&gt; stays text; so does &amp;lt;.</li>\n</ul>",
        "Display: \\[\\sum_{i&lt;n} w_i\\]",
        "calcquiz demo momentum",
    ],
    "plain": ["#1 rule", "Line one\n#two\twith a tab", "", ""],
}



def open_collection(folder: Path):
    from anki.collection import Collection

    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


def add_note(col, model_name: str, deck_id: int, **fields) -> int:
    """A note of the stock note type ``model_name`` in Anki's deck ``deck_id`` (a field
    name's spaces written as ``_``): its id."""
    note = col.new_note(col.models.by_name(model_name))
    for name, value in fields.items():
        note[name.replace("_", " ")] = value
    col.add_note(note, deck_id)
    return note.id


def import_apkg(col, path: Path, with_scheduling: bool = False):
    """Import as Anki does by default: notes are updated only from newer ones.
    ``with_scheduling``: Anki's "Import any learning progress"."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    options = ImportAnkiPackageOptions(with_scheduling=with_scheduling)
    request = ImportAnkiPackageRequest(package_path=str(path), options=options)
    return col.import_anki_package(request).log


def notes_by_guid(col) -> dict:
    return {note.guid: note for note in (col.get_note(nid) for nid in col.find_notes(""))}


def assert_integrity(col) -> None:
    message, ok = col.fix_integrity()
    assert ok, message
    assert message == "Database rebuilt and optimized."


def assert_bundled_notes(col, cards) -> None:
    """Every card arrived as a calcquiz note with exactly the expected fields and tags."""
    by_guid = notes_by_guid(col)
    for card in cards:
        note = by_guid[exporter.guid(DECK_NAME, card.id)]
        assert note.note_type()["name"] == "calcquiz"
        assert note.fields == [
            reference_html(card.question),
            reference_html(card.marked_answer()),  # corrected claims marked † (its own test)
            reference_html(card.marked_note()) if card.note else "",
            f"calcquiz demo {card.demo}",
        ], card.id
        assert not any("$" in f for f in note.fields), card.id
        assert sorted(note.tags) == sorted({*card.tags, DECK_TAG}), card.id


def reference_html(text: str) -> str:
    """An independent converter for the subset of Markdown the bundled deck uses: a
    paragraph, or a list whose items start with "*   "; **bold**, `code` and $math$."""

    def inline(s: str) -> str:
        out = []
        for i, part in enumerate(re.split(r"\$([^$]+)\$", s)):
            escaped = part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            if i % 2:
                out.append(f"\\({escaped}\\)")
            else:
                escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
                out.append(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))
        return "".join(out)

    lines = text.strip("\n").split("\n")
    if all(line.startswith("*   ") for line in lines):
        return "<ul>\n" + "".join(f"<li>{inline(line[4:])}</li>\n" for line in lines) + "</ul>"
    assert not any(line.startswith(("*", "-", "#", " ")) for line in lines), text
    return inline(text.strip())


# ---------------------------------------------------------------- Anki exchange
# Shared by tests/test_export_progress.py and tests/test_import_anki*.py (test files do
# not import each other).

DAY = 86400.0


def study_days(store, decks, start: float, days: int, ratings, cram_days=()) -> Clock:
    """Drive the real StudySession once a day at ``start``'s hour for ``days`` days.

    ``ratings(day, card_id, nth)`` chooses each rating (``nth``: how many times the card
    was shown that day). Learning steps are waited for within the day. On the days in
    ``cram_days`` a cram session follows (ratings logged, schedule unchanged).
    """
    from calcquiz.session import SessionOptions

    clock = Clock(start)
    for day in range(days):
        clock.t = start + day * DAY
        _one_session(store, decks, clock, day, ratings, SessionOptions())
        if day in cram_days:
            _one_session(store, decks, clock, day, ratings, SessionOptions(cram=True))
    return clock


def _one_session(store, decks, clock, day, ratings, options) -> None:
    from calcquiz.session import StudySession

    session = StudySession(store, decks, options, clock=clock)
    shown: dict[str, int] = {}
    while True:
        card = session.next_card()
        if card is None:
            wait = session.waiting_until()
            if wait is None:
                return
            clock.t = max(clock.t, wait) + 1
            continue
        clock.advance(7.25)  # thinking time: the rating's duration
        session.reveal()
        shown[card.id] = shown.get(card.id, 0) + 1
        session.rate(ratings(day, card.id, shown[card.id]))
        clock.advance(1.5)


def pick_rating(day: int, card_id: str, nth: int) -> int:
    """A learner's ratings, fixed by (day, card, showing): mostly Good, some Again (so
    reviews lapse into relearning), some Hard and Easy; a repeat showing is Good."""
    import zlib

    if nth > 1:
        return 3
    roll = zlib.crc32(f"{day}/{card_id}".encode()) % 100
    return 1 if roll < 12 else 2 if roll < 25 else 4 if roll >= 85 else 3


def make_history(store, decks, end: float, weeks: int = 7, studied: int = 15) -> None:
    """About ``weeks`` of daily sessions through the real StudySession, ending at
    ``end``: the first ``studied`` cards of the first deck are learnt (one new card a
    day) and reviewed, with a cram session on day 20. A last session at ``end`` leaves
    one review card relearning (Again) and one new card learning (Again).

    A review must be due at ``end`` for that: the history is made a day longer until one
    is (the store is emptied between tries). fsrs draws its fuzz from the ``random``
    module, seeded here, so the history is the same on every run for the same hour of
    day of ``end`` (see :func:`last_hour`)."""
    import random

    for days in range(weeks * 7, weeks * 7 + 30):
        random.seed(20261127)
        if _try_history(store, decks, end, days, studied):
            return
        store.reset()
    raise AssertionError("no length of history has a review due at its end")


def _try_history(store, decks, end: float, days: int, studied: int) -> bool:
    import dataclasses

    from calcquiz.session import SessionOptions, StudySession
    from calcquiz.store import REVIEW

    deck = decks[0]
    subset = [dataclasses.replace(deck, cards=deck.cards[:studied])]
    start = end - days * DAY
    clock = Clock(start)
    for day in range(days):
        clock.t = start + day * DAY
        _one_session(store, subset, clock, day, pick_rating, SessionOptions(new_limit=1))
        if day == 20:
            _one_session(store, subset, clock, day, pick_rating, SessionOptions(cram=True))

    clock.t = end
    last = [dataclasses.replace(deck, cards=deck.cards[: studied + 1])]
    session = StudySession(store, last, SessionOptions(new_limit=1), clock=clock)
    if not session.counts()["review"]:
        return False
    lapsed = learning = False
    while not (lapsed and learning):
        card = session.next_card()
        assert card is not None
        state = session.current_state
        clock.advance(7.25)
        session.reveal()
        if state is None:
            session.rate(1)
            learning = True
        elif state.state == REVIEW and not lapsed:
            session.rate(1)
            lapsed = True
        else:
            session.rate(3)
        clock.advance(1.5)
    return True


def last_hour(hour: int = 10, before: float | None = None) -> float:
    """The latest local ``hour`` o'clock at least an hour before ``before`` (now): a
    history ending then is the same on every run, and is in the past."""
    from datetime import datetime, timedelta

    limit = datetime.fromtimestamp((time.time() if before is None else before) - 3600)
    at = limit.replace(hour=hour, minute=0, second=0, microsecond=0)
    if at > limit:
        at -= timedelta(days=1)
    return at.timestamp()


def anki_study(col, card_ids, start: float, days: int) -> None:
    """Study in Anki itself: its v3 scheduler answers each card once a day (reviews every
    other day), learning and relearning steps until they graduate, with the answer time
    set to the fake day (``answered_at_millis``), so Anki writes real revlog rows over
    ``days`` days. Ratings come from :func:`pick_rating` (Again lapses review cards)."""
    from anki.scheduler.v3 import CardAnswer

    buttons = {1: CardAnswer.AGAIN, 2: CardAnswer.HARD, 3: CardAnswer.GOOD, 4: CardAnswer.EASY}
    for day in range(days):
        for n, cid in enumerate(card_ids):
            for nth in (1, 2, 3, 4):
                card = col.get_card(cid)
                if nth > 1 and card.type not in (1, 3):  # only (re)learning comes back
                    break
                if nth == 1 and card.type == 2 and day % 2:
                    break
                card.start_timer()
                card.timer_started -= 6.5  # the answer took 6.5 s
                states = col._backend.get_scheduling_states(cid)
                rating = pick_rating(day, str(cid), nth)
                answer = col.sched.build_answer(card=card, states=states, rating=buttons[rating])
                answer.answered_at_millis = int((start + day * DAY + n * 60 + nth * 600) * 1000)
                col.sched.answer_card(answer)


def export_from_anki(col, out: Path, legacy: bool = False) -> Path:
    """Anki's own "Export > Anki Deck Package", scheduling included."""
    from anki.collection import ExportAnkiPackageOptions
    from anki.generic_pb2 import Empty
    from anki.import_export_pb2 import ExportLimit

    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_media=True, with_deck_configs=False, legacy=legacy
    )
    col.export_anki_package(
        out_path=str(out), options=options, limit=ExportLimit(whole_collection=Empty())
    )
    return out


# Expressions the parser refuses, each with a piece of its one-line message (test_expr
# checks the messages; test_reliability_input sends them through the real commands).
REFUSED = [
    ("__import__('os').system('echo hi')", ""),
    ("os.system", "attribute"),
    ("x.real", "attribute"),
    ("'abc'", "quotes"),
    ("lambda: 1", "lambda"),
    ("x if y else z", "if/else"),
    ("x < y", "comparison"),
    ("x[0]", "indexing"),
    ("[1, 2]", "lists"),
    ("x % 2", "'%'"),
    ("x // 2", "'//'"),
    ("x @ y", "'@'"),
    ("x & y", "'&'"),
    ("~x", "'~'"),
    ("not x", "'not'"),
    ("sinh(x)", "unknown function 'sinh'; did you mean 'sin'?"),
    ("sigmod(x)", "did you mean 'sigmoid'?"),
    ("t + 1", "unknown variable 't'"),
    ("exp", "exp is a function"),
    ("x(2)", "x is not a function"),
    ("log(x, 2)", "exactly one argument"),
    ("sin(x=1)", "exactly one argument"),
    ("2x", "multiplication must be explicit"),
    ("x +", "malformed"),
    ("", "empty"),
    ("1j", "complex"),
    ("True", "not allowed"),
    ("x; y", "malformed"),
    ("x := 2", "malformed"),
    ("9**9**9", "exponent"),
    ("10^10^10", "exponent"),
    ("x^1001", "exponent"),
    ("(1e300*x)^1000", "too large"),
    ("e^1000", "too large"),
    ("1e400", "too large"),
    ("1/0", "undefined"),
    ("x + log(0)", "undefined"),
    ("sqrt(-1)", "undefined"),
    ("x" + "+x" * 300, "too long"),
    ("-" * 150 + "x", "nested too deeply"),
    ("(-" * 120 + "x" + ")" * 120, "nested too deeply"),
    ("x²π", "multiplication must be explicit"),
    ("x ∈ y", "not allowed"),
    ("x,y", "comma"),
]



# The derivative drill's prompt, as printed: ``f(x) = exp(−2x) + 5x². What is f'(x) at x = 0.5?``
_DERIVATIVE_PROMPT = re.compile(r"f\(x\) = (.+?)\. What is f'\(x\) at x = (\S+)\?")
_PRINTED = str.maketrans({"²": "^2", "³": "^3", "⁴": "^4", "−": "-", "·": "*"})


def derivative_answer(screen: str) -> str:
    """f'(x0) of the derivative exercise on ``screen``, independently of calcquiz: the
    printed f read by sympy's parser, differentiated by a central finite difference."""
    import sympy
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    match = _DERIVATIVE_PROMPT.search(screen)
    assert match, screen
    transformations = (
        *standard_transformations, implicit_multiplication_application, convert_xor
    )
    expr = parse_expr(match.group(1).translate(_PRINTED), transformations=transformations)
    f = sympy.lambdify(sympy.Symbol("x"), expr, "math")
    x0, h = float(match.group(2).translate(_PRINTED)), 1e-5
    return f"{(f(x0 + h) - f(x0 - h)) / (2 * h):.6g}"


# --- a real terminal (tmux) ---------------------------------------------------------------


def calcquiz_command(home: Path, *args: str) -> str:
    """A shell command line that runs ``calcquiz ARGS`` with ``home`` as CALCQUIZ_HOME, in
    a colour terminal (for tmux)."""
    import shlex
    import sys

    return " ".join(
        [f"CALCQUIZ_HOME={shlex.quote(str(home))}", "TERM=xterm-256color",
         shlex.quote(sys.executable), "-m", "calcquiz", *map(shlex.quote, args)]
    )


class Terminal:
    """A tmux session of ``width`` x ``height`` running one command, read as a person would."""

    def __init__(self, command: str, cwd: Path, width: int = 100, height: int = 45):
        self.socket = f"calcquiz-test-{uuid.uuid4().hex[:8]}"
        self.tmux(
            "new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
            "-c", str(cwd), f"{command}; echo EXIT=$?; sleep 600",
        )

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        ).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "t", *keys)

    def type(self, text: str) -> None:
        """Literal text (``-2.5`` is not an option to tmux)."""
        self.tmux("send-keys", "-t", "t", "-l", "--", text)

    def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.time() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.time() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen shows:\n{screen}")
            time.sleep(0.05)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


# --- a fake clock for the state machines ------------------------------------------------

T0 = 1_790_000_000.0  # a fixed "now" (2026-09-21)


class Clock:
    """A clock the test moves by hand (sessions take it as ``clock=``)."""

    def __init__(self, t: float = T0):
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


# --- what a path imports --------------------------------------------------------------

_IMPORT_REPORT = "IMPORTED="


def imports_after(code: str, watch: tuple[str, ...], stdin: str = "") -> tuple[list[str], str]:
    """Run ``code`` in a fresh Python; return the modules of ``watch`` (each with its
    submodules) imported by the time it exits, and its stdout. How tests keep heavy imports
    off a path: a listing at exit sees what ``-X importtime`` misses (importlib's imports),
    and ``SystemExit`` from a command does not skip it."""
    report = (
        "import atexit, sys\n"
        f"def _report(watch={watch!r}):\n"
        "    found = sorted(m for m in sys.modules\n"
        "                   if m in watch or m.startswith(tuple(w + '.' for w in watch)))\n"
        f"    print({_IMPORT_REPORT!r} + ','.join(found), flush=True)\n"
        "atexit.register(_report)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", report + code], input=stdin, capture_output=True, text=True,
        timeout=120, cwd=REPO,
    )
    last = done.stdout.rstrip("\n").rsplit("\n", 1)[-1]
    assert last.startswith(_IMPORT_REPORT), done.stdout + done.stderr
    found = last[len(_IMPORT_REPORT):]
    return (found.split(",") if found else []), done.stdout


def command_code(*args: str) -> str:
    """Python that runs ``calcquiz ARGS`` as the console script does."""
    argv = ["calcquiz", *args]
    return f"import sys\nsys.argv = {argv!r}\nfrom calcquiz.cli import main\nmain()\n"


# --- a learner's Anki, in the test's own folder ---------------------------------------




def make_collection(folder: Path) -> Path:
    """A learner's collection with FSRS on and one note of their own (deck "Mine")."""
    from anki.collection import Collection

    folder.mkdir(parents=True, exist_ok=True)
    col = Collection(str(folder / "collection.anki2"))
    col.set_config("fsrs", True)
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"], note["Back"] = "my own note", "left alone"
    col.add_note(note, col.decks.id("Mine"))
    col.close()
    return folder / "collection.anki2"


# --- a store's file, read and written behind calcquiz's back ------------------------------


def execute(db: Path, sql: str, args: tuple = ()) -> None:
    """Run one statement on ``db`` and commit (damage made as another program would)."""
    conn = sqlite3.connect(db)
    try:
        conn.execute(sql, args)
        conn.commit()
    finally:
        conn.close()


def dump(db: Path) -> list[str]:
    """``db`` as SQL: two dumps are equal when the stores hold the same rows."""
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()
