"""FSRS-6 parameters: checked against py-fsrs's bounds whenever they are read or saved.

Saved ones live under the key ``parameters`` of ``config.toml`` beside ``calcquiz.db``
(``calcquiz config get/set/unset parameters``; :func:`calcquiz.config.saved_parameters`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from calcquiz.errors import BadInputError

COUNT = 21


def bounds() -> tuple[Sequence[float], Sequence[float]]:
    """FSRS-6's lowest and highest value of each parameter: py-fsrs's, which its Scheduler
    enforces (fsrs-rs clips a fit into the same ranges). The one place calcquiz reads them."""
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS as LOW
    from fsrs.scheduler import UPPER_BOUNDS_PARAMETERS as HIGH

    return LOW, HIGH


def check(values: object, source: str = "parameters") -> tuple[float, ...]:
    """21 finite numbers, each within FSRS-6's :func:`bounds`, or BadInputError."""
    LOW, HIGH = bounds()
    if not isinstance(values, (list, tuple)) or len(values) != COUNT:
        raise BadInputError(f"{source}: expected {COUNT} numbers (FSRS-6's parameters)")
    out = []
    for i, (value, lo, hi) in enumerate(zip(values, LOW, HIGH, strict=True)):
        number_like = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number_like or not math.isfinite(value):
            raise BadInputError(f"{source}: w{i} = {value!r} is not a finite number")
        if not lo <= value <= hi:
            raise BadInputError(f"{source}: w{i} = {value} is outside FSRS-6's range {lo}-{hi}")
        out.append(float(value))
    return tuple(out)
