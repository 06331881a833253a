"""Exercises on optimisers: gradient descent, learning rate, momentum, Newton, weight decay,
minibatches."""

from __future__ import annotations

import random

from calcquiz.drills import numerics as num
from calcquiz.drills.exercise import Exercise, Worked, derivative, fmt, known, par, shifted, vec
from calcquiz.pretty_expr import pretty_text


def gen_gradient_descent(rng: random.Random) -> Exercise:
    a, b = rng.randint(1, 3), rng.randint(1, 3)
    p, q = rng.randint(-3, 3), rng.randint(-3, 3)
    f = f"{a}*{shifted('x', p)}^2 + {b}*{shifted('y', q)}^2"
    x0, y0 = rng.randint(-2, 2), rng.randint(-2, 2)
    lr = rng.choice([0.1, 0.05, 0.2])

    def solve() -> Worked:
        dx_text, gx = derivative(f, "x", x=x0, y=y0)
        dy_text, gy = derivative(f, "y", x=x0, y=y0)
        import numpy as np  # once an answer is computed, never before the prompt

        from calcquiz.numerics.iterate import sgd_step

        step, _ = sgd_step(np.array([x0, y0], float), np.array([gx, gy], float), None, lr)
        new = [float(v) for v in step]
        return Worked(
            new,
            (
                f"∂f/∂x = {dx_text}, ∂f/∂y = {dy_text}",
                f"∇f({x0}, {y0}) = {vec([gx, gy])}",
                f"w_new = w - η ∇f = {vec([x0, y0])} - {fmt(lr)} × {vec([gx, gy])} = {vec(new)}",
            ),
        )

    return Exercise(
        "gradient-descent",
        f"f(x, y) = {pretty_text(f)}. One gradient descent step from ({x0}, {y0}) with "
        "learning rate "
        f"{fmt(lr)}: where do you land? Answer as [x, y].",
        {"f": f, "start": [x0, y0], "lr": lr},
        "w_new = w_old - η ∇f(w_old).",
        solve,
        "vector",
    )


def gen_learning_rate(rng: random.Random) -> Exercise:
    a, b = rng.sample([1, 2, 3, 4, 5, 8, 10], 2)
    f = f"{a}*x^2 + {b}*y^2"
    big = max(a, b)
    answer = 1 / big  # L = 2 max(a, b); stable for lr < 2 / L
    return Exercise(
        "learning-rate",
        f"f(x, y) = {pretty_text(f)}. Gradient descent with a fixed learning rate converges "
        "for every "
        "start only below some largest rate. What is that limit?",
        {"f": f},
        "For a quadratic, gradient descent is stable while η < 2/L, "
        "L the largest Hessian eigenvalue.",
        known(
            answer,
            f"Hessian = diag({2 * a}, {2 * b}); its largest eigenvalue L = {2 * big}",
            "each coordinate is multiplied by (1 - η·λ) per step: "
            f"stable while η < 2/L = {fmt(answer)}",
        ),
    )


def gen_momentum(rng: random.Random) -> Exercise:
    a = rng.randint(1, 4)
    f = f"{a}*x^2"
    x0 = rng.choice([1, 2, -1, 3])
    lr = rng.choice([0.1, 0.05])
    mu = rng.choice([0.5, 0.9])
    steps = rng.choice([1, 2])

    def solve() -> Worked:
        from calcquiz.expr import parse

        d = parse(f).diff("x")
        # f'(x) = 2a x, in exact fractions (the trace is exact, see momentum_steps).
        trace = num.momentum_steps(lambda x: 2 * a * x, x0, lr, mu, steps)
        lines = [f"f'(x) = {d.pretty}"] + [
            f"step {i + 1}: g = f'({fmt(x_prev)}) = {fmt(g)}, "
            f"b = {'g' if i == 0 else f'{fmt(mu)}·b + g'} = {fmt(b)}, "
            f"x = x - {fmt(lr)}·b = {fmt(x)}"
            for i, (x_prev, g, b, x) in enumerate(trace)
        ]
        return Worked(trace[-1][3], tuple(lines))

    return Exercise(
        "momentum",
        f"f(x) = {pretty_text(f)}, x₀ = {x0}. Run {steps} step{'s' * (steps > 1)} of "
        "heavy-ball momentum "
        f"(b = μb + g, first b = g; x = x - ηb) with η = {fmt(lr)}, μ = {fmt(mu)}. What is x?",
        {"f": f, "start": [x0], "lr": lr, "momentum": mu, "steps": steps},
        "First step: b = g. Then b = μ·b + g, and x moves by -η·b each step.",
        solve,
    )


def gen_newton(rng: random.Random) -> Exercise:
    a = rng.randint(2, 4)
    f = rng.choice([f"exp(x) - {a}*x", f"x^4/4 - {a}*x", f"x^2 + {a}*exp(-x)"])
    x0 = rng.choice([0, 1, 2]) if "x^4" not in f else rng.choice([1, 2])

    def solve() -> Worked:
        from calcquiz.expr import parse

        d1 = parse(f).diff("x")
        d2 = d1.diff("x")
        g, h = float(d1.evaluate(x=x0)), float(d2.evaluate(x=x0))
        x1 = x0 - g / h
        return Worked(
            x1,
            (
                f"f'(x) = {d1.pretty} = {fmt(g)} at x₀",
                f"f''(x) = {d2.pretty} = {fmt(h)} at x₀",
                f"x₁ = x₀ - f'/f'' = {x0} - {par(g)}/{fmt(h)} = {fmt(x1)}",
            ),
        )

    return Exercise(
        "newton",
        f"Minimize f(x) = {pretty_text(f)} with Newton's method from x₀ = {x0}. What is x₁?",
        {"f": f, "start": [x0]},
        "x_new = x - f'(x)/f''(x): in 1-D, H⁻¹∇f is f'/f''.",
        solve,
    )


def gen_weight_decay(rng: random.Random) -> Exercise:
    w0 = float(rng.choice([1, 2, 3, -2]))
    t = float(rng.randint(-2, 4))
    lr = rng.choice([0.1, 0.5])
    lam = rng.choice([0.1, 0.2, 0.5])
    f = f"{shifted('x', t)}^2/2"

    def solve() -> Worked:
        _, g = derivative(f, "x", x=w0)
        import numpy as np

        from calcquiz.numerics.iterate import sgd_step

        step, _ = sgd_step(np.array([w0], float), np.array([g], float), None, lr,
                           weight_decay=lam)
        w1 = float(step[0])
        return Worked(
            w1,
            (
                f"∇L(w) = {shifted('w', t).strip('()')} = {fmt(g)}",
                f"w = w - η(∇L + λw) = {fmt(w0)} - {fmt(lr)}×({fmt(g)} + {fmt(lam)}×{par(w0)})"
                f" = {fmt(w1)}",
            ),
        )

    return Exercise(
        "weight-decay",
        f"Loss L(w) = {f.replace('x', 'w')} with L2 weight decay λ = {fmt(lam)} "
        f"(SGD adds λw to the gradient). One step from w = {fmt(w0)} with η = {fmt(lr)}: "
        "what is w?",
        {"f": f, "start": [w0], "lr": lr, "weight_decay": lam},
        "Coupled weight decay: the gradient becomes ∇L + λw, then an ordinary SGD step.",
        solve,
    )


def gen_minibatch(rng: random.Random) -> Exercise:
    if rng.random() < 0.4:
        return _updates_per_epoch(rng)
    n = rng.randint(4, 6)
    grads = [rng.randint(-6, 6) for _ in range(n)]
    while len(set(grads)) == 1:  # every example the same: no noise to measure
        grads[0] += 1
    b = rng.randint(2, 3)
    replace = rng.random() < 0.5
    how = (
        "drawn uniformly at random with replacement"
        if replace
        else "drawn uniformly at random without replacement (b distinct examples)"
    )
    mean, var = num.mean_and_variance(grads)
    answer = num.minibatch_variance(grads, b, replace)
    steps = [
        f"full-batch gradient ḡ = mean = {fmt(mean)}",
        f"per-example variance σ² = (1/N) Σ (gᵢ - ḡ)² = {fmt(var)}",
    ]
    if replace:
        steps.append(f"b independent draws: Var = σ²/b = {fmt(var)}/{b} = {fmt(answer)}")
    else:
        steps.append(
            f"without replacement: Var = σ²/b · (N - b)/(N - 1) = {fmt(var)}/{b} · "
            f"{n - b}/{n - 1} = {fmt(answer)}"
        )
    return Exercise(
        "minibatch",
        f"{n} examples have per-example gradients g = {grads}. A minibatch gradient is the "
        f"mean over b = {b} examples {how}. What is the variance of the minibatch gradient?",
        {"gradients": grads, "batch": b, "replace": replace},
        "Averaging b independent draws divides the variance by b; drawing without "
        "replacement from N shrinks it further by (N - b)/(N - 1).",
        known(answer, *steps),
    )


def _updates_per_epoch(rng: random.Random) -> Exercise:
    n = rng.choice([1000, 1234, 5000, 10_000, 50_000, 60_000])
    b = rng.choice([16, 32, 64, 100, 128, 256])
    drop_last = rng.random() < 0.5
    full, rest = divmod(n, b)
    answer = full if drop_last or rest == 0 else full + 1
    last = (
        "there is no partial batch"
        if rest == 0
        else f"the last {rest} examples are {'dropped' if drop_last else 'one more, smaller batch'}"
    )
    return Exercise(
        "minibatch",
        f"A dataset of {n:,} examples is split into minibatches of {b} per epoch, "
        f"{'dropping' if drop_last else 'keeping'} a last, incomplete batch "
        f"(drop_last={drop_last}). How many parameter updates does one epoch make?",
        {"examples": n, "batch": b, "drop_last": drop_last},
        "One update per minibatch: N/b full batches, plus one if a partial batch is kept.",
        known(answer, f"{n} = {full} × {b} + {rest}: {full} full batches; {last}", f"{answer}"),
        "count",
    )
