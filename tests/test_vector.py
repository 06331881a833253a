"""The pure-Python Vector path of the numeric core: its closed forms agree with numpy's
LAPACK routines, and one algorithm run on a Vector and on an array gives the same bits."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcquiz.demos import objectives
from calcquiz.numerics import vector
from calcquiz.numerics.convergence import newton_distance
from calcquiz.numerics.critical import (
    EIG_RTOL,
    classify_critical_point,
    classify_eigenvalues,
    classify_limit,
)
from calcquiz.numerics.iterate import gd_path, momentum_path, newton_path
from calcquiz.numerics.vector import SingularMatrixError, Vector

from .helpers import examples

EPS = sys.float_info.epsilon
entries = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


def test_vector_arithmetic_is_element_wise_never_concatenation():
    a, b = Vector([1.0, 2.0]), Vector([0.5, -4.0])
    assert a + b == Vector([1.5, -2.0]) and a - b == Vector([0.5, 6.0])
    assert 2 * a == a * 2 == Vector([2.0, 4.0]) and a / 2 == Vector([0.5, 1.0])
    assert -a == Vector([-1.0, -2.0]) and a.dot(b) == 0.5 - 8.0
    assert a.norm() == math.hypot(1.0, 2.0)
    with pytest.raises(TypeError):
        a * b  # noqa: B018 (no element-wise product, and never tuple repetition)
    with pytest.raises(TypeError):
        a + (1.0, 2.0)  # noqa: B018 (a plain tuple is not concatenated)
    assert Vector([1e308]) * 10 == Vector([math.inf])  # overflow gives inf, as numpy
    assert not Vector([math.nan]).isfinite() and Vector([0.0]) == Vector([-0.0])


@settings(max_examples=examples(300), deadline=None)
@given(entries, entries, entries)
def test_closed_form_eigenvalues_match_numpy_eigvalsh(a, b, c):
    H = ((a, b), (b, c))
    ours = vector.eigvalsh(vector.matrix_like(Vector([0.0]), H))
    theirs = np.linalg.eigvalsh(np.array(H))
    scale = max(abs(float(v)) for v in theirs)
    tiny = 4 * 5e-324  # halving a subnormal loses its last bit
    for mine, ref in zip(ours, theirs, strict=True):
        assert abs(mine - ref) <= 8 * EPS * scale + tiny
    assert ours[0] <= ours[1]
    # so the kind is the same unless an eigenvalue sits on the zero tolerance itself
    small = min(abs(float(v)) for v in theirs)
    if not abs(small - EIG_RTOL * scale) <= 16 * EPS * scale + tiny:
        assert classify_eigenvalues(ours) == classify_eigenvalues(theirs)


def test_closed_form_eigenvalues_of_exact_cases():
    as_matrix = vector.matrix_like
    p = Vector([0.0, 0.0])
    assert vector.eigvalsh(as_matrix(p, ((1.0, 1.0), (1.0, 1.0)))) == (0.0, 2.0)
    assert vector.eigvalsh(as_matrix(p, ((2.0, 0.0), (0.0, -3.0)))) == (-3.0, 2.0)
    assert vector.eigvalsh(as_matrix(Vector([0.0]), ((5.0,),))) == (5.0,)


@settings(max_examples=examples(300), deadline=None)
@given(entries, entries, entries, entries, entries, entries)
def test_small_solve_matches_numpy_solve(a, b, c, d, g1, g2):
    H = ((a, b), (c, d))
    det = np.linalg.det(np.array(H))
    cond = np.linalg.cond(np.array(H)) if det else math.inf
    if not cond < 1e8:
        return
    ours = vector.solve(vector.matrix_like(Vector([0.0]), H), Vector([g1, g2]))
    theirs = np.linalg.solve(np.array(H), np.array([g1, g2]))
    assert isinstance(ours, Vector)
    size = max(1e-300, math.hypot(*theirs))  # numpy.linalg.norm underflows at 1e-200
    assert math.hypot(*(np.array(ours) - theirs)) <= 1e-15 * cond * size + 1e-300


def test_singular_systems_raise_one_error_on_both_kinds():
    H = ((1.0, 2.0), (2.0, 4.0))
    with pytest.raises(SingularMatrixError):
        vector.solve(vector.matrix_like(Vector([0.0]), H), Vector([1.0, 1.0]))
    with pytest.raises(SingularMatrixError):
        vector.solve(np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([1.0, 1.0]))
    assert newton_distance(Vector([1.0, 1.0]), vector.matrix_like(Vector([0.0]), H)) == math.inf


@pytest.mark.parametrize("lr, steps", [(0.1, 30), (0.2, 1000), (0.5, 300), (2.0, 2000)])
def test_gradient_descent_on_vectors_and_arrays_is_bit_for_bit_the_same(lr, steps):
    bowl = objectives.BOWL
    on_vectors = gd_path(bowl.fun, bowl.jac, Vector([0.0, 0.0]), lr, steps, hess=bowl.hessian)
    on_arrays = gd_path(bowl.fun, bowl.jac, np.zeros(2), lr, steps, hess=bowl.hessian)
    assert isinstance(on_vectors.x, Vector) and isinstance(on_arrays.x, np.ndarray)
    assert [tuple(q) for q in on_vectors.path] == [tuple(q.tolist()) for q in on_arrays.path]
    assert on_vectors.values == on_arrays.values  # nan == nan fails: none expected here
    assert on_vectors.grad_norms == on_arrays.grad_norms
    assert (on_vectors.message, on_vectors.converged, on_vectors.diverged) == (
        on_arrays.message, on_arrays.converged, on_arrays.diverged)


def test_momentum_and_newton_on_vectors_match_arrays():
    ravine = objectives.RAVINE
    a = momentum_path(ravine.fun, ravine.jac, Vector([10.0, 1.0]), 0.02, 0.9, 200,
                      hess=ravine.hessian)
    b = momentum_path(ravine.fun, ravine.jac, np.array([10.0, 1.0]), 0.02, 0.9, 200,
                      hess=ravine.hessian)
    assert [tuple(q) for q in a.path] == [tuple(q.tolist()) for q in b.path]
    assert a.message == b.message
    well = objectives.DOUBLE_WELL
    a = newton_path(well.fun, well.jac, well.hess, Vector([2.0]), 20)
    b = newton_path(well.fun, well.jac, well.hess, np.array([2.0]), 20)
    assert a.nit == b.nit and a.converged and b.converged
    assert abs(a.x[0] - b.x[0]) <= 4 * EPS * abs(b.x[0])


def test_overflow_gives_inf_on_a_vector_as_on_an_array():
    far = [1e200, -1e200]
    assert objectives.BOWL.fun(Vector(far)) == objectives.BOWL.fun(np.array(far)) == math.inf
    assert tuple(objectives.BOWL.jac(Vector(far))) == tuple(
        objectives.BOWL.jac(np.array(far)).tolist())


@pytest.mark.parametrize("obj, p", [
    (objectives.BOWL, [3.0, -1.0]),
    (objectives.SADDLE, [0.0, 0.0]),
    (objectives.diagonal_quadratic("-x^2 - y^2", -1.0, -1.0), [0.0, 0.0]),
    (objectives.DOUBLE_WELL, [1.1309787692]),
])
def test_classification_on_vectors_matches_arrays(obj, p):
    v, a = Vector(p), np.array(p)
    ours = classify_critical_point(v, obj.jac(v), obj.hess(v))
    theirs = classify_critical_point(a, obj.jac(a), obj.hess(a))
    assert (ours.kind, ours.stationary) == (theirs.kind, theirs.stationary)
    assert ours.eigenvalues == pytest.approx(theirs.eigenvalues, rel=1e-15)
    assert classify_limit(v, obj.jac(v), obj.hess).kind == classify_limit(
        a, obj.jac(a), obj.hess).kind


finite_or_not = st.one_of(st.floats(-10, 10), st.sampled_from([math.inf, -math.inf, math.nan]))


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.lists(finite_or_not, min_size=2, max_size=2), min_size=0, max_size=14))
def test_zigzag_count_matches_numpys_sign_and_diff(points):
    from calcquiz.demos.rates import zigzags

    with np.errstate(all="ignore"):  # numpy's own formula, as the demo used to compute it
        steps = np.diff(np.array(points[-11:], dtype=np.float64).reshape(-1, 2), axis=0)
        flips = np.sum(np.diff(np.sign(steps), axis=0) != 0, axis=0)
        expected = len(steps) >= 2 and bool(np.any(flips >= 3))
    assert zigzags([Vector(p) for p in points]) is expected
    assert zigzags([np.array(p) for p in points]) is expected
