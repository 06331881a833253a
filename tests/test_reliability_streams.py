"""Streams and signals: closed pipes, closed stdin, a full output
device, odd card keys, negative seeds, and SIGTERM/SIGHUP in the middle of a session."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from .helpers import CLI, Session, reviews

pytestmark = pytest.mark.slow  # pipes, signals and devices need real processes

PIPED = [
    ["stats"],
    ["stats", "--json"],
    ["list"],
    ["show", "1"],
    ["demo", "momentum", "--no-live"],
    ["demo"],
    ["--help"],
]


@pytest.mark.parametrize("args", PIPED, ids=" ".join)
def test_a_reader_that_leaves_early_is_not_an_error(args: list[str]):
    """`calcquiz ARGS | head -c 1`: exit 0 and nothing on stderr, as `list` always did."""
    proc = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(1)
    proc.stdout.close()  # the reader leaves after one byte
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 0, err
    assert err == ""


@pytest.mark.parametrize("args", [["study"], ["reset"], ["drill"], ["drill", "derivative"]])
def test_a_closed_stdin_is_end_of_input(args: list[str], calcquiz_home: Path):
    seeded = subprocess.run([*CLI, "study"], input="\n3\nq\n", capture_output=True, text=True)
    assert seeded.returncode == 0, seeded.stderr
    result = subprocess.run(
        [*CLI, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60
    )
    closed = subprocess.run(
        ["sh", "-c", '"$@" <&-', "sh", *CLI, *args], capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in closed.stderr and "Error" not in closed.stderr
    assert closed.returncode == result.returncode  # as if stdin were empty
    assert closed.returncode == (1 if args == ["reset"] else 0)  # reset: not confirmed
    assert len(reviews(calcquiz_home)) == 1  # nothing rated, nothing reset


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args", [["list"], ["stats"], ["show", "1"], ["demo", "momentum", "--no-live"], ["--help"]]
)
def test_output_to_a_full_device_is_one_line(args: list[str]):
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*CLI, *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60
        )
    assert result.returncode == 1
    assert result.stderr == "Error: cannot write the output: No space left on device\n"


@pytest.mark.parametrize("key", ["²", "①", "٣", "¹²", "1²"])
def test_a_digit_that_is_not_ascii_is_not_a_card_number(cli, key: str):
    result = cli("show", key)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: no card") and result.stderr.count("\n") == 1


@pytest.mark.parametrize("name", ["minibatch", "convexity", "weight-decay", "momentum"])
def test_a_negative_seed_is_refused_with_exit_2(cli, name: str):
    result = cli("demo", name, "--seed", "-5", "--no-live")
    assert result.exit_code == 2
    assert "--seed" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_save_every_rating_and_print_the_summary(
    calcquiz_home: Path, signum: int
):
    s = Session()
    s.wait_for(Session.PROMPT, 1)
    for i in range(3):
        s.send("\n3\n")
        s.wait_for(Session.PROMPT, i + 2)
    s.proc.send_signal(signum)
    assert s.proc.wait(30) == 128 + signum
    s.reader.join(5)
    assert "Session interrupted — every rating is saved" in s.text()
    assert "Reviewed: 3 ratings of 3 cards" in s.text()
    assert len(reviews(calcquiz_home)) == 3
    assert s.proc.stderr is not None and "Traceback" not in s.proc.stderr.read()


@pytest.mark.slow
def test_sigterm_while_waiting_for_a_key_on_a_terminal(calcquiz_home: Path, tmp_path: Path):
    """The same on a real terminal (tmux): the summary is drawn, the rating kept."""
    import shutil
    import time

    if shutil.which("tmux") is None:
        pytest.skip("needs tmux")
    name = f"cq-sig-{os.getpid()}"
    env = f"CALCQUIZ_HOME={calcquiz_home} PYTHONPATH={Path.cwd()}"
    pidfile = tmp_path / "pid"
    cmd = f"sh -c 'echo $$ > {pidfile}; exec env {env} {' '.join(CLI)} study'"
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "100", "-y", "40"], check=True)
    try:
        subprocess.run(["tmux", "send-keys", "-t", name, cmd, "Enter"], check=True)

        def screen() -> str:
            return subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True
            ).stdout

        def wait(needle: str) -> None:
            deadline = time.time() + 20
            while needle not in screen():
                assert time.time() < deadline, screen()
                time.sleep(0.05)

        wait("Space/Enter show answer")
        subprocess.run(["tmux", "send-keys", "-t", name, "Space"], check=True)
        wait("1-4 rate")
        subprocess.run(["tmux", "send-keys", "-t", name, "3"], check=True)
        wait("1 done")
        os.kill(int(pidfile.read_text()), signal.SIGTERM)
        wait("every rating is saved")
        assert "Reviewed: 1 rating of 1 card" in screen()
        assert "Traceback" not in screen()
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
    assert len(reviews(calcquiz_home)) == 1
