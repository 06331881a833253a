"""Drills without a terminal: grading rules, the DrillSession state machine, the CLI."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calcquiz.drills import Exercise, format_answer, grade, new_exercise
from calcquiz.drills.exercise import known
from calcquiz.drills.grading import answer_text
from calcquiz.drills.session import DrillSession, Event, Status
from calcquiz.store import open_store

from .helpers import Clock, imports_after


def fixed(answer, kind="number", choices=(), data=None) -> Exercise:
    return Exercise("t", "p", data or {}, "h", known(answer, "step"), kind, choices)


HALF = fixed(0.5)

# ---------------------------------------------------------------- grading


@pytest.mark.parametrize("typed", ["0.5", "1/2", ".5", " 0.5 ", "sin(pi/6)", "0.5004", "5e-1"])
def test_equivalent_forms_are_accepted(typed):
    assert grade(HALF, typed).correct


@pytest.mark.parametrize("typed", ["0.51", "-0.5", "2", "0.4994"])
def test_wrong_numbers_are_rejected(typed):
    result = grade(HALF, typed)
    assert not result.correct and result.message == ""


@pytest.mark.parametrize(
    ("expected", "typed", "right"),
    [
        (-0.172795, "-0.173", True),  # the README's two examples
        (1.10364, "1.1", True),
        (1.10364, "1.10", True),
        (-0.172795, "-0.172", False),  # 0.0008 off: more than half a unit in the 3rd figure
        (1.10364, "1.11", False),
        (4 / 3, "4/3", True),  # exact forms
        (4 / 3, "1.33", True),
        (4 / 3, "1.3", False),
        (math.sqrt(2) / 2, "sqrt(2)/2", True),
        (0.9996, "1.00", True),  # rounding carries into a new digit
        (1563.0, "1560", True),
        (1563.0, "1570", False),
        (0.00516075, "0.00516", True),
        (0.00516075, "0.0052", False),
    ],
)
def test_three_significant_figures(expected, typed, right):
    assert grade(fixed(expected), typed).correct is right


@given(st.floats(min_value=1e-6, max_value=1e6), st.booleans())
def test_the_answer_rounded_to_3_figures_is_always_right(value, negative):
    expected = -value if negative else value
    assert grade(fixed(expected), format(expected, ".3g")).correct  # Python's rounding
    assert grade(fixed(expected), format(expected, ".10g")).correct
    assert not grade(fixed(expected), repr(expected * 1.011)).correct  # 1.1% off, >= 1 unit


def test_near_zero_uses_an_absolute_tolerance():
    zero = fixed(0.0)
    assert grade(zero, "0").correct and grade(zero, "1e-10").correct
    assert not grade(zero, "1e-4").correct
    assert grade(fixed(4e-17), "0").correct  # round-off in the expected value


def test_unreadable_and_misshapen_answers_get_a_message():
    assert "could not read" in grade(HALF, "__import__('os')").message
    assert grade(HALF, "[1, 2]").message.startswith("expected a number")
    vec = fixed([2.0, 6.0], "vector")
    assert grade(vec, "2, 6").correct and grade(vec, "[2, 6]").correct
    assert grade(vec, "[2.004, 5.996]").correct and not grade(vec, "[2, 5.99]").correct
    assert not grade(vec, "[6, 2]").correct
    assert grade(vec, "[[2, 6]]").message
    mat = fixed([[2.0, 1.0], [1.0, 0.0]], "matrix")
    assert grade(mat, "[[2, 1], [1, 0]]").correct
    assert not grade(mat, "[[2, 1], [1, 1]]").correct


def test_counts_are_exact():
    count = fixed(32, "count")
    assert grade(count, "32").correct
    assert not grade(count, "32.4").correct and not grade(count, "31").correct


def test_choice_answers_by_word_or_unique_prefix():
    ex = fixed("saddle", "choice", ("minimum", "maximum", "saddle"))
    assert grade(ex, "Saddle").correct and grade(ex, "sad").correct
    assert not grade(ex, "minimum").correct
    assert grade(ex, "m").message  # minimum or maximum: ask again
    assert grade(ex, "banana").message
    yes_no = fixed("no", "choice", ("yes", "no"))
    assert grade(yes_no, "n").correct and not grade(yes_no, "y").correct


def test_any_direction_of_negative_curvature_is_right():
    ex = fixed([0.0, 1.0], "direction", data={"hessian": [[2.0, 0.0], [0.0, -4.0]]})
    assert grade(ex, "[0, 1]").correct and grade(ex, "[0, -7]").correct
    assert grade(ex, "[1, 1]").correct  # 2 - 4 < 0
    assert not grade(ex, "[1, 0]").correct and not grade(ex, "[3, 1]").correct  # 18 - 4 > 0
    assert grade(ex, "[0, 0]").message and grade(ex, "5").message


def test_every_prompt_states_the_precision_it_grades():
    for topic in ("derivative", "gradient", "jacobian", "minibatch", "saddle", "convexity"):
        for seed in range(20):
            ex = new_exercise(topic, seed)
            fmt = ex.answer_format
            assert (
                "3 significant figures" in fmt
                or "exactly" in fmt
                or fmt.startswith("one of")
                or "any direction" in fmt
            ), fmt
    assert "(to 3 significant figures: -0.173)" in answer_text(fixed(-0.172795))
    assert answer_text(fixed(0.5)) == "0.5"


# ---------------------------------------------------------------- the session, no terminal


def test_session_hint_retry_answer_skip_and_log(tmp_path: Path):
    exercises = [new_exercise("gradient", s) for s in (1, 2, 3)]
    clock = Clock()
    with open_store(tmp_path / "d.db") as store:
        session = DrillSession(exercises, store, clock)
        session.shown()
        clock.advance(4.5)
        assert session.handle("?") == session.handle("?").__class__(Event.HINT, exercises[0].hint)
        assert session.handle("").event is Event.IGNORED
        retry = session.handle("[1, 2, 3]")
        assert retry.event is Event.RETRY and "expected a vector" in retry.text
        done = session.handle(format_answer(exercises[0].answer))
        assert done.event is Event.DONE and done.attempt is not None
        assert done.attempt.status is Status.CORRECT and done.attempt.hinted
        assert done.attempt.duration_ms == 4500
        assert session.position == (2, 3)
        session.shown()
        clock.advance(2)
        skipped = session.handle("s").attempt
        assert skipped is not None and skipped.status is Status.SKIPPED and not skipped.hinted
        session.shown()
        wrong = session.handle("[1000, 1000]").attempt
        assert wrong is not None and wrong.status is Status.WRONG
        assert session.current is None
        summary = session.summary()
        assert (summary.correct, summary.wrong, summary.skipped, summary.attempted) == (1, 1, 1, 2)
        assert store.drill_accuracy() == {"gradient": (1, 2, 1)}
        rows = store.conn.execute(
            "SELECT id, given, correct, duration_ms FROM drill_log ORDER BY id"
        ).fetchall()
    assert [tuple(r)[1:] for r in rows] == [
        (format_answer(exercises[0].answer), 1, 4500),
        (None, 0, 2000),  # a skip: no answer given
        ("[1000, 1000]", 0, 0),
    ]
    assert [a.log_id for a in session.attempts] == [r[0] for r in rows]


def test_session_quit_and_end_of_input():
    session = DrillSession([new_exercise("newton", 1), new_exercise("newton", 2)])
    assert session.handle(None).event is Event.QUIT
    assert session.current is None and session.summary().attempted == 0
    with pytest.raises(RuntimeError):
        session.handle("1")


def test_one_exercise_api_for_a_study_session():
    """What study --exercises needs: a fresh exercise per card, graded and logged."""
    from calcquiz.demos import DEMO_NAMES
    from calcquiz.drills import has_generator

    assert all(has_generator(d) for d in DEMO_NAMES) and not has_generator(None)
    ex = new_exercise("chain-rule", 12)
    session = DrillSession([ex])
    attempt = session.handle(format_answer(ex.answer)).attempt
    assert attempt is not None and attempt.status is Status.CORRECT and session.current is None


def test_the_first_prompt_needs_neither_sympy_nor_numpy():
    """Drill start-up: generators build their prompts before the heavy imports. (Not
    local-minima: its question, a start and a step that end in a fair basin, comes from a
    run of the numeric core, which is numpy.)"""
    code = (
        "import calcquiz.drills as d, calcquiz.drills.session\n"
        "for t in d.TOPICS:\n"
        "    if t == 'local-minima': continue\n"
        "    for s in range(30):\n"
        "        e = d.new_exercise(t, s); e.prompt, e.answer_format\n"
        "print('prompts made')\n"
    )
    imported, out = imports_after(code, ("sympy", "numpy", "scipy"))
    assert "prompts made" in out and imported == []


# ---------------------------------------------------------------- the command


def test_json_lists_exercises_with_answers_data_and_solutions(cli):
    result = cli("drill", "momentum", "--count", "3", "--seed", "5", "--json")
    assert result.exit_code == 0
    items = json.loads(result.stdout)
    assert [i["topic"] for i in items] == ["momentum"] * 3
    for item in items:
        assert set(item) == {"topic", "prompt", "answer_format", "answer", "data", "solution"}
        assert {"f", "start", "lr", "momentum"} <= set(item["data"])
        assert "3 significant figures" in item["answer_format"]


@pytest.mark.parametrize(
    "topic", ["convexity", "minibatch", "local-minima", "saddle", "constrained"]
)
def test_new_topics_from_the_command_line(cli, topic):
    (item,) = json.loads(cli("drill", topic, "-n", "1", "--seed", "3", "--json").stdout)
    typed = (
        "[" + ", ".join(str(v) for v in item["answer"]) + "]"
        if isinstance(item["answer"], list)
        else str(item["answer"])
    )
    result = cli("drill", topic, "-n", "1", "--seed", "3", input=typed + "\n")
    assert result.exit_code == 0 and "✓ Correct" in result.stdout, result.stdout


def test_same_seed_same_exercises_with_or_without_json(cli):
    items = json.loads(cli("drill", "--count", "6", "--seed", "11", "--json").stdout)
    answers = "".join(format_answer(i["answer"]) + "\n" for i in items)
    result = cli("drill", "--count", "6", "--seed", "11", input=answers)
    assert result.exit_code == 0
    for item in items:
        assert item["prompt"][:40] in result.stdout
    assert result.stdout.count("✓ Correct") == 6
    assert "Drill: 6/6 right" in result.stdout


def test_three_figures_accepted_and_worked_solution_after_a_right_answer(cli):
    (item,) = json.loads(cli("drill", "newton", "-n", "1", "--seed", "2", "--json").stdout)
    three = format(item["answer"], ".3g")
    result = cli("drill", "newton", "-n", "1", "--seed", "2", input=f"{three}\n")
    assert "✓ Correct" in result.stdout
    assert "f''(x) =" in result.stdout and "x₁ = x₀ - f'/f''" in result.stdout  # short form
    assert "Worked solution" not in result.stdout


def test_wrong_answer_shows_answer_and_worked_solution(cli, calcquiz_home: Path):
    (item,) = json.loads(cli("drill", "newton", "-n", "1", "--seed", "2", "--json").stdout)
    result = cli("drill", "newton", "-n", "1", "--seed", "2", input="12345\n")
    assert "✗ Not quite" in result.stdout and "Worked solution" in result.stdout
    assert f"Answer: {format_answer(item['answer'])}" in result.stdout
    assert "f'(x) =" in result.stdout and "f''(x) =" in result.stdout
    assert "x₁ = x₀ - f'/f''" in result.stdout
    conn = sqlite3.connect(calcquiz_home / "calcquiz.db")
    rows = conn.execute("SELECT topic, given, correct FROM drill_log").fetchall()
    conn.close()
    assert rows == [("newton", "12345", 0)]


def test_jacobian_solution_lists_each_partial(cli):
    result = cli("drill", "jacobian", "-n", "1", "--seed", "4", input="s\n")
    for name in ("∂F1/∂x", "∂F1/∂y", "∂F2/∂x", "∂F2/∂y"):
        assert name in result.stdout


def test_hint_skip_quit_and_stats_count_skips_apart(cli, calcquiz_home: Path):
    items = json.loads(cli("drill", "gradient", "-n", "3", "--seed", "1", "--json").stdout)
    typed = f"?\n{format_answer(items[0]['answer'])}\ns\nq\n"
    result = cli("drill", "gradient", "-n", "3", "--seed", "1", input=typed)
    assert result.exit_code == 0
    assert "Hint: The gradient is the vector of partial derivatives" in result.stdout
    assert "Skipped." in result.stdout and "Worked solution" in result.stdout
    assert "Drill 3/3" in result.stdout and "Drill: 1/1 right, 1 skipped" in result.stdout
    stats = json.loads(cli("stats", "--json").stdout)
    assert stats["drill_accuracy"] == {
        "gradient": {"correct": 1, "attempted": 1, "skipped": 1, "accuracy": 1.0}
    }
    assert "1 skipped" in cli("stats").stdout


def test_unknown_topic_and_bad_count_exit_2(cli):
    result = cli("drill", "momentun")
    assert result.exit_code == 2 and "did you mean 'momentum'" in result.stderr
    assert cli("drill", "--count", "0").exit_code == 2


def test_hostile_answer_is_refused_and_nothing_runs(cli, tmp_path: Path):
    marker = tmp_path / "pwned"
    result = cli(
        "drill",
        "derivative",
        "-n",
        "1",
        "--seed",
        "1",
        input=f"__import__('os').system('touch {marker}')\nq\n",
    )
    assert result.exit_code == 0
    assert "could not read that answer" in result.stdout
    assert not marker.exists()


def test_mixed_drills_favour_the_weakest_cards():
    from calcquiz.drills import TOPICS, DrillPlan, weights_from_retrievability

    recall = {t: 0.99 for t in TOPICS} | {"hessian": 0.1}
    plan = DrillPlan(count=300, seed=3, weights=weights_from_retrievability(recall))
    topics = [e.topic for e in plan.exercises()]
    assert topics.count("hessian") > 3 * max(topics.count(t) for t in TOPICS if t != "hessian")


def test_stats_and_list_show_recall_beside_recent_exercise_accuracy(cli):
    items = json.loads(cli("drill", "derivative", "-n", "7", "--seed", "8", "--json").stdout)
    # oldest first: 3 wrong, then 3 right, then a skip; the last 5 attempts are 2 wrong, 3 right
    typed = ["99999"] * 3 + [format_answer(i["answer"]) for i in items[3:6]] + ["s"]
    cli("drill", "derivative", "-n", "7", "--seed", "8", input="\n".join(typed) + "\n")
    cli("study", input="\n3\nq\n")  # rate card 1 (derivative) Good
    stats = json.loads(cli("stats", "--json").stdout)
    assert stats["exercise_window"] == 5
    rows = {r["card"]: r for r in stats["recall_vs_exercises"]}
    assert set(rows) == {"derivative"}  # only drilled topics' cards
    first = rows["derivative"]
    assert first["exercise_accuracy"] == {"right": 3, "of": 5, "accuracy": 0.6}
    assert 0.9 < first["retrievability"] <= 1.0
    text = cli("stats").stdout
    assert "Recall vs exercises" in text and "solved 3 of 5" in text
    listed = json.loads(cli("list", "--json").stdout)
    assert listed[0]["exercise_accuracy"] == first["exercise_accuracy"]
    assert listed[0]["retrievability"] == pytest.approx(first["retrievability"], rel=1e-3)
    assert "3/5" in cli("list").stdout
