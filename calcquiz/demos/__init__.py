"""The numeric demos, one per card. This module stays light: no numpy at import time.

``DEMO_NAMES`` is the canonical list, in card order; deck validation checks a card's
``demo`` field against it.
"""

from __future__ import annotations

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
