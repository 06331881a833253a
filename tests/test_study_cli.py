"""`calcquiz study`, `stats` and `reset` through the real CLI, with piped input and signals."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from calcquiz.scheduler import format_interval

from .helpers import CLI, Session, reviews

pytestmark = pytest.mark.slow  # every test runs calcquiz in its own process


def run(*args: str, input: str = "", env: dict | None = None, cwd: Path | None = None):
    return subprocess.run(
        [*CLI, *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def test_piped_session_records_ratings_and_prints_a_summary(calcquiz_home: Path):
    result = run("study", input="\n3\n\n1\n \n4\nq\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "What is a Derivative?" in out and "What is a Partial Derivative?" in out
    assert "Reviewed: 3 ratings of 3 cards" in out
    assert "Again 1, Hard 0, Good 1, Easy 1" in out
    assert [r[:2] for r in reviews(calcquiz_home)] == [
        ("derivative", 3),
        ("partial-derivative", 1),
        ("gradient", 4),
    ]


def test_rating_bar_shows_the_interval_that_is_applied(calcquiz_home: Path):
    result = run("study", "--new", "1", input="\n4\n")
    bar = re.search(r"1 Again (\S+) · 2 Hard (\S+) · 3 Good (\S+) · 4 Easy (\S+)", result.stdout)
    assert bar, result.stdout
    conn = sqlite3.connect(calcquiz_home / "calcquiz.db")
    due, last = conn.execute("SELECT due, last_review FROM card_state").fetchone()
    conn.close()
    assert format_interval(due - last) == bar.group(4)


def test_end_of_input_saves_and_exits_0(calcquiz_home: Path):
    result = run("study", input="\n3\n\n")
    assert result.returncode == 0
    assert "Reviewed: 1 rating of 1 card" in result.stdout
    assert len(reviews(calcquiz_home)) == 1


def test_unknown_keys_get_a_hint_not_a_crash(calcquiz_home: Path):
    result = run("study", input="x\n\n9\nz\n3\nq\n")
    assert result.returncode == 0, result.stderr
    assert "Press Space or Enter to see the answer" in result.stdout
    assert "Press 1-4 to rate" in result.stdout
    assert len(reviews(calcquiz_home)) == 1


def test_undo_key(calcquiz_home: Path):
    result = run("study", input="\n3\nu\n\n2\nq\n")
    assert "Undid Good on card 1." in result.stdout
    assert [r[:2] for r in reviews(calcquiz_home)] == [("derivative", 2)]


def test_demo_key_returns_to_the_card(calcquiz_home: Path):
    result = run("study", "--new", "1", input="d\n\n\n3\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("What is a Derivative?") >= 2
    assert len(reviews(calcquiz_home)) == 1


def test_tag_filter_and_cram(calcquiz_home: Path):
    result = run("study", "--tag", "hessian", "--cram", input="\n3\n\n3\n\n3\n")
    assert result.returncode == 0
    assert "(cram)" in result.stdout
    ids = sorted(r[0] for r in reviews(calcquiz_home))
    assert ids == ["hessian", "newtons-method", "saddle-point"]
    conn = sqlite3.connect(calcquiz_home / "calcquiz.db")
    assert conn.execute("SELECT COUNT(*) FROM card_state").fetchone()[0] == 0
    conn.close()


def test_unknown_tag_is_bad_input(calcquiz_home: Path):
    result = run("study", "--tag", "nope")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: no card has the tag 'nope'")


@pytest.mark.parametrize("args", [["--retention", "1.2"], ["--new", "-1"], ["--limit", "0"]])
def test_bad_options_exit_2(args):
    result = run("study", *args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_only_learning_cards_left_offers_to_wait(calcquiz_home: Path):
    assert run("config", "set", "learn_ahead_minutes", "0").returncode == 0
    result = run("study", "--new", "1", input="\n1\nq\n")
    assert "Only cards in learning remain; the next shows in 1m" in result.stdout
    assert "w wait for it" in result.stdout


def test_corrupt_database_is_a_clean_error_and_left_alone(calcquiz_home: Path):
    db = calcquiz_home / "calcquiz.db"
    db.write_bytes(b"not a database at all" * 10)
    before = db.read_bytes()
    result = run("study", input="\n3\n")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and str(db) in result.stderr
    assert "Traceback" not in result.stderr
    assert db.read_bytes() == before


def test_ctrl_c_prints_summary_and_exits_130(calcquiz_home: Path):
    s = Session()
    s.wait_for(Session.PROMPT, 1)
    s.send("\n3\n")
    s.wait_for(Session.PROMPT, 2)
    s.proc.send_signal(signal.SIGINT)
    assert s.proc.wait(timeout=20) == 130
    s.reader.join(timeout=5)
    assert "Session interrupted" in s.text()
    assert "Reviewed: 1 rating of 1 card" in s.text()
    assert len(reviews(calcquiz_home)) == 1


def test_stats_json_counts(calcquiz_home: Path):
    run("study", input="\n3\n\n1\n\n4\nq\n")
    result = run("stats", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["reviews_today"] == 3 and data["reviews_total"] == 3
    assert data["cards_by_state"]["new"] == 17
    assert sum(data["cards_by_state"].values()) == 20
    assert len(data["forecast"]) == 14 and len(data["heatmap"]) == 84
    assert data["heatmap"][-1]["reviews"] == 3
    assert sum(d["due"] for d in data["forecast"]) == 3
    assert data["true_retention"] is None  # no card was in review state yet


def test_stats_table(calcquiz_home: Path):
    run("study", input="\n3\nq\n")
    result = run("stats")
    assert result.returncode == 0
    assert "Reviews today   1" in result.stdout
    assert "Due in the next 14 days" in result.stdout
    assert "Reviews, last 12 weeks" in result.stdout


def test_list_shows_progress(calcquiz_home: Path):
    run("study", input="\n4\nq\n")
    data = json.loads(run("list", "--json").stdout)
    assert data[0]["state"] == "review" and data[0]["stability"] > 1
    assert 0.99 <= data[0]["retrievability"] <= 1.0
    assert data[1]["state"] == "new" and data[1]["due"] is None


def test_list_without_a_database_creates_none(calcquiz_home: Path):
    assert run("list").returncode == 0
    assert not (calcquiz_home / "calcquiz.db").exists()


def test_reset_asks_first(calcquiz_home: Path):
    run("study", input="\n3\nq\n")
    kept = run("reset", input="n\n")
    assert kept.returncode == 0 and len(reviews(calcquiz_home)) == 1
    assert "Kept everything." in kept.stdout
    done = run("reset", "--yes")
    assert done.returncode == 0 and "forgot 1 card states and 1 reviews" in done.stdout
    assert reviews(calcquiz_home) == []


def test_unwritable_data_folder_is_a_clean_error(tmp_path: Path):
    # /proc refuses new folders even for root, so this works where chmod cannot.
    result = run("study", env={"CALCQUIZ_HOME": "/proc/calcquiz-test/home"}, input="q\n")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: cannot create the data folder /proc/calcquiz-test")
    assert result.stderr.count("\n") == 1


def test_nothing_due_is_a_headline_in_words(calcquiz_home: Path):
    run("config", "set", "new_per_day", "2")
    assert run("study", input="\n4\n\n4\n").returncode == 0
    result = run("study", input="")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    from datetime import datetime, timedelta

    conn = sqlite3.connect(calcquiz_home / "calcquiz.db")
    dues = [row[0] for row in conn.execute("SELECT due FROM card_state")]
    conn.close()
    day = [(datetime.fromtimestamp(d) - timedelta(hours=4)).date() for d in dues]  # 4 a.m. days
    first = min(day)
    n = day.count(first)
    # Reviews are due on their day: they can be studied from its start (4 a.m.), whatever
    # their due time, and the headline says so.
    found = re.fullmatch(
        r"Nothing due\. Next review: (tomorrow 04:00|\w{3} 04:00|\d{4}-\d\d-\d\d), when the "
        rf"day starts \({n} cards?\)\.",
        lines[-2],
    )
    assert found, lines
    if re.fullmatch(r"\d{4}-\d\d-\d\d", found[1]):
        assert found[1] == first.isoformat()
    assert lines[-1] == (
        "New-card limit reached: 2 new cards today. 5 more today: calcquiz study --new 7"
    )
    assert "Session summary" not in result.stdout  # no box of zeros
    more = run("study", "--new", "3", input="q\n")
    assert "Card 3 · gradient" in more.stdout  # the suggested override works


def test_summary_counts_ratings_of_cards(calcquiz_home: Path):
    # Cramming: Again shows the card once more at the end, so 4 ratings of 3 cards.
    result = run("study", "--cram", "--tag", "hessian", input="\n1\n\n3\n\n3\n\n3\n")
    assert "Reviewed: 4 ratings of 3 cards (cram)" in result.stdout, result.stdout


def test_the_wait_screen_accepts_undo(calcquiz_home: Path):
    assert run("config", "set", "learn_ahead_minutes", "0").returncode == 0
    result = run("study", "--new", "1", input="\n1\nu\n")
    assert "w wait for it · u undo · q stop here" in result.stdout
    assert re.search(r"shows in 1m at \d\d:\d\d:\d\d\.", result.stdout)
    assert "Undid Again on card 1." in result.stdout
    assert reviews(calcquiz_home) == []


def test_a_learning_card_due_within_the_learn_ahead_limit_is_shown_at_once(calcquiz_home: Path):
    # Again (1m), shown again at once; Good (10m), again at once; Good: graduated.
    result = run("study", "--new", "1", input="\n1\n\n3\n\n3\n")
    assert result.returncode == 0, result.stderr
    assert "Only cards in learning remain" not in result.stdout
    assert [r[1] for r in reviews(calcquiz_home)] == [1, 3, 3]
    assert "Reviewed: 3 ratings of 1 card" in result.stdout


def test_beyond_the_learn_ahead_limit_the_wait_says_when_and_why(calcquiz_home: Path):
    assert run("config", "set", "learn_ahead_minutes", "5").returncode == 0
    result = run("study", "--new", "1", input="\n1\n\n3\nq\n")  # Again 1m, then Good 10m
    assert [r[1] for r in reviews(calcquiz_home)] == [1, 3]
    assert re.search(
        r"the next shows in 5m at \d\d:\d\d:\d\d \(due \d\d:\d\d:\d\d, learn-ahead 5m\)\.",
        result.stdout,
    ), result.stdout


def test_the_session_says_when_a_card_becomes_a_leech(calcquiz_home: Path):
    import time

    from calcquiz.store import REVIEW, CardState, open_store

    now = time.time()
    with open_store(calcquiz_home / "calcquiz.db") as store:
        store.import_history(
            [CardState("Calculus & Optimization", "derivative", REVIEW, None, 4.0, 7.0,
                       now - 60, now - 5 * 86400, 20, 7)],
            [],
        )
    result = run("study", "--new", "0", input="\n1\n")
    assert result.returncode == 0, result.stderr
    assert "Card 1 is a leech (8 lapses): suspended; calcquiz unsuspend derivative" in result.stdout
    assert "New leeches: 1" in result.stdout
    listed = json.loads(run("list", "--json", "--state", "leech").stdout)
    assert [(r["id"], r["suspended"], r["leech"]) for r in listed] == [("derivative", True, True)]


def test_a_lower_new_limit_for_one_run_says_how_many_are_left_today(calcquiz_home: Path):
    assert run("study", "--new", "2", input="\n4\n\n4\n").returncode == 0
    result = run("study", "--new", "2", input="")
    assert result.stdout.strip().splitlines()[-1] == "18 new cards left today: calcquiz study"
