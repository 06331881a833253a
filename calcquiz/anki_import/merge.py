"""Anki's review log merged into calcquiz's, and each card's FSRS state rebuilt from it.

An Anki card belongs to a calcquiz card when its note's guid is the one ``calcquiz
export anki`` gives that card (from the deck name and card id; the note's first card),
or when the calcquiz card was made from it by ``import anki --to-deck`` (its id comes
from the note's guid and the card's template, see :func:`to_deck.card_id_for`). Its
ratings (Anki's revlog rows with a button pressed, cramming without rescheduling left
out, as Anki's own FSRS does) are added to calcquiz's log unless a rating at the same
millisecond is already there, so importing a file twice, or a file calcquiz itself
exported, adds nothing.

The card's state is then replayed from new through the whole merged log with the
session's own rule (:func:`calcquiz.scheduler.replay_states`, fuzz off), counting days as
Anki does, so stability and difficulty match Anki's memory state for the same log.
When Anki's answer is the latest one and Anki's card is in the same state, the card
keeps the due time Anki gave it. Ratings before a "Forget"/"Reset" in Anki are not
imported (Anki's FSRS ignores them too), so the card's history starts there; a card
that is new in Anki although it has ratings (reset by an old version that logged
nothing) stays new. Everything is planned (:func:`plan_merge`) before the store is
touched, then applied in one transaction (:func:`apply_merges`). ``sync anki`` matches
cards (:func:`match_cards`) and plans (:func:`plan_matches`) the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from calcquiz import scheduler as sched
from calcquiz.anki_import.package import AnkiCard, AnkiCollection, AnkiNote, Revlog
from calcquiz.errors import BadInputError
from calcquiz.store import (
    LEARNING,
    RELEARNING,
    REVIEW,
    CardState,
    IncomingReview,
    Rebuild,
    Store,
    review_ms,
    state_problem,
)
from calcquiz.store.exchange import merge_all

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
    # Cards new in Anki although they have ratings (reset, "Forget" in old versions that
    # logged nothing): they stay new, their ratings are left out.
    reset_cards: int = 0
    reset_ratings: int = 0


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


def calcquiz_card_targets(
    decks: list[Deck], collection: AnkiCollection
) -> dict[tuple[str, int], Target]:
    """The calcquiz card made by ``--to-deck`` from each Anki card (note guid, template
    ord) of ``collection`` that a deck in ``decks`` holds."""
    from calcquiz.anki_import.to_deck import card_id_for

    converted = {c.id: Target(d.name, c.id) for d in decks for c in d.cards}
    found: dict[tuple[str, int], Target] = {}
    for note in collection.notes:
        for card in collection.cards.get(note.id, []):
            target = converted.get(card_id_for(note.guid, card.ord))
            if target is not None:
                found[(note.guid, card.ord)] = target
    return found


def ratings_of(entries: list[Revlog]) -> tuple[list[Revlog], float | None]:
    """The rows that count as ratings, and the time of the last reset (if any)."""
    resets = [e.id for e in entries if e.is_reset]
    return [e for e in entries if e.is_rating], (max(resets) / 1000 if resets else None)


Work = dict[str, dict[str, tuple[list[IncomingReview], Rebuild]]]  # deck -> card -> work


@dataclass
class Matches:
    """Which Anki card stands for each calcquiz card (:func:`match_cards`)."""

    cards: dict[Target, tuple[AnkiNote, AnkiCard]] = field(default_factory=dict)
    notes_matched: int = 0
    unmatched: list[int] = field(default_factory=list)  # note ids, in collection order


def match_cards(
    collection: AnkiCollection,
    targets: Mapping[str, Target],
    card_targets: Mapping[tuple[str, int], Target] | None = None,
) -> Matches:
    """The Anki card of each calcquiz card: in ``card_targets`` by (note guid, template
    ord), else its note's first card in ``targets`` by guid. One Anki card per calcquiz
    card: a second note with the same guid, or another card claiming a calcquiz card
    already matched, is passed over (the first, by note id and ord, wins), so the match
    is the same every time the same collection is read."""
    matches = Matches()
    card_targets = card_targets or {}
    seen: set[str] = set()
    for note in collection.notes:
        if note.guid in seen:
            continue
        first = collection.first_card(note)
        found = []
        for card in collection.cards.get(note.id, []):
            target = card_targets.get((note.guid, card.ord))
            if target is None and card is first:
                target = targets.get(note.guid)
            if target is not None:
                found.append((card, target))
        if not found and note.guid not in targets:
            matches.unmatched.append(note.id)
            continue
        seen.add(note.guid)
        matches.notes_matched += 1
        for card, target in found:
            matches.cards.setdefault(target, (note, card))
    return matches


@dataclass
class MergePlan:
    """What merging a collection into some targets will do, worked out before the store
    is touched: ``work`` is applied by :func:`apply_merges`, which fills in ``merged``."""

    merged: Merged
    work: Work = field(default_factory=dict)


def plan_merge(
    collection: AnkiCollection,
    targets: Mapping[str, Target],
    card_targets: Mapping[tuple[str, int], Target] | None = None,
) -> MergePlan:
    """The ratings of every Anki card with a target (see :func:`match_cards`)."""
    return plan_matches(collection, match_cards(collection, targets, card_targets))


def plan_matches(collection: AnkiCollection, matches: Matches) -> MergePlan:
    """The ratings of each matched Anki card, and how to rebuild its calcquiz card. A
    card new in Anki although it has ratings (reset) adds nothing."""
    scheduler = sched.make_scheduler(fuzz=False)
    plan = MergePlan(
        Merged(notes_matched=matches.notes_matched, unmatched=list(matches.unmatched))
    )
    for target, (_, card) in matches.cards.items():
        deck_work = plan.work.setdefault(target.deck, {})
        if card.type == 0 and collection.revlog.get(card.id):
            plan.merged.reset_cards += 1
            plan.merged.reset_ratings += len(ratings_of(collection.revlog[card.id])[0])
            continue
        work = merge_work(scheduler, collection, card, target)
        if work is not None:
            deck_work[target.card_id] = work
    return plan


def apply_merges(
    store: Store, plans: Sequence[MergePlan], before_commit: Callable[[], None] | None = None
) -> None:
    """Every plan's work in one store transaction (``before_commit`` runs last in it):
    either all of it is committed or none. Plans must target different decks."""
    work: Work = {}
    for plan in plans:
        work.update(plan.work)
    added = merge_all(store, work, before_commit)
    for plan in plans:
        for deck in plan.work:
            counts = added.get(deck, {}).values()
            plan.merged.reviews_added += sum(counts)
            plan.merged.cards_updated += sum(n > 0 for n in counts)


def merge_collection(
    store: Store,
    collection: AnkiCollection,
    targets: Mapping[str, Target],
    card_targets: Mapping[tuple[str, int], Target] | None = None,
) -> Merged:
    """Merge the review log of every card with a target (see :func:`plan_merge`) into
    the store, in one transaction."""
    plan = plan_merge(collection, targets, card_targets)
    apply_merges(store, [plan])
    return plan.merged


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
        problem = state_problem(tuple(states[-1].__dict__.values()))
        if problem:  # the package's values are checked as read; this is the last guard
            raise BadInputError(f"Anki card {card.id} would get an unusable state: {problem}")
        return states

    return incoming, rebuild
