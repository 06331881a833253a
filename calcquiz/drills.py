"""Auto-graded numeric exercises: generators, and grading of typed answers. No terminal here.

Each generator draws small, well-posed parameters from a seeded ``random.Random`` and
computes the answer with the same code the demos use on ``--f`` (the whitelisted
expression parser, sympy derivatives turned back into expressions, numpy). The worked
solution lists the intermediate values of that same computation.

Grading: an answer is right when every number is within a relative tolerance of 1e-3 of
the expected one (an absolute 1e-6 near zero) and the shape (number, vector, matrix)
matches. Answers are read by :func:`calcquiz.expr.parse_answer`, so ``0.5``, ``1/2`` and
``.5`` are the same answer, and ``sqrt(2)/2`` or ``ln(2)`` are numbers too.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from calcquiz.errors import BadInputError, ExpressionError

REL_TOL = 1e-3
ABS_TOL = 1e-6
KINDS = ("minimum", "maximum", "saddle")

Value = float | list[float] | list[list[float]] | str


@dataclass(frozen=True)
class Exercise:
    topic: str
    prompt: str
    answer: Value
    data: dict[str, Any]
    solution: tuple[str, ...]
    hint: str
    answer_format: str = "a number"  # what to type, shown with the prompt

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "prompt": self.prompt,
            "answer": self.answer,
            "data": self.data,
        }


@dataclass(frozen=True)
class Grade:
    correct: bool
    message: str = ""
    given: Any = None


# ---------------------------------------------------------------- helpers


def _fmt(value: float) -> str:
    """Numbers as a person writes them: 3, -0.5, 0.25, 1.5e-05."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _vec(values: Sequence[float]) -> str:
    return "[" + ", ".join(_fmt(v) for v in values) + "]"


def _nonzero(rng: random.Random, low: int, high: int) -> int:
    return rng.choice([v for v in range(low, high + 1) if v != 0])


def _term(coef: int, body: str, first: bool = False) -> str:
    """One term of a polynomial with its sign: " + 3*x^2", " - x", "2*x"."""
    sign = "-" if coef < 0 else "+"
    mag = abs(coef)
    text = body if mag == 1 and body else (f"{mag}*{body}" if body else str(mag))
    if first:
        return ("-" if coef < 0 else "") + text
    return f" {sign} {text}"


def _shifted(var: str, by: float) -> str:
    """``(x - 3)``, ``(x + 2)``, or plain ``x``."""
    if by == 0:
        return var
    return f"({var} {'-' if by > 0 else '+'} {_fmt(abs(by))})"


def _value(expr_text: str, **at: Any) -> float:
    from calcquiz.expr import parse

    return float(parse(expr_text).evaluate(**at))


def _derivative(expr_text: str, var: str, **at: float) -> tuple[str, float]:
    """(the derivative as text, its value at ``at``), by the demos' sympy route."""
    from calcquiz.expr import parse

    d = parse(expr_text).diff(var)
    values: dict[str, Any] = {k: v for k, v in at.items() if k in d.variables}
    return d.text, float(d.evaluate(**values))


def _sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


# ---------------------------------------------------------------- generators


def gen_derivative(rng: random.Random) -> Exercise:
    a, b = _nonzero(rng, -4, 4), _nonzero(rng, -5, 5)
    n = rng.randint(2, 4)
    f = rng.choice(
        [
            _term(a, f"x^{n}", True) + _term(b, "x"),
            f"{a}*sin({abs(b)}*x)",
            f"exp({a}*x)" + _term(b, "x^2"),
            f"x^{n}" + _term(a, "log(x)"),
        ]
    )
    x0 = rng.choice([0.5, 1, 2, -1]) if "log" not in f else rng.choice([0.5, 1, 2])
    if "exp" in f:
        x0 = rng.choice([0, 0.5, -0.5])
    d_text, value = _derivative(f, "x", x=x0)
    return Exercise(
        "derivative",
        f"f(x) = {f}. What is f'(x) at x = {_fmt(x0)}?",
        value,
        {"f": f, "at": [x0]},
        (f"f'(x) = {d_text}", f"f'({_fmt(x0)}) = {_fmt(value)}"),
        "Differentiate term by term: (x^n)' = n x^(n-1), (sin kx)' = k cos kx, "
        "(e^(kx))' = k e^(kx).",
    )


def gen_partial(rng: random.Random) -> Exercise:
    a, b, c = _nonzero(rng, -3, 3), _nonzero(rng, -3, 3), _nonzero(rng, -4, 4)
    f = rng.choice(
        [
            _term(a, "x^2*y", True) + _term(b, "y^2") + _term(c, "x"),
            _term(a, "x*y^2", True) + _term(b, "sin(y)") + _term(c, "y"),
            _term(a, "x^2", True) + _term(b, "x*y") + _term(c, "y^3"),
        ]
    )
    var = rng.choice("xy")
    x0, y0 = rng.randint(-2, 2), rng.randint(-2, 2)
    d_text, value = _derivative(f, var, x=x0, y=y0)
    other = "y" if var == "x" else "x"
    return Exercise(
        "partial",
        f"f(x, y) = {f}. What is ∂f/∂{var} at (x, y) = ({x0}, {y0})?",
        value,
        {"f": f, "at": [x0, y0], "variable": var},
        (f"Treat {other} as a constant: ∂f/∂{var} = {d_text}", f"at ({x0}, {y0}): {_fmt(value)}"),
        f"Differentiate with respect to {var} only; {other} behaves like a number.",
    )


def gen_gradient(rng: random.Random) -> Exercise:
    a, b, c = _nonzero(rng, -3, 3), _nonzero(rng, -3, 3), _nonzero(rng, -3, 3)
    f = _term(a, "x^2", True) + _term(b, "x*y") + _term(c, "y^2")
    x0, y0 = rng.randint(-2, 2), rng.randint(-2, 2)
    dx_text, dx = _derivative(f, "x", x=x0, y=y0)
    dy_text, dy = _derivative(f, "y", x=x0, y=y0)
    return Exercise(
        "gradient",
        f"f(x, y) = {f}. What is ∇f at ({x0}, {y0})? Answer as [∂f/∂x, ∂f/∂y].",
        [dx, dy],
        {"f": f, "at": [x0, y0]},
        (
            f"∂f/∂x = {dx_text} = {_fmt(dx)}",
            f"∂f/∂y = {dy_text} = {_fmt(dy)}",
            f"∇f = {_vec([dx, dy])}",
        ),
        "The gradient is the vector of partial derivatives, one per variable.",
        "a vector such as [1, 2]",
    )


def gen_chain_rule(rng: random.Random) -> Exercise:
    a, b = _nonzero(rng, -3, 3), rng.randint(-2, 2)
    outer = rng.choice(["sin", "exp", "tanh"])
    inner = _term(a, "x^2", True) + (_term(b, "") if b else "")
    f = f"{outer}({inner})"
    x0 = rng.choice([0.5, 1, -0.5]) if outer != "exp" else rng.choice([0.5, -0.5, 0.25])
    u = _value(inner, x=x0)
    du = 2 * a * x0
    outer_d = {"sin": math.cos(u), "exp": math.exp(u), "tanh": 1 - math.tanh(u) ** 2}[outer]
    _, value = _derivative(f, "x", x=x0)
    names = {"sin": "cos(u)", "exp": "exp(u)", "tanh": "1 - tanh(u)^2"}
    return Exercise(
        "chain-rule",
        f"f(x) = {f}. Use the chain rule: what is f'(x) at x = {_fmt(x0)}?",
        value,
        {"f": f, "at": [x0]},
        (
            f"u = {inner} = {_fmt(u)} at x = {_fmt(x0)}; du/dx = {2 * a}*x = {_fmt(du)}",
            f"d {outer}(u)/du = {names[outer]} = {_fmt(outer_d)}",
            f"f'(x) = {_fmt(outer_d)} × {_fmt(du)} = {_fmt(value)}",
        ),
        "f(g(x))' = f'(g(x)) · g'(x): the outer derivative at the inner value, "
        "times the inner derivative.",
    )


def gen_gradient_descent(rng: random.Random) -> Exercise:
    a, b = rng.randint(1, 3), rng.randint(1, 3)
    p, q = rng.randint(-3, 3), rng.randint(-3, 3)
    f = f"{a}*{_shifted('x', p)}^2 + {b}*{_shifted('y', q)}^2"
    x0, y0 = rng.randint(-2, 2), rng.randint(-2, 2)
    lr = rng.choice([0.1, 0.05, 0.2])
    _, gx = _derivative(f, "x", x=x0, y=y0)
    _, gy = _derivative(f, "y", x=x0, y=y0)
    new = [x0 - lr * gx, y0 - lr * gy]
    return Exercise(
        "gradient-descent",
        f"f(x, y) = {f}. One gradient descent step from ({x0}, {y0}) with learning rate "
        f"{_fmt(lr)}: where do you land? Answer as [x, y].",
        new,
        {"f": f, "start": [x0, y0], "lr": lr},
        (
            f"∇f({x0}, {y0}) = {_vec([gx, gy])}",
            f"w_new = w - η ∇f = {_vec([x0, y0])} - {_fmt(lr)} × {_vec([gx, gy])} = {_vec(new)}",
        ),
        "w_new = w_old - η ∇f(w_old).",
        "a vector such as [1, 2]",
    )


def gen_learning_rate(rng: random.Random) -> Exercise:
    a, b = rng.sample([1, 2, 3, 4, 5, 8, 10], 2)
    f = f"{a}*x^2 + {b}*y^2"
    big = max(a, b)
    answer = 1 / big  # L = 2 max(a, b); stable for lr < 2 / L
    return Exercise(
        "learning-rate",
        f"f(x, y) = {f}. Gradient descent with a fixed learning rate converges for every "
        "start only below some largest rate. What is that limit?",
        answer,
        {"f": f},
        (
            f"Hessian = diag({2 * a}, {2 * b}); its largest eigenvalue L = {2 * big}",
            "each coordinate is multiplied by (1 - η·λ) per step: "
            f"stable while η < 2/L = {_fmt(answer)}",
        ),
        "For a quadratic, gradient descent is stable while η < 2/L, "
        "L the largest Hessian eigenvalue.",
    )


def momentum_steps(
    grad: Callable[[float], float], x0: float, lr: float, mu: float, steps: int
) -> list[tuple[float, float, float]]:
    """Heavy-ball momentum, torch.optim.SGD's form: b = mu b + g (b = g on the first step),
    x = x - lr b. Returns (g, b, x) per step."""
    x, b = x0, None
    out = []
    for _ in range(steps):
        g = grad(x)
        b = g if b is None else mu * b + g
        x = x - lr * b
        out.append((g, b, x))
    return out


def gen_momentum(rng: random.Random) -> Exercise:
    a = rng.randint(1, 4)
    f = f"{a}*x^2"
    x0 = rng.choice([1, 2, -1, 3])
    lr = rng.choice([0.1, 0.05])
    mu = rng.choice([0.5, 0.9])
    steps = rng.choice([1, 2])
    from calcquiz.expr import parse

    d = parse(f).diff("x")
    trace = momentum_steps(lambda x: float(d.evaluate(x=x)), x0, lr, mu, steps)
    lines = [
        f"step {i + 1}: g = f'(x) = {_fmt(g)}, b = {'g' if i == 0 else f'{_fmt(mu)}·b + g'} = "
        f"{_fmt(b)}, x = x - {_fmt(lr)}·b = {_fmt(x)}"
        for i, (g, b, x) in enumerate(trace)
    ]
    return Exercise(
        "momentum",
        f"f(x) = {f}, x₀ = {x0}. Run {steps} step{'s' * (steps > 1)} of heavy-ball momentum "
        f"(b = μb + g, first b = g; x = x - ηb) with η = {_fmt(lr)}, μ = {_fmt(mu)}. What is x?",
        trace[-1][2],
        {"f": f, "start": [x0], "lr": lr, "momentum": mu, "steps": steps},
        tuple(lines),
        "First step: b = g. Then b = μ·b + g, and x moves by -η·b each step.",
    )


def gen_jacobian(rng: random.Random) -> Exercise:
    a, b = _nonzero(rng, -3, 3), _nonzero(rng, -3, 3)
    comps = [_term(a, "x*y", True), "x" + _term(b, "y^2")]
    f = ", ".join(comps)
    x0, y0 = rng.randint(-2, 2), rng.randint(-2, 2)
    rows = [[_derivative(c, v, x=x0, y=y0)[1] for v in "xy"] for c in comps]
    return Exercise(
        "jacobian",
        f"F(x, y) = ({f}). What is the Jacobian at ({x0}, {y0})? "
        "Answer as [[∂F₁/∂x, ∂F₁/∂y], [∂F₂/∂x, ∂F₂/∂y]].",
        rows,
        {"f": f, "at": [x0, y0]},
        tuple(f"row {i + 1}: ∇F{i + 1} = {_vec(r)}" for i, r in enumerate(rows)),
        "Row i holds the partial derivatives of component i; column j is the variable.",
        "a matrix such as [[1, 2], [3, 4]]",
    )


def gen_hessian(rng: random.Random) -> Exercise:
    from calcquiz.expr import parse

    if rng.random() < 0.5:
        a, b, c = _nonzero(rng, -3, 3), _nonzero(rng, -4, 4), _nonzero(rng, -3, 3)
        while 4 * a * c - b * b == 0:  # a degenerate Hessian has no clean answer
            c = _nonzero(rng, -3, 3)
        f = _term(a, "x^2", True) + _term(b, "x*y") + _term(c, "y^2")
        h = [[2 * a, b], [b, 2 * c]]
        det = 4 * a * c - b * b
        kind = "saddle" if det < 0 else ("minimum" if a > 0 else "maximum")
        return Exercise(
            "hessian",
            f"f(x, y) = {f}. The origin is a stationary point. Is it a minimum, a maximum "
            "or a saddle?",
            kind,
            {"f": f, "at": [0, 0]},
            (
                f"H = {h}",
                f"det H = {det}, trace H = {2 * a + 2 * c}",
                "det < 0: eigenvalues of opposite sign, a saddle"
                if det < 0
                else f"det > 0 and H₁₁ {'>' if a > 0 else '<'} 0: a {kind}",
            ),
            "Look at the signs of the Hessian's eigenvalues (det H < 0 means opposite signs).",
            "minimum, maximum or saddle",
        )
    a, b = _nonzero(rng, -3, 3), _nonzero(rng, -3, 3)
    f = _term(a, "x^3*y", True) + _term(b, "x*y^2")
    x0, y0 = rng.randint(-2, 2), rng.randint(-2, 2)
    entry = rng.choice(["xx", "xy", "yy"])
    d2 = parse(f).diff(entry[0]).diff(entry[1])
    point: dict[str, Any] = {k: v for k, v in {"x": x0, "y": y0}.items() if k in d2.variables}
    value = float(d2.evaluate(**point))
    return Exercise(
        "hessian",
        f"f(x, y) = {f}. What is the Hessian entry ∂²f/∂{entry[0]}∂{entry[1]} at ({x0}, {y0})?",
        value,
        {"f": f, "at": [x0, y0], "entry": entry},
        (f"∂²f/∂{entry[0]}∂{entry[1]} = {d2.text}", f"at ({x0}, {y0}): {_fmt(value)}"),
        "Differentiate twice, once per variable (order does not matter for smooth f).",
    )


def gen_newton(rng: random.Random) -> Exercise:
    a = rng.randint(2, 4)
    f = rng.choice([f"exp(x) - {a}*x", f"x^4/4 - {a}*x", f"x^2 + {a}*exp(-x)"])
    x0 = rng.choice([0, 1, 2]) if "x^4" not in f else rng.choice([1, 2])
    from calcquiz.expr import parse

    d1 = parse(f).diff("x")
    d2 = d1.diff("x")
    g, h = float(d1.evaluate(x=x0)), float(d2.evaluate(x=x0))
    x1 = x0 - g / h
    return Exercise(
        "newton",
        f"Minimize f(x) = {f} with Newton's method from x₀ = {x0}. What is x₁?",
        x1,
        {"f": f, "start": [x0]},
        (
            f"f'(x) = {d1.text} = {_fmt(g)} at x₀",
            f"f''(x) = {d2.text} = {_fmt(h)} at x₀",
            f"x₁ = x₀ - f'/f'' = {x0} - {_fmt(g)}/{_fmt(h)} = {_fmt(x1)}",
        ),
        "x_new = x - f'(x)/f''(x): in 1-D, H⁻¹∇f is f'/f''.",
    )


def gen_lagrange(rng: random.Random) -> Exercise:
    a = rng.randint(1, 4)
    c = _nonzero(rng, -3, 3)
    f = f"x^2 + {a}*y^2"
    g = f"x + y - {c}" if c > 0 else f"x + y + {-c}"
    lam = 2 * a * c / (a + 1)  # grad f = lam grad g: 2x = lam, 2ay = lam, x + y = c
    x, y = lam / 2, lam / (2 * a)
    return Exercise(
        "lagrange",
        f"Minimize f(x, y) = {f} subject to x + y = {c}. What is the multiplier λ with "
        "∇f = λ∇g (g = x + y)?",
        lam,
        {"f": f, "g": g},
        (
            f"∇f = (2x, {2 * a}y) = λ(1, 1), so x = λ/2 and y = λ/{2 * a}",
            f"x + y = {c} gives λ(1/2 + 1/{2 * a}) = {c}, λ = {_fmt(lam)}",
            f"the point is ({_fmt(x)}, {_fmt(y)}), f = {_fmt(x * x + a * y * y)}",
        ),
        "Set ∇f = λ∇g, write x and y in terms of λ, then put them into the constraint.",
    )


def gen_vanishing(rng: random.Random) -> Exercise:
    layers = rng.randint(2, 4)
    zs = [rng.choice([-2, -1, 0, 1, 2]) for _ in range(layers)]
    factors = [_sigmoid(z) * (1 - _sigmoid(z)) for z in zs]
    product = math.prod(factors)
    return Exercise(
        "vanishing",
        f"A chain of {layers} sigmoid units has pre-activations z = {zs} (weights 1). What is "
        "the product of their local derivatives σ'(z) — the gradient that reaches the input?",
        product,
        {"f": "sigmoid(x)", "at": zs},
        tuple(f"σ'({z}) = σ(1-σ) = {f:.6g}" for z, f in zip(zs, factors, strict=True))
        + (f"product = {product:.6g}",),
        "σ'(z) = σ(z)(1 - σ(z)), at most 0.25 (at z = 0).",
    )


def gen_exploding(rng: random.Random) -> Exercise:
    g = [float(_nonzero(rng, -12, 12)), float(_nonzero(rng, -12, 12))]
    max_norm = float(rng.choice([1, 2, 5]))
    norm = math.hypot(*g)
    while norm <= max_norm:
        g = [2 * v for v in g]
        norm = math.hypot(*g)
    scale = max_norm / norm
    clipped = [v * scale for v in g]
    return Exercise(
        "exploding",
        f"A gradient g = {_vec(g)} is clipped to norm at most {_fmt(max_norm)}. What is the "
        "clipped gradient? Answer as [g₁, g₂].",
        clipped,
        {"gradient": g, "max_norm": max_norm},
        (
            f"‖g‖ = {_fmt(norm)} > {_fmt(max_norm)}",
            f"g × {_fmt(max_norm)}/‖g‖ = {_vec(clipped)}",
        ),
        "Clipping by norm keeps the direction and rescales: g·c/‖g‖ when ‖g‖ > c.",
        "a vector such as [1, 2]",
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
    d_text, value = _derivative(f, "x", x=x0)
    return Exercise(
        "activations",
        f"What is the derivative of {name}, f(x) = {f}, at x = {_fmt(x0)}?",
        value,
        {"f": f, "at": [x0]},
        (f"f'(x) = {d_text}", f"f'({_fmt(x0)}) = {_fmt(value)}"),
        "sigmoid' = s(1 - s), tanh' = 1 - tanh², softplus' = sigmoid, SiLU' = s + x s(1 - s).",
    )


def gen_weight_decay(rng: random.Random) -> Exercise:
    w0 = float(rng.choice([1, 2, 3, -2]))
    t = float(rng.randint(-2, 4))
    lr = rng.choice([0.1, 0.5])
    lam = rng.choice([0.1, 0.2, 0.5])
    f = f"{_shifted('x', t)}^2/2"
    _, g = _derivative(f, "x", x=w0)
    w1 = w0 - lr * (g + lam * w0)
    return Exercise(
        "weight-decay",
        f"Loss L(w) = {f.replace('x', 'w')} with L2 weight decay λ = {_fmt(lam)} "
        f"(SGD adds λw to the gradient). One step from w = {_fmt(w0)} with η = {_fmt(lr)}: "
        "what is w?",
        w1,
        {"f": f, "start": [w0], "lr": lr, "weight_decay": lam},
        (
            f"∇L(w) = {_shifted('w', t).strip('()')} = {_fmt(g)}",
            f"w = w - η(∇L + λw) = {_fmt(w0)} - {_fmt(lr)}×({_fmt(g)} + {_fmt(lam)}×{_fmt(w0)})"
            f" = {_fmt(w1)}",
        ),
        "Coupled weight decay: the gradient becomes ∇L + λw, then an ordinary SGD step.",
    )


GENERATORS: dict[str, Callable[[random.Random], Exercise]] = {
    "derivative": gen_derivative,
    "partial": gen_partial,
    "gradient": gen_gradient,
    "chain-rule": gen_chain_rule,
    "gradient-descent": gen_gradient_descent,
    "learning-rate": gen_learning_rate,
    "momentum": gen_momentum,
    "jacobian": gen_jacobian,
    "hessian": gen_hessian,
    "newton": gen_newton,
    "lagrange": gen_lagrange,
    "vanishing": gen_vanishing,
    "exploding": gen_exploding,
    "activations": gen_activations,
    "weight-decay": gen_weight_decay,
}
TOPICS = tuple(GENERATORS)


def check_topic(topic: str) -> str:
    if topic not in GENERATORS:
        from calcquiz.content import closest_name

        hint = closest_name(topic, TOPICS)
        suffix = f" (did you mean {hint!r}?)" if hint else f" (topics: {', '.join(TOPICS)})"
        raise BadInputError(f"unknown drill topic {topic!r}{suffix}")
    return topic


@dataclass
class DrillPlan:
    """Which exercises to give, reproducible from the seed."""

    count: int = 5
    topic: str | None = None
    seed: int | None = None
    weights: dict[str, float] = field(default_factory=dict)  # topic -> weight when mixed

    def exercises(self) -> list[Exercise]:
        if not 1 <= self.count <= 1000:
            raise BadInputError(f"Invalid --count: {self.count} (choose 1 to 1000)")
        rng = random.Random(self.seed)
        out = []
        for _ in range(self.count):
            if self.topic is not None:
                topic = check_topic(self.topic)
            else:
                weights = [self.weights.get(t, 1.0) for t in TOPICS]
                topic = rng.choices(TOPICS, weights=weights)[0]
            out.append(GENERATORS[topic](rng))
        return out


def weights_from_retrievability(recall: dict[str, float | None]) -> dict[str, float]:
    """Favour weak cards: weight 1 - R (never studied counts as R = 0), at least 0.1."""
    return {topic: max(0.1, 1.0 - (r or 0.0)) for topic, r in recall.items()}


# ---------------------------------------------------------------- grading


def grade(exercise: Exercise, typed: str) -> Grade:
    """Compare a typed answer with the expected one (see the module docstring)."""
    text = typed.strip()
    if isinstance(exercise.answer, str):
        word = text.lower().rstrip(".")
        if word not in KINDS and not any(k.startswith(word) for k in KINDS if len(word) >= 3):
            return Grade(False, f"answer with one of: {', '.join(KINDS)}", text)
        chosen = next(k for k in KINDS if k == word or k.startswith(word))
        return Grade(chosen == exercise.answer, "", chosen)
    from calcquiz.expr import parse_answer

    try:
        given = parse_answer(text)
    except ExpressionError as exc:
        return Grade(False, f"could not read that answer: {exc}", text)
    expected = exercise.answer
    if _shape(given) != _shape(expected):
        return Grade(False, f"expected {exercise.answer_format}", given)
    return Grade(_close(given, expected), "", given)


def _shape(value: Any) -> tuple[int, ...]:
    if isinstance(value, list):
        inner = {_shape(v) for v in value}
        return (len(value), *(inner.pop() if len(inner) == 1 else (-1,)))
    return ()


def _close(given: Any, expected: Any) -> bool:
    if isinstance(expected, list):
        return all(_close(g, e) for g, e in zip(given, expected, strict=True))
    g, e = float(given), float(expected)
    return math.isfinite(g) and abs(g - e) <= max(REL_TOL * abs(e), ABS_TOL)


def format_answer(value: Value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(format_answer(v) for v in value) + "]"
    return _fmt(float(value))
