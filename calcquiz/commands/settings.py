"""``calcquiz config``: settings that persist, in ``config.toml`` beside the database."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from calcquiz.commands.common import JsonOption

config_app = typer.Typer(
    help="Show and change settings kept in config.toml (CALCQUIZ_HOME moves it).",
    no_args_is_help=True,
)

KeyArgument = Annotated[str, typer.Argument(metavar="KEY", help="A setting's name.")]


def _show(value: Any) -> str:
    if value is None:
        return "(FSRS defaults)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "(none)"
    return str(value)


@config_app.command("list")
def list_settings(json: JsonOption = False) -> None:
    """Every setting with its effective value ("*": set in config.toml).

    Example: calcquiz config list --json
    """
    from calcquiz import config as cfg
    from calcquiz import ui

    rows = cfg.effective(cfg.load_config())
    if json:
        ui.print_json({key: row.value for key, row in rows.items()})
        return
    width = max(map(len, rows))
    shown = {key: _show(row.value) for key, row in rows.items()}
    value_width = min(24, max(map(len, shown.values())))
    for key, row in rows.items():
        mark = "*" if row.from_file else " "
        typer.echo(f"{mark} {key:<{width}}  {shown[key]:<{value_width}}  # {row.help}")
    typer.echo(f"(file: {cfg.config_path()})")


@config_app.command("get")
def get(key: KeyArgument) -> None:
    """Print one setting's effective value.

    Example: calcquiz config get retention
    """
    from calcquiz import config as cfg

    cfg.check_key(key)
    rows = cfg.effective(cfg.load_config())
    typer.echo(_show(rows[key].value))


@config_app.command("set", context_settings={"ignore_unknown_options": True})
def set_(
    key: KeyArgument,
    value: Annotated[str, typer.Argument(metavar="VALUE", help="The new value.")],
) -> None:
    """Change a setting (checked first: a bad value changes nothing).

    Example: calcquiz config set new_per_day 10
    """
    from calcquiz import config as cfg

    if key == "decks":  # every command loads them beside the bundled deck: check that first
        _check_decks_load(cfg.parse_value(key, value))
    stored = cfg.set_value(key, value)
    typer.echo(f"{key} = {_show(list(stored) if isinstance(stored, tuple) else stored)}")


def _check_decks_load(paths: Any) -> None:
    """The decks a ``decks`` value names load with the bundled ones: valid files, each
    named once and no name taken twice (else every command would fail until fixed)."""
    from calcquiz.content import bundled_deck_paths, load_decks
    from calcquiz.errors import BadInputError, DeckError

    try:
        load_decks([*bundled_deck_paths(), *paths])
    except DeckError as exc:
        raise BadInputError(f"Invalid decks: {exc}") from None


@config_app.command("unset")
def unset(key: KeyArgument) -> None:
    """Put a setting back to its default.

    Example: calcquiz config unset retention
    """
    from calcquiz import config as cfg

    had = cfg.unset(key)
    default = cfg.effective(cfg.Config())[key].value
    typer.echo(f"{key} = {_show(default)} (default)" + ("" if had else "; it was not set"))
