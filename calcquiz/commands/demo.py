"""``calcquiz demo``: the live numeric demo behind each card."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from calcquiz.errors import BadInputError

MAX_DELAY = 10.0


def demo(
    name: Annotated[
        Optional[str],  # noqa: UP045 - Typer reads this annotation at run time
        typer.Argument(
            help="The demo to run; leave out to list all 20.", metavar="NAME", show_default=False
        ),
    ] = None,
    steps: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--steps", help="Number of steps, 1..100000.", show_default=False),
    ] = None,
    lr: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option("--lr", help="Learning rate, > 0.", show_default=False),
    ] = None,
    momentum: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option("--momentum", help="Momentum, in [0, 1).", show_default=False),
    ] = None,
    start: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--start", help='Starting point, e.g. "1,2".', show_default=False),
    ] = None,
    at: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--at", help='Point to look at, e.g. "1,2" or "2,pi/6".', show_default=False),
    ] = None,
    seed: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--seed", help="Random seed.", show_default=False),
    ] = None,
    f: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--f",
            help="Your own function of x, y, z: numbers, + - * / ^, sin cos tan exp log sqrt "
            "tanh abs sigmoid, pi, e. jacobian takes components: \"x*y, x + sin(y)\".",
            show_default=False,
        ),
    ] = None,
    g: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--g",
            help="The constraint: lagrange takes g = 0, constrained g <= 0.",
            show_default=False,
        ),
    ] = None,
    delay: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option("--delay", help="Seconds per table row when animating.", show_default=False),
    ] = None,
    no_live: Annotated[
        bool, typer.Option("--no-live", help="Print the finished table at once.")
    ] = False,
    json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead.")] = False,
) -> None:
    """Run the numeric demo behind a card: a table that fills in step by step, a plot, and
    a takeaway. Without NAME, list the demos.

    Each demo takes the options that make sense for it (calcquiz demo lists them with
    --json); --f runs it on your own function. Output that is not a terminal is never
    animated.

    Example: calcquiz demo momentum
    """
    import inspect

    from calcquiz import demos, ui

    if name is None:
        _list(json)
        return
    info = demos.get(name)
    options: dict[str, Any] = {
        "steps": steps, "lr": lr, "momentum": momentum, "seed": seed, "f": f, "g": g,
        "start": None if start is None else _numbers(start, "--start"),
        "at": None if at is None else _numbers(at, "--at"),
    }
    given = {key: value for key, value in options.items() if value is not None}
    if delay is not None and not 0 <= delay <= MAX_DELAY:
        raise BadInputError(f"invalid --delay: {delay} (it must be 0..{MAX_DELAY:g} seconds)")
    function = info.load()
    accepted = list(inspect.signature(function).parameters)
    for key in given:
        if key not in accepted:
            takes = ", ".join(f"--{k}" for k in accepted) or "no options"
            raise BadInputError(f"demo {name} does not take --{key} (it takes {takes})")
    run = function(**given)
    if json:
        ui.print_json(run.to_dict())
        return
    from calcquiz.ui import demo_view

    demo_view.render(run, live=not no_live, delay=delay)


def _numbers(text: str, option: str) -> list[float]:
    from calcquiz import expr

    try:
        return expr.parse_numbers(text)
    except BadInputError as exc:
        raise BadInputError(
            f"malformed {option} {text!r}: {exc} (write e.g. {option} 1,2)"
        ) from None


def _list(json: bool) -> None:
    import inspect

    from calcquiz import demos, ui

    infos = list(demos.REGISTRY.values())
    if json:
        ui.print_json([
            {"name": i.name, "card": i.card, "summary": i.summary,
             "options": [f"--{p}" for p in inspect.signature(i.load()).parameters]}
            for i in infos
        ])
        return
    from calcquiz.ui import demo_view

    demo_view.print_demo_list(infos)


def run_for_study(name: str) -> None:
    """Show the default scenario of demo ``name`` (the `d` key in a study session), the same
    as ``calcquiz demo NAME``; an unknown name raises BadInputError."""
    from calcquiz import demos
    from calcquiz.ui import demo_view

    demo_view.render(demos.get(name).load()(), live=True)
