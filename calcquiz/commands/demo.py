"""``calcquiz demo``: the live numeric demo behind each card."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from calcquiz.commands.common import DeckOption, load, option
from calcquiz.errors import BadInputError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from calcquiz.content import Deck
    from calcquiz.demos import DemoInfo

MAX_DELAY = 10.0

NameArgument = Annotated[
    str | None,
    typer.Argument(
        help="The demo to run: its name, or a card's number or id (its demo); leave out "
        "to list all 20.",
        metavar="NAME",
        show_default=False,
    ),
]
StepsOption = Annotated[int | None, option("--steps", "Number of steps, 1..100000.")]
LrOption = Annotated[float | None, option("--lr", "Learning rate, > 0.")]
MomentumOption = Annotated[float | None, option("--momentum", "Momentum, in [0, 1).")]
StartOption = Annotated[str | None, option("--start", 'Starting point, e.g. "1,2".')]
AtOption = Annotated[str | None, option("--at", 'Point to look at, e.g. "1,2" or "2,pi/6".')]
DemoSeedOption = Annotated[int | None, option("--seed", "Random seed, 0 or more.", min=0)]
FOption = Annotated[
    str | None,
    option(
        "--f",
        "Your own function of x, y, z: numbers, + - * / ^, sin cos tan exp log sqrt tanh abs "
        'sigmoid, pi, e. jacobian takes components: "x*y, x + sin(y)".',
    ),
]
GOption = Annotated[
    str | None, option("--g", "The constraint: lagrange takes g = 0, constrained g <= 0.")
]
DelayOption = Annotated[float | None, option("--delay", "Seconds per table row when animating.")]
NoLiveOption = Annotated[bool, typer.Option("--no-live", help="Print the finished table at once.")]
AllRowsOption = Annotated[
    bool,
    typer.Option(
        "--all-rows",
        help="Every row of the table, and the plot, in a terminal too (there a demo shows "
        "what fits the screen: the first rows, a marked gap, the last rows).",
    ),
]
DemoJsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object instead.")]


def _refuse_without_demo(given: dict[str, object]) -> None:
    """BadInputError naming the options given (not None) that only a demo's run takes."""
    needs_demo = [flag for flag, value in given.items() if value is not None]
    if needs_demo:
        raise BadInputError(
            f"{', '.join(needs_demo)} needs a demo to run: calcquiz demo NAME "
            f"{needs_demo[0]} ... (calcquiz demo lists the demos)"
        )


def demo(
    name: NameArgument = None,
    steps: StepsOption = None,
    lr: LrOption = None,
    momentum: MomentumOption = None,
    start: StartOption = None,
    at: AtOption = None,
    seed: DemoSeedOption = None,
    f: FOption = None,
    g: GOption = None,
    deck: DeckOption = None,
    delay: DelayOption = None,
    no_live: NoLiveOption = False,
    all_rows: AllRowsOption = False,
    json: DemoJsonOption = False,
) -> None:
    """Run the numeric demo behind a card: a table that fills in step by step, a plot, and
    a takeaway. NAME is a demo's name or a card's number or id (calcquiz demo 14 runs card
    14's demo; --deck picks the deck). Without NAME, list the demos.

    Each demo takes the options that make sense for it (calcquiz demo lists them with
    --json); --f runs it on your own function. Output that is not a terminal is never
    animated and gets every row; in a terminal a key press ends the animation, and the
    table is shortened to the screen's height unless --all-rows.

    Example: calcquiz demo momentum
    """
    from calcquiz import ui
    from calcquiz.demos import runner

    if delay is not None and not 0 <= delay <= MAX_DELAY:
        raise BadInputError(f"invalid --delay: {delay} (it must be 0..{MAX_DELAY:g} seconds)")
    if name is None:
        _refuse_without_demo({
            "--steps": steps, "--lr": lr, "--momentum": momentum, "--start": start,
            "--at": at, "--seed": seed, "--f": f, "--g": g, "--delay": delay,
            "--no-live": no_live or None, "--all-rows": all_rows or None,
        })
        _list(load(deck), json)
        return
    known = None if deck else runner.resolve_default(name)
    card: int | None
    if known is not None:  # a demo's name, default decks: the registry knows its card
        info, card = known
    else:
        info, card = resolve(name, load(deck))
    _one_blas_thread()
    run = runner.start(
        info, card, steps=steps, lr=lr, momentum=momentum, seed=seed, f=f, g=g,
        start=None if start is None else _numbers(start, "--start"),
        at=None if at is None else _numbers(at, "--at"),
    )
    if json:
        ui.print_json(run.to_dict())
        return
    if not ui.stdout_is_terminal():  # a file or pipe: plain text, never animated, no rich
        from calcquiz.ui import demo_plain

        demo_plain.render(run)
        return
    from calcquiz.ui import demo_view
    from calcquiz.ui.keys import TIMEOUT, KeyReader

    keys = KeyReader()
    if not keys.interactive:  # input is not a terminal: nothing to press, rows are paced
        demo_view.render(run, live=not no_live, delay=delay, all_rows=all_rows)
        return
    with keys:  # a key press ends the animation; it is not echoed, nor left for the shell
        demo_view.render(run, live=not no_live, delay=delay, all_rows=all_rows,
                         skip=lambda seconds: keys.read_within(seconds) != TIMEOUT)
        keys.discard()


def _one_blas_thread() -> None:
    """Demos multiply vectors of 2 to 30 numbers: a pool of BLAS threads only slows numpy's
    import (by 40-60 ms on a busy 2-core machine). A value the user set is kept."""
    import os

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _numbers(text: str, option: str) -> list[float]:
    from calcquiz import expr

    try:
        return expr.parse_numbers(text)
    except BadInputError as exc:
        raise BadInputError(
            f"malformed {option} {text!r}: {exc} (write e.g. {option} 1,2)"
        ) from None


def resolve(name: str, decks: Sequence[Deck]) -> tuple[DemoInfo, int | None]:
    """The demo ``name`` names in ``decks`` and its card's number: a demo's name, a card's
    number or id, or ``DECK/ID`` / ``DECK/NUMBER`` read as `show` reads it (the deck model
    reads that form; the demos know no deck names)."""
    from calcquiz.demos import runner

    if "/" in name:
        from calcquiz.content.model import find_card

        named = find_card(decks, name)
        return runner.demo_of(named), named.number
    info, found = runner.resolve(name, decks)
    return info, None if found is None else found.number


def _list(decks: list[Deck], json: bool) -> None:
    from calcquiz import ui
    from calcquiz.demos import REGISTRY, runner

    cards = {name: card.number for name, card in runner.cards_by_demo(decks).items()}
    if json:
        ui.print_json([
            {"name": i.name, "card": cards.get(i.name), "summary": i.summary,
             "options": [f"--{option}" for option in i.options()]}
            for i in REGISTRY.values()
        ])
        return
    from calcquiz.ui import demo_view

    demo_view.print_demo_list(REGISTRY.values(), cards)
