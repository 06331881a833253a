"""Start-up and scale benchmarks: each target measured against a floor in the same run.

    python benchmarks/run.py            # full run: 9 alternating pairs, 10,000 cards, 1M reviews,
                                        # and a 100,000-card deck of short cards
    python benchmarks/run.py --quick    # CI: 1 pair, small decks; checks that it runs

The floor is ``benchmarks/floor_app.py``, a minimal Typer app, run with the same Python.
For each command the two are run alternately (calcquiz, floor, calcquiz, floor, ...) and
the ratio of their medians is compared with the target. Nothing here asserts on time in
quick mode: machines differ; the table is the result.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.generate import write_deck, write_history, write_short_deck  # noqa: E402

PY = sys.executable
CALCQUIZ = [PY, "-m", "calcquiz"]
FLOOR = [PY, str(HERE / "floor_app.py")]


@dataclass
class Row:
    name: str
    measured: float
    unit: str
    target: float
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.measured <= self.target


def timed(cmd: list[str], env: dict[str, str], stdin: str = "", cwd: Path | None = None) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        cmd, input=stdin, capture_output=True, text=True, env=env, cwd=cwd, timeout=600
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stderr}")
    return elapsed


def ratio_to_floor(
    name: str,
    cmd: list[str],
    floor: list[str],
    env: dict[str, str],
    pairs: int,
    target: float,
    stdin: str = "",
    before: Callable[[], None] | None = None,
) -> Row:
    a, b = medians(cmd, floor, env, pairs, stdin, before)
    return Row(name, a / b, "x floor", target, f"{a * 1000:.0f} ms vs {b * 1000:.0f} ms")


def medians(
    cmd: list[str],
    floor: list[str],
    env: dict[str, str],
    pairs: int,
    stdin: str = "",
    before: Callable[[], None] | None = None,
) -> tuple[float, float]:
    """Median seconds of ``cmd`` and of ``floor``, run alternately. ``before``, if given,
    runs (unmeasured) before each run of ``cmd``, e.g. to empty a cache."""
    ours: list[float] = []
    theirs: list[float] = []
    timed(cmd, env, stdin)  # warm the OS cache (and the deck cache) once, unmeasured
    timed(floor, env)
    for _ in range(pairs):
        if before is not None:
            before()
        ours.append(timed(cmd, env, stdin))
        theirs.append(timed(floor, env))
    return statistics.median(ours), statistics.median(theirs)


# A child's peak RSS counts the pages it inherited at fork time, so the measuring process
# must be small: this one has just generated a million reviews. A fresh, tiny Python
# starts the command and reports its children's peak instead.
_PEAK = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], input=sys.stdin.buffer.read(), stdout=subprocess.DEVNULL,"
    " stderr=subprocess.DEVNULL, check=True)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def peak_memory_mb(cmd: list[str], env: dict[str, str], stdin: str) -> float:
    result = subprocess.run(
        [PY, "-c", _PEAK, *cmd], input=stdin, capture_output=True, text=True, env=env, check=True
    )
    return int(result.stdout.split()[-1]) / 1024  # kB on Linux


def rating_latency_ms(deck_path: Path, home: Path, ratings: int) -> list[float]:
    """In-process: a rating committed, the next card picked and its screen rendered."""
    os.environ["CALCQUIZ_HOME"] = str(home)
    from rich.console import Console

    from calcquiz.content import load_decks
    from calcquiz.session import SessionOptions, StudySession
    from calcquiz.store import open_store
    from calcquiz.ui.cards import answer_panel, question_panel
    from calcquiz.ui.study_view import rating_bar, status_line

    console = Console(file=io.StringIO(), width=100, force_terminal=True)
    decks = load_decks([deck_path])
    times = []
    with open_store(home / "latency.db") as store:
        options = SessionOptions(new_limit=ratings + 1, review_limit=ratings + 1)
        session = StudySession(store, decks, options)
        card = session.next_card()
        assert card is not None
        for _ in range(ratings):
            console.print(answer_panel(card))
            console.print(rating_bar(session))  # previews (reviews once per rating)
            started = time.perf_counter()
            session.rate(3)
            card = session.next_card()
            assert card is not None
            console.print(status_line(session))
            console.print(question_panel(card))
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one pair, small data (CI)")
    parser.add_argument("--pairs", type=int, default=None)
    parser.add_argument("--cards", type=int, default=None)
    parser.add_argument("--reviews", type=int, default=None)
    parser.add_argument("--big-cards", type=int, default=None, help="cards of the short deck")
    parser.add_argument("--only-big", action="store_true", help="only the short-deck rows")
    parser.add_argument(
        "--only-list", action="store_true", help="only the short deck's list rows (pipe, --json)"
    )
    args = parser.parse_args()
    pairs = args.pairs or (1 if args.quick else 9)
    cards = args.cards or (300 if args.quick else 10_000)
    reviews = args.reviews or (3_000 if args.quick else 1_000_000)
    big_cards = args.big_cards or (2_000 if args.quick else 100_000)

    # An installed calcquiz has its bytecode compiled (pip does it at install); a checkout
    # run under PYTHONDONTWRITEBYTECODE=1 would compile every module on every run instead.
    subprocess.run([PY, "-m", "compileall", "-q", str(HERE.parent / "calcquiz")], check=True)
    work = Path(tempfile.mkdtemp(prefix="calcquiz-bench-"))
    try:
        only = args.only_big or args.only_list
        rows = [] if only else run(work, pairs, cards, reviews, args.quick)
        rows += run_big(work, pairs, big_cards, only_list=args.only_list)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(rows, pairs, cards, reviews, big_cards)


def run(work: Path, pairs: int, cards: int, reviews: int, quick: bool) -> list[Row]:
    small_home = work / "small-home"
    small_home.mkdir()
    env = {**os.environ, "CALCQUIZ_HOME": str(small_home), "NO_COLOR": "1"}
    rows = [
        ratio_to_floor(
            "calcquiz --help", [*CALCQUIZ, "--help"], [*FLOOR, "--help"], env, pairs, 1.3
        ),
        ratio_to_floor(
            "first card (study, input q)",
            [*CALCQUIZ, "study"],
            [*FLOOR, "hello"],
            env,
            pairs,
            1.5,
            stdin="q\n",
        ),
        ratio_to_floor(
            "first drill exercise (drill derivative, q)",
            [*CALCQUIZ, "drill", "derivative", "--count", "1", "--seed", "1"],
            [*FLOOR, "hello"],
            env,
            pairs,
            1.5,
            stdin="q\n",
        ),
        ratio_to_floor(
            "demo gradient-descent --no-live",
            [*CALCQUIZ, "demo", "gradient-descent", "--no-live"],
            [*FLOOR, "hello"],
            env,
            pairs,
            1.3,
        ),
    ]

    print(f"generating a {cards:,}-card deck and {reviews:,} reviews ...", file=sys.stderr)
    deck = write_deck(work / "big.yaml", cards)
    big_home = work / "big-home"
    big_home.mkdir()
    write_history(big_home / "calcquiz.db", cards, reviews)
    big = {**env, "CALCQUIZ_HOME": str(big_home)}
    with_deck = ["--deck", str(deck)]

    latencies = rating_latency_ms(deck, work / "latency-home", 30 if quick else 200)
    rows.insert(
        4,
        Row(
            "rating -> next card rendered (in-process)",
            statistics.median(latencies),
            "ms",
            5.0,
            f"p90 {statistics.quantiles(latencies, n=10)[-1]:.1f} ms over {len(latencies)}",
        ),
    )
    rows += [
        ratio_to_floor(
            f"first card, {cards:,} cards + {reviews:,} reviews",
            [*CALCQUIZ, "study", *with_deck],
            [*FLOOR, "hello"],
            big,
            pairs,
            2.0,
            stdin="q\n",
        ),
        ratio_to_floor(
            "stats (same store)",
            [*CALCQUIZ, "stats", *with_deck],
            [*FLOOR, "hello"],
            big,
            pairs,
            4.0,
        ),
        ratio_to_floor(
            "list --json (same store)",
            [*CALCQUIZ, "list", "--json", *with_deck],
            [*FLOOR, "hello"],
            big,
            pairs,
            5.0,
        ),
        Row(
            "peak memory of study (same store)",
            peak_memory_mb([*CALCQUIZ, "study", *with_deck], big, "\n3\nq\n"),
            "MB",
            150.0,
        ),
    ]
    out = work / "export.apkg"
    started = time.perf_counter()
    timed([*CALCQUIZ, "export", "anki", *with_deck, "-o", str(out)], big)
    rows.append(
        Row(
            f"export anki, {cards:,} cards",
            time.perf_counter() - started,
            "s",
            10.0,
            f"{out.stat().st_size / 1e6:.1f} MB package",
        )
    )
    return rows


def run_big(work: Path, pairs: int, cards: int, only_list: bool = False) -> list[Row]:
    """The deck of ``cards`` short cards, each studied once: cold and warm starts, ``list``
    (``only_list``: ``list`` alone).

    Cold: the deck cache is emptied before each measured run, so the YAML is parsed and
    validated every time; fewer pairs, as each run takes seconds."""
    print(f"generating a {cards:,}-card deck of short cards ...", file=sys.stderr)
    deck = write_short_deck(work / "short.yaml", cards)
    home = work / "short-home"
    home.mkdir()
    write_history(home / "calcquiz.db", cards, cards)
    env = {**os.environ, "CALCQUIZ_HOME": str(home), "NO_COLOR": "1"}
    study = [*CALCQUIZ, "study", "--deck", str(deck)]
    label = f"{cards:,} short cards"

    def empty_cache() -> None:
        shutil.rmtree(home / "cache", ignore_errors=True)

    lists = [
        ratio_to_floor(
            f"{label}: list to a pipe",
            [*CALCQUIZ, "list", "--deck", str(deck)],
            [*FLOOR, "hello"],
            env,
            pairs,
            5.0,
        ),
        ratio_to_floor(
            f"{label}: list --json",
            [*CALCQUIZ, "list", "--json", "--deck", str(deck)],
            [*FLOOR, "hello"],
            env,
            pairs,
            6.0,
        ),
    ]
    if only_list:
        return lists
    cold, floor = medians(
        study, [*FLOOR, "hello"], env, max(1, min(pairs, 3)), "q\n", before=empty_cache
    )
    empty_cache()
    cold_peak = peak_memory_mb(study, env, "q\n")
    rows = [
        Row(
            f"{label}: first study (cold, no cache)",
            cold,
            "s",
            6.0,
            f"{cold / floor:.1f} x floor ({cold * 1000:.0f} ms vs {floor * 1000:.0f} ms)",
        ),
        Row(f"{label}: peak memory, cold study", cold_peak, "MB", 400.0),
        ratio_to_floor(
            f"{label}: next study (warm)", study, [*FLOOR, "hello"], env, pairs, 2.0, stdin="q\n"
        ),
        Row(f"{label}: peak memory, warm study", peak_memory_mb(study, env, "q\n"), "MB", 150.0),
        *lists,
    ]
    return rows


def print_table(rows: list[Row], pairs: int, cards: int, reviews: int, big_cards: int) -> None:
    import platform

    print(
        f"\ncalcquiz benchmarks: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, {platform.machine()}; {pairs} pair(s); "
        f"{cards:,} cards, {reviews:,} reviews; {big_cards:,} short cards\n"
    )
    print(f"| {'measure':<48} | {'measured':>14} | {'target':>14} | ok | detail")
    print(f"|{'-' * 50}|{'-' * 16}|{'-' * 16}|----|-------")
    for row in rows:
        measured = f"{row.measured:.2f} {row.unit}"
        target = f"<= {row.target:g} {row.unit}"
        print(
            f"| {row.name:<48} | {measured:>14} | {target:>14} | {'yes' if row.ok else 'NO':<2} "
            f"| {row.detail}"
        )


if __name__ == "__main__":
    main()
