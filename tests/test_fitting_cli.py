"""optimize / simulate / stats --calibration: bad files, calcquiz's own history, saving
parameters, the simulator's inputs, and fsrs-rs staying off the start-up path."""

from __future__ import annotations

import json
import statistics
import time
from datetime import datetime

import fsrs_rs_python as fr
import pytest

from calcquiz import config
from calcquiz.memory_model import history, params, workload

from .helpers import REVLOG_CSV, imports_after

HEADER = "card_id,review_rating,review_time,review_duration\n"
GOOD = "1,3,2024-03-29T20:32:32+00:00,2500\n"

BAD_FILES = [
    (HEADER + GOOD + "1,5,2024-03-30T20:32:32+00:00,100\n", ":3: column 2 (review_rating)"),
    (HEADER + "1,3,yesterday,100\n", ":2: column 3 (review_time)"),
    (HEADER + "1,3,2024-03-29T20:32:32+00:00,-5\n", ":2: column 4 (review_duration)"),
    (HEADER + ",3,2024-03-29T20:32:32+00:00,5\n", ":2: column 1 (card_id)"),
    (HEADER + GOOD + "1,3,2024-03-30T20:32:32+00:00\n", ":3: 3 fields"),
    ("card_id,review_rating,review_time\n" + "1,3,2024-03-29\n", ":1: missing column"),
    (HEADER.strip() + ",review_state\n1,3,2024-03-29T20:32:32+00:00,5,9\n", ":2: column 5"),
    ("", ":1: empty file"),
]


@pytest.mark.parametrize(("text", "where"), BAD_FILES)
def test_bad_csv_is_one_located_line_exit_2_and_writes_nothing(
    cli, tmp_path, calcquiz_home, text, where
):
    path = tmp_path / "log.csv"
    path.write_text(text)
    for args in (["optimize", "--save"], ["simulate"], ["stats", "--calibration"]):
        result = cli(*args, "--revlog", str(path))
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
        assert f"{path}{where}" in lines[0]
    assert list(calcquiz_home.iterdir()) == []


def test_unreadable_csv_files(cli, tmp_path, calcquiz_home):
    binary = tmp_path / "binary.csv"
    binary.write_bytes(HEADER.encode() + b"\xff\xfe\x00garbage\n")
    for path, message in [
        (binary, "not UTF-8"),
        (tmp_path / "missing.csv", "no such file"),
        (tmp_path, "is a folder"),
    ]:
        result = cli("optimize", "--save", "--revlog", str(path))
        assert result.exit_code == 2
        assert message in result.stderr and result.stderr.count("\n") == 1
    assert list(calcquiz_home.iterdir()) == []


def test_little_history_keeps_defaults_and_says_what_is_needed(cli, tmp_path):
    path = tmp_path / "few.csv"
    path.write_text(HEADER + GOOD + "1,3,2024-03-31T09:00:00+00:00,2000\n")
    result = cli("optimize", "--revlog", str(path), "--save")
    assert result.exit_code == 0
    out = " ".join(result.stdout.split())
    assert "Kept FSRS-6's default parameters" in out
    assert "at least 20 cards with the same first rating" in out
    assert "Here the most is 1 card (1 item from 2 reviews)" in out
    assert "Nothing saved" in out
    assert config.saved_parameters() is None


@pytest.fixture
def utc(monkeypatch):
    """Local time = UTC, so calcquiz's local days are the CSV's UTC days."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_own_history_gives_the_same_figures_as_the_csv(cli, utc):
    from calcquiz.config import write_value
    from calcquiz.store import open_store

    write_value("day_starts_at", 0)  # midnight days, as the CSV's UTC dates

    events = history.read_csv(REVLOG_CSV)
    with open_store() as store:
        store.import_history(
            [], [("josh", e.card, e.rating, e.when, e.duration_ms, 0, 0) for e in events]
        )
        store.import_history([], [("other", "x", 3, 1.7e9, 1000, 0, 0)])
    own = json.loads(cli("optimize", "--deck", "josh", "--json").output)
    csv = json.loads(cli("optimize", "--revlog", str(REVLOG_CSV), "--json").output)
    assert own["items"] == csv["items"] == 6032
    assert own["default"] == pytest.approx(csv["default"], abs=1e-6)
    assert own["fitted"] == pytest.approx(csv["fitted"], abs=1e-6)
    everything = json.loads(cli("optimize", "--json").output)
    assert everything["reviews"] == 12581
    missing = cli("optimize", "--deck", "nope")
    assert missing.exit_code == 2
    assert "no reviews of deck 'nope'" in missing.stderr and "'josh'" in missing.stderr


def test_save_stores_checked_parameters_used_by_calibration(cli, calcquiz_home, tmp_path):
    # The first 11,000 reviews: there the fit wins on the plain held-out log loss, the
    # measure --save goes by (on the whole log it does not, and nothing is saved).
    lines = REVLOG_CSV.read_text().splitlines(keepends=True)
    path = tmp_path / "first.csv"
    path.write_text("".join(lines[:11001]))
    before = json.loads(cli("stats", "--calibration", "--revlog", str(path), "--json").output)
    assert before["parameters"] == "default"
    result = cli("optimize", "--revlog", str(path), "--save", "--json")
    report = json.loads(result.output)
    assert report["plain_log_loss"]["fitted"] < report["plain_log_loss"]["default"]
    assert report["saved"] == str(calcquiz_home / "config.toml")
    assert config.saved_parameters() == tuple(report["parameters"])
    import fsrs

    from calcquiz.scheduler import make_scheduler

    assert tuple(make_scheduler().parameters) == tuple(report["parameters"])  # study uses them
    shown = cli("config", "get", "parameters")
    assert shown.exit_code == 0 and f"{report['parameters'][0]:.4f}".rstrip("0") in shown.stdout
    cal = json.loads(cli("stats", "--calibration", "--revlog", str(path), "--json").output)
    assert cal["parameters"] == "saved"
    # fitted on every item, so in-sample: better than the defaults on these items
    assert cal["log_loss"] < before["log_loss"]
    assert cli("config", "unset", "parameters").exit_code == 0
    assert config.saved_parameters() is None
    assert tuple(make_scheduler().parameters) == tuple(fsrs.scheduler.DEFAULT_PARAMETERS)


def test_optimize_on_the_whole_log_saves_nothing_the_plain_loss_does_not_favour(
        cli, calcquiz_home):
    report = json.loads(cli("optimize", "--revlog", str(REVLOG_CSV), "--save", "--json").output)
    assert report["saved"] is None and config.saved_parameters() is None
    assert report["plain_log_loss"]["fitted"] > report["plain_log_loss"]["default"]
    assert any("Nothing saved" in line for line in report["notes"])


def test_saved_parameters_are_checked_when_read(cli, calcquiz_home):
    (calcquiz_home / "config.toml").write_text("parameters = [1.0, 2.0, 3.0]\n")
    result = cli("stats", "--calibration", "--revlog", str(REVLOG_CSV))
    assert result.exit_code == 2
    assert "parameters" in result.stderr and result.stderr.count("\n") == 1
    import fsrs

    outside = [*fsrs.scheduler.DEFAULT_PARAMETERS[:20], 0.9]  # finite, but w20 <= 0.8
    (calcquiz_home / "config.toml").write_text(f"parameters = {outside}\n")
    for args in (["stats", "--calibration"], ["simulate", "--days", "10"]):
        result = cli(*args, "--revlog", str(REVLOG_CSV))
        assert result.exit_code == 2
        assert "w20 = 0.9 is outside FSRS-6's range 0.1-0.8" in result.stderr


def test_parameter_bounds():
    import fsrs

    defaults = list(fsrs.scheduler.DEFAULT_PARAMETERS)
    assert params.check(defaults) == tuple(defaults)
    with pytest.raises(Exception, match="21 numbers"):
        params.check(defaults[:20])
    with pytest.raises(Exception, match="w3 = nan"):
        params.check(defaults[:3] + [float("nan")] + defaults[4:])
    with pytest.raises(Exception, match="w20 = 0.9 is outside"):
        params.check(defaults[:20] + [0.9])
    with pytest.raises(Exception, match="w7 = True"):
        params.check(defaults[:7] + [True] + defaults[8:])


def test_simulate_json_on_the_shared_log(cli):
    result = cli("simulate", "--revlog", str(REVLOG_CSV), "--days", "90", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"days", "rows", "recommended_retention", "basis", "history"}
    assert report["days"] == 90
    assert [r["retention"] for r in report["rows"]] == [0.8, 0.85, 0.9, 0.95]
    for row in report["rows"]:
        assert set(row) == {"retention", "reviews_per_day", "minutes_per_day", "remembered"}
        assert 0 < row["remembered"] <= 1205 and row["minutes_per_day"] > 0
    assert 0.70 <= report["recommended_retention"] <= 0.97
    table = cli("simulate", "--revlog", str(REVLOG_CSV), "--days", "90")
    out = " ".join(table.output.split())
    assert "calcquiz config set retention" in out and "0.95" in out


def test_simulator_setup_comes_from_the_log_and_limits_hold():
    events = history.read_csv(REVLOG_CSV)
    s = workload.setup(events, 1205, new_per_day=15, review_limit=30)
    # independently: each card's first rating, and review-state Good answer times
    cards: dict[str, list[tuple[datetime, int, int]]] = {}
    for e in events:
        cards.setdefault(e.card, []).append((datetime.fromtimestamp(e.when), e.rating, e.day))
    firsts = [sorted(c)[0][1] for c in cards.values()]
    assert s.first_rating_prob[0] == pytest.approx(firsts.count(1) / len(firsts))
    good = []
    by_time = {(e.card, e.when): e.duration_ms for e in events}
    for card, reviews in cards.items():
        reviews.sort()
        for prev, cur in zip(reviews, reviews[1:], strict=False):
            if cur[2] > prev[2] and cur[1] == 3:
                good.append(by_time[(card, cur[0].timestamp())] / 1000)
    assert s.costs[1][2] == pytest.approx(statistics.median(good))
    rows = workload.simulate(s, list(fr.DEFAULT_PARAMETERS), 60, [0.9])
    direct = fr.simulate(list(fr.DEFAULT_PARAMETERS), 0.9, workload.config(s, 60), 42)
    assert rows[0].reviews_by_day == tuple(direct.review_cnt_per_day)
    assert max(rows[0].reviews_by_day) <= 30
    assert max(direct.learn_cnt_per_day) <= 15


def test_simulate_on_own_history_and_bad_options(cli):
    result = cli("simulate", "--days", "30", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["days"] == 30
    for args in (["--retention", "0.5"], ["--retention", "x"], ["--days", "0"]):
        bad = cli("simulate", *args)
        assert bad.exit_code == 2 and bad.stderr.startswith("Error: ")


def test_fsrs_rs_and_plotille_stay_off_the_start_up_path():
    imported, _ = imports_after("import calcquiz.cli\n", ("fsrs_rs_python", "plotille"))
    assert imported == []


def test_days_follow_the_zone_written_in_the_file_and_resets(tmp_path):
    path = tmp_path / "zones.csv"
    path.write_text(
        HEADER.strip() + ",review_state\n"
        "a,3,2024-03-29T23:30:00-05:00,1000,0\n"  # the 29th where it was made (UTC: 30th)
        "a,3,2024-03-30T08:00:00-05:00,1000,2\n"  # the next day: one item, interval 1
        "a,1,2024-03-30T09:00:00-05:00,1000,4\n"  # manual entry: not a recall, skipped
        "b,3,2024-03-01T10:00:00+00:00,1000,0\n"
        "b,3,2024-03-05T10:00:00+00:00,1000,2\n"
        "b,2,2024-03-20T10:00:00+00:00,1000,0\n"  # reset to new: b's history restarts
        "b,3,2024-03-22T10:00:00+00:00,1000,1\n"
    )
    events = history.read_csv(path)
    assert len(events) == 6
    items = history.build_items(events)
    assert [(i.card, i.reviews) for i in items] == [
        ("b", ((2, 0), (3, 2))),
        ("a", ((3, 0), (3, 1))),
    ]


def test_optimize_deck_given_as_its_yaml_file(cli, utc):
    from calcquiz.content import load_deck
    from calcquiz.store import open_store

    from .helpers import BUNDLED_DECK

    name = load_deck(BUNDLED_DECK).name
    with open_store() as store:
        store.import_history(
            [],
            [(name, "derivative", 3, 1.7e9 + 86400 * k, 1000, 0, 0) for k in (0, 1, 3)]
            + [("other", "x", 3, 1.7e9, 1000, 0, 0)],
        )
    result = cli("optimize", "--deck", str(BUNDLED_DECK), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["reviews"], report["items"]) == (3, 2)
    missing = cli("optimize", "--deck", "Day 9")
    assert missing.exit_code == 2
    assert f"'{name}'" in missing.stderr and "'other'" in missing.stderr


def test_own_log_counts_the_learners_days(utc):
    """With days starting at 4 a.m., 23:00 and 02:00 the next night are one day."""
    from calcquiz.dates import Calendar
    from calcquiz.store import open_store

    evening = datetime(2024, 5, 1, 23, 0).timestamp()
    with open_store() as store:
        store.import_history(
            [],
            [
                ("d", "c", 3, evening, 1000, 0, 0),
                ("d", "c", 1, evening + 3 * 3600, 1000, 0, 0),  # 02:00: same learner's day
                ("d", "c", 3, evening + 9 * 3600, 1000, 0, 0),  # 08:00: the next day
            ],
        )
        four = history.build_items(history.from_store(store, "d", Calendar(4)))
        midnight = history.build_items(history.from_store(store, "d", Calendar(0)))
    assert [i.reviews for i in four] == [((3, 0), (1, 0), (3, 1))]
    assert [i.reviews for i in midnight] == [((3, 0), (1, 1))]  # 08:00 is 02:00's day


def test_simulate_from_a_tiny_history_says_how_little_it_rests_on(cli, tmp_path, calcquiz_home):
    path = tmp_path / "one.csv"
    path.write_text(HEADER + GOOD + "1,3,2024-04-02T20:32:32+00:00,2500\n")
    result = cli("simulate", "--revlog", str(path), "--days", "30", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    # The file: 2 reviews of 1 card, 1 first answer, 1 passed review (counted by hand).
    assert report["history"] == {"reviews": 2, "cards": 1, "parameters": "default"}
    assert "2 reviews of 1 card" in report["basis"]
    assert "only 1 of your answers" in report["basis"] and "little to go on" in report["basis"]
    table = cli("simulate", "--revlog", str(path), "--days", "30")
    assert "little to go on" in " ".join(table.output.split())
