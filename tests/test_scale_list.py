"""`calcquiz list` on a big deck: streamed lines to a pipe, a streamed JSON array, a pager
in a terminal; and the per-card shortcuts it uses, checked against the slow originals."""

from __future__ import annotations

import json
import random
import re
import shlex
import shutil
import subprocess
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from benchmarks.generate import DECK_NAME, write_history, write_short_deck
from calcquiz import scheduler as sched
from calcquiz.config import Config
from calcquiz.dates import Calendar, DueFormat
from calcquiz.states import CardState, State

from .helpers import CLI, Terminal

CARDS = 3000


@pytest.fixture(scope="module")
def big_deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_short_deck(tmp_path_factory.mktemp("deck") / "big.yaml", CARDS)


def run(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, **kwargs)


@pytest.mark.slow
def test_list_to_a_pipe_is_one_line_per_card_in_order(big_deck: Path, calcquiz_home: Path):
    write_history(calcquiz_home / "calcquiz.db", CARDS, CARDS)  # every card studied once
    result = run("list", "--deck", str(big_deck))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["#", "card", "state", "due"]
    assert len(lines) == 1 + CARDS  # every card, and no footer when all are shown
    source = yaml.safe_load(big_deck.read_text())["cards"]
    for line, card in zip(lines[1:], source, strict=True):
        number, card_id, state = line.split()[:3]
        assert (int(number), card_id) == (card["number"], card["id"])
        assert state in ("learning", "review", "relearning")
        assert card["question"] in line
        assert line.endswith(f"#calculus #set-{card['number'] % 50}")
        assert re.search(r"\d\.\dd +\d+% +What", line), line  # stability and recall


@pytest.mark.slow
def test_list_filters_still_apply_to_the_stream(big_deck: Path):
    lines = run("list", "--deck", str(big_deck), "--tag", "set-7").stdout.splitlines()
    expected = [f"card-{i}" for i in range(1, CARDS + 1) if i % 50 == 7]
    assert [line.split()[1] for line in lines[1:-1]] == expected
    assert lines[-1] == f"{len(expected)} of {CARDS} cards match."
    found = run("list", "--deck", str(big_deck), "--search", "X^{2998}$ AT").stdout.splitlines()
    assert [line.split()[1] for line in found[1:-1]] == ["card-2998"]
    assert run("list", "--deck", str(big_deck), "--state", "review").stdout == "No card matches.\n"


@pytest.mark.slow
def test_list_json_streams_one_valid_array(big_deck: Path):
    result = run("list", "--json", "--deck", str(big_deck))
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    source = yaml.safe_load(big_deck.read_text())["cards"]
    assert len(rows) == CARDS
    for row, card in zip(rows, source, strict=True):
        assert {k: row[k] for k in card} == card
        assert row["deck"] == DECK_NAME and row["state"] == "new" and row["due"] is None
    assert len(result.stdout.splitlines()) == CARDS + 2  # "[", a card a line, "]"
    empty = run("list", "--json", "--deck", str(big_deck), "--search", "no such text")
    assert json.loads(empty.stdout) == []


@pytest.mark.slow
def test_a_reader_that_leaves_early_is_not_an_error(big_deck: Path):
    shell = f"{shlex.join([*CLI, 'list', '--deck', str(big_deck)])} | head -3"
    result = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, timeout=120)
    assert len(result.stdout.splitlines()) == 3
    assert "Traceback" not in result.stderr and "Error" not in result.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_terminal_pages_a_long_list(big_deck: Path, calcquiz_home: Path, tmp_path: Path):
    """In a terminal, a long list goes through $PAGER, fed as it is made: the first
    screen shows, q quits the pager and the listing stops cleanly."""
    env = f"CALCQUIZ_HOME={shlex.quote(str(calcquiz_home))} TERM=xterm-256color PAGER=less"
    command = f"{env} {shlex.join([*CLI, 'list', '--deck', str(big_deck)])}"
    term = Terminal(command, tmp_path)
    try:
        screen = term.wait_for("card-20 ")
        assert "What is the derivative of x²⁰" in screen  # math as Unicode here
        term.keys("q")
        assert "EXIT=0" in term.wait_for("EXIT=")
        assert "Traceback" not in term.screen()
    finally:
        term.close()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_pager_gets_every_card(big_deck: Path, calcquiz_home: Path, tmp_path: Path):
    out = tmp_path / "paged.txt"
    pager = shlex.quote(f"cat > {shlex.quote(str(out))}")
    env = f"CALCQUIZ_HOME={shlex.quote(str(calcquiz_home))} NO_COLOR=1 PAGER={pager}"
    term = Terminal(f"{env} {shlex.join([*CLI, 'list', '--deck', str(big_deck)])}", tmp_path)
    try:
        assert "EXIT=0" in term.wait_for("EXIT=", timeout=60)
    finally:
        term.close()
    lines = out.read_text().splitlines()
    assert len(lines) == 1 + CARDS
    assert [line.split()[1] for line in lines[1:]] == [f"card-{i}" for i in range(1, CARDS + 1)]


def test_iso_utc_is_isoformat_to_the_second():
    from datetime import timezone

    from calcquiz.dates import iso_utc

    rng = random.Random(3)
    for _ in range(500):
        ts = float(rng.randrange(0, 4_000_000_000)) + rng.choice([0.0, 0.25, 0.999])
        whole = datetime.fromtimestamp(int(ts), tz=timezone.utc)
        assert iso_utc(ts) == whole.isoformat(timespec="seconds")


def test_iso_utc_at_the_edges_of_days_is_isoformat_to_the_second():
    """A date per day and the clock from tables: each day's first and last second, up to
    the store's last time, and random times again (the day's date now comes from memory)."""
    from datetime import timezone

    from calcquiz.dates import iso_utc
    from calcquiz.store.rows import MAX_TIME

    rng = random.Random(4)
    times = [float(rng.randrange(0, 4_000_000_000)) + rng.random() for _ in range(2000)]
    for day in (0, 1, 11_016, 11_017, 19_782, 2_932_896):  # 1970, 2000-02-29, 9999-12-31
        times += [day * 86400.0, day * 86400 + 86399.999]
    times.append(float(MAX_TIME))
    for ts in times + times:
        whole = datetime.fromtimestamp(int(ts), tz=timezone.utc)
        assert iso_utc(ts) == whole.isoformat(timespec="seconds"), ts


def test_retrievability_at_matches_fsrs():
    """The closed form used for many cards against fsrs's own computation (days counted
    as Anki does, reviews earlier today included)."""
    rng = random.Random(7)
    scheduler = sched.make_scheduler(config=Config())
    now = time.time()
    recall = sched.retrievability_at(scheduler, now)
    for _ in range(1000):  # days are found by bisection over day starts, extended back
        ago = [rng.uniform(0, 1.2), rng.uniform(0, 400), rng.uniform(0, 4000)]
        last = now - rng.choice(ago) * 86400  # in any order, so the extension is exercised
        state = CardState(
            "d", "c", State.REVIEW, None, rng.uniform(0.1, 300), rng.uniform(1, 10),
            now + 86400, last,
        )
        expected = sched.retrievability(scheduler, state, now)
        assert recall(state.stability, state.last_review) == pytest.approx(expected, rel=1e-12)
    assert recall(None, None) is None


def due_in_words(calendar: Calendar, ts: float, now: float) -> str:
    """The reference: the learner's days counted from their dates, the words from
    datetime's own formatting."""
    if ts <= now:
        return "now"
    days = calendar.day_index(ts, now)
    moment = calendar.local(ts)
    if days >= 7:
        return moment.strftime("%Y-%m-%d")
    return {0: "today", 1: "tomorrow"}.get(days, moment.strftime("%a")) + moment.strftime(" %H:%M")


@pytest.mark.parametrize(
    "zone", ["Europe/Berlin", "America/Sao_Paulo", "Asia/Kathmandu", "Australia/Lord_Howe"]
)
@pytest.mark.parametrize("starts_at", [0, 4, 23])
def test_due_format_says_the_learners_day(zone: str, starts_at: int):
    """Including the weeks around a daylight-saving change (Berlin, 2026-10-25)."""
    calendar = Calendar(starts_at, ZoneInfo(zone))
    rng = random.Random(starts_at)
    for now in (datetime(2026, 10, 21, 22, 30).timestamp(), datetime(2026, 3, 26, 3).timestamp()):
        fmt = DueFormat(calendar, now)
        for _ in range(400):
            ts = now + rng.uniform(-2, 12) * 86400
            assert fmt(ts) == due_in_words(calendar, ts, now), (zone, ts)
            assert calendar.format_due(ts, now) == fmt(ts)
        drawn: list[float | None] = [None]
        for _ in range(2000):  # later dates, found once per UTC hour: every hour's edges
            ts = now + rng.uniform(7, 400) * 86400
            ts = rng.choice([ts, ts // 3600 * 3600, ts // 3600 * 3600 + 3599.5])
            assert fmt(ts) == due_in_words(calendar, ts, now), (zone, ts)
            drawn += [ts, now + rng.uniform(-2, 12) * 86400]
        # A column at once (list's lines): to the second below, "" for no due time.
        expected = ["" if t is None else due_in_words(calendar, int(t), now) for t in drawn]
        assert DueFormat(calendar, now).many(drawn) == expected, zone


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("width", [60, 80, 140])
def test_a_short_list_in_a_terminal_is_still_the_table(
    calcquiz_home: Path, tmp_path: Path, width: int
):
    """As a person sees it: one line per card at 60, 80 and 140 columns, the columns that
    did not fit named under the table, no pager."""
    env = f"CALCQUIZ_HOME={shlex.quote(str(calcquiz_home))} TERM=xterm-256color PAGER=less"
    command = f"env -u COLUMNS {env} {shlex.join([*CLI, 'list'])}"  # the terminal's width
    term = Terminal(command, tmp_path, width=width, height=30)
    try:
        screen = term.wait_for("EXIT=")  # no pager waits for a key
    finally:
        term.close()
    assert "EXIT=0" in screen
    lines = screen.splitlines()
    header = next(line for line in lines if "question" in line)
    assert header.split()[0] == "#" and "state" in header  # the table's header, not a pager
    cards = [line for line in lines if re.match(r"\s*\d+  ", line)]
    assert len(cards) == 20 and all(len(line) <= width for line in lines)
    saddle = next(line for line in cards if line.split()[0] == "10")
    assert "What is a Saddle" in saddle  # the question on the card's own line
    if width < 140:
        assert f"Not shown at {width} columns:" in screen
    else:
        assert {"card", "stab.", "recall", "solved"} <= set(header.split())
