"""How long ``calcquiz check`` takes on a store of real logged ratings.

    python benchmarks/check_store.py --cards 5000 --ratings 10

Builds a store in a temporary folder through the store's own ``apply_review`` (each rating
the scheduler's outcome for the state before it, as a study session writes it), then times
:func:`calcquiz.store.check.check` on it (best of ``--runs``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from calcquiz import scheduler as sched
from calcquiz.config import Config
from calcquiz.store import open_store
from calcquiz.store.check import check


def build(db: Path, cards: int, ratings: int) -> None:
    scheduler = sched.make_scheduler(fuzz=False, config=Config())
    start = time.time() - ratings * 30 * 86400
    with open_store(db) as store:
        for c in range(cards):
            state = None
            at = start
            for r in range(ratings):
                rating = 1 if (c + r) % 7 == 0 else 3
                after = sched.preview(scheduler, "Bench", f"card-{c}", state, at)[rating].state
                store.apply_review(state, after, rating, at, 4000)
                state = after
                at = max(at + 86400, after.due)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=5000)
    parser.add_argument("--ratings", type=int, default=10, help="ratings per card")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", type=Path, help="build the store here once, and reuse it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or Path(folder) / "calcquiz.db"
        if not db.exists():
            build(db, args.cards, args.ratings)
        best = float("inf")
        for _ in range(args.runs):
            t0 = time.perf_counter()
            report = check(db)
            best = min(best, time.perf_counter() - t0)
        assert report.ok, report.problems[:3]
        total = args.cards * args.ratings
        print(
            f"check: {args.cards} cards, {total} ratings: {best:.2f} s "
            f"({best / total * 1e6:.1f} us a rating)"
        )


if __name__ == "__main__":
    main()
