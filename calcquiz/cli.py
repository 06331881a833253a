"""The calcquiz command line: thin commands, and the one place errors become exit codes.

Exit codes: 0 ok, 1 runtime failure, 2 bad input or usage. A ``CalcquizError`` raised
anywhere below a command is printed as one line on stderr, never as a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Collection, Sequence
from typing import Annotated, Any

import typer
from typer._click.exceptions import UsageError  # private: pinned, see tests/test_layers.py
from typer.core import TyperGroup

from calcquiz import __version__
from calcquiz.commands import browse, demo, drill, export, fit, importer, settings, study, sync
from calcquiz.commands import check as check_command
from calcquiz.errors import CalcquizError

# Help shows words a person reads, never Python type names such as <list[str]> or {card}.
_METAVARS = {"int": "N", "float": "NUMBER", "str": "TEXT", "Path": "PATH"}


def _readable_metavars(command: Any) -> None:
    """Name every option and argument that has no metavar after its kind (N, PATH, TEXT),
    and show arguments as click does (``ID``, ``[PATH]...``) instead of ``{id} <str>``."""
    for param in getattr(command, "params", []):
        if param.param_type_name == "argument":
            name = param.metavar or param.name.upper()
            usage = (name if param.required else f"[{name}]") + ("..." if param.nargs != 1 else "")
            param.metavar = name
            # Typer 0.29 adds "<str>" after the name and braces around it in the usage line.
            param.display_type_rich = lambda ctx: None
            param._usage_display_name = lambda usage=usage: usage
        elif param.metavar is None and not getattr(param, "is_flag", False):
            desc = param.type_descriptor
            if desc.is_choice:
                param.metavar = "|".join(str(getattr(c, "value", c)) for c in desc.choices)
            else:
                bare = param.bare_type().removeprefix("list[").removesuffix("]")
                param.metavar = _METAVARS.get(bare, bare.upper())
    for sub in getattr(command, "commands", {}).values():
        _readable_metavars(sub)


class CalcquizGroup(TyperGroup):
    """Maps calcquiz's own exceptions to a clean message and exit code for every command."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            typer.echo(ctx.get_help())  # `calcquiz export`: its help, not an error
            raise typer.Exit(0)
        return super().parse_args(ctx, args)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _readable_metavars(command)
        return command

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
            ui.print_error(usage_message(exc.format_message()) + where)
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:  # `calcquiz list | head`: the reader left; not an error
            _silence_stdout()
            raise typer.Exit(0) from None
        except OSError as exc:  # e.g. output to /dev/full, a folder without permission
            from calcquiz import ui
            from calcquiz.paths import describe_os_error

            if exc.filename is None:  # nothing named: writing our own output failed
                _silence_stdout()
                ui.print_error(f"cannot write the output: {exc.strerror or exc}")
            else:
                ui.print_error(describe_os_error(exc))
            raise typer.Exit(1) from None
        except Exception as exc:
            # Any SQLite failure not already turned into a StoreError (a damaged page met
            # mid-command, say) is still one line that says what to do.
            sqlite3 = sys.modules.get("sqlite3")
            if sqlite3 is None or not isinstance(exc, sqlite3.DatabaseError):
                raise
            from calcquiz import ui
            from calcquiz.paths import db_path
            from calcquiz.store import store_error

            ui.print_error(str(store_error(db_path(), exc)))
            raise typer.Exit(1) from None


def usage_message(message: str) -> str:
    """click's wording in calcquiz's style, as every other error reads: ``no such command
    'x'``, not ``No such command 'x'.``; no "Value error," from the option's own check."""
    message = message.replace("Value error, ", "").replace(". Did you mean", "; did you mean")
    message = message.strip().rstrip(".")
    if message[:1].isupper() and not message[1:2].isupper():  # "No such", not "ID"
        message = message[0].lower() + message[1:]
    return message


def _version(value: bool) -> None:
    if value:
        typer.echo(f"calcquiz {__version__}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
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
    if ctx.invoked_subcommand is None:  # bare `calcquiz`: a start screen, not an error
        browse.start_screen()


# Every command and command group, in the order help lists them: as a newcomer needs
# them (study, see, practise, browse, progress), then moving decks, then upkeep.
COMMANDS: dict[str, Callable[..., Any] | typer.Typer] = {
    "study": study.study,
    "demo": demo.demo,
    "drill": drill.drill,
    "list": browse.list_cards,
    "show": browse.show,
    "stats": study.stats,
    "export": export.export_app,
    "import": importer.import_app,
    "sync": sync.sync_app,
    "config": settings.config_app,
    "suspend": study.suspend,
    "unsuspend": study.unsuspend,
    "reset": study.reset,
    "optimize": fit.optimize,
    "simulate": fit.simulate,
    "validate": browse.validate,
    "check": check_command.check,
}


def build_app(names: Collection[str] | None = None) -> typer.Typer:
    """The command line with the commands ``names`` (None: all of them)."""
    built = typer.Typer(
        cls=CalcquizGroup,
        name="calcquiz",
        help="Flashcards, live numeric demos and drills for the calculus behind machine "
        "learning.",
        invoke_without_command=True,
        context_settings={"help_option_names": ["-h", "--help"]},
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
    )
    built.callback()(root)
    for name, command in COMMANDS.items():
        if names is not None and name not in names:
            continue
        if isinstance(command, typer.Typer):
            built.add_typer(command, name=name, cls=CalcquizGroup)
        else:
            built.command(name)(command)
    return built


app = build_app()  # every command: what tests, --help and shell completion see


def app_for(args: Sequence[str]) -> typer.Typer:
    """The app to run ``args`` with: a command line that starts with a command's name
    gets an app of that command alone. Typer makes every registered command into a
    click command before parsing (18 ms for all of them, 1 ms for one); ``--help``, a
    misspelt command (click suggests the right one) and shell completion see them all."""
    if args and args[0] in COMMANDS and "_CALCQUIZ_COMPLETE" not in os.environ:
        return build_app({args[0]})
    return app


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _ensure_std_streams() -> None:
    """A closed stdin, stdout or stderr (``calcquiz study <&-``) reads as /dev/null: end of
    input, output dropped. Holding fds 0-2 also keeps files opened later off them."""
    for fd, mode in ((0, os.O_RDONLY), (1, os.O_WRONLY), (2, os.O_WRONLY)):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, mode)
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)
    if sys.stdin is None:
        sys.stdin = open(0, closefd=False)  # noqa: SIM115 - lives as long as the process
    if sys.stdout is None:
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    if sys.stderr is None:
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    _replace_what_cannot_be_encoded()


def _replace_what_cannot_be_encoded() -> None:
    """A stream whose encoding cannot hold a character calcquiz prints (∇, ², ·, box
    lines) under PYTHONIOENCODING=ascii or a latin-1 locale shows "?" in its place rather
    than failing with UnicodeEncodeError; bytes stdin cannot decode read as "?" too."""
    import codecs

    codecs.register_error("calcquiz", _spelled_out)
    for stream, errors in ((sys.stdin, "replace"), (sys.stdout, "calcquiz"),
                           (sys.stderr, "calcquiz")):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):  # a detached or closed stream
                stream.reconfigure(errors=errors)


# What an ASCII or latin-1 stream shows for characters it lacks, one character for one
# (the layout was measured with the original): the correction marks stay told apart (a
# note with † and ‡ read "?" and "?"); the rest become "?".
_SPELLED = {"†": "+", "‡": "#", "§": "S", "¶": "P", "−": "-", "·": ".", "•": "*"}


def _spelled_out(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    text = exc.object[exc.start : exc.end]
    return "".join(_SPELLED.get(c, "?") for c in text), exc.end


def main() -> None:
    _ensure_std_streams()
    code: Any = 0
    try:
        app_for(sys.argv[1:])()
    except SystemExit as exc:
        code = exc.code
    except BrokenPipeError:  # while writing --help, before any command runs
        _silence_stdout()
    except OSError as exc:
        _silence_stdout()
        sys.stderr.write(f"Error: cannot write the output: {exc.strerror or exc}\n")
        code = 1
    try:  # buffered output is written here: a full disk or closed pipe is still one line
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    except OSError as exc:
        _silence_stdout()
        sys.stderr.write(f"Error: cannot write the output: {exc.strerror or exc}\n")
        code = 1
    sys.exit(code)
