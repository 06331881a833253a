"""Notes, cards and note types in a learner's Anki collection before and after a round
trip through calcquiz: Anki exports the collection (8 notes: 3 Basic, 3 "Basic (and
reversed card)", 2 clozes of 2 and 3 deletions; 14 cards), `calcquiz import anki
--to-deck` converts it, `calcquiz export anki` writes the decks back, and Anki's importer
(default options) imports that into the original collection. Needs the official `anki`
package.

    python benchmarks/anki_roundtrip.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path


def counts(col) -> tuple[int, int, int]:
    return col.note_count(), col.card_count(), len(col.models.all_names_and_ids())


def main() -> None:
    from anki.collection import (
        Collection,
        ExportAnkiPackageOptions,
        ImportAnkiPackageOptions,
        ImportAnkiPackageRequest,
    )
    from anki.generic_pb2 import Empty
    from anki.import_export_pb2 import ExportLimit

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        col = Collection(str(tmp / "collection.anki2"))
        decks = col.decks.id("Calculus"), col.decks.id("Calculus::Limits")
        notes = [("Basic", 0, {"Front": f"q{i}", "Back": f"a{i}"}) for i in range(3)]
        notes += [("Basic (and reversed card)", 0, {"Front": f"f{i}", "Back": f"b{i}"})
                  for i in range(3)]
        notes += [("Cloze", 1, {"Text": "{{c1::x}} and {{c2::y}}"}),
                  ("Cloze", 1, {"Text": "{{c1::p}} {{c2::q}} {{c3::r}}"})]
        for kind, deck, fields in notes:
            note = col.new_note(col.models.by_name(kind))
            for field, value in fields.items():
                note[field] = value
            col.add_note(note, decks[deck])
        options = ExportAnkiPackageOptions(with_scheduling=True, with_media=False)
        col.export_anki_package(
            out_path=str(tmp / "learner.apkg"), options=options,
            limit=ExportLimit(whole_collection=Empty()),
        )
        before = counts(col)
        env = {"CALCQUIZ_HOME": str(tmp / "home"), "PATH": "/usr/bin:/bin"}
        calcquiz = [sys.executable, "-m", "calcquiz"]
        subprocess.run([*calcquiz, "import", "anki", str(tmp / "learner.apkg"), "--to-deck",
                        str(tmp / "deck.yaml")], env=env, check=True, capture_output=True)
        files = [a for f in sorted(tmp.glob("deck*.yaml")) for a in ("--deck", str(f))]
        subprocess.run([*calcquiz, "export", "anki", *files, "-o", str(tmp / "back.apkg")],
                       env=env, check=True, capture_output=True)
        request = ImportAnkiPackageRequest(
            package_path=str(tmp / "back.apkg"), options=ImportAnkiPackageOptions()
        )
        col.import_anki_package(request)
        after = counts(col)
        col.close()
    print(f"notes, cards, note types: before {before}, after the round trip {after}")


if __name__ == "__main__":
    main()
