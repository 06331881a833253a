"""Exercises on deep networks: vanishing and exploding gradients, activation derivatives."""

from __future__ import annotations

import math
import random

from calcquiz.drills.exercise import (
    Exercise,
    fmt,
    known,
    nonzero,
    par,
    slope_solution,
    vec,
)
from calcquiz.pretty_expr import pretty_text


def sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


def gen_vanishing(rng: random.Random) -> Exercise:
    layers = rng.randint(2, 4)
    zs = [rng.choice([-2, -1, 0, 1, 2]) for _ in range(layers)]
    factors = [sigmoid(z) * (1 - sigmoid(z)) for z in zs]
    product = math.prod(factors)
    return Exercise(
        "vanishing",
        f"A chain of {layers} sigmoid units has pre-activations z = "
        f"{', '.join(str(z) for z in zs)}. What is the product of their local derivatives "
        "σ'(z), the sigmoids' share of the gradient that reaches the input (the weights "
        "multiply it too)?",
        {"f": "sigmoid(x)", "at": zs},
        "σ'(z) = σ(z)(1 - σ(z)), at most 0.25 (at z = 0).",
        known(
            product,
            *(f"σ'({z}) = σ(1-σ) = {f:.6g}" for z, f in zip(zs, factors, strict=True)),
            f"product = {product:.6g}",
        ),
    )


def gen_exploding(rng: random.Random) -> Exercise:
    g = [float(nonzero(rng, -12, 12)), float(nonzero(rng, -12, 12))]
    max_norm = float(rng.choice([1, 2, 5]))
    norm = math.hypot(*g)
    while norm <= max_norm:
        g = [2 * v for v in g]
        norm = math.hypot(*g)
    scale = max_norm / norm
    clipped = [v * scale for v in g]
    return Exercise(
        "exploding",
        f"A gradient g = {vec(g)} is clipped to norm at most {fmt(max_norm)}. What is the "
        "clipped gradient? Answer as [g₁, g₂].",
        {"gradient": g, "max_norm": max_norm},
        "Clipping by norm keeps the direction and rescales: g·c/‖g‖ when ‖g‖ > c.",
        known(
            clipped,
            f"‖g‖ = √({par(g[0])}² + {par(g[1])}²) = {fmt(norm)} > {fmt(max_norm)}",
            f"g × {fmt(max_norm)}/‖g‖ = {vec(clipped)}",
        ),
        "vector",
    )


def gen_activations(rng: random.Random) -> Exercise:
    name, f = rng.choice(
        [
            ("sigmoid", "sigmoid(x)"),
            ("tanh", "tanh(x)"),
            ("softplus", "log(1 + exp(x))"),
            ("SiLU", "x*sigmoid(x)"),
        ]
    )
    x0 = rng.choice([-2, -1, 0, 0.5, 1, 2])

    return Exercise(
        "activations",
        f"What is the derivative of {name}, f(x) = {pretty_text(f)}, at x = {fmt(x0)}?",
        {"f": f, "at": [x0]},
        "sigmoid' = s(1 - s), tanh' = 1 - tanh², softplus' = sigmoid, SiLU' = s + x s(1 - s).",
        slope_solution(f, x0),
    )
