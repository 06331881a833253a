"""`calcquiz export anki --format txt`: Anki's plain-text import format for the built-in
Basic note type, checked by importing it with the official Anki package
(get_csv_metadata + import_csv) into fresh collections."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from calcquiz.content import load_decks
from calcquiz.export import anki as exporter

from .helpers import (
    BUNDLED_DECK,
    DECK_NAME,
    DECK_TAG,
    FIXTURE_DECK,
    FIXTURE_FIELDS,
    assert_integrity,
    import_apkg,
    notes_by_guid,
    open_collection,
    reference_html,
)

HEADER = [
    "#separator:tab",
    "#html:true",
    "#notetype:Basic",
    f"#deck:{DECK_NAME}",
    "#tags column:4",
    "#guid column:1",
]


def expected_back(answer: str, note: str, demo: str) -> str:
    """Back as the file promises it: the answer, then the note, then the demo line."""
    back = answer
    if note:
        back += f'\n<div class="cq-note"><b>Note:</b> {note}</div>'
    if demo:
        back += f'\n<div class="cq-demo"><b>Try it:</b> <code>{demo}</code></div>'
    return back


def assert_basic_notes(col, cards, deck_name: str = DECK_NAME) -> None:
    """Every card arrived as a Basic note with the question, answer, note and demo."""
    by_guid = notes_by_guid(col)
    for card in cards:
        note = by_guid[exporter.txt_guid(deck_name, card.id)]
        assert note.note_type()["name"] == "Basic"
        assert note.keys() == ["Front", "Back"]
        assert note["Front"] == reference_html(card.question), card.id
        assert note["Back"] == expected_back(
            reference_html(card.marked_answer()),  # corrected claims marked †, as in .apkg
            reference_html(card.marked_note()) if card.note else "",
            f"calcquiz demo {card.demo}" if card.demo else "",
        ), card.id
        assert sorted(note.tags) == sorted({*card.tags, DECK_TAG}), card.id


def import_txt(col, path: Path):
    from anki.collection import ImportCsvRequest

    metadata = col.get_csv_metadata(str(path), None)
    return col.import_csv(ImportCsvRequest(path=str(path), metadata=metadata)).log


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
    """Anki skips a line starting with "#" as a comment, silently: a field that starts
    with "#" (or holds a line that does) must be quoted; guids never start with one."""
    deck = tmp_path / "hashes.yaml"
    deck.write_text(
        "deck: Hashes\ncards:\n  - id: first\n    number: 1\n"
        "    question: '#1 rule'\n    answer: \"Line one\\n#two\"\n",
        encoding="utf-8",
    )
    out = export_txt(cli, tmp_path / "deck.txt", "--deck", str(deck))
    text = out.read_text(encoding="utf-8")
    guid = exporter.txt_guid("Hashes", "first")
    assert records(text) == [[guid, "#1 rule", "Line one\n#two", "hashes"]]
    assert f'\n{guid}\t"#1 rule"\t"Line one\n#two"\t' in text

    col = open_collection(tmp_path / "anki")
    try:
        assert len(import_txt(col, out).new) == 1
        assert notes_by_guid(col)[guid].fields == ["#1 rule", "Line one\n#two"]
    finally:
        col.close()


@pytest.fixture
def fixture_deck_path(tmp_path: Path) -> Path:
    path = tmp_path / "fixture.yaml"
    path.write_text(FIXTURE_DECK, encoding="utf-8")
    return path


def test_txt_imports_every_field_into_a_fresh_collection(tmp_path, cli):
    out = export_txt(cli, tmp_path / "deck.txt")
    cards = load_decks([BUNDLED_DECK])[0].cards
    col = open_collection(tmp_path / "anki")
    try:
        assert col.models.by_name("calcquiz") is None  # nothing from the .apkg
        log = import_txt(col, out)
        assert len(log.new) == 20
        assert col.note_count() == 20 and col.card_count() == 20
        deck_id = col.decks.id_for_name(DECK_NAME)
        assert {col.get_card(cid).did for cid in col.find_cards("")} == {deck_id}
        assert_basic_notes(col, cards)
        with_notes = [c for c in cards if c.note]
        assert with_notes  # each card that has a correction: it arrived in Back
        for card in with_notes:
            back = notes_by_guid(col)[exporter.txt_guid(DECK_NAME, card.id)]["Back"]
            assert reference_html(card.marked_note()) in back
        assert_integrity(col)

        again = import_txt(col, out)
        assert len(again.new) == 0 and len(again.updated) == 0
        assert col.note_count() == 20
    finally:
        col.close()


def test_txt_fixture_fields_exactly(tmp_path, fixture_deck_path, cli):
    out = export_txt(cli, tmp_path / "deck.txt", "--deck", str(fixture_deck_path))
    col = open_collection(tmp_path / "anki")
    try:
        assert len(import_txt(col, out).new) == 2
        by_guid = notes_by_guid(col)
        for card_id, (question, answer, note, demo) in FIXTURE_FIELDS.items():
            fields = by_guid[exporter.txt_guid("Export Fixture", card_id)].fields
            assert fields == [question, expected_back(answer, note, demo)]
        assert col.decks.id_for_name("Export Fixture") is not None
        assert_integrity(col)
    finally:
        col.close()


def test_txt_and_apkg_notes_never_collide(tmp_path, cli):
    """Both files in one collection: two separate sets of notes, neither overwrites."""
    apkg = tmp_path / "deck.apkg"
    assert cli("export", "anki", "-o", str(apkg)).exit_code == 0
    out = export_txt(cli, tmp_path / "deck.txt")
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, apkg)
        before = {g: (n.id, n.fields) for g, n in notes_by_guid(col).items()}
        log = import_txt(col, out)
        assert len(log.new) == 20 and len(log.updated) == 0
        after = notes_by_guid(col)
        assert {g: (n.id, n.fields) for g, n in after.items() if g in before} == before
        types = sorted(n.note_type()["name"] for n in after.values())
        assert types == ["Basic"] * 20 + ["calcquiz"] * 20
        assert all(len(g) <= 10 for g in before)  # genanki's guids: short
        assert all(g.startswith(exporter.TXT_GUID_PREFIX) for g in after if g not in before)
    finally:
        col.close()


def test_edited_txt_reexport_updates_in_place(tmp_path, cli):
    deck = tmp_path / "deck.yaml"
    deck.write_text(BUNDLED_DECK.read_text(encoding="utf-8"), encoding="utf-8")
    out = export_txt(cli, tmp_path / "deck.txt", "--deck", str(deck))
    col = open_collection(tmp_path / "anki")
    try:
        import_txt(col, out)
        guid = exporter.txt_guid(DECK_NAME, "momentum")
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
        assert note["Back"].startswith("<ul>\n<li>Keeps a <strong>decaying sum</strong>")
        assert "calcquiz demo momentum" in note["Back"]
        assert_integrity(col)
    finally:
        col.close()


def test_several_decks_use_a_deck_column(tmp_path, fixture_deck_path, cli):
    out = export_txt(
        cli, tmp_path / "deck.txt", "--deck", str(BUNDLED_DECK), "--deck", str(fixture_deck_path)
    )
    text = out.read_text(encoding="utf-8")
    assert "#deck column:5\n" in text and "#deck:" not in text
    col = open_collection(tmp_path / "anki")
    try:
        assert len(import_txt(col, out).new) == 22
        assert len(col.find_notes(f'"deck:{DECK_NAME}"')) == 20
        assert len(col.find_notes('"deck:Export Fixture"')) == 2
    finally:
        col.close()
