"""Loading big decks: the event-built values equal PyYAML's own, and a deck with a
problem is still located by file, line and card (through the composing loader)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st

from benchmarks.generate import write_short_deck
from calcquiz.content import check_deck, parse_deck
from calcquiz.yamlplain import PLAIN_UNSUPPORTED, load_plain

from .helpers import BUNDLED_DECK, examples

BAD_DECKS = sorted((Path(__file__).parent / "data" / "bad_decks").glob("*"))


def deck_loader() -> type:
    from calcquiz.content.parse import _loader

    return _loader()


def plain(text: str, loader_class: type = yaml.CSafeLoader) -> object:
    loader = loader_class(text)
    try:
        return load_plain(loader)
    finally:
        loader.dispose()


def composed(text: str, loader_class: type = yaml.CSafeLoader) -> object:
    """PyYAML's own result, or PLAIN_UNSUPPORTED where it refuses the document."""
    try:
        return yaml.load(text, Loader=loader_class)
    except (yaml.YAMLError, ValueError, OverflowError, TypeError, RecursionError):
        return PLAIN_UNSUPPORTED


def agree(text: str) -> None:
    """Built from events, a document is what PyYAML makes of it, or handed back to it:
    with the safe loader, and with calcquiz's deck loader (no dates, bounded integers)."""
    for loader_class in (yaml.CSafeLoader, deck_loader()):
        fast = plain(text, loader_class)
        if fast is not PLAIN_UNSUPPORTED:
            assert fast == composed(text, loader_class), (text, loader_class)


def test_the_bundled_and_a_generated_deck_load_the_same(tmp_path: Path):
    agree(BUNDLED_DECK.read_text(encoding="utf-8"))
    deck = write_short_deck(tmp_path / "big.yaml", 2000).read_text(encoding="utf-8")
    assert plain(deck) == composed(deck) != PLAIN_UNSUPPORTED


@pytest.mark.parametrize("path", BAD_DECKS, ids=lambda p: p.name)
def test_every_bad_deck_loads_the_same_or_is_handed_back(path: Path):
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return
    if "\x00" not in text:
        agree(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # an alias
        "a: !!python/object:os.system ls\n",  # an explicit tag
        "<<: {a: 1}\nb: 2\n",  # a merge key
        "? [a, b]\n: 1\n",  # a complex key
        "a: 1\n---\nb: 2\n",  # two documents
        "a: [1, 2\n",  # a syntax error
        "a: =\n",  # YAML's value tag, which the safe loader cannot build
    ],
)
def test_what_needs_the_composing_loader_is_handed_back(text: str):
    assert plain(text) is PLAIN_UNSUPPORTED


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a: 1\na: 2\n",  # a repeated key: the last wins, as in PyYAML
        "n: [010, 0x1F, 1_000, 0o17, 1e3, .inf, -.inf, .nan, ~, null, yes, No, off, '']\n",
        "big: [12345678901234567890123, 123456789012345678, -5, +5, 0]\n",
        "huge: 1234567890123456789012345678901234567890\n",  # refused by the deck loader
        "t: [2001-01-01, 2001-12-14t21:59:43.10-05:00, '010', \"1\", !!str 3]\n",
        "- plain\n- 'single'\n- \"double\\n\"\n- |\n  literal\n- >\n  folded\n",
        "{a: {b: {c: [1, {d: e}]}}}",
        "key with spaces: value\n? simple\n: mapped\n",
    ],
)
def test_scalars_resolve_as_in_pyyaml(text: str):
    agree(text)


SCALARS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["010", "0x1F", "1_0", "1e3", ".inf", "~", "yes", "Off", "=", "<<", "2001-01-01"]
    ),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(SCALARS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=examples(300), deadline=None)
@given(VALUES, st.sampled_from([None, False, True]))
def test_random_documents_load_the_same(value: object, flow: bool | None):
    agree(yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True))


@settings(max_examples=examples(300), deadline=None)
@given(st.text(alphabet="ab: -[]{}'\"\n#&*!|>?,0.~", max_size=40))
def test_random_text_loads_the_same(text: str):
    agree(text)


def test_a_problem_in_a_big_deck_is_located_by_line_and_card(tmp_path: Path):
    path = write_short_deck(tmp_path / "big.yaml", 3000)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = lines.index("  - id: card-2500\n")
    assert lines[at + 3].startswith("    answer: ")
    lines[at + 3] = "    answer: $2500 x^{2499}, unclosed\n"
    path.write_text("".join(lines), encoding="utf-8")
    deck, problems = check_deck(path)
    assert deck is None and len(problems) == 1
    assert (problems[0].line, problems[0].column) == (at + 4, 13)
    assert problems[0].card == "card 'card-2500'" and "unbalanced '$'" in problems[0].message
    assert str(problems[0]).startswith(f"{path}:{at + 4}:13: card 'card-2500': ")


def test_a_valid_deck_is_the_same_deck_either_way(tmp_path: Path):
    """The fast path's deck against the composing path's (a harmless explicit ``!!str``
    tag sends the same deck down the composing path)."""
    text = write_short_deck(tmp_path / "big.yaml", 500).read_text(encoding="utf-8")
    fast, problems = parse_deck(text.encode(), "fast")
    tagged = text.replace("deck: Scale Test", "deck: !!str Scale Test", 1)
    assert plain(tagged) is PLAIN_UNSUPPORTED
    slow, slow_problems = parse_deck(tagged.encode(), "slow")
    assert problems == slow_problems == [] and fast is not None and slow is not None
    assert fast.cards == slow.cards and fast.name == slow.name


def test_a_warm_start_makes_only_the_cards_it_draws(tmp_path: Path, calcquiz_home: Path):
    """From the cache, a session over 2,000 cards makes the cards due and the new ones
    it queues, not the deck; and it queues the same cards as the parsed deck would."""
    from calcquiz.content import load_deck
    from calcquiz.content.cache import LazyCards
    from calcquiz.session import SessionOptions, StudySession
    from calcquiz.store import open_store

    path = write_short_deck(tmp_path / "big.yaml", 2000)
    parsed = load_deck(path)  # parses, then caches
    cached = load_deck(path)
    assert isinstance(cached.cards, LazyCards) and not isinstance(parsed.cards, LazyCards)
    options = SessionOptions(new_limit=7, shuffle=True, seed=3)
    with open_store(calcquiz_home / "calcquiz.db") as store:
        lazy = StudySession(store, [cached], options)
        made = sum(card is not None for card in cached.cards._made)
        assert made == 7 and lazy.counts() == {"new": 7, "learning": 0, "review": 0}
        full = StudySession(store, [parsed], options)
        assert [c.id for c in lazy._new] == [c.id for c in full._new]
    assert cached == parsed and len(cached.by_id) == 2000 and "card-2000" in cached.by_id
    assert cached.by_id["card-1999"] == parsed.by_id["card-1999"]
    assert cached.cards[-1].number == 2000 and cached.cards[1:3] == parsed.cards[1:3]


@settings(max_examples=examples(500), deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(),
            # controls, private use, unassigned, a lone surrogate, and printable-but-odd ones
            st.sampled_from(list("\x00\x1b\x7f\x85\n\t\ue000\U000f0000\u0378\ud800")),
            st.sampled_from(list("\u200b\u2028\xa0 \u00ad\u3000")),
        ),
        max_size=30,
    )
)
def test_the_printable_shortcut_refuses_what_the_full_scan_refuses(text: str):
    """bad_character's shortcut against a character-by-character scan of the categories."""
    import unicodedata

    from calcquiz.content.validate import bad_character

    refused = {"Cc", "Co", "Cs", "Cn"}
    scan = [ch for ch in text if unicodedata.category(ch) in refused and ch not in "\n\t"]
    found = bad_character(text)
    assert (found is None) == (not scan), (text, found)
    if scan:
        assert f"U+{ord(scan[0]):04X}" in found


# --- yamlplain is kept only while it equals PyYAML on every deck that validates -------------

# PyYAML releases this module's event building was checked against: the bound in
# pyproject.toml. yamlplain uses the loader's event and resolver methods, which a new major
# release may change: widen the bound only after these tests pass with that release.
PYYAML_BOUND = "pyyaml>=6.0,<7"


def test_the_pyyaml_bound_is_the_one_yamlplain_is_tested_with():
    import re

    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    bounds = re.findall(r'"(pyyaml[^";]*)"', pyproject, re.I)
    assert bounds == [PYYAML_BOUND]
    major, minor = (int(part) for part in yaml.__version__.split(".")[:2])
    assert (6, 0) <= (major, minor) < (7, 0), yaml.__version__


DECK_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=["Cs", "Cc", "Co", "Cn"]), min_size=1,
            max_size=30),
    st.sampled_from(["010", "0x1F", "1e3", ".inf", "~", "yes", "Off", "2001-01-01", "$x^2$",
                     "a: b", "- item", "# not a comment", "'quoted'", "\"dq\"", "multi\nline"]),
)
DECK_CARDS = st.lists(
    st.fixed_dictionaries(
        {"question": DECK_TEXT, "answer": DECK_TEXT},
        optional={"note": DECK_TEXT, "tags": st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,8}",
                                                                      fullmatch=True),
                                                       max_size=3)},
    ),
    min_size=1, max_size=5,
)


@settings(max_examples=examples(200), deadline=None)
@given(name=DECK_TEXT, cards=DECK_CARDS, flow=st.sampled_from([None, False, True]),
       style=st.sampled_from([None, "'", '"', "|"]))
def test_every_deck_that_validates_loads_as_pyyaml_loads_it(name, cards, flow, style):
    """Decks dumped in every style PyYAML writes: each one ``calcquiz validate`` accepts
    is, built from events, what ``yaml.safe_load`` (and the deck loader) make of it."""
    document = {"deck": name, "cards": [
        {"id": f"c{i}", "number": i, **card} for i, card in enumerate(cards, 1)
    ]}
    try:
        text = yaml.safe_dump(document, default_flow_style=flow, default_style=style,
                              allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return
    deck, _ = parse_deck(text.encode("utf-8"), "deck.yaml")
    if deck is None:
        return
    fast = plain(text)
    event("validates, " + ("handed back (explicit tags)" if fast is PLAIN_UNSUPPORTED
                           else "built from events"))
    if fast is not PLAIN_UNSUPPORTED:
        assert fast == yaml.safe_load(text)
    agree(text)
