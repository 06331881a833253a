"""The bundled deck: faithful to the seed, complete, and with stable ids."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from calcquiz.content import bundled_deck_paths, load_decks
from calcquiz.demos import DEMO_NAMES

from .helpers import REPO

# A copy of ../shared/seed/day09_calculus_optimization.md, the source text of the deck.
SEED = Path(__file__).parent / "data" / "seed_day09_calculus_optimization.md"


def seed_cards() -> list[tuple[int, str, str]]:
    """(number, question, answer) parsed straight from the seed Markdown."""
    text = SEED.read_text(encoding="utf-8")
    blocks = re.split(r"^### (\d+)\. (.*)$", text, flags=re.M)
    out = []
    for i in range(1, len(blocks), 3):
        body = blocks[i + 2].strip()
        answer = body.split("**Answer:**", 1)[1].strip()
        out.append((int(blocks[i]), blocks[i + 1].strip(), answer))
    return out


@pytest.fixture(scope="module")
def deck():
    (only,) = load_decks()
    return only


def test_bundled_deck_is_found():
    paths = bundled_deck_paths()
    assert [p.name for p in paths] == ["day09_calculus_optimization.yaml"]


def test_deck_has_the_twenty_seed_questions_in_order(deck):
    seed = seed_cards()
    assert len(seed) == 20
    assert [(c.number, c.question) for c in deck.cards] == [(n, q) for n, q, _ in seed]


def test_answers_are_the_seed_text(deck):
    for card, (_, _, answer) in zip(deck.cards, seed_cards(), strict=True):
        assert card.answer.strip() == answer, card.id


def test_ids_are_unique_slugs_and_numbers_run_1_to_20(deck):
    ids = [c.id for c in deck.cards]
    assert len(set(ids)) == 20
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)
    assert [c.number for c in deck.cards] == list(range(1, 21))


def test_every_demo_is_named_once_in_card_order(deck):
    assert tuple(c.demo for c in deck.cards) == DEMO_NAMES


def test_loose_seed_claims_carry_a_correcting_note(deck):
    momentum = deck.by_id["momentum"]
    assert momentum.note and "w_t = w_{t-1} - v_t" in momentum.note
    lr = deck.by_id["learning-rate"]
    assert lr.note and "local minimum" in lr.note


def test_every_card_has_tags(deck):
    assert all(c.tags for c in deck.cards)


def test_editing_text_keeps_the_id(tmp_path: Path):
    """Progress is keyed on id: a reworded question is still the same card."""
    src = (REPO / "content" / "day09_calculus_optimization.yaml").read_text(encoding="utf-8")
    edited = src.replace("Explain Momentum in optimization.", "What does momentum do?")
    path = tmp_path / "edited.yaml"
    path.write_text(edited, encoding="utf-8")
    (d,) = load_decks([path])
    assert d.by_id["momentum"].question == "What does momentum do?"
    assert d.by_id["momentum"].number == 11


def test_validated_deck_cache_gives_the_same_deck(calcquiz_home: Path):
    from calcquiz.content import load_deck
    from calcquiz.paths import deck_cache_dir

    path = REPO / "content" / "day09_calculus_optimization.yaml"
    parsed = load_deck(path, use_cache=False)
    first = load_deck(path)  # parses, then caches
    assert len(list(deck_cache_dir().glob("*.json"))) == 1
    cached = load_deck(path)
    assert cached == parsed == first
    assert cached.by_id == parsed.by_id


def test_edited_or_damaged_cache_never_hides_the_file(calcquiz_home: Path, tmp_path: Path):
    from calcquiz.content import load_deck
    from calcquiz.paths import deck_cache_dir

    path = tmp_path / "d.yaml"
    path.write_text("deck: D\ncards:\n  - {id: a, number: 1, question: Old?, answer: A}\n")
    assert load_deck(path).cards[0].question == "Old?"
    path.write_text("deck: D\ncards:\n  - {id: a, number: 1, question: New?, answer: A}\n")
    assert load_deck(path).cards[0].question == "New?"
    for entry in deck_cache_dir().glob("*.json"):
        entry.write_text("{not json")
    assert load_deck(path).cards[0].question == "New?"


# --- every value validate accepts works in every command -------------------------------------

EDGE_DECK = r"""
deck: "[bold]Edge[/] [/] deck"
description: "<script>alert(1)</script> [red]desc[/]"
cards:
  - id: markup
    number: 1
    question: "[bold]What[/] is [/]? [link=http://x]x[/link]"
    answer: "[/] closes nothing; [red] opens; \\[escaped\\]; {{c1::cloze}}"
    tags: ["[/]", "[bold]", "a::b"]
    note: "[italic]note[/] :smile:"
  - id: dates
    number: 2
    question: 2001-13-45
    answer: 2001-12-01
  - id: biggest
    number: 999999
    question: "Unicode: ∇f, ∂²f/∂x², 日本語, עברית, e\u0301, 👩‍👩‍👧, zero\u200bwidth"
    answer: "$\\frac{\\frac{\\frac{x}{2}}{2}}{2}$ and $x^{y^{z}}$ and \\$5"
"""


def test_accepted_edge_values_work_in_every_command(cli, tmp_path: Path):
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    path = tmp_path / "edge.yaml"
    path.write_text(EDGE_DECK, encoding="utf-8")
    deck = str(path)
    assert cli("validate", deck).exit_code == 0
    for key in ("markup", "dates", "biggest", "999999"):
        shown = cli("show", key, "--deck", deck)
        assert shown.exit_code == 0, shown.output
    shown = cli("show", "markup", "--deck", deck).stdout
    assert "[bold]What[/] is [/]?" in shown and "#[/]" in shown  # text, not markup
    listed = cli("list", "--deck", deck)
    assert listed.exit_code == 0 and "2001-13-45" in listed.stdout
    assert cli("list", "--deck", deck, "--json").exit_code == 0
    studied = cli("study", "--deck", deck, input="\n3\n" * 3)
    assert studied.exit_code == 0, studied.output
    assert "[bold]What[/] is [/]?" in studied.stdout
    stats = cli("stats", "--deck", deck)
    assert stats.exit_code == 0 and "[bold]Edge[/] [/] deck" in stats.stdout
    for fmt in ("apkg", "txt"):
        out = tmp_path / f"edge.{fmt}"
        exported = cli("export", "anki", "--deck", deck, "-o", str(out))
        assert exported.exit_code == 0, exported.output
    # the official Anki code imports the package: no character it rejects
    (tmp_path / "anki").mkdir()
    col = Collection(str(tmp_path / "anki" / "collection.anki2"))
    try:
        request = ImportAnkiPackageRequest(package_path=str(tmp_path / "edge.apkg"),
                                           options=ImportAnkiPackageOptions())
        col.import_anki_package(request)
        questions = {col.get_note(n).fields[0] for n in col.find_notes("")}
        message, ok = col.fix_integrity()
    finally:
        col.close()
    assert "2001-13-45" in questions and len(questions) == 3
    assert ok, message


@pytest.mark.parametrize("key", ["²", "①", "٣"])  # isdigit() is True for each; int() is not
def test_unicode_digits_are_an_unknown_card_not_a_crash(cli, key):
    result = cli("show", key)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: no card {key!r}")


# --- an unchanged deck file is not even read; a changed one always is -----------------------


def settled_deck(tmp_path: Path, question: str = "Old?") -> Path:
    path = tmp_path / "d.yaml"
    path.write_text(f"deck: D\ncards:\n  - {{id: a, number: 1, question: {question}, answer: A}}\n")
    return path


def test_an_unchanged_file_comes_from_the_cache_without_being_read(
    calcquiz_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from calcquiz.content import cache, files, load_deck

    monkeypatch.setattr(cache, "SETTLED_NS", 0)  # as if the file were written long ago
    path = settled_deck(tmp_path)
    assert load_deck(path).cards[0].question == "Old?"  # parsed, cached, stat remembered

    def no_read(_path: object) -> None:
        raise AssertionError("the deck file was read")

    monkeypatch.setattr(files, "read", no_read)
    assert load_deck(path).cards[0].question == "Old?"


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(
    calcquiz_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """ctime moves with any write and no program can set it back: same size, mtime put
    back by hand, and the edit is still found."""
    from calcquiz.content import cache, load_deck

    monkeypatch.setattr(cache, "SETTLED_NS", 0)
    path = settled_deck(tmp_path)
    assert load_deck(path).cards[0].question == "Old?"
    before = os.stat(path)
    time.sleep(0.02)  # a later ctime, on file systems that count in coarse ticks too
    settled_deck(tmp_path, "New?")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size
    assert load_deck(path).cards[0].question == "New?"


def test_a_file_changed_in_the_last_seconds_is_not_remembered(
    calcquiz_home: Path, tmp_path: Path
):
    """Git's "racily clean" rule: a stat taken within SETTLED_NS of the last change could
    be shared with the next edit, so it is not remembered and the file is read again."""
    from calcquiz.content import load_deck
    from calcquiz.paths import deck_cache_dir

    load_deck(settled_deck(tmp_path))
    assert not list(deck_cache_dir().glob("*.stat"))


def test_a_cache_entry_whose_bodies_do_not_match_its_index_is_a_miss(
    calcquiz_home: Path, tmp_path: Path
):
    from calcquiz.content import load_deck
    from calcquiz.paths import deck_cache_dir

    path = settled_deck(tmp_path)
    load_deck(path)
    for bodies in deck_cache_dir().glob("*.cards"):
        bodies.write_bytes(b"[\n]\n")
    assert load_deck(path).cards[0].question == "Old?"
