"""Studying and progress: ``study``, ``stats``, ``reset``, ``suspend`` and ``unsuspend``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Annotated

import typer

from calcquiz.commands.common import (
    DeckOption,
    JsonOption,
    RevlogOption,
    TagOption,
    check_tags,
    config,
    load,
    option,
)

if TYPE_CHECKING:
    from calcquiz.content import Card, Deck

CardsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="CARD",
        help="Cards, by id or number; DECK/ID or DECK/NUMBER names the deck too.",
        show_default=False,
    ),
]

NewOption = Annotated[
    int | None, option("--new", "At most N new cards today. Default: config new_per_day (20).", "N")
]
LimitOption = Annotated[
    int | None,
    option("--limit", "At most N reviews this session. Default: config reviews_per_session (200).",
           "N"),
]
RetentionOption = Annotated[
    float | None,
    option("--retention", "Desired retention, 0.70-0.99. Default: config retention (0.9).", "R"),
]
CramOption = Annotated[
    bool,
    typer.Option("--cram", help="Every selected card now; ratings logged, schedules unchanged."),
]
ShuffleOption = Annotated[
    bool, typer.Option("--shuffle/--in-order", help="Shuffle new and due cards.")
]
ShuffleSeedOption = Annotated[
    int | None, option("--seed", "Seed for --shuffle and the exercises.", "N")
]
ExercisesOption = Annotated[
    bool | None,
    option(
        "--exercises/--recall",
        "Review each card that has an exercise generator by solving a fresh exercise, "
        "graded; or recall answers. Default: config review_mode (recall).",
    ),
]


def study(
    deck: DeckOption = None,
    tag: TagOption = None,
    new: NewOption = None,
    limit: LimitOption = None,
    retention: RetentionOption = None,
    cram: CramOption = False,
    shuffle: ShuffleOption = False,
    seed: ShuffleSeedOption = None,
    exercises: ExercisesOption = None,
) -> None:
    """Review the cards that are due, with FSRS spaced repetition.

    Keys: Space/Enter show the answer, 1-4 rate (Again, Hard, Good, Easy), d run the
    card's demo, @ suspend the card, - bury it until tomorrow, u undo, q quit. Each rating
    is saved before the next card shows. From a pipe, each line is one key.

    With --exercises a card is shown with a fresh exercise: type the answer (? hint,
    s give up); calcquiz grades it and shows the card's answer and the worked solution
    with a proposed rating (wrong: Again, right after the hint: Hard, right: Good); one
    key rates and moves on: Enter accepts, 1-4 rate otherwise. From a pipe: the answer
    line, then an empty line or 1-4.

    A learning card due within learn_ahead_minutes (20) is shown early when nothing else
    is left, as in Anki. --deck takes a deck's name or file.

    Example: calcquiz study --tag optimization
    """
    from calcquiz import ui
    from calcquiz.session import SessionOptions, StudySession
    from calcquiz.store import open_store
    from calcquiz.ui.keys import KeyReader
    from calcquiz.ui.study_view import StudyScreen, print_summary

    settings = config()
    options = SessionOptions.from_config(
        settings,
        retention=retention,
        new_limit=new,
        review_limit=limit,
        cram=cram,
        shuffle=shuffle,
        seed=seed,
        tags=tuple(tag or ()),
        exercises=exercises,
    )
    decks = load(deck)
    check_tags(decks, tag)
    again = _study_again(deck, tag, exercises)
    with open_store() as store:
        session = StudySession(store, decks, options, config=settings)
        keys = KeyReader()
        screen = StudyScreen(session, keys, run_demo=_run_demo)
        try:
            with _signals_interrupt(), keys:  # keys typed while a screen draws are kept
                summary = screen.run()
        except KeyboardInterrupt as exc:
            ui.console().print()
            # after SIGHUP the terminal may be gone: the ratings are saved regardless
            with suppress(OSError):
                print_summary(session.summary(), session.calendar, interrupted=True, again=again)
            raise typer.Exit(exc.args[0] if exc.args else 130) from None
        print_summary(summary, session.calendar, again=again)


def _study_again(decks: list | None, tags: list[str] | None, exercises: bool | None) -> str:
    """``calcquiz study --deck X --tag y``: the command that studies this selection again
    (in the mode chosen on the command line)."""
    import shlex

    words = ["calcquiz", "study"]
    if exercises is not None:
        words.append("--exercises" if exercises else "--recall")
    for d in decks or ():
        words += ["--deck", str(d)]
    for t in tags or ():
        words += ["--tag", t]
    return shlex.join(words)


@contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP end a session like Ctrl-C: every rating is already committed,
    and the summary is printed (exit 128 + the signal's number)."""
    import signal

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(128 + signum)

    wanted = [signal.SIGTERM, getattr(signal, "SIGHUP", None)]
    saved = {sig: signal.signal(sig, stop) for sig in wanted if sig is not None}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _run_demo(card: Card, skip: Callable[[float], bool] | None = None) -> None:
    """The card's numeric demo, shown inside the study session (``skip``: a key pressed
    ends its animation; one line below is kept for the key that goes back to the card)."""
    from calcquiz import ui
    from calcquiz.errors import CalcquizError
    from calcquiz.ui.demo_view import run_for_study

    more = f"calcquiz demo {card.demo} --all-rows shows them"
    try:
        run_for_study(card.demo or "", skip=skip, more=more)
    except CalcquizError as exc:  # e.g. a user deck naming a demo this version lacks
        ui.print_error(str(exc))


def stats(
    deck: DeckOption = None,
    json: JsonOption = False,
    calibration: Annotated[
        bool, typer.Option("--calibration", help="How well FSRS predicts your recall.")
    ] = False,
    revlog: RevlogOption = None,
) -> None:
    """Show progress: reviews, true retention, cards by state, a 14-day forecast, a heatmap.

    Example: calcquiz stats --json
    """
    from calcquiz import progress, ui
    from calcquiz.dates import Calendar
    from calcquiz.store import open_store

    if calibration or revlog is not None:
        from calcquiz.commands.fit import show_calibration

        show_calibration(deck, revlog, json)
        return
    calendar = Calendar(config().day_starts_at)
    decks = load(deck)
    with open_store() as store:
        report = progress.build_stats(store, decks, calendar=calendar)
    if json:
        ui.print_json(report.to_dict())
    else:
        from calcquiz.ui import stats_view

        stats_view.print_stats(report)


def reset(
    card: Annotated[
        list[str] | None,
        typer.Option(
            "--card",
            metavar="CARD",
            help="Forget only this card: id, number, or DECK/ID (repeatable).",
            show_default=False,
        ),
    ] = None,
    deck_name: Annotated[
        str | None,
        typer.Option(
            "--deck",
            metavar="DECK",
            help="Forget only this deck's cards (its name or its YAML file).",
            show_default=False,
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Forget progress: all of it, one deck's (--deck NAME) or some cards' (--card ID).

    Example: calcquiz reset --card chain-rule
    """
    from calcquiz.store import db_path, open_store

    chosen = None if deck_name is None else load([deck_name])  # a file or a known name
    if chosen is not None:
        deck_name = chosen[0].name
    path = db_path()
    if not path.exists():
        typer.echo(f"Nothing to reset: {path} does not exist.")
        return
    targets = _reset_targets(card, chosen)
    what = (
        "all progress"
        if targets is None
        else f"the progress of {', '.join(f'{d} / {c}' for d, c in targets)}"
        if card
        else f"the progress of deck {deck_name!r}"
    )
    from calcquiz.ui.keys import confirm

    confirmed = True if yes else confirm(f"Forget {what} in {path}?")
    if not confirmed:
        typer.echo("Kept everything." if confirmed is False else "\nKept everything.")
        if confirmed is None:  # the input ended unanswered: not a yes, and not a no either
            raise typer.Exit(1)
        return
    with open_store(path, check_rows=False) as store:  # reads no state: bad rows may go
        if targets is None:
            cards, reviews = store.reset()
        elif card:
            cards = reviews = 0
            for deck, card_id in targets:
                c, r = store.reset_cards(deck, [card_id])
                cards, reviews = cards + c, reviews + r
        else:
            cards, reviews = store.reset_cards(deck_name, None)
    typer.echo(f"Reset: forgot {cards} card states and {reviews} reviews.")


def _reset_targets(
    cards: list[str] | None, chosen: list[Deck] | None
) -> list[tuple[str, str]] | None:
    """(deck, card id) pairs for --card, [] for a --deck alone, None for everything."""
    if not cards and chosen is None:
        return None
    decks = load(None) if chosen is None else chosen
    if not cards:
        return []
    from calcquiz.content import find_card

    return [(found.deck, found.id) for found in (find_card(decks, key) for key in cards)]


def suspend(ids: CardsArgument, deck: DeckOption = None) -> None:
    """Suspend cards: they are left out of study until unsuspended.

    Example: calcquiz suspend chain-rule 14
    """
    _suspend(ids, deck, True)


def unsuspend(ids: CardsArgument, deck: DeckOption = None) -> None:
    """Unsuspend cards (and clear a burial), so they are studied again.

    Example: calcquiz unsuspend chain-rule
    """
    _suspend(ids, deck, False)


def _suspend(ids: list[str], deck: list | None, on: bool) -> None:
    from dataclasses import replace
    from functools import partial

    from calcquiz.content import find_card
    from calcquiz.store import open_store

    decks = load(deck)
    cards = [find_card(decks, key) for key in ids]  # every id checked before any write
    change = partial(replace, suspended=True) if on else partial(
        replace, suspended=False, buried_until=None
    )
    with open_store() as store:
        for card in cards:
            # read and written in one transaction: a leech mark set meanwhile is kept
            store.change_flags(card.deck, card.id, change)
            verb = "Suspended" if on else "Unsuspended"
            where = f"{card.deck} · " if len(decks) > 1 else ""  # card numbers repeat
            typer.echo(f"{verb} {where}card {card.number} · {card.id}.")


__all__ = ["reset", "stats", "study", "suspend", "unsuspend"]
