"""Generate a large deck and a long review history, for the scale benchmarks.

The deck is YAML like the bundled one; the history is written through the real store
(``Store.import_reviews``), so its indexes and layout are the ones users get.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from calcquiz.store import LEARNING, NEW, RELEARNING, REVIEW, CardState, open_store

DECK_NAME = "Scale Test"


def write_deck(path: Path, cards: int) -> Path:
    lines = [f"deck: {DECK_NAME}", "cards:"]
    for i in range(1, cards + 1):
        lines += [
            f"  - id: card-{i}",
            f"    number: {i}",
            f"    question: What is the derivative of $x^{{{i}}}$ at $x = 1$?",
            "    answer: |",
            f"      *   By the power rule, $\\frac{{d}}{{dx}} x^{{{i}}} = {i} x^{{{i - 1}}}$.",
            f"      *   At $x = 1$ that is **{i}**.",
            f"    tags: [calculus, set-{i % 50}]",
            "    demo: derivative",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_short_deck(path: Path, cards: int) -> Path:
    """``cards`` short cards, a one-line question and answer each (~150 bytes of YAML a card).

    Written line by line, so 100,000 cards (about 15 MB) never sit in memory as one string."""
    with path.open("w", encoding="utf-8") as out:
        out.write(f"deck: {DECK_NAME}\ncards:\n")
        for i in range(1, cards + 1):
            out.write(
                f"  - id: card-{i}\n"
                f"    number: {i}\n"
                f"    question: What is the derivative of $x^{{{i}}}$ at $x = 1$?\n"
                f"    answer: ${i} x^{{{i - 1}}}$, so **{i}**.\n"
                f"    tags: [calculus, set-{i % 50}]\n"
            )
    return path


def write_history(db: Path, cards: int, reviews: int, seed: int = 0) -> None:
    """``reviews`` ratings spread over two years across ``cards`` cards, with matching states."""
    rng = random.Random(seed)
    now = time.time()
    start = now - 2 * 365 * 86400
    per_card = max(1, reviews // cards)
    rows = []
    states = []
    for i in range(1, cards + 1):
        card_id = f"card-{i}"
        t = start + rng.random() * 86400 * 30
        before = NEW
        stability = 1.0
        for _ in range(per_card):
            rating = rng.choices([1, 2, 3, 4], weights=[10, 10, 70, 10])[0]
            after = (
                RELEARNING
                if rating == 1 and before == REVIEW
                else (REVIEW if rating > 1 else LEARNING)
            )
            stability = max(0.5, stability * (2.5 if rating > 2 else 0.5))
            rows.append((DECK_NAME, card_id, rating, t, rng.randint(2000, 20000), before, after))
            before = after
            t += min(stability, 60) * 86400 * rng.uniform(0.05, 0.2)
        due = now + rng.uniform(-5, 60) * 86400
        states.append(
            CardState(
                DECK_NAME,
                card_id,
                before,
                None if before == REVIEW else 0,
                stability,
                rng.uniform(1, 10),
                due,
                min(t, now),
                per_card,
                0,
            )
        )
    with open_store(db) as store:
        store.import_history(states, rows)
