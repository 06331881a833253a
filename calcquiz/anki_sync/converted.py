"""Edits made in calcquiz to cards converted from Anki notes (``import anki --to-deck``),
for ``sync anki``: each goes into its Anki note as ``export anki`` maps it (see
:mod:`calcquiz.export.original_notes`), but only while that note is still as it was
converted. A note changed in Anki since keeps Anki's text (both sides changed it, and
the live collection says which way is newer no better than a file's time); the sync
says so, as it says which edits no field can take."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from calcquiz.anki_import.package import AnkiCollection
from calcquiz.content import Deck


@dataclass
class ConvertedEdits:
    writes: dict[int, tuple[str, ...]] = field(default_factory=dict)  # note id -> fields
    both_changed: int = 0  # notes edited here and changed in Anki too
    unmapped: int = 0  # cards edited here whose edit no field can take

    def warnings(self) -> list[str]:
        out = []
        if self.both_changed:
            n = self.both_changed
            out.append(
                f"{n} Anki note{'s' * (n > 1)} edited in calcquiz {'were' if n > 1 else 'was'} "
                "changed in Anki too since converting: "
                f"{'they keep' if n > 1 else 'it keeps'} Anki's text"
            )
        if self.unmapped:
            from calcquiz.export.original_notes import unmapped_sentence

            out.append(unmapped_sentence(self.unmapped))
        return out


def converted_edits(snapshot: AnkiCollection, decks: Sequence[Deck]) -> ConvertedEdits:
    """The converted notes to rewrite in the collection ``snapshot`` was read from."""
    from calcquiz.export.original_notes import original_notes

    found = original_notes(decks, time.time())
    edits = ConvertedEdits(unmapped=len(found.unmapped))
    by_guid = {n.guid: n for n in snapshot.notes}
    for original in found.notes:
        note = by_guid.get(original.guid)
        if not original.edited or note is None or note.type_id != original.kind.id:
            continue
        if note.fields == original.fields:  # there already
            continue
        if note.fields == original.converted:
            edits.writes[note.id] = original.fields
        else:
            edits.both_changed += 1
    return edits
