"""Drills: every generator's answer checked by an independent route (sympy, scipy, numpy,
exact enumeration or simulation), over many seeds. Grading, the session and the CLI are in
test_drills_session.py."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import sympy as sp

from calcquiz.demos import DEMO_NAMES
from calcquiz.drills import GENERATORS, TOPICS, Exercise, format_answer, grade
from calcquiz.drills.grading import round_sig

from .helpers import examples

X, Y = sp.symbols("x y")
SEEDS = range(examples(60))  # every seed in CI


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
        assert ex.kind == "matrix"
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


def test_every_card_demo_has_a_generator_and_reproducible_output():
    assert TOPICS == DEMO_NAMES  # all 20 cards, in card order
    for topic in TOPICS:
        assert make(topic, 7).to_dict() == make(topic, 7).to_dict()


@pytest.mark.slow
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
            if ex.kind == "number":  # the answer rounded to 3 significant figures is right
                assert grade(ex, round_sig(float(ex.answer))).correct, (topic, seed)


# ---------------------------------------------------------------- the five newer cards


def by_variant(topic: str, test, seeds=SEEDS) -> dict[str, int]:
    """Run ``test`` on each seed's exercise; count the variants seen (each must occur)."""
    seen: dict[str, int] = {}
    for seed in seeds:
        ex = make(topic, seed)
        key = test(ex, seed)
        seen[key] = seen.get(key, 0) + 1
    return seen


def chord_violation(f, low, high, n=60) -> bool:
    """Whether a midpoint lies above its chord, f((a+b)/2) > (f(a)+f(b))/2, on a grid."""
    xs = np.linspace(low, high, n)
    a, b = np.meshgrid(xs, xs)
    return bool(np.any(f((a + b) / 2) > (f(a) + f(b)) / 2 + 1e-9))


def test_convexity_matches_the_second_derivative_and_the_chord_test():
    def check(ex, seed):
        f = sym(ex.data["f"])
        if "interval" in ex.data:
            low, high = ex.data["interval"]
            f2 = sp.diff(f, X, 2)
            candidates = [low, high] + [
                float(r) for r in sp.solve(sp.diff(f2, X), X) if low <= float(r) <= high
            ]
            convex = min(float(f2.subs(X, c)) for c in candidates) >= 0
            violated = chord_violation(sp.lambdify(X, f, "numpy"), low, high)
            key = "interval"
        else:
            eig = np.linalg.eigvalsh(np.array(sp.hessian(f, (X, Y)), dtype=float))
            convex = eig[0] >= 0
            g = sp.lambdify((X, Y), f, "numpy")
            rng = np.random.default_rng(seed)
            p, q = rng.uniform(-3, 3, (2, 2000, 2))
            mid = (p + q) / 2
            violated = bool(np.any(g(*mid.T) > (g(*p.T) + g(*q.T)) / 2 + 1e-9))
            key = "plane"
        assert ex.answer == ("yes" if convex else "no"), seed
        assert violated == (not convex), seed  # an independent, numeric route agrees
        return f"{key}-{ex.answer}"

    seen = by_variant("convexity", check, range(examples(200)))
    assert set(seen) == {"interval-yes", "interval-no", "plane-yes", "plane-no"}


def test_minibatch_variance_by_exact_enumeration_and_updates_by_chunking():
    from fractions import Fraction
    from itertools import combinations, product

    def check(ex, seed):
        if "gradients" in ex.data:
            g, b = ex.data["gradients"], ex.data["batch"]
            idx = range(len(g))
            draws = product(idx, repeat=b) if ex.data["replace"] else combinations(idx, b)
            means = [Fraction(sum(g[i] for i in d), b) for d in draws]  # equally likely
            mean = sum(means) / len(means)
            var = sum((m - mean) ** 2 for m in means) / len(means)
            assert math.isclose(ex.answer, float(var), rel_tol=1e-12), seed
            return "replace" if ex.data["replace"] else "no-replace"
        n, b = ex.data["examples"], ex.data["batch"]
        examples = list(range(n))
        batches = [examples[i : i + b] for i in range(0, n, b)]
        if ex.data["drop_last"]:
            batches = [c for c in batches if len(c) == b]
        assert ex.answer == len(batches) and ex.kind == "count", seed
        return "updates"

    assert len(by_variant("minibatch", check, range(150))) == 3


def test_minibatch_variance_by_simulation():
    ex = next(e for e in (make("minibatch", s) for s in SEEDS) if "gradients" in e.data)
    g = np.array(ex.data["gradients"], dtype=float)
    rng = np.random.default_rng(0)
    b, trials = ex.data["batch"], 200_000
    if ex.data["replace"]:
        picks = rng.integers(0, len(g), (trials, b))
    else:
        picks = np.argsort(rng.random((trials, len(g))), axis=1)[:, :b]
    assert math.isclose(g[picks].mean(axis=1).var(), ex.answer, rel_tol=0.02)


@pytest.mark.slow  # sympy's roots for many seeds: about ten seconds
def test_local_minima_by_sympy_roots_and_an_independent_descent():
    def check(ex, seed):
        f = sym(ex.data["f"])
        d1, d2 = sp.diff(f, X), sp.diff(f, X, 2)
        roots = sorted(float(r) for r in sp.Poly(d1, X).nroots() if abs(sp.im(r)) < 1e-12)
        assert len(roots) == 3
        assert np.allclose(ex.data["minima"], [roots[0], roots[2]], atol=1e-9)
        assert math.isclose(ex.data["maximum"], roots[1], abs_tol=1e-9)
        assert float(d2.subs(X, ex.answer)) > 0 and abs(float(d1.subs(X, ex.answer))) < 1e-9
        grad = sp.lambdify(X, d1)
        x = float(ex.data["start"][0])
        for _ in range(20_000):
            x -= ex.data["lr"] * grad(x)
        assert math.isclose(x, ex.answer, abs_tol=1e-6), seed  # where descent really ends
        crossed = (ex.data["start"][0] > roots[1]) != (ex.answer > roots[1])
        return "crossed" if crossed else "same side"

    seen = by_variant("local-minima", check, range(300))
    assert seen.get("same side") and seen.get("crossed")  # the step size matters sometimes


def test_saddle_kinds_and_directions_of_negative_curvature():
    t = sp.Symbol("t")

    def check(ex, seed):
        f = sym(ex.data["f"])
        point = {X: ex.data["at"][0], Y: ex.data["at"][1]}
        assert all(sp.diff(f, v).subs(point) == 0 for v in (X, Y)), seed  # a critical point
        if ex.kind == "choice":
            h = np.array(sp.hessian(f, (X, Y)).subs(point), dtype=float)
            eig = np.linalg.eigvalsh(h)
            kind = "saddle" if eig[0] < 0 < eig[1] else ("minimum" if eig[0] > 0 else "maximum")
            assert ex.answer == kind, seed
            return kind
        v = ex.answer
        along = f.subs({X: t * v[0], Y: t * v[1]})
        assert all(float(along.subs(t, s)) < 0 for s in (-0.5, 0.1, 1, 3)), seed
        rng = random.Random(seed)
        for _ in range(20):  # the grader agrees with f itself about any typed direction
            w = [rng.randint(-3, 3), rng.randint(-3, 3)]
            if w == [0, 0]:
                continue
            down = float(f.subs({X: w[0], Y: w[1]})) < 0  # f(0) = 0 and f is quadratic
            assert grade(ex, str(w)).correct == down, (seed, w)
        return "direction"

    assert set(by_variant("saddle", check, range(120))) == {
        "minimum",
        "maximum",
        "saddle",
        "direction",
    }


def test_constrained_against_scipy_and_kkt():
    from scipy.optimize import minimize

    def check(ex, seed):
        f, g = sym(ex.data["f"]), sym(ex.data["g"])
        fn = sp.lambdify([(X, Y)], f)
        gn = sp.lambdify([(X, Y)], g)
        res = minimize(
            fn,
            [0.0, 0.0],
            method="SLSQP",
            constraints=[{"type": "ineq", "fun": lambda p: -gn(p)}],
            options={"ftol": 1e-10, "maxiter": 500},
        )
        # SLSQP may stop with "positive directional derivative" at the optimum: the
        # comparisons below are the test, whatever its flag says.
        assert gn(res.x) <= 1e-6, seed
        at = {X: res.x[0], Y: res.x[1]}
        active = abs(gn(res.x)) < 1e-6
        grad_f = np.array([float(sp.diff(f, v).subs(at)) for v in (X, Y)])
        grad_g = np.array([float(sp.diff(g, v).subs(at)) for v in (X, Y)])
        mu = -grad_f @ grad_g / (grad_g @ grad_g) if active else 0.0  # ∇f + μ∇g = 0
        assert ex.solution[-1].startswith("KKT conditions checked"), seed  # the core agrees
        question = ex.data["question"]
        if question == "solution":
            assert np.allclose(ex.answer, res.x, atol=1e-4), seed
        elif question == "multiplier":
            assert math.isclose(ex.answer, mu, abs_tol=1e-4), seed
            assert ex.answer >= 0
        else:
            assert ex.answer == ("yes" if active else "no"), seed
        return f"{question}-{'active' if active else 'inactive'}"

    seen = by_variant("constrained", check, range(150))
    assert len(seen) == 6  # each question, with the constraint active and inactive


def test_new_prompts_are_well_posed_with_worked_steps():
    for topic in ("convexity", "minibatch", "local-minima", "saddle", "constrained"):
        for seed in range(examples(300)):
            ex = make(topic, seed)
            assert ex.answer_format in ex.to_dict()["answer_format"]
            assert "nan" not in ex.prompt and "inf" not in ex.prompt
            assert len(ex.solution) >= 2, (topic, seed)
