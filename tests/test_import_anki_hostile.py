"""`calcquiz import anki` against hostile and damaged packages: every one gets one clear
line and exit 2 (or its bad notes skipped with a reason), an import that fails changes
nothing, a second import of the same file changes nothing, and conversion stays linear
in the input with bounded memory."""

from __future__ import annotations

import os
import sqlite3
import struct
import threading
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calcquiz.store import open_store

from .helpers import DAY, anki_study, export_from_anki, open_collection

DECK = "Hostile"
FRONTS = ["Use &lt;script&gt; tags", "q1", "q2"]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A legacy package (collection.anki21, deflated) of three studied Basic notes."""
    folder = tmp_path_factory.mktemp("hostile")
    col = open_collection(folder / "anki")
    deck_id = col.decks.id(DECK)
    basic = col.models.by_name("Basic")
    for front in FRONTS:
        note = col.new_note(basic)
        note["Front"], note["Back"] = front, front.replace("q", "a")
        col.add_note(note, deck_id)
    anki_study(col, col.find_cards(""), time.time() - 10 * DAY, 10)
    out = export_from_anki(col, folder / "base.apkg", legacy=True)
    col.close()
    return out


def collection_bytes(package: Path) -> bytes:
    return zipfile.ZipFile(package).read("collection.anki21")


def make_package(out: Path, db: bytes, member: str = "collection.anki21", **zip_args) -> Path:
    with zipfile.ZipFile(out, "w", **zip_args) as archive:
        archive.writestr(member, db)
        archive.writestr("media", "{}")
    return out


def mutated(base: Path, tmp_path: Path, *statements: tuple[str, tuple]) -> Path:
    """``base`` with SQL run on its collection."""
    db = tmp_path / "mutated.sqlite"
    db.write_bytes(collection_bytes(base))
    conn = sqlite3.connect(db)
    for sql, params in statements:
        conn.execute(sql, params)
    conn.commit()
    conn.close()
    return make_package(
        tmp_path / "mutated.apkg", db.read_bytes(), compression=zipfile.ZIP_DEFLATED
    )


def store_rows() -> list[tuple]:
    with open_store() as store:
        rows = store.conn.execute(
            "SELECT deck, card_id, rating, reviewed_at FROM review_log ORDER BY id"
        ).fetchall()
        states = store.conn.execute("SELECT * FROM card_state ORDER BY deck, card_id").fetchall()
    return rows + states


def assert_one_line_refusal(result, *pieces: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    for piece in pieces:
        assert piece in result.stderr


# ---------------------------------------------------------------- all or nothing


def test_to_deck_into_a_missing_folder_changes_nothing(base, tmp_path, cli):
    target = tmp_path / "no-such-folder" / "deck.yaml"
    result = cli("import", "anki", str(base), "--to-deck", str(target))
    assert_one_line_refusal(result, "the folder", "does not exist")
    assert store_rows() == []
    assert not target.parent.exists()


@pytest.mark.parametrize("kind", ["fifo", "dangling symlink"])
def test_to_deck_over_a_special_file_with_force_changes_nothing(base, tmp_path, cli, kind):
    target = tmp_path / "deck.yaml"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to(tmp_path / "nowhere.yaml")
    result = cli("import", "anki", str(base), "--to-deck", str(target), "--force")
    assert_one_line_refusal(result, "not a regular file")
    assert store_rows() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.yaml"]
    assert target.is_fifo() if kind == "fifo" else target.is_symlink()


def test_a_control_character_skips_that_note_only(base, tmp_path, cli):
    package = mutated(
        base,
        tmp_path,
        (
            "UPDATE notes SET flds = 'q\x01x' || char(31) || 'a' WHERE id = "
            "(SELECT max(id) FROM notes)",
            (),
        ),
    )
    target = tmp_path / "deck.yaml"
    result = cli("import", "anki", str(package), "--to-deck", str(target))
    assert result.exit_code == 0, result.output
    assert "its question contains the control character U+0001 at character 2" in result.stdout
    assert len(yaml.safe_load(target.read_text())["cards"]) == 2
    assert cli("check").exit_code == 0


def test_nothing_is_written_while_converting(base, tmp_path, cli, monkeypatch, calcquiz_home):
    """A kill during the conversion loses nothing: while notes are converted and states
    worked out, neither the store nor the deck file has been touched."""
    from calcquiz.anki_import import to_deck

    seen: list[tuple[bool, list[Path]]] = []
    real = to_deck.to_markdown

    def spy(field: str) -> str:
        seen.append(((calcquiz_home / "calcquiz.db").exists(), list(tmp_path.iterdir())))
        return real(field)

    monkeypatch.setattr(to_deck, "to_markdown", spy)
    target = tmp_path / "deck.yaml"
    assert cli("import", "anki", str(base), "--to-deck", str(target)).exit_code == 0
    assert seen and all(not store and files == [] for store, files in seen)
    assert store_rows() != [] and target.exists()


@pytest.mark.parametrize("force", [False, True])
def test_a_failed_commit_takes_the_deck_file_back(base, tmp_path, cli, monkeypatch, force):
    """The deck file goes in place inside the store's transaction; when the commit then
    fails, the new file is removed (under --force the old one is back) and the store
    holds nothing new."""
    from calcquiz.errors import StoreError
    from calcquiz.store import exchange

    target = tmp_path / "deck.yaml"
    if force:
        target.write_text("deck: mine\n")
    real = exchange.merge_all

    def failing_commit(store, decks, before_commit=None):
        def place_then_fail() -> None:
            before_commit()
            assert target.exists() and target.read_text() != "deck: mine\n"
            raise StoreError("disk I/O error (simulated at commit)")

        return real(store, decks, place_then_fail)

    monkeypatch.setattr("calcquiz.anki_import.merge.merge_all", failing_commit)
    args = ["import", "anki", str(base), "--to-deck", str(target)] + (["--force"] if force else [])
    result = cli(*args)
    assert result.exit_code == 1 and "simulated at commit" in result.stderr
    assert store_rows() == []
    if force:
        assert target.read_text() == "deck: mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == (["deck.yaml"] if force else [])


@pytest.mark.slow
def test_kill_9_at_any_moment_leaves_all_or_nothing(base, tmp_path):
    """Killed at a spread of moments, the import has committed all its reviews or none."""
    import signal
    import subprocess
    import sys

    def run(n: int, delay: float | None) -> int:
        home = tmp_path / f"home{n}"
        home.mkdir()
        env = {**os.environ, "CALCQUIZ_HOME": str(home)}
        command = [
            sys.executable,
            "-m",
            "calcquiz",
            "import",
            "anki",
            str(base),
            "--to-deck",
            str(tmp_path / f"deck{n}.yaml"),
        ]
        proc = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if delay is not None:
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not (home / "calcquiz.db").exists():
            return 0
        conn = sqlite3.connect(home / "calcquiz.db")
        try:
            return conn.execute("SELECT count(*) FROM review_log").fetchone()[0]
        except sqlite3.OperationalError as exc:  # killed while the store was being made
            assert "no such table" in str(exc)
            return 0
        finally:
            conn.close()

    total = run(0, None)
    assert total > 0
    counts = [run(n, 0.1 * n) for n in range(1, 16)]
    assert set(counts) <= {0, total}, counts


# ---------------------------------------------------------------- damaged values


HOSTILE_SQL = {
    "revlog id below 0": "UPDATE revlog SET id = -5 WHERE id = (SELECT min(id) FROM revlog)",
    "revlog id 3e14": "UPDATE revlog SET id = 300000000000000 WHERE id = "
    "(SELECT max(id) FROM revlog)",
    "card due 1e18": "UPDATE cards SET due = 1000000000000000000",
    "card due +1e6 days": "UPDATE cards SET due = 1000000 WHERE type = 2",
    "card due -1e6 days": "UPDATE cards SET due = -1000000 WHERE type = 2",
    "ivl inf": "UPDATE cards SET ivl = 9e999",
    "decks as a JSON list": "UPDATE col SET decks = '[1, 2]'",
    "conf as a JSON list": "UPDATE col SET conf = '[1, 2]'",
    "crt +1e12": "UPDATE col SET crt = 1000000000000",
    "crt -1e12": "UPDATE col SET crt = -1000000000000",
    "config value 2^40": "UPDATE col SET conf = '{\"rollover\": 1099511627776}'",
    "creationOffset 2^40": "UPDATE col SET conf = '{\"creationOffset\": 1099511627776}'",
    "revlog button 7": "UPDATE revlog SET ease = 7",
}


@pytest.mark.parametrize("case", sorted(HOSTILE_SQL))
def test_damaged_values_are_refused_in_one_line(base, tmp_path, cli, case):
    package = mutated(base, tmp_path, (HOSTILE_SQL[case], ()))
    for to_deck in ([], ["--to-deck", str(tmp_path / "deck.yaml")]):
        result = cli("import", "anki", str(package), *to_deck)
        assert_one_line_refusal(result, "is damaged", "Check Database")
        assert store_rows() == []
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".yaml"] == []
    for command in (["check"], ["list"]):
        assert cli(*command).exit_code == 0


def test_a_field_of_private_use_characters_is_skipped(base, tmp_path, cli):
    pua = "".join(chr(0xE000 + i) for i in range(256))
    package = mutated(
        base,
        tmp_path,
        (
            "UPDATE notes SET flds = ? || char(31) || 'a' WHERE id = (SELECT min(id) FROM notes)",
            (pua,),
        ),
    )
    result = cli("import", "anki", str(package), "--to-deck", str(tmp_path / "d.yaml"))
    assert result.exit_code == 0, result.output
    assert "private-use character U+E000" in result.stdout


def _patch_zip_headers(data: bytes, *, flag: int | None = None, method: int | None = None):
    """Set the first member's general-purpose flag and method in both of its headers."""
    out = bytearray(data)
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = out.find(signature)
        if flag is not None:
            out[at + flag_at : at + flag_at + 2] = struct.pack("<H", flag)
        if method is not None:
            out[at + method_at : at + method_at + 2] = struct.pack("<H", method)
    return bytes(out)


def test_broken_zips_are_refused_in_one_line(base, tmp_path, cli):
    db = collection_bytes(base)
    plain = make_package(tmp_path / "p.apkg", db, compression=zipfile.ZIP_DEFLATED).read_bytes()
    cases = {
        "encrypted": (_patch_zip_headers(plain, flag=1), "encrypted"),
        "method 98": (_patch_zip_headers(plain, method=98), "zip method 98"),
    }
    corrupt = bytearray(plain)
    start = corrupt.find(b"collection.anki21") + len("collection.anki21")
    corrupt[start + 200 : start + 260] = b"\xff" * 60  # inside the deflate stream
    cases["corrupt deflate"] = (bytes(corrupt), "cannot be unpacked")
    for name, (data, piece) in cases.items():
        package = tmp_path / f"{name}.apkg"
        package.write_bytes(data)
        result = cli("import", "anki", str(package))
        assert_one_line_refusal(result, piece)
    assert store_rows() == []


# ---------------------------------------------------------------- bombs and sizes


def test_a_zip_bomb_is_refused_before_it_is_written(tmp_path, cli, monkeypatch):
    from calcquiz.anki_import import package as pkg

    written: list[int] = []
    real = pkg._copy_limited
    monkeypatch.setattr(pkg, "_copy_limited", lambda *a, **k: written.append(1) or real(*a, **k))
    bomb = make_package(
        tmp_path / "bomb.apkg", b"\0" * (100 << 20), compression=zipfile.ZIP_DEFLATED
    )
    assert bomb.stat().st_size < 200_000
    result = cli("import", "anki", str(bomb))
    assert_one_line_refusal(result, "zip bomb", f"{pkg.MIN_UNPACK_BYTES:,}")
    assert written == []  # refused from the sizes it declares, before unpacking


def test_a_zstd_bomb_stops_at_the_limit(tmp_path, cli, monkeypatch):
    import zstandard

    from calcquiz.anki_import import package as pkg

    packed = zstandard.ZstdCompressor(level=19).compress(b"\0" * (200 << 20))
    bomb = make_package(tmp_path / "bomb.apkg", packed, member="collection.anki21b")
    sizes: list[int] = []
    real_write = pkg._copy_limited

    def spy(src, dst, path, limit=pkg.MAX_COLLECTION_BYTES):
        try:
            real_write(src, dst, path, limit)
        finally:
            sizes.append(dst.tell())

    monkeypatch.setattr(pkg, "_copy_limited", spy)
    result = cli("import", "anki", str(bomb))
    assert_one_line_refusal(result, "zip bomb")
    assert sizes and sizes[0] <= pkg.MIN_UNPACK_BYTES


def test_a_huge_field_is_skipped_without_being_read(base, tmp_path, cli):
    import tracemalloc

    from calcquiz.anki_import.package import MAX_NOTE_BYTES, read_package

    huge = "x" * (20 << 20)
    package = mutated(
        base,
        tmp_path,
        (
            "UPDATE notes SET flds = ? || char(31) || 'a' WHERE id = (SELECT min(id) FROM notes)",
            (huge,),
        ),
    )
    del huge
    tracemalloc.start()
    collection = read_package(package)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4 * MAX_NOTE_BYTES
    assert collection.notes[0].too_big and collection.notes[0].fields == ()
    result = cli("import", "anki", str(package), "--to-deck", str(tmp_path / "d.yaml"))
    assert result.exit_code == 0, result.output
    assert f"its fields hold more than {MAX_NOTE_BYTES:,} characters" in result.stdout


LINEAR_CASES = {
    "40k <img": "<img " * 40_000,
    "150k \\(": "\\(" * 150_000,
    "150k \\[": "\\[" * 150_000,
    "45k [sound:": "[sound:" * 45_000,
    "nested list 40 KB": "<ul><li>" * 5_000 + "x",
    "40k <script>": "<script>" * 40_000,
    "40k <!--": "<!--a-->" * 40_000,
}


@pytest.mark.parametrize("case", sorted(LINEAR_CASES))
def test_conversion_output_is_linear_in_the_input(case):
    from calcquiz.anki_import.html import to_markdown

    field = LINEAR_CASES[case][:4000]
    assert len(to_markdown(field)) <= 4 * len(field) + 16


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(LINEAR_CASES))
def test_conversion_of_large_hostile_fields_completes(case):
    """Each took from 48 s to hours when conversion was quadratic; one pass is well
    under a second. The generous limit only catches a return to quadratic time."""
    from calcquiz.anki_import.html import to_markdown
    from calcquiz.anki_import.package import media_names

    done = threading.Event()

    def convert() -> None:
        to_markdown(LINEAR_CASES[case])
        media_names(LINEAR_CASES[case])
        done.set()

    threading.Thread(target=convert, daemon=True).start()
    assert done.wait(60), f"{case}: not converted within 60 s"


# ---------------------------------------------------------------- the same file twice


def test_two_notes_sharing_a_guid_import_once(base, tmp_path, cli):
    package = mutated(base, tmp_path, ("UPDATE notes SET guid = 'same'", ()))
    target = tmp_path / "deck.yaml"
    first = cli("import", "anki", str(package), "--to-deck", str(target))
    assert first.exit_code == 0, first.output
    assert first.stdout.count("an earlier note has the same guid") == 2
    rows = store_rows()
    deck_bytes = target.read_bytes()
    again = cli("import", "anki", str(package), "--to-deck", str(target), "--force")
    assert again.exit_code == 0, again.output
    assert store_rows() == rows and target.read_bytes() == deck_bytes
    later = cli("import", "anki", str(package), "--deck", str(target))
    assert "Reviews added: 0" in later.stdout and store_rows() == rows


notes_strategy = st.lists(
    st.tuples(
        st.sampled_from(["g1", "g2", "g3"]),  # guids, often shared
        st.lists(  # one card's reviews: (ms offset, button, kind)
            st.tuples(st.integers(0, 40), st.integers(0, 4), st.sampled_from([0, 1, 2, 3, 4])),
            max_size=6,
        ),
        st.sampled_from([0, 1, 2]),  # card type
    ),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(notes=notes_strategy)
def test_any_collection_imported_twice_changes_nothing_the_second_time(notes, tmp_path_factory):
    from calcquiz.anki_import.package import AnkiCard, AnkiCollection, AnkiNote, Revlog
    from calcquiz.anki_import.run import import_collection

    home = tmp_path_factory.mktemp("home")
    os.environ["CALCQUIZ_HOME"] = str(home)  # a fresh store per example
    start = int((time.time() - 30 * DAY) * 1000)
    anki_notes, cards, revlog = [], {}, {}
    for n, (guid, reviews, card_type) in enumerate(notes, start=1):
        anki_notes.append(AnkiNote(n, guid, (f"q{n}", f"a{n}"), ()))
        cards[n] = [AnkiCard(100 + n, n, 1, 0, card_type, card_type, 1, 1, 1, 0)]
        revlog[100 + n] = [
            Revlog(start + offset * DAY * 100 + n, 100 + n, ease, 1, 0, 2500, 5000, kind)
            for offset, ease, kind in sorted(reviews)
        ]
    collection = AnkiCollection(anki_notes, cards, revlog, {1: "Fuzz"}, start // 1000, 0, 4)
    target = home / "deck.yaml"
    try:
        import_collection(Path("x.apkg"), collection, [], target, force=True)
    except Exception as exc:  # no note could become a card, etc.: one clean refusal
        from calcquiz.errors import CalcquizError

        assert isinstance(exc, CalcquizError)
        return
    rows, data = store_rows(), target.read_bytes()
    report = import_collection(Path("x.apkg"), collection, [], target, force=True)
    assert report.deck_merged is not None and report.deck_merged.reviews_added == 0
    assert store_rows() == rows and target.read_bytes() == data


# ---------------------------------------------------------------- text and names


def test_entities_that_stand_for_text_stay_text(base, tmp_path, cli):
    target = tmp_path / "deck.yaml"
    assert cli("import", "anki", str(base), "--to-deck", str(target)).exit_code == 0
    card = yaml.safe_load(target.read_text())["cards"][0]
    assert card["question"] == card["answer"] == "Use \\<script> tags"
    shown = cli("show", card["id"], "--deck", str(target))
    answer = shown.stdout.split("Answer")[1]
    assert "Use <script> tags" in answer


def test_a_deck_error_names_the_target_file(tmp_path):
    from calcquiz.anki_import.to_deck import DeckDraft, check
    from calcquiz.content import DeckValidationError

    draft = DeckDraft(
        "Deck", cards=[{"id": "Not A Slug", "number": 1, "question": "q", "answer": "a"}]
    )
    with pytest.raises(DeckValidationError) as refused:
        check(draft, "mine.yaml")
    assert str(refused.value).startswith("mine.yaml:")
    assert "calcquiz-deck-" not in str(refused.value)


def test_a_255_byte_deck_name_is_accepted(base, tmp_path, cli):
    target = tmp_path / ("d" * 250 + ".yaml")
    assert len(target.name.encode()) == 255
    result = cli("import", "anki", str(base), "--to-deck", str(target))
    assert result.exit_code == 0, result.output
    assert cli("validate", str(target)).exit_code == 0


def test_a_deck_name_with_a_control_character_is_cleaned(base, tmp_path, cli):
    package = mutated(
        base,
        tmp_path,
        ("UPDATE col SET decks = replace(decks, ?, ?)", (f'"{DECK}"', f'"{DECK}\\u0007"')),
    )
    target = tmp_path / "deck.yaml"
    result = cli("import", "anki", str(package), "--to-deck", str(target))
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(target.read_text())["deck"] == DECK


@pytest.mark.slow
@pytest.mark.parametrize("case", ["nested sections", "unclosed clozes"])
def test_rendering_hostile_templates_completes(case):
    """A note type's template is the package's too: 100,000 nested sections or unclosed
    cloze deletions render in one pass (the generous limit only catches quadratic time)."""
    from calcquiz.anki_import.package import AnkiNote, NoteType
    from calcquiz.anki_import.templates import render

    n = 100_000
    if case == "nested sections":
        note_type = NoteType("x", ("A",), {0: ("{{#A}}" * n + "x" + "{{/A}}" * n, "{{A}}")})
        note = AnkiNote(1, "g", ("a",), ())
    else:
        note_type = NoteType("x", ("Text",), {0: ("{{cloze:Text}}", "{{cloze:Text}}")}, True)
        note = AnkiNote(1, "g", ("{{c1::" * n,), ())
    done = threading.Event()

    def go() -> None:
        render(note_type, note, 0)
        done.set()

    threading.Thread(target=go, daemon=True).start()
    assert done.wait(60), f"{case}: not rendered within 60 s"


def test_a_later_note_with_the_same_guid_never_takes_the_first_ones_history(tmp_path):
    """The first note with a guid cannot become a card (its question is empty); the second,
    with the same guid, is skipped too, so no card gets the first note's reviews."""
    from calcquiz.anki_import.package import AnkiCard, AnkiCollection, AnkiNote, Revlog
    from calcquiz.anki_import.run import import_collection

    start = int((time.time() - 5 * DAY) * 1000)
    notes = [
        AnkiNote(1, "g", ("", "a1"), ()),
        AnkiNote(2, "g", ("q2", "a2"), ()),
        AnkiNote(3, "h", ("q3", "a3"), ()),
    ]
    cards = {n: [AnkiCard(10 + n, n, 1, 0, 2, 2, 1, 1, 1, 0)] for n in (1, 2, 3)}
    revlog = {
        11: [Revlog(start, 11, 3, 1, 0, 2500, 5000, 0)],
        13: [Revlog(start + 1000, 13, 3, 1, 0, 2500, 5000, 0)],
    }
    collection = AnkiCollection(notes, cards, revlog, {1: "D"}, start // 1000, 0, 4)
    target = tmp_path / "d.yaml"
    report = import_collection(Path("x.apkg"), collection, [], target)
    reasons = [why for _, why in report.skipped]
    assert reasons == ["its question side is empty", "an earlier note has the same guid"]
    assert [c["question"] for c in yaml.safe_load(target.read_text())["cards"]] == ["q3"]
    assert report.deck_merged is not None and report.deck_merged.reviews_added == 1
