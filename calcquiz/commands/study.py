"""Studying and progress: ``study``, ``stats`` and ``reset``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from calcquiz.commands.common import DeckOption, JsonOption, load

if TYPE_CHECKING:
    from calcquiz.content import Card


def study(
    deck: DeckOption = None,
    tag: Annotated[
        Optional[list[str]],  # noqa: UP045 - Typer reads this annotation at run time
        typer.Option("--tag", help="Only cards with this tag (repeatable).", show_default=False),
    ] = None,
    new: Annotated[int, typer.Option("--new", help="At most this many new cards a day.")] = 20,
    limit: Annotated[
        int, typer.Option("--limit", help="At most this many reviews a session.")
    ] = 200,
    retention: Annotated[
        float, typer.Option("--retention", help="Desired retention for FSRS (0.70-0.99).")
    ] = 0.9,
    cram: Annotated[
        bool,
        typer.Option(
            "--cram", help="Every selected card now; ratings logged, schedules unchanged."
        ),
    ] = False,
    shuffle: Annotated[
        bool, typer.Option("--shuffle/--in-order", help="Shuffle new and due cards.")
    ] = False,
    seed: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--seed", help="Seed for --shuffle.", show_default=False),
    ] = None,
) -> None:
    """Review the cards that are due, with FSRS spaced repetition.

    Keys: Space/Enter show the answer, 1-4 rate (Again, Hard, Good, Easy), d run the
    card's demo, u undo the last rating, q quit. Each rating is saved before the next
    card shows. From a pipe, each line is one key.

    Example: calcquiz study --tag optimization
    """
    from calcquiz import ui
    from calcquiz.session import SessionOptions, StudySession
    from calcquiz.store import open_store
    from calcquiz.ui.keys import KeyReader
    from calcquiz.ui.study_view import StudyScreen, print_summary

    options = SessionOptions(
        retention=retention,
        new_limit=new,
        review_limit=limit,
        cram=cram,
        shuffle=shuffle,
        seed=seed,
        tags=tuple(tag or ()),
    )
    decks = load(deck)
    if tag and not any(set(tag) & set(c.tags) for d in decks for c in d.cards):
        from calcquiz.errors import BadInputError

        known = sorted({t for d in decks for c in d.cards for t in c.tags})
        raise BadInputError(f"no card has the tag {', '.join(tag)} (tags: {', '.join(known)})")
    with open_store() as store:
        session = StudySession(store, decks, options)
        screen = StudyScreen(session, KeyReader(), run_demo=_run_demo)
        try:
            summary = screen.run()
        except KeyboardInterrupt:
            ui.console().print()
            print_summary(session.summary(), interrupted=True)
            raise typer.Exit(130) from None
        print_summary(summary)


def _run_demo(card: Card) -> None:
    """The card's numeric demo, shown inside the study session."""
    from calcquiz import ui
    from calcquiz.commands.demo import run_for_study
    from calcquiz.errors import CalcquizError

    try:
        run_for_study(card.demo or "")
    except CalcquizError as exc:  # e.g. a user deck naming a demo this version lacks
        ui.print_error(str(exc))


def stats(deck: DeckOption = None, json: JsonOption = False) -> None:
    """Show progress: reviews, true retention, cards by state, a 14-day forecast, a heatmap.

    Example: calcquiz stats --json
    """
    from calcquiz import progress, ui
    from calcquiz.store import open_store

    decks = load(deck)
    with open_store() as store:
        report = progress.build_stats(store, decks)
    if json:
        ui.print_json(report)
    else:
        from calcquiz.ui import stats_view

        stats_view.print_stats(report)


def reset(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Forget all progress (card states, review and drill history).

    Example: calcquiz reset --yes
    """
    from calcquiz.store import db_path, open_store

    path = db_path()
    if not path.exists():
        typer.echo(f"Nothing to reset: {path} does not exist.")
        return
    if not yes and not typer.confirm(f"Delete all progress in {path}?", default=False):
        typer.echo("Kept everything.")
        raise typer.Exit(1)
    with open_store(path) as store:
        cards, reviews = store.reset()
    typer.echo(f"Reset: forgot {cards} card states and {reviews} reviews.")
