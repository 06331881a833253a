"""Fuzzing: random deck documents and random expressions give clean errors, never a crash.

1,000 examples each (CI's profile too). Each example has a deadline, so a hang fails.
Marked slow (about a minute): `pytest --slow` or CI runs them.
"""

from __future__ import annotations

import string

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calcquiz.content import Deck, parse_deck
from calcquiz.errors import ExpressionError
from calcquiz.expr import parse, parse_answer

pytestmark = pytest.mark.slow

FUZZ = settings(
    max_examples=1000,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 30),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["$x^2$", "$", "$$a$$", "\\$", "{", "momentum", "-"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(string.ascii_lowercase, max_size=8), inner, max_size=5),
    ),
    max_leaves=12,
)
card_like = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.from_regex(r"[a-z]{1,6}(-[a-z0-9]{1,3})?", fullmatch=True), values),
        "number": st.one_of(st.integers(-2, 25), values),
        "question": st.one_of(st.text(max_size=40), values),
        "answer": st.one_of(st.text(max_size=40), values),
        "tags": st.one_of(st.lists(st.text(max_size=8), max_size=3), values),
        "demo": st.one_of(st.sampled_from(["momentum", "hessian", "nope"]), values),
        "note": st.one_of(st.none(), st.text(max_size=20), values),
        "extra": values,
    },
)
decks = st.one_of(
    values,
    st.fixed_dictionaries(
        {},
        optional={
            "deck": st.one_of(st.text(max_size=20), values),
            "cards": st.one_of(st.lists(card_like, max_size=5), values),
            "description": values,
            "other": values,
        },
    ),
)


def check(raw: bytes) -> None:
    deck, problems = parse_deck(raw, "fuzz.yaml")
    assert (deck is None) == bool(problems)
    if deck is not None:
        assert isinstance(deck, Deck) and deck.cards
    for problem in problems:
        text = str(problem)
        assert text.startswith("fuzz.yaml") and "\n" not in text.strip()


@FUZZ
@given(decks)
def test_random_deck_documents_give_problems_or_a_deck(document):
    try:
        raw = yaml.safe_dump(document, allow_unicode=True).encode()
    except (yaml.YAMLError, UnicodeEncodeError):
        return
    check(raw)


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_never_crash_the_loader(raw):
    check(raw)


@FUZZ
@given(
    st.text(alphabet=st.sampled_from(list("deck:cards- \n[]{}&*!'\"#|>%@`$\t\\a1:")), max_size=120)
)
def test_yaml_like_noise_never_crashes_the_loader(text):
    check(text.encode())


expression_alphabet = st.sampled_from(
    list("xyz0123456789.+-*/^()[], _'\"=<>!:;")
    + [
        "sin",
        "cos",
        "exp",
        "log",
        "sqrt",
        "tanh",
        "abs",
        "sigmoid",
        "pi",
        "e",
        "**",
        "__import__",
        "lambda",
        "for",
        "os",
        ".",
    ]
)


@FUZZ
@given(st.lists(expression_alphabet, max_size=40).map("".join))
def test_random_expressions_parse_or_are_refused_cleanly(text):
    try:
        expr = parse(text)
    except ExpressionError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    try:
        expr.evaluate(x=0.5, y=-1.25, z=2.0)
    except ExpressionError as exc:
        assert "\n" not in str(exc)


@FUZZ
@given(st.lists(expression_alphabet, max_size=30).map("".join))
def test_random_answers_are_numbers_or_refused(text):
    try:
        value = parse_answer(text)
    except ExpressionError:
        return
    assert isinstance(value, (float, list))


# --- expressions that parse but cost too much: through the real commands ---------------------
# Each run ends with exit 0 and a result, or exit 2 and one line; never a RecursionError, a
# traceback or a hang. The time each takes is measured by benchmarks/expr_budget.py.

_FUNCS = ["sin", "cos", "exp", "log", "sqrt", "tanh", "abs", "sigmoid"]
_linear = st.tuples(st.sampled_from("xyz"), st.integers(1, 9), st.sampled_from("xyz")).map(
    lambda t: f"({t[0]} - {t[1]}*{t[2]})"
)
heavy = st.one_of(
    st.tuples(st.lists(st.sampled_from(_FUNCS), min_size=20, max_size=110), _linear).map(
        lambda t: "".join(f + "(" for f in t[0]) + t[1] + ")" * len(t[0])
    ),
    st.lists(_linear, min_size=8, max_size=70).map("*".join),
    st.lists(_linear, min_size=8, max_size=40).map("/".join),
    st.tuples(_linear, st.integers(2, 1000), st.integers(2, 1000)).map(
        lambda t: f"({t[0]}^{t[1]})^{t[2]}"
    ),
    st.recursive(
        _linear,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from("+-*/"), inner).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
            st.tuples(st.sampled_from(_FUNCS), inner).map(lambda t: f"{t[0]}({t[1]})"),
        ),
        max_leaves=60,
    ),
)
HEAVY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _clean_exit(result) -> None:
    import json

    from hypothesis import event

    event(f"exit {result.exit_code}" + (" too complex" if "too complex" in result.stderr else ""))
    assert "Traceback" not in result.output and "RecursionError" not in result.output
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), lines
    else:
        assert result.exit_code == 0, result.output
        json.loads(result.stdout)  # a complete result


@HEAVY
@given(heavy)
def test_heavy_functions_in_demo_newton_finish_cleanly(cli, text):
    _clean_exit(cli("demo", "newton", "--f", text, "--json"))


@HEAVY
@given(heavy)
def test_heavy_functions_in_demo_hessian_finish_cleanly(cli, text):
    _clean_exit(cli("demo", "hessian", "--f", text, "--json"))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(heavy)
def test_heavy_drill_answers_are_graded_or_refused(cli, text):
    result = cli("drill", "derivative", "-n", "1", "--seed", "3", input=f"{text}\nq\n")
    assert result.exit_code == 0
    assert "Traceback" not in result.output


def test_the_reported_cases_are_too_complex_in_a_real_process():
    """Reported cases: 99 nested sin (was 40 s, 450 MB) and a product of 50 linear
    factors (was a RecursionError after 10-17 s)."""
    import subprocess
    import sys

    for text in ["sin(" * 99 + "x" + ")" * 99, "*".join(f"(x-{i})" for i in range(1, 51))]:
        for demo in ("newton", "hessian"):
            run = subprocess.run(
                [sys.executable, "-m", "calcquiz", "demo", demo, "--f", text, "--no-live"],
                capture_output=True, text=True, timeout=60,  # a hang guard, not a benchmark
            )
            assert run.returncode == 2, run.stderr
            assert "too complex" in run.stderr and run.stderr.count("\n") == 1
            assert run.stdout == ""


# --- every deck validate accepts is shown and exported without error -----------------------

_pieces = st.one_of(
    st.text(st.characters(exclude_categories=["Cc", "Cs", "Co", "Cn"]), min_size=1, max_size=6),
    st.sampled_from(["[/]", "[bold]", "[link=x]", ":smile:", "{{c1::a}}", "<b>", "&amp;", "\\$",
                     "$x^{2}$", "$$\\frac{a}{b}$$", "::", "\n", "\t", "%s", "{0}", "2001-13-45"]),
    st.characters(),  # any code point now and then: controls, private use, unassigned
)
_any_text = st.lists(_pieces, min_size=1, max_size=6).map("".join)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=_any_text, question=_any_text, answer=_any_text, note=_any_text,
       tag=st.text(st.characters(exclude_categories=["Zs"]), min_size=1, max_size=8),
       number=st.integers(1, 2 * 10**6))
def test_accepted_decks_render_and_export(monkeypatch, name, question, answer, note, tag,
                                          number):
    import io

    from hypothesis import event
    from rich.console import Console

    from calcquiz import ui
    from calcquiz.export import anki
    from calcquiz.ui import cards as view

    document = {"deck": name, "cards": [{"id": "c", "number": number, "question": question,
                                         "answer": answer, "note": note, "tags": [tag]}]}
    try:
        raw = yaml.safe_dump(document, allow_unicode=True).encode("utf-8", "surrogatepass")
    except (yaml.YAMLError, UnicodeEncodeError):
        return
    deck, problems = parse_deck(raw, "fuzz.yaml")
    event("accepted" if deck is not None else "refused")
    if deck is None:
        assert problems and all(str(p).startswith("fuzz.yaml") for p in problems)
        return
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, highlight=False)
    monkeypatch.setattr(ui, "console", lambda: console)
    view.print_card(deck.cards[0])
    from calcquiz.dates import Calendar, DueFormat
    from calcquiz.progress import LINES, card_rows
    from calcquiz.ui import listing

    rows = list(card_rows(None, [deck, deck], LINES, 1_700_000_000))
    listing.print_table(rows, True, 2, DueFormat(Calendar(), 1_700_000_000), console)
    assert buffer.getvalue()
    anki.apkg_bytes([deck], 1_700_000_000)
    anki.txt_text([deck])
