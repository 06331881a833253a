"""The one numeric core: every finite difference, descent loop, convergence test and
critical-point classification that demos (and drills) print is computed here, once.

Light at import time: this package file imports nothing heavy; each submodule imports numpy
(and sympy only inside the functions that need it). The public API:

* :mod:`~calcquiz.numerics.differences`: ``forward_difference``, ``central_difference``,
  ``partial_difference``, ``directional_difference``, ``hessian_by_differences``,
  ``one_sided_slopes``, ``differentiability`` (-> ``Differentiability``).
* :mod:`~calcquiz.numerics.iterate`: ``sgd_step``, ``sgd_path``, ``gd_path``,
  ``momentum_path``, ``newton_path`` (-> ``IterationResult``, scipy's names ``x``, ``fun``,
  ``nit``, ``message``, plus ``path``, ``values``, ``grad_norms``, ``converged``).
* :mod:`~calcquiz.numerics.convergence`: ``is_converged``, ``is_diverged``,
  ``detect_cycle``, ``observed_order``, ``gradient_scale`` and the tolerances they use.
* :mod:`~calcquiz.numerics.critical`: ``classify_eigenvalues``,
  ``classify_critical_point`` (-> ``CriticalPoint``), ``is_stationary``.
* :mod:`~calcquiz.numerics.kkt`: ``check_kkt`` (-> ``KKTCheck``), ``lagrange_points``,
  ``kkt_points``, ``constrained_kind``, ``best_constrained``.
"""
