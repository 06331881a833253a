"""The calcquiz command line: thin commands, and the one place errors become exit codes.

Exit codes: 0 ok, 1 runtime failure, 2 bad input or usage. A ``CalcquizError`` raised
anywhere below a command is printed as one line on stderr, never as a traceback.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer._click.exceptions import UsageError  # typer >= 0.29 vendors click
from typer.core import TyperGroup

from calcquiz import __version__
from calcquiz.commands import browse, demo, drill, export, study
from calcquiz.errors import CalcquizError


class CalcquizGroup(TyperGroup):
    """Maps calcquiz's own exceptions to a clean message and exit code for every command."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CalcquizError as exc:
            from calcquiz import ui

            ui.print_error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except UsageError as exc:  # a bad option of a command: one line too, not a usage dump
            from calcquiz import ui

            where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            ui.print_error(exc.format_message() + where)
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:  # `calcquiz list | head`: the reader left; not an error
            raise typer.Exit(0) from None


app = typer.Typer(
    cls=CalcquizGroup,
    name="calcquiz",
    help="Flashcards, live numeric demos and drills for the calculus behind machine learning.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"calcquiz {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Flashcards, live numeric demos and drills for the calculus behind machine learning.

    Example: calcquiz study
    """


app.command("list")(browse.list_cards)
app.command("show")(browse.show)
app.command("validate")(browse.validate)
app.command("study")(study.study)
app.command("stats")(study.stats)
app.command("reset")(study.reset)
app.command("drill")(drill.drill)
app.command("demo")(demo.demo)
app.add_typer(export.export_app, name="export")


def main() -> None:
    app()
