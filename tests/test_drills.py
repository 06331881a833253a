"""Drills: every generator's answer checked by an independent route, grading, and the CLI."""

from __future__ import annotations

import json
import math
import random
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from calcquiz.drills import GENERATORS, TOPICS, Exercise, format_answer, grade

X, Y = sp.symbols("x y")
SEEDS = range(60)


def sym(text: str) -> sp.Expr:
    """Our own generated function text, read by sympy (test code: trusted input)."""
    sigmoid = sp.Lambda(sp.Symbol("t"), 1 / (1 + sp.exp(-sp.Symbol("t"))))
    return sp.sympify(text.replace("^", "**"), locals={"x": X, "y": Y, "sigmoid": sigmoid})


def at(expr: sp.Expr, point: list[float]) -> float:
    return float(expr.subs({X: point[0], **({Y: point[1]} if len(point) > 1 else {})}).evalf())


def close(a, b) -> bool:
    return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-9, atol=1e-9)


def make(topic: str, seed: int) -> Exercise:
    return GENERATORS[topic](random.Random(seed))


@pytest.mark.parametrize("topic", ["derivative", "chain-rule", "activations"])
def test_single_variable_derivatives_match_sympy(topic):
    for seed in SEEDS:
        ex = make(topic, seed)
        expected = at(sp.diff(sym(ex.data["f"]), X), ex.data["at"])
        assert close(ex.answer, expected), (seed, ex.prompt)


def test_partial_matches_sympy():
    for seed in SEEDS:
        ex = make("partial", seed)
        var = X if ex.data["variable"] == "x" else Y
        assert close(ex.answer, at(sp.diff(sym(ex.data["f"]), var), ex.data["at"])), seed


def test_gradient_matches_finite_differences():
    for seed in SEEDS:
        ex = make("gradient", seed)
        f = sp.lambdify((X, Y), sym(ex.data["f"]))
        x0, y0 = ex.data["at"]
        h = 1e-6
        fd = [(f(x0 + h, y0) - f(x0 - h, y0)) / (2 * h), (f(x0, y0 + h) - f(x0, y0 - h)) / (2 * h)]
        assert np.allclose(ex.answer, fd, atol=1e-5), seed


def test_gradient_descent_step():
    for seed in SEEDS:
        ex = make("gradient-descent", seed)
        f = sym(ex.data["f"])
        p = ex.data["start"]
        g = [at(sp.diff(f, v), p) for v in (X, Y)]
        assert close(ex.answer, [p[0] - ex.data["lr"] * g[0], p[1] - ex.data["lr"] * g[1]]), seed


def test_learning_rate_limit_is_two_over_the_largest_curvature():
    for seed in SEEDS:
        ex = make("learning-rate", seed)
        hessian = np.array(sp.hessian(sym(ex.data["f"]), (X, Y)), dtype=float)
        assert close(ex.answer, 2 / max(np.linalg.eigvalsh(hessian))), seed


def test_learning_rate_limit_is_where_gradient_descent_stops_converging():
    ex = make("learning-rate", 3)
    grad = sp.lambdify((X, Y), [sp.diff(sym(ex.data["f"]), v) for v in (X, Y)])

    def final_norm(lr: float) -> float:
        p = np.array([1.0, 1.0])
        for _ in range(400):
            p = p - lr * np.array(grad(*p), dtype=float)
        return float(np.linalg.norm(p))

    assert final_norm(0.98 * ex.answer) < 1e-2
    assert final_norm(1.02 * ex.answer) > 1.0


def test_momentum_follows_torch_sgd_update():
    """torch.optim.SGD: buf = g on the first step, then buf = mu*buf + g; p -= lr*buf."""
    for seed in SEEDS:
        ex = make("momentum", seed)
        d = sp.lambdify(X, sp.diff(sym(ex.data["f"]), X))
        p, buf = float(ex.data["start"][0]), None
        for _ in range(ex.data["steps"]):
            g = d(p)
            buf = g if buf is None else ex.data["momentum"] * buf + g
            p -= ex.data["lr"] * buf
        assert close(ex.answer, p), seed


def test_jacobian_matches_sympy():
    for seed in SEEDS:
        ex = make("jacobian", seed)
        comps = [sym(c) for c in ex.data["f"].split(",")]
        jac = sp.Matrix(comps).jacobian([X, Y]).subs({X: ex.data["at"][0], Y: ex.data["at"][1]})
        assert close(ex.answer, np.array(jac, dtype=float)), seed


def test_hessian_entries_and_kinds():
    for seed in SEEDS:
        ex = make("hessian", seed)
        f = sym(ex.data["f"])
        if isinstance(ex.answer, str):
            eig = np.linalg.eigvalsh(np.array(sp.hessian(f, (X, Y)), dtype=float))
            kind = "saddle" if eig[0] < 0 < eig[1] else ("minimum" if eig[0] > 0 else "maximum")
            assert ex.answer == kind, seed
        else:
            a, b = (X if c == "x" else Y for c in ex.data["entry"])
            assert close(ex.answer, at(sp.diff(f, a, b), ex.data["at"])), seed


def test_newton_step():
    for seed in SEEDS:
        ex = make("newton", seed)
        f = sym(ex.data["f"])
        x0 = ex.data["start"][0]
        expected = x0 - at(sp.diff(f, X), [x0]) / at(sp.diff(f, X, 2), [x0])
        assert close(ex.answer, expected), seed


def test_lagrange_multiplier_solves_the_kkt_system():
    lam = sp.Symbol("lam")
    for seed in SEEDS:
        ex = make("lagrange", seed)
        f, g = sym(ex.data["f"]), sym(ex.data["g"])
        eqs = [sp.diff(f, X) - lam * sp.diff(g, X), sp.diff(f, Y) - lam * sp.diff(g, Y), g]
        (solution,) = sp.solve(eqs, [X, Y, lam], dict=True)
        assert close(ex.answer, float(solution[lam])), seed


def test_lagrange_against_scipy():
    from scipy.optimize import minimize

    ex = make("lagrange", 5)
    f = sp.lambdify([(X, Y)], sym(ex.data["f"]))
    g = sp.lambdify([(X, Y)], sym(ex.data["g"]))
    res = minimize(
        f,
        [0.0, 0.0],
        constraints=[{"type": "eq", "fun": g}],
        method="SLSQP",
        options={"ftol": 1e-12},
    )
    grad_fx = float(sp.diff(sym(ex.data["f"]), X).subs({X: res.x[0], Y: res.x[1]}))
    assert math.isclose(ex.answer, grad_fx, rel_tol=1e-5)  # d g/dx = 1, so lambda = df/dx


def test_vanishing_product_of_sigmoid_slopes():
    for seed in SEEDS:
        ex = make("vanishing", seed)
        s = 1 / (1 + np.exp(-np.array(ex.data["at"], dtype=float)))
        assert close(ex.answer, np.prod(s * (1 - s))), seed


def test_exploding_clip_matches_torch_clip_grad_norm():
    for seed in SEEDS:
        ex = make("exploding", seed)
        g = np.array(ex.data["gradient"])
        c = ex.data["max_norm"]
        expected = g * min(1.0, c / np.linalg.norm(g))
        assert close(ex.answer, expected), seed
        assert math.isclose(np.linalg.norm(ex.answer), c)


def test_weight_decay_step():
    for seed in SEEDS:
        ex = make("weight-decay", seed)
        w = ex.data["start"][0]
        grad = at(sp.diff(sym(ex.data["f"]), X), [w])
        assert close(ex.answer, w - ex.data["lr"] * (grad + ex.data["weight_decay"] * w)), seed


def test_every_topic_has_a_generator_and_reproducible_output():
    assert set(TOPICS) >= {
        "derivative",
        "partial",
        "gradient",
        "chain-rule",
        "gradient-descent",
        "learning-rate",
        "momentum",
        "jacobian",
        "hessian",
        "newton",
        "lagrange",
        "vanishing",
        "exploding",
        "activations",
        "weight-decay",
    }
    for topic in TOPICS:
        assert make(topic, 7) == make(topic, 7)


def test_no_ill_posed_exercise_over_1000_seeds():
    for topic, gen in GENERATORS.items():
        for seed in range(1000):
            ex = gen(random.Random(seed))
            if isinstance(ex.answer, str):
                continue
            values = np.asarray(ex.answer, dtype=float)
            assert np.all(np.isfinite(values)), (topic, seed)
            assert np.all(np.abs(values) < 1e6), (topic, seed, ex.answer)
            assert "nan" not in ex.prompt and "inf" not in ex.prompt.replace("infinity", "")
            assert grade(ex, format_answer(ex.answer)).correct, (topic, seed)


# ---------------------------------------------------------------- grading

HALF = Exercise("t", "p", 0.5, {}, (), "h")


@pytest.mark.parametrize("typed", ["0.5", "1/2", ".5", " 0.5 ", "sin(pi/6)", "0.5004", "5e-1"])
def test_equivalent_forms_are_accepted(typed):
    assert grade(HALF, typed).correct


@pytest.mark.parametrize("typed", ["0.51", "-0.5", "2", "0.4994"])
def test_wrong_numbers_are_rejected(typed):
    result = grade(HALF, typed)
    assert not result.correct and result.message == ""


def test_unreadable_and_misshapen_answers_get_a_message():
    assert "could not read" in grade(HALF, "__import__('os')").message
    assert grade(HALF, "[1, 2]").message == "expected a number"
    vec = Exercise("t", "p", [2.0, 6.0], {}, (), "h", "a vector")
    assert grade(vec, "2, 6").correct and grade(vec, "[2, 6]").correct
    assert not grade(vec, "[6, 2]").correct
    assert grade(vec, "[[2, 6]]").message
    mat = Exercise("t", "p", [[2.0, 1.0], [1.0, 0.0]], {}, (), "h", "a matrix")
    assert grade(mat, "[[2, 1], [1, 0]]").correct
    assert not grade(mat, "[[2, 1], [1, 1]]").correct


def test_near_zero_uses_an_absolute_tolerance():
    zero = Exercise("t", "p", 0.0, {}, (), "h")
    assert grade(zero, "1e-7").correct
    assert not grade(zero, "1e-4").correct


def test_kind_answers():
    ex = Exercise("hessian", "p", "saddle", {}, (), "h", "minimum, maximum or saddle")
    assert grade(ex, "Saddle").correct and grade(ex, "sad").correct
    assert not grade(ex, "minimum").correct
    assert grade(ex, "banana").message


# ---------------------------------------------------------------- the command


def test_json_lists_exercises_with_answers_and_data(cli):
    result = cli("drill", "momentum", "--count", "3", "--seed", "5", "--json")
    assert result.exit_code == 0
    items = json.loads(result.stdout)
    assert [i["topic"] for i in items] == ["momentum"] * 3
    for item in items:
        assert set(item) == {"topic", "prompt", "answer", "data"}
        assert {"f", "start", "lr", "momentum"} <= set(item["data"])


def test_same_seed_same_exercises_with_or_without_json(cli):
    items = json.loads(cli("drill", "--count", "4", "--seed", "11", "--json").stdout)
    answers = "".join(format_answer(i["answer"]) + "\n" for i in items)
    result = cli("drill", "--count", "4", "--seed", "11", input=answers)
    assert result.exit_code == 0
    for item in items:
        first_line = item["prompt"].split(".")[0]
        assert first_line in result.stdout
    assert result.stdout.count("✓ Correct") == 4
    assert "Drill: 4/4 right" in result.stdout


def test_wrong_answer_shows_answer_and_worked_solution(cli, calcquiz_home: Path):
    (item,) = json.loads(cli("drill", "newton", "-n", "1", "--seed", "2", "--json").stdout)
    result = cli("drill", "newton", "-n", "1", "--seed", "2", input="12345\n")
    assert "✗ Not quite" in result.stdout
    assert f"Answer: {format_answer(item['answer'])}" in result.stdout
    assert "x₁ = x₀ - f'/f''" in result.stdout
    conn = sqlite3.connect(calcquiz_home / "calcquiz.db")
    rows = conn.execute("SELECT topic, given, correct FROM drill_log").fetchall()
    conn.close()
    assert rows == [("newton", "12345", 0)]


def test_hint_skip_quit_and_stats_accuracy(cli, calcquiz_home: Path):
    items = json.loads(cli("drill", "gradient", "-n", "3", "--seed", "1", "--json").stdout)
    typed = f"?\n{format_answer(items[0]['answer'])}\ns\nq\n"
    result = cli("drill", "gradient", "-n", "3", "--seed", "1", input=typed)
    assert result.exit_code == 0
    assert "Hint: The gradient is the vector of partial derivatives" in result.stdout
    assert "Skipped." in result.stdout
    assert "Drill 3/3" in result.stdout and "Drill: 1/2 right" in result.stdout
    stats = json.loads(cli("stats", "--json").stdout)
    assert stats["drill_accuracy"] == {"gradient": {"correct": 1, "attempted": 2, "accuracy": 0.5}}
    assert "Drill accuracy" in cli("stats").stdout


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
    from calcquiz.drills import DrillPlan, weights_from_retrievability

    recall = {t: 0.99 for t in TOPICS} | {"hessian": 0.1}
    plan = DrillPlan(count=300, seed=3, weights=weights_from_retrievability(recall))
    topics = [e.topic for e in plan.exercises()]
    assert topics.count("hessian") > 3 * max(topics.count(t) for t in TOPICS if t != "hessian")
