"""The one numeric core: every finite difference, descent loop, convergence test and
critical-point classification that demos (and drills) print is computed here, once.

Light at import time: this package file imports nothing, and iterate, convergence,
critical and vector import no numpy at module level (differences and kkt do: only array
demos use them). Points there are numpy arrays or pure-Python Vectors
(:mod:`~calcquiz.numerics.vector`), and each algorithm, written once, keeps the kind it is
given: a demo on a built-in objective runs without numpy; arrays (a user's function, data,
n > 2 linear algebra) bring numpy with them. sympy is imported only inside the functions
that need it. Each function's docstring
states its formula and tolerance. The public API:

* :mod:`~calcquiz.numerics.vector`: ``Vector``, ``point``, ``like``, ``matrix_like``,
  ``solve`` (-> ``SingularMatrixError``), ``eigvalsh`` (2 × 2 in closed form), ``dot``,
  ``same``, ``nonzero``, ``all_finite``, ``flat``, ``quiet``.

* :mod:`~calcquiz.numerics.differences`: ``forward_difference``, ``central_difference``,
  ``partial_difference``, ``directional_difference``, ``hessian_by_differences``,
  ``one_sided_slopes``, ``differentiability`` (-> ``Differentiability``: left, right,
  differentiable; an unbounded one-sided slope is ±inf), ``one_sided_directional``,
  ``steepest_one_sided``.
* :mod:`~calcquiz.numerics.iterate`: ``sgd_step`` (torch.optim.SGD's rule), ``sgd_path``,
  ``gd_path``, ``momentum_path``, ``newton_path`` (-> ``IterationResult`` with scipy's
  names ``x``, ``fun``, ``nit``, ``message``, ``success``, plus ``path``, ``values``,
  ``grad_norms``, ``converged``, ``diverged``), ``projected_path``, ``steps_until``,
  ``bisect_root``.
* :mod:`~calcquiz.numerics.convergence`: ``is_converged``, ``converged_at``,
  ``newton_distance``, ``is_diverged``, ``detect_cycle``, ``observed_order``, and the
  tolerances XTOL, GTOL, CYCLE_RTOL, ORDER_FLOOR.
* :mod:`~calcquiz.numerics.critical`: ``classify_eigenvalues``, ``is_stationary``,
  ``classify_critical_point`` and ``classify_limit`` (-> ``CriticalPoint``),
  ``exact_inertia`` / ``kind_from_inertia`` (exact, sympy), EIG_RTOL.
* :mod:`~calcquiz.numerics.run_end`: ``classify_end`` (-> ``RunEnd``: converged, left the
  domain, overflowed, stalled, cycling, diverging, unbounded below, drifting, still
  moving), the one classification of how a descent run ended.
* :mod:`~calcquiz.numerics.precise`: ``PreciseDistance`` (the Newton distance at 60 digits,
  for a user's function: it confirms what float64 calls stationary).
* :mod:`~calcquiz.numerics.kkt`: ``check_kkt`` (-> ``KKTCheck``), ``constrained_kind``,
  ``kkt_step``, ``lagrange_newton``, ``kkt_points``, ``best_constrained``, ``default_starts``,
  ``project_onto``, ``as_dict``, FEAS_RTOL, KKT_RTOL.
"""
