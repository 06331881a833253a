"""Rendering ``optimize``, ``simulate`` and ``stats --calibration``: small tables, and
plots drawn by :mod:`calcquiz.ui.plots` (plotille, imported only when a plot is drawn)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from calcquiz import ui

if TYPE_CHECKING:
    from calcquiz.demos.core import Series
    from calcquiz.memory_model.reports import (
        BinReport,
        CalibrationReport,
        OptimizeReport,
        ScoresReport,
        SimulationReport,
    )

PLOT_WIDTH = 80
PLOT_HEIGHT = 14


def _title(text: str) -> None:
    ui.console().print(Text(text, style=ui.STYLE_TITLE))


def _notes(lines: Sequence[str]) -> None:
    for line in lines:
        ui.console().print(Text(line))


def _scores_table(
    rows: Sequence[tuple[str, ScoresReport | None]], plain: Sequence[float | None] = ()
) -> Table:
    """fsrs-rs's figures (its log loss weighs recent reviews more); with ``plain``, first a
    column of the plain held-out log loss (every review alike), the one optimize goes by."""
    table = Table(header_style=ui.STYLE_TITLE, box=None, padding=(0, 2))
    table.add_column("parameters")
    if plain:
        table.add_column("log loss", justify="right")
    table.add_column("weighted log loss" if plain else "log loss", justify="right")
    table.add_column("RMSE(bins)", justify="right")
    for i, (name, scores) in enumerate(rows):
        if scores is not None:
            first = [f"{plain[i]:.5f}" if plain[i] is not None else "-"] if plain else []
            table.add_row(name, *first, f"{scores['log_loss']:.4f}", f"{scores['rmse_bins']:.4f}")
    return table


def print_optimize(report: OptimizeReport) -> None:
    console = ui.console()
    _title(f"Memory model: {report['reviews']} reviews, {report['items']} scored items")
    if report["default"] is not None:
        console.print(
            Text(
                "Time-series split: fit on the past, score the next sixth (5 folds)",
                style=ui.STYLE_MUTED,
            )
        )
        plain = report.get("plain_log_loss")
        console.print(
            _scores_table([("FSRS-6 default", report["default"]), ("fitted", report["fitted"])],
                          (plain["default"], plain["fitted"]) if plain else ())
        )
    if report["fitted_parameters"] != "none":
        params = " ".join(f"{p:.4f}" for p in report["parameters"])
        console.print(Text("Parameters (w0-w20): ", style=ui.STYLE_MUTED).append(params))
    _notes(report["notes"])


def print_simulation(report: SimulationReport, reviews_by_day: Sequence[Sequence[int]]) -> None:
    console = ui.console()
    _title(
        f"Simulated {report['days']} days: {report['cards']} card"
        f"{'' if report['cards'] == 1 else 's'}, {report['new_per_day']} new "
        f"a day, at most {report['review_limit']} reviews a day"
    )
    table = Table(header_style=ui.STYLE_TITLE, box=None, padding=(0, 2))
    for name in ("retention", "reviews/day", "minutes/day", "remembered"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    for row in report["rows"]:
        yours = abs(row["retention"] - report["current_retention"]) < 1e-9
        table.add_row(
            f"{row['retention']:.2f}",
            f"{row['reviews_per_day']:.1f}",
            f"{row['minutes_per_day']:.1f}",
            f"{row['remembered']:.0f}",
            Text("your setting", style=ui.STYLE_MUTED) if yours else "",
        )
    console.print(table)
    console.print(
        Text(
            "remembered: the cards expected to be recalled on the last day. "
            "Every card starts new (fsrs-rs-python's simulator takes no existing cards); "
            f"answer times: {report['measured_costs']} of 12 from your log, the rest fsrs-rs's.",
            style=ui.STYLE_MUTED,
        )
    )
    if report["days"] >= 14:
        labels = [f"{row['retention']:.2f}" for row in report["rows"]]
        console.print()
        _plot_weekly(labels, reviews_by_day)
    best = report["recommended_retention"]
    console.print()
    if best is None:
        console.print(Text("fsrs-rs found no retention with a least workload per card here."))
    else:
        edge = " (the lowest it searches)" if best <= 0.70 else ""
        console.print(
            Text(
                f"Recommended desired retention: {best:.2f}: the least simulated time per card "
                f"remembered, by fsrs-rs's optimal_retention{edge}. To use it:"
            )
        )
        console.print(Text(f"  calcquiz config set retention {best:.2f}", style=ui.STYLE_KEY))
    if report.get("basis"):
        console.print(Text(report["basis"]))


def _plot_weekly(labels: Sequence[str], series: Sequence[Sequence[int]]) -> None:
    from calcquiz.demos.core import Series

    lines = []
    for label, values in zip(labels, series, strict=True):
        weeks = [values[k : k + 7] for k in range(0, len(values), 7)]
        xs = [k * 7 + len(w) / 2 for k, w in enumerate(weeks)]
        lines.append(Series(label, xs, [sum(w) / len(w) for w in weeks]))
    _draw("Reviews a day (weekly means), by desired retention", lines, "day", "reviews")


def print_calibration(report: CalibrationReport) -> None:
    console = ui.console()
    which = "saved" if report["parameters"] == "saved" else "FSRS-6 default"
    _title(f"Calibration of the {which} parameters: {report['reviews']} reviews")
    log_loss, rmse_bins = report["log_loss"], report["rmse_bins"]
    if log_loss is None or rmse_bins is None:
        console.print(
            Text(f"Too few scored items ({report['items']}) for a time-series split: it needs 6.")
        )
        return
    console.print(
        Text(
            f"{report['scored']} held-out items (the five scored sixths of the time-series "
            "split, as in calcquiz optimize)",
            style=ui.STYLE_MUTED,
        )
    )
    table = Table(header_style=ui.STYLE_TITLE, box=None, padding=(0, 2))
    for name in ("predicted", "reviews", "mean predicted", "actual recall"):
        table.add_column(name, justify="right")
    for b in report["bins"]:
        table.add_row(
            f"{b['low']:.1f}-{b['high']:.1f}",
            str(b["count"]),
            f"{b['predicted']:.3f}",
            f"{b['actual']:.3f}",
        )
    console.print(table)
    console.print(_scores_table([(which, {"log_loss": log_loss, "rmse_bins": rmse_bins})]))
    if report["parameters"] == "saved":
        console.print(
            Text(
                "Saved parameters fitted on this history have seen these reviews; "
                "calcquiz optimize scores fits on held-out reviews only.",
                style=ui.STYLE_MUTED,
            )
        )
    if len(report["bins"]) >= 2:
        _plot_calibration(report["bins"])


def _plot_calibration(bins: Sequence[BinReport]) -> None:
    from calcquiz.demos.core import Series

    ui.console().print()
    diagonal = [k / 20 for k in range(21)]
    lines = [
        Series("yours", [b["predicted"] for b in bins], [b["actual"] for b in bins]),
        Series("perfect calibration", diagonal, diagonal),
    ]
    _draw("Actual against predicted recall", lines, "predicted recall", "actual recall")


def _draw(title: str, lines: list[Series], xlabel: str, ylabel: str) -> None:
    """Through the plot renderer the demos use (plotille, imported when drawn)."""
    from calcquiz.demos.core import Plot
    from calcquiz.ui.plots import plot_lines

    console = ui.console()
    drawn = plot_lines(
        Plot(title, lines, xlabel, ylabel), width=min(console.width, PLOT_WIDTH), height=PLOT_HEIGHT
    )
    if drawn is not None:
        console.print(drawn)
