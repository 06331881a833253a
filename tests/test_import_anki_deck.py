"""`calcquiz import anki FILE --to-deck PATH.yaml`: a learner's own Anki math deck (Basic
notes with HTML, MathJax, tags and an image, studied in Anki) becomes a calcquiz deck
file that `calcquiz validate` accepts, and its review history comes along."""

from __future__ import annotations

import time

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from calcquiz.anki_import.html import to_markdown
from calcquiz.anki_import.to_deck import card_slug
from calcquiz.store import open_store, review_ms

from .helpers import DAY, anki_study, examples, export_from_anki, open_collection

ANKI_DECK = "Math::Calculus"
NOTES = [
    # (Front, Back, tags) as Anki's editor stores them
    (
        "What is the derivative of \\(x^2\\)?",
        "<b>2x</b>, by the power rule:<br>\\[\\frac{d}{dx}x^n = n x^{n-1}\\]",
        ["calculus", "basics"],
    ),
    (
        "Chain rule &amp; friends",
        "<ul><li>\\((f\\circ g)'(x) = f'(g(x))\\,g'(x)\\)</li><li>costs $5 &lt; $6</li></ul>",
        ["calculus::rules"],
    ),
    (
        "Is \\(a &lt; b\\) for <i>a</i>=1,&nbsp;<i>b</i>=2?",
        '<div>Yes.</div><div><img src="number-line.png"></div>',
        [],
    ),
    ("Gradient <span style='color:red'>direction</span>", "Steepest ascent.", ["vectors"]),
    ("Only a front", "", []),
]
EXPECTED = [
    (
        "What is the derivative of $x^2$?",
        "**2x**, by the power rule:\n$$\\frac{d}{dx}x^n = n x^{n-1}$$",
    ),
    ("Chain rule & friends", "*   $(f\\circ g)'(x) = f'(g(x))\\,g'(x)$\n*   costs \\$5 < \\$6"),
    ("Is $a < b$ for *a*=1, *b*=2?", "Yes."),
    ("Gradient direction", "Steepest ascent."),
    ("Only a front", "*(empty in Anki)*"),  # Anki shows the card; so does calcquiz
]


@pytest.fixture(scope="module")
def math_deck(tmp_path_factory):
    folder = tmp_path_factory.mktemp("math-deck")
    col = open_collection(folder / "anki")
    col.set_config("fsrs", True)
    deck_id = col.decks.id(ANKI_DECK)
    basic = col.models.by_name("Basic")
    guids = []
    for front, back, tags in NOTES:
        note = col.new_note(basic)
        note["Front"], note["Back"] = front, back
        note.tags = tags
        col.add_note(note, deck_id)
        guids.append(note.guid)
    (folder / "anki" / "collection.media" / "number-line.png").write_bytes(b"\x89PNG fake")
    studied = [col.find_cards(f"nid:{nid}")[0] for nid in col.find_notes("")[:3]]
    anki_study(col, studied, time.time() - 20 * DAY, 20)
    revlog = {
        guid: col.db.list(
            "SELECT r.id FROM revlog r JOIN cards c ON c.id = r.cid JOIN notes n ON "
            "n.id = c.nid WHERE n.guid = ? ORDER BY r.id",
            guid,
        )
        for guid in guids
    }
    memory = {}
    for nid in col.find_notes("")[:3]:
        cid = col.find_cards(f"nid:{nid}")[0]
        state = col.compute_memory_state(cid)
        memory[col.get_note(nid).guid] = (state.stability, state.difficulty)
    out = export_from_anki(col, folder / "math.apkg")
    col.close()
    return {"apkg": out, "guids": guids, "revlog": revlog, "memory": memory}


def test_notes_become_a_valid_calcquiz_deck(math_deck, tmp_path, cli):
    target = tmp_path / "math.yaml"
    result = cli("import", "anki", str(math_deck["apkg"]), "--to-deck", str(target))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1:4] == [
        "Notes matched to calcquiz cards: 0",
        "Reviews added: 0",
        "Cards updated: 0",
    ]
    assert lines[4].startswith(f"Wrote {target}: deck '{ANKI_DECK}', 5 cards from the other notes")
    total = sum(len(v) for v in math_deck["revlog"].values())
    assert lines[5] == f"Reviews added to that deck: {total}, cards updated: 3"
    assert lines[6:] == [
        "Notes skipped: 0",
        "Media skipped (not imported): number-line.png",
    ]

    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["deck"] == ANKI_DECK
    cards = data["cards"]
    assert [(c["question"], c["answer"]) for c in cards] == EXPECTED
    assert [c["id"] for c in cards] == [card_slug(g) for g in math_deck["guids"]]
    assert [c["number"] for c in cards] == [1, 2, 3, 4, 5]
    assert [sorted(c.get("tags", [])) for c in cards] == [sorted(t) for _, _, t in NOTES]

    check = cli("validate", str(target))
    assert check.exit_code == 0, check.output
    shown = cli("show", cards[1]["id"], "--deck", str(target))
    assert shown.exit_code == 0 and "Chain rule & friends" in shown.stdout


def test_the_history_comes_along(math_deck, tmp_path, cli):
    target = tmp_path / "math.yaml"
    assert cli("import", "anki", str(math_deck["apkg"]), "--to-deck", str(target)).exit_code == 0
    with open_store() as store:
        states = store.card_states(ANKI_DECK)
        logged = store.reviews(ANKI_DECK)
    assert len(states) == 3
    for guid, (stability, difficulty) in math_deck["memory"].items():
        state = states[card_slug(guid)]
        assert state.stability == pytest.approx(stability, abs=2e-2)
        assert state.difficulty == pytest.approx(difficulty, abs=2e-2)
        mine = sorted(review_ms(r.reviewed_at) for r in logged if r.card_id == card_slug(guid))
        assert mine == math_deck["revlog"][guid]
    studied = cli("list", "--json", "--deck", str(target))
    assert studied.exit_code == 0


def test_the_deck_file_is_not_overwritten_without_force(math_deck, tmp_path, cli):
    target = tmp_path / "math.yaml"
    assert cli("import", "anki", str(math_deck["apkg"]), "--to-deck", str(target)).exit_code == 0
    first = target.read_bytes()
    target.write_text("deck: mine\n")
    refused = cli("import", "anki", str(math_deck["apkg"]), "--to-deck", str(target))
    assert refused.exit_code == 2
    assert refused.stderr == f"Error: {target} already exists; pass --force to overwrite it\n"
    assert target.read_text() == "deck: mine\n"

    again = cli("import", "anki", str(math_deck["apkg"]), "--to-deck", str(target), "--force")
    assert again.exit_code == 0
    assert target.read_bytes() == first  # the same file: ids and numbers are stable
    assert "Reviews added to that deck: 0, cards updated: 0" in again.stdout


def test_later_imports_update_the_converted_deck(math_deck, tmp_path, cli):
    """Once converted, the deck's notes are calcquiz cards: with --deck, a later export
    from Anki merges into them (here the same file: nothing new, nothing written)."""
    target = tmp_path / "math.yaml"
    assert cli("import", "anki", str(math_deck["apkg"]), "--to-deck", str(target)).exit_code == 0
    with open_store() as store:
        store.reset()  # as if the history had not come along the first time
    later = cli("import", "anki", str(math_deck["apkg"]), "--deck", str(target))
    assert later.exit_code == 0, later.output
    total = sum(len(v) for v in math_deck["revlog"].values())
    assert later.stdout.splitlines()[1:] == [
        "Notes matched to calcquiz cards: 5",
        f"Reviews added: {total}",
        "Cards updated: 3",
        "Notes skipped: 0",
    ]


def test_to_deck_needs_a_yaml_name(math_deck, tmp_path, cli):
    result = cli("import", "anki", str(math_deck["apkg"]), "--to-deck", str(tmp_path / "x.txt"))
    assert result.exit_code == 2 and "ends in .yaml or .yml" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "field,markdown",
    [
        ("a &amp; b &lt;c&gt;", "a & b \\<c>"),  # "<c>" would be a tag to Markdown
        ("<b>bold</b> <strong>too</strong> <i>it</i> <em>em</em>", "**bold** **too** *it* *em*"),
        ("<code>x = 1</code>", "`x = 1`"),
        ("<code><b>x</b></code> <b>y</b>", "`x` **y**"),  # marks show as typed in code
        ("<ol><li>one</li><li>two</li></ol>", "1.  one\n1.  two"),
        ("line<br>next<br/>last", "line\nnext\nlast"),
        ("<div>one</div><div>two</div>", "one\n\ntwo"),  # blocks are paragraphs
        ("\\(\\frac{a}{b}\\) and \\[x&lt;y\\]", "$\\frac{a}{b}$ and $$x<y$$"),
        ("\\(a <b>b</b>\\)", "$a b$"),
        ("costs $5", "costs \\$5"),
        ("hear [sound:bell.mp3] this", "hear  this"),
        ("<script>alert(1)</script><style>p {}</style>x", "x"),
    ],
)
def test_html_to_markdown(field, markdown):
    assert to_markdown(field) == markdown


field_text = st.text(alphabet="ab $\\()[]<>&;/#*_-:'\"\n\xa0li", max_size=50)


@settings(max_examples=examples(300), deadline=None)
@given(
    st.lists(
        st.tuples(field_text, field_text, st.lists(st.sampled_from(["x", "a::b"]))),
        min_size=1,
        max_size=4,
    )
)
def test_any_notes_make_a_valid_deck_or_a_clean_refusal(notes):
    """Whatever HTML the fields hold, the deck file passes calcquiz's validation (notes
    that cannot be cards are skipped), or, when none can, a clean BadInputError."""
    from calcquiz.anki_import.package import AnkiCollection, AnkiNote
    from calcquiz.anki_import.to_deck import check, draft_deck
    from calcquiz.errors import BadInputError

    anki_notes = [
        AnkiNote(i + 1, f"guid{i}", (front, back), tuple(tags))
        for i, (front, back, tags) in enumerate(notes)
    ]
    collection = AnkiCollection(anki_notes, {}, {}, {}, 0, None, 4)
    try:
        draft = draft_deck(collection, anki_notes)
    except BadInputError:
        return
    yaml.safe_load(check(draft, "fuzz.yaml"))
    assert len(draft.cards) + len(draft.skipped) == len(anki_notes)


def test_a_cloze_revealed_in_code_shows_without_marks():
    from io import StringIO

    from rich.console import Console

    from calcquiz.ui.cards import answer_markdown

    # Anki reveals a deletion as <b>...</b>; here inside <code>
    shown = StringIO()
    markdown = to_markdown("Newton and <code><b>calculus</b></code> and <b>Leibniz</b>")
    Console(file=shown, width=80).print(answer_markdown(markdown))
    assert shown.getvalue().strip() == "Newton and calculus and Leibniz"


def test_one_note_one_card_are_counted_in_the_singular(tmp_path, cli):
    from .helpers import export_from_anki, open_collection

    col = open_collection(tmp_path / "anki")
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"], note["Back"] = "Alone?", "Yes"
    col.add_note(note, col.decks.id("Solo"))
    package = export_from_anki(col, tmp_path / "solo.apkg")
    col.close()
    target = tmp_path / "solo.yaml"
    out = cli("import", "anki", str(package), "--to-deck", str(target)).stdout
    assert f"Read {package}: 1 note.\n" in out
    assert f"Wrote {target}: deck 'Solo', 1 card from the other notes" in out
