"""The numeric demos, one per card. This module stays light: no numpy at import time.

``DEMO_NAMES`` is the canonical list, in card order; deck validation checks a card's
``demo`` field against it. ``REGISTRY`` maps each name to its card, a one-line summary
and the module that computes it; modules are imported only when a demo runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEMO_NAMES: tuple[str, ...] = (
    "derivative",
    "partial",
    "gradient",
    "chain-rule",
    "convexity",
    "gradient-descent",
    "minibatch",
    "learning-rate",
    "local-minima",
    "saddle",
    "momentum",
    "jacobian",
    "hessian",
    "newton",
    "constrained",
    "lagrange",
    "vanishing",
    "exploding",
    "activations",
    "weight-decay",
)


@dataclass(frozen=True)
class DemoInfo:
    """One demo in the registry: where it lives and what it shows, loaded only when run."""

    name: str
    card: int
    summary: str
    module: str  # the module under calcquiz.demos that holds it

    @property
    def function_name(self) -> str:
        return self.name.replace("-", "_")

    def load(self) -> Callable[..., Any]:
        """The demo function (imports its module, and so numpy, on first use)."""
        module = importlib.import_module(f"calcquiz.demos.{self.module}")
        return getattr(module, self.function_name)


_D = DemoInfo
REGISTRY: dict[str, DemoInfo] = {
    d.name: d
    for d in (
        _D("derivative", 1, "finite differences approach f'(x), until round-off", "derivatives"),
        _D("partial", 2, "each partial derivative holds the other variables fixed", "derivatives"),
        _D("gradient", 3, "the slope is steepest along the gradient: its norm", "derivatives"),
        _D("chain-rule", 4, "backprop through a tiny net: local derivative x upstream", "deep"),
        _D("convexity", 5, "the chord test on random pairs: convex or not", "landscape"),
        _D("gradient-descent", 6, "steps of w - lr grad f walking down a bowl", "descent"),
        _D("minibatch", 7, "full batch vs batch 32 vs batch 1 on linear regression", "descent"),
        _D("learning-rate", 8, "too small is slow, too large bounces or diverges", "descent"),
        _D("local-minima", 9, "the start decides which basin descent ends in", "landscape"),
        _D("saddle", 10, "gradient descent slows near a saddle, then escapes", "landscape"),
        _D("momentum", 11, "plain GD vs heavy ball in a narrow ravine", "descent"),
        _D("jacobian", 12, "the matrix of first partials, exact vs differences", "derivatives"),
        _D("hessian", 13, "second partials, eigenvalues and the kind of point", "second_order"),
        _D("newton", 14, "Newton's method: quadratic convergence near the minimum", "second_order"),
        _D("constrained", 15, "projected gradient descent onto a disk", "constraints"),
        _D("lagrange", 16, "at the optimum grad f is parallel to grad g", "constraints"),
        _D("vanishing", 17, "products of small local derivatives through 30 layers", "deep"),
        _D("exploding", 18, "gradient descent blowing up to inf, and clipping", "deep"),
        _D("activations", 19, "activation functions and their derivatives", "deep"),
        _D("weight-decay", 20, "L2 regularisation shrinks the weights toward zero", "descent"),
    )
}


def get(name: str) -> DemoInfo:
    """The demo called ``name``; an unknown name raises BadInputError naming the closest."""
    import difflib

    from calcquiz.errors import BadInputError

    info = REGISTRY.get(name)
    if info is None:
        close = difflib.get_close_matches(name, list(REGISTRY), n=1, cutoff=0.4)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise BadInputError(f"unknown demo {name!r}{hint} (`calcquiz demo` lists them)")
    return info
