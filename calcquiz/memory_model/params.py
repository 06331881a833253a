"""Saved FSRS-6 parameters: checked against py-fsrs's bounds whenever they are read.

They live under the key ``parameters`` of ``config.toml`` beside ``calcquiz.db``
(``calcquiz config get/set/unset parameters``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

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


def saved() -> tuple[float, ...] | None:
    """The saved parameters (checked), or None for FSRS-6's defaults."""
    from calcquiz.config import config_path, load_config

    values = load_config().parameters
    return None if values is None else check(list(values), f"{config_path()}: parameters")


def save(parameters: Sequence[float]) -> Path:
    """Store the parameters in the config (its other keys kept); returns the file."""
    from calcquiz.config import config_path, write_value

    write_value("parameters", check(list(parameters)))
    return config_path()
