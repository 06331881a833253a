"""The sync: Anki's ratings into calcquiz, then calcquiz's notes, ratings, states and
marks into Anki; each side in one transaction.

Order, and why it is safe:

1. One sync at a time; the collection is checked (not open in Anki, not damaged, not
   too new, writable) and opened by the ``anki`` package, which locks it for the rest.
2. A first pass works out both sides' changes and rolls them back: in one calcquiz
   transaction, Anki's ratings are merged into calcquiz's log, each card's state
   replayed from the merged log (``import anki``'s merge) and the marks reconciled
   (:mod:`.marks`); inside it, what Anki needs is applied in an Anki transaction.
   That is the dry run's report.
3. Only when something is to change in Anki is the collection backed up (outside
   calcquiz's write lock, so a study session running meanwhile is not kept waiting),
   and a second pass makes the changes to both sides as they are then: Anki's
   transaction commits inside calcquiz's, so a failure anywhere before leaves both
   sides as they were. A process killed between the two commits leaves Anki synced and
   calcquiz as it was; the next sync finds the same ratings on both sides (matched to
   the millisecond) and completes.
4. The marks left on each card are remembered for the next sync.

Nothing new on either side: no transaction writes anything, and no backup is made.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from calcquiz.errors import CalcquizError

from . import marks as marks_file
from .marks import Key, Marks

if TYPE_CHECKING:
    from calcquiz.anki_import.package import AnkiCard, AnkiCollection, AnkiNote
    from calcquiz.content import Deck
    from calcquiz.store import CardState, LoggedReview, Store
    from calcquiz.store.exchange import ExchangeWrites

    from .anki_side import Scheduling


@dataclass
class AnkiChanges:
    """What was (or, in a dry run, would be) changed in the collection."""

    notes_added: int = 0
    notes_updated: int = 0
    reviews_copied: int = 0
    cards_changed: int = 0
    marks_moved: int = 0

    def any(self) -> bool:
        return any(asdict(self).values())


class CalcquizChangesJson(TypedDict):
    reviews_copied: int
    cards_changed: int
    marks_moved: int


class SyncJson(TypedDict):
    """``sync anki --json``'s document."""

    collection: str
    dry_run: bool
    anki: dict[str, int]  # AnkiChanges' fields
    calcquiz: CalcquizChangesJson
    backup: str | None
    warnings: list[str]


@dataclass
class SyncReport:
    collection: Path
    dry_run: bool
    anki: AnkiChanges = field(default_factory=AnkiChanges)
    reviews_to_calcquiz: int = 0
    calcquiz_cards_changed: int = 0
    marks_to_calcquiz: int = 0
    backup: Path | None = None
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        a = self.anki
        would = "would get" if self.dry_run else "got"
        head = "Dry run: nothing was written. " if self.dry_run else ""
        out = [
            f"{head}Synced calcquiz with {self.collection}."
            if not self.dry_run
            else f"{head}Comparing calcquiz with {self.collection}.",
            f"Anki {would}: {a.notes_added} notes added, {a.notes_updated} notes updated, "
            f"{a.reviews_copied} reviews, {a.cards_changed} card schedules, "
            f"{a.marks_moved} suspensions or buries.",
            f"calcquiz {would}: {self.reviews_to_calcquiz} reviews, "
            f"{self.calcquiz_cards_changed} card states, "
            f"{self.marks_to_calcquiz} suspensions or buries.",
        ]
        if self.backup is not None:
            out.append(f"Backup of the collection before writing: {self.backup}")
        elif not self.dry_run:
            out.append("Nothing new on either side: nothing written, no backup needed.")
        out += [f"Warning: {w}" for w in self.warnings]
        return out

    def as_json(self) -> SyncJson:
        return {
            "collection": str(self.collection),
            "dry_run": self.dry_run,
            "anki": asdict(self.anki),
            "calcquiz": {
                "reviews_copied": self.reviews_to_calcquiz,
                "cards_changed": self.calcquiz_cards_changed,
                "marks_moved": self.marks_to_calcquiz,
            },
            "backup": str(self.backup) if self.backup is not None else None,
            "warnings": self.warnings,
        }


class _RollBack(Exception):
    """Raised inside a transaction to undo it (a dry run, a trial pass)."""


def sync_anki(
    path: Path, decks: Sequence[Deck], *, dry_run: bool = False, now: float | None = None
) -> SyncReport:
    """Sync ``decks``' cards with the collection at ``path``."""
    from calcquiz.store import open_store

    from .safety import (
        NEWEST_SCHEMA,
        back_up_closed,
        check_collection,
        copy_closed,
        open_collection,
        require_anki,
        sync_lock,
    )

    require_anki()
    path = path.expanduser()
    at = time.time() if now is None else now
    with sync_lock(), tempfile.TemporaryDirectory(prefix="calcquiz-sync-") as scratch:
        version = check_collection(path)
        opened, upgraded_from = path, None
        if version < NEWEST_SCHEMA:  # Anki's engine upgrades the file as it opens it
            if dry_run:
                opened = Path(scratch) / path.parent.name / path.name
                opened.parent.mkdir()
                copy_closed(path, opened)
            else:
                upgraded_from = back_up_closed(path, at)
        col = open_collection(opened)
        try:
            with open_store() as store:
                report = _sync(col, store, path, decks, dry_run, at)
        finally:
            col.close()
    if upgraded_from is not None:
        report.backup = report.backup or upgraded_from
        report.warnings.append(
            f"Anki's engine upgraded the collection from schema {version} to "
            f"{NEWEST_SCHEMA} (as recent Anki does when it opens it); older Anki versions "
            f"may not open it. The collection as it was: {upgraded_from}"
        )
    return report


Linked = tuple["AnkiNote", "AnkiCard"]  # the Anki card that stands for a calcquiz card


def _sync(
    col: Any, store: Store, path: Path, decks: Sequence[Deck], dry_run: bool, now: float
) -> SyncReport:
    from calcquiz import scheduler as sched
    from calcquiz.anki_import.merge import (
        calcquiz_card_targets,
        calcquiz_targets,
        match_cards,
        plan_matches,
    )
    from calcquiz.export.progress import Steps
    from calcquiz.store.exchange import transaction

    from .anki_side import Scheduling, read_live, scheduling_warnings
    from .converted import converted_edits

    snapshot = read_live(col)
    # Each Anki card stands for one calcquiz card, found as import anki finds it: a card of
    # calcquiz's own note by the note's guid, a card converted by --to-deck by its note's
    # guid and its template (every card of a note, cloze or reversed, its own).
    matches = match_cards(
        snapshot,
        calcquiz_targets(list(decks), [n.guid for n in snapshot.notes]),
        calcquiz_card_targets(list(decks), snapshot),
    )
    linked: dict[Key, Linked] = {(t.deck, t.card_id): m for t, m in matches.cards.items()}
    _align_moved_ids(store, snapshot, decks, linked)
    plan = plan_matches(snapshot, matches)  # after the alignment: it reads the rows as aligned
    scheduler = sched.make_scheduler(fuzz=False)
    how = Scheduling(
        float(scheduler.desired_retention),
        float(scheduler.parameters[20]),
        Steps(len(scheduler.learning_steps), len(scheduler.relearning_steps)),
    )
    report = SyncReport(path, dry_run)
    report.warnings += scheduling_warnings(
        col, [d.name for d in decks], [float(v) for v in scheduler.parameters]
    )
    unplaced = _unplaced(snapshot, decks, linked)
    report.warnings += [
        f"card {card_id!r} of {deck!r} is not synced: its Anki note (guid {guid}) no "
        "longer has that card, and a copy would duplicate the note (take the card out of "
        "the deck file, or bring the card back in Anki)"
        for (deck, card_id), guid in unplaced.items()
    ]
    converted = converted_edits(snapshot, decks)
    report.warnings += converted.warnings()

    def one_pass(write: bool) -> dict[Key, Marks]:
        """Both sides' changes worked out in calcquiz's transaction; with ``write``,
        made (Anki's first), else rolled back on both sides."""
        from .safety import back_up

        outcome = SyncReport(path, dry_run)
        final: dict[Key, Marks] = {}
        with contextlib.suppress(_RollBack), transaction(store) as writes:
            added = writes.merge(plan.work)
            outcome.reviews_to_calcquiz = sum(n for d in added.values() for n in d.values())
            outcome.calcquiz_cards_changed = sum(n > 0 for d in added.values() for n in d.values())
            final = _reconcile_marks(writes, store, decks, linked, now, outcome)
            histories = {d.name: dict(_history(store, d.name)) for d in decks}
            states = {d.name: store.card_states(d.name) for d in decks}
            work = _AnkiWork(col, snapshot, decks, linked, states, histories, final, how)
            work.unplaced = set(unplaced)
            work.converted = converted.writes
            outcome.anki = work.trial()
            if not write:
                raise _RollBack
            if outcome.anki.any():
                if report.backup is None:  # Anki's side changed since the first pass
                    report.backup = back_up(col, path, now)
                work.apply()
        report.anki = outcome.anki
        report.reviews_to_calcquiz = outcome.reviews_to_calcquiz
        report.calcquiz_cards_changed = outcome.calcquiz_cards_changed
        report.marks_to_calcquiz = outcome.marks_to_calcquiz
        return final

    # A first pass writes nothing and holds calcquiz's write lock only briefly; the backup
    # is taken after it, outside that lock (a study session may be rating meanwhile), and
    # the second pass applies the changes to both sides as they are then.
    final = one_pass(write=False)
    if dry_run:
        return report
    if report.anki.any():
        from .safety import back_up

        report.backup = back_up(col, path, now)
    if report.anki.any() or report.reviews_to_calcquiz or report.marks_to_calcquiz:
        final = one_pass(write=True)
    _remember(path, final, report)
    return report


def _unplaced(
    snapshot: AnkiCollection, decks: Sequence[Deck], linked: dict[Key, Linked]
) -> dict[Key, str]:
    """calcquiz cards without an Anki card whose note is in the collection all the same
    (the note a converted card came from, or the one ``export anki`` gives the card): a
    card Anki no longer makes for its note (a template removed, Empty Cards). The sync
    leaves them out rather than add a copy of the note (key -> the note's guid)."""
    from calcquiz.export.anki import anki_guids, guid

    present = {n.guid for n in snapshot.notes}
    identity = anki_guids(decks)
    out: dict[Key, str] = {}
    for deck in decks:
        for card in deck.cards:
            key = (deck.name, card.id)
            if key in linked:
                continue
            for note_guid in (deck.anki_guids.get(card.id), identity.get(key) or guid(*key)):
                if note_guid is not None and note_guid in present:
                    out[key] = note_guid
                    break
    return out


def _align_moved_ids(
    store: Store, snapshot: AnkiCollection, decks: Sequence[Deck], linked: dict[Key, Linked]
) -> None:
    """Rows an earlier sync wrote at a moved id are calcquiz's ratings (see
    :func:`.anki_side.align_moved_ids`)."""
    from calcquiz.store import review_ms

    from .anki_side import align_moved_ids

    for deck in decks:
        for card_id, reviews in _history(store, deck.name):
            link = linked.get((deck.name, card_id))
            if link is not None:
                ratings = [(review_ms(r.reviewed_at), r.rating) for r in reviews]
                align_moved_ids(snapshot, link[1].id, ratings)


def _history(store: Store, deck: str) -> Any:
    from calcquiz.store import scheduled_history

    return scheduled_history(store, deck)


def _reconcile_marks(
    writes: ExchangeWrites,
    store: Store,
    decks: Sequence[Deck],
    linked: dict[Key, Linked],
    now: float,
    report: SyncReport,
) -> dict[Key, Marks]:
    """The marks every card ends with; calcquiz's are set here (Anki's in :class:`_AnkiWork`)."""
    from calcquiz.config import load_config
    from calcquiz.dates import Calendar
    from calcquiz.store import Flags

    from .anki_side import anki_marks

    last = marks_file.load(report.collection)
    bury_until = Calendar(load_config().day_starts_at).today_end(now)
    final: dict[Key, Marks] = {}
    for deck in decks:
        flags = store.card_flags(deck.name)
        for card in deck.cards:
            key = (deck.name, card.id)
            mine = flags.get(card.id, Flags())
            here = Marks(mine.suspended, mine.buried(now))
            link = linked.get(key)
            if link is None:  # a note still to add takes calcquiz's marks
                final[key] = here
                continue
            want = marks_file.reconcile(here, anki_marks(link[1].queue), last.get(key))
            final[key] = want
            if want != here:
                buried = (mine.buried_until if here.buried else bury_until) if want.buried else None
                writes.set_flags(deck.name, card.id, Flags(want.suspended, buried, mine.leech))
                report.marks_to_calcquiz += 1
    return final


class _AnkiWork:
    """calcquiz's notes, ratings, states and marks applied to the collection."""

    def __init__(
        self,
        col: Any,
        snapshot: AnkiCollection,
        decks: Sequence[Deck],
        linked: dict[Key, Linked],
        states: dict[str, dict[str, CardState]],  # deck -> card id -> its state
        histories: dict[str, dict[str, list[LoggedReview]]],
        final: dict[Key, Marks],
        how: Scheduling,
    ):
        self.col, self.snapshot, self.decks, self.linked = col, snapshot, decks, linked
        self.states, self.histories, self.final, self.how = states, histories, final, how
        self.unplaced: set[Key] = set()  # left out (see _unplaced)
        self.converted: dict[int, tuple[str, ...]] = {}  # converted notes' new fields

    def trial(self) -> AnkiChanges:
        """What :meth:`apply` would change, worked out in a transaction rolled back."""
        counts = AnkiChanges()

        def run() -> None:
            self._apply(counts)
            raise _RollBack

        with contextlib.suppress(_RollBack):
            self.col.db.transact(run)
        self.col.models._clear_cache()  # a note type added in the trial is gone again
        return counts

    def apply(self) -> AnkiChanges:
        counts = AnkiChanges()
        try:
            self.col.db.transact(lambda: self._apply(counts))
        except CalcquizError:
            raise
        except Exception as exc:  # OSError, the anki backend's errors (disk full)
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CalcquizError(
                f"writing {self.snapshot_path()} failed ({why}); neither Anki nor calcquiz "
                "was changed"
            ) from None
        return counts

    def snapshot_path(self) -> str:
        return str(self.col.path)

    def _apply(self, counts: AnkiChanges) -> None:
        from calcquiz.export.anki import NOTE_TYPE_NAME, anki_guids, note_for
        from calcquiz.export.progress import revlog_rows
        from calcquiz.store import NEW

        from .anki_side import anki_marks, note_type, put_schedule, schedule_fields

        col = self.col
        used = set(col.db.list("SELECT id FROM revlog"))
        usn = col.usn()
        ours = None  # calcquiz's note type, looked up (or added) for the first new note
        identity = anki_guids(self.decks)  # export anki's: a converted card's Anki note
        for deck in self.decks:
            for card in deck.cards:
                key = (deck.name, card.id)
                if key in self.unplaced:
                    continue
                wanted = note_for(card, identity.get(key))
                link = self.linked.get(key)
                if link is None:
                    ours = ours or note_type(col)
                    added = col.new_note(ours)
                    added.guid = wanted.guid
                    added.fields[:] = list(wanted.fields)
                    added.tags = list(wanted.tags)
                    col.add_note(added, col.decks.id(wanted.deck))
                    counts.notes_added += 1
                    anki_id, have = added.card_ids()[0], set()
                else:
                    note, anki_card = link
                    note_kind = self.snapshot.note_types.get(note.type_id)
                    # calcquiz's own note: the deck's text (a converted card's Anki note keeps
                    # its own note type and text)
                    if (
                        note.guid == wanted.guid
                        and note_kind is not None
                        and note_kind.name == NOTE_TYPE_NAME
                        and (
                            list(note.fields) != list(wanted.fields)
                            or set(note.tags) != set(wanted.tags)
                        )
                    ):
                        current = col.get_note(note.id)
                        current.fields[:] = list(wanted.fields)
                        current.tags = list(wanted.tags)
                        col.update_note(current, skip_undo_entry=True)
                        counts.notes_updated += 1
                    anki_id = anki_card.id
                    have = {e.id for e in self.snapshot.revlog.get(anki_id, [])}
                history = self.histories[deck.name].get(card.id, [])
                for row in revlog_rows(anki_id, history, set()):
                    if row[0] in have:
                        continue
                    rid = row[0]
                    while rid in used:  # revlog ids are unique across the collection
                        rid += 1
                    used.add(rid)
                    col.db.execute(
                        "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        rid,
                        anki_id,
                        usn,
                        *row[3:],
                    )
                    counts.reviews_copied += 1
                current_card = col.get_card(anki_id)
                if current_card.odid:  # in a filtered deck: Anki schedules it until it returns
                    continue
                state = self.states[deck.name].get(card.id)
                fields = (
                    schedule_fields(state, self.snapshot, self.how)
                    if state is not None and state.state != NEW
                    else None
                )
                marks_before = anki_marks(current_card.queue)
                if put_schedule(current_card, fields, self.final[key]):
                    col.update_card(current_card, skip_undo_entry=True)
                    counts.cards_changed += 1
                    if link is not None and marks_before != self.final[key]:
                        counts.marks_moved += 1
        for note_id, new_fields in self.converted.items():  # see .converted
            current = col.get_note(note_id)
            current.fields[:] = list(new_fields)
            col.update_note(current, skip_undo_entry=True)
            counts.notes_updated += 1


def _remember(path: Path, final: dict[Key, Marks], report: SyncReport) -> None:
    """The marks left, and the collection used, for the next sync (both sides are synced
    already: a failure here is a warning, not a failed sync)."""
    try:
        marks_file.save(path, final)
    except CalcquizError as exc:
        report.warnings.append(f"{exc} (the next sync keeps every mark)")
    try:
        from calcquiz.config import load_config, write_value

        if load_config().anki_collection != str(path):
            write_value("anki_collection", str(path))
    except CalcquizError as exc:
        report.warnings.append(str(exc))


def collection_path(given: Path | None, profile: str | None) -> Path:
    """The collection to sync: the one given, the profile's, the one the last sync
    used, or the only profile's on this computer."""
    from calcquiz.errors import BadInputError

    from .location import default_collection

    if given is not None and profile is not None:
        raise BadInputError("give a COLLECTION or --profile NAME, not both")
    if given is not None:
        return given.expanduser()
    if profile is not None:
        return default_collection(profile)
    from calcquiz.config import load_config

    remembered = load_config().anki_collection
    return Path(remembered) if remembered else default_collection()
