"""``calcquiz drill``: auto-graded numeric exercises."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from calcquiz.commands.common import DeckOption, load


def drill(
    topic: Annotated[
        Optional[str],  # noqa: UP045 - Typer reads this annotation at run time
        typer.Argument(
            help="derivative, partial, gradient, chain-rule, gradient-descent, learning-rate, "
            "momentum, jacobian, hessian, newton, lagrange, vanishing, exploding, activations "
            "or weight-decay. Default: mixed, weakest cards first.",
            show_default=False,
        ),
    ] = None,
    count: Annotated[int, typer.Option("--count", "-n", help="How many exercises.")] = 5,
    seed: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--seed", help="Reproduce the same exercises.", show_default=False),
    ] = None,
    deck: DeckOption = None,
    json: Annotated[
        bool, typer.Option("--json", help="Print the exercises with answers and data as JSON.")
    ] = False,
) -> None:
    """Practise the computation behind the cards: exercises generated fresh and auto-graded.

    Answers can be numbers or expressions (4/3, sqrt(2)/2, ln(2), pi/4), vectors
    ([2, 6] or 2, 6) and matrices ([[2, 1], [1, 0]]); a relative error of 1e-3 is accepted.
    A wrong answer shows the right one with a worked solution. Type ? for a hint, s to
    skip, q to quit.

    Example: calcquiz drill momentum --count 3
    """
    from calcquiz import drills, ui

    if topic is not None:
        drills.check_topic(topic)
        if deck:
            load(deck)  # a bad --deck is refused before anything is written
    plan = drills.DrillPlan(count=count, topic=topic, seed=seed)
    if topic is None:
        plan.weights = drills.weights_from_retrievability(_recall_by_topic(deck))
    exercises = plan.exercises()
    if json:
        ui.print_json([e.to_dict() for e in exercises])
        return

    from calcquiz.store import open_store
    from calcquiz.ui import drill_view
    from calcquiz.ui.keys import LineReader

    with open_store() as store:

        def record(ex: drills.Exercise, given: str | None, correct: bool, ms: int) -> None:
            store.record_drill(
                ex.topic, ex.prompt, drills.format_answer(ex.answer), given, correct, ms
            )

        drill_view.run(exercises, LineReader(), record)


def _recall_by_topic(deck: list[Path] | None) -> dict[str, float | None]:
    """Each topic's lowest FSRS recall among the cards whose demo it is (None: not studied)."""
    from calcquiz import progress
    from calcquiz.drills import TOPICS
    from calcquiz.store import db_path, open_store

    decks = load(deck)
    if not db_path().exists():
        return {}
    with open_store() as store:
        rows = progress.card_progress(store, decks)
    cards = [c for d in decks for c in d.cards]
    recall: dict[str, float | None] = {}
    for card, row in zip(cards, rows, strict=True):
        if card.demo in TOPICS:
            r = row["retrievability"]
            prev = recall.get(card.demo)
            recall[card.demo] = r if prev is None or (r is not None and r < prev) else prev
    return recall
