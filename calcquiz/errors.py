"""The exceptions calcquiz raises; the CLI maps each to one clean line and an exit code.

Pure modules raise these and never print. ``exit_code`` follows the project-wide rule:
2 for bad input or usage, 1 for a failure at run time.
"""

from __future__ import annotations


class CalcquizError(Exception):
    """Base class: a failure the user should see as one line, not a traceback."""

    exit_code = 1


class BadInputError(CalcquizError):
    """Something the user gave us (an option, a file, an expression) is wrong."""

    exit_code = 2


class DeckError(BadInputError):
    """A deck file cannot be read or does not follow the deck schema."""


class ExpressionError(BadInputError):
    """A typed math expression is malformed, not whitelisted, or undefined at a point."""


class StoreError(CalcquizError):
    """The progress database cannot be opened, read or written."""


class ExportError(CalcquizError):
    """An export could not be written."""


class BadRowError(StoreError):
    """A row of the progress database holds values calcquiz cannot use."""


class UndoConflictError(StoreError):
    """The card was changed by another session after the rating to undo."""
