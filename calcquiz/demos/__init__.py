"""The numeric demos: a registry of names, summaries and modules. Light: no numpy at import.

``REGISTRY`` maps each demo's name to a one-line summary and the module under
calcquiz.demos that computes it; a module is imported only when its demo runs.
``DEMO_NAMES``, built from it, is what deck validation checks a card's ``demo`` field
against. Which card a demo belongs to is the deck's business (a card's ``demo`` field):
calcquiz.demos.runner finds it. ``DemoInfo.card`` is the number of that card in the bundled
deck, which comes first among the default decks, so ``calcquiz demo NAME`` without --deck
shows it without reading a deck (tests/test_demo_cli.py checks it against the deck).
Option checking lives here: :meth:`DemoInfo.options` and :meth:`DemoInfo.run`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from calcquiz.demos.core import DemoRun


class DemoInfo(NamedTuple):
    """One demo in the registry: where it lives and what it shows, loaded only when run."""

    name: str
    summary: str
    module: str  # the module under calcquiz.demos that holds it
    card: int  # its card in the bundled deck (the deck's `demo` field says so)

    @property
    def function_name(self) -> str:
        return self.name.replace("-", "_")

    def load(self) -> Callable[..., DemoRun]:
        """The demo function (imports its module, and so numpy, on first use)."""
        module = importlib.import_module(f"calcquiz.demos.{self.module}")
        function: Callable[..., DemoRun] = getattr(module, self.function_name)
        return function

    def options(self) -> tuple[str, ...]:
        """The options the demo takes, by name (``lr``, ``steps``, ``f``...): the keyword
        parameters of its function, so the registry never disagrees with the code."""
        import inspect

        return tuple(inspect.signature(self.load()).parameters)

    def run(self, **given: Any) -> DemoRun:
        """The demo run with the options ``given`` (None values are left out); an option
        it does not take raises BadInputError naming the ones it does."""
        from calcquiz.errors import BadInputError

        given = {key: value for key, value in given.items() if value is not None}
        takes = self.options()
        for key in given:
            if key not in takes:
                listed = ", ".join(f"--{k}" for k in takes) or "no options"
                raise BadInputError(f"demo {self.name} does not take --{key} (it takes {listed})")
        return self.load()(**given)


_D = DemoInfo
REGISTRY: dict[str, DemoInfo] = {
    d.name: d
    for d in (
        _D("derivative", "finite differences approach f'(x), until round-off", "derivatives", 1),
        _D("partial", "each partial derivative holds the other variables fixed", "derivatives", 2),
        _D("gradient", "the slope is steepest along the gradient: its norm", "derivatives", 3),
        _D("chain-rule", "backprop through a tiny net: local derivative x upstream", "deep", 4),
        _D("convexity", "the chord test on random pairs: convex or not", "convexity", 5),
        _D("gradient-descent", "steps of w - lr grad f walking down a bowl", "descent", 6),
        _D("minibatch", "full batch vs batch 32 vs batch 1 on linear regression", "descent", 7),
        _D("learning-rate", "several step sizes: slow, bouncing or diverging", "rates", 8),
        _D("local-minima", "several starts: which basin each one ends in", "landscape", 9),
        _D("saddle", "descent near a saddle: the slow-down; does it escape?", "landscape", 10),
        _D("momentum", "plain GD vs heavy ball in a narrow ravine", "rates", 11),
        _D("jacobian", "the matrix of first partials, exact vs differences", "jacobian", 12),
        _D("hessian", "second partials, eigenvalues and the kind of point", "second_order", 13),
        _D("newton", "Newton's method: the error per step and its observed order",
           "second_order", 14),
        _D("constrained", "projected gradient descent onto g <= 0 (a disk)", "constraints", 15),
        _D("lagrange", "at the optimum grad f is parallel to grad g", "constraints", 16),
        _D("vanishing", "products of small local derivatives through 30 layers", "deep", 17),
        _D("exploding", "gradient descent with too large a step, and with clipping", "deep", 18),
        _D("activations", "activation functions and their derivatives", "deep", 19),
        _D("weight-decay", "L2 regularisation: the weights each lambda ends with", "descent", 20),
    )
}


DEMO_NAMES: tuple[str, ...] = tuple(REGISTRY)


def get(name: str) -> DemoInfo:
    """The demo called ``name``; an unknown name raises BadInputError naming the closest."""
    from calcquiz.errors import BadInputError
    from calcquiz.suggest import did_you_mean

    info = REGISTRY.get(name)
    if info is None:
        hint = did_you_mean(name, REGISTRY)
        raise BadInputError(f"unknown demo {name!r}{hint} (`calcquiz demo` lists them)")
    return info
