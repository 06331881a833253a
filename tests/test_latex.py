"""Math rendering: LaTeX in cards becomes readable Unicode, never raw LaTeX."""

from __future__ import annotations

import re

import pytest

from calcquiz.content import load_decks
from calcquiz.latex import MathSyntaxError, latex_to_unicode, split_math, to_unicode

# The examples first asked for, then every formula in the bundled deck.
GOLDEN = [
    (r"\nabla f", "∇f"),
    (r"\frac{\partial f}{\partial x}", "∂f/∂x"),
    (r"\frac{a+b}{c}", "(a+b)/c"),
    (r"v_{t-1}", "vₜ₋₁"),
    (r"H^{-1}", "H⁻¹"),
    (r"R^n \to R^m", "Rⁿ → Rᵐ"),
    (r"w_{new}", "w_new"),
    (r"\le", "≤"),
    # -- the deck
    (r"\nabla f = [\frac{\partial f}{\partial x_1}, ...]", "∇f = [∂f/∂x₁, ...]"),
    (r"-\nabla f", "-∇f"),
    (r"(f(g(x)))' = f'(g(x)) g'(x)", "(f(g(x)))' = f'(g(x)) g'(x)"),
    (r"f_L(...f_1(x))", "f_L(...f₁(x))"),
    (r"f(tx + (1-t)y) \le t f(x) + (1-t) f(y)", "f(tx + (1-t)y) ≤ t f(x) + (1-t) f(y)"),
    (r"t \in [0, 1]", "t ∈ [0, 1]"),
    (r"e^x", "eˣ"),
    (r"w_{new} = w_{old} - \eta \nabla Loss(w)", "w_new = w_old - η∇Loss(w)"),
    (r"\eta", "η"),
    (r"f = x^2", "f = x²"),
    (r"2/L = 1", "2/L = 1"),
    (r"v_t = \gamma v_{t-1} + \eta \nabla L", "vₜ = γvₜ₋₁ + η∇L"),
    (r"w_t = w_{t-1} - v_t", "wₜ = wₜ₋₁ - vₜ"),
    (r"b = \mu b + g", "b = μb + g"),
    (r"w = w - \eta b", "w = w - ηb"),
    (r"v = \eta b", "v = ηb"),
    (r"f: R^n \to R^m", "f: Rⁿ → Rᵐ"),
    (r"m \times n", "m × n"),
    (r"x_{new} = x - H^{-1} \nabla f", "x_new = x - H⁻¹ ∇f"),
    (r"O(N^3)", "O(N³)"),
    (r"H d = \nabla f", "H d = ∇f"),
    (r"O(N^2)", "O(N²)"),
    (r"g(x) = 0", "g(x) = 0"),
    (r"h(x) \le 0", "h(x) ≤ 0"),
    (r"\ge 1", "≥ 1"),
    (r"L(x, \lambda) = f(x) + \lambda g(x)", "L(x, λ) = f(x) + λg(x)"),
    (r"\nabla L = 0", "∇L = 0"),
    (r"L = f + \lambda g", "L = f + λg"),
    (r"\nabla f = -\lambda \nabla g", "∇f = -λ∇g"),
    (r"f - \lambda g", "f - λg"),
    (r"\lambda w^2", "λw²"),
    (r"\nabla L + 2\lambda w", "∇L + 2λw"),
    (
        r"w = w - \eta (\nabla L + 2\lambda w) = w(1 - 2\eta\lambda) - \eta \nabla L",
        "w = w - η(∇L + 2λw) = w(1 - 2ηλ) - η∇L",
    ),
    (r"\frac{\lambda}{2} w^2", "λ/2 w²"),
    (r"\lambda w", "λw"),
]


@pytest.mark.parametrize(("latex", "expected"), GOLDEN)
def test_golden(latex: str, expected: str):
    assert latex_to_unicode(latex) == expected


def deck_math() -> set[str]:
    (deck,) = load_decks()
    spans = set()
    for card in deck.cards:
        for text in (card.question, card.answer, card.note or ""):
            spans |= {s.content for s in split_math(text) if s.kind != "text"}
    return spans


def test_every_formula_in_the_deck_has_a_golden_test():
    assert deck_math() - {latex for latex, _ in GOLDEN} <= {"H", "L", "f(x)", "\\lambda"}


def test_no_dollar_or_backslash_command_reaches_the_screen():
    (deck,) = load_decks()
    for card in deck.cards:
        for text in (card.question, card.answer, card.note or ""):
            shown = to_unicode(text)
            assert "$" not in shown, card.id
            assert not re.search(r"\\[A-Za-z]", shown), (card.id, shown)


def test_literal_dollar_and_split():
    segs = split_math(r"costs \$5, and $x^2$ then $$\int f$$.")
    assert [(s.kind, s.content) for s in segs] == [
        ("text", "costs $5, and "),
        ("inline", "x^2"),
        ("text", " then "),
        ("display", r"\int f"),
        ("text", "."),
    ]


@pytest.mark.parametrize("bad", ["price $5", "$$x", "a $x$ and $y", "$\\frac{a}{b$", "$}$"])
def test_unbalanced_math_is_an_error(bad: str):
    with pytest.raises(MathSyntaxError):
        split_math(bad)


def test_script_without_unicode_form_keeps_its_group():
    # "q" has no Unicode subscript: the whole group stays readable, never half-converted
    assert latex_to_unicode("x_{iq}") == "x_iq"
    assert latex_to_unicode("x^{n+1}") == "xⁿ⁺¹"


@pytest.mark.parametrize("opening,closing", [("\\frac{", "}{2}"), ("x^{", "}"), ("{", "}"),
                                             ("\\sqrt{", "}"), ("\\text{", "}")])
@pytest.mark.parametrize("levels", [60, 500, 5000])
def test_deep_math_never_recurses_without_bound(opening, closing, levels):
    from calcquiz.latex import MAX_MATH_DEPTH

    latex = opening * levels + "x" + closing * levels
    out = latex_to_unicode(latex)  # no RecursionError, whatever the depth
    assert "x" in out
    with pytest.raises(MathSyntaxError, match=f"more than {MAX_MATH_DEPTH} braces deep"):
        split_math(f"$${latex}$$")


def test_math_at_the_depth_limit_is_accepted_and_rendered():
    from calcquiz.latex import MAX_MATH_DEPTH

    latex = "\\frac{" * MAX_MATH_DEPTH + "x" + "}{2}" * MAX_MATH_DEPTH
    assert split_math(f"${latex}$")[0].kind == "inline"
    out = latex_to_unicode(latex)
    assert out.count("/2") == MAX_MATH_DEPTH and "\\" not in out
