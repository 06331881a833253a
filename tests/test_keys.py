"""Single keys from a terminal (a real pseudo-terminal here): keys pressed while a screen
is drawn are kept for the next reads, in order, and not echoed over the screen; the
terminal's own mode comes back when the study ends."""

from __future__ import annotations

import os
import select
import sys

import pytest

from calcquiz.ui.keys import ENTER, TIMEOUT, KeyReader, split_keys

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX terminals")


@pytest.mark.parametrize(
    ("sent", "keys"),
    [
        ("3", ["3"]),
        (" 3", [" ", "3"]),
        ("\r", [ENTER]),
        ("\n", [ENTER]),
        ("\r\n3", [ENTER, "3"]),
        ("\x1b[A3", ["\x1b", "3"]),  # an arrow, then a key
        ("\x1b[1;5C", ["\x1b"]),  # Ctrl-Right: one sequence
        ("\x1bOP2", ["\x1b", "2"]),  # F1
        ("\x1bx4", ["\x1b", "4"]),  # Alt-x
        ("\x1b", ["\x1b"]),
        ("é1", ["é", "1"]),
        ("2\x049", ["2", None]),  # Ctrl-D ends the input
    ],
)
def test_split_keys(sent, keys):
    assert split_keys(sent) == keys


@pytest.fixture
def pty():
    """(terminal side as a text stream, the keyboard's and screen's side as an fd)."""
    import termios

    keyboard, terminal = os.openpty()
    stream = os.fdopen(terminal, "r", encoding="utf-8")
    mode = termios.tcgetattr(terminal)
    assert mode[3] & termios.ICANON and mode[3] & termios.ECHO  # a terminal as it starts
    yield stream, keyboard
    stream.close()
    os.close(keyboard)


def echoed(keyboard: int) -> bytes:
    """What the terminal wrote back to the screen so far."""
    out = b""
    while select.select([keyboard], [], [], 0.05)[0]:
        out += os.read(keyboard, 1024)
    return out


def test_keys_pressed_while_a_screen_draws_are_kept_in_order_and_not_echoed(pty):
    import termios

    stream, keyboard = pty
    before = termios.tcgetattr(stream.fileno())
    with KeyReader(stream) as keys:
        os.write(keyboard, b" ")
        assert keys.read() == " "
        os.write(keyboard, b"3u")  # both pressed while the next screen was drawn
        os.write(keyboard, b"\x1b[B")  # and an arrow
        os.write(keyboard, b"q")
        assert [keys.read(), keys.read(), keys.read(), keys.read()] == ["3", "u", "\x1b", "q"]
        assert keys.read_within(0.05) == TIMEOUT
        assert echoed(keyboard) == b""
    assert termios.tcgetattr(stream.fileno()) == before  # the terminal's mode is back


def test_an_answer_is_typed_as_a_line_with_echo_inside_the_study(pty):
    import termios

    stream, keyboard = pty
    with KeyReader(stream) as keys:
        os.write(keyboard, b"1")
        assert keys.read() == "1"
        with keys.cooked():
            assert termios.tcgetattr(stream.fileno())[3] & termios.ICANON
            os.write(keyboard, b"0.25\n")
            assert stream.readline() == "0.25\n"  # as input() reads it
            assert b"0.25" in echoed(keyboard)  # the learner sees what they type
        os.write(keyboard, b"4")
        assert keys.read() == "4"
        assert echoed(keyboard) == b""


def test_ctrl_d_ends_the_keys(pty):
    stream, keyboard = pty
    with KeyReader(stream) as keys:
        os.write(keyboard, b"\x04")
        assert keys.read() is None


def test_discard_drops_the_keys_pressed_so_far(pty):
    stream, keyboard = pty
    with KeyReader(stream) as keys:
        os.write(keyboard, b"ab")
        assert keys.read() == "a"  # "b" waits in the queue
        os.write(keyboard, b"q")  # and "q" in the terminal
        select.select([stream.fileno()], [], [], 1)
        keys.discard()
        assert keys.read_within(0.05) == TIMEOUT
        os.write(keyboard, b"3")
        assert keys.read() == "3"


def test_a_pipe_is_read_a_line_a_key():
    import io

    keys = KeyReader(io.StringIO("3\n\nabc\n"))
    with keys:
        keys.discard()  # a pipe's lines are answers given in advance: all kept
        assert [keys.read(), keys.read(), keys.read(), keys.read()] == ["3", ENTER, "a", None]
