"""Reading one key at a time: raw single keypresses on a terminal, lines from a pipe.

On a terminal a key press is read without Enter (cbreak mode; Ctrl-C still interrupts).
From a pipe or file each line is one key: an empty line is Enter, otherwise the line's
first character. End of input is ``None``.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import IO, Any

ENTER = "\n"
TIMEOUT = ""  # read_within: no key came in time
# Longer than any real answer (a terminal's line editor holds 4096), so a long piped
# answer is still read and refused by the parser; a longer line ends the input.
MAX_LINE = 65536


def read_line(stream: IO[str]) -> str:
    """The next line of piped input with its newline, or "" at the end. A line longer
    than MAX_LINE (a stream with no newline at all, such as /dev/zero) ends the input:
    it is never held whole, so memory stays bounded."""
    line = stream.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE and not line.endswith("\n"):
        sys.stderr.write(f"Input ends here: a line is longer than {MAX_LINE:,} characters.\n")
        return ""
    return line


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class KeyReader:
    """Single keys. Used as a context manager on a terminal, it holds the terminal in
    cbreak mode (no echo, no Enter needed) until the block ends, so keys pressed while a
    screen is drawn are neither echoed over it nor lost: they wait, in order, for the
    next read. Outside such a block each read sets cbreak mode for itself."""

    def __init__(self, stream: IO[str] | None = None):
        self.stream = stream or sys.stdin
        self.interactive = _is_terminal(self.stream)
        self._pending: list[str | None] = []  # keys read but not yet returned
        self._held: list[Any] | None = None  # the terminal's own mode, while held
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._handlers: dict[int, Any] = {}

    def __enter__(self) -> KeyReader:
        if self.interactive and self._held is None:
            import termios

            self._held = termios.tcgetattr(self.stream.fileno())
            self._cbreak()
            self._handlers = _on_stop_and_continue(self._on_stop, self._on_continue)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._held is not None:
            _restore_handlers(self._handlers)
            self._restore(self._held)
            self._held = None

    def _cbreak(self) -> None:
        import termios
        import tty

        with suppress(termios.error, OSError, ValueError):
            tty.setcbreak(self.stream.fileno(), termios.TCSANOW)  # keys typed are kept

    def _on_stop(self) -> None:
        """Ctrl-Z: the shell gets its terminal back as it was."""
        if self._held is not None:
            self._restore(self._held)

    def _on_continue(self) -> None:
        """``fg``: single keys again."""
        if self._held is not None:
            self._cbreak()

    @contextmanager
    def cooked(self) -> Iterator[None]:
        """The terminal's own mode (echo, line editing) for the block, e.g. to type an
        answer. Keys already read for the screen before are dropped; keys the terminal
        still holds start the line, where they are seen and can be erased."""
        held = self._held
        if held is None:
            yield
            return
        self._pending.clear()
        self._restore(held)
        try:
            yield
        finally:
            self._cbreak()

    def discard(self) -> None:
        """Drop the keys pressed so far: a "press any key" waits for a fresh one, not for
        a key pressed while a demo was running."""
        self._pending.clear()
        if self.interactive:
            import termios

            with suppress(termios.error, OSError, ValueError):
                termios.tcflush(self.stream.fileno(), termios.TCIFLUSH)

    def _restore(self, mode: list[Any]) -> None:
        import termios

        with suppress(termios.error, OSError, ValueError):  # the terminal may be gone
            termios.tcsetattr(self.stream.fileno(), termios.TCSADRAIN, mode)

    def read(self) -> str | None:
        if self.interactive:
            return self._read_key()
        line = read_line(self.stream)
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
        if not self._pending:
            data = self._read_bytes(timeout)
            if data is None:
                return TIMEOUT
            self._pending = split_keys(self._decoder.decode(data)) if data else [None]
        return self._pending.pop(0)

    def _read_bytes(self, timeout: float | None) -> bytes | None:
        """What the terminal has (at least one byte; b"" at its end), or None if nothing
        came within ``timeout``."""
        import select
        import termios
        import tty

        fd = self.stream.fileno()
        saved = None if self._held is not None else termios.tcgetattr(fd)
        try:
            if saved is not None:
                tty.setcbreak(fd, termios.TCSANOW)
            if timeout is not None and not select.select([fd], [], [], max(0.0, timeout))[0]:
                return None
            return os.read(fd, 1024)  # all keys pressed since the last read
        finally:
            if saved is not None:
                self._restore(saved)


def _on_stop_and_continue(
    stop: Callable[[], None], cont: Callable[[], None]
) -> dict[int, Any]:
    """Call ``stop`` before the process stops on Ctrl-Z (SIGTSTP) and ``cont`` when it
    continues (SIGCONT). Returns the handlers they replace (none off the main thread or
    without job control)."""
    import signal
    import threading

    tstp, sigcont = getattr(signal, "SIGTSTP", None), getattr(signal, "SIGCONT", None)
    if tstp is None or sigcont is None or threading.current_thread() is not threading.main_thread():
        return {}
    before = {tstp: signal.getsignal(tstp), sigcont: signal.getsignal(sigcont)}

    def on_stop(signum: int, frame: object) -> None:
        stop()
        signal.signal(tstp, signal.SIG_DFL)  # stop for real, then take the signal back
        os.kill(os.getpid(), tstp)

    def on_continue(signum: int, frame: object) -> None:
        signal.signal(tstp, on_stop)
        cont()

    signal.signal(tstp, on_stop)
    signal.signal(sigcont, on_continue)
    return before


def _restore_handlers(handlers: dict[int, Any]) -> None:
    import signal

    for signum, handler in handlers.items():
        signal.signal(signum, handler)


def split_keys(text: str) -> list[str | None]:
    """The keys in what a terminal sent: Enter for CR, LF or CR LF; an escape sequence
    (an arrow, a function key, Alt with a key) as one ESC, which nothing binds; None for
    Ctrl-D, the end of input, after which nothing is read."""
    keys: list[str | None] = []
    i = 0
    while i < len(text):
        ch = text[i]
        i += 1
        if ch == "\x04":
            keys.append(None)
            break
        if ch == "\x1b":
            if i < len(text) and text[i] in "[O":  # CSI or SS3: up to a final byte
                i += 1
                while i < len(text) and not "@" <= text[i] <= "~":
                    i += 1
                i += 1
            elif i < len(text):  # Alt with a key
                i += 1
            keys.append("\x1b")
            continue
        if ch == "\r" and text[i : i + 1] == "\n":
            i += 1
        keys.append(ENTER if ch in "\r\n" else ch)
    return keys


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
        line = read_line(self.stream)
        if line == "":
            return None
        sys.stdout.write(line if line.endswith("\n") else line + "\n")  # echo, as a terminal would
        return line.rstrip("\r\n")


def confirm(question: str) -> bool | None:
    """``question [y/N]``: True for y or yes, False for anything else, None at the input's
    end; read as answers are (a piped line is bounded, so /dev/zero cannot fill memory)."""
    answer = LineReader().read(f"{question} [y/N]: ")
    return None if answer is None else answer.strip().lower() in ("y", "yes")
