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

    @property
    def notes_skipped(self) -> int:
        return len(self.skipped) if self.deck_path else len(self.merged.unmatched)

    def lines(self) -> list[str]:
        m = self.merged
        out = [
            f"Read {self.file}: {self.notes} notes.",
            f"Notes matched to calcquiz cards: {m.notes_matched}",
            f"Reviews added: {m.reviews_added}",
            f"Cards updated: {m.cards_updated}",
        ]
        if self.deck_path is not None and self.deck_merged is not None:
            d = self.deck_merged
            out += [
                f"Wrote {self.deck_path}: deck {self.deck_name!r}, {self.deck_cards} cards "
                f"from the other notes (study it: calcquiz study --deck {self.deck_path})",
                f"Reviews added to that deck: {d.reviews_added}, cards updated: {d.cards_updated}",
                f"Notes skipped: {self.notes_skipped}",
            ]
            out += [f"  skipped {text!r}: {why}" for text, why in self.skipped]
        else:
            hint = " (not calcquiz cards; --to-deck PATH.yaml makes a deck of them)"
            out.append(f"Notes skipped: {self.notes_skipped}{hint if self.notes_skipped else ''}")
        reset = [m for m in (self.merged, self.deck_merged) if m is not None and m.reset_cards]
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
    data: bytes | None = None
    if to_deck is not None and known.merged.unmatched:
        from calcquiz.anki_import.to_deck import check, draft_deck

        wanted = set(known.merged.unmatched)
        notes = [n for n in collection.notes if n.id in wanted]
        draft = draft_deck(collection, notes, [d.name for d in decks])
        data = check(draft, str(to_deck))
        targets = {key: Target(draft.name, cid) for key, cid in draft.card_ids.items()}
        converted = plan_merge(collection, {}, targets)
        plans.append(converted)
        report.deck_merged = converted.merged
        report.deck_path, report.deck_name = to_deck, draft.name
        report.deck_cards, report.skipped, report.media = (
            len(draft.cards),
            draft.skipped,
            draft.media,
        )
    with open_store() as store:
        if data is None or to_deck is None:
            apply_merges(store, plans)
            return report
        from calcquiz.anki_import.deck_file import StagedDeck

        with StagedDeck(to_deck, data, force) as staged:
            apply_merges(store, plans, before_commit=staged.place)
            staged.keep()
    return report


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
