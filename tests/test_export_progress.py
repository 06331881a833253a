"""`calcquiz export anki --with-progress`: history made by the real study session over
seven weeks (fake clock; lapses, relearning and cram included), exported, and imported
with the official anki package into a fresh collection with FSRS on and "Import any
learning progress", where it must continue exactly where calcquiz stopped."""

from __future__ import annotations

import json
import sqlite3
import time
import zipfile

import pytest

from calcquiz.content import load_decks
from calcquiz.export import anki as exporter
from calcquiz.export.progress import gather
from calcquiz.store import LEARNING, NEW, RELEARNING, REVIEW, open_store, review_ms

from .helpers import (
    BUNDLED_DECK,
    DECK_NAME,
    assert_integrity,
    import_apkg,
    last_hour,
    make_history,
    notes_by_guid,
    open_collection,
)

ANKI_TYPE = {LEARNING: (1, 1), REVIEW: (2, 2), RELEARNING: (3, 1)}


@pytest.fixture(scope="module")
def studied(tmp_path_factory):
    """A store with seven weeks of study ending a few hours ago, and its .apkg."""
    folder = tmp_path_factory.mktemp("progress")
    decks = load_decks([BUNDLED_DECK])
    store = open_store(folder / "calcquiz.db")
    make_history(store, decks, end=last_hour())
    states = store.card_states(DECK_NAME)
    reviews = store.reviews(DECK_NAME)
    apkg = exporter.export(decks, folder / "deck.apkg", progress=gather(store, decks)).path
    store.close()
    return states, reviews, apkg


@pytest.fixture(scope="module")
def imported(studied, tmp_path_factory):
    from anki.collection import Collection

    folder = tmp_path_factory.mktemp("anki")
    col = Collection(str(folder / "collection.anki2"))
    col.set_config("fsrs", True)
    log = import_apkg(col, studied[2], with_scheduling=True)
    assert len(log.new) == 20
    by_id = {}
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        card_id = next(
            c.id
            for c in load_decks([BUNDLED_DECK])[0].cards
            if exporter.guid(DECK_NAME, c.id) == card.note().guid
        )
        by_id[card_id] = card
    yield col, by_id
    col.close()


def test_the_history_has_every_kind_of_card(studied):
    states, reviews, _ = studied
    kinds = {s.state for s in states.values()}
    assert kinds == {LEARNING, REVIEW, RELEARNING}
    assert 0 < len(states) < 20  # some cards were never studied
    assert any(s.lapses for s in states.values())
    assert any(r.cram for r in reviews) and any(not r.cram for r in reviews)


def test_card_scheduling_continues_in_anki(studied, imported):
    states, _, _ = studied
    col, by_id = imported
    today = col.sched.today
    now = time.time()
    for card_id, card in by_id.items():
        state = states.get(card_id)
        if state is None:
            assert (card.type, card.queue, card.reps) == (0, 0, 0), card_id
            assert card.memory_state is None
            continue
        assert (card.type, card.queue) == ANKI_TYPE[state.state], card_id
        assert (card.reps, card.lapses) == (state.reps, state.lapses), card_id
        if state.state == REVIEW:
            days_away = (
                _local_date(state.due) - _local_date(now)
            ).days  # calcquiz: due on its calendar day
            assert abs((card.due - today) - days_away) <= 1, card_id
            assert card.ivl >= 1
        else:
            assert abs(card.due - state.due) <= 180, card_id
            assert card.left % 1000 >= 1


def test_memory_state_is_calcquizs_and_anki_recomputes_it(studied, imported):
    states, _, _ = studied
    col, by_id = imported
    assert col.get_config("fsrs") is True
    checked = 0
    for card_id, state in states.items():
        card = by_id[card_id]
        assert card.memory_state is not None, card_id
        assert card.memory_state.stability == pytest.approx(state.stability, abs=1e-3)
        assert card.memory_state.difficulty == pytest.approx(state.difficulty, abs=1e-3)
        # Anki's own FSRS, from the imported revlog alone.
        recomputed = col.compute_memory_state(card.id)
        assert recomputed.stability == pytest.approx(state.stability, abs=1e-2), card_id
        assert recomputed.difficulty == pytest.approx(state.difficulty, abs=1e-2), card_id
        checked += 1
    assert checked == len(states)


def test_revlog_is_exactly_the_non_cram_ratings(studied, imported):
    states, reviews, _ = studied
    col, by_id = imported
    expected: dict[str, list[tuple[int, int, int]]] = {}
    for r in reviews:
        if not r.cram:
            kind = {NEW: 0, LEARNING: 0, REVIEW: 1, RELEARNING: 2}[r.state_before]
            expected.setdefault(r.card_id, []).append((review_ms(r.reviewed_at), r.rating, kind))
    total = 0
    for card_id, card in by_id.items():
        rows = col.db.all(
            "SELECT id, ease, type, ivl, lastIvl, time FROM revlog WHERE cid = ? ORDER BY id",
            card.id,
        )
        assert [tuple(row[:3]) for row in rows] == expected.get(card_id, []), card_id
        for row, prev in zip(rows[1:], rows, strict=False):
            assert row[4] == prev[3]  # lastIvl is the previous ivl
        for _, ease, kind, ivl, _, taken in rows:
            assert ivl != 0 and taken == 7250
            if kind in (0, 2) and ease == 1:
                assert ivl < 0  # a learning step, in seconds
        total += len(rows)
    assert total == col.db.scalar("SELECT count() FROM revlog")
    assert total == sum(len(v) for v in expected.values()) < len(reviews)


def test_check_database_is_clean(imported):
    col, _ = imported
    assert_integrity(col)


def test_the_package_says_scheduler_v2(studied, tmp_path):
    with zipfile.ZipFile(studied[2]) as archive:
        archive.extract("collection.anki2", tmp_path)
    conn = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        crt, conf = conn.execute("SELECT crt, conf FROM col").fetchone()
    finally:
        conn.close()
    conf = json.loads(conf)
    assert conf["schedVer"] == 2 and conf["rollover"] == 4
    assert crt < min(r.reviewed_at for r in studied[1])


def _local_date(ts: float):
    from datetime import datetime

    return datetime.fromtimestamp(ts).date()


# ---------------------------------------------------------------- the command


def test_without_the_option_the_package_has_no_progress(tmp_path, cli, calcquiz_home):
    decks = load_decks([BUNDLED_DECK])
    with open_store() as store:
        make_history(store, decks, end=last_hour(), weeks=1)
    out = tmp_path / "plain.apkg"
    assert cli("export", "anki", "-o", str(out)).exit_code == 0
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, out, with_scheduling=True)
        assert col.db.scalar("SELECT count() FROM revlog") == 0
        assert col.db.list("SELECT DISTINCT type FROM cards") == [0]
    finally:
        col.close()

    out = tmp_path / "progress.apkg"
    result = cli("export", "anki", "--with-progress", "-o", str(out))
    assert result.exit_code == 0, result.output
    with open_store() as store:
        studied = len(store.card_states(DECK_NAME))
    assert result.stdout == (
        f"Wrote {out}: Anki package, 20 notes, {studied} with their progress.\n"
    )
    col = open_collection(tmp_path / "anki2")
    try:
        import_apkg(col, out, with_scheduling=True)
        assert col.db.scalar("SELECT count() FROM cards WHERE type != 0") == studied
    finally:
        col.close()


def test_a_suspended_card_stays_suspended_in_anki(tmp_path):
    from calcquiz.store import Flags

    decks = load_decks([BUNDLED_DECK])
    with open_store(tmp_path / "s.db") as store:
        make_history(store, decks, end=last_hour(), weeks=2, studied=4)
        studied = sorted(store.card_states(DECK_NAME))
        store.set_flags(DECK_NAME, studied[0], Flags(suspended=True))
        apkg = exporter.export(decks, tmp_path / "s.apkg", progress=gather(store, decks)).path
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, apkg, with_scheduling=True)
        by_guid = notes_by_guid(col)
        queues = {
            card_id: by_guid[exporter.guid(DECK_NAME, card_id)].cards()[0].queue
            for card_id in studied
        }
        assert queues[studied[0]] == -1
        assert all(q in (1, 2) for c, q in queues.items() if c != studied[0])
        assert_integrity(col)
    finally:
        col.close()


def test_progress_needs_the_apkg_format(tmp_path, cli):
    result = cli("export", "anki", "--with-progress", "--format", "txt", "-o", str(tmp_path))
    assert result.exit_code == 2
    assert "--with-progress needs the .apkg format" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_no_progress_yet_exports_new_cards(tmp_path, cli):
    out = tmp_path / "deck.apkg"
    result = cli("export", "anki", "--with-progress", "-o", str(out))
    assert result.exit_code == 0
    assert "0 with their progress" in result.stdout
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, out, with_scheduling=True)
        assert col.card_count() == 20 and col.db.scalar("SELECT count() FROM revlog") == 0
        assert_integrity(col)
    finally:
        col.close()


def test_help_mentions_the_anki_option(cli):
    text = " ".join(cli("export", "anki", "--help").stdout.split())
    assert '"Import any learning progress"' in text


def test_history_loaded_without_states_is_replayed(tmp_path):
    """Reviews bulk-loaded through Store.import_history keep no states; the export
    rebuilds them, so the revlog still carries intervals and Anki agrees on memory."""
    from calcquiz import scheduler as sched

    decks = load_decks([BUNDLED_DECK])
    start = last_hour() - 30 * 86400
    plan = {"derivative": [3, 3, 1, 3, 3], "gradient": [1, 3, 3, 4]}
    days = {"derivative": [0, 0.01, 3, 3.01, 9], "gradient": [1, 1.01, 2, 12]}
    states, rows = [], []
    scheduler = sched.make_scheduler(fuzz=False)
    for card_id, ratings in plan.items():
        log = [(r, start + d * 86400) for r, d in zip(ratings, days[card_id], strict=True)]
        replayed = sched.replay_states(scheduler, DECK_NAME, card_id, log)
        states.append(replayed[-1])
        before = [NEW] + [s.state for s in replayed[:-1]]
        for (rating, at), b, after in zip(log, before, replayed, strict=True):
            rows.append((DECK_NAME, card_id, rating, at, 4000, b, after.state))
    with open_store(tmp_path / "bulk.db") as store:
        store.import_history(states, rows)
        apkg = exporter.export(decks, tmp_path / "bulk.apkg", progress=gather(store, decks)).path
    col = open_collection(tmp_path / "anki")
    try:
        col.set_config("fsrs", True)
        import_apkg(col, apkg, with_scheduling=True)
        by_guid = notes_by_guid(col)
        for state in states:
            cid = by_guid[exporter.guid(DECK_NAME, state.card_id)].cards()[0].id
            rows_in_anki = col.db.all("SELECT ease, ivl, type FROM revlog WHERE cid = ?", cid)
            assert [r[0] for r in rows_in_anki] == plan[state.card_id]
            assert all(r[1] != 0 for r in rows_in_anki)
            recomputed = col.compute_memory_state(cid)
            assert recomputed.stability == pytest.approx(state.stability, abs=1e-2)
            assert recomputed.difficulty == pytest.approx(state.difficulty, abs=1e-2)
        assert_integrity(col)
    finally:
        col.close()
