"""Fuzzing: random deck documents and random expressions give clean errors, never a crash.

1,000 examples each (CI's profile too). Each example has a deadline, so a hang fails.
"""

from __future__ import annotations

import string

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calcquiz.content import Deck, parse_deck
from calcquiz.errors import ExpressionError
from calcquiz.expr import parse, parse_answer

FUZZ = settings(
    max_examples=1000,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
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
