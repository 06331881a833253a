"""`calcquiz sync anki`: a learner studies in calcquiz and in Anki (the official anki
package's own scheduler answering the cards) on alternate days, syncing after each day.
Both sides must end with the same review log per card, the same memory state (checked
against Anki's own compute_memory_state, not against calcquiz's numbers), the same due
days, the same suspensions, and a collection Check Database finds clean."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from calcquiz.anki_sync.run import sync_anki
from calcquiz.dates import Calendar
from calcquiz.export import anki as exporter
from calcquiz.store import NEW, REVIEW, Flags, open_store, review_ms

from .helpers import (
    DAY,
    Clock,
    _one_session,
    assert_integrity,
    make_collection,
    pick_rating,
)

Collection = pytest.importorskip("anki.collection").Collection
pytestmark = pytest.mark.usefixtures("no_real_anki")
ANKI_TYPE = {1: 1, 2: 2, 3: 3}  # calcquiz state -> Anki card type






def own_note(col) -> tuple:
    nid = col.find_notes('"deck:Mine"')[0]
    note = col.get_note(nid)
    card = note.cards()[0]
    return (note.mod, note.fields, card.mod, card.queue, card.due, card.type)


def calcquiz_cards(col, decks) -> dict[str, int]:
    """calcquiz card id -> its Anki card id, by the guid calcquiz gives each note."""
    deck = decks[0]
    by_guid = {exporter.guid(deck.name, c.id): c.id for c in deck.cards}
    out = {}
    for cid in col.find_cards("note:calcquiz"):
        out[by_guid[col.get_card(cid).note().guid]] = cid
    return out


def anki_day_number(col, ts: float) -> int:
    days = Calendar(col.get_config("rollover", 4))
    return col.sched.today + (days.day_of(ts) - days.day_of(time.time())).days


def session_today(span: float = 3700.0) -> float:
    """When an Anki session of ``span`` seconds can start and end within today's learner
    day (4 a.m. to 4 a.m.), as near to now as that allows: Anki's scheduler counts its
    days from the real clock, so a session that ran past 4 a.m. into tomorrow (one started
    at 03:49) put some answers on a day Anki's own states were not computed for."""
    now = time.time()
    days = Calendar()
    start, end = days.start(days.day_of(now)), days.today_end(now)
    return max(start + 1, min(now - 60, end - span))


def answer(col, cid: int, rating: int, at_ms: int) -> None:
    from anki.scheduler.v3 import CardAnswer

    buttons = {1: CardAnswer.AGAIN, 2: CardAnswer.HARD, 3: CardAnswer.GOOD, 4: CardAnswer.EASY}
    card = col.get_card(cid)
    card.start_timer()
    card.timer_started -= 5.5
    states = col._backend.get_scheduling_states(cid)
    chosen = col.sched.build_answer(card=card, states=states, rating=buttons[rating])
    chosen.answered_at_millis = at_ms
    col.sched.answer_card(chosen)


def anki_session(path: Path, decks, day: int, at: float, also: tuple[str, ...] = ()) -> list:
    """Anki's own scheduler answers the calcquiz cards the learner studies on ``day``:
    those due that day by their log, two new ones at most, (re)learning steps until they
    graduate, and the cards in ``also`` whether due or not. Returns (card, rating) of the
    first answers.

    Anki schedules from the real clock (its due days count from today, whatever
    ``answered_at_millis`` says), so which cards are due on a simulated day is read from
    the log replayed (fuzz off), as the learner would have found them due."""
    from calcquiz import scheduler as sched

    replayer = sched.make_scheduler(fuzz=False)
    with open_store() as store:
        logs: dict[str, list[tuple[int, float]]] = {}
        for review in store.reviews(decks[0].name):
            if not review.cram:
                logs.setdefault(review.card_id, []).append((review.rating, review.reviewed_at))
    day_end = Calendar().today_end(at)
    col = Collection(str(path))
    try:
        ids = calcquiz_cards(col, decks)
        answered = []
        new = 0
        for n, (key, cid) in enumerate(sorted(ids.items())):
            card = col.get_card(cid)
            if card.queue < 0:
                continue
            due = card.type in (1, 3)
            if card.type == 2:
                replayed = sched.replay(replayer, "", key, logs.get(key, []))
                due = replayed is not None and replayed.due < day_end
            if card.type == 0 and new < 2:
                due, new = True, new + 1
            if not due and key not in also:
                continue
            for nth in (1, 2, 3, 4):
                if nth > 1 and col.get_card(cid).type not in (1, 3):
                    break
                rating = pick_rating(day, key, nth)
                answer(col, cid, rating, int((at + n * 60 + nth * 600) * 1000))
                if nth == 1:
                    answered.append((key, rating))
        return answered
    finally:
        col.close()


def calcquiz_session(store, decks, day: int, at: float) -> None:
    from calcquiz.session import SessionOptions

    _one_session(store, decks, Clock(at), day, pick_rating, SessionOptions(new_limit=2))


def converted_cards(col) -> dict[str, int]:
    """calcquiz card id -> its Anki card id, for cards import anki --to-deck converted
    (by the import's own card identity: the note's guid and the card's template)."""
    from calcquiz.anki_import.to_deck import card_id_for

    return {
        card_id_for(col.get_card(cid).note().guid, col.get_card(cid).ord): cid
        for cid in col.find_cards("-note:calcquiz")
    }


def assert_both_sides_agree(path: Path, decks, moved_ms: int = 0, converted=False) -> None:
    """``moved_ms``: how much later than calcquiz's rating Anki's row may be (a rating
    whose time was taken in Anki's log by a deleted card's row). ``converted``: the deck
    was converted from the collection's own notes."""
    deck = decks[0]
    col = Collection(str(path))
    try:
        ids = converted_cards(col) if converted else calcquiz_cards(col, decks)
        assert set(ids) == {c.id for c in deck.cards}
        with open_store() as store:
            states = store.card_states(deck.name)
            flags = store.card_flags(deck.name)
            logged: dict[str, list[int]] = {}
            for review in store.reviews(deck.name):
                if not review.cram:
                    logged.setdefault(review.card_id, []).append(review_ms(review.reviewed_at))
        for key, cid in ids.items():
            anki_log = col.db.list("SELECT id FROM revlog WHERE cid = ? ORDER BY id", cid)
            mine = sorted(logged.get(key, []))
            assert len(mine) == len(anki_log), key
            assert all(0 <= a - m <= moved_ms for m, a in zip(mine, anki_log, strict=True)), key
            card = col.get_card(cid)
            assert (card.queue == -1) == flags.get(key, Flags()).suspended, key
            state = states.get(key)
            if state is None or state.state == NEW:
                assert card.type == 0, key
                continue
            assert card.type == ANKI_TYPE[state.state], key
            computed = col.compute_memory_state(cid)
            for anki_s, anki_d in (
                (card.memory_state.stability, card.memory_state.difficulty),
                (computed.stability, computed.difficulty),
            ):
                assert abs(state.stability - anki_s) < 1e-3, key
                assert abs(state.difficulty - anki_d) < 1e-3, key
            if state.state == REVIEW:
                assert card.due == anki_day_number(col, state.due), key
            else:
                assert abs(card.due - state.due) < 1, key
    finally:
        col.close()


def first_morning(days: int) -> float:
    """10:00, ``days`` days ago. Anki's memory state counts the days between reviews up to
    today, so the month is in the past (reviews at a future time would not count)."""
    today = datetime.now().replace(hour=10, minute=0, second=0, microsecond=0)
    return (today - timedelta(days=days)).timestamp()


@pytest.mark.slow
def test_a_month_studied_on_both_sides_ends_in_agreement(tmp_path: Path, decks, cli):
    path = make_collection(tmp_path / "home" / ".local" / "share" / "Anki2" / "User 1")
    col = Collection(str(path))
    mine = own_note(col)
    col.close()
    deck = decks[0]
    start = first_morning(31)
    both_day, both_card = 20, None
    to_anki = to_calcquiz = 0
    anki_ratings: list[tuple[str, int]] = []
    with open_store() as store:
        for day in range(30):
            at = start + day * DAY
            if day % 2 == 0 or day == both_day:
                calcquiz_session(store, decks, day, at)
            if day == both_day:  # one card rated in calcquiz this morning, in Anki later on
                both_card = max(store.reviews(deck.name), key=lambda r: r.reviewed_at).card_id
                anki_ratings += anki_session(path, decks, day, at + 5 * 3600, also=(both_card,))
            elif day % 2 == 1:
                answered = anki_session(path, decks, day, at)
                anki_ratings += answered
                if day == 9:  # Anki suspends a card it studies
                    col = Collection(str(path))
                    col.sched.suspend_cards([calcquiz_cards(col, decks)[answered[0][0]]])
                    suspended_in_anki = answered[0][0]
                    col.close()
            if day == 6:
                suspended_here = deck.cards[0].id
                store.set_flags(deck.name, suspended_here, Flags(suspended=True))
            if day == 16:  # the later change wins: calcquiz lifts Anki's suspension
                store.set_flags(deck.name, suspended_in_anki, Flags())
            report = sync_anki(path, decks, now=at + 8 * 3600)
            to_anki += report.anki.reviews_copied
            to_calcquiz += report.reviews_to_calcquiz
            if day == 6:
                assert report.anki.marks_moved == 1
            if day == 9:
                assert report.marks_to_calcquiz == 1
                assert store.flags(deck.name, suspended_in_anki).suspended
            if day == 16:
                assert report.anki.marks_moved == 1
            assert_both_sides_agree(path, decks)  # after every day's sync
        ratings = {r.rating for r in store.reviews(deck.name)}
        both = [r for r in store.reviews(deck.name) if r.card_id == both_card]
    print("reviews copied to Anki", to_anki, "to calcquiz", to_calcquiz)
    assert to_anki > 20 and to_calcquiz > 20
    assert ratings == {1, 2, 3, 4}
    assert {1, 2, 4} <= {rating for _, rating in anki_ratings}  # Anki's Again, Hard, Easy
    assert both_card in {key for key, _ in anki_ratings}
    times = [r.reviewed_at for r in both if start + both_day * DAY <= r.reviewed_at]
    assert len(times) >= 2 and max(times) - min(times) > 4 * 3600  # both sides' ratings kept
    assert_both_sides_agree(path, decks)

    col = Collection(str(path))
    ids = calcquiz_cards(col, decks)
    assert col.get_card(ids[suspended_here]).queue == -1
    assert col.get_card(ids[suspended_in_anki]).queue >= 0
    assert own_note(col) == mine  # the learner's own note is never touched
    assert_integrity(col)
    col.close()
    result = cli("check")
    assert result.exit_code == 0 and "no problems found" in result.stdout


def test_a_sync_with_nothing_new_changes_nothing(tmp_path: Path, decks):
    path = make_collection(tmp_path / "anki" / "User 1")
    start = time.time() - 3 * DAY
    with open_store() as store:
        for day in range(3):
            calcquiz_session(store, decks, day, start + day * DAY)
    first = sync_anki(path, decks)
    assert first.anki.notes_added == 20 and first.anki.reviews_copied > 0
    assert first.backup is not None and first.backup.is_file()
    anki_session(path, decks, 3, session_today())
    second = sync_anki(path, decks)
    assert second.reviews_to_calcquiz > 0
    col = Collection(str(path))
    before_rows = col.db.all("SELECT * FROM revlog ORDER BY id")
    before_cards = col.db.all("SELECT * FROM cards ORDER BY id")
    before_notes = col.db.all("SELECT * FROM notes ORDER BY id")
    col.close()
    with open_store() as store:
        log_before = store.reviews()
        states_before = store.card_states(decks[0].name)
    mtime = os.stat(path).st_mtime_ns
    backups = sorted(first.backup.parent.iterdir())

    third = sync_anki(path, decks)
    assert third.as_json()["anki"] == dict.fromkeys(third.as_json()["anki"], 0)
    assert third.as_json()["calcquiz"] == dict.fromkeys(third.as_json()["calcquiz"], 0)
    assert third.backup is None
    assert os.stat(path).st_mtime_ns == mtime
    assert sorted(first.backup.parent.iterdir()) == backups
    col = Collection(str(path))
    assert col.db.all("SELECT * FROM revlog ORDER BY id") == before_rows
    assert col.db.all("SELECT * FROM cards ORDER BY id") == before_cards
    assert col.db.all("SELECT * FROM notes ORDER BY id") == before_notes
    assert_integrity(col)
    col.close()
    with open_store() as store:
        assert store.reviews() == log_before
        assert store.card_states(decks[0].name) == states_before
    assert_both_sides_agree(path, decks)


def test_ankis_scheduler_carries_on_from_the_state_sync_sets(tmp_path: Path, decks):
    """calcquiz's history arrives as a review card; Anki answers it today from the memory
    state the sync set, and its answer is what FSRS gives for the whole log."""
    path = make_collection(tmp_path / "anki" / "User 1")
    start = first_morning(40)
    with open_store() as store:
        # the last session four days ago: one yesterday at 10:00 is still Anki's today
        # before its day starts at 4 a.m., and a same-day Good may leave stability as it is
        for day in range(0, 37, 3):
            calcquiz_session(store, decks, day, start + day * DAY)
    sync_anki(path, decks)
    col = Collection(str(path))
    try:
        reviewed = [
            cid for cid in calcquiz_cards(col, decks).values() if col.get_card(cid).type == 2
        ]
        assert reviewed
        for cid in reviewed:
            before = col.get_card(cid)
            answer(col, cid, 3, int(time.time() * 1000))
            after = col.get_card(cid)
            computed = col.compute_memory_state(cid)
            assert after.reps == before.reps + 1
            # Anki rounds the state it keeps (3 decimals) before answering from it: the
            # answer agrees with the whole log's replay to that rounding, carried along.
            # One Good step carries a 5e-4 change of stability and of difficulty into up
            # to 2.4e-3 of a new stability of 8 to 12 (py-fsrs's own step, checked over
            # S 2-7, D 3-9, 3-8 days; one CI run: 9.8936 against 9.8925); a day more or
            # less between the reviews would move it by a tenth or more.
            close = pytest.approx(computed.stability, rel=1e-4, abs=3e-3)
            assert after.memory_state.stability == close, cid
            assert abs(after.memory_state.difficulty - computed.difficulty) < 1e-3, cid
            assert after.memory_state.stability > before.memory_state.stability
        assert_integrity(col)
    finally:
        col.close()
    report = sync_anki(path, decks)
    assert report.reviews_to_calcquiz == len(reviewed)
    assert_both_sides_agree(path, decks)


def test_buries_travel_both_ways(tmp_path: Path, decks):
    path = make_collection(tmp_path / "anki" / "User 1")
    deck = decks[0]
    with open_store() as store:
        calcquiz_session(store, decks, 0, time.time() - DAY)
    sync_anki(path, decks)
    first, second = deck.cards[0].id, deck.cards[1].id
    with open_store() as store:
        store.set_flags(deck.name, first, Flags(buried_until=time.time() + 3600))
    col = Collection(str(path))
    col.sched.bury_cards([calcquiz_cards(col, decks)[second]], manual=True)
    col.close()
    report = sync_anki(path, decks)
    assert report.anki.marks_moved == 1 and report.marks_to_calcquiz == 1
    col = Collection(str(path))
    ids = calcquiz_cards(col, decks)
    assert col.get_card(ids[first]).queue == -3
    assert col.get_card(ids[second]).queue == -3
    assert_integrity(col)
    col.close()
    with open_store() as store:
        assert store.flags(deck.name, second).buried(time.time())
    again = sync_anki(path, decks)
    assert again.anki.marks_moved == 0 and again.marks_to_calcquiz == 0


def test_cards_made_from_anki_notes_sync_with_those_notes(tmp_path: Path, cli):
    """A learner's own Anki deck, converted with import anki --to-deck and studied in
    calcquiz: the sync updates the original notes' cards; it adds no copies and leaves
    their text alone."""
    from calcquiz.content import load_decks

    from .helpers import export_from_anki

    folder = tmp_path / "anki" / "User 1"
    folder.mkdir(parents=True)
    col = Collection(str(folder / "collection.anki2"))
    col.set_config("fsrs", True)
    deck_id = col.decks.id("Linear algebra")
    for front, back in [("Rank of $A$?", "dim col(A)"), ("Trace of I_n?", "n"), ("det(I)?", "1")]:
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = front, back
        col.add_note(note, deck_id)
    notes_before = col.db.all("SELECT id, guid, mod, flds FROM notes ORDER BY id")
    ids = list(col.find_cards("deck:Linear*"))
    answer(col, ids[0], 3, int((time.time() - 2 * DAY) * 1000))
    export_from_anki(col, tmp_path / "linear.apkg")
    col.close()
    deck_file = tmp_path / "linear.yaml"
    imported = cli("import", "anki", str(tmp_path / "linear.apkg"), "--to-deck", str(deck_file))
    assert imported.exit_code == 0, imported.output
    decks = load_decks([deck_file])
    with open_store() as store:
        calcquiz_session(store, decks, 0, time.time() - DAY)
    result = cli("sync", "anki", str(folder / "collection.anki2"), "--deck", str(deck_file))
    assert result.exit_code == 0, result.output
    assert "Anki got: 0 notes added, 0 notes updated" in result.stdout
    col = Collection(str(folder / "collection.anki2"))
    try:
        assert col.db.all("SELECT id, guid, mod, flds FROM notes ORDER BY id") == notes_before
        for cid in ids:
            assert col.get_card(cid).type != 0  # studied in calcquiz, scheduled in Anki
        assert_integrity(col)
    finally:
        col.close()
    with open_store() as store:
        assert len(store.card_states(decks[0].name)) == 3
    again = cli("sync", "anki", str(folder / "collection.anki2"), "--deck", str(deck_file))
    assert "Nothing new on either side" in again.stdout


def test_a_card_suspended_before_its_first_rating_arrives_suspended(tmp_path: Path, decks):
    path = make_collection(tmp_path / "anki" / "User 1")
    deck = decks[0]
    with open_store() as store:
        store.set_flags(deck.name, deck.cards[5].id, Flags(suspended=True))
    report = sync_anki(path, decks)
    assert report.anki.notes_added == 20
    col = Collection(str(path))
    card = col.get_card(calcquiz_cards(col, decks)[deck.cards[5].id])
    assert (card.type, card.queue) == (0, -1)
    col.sched.unsuspend_cards([card.id])
    col.close()
    back = sync_anki(path, decks)
    assert back.marks_to_calcquiz == 1
    with open_store() as store:
        assert not store.flags(deck.name, deck.cards[5].id).suspended


def test_anki_settings_that_schedule_otherwise_are_named(tmp_path: Path, decks):
    path = make_collection(tmp_path / "anki" / "User 1")
    sync_anki(path, decks)
    col = Collection(str(path))
    deck = col.decks.by_name(decks[0].name)
    config = col.decks.config_dict_for_deck_id(deck["id"])
    config["fsrsParams6"] = [0.5] * 21
    col.decks.save(config)
    col.close()
    (warning,) = sync_anki(path, decks).warnings
    assert "other FSRS parameters" in warning and "config set parameters 0.5, 0.5" in warning
    col = Collection(str(path))
    col.set_config("fsrs", False)
    col.close()
    (warning,) = sync_anki(path, decks).warnings
    assert warning.startswith("FSRS is off in this collection")


def test_a_card_edited_in_its_deck_file_updates_its_note_in_place(tmp_path: Path, cli):
    from .helpers import BUNDLED_DECK

    path = make_collection(tmp_path / "anki" / "User 1")
    deck_file = tmp_path / "deck.yaml"
    text = BUNDLED_DECK.read_text(encoding="utf-8")
    deck_file.write_text(text, encoding="utf-8")
    assert cli("sync", "anki", str(path), "--deck", str(deck_file)).exit_code == 0
    col = Collection(str(path))
    notes_before = {n: col.get_note(n).guid for n in col.find_notes("note:calcquiz")}
    col.close()
    edited = text.replace("What is a Derivative?", "What, exactly, is a Derivative?", 1)
    assert edited != text
    deck_file.write_text(edited, encoding="utf-8")
    result = cli("sync", "anki", str(path), "--deck", str(deck_file))
    assert result.exit_code == 0, result.output
    assert "Anki got: 0 notes added, 1 notes updated" in result.stdout
    col = Collection(str(path))
    try:
        notes = {n: col.get_note(n).guid for n in col.find_notes("note:calcquiz")}
        assert notes == notes_before  # the same notes, no copies
        (changed,) = col.find_notes('"Question:*exactly*"')
        assert changed in notes
        assert_integrity(col)
    finally:
        col.close()


def test_a_note_deleted_in_anki_comes_back_with_its_history_once(tmp_path: Path, decks):
    """Anki keeps the review rows of a deleted card, so the history of the note added
    again cannot reuse their ids; the next syncs still find nothing new."""
    path = make_collection(tmp_path / "anki" / "User 1")
    with open_store() as store:
        for day in range(3):
            calcquiz_session(store, decks, day, time.time() - (4 - day) * DAY)
    sync_anki(path, decks)
    col = Collection(str(path))
    ids = calcquiz_cards(col, decks)
    studied_key = next(k for k, cid in ids.items() if col.get_card(cid).type != 0)
    col.remove_notes([col.get_card(ids[studied_key]).nid])
    col.close()
    back = sync_anki(path, decks)
    assert back.anki.notes_added == 1 and back.anki.reviews_copied > 0
    for _ in range(2):
        again = sync_anki(path, decks)
        assert again.as_json()["anki"] == dict.fromkeys(again.as_json()["anki"], 0)
        assert again.reviews_to_calcquiz == 0
    col = Collection(str(path))
    assert_integrity(col)
    col.close()
    assert_both_sides_agree(path, decks, moved_ms=10)


def rate_here(store, deck: str, card_id: str, rating: int, at: float) -> None:
    """The learner rates one card in calcquiz at ``at``: the state the scheduler gives
    that rating, saved as a study session saves it."""
    from calcquiz import scheduler as sched

    before = store.card_state(deck, card_id)
    scheduler = sched.make_scheduler(fuzz=False)
    after = sched.preview(scheduler, deck, card_id, before, at)[rating].state
    store.apply_review(before, after, rating, at, 4000)


def test_every_card_of_a_converted_note_syncs_with_its_own_anki_card(tmp_path: Path, cli):
    """A Basic-and-reversed note and a cloze note with two deletions, studied in Anki,
    converted with import anki --to-deck, then studied on both sides: each of the four
    Anki cards keeps the same review log and memory state as its own calcquiz card, both
    ways, and no note is added or changed in Anki."""
    from calcquiz.content import load_decks

    from .helpers import export_from_anki

    path = tmp_path / "anki" / "User 1" / "collection.anki2"
    path.parent.mkdir(parents=True)
    col = Collection(str(path))
    col.set_config("fsrs", True)
    deck_id = col.decks.id("Trig")
    reversed_note = col.new_note(col.models.by_name("Basic (and reversed card)"))
    reversed_note["Front"], reversed_note["Back"] = "sin'", "cos"
    col.add_note(reversed_note, deck_id)
    cloze = col.new_note(col.models.by_name("Cloze"))
    cloze["Text"] = "The {{c1::derivative}} of {{c2::sin}} is cos"
    col.add_note(cloze, deck_id)
    by_ord = {(col.get_card(c).nid, col.get_card(c).ord): c for c in col.find_cards("")}
    front, back = by_ord[(reversed_note.id, 0)], by_ord[(reversed_note.id, 1)]
    c1, c2 = by_ord[(cloze.id, 0)], by_ord[(cloze.id, 1)]
    start = time.time() - 3 * DAY
    for n, (cid, rating) in enumerate([(front, 3), (back, 1), (c1, 4)]):
        answer(col, cid, rating, int((start + n * 60) * 1000))
    notes_before = col.db.all("SELECT id, guid, mid, mod, flds, tags FROM notes ORDER BY id")
    export_from_anki(col, tmp_path / "trig.apkg")
    col.close()

    deck_file = tmp_path / "trig.yaml"
    imported = cli("import", "anki", str(tmp_path / "trig.apkg"), "--to-deck", str(deck_file))
    assert imported.exit_code == 0, imported.output
    decks = load_decks([deck_file])
    name = decks[0].name
    col = Collection(str(path))
    ids = {cid: key for key, cid in converted_cards(col).items()}
    col.close()
    assert len(decks[0].cards) == len(ids) == 4
    with open_store() as store:  # both sides of the note studied in calcquiz a day later
        rate_here(store, name, ids[front], 3, start + DAY)
        rate_here(store, name, ids[back], 3, start + DAY + 60)

    synced = cli("sync", "anki", str(path), "--deck", str(deck_file), "--json")
    assert synced.exit_code == 0, synced.output
    report = json.loads(synced.stdout)
    assert report["anki"]["notes_added"] == report["anki"]["notes_updated"] == 0
    assert report["anki"]["reviews_copied"] == 2  # one for each side of the note
    assert_both_sides_agree(path, decks, converted=True)

    col = Collection(str(path))  # Anki answers each side of the note again, and a cloze
    for n, (cid, rating) in enumerate([(front, 2), (back, 3), (c2, 3)]):
        answer(col, cid, rating, int((time.time() - 600 + n * 60) * 1000))
    col.close()
    back_again = cli("sync", "anki", str(path), "--deck", str(deck_file), "--json")
    assert back_again.exit_code == 0, back_again.output
    assert json.loads(back_again.stdout)["calcquiz"]["reviews_copied"] == 3
    assert_both_sides_agree(path, decks, converted=True)
    with open_store() as store:
        logged = [(r.card_id, r.rating) for r in store.reviews(name)]
    assert [rating for key, rating in logged if key == ids[front]] == [3, 3, 2]
    assert [rating for key, rating in logged if key == ids[back]] == [1, 3, 3]

    col = Collection(str(path))
    try:
        notes_after = col.db.all("SELECT id, guid, mid, mod, flds, tags FROM notes ORDER BY id")
        assert notes_after == notes_before
        assert_integrity(col)
    finally:
        col.close()
    again = cli("sync", "anki", str(path), "--deck", str(deck_file))
    assert "Nothing new on either side" in again.stdout


def test_a_card_its_anki_note_no_longer_has_is_left_out_not_copied(tmp_path: Path, cli):
    """The reversed card of a converted note deleted in Anki (as Empty Cards deletes it):
    a copy of the note would give Anki two notes with one guid, so the sync names the
    card and leaves it out; the note's other card still syncs."""
    from calcquiz.content import load_decks

    from .helpers import export_from_anki

    path = tmp_path / "anki" / "User 1" / "collection.anki2"
    path.parent.mkdir(parents=True)
    col = Collection(str(path))
    col.set_config("fsrs", True)
    note = col.new_note(col.models.by_name("Basic (and reversed card)"))
    note["Front"], note["Back"] = "sin'", "cos"
    col.add_note(note, col.decks.id("Trig"))
    front, back = sorted(col.find_cards(""), key=lambda c: col.get_card(c).ord)
    export_from_anki(col, tmp_path / "trig.apkg")
    col.close()
    deck_file = tmp_path / "trig.yaml"
    imported = cli("import", "anki", str(tmp_path / "trig.apkg"), "--to-deck", str(deck_file))
    assert imported.exit_code == 0, imported.output
    decks = load_decks([deck_file])
    col = Collection(str(path))
    ids = {cid: key for key, cid in converted_cards(col).items()}
    col.remove_cards_and_orphaned_notes([back])
    notes_before = col.db.all("SELECT id, guid, mid, mod, flds, tags FROM notes ORDER BY id")
    col.close()
    with open_store() as store:
        rate_here(store, decks[0].name, ids[front], 3, time.time() - DAY)
        rate_here(store, decks[0].name, ids[back], 3, time.time() - DAY + 60)

    synced = cli("sync", "anki", str(path), "--deck", str(deck_file), "--json")
    assert synced.exit_code == 0, synced.output
    report = json.loads(synced.stdout)
    assert report["anki"]["notes_added"] == 0
    assert report["anki"]["reviews_copied"] == 1  # the front's; the back is left out
    (warning,) = report["warnings"]
    assert f"card {ids[back]!r} of 'Trig' is not synced" in warning
    col = Collection(str(path))
    try:
        notes_after = col.db.all("SELECT id, guid, mid, mod, flds, tags FROM notes ORDER BY id")
        assert notes_after == notes_before
        assert col.get_card(front).type != 0
        assert_integrity(col)
    finally:
        col.close()


def test_a_rating_late_in_its_second_leaves_check_database_clean(tmp_path: Path, decks):
    """Anki's last review time is its last rating row's id in whole seconds: a rating at
    .9996 s is the next second's row (to the millisecond), and the card must say so."""
    path = make_collection(tmp_path / "anki" / "User 1")
    deck = decks[0]
    at = int(time.time() - DAY) + 0.9996
    with open_store() as store:
        rate_here(store, deck.name, deck.cards[0].id, 3, at)
        rate_here(store, deck.name, deck.cards[1].id, 4, at + 60)
    sync_anki(path, decks)
    col = Collection(str(path))
    try:
        assert_integrity(col)
    finally:
        col.close()
    assert_both_sides_agree(path, decks)
    assert sync_anki(path, decks).backup is None  # and nothing to do after
