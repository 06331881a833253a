"""``calcquiz import anki FILE [--to-deck PATH]``: read, merge, optionally write a deck."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from calcquiz.anki_import.merge import (
    Merged,
    Target,
    apply_merges,
    calcquiz_card_targets,
    calcquiz_targets,
    plan_merge,
)
from calcquiz.anki_import.package import AnkiCollection, read_package
from calcquiz.errors import BadInputError

if TYPE_CHECKING:
    from calcquiz.content import Deck


@dataclass
class WrittenDeck:
    """One deck file ``--to-deck`` wrote: one per Anki deck the converted cards are in."""

    path: Path
    name: str
    cards: int
    merged: Merged
    notes_left_out: bool = False  # too big to keep its Anki notes whole


@dataclass
class ImportReport:
    """What an import did, for the user and for tests."""

    file: Path
    notes: int
    merged: Merged
    deck_path: Path | None = None
    deck_name: str | None = None
    deck_cards: int = 0
    deck_merged: Merged | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)  # converting to a deck
    media: list[str] = field(default_factory=list)
    has_history: bool = True
    fsrs_presets: dict[str, tuple[int, tuple[float, ...]]] = field(default_factory=dict)
    # Every deck file written; the deck_* fields above describe the first of them.
    decks_written: list[WrittenDeck] = field(default_factory=list)

    @property
    def notes_skipped(self) -> int:
        return len(self.skipped) if self.deck_path else len(self.merged.unmatched)

    def lines(self) -> list[str]:
        m = self.merged
        out = [
            f"Read {self.file}: {self.notes} note{'s' if self.notes != 1 else ''}.",
            f"Notes matched to calcquiz cards: {m.notes_matched}",
            f"Reviews added: {m.reviews_added}",
            f"Cards updated: {m.cards_updated}",
        ]
        if self.deck_path is not None and self.deck_merged is not None:
            for deck in self.decks_written:
                d = deck.merged
                out += [
                    f"Wrote {deck.path}: deck {deck.name!r}, {deck.cards} "
                    f"card{'s' if deck.cards != 1 else ''} "
                    f"from the other notes (study it: calcquiz study --deck {deck.path})",
                    f"Reviews added to that deck: {d.reviews_added}, "
                    f"cards updated: {d.cards_updated}",
                ]
                if deck.notes_left_out:
                    out.append(
                        "  Its Anki notes are not kept whole (the file would pass the deck "
                        "size limit): export anki meets each note by its first card only, "
                        "and a note's other cards go back as notes of their own."
                    )
            out.append(f"Notes skipped: {self.notes_skipped}")
            out += [f"  skipped {text!r}: {why}" for text, why in self.skipped]
        else:
            hint = " (not calcquiz cards; --to-deck PATH.yaml makes a deck of them)"
            out.append(f"Notes skipped: {self.notes_skipped}{hint if self.notes_skipped else ''}")
        merges = [self.merged] + [d.merged for d in self.decks_written]
        reset = [m for m in merges if m.reset_cards]
        if reset:
            cards = sum(m.reset_cards for m in reset)
            ratings = sum(m.reset_ratings for m in reset)
            out.append(
                f"{cards} card{'s' if cards != 1 else ''} that Anki reset to new "
                f"arrive{'s' if cards == 1 else ''} new ({ratings} earlier ratings left out)"
            )
        if self.media:
            out.append(f"Media skipped (not imported): {', '.join(self.media)}")
        out += self._fsrs_lines()
        if self.notes == 0:
            out.append("The package holds no notes.")
        if not self.has_history:
            out.append(
                "The file holds no review history: in Anki, export with "
                '"Include scheduling information" ticked.'
            )
        return out

    def _fsrs_lines(self) -> list[str]:
        """Anki's fitted FSRS parameters: calcquiz scheduled with its own (config.toml),
        so stabilities differ from Anki's; say so, and how to use them."""
        out = []
        for name, (version, values) in sorted(self.fsrs_presets.items()):
            if version == 6 and len(values) == 21:
                numbers = ",".join(f"{v:g}" for v in values)
                out += [
                    f"Anki's preset {name!r} carries FSRS-6 parameters fitted to its "
                    "reviews; calcquiz used its own, so stabilities differ from Anki's. "
                    "To schedule with Anki's from now on:",
                    f"  calcquiz config set parameters {numbers}",
                ]
            else:
                out.append(
                    f"Anki's preset {name!r} carries FSRS-{version} parameters, which "
                    "calcquiz (FSRS-6) cannot use; calcquiz optimize --save fits FSRS-6 "
                    "parameters to this history."
                )
        return out


def import_anki(
    path: Path, decks: Sequence[Deck], to_deck: Path | None = None, *, force: bool = False
) -> ImportReport:
    """Read ``path``, merge its history into the store and, with ``to_deck``, write the
    notes that are not calcquiz cards as a deck file with their history.

    All or nothing: the package is read and checked, the deck converted and validated and
    every card's new state worked out before anything is written; then one store
    transaction, with the deck file put in place just before it commits (and taken back
    if it does not). A failure at any point leaves the store and the files as they were.
    """
    if to_deck is not None:
        _check_deck_target(to_deck, force)
    return import_collection(path, read_package(path), decks, to_deck, force=force)


def import_collection(
    path: Path,
    collection: AnkiCollection,
    decks: Sequence[Deck],
    to_deck: Path | None = None,
    *,
    force: bool = False,
) -> ImportReport:
    """:func:`import_anki` for a collection already read from ``path``."""
    from calcquiz.store import open_store

    guids = [n.guid for n in collection.notes]
    known = plan_merge(
        collection,
        calcquiz_targets(list(decks), guids),
        calcquiz_card_targets(list(decks), collection),
    )
    report = ImportReport(path, len(collection.notes), known.merged)
    report.has_history = bool(collection.revlog)
    report.fsrs_presets = collection.fsrs_presets
    plans = [known]
    files: list[tuple[Path, bytes]] = []
    if to_deck is not None and known.merged.unmatched:
        from calcquiz.anki_import.to_deck import check, draft_decks

        wanted = set(known.merged.unmatched)
        notes = [n for n in collection.notes if n.id in wanted]
        drafts, whole = draft_decks(collection, notes, [d.name for d in decks])
        paths = deck_paths(to_deck, [d.name for d in drafts])
        for draft, deck_path in zip(drafts, paths, strict=True):
            if deck_path != to_deck:
                _check_deck_target(deck_path, force)
            files.append((deck_path, check(draft, str(deck_path))))
            targets = {key: Target(draft.name, cid) for key, cid in draft.card_ids.items()}
            converted = plan_merge(collection, {}, targets)
            plans.append(converted)
            report.decks_written.append(
                WrittenDeck(
                    deck_path, draft.name, len(draft.cards), converted.merged, draft.notes_left_out
                )
            )
        first = report.decks_written[0]
        report.deck_merged = first.merged
        report.deck_path, report.deck_name, report.deck_cards = first.path, first.name, first.cards
        report.skipped, report.media = whole.skipped, whole.media
    with open_store() as store:
        if not files:
            apply_merges(store, plans)
            return report
        from contextlib import ExitStack

        from calcquiz.anki_import.deck_file import StagedDeck

        with ExitStack() as stack:
            staged = [stack.enter_context(StagedDeck(p, data, force)) for p, data in files]

            def place_all() -> None:
                for one in staged:
                    one.place()

            apply_merges(store, plans, before_commit=place_all)
            for one in staged:
                one.keep()
    return report


def deck_paths(to_deck: Path, names: Sequence[str]) -> list[Path]:
    """Where ``--to-deck PATH`` writes each deck: PATH itself for one deck; for several,
    ``STEM-<deck slug>.yaml`` beside it, each name within 255 bytes."""
    from calcquiz.export.anki import slug

    if len(names) <= 1:
        return [to_deck]
    paths: list[Path] = []
    for name in names:
        room = 255 - len(f"{to_deck.stem}-{to_deck.suffix}".encode())
        tail = slug(name).encode()[: max(room, 8)].decode("ascii", "ignore").strip("-")
        path = to_deck.with_name(f"{to_deck.stem}-{tail}{to_deck.suffix}")
        n = 2
        while path in paths:
            path = to_deck.with_name(f"{to_deck.stem}-{tail}-{n}{to_deck.suffix}")
            n += 1
        paths.append(path)
    return paths


def _check_deck_target(path: Path, force: bool) -> None:
    from calcquiz.export.files import refuse_existing, refuse_special

    if path.suffix.lower() not in (".yaml", ".yml"):
        raise BadInputError(f"--to-deck {path}: a deck file ends in .yaml or .yml")
    if path.is_dir():
        raise BadInputError(f"--to-deck {path} is a folder; give a file name ending in .yaml")
    folder = path.parent
    if not folder.is_dir():
        raise BadInputError(f"--to-deck {path}: the folder {folder} does not exist")
    if force:
        refuse_special(path)
    else:
        refuse_existing(path)
