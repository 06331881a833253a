"""`calcquiz sync anki` refuses, with one line and nothing written on either side, what it
must not write: a collection Anki holds open, a second sync, a collection from a newer
Anki, a damaged one, a read-only folder; a write that fails half-way (a full disk) leaves
both sides as they were. And it finds the collection where Anki keeps it."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from calcquiz.anki_sync import location, safety
from calcquiz.store import open_store, review_ms

from .helpers import (
    Clock,
    _one_session,
    assert_integrity,
    make_collection,
    pick_rating,
)

Collection = pytest.importorskip("anki.collection").Collection
pytestmark = pytest.mark.usefixtures("no_real_anki")
DAY = 86400.0






def studied(decks) -> None:
    """Three days of calcquiz sessions: something to write to Anki."""
    from calcquiz.session import SessionOptions

    start = time.time() - 4 * DAY
    with open_store() as store:
        for day in range(3):
            clock = Clock(start + day * DAY)
            _one_session(store, decks, clock, day, pick_rating, SessionOptions(new_limit=3))


def both_sides(path: Path) -> tuple:
    """Everything either side holds."""
    conn = sqlite3.connect(path)
    try:
        anki = tuple(
            tuple(conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall())
            for table in ("notes", "cards", "revlog", "notetypes", "decks")
        )
    finally:
        conn.close()
    with open_store() as store:
        mine = (tuple(store.reviews()), tuple(sorted(store.card_states(d).items()) for d in []))
        states = store.conn.execute("SELECT * FROM card_state ORDER BY deck, card_id").fetchall()
        flags = store.conn.execute("SELECT * FROM card_flags ORDER BY deck, card_id").fetchall()
    return anki, mine, tuple(states), tuple(flags)


def refused(result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_refused_while_anki_holds_the_collection_open(tmp_path: Path, cli, decks):
    path = make_collection(tmp_path / "anki" / "User 1")
    studied(decks)
    before = both_sides(path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom anki.collection import Collection\n"
            f"col = Collection({str(path)!r})\nprint('open', flush=True)\nsys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        refused(cli("sync", "anki", str(path)), "Anki has", "close Anki")
        refused(cli("sync", "anki", str(path), "--dry-run"), "Anki has")
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert both_sides(path) == before
    assert not (safety.backup_folder()).exists()


def test_a_second_sync_is_refused_while_one_runs(tmp_path: Path, cli, decks):
    path = make_collection(tmp_path / "anki" / "User 1")
    before = both_sides(path)
    with safety.sync_lock():
        refused(cli("sync", "anki", str(path)), "another calcquiz sync is running")
    assert both_sides(path) == before
    assert cli("sync", "anki", str(path)).exit_code == 0  # the lock went with its holder


def test_a_collection_from_a_newer_anki_is_refused(tmp_path: Path, cli, decks):
    path = make_collection(tmp_path / "anki" / "User 1")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE col SET ver = ?", (safety.NEWEST_SCHEMA + 1,))
    conn.commit()
    conn.close()
    data = path.read_bytes()
    refused(cli("sync", "anki", str(path)), "newer Anki", f"schema {safety.NEWEST_SCHEMA + 1}")
    assert path.read_bytes() == data


@pytest.mark.parametrize("damage", ["garbage", "torn page", "empty", "a value Anki never writes"])
def test_a_damaged_collection_is_refused(tmp_path: Path, cli, decks, damage):
    path = make_collection(tmp_path / "anki" / "User 1")
    if damage == "a value Anki never writes":  # a sound file; the card has no such type
        conn = sqlite3.connect(path)
        conn.execute("UPDATE cards SET type = 7")
        conn.commit()
        conn.close()
    elif damage == "garbage":
        path.write_bytes(os.urandom(8192))
    elif damage == "torn page":
        data = bytearray(path.read_bytes())
        page = 4096
        data[2 * page : 3 * page] = b"\xff" * page  # a b-tree page overwritten
        path.write_bytes(bytes(data))
    else:
        path.write_bytes(b"")
    data = path.read_bytes()
    result = cli("sync", "anki", str(path))
    refused(result, str(path))
    if damage == "a value Anki never writes":
        refused(result, "is damaged: card", "type is 7", "Check Database")
    assert path.read_bytes() == data
    with open_store() as store:
        assert store.reviews() == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anyway")
def test_a_read_only_folder_is_refused(tmp_path: Path, cli, decks):
    path = make_collection(tmp_path / "anki" / "User 1")
    data = path.read_bytes()
    path.parent.chmod(0o555)
    try:
        refused(cli("sync", "anki", str(path)), "read-only")
    finally:
        path.parent.chmod(0o755)
    assert path.read_bytes() == data


def test_a_write_that_fails_half_way_changes_neither_side(
    tmp_path: Path, cli, decks, monkeypatch: pytest.MonkeyPatch
):
    """The disk fills up after a few review rows are written to Anki."""
    from calcquiz.anki_sync import run

    path = make_collection(tmp_path / "anki" / "User 1")
    assert cli("sync", "anki", str(path)).exit_code == 0  # the notes are there
    studied(decks)
    # Anki studies too, so calcquiz has something to take in the same sync.
    col = Collection(str(path))
    cid = col.find_cards("note:calcquiz")[-1]
    from anki.scheduler.v3 import CardAnswer

    card = col.get_card(cid)
    card.start_timer()
    states = col._backend.get_scheduling_states(cid)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))
    col.close()
    before = both_sides(path)
    real_apply = run._AnkiWork.apply

    def apply_on_a_filling_disk(self):
        real_execute = self.col.db.execute
        written = []

        def execute(sql, *args):
            if sql.startswith("INSERT INTO revlog"):
                if len(written) == 3:
                    raise OSError(errno.ENOSPC, "No space left on device")
                written.append(args)
            return real_execute(sql, *args)

        self.col.db.execute = execute
        return real_apply(self)

    monkeypatch.setattr(run._AnkiWork, "apply", apply_on_a_filling_disk)
    result = cli("sync", "anki", str(path))
    refused(result, "No space left on device", "neither Anki nor calcquiz was changed")
    assert both_sides(path) == before
    col = Collection(str(path))
    assert_integrity(col)
    col.close()

    monkeypatch.setattr(run._AnkiWork, "apply", real_apply)
    result = cli("sync", "anki", str(path))
    assert result.exit_code == 0, result.output
    assert "calcquiz got: 1 reviews" in result.stdout
    assert both_sides(path) != before


def test_a_backup_that_cannot_be_written_stops_the_sync(
    tmp_path: Path, cli, decks, monkeypatch: pytest.MonkeyPatch
):
    path = make_collection(tmp_path / "anki" / "User 1")
    studied(decks)
    before = both_sides(path)
    safety.backup_folder().parent.mkdir(parents=True, exist_ok=True)
    safety.backup_folder().write_text("a file where the backups go")
    refused(cli("sync", "anki", str(path)), "cannot back up", "nothing was written")
    assert both_sides(path) == before


def test_dry_run_says_what_would_change_and_writes_nothing(tmp_path: Path, cli, decks):
    path = make_collection(tmp_path / "anki" / "User 1")
    studied(decks)
    before = both_sides(path)
    mtime = os.stat(path).st_mtime_ns
    result = cli("sync", "anki", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Dry run: nothing was written.")
    assert "Anki would get: 20 notes added" in result.stdout
    assert both_sides(path) == before
    assert os.stat(path).st_mtime_ns == mtime
    assert not safety.backup_folder().exists()
    wet = cli("sync", "anki", str(path), "--json")
    import json

    report = json.loads(wet.stdout)
    assert report["anki"]["notes_added"] == 20 and report["anki"]["reviews_copied"] > 0
    assert Path(report["backup"]).is_file()


def test_without_the_anki_package_sync_says_how_to_install_it(cli, monkeypatch: pytest.MonkeyPatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "anki" else real(name, *a)
    )
    refused(cli("sync", "anki", "/nowhere/collection.anki2"), "pip install 'calcquiz[anki]'")


def test_the_collection_is_found_where_anki_keeps_it(no_real_anki: Path, cli, decks):
    base = no_real_anki / ".local" / "share" / "Anki2"
    result = cli("sync", "anki")
    refused(result, "no Anki collection", str(base))
    first = make_collection(base / "User 1")
    result = cli("sync", "anki")
    assert result.exit_code == 0, result.output
    assert str(first) in result.stdout
    make_collection(base / "Phone")
    assert cli("config", "get", "anki_collection").stdout.strip() == str(first)
    assert cli("sync", "anki").exit_code == 0  # the remembered one
    cli("config", "unset", "anki_collection")
    several = cli("sync", "anki")
    assert several.exit_code == 2 and "--profile" in several.stderr
    assert "Phone, User 1" in several.stderr
    chosen = cli("sync", "anki", "--profile", "Phone")
    assert chosen.exit_code == 0 and str(base / "Phone") in chosen.stdout
    unknown = cli("sync", "anki", "--profile", "Tablet")
    assert unknown.exit_code == 2 and "no Anki profile 'Tablet'" in unknown.stderr
    col = Collection(str(first))
    assert_integrity(col)
    col.close()


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {"HOME": "/h"}, "/h/.local/share/Anki2"),
        ("linux", {"HOME": "/h", "XDG_DATA_HOME": "/x"}, "/x/Anki2"),
        ("darwin", {"HOME": "/h"}, "/h/Library/Application Support/Anki2"),
        ("win32", {"HOME": "/h", "APPDATA": "/a"}, "/a/Anki2"),
        ("linux", {"HOME": "/h", "ANKI_BASE": "/b"}, "/b"),
    ],
)
def test_ankis_base_folder_on_each_platform(platform, env, expected):
    assert location.anki_base(platform, env) == Path(expected)


def test_a_sync_stopped_between_the_two_commits_is_completed_by_the_next(
    tmp_path: Path, cli, decks, monkeypatch: pytest.MonkeyPatch
):
    """Anki's transaction committed, calcquiz's did not (the process died in between):
    the next sync finds the ratings already in Anki and finishes calcquiz's side."""
    from anki.scheduler.v3 import CardAnswer

    from calcquiz.anki_sync import run

    path = make_collection(tmp_path / "anki" / "User 1")
    assert cli("sync", "anki", str(path)).exit_code == 0
    studied(decks)
    col = Collection(str(path))
    cid = col.find_cards("note:calcquiz")[-1]
    card = col.get_card(cid)
    card.start_timer()
    states = col._backend.get_scheduling_states(cid)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.EASY))
    col.close()
    with open_store() as store:
        calcquiz_before = store.reviews()
    real_apply = run._AnkiWork.apply

    class Killed(BaseException):
        pass

    def apply_then_die(self):
        real_apply(self)
        raise Killed

    monkeypatch.setattr(run._AnkiWork, "apply", apply_then_die)
    with pytest.raises(Killed):
        run.sync_anki(path, decks)
    with open_store() as store:
        assert store.reviews() == calcquiz_before  # calcquiz as it was
    conn = sqlite3.connect(path)
    anki_rows = conn.execute("SELECT id, cid, ease FROM revlog ORDER BY id").fetchall()
    conn.close()
    assert len(anki_rows) == len(calcquiz_before) + 1  # Anki synced

    monkeypatch.setattr(run._AnkiWork, "apply", real_apply)
    report = run.sync_anki(path, decks)
    assert report.reviews_to_calcquiz == 1
    assert report.anki.reviews_copied == 0
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT id, cid, ease FROM revlog ORDER BY id").fetchall() == anki_rows
    conn.close()
    with open_store() as store:
        assert len(store.reviews()) == len(anki_rows)
    assert run.sync_anki(path, decks).backup is None  # nothing left to do
    col = Collection(str(path))
    assert_integrity(col)
    col.close()


def counts(path: Path, home: Path) -> tuple[tuple[int, int, int], tuple[int, int]]:
    """(notes, revlog rows, review cards) in Anki, (reviews, states) in calcquiz."""
    conn = sqlite3.connect(path)
    try:
        anki = tuple(
            conn.execute(sql).fetchone()[0]
            for sql in (
                "SELECT count(*) FROM notes",
                "SELECT count(*) FROM revlog",
                "SELECT count(*) FROM cards WHERE type = 2",
            )
        )
    finally:
        conn.close()
    conn = sqlite3.connect(home / "calcquiz.db")
    try:
        mine = tuple(
            conn.execute(sql).fetchone()[0]
            for sql in ("SELECT count(*) FROM review_log", "SELECT count(*) FROM card_state")
        )
    finally:
        conn.close()
    return anki, mine  # type: ignore[return-value]


@pytest.mark.slow
def test_a_sync_killed_at_any_moment_leaves_each_side_as_it_was_or_synced(
    tmp_path: Path, calcquiz_home: Path, decks
):
    import random
    import shutil

    from anki.scheduler.v3 import CardAnswer

    from .helpers import CLI

    path = make_collection(tmp_path / "anki" / "User 1")
    env = {**os.environ, "CALCQUIZ_HOME": str(calcquiz_home)}
    assert subprocess.run([*CLI, "sync", "anki", str(path)], env=env, timeout=120).returncode == 0
    studied(decks)
    col = Collection(str(path))
    for cid in col.find_cards("note:calcquiz")[-3:]:
        card = col.get_card(cid)
        card.start_timer()
        states = col._backend.get_scheduling_states(cid)
        answer = col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD)
        col.sched.answer_card(answer)
    col.close()
    pristine = tmp_path / "pristine"
    shutil.copytree(path.parent, pristine / "anki")
    shutil.copytree(calcquiz_home, pristine / "home")
    before = counts(path, calcquiz_home)

    def restore() -> None:
        for target, source in (
            (path.parent, pristine / "anki"),
            (calcquiz_home, pristine / "home"),
        ):
            shutil.rmtree(target)
            shutil.copytree(source, target)

    assert subprocess.run([*CLI, "sync", "anki", str(path)], env=env, timeout=120).returncode == 0
    synced = counts(path, calcquiz_home)
    assert synced[0] != before[0] and synced[1] != before[1]
    rng = random.Random(20261206)
    outcomes = set()
    for _ in range(12):
        restore()
        sync = subprocess.Popen([*CLI, "sync", "anki", str(path)], env=env)
        time.sleep(rng.uniform(0.2, 2.5))
        sync.kill()
        sync.wait(timeout=30)
        anki, mine = counts(path, calcquiz_home)
        assert anki in (before[0], synced[0])
        assert mine in (before[1], synced[1])
        outcomes.add((anki == synced[0], mine == synced[1]))
        conn = sqlite3.connect(path)
        conn.create_collation(
            "unicase", lambda a, b: (a.lower() > b.lower()) - (a.lower() < b.lower())
        )
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        again = subprocess.run([*CLI, "sync", "anki", str(path)], env=env, timeout=120)
        assert again.returncode == 0
        assert counts(path, calcquiz_home) == synced
    print("outcomes (anki synced, calcquiz synced):", sorted(outcomes))
    col = Collection(str(path))
    assert_integrity(col)
    col.close()


def test_an_older_collection_is_backed_up_before_anki_upgrades_it(tmp_path: Path, cli):
    """A schema-11 collection (what genanki and old Anki write): opening it with Anki's
    engine upgrades it, so a dry run works on a copy, and a sync backs the file up first."""
    import zipfile

    assert cli("export", "anki", "-o", str(tmp_path / "deck.apkg")).exit_code == 0
    folder = tmp_path / "old" / "User 1"
    folder.mkdir(parents=True)
    with zipfile.ZipFile(tmp_path / "deck.apkg") as archive:
        archive.extract("collection.anki2", folder)
    path = folder / "collection.anki2"

    def version(file: Path) -> int:
        conn = sqlite3.connect(file)
        try:
            return int(conn.execute("SELECT ver FROM col").fetchone()[0])
        finally:
            conn.close()

    assert version(path) < safety.NEWEST_SCHEMA
    data = path.read_bytes()
    dry = cli("sync", "anki", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert path.read_bytes() == data
    result = cli("sync", "anki", str(path), "--json")
    assert result.exit_code == 0, result.output
    import json

    report = json.loads(result.stdout)
    backup = Path(report["backup"])
    assert version(backup) < safety.NEWEST_SCHEMA
    assert any("upgraded the collection" in w for w in report["warnings"])
    assert version(path) == safety.NEWEST_SCHEMA
    col = Collection(str(path))
    assert_integrity(col)
    col.close()


def test_a_package_or_a_folder_is_not_a_collection(tmp_path: Path, cli):
    assert cli("export", "anki", "-o", str(tmp_path / "deck.apkg")).exit_code == 0
    package = cli("sync", "anki", str(tmp_path / "deck.apkg"))
    assert package.exit_code == 2 and "calcquiz import anki" in package.stderr
    folder = cli("sync", "anki", str(tmp_path))
    assert folder.exit_code == 2 and "not an Anki collection file" in folder.stderr
    missing = cli("sync", "anki", str(tmp_path / "nothing.anki2"))
    assert missing.exit_code == 2 and "no such Anki collection" in missing.stderr


def test_a_rating_made_while_the_sync_backs_up_reaches_anki(
    tmp_path: Path, decks, monkeypatch: pytest.MonkeyPatch
):
    """A study session rates a card while the sync copies the collection (no calcquiz
    lock is held then): the sync applies both sides as they are after it."""
    from calcquiz.anki_sync import run
    from calcquiz.session import SessionOptions

    path = make_collection(tmp_path / "anki" / "User 1")
    studied(decks)
    real_back_up = safety.back_up

    during: list[int] = []

    def back_up_while_studying(col, where, now=None):
        with open_store() as store:
            before = len(store.reviews())
            clock = Clock(time.time() - 3600)
            _one_session(store, decks, clock, 7, pick_rating, SessionOptions(new_limit=1))
            during.append(len(store.reviews()) - before)
        return real_back_up(col, where, now)

    monkeypatch.setattr(safety, "back_up", back_up_while_studying)
    report = run.sync_anki(path, decks)
    with open_store() as store:
        mine = sorted(review_ms(r.reviewed_at) for r in store.reviews() if not r.cram)
    conn = sqlite3.connect(path)
    theirs = [r[0] for r in conn.execute("SELECT id FROM revlog ORDER BY id")]
    conn.close()
    assert during and during[0] > 0  # the session did rate while the sync ran
    assert theirs == mine
    assert report.anki.reviews_copied == len(mine)


def test_the_last_five_backups_are_kept(tmp_path: Path, decks):
    from calcquiz.anki_sync.run import sync_anki
    from calcquiz.store import Flags

    path = make_collection(tmp_path / "anki" / "User 1")
    deck = decks[0]
    made = []
    for n in range(7):
        with open_store() as store:  # a change in calcquiz each time: something to write
            store.set_flags(deck.name, deck.cards[0].id, Flags(suspended=n % 2 == 0))
        report = sync_anki(path, decks)
        assert report.backup is not None
        made.append(report.backup)
    kept = sorted(safety.backup_folder().iterdir())
    assert len(kept) == safety.KEEP_BACKUPS
    assert set(kept) == set(made[-safety.KEEP_BACKUPS :])
