"""`calcquiz demo` through the CLI: the list, the JSON contract for all 20 demos, bad input
(one line on stderr, exit 2, also under --json), divergence, and the rendered view."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys

import pytest

from calcquiz.demos import DEMO_NAMES, REGISTRY

from .helpers import command_code, imports_after


def bundled_cards():
    """Demo name -> card number, read from the bundled deck itself (not the registry)."""
    import yaml

    from calcquiz.content import bundled_deck_paths

    data = yaml.safe_load(bundled_deck_paths()[0].read_text(encoding="utf-8"))
    return {c["demo"]: c["number"] for c in data["cards"] if c.get("demo")}


CARDS = bundled_cards()

# What `result` must hold for each demo (the JSON contract).
RESULT_KEYS = {
    "derivative": {"derivative"},
    "partial": {"gradient"},
    "gradient": {"gradient", "norm"},
    "chain-rule": {"loss", "grads"},
    "convexity": set(),
    "gradient-descent": {"x", "f", "steps"},
    "minibatch": set(),
    "learning-rate": {"x", "f", "steps"},
    "local-minima": {"x", "f", "steps"},
    "saddle": {"x", "f", "steps"},
    "momentum": {"x", "f", "steps"},
    "jacobian": {"jacobian"},
    "hessian": {"hessian", "eigenvalues", "kind"},
    "newton": {"x", "f", "steps"},
    "constrained": {"x", "f", "steps"},
    "lagrange": {"x", "f", "multiplier"},
    "vanishing": set(),
    "exploding": set(),
    "activations": set(),
    "weight-decay": {"w"},
}


def demo_json(cli, *args):
    result = cli("demo", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_registry_matches_the_deck_and_demo_names():
    from calcquiz.content import load_decks
    from calcquiz.demos.runner import cards_by_demo

    assert tuple(REGISTRY) == DEMO_NAMES and len(DEMO_NAMES) == 20
    found = cards_by_demo(load_decks())
    assert {name: card.number for name, card in found.items()} == CARDS
    assert set(CARDS) == set(DEMO_NAMES)
    # the registry's copy of the bundled deck's cards (shown without reading the deck) agrees
    assert {name: info.card for name, info in REGISTRY.items()} == CARDS


def test_no_name_lists_all_twenty(cli):
    result = cli("demo")
    assert result.exit_code == 0
    for name in REGISTRY:
        line = next(line for line in result.stdout.splitlines() if f" {name} " in line)
        assert f" {CARDS[name]} " in line
    listed = demo_json(cli)
    assert [d["name"] for d in listed] == list(DEMO_NAMES)
    assert [d["card"] for d in listed] == list(range(1, 21))
    assert "--f" in listed[0]["options"] and "--lr" in listed[5]["options"]


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_json_contract(cli, name):
    data = demo_json(cli, name)
    assert set(data) == {"demo", "card", "params", "columns", "rows", "result"}
    assert data["demo"] == name and data["card"] == CARDS[name]
    assert isinstance(data["params"], dict) and data["rows"]
    assert all(len(row) == len(data["columns"]) for row in data["rows"])
    assert RESULT_KEYS[name] <= set(data["result"])
    result = data["result"]
    if "x" in RESULT_KEYS[name]:
        assert isinstance(result["x"], list) and isinstance(result["steps"], int)
    if name == "hessian":
        assert result["eigenvalues"] == sorted(result["eigenvalues"])
        assert result["kind"] in ("minimum", "maximum", "saddle", "degenerate")
    if name in ("jacobian", "hessian"):
        key = name
        assert all(isinstance(row, list) for row in result[key])


TAKE_F = ("derivative", "partial", "gradient", "jacobian", "hessian", "gradient-descent",
          "learning-rate", "local-minima", "saddle", "momentum", "newton", "constrained",
          "lagrange")


def test_the_issue_list_takes_f():
    import inspect

    for name in TAKE_F:
        assert "f" in REGISTRY[name].options(), name
    for name in ("constrained", "lagrange"):
        assert "g" in REGISTRY[name].options(), name
    for info in REGISTRY.values():  # options() are the function's own parameters
        assert info.options() == tuple(inspect.signature(info.load()).parameters)


def test_run_checks_options_in_the_registry():
    from calcquiz.errors import BadInputError

    with pytest.raises(BadInputError, match=r"demo chain-rule does not take --lr \(it takes"):
        REGISTRY["chain-rule"].run(lr=0.1)
    run = REGISTRY["gradient-descent"].run(steps=3, lr=None)  # None means "not given"
    assert run.params["steps"] == 3 and len(run.finish().result["x"]) == 2


def test_run_for_study_shows_the_default_demo(cli, capsys):
    from calcquiz import ui
    from calcquiz.ui.demo_view import run_for_study

    ui.reset_consoles()
    run_for_study("momentum", card=3)  # the number of the card being studied, from its deck
    out = capsys.readouterr().out
    assert "GD vs momentum" in out and "(card 3)" in out and "card 3: takeaway" in out
    run_for_study("momentum")  # no card given: no number rather than one from another deck
    out = capsys.readouterr().out
    assert "GD vs momentum" in out and "(card" not in out and "takeaway" in out


def test_json_user_functions(cli):
    data = demo_json(cli, "jacobian", "--f", "x*y, x + sin(y)", "--at", "1,2")
    assert data["result"]["jacobian"][0] == pytest.approx([2.0, 1.0])
    assert data["result"]["jacobian"][1] == pytest.approx([1.0, math.cos(2.0)])
    data = demo_json(cli, "lagrange", "--f", "x^2 + y^2", "--g", "x + y - 2")
    assert data["result"]["x"] == pytest.approx([1.0, 1.0])
    assert data["result"]["multiplier"] == pytest.approx(2.0)
    data = demo_json(cli, "jacobian", "--at", "2,pi/6")
    assert data["result"]["det"] == pytest.approx(2.0)


# --- bad input: one line on stderr, exit 2, nothing on stdout -----------------------------

BAD = [
    (["momentom"], "did you mean 'momentum'?"),
    (["newtons-methd"], "unknown demo or card 'newtons-methd'; did you mean 'newtons-method'?"),
    (["99"], "no card 99 in the deck"),
    (["gradient-descent", "--lr", "0"], "invalid learning rate"),
    (["gradient-descent", "--lr", "-1"], "invalid learning rate"),
    (["gradient-descent", "--lr", "nan"], "invalid learning rate"),
    (["momentum", "--steps", "0"], "invalid number of steps"),
    (["momentum", "--steps", "100001"], "invalid number of steps"),
    (["momentum", "--momentum", "1.5"], "invalid momentum"),
    (["gradient-descent", "--start", "1,a"], "malformed --start"),
    (["gradient-descent", "--start", "1,,2"], "malformed --start"),
    (["gradient-descent", "--start", "1"], "--start needs 2 numbers"),
    (["partial", "--at", "[[1]]"], "malformed --at"),
    (["derivative", "--f", "x + w"], "unknown variable 'w'"),
    (["derivative", "--f", "sinh(x)"], "unknown function 'sinh'; did you mean 'sin'?"),
    (["derivative", "--f", "log(x)", "--at", "-1"], "undefined"),
    (["partial", "--f", "1/(x - y)", "--at", "1,1"], "undefined"),
    (["derivative", "--f", "x*y"], "function of x only"),
    (["gradient", "--f", "x*y*z"], "function of x, y only"),
    (["chain-rule", "--lr", "0.1"], "does not take --lr"),
    (["minibatch", "--f", "x"], "does not take --f"),
    (["momentum", "--delay", "-1"], "invalid --delay"),
    (["newton", "--start", "1,2"], "--start needs --f"),
    (["lagrange", "--g", "3"], "a constant is no constraint"),
]


@pytest.mark.parametrize("args,message", BAD)
@pytest.mark.parametrize("as_json", [False, True])
def test_bad_input_exits_2_with_one_line(cli, args, message, as_json):
    result = cli("demo", *args, *(["--json"] if as_json else []))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert message in lines[0]


def test_injection_is_refused_and_nothing_runs(cli, tmp_path):
    target = tmp_path / "pwned"
    for name in ("gradient-descent", "derivative", "jacobian", "lagrange"):
        result = cli("demo", name, "--f", f"__import__('os').system('touch {target}')")
        assert result.exit_code == 2 and result.stdout == ""
    result = cli("demo", "constrained", "--g", f"__import__('os').system('touch {target}')")
    assert result.exit_code == 2
    hostile = f"__import__('os').system('touch {target}')"
    result = cli("demo", "gradient-descent", "--start", hostile)
    assert result.exit_code == 2
    assert not target.exists()


def test_injection_via_subprocess(tmp_path):
    target = tmp_path / "pwned"
    proc = subprocess.run(
        [sys.executable, "-m", "calcquiz", "demo", "gradient-descent", "--f",
         f"__import__('os').system('touch {target}')"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert not target.exists()


# --- divergence is the lesson, not an error -----------------------------------------------


def test_divergence_shows_inf_and_stops_cleanly(cli):
    data = demo_json(cli, "gradient-descent", "--lr", "2", "--steps", "5000")
    assert data["result"]["diverged"] is True
    assert data["result"]["steps"] < 5000
    flat = [v for row in data["rows"] for v in row]
    assert "inf" in flat or "-inf" in flat or "nan" in flat

    data = demo_json(cli, "exploding")
    xs = [row[1] for row in data["rows"]]
    assert "-inf" in xs and None in xs
    assert data["result"]["clipped"]["x"][0] == pytest.approx(0.347, abs=1e-3)

    result = cli("demo", "learning-rate", "--no-live")
    assert result.exit_code == 0 and "diverges" in result.stdout


def test_long_runs_are_thinned_to_a_readable_table(cli):
    data = demo_json(cli, "momentum", "--steps", "5000")
    assert len(data["rows"]) <= 102
    assert data["rows"][-1][0] == 5000 and data["result"]["steps"] == 5000
    # Plain GD stops once a step no longer changes p in float64, and says so.
    data = demo_json(cli, "gradient-descent", "--steps", "100000")
    assert len(data["rows"]) <= 102
    steps = data["result"]["steps"]
    assert steps < 100000 and data["rows"][-1][0] == steps
    assert data["result"]["stop"].startswith("converged")
    assert data["result"]["x"] == pytest.approx([3.0, -1.0], abs=1e-15)


# --- the rendered view --------------------------------------------------------------------


def test_no_live_prints_table_plot_and_takeaway(cli):
    result = cli("demo", "gradient-descent", "--no-live")
    assert result.exit_code == 0
    out = result.stdout
    assert "gradient descent on f = (x − 3)² + 2 (y + 1)²" in out
    assert "2.67788" in out and "-0.993953" in out  # k = 10
    assert "takeaway" in out and "1 − 2 lr = 0.8" in out
    assert "└" in out  # the plotext frame
    assert "\x1b[" not in out  # no colours when not a terminal
    assert "┤" in out and "step" in out  # the plot: y ticks, the step axis


def test_every_demo_renders(cli):
    for name in DEMO_NAMES:
        result = cli("demo", name, "--no-live")
        assert result.exit_code == 0, name
        assert f"card {CARDS[name]}" in result.stdout


# --- a card number or id runs the card's demo ---------------------------------------------


def test_card_number_or_id_runs_its_demo(cli):
    by_number = demo_json(cli, str(CARDS["newton"]))
    by_id = demo_json(cli, "newtons-method")
    by_name = demo_json(cli, "newton")
    assert by_number == by_id == by_name
    assert by_name["demo"] == "newton" and by_name["card"] == CARDS["newton"]


USER_DECK = """deck: Mine
cards:
  - id: steps
    number: 7
    question: What does a step do?
    answer: It moves.
    demo: gradient-descent
  - id: plain
    number: 8
    question: No demo here?
    answer: None.
"""


def test_deck_option_gives_the_card(cli, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(USER_DECK, encoding="utf-8")
    data = demo_json(cli, "7", "--deck", str(path))
    assert data["demo"] == "gradient-descent" and data["card"] == 7
    assert demo_json(cli, "steps", "--deck", str(path))["card"] == 7
    assert demo_json(cli, "momentum", "--deck", str(path))["card"] is None  # not in this deck
    listed = demo_json(cli, "--deck", str(path))
    assert {d["name"]: d["card"] for d in listed}["gradient-descent"] == 7
    result = cli("demo", "momentum", "--no-live", "--deck", str(path))
    assert result.exit_code == 0 and "(card" not in result.stdout
    result = cli("demo", "plain", "--deck", str(path))
    assert result.exit_code == 2 and "card 8 (plain) has no demo" in result.stderr
    result = cli("demo", "14", "--deck", str(path))
    assert result.exit_code == 2 and "no card 14 in the deck (cards with a demo: 7..7)" in (
        result.stderr)


def test_help_has_an_example(cli):
    result = cli("demo", "--help")
    assert result.exit_code == 0
    assert "Example: calcquiz demo momentum" in result.stdout


def test_live_view_on_a_forced_terminal(monkeypatch):
    """With a terminal, rows go through rich Live; without one, never."""
    import rich.live
    from rich.console import Console

    from calcquiz import ui
    from calcquiz.demos import descent
    from calcquiz.ui import demo_view

    calls = []
    real_live = rich.live.Live

    def spy(*args, **kwargs):
        calls.append(1)
        return real_live(*args, **kwargs)

    monkeypatch.setattr(rich.live, "Live", spy)
    buffer = io.StringIO()
    terminal = Console(file=buffer, force_terminal=True, width=100, color_system=None)
    monkeypatch.setattr(ui, "console", lambda: terminal)
    demo_view.render(descent.gradient_descent(steps=5), live=True, delay=0)
    assert calls == [1]
    assert "2.01696" in buffer.getvalue()  # x at k = 5: 3 - 3 (0.8)^5
    piped = Console(file=io.StringIO(), force_terminal=False, width=100)
    monkeypatch.setattr(ui, "console", lambda: piped)
    demo_view.render(descent.gradient_descent(steps=5), live=True, delay=0)
    assert calls == [1]


def test_format_cell():
    from calcquiz.ui.demo_table import format_cell

    assert format_cell(None).plain == "—"
    assert format_cell(float("inf")).plain == "inf"
    assert format_cell(float("-inf")).plain == "-inf"
    assert format_cell(float("nan")).plain == "nan"
    assert format_cell(1 / 3).plain == "0.333333"
    assert format_cell([1.0, 2.5]).plain == "(1, 2.5)"
    assert format_cell([[1.0, 0.0], [0.0, 1.0]]).plain == "[[1, 0], [0, 1]]"


def test_start_up_does_not_import_numpy_sympy_or_plots():
    for args in (["--help"], ["demo", "--help"]):
        heavy = ("numpy", "sympy", "plotille", "plotext", "scipy")
        imported, out = imports_after(command_code(*args), heavy)
        assert "Usage" in out and imported == [], args


@pytest.mark.parametrize("name", ["gradient-descent", "saddle", "learning-rate", "momentum"])
def test_a_demo_to_a_pipe_imports_no_numpy_rich_or_sympy(name):
    """`calcquiz demo gradient-descent --no-live | ...`: the built-in bowl runs on Vectors,
    the view is plain text, and the card number comes from the registry, not the deck."""
    module = f"calcquiz.demos.{REGISTRY[name].module}"
    heavy = ("numpy", "rich", "sympy", "calcquiz.content", "yaml", module)
    imported, out = imports_after(command_code("demo", name, "--no-live"), heavy)
    assert imported == [module]  # the listing is real: the demo's own module is in it
    if name != "gradient-descent":
        return
    assert "gradient descent on f = (x − 3)² + 2 (y + 1)², lr = 0.1  (card 6)" in out
    x, y = 3 - 3 * 0.8**10, -1 + 0.6**10  # step 10 in closed form (the docstring's)
    f, g = (x - 3) ** 2 + 2 * (y + 1) ** 2, math.hypot(2 * (x - 3), 4 * (y + 1))
    row = next(line.split() for line in out.splitlines() if line.split()[:1] == ["10"])
    assert row == ["10", *(f"{v:.6g}" for v in (x, y, f, g))]
    assert "card 6: takeaway" in out and "1 − 2 lr = 0.8" in out and "╭" not in out


def test_resolve_by_name_number_and_id_across_decks():
    from calcquiz.content import Card, Deck
    from calcquiz.demos.runner import cards_by_demo, resolve
    from calcquiz.errors import BadInputError

    def deck(name, *cards):
        made = tuple(Card(id=i, number=n, question="q", answer="a", demo=d, deck=name)
                     for i, n, d in cards)
        return Deck(name, made)

    a = deck("A", ("one", 1, "saddle"), ("two", 2, None), ("same", 3, "momentum"))
    b = deck("B", ("other", 4, "saddle"), ("same", 5, "newton"))
    assert cards_by_demo([a, b])["saddle"].id == "one"  # the first card in deck order
    assert resolve("saddle", [a, b])[1].number == 1
    info, card = resolve("5", [a, b])
    assert info.name == "newton" and card.id == "same" and card.deck == "B"
    assert resolve("momentum", [a, b])[1].number == 3  # a demo name wins over a card id
    with pytest.raises(BadInputError, match="matches cards in several decks"):
        resolve("same", [a, b])
    with pytest.raises(BadInputError, match="card 2 \\(two\\) has no demo"):
        resolve("two", [a, b])
    with pytest.raises(BadInputError, match="did you mean 'other'"):
        resolve("othr", [a, b])
    assert resolve("hessian", [a, b]) == (REGISTRY["hessian"], None)


def test_a_demo_is_named_by_deck_and_card_as_show_names_cards():
    from calcquiz.commands.demo import resolve
    from calcquiz.content import Card, Deck
    from calcquiz.errors import BadInputError

    def deck(name, *cards):
        made = tuple(Card(id=i, number=n, question="q", answer="a", demo=d, deck=name)
                     for i, n, d in cards)
        return Deck(name, made)

    a = deck("Calculus & Optimization", ("gradient", 3, "gradient"))
    b = deck("Linear Algebra", ("trace", 3, None), ("eig", 4, "hessian"))
    with pytest.raises(BadInputError, match="'Calculus & Optimization/3' or 'Linear Algebra/3'"):
        resolve("3", [a, b])
    assert resolve("Calculus & Optimization/3", [a, b])[0].name == "gradient"
    assert resolve("Linear Algebra/eig", [a, b]) == (resolve("hessian", [])[0], 4)
    with pytest.raises(BadInputError, match="card 3 \\(trace\\) has no demo"):
        resolve("Linear Algebra/3", [a, b])
    with pytest.raises(BadInputError, match="no deck named 'Algebra'"):
        resolve("Algebra/3", [a, b])
