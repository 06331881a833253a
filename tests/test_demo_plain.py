"""The plain view of a demo (a file or pipe): the same title, table and plots as the rich
view gives a non-terminal, the takeaway unboxed and wrapped to the width, and the rules
that choose it (rich's, applied without rich)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from calcquiz import ui
from calcquiz.demos import DEMO_NAMES, REGISTRY
from calcquiz.ui import demo_plain, demo_view

BOX = set("╭╮╰╯│")


def rich_view(monkeypatch, run, width):
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, width=width, color_system=None,
                      highlight=False)
    monkeypatch.setattr(ui, "console", lambda: console)
    demo_view.render(run, live=False)
    return buffer.getvalue()


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_plain_view_is_the_rich_view_without_the_box(monkeypatch, name):
    run = REGISTRY[name].run()
    run.card = REGISTRY[name].card
    rich_text = rich_view(monkeypatch, run, 80).splitlines()
    buffer = io.StringIO()
    demo_plain.render(run, width=80, out=buffer)
    plain_text = buffer.getvalue().splitlines()
    box = next(i for i, line in enumerate(rich_text) if line.startswith("╭"))
    head = next(i for i, line in enumerate(plain_text) if line.startswith("── "))
    # title, table, note and plots: the same (rich leaves a space where it wraps a line)
    assert [line.rstrip(" ") for line in plain_text[:head]] == [
        line.rstrip(" ") for line in rich_text[:box]]
    assert plain_text[head].startswith(f"── card {run.card}: takeaway ")
    boxed = [w for line in rich_text[box + 1:-1] for w in line.split() if w not in BOX]
    unboxed = [w for line in plain_text[head + 1:] for w in line.split()]
    assert unboxed == boxed  # every word of the takeaway, in order
    assert all(len(line) <= 80 for line in plain_text[head:])


def test_takeaway_wraps_to_the_width_and_keeps_long_words_whole():
    text = "alpha beta gamma " * 10 + "x" * 30 + " end"
    for width in (20, 40, 80):
        lines = demo_plain.takeaway(text, "takeaway", width).splitlines()
        assert len(lines[0]) == max(width, len("── takeaway "))
        assert lines[0].startswith("── takeaway ─")
        assert " ".join(" ".join(lines[1:]).split()) == " ".join(text.split())
        assert all(len(line) <= width or line == "x" * 30 for line in lines[1:])


def test_plain_text_drops_control_characters():
    assert demo_plain.takeaway("a\x07b\rc\x1bd", "t\x08", 40).splitlines() == [
        "── t " + "─" * 35, "abc\x1bd"]  # as rich's Text: bell, backspace, CR dropped


@pytest.mark.parametrize("env, isatty, expected", [
    ({}, False, False),
    ({}, True, True),
    ({"FORCE_COLOR": "1"}, False, True),
    ({"FORCE_COLOR": ""}, True, False),
    ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, True, False),
    ({"TTY_COMPATIBLE": "1"}, False, True),
])
def test_stdout_is_terminal_follows_rich(monkeypatch, env, isatty, expected):
    for key in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    class Stream(io.StringIO):
        def isatty(self):
            return isatty

    monkeypatch.setattr("sys.stdout", Stream())
    assert ui.stdout_is_terminal() is expected
    assert Console().is_terminal is expected  # rich's own answer


def test_output_width_follows_rich(monkeypatch):
    monkeypatch.setenv("COLUMNS", "57")
    assert ui.output_width() == 57 == Console(file=io.StringIO()).width
    monkeypatch.setenv("COLUMNS", "wide")
    assert ui.output_width() == Console(file=io.StringIO()).width


def test_the_cli_writes_plain_text_to_a_pipe(cli):
    result = cli("demo", "gradient-descent", "--no-live")
    assert result.exit_code == 0
    assert "── card 6: takeaway ─" in result.stdout and not set("╭╮╰╯") & set(result.stdout)
    result = cli("demo", "momentum")  # not --no-live: a pipe is never animated, plain too
    assert result.exit_code == 0 and "── card 11: takeaway ─" in result.stdout
