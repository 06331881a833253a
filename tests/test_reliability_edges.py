"""Values at the edge of what calcquiz documents: the last due time the store holds, card
numbers and limits of any length, and terminals that cannot show Unicode."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcquiz.content import find_card, load_decks
from calcquiz.dates import Calendar
from calcquiz.errors import BadInputError, DeckError
from calcquiz.states import CardState, Rating, State
from calcquiz.store.rows import MAX_TIME

DECK = "Calculus & Optimization"


def _run(home: Path, *args: str, env: dict[str, str] | None = None, **popen):
    full = {**os.environ, "CALCQUIZ_HOME": str(home), "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "calcquiz", *args],
        capture_output=True, timeout=60, env=full, **popen,
    )


# -- the last second the store holds


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "Pacific/Kiritimati", "America/New_York"])
def test_the_last_due_time_is_shown_in_every_zone(zone):
    calendar = Calendar(tz=ZoneInfo(zone))
    now = time.time()
    assert calendar.format_due(MAX_TIME, now) == "9999-12-31"
    assert calendar.day_of(MAX_TIME).year == 9999


@pytest.mark.slow
def test_a_card_due_at_the_last_second_the_store_holds_works_everywhere(calcquiz_home):
    from calcquiz.store import open_store

    reviewed = time.time() - 86400
    due = CardState(DECK, "derivative", State.REVIEW, None, 5.0, 5.0, MAX_TIME, reviewed, 1, 0)
    with open_store() as store:
        store.apply_review(None, due, Rating.EASY, reviewed, 1000)
    for zone in ("UTC", "Asia/Tokyo", "Pacific/Kiritimati", "America/New_York"):
        for args in (["list"], ["list", "--json"], ["show", "1"], ["stats"], ["list", "--due"]):
            done = _run(calcquiz_home, *args, env={"TZ": zone})
            assert done.returncode == 0, (zone, args, done.stderr.decode())
        done = _run(calcquiz_home, "list", env={"TZ": zone})
        assert b"9999-12-31" in done.stdout


# -- numbers of any length


@settings(max_examples=80, deadline=None)
@given(
    digits=st.one_of(
        st.text(alphabet="0123456789", min_size=1, max_size=40),
        st.builds(lambda n, d: d * n, st.integers(4000, 6000), st.sampled_from("0129")),
    )
)
def test_a_card_number_of_any_length_is_found_or_refused(digits):
    decks = load_decks()  # the bundled deck: cards 1-20
    value = digits.lstrip("0") or "0"
    number = int(value) if len(value) < 4000 else None  # int() refuses 4,300 digits
    try:
        card = find_card(decks, digits)
    except DeckError as exc:
        assert len(str(exc)) < 300
        assert number is None or not 1 <= number <= 20
        return
    assert card.number == number


def test_show_and_suspend_with_a_5000_digit_number_are_one_line(cli):
    number = "9" * 5000
    for args in (["show", number], ["suspend", number], ["show", "0" * 5000 + "1x"]):
        result = cli(*args)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and len(result.stderr) < 300
    assert "derivative" in cli("show", "0" * 5000 + "1").stdout  # card 1, however written


@pytest.mark.parametrize("key", ["9" * 5000, "²", "٣", "1" + "0" * 30])
def test_demo_with_a_card_number_it_cannot_read_is_one_line(cli, key):
    result = cli("demo", key, "--json")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 300


def test_card_numbers_are_read_one_way_for_show_and_demo(cli):
    from calcquiz.card_keys import card_number

    assert [card_number(k) for k in ("7", "007", "0", "²", "x1", "9" * 19)] == [
        7, 7, 0, None, None, -1,
    ]
    assert '"card": 3' in cli("demo", "0003", "--json").stdout
    assert "Card 3" in cli("show", "0003").stdout


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["study", "--new", str(10**30)], "--new"),
        (["study", "--new", "-1"], "--new"),
        (["study", "--limit", str(10**30)], "--limit"),
        (["study", "--limit", "0"], "--limit"),
        (["simulate", "--new", str(10**30)], "--new"),
        (["simulate", "--limit", str(10**30)], "--limit"),
    ],
)
def test_limits_beyond_the_settings_range_are_one_line(cli, calcquiz_home, args, flag):
    result = cli(*args, input="q\n")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: Invalid {flag}: ")
    assert result.stderr.count("\n") == 1
    assert list(calcquiz_home.iterdir()) == []


@settings(max_examples=60, deadline=None)
@given(new=st.one_of(st.integers(-(10**40), 10**40), st.integers(-5, 10_005)))
def test_study_new_is_accepted_exactly_in_the_new_per_day_range(new):
    from calcquiz.config import Config
    from calcquiz.session import SessionOptions

    try:
        options = SessionOptions.from_config(Config(), new_limit=new)
    except BadInputError as exc:
        assert not 0 <= new <= 9999 and "--new" in str(exc)
        return
    assert 0 <= new <= 9999 and options.new_limit == new


# -- terminals that cannot show Unicode


@pytest.mark.slow  # processes with timeouts and limits
@pytest.mark.parametrize(
    ("encoding", "args", "stdin"),
    [
        ("ascii", ["show", "1"], b""),
        ("ascii", ["stats"], b""),
        ("ascii", ["demo", "momentum"], b""),
        ("ascii", ["list"], b""),
        ("ascii", ["list", "--json"], b""),
        ("latin-1", ["drill", "-n", "2", "--seed", "1"], b"1\n2\n"),
        ("ascii", ["drill", "-n", "1", "--seed", "1"], b"\xff\xfe\n"),
    ],
)
def test_output_degrades_instead_of_failing_on_a_narrow_encoding(
    calcquiz_home, encoding, args, stdin
):
    done = _run(calcquiz_home, *args, env={"PYTHONIOENCODING": encoding}, input=stdin)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr and done.stderr == b""
    done.stdout.decode(encoding)  # only what the encoding holds
    assert b"?" in done.stdout  # what it cannot hold is replaced, visibly


def test_the_same_output_is_unchanged_on_utf8(calcquiz_home):
    done = _run(calcquiz_home, "show", "1", env={"PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 0 and "·".encode() in done.stdout


def test_datetime_max_is_the_last_moment_shown():
    assert Calendar().local(MAX_TIME + 10**9) == datetime.max  # beyond: the last moment
