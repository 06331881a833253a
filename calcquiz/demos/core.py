"""What every demo returns, and the input checks they share. Pure: no printing, no I/O.

A demo function checks its inputs at once (raising BadInputError or ExpressionError),
then returns a :class:`DemoRun` whose rows are computed lazily by a generator, so a
terminal view can show each row as soon as it exists. When the rows run out, the
generator returns an :class:`Outcome`: the ``result`` dict of the JSON contract, a
takeaway sentence and optional plots.

No numpy at import: a demo on a built-in objective may run on Vectors
(:mod:`calcquiz.numerics.vector`) without it. The helpers below take numpy values or
plain ones alike.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypedDict

from calcquiz.errors import BadInputError
from calcquiz.numerics import vector
from calcquiz.pretty_expr import pretty_text

Cell: TypeAlias = "float | int | str | None | list[Any]"
Row: TypeAlias = "list[Cell]"

MAX_STEPS = 100_000
# Long runs show every k-th step so a table stays readable (first, last and any step
# where the run blew up are always shown).
MAX_TABLE_ROWS = 100


@dataclass
class Series:
    """One line of a plot."""

    label: str
    x: list[float]
    y: list[float]


@dataclass
class Plot:
    """A small line plot; ``y`` values that are not finite are left out when drawn."""

    title: str
    series: list[Series]
    xlabel: str = ""
    ylabel: str = ""


# A demo's options and its result, as they go into the JSON. Each demo's result is a
# TypedDict of its own (LocalMinimaResult...); here, where every demo's passes, it is a
# read-only mapping.
Json: TypeAlias = "Mapping[str, object]"


@dataclass
class Outcome:
    """What a demo's row generator returns at its end."""

    result: Json
    takeaway: str
    plots: list[Plot] = field(default_factory=list)


RowGenerator: TypeAlias = "Generator[Row, None, Outcome]"


class DemoJson(TypedDict):
    """What ``calcquiz demo NAME --json`` prints."""

    demo: str
    card: int | None
    params: Json
    columns: list[str]
    rows: list[Row]
    result: Json


class DemoRun:
    """A demo being computed. Iterate it for the rows as they come; then call ``finish``.

    ``rows`` keeps every row produced so far; ``expected_rows`` is a hint for pacing an
    animation (a run that diverges may stop sooner).
    """

    def __init__(
        self,
        name: str,
        columns: Sequence[str],
        params: Json,
        rows: RowGenerator,
        *,
        title: str,
        expected_rows: int,
    ) -> None:
        self.name = name
        self.card: int | None = None  # the deck's card behind the demo, set by the runner
        self.title = title
        self.columns = list(columns)
        self.params = params
        self.expected_rows = expected_rows
        self.rows: list[Row] = []
        self._generator = rows
        self._outcome: Outcome | None = None

    def __iter__(self) -> Iterator[Row]:
        while self._outcome is None:
            try:
                with vector.quiet():  # inf and nan are shown, not warned about
                    row = next(self._generator)
            except StopIteration as stop:
                self._outcome = stop.value
                return
            row = [plain(cell) for cell in row]
            self.rows.append(row)
            yield row

    def finish(self) -> Outcome:
        """Compute any rows not yet produced and return the outcome."""
        for _ in self:
            pass
        assert self._outcome is not None
        return self._outcome

    @property
    def result(self) -> Json:
        return self.finish().result

    def to_dict(self) -> DemoJson:
        """The JSON contract: demo, card, params, columns, rows, result."""
        outcome = self.finish()
        return {
            "demo": self.name,
            "card": self.card,
            "params": self.params,
            "columns": self.columns,
            "rows": self.rows,
            "result": outcome.result,
        }


# --- Input checks (torch.optim style: a clear message, never an assert) -----------------


def check_lr(lr: float) -> float:
    if not (math.isfinite(lr) and lr > 0):
        raise BadInputError(f"invalid learning rate: {lr} (it must be a number > 0)")
    return float(lr)


def check_steps(steps: int, low: int = 1, high: int = MAX_STEPS) -> int:
    if not low <= steps <= high:
        raise BadInputError(f"invalid number of steps: {steps} (it must be {low}..{high})")
    return int(steps)


def check_momentum(momentum: float) -> float:
    if not (math.isfinite(momentum) and 0 <= momentum < 1):
        raise BadInputError(f"invalid momentum: {momentum} (it must be in [0, 1))")
    return float(momentum)


def check_point(
    point: Sequence[float] | None, names: Sequence[str], default: Sequence[float], option: str
) -> Any:
    """The point given with ``option`` (or ``default``), one finite number per variable, as
    a float64 array (:func:`check_values`)."""
    import numpy as np

    return np.array(check_values(point, names, default, option), dtype=np.float64)


def check_values(
    point: Sequence[float] | None, names: Sequence[str], default: Sequence[float], option: str
) -> list[float]:
    """The point given with ``option`` (or ``default``), one finite number per variable."""
    values = list(default if point is None else point)
    if len(values) != len(names):
        where = ", ".join(names)
        raise BadInputError(
            f"{option} needs {len(names)} number{'s' * (len(names) > 1)} ({where}), "
            f"got {len(values)}"
        )
    if not all(math.isfinite(v) for v in values):
        raise BadInputError(f"{option} must be finite numbers")
    return [float(v) for v in values]


# --- Helpers for the row generators -----------------------------------------------------


def shown_steps(steps: int) -> frozenset[int]:
    """The steps 0..steps a table shows: all of them up to MAX_TABLE_ROWS, else the first 20
    and then geometrically spaced ones up to ``steps`` (about MAX_TABLE_ROWS in all), so a
    run that stops early still shows its path. A run's last row is always shown as well."""
    if steps <= MAX_TABLE_ROWS:
        return frozenset(range(steps + 1))
    keep = set(range(21))
    ratio = (steps / 20) ** (1 / (MAX_TABLE_ROWS - 21))
    k = 20.0
    while k < steps:
        k = max(k * ratio, k + 1)
        keep.add(min(steps, round(k)))
    keep.add(steps)
    return frozenset(keep)


def finite(*values: Any) -> bool:
    """True if every value is a finite number (floats, numpy scalars)."""
    return all(math.isfinite(v) for v in values)


def norm(v: Any) -> float:
    """The Euclidean norm of a small vector (math.hypot: faster than numpy for 1-3 entries)."""
    return math.hypot(*vector.flat(v))


def num(value: Any) -> float:
    """A plain float for a table cell or the JSON result (inf and nan included)."""
    return float(value)


def vec(values: Any) -> list[float]:
    """A flat list of floats (-0.0 shown as 0.0)."""
    return [v + 0.0 for v in vector.flat(values)]


def mat(values: Any) -> list[list[float]]:
    return [vec(row) for row in vector.as_matrix(values)]


def plain(value: Any) -> Any:
    """numpy scalars and arrays, and Vectors, as plain Python floats and lists (for tables
    and JSON)."""
    if isinstance(value, (list, tuple)):  # a Vector too
        return [plain(v) for v in value]
    np = sys.modules.get("numpy")  # not loaded: no numpy value can exist
    if np is not None:
        if isinstance(value, np.ndarray):
            return [plain(v) for v in value.tolist()]
        if isinstance(value, np.generic):
            return value.item()
    return value


def steps_text(n: int) -> str:
    """'1 step', '2 steps': a count of steps in a sentence."""
    return f"{n} step" if n == 1 else f"{n} steps"


def point_text(names: Sequence[str], values: Any) -> str:
    return ", ".join(f"{n}={v:.6g}" for n, v in zip(names, values, strict=True))


pretty = pretty_text  # titles and takeaways: the text of calcquiz.expr.printing
