"""`calcquiz import anki FILE`: a learner studies calcquiz's cards in Anki (the official
anki package's v3 scheduler, real revlog rows over weeks, lapses and relearning), Anki
exports with scheduling, and calcquiz takes the history back: its FSRS state must be
Anki's own memory state for the same log, and a second import must add nothing."""

from __future__ import annotations

import os
import time
import zipfile
from datetime import datetime

import pytest

from calcquiz.anki_import.package import read_package
from calcquiz.content import load_decks
from calcquiz.export import anki as exporter
from calcquiz.export.progress import gather
from calcquiz.store import NEW, open_store, review_ms

from .helpers import (
    BUNDLED_DECK,
    DAY,
    DECK_NAME,
    anki_study,
    command_code,
    export_from_anki,
    import_apkg,
    imports_after,
    last_hour,
    make_history,
    open_collection,
)

STUDIED_IN_ANKI = 8


def card_ids_by_key(col) -> dict[str, int]:
    cards = load_decks([BUNDLED_DECK])[0].cards
    by_guid = {exporter.guid(DECK_NAME, c.id): c.id for c in cards}
    return {by_guid[col.get_card(cid).note().guid]: cid for cid in col.find_cards("")}


@pytest.fixture(scope="module")
def anki_history(tmp_path_factory):
    """The calcquiz deck imported into Anki, the first 8 cards studied there for five
    weeks, exported by Anki (23.10+ format, and the legacy one)."""
    folder = tmp_path_factory.mktemp("anki-study")
    decks = load_decks([BUNDLED_DECK])
    exporter.export(decks, folder / "deck.apkg")
    col = open_collection(folder / "anki")
    col.set_config("fsrs", True)
    import_apkg(col, folder / "deck.apkg")
    keys = card_ids_by_key(col)
    studied = [keys[c.id] for c in decks[0].cards[:STUDIED_IN_ANKI]]
    anki_study(col, studied, time.time() - 35 * DAY, 35)
    memory = {}
    for key, cid in keys.items():
        if cid in studied:
            m = col.compute_memory_state(cid)
            memory[key] = (m.stability, m.difficulty)
    reviews = {
        key: col.db.list("SELECT id FROM revlog WHERE cid = ? ORDER BY id", cid)
        for key, cid in keys.items()
    }
    kinds = set(col.db.list("SELECT DISTINCT type FROM revlog"))
    cards = {key: col.get_card(cid) for key, cid in keys.items()}
    new = export_from_anki(col, folder / "from-anki.apkg")
    legacy = export_from_anki(col, folder / "from-anki-legacy.apkg", legacy=True)
    col.close()
    return {
        "memory": memory,
        "reviews": reviews,
        "kinds": kinds,
        "cards": cards,
        "new": new,
        "legacy": legacy,
    }


def test_the_anki_history_has_lapses_and_relearning(anki_history):
    assert anki_history["kinds"] == {0, 1, 2}  # learn, review, relearn
    assert sum(len(v) for v in anki_history["reviews"].values()) > 100
    assert any(c.lapses for c in anki_history["cards"].values())
    with zipfile.ZipFile(anki_history["new"]) as archive:
        assert "collection.anki21b" in archive.namelist()
    with zipfile.ZipFile(anki_history["legacy"]) as archive:
        assert "collection.anki21b" not in archive.namelist()


@pytest.mark.parametrize("package", ["new", "legacy"])
def test_import_takes_ankis_history(anki_history, package, cli):
    result = cli("import", "anki", str(anki_history[package]))
    assert result.exit_code == 0, result.output
    total = sum(len(v) for v in anki_history["reviews"].values())
    assert result.stdout.splitlines()[1:] == [
        "Notes matched to calcquiz cards: 20",
        f"Reviews added: {total}",
        f"Cards updated: {STUDIED_IN_ANKI}",
        "Notes skipped: 0",
    ]
    with open_store() as store:
        states = store.card_states(DECK_NAME)
        logged = store.reviews(DECK_NAME)
    assert set(states) == set(anki_history["memory"])
    for key, (stability, difficulty) in anki_history["memory"].items():
        state = states[key]
        assert state.stability == pytest.approx(stability, abs=2e-2), key
        assert state.difficulty == pytest.approx(difficulty, abs=2e-2), key
        card = anki_history["cards"][key]
        assert state.reps == card.reps and state.lapses == card.lapses, key
        assert state.state == {1: 1, 2: 2, 3: 3}[card.type], key
        mine = sorted(review_ms(r.reviewed_at) for r in logged if r.card_id == key)
        assert mine == anki_history["reviews"][key], key
    for review in logged:  # logged states agree with the replay
        assert review.state_after != NEW

    assert_check_clean(cli)
    again = cli("import", "anki", str(anki_history[package]))
    assert again.exit_code == 0
    assert "Reviews added: 0\nCards updated: 0\n" in again.stdout
    with open_store() as store:
        assert store.card_states(DECK_NAME) == states
        assert len(store.reviews(DECK_NAME)) == len(logged)


def test_review_cards_keep_ankis_due_day(anki_history, cli):
    assert cli("import", "anki", str(anki_history["new"])).exit_code == 0
    collection = read_package(anki_history["new"])
    with open_store() as store:
        states = store.card_states(DECK_NAME)
    checked = 0
    for key, card in anki_history["cards"].items():
        if card.type == 2:
            due_day = datetime.fromtimestamp(states[key].due).date()
            anki_day = datetime.fromtimestamp(collection.day_start(card.due)).date()
            assert due_day == anki_day, key
            checked += 1
    assert checked


def test_round_trip_calcquiz_anki_calcquiz(tmp_path, calcquiz_home, monkeypatch, cli):
    """calcquiz history -> .apkg with progress -> Anki -> Anki's export -> a fresh
    calcquiz: every card's state comes back within 1e-3; into the first store, nothing."""
    decks = load_decks([BUNDLED_DECK])
    with open_store() as store:
        make_history(store, decks, end=last_hour())
        original = store.card_states(DECK_NAME)
        apkg = exporter.export(decks, tmp_path / "p.apkg", progress=gather(store, decks)).path
    col = open_collection(tmp_path / "anki")
    col.set_config("fsrs", True)
    import_apkg(col, apkg, with_scheduling=True)
    back = export_from_anki(col, tmp_path / "back.apkg")
    col.close()

    same = cli("import", "anki", str(back))
    assert same.exit_code == 0
    assert "Reviews added: 0\nCards updated: 0\n" in same.stdout
    assert_check_clean(cli)

    fresh = tmp_path / "fresh-home"
    monkeypatch.setenv("CALCQUIZ_HOME", str(fresh))
    assert cli("import", "anki", str(back)).exit_code == 0
    with open_store() as store:
        returned = store.card_states(DECK_NAME)
    assert set(returned) == set(original)
    for key, state in original.items():
        got = returned[key]
        assert got.stability == pytest.approx(state.stability, abs=1e-3), key
        assert got.difficulty == pytest.approx(state.difficulty, abs=1e-3), key
        assert (got.state, got.step, got.reps, got.lapses) == (
            state.state,
            state.step,
            state.reps,
            state.lapses,
        ), key
        assert abs(got.due - state.due) <= DAY, key
    assert os.environ["CALCQUIZ_HOME"] == str(fresh)
    assert_check_clean(cli)


def assert_check_clean(cli) -> None:
    """calcquiz's own consistency check: every card's state is its log replayed."""
    result = cli("check")
    assert result.exit_code == 0, result.output
    assert result.output.endswith(": no problems found.\n"), result.output


def test_not_a_package_is_bad_input(tmp_path, cli):
    bad = tmp_path / "notes.apkg"
    bad.write_text("hello")
    result = cli("import", "anki", str(bad))
    assert result.exit_code == 2
    assert result.stderr == f"Error: {bad} is not an Anki package (.apkg or .colpkg)\n"
    empty = tmp_path / "empty.apkg"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("media", "{}")
    result = cli("import", "anki", str(empty))
    assert result.exit_code == 2 and "holds no Anki collection" in result.stderr
    missing = cli("import", "anki", str(tmp_path / "nope.apkg"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_a_package_without_history_says_so(tmp_path, cli):
    apkg = tmp_path / "plain.apkg"
    assert cli("export", "anki", "-o", str(apkg)).exit_code == 0
    result = cli("import", "anki", str(apkg))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == [
        "Notes matched to calcquiz cards: 20",
        "Reviews added: 0",
        "Cards updated: 0",
        "Notes skipped: 0",
        'The file holds no review history: in Anki, export with "Include scheduling '
        'information" ticked.',
    ]
    with open_store() as store:
        assert store.card_states(DECK_NAME) == {} and store.reviews() == []


def test_help_has_an_example(cli):
    result = cli("import", "anki", "--help")
    assert result.exit_code == 0
    assert "Example: calcquiz import anki" in result.stdout


def test_start_up_imports_no_importer():
    heavy = ("genanki", "zstandard", "fsrs", "yaml", "calcquiz.anki_import", "calcquiz.store")
    imported, out = imports_after(command_code("import", "anki", "--help"), heavy)
    assert "Usage" in out and imported == []


@pytest.mark.parametrize("legacy", [False, True])
def test_a_whole_collection_colpkg(tmp_path, cli, legacy):
    """Anki's "Collection Package" (.colpkg), new (zstd) and legacy format."""
    decks = load_decks([BUNDLED_DECK])
    exporter.export(decks, tmp_path / "deck.apkg")
    col = open_collection(tmp_path / "anki")
    col.set_config("fsrs", True)
    import_apkg(col, tmp_path / "deck.apkg")
    keys = card_ids_by_key(col)
    anki_study(col, [keys["momentum"], keys["chain-rule"]], time.time() - 12 * DAY, 12)
    expected = {
        key: col.db.list("SELECT id FROM revlog WHERE cid = ? ORDER BY id", keys[key])
        for key in ("momentum", "chain-rule")
    }
    memory = {key: col.compute_memory_state(keys[key]) for key in expected}
    out = tmp_path / "collection.colpkg"
    col.export_collection_package(str(out), include_media=False, legacy=legacy)  # closes it

    result = cli("import", "anki", str(out))
    assert result.exit_code == 0, result.output
    total = sum(len(v) for v in expected.values())
    assert f"Reviews added: {total}\nCards updated: 2\n" in result.stdout
    with open_store() as store:
        states = store.card_states(DECK_NAME)
        for key, ids in expected.items():
            logged = [review_ms(r.reviewed_at) for r in store.reviews(DECK_NAME)]
            assert set(ids) <= set(logged)
            assert states[key].stability == pytest.approx(memory[key].stability, abs=2e-2)
            assert states[key].difficulty == pytest.approx(memory[key].difficulty, abs=2e-2)


def test_ankis_forget_restarts_the_history(tmp_path, cli):
    """ "Forget" in Anki logs a reset; Anki's FSRS ignores what came before it, and so
    does the rebuilt state (the earlier ratings stay in calcquiz's log)."""
    decks = load_decks([BUNDLED_DECK])
    exporter.export(decks, tmp_path / "deck.apkg")
    col = open_collection(tmp_path / "anki")
    col.set_config("fsrs", True)
    import_apkg(col, tmp_path / "deck.apkg")
    cid = card_ids_by_key(col)["gradient"]
    start = time.time() - 30 * DAY
    anki_study(col, [cid], start, 10)
    col.sched.schedule_cards_as_new([cid])
    reset_id = col.db.scalar("SELECT max(id) FROM revlog WHERE cid = ?", cid)
    assert col.db.scalar("SELECT type FROM revlog WHERE id = ?", reset_id) == 4
    col.db.execute(
        "UPDATE revlog SET id = ? WHERE id = ?", int((start + 10.5 * DAY) * 1000), reset_id
    )
    anki_study(col, [cid], start + 11 * DAY, 12)
    memory = col.compute_memory_state(cid)
    rated = col.db.scalar("SELECT count() FROM revlog WHERE cid = ? AND ease > 0", cid)
    after_reset = col.db.scalar(
        "SELECT count() FROM revlog WHERE cid = ? AND ease > 0 AND id > ?",
        cid,
        int((start + 10.5 * DAY) * 1000),
    )
    out = export_from_anki(col, tmp_path / "forgot.apkg")
    col.close()

    result = cli("import", "anki", str(out))
    assert result.exit_code == 0
    assert f"Reviews added: {after_reset}\n" in result.stdout
    with open_store() as store:
        state = store.card_states(DECK_NAME)["gradient"]
        assert len(store.reviews(DECK_NAME)) == after_reset < rated
    assert state.stability == pytest.approx(memory.stability, abs=2e-2)
    assert state.difficulty == pytest.approx(memory.difficulty, abs=2e-2)
    assert state.reps == after_reset
    assert_check_clean(cli)


def test_study_in_calcquiz_then_anki_then_back(tmp_path, cli):
    """The real round trip: calcquiz's history goes to Anki with progress, Anki's own
    study continues it for 12 days, and calcquiz takes the new ratings back; each card
    then has Anki's memory state for the whole log, and calcquiz check is clean."""
    decks = load_decks([BUNDLED_DECK])
    end = last_hour() - 14 * DAY
    with open_store() as store:
        make_history(store, decks, end=end, weeks=4)
        before = len(store.reviews(DECK_NAME))
        last_ms = max(review_ms(r.reviewed_at) for r in store.reviews(DECK_NAME))
        apkg = exporter.export(decks, tmp_path / "p.apkg", progress=gather(store, decks)).path
        studied = sorted(store.card_states(DECK_NAME))
    col = open_collection(tmp_path / "anki")
    col.set_config("fsrs", True)
    import_apkg(col, apkg, with_scheduling=True)
    keys = card_ids_by_key(col)
    cids = [keys[k] for k in studied]
    anki_study(col, cids, end + DAY, 12)
    memory = {k: col.compute_memory_state(keys[k]) for k in studied}
    new_rows = col.db.scalar("SELECT count() FROM revlog WHERE id > ?", last_ms)
    back = export_from_anki(col, tmp_path / "back.apkg")
    col.close()

    result = cli("import", "anki", str(back))
    assert result.exit_code == 0, result.output
    assert f"Reviews added: {new_rows}\n" in result.stdout and new_rows > 20
    with open_store() as store:
        states = store.card_states(DECK_NAME)
        non_cram = [r for r in store.reviews(DECK_NAME) if not r.cram]
        assert len(store.reviews(DECK_NAME)) == before + new_rows
    for key in studied:
        assert states[key].stability == pytest.approx(memory[key].stability, abs=2e-2), key
        assert states[key].difficulty == pytest.approx(memory[key].difficulty, abs=2e-2), key
        assert states[key].reps == sum(r.card_id == key for r in non_cram)
    assert_check_clean(cli)
