"""config.toml as a hostile user leaves it, and settings that must work everywhere they are
accepted: concurrent changes, step counts, FSRS parameter bounds, special files, links,
read-only files, bombs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calcquiz import config as cfg
from calcquiz.errors import BadInputError
from calcquiz.states import MAX_STEPS, Rating, State
from calcquiz.store.rows import state_problem

from .helpers import REVLOG_CSV, examples

HOUR = 3600.0


def _one_error_line(result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def _run(home: Path, *args: str, timeout: float = 30, **popen) -> subprocess.CompletedProcess:
    """calcquiz in its own process (a hang is a TimeoutExpired, not a stuck test run)."""
    env = {**os.environ, "CALCQUIZ_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "calcquiz", *args],
        capture_output=True, text=True, timeout=timeout, env=env, **popen,
    )


# -- two processes at once


SET_AT = """
import sys, time
from pathlib import Path
from calcquiz import config
start = Path(sys.argv[1])
while not start.exists():
    time.sleep(0.0005)
config.set_value(sys.argv[2], sys.argv[3])
"""


@pytest.mark.slow
def test_settings_set_at_the_same_moment_by_three_processes_are_all_kept(tmp_path):
    changes = {"new_per_day": "7", "retention": "0.85", "leech_threshold": "5"}
    env = {**os.environ, "NO_COLOR": "1"}
    for trial in range(12):
        home = tmp_path / f"home{trial}"
        home.mkdir()
        (home / "config.toml").write_text('review_mode = "recall"\n')
        start = home / "go"
        env["CALCQUIZ_HOME"] = str(home)
        procs = [
            subprocess.Popen([sys.executable, "-c", SET_AT, str(start), key, value], env=env)
            for key, value in changes.items()
        ]
        time.sleep(1.0)  # every process imported and waiting
        start.touch()
        assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
        on_disk = cfg.read_file(home / "config.toml")
        assert on_disk == {
            "review_mode": "recall",
            "new_per_day": 7,
            "retention": 0.85,
            "leech_threshold": 5,
        }, f"trial {trial}"


@pytest.mark.slow  # processes with timeouts and limits
def test_a_change_waits_for_the_lock_and_then_keeps_the_other_change(calcquiz_home):
    """While another process holds the settings lock, a change waits; it is applied to
    the file as it is once the lock is free (the other's setting kept)."""
    import fcntl

    path = calcquiz_home / "config.toml"
    lock = os.open(calcquiz_home / "config.toml.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)
    waiting = subprocess.Popen(
        [sys.executable, "-m", "calcquiz", "config", "set", "new_per_day", "3"],
        env={**os.environ, "CALCQUIZ_HOME": str(calcquiz_home)},
    )
    time.sleep(1.5)
    assert waiting.poll() is None  # still waiting for the lock
    path.write_text("retention = 0.8\n")  # the holder's own change
    os.close(lock)
    assert waiting.wait(timeout=30) == 0
    assert cfg.read_file(path) == {"retention": 0.8, "new_per_day": 3}


def test_a_lock_held_for_ever_is_one_line_not_a_hang(calcquiz_home, monkeypatch, cli):
    import fcntl

    monkeypatch.setattr(cfg, "LOCK_TIMEOUT", 0.3)
    (calcquiz_home / "config.toml").write_text("retention = 0.8\n")
    lock = os.open(calcquiz_home / "config.toml.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # flock locks belong to the open file, so this process's own second open waits too
        line = _one_error_line(cli("config", "set", "new_per_day", "3"), code=1)
    finally:
        os.close(lock)
    assert "another calcquiz has been changing settings" in line
    assert cfg.read_file() == {"retention": 0.8}


# -- learning steps: every count config set accepts works in study and the store


STEP = st.sampled_from(["1s", "30s", "1m", "10m", "1h", "1d"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count=st.integers(1, MAX_STEPS + 60), pattern=st.lists(STEP, min_size=1, max_size=4))
def test_any_steps_config_accepts_give_rows_the_store_accepts(count, pattern):
    from calcquiz.scheduler import make_scheduler, preview

    steps = (pattern * count)[:count]
    text = " ".join(steps)
    try:
        cfg.parse_value("learning_steps", text)
        cfg.parse_value("relearning_steps", text)
    except BadInputError as exc:
        assert len(steps) > MAX_STEPS
        assert f"at most {MAX_STEPS} steps" in str(exc)
        return
    scheduler = make_scheduler(
        fuzz=False, config=cfg.Config(learning_steps=text, relearning_steps=text)
    )
    now, state = 1.8e9, None
    # Good through every learning step to review, then Again and Good through relearning
    ratings = [Rating.GOOD] * (len(steps) + 1) + [Rating.AGAIN] + [Rating.GOOD] * len(steps)
    for rating in ratings:
        state = preview(scheduler, "d", "c", state, now)[rating].state
        row = (state.deck, state.card_id, state.state, state.step, state.stability,
               state.difficulty, state.due, state.last_review, state.reps, state.lapses)
        assert state_problem(row) is None, (len(steps), state)
        now = max(now + 1, state.due)
    assert state.state == State.REVIEW


def test_150_steps_are_refused_and_change_nothing(cli, calcquiz_home):
    line = _one_error_line(cli("config", "set", "learning_steps", " ".join(["1s"] * 150)))
    assert f"at most {MAX_STEPS} steps" in line and "got 150" in line
    assert len(line) < 300  # the typed value is cut, not echoed whole
    assert not (calcquiz_home / "config.toml").exists()


def test_the_most_steps_allowed_work_in_study_list_and_check(cli, calcquiz_home):
    """MAX_STEPS x 1s, a card rated Good through all of them: every command still runs."""
    from calcquiz.scheduler import make_scheduler, preview
    from calcquiz.store import open_store

    assert cli("config", "set", "learning_steps", " ".join(["1s"] * MAX_STEPS)).exit_code == 0
    scheduler = make_scheduler(fuzz=False)
    now = time.time() - 3 * HOUR
    with open_store() as store:
        state = None
        for _ in range(MAX_STEPS - 1):
            after = preview(scheduler, "Calculus & Optimization", "derivative", state, now)
            store.apply_review(state, after[Rating.GOOD].state, Rating.GOOD, now, 900)
            state, now = after[Rating.GOOD].state, now + 2
    assert state.state == State.LEARNING and state.step == MAX_STEPS - 1
    for args in (["list"], ["check"], ["study", "--new", "0"]):
        result = cli(*args, input="q\n")
        assert result.exit_code == 0, (args, result.output)


# -- FSRS parameters: config set accepts exactly what FSRS's scheduler accepts


def _defaults() -> list[float]:
    import fsrs

    return list(fsrs.scheduler.DEFAULT_PARAMETERS)


def _fsrs_accepts(values: list[float]) -> bool:
    import fsrs

    try:
        fsrs.Scheduler(parameters=values)
    except ValueError:
        return False
    return True


@settings(max_examples=examples(150), deadline=None)
@given(
    index=st.integers(0, 20),
    value=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(-1, 110),
        st.sampled_from([0.0, 0.001, 0.1, 0.8, 1.0, 4.5, 10.0, 100.0, 1e308, -1.0]),
    ),
)
def test_parameters_config_accepts_are_those_fsrs_accepts(tmp_path_factory, index, value):
    path = tmp_path_factory.mktemp("cfg") / "config.toml"
    path.write_text("retention = 0.9\n")
    before = path.read_bytes()
    values = _defaults()
    values[index] = value
    try:
        cfg.write_value("parameters", values, path)
    except BadInputError as exc:
        assert not _fsrs_accepts(values)
        assert f"w{index}" in str(exc) and "\n" not in str(exc)
        assert path.read_bytes() == before
        return
    assert _fsrs_accepts(values)
    assert cfg.load_config(path).parameters == tuple(values)


@pytest.mark.parametrize("value", ["100", "-1", "1e308", "nan", "inf"])
def test_parameters_out_of_range_are_refused_on_the_command_line(cli, calcquiz_home, value):
    line = _one_error_line(cli("config", "set", "parameters", ",".join([value] * 21)))
    assert line.startswith("Error: Invalid parameters: ")
    assert not (calcquiz_home / "config.toml").exists()
    assert cli("study", input="q\n").exit_code == 0


def test_fitting_and_config_use_one_set_of_bounds():
    import fsrs

    from calcquiz.memory_model import fit, params

    assert params.bounds() == (
        fsrs.scheduler.LOWER_BOUNDS_PARAMETERS,
        fsrs.scheduler.UPPER_BOUNDS_PARAMETERS,
    )
    low, high = params.bounds()
    assert fit.clean([-5.0] * 21) == tuple(low)
    assert fit.clean([1e6] * 21) == tuple(high)


# -- what config.toml is: decided before it is read or written


@pytest.mark.slow  # processes with timeouts and limits
def test_a_fifo_config_is_refused_by_every_command_without_hanging(calcquiz_home):
    os.mkfifo(calcquiz_home / "config.toml")
    for args in (["list"], ["config", "list"], ["config", "set", "retention", "0.8"]):
        done = _run(calcquiz_home, *args, timeout=20, stdin=subprocess.DEVNULL)
        assert done.returncode == 2, done.stderr
        assert "is not a regular file" in done.stderr and done.stderr.count("\n") == 1
    assert not (calcquiz_home / "config.toml").is_file()  # still the FIFO


@pytest.mark.slow  # processes with timeouts and limits
def test_a_config_linked_to_dev_zero_is_refused_in_bounded_memory(calcquiz_home):
    import resource

    def limit() -> None:  # without the check, reading /dev/zero would take all of this
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    (calcquiz_home / "config.toml").symlink_to("/dev/zero")
    for args in (["list"], ["config", "set", "retention", "0.8"]):
        done = _run(calcquiz_home, *args, timeout=20, preexec_fn=limit)
        assert done.returncode == 2, done.stderr
        assert "is not a regular file" in done.stderr and done.stderr.count("\n") == 1
    assert os.readlink(calcquiz_home / "config.toml") == "/dev/zero"


def test_a_huge_config_is_refused(cli, calcquiz_home):
    (calcquiz_home / "config.toml").write_text("# " + "x" * cfg.MAX_CONFIG_BYTES + "\n")
    assert "KB: not a calcquiz config" in _one_error_line(cli("list"))


@pytest.mark.parametrize("depth", [600, 100_000])
def test_a_config_nested_deeply_is_one_line_in_every_command(cli, calcquiz_home, depth):
    (calcquiz_home / "config.toml").write_text("decks = " + "[" * depth + "]" * depth + "\n")
    for args in (["list"], ["config", "list"], ["stats"], ["config", "set", "retention", "0.8"]):
        line = _one_error_line(cli(*args))
        assert "config.toml" in line and len(line) < 300


@pytest.mark.parametrize(
    "typed", ["[1, 2]", "[[\"a\"]]", "[true]", "[" * 5000, "[{a = 1}]", '["a", 1]']
)
def test_decks_that_are_not_a_list_of_names_are_refused(cli, calcquiz_home, typed):
    line = _one_error_line(cli("config", "set", "decks", typed))
    assert line.startswith("Error: Invalid decks:") and len(line) < 300
    assert not (calcquiz_home / "config.toml").exists()


@pytest.fixture
def winning_revlog(tmp_path):
    """The first 11,000 reviews of the shared log: there the fit wins on the plain held-out
    log loss, so `optimize --save` does save (on the whole log the defaults win)."""
    lines = REVLOG_CSV.read_text().splitlines(keepends=True)
    path = tmp_path / "first.csv"
    path.write_text("".join(lines[:11001]))
    return path


def test_a_read_only_config_is_not_replaced(cli, calcquiz_home, winning_revlog):
    path = calcquiz_home / "config.toml"
    path.write_text("retention = 0.8\n")
    path.chmod(0o444)
    for args in (["config", "set", "retention", "0.85"], ["config", "unset", "retention"]):
        assert "is read-only" in _one_error_line(cli(*args), code=1)
    result = cli("optimize", "--revlog", str(winning_revlog), "--save")
    assert "is read-only" in _one_error_line(result, code=1)
    assert path.read_text() == "retention = 0.8\n"
    assert path.stat().st_mode & 0o777 == 0o444


def test_a_symlinked_config_is_written_through_to_its_target(
    cli, calcquiz_home, tmp_path, winning_revlog
):
    target = tmp_path / "dotfiles" / "calcquiz.toml"
    target.parent.mkdir()
    target.write_text("retention = 0.8\n")
    target.chmod(0o640)
    link = calcquiz_home / "config.toml"
    link.symlink_to(target)
    assert cli("config", "set", "new_per_day", "4").exit_code == 0
    result = cli("optimize", "--revlog", str(winning_revlog), "--save")
    assert result.exit_code == 0 and "Saved to" in result.stdout
    assert link.is_symlink() and link.resolve() == target
    saved = cfg.read_file(target)
    assert saved["retention"] == 0.8 and saved["new_per_day"] == 4 and "parameters" in saved
    assert target.stat().st_mode & 0o777 == 0o640  # the file's own permissions kept
    assert cli("config", "unset", "new_per_day").exit_code == 0
    assert link.is_symlink() and "new_per_day" not in cfg.read_file(target)


def test_a_dangling_symlinked_config_is_refused_not_replaced(cli, calcquiz_home, tmp_path):
    link = calcquiz_home / "config.toml"
    link.symlink_to(tmp_path / "gone.toml")
    assert "symbolic link to a missing file" in _one_error_line(
        cli("config", "set", "retention", "0.8")
    )
    assert link.is_symlink() and not (tmp_path / "gone.toml").exists()


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_special_config_is_never_replaced_by_a_change(calcquiz_home, kind):
    path = calcquiz_home / "config.toml"
    path.mkdir() if kind == "folder" else os.mkfifo(path)
    done = _run(calcquiz_home, "config", "unset", "retention", timeout=20)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "is not a regular file" in done.stderr
    assert path.is_dir() if kind == "folder" else path.is_fifo()


@pytest.mark.parametrize(
    ("key", "typed"),
    [
        ("learning_steps", "1m " + "x" * 100_000),
        ("learning_steps", "1" * 400 + "s"),
        ("new_per_day", "9" * 5000),
        ("leech_action", "x" * 100_000),
        ("parameters", "1," * 50_000),
    ],
)
def test_a_huge_typed_value_is_refused_in_one_short_line(cli, calcquiz_home, key, typed):
    line = _one_error_line(cli("config", "set", key, typed))
    assert line.startswith(f"Error: Invalid {key}: ") and len(line) < 300


def test_a_huge_value_in_the_file_is_one_short_line(cli, calcquiz_home):
    (calcquiz_home / "config.toml").write_text(f'learning_steps = "{"x" * 100_000}"\n')
    line = _one_error_line(cli("list"))
    assert "learning_steps" in line and len(line) < 300


def test_a_huge_unknown_key_is_one_short_line(cli, calcquiz_home):
    key = "r" * 100_000
    for args in (["config", "get", key], ["config", "set", key, "1"]):
        line = _one_error_line(cli(*args))
        assert "unknown config key" in line and len(line) < 400
    (calcquiz_home / "config.toml").write_text(f"{key} = 1\n")
    assert len(_one_error_line(cli("list"))) < 400
