"""Saved FSRS-6 parameters: checked against py-fsrs's bounds whenever they are read.

They live under the key ``parameters`` of ``config.toml`` beside ``calcquiz.db``
(``calcquiz config get/set/unset parameters``).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from calcquiz.errors import BadInputError, CalcquizError

COUNT = 21


def check(values: object, source: str = "parameters") -> tuple[float, ...]:
    """21 finite numbers, each within FSRS-6's bounds (py-fsrs's), or BadInputError."""
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS as LOW
    from fsrs.scheduler import UPPER_BOUNDS_PARAMETERS as HIGH

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
    path = config_path()
    values = _read(path).get("parameters")
    return None if values is None else check(values, f"{path}: parameters")


def save(parameters: Sequence[float]) -> Path:
    """Store the parameters in the config (other keys kept); returns the file."""
    path = config_path()
    data = _read(path)
    data["parameters"] = list(check(list(parameters)))
    _write(path, data)
    return path


def config_path() -> Path:
    from calcquiz.paths import data_dir

    return data_dir() / "config.toml"


def _read(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BadInputError(f"{path} is damaged or unreadable: {exc}") from None


def _write(path: Path, data: dict[str, Any]) -> None:
    """Atomically: a temporary file beside it, then a rename."""
    import tomli_w

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise CalcquizError(f"cannot write {path}: {exc.strerror or exc}") from None
