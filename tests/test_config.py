"""`calcquiz config`: round trips through config.toml, validation, and its effect on commands."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from calcquiz import config as cfg
from calcquiz.scheduler import make_scheduler

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FSRS6_DEFAULTS = [
    0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
    1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
]


def test_list_json_shows_every_key_with_its_default(cli):
    result = cli("config", "list", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "retention": 0.9,
        "new_per_day": 20,
        "reviews_per_session": 200,
        "day_starts_at": 4,
        "learning_steps": "1m 10m",
        "relearning_steps": "10m",
        "leech_threshold": 8,
        "leech_action": "suspend",
        "decks": [],
        "parameters": None,
        "review_mode": "recall",
        "anki_collection": "",
        "learn_ahead_minutes": 20,
    }


@pytest.mark.parametrize(
    ("key", "typed", "stored"),
    [
        ("retention", "0.85", 0.85),
        ("new_per_day", "5", 5),
        ("reviews_per_session", "50", 50),
        ("day_starts_at", "0", 0),
        ("learning_steps", "30s  5m,1h", "30s 5m 1h"),
        ("relearning_steps", "20m", "20m"),
        ("leech_threshold", "6", 6),
        ("leech_action", "tag", "tag"),
        ("review_mode", "exercises", "exercises"),
        ("learn_ahead_minutes", "0", 0),
        ("parameters", ", ".join(map(str, FSRS6_DEFAULTS)), FSRS6_DEFAULTS),
    ],
)
def test_set_get_unset_round_trip(cli, calcquiz_home: Path, key, typed, stored):
    assert cli("config", "set", key, typed).exit_code == 0
    on_disk = tomllib.loads((calcquiz_home / "config.toml").read_text())
    assert on_disk == {key: stored}
    assert json.loads(cli("config", "list", "--json").stdout)[key] == stored
    got = cli("config", "get", key).stdout.strip()
    assert got == (", ".join(map(str, stored)) if isinstance(stored, list) else str(stored))
    assert cli("config", "unset", key).exit_code == 0
    assert tomllib.loads((calcquiz_home / "config.toml").read_text()) == {}
    assert json.loads(cli("config", "list", "--json").stdout)[key] == getattr(cfg.Config(), key)


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("retention", "1.2", "from 0.7 to 0.99"),
        ("retention", "abc", "from 0.7 to 0.99"),
        ("new_per_day", "-1", "from 0 to 9999"),
        ("new_per_day", "2.5", "from 0 to 9999"),
        ("day_starts_at", "24", "from 0 to 23"),
        ("learning_steps", "10 minutes", "steps like"),
        ("leech_action", "delete", "'suspend' or 'tag'"),
        ("parameters", "1, 2, 3", "21 finite numbers"),
        ("parameters", ", ".join(["nan"] * 21), "21 finite numbers"),
        ("decks", "/nonexistent/deck.yaml", "not found"),
    ],
)
def test_bad_values_exit_2_with_the_range_and_change_nothing(cli, calcquiz_home, key, value, says):
    result = cli("config", "set", key, value)
    assert result.exit_code == 2
    assert says in result.stderr and result.stderr.count("\n") == 1
    assert not (calcquiz_home / "config.toml").exists()


def test_unknown_key_suggests_the_closest(cli):
    result = cli("config", "set", "retension", "0.8")
    assert result.exit_code == 2
    assert "unknown config key 'retension'; did you mean 'retention'? (keys: " in result.stderr
    assert cli("config", "get", "new_per_dya").exit_code == 2


def test_a_damaged_file_is_one_line_naming_it(cli, calcquiz_home: Path):
    path = calcquiz_home / "config.toml"
    path.write_text("retention = [unclosed\n")
    for args in (("config", "list"), ("list",), ("study",)):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert str(path) in result.stderr and result.stderr.count("\n") == 1
    path.write_text('retention = "high"\n')
    result = cli("list")
    assert result.exit_code == 2 and "retention" in result.stderr and str(path) in result.stderr
    path.write_text("colour = 3\n")
    assert "unknown config key 'colour'" in cli("stats").stderr


def test_calcquiz_home_moves_the_file(cli, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("CALCQUIZ_HOME", str(tmp_path / "elsewhere"))
    assert cli("config", "set", "new_per_day", "3").exit_code == 0
    assert (tmp_path / "elsewhere" / "config.toml").exists()
    assert "(file: " + str(tmp_path / "elsewhere" / "config.toml") in cli("config", "list").stdout


def test_the_scheduler_takes_retention_steps_and_parameters_from_the_config():
    params = [p * 1.01 for p in FSRS6_DEFAULTS]
    config = cfg.Config(
        retention=0.8, learning_steps="2m 20m", relearning_steps="15m", parameters=tuple(params)
    )
    s = make_scheduler(config=config)
    assert s.desired_retention == 0.8
    assert [t.total_seconds() for t in s.learning_steps] == [120, 1200]
    assert [t.total_seconds() for t in s.relearning_steps] == [900]
    assert all(math.isclose(a, b) for a, b in zip(s.parameters, params, strict=True))
    assert make_scheduler(0.95, config=config).desired_retention == 0.95  # an option wins


def test_study_follows_the_config_and_options_override_it(cli):
    cli("config", "set", "learning_steps", "2m 20m")
    cli("config", "set", "new_per_day", "1")
    result = cli("study", input="\n3\n")
    assert "1 Again 2m · 2 Hard" in result.stdout and "3 Good 20m" in result.stdout
    assert "1 new · 0 learning · 0 due" in result.stdout
    result = cli("study", "--new", "3", input="q\n")  # one run: 2 more today
    assert "2 new · 1 learning · 0 due" in result.stdout


def test_config_decks_are_added_to_every_command(cli, tmp_path: Path):
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "deck: Mine\ncards:\n  - id: adam\n    number: 1\n    question: What is Adam?\n"
        "    answer: Momentum plus per-parameter steps.\n    tags: [optimizers]\n"
    )
    assert cli("config", "set", "decks", str(extra)).exit_code == 0
    rows = json.loads(cli("list", "--json").stdout)
    assert len(rows) == 21 and rows[-1]["deck"] == "Mine"
    assert "deck" in cli("list").stdout.splitlines()[0]  # the deck column appears
    only = json.loads(cli("list", "--json", "--deck", str(extra)).stdout)
    assert [r["id"] for r in only] == ["adam"]  # --deck replaces them for one run


def test_write_value_for_fitted_parameters(calcquiz_home: Path):
    fitted = [max(p * 0.99, 0.001) for p in FSRS6_DEFAULTS]  # w7's lowest value is 0.001
    cfg.write_value("parameters", fitted)
    assert cfg.load_config().parameters == tuple(fitted)
    with pytest.raises(cfg.BadInputError):
        cfg.write_value("parameters", fitted[:20])


def test_parameters_outside_fsrs_bounds_in_the_file_are_a_clean_error(cli, calcquiz_home):
    wild = [1000.0, *FSRS6_DEFAULTS[1:]]  # w0 is an initial stability, at most 100 days
    (calcquiz_home / "config.toml").write_text(f"parameters = {wild}\n")  # edited by hand
    result = cli("study", input="\n3\n")
    assert result.exit_code == 2
    assert "Invalid FSRS parameters in the config" in result.stderr
    assert result.stderr.count("\n") == 1
