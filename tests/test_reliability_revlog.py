"""Hostile --revlog CSVs for optimize, simulate and stats --calibration: out-of-range times
and durations, look-alike digits, FIFOs, devices, bad bytes, endless lines. Each is one
located line and exit 2, in bounded time and memory."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcquiz.errors import BadInputError
from calcquiz.memory_model import history

from .helpers import examples

HEADER = "card_id,review_rating,review_time,review_duration\n"
GOOD_TIME = "2024-03-29T20:32:32+00:00"
COMMANDS = (["optimize", "--save"], ["simulate"], ["stats", "--calibration"])


def _assert_one_line(result, needle: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert needle in lines[0], lines[0]
    assert len(lines[0]) < 300


BAD_CELLS = [
    ("1,3,0001-01-01T00:00:00,5", ":3: column 3 (review_time)"),
    ("1,3,9999-12-31T23:59:59-05:00,5", ":3: column 3 (review_time)"),
    ("1,3,1969-12-31T23:59:59+00:00,5", ":3: column 3 (review_time)"),
    ("1,3,100000000000000000,5", ":3: column 3 (review_time)"),
    ("1,3," + "9" * 400 + ",5", ":3: column 3 (review_time)"),
    ("1,3,¹²³,5", ":3: column 3 (review_time)"),
    ("1,3,２０２４-03-29,5", ":3: column 3 (review_time)"),
    (f"1,3,{GOOD_TIME},²", ":3: column 4 (review_duration)"),
    (f"1,3,{GOOD_TIME}," + "9" * 400, ":3: column 4 (review_duration)"),
    (f"1,3,{GOOD_TIME},{2**31}", ":3: column 4 (review_duration)"),
    (f"1,٣,{GOOD_TIME},5", ":3: column 2 (review_rating)"),
]


@pytest.mark.parametrize(("row", "where"), BAD_CELLS)
def test_out_of_range_cells_are_one_located_line(cli, tmp_path, calcquiz_home, row, where):
    path = tmp_path / "log.csv"
    path.write_text(HEADER + f"1,3,{GOOD_TIME},5\n".replace("1,", "0,", 1) + row + "\n")
    for args in COMMANDS:
        _assert_one_line(cli(*args, "--revlog", str(path)), f"{path}{where}")
    assert list(calcquiz_home.iterdir()) == []


TIMES = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.text(alphabet="0123456789¹²³٣-:T+Z.", max_size=40),
)
DURATIONS = st.one_of(
    st.integers(-(10**30), 10**30).map(str), st.text(alphabet="0123456789²٣ .e-", max_size=30)
)


@settings(max_examples=examples(300), deadline=None)
@given(when=TIMES, duration=DURATIONS)
def test_every_cell_read_is_usable_or_refused(tmp_path_factory, when, duration):
    """Whatever the cells hold, a read either refuses it with BadInputError or gives a time
    from 1970 to 9999 with a day Python's dates can hold, and a duration FSRS can take."""
    path = tmp_path_factory.mktemp("log") / "log.csv"
    path.write_text(HEADER + f"1,3,{when},{duration}\n", encoding="utf-8")
    try:
        events = history.read_csv(path)
    except BadInputError as exc:
        assert "\n" not in str(exc)
        return
    (event,) = events
    assert 0 <= event.when <= history.MAX_TIME
    datetime.fromtimestamp(event.when)  # the local date exists
    assert event.day == datetime.fromordinal(event.day).toordinal()
    assert event.duration_ms is None or 0 <= event.duration_ms <= history.MAX_DURATION_MS


def _run(*args: str, home: Path, **popen) -> subprocess.CompletedProcess:
    env = {**os.environ, "CALCQUIZ_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "calcquiz", *args],
        capture_output=True, text=True, timeout=30, env=env, **popen,
    )


@pytest.mark.slow  # processes with timeouts and limits
def test_a_fifo_revlog_is_refused_without_hanging(tmp_path, calcquiz_home):
    fifo = tmp_path / "log.csv"
    os.mkfifo(fifo)
    for args in COMMANDS:
        done = _run(*args, "--revlog", str(fifo), home=calcquiz_home, stdin=subprocess.DEVNULL)
        assert done.returncode == 2, done.stderr
        assert "is not a regular file" in done.stderr and done.stderr.count("\n") == 1


@pytest.mark.slow  # processes with timeouts and limits
def test_dev_zero_as_revlog_is_refused_in_bounded_memory(tmp_path, calcquiz_home):
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    for path in ("/dev/zero", str(link)):
        done = _run("optimize", "--revlog", path, home=calcquiz_home, preexec_fn=limit)
        assert done.returncode == 2, done.stderr
        assert "is not a regular file" in done.stderr and done.stderr.count("\n") == 1


def test_a_bad_byte_is_located_by_its_line_and_its_offset_in_the_file(cli, tmp_path):
    body = b"".join(b"%d,3,2024-03-29T20:32:32+00:00,5\n" % i for i in range(5000))
    data = bytearray(HEADER.encode() + body)
    offset = 81117
    data[offset] = 0xFF
    path = tmp_path / "log.csv"
    path.write_bytes(bytes(data))
    line = data[:offset].count(b"\n") + 1
    for args in COMMANDS:
        _assert_one_line(cli(*args, "--revlog", str(path)), f"{path}:{line}: not UTF-8")
        _assert_one_line(cli(*args, "--revlog", str(path)), f"(byte {offset} of the file)")


def test_a_bad_byte_after_a_bom_is_counted_from_the_file_start(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"\xef\xbb\xbf" + HEADER.encode() + b"1,3,\xc3" + b"\n")
    with pytest.raises(BadInputError, match=r":2: not UTF-8 text \(byte 57 of the file\)"):
        history.read_csv(path)
    assert len(b"\xef\xbb\xbf" + HEADER.encode() + b"1,3,") == 57


def test_a_200_kb_field_without_a_line_ending_is_a_clear_line(cli, tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(HEADER.encode() + b"1,3,2024-03-29T20:32:32+00:00,5\n" + b"x" * 200_000)
    for args in COMMANDS:
        _assert_one_line(cli(*args, "--revlog", str(path)), f"{path}:3: a line over 64 KB")


def test_a_file_bigger_than_any_review_log_is_refused_before_reading(cli, tmp_path):
    path = tmp_path / "log.csv"
    with open(path, "wb") as fh:  # sparse: no disk space used
        fh.write(HEADER.encode())
        fh.truncate(history.MAX_CSV_BYTES + 1)
    _assert_one_line(cli("optimize", "--revlog", str(path)), "more than a review log holds")
