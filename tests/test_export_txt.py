"""`calcquiz export anki --format txt`: Anki's plain-text import format, checked by
importing it with the official Anki package (get_csv_metadata + import_csv)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from calcquiz.content import load_decks
from calcquiz.export import anki as exporter

from .conftest import BUNDLED_DECK
from .helpers import (
    DECK_NAME,
    FIXTURE_DECK,
    FIXTURE_FIELDS,
    assert_bundled_notes,
    assert_integrity,
    import_apkg,
    notes_by_guid,
    open_collection,
)

HEADER = [
    "#separator:tab",
    "#html:true",
    "#notetype:calcquiz",
    f"#deck:{DECK_NAME}",
    "#tags column:6",
    "#guid column:1",
]


def import_txt(col, path: Path):
    from anki.collection import ImportCsvRequest

    metadata = col.get_csv_metadata(str(path), None)
    return col.import_csv(ImportCsvRequest(path=str(path), metadata=metadata)).log


def collection_with_note_type(folder: Path, cli):
    """A collection that has the calcquiz note type (from the .apkg) but no notes yet."""
    apkg = folder.parent / f"{folder.name}-type.apkg"
    assert cli("export", "anki", "-o", str(apkg)).exit_code == 0
    col = open_collection(folder)
    import_apkg(col, apkg)
    col.remove_notes(col.find_notes(""))
    assert col.note_count() == 0 and col.models.by_name("calcquiz") is not None
    return col


def export_txt(cli, out: Path, *extra: str) -> Path:
    result = cli("export", "anki", "--format", "txt", "-o", str(out), *extra)
    assert result.exit_code == 0, result.output
    return out


def records(text: str) -> list[list[str]]:
    """The data rows (after the header and comment lines), with "..." quoting."""
    lines = text.split("\n")
    first = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    body = "\n".join(lines[first:])
    return list(csv.reader(io.StringIO(body, newline=""), delimiter="\t", quotechar='"'))


def test_header_lines(tmp_path, cli):
    result = cli("export", "anki", "--format", "txt", "-o", str(tmp_path / "deck.txt"))
    assert result.exit_code == 0
    assert result.stdout == f"Wrote {tmp_path / 'deck.txt'}: Anki text file, 20 notes.\n"
    lines = (tmp_path / "deck.txt").read_text(encoding="utf-8").split("\n")
    assert lines[:6] == HEADER
    assert lines[6].startswith("# ") and ":" not in lines[6]  # a comment, never a header


def test_default_txt_name(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    assert cli("export", "anki", "--format", "txt").exit_code == 0
    assert (tmp_path / "calcquiz-calculus-optimization.txt").is_file()


def test_no_data_row_starts_with_a_hash(tmp_path, cli):
    """Anki skips a row starting with "#" as a comment, silently: every such first field
    (here a guid, a question, and a line inside a field) must be quoted."""
    card_id = next(
        f"card-{i}" for i in range(10_000) if exporter.guid("Hashes", f"card-{i}")[0] == "#"
    )
    deck = tmp_path / "hashes.yaml"
    deck.write_text(
        f"deck: Hashes\ncards:\n  - id: {card_id}\n    number: 1\n"
        "    question: '#1 rule'\n    answer: \"Line one\\n#two\"\n",
        encoding="utf-8",
    )
    out = export_txt(cli, tmp_path / "deck.txt", "--deck", str(deck))
    text = out.read_text(encoding="utf-8")
    rows = records(text)
    assert rows == [
        [exporter.guid("Hashes", card_id), "#1 rule", "Line one\n#two", "", "", "hashes"]
    ]
    assert f'\n"{exporter.guid("Hashes", card_id)}"\t"#1 rule"\t"Line one\n#two"\t' in text

    col = collection_with_note_type(tmp_path / "anki", cli)
    try:
        assert len(import_txt(col, out).new) == 1
        note = notes_by_guid(col)[exporter.guid("Hashes", card_id)]
        assert note.fields == ["#1 rule", "Line one\n#two", "", ""]
    finally:
        col.close()


@pytest.fixture
def fixture_deck_path(tmp_path: Path) -> Path:
    path = tmp_path / "fixture.yaml"
    path.write_text(FIXTURE_DECK, encoding="utf-8")
    return path


def test_txt_imports_every_field_exactly(tmp_path, cli):
    out = export_txt(cli, tmp_path / "deck.txt")
    cards = load_decks([BUNDLED_DECK])[0].cards
    col = collection_with_note_type(tmp_path / "anki", cli)
    try:
        log = import_txt(col, out)
        assert len(log.new) == 20
        assert col.note_count() == 20 and col.card_count() == 20
        deck_id = col.decks.id_for_name(DECK_NAME)
        assert {col.get_card(cid).did for cid in col.find_cards("")} == {deck_id}
        assert_bundled_notes(col, cards)
        assert_integrity(col)

        again = import_txt(col, out)
        assert len(again.new) == 0 and len(again.updated) == 0
        assert col.note_count() == 20
    finally:
        col.close()


def test_txt_fixture_fields_exactly(tmp_path, fixture_deck_path, cli):
    out = export_txt(cli, tmp_path / "deck.txt", "--deck", str(fixture_deck_path))
    col = collection_with_note_type(tmp_path / "anki", cli)
    try:
        assert len(import_txt(col, out).new) == 2
        by_guid = notes_by_guid(col)
        for card_id, fields in FIXTURE_FIELDS.items():
            assert by_guid[exporter.guid("Export Fixture", card_id)].fields == fields
        assert col.decks.id_for_name("Export Fixture") is not None
        assert_integrity(col)
    finally:
        col.close()


def test_txt_and_apkg_are_the_same_notes(tmp_path, cli):
    apkg = tmp_path / "deck.apkg"
    assert cli("export", "anki", "-o", str(apkg)).exit_code == 0
    out = export_txt(cli, tmp_path / "deck.txt")
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, apkg)
        before = {g: (n.id, n.fields, sorted(n.tags)) for g, n in notes_by_guid(col).items()}
        log = import_txt(col, out)
        assert len(log.new) == 0 and len(log.updated) == 0
        after = {g: (n.id, n.fields, sorted(n.tags)) for g, n in notes_by_guid(col).items()}
        assert after == before
    finally:
        col.close()


def test_edited_txt_reexport_updates_in_place(tmp_path, cli):
    deck = tmp_path / "deck.yaml"
    deck.write_text(BUNDLED_DECK.read_text(encoding="utf-8"), encoding="utf-8")
    out = export_txt(cli, tmp_path / "deck.txt", "--deck", str(deck))
    col = collection_with_note_type(tmp_path / "anki", cli)
    try:
        import_txt(col, out)
        guid = exporter.guid(DECK_NAME, "momentum")
        old_id = notes_by_guid(col)[guid].id
        text = deck.read_text(encoding="utf-8")
        edited = text.replace("Accumulates a moving average", "Keeps a **decaying sum**")
        assert edited != text
        deck.write_text(edited, encoding="utf-8")
        export_txt(cli, out, "--deck", str(deck), "--force")

        log = import_txt(col, out)
        assert len(log.new) == 0 and len(log.updated) == 1
        assert col.note_count() == 20
        note = notes_by_guid(col)[guid]
        assert note.id == old_id
        assert note["Answer"].startswith("<ul>\n<li>Keeps a <strong>decaying sum</strong>")
        assert_integrity(col)
    finally:
        col.close()


def test_several_decks_use_a_deck_column(tmp_path, fixture_deck_path, cli):
    out = export_txt(
        cli, tmp_path / "deck.txt", "--deck", str(BUNDLED_DECK), "--deck", str(fixture_deck_path)
    )
    text = out.read_text(encoding="utf-8")
    assert "#deck column:7\n" in text and "#deck:" not in text
    col = collection_with_note_type(tmp_path / "anki", cli)
    try:
        assert len(import_txt(col, out).new) == 22
        assert len(col.find_notes(f'"deck:{DECK_NAME}"')) == 20
        assert len(col.find_notes('"deck:Export Fixture"')) == 2
    finally:
        col.close()


def test_without_the_note_type_anki_falls_back_to_another(tmp_path, cli):
    """Why the .txt needs the .apkg imported first: Anki does not refuse a text file
    naming an unknown note type; it maps the rows onto its default one. If this test
    starts failing, Anki changed that, and the advice in --help can be revisited."""
    out = export_txt(cli, tmp_path / "deck.txt")
    col = open_collection(tmp_path / "anki")
    try:
        metadata = col.get_csv_metadata(str(out), None)
        assert metadata.global_notetype.id != exporter.NOTE_TYPE_ID
        assert col.models.get(metadata.global_notetype.id)["name"] != "calcquiz"
    finally:
        col.close()
