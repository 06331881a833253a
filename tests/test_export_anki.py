"""`calcquiz export anki`: the .apkg, checked by importing it with the official Anki
package into a fresh collection, plus the card HTML and the file-writing rules."""

from __future__ import annotations

import dataclasses
import html
import json
import os
import sqlite3
import tempfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcquiz.content import Card, load_decks
from calcquiz.errors import ExportError
from calcquiz.export import anki as exporter
from calcquiz.export.files import OutputExistsError, write_atomically
from calcquiz.export.html import to_anki_html
from calcquiz.latex import MathSyntaxError, split_math

from .helpers import (
    BUNDLED_DECK,
    DECK_NAME,
    FIXTURE_DECK,
    FIXTURE_FIELDS,
    assert_bundled_notes,
    assert_integrity,
    command_code,
    examples,
    import_apkg,
    imports_after,
    notes_by_guid,
    open_collection,
)

APKG_NAME = "calcquiz-calculus-optimization.apkg"

@pytest.fixture
def fixture_deck(tmp_path: Path) -> Path:
    path = tmp_path / "fixture.yaml"
    path.write_text(FIXTURE_DECK, encoding="utf-8")
    return path


@pytest.fixture
def bundled_apkg(tmp_path: Path, cli) -> Path:
    out = tmp_path / "out" / "deck.apkg"
    out.parent.mkdir()
    result = cli("export", "anki", "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


# ---------------------------------------------------------------- card HTML


def test_math_gets_mathjax_delimiters_and_markdown_is_html():
    assert to_anki_html("**Fix**: $a_1 + b_2$ and $c_3$") == (
        "<strong>Fix</strong>: \\(a_1 + b_2\\) and \\(c_3\\)"
    )
    assert to_anki_html("before\n\n$$\\{x\\}$$") == "<p>before</p>\n<p>\\[\\{x\\}\\]</p>"
    assert (
        to_anki_html("*   one\n*   two $x$\n") == "<ul>\n<li>one</li>\n<li>two \\(x\\)</li>\n</ul>"
    )


def test_less_than_in_math_is_escaped_not_a_tag():
    assert to_anki_html("$a<b$") == "\\(a&lt;b\\)"
    assert to_anki_html("$$b>a\\&c$$") == "\\[b&gt;a\\&amp;c\\]"


def test_text_is_escaped_exactly_once():
    assert to_anki_html("AT&T < 3 > 2") == "AT&amp;T &lt; 3 &gt; 2"
    # Card text is not HTML: an entity shows as typed, so its & is escaped once.
    assert to_anki_html("&lt;b&gt; &amp;") == "&amp;lt;b&amp;gt; &amp;amp;"
    assert to_anki_html("\"quotes\" and 'apostrophes'") == "\"quotes\" and 'apostrophes'"


def test_html_and_scripts_in_a_card_come_out_as_text():
    out = to_anki_html('<script>alert(1)</script> <img src=x onerror="alert(1)">')
    assert out == ('&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror="alert(1)"&gt;')
    block = to_anki_html("<div onmouseover=alert(1)>\n\nhi\n</div>")
    assert "<div" not in block and "&lt;div onmouseover=alert(1)&gt;" in block


def test_unsafe_links_are_not_links():
    assert "href" not in to_anki_html("[x](javascript:alert(1)) <javascript:alert(1)>")


def test_a_literal_dollar_stays():
    assert to_anki_html("costs \\$5, $x$") == "costs $5, \\(x\\)"


ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote", "hr", "br", "a"}
ALLOWED_TAGS |= {f"h{i}" for i in range(1, 7)}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


card_text = st.text(alphabet="ab <>&\"'*_`$\\#-[]()!:/\n\t", max_size=60)


@settings(max_examples=examples(300), deadline=None)
@given(card_text)
def test_any_card_text_makes_only_safe_tags_and_keeps_its_math(text):
    try:
        segments = split_math(text)
    except MathSyntaxError:
        return
    out = to_anki_html(text)
    parser = _Tags()
    parser.feed(out)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, out
        assert {name for name, _ in attrs} <= {"href", "start"}, out
        for name, value in attrs:
            assert not (name == "href" and (value or "").strip().lower().startswith("java")), out
    for seg in segments:
        if seg.kind != "text":
            opening, closing = ("\\(", "\\)") if seg.kind == "inline" else ("\\[", "\\]")
            body = html.escape(seg.content, quote=False)
            assert opening + body + closing in out, (seg, out)


# ---------------------------------------------------------------- the .apkg in Anki


def test_apkg_imports_cleanly_with_every_field(tmp_path, bundled_apkg):
    cards = {c.id: c for c in load_decks([BUNDLED_DECK])[0].cards}
    col = open_collection(tmp_path / "anki")
    try:
        log = import_apkg(col, bundled_apkg)
        assert len(log.new) == 20
        assert col.note_count() == 20 and col.card_count() == 20
        assert col.decks.id_for_name(DECK_NAME) is not None
        assert {c.did for c in (col.get_card(cid) for cid in col.find_cards(""))} == {
            col.decks.id_for_name(DECK_NAME)
        }

        notetype = col.models.by_name(exporter.NOTE_TYPE_NAME)
        assert notetype is not None and notetype["id"] == exporter.NOTE_TYPE_ID
        assert [f["name"] for f in notetype["flds"]] == ["Question", "Answer", "Note", "Demo"]
        assert col.models.by_name("Basic+") is None

        assert len(notes_by_guid(col)) == 20
        assert_bundled_notes(col, cards.values())
        assert_integrity(col)
    finally:
        col.close()


def test_the_answer_side_shows_note_and_demo(tmp_path, bundled_apkg):
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, bundled_apkg)
        note = notes_by_guid(col)[exporter.guid(DECK_NAME, "momentum")]
        card = note.cards()[0]
        assert "Explain Momentum in optimization." in card.question()
        answer = card.answer()
        assert "<code>calcquiz demo momentum</code>" in answer
        assert '<div class="cq-note">' in answer and "\\(w_t = w_{t-1} - v_t\\)" in answer
        assert card.due == 11  # new cards come in deck order
    finally:
        col.close()


def test_importing_the_same_file_again_adds_nothing(tmp_path, bundled_apkg):
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, bundled_apkg)
        before = {g: (n.id, n.fields, n.mod) for g, n in notes_by_guid(col).items()}
        log = import_apkg(col, bundled_apkg)
        assert len(log.new) == 0 and len(log.updated) == 0
        assert col.note_count() == 20 and col.card_count() == 20
        assert {g: (n.id, n.fields, n.mod) for g, n in notes_by_guid(col).items()} == before
        assert_integrity(col)
    finally:
        col.close()


def test_edited_reexport_updates_the_note_in_place(tmp_path, cli):
    deck = tmp_path / "deck.yaml"
    deck.write_text(BUNDLED_DECK.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "deck.apkg"
    assert cli("export", "anki", "--deck", str(deck), "-o", str(out)).exit_code == 0
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, out)
        guid = exporter.guid(DECK_NAME, "momentum")
        old = notes_by_guid(col)[guid]
        text = deck.read_text(encoding="utf-8")
        edited = text.replace("Accumulates a moving average", "Keeps a **decaying sum**")
        assert edited != text
        deck.write_text(edited, encoding="utf-8")
        # Immediately, so usually within the same second as the first export.
        result = cli("export", "anki", "--deck", str(deck), "-o", str(out), "--force")
        assert result.exit_code == 0, result.output

        log = import_apkg(col, out)
        assert len(log.new) == 0 and len(log.updated) == 20
        assert col.note_count() == 20 and col.card_count() == 20
        new = notes_by_guid(col)[guid]
        assert new.id == old.id
        assert new["Answer"].startswith("<ul>\n<li>Keeps a <strong>decaying sum</strong>")
        assert "moving average" not in new["Answer"]
        assert new.mod > old.mod
        assert_integrity(col)
    finally:
        col.close()


def test_a_later_export_to_another_file_also_updates(tmp_path, fixture_deck):
    decks = load_decks([fixture_deck])
    first = exporter.export(decks, tmp_path / "a.apkg", now=1_800_000_000.0).path
    changed = [dataclasses.replace(d, cards=tuple(_reworded(c) for c in d.cards)) for d in decks]
    second = exporter.export(changed, tmp_path / "b.apkg", now=1_800_000_001.0).path
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, first)
        log = import_apkg(col, second)
        assert len(log.new) == 0 and len(log.updated) == 2
        assert (
            notes_by_guid(col)[exporter.guid("Export Fixture", "plain")]["Question"] == "#1 rule!"
        )
    finally:
        col.close()


def _reworded(card: Card) -> Card:
    return card._replace(question=card.question + "!")


def newest_note_mod(apkg: Path) -> int:
    """The newest note modification time in a package, read with sqlite3 itself."""
    with zipfile.ZipFile(apkg) as archive, tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(archive.extract("collection.anki2", tmp))
        try:
            return conn.execute("SELECT max(mod) FROM notes").fetchone()[0]
        finally:
            conn.close()


def test_replacing_a_package_in_the_same_second_makes_newer_notes(tmp_path, fixture_deck):
    decks = load_decks([fixture_deck])
    path = tmp_path / "deck.apkg"
    exporter.export(decks, path, now=1_800_000_000.9)
    assert newest_note_mod(path) == 1_800_000_000
    exporter.export(decks, path, force=True, now=1_800_000_000.2)
    assert newest_note_mod(path) == 1_800_000_001
    # A file that is not a package is simply replaced.
    path.write_text("not a zip")
    assert exporter.package_timestamp(exporter.sent_notes(path), now=5.0) == 5.0


def test_fixture_fields_exactly(tmp_path, fixture_deck, cli):
    out = tmp_path / "fixture.apkg"
    assert cli("export", "anki", "--deck", str(fixture_deck), "-o", str(out)).exit_code == 0
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, out)
        by_guid = notes_by_guid(col)
        for card_id, fields in FIXTURE_FIELDS.items():
            assert by_guid[exporter.guid("Export Fixture", card_id)].fields == fields
        assert sorted(by_guid[exporter.guid("Export Fixture", "escapes")].tags) == [
            "edge",
            "export-fixture",
        ]
        assert_integrity(col)
    finally:
        col.close()


def test_ids_are_stable_and_in_genankis_range(bundled_apkg, tmp_path):
    for value in (exporter.NOTE_TYPE_ID, exporter.deck_id(DECK_NAME)):
        assert 1 << 30 <= value < 1 << 31
    assert exporter.deck_id(DECK_NAME) == exporter.deck_id(DECK_NAME)
    assert exporter.deck_id(DECK_NAME) != exporter.deck_id("Another deck")
    assert exporter.guid(DECK_NAME, "momentum") != exporter.guid("Another deck", "momentum")

    with zipfile.ZipFile(bundled_apkg) as archive:
        archive.extract("collection.anki2", tmp_path)
    conn = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        models, decks = conn.execute("SELECT models, decks FROM col").fetchone()
        guids = {g for (g,) in conn.execute("SELECT guid FROM notes")}
    finally:
        conn.close()
    assert str(exporter.NOTE_TYPE_ID) in json.loads(models)
    assert str(exporter.deck_id(DECK_NAME)) in json.loads(decks)
    cards = load_decks([BUNDLED_DECK])[0].cards
    assert guids == {exporter.guid(DECK_NAME, c.id) for c in cards}


def test_css_reads_in_light_and_night_mode():
    assert ".nightMode" in exporter.CSS and ".night_mode" in exporter.CSS
    night = exporter.CSS[exporter.CSS.index(".card.nightMode") :]
    assert "--cq-fg: #e6edf3" in night and "--cq-bg: #1f2328" in night


def test_several_decks_in_one_package(tmp_path, fixture_deck, cli):
    out = tmp_path / "both.apkg"
    result = cli(
        "export", "anki", "--deck", str(BUNDLED_DECK), "--deck", str(fixture_deck), "-o", str(out)
    )
    assert result.exit_code == 0
    assert result.stdout == f"Wrote {out}: Anki package, 22 notes in 2 decks.\n"
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, out)
        assert col.note_count() == 22
        assert len(col.find_notes(f'"deck:{DECK_NAME}"')) == 20
        assert len(col.find_notes('"deck:Export Fixture"')) == 2
    finally:
        col.close()


# ---------------------------------------------------------------- the command and the file


def test_default_output_name_in_the_current_folder(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    result = cli("export", "anki")
    assert result.exit_code == 0
    assert result.stdout == f"Wrote {APKG_NAME}: Anki package, 20 notes.\n"
    assert sorted(os.listdir(tmp_path)) == [APKG_NAME]
    assert zipfile.ZipFile(tmp_path / APKG_NAME).namelist() == ["collection.anki2", "media"]


def test_output_folder_gets_the_default_name(tmp_path, cli):
    result = cli("export", "anki", "-o", str(tmp_path))
    assert result.exit_code == 0
    assert (tmp_path / APKG_NAME).is_file()


def test_refuses_to_overwrite_without_force(tmp_path, cli):
    out = tmp_path / "deck.apkg"
    out.write_bytes(b"precious")
    result = cli("export", "anki", "-o", str(out))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {out} already exists; pass --force to overwrite it\n"
    assert out.read_bytes() == b"precious"
    assert os.listdir(tmp_path) == ["deck.apkg"]


def test_force_overwrites(tmp_path, cli):
    out = tmp_path / "deck.apkg"
    out.write_bytes(b"old")
    result = cli("export", "anki", "-o", str(out), "--force")
    assert result.exit_code == 0
    assert zipfile.is_zipfile(out)
    assert os.listdir(tmp_path) == ["deck.apkg"]


@pytest.mark.parametrize("where", ["missing/deck.apkg", "a-file/deck.apkg"])
def test_unwritable_path_is_exit_1(tmp_path, cli, where):
    (tmp_path / "a-file").write_text("not a folder")
    result = cli("export", "anki", "-o", str(tmp_path / where))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot write {tmp_path / where}: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert sorted(os.listdir(tmp_path)) == ["a-file"]


def test_format_follows_the_extension_and_must_agree(tmp_path, cli):
    result = cli("export", "anki", "-o", str(tmp_path / "deck.txt"))
    assert result.exit_code == 0
    assert result.stdout == f"Wrote {tmp_path / 'deck.txt'}: Anki text file, 20 notes.\n"
    assert (tmp_path / "deck.txt").read_text(encoding="utf-8").startswith("#separator:tab\n")
    clash = cli("export", "anki", "--format", "txt", "-o", str(tmp_path / "deck.apkg"))
    assert clash.exit_code == 2
    assert "does not match" in clash.stderr
    assert not (tmp_path / "deck.apkg").exists()


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    out = tmp_path / "deck.apkg"
    out.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ExportError, match="No space left on device"):
        write_atomically(out, b"new", force=True)
    assert out.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["deck.apkg"]


def test_write_atomically_never_replaces_without_force(tmp_path):
    out = tmp_path / "deck.apkg"
    write_atomically(out, b"first")
    with pytest.raises(OutputExistsError):
        write_atomically(out, b"second")
    assert out.read_bytes() == b"first"
    assert os.listdir(tmp_path) == ["deck.apkg"]
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_help_has_an_example(cli):
    result = cli("export", "anki", "--help")
    assert result.exit_code == 0
    assert "Example: calcquiz export anki -o deck.apkg" in result.stdout
    assert "export" in cli("--help").stdout


def test_start_up_imports_no_exporter():
    heavy = ("genanki", "markdown_it", "calcquiz.export")
    imported, out = imports_after(command_code("export", "anki", "--help"), heavy)
    assert "Usage" in out and imported == []
