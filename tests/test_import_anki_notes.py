"""Real Anki notes come across whole with `import anki --to-deck`: every card of a note
(Basic and reversed, optional reversed, cloze deletions), each with its own history; an
empty back is still a card; old-scheduler (v1) logs are read as Anki reads them; cards
Anki reset to new arrive new. Memory states are compared with Anki's own
``compute_memory_state`` after Anki imports the same package."""

from __future__ import annotations

import sqlite3
import time
import zipfile
from pathlib import Path

import pytest
import yaml

from calcquiz.anki_import.to_deck import card_id_for
from calcquiz.store import open_store

from .helpers import DAY, anki_study, export_from_anki, import_apkg, open_collection
from .helpers import add_note as _add

DECK = "Notes"


@pytest.fixture(scope="module")
def notes_package(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notes")
    col = open_collection(folder / "anki")
    col.set_config("fsrs", True)
    deck_id = col.decks.id(DECK)
    nids = {
        "reversed": _add(col, "Basic (and reversed card)", deck_id, Front="sin'", Back="cos"),
        "optional": _add(
            col,
            "Basic (optional reversed card)",
            deck_id,
            Front="e^x'",
            Back="e^x",
            Add_Reverse="y",
        ),
        "cloze": _add(
            col,
            "Cloze",
            deck_id,
            Text="The {{c1::derivative}} of {{c2::x^2::a power}} is 2x",
            Back_Extra="power rule",
        ),
        "cloze-no-extra": _add(col, "Cloze", deck_id, Text="{{c1::Newton}} and Leibniz"),
        "empty-back": _add(col, "Basic", deck_id, Front="Only a front", Back=""),
        "image-back": _add(col, "Basic", deck_id, Front="A plot", Back='<img src="plot.png">'),
        "image-front": _add(col, "Basic", deck_id, Front='<img src="q.png">', Back="answer"),
        "reset": _add(col, "Basic", deck_id, Front="Forgotten", Back="reset in Anki"),
    }
    cards = {
        key: sorted(col.find_cards(f"nid:{nid}"), key=lambda c: col.get_card(c).ord)
        for key, nid in nids.items()
    }
    studied = [cid for key in nids for cid in cards[key] if key != "image-front"]
    anki_study(col, studied, time.time() - 30 * DAY, 30)
    # An old Anki's reset: the card is new again, and no log row says so.
    for cid in cards["reset"]:
        col.db.execute("UPDATE cards SET type = 0, queue = 0, ivl = 0, due = 99 WHERE id = ?", cid)
    guids = {key: col.get_note(nid).guid for key, nid in nids.items()}
    reviews = {
        cid: col.db.scalar("SELECT count() FROM revlog WHERE cid = ?", cid)
        for key in nids
        for cid in cards[key]
    }
    legacy = export_from_anki(col, folder / "notes-legacy.apkg", legacy=True)
    new = export_from_anki(col, folder / "notes.apkg")
    col.close()
    return {
        "new": new,
        "legacy": legacy,
        "guids": guids,
        "cards": cards,
        "reviews": reviews,
        "folder": folder,
    }


def anki_memory(package: Path, folder: Path) -> dict[tuple[str, int], tuple[float, float]]:
    """Each card's memory state in a fresh Anki collection that imported ``package``."""
    col = open_collection(folder)
    col.set_config("fsrs", True)
    import_apkg(col, package, with_scheduling=True)
    memory = {}
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        if card.type == 0:
            continue
        state = col.compute_memory_state(cid)
        if state.stability is not None:
            memory[(card.note().guid, card.ord)] = (state.stability, state.difficulty)
    col.close()
    return memory


@pytest.mark.parametrize("form", ["new", "legacy"])
def test_every_card_of_a_note_comes_with_its_own_history(notes_package, tmp_path, cli, form):
    target = tmp_path / "notes.yaml"
    result = cli("import", "anki", str(notes_package[form]), "--to-deck", str(target))
    assert result.exit_code == 0, result.output
    cards = {c["id"]: c for c in yaml.safe_load(target.read_text())["cards"]}
    guids = notes_package["guids"]
    for key, ords in (("reversed", 2), ("optional", 2), ("cloze", 2), ("cloze-no-extra", 1)):
        for ord_ in range(ords):
            assert card_id_for(guids[key], ord_) in cards, (key, ord_)
    assert card_id_for(guids["image-front"], 0) not in cards
    assert "its question shows only media (q.png)" in result.stdout

    memory = anki_memory(notes_package[form], tmp_path / "anki")
    with open_store() as store:
        states = store.card_states(DECK)
        logged = store.reviews(DECK)
    compared = 0
    for (guid, ord_), (stability, difficulty) in memory.items():
        key = card_id_for(guid, ord_)
        if key not in cards:
            continue
        state = states[key]
        assert state.stability == pytest.approx(stability, abs=2e-2), key
        assert state.difficulty == pytest.approx(difficulty, abs=2e-2), key
        compared += 1
    assert compared >= 7
    for key, cids in notes_package["cards"].items():  # each card its own log
        for cid in cids:
            card_id = card_id_for(guids[key], cids.index(cid))
            if key in ("image-front", "reset") or card_id not in cards:
                continue
            mine = [r for r in logged if r.card_id == card_id]
            assert len(mine) == notes_package["reviews"][cid], key
    assert cli("check").exit_code == 0


def test_cloze_cards_hide_one_deletion_each(notes_package, tmp_path, cli):
    target = tmp_path / "notes.yaml"
    assert cli("import", "anki", str(notes_package["new"]), "--to-deck", str(target)).exit_code == 0
    cards = {c["id"]: c for c in yaml.safe_load(target.read_text())["cards"]}
    guid = notes_package["guids"]["cloze"]
    first, second = cards[card_id_for(guid, 0)], cards[card_id_for(guid, 1)]
    assert first["question"] == "The [...] of x^2 is 2x"
    assert first["answer"] == "The **derivative** of x^2 is 2x"
    assert second["question"] == "The derivative of [a power] is 2x"
    assert second["answer"] == "The derivative of **x^2** is 2x"
    assert first["note"] == second["note"] == "power rule"
    alone = cards[card_id_for(notes_package["guids"]["cloze-no-extra"], 0)]
    assert alone["question"] == "[...] and Leibniz" and "note" not in alone


def test_reversed_cards_swap_the_sides(notes_package, tmp_path, cli):
    target = tmp_path / "notes.yaml"
    assert cli("import", "anki", str(notes_package["new"]), "--to-deck", str(target)).exit_code == 0
    cards = {c["id"]: c for c in yaml.safe_load(target.read_text())["cards"]}
    guid = notes_package["guids"]["reversed"]
    front, back = cards[card_id_for(guid, 0)], cards[card_id_for(guid, 1)]
    assert (front["question"], front["answer"]) == ("sin'", "cos")
    assert (back["question"], back["answer"]) == ("cos", "sin'")


def test_an_empty_or_media_only_back_is_still_a_card(notes_package, tmp_path, cli):
    target = tmp_path / "notes.yaml"
    result = cli("import", "anki", str(notes_package["new"]), "--to-deck", str(target))
    assert result.exit_code == 0
    cards = {c["id"]: c for c in yaml.safe_load(target.read_text())["cards"]}
    empty = cards[card_id_for(notes_package["guids"]["empty-back"], 0)]
    assert empty["answer"] == "*(empty in Anki)*"
    image = cards[card_id_for(notes_package["guids"]["image-back"], 0)]
    assert image["answer"] == "*(only media in Anki: plot.png)*"
    with open_store() as store:
        assert empty["id"] in store.card_states(DECK)


def test_cards_anki_reset_to_new_arrive_new(notes_package, tmp_path, cli):
    target = tmp_path / "notes.yaml"
    result = cli("import", "anki", str(notes_package["new"]), "--to-deck", str(target))
    assert result.exit_code == 0
    reset = card_id_for(notes_package["guids"]["reset"], 0)
    with open_store() as store:
        assert reset not in store.card_states(DECK)
        assert [r for r in store.reviews(DECK) if r.card_id == reset] == []
    (cid,) = notes_package["cards"]["reset"]
    assert (
        f"1 card that Anki reset to new arrives new ({notes_package['reviews'][cid]} earlier "
        "ratings left out)"
    ) in result.stdout


def v1_package(source: Path, out: Path) -> Path:
    """``source`` as the old (v1) scheduler would have written it: no schedVer 2, the
    (re)learning buttons Again/Good/Easy as 1/2/3, relearning cards as reviews in the
    learning queue. Anki's importer upgrades such a collection to v2."""
    import json

    db = out.with_suffix(".sqlite")
    db.write_bytes(zipfile.ZipFile(source).read("collection.anki21"))
    conn = sqlite3.connect(db)
    (conf,) = conn.execute("SELECT conf FROM col").fetchone()
    conf = json.loads(conf)
    conf["schedVer"] = 1
    conn.execute("UPDATE col SET conf = ?", (json.dumps(conf),))
    conn.execute("UPDATE revlog SET ease = ease - 1 WHERE ease IN (3, 4) AND type IN (0, 2)")
    conn.execute("UPDATE cards SET type = 2 WHERE type = 3")
    conn.commit()
    conn.close()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(db, "collection.anki21")
        archive.writestr("media", "{}")
    return out


def test_a_v1_scheduler_log_is_read_as_anki_reads_it(notes_package, tmp_path, cli):
    package = v1_package(notes_package["legacy"], tmp_path / "v1.apkg")
    target = tmp_path / "notes.yaml"
    result = cli("import", "anki", str(package), "--to-deck", str(target))
    assert result.exit_code == 0, result.output
    memory = anki_memory(package, tmp_path / "anki")
    with open_store() as store:
        states = store.card_states(DECK)
    compared = 0
    for (guid, ord_), (stability, difficulty) in memory.items():
        state = states.get(card_id_for(guid, ord_))
        if state is None:
            continue
        assert state.stability == pytest.approx(stability, abs=2e-2), (guid, ord_)
        assert state.difficulty == pytest.approx(difficulty, abs=2e-2), (guid, ord_)
        compared += 1
    assert compared >= 7


def test_fitted_fsrs_parameters_are_named_with_the_command_that_uses_them(tmp_path, cli):
    """Anki's fitted parameters: the import says so and prints a command; run before the
    import, calcquiz's states match Anki's own memory states under those parameters."""
    from anki.collection import ExportAnkiPackageOptions
    from anki.generic_pb2 import Empty
    from anki.import_export_pb2 import ExportLimit
    from fsrs.scheduler import DEFAULT_PARAMETERS

    fitted = [
        round(v * (1.1 if i in (0, 1, 2, 3) else 1.0), 4) for i, v in enumerate(DEFAULT_PARAMETERS)
    ]
    col = open_collection(tmp_path / "anki")
    col.set_config("fsrs", True)
    preset = col.decks.config_dict_for_deck_id(1)
    preset["fsrsParams6"] = fitted
    col.decks.save(preset)
    nid = _add(col, "Basic", 1, Front="q", Back="a")
    (cid,) = col.find_cards(f"nid:{nid}")
    anki_study(col, [cid], time.time() - 20 * DAY, 20)
    memory = col.compute_memory_state(cid)
    guid = col.get_note(nid).guid
    package = tmp_path / "fitted.apkg"
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_media=False, with_deck_configs=True, legacy=False
    )
    col.export_anki_package(
        out_path=str(package), options=options, limit=ExportLimit(whole_collection=Empty())
    )
    col.close()

    first = cli("import", "anki", str(package))
    assert "Anki's preset 'Default' carries FSRS-6 parameters" in first.stdout
    command = first.stdout.splitlines()[
        first.stdout.splitlines().index(
            next(
                line
                for line in first.stdout.splitlines()
                if line.startswith("  calcquiz config set")
            )
        )
    ].split()
    assert command[:4] == ["calcquiz", "config", "set", "parameters"]
    assert [float(v) for v in command[4].split(",")] == pytest.approx(fitted, abs=1e-6)
    assert cli(*command[1:]).exit_code == 0
    target = tmp_path / "fitted.yaml"
    assert cli("import", "anki", str(package), "--to-deck", str(target)).exit_code == 0
    with open_store() as store:
        (state,) = store.card_states("Default").values()
    assert state.card_id == card_id_for(guid, 0)
    assert state.stability == pytest.approx(memory.stability, abs=2e-2)
    assert state.difficulty == pytest.approx(memory.difficulty, abs=2e-2)


@pytest.fixture(scope="module")
def decks_package(tmp_path_factory):
    folder = tmp_path_factory.mktemp("decks")
    col = open_collection(folder / "anki")
    col.set_config("fsrs", True)
    layout = {"Math": ["limit"], "Math::Calculus": ["derivative", "integral"], "Physics": ["F"]}
    for deck, fronts in layout.items():
        deck_id = col.decks.id(deck)
        for front in fronts:
            _add(col, "Basic", deck_id, Front=front, Back=front.upper())
    anki_study(col, col.find_cards(""), time.time() - 10 * DAY, 10)
    out = export_from_anki(col, folder / "decks.apkg")
    col.close()
    return out, layout


def test_each_anki_deck_and_subdeck_becomes_a_deck_of_its_own(decks_package, tmp_path, cli):
    package, layout = decks_package
    target = tmp_path / "anki.yaml"
    result = cli("import", "anki", str(package), "--to-deck", str(target))
    assert result.exit_code == 0, result.output
    files = {
        "Math": tmp_path / "anki-math.yaml",
        "Math::Calculus": tmp_path / "anki-math-calculus.yaml",
        "Physics": tmp_path / "anki-physics.yaml",
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files.values())
    with open_store() as store:
        for deck, path in files.items():
            data = yaml.safe_load(path.read_text())
            assert data["deck"] == deck
            assert [c["question"] for c in data["cards"]] == layout[deck]
            assert [c["number"] for c in data["cards"]] == list(range(1, len(layout[deck]) + 1))
            assert cli("validate", str(path)).exit_code == 0
            count = len(layout[deck])
            cards = f"{count} card{'s' * (count != 1)} "
            assert f"Wrote {path}: deck {deck!r}, {cards}" in result.stdout
            assert set(store.card_states(deck)) == {c["id"] for c in data["cards"]}
    assert cli("check").exit_code == 0


def test_several_deck_files_are_all_or_nothing(decks_package, tmp_path, cli):
    package, _ = decks_package
    (tmp_path / "anki-physics.yaml").write_text("deck: mine\n")
    result = cli("import", "anki", str(package), "--to-deck", str(tmp_path / "anki.yaml"))
    assert result.exit_code == 2 and "anki-physics.yaml already exists" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["anki-physics.yaml"]
    with open_store() as store:
        assert store.conn.execute("SELECT count(*) FROM review_log").fetchone()[0] == 0


@pytest.mark.parametrize("kept", ["notes", "guids only"])
def test_a_converted_deck_goes_back_to_anki_without_copies(tmp_path, cli, kept):
    """Exported back, a converted deck's notes are Anki's own (same guid, note type and
    fields: no copy at all). A deck converted before decks kept whole notes has only
    ``anki_guids``: each note's first card carries the note's guid, so Anki adds no copy
    of it (it keeps its note, the note types differing); a reversed note's second card
    goes back as a note of its own, the one note added."""
    from .helpers import assert_integrity

    col = open_collection(tmp_path / "anki")
    for front in ("q1", "q2", "q3"):
        _add(col, "Basic", 1, Front=front, Back=front.upper())
    _add(col, "Basic (and reversed card)", 1, Front="sin'", Back="cos")
    anki_study(col, col.find_cards(""), time.time() - 5 * DAY, 5)
    before = {col.get_note(nid).guid for nid in col.find_notes("")}
    package = export_from_anki(col, tmp_path / "mine.apkg")
    col.close()

    target = tmp_path / "mine.yaml"
    assert cli("import", "anki", str(package), "--to-deck", str(target)).exit_code == 0
    document = yaml.safe_load(target.read_text())
    assert set(document["anki_guids"].values()) == before
    if kept == "guids only":
        del document["anki_notes"], document["anki_note_types"]
        target.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    back = tmp_path / "back.apkg"
    assert cli("export", "anki", "--deck", str(target), "-o", str(back)).exit_code == 0

    col = open_collection(tmp_path / "anki")
    import_apkg(col, back)
    after = [col.get_note(nid).guid for nid in col.find_notes("")]
    assert len(after) == len(set(after)) == len(before) + (kept == "guids only")
    assert before <= set(after)
    assert_integrity(col)
    col.close()


def test_anki_guids_must_name_cards_of_the_deck(tmp_path, cli):
    deck = tmp_path / "d.yaml"
    deck.write_text(
        "deck: D\ncards:\n- {id: a, number: 1, question: q, answer: a}\n"
        "anki_guids: {a: 'x1', b: 'x2'}\n"
    )
    result = cli("validate", str(deck))
    assert result.exit_code == 2
    assert "'anki_guids' names 'b', which is not a card of this deck" in result.output
    deck.write_text(
        "deck: D\ncards:\n- {id: a, number: 1, question: q, answer: a}\nanki_guids: {a: 'x1'}\n"
    )
    assert cli("validate", str(deck)).exit_code == 0
