"""The reports of ``optimize``, ``simulate`` and ``stats --calibration``: what the command
prints with --json and what :mod:`calcquiz.ui.fit_view` draws. TypedDicts, because each
report is its JSON: keys in this order, nothing else. Light: no fsrs at import."""

from __future__ import annotations

from typing import Literal, TypedDict


class ScoresReport(TypedDict):
    log_loss: float
    rmse_bins: float


class PlainLogLoss(TypedDict):
    """The plain held-out log loss (every review alike), which optimize goes by."""

    default: float | None
    fitted: float | None
    held_out: int


class OptimizeReport(TypedDict):
    reviews: int
    items: int
    evaluation: str
    default: ScoresReport | None  # None: too few items for a time-series split
    fitted: ScoresReport | None
    plain_log_loss: PlainLogLoss | None
    parameters: list[float]
    fitted_parameters: str  # fit.Coverage: which parameters the data supported fitting
    saved: str | None  # where they were saved
    notes: list[str]


class SimulationRow(TypedDict):
    retention: float
    reviews_per_day: float
    minutes_per_day: float
    remembered: float


class SimulationHistory(TypedDict):
    reviews: int
    cards: int
    parameters: Literal["saved", "default"]


class SimulationReport(TypedDict):
    """The first five keys are the JSON; the rest is for the view."""

    days: int
    rows: list[SimulationRow]
    recommended_retention: float | None
    basis: str
    history: SimulationHistory
    cards: int
    new_per_day: int
    review_limit: int
    measured_costs: int
    current_retention: float


class BinReport(TypedDict):
    low: float
    high: float
    count: int
    predicted: float  # mean predicted recall
    actual: float  # share of these reviews passed


class CalibrationReport(TypedDict):
    parameters: Literal["saved", "default"]
    reviews: int
    items: int
    scored: int
    evaluation: str
    log_loss: float | None  # None: too few items to score
    rmse_bins: float | None
    bins: list[BinReport]
