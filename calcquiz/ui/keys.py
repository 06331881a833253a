"""Reading one key at a time: raw single keypresses on a terminal, lines from a pipe.

On a terminal a key press is read without Enter (cbreak mode; Ctrl-C still interrupts).
From a pipe or file each line is one key: an empty line is Enter, otherwise the line's
first character. End of input is ``None``.
"""

from __future__ import annotations

import os
import sys
from typing import IO

ENTER = "\n"
TIMEOUT = ""  # read_within: no key came in time


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class KeyReader:
    def __init__(self, stream: IO[str] | None = None):
        self.stream = stream or sys.stdin
        self.interactive = _is_terminal(self.stream)

    def read(self) -> str | None:
        if self.interactive:
            return self._read_key()
        line = self.stream.readline()
        if line == "":
            return None
        line = line.rstrip("\r\n")
        return ENTER if line == "" else line[0]

    def read_within(self, seconds: float) -> str | None:
        """A key pressed within ``seconds`` (TIMEOUT if none) on a terminal; from a pipe,
        the next line as :meth:`read` gives it (a pipe cannot be waited on meaningfully)."""
        if not self.interactive:
            return self.read()
        return self._read_key(timeout=seconds)

    def _read_key(self, timeout: float | None = None) -> str | None:
        import select
        import termios
        import tty

        fd = self.stream.fileno()
        saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)
            if timeout is not None and not select.select([fd], [], [], max(0.0, timeout))[0]:
                return TIMEOUT
            data = os.read(fd, 32)  # one key; escape sequences arrive whole and are ignored
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        if not data or data == b"\x04":  # Ctrl-D
            return None
        text = data.decode("utf-8", errors="replace")
        if text in ("\r", "\n", "\r\n"):
            return ENTER
        if text.startswith("\x1b"):
            return "\x1b"
        return text[0]


class LineReader:
    """Typed answers: a whole line, edited with the terminal's own line editing."""

    def __init__(self, stream: IO[str] | None = None):
        self.stream = stream or sys.stdin
        self.interactive = _is_terminal(self.stream)

    def read(self, prompt: str) -> str | None:
        """The line without its newline, or None at end of input."""
        if self.interactive:
            try:
                return input(prompt)
            except EOFError:
                return None
        sys.stdout.write(prompt)
        sys.stdout.flush()
        line = self.stream.readline()
        if line == "":
            return None
        sys.stdout.write(line if line.endswith("\n") else line + "\n")  # echo, as a terminal would
        return line.rstrip("\r\n")
