"""A deck that came from Anki goes back to Anki without copies: `import anki --to-deck`,
an edit in calcquiz, `export anki`, then Anki's own importer (default options) into the
ORIGINAL collection updates the edited notes in place, in their own note types, and
adds no note, card or note type. Everything is checked in the collection itself with
the official ``anki`` package."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import yaml

from calcquiz.anki_import.to_deck import card_id_for

from .helpers import DAY, anki_study, assert_integrity, export_from_anki, import_apkg
from .helpers import add_note as _add
from .helpers import open_collection as open_anki

CUSTOM = "Vocabulary"  # a note type of the learner's own: three fields, one template


def _custom_note_type(col) -> None:
    models = col.models
    kind = models.new(CUSTOM)
    for name in ("Term", "Definition", "Example"):
        models.add_field(kind, models.new_field(name))
    template = models.new_template("Recall")
    template["qfmt"] = "{{Term}}"
    template["afmt"] = "{{FrontSide}}<hr id=answer>{{Definition}}<br><i>{{Example}}</i>"
    models.add_template(kind, template)
    kind["css"] = ".card { font-size: 24px; }"
    models.add(kind)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The learner's collection (2 decks, 4 note types, some reviews) and Anki's own
    export of it."""
    folder = tmp_path_factory.mktemp("roundtrip")
    col = open_anki(folder / "anki")
    _custom_note_type(col)
    calculus, limits = col.decks.id("Calculus"), col.decks.id("Calculus::Limits")
    nids = {
        "basic": _add(col, "Basic", calculus, Front="What is <b>d/dx</b> sin x?", Back="cos x"),
        "basic-2": _add(col, "Basic", calculus, Front="d/dx x^2?", Back="2x"),
        "reversed": _add(
            col, "Basic (and reversed card)", calculus, Front="e^x'", Back="its own derivative"
        ),
        "reversed-2": _add(col, "Basic (and reversed card)", limits, Front="ln'", Back="1/x"),
        "cloze": _add(
            col,
            "Cloze",
            limits,
            Text="The {{c1::limit}} of {{c2::1/x}} is 0",
            Back_Extra="as x grows",
        ),
        "custom": _add(
            col, CUSTOM, limits, Term="gradient", Definition="vector of partials", Example="∇f"
        ),
    }
    cards = [cid for nid in nids.values() for cid in col.card_ids_of_note(nid)]
    anki_study(col, cards[:6], time.time() - 20 * DAY, 20)
    # notes made a day ago: an edit made in Anki today is newer than any of them
    col.db.execute("UPDATE notes SET mod = mod - 86400")
    package = export_from_anki(col, folder / "learner.apkg")
    col.close()
    return {"folder": folder, "package": package, "nids": nids}


def _snapshot(col) -> dict:
    return {
        "notes": {
            nid: (col.get_note(nid).guid, col.get_note(nid).fields, col.get_note(nid).mid)
            for nid in col.find_notes("")
        },
        "mods": {nid: col.get_note(nid).mod for nid in col.find_notes("")},
        "cards": sorted(col.find_cards("")),
        "note_types": sorted((m.id, m.name) for m in col.models.all_names_and_ids()),
        "decks": sorted(d.name for d in col.decks.all_names_and_ids()),
    }


@pytest.fixture
def learner(source, tmp_path, cli):
    """A fresh copy of the learner's collection, and its package converted to decks."""
    shutil.copytree(source["folder"] / "anki", tmp_path / "anki")
    decks = tmp_path / "decks"
    decks.mkdir()
    result = cli("import", "anki", str(source["package"]), "--to-deck", str(decks / "deck.yaml"))
    assert result.exit_code == 0, result.output
    files = sorted(decks.glob("*.yaml"))
    assert len(files) == 2  # Calculus and Calculus::Limits
    col = open_anki(tmp_path / "anki")
    guids = {key: col.get_note(nid).guid for key, nid in source["nids"].items()}
    before = _snapshot(col)
    col.close()
    return {"dir": tmp_path, "files": files, "guids": guids, "before": before}


def _edit(files: list[Path], card_id: str, side: str, text: str) -> None:
    """Change one card's text as a learner would, in whichever deck file holds it."""
    for path in files:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for card in document["cards"]:
            if card["id"] == card_id:
                card[side] = text
                path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
                return
    raise AssertionError(f"no card {card_id}")


def _round_trip(cli, learner, *, before_import=None):
    """Export the decks, import the package into the learner's collection with Anki's
    default options; return the export's output, Anki's log and the collection."""
    package = learner["dir"] / "back.apkg"
    args = [a for f in learner["files"] for a in ("--deck", str(f))]
    result = cli("export", "anki", *args, "-o", str(package))
    assert result.exit_code == 0, result.output
    col = open_anki(learner["dir"] / "anki")
    if before_import is not None:
        before_import(col)
    log = import_apkg(col, package)
    return result.output, log, col


def test_an_edited_question_updates_the_original_note_and_nothing_is_copied(cli, learner):
    guids = learner["guids"]
    _edit(learner["files"], card_id_for(guids["basic"], 0), "question", "What is $(\\sin x)'$?")
    # a reversed card's question is the note's Back
    _edit(learner["files"], card_id_for(guids["reversed"], 1), "question", "its *own* slope")
    _edit(learner["files"], card_id_for(guids["basic-2"], 0), "answer", "2x, by the power rule")
    output, log, col = _round_trip(cli, learner)
    try:
        after, before = _snapshot(col), learner["before"]
        assert len(log.new) == 0 and len(log.conflicting) == 0
        assert after["cards"] == before["cards"]  # no copy of a reversed or cloze card
        assert after["note_types"] == before["note_types"]
        assert after["decks"] == before["decks"]
        assert set(after["notes"]) == set(before["notes"])
        by_guid = {guid: fields for guid, fields, _ in after["notes"].values()}
        assert by_guid[guids["basic"]] == [r"What is \((\sin x)'\)?", "cos x"]
        assert by_guid[guids["reversed"]] == ["e^x'", "its <em>own</em> slope"]
        assert by_guid[guids["basic-2"]] == ["d/dx x^2?", "2x, by the power rule"]
        edited = {guids["basic"], guids["reversed"], guids["basic-2"]}
        for nid, (guid, fields, mid) in before["notes"].items():
            assert after["notes"][nid][2] == mid  # each note keeps its note type
            if guid not in edited:
                assert after["notes"][nid] == (guid, fields, mid)
                assert after["mods"][nid] == learner["before"]["mods"][nid]
        assert len(log.updated) == 3
        assert "Anki updates 3 edited here" in output
        assert "cannot be mapped" not in output
        assert_integrity(col)
    finally:
        col.close()


def test_an_unedited_round_trip_changes_nothing_in_anki(cli, learner):
    output, log, col = _round_trip(cli, learner)
    try:
        assert _snapshot(col) == learner["before"]
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 0)
        assert len(log.duplicate) == len(learner["before"]["notes"])
        assert "6 of them are the Anki notes" in output
        assert_integrity(col)
    finally:
        col.close()


def test_edits_no_field_can_take_are_reported_and_anki_keeps_its_text(cli, learner):
    guids = learner["guids"]
    _edit(learner["files"], card_id_for(guids["cloze"], 1), "question", "The limit is [...]")
    # the custom type's answer shows Definition and Example together
    _edit(learner["files"], card_id_for(guids["custom"], 0), "answer", "the steepest direction")
    # two cards of one note put different text into its Back: ambiguous
    _edit(learner["files"], card_id_for(guids["reversed-2"], 0), "answer", "one over x")
    _edit(learner["files"], card_id_for(guids["reversed-2"], 1), "question", "1 / x")
    output, log, col = _round_trip(cli, learner)
    try:
        assert _snapshot(col) == learner["before"]
        assert len(log.updated) == 0
        assert (
            "4 cards edited in calcquiz whose text cannot be mapped back to Anki fields" in output
        )
        assert "their notes keep Anki's text" in output
        assert_integrity(col)
    finally:
        col.close()


def test_an_edit_made_in_anki_after_the_deck_was_saved_wins(cli, learner):
    guids = learner["guids"]
    _edit(learner["files"], card_id_for(guids["basic-2"], 0), "question", "calcquiz's text")
    _edit(learner["files"], card_id_for(guids["basic"], 0), "question", "also calcquiz's")
    saved = time.time() - 3600  # the deck files were saved an hour ago
    for path in learner["files"]:
        os.utime(path, (saved, saved))

    def edit_in_anki(col) -> None:
        note = col.get_note(_nid(col, guids["basic-2"]))
        note["Front"] = "Anki's newer text"
        col.update_note(note)

    _, log, col = _round_trip(cli, learner, before_import=edit_in_anki)
    try:
        fronts = {col.get_note(n).guid: col.get_note(n).fields[0] for n in col.find_notes("")}
        assert fronts[guids["basic-2"]] == "Anki's newer text"  # edited in Anki since
        assert fronts[guids["basic"]] == "also calcquiz's"  # not touched in Anki
        assert len(log.updated) == 1
        assert col.note_count() == len(learner["before"]["notes"])
    finally:
        col.close()


def _nid(col, guid: str) -> int:
    return next(n for n in col.find_notes("") if col.get_note(n).guid == guid)


def test_a_new_collection_gets_each_note_once_with_its_progress(cli, learner, source):
    """Imported elsewhere (a second profile), the notes arrive once each, in the same note
    types as Anki's own package brings there, every card with the schedule calcquiz
    gave it."""
    args = [a for f in learner["files"] for a in ("--deck", str(f))]
    package = learner["dir"] / "progress.apkg"
    result = cli("export", "anki", *args, "--with-progress", "-o", str(package))
    assert result.exit_code == 0, result.output
    reference = open_anki(learner["dir"] / "reference")
    import_apkg(reference, source["package"], with_scheduling=True)
    expected = sorted(m.name for m in reference.models.all_names_and_ids())
    reference.close()
    col = open_anki(learner["dir"] / "fresh")
    try:
        import_apkg(col, package, with_scheduling=True)
        assert col.note_count() == len(learner["before"]["notes"])
        assert col.card_count() == len(learner["before"]["cards"])
        assert sorted(m.name for m in col.models.all_names_and_ids()) == expected
        reversed_note = col.get_note(_nid(col, learner["guids"]["reversed"]))
        assert reversed_note.note_type()["name"].startswith("Basic (and reversed card)")
        studied = [col.get_card(c) for c in reversed_note.card_ids()]
        assert [c.ord for c in studied] == [0, 1]
        assert all(c.type != 0 for c in studied)  # both cards came with their schedule
        assert_integrity(col)
    finally:
        col.close()


def test_a_bad_value_in_the_kept_notes_is_a_located_validation_error(cli, learner):
    path = next(p for p in learner["files"] if "anki_notes" in p.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    first = next(iter(document["anki_notes"][0]["cards"]))
    damaged = text.replace(document["anki_notes"][0]["cards"][first]["digest"], "not-a-digest")
    path.write_text(damaged, encoding="utf-8")
    result = cli("validate", str(path))
    assert result.exit_code == 2
    line = next(i for i, t in enumerate(damaged.splitlines(), 1) if "not-a-digest" in t)
    assert f"{path}:{line}:" in result.output
    assert "'digest' must be 3 groups of 8 hex digits" in result.output

    document["anki_notes"][0]["note_type"] = 12345
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    result = cli("validate", str(path))
    assert result.exit_code == 2
    assert "note type 12345 is not in 'anki_note_types'" in result.output


def test_a_deck_read_from_the_cache_keeps_its_anki_notes_without_the_validator(learner):
    from calcquiz.content import load_deck

    from .helpers import imports_after

    for path in learner["files"]:
        parsed = load_deck(path, use_cache=False)
        assert parsed.anki_notes and parsed.anki_note_types
        load_deck(path)  # the first read keeps the entry
        cached = load_deck(path)
        assert type(cached.cards).__name__ == "LazyCards"  # read from the cache
        assert cached.anki_notes == parsed.anki_notes
        assert cached.anki_note_types == parsed.anki_note_types
        code = f"from calcquiz.content import load_deck\nload_deck({str(path)!r})\n"
        imported, _ = imports_after(code, ("yaml", "calcquiz.content.validate"))
        assert imported == []


def test_a_deck_without_anki_notes_never_loads_their_code():
    """Studying or listing the bundled deck, parsed or from the cache, reads no Anki
    note records: their module is not on the start-up path."""
    from .helpers import command_code, imports_after

    for _ in ("parsed", "cached"):  # the first run fills the cache, the second reads it
        imported, out = imports_after(command_code("list"), ("calcquiz.content.anki_notes",))
        assert "derivative" in out and imported == []


def test_a_deck_too_big_with_its_notes_kept_whole_converts_without_them(
    cli, learner, source, tmp_path, monkeypatch
):
    from calcquiz.content import files

    smallest = min(p.stat().st_size for p in learner["files"])
    monkeypatch.setattr(files, "MAX_DECK_BYTES", smallest - 1)
    target = tmp_path / "small" / "deck.yaml"
    target.parent.mkdir()
    result = cli("import", "anki", str(source["package"]), "--to-deck", str(target))
    assert result.exit_code == 0, result.output
    assert result.output.count("Its Anki notes are not kept whole") == 2
    for path in target.parent.glob("*.yaml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert "anki_notes" not in document and document["anki_guids"]
        assert cli("validate", str(path)).exit_code == 0


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        # Anki's stock Basic and its reversed card
        ("{{Front}}", "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}", (0, 1)),
        ("{{Back}}", "{{FrontSide}}\n\n<hr id=answer>\n\n{{Front}}", (1, 0)),
        # "Basic (type in the answer)": the typing box makes both sides combinations
        ("{{Front}}\n\n{{type:Back}}", "{{Front}}\n\n<hr id=answer>\n\n{{type:Back}}", (None,) * 2),
        # a filter, and an answer drawn without the question
        ("{{text:Front}}", "{{Back}}", (None, 1)),
        ("{{Front}}", "{{FrontSide}}<hr id='answer'>{{Back}}<br>{{Extra}}", (0, None)),
        ("<div>{{Front}}</div>", "{{Extra}}", (None, 2)),
    ],
)
def test_a_side_maps_back_only_when_it_is_one_field(question, answer, expected):
    from calcquiz.content.anki_notes import AnkiNoteType, AnkiTemplate
    from calcquiz.export.original_notes import side_field

    kind = AnkiNoteType(
        1,
        "T",
        False,
        0,
        ("Front", "Back", "Extra"),
        (AnkiTemplate("Card 1", question, answer),),
        "",
    )
    assert (side_field(kind, 0, "question"), side_field(kind, 0, "answer")) == expected
    assert side_field(kind, 0, "note") is None
    cloze = AnkiNoteType(
        2, "C", True, 0, ("Text",), (AnkiTemplate("Cloze", "{{cloze:Text}}", ""),), ""
    )
    assert side_field(cloze, 0, "question") is None


def _kept(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _save(path: Path, document: dict) -> None:
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))


def test_two_decks_keeping_other_versions_of_one_note_type_are_refused(cli, learner):
    """Two deck files converted at different times can keep one note type id with other
    fields: one package cannot hold both, so the export says so and writes nothing."""
    path = learner["files"][0]
    document = _kept(path)
    kind = document["anki_note_types"][0]
    other = {
        **document,
        "deck": "Other",
        "anki_note_types": [{**kind, "fields": [*kind["fields"], "Extra"]}],
        "anki_notes": [],
    }
    note = next(n for n in document["anki_notes"] if n["note_type"] == kind["id"])
    other["anki_notes"] = [{**note, "fields": {**note["fields"], "Extra": ""}}]
    other["cards"] = [c for c in document["cards"] if c["id"] in note["cards"]]
    other["anki_guids"] = {c: note["guid"] for c in note["cards"]}
    second = learner["dir"] / "other.yaml"
    _save(second, other)
    package = learner["dir"] / "both.apkg"
    result = cli("export", "anki", "--deck", str(path), "--deck", str(second), "-o", str(package))
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert f"note type {kind['id']}" in result.output and "one at a time" in result.output
    assert not package.exists()


def test_a_kept_note_type_with_calcquizs_own_id_does_not_replace_calcquizs(
    cli, learner, tmp_path
):
    """A deck file that gives a kept note type calcquiz's own note type id: calcquiz's
    notes keep their note type, and Anki imports the package whole."""
    from calcquiz.export.anki import NOTE_TYPE_ID

    path = learner["files"][0]
    document = _kept(path)
    old = document["anki_note_types"][0]["id"]
    document["anki_note_types"][0]["id"] = NOTE_TYPE_ID
    for note in document["anki_notes"]:
        if note["note_type"] == old:
            note["note_type"] = NOTE_TYPE_ID
    number = max(c["number"] for c in document["cards"]) + 1
    document["cards"].append({"id": "my-own", "number": number, "question": "q?", "answer": "a"})
    _save(path, document)
    package = tmp_path / "out.apkg"
    result = cli("export", "anki", "--deck", str(path), "-o", str(package))
    assert result.exit_code == 0, result.output
    col = open_anki(tmp_path / "fresh")
    try:
        import_apkg(col, package)
        ours = col.models.get(NOTE_TYPE_ID)
        assert [f["name"] for f in ours["flds"]] == ["Question", "Answer", "Note", "Demo"]
        (mine,) = col.find_notes('"Question:q?"')
        assert col.get_note(mine).mid == NOTE_TYPE_ID
        assert_integrity(col)
    finally:
        col.close()


def _cloze_note(document: dict) -> dict:
    kind = next(k for k in document["anki_note_types"] if k["kind"] == "cloze")
    return next(n for n in document["anki_notes"] if n["note_type"] == kind["id"])


def _rename_field(document: dict, name: str) -> None:
    kind = document["anki_note_types"][0]
    old = kind["fields"][0]
    kind["fields"][0] = name
    for note in document["anki_notes"]:
        if note["note_type"] == kind["id"]:
            note["fields"] = {(name if k == old else k): v for k, v in note["fields"].items()}


def _second_template_named(document: dict, name: str) -> None:
    kind = next(k for k in document["anki_note_types"] if len(k["templates"]) > 1)
    kind["templates"][1]["name"] = name


# What Anki would refuse or change on import: each a located error, nothing exported.
HOSTILE_KEPT_NOTES = {
    # Anki refuses the whole package ("Empty template name")
    "an empty template name": (
        lambda d: d["anki_note_types"][0]["templates"][0].update(name=""),
        "'name' must not be empty",
    ),
    # Anki renames the second one, and the note type no longer matches the learner's
    "two templates with one name": (
        lambda d: _second_template_named(d, "card 1"),
        "names a template twice",
    ),
    "a field name Anki would change": (
        lambda d: _rename_field(d, "Front: side"),
        "is not a field name Anki keeps",
    ),
    "a cloze note type with two templates": (
        lambda d: next(k for k in d["anki_note_types"] if k["kind"] == "cloze")["templates"].append(
            {"name": "Second", "question": "{{cloze:Text}}", "answer": "{{cloze:Text}}"}
        ),
        "a cloze note type has one template",
    ),
    # Anki keeps 32 bits of a modification time: this one would arrive as 1
    "a modification time Anki cannot hold": (
        lambda d: d["anki_notes"][0].update(modified=2**32),
        "'anki_notes/0/modified' must be a whole number from 0 to",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE_KEPT_NOTES))
def test_kept_notes_anki_would_refuse_or_change_are_located_errors(cli, learner, case):
    change, message = HOSTILE_KEPT_NOTES[case]
    path = next(p for p in learner["files"] if "kind: cloze" in p.read_text(encoding="utf-8"))
    document = _kept(path)
    change(document)
    _save(path, document)
    result = cli("validate", str(path))
    assert result.exit_code == 2
    assert f"Error: {path}:" in result.output and message in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1  # no knock-on complaint
    package = learner["dir"] / "out.apkg"
    assert cli("export", "anki", "--deck", str(path), "-o", str(package)).exit_code == 2
    assert not package.exists()


def test_a_cloze_card_without_its_deletion_is_left_out_and_anki_gets_no_blank_card(
    cli, learner
):
    """A cloze card whose number no deletion in the note has (a deletion removed in Anki,
    or a deck file's edit): a package holding it would make Anki add a blank card."""
    path = next(p for p in learner["files"] if "kind: cloze" in p.read_text(encoding="utf-8"))
    document = _kept(path)
    next(iter(_cloze_note(document)["cards"].values()))["ord"] = 40
    _save(path, document)
    assert cli("validate", str(path)).exit_code == 0
    output, log, col = _round_trip(cli, learner)
    try:
        assert _snapshot(col) == learner["before"]  # no card 41 on the learner's note
        assert "1 cloze card left out: the note has no deletion with that number" in output
        assert_integrity(col)
    finally:
        col.close()


def test_a_note_type_anki_would_rename_converts_without_its_notes_kept_whole(
    cli, tmp_path
):
    """genanki writes field names Anki itself would rewrite ('Source"'): such a note type
    is not kept (the deck must validate), and its cards still convert."""
    import genanki

    kind = genanki.Model(
        1607392319,
        "Odd",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": 'Source"'}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
    )
    deck = genanki.Deck(2059400110, "Odd deck")
    deck.add_note(genanki.Note(model=kind, fields=["q", "a", "a book"]))
    package = tmp_path / "odd.apkg"
    genanki.Package(deck).write_to_file(str(package))
    target = tmp_path / "odd.yaml"
    result = cli("import", "anki", str(package), "--to-deck", str(target))
    assert result.exit_code == 0, result.output
    document = _kept(target)
    assert "anki_notes" not in document and len(document["cards"]) == 1
    assert cli("validate", str(target)).exit_code == 0


def test_a_later_save_of_the_deck_does_not_redate_a_note_sent_before(cli, learner):
    """Round trip 1 sends an edited note; the learner then changes it in Anki; an edit of
    ANOTHER card saves the deck file again. Exported again over the first package, the
    first note keeps the time it was sent with, so Anki keeps its own later change."""
    guids = learner["guids"]
    _edit(learner["files"], card_id_for(guids["basic"], 0), "question", "calcquiz's question")
    hour_ago = time.time() - 3600
    for path in learner["files"]:
        os.utime(path, (hour_ago, hour_ago))
    _, _, col = _round_trip(cli, learner)
    try:
        note = col.get_note(_nid(col, guids["basic"]))
        assert note["Front"] == "calcquiz's question"
        note["Back"] = "Anki's later answer"
        col.update_note(note)
        # ten minutes ago, after round trip 1 and before the deck file's next save
        col.db.execute("UPDATE notes SET mod = ? WHERE id = ?", int(time.time()) - 600, note.id)
    finally:
        col.close()
    _edit(learner["files"], card_id_for(guids["basic-2"], 0), "question", "another edit")
    package = learner["dir"] / "back.apkg"
    args = [a for f in learner["files"] for a in ("--deck", str(f))]
    result = cli("export", "anki", *args, "-o", str(package), "--force")
    assert result.exit_code == 0, result.output
    col = open_anki(learner["dir"] / "anki")
    try:
        import_apkg(col, package)
        kept = col.get_note(_nid(col, guids["basic"]))
        assert kept.fields == ["calcquiz's question", "Anki's later answer"]
        assert col.get_note(_nid(col, guids["basic-2"]))["Front"] == "another edit"
        assert_integrity(col)
    finally:
        col.close()


def test_sync_writes_calcquiz_edits_into_converted_notes_anki_has_not_changed(cli, learner):
    """``sync anki`` brings an edit of a converted card into its Anki note as ``export
    anki`` maps it, where the note is still as converted; a note changed in Anki too keeps
    Anki's text, and the sync says so, as it says which edits no field can take."""
    guids = learner["guids"]
    _edit(learner["files"], card_id_for(guids["basic"], 0), "question", "synced question")
    _edit(learner["files"], card_id_for(guids["basic-2"], 0), "answer", "calcquiz's answer")
    _edit(learner["files"], card_id_for(guids["custom"], 0), "answer", "combined answer")
    collection = learner["dir"] / "anki" / "collection.anki2"
    col = open_anki(learner["dir"] / "anki")
    try:
        note = col.get_note(_nid(col, guids["basic-2"]))
        note["Back"] = "Anki's answer"
        col.update_note(note)
    finally:
        col.close()
    decks = [a for f in learner["files"] for a in ("--deck", str(f))]
    result = cli("sync", "anki", str(collection), *decks)
    assert result.exit_code == 0, result.output
    assert "1 notes updated" in result.output
    assert "1 Anki note edited in calcquiz was changed in Anki too since converting" in (
        result.output
    )
    assert "1 card edited in calcquiz whose text cannot be mapped back" in result.output
    col = open_anki(learner["dir"] / "anki")
    try:
        by_guid = {col.get_note(n).guid: col.get_note(n).fields for n in col.find_notes("")}
        assert by_guid[guids["basic"]] == ["synced question", "cos x"]
        assert by_guid[guids["basic-2"]] == ["d/dx x^2?", "Anki's answer"]
        assert sorted(col.find_cards("")) == learner["before"]["cards"]
        assert_integrity(col)
    finally:
        col.close()
    again = cli("sync", "anki", str(collection), *decks)
    assert "0 notes updated" in again.output
