"""The only package that talks to the terminal (a ruff banned-api rule keeps rich here).

Consoles follow rich's own rules for colour: plain text when ``NO_COLOR`` is set or the
output is not a terminal, and no animation when the output is not a terminal.
:func:`stdout_is_terminal` and :func:`output_width` apply rich's rules without importing
rich, for views that write plain text to a pipe (calcquiz.ui.demo_plain).
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

# Named styles, so the look of calcquiz is decided in one place.
STYLE_TITLE = "bold cyan"
STYLE_MUTED = "dim"
STYLE_GOOD = "green"
STYLE_BAD = "bold red"
STYLE_WARN = "yellow"
STYLE_KEY = "bold"
STYLE_QUESTION = "bold"
# A card's state, the same colour wherever it is shown (card list, study counts).
STYLE_NEW = "blue"
STYLE_LEARNING = "red"
STYLE_REVIEW = "green"
STATE_STYLES = {
    "new": STYLE_NEW,
    "learning": STYLE_LEARNING,
    "relearning": STYLE_LEARNING,
    "review": STYLE_REVIEW,
}
# The rating keys 1..4 (Again, Hard, Good, Easy), as Anki colours them.
RATING_STYLES = {1: "bold red", 2: "bold yellow", 3: "bold green", 4: "bold blue"}
# One colour per plotted series, in order.
PLOT_COLOURS = ("cyan", "magenta", "yellow", "green", "red", "blue")


# The control characters rich's Text drops (bell, backspace, vertical tab, form feed, carriage
# return): plain output drops them too, so no text can move the cursor there either.
CONTROL_CODES = dict.fromkeys((7, 8, 11, 12, 13))


def stdout_is_terminal() -> bool:
    """rich's Console.is_terminal for stdout, without importing rich: TTY_COMPATIBLE 0/1,
    then FORCE_COLOR (set and not empty), then isatty."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force = os.environ.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def output_width() -> int:
    """The width rich's Console gives stdout: COLUMNS if set, else the size of the first of
    stdin, stdout, stderr that is a terminal, else 80."""
    width = 0
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
        break
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        width = int(columns)
    return width or 80


@lru_cache(maxsize=1)
def console() -> Console:
    """The stdout console (created on first use, so importing ui costs nothing)."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich exits with status 1; the CLI treats a reader that left as a normal end
            self.quiet = True
            raise BrokenPipeError

    return _Console(highlight=False)


@lru_cache(maxsize=1)
def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def reset_consoles() -> None:
    """Forget cached consoles (tests swap stdout, so each invocation needs fresh ones)."""
    console.cache_clear()
    err_console.cache_clear()


def print_error(message: str) -> None:
    """One clean line on stderr: ``Error: <message>``."""
    # A plain write keeps the message on one line whatever the terminal width.
    first_line = " ".join(str(message).split("\n"))
    sys.stderr.write(f"Error: {first_line}\n")
    sys.stderr.flush()


def print_json(data: object) -> None:
    """Exactly one JSON document on stdout, nothing else."""
    import json

    sys.stdout.write(json.dumps(_finite(data), ensure_ascii=False, indent=2, allow_nan=False))
    sys.stdout.write("\n")
    sys.stdout.flush()


def _finite(value: object) -> object:
    """JSON has no inf or nan: write them as the strings "inf", "-inf" and "nan"."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return "nan" if value != value else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
