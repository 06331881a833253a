"""Anki's review log merged into calcquiz's, and each card's FSRS state rebuilt from it.

A note belongs to a calcquiz card when its guid is the one ``calcquiz export anki``
gives that card (from the deck name and card id), or when the card was made from that
note by ``import anki --to-deck`` (its id comes from the note's guid). Its card's
ratings (Anki's revlog rows with a button pressed, cramming without rescheduling left
out, as Anki's own FSRS does) are added to calcquiz's log unless a rating at the same
millisecond is already there, so importing a file twice, or a file calcquiz itself
exported, adds nothing.

The card's state is then replayed from new through the whole merged log with the
session's own rule (:func:`calcquiz.scheduler.replay_states`, fuzz off), counting days as
Anki does, so stability and difficulty match Anki's memory state for the same log.
When Anki's answer is the latest one and Anki's card is in the same state, the card
keeps the due time Anki gave it. Ratings before a "Forget"/"Reset" in Anki are not
imported (Anki's FSRS ignores them too), so the card's history starts there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from calcquiz import scheduler as sched
from calcquiz.anki_import.package import AnkiCard, AnkiCollection, Revlog
from calcquiz.store import (
    LEARNING,
    MERGE_BATCH,
    RELEARNING,
    REVIEW,
    CardState,
    IncomingReview,
    Rebuild,
    Store,
    merge_reviews,
    review_ms,
)

if TYPE_CHECKING:
    import fsrs

    from calcquiz.content import Deck

ANKI_STATE = {1: LEARNING, 2: REVIEW, 3: RELEARNING}  # Anki card type -> calcquiz state


@dataclass(frozen=True)
class Target:
    """The calcquiz card an Anki note stands for."""

    deck: str
    card_id: str


@dataclass
class Merged:
    """What merging did."""

    notes_matched: int = 0
    reviews_added: int = 0
    cards_updated: int = 0
    unmatched: list[int] = field(default_factory=list)  # note ids, in collection order


def calcquiz_targets(decks: list[Deck], guids: Iterable[str] = ()) -> dict[str, Target]:
    """Every calcquiz card by the guid of its note: the guid calcquiz's export gives it,
    and for a card made from an Anki note by ``--to-deck`` (its id is derived from the
    note's guid), that note's guid among ``guids``."""
    from calcquiz.anki_import.to_deck import card_slug
    from calcquiz.export.anki import guid

    targets = {guid(d.name, c.id): Target(d.name, c.id) for d in decks for c in d.cards}
    converted = {c.id: Target(d.name, c.id) for d in decks for c in d.cards}
    for note_guid in guids:
        target = converted.get(card_slug(note_guid))
        if target is not None and note_guid not in targets:
            targets[note_guid] = target
    return targets


def ratings_of(entries: list[Revlog]) -> tuple[list[Revlog], float | None]:
    """The rows that count as ratings, and the time of the last reset (if any)."""
    resets = [e.id for e in entries if e.is_reset]
    return [e for e in entries if e.is_rating], (max(resets) / 1000 if resets else None)


def merge_collection(
    store: Store, collection: AnkiCollection, targets: Mapping[str, Target]
) -> Merged:
    """Merge the review log of every note in ``targets`` (by guid) into the store, in
    transactions of :data:`MERGE_BATCH` cards of one deck."""
    scheduler = sched.make_scheduler(fuzz=False)
    merged = Merged()
    pending: dict[str, dict[str, tuple[list[IncomingReview], Rebuild]]] = {}

    def flush(deck: str) -> None:
        added = merge_reviews(store, deck, pending.pop(deck))
        merged.reviews_added += sum(added.values())
        merged.cards_updated += sum(n > 0 for n in added.values())

    for note in collection.notes:
        target = targets.get(note.guid)
        if target is None:
            merged.unmatched.append(note.id)
            continue
        merged.notes_matched += 1
        card = collection.first_card(note)
        work = merge_work(scheduler, collection, card, target) if card else None
        if work is None:
            continue
        batch = pending.setdefault(target.deck, {})
        batch[target.card_id] = work
        if len(batch) >= MERGE_BATCH:
            flush(target.deck)
    for deck in list(pending):
        flush(deck)
    return merged


def merge_work(
    scheduler: fsrs.Scheduler,
    collection: AnkiCollection,
    card: AnkiCard,
    target: Target,
) -> tuple[list[IncomingReview], Rebuild] | None:
    """One Anki card's ratings, and how to rebuild ``target``'s state once they are
    merged; None when the card has no ratings."""
    entries, reset_at = ratings_of(collection.revlog.get(card.id, []))
    if reset_at is not None:  # Anki's FSRS ignores what came before a "Forget"; so do we
        entries = [e for e in entries if e.id / 1000 > reset_at]
    if not entries:
        return None
    incoming = [IncomingReview(e.ease, e.id / 1000, e.time_ms) for e in entries]
    last_anki_ms = entries[-1].id
    anki_due = collection.due_time(card)
    anki_state = ANKI_STATE.get(card.type)

    def rebuild(timeline: list[tuple[int, float]]) -> list[CardState]:
        states = sched.replay_states(scheduler, target.deck, target.card_id, timeline)
        last = states[-1]
        last_is_anki = review_ms(timeline[-1][1]) == last_anki_ms
        if last_is_anki and anki_due is not None and anki_state == last.state:
            states[-1] = CardState(**{**last.__dict__, "due": anki_due})
        return states

    return incoming, rebuild
