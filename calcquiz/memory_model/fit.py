"""Fitting FSRS-6 to a learner's items with fsrs-rs, and scoring it honestly.

Evaluation (a time-series split, as fsrs-rs's ``evaluate_with_time_series_splits``): the
items, in time order, are cut into six equal segments (the last takes the remainder);
fold k = 1..5 fits parameters on segments 0..k-1 and scores segment k. Each fold's
segment is scored twice, by the fold's fitted parameters and by FSRS-6's defaults, with
fsrs-rs's ``FSRS.evaluate`` (same items, same order, so the same recency weights); the
figures reported are the means over the five folds of

* log loss: ``-sum_i w_i [y_i ln p_i + (1 - y_i) ln(1 - p_i)] / sum_i w_i``, with
  ``y_i = 1`` when the review was passed (rating > 1), ``p_i`` the predicted recall and
  ``w_i = 0.25 + 0.75 (i / (n - 1))^3`` (fsrs-rs weighs recent items more);
* RMSE(bins): items grouped by interval, review count and lapses (fsrs-rs's bins), the
  root of the weighted mean squared gap between mean predicted and actual recall;
* plain log loss: ``-mean_i [y_i ln p_i + (1 - y_i) ln(1 - p_i)]`` over every held-out
  item of the five folds, each counted once (no recency weights), ``p_i`` from
  :func:`predictions` clamped to [1e-4, 1 - 1e-4] as fsrs-rs clamps. This is the measure
  the verdict and ``--save`` go by: the fitted parameters are saved only when their plain
  held-out log loss is lower than the defaults'.

Predicted recall (for calibration) is FSRS-6's forgetting curve
``R(t, S) = (1 + f t / S)^(-w20)``, ``f = 0.9^(-1 / w20) - 1``, at the item's interval
``t`` (days) and the stability ``S`` fsrs-rs computes from the reviews before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from calcquiz.memory_model.history import ReviewEvent, TrainingItem

if TYPE_CHECKING:
    import fsrs_rs_python

    from calcquiz.memory_model.reports import CalibrationReport

FOLDS = 5
MIN_FIRST_RATING_CARDS = 20  # fsrs-rs drops every first-rating group smaller than this
MIN_ITEMS_ANY = 8  # fsrs-rs keeps its defaults below this many items (after its filter)
MIN_ITEMS_ALL = 64  # ... and fits only the four initial stabilities below this many
Coverage = Literal["none", "initial", "all"]


@dataclass(frozen=True)
class Scores:
    log_loss: float
    rmse_bins: float


@dataclass(frozen=True)
class Evaluation:
    """Default and fitted parameters scored on the same held-out folds."""

    default: Scores
    fitted: Scores
    fold_parameters: tuple[tuple[float, ...], ...]
    plain_default: float | None = None  # plain held-out log loss (module doc)
    plain_fitted: float | None = None
    held_out: int = 0  # items scored


@dataclass(frozen=True)
class FitResult:
    reviews: int
    items: int
    parameters: tuple[float, ...]  # what to save: fitted, or the defaults
    coverage: Coverage  # which parameters the data supported fitting
    evaluation: Evaluation | None  # None: too few items for six segments


def default_parameters() -> tuple[float, ...]:
    import fsrs

    return tuple(fsrs.scheduler.DEFAULT_PARAMETERS)


def to_fsrs(items: Sequence[TrainingItem]) -> list[fsrs_rs_python.FSRSItem]:
    import fsrs_rs_python as fr

    return [fr.FSRSItem([fr.FSRSReview(r, d) for r, d in item.reviews]) for item in items]


def fit_parameters(items: Sequence[fsrs_rs_python.FSRSItem]) -> tuple[float, ...]:
    """fsrs-rs's fit (it returns the defaults, or fits only w0-w3, when data is short)."""
    import fsrs_rs_python as fr

    try:
        return tuple(fr.FSRS(fr.DEFAULT_PARAMETERS).compute_parameters(list(items)))
    except ValueError:  # fsrs-rs: NotEnoughData (nothing left after its outlier filter)
        return tuple(fr.DEFAULT_PARAMETERS)


def coverage(parameters: Sequence[float]) -> Coverage:
    import fsrs_rs_python as fr

    default = list(fr.DEFAULT_PARAMETERS)
    if list(parameters) == default:
        return "none"
    return "initial" if list(parameters[4:]) == default[4:] else "all"


def folds(n: int) -> list[tuple[int, int]]:
    """(test start, test end) of each fold; fold k trains on items[:test start]."""
    size = n // (FOLDS + 1)
    if size == 0:
        return []
    return [((k + 1) * size, n if k == FOLDS - 1 else (k + 2) * size) for k in range(FOLDS)]


def score(parameters: Sequence[float], items: Sequence[fsrs_rs_python.FSRSItem]) -> Scores:
    import fsrs_rs_python as fr

    result = fr.FSRS(list(parameters)).evaluate(list(items))
    return Scores(float(result.log_loss), float(result.rmse_bins))


def _mean(scores: Sequence[Scores]) -> Scores:
    return Scores(
        sum(s.log_loss for s in scores) / len(scores),
        sum(s.rmse_bins for s in scores) / len(scores),
    )


def evaluate(
    items: Sequence[fsrs_rs_python.FSRSItem], training: Sequence[TrainingItem] | None = None
) -> Evaluation | None:
    """Defaults and per-fold fits scored on the same five held-out segments; with
    ``training`` (the same items as TrainingItems), also the plain held-out log loss."""
    import fsrs_rs_python as fr

    splits = folds(len(items))
    if not splits:
        return None
    fitted, default, params = [], [], []
    plain: dict[str, list[float]] = {"default": [], "fitted": []}
    for start, end in splits:
        fold = fit_parameters(items[:start])
        params.append(fold)
        fitted.append(score(fold, items[start:end]))
        default.append(score(fr.DEFAULT_PARAMETERS, items[start:end]))
        if training is not None:
            held = training[start:end]
            plain["fitted"] += _losses(clean(fold), held)
            plain["default"] += _losses(default_parameters(), held)
    n = len(plain["fitted"])
    return Evaluation(_mean(default), _mean(fitted), tuple(params),
                      sum(plain["default"]) / n if n else None,
                      sum(plain["fitted"]) / n if n else None, n)


def _losses(parameters: Sequence[float], items: Sequence[TrainingItem]) -> list[float]:
    """-[y ln p + (1 - y) ln(1 - p)] per item, p clamped to [1e-4, 1 - 1e-4]."""
    import math

    out = []
    for p, y in predictions(parameters, items):
        p = min(1 - 1e-4, max(1e-4, p))
        out.append(-(y * math.log(p) + (1 - y) * math.log(1 - p)))
    return out


def score_fixed(
    parameters: Sequence[float], items: Sequence[fsrs_rs_python.FSRSItem]
) -> Scores | None:
    """Fixed parameters scored on the same five segments as :func:`evaluate`."""
    splits = folds(len(items))
    if not splits:
        return None
    return _mean([score(parameters, items[start:end]) for start, end in splits])


def optimize(reviews: int, items: Sequence[TrainingItem]) -> FitResult:
    """Fit on every item and evaluate on the time-series split."""
    fsrs_items = to_fsrs(items)
    fitted = fit_parameters(fsrs_items)
    kind = coverage(fitted)
    parameters = default_parameters() if kind == "none" else clean(fitted)
    return FitResult(reviews, len(items), parameters, kind, evaluate(fsrs_items, items))


def clean(parameters: Sequence[float]) -> tuple[float, ...]:
    """fsrs-rs's float32 values rounded to 4 decimals and kept in py-fsrs's bounds (a
    float32 of 0.8 is 0.80000001, just over py-fsrs's upper bound of 0.8)."""
    from calcquiz.memory_model.params import bounds

    LOW, HIGH = bounds()
    return tuple(
        min(hi, max(lo, round(float(p), 4)))
        for p, lo, hi in zip(parameters, LOW, HIGH, strict=True)
    )


def first_rating_cards(items: Sequence[TrainingItem]) -> int:
    """The most cards sharing one first rating that have a review on a later day."""
    counts: dict[int, int] = {}
    for item in items:
        if sum(d > 0 for _, d in item.reviews) == 1:  # the card's first later-day review
            first = item.reviews[0][0]
            counts[first] = counts.get(first, 0) + 1
    return max(counts.values(), default=0)


def predictions(
    parameters: Sequence[float], items: Sequence[TrainingItem]
) -> list[tuple[float, int]]:
    """(predicted recall, passed 0/1) for each item, by the forgetting curve (module doc)."""
    import fsrs_rs_python as fr

    model = fr.FSRS(list(parameters))
    histories = [fr.FSRSItem([fr.FSRSReview(r, d) for r, d in it.reviews[:-1]]) for it in items]
    states = model.memory_state_batch(histories)
    decay = parameters[20]
    factor = 0.9 ** (-1 / decay) - 1
    out = []
    for item, state in zip(items, states, strict=True):
        rating, t = item.reviews[-1]
        out.append(((1 + factor * t / state.stability) ** -decay, int(rating > 1)))
    return out


# -- calibration


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    predicted: float  # mean predicted recall
    actual: float  # share of these reviews passed


@dataclass(frozen=True)
class Calibration:
    items: int
    scored: int  # items in the five held-out segments (binned below)
    scores: Scores | None
    bins: tuple[Bin, ...]


def calibration(parameters: Sequence[float], items: Sequence[TrainingItem]) -> Calibration:
    """Predicted against actual recall on the items :func:`evaluate` scores, in tenths."""
    splits = folds(len(items))
    if not splits:
        return Calibration(len(items), 0, None, ())
    held_out = items[splits[0][0] :]
    pairs = predictions(parameters, held_out)
    bins = []
    for k in range(10):
        low, high = k / 10, (k + 1) / 10
        inside = [(p, y) for p, y in pairs if low <= p < high or (k == 9 and p == 1.0)]
        if inside:
            bins.append(
                Bin(
                    low,
                    high,
                    len(inside),
                    sum(p for p, _ in inside) / len(inside),
                    sum(y for _, y in inside) / len(inside),
                )
            )
    scores = score_fixed(parameters, to_fsrs(items))
    return Calibration(len(items), len(held_out), scores, tuple(bins))


def calibration_report(
    events: Sequence[ReviewEvent], mine: Sequence[float] | None
) -> CalibrationReport:
    """``stats --calibration``: the learner's saved parameters' ``mine`` (else the
    defaults') predictions against the outcomes of ``events``, as the JSON report
    ``fit_view`` draws."""
    from calcquiz.memory_model.history import build_items

    result = calibration(mine or default_parameters(), build_items(events))
    return {
        "parameters": "saved" if mine else "default",
        "reviews": len(events),
        "items": result.items,
        "scored": result.scored,
        "evaluation": "time-series split",
        "log_loss": result.scores.log_loss if result.scores else None,
        "rmse_bins": result.scores.rmse_bins if result.scores else None,
        "bins": [{"low": b.low, "high": b.high, "count": b.count, "predicted": b.predicted,
                  "actual": b.actual} for b in result.bins],
    }


def notes(result: FitResult, items: Sequence[TrainingItem]) -> list[str]:
    """What was fitted and why, in the words the command prints."""
    n, reviews = result.items, result.reviews
    if result.coverage == "none" and n == 0:
        return [
            f"Kept FSRS-6's default parameters: none of the {reviews} reviews came on a later "
            "day than its card's previous review, so there is nothing to fit yet."
        ]
    if result.coverage == "none":
        return [
            "Kept FSRS-6's default parameters: fsrs-rs fits nothing until at least "
            f"{MIN_FIRST_RATING_CARDS} cards with the same first rating have been reviewed "
            f"again on a later day, and {MIN_ITEMS_ANY} items survive its outlier filter. "
            f"Here the most is {_plural(first_rating_cards(items), 'card')} "
            f"({_plural(n, 'item')} from {_plural(reviews, 'review')}); every card reviewed "
            "again on a later day adds one."
        ]
    if result.coverage == "initial":
        return [
            f"Fitted only the four initial stabilities (w0-w3) to {n} items: fsrs-rs fits "
            f"all 21 parameters once {MIN_ITEMS_ALL} items survive its outlier filter; the "
            "other 17 keep FSRS-6's defaults."
        ]
    return [f"Fitted all 21 parameters to {n} items from {reviews} reviews."]


def verdict(evaluation: Evaluation | None) -> str:
    """How the fitted parameters did on held-out reviews, on the measure named: the plain
    held-out log loss decides; fsrs-rs's recency-weighted figures are reported beside it."""
    if evaluation is None:
        return (f"Too few items for a time-series evaluation (it needs {FOLDS + 1} at least), "
                f"so nothing shows the fitted parameters predict better: they are not saved.")
    fitted, default = evaluation.fitted, evaluation.default
    pf, pd = evaluation.plain_fitted, evaluation.plain_default
    weighted = (f"fsrs-rs's recency-weighted log loss {fitted.log_loss:.5f} against "
                f"{default.log_loss:.5f}, RMSE(bins) {fitted.rmse_bins:.4f} against "
                f"{default.rmse_bins:.4f}")
    if pf is None or pd is None:
        return f"On reviews held out from each fit: {weighted}."
    plain = (f"On the {_plural(evaluation.held_out, 'review')} held out from each fit, the "
             f"plain log loss (every review weighted alike) is {pf:.5f} for the fitted "
             f"parameters and {pd:.5f} for the defaults")
    if pf < pd:
        return f"{plain}: the fitted parameters predicted recall better ({weighted})."
    return (f"{plain}: the fitted parameters did not predict recall better, so keep the "
            f"defaults for now ({weighted}).")


def worth_saving(result: FitResult) -> bool:
    """Fitted something, and won on the measure the verdict names: a lower plain held-out
    log loss than the defaults (no evaluation: nothing shows they are better)."""
    ev = result.evaluation
    return (result.coverage != "none" and ev is not None and ev.plain_fitted is not None
            and ev.plain_default is not None and ev.plain_fitted < ev.plain_default)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
