"""Recall now for 100,000 studied cards (what ``list`` computes for each): fsrs's own
``Scheduler.get_card_retrievability`` on an fsrs Card per card, against
``scheduler.retrievability_at``'s closed form of the same curve (tests/test_scale_list.py
holds the two equal to 1e-12).

    python benchmarks/recall.py [--cards N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time


def main() -> None:
    from calcquiz import scheduler as sched
    from calcquiz.states import CardState, State

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(1)
    now = time.time()
    states = [
        CardState("d", f"c{i}", State.REVIEW, None, rng.uniform(0.1, 300), rng.uniform(1, 10),
                  now + 86400, now - rng.uniform(0, 400) * 86400)
        for i in range(args.cards)
    ]
    scheduler = sched.make_scheduler()

    def through_fsrs() -> None:
        for state in states:
            sched.retrievability(scheduler, state, now)

    def closed_form() -> None:
        recall = sched.retrievability_at(scheduler, now)
        for state in states:
            recall(state.stability, state.last_review)

    for name, run in (("fsrs, a Card per card", through_fsrs), ("closed form", closed_form)):
        times = []
        for _ in range(5):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        print(f"{name:<24} {statistics.median(times) * 1000:8.0f} ms for {args.cards:,} cards")


if __name__ == "__main__":
    main()
