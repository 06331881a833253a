"""Regression tests for false sentences at the edges of floating point: kinks written
another way, zero gradients by underflow, runs that cycle or diverge, constrained points
that are not minima, wrong numbers in sentences, and unbounded loops. Each number is
checked by an independent route (sympy, mpmath, scipy, closed forms)."""

from __future__ import annotations

import math
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sympy as sp

from calcquiz.demos import REGISTRY
from calcquiz.numerics.iterate import bisect_root

X, Y = sp.symbols("x y", real=True)


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) if the block runs longer than ``seconds``."""
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def demo(name: str, **options: object):
    run = REGISTRY[name].run(**options)
    return run.result, run.finish().takeaway


# --- every numeric loop has a bound -------------------------------------------------------


def test_newton_on_x_minus_log_x_finishes_and_claims_no_minimiser():
    with deadline(30):
        result, text = demo("newton", f="x - log(x)", start=[5.0])
    # The iterate leaves log's domain (x < 0): no stationary point is claimed near it.
    assert result["converged"] is False and result["minimiser"] is None


def test_bisect_root_gives_up_at_the_edge_of_float64():
    with deadline(10):
        assert bisect_root(lambda t: 1 - 1 / t, -1.7976931348623031e308) is None
        assert bisect_root(lambda t: 1.0, 1e308) is None
        assert bisect_root(lambda t: 1.0, math.inf) is None
    # Still finds a plain root (x = 2 for t^2 - 4 from 1.5: closed form).
    assert bisect_root(lambda t: t * t - 4, 1.5, 0.5) == pytest.approx(2.0, abs=1e-15)
