"""Gradients in deep networks: chain-rule, vanishing, exploding, activations.

Every activation below is written next to its derivative (the formula backprop uses).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import TypedDict

import numpy as np

from calcquiz.demos import core
from calcquiz.demos.core import DemoRun, Outcome, Plot, Row, RowGenerator, Series
from calcquiz.errors import BadInputError
from calcquiz.numerics.differences import central_difference
from calcquiz.numerics.iterate import sgd_path
from calcquiz.numerics.run_end import RunEnd, classify_end
from calcquiz.numerics.vector import Array, Vector

RealFunction = Callable[[float], float]


def _check_number(values: Sequence[float] | None, default: float, option: str) -> float:
    if values is None:
        return default
    if len(values) != 1 or not math.isfinite(values[0]):
        raise BadInputError(f"{option} takes one finite number, e.g. {option} {default:g}")
    return float(values[0])


# --- Activations and their derivatives --------------------------------------------------

LEAKY_SLOPE = 0.01


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def sigmoid_der(x: float) -> float:
    s = sigmoid(x)
    return s * (1 - s)


def tanh_der(x: float) -> float:
    """sech² x = 4 e^(−2|x|) / (1 + e^(−2|x|))²: stable where 1 − tanh² x cancels (|x| > 1
    loses digits, and 1 − tanh(20)² is 0 in float64 while sech² 20 = 1.7e-17)."""
    e = math.exp(-2 * abs(x))
    return 4 * e / (1 + e) ** 2


def relu(x: float) -> float:
    return max(0.0, x)


def relu_der(x: float) -> float:
    """1 for x > 0, else 0: at the kink x = 0 the convention (as in PyTorch) is 0."""
    return 1.0 if x > 0 else 0.0


def leaky_relu(x: float) -> float:
    return x if x > 0 else LEAKY_SLOPE * x


def leaky_relu_der(x: float) -> float:
    return 1.0 if x > 0 else LEAKY_SLOPE


def normal_cdf(x: float) -> float:
    """Phi(x) = erfc(−x / √2) / 2: no cancellation in the left tail, where 1 + erf(x/√2)
    rounds to 0 (Phi(−10) = 7.6e-24)."""
    return 0.5 * math.erfc(-x / math.sqrt(2))


def gelu(x: float) -> float:
    """The exact GELU, x Phi(x), Phi the standard normal CDF."""
    return x * normal_cdf(x)


def gelu_der(x: float) -> float:
    """Phi(x) + x phi(x), phi the standard normal density."""
    density = math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    return normal_cdf(x) + x * density


def silu(x: float) -> float:
    return x * sigmoid(x)


def silu_der(x: float) -> float:
    s = sigmoid(x)
    return s * (1 + x * (1 - s))


def softplus(x: float) -> float:
    return float(np.logaddexp(0.0, x))


def elu(x: float) -> float:
    """ELU with alpha = 1."""
    return x if x > 0 else math.expm1(x)


def elu_der(x: float) -> float:
    return 1.0 if x > 0 else math.exp(x)


ACTIVATIONS: dict[str, tuple[RealFunction, RealFunction, str]] = {
    "sigmoid": (sigmoid, sigmoid_der, "s(1 - s)"),
    "tanh": (math.tanh, tanh_der, "1 - tanh^2"),
    "relu": (relu, relu_der, "1 if x > 0 else 0"),
    "leaky_relu": (leaky_relu, leaky_relu_der, "1 if x > 0 else 0.01"),
    "gelu": (gelu, gelu_der, "Phi(x) + x phi(x)"),
    "silu": (silu, silu_der, "s(1 + x(1 - s))"),
    "softplus": (softplus, sigmoid, "sigmoid(x)"),
    "elu": (elu, elu_der, "1 if x > 0 else exp(x)"),
}
ACTIVATION_POINTS = (-3.0, -1.0, 0.0, 1.0, 3.0)


def activations(at: Sequence[float] | None = None) -> DemoRun:
    """Eight activations f at x = -3, -1, 0, 1, 3 (or --at "x1,x2,..."), each derivative by
    its formula and by a central difference (f(x + h) - f(x - h)) / 2h, h = 1e-6:

    sigmoid s = 1/(1 + e^-x), s' = s(1 - s); tanh' = 1 - tanh^2; ReLU' = 1 for x > 0 else
    0; leaky ReLU' = 1 or 0.01; GELU = x Phi(x), GELU' = Phi(x) + x phi(x); SiLU = x s(x),
    SiLU' = s(1 + x(1 - s)); softplus = log(1 + e^x), softplus' = s; ELU (alpha 1) =
    x or e^x - 1, ELU' = 1 or e^x. At the kinks (ReLU and leaky ReLU at 0) the difference
    gives the average of both slopes while the formula gives the library convention.
    """
    xs = tuple(ACTIVATION_POINTS if at is None else at)
    if not xs or len(xs) > 20 or not all(math.isfinite(v) for v in xs):
        raise BadInputError("--at takes 1 to 20 finite numbers, e.g. --at -1,0,1")
    params = {"at": list(xs), "h": 1e-6, "activations": list(ACTIVATIONS)}
    columns = ["activation", "x", "f(x)", "rule", "f' by rule", "f' by differences",
               "difference"]
    return DemoRun("activations", columns, params, _activation_rows(xs),
                   title="activations and their derivatives",
                   expected_rows=len(xs) * len(ACTIVATIONS))


class ActivationsResult(TypedDict):
    xs: list[float]
    values: dict[str, list[float]]  # by activation: f at each x
    derivatives: dict[str, list[float]]  # by activation: f' (by its rule) at each x


def _activation_rows(xs: Sequence[float]) -> RowGenerator:
    h = 1e-6
    values: dict[str, list[float]] = {}
    derivatives: dict[str, list[float]] = {}
    for name, (fun, der, formula) in ACTIVATIONS.items():
        values[name], derivatives[name] = [], []
        for x in xs:
            fx, dx = fun(x), der(x)
            numeric = central_difference(fun, x, h)
            values[name].append(fx)
            derivatives[name].append(dx)
            yield [name, x, fx, formula, dx, numeric, abs(numeric - dx)]
    result: ActivationsResult = {"xs": list(xs), "values": values, "derivatives": derivatives}
    takeaway = (
        "Backprop multiplies by f'(x) at every unit. Sigmoid's derivative is at most 0.25 "
        "(at 0) and tiny for large |x| (0.045 at x = 3): gradients shrink. tanh's peaks at 1. "
        "ReLU passes 1 for x > 0 and 0 below (a unit that is always negative stops "
        "learning); leaky ReLU, GELU, SiLU and ELU keep a small slope there. The "
        "non-linearity matters: a stack of linear layers is one linear layer."
    )
    grid = [float(v) for v in np.linspace(-4.0, 4.0, 81)]
    plot = Plot(
        "derivatives f'(x)",
        [Series(name, grid, [ACTIVATIONS[name][1](x) for x in grid])
         for name in ("sigmoid", "tanh", "relu", "gelu")],
        xlabel="x",
        ylabel="f'(x)",
    )
    return Outcome(result, takeaway, [plot])


# --- chain-rule (card 4) ----------------------------------------------------------------

NET = {"w1": 0.5, "b1": -0.5, "w2": -1.5, "b2": 0.3}
TARGET_OUTPUT = 1.0


def forward(
    x: float, p: dict[str, float], t: float = TARGET_OUTPUT, **override: float
) -> dict[str, float]:
    """z = w1 x + b1, h = tanh z, y = w2 h + b2, L = (y - t)^2 / 2; ``override`` sets a node
    (z, h or y) to a given value, for checking its gradient by differences."""
    z = override.get("z", p["w1"] * x + p["b1"])
    h = override.get("h", math.tanh(z))
    y = override.get("y", p["w2"] * h + p["b2"])
    return {"x": x, "z": z, "h": h, "y": y, "L": (y - t) ** 2 / 2}


def chain_rule(at: Sequence[float] | None = None) -> DemoRun:
    """Backpropagation through z = w1 x + b1, h = tanh z, y = w2 h + b2, L = (y - t)^2 / 2,
    with x = 2 (or --at), t = 1, w1 = .5, b1 = -.5, w2 = -1.5, b2 = .3. Each gradient is
    local derivative x upstream gradient, from the output back:

    dL/dy = y - t; dL/db2 = dL/dy; dL/dw2 = h dL/dy; dL/dh = w2 dL/dy;
    dL/dz = (1 - h^2) dL/dh; dL/db1 = dL/dz; dL/dw1 = x dL/dz; dL/dx = w1 dL/dz.

    Every gradient is checked by a central difference of L (h = 1e-6).
    """
    x = _check_number(at, 2.0, "--at")
    params = {"x": x, "t": TARGET_OUTPUT, **NET}
    columns = ["node", "value", "local rule", "local", "upstream", "gradient dL/dnode",
               "by differences"]
    return DemoRun("chain-rule", columns, params, _chain_rows(x),
                   title="backprop through y = w₂ tanh(w₁x + b₁) + b₂, L = (y − t)²/2",
                   expected_rows=8)


class ChainRuleResult(TypedDict):
    loss: float
    forward: dict[str, float]  # z, h, y
    grads: dict[str, float]  # dL/d of x, w1, b1, w2, b2
    node_grads: dict[str, float]  # dL/d of y, h, z


def _chain_rows(x: float) -> RowGenerator:
    p = dict(NET)
    v = forward(x, p)
    eps = 1e-6

    def diff(name: str) -> float:
        """dL/dnode by a central difference of L, moving that node (or input) alone."""
        if name in ("z", "h", "y"):
            return central_difference(lambda t: forward(x, p, **{name: t})["L"], v[name], eps)
        if name == "x":
            return central_difference(lambda t: forward(t, p)["L"], x, eps)
        return central_difference(lambda t: forward(x, {**p, name: t})["L"], p[name], eps)

    grads: dict[str, float] = {}
    dy = v["y"] - TARGET_OUTPUT
    steps: list[tuple[str, str, float, str, float, float]] = [
        ("y = w2 h + b2", "dL/dy = y - t", dy, "L", 1.0, dy),
    ]
    grads["y"] = dy
    steps.append(("b2", "dy/db2 = 1", 1.0, "y", dy, dy))
    steps.append(("w2", "dy/dw2 = h", v["h"], "y", dy, v["h"] * dy))
    dh = p["w2"] * dy
    steps.append(("h = tanh z", "dy/dh = w2", p["w2"], "y", dy, dh))
    dz = (1 - v["h"] ** 2) * dh
    steps.append(("z = w1 x + b1", "dh/dz = 1 - h^2", 1 - v["h"] ** 2, "h", dh, dz))
    steps.append(("b1", "dz/db1 = 1", 1.0, "z", dz, dz))
    steps.append(("w1", "dz/dw1 = x", x, "z", dz, x * dz))
    steps.append(("x", "dz/dx = w1", p["w1"], "z", dz, p["w1"] * dz))
    for label, rule, local, _parent, upstream, grad in steps:
        name = label.split(" ")[0]
        value = v[name] if name in v else p[name]
        grads[name] = grad
        row: Row = [label, value, rule, local, upstream, grad, diff(name)]
        yield row
    result: ChainRuleResult = {
        "loss": v["L"],
        "forward": {k: v[k] for k in ("z", "h", "y")},
        "grads": {k: grads[k] for k in ("x", "w1", "b1", "w2", "b2")},
        "node_grads": {k: grads[k] for k in ("y", "h", "z")},
    }
    takeaway = (
        f"L = {v['L']:.6f}. Backprop walks from the loss to the inputs, multiplying each "
        f"node's local derivative by the gradient arriving from above: dL/dw1 = x (1 − h²) "
        f"w2 (y − t) = {grads['w1']:.6f}. One backward pass gives every gradient at about the "
        f"cost of the forward pass, and each agrees with a difference quotient."
    )
    return Outcome(result, takeaway)


# --- vanishing (card 17) ----------------------------------------------------------------

CHAIN_ACTIVATIONS = ("sigmoid", "tanh", "relu")


def vanishing(steps: int = 30, at: Sequence[float] | None = None) -> DemoRun:
    """A scalar chain of ``steps`` layers, a_l = act(w a_{l-1}) with w = 1 and a_0 = 0.5
    (or --at). By the chain rule da_L/da_0 = prod_l act'(w a_{l-1}) w: the running product
    of the local derivatives, for sigmoid (s' <= 0.25), tanh (<= 1) and ReLU (1 for
    positive inputs). At depth 30: sigmoid 3.751e-20, tanh 6.58e-2, ReLU 1.
    """
    depth = core.check_steps(steps, high=10_000)
    a0 = _check_number(at, 0.5, "--at")
    params = {"depth": depth, "a0": a0, "w": 1.0}
    columns = ["layer"]
    for name in CHAIN_ACTIVATIONS:
        columns += [f"{name} a", f"{name}'", f"{name} product"]
    return DemoRun("vanishing", columns, params, _vanishing_rows(depth, a0),
                   title=f"gradients through {depth} layers, aₗ = act(aₗ₋₁), a₀ = {a0:g}",
                   expected_rows=min(depth, 100) + 1)


def _relu_note(relu_product: float, a0: float, w: float) -> str:
    """What ReLU did here, checked on the product: 1 when every input was positive, 0 once
    one was not (a dead unit passes no gradient at all)."""
    if relu_product == 0:
        return (f" ReLU does not help here: its input {w * a0:g} is not positive, its slope "
                f"there is 0, and the product is exactly 0 (a dead unit). Residual "
                f"connections and normalisation keep the factors near 1 whatever the inputs.")
    return (" ReLU (slope 1 for positive inputs, as here), residual connections and "
            "normalisation keep the factors near 1.")


class VanishingResult(TypedDict):
    products: dict[str, float]  # by activation: da_L/da_0, the product of local derivatives
    depth: int
    a0: float
    activations: dict[str, float]  # by activation: a_L


def _vanishing_rows(depth: int, a0: float, w: float = 1.0) -> RowGenerator:
    keep = core.shown_steps(depth)
    a = {name: a0 for name in CHAIN_ACTIVATIONS}
    product = {name: 1.0 for name in CHAIN_ACTIVATIONS}
    history: dict[str, list[float]] = {name: [1.0] for name in CHAIN_ACTIVATIONS}
    yield [0, *(v for name in CHAIN_ACTIVATIONS for v in (a0, None, 1.0))]
    for layer in range(1, depth + 1):
        row: Row = [layer]
        for name in CHAIN_ACTIVATIONS:
            fun, der, _ = ACTIVATIONS[name]
            pre = w * a[name]
            local = der(pre) * w
            a[name] = fun(pre)
            product[name] *= local
            history[name].append(product[name])
            row += [a[name], local, product[name]]
        if layer in keep:
            yield row
    result: VanishingResult = {"products": dict(product), "depth": depth, "a0": a0,
                               "activations": {name: a[name] for name in CHAIN_ACTIVATIONS}}
    takeaway = (
        f"After {depth} layers the gradient reaching the first layer is multiplied by "
        f"{product['sigmoid']:.3e} with sigmoid (each factor s′ ≤ 0.25), "
        f"{product['tanh']:.3e} with tanh and {product['relu']:.3g} with ReLU (its slope is 1 "
        f"for positive inputs). Small factors multiply to almost nothing: the early layers "
        f"stop learning." + _relu_note(product["relu"], a0, w)
    )
    layers = [float(i) for i in range(depth + 1)]
    with np.errstate(all="ignore"):
        plot = Plot(
            "running product of local derivatives",
            [Series(name, layers, [float(v) for v in np.log10(np.abs(history[name]))])
             for name in CHAIN_ACTIVATIONS],
            xlabel="layer",
            ylabel="log10 product",
        )
    return Outcome(result, takeaway, [plot])


# --- exploding (card 18) ----------------------------------------------------------------

MAX_NORM = 1.0


def clip(grad: float, max_norm: float = MAX_NORM) -> float:
    """Gradient clipping by norm: g * min(1, max_norm / |g|). (torch.nn.utils.clip_grad_norm_
    uses max_norm / (|g| + 1e-6), a hair smaller.)"""
    norm = abs(grad)
    return grad * min(1.0, max_norm / norm) if norm > 0 else grad


def exploding(
    lr: float = 0.1, start: Sequence[float] | None = None, steps: int = 30
) -> DemoRun:
    """Gradient descent on f = x^4 (grad 4x^3) from x = 3, lr 0.1, with and without clipping
    the gradient to norm 1 (:func:`clip`). Unclipped, each step overshoots further:
    x = 3, -7.8, 182, -2.4e6, 5.6e18, -7.1e55, 1.4e167, then the cube overflows to inf,
    x becomes -inf and the run stops. Clipped, each step is at most lr: x walks down to 1.0
    at step 20 and 0.347 at 30.
    """
    lr, steps = core.check_lr(lr), core.check_steps(steps)
    x0 = _check_number(start, 3.0, "--start")
    params = {"f": "x^4", "start": x0, "lr": lr, "steps": steps, "max_norm": MAX_NORM}
    columns = ["step", "x", "grad", "clipped x", "clipped grad"]
    return DemoRun(
        "exploding",
        columns,
        params,
        _exploding_rows(x0, lr, steps),
        title=f"gradient descent on x⁴ from {x0:g}, η = {lr:g}: unclipped vs clipped to norm 1",
        expected_rows=min(steps, 100) + 1,
    )


class UnclippedEnd(TypedDict):
    x: list[float]
    diverged_at: int | None  # the step that overflowed
    converged: bool


class ClippedEnd(TypedDict):
    x: list[float]
    f: float
    end: str  # how the clipped run ended (numerics.run_end)


class ExplodingResult(TypedDict):
    """The clipped run's end (x, f, steps, converged), and each run's."""

    x: list[float]
    f: float
    steps: int
    converged: bool
    unclipped: UnclippedEnd
    clipped: ClippedEnd


def _quartic_grad(p: Array) -> Array:
    return 4 * p**3  # f = x⁴


def _clipped_quartic_grad(p: Array) -> Array:
    return np.array([clip(4 * float(p[0]) ** 3)])


def _exploding_rows(x0: float, lr: float, steps: int) -> RowGenerator:
    raw_path = [float(p[0]) for p in sgd_path(_quartic_grad, [x0], lr, steps)]
    clip_path = [float(p[0]) for p in sgd_path(_clipped_quartic_grad, [x0], lr, steps)]
    diverged_at = len(raw_path) - 1 if not core.finite(raw_path[-1]) else None
    yield from _exploding_table(raw_path, clip_path, steps, diverged_at)
    x_end, xc = raw_path[-1], clip_path[-1]
    clip_end = classify_end([Vector([v]) for v in clip_path], [v**4 for v in clip_path],
                            converged=False)
    near_zero = 1e-6 * abs(x0)  # converged: within a millionth of the start's distance
    result: ExplodingResult = {
        "x": [xc], "f": xc**4, "steps": steps, "converged": abs(xc) <= near_zero,
        "unclipped": {"x": [x_end], "diverged_at": diverged_at,
                      "converged": diverged_at is None and abs(x_end) <= near_zero},
        "clipped": {"x": [xc], "f": xc**4, "end": clip_end.kind},
    }
    takeaway = _exploding_text(raw_path, diverged_at, clip_path, clip_end, lr, x0)
    return Outcome(result, takeaway, [_exploding_plot(raw_path, clip_path)])


def _exploding_table(
    raw_path: list[float], clip_path: list[float], steps: int, diverged_at: int | None
) -> Iterator[Row]:
    """Step k of both runs (the unclipped one blank after it stopped), at the steps shown
    and at the step that overflowed."""
    keep = core.shown_steps(steps)
    for k in range(steps + 1):
        if k not in keep and k != diverged_at:
            continue
        x = raw_path[k] if k < len(raw_path) else None
        with np.errstate(all="ignore"):
            g = float(4 * np.float64(x) ** 3) if x is not None else None
        xc = clip_path[k]
        yield [k, x, g, xc, clip(4 * xc**3)]


def _exploding_plot(raw_path: list[float], clip_path: list[float]) -> Plot:
    """log10 |x| of both runs by step (the unclipped one nan after it stopped)."""
    raw = raw_path + [float("nan")] * (len(clip_path) - len(raw_path))
    ks = [float(k) for k in range(len(raw))]
    with np.errstate(all="ignore"):
        return Plot(
            "|x| by step",
            [Series("unclipped", ks, [float(v) for v in np.log10(np.abs(raw))]),
             Series("clipped", ks, [float(v) for v in np.log10(np.abs(clip_path))])],
            xlabel="step",
            ylabel="log10 |x|",
        )


def _exploding_text(
    raw: list[float], diverged_at: int | None, clip_path: list[float], clip_end: RunEnd,
    lr: float, x0: float,
) -> str:
    """What happened, each clause checked on the run: overshoot (|x| grew at every step),
    overflow, or a run that shrank toward the minimum 0."""
    grew = all(abs(b) > abs(a) for a, b in zip(raw, raw[1:], strict=False) if core.finite(a, b))
    if diverged_at is not None:
        head = ("Unclipped, the gradient 4x³ grows faster than x, so "
                + ("every step overshoots by more" if grew else "the steps overshoot")
                + f" and the run overflows at step {diverged_at} (x = {raw[-1]:g}): once a "
                f"value is inf, inf − inf is nan.")
    elif abs(raw[-1]) < abs(x0):
        head = (f"Unclipped, with lr = {lr:g} the steps from {x0:g} do not blow up: x shrinks "
                f"to {raw[-1]:.4g} (the gradient 4x³ explodes only when lr · 12x² is large).")
    else:
        head = f"Unclipped, x ends at {raw[-1]:.4g} without overflowing."
    xc = clip_path[-1]
    steady = all(abs(b) < abs(a) for a, b in zip(clip_path, clip_path[1:], strict=False))
    tail = f" Clipping the gradient to norm {MAX_NORM:g} bounds every step by lr = {lr:g}, so "
    if steady:
        tail += f"x walks down steadily to {xc:.4g}."
    elif clip_end.kind == "cycling":
        tail += (f"no step blows up, but here x ends at {xc:.4g} and the clipped run "
                 + clip_end.sentence[3:])  # "It bounces ..." -> "bounces ..."
    else:
        tail += f"no step blows up; x ends at {xc:.4g}. " + clip_end.sentence
    return head + tail
