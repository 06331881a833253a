"""The learner's own memory model: FSRS-6 fitted to their review history with fsrs-rs.

* :mod:`.history`: review histories (calcquiz's log or an open-spaced-repetition CSV)
  and the training items FSRS expects. Pure Python, no fsrs-rs.
* :mod:`.fit`: fitting and the time-series evaluation, through fsrs-rs.
* :mod:`.workload`: the fsrs-rs simulator configured from the learner's history.
* :mod:`.params`: checking saved parameters against FSRS-6's bounds.

fsrs-rs (``fsrs_rs_python``) is imported inside functions, only on the paths of
``optimize``, ``simulate`` and ``stats --calibration``.
"""
