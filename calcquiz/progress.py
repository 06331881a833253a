"""Progress figures for ``list`` and ``stats``, computed from the store. No terminal here."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from calcquiz import scheduler as sched
from calcquiz.content import Deck
from calcquiz.store import NEW, STATE_NAMES, Store

FORECAST_DAYS = 14
HEATMAP_WEEKS = 12


def card_progress(
    store: Store | None, decks: Sequence[Deck], now: float | None = None
) -> list[dict[str, Any]]:
    """Per card, in deck order: state, due (ISO 8601, UTC), stability (days) and
    retrievability now (FSRS's probability of recall). ``store=None``: all new."""
    now = time.time() if now is None else now
    scheduler = sched.make_scheduler() if store is not None else None
    out = []
    for deck in decks:
        states = store.card_states(deck.name) if store is not None else {}
        for card in deck.cards:
            state = states.get(card.id)
            out.append(
                {
                    "state": STATE_NAMES[state.state if state else NEW],
                    "due": _iso(state.due) if state else None,
                    "stability": state.stability if state else None,
                    "retrievability": (
                        sched.retrievability(scheduler, state, now) if scheduler else None
                    ),
                }
            )
    return out


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds")


def _local_midnight(day: date) -> float:
    return datetime(day.year, day.month, day.day).timestamp()


def build_stats(store: Store, decks: Sequence[Deck], now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    names = [d.name for d in decks]
    today = datetime.fromtimestamp(now).date()
    start_today = _local_midnight(today)

    by_state = {name: 0 for name in STATE_NAMES.values()}
    forecast = [0] * FORECAST_DAYS
    forecast_end = _local_midnight(today + timedelta(days=FORECAST_DAYS))
    day_starts = [_local_midnight(today + timedelta(days=i)) for i in range(1, FORECAST_DAYS)]
    total_cards = 0
    for deck in decks:
        ids = [c.id for c in deck.cards]
        total_cards += len(ids)
        counts = store.state_counts(deck.name, ids)
        studied = sum(counts.values())
        by_state["new"] += len(ids) - studied
        for state, n in counts.items():
            by_state[STATE_NAMES[state]] += n
        present = set(ids)
        for card_id, due in store.due_times(deck.name, forecast_end):
            if card_id in present:
                forecast[sum(due >= start for start in day_starts)] += 1

    passed, total = store.review_retention(names)
    first_day = today - timedelta(days=7 * HEATMAP_WEEKS - 1)
    per_day = store.reviews_per_day(names, _local_midnight(first_day))
    heatmap = [
        {"date": d.isoformat(), "reviews": per_day.get(d.isoformat(), 0)}
        for d in (first_day + timedelta(days=i) for i in range(7 * HEATMAP_WEEKS))
    ]
    accuracy = store.drill_accuracy()
    return {
        "decks": names,
        "cards": total_cards,
        "reviews_today": store.review_count(names, since=start_today),
        "reviews_total": store.review_count(names),
        "true_retention": (passed / total) if total else None,
        "retention_reviews": total,
        "cards_by_state": by_state,
        "forecast": [
            {"date": (today + timedelta(days=i)).isoformat(), "due": n}
            for i, n in enumerate(forecast)
        ],
        "heatmap": heatmap,
        "drill_accuracy": {
            topic: {"correct": c, "attempted": n, "accuracy": c / n if n else None}
            for topic, (c, n) in accuracy.items()
        },
    }
