"""Your own memory model: ``optimize``, ``simulate`` and ``stats --calibration`` (an option
of ``stats``, whose other output is in study.py; the three share :mod:`calcquiz.memory_model`).

Thin commands over :mod:`calcquiz.memory_model`; fsrs-rs is imported there, only when
one of these runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from calcquiz.commands.common import DeckOption, JsonOption, RevlogOption
from calcquiz.errors import BadInputError

if TYPE_CHECKING:
    from pathlib import Path

    from calcquiz.memory_model.fit import FitResult, Scores
    from calcquiz.memory_model.history import ReviewEvent
    from calcquiz.memory_model.reports import OptimizeReport, ScoresReport, SimulationReport
    from calcquiz.memory_model.workload import Row as Simulated
    from calcquiz.memory_model.workload import Setup

def optimize(
    deck: Annotated[
        str | None,
        typer.Option(
            "--deck",
            metavar="NAME",
            help="Only this deck's reviews (its name, or its YAML file). Default: all decks.",
            show_default=False,
        ),
    ] = None,
    revlog: RevlogOption = None,
    save: Annotated[
        bool, typer.Option("--save", help="Store the fitted parameters; study then uses them.")
    ] = False,
    json: JsonOption = False,
) -> None:
    """Fit FSRS-6's 21 parameters to your review history, and score them against the defaults.

    Scoring is a time-series split: fit on the past, score the next sixth, five times.

    Example: calcquiz optimize --save
    """
    from calcquiz.config import save_parameters
    from calcquiz.memory_model import fit, history

    if deck is not None and revlog is not None:
        raise BadInputError("--deck and --revlog exclude each other: choose one history")
    events = history.read_csv(revlog) if revlog is not None else _own_history(_deck_name(deck))
    items = history.build_items(events)
    result = fit.optimize(len(events), items)
    saved_to: str | None = None
    lines = fit.notes(result, items)
    if result.coverage != "none":  # nothing fitted: nothing to compare
        lines.append(fit.verdict(result.evaluation))
    if save and fit.worth_saving(result):
        saved_to = str(save_parameters(result.parameters))
        lines.append(f"Saved to {saved_to}; study now schedules with them.")
        lines.append("Back to the defaults: calcquiz config unset parameters")
    elif save:
        lines.append("Nothing saved: the defaults stay.")
    elif fit.worth_saving(result):
        lines.append("To study with them: calcquiz optimize --save (same history).")
    report = _optimize_report(result, saved_to, lines)
    if json:
        from calcquiz import ui

        ui.print_json(report)
    else:
        from calcquiz.ui import fit_view

        fit_view.print_optimize(report)


def _optimize_report(result: FitResult, saved_to: str | None, lines: list[str]) -> OptimizeReport:
    ev = result.evaluation
    fitted = ev is not None and result.coverage != "none"
    return {
        "reviews": result.reviews,
        "items": result.items,
        "evaluation": "time-series split",
        "default": _scores(ev.default) if ev else None,
        "fitted": _scores(ev.fitted) if ev and fitted else None,
        "plain_log_loss": {"default": ev.plain_default, "fitted": ev.plain_fitted,
                           "held_out": ev.held_out}
        if ev and fitted else None,
        "parameters": list(result.parameters),
        "fitted_parameters": result.coverage,
        "saved": saved_to,
        "notes": lines,
    }


def _scores(scores: Scores) -> ScoresReport:
    return {"log_loss": scores.log_loss, "rmse_bins": scores.rmse_bins}


def simulate(
    days: Annotated[int, typer.Option("--days", help="Days to simulate, 1-3650.")] = 365,
    retention: Annotated[
        str, typer.Option("--retention", help="Desired retentions to compare, 0.70-0.99.")
    ] = "0.80,0.85,0.90,0.95",
    deck: DeckOption = None,
    revlog: RevlogOption = None,
    new: Annotated[
        int | None,
        typer.Option("--new", help="New cards a day (default: the config's).", show_default=False),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", help="Reviews a day (default: the config's).", show_default=False),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Simulate your workload for each desired retention with fsrs-rs, and recommend one.

    Cards, limits, answer times and rating habits come from your decks and history.

    Example: calcquiz simulate --days 180 --retention 0.85,0.9
    """
    from calcquiz.memory_model import workload

    retentions = _retentions(retention)
    if not 1 <= days <= 3650:
        raise BadInputError(f"Invalid --days: {days} (choose 1-3650)")
    new_per_day, review_limit = _limits(new, limit)
    if revlog is not None:
        if deck:
            raise BadInputError("--deck and --revlog exclude each other: choose one history")
        from calcquiz.memory_model import history

        events = history.read_csv(revlog)
        cards = len({e.card for e in events})
        if cards == 0:
            raise BadInputError(f"{revlog}: no reviews")
    else:
        from calcquiz.commands.common import load

        decks = load(deck)
        events = [e for d in decks for e in _own_history(d.name, must_exist=False)]
        cards = sum(len(d.cards) for d in decks)

    from calcquiz.config import saved_parameters

    fitted = saved_parameters() is not None
    parameters = _current_parameters()
    s = workload.setup(events, cards, new_per_day, review_limit, _steps())
    rows = workload.simulate(s, parameters, days, retentions)
    best = workload.recommended(s, parameters, days)
    report = _simulate_report(days, s, rows, best, workload.basis(s, fitted), fitted)
    if json:
        from calcquiz import ui

        ui.print_json({"days": report["days"], "rows": report["rows"],
                       "recommended_retention": report["recommended_retention"],
                       "basis": report["basis"], "history": report["history"]})
    else:
        from calcquiz.ui import fit_view

        fit_view.print_simulation(report, [r.reviews_by_day for r in rows])


def _simulate_report(
    days: int, s: Setup, rows: list[Simulated], best: float | None, basis: str, fitted: bool
) -> SimulationReport:
    return {
        "days": days,
        "rows": [
            {
                "retention": r.retention,
                "reviews_per_day": r.reviews_per_day,
                "minutes_per_day": r.minutes_per_day,
                "remembered": r.remembered,
            }
            for r in rows
        ],
        "recommended_retention": best,
        "basis": basis,
        "history": {"reviews": s.reviews, "cards": s.cards_seen,
                    "parameters": "saved" if fitted else "default"},
        "cards": s.deck_size,
        "new_per_day": s.new_per_day,
        "review_limit": s.review_limit,
        "measured_costs": s.measured,
        "current_retention": _current_retention(),
    }


def _retentions(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise BadInputError(f"Invalid --retention: {text!r} (e.g. 0.80,0.90)") from None
    if not values or any(not 0.7 <= v <= 0.99 for v in values):
        raise BadInputError(f"Invalid --retention: {text!r} (each from 0.70 to 0.99)")
    return values


def _limits(new: int | None, limit: int | None) -> tuple[int, int]:
    """The learner's limits: the options, else the config's (as study uses them)."""
    from calcquiz.commands.common import config
    from calcquiz.config import check_option  # the settings' own ranges

    settings = config()
    new_per_day = check_option("new_per_day", new, "--new")
    review_limit = check_option("reviews_per_session", limit, "--limit")
    return (
        settings.new_per_day if new_per_day is None else new_per_day,
        settings.reviews_per_session if review_limit is None else review_limit,
    )


def _current_retention() -> float:
    from calcquiz.commands.common import config

    return config().retention


def _steps() -> tuple[int, int]:
    """How many learning and relearning steps study takes (the config's)."""
    from calcquiz.commands.common import config
    from calcquiz.dates import parse_steps

    settings = config()
    return len(parse_steps(settings.learning_steps)), len(parse_steps(settings.relearning_steps))


def _current_parameters() -> tuple[float, ...]:
    from calcquiz.config import saved_parameters
    from calcquiz.memory_model import fit

    return saved_parameters() or fit.default_parameters()


def _deck_name(deck: str | None) -> str | None:
    """A deck's name, given as the name itself or as its YAML file."""
    if deck is None:
        return deck
    from calcquiz.commands.common import history_deck_name

    return history_deck_name(deck)


def _own_history(deck: str | None, must_exist: bool = True) -> list[ReviewEvent]:
    """calcquiz's own log, with the config's day boundary."""
    from calcquiz.commands.common import config
    from calcquiz.dates import Calendar
    from calcquiz.memory_model import history

    return history.own_history(deck, Calendar(config().day_starts_at), must_exist)


def show_calibration(deck: list[str] | None, revlog: Path | None, json: bool) -> None:
    """``stats --calibration``: the current parameters' predictions against the outcomes
    (an option of ``stats``; its logic lives here, beside the other fits)."""
    from calcquiz import ui
    from calcquiz.commands.common import config, load
    from calcquiz.config import saved_parameters
    from calcquiz.dates import Calendar
    from calcquiz.errors import BadInputError
    from calcquiz.memory_model import fit, history

    if revlog is not None:
        if deck:
            raise BadInputError("--deck and --revlog exclude each other: choose one history")
        events = history.read_csv(revlog)
    else:
        calendar = Calendar(config().day_starts_at)
        events = [e for d in load(deck) for e in history.own_history(d.name, calendar, False)]
    report = fit.calibration_report(events, saved_parameters())
    if json:
        ui.print_json(report)
    else:
        from calcquiz.ui import fit_view

        fit_view.print_calibration(report)
