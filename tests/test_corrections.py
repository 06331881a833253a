"""Corrections at the sentence they correct: a claim of the answer that the note corrects,
and the note's correction, are both marked († then ‡) in study, show, list --json, the
Anki export and the deck file's own ``corrections`` field."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from calcquiz.content import check_deck, load_deck, load_decks
from calcquiz.export import anki as exporter

from .helpers import (
    BUNDLED_DECK,
    CLI,
    Terminal,
    calcquiz_command,
    import_apkg,
    notes_by_guid,
    open_collection,
)

# Each bundled card whose note corrects its answer: the claims, as the seed words them,
# and the words of the note that correct each, in mark order.
BUNDLED = {
    "convexity": [
        ("Line segment between any two points lies above the curve.",
         '"Above" means on or above'),
        ("Optimization is easy and guaranteed to converge.",
         "Convexity alone does not promise a minimum exists"),
    ],
    "batch-sgd-minibatch": [("Escapes local minima.", "nothing guarantees an escape")],
    "learning-rate": [("Gets stuck in local minima.",
                       "A low learning rate does not trap a run in a local minimum")],
    "saddle-point": [("it's a min in one direction and max in another.",
                      "A saddle need not be a minimum along one direction")],
    "momentum": [("Accumulates a moving average of past gradients.", "not an average"),
                 ("$v_t = \\gamma v_{t-1} + \\eta \\nabla L$.",
                  "The formula gives only the velocity")],
    "newtons-method": [("to jump directly to the minimum (assuming quadratic function).",
                        "One step lands on the minimum only for a convex quadratic"),
                       ("(too expensive for Deep Learning).", "The speed is local")],
    "constrained-optimization": [("Example: SVM (Minimize weights s.t. margin $\\ge 1$).",
                                  "The SVM example, exactly")],
    "lagrange-multipliers": [("Convert to unconstrained problem: $L(x, \\lambda) = f(x) + "
                              "\\lambda g(x)$.", "but not a minimum of it")],
    "vanishing-gradients": [("the product goes to zero exponentially.",
                             "The chain rule multiplies the weights too")],
    "exploding-gradients": [("Gradients > 1 multiply to infinity. Weights become NaN.",
                             "Products of factors larger than 1 grow exponentially"),
                            ("**Fix**: Gradient Clipping.", "Besides clipping")],
    "l2-regularization": [("**Weight Decay**: Shrinks weights towards zero at every step.",
                           "shrinks w only while 0 < 2ηλ < 2")],
}
MARKS = "†‡"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ})


def test_every_note_of_the_bundled_deck_marks_what_it_corrects():
    (deck,) = load_decks([BUNDLED_DECK])
    assert {c.id for c in deck.cards if c.note} == set(BUNDLED)
    for card in deck.cards:
        expected = BUNDLED.get(card.id, [])
        assert len(card.corrections) == len(expected), card.id
        answer, note = card.marked_answer(), card.marked_note() or ""
        for mark, (claim, words) in zip(MARKS, expected, strict=False):
            assert f"{claim} {mark}" in answer, (card.id, claim)
            at = note.index(words)
            assert note.rfind(f"{mark} ", 0, at) >= 0, (card.id, words)  # its sentence's mark
        assert answer.replace(" †", "").replace(" ‡", "") == card.answer  # nothing else added


def test_show_marks_the_claim_and_its_correction(calcquiz_home):
    out = " ".join(run("show", "learning-rate").stdout.replace("│", " ").split())
    assert "Too Low: Converges very slowly. Gets stuck in local minima. †" in out
    assert "─╮ † A low learning rate does not trap a run in a local minimum" in out
    plain = run("show", "derivative").stdout
    assert "†" not in plain


def test_list_json_has_a_corrections_field(calcquiz_home):
    rows = {r["id"]: r for r in json.loads(run("list", "--json").stdout)}
    assert rows["learning-rate"]["corrections"] == [{
        "mark": "†",
        "claim": "Gets stuck in local minima.",
        "correction": "A low learning rate does not trap a run in a local minimum",
    }]
    assert [c["mark"] for c in rows["exploding-gradients"]["corrections"]] == ["†", "‡"]
    assert rows["derivative"]["corrections"] == []
    assert rows["learning-rate"]["answer"].endswith("Gets stuck in local minima.\n")  # as written


def test_the_anki_export_marks_both(tmp_path, cli):
    out = tmp_path / "deck.apkg"
    assert cli("export", "anki", "-o", str(out)).exit_code == 0
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, out)
        note = notes_by_guid(col)[exporter.guid("Calculus & Optimization", "learning-rate")]
        assert "Gets stuck in local minima. †</li>" in note["Answer"]
        assert note["Note"].startswith("† A low learning rate does not trap")
    finally:
        col.close()


DECK = """deck: Mine
cards:
  - id: adam
    number: 1
    question: What is Adam?
    answer: Momentum plus RMSProp. Always converges.
    note: Adam can fail to converge (Reddi et al. 2018); AMSGrad fixes the proof.
    corrections:
      - claim: Always converges.
        correction: Adam can fail to converge
"""


def test_a_deck_file_marks_sentences_the_same_way(tmp_path, calcquiz_home):
    path = tmp_path / "mine.yaml"
    path.write_text(DECK, encoding="utf-8")
    card = load_deck(path).cards[0]
    assert card.marked_answer() == "Momentum plus RMSProp. Always converges. †"
    assert card.marked_note() == ("† Adam can fail to converge (Reddi et al. 2018); AMSGrad "
                                  "fixes the proof.")
    again = load_deck(path).cards[0]  # from the validated-deck cache
    assert again.corrections == card.corrections == (("Always converges.",
                                                      "Adam can fail to converge"),)
    out = " ".join(run("show", "1", "--deck", str(path)).stdout.replace("│", " ").split())
    assert "Always converges. †" in out and "† Adam can fail" in out


@pytest.mark.parametrize(("change", "problem"), [
    (("claim: Always converges.", "claim: Never converges."),
     "the claim 'Never converges.' is not in the answer"),
    (("correction: Adam can fail to converge", "correction: Adam always fails"),
     "the correction 'Adam always fails' is not in the note"),
    (("    note: Adam can fail to converge (Reddi et al. 2018); AMSGrad fixes the proof.\n", ""),
     "'corrections' needs a 'note'"),
    (("        correction: Adam can fail to converge\n", ""),
     "'corrections' must be a list of mappings"),
    (("answer: Momentum plus RMSProp. Always converges.",
      "answer: Always converges. Always converges."),
     "the claim 'Always converges.' is more than once in the answer"),
])
def test_a_correction_that_does_not_match_is_a_located_problem(tmp_path, change, problem):
    path = tmp_path / "mine.yaml"
    path.write_text(DECK.replace(*change), encoding="utf-8")
    deck, problems = check_deck(path)
    assert deck is None
    assert len(problems) == 1 and problem in str(problems[0]), problems
    assert "card 'adam'" in str(problems[0])


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("width", [60, 80, 140])
def test_study_shows_both_marks(calcquiz_home: Path, tmp_path: Path, width: int):
    command = "unset COLUMNS LINES; " + calcquiz_command(
        calcquiz_home, "study", "--cram", "--tag", "hyperparameters")
    t = Terminal(command, tmp_path, width=width, height=40)
    try:
        t.wait_for("Space/Enter")
        t.keys("Space")
        screen = t.wait_for("1-4 rate")
        flat = " ".join(screen.replace("│", " ").split())
        assert "Gets stuck in local minima. †" in flat
        assert "† A low learning rate does not trap" in flat
        t.keys("q")
        t.wait_for("EXIT=0")
    finally:
        t.close()
