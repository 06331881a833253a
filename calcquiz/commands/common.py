"""Options shared by several commands, and what every command reads: config and decks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from calcquiz.config import Config
    from calcquiz.content import Deck
    from calcquiz.store import Store



def option(flag: str, help: str, metavar: str | None = None, **more: Any) -> Any:
    """An optional ``--flag``: its default is None ("not given"), so none is shown."""
    return typer.Option(flag, metavar=metavar, help=help, show_default=False, **more)


DeckOption = Annotated[
    list[str] | None,
    option(
        "--deck",
        "A deck by name (the bundled deck's or one in the config's decks) or a deck YAML file "
        "(repeatable). Default: the bundled deck and the config's decks.",
        "DECK",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
TagOption = Annotated[
    list[str] | None, option("--tag", "Only cards with this tag (repeatable).", "TAG")
]
RevlogOption = Annotated[
    Path | None,
    typer.Option(
        "--revlog",
        metavar="FILE.csv",
        help="Read this review log (card_id, review_rating, review_time, review_duration"
        "[, review_state]) instead of calcquiz's own.",
        show_default=False,
    ),
]


def config() -> Config:
    """The settings in ``config.toml`` (defaults for what it leaves out)."""
    from calcquiz.config import load_config

    return load_config()


def load(decks: list[str] | list[Path] | None) -> list[Deck]:
    """The chosen decks, validated (raises DeckValidationError with a located message).

    No ``--deck``: the bundled decks and the config's ``decks``; ``--deck``: just those,
    each a file or the name of a known deck (see :func:`deck_path`)."""
    from calcquiz.content import bundled_deck_paths, load_decks

    if decks:
        return load_decks([deck_path(str(d)) for d in decks])
    extra = config().decks
    gone = [p for p in extra if not os.path.lexists(p)]
    if gone:  # moved or deleted since `config set decks`: say where the name comes from
        from calcquiz.errors import BadInputError

        raise BadInputError(
            f"{gone[0]}: no such file (a deck in the config's decks: `calcquiz config set "
            "decks FILE...` changes them, `calcquiz config unset decks` clears them)"
        )
    return load_decks([*bundled_deck_paths(), *extra] if extra else None)


def check_tags(decks: list[Deck], tags: list[str] | None) -> None:
    """The one rule for ``--tag`` in every command: a tag no card has is bad input (exit 2),
    with a did-you-mean and the tags there are."""
    if not tags:
        return
    known = sorted({t for d in decks for c in d.cards for t in c.tags})
    unknown = [t for t in tags if t not in known]
    if unknown:
        from calcquiz.errors import BadInputError
        from calcquiz.suggest import did_you_mean

        tag = unknown[0]
        raise BadInputError(
            f"no card has the tag {tag!r}{did_you_mean(tag, known)} (tags: {', '.join(known)})"
        )


def known_deck_paths() -> list[Path]:
    """The decks every command knows by name: the bundled ones and the config's ``decks``."""
    from calcquiz.content import bundled_deck_paths

    return [*bundled_deck_paths(), *map(Path, config().decks)]


def deck_path(given: str) -> Path:
    """What ``--deck`` names: a path that exists is that file; otherwise the file of the
    known deck of that name. A text that is neither is an error (exit 2) with the known
    names and a did-you-mean; one that looks like a file (``.yaml``, a folder in it) is
    taken as a file, so that loading it says what is wrong with it."""
    path = Path(given).expanduser()
    try:
        if given.strip() and (path.exists() or path.is_symlink()):  # Path("") is "."
            return path
    except OSError as exc:  # a name too long to be a file: bad input, as a missing one is
        from calcquiz.errors import BadInputError
        from calcquiz.paths import describe_os_error

        raise BadInputError(describe_os_error(exc, given)) from None
    named = known_deck_names()
    if given in named:
        return named[given]
    looks_like_a_file = path.suffix in (".yaml", ".yml") or "/" in given or "\\" in given
    if looks_like_a_file and not _deck_card(given, named):
        return path
    from calcquiz.errors import BadInputError
    from calcquiz.suggest import did_you_mean

    names = ", ".join(repr(n) for n in named)
    shown = repr(given) if len(given) <= 200 else f"{given[:100]!r}... ({len(given)} characters)"
    hint = "" if len(given) > 200 else did_you_mean(given, named)
    raise BadInputError(f"no deck file or deck named {shown}{hint} (decks: {names})")


def _deck_card(given: str, named: dict[str, Path]) -> bool:
    """``Deck/3`` given to --deck: a card named with its deck, not a deck."""
    return given.rpartition("/")[0] in named


def history_deck_name(given: str) -> str:
    """A deck whose review history is wanted (``optimize --deck``): a known deck by name
    or file, or the name of any deck the store holds reviews of (one since removed, or a
    history imported). Neither: exit 2 with a did-you-mean and the decks with reviews."""
    store = existing_store()
    with_reviews: set[str] = set()
    if store is not None:
        with store:
            with_reviews = {r.deck for r in store.reviews()}
    if given in with_reviews:
        return given
    path = Path(given).expanduser()
    named = known_deck_names()
    if given in named or path.exists() or path.suffix in (".yaml", ".yml"):
        return load([given])[0].name
    from calcquiz.errors import BadInputError
    from calcquiz.suggest import did_you_mean

    known = ", ".join(repr(n) for n in sorted(with_reviews)) or "none yet"
    raise BadInputError(
        f"no reviews of deck {given!r}{did_you_mean(given, [*named, *with_reviews])} "
        f"(decks with reviews: {known})"
    )


def known_deck_names() -> dict[str, Path]:
    """Each known deck's name and file. A known deck that does not load is left out here;
    naming its file says what is wrong with it."""
    from calcquiz.content import load_deck
    from calcquiz.errors import CalcquizError

    named: dict[str, Path] = {}
    for path in known_deck_paths():
        try:
            named.setdefault(load_deck(path).name, path)
        except CalcquizError:
            continue
    return named


def existing_store() -> Store | None:
    """The progress database if there is one (reading commands never create it)."""
    from calcquiz.store import db_path, open_store

    return open_store() if db_path().exists() else None
