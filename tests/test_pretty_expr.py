"""One printer for people: a drill's prompt or a demo's title (typed text) and a worked
solution (a parsed tree, ``Expr.pretty``) spell an expression alike."""

from __future__ import annotations

import pytest

from calcquiz import expr
from calcquiz.drills import TOPICS, new_exercise
from calcquiz.pretty_expr import pretty_text

# (typed, as printed): the spellings the two former printers disagreed on, then others
SPELLINGS = [
    ("2*(y + 1)^2", "2·(y + 1)²"),
    ("sqrt(x)", "√x"),
    ("sqrt(x + 1) + abs(y)", "√(x + 1) + |y|"),
    ("3*x^2 - 2*x", "3x² − 2x"),
    ("log(x)*pi", "ln(x)·π"),
    ("2^3^2", "2^(3²)"),
    ("x^1*y", "x¹·y"),
]


@pytest.mark.parametrize("typed,printed", SPELLINGS)
def test_typed_text_and_parsed_tree_print_the_same(typed, printed):
    assert pretty_text(typed) == printed
    assert expr.parse(typed).pretty == printed


def test_a_drill_prompt_spells_f_as_its_solution_does():
    seen = 0
    for topic in TOPICS:
        for seed in range(15):
            ex = new_exercise(topic, seed)
            f = ex.data.get("f") if isinstance(ex.data, dict) else None
            if not isinstance(f, str):
                continue
            shown = pretty_text(f)
            if shown not in ex.prompt:  # jacobian prints its components as typed
                continue
            assert shown == expr.parse(f).pretty, (topic, seed, f)
            seen += 1
    assert seen > 100
