"""``calcquiz drill``: auto-graded numeric exercises."""

from __future__ import annotations

from typing import Annotated

import typer

from calcquiz.commands.common import DeckOption, load


def drill(
    topic: Annotated[
        str | None,
        typer.Argument(
            help="A card's demo name: derivative, partial, gradient, chain-rule, convexity, "
            "gradient-descent, minibatch, learning-rate, local-minima, saddle, momentum, "
            "jacobian, hessian, newton, constrained, lagrange, vanishing, exploding, "
            "activations or weight-decay. Default: mixed, weakest cards first.",
            show_default=False,
        ),
    ] = None,
    count: Annotated[int, typer.Option("--count", "-n", help="How many exercises.")] = 5,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Reproduce the same exercises.", show_default=False),
    ] = None,
    deck: DeckOption = None,
    json: Annotated[
        bool, typer.Option("--json", help="Print the exercises with answers and data as JSON.")
    ] = False,
) -> None:
    """Practise the computation behind the cards: exercises generated fresh and auto-graded.

    Answers can be numbers or expressions (4/3, sqrt(2)/2, ln(2), pi/4), vectors
    ([2, 6] or 2, 6) and matrices ([[2, 1], [1, 0]]). A number is right when exact or
    correct to 3 significant figures (within half a unit of the third). Every answer is
    followed by a worked solution. Type ? for a hint, s to skip (counted apart from
    attempts), q to quit.

    Example: calcquiz drill momentum --count 3
    """
    from calcquiz import drills, ui

    if topic is not None:
        drills.check_topic(topic)
        if deck:
            load(deck)  # a bad --deck is refused before anything is written
    plan = drills.DrillPlan(count=count, topic=topic, seed=seed)
    if topic is None:
        recall = _recall_by_topic(deck)
        # only the decks' topics: one left out of the weights would be drawn at weight 1
        plan.weights = {t: 0.0 for t in drills.TOPICS}
        plan.weights.update(drills.weights_from_retrievability(recall))
    exercises = plan.exercises()
    if json:
        ui.print_json([e.to_dict() for e in exercises])
        return

    from calcquiz.drills.session import DrillSession
    from calcquiz.store import open_store
    from calcquiz.ui import drill_view
    from calcquiz.ui.keys import LineReader

    with open_store() as store:
        drill_view.run(DrillSession(exercises, store), LineReader())


def _recall_by_topic(deck: list[str] | None) -> dict[str, float | None]:
    """Each topic's lowest FSRS recall among the cards whose demo it is (None: not studied)."""
    from calcquiz import progress
    from calcquiz.drills import TOPICS
    from calcquiz.store import db_path, open_store

    decks = load(deck)
    cards = [c for d in decks for c in d.cards]
    if not any(c.demo in TOPICS for c in cards):
        from calcquiz.errors import BadInputError

        names = ", ".join(repr(d.name) for d in decks)
        raise BadInputError(f"no card in {names} has a drill (drills come from cards' demos); "
                            "name a topic: `calcquiz drill --help` lists them")
    if not db_path().exists():
        return {c.demo: None for c in cards if c.demo in TOPICS}
    with open_store() as store:
        rows = progress.card_progress(store, decks)
    recall: dict[str, float | None] = {}
    for card, row in zip(cards, rows, strict=True):
        if card.demo in TOPICS:
            r = row["retrievability"]
            prev = recall.get(card.demo)
            recall[card.demo] = r if prev is None or (r is not None and r < prev) else prev
    return recall
