"""How calcquiz's packages depend on each other, read from their import statements: no
package imports one that imports it back (not even for type hints only), and the pure
packages never import the terminal's (calcquiz/ui) at run time."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "calcquiz"
PURE = ("content", "demos", "numerics", "drills", "expr", "store", "memory_model")


def package_imports(typing: bool = False) -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) -> where, as ``module:line``; ``typing``:
    with the imports made only for type hints (``if TYPE_CHECKING:``)."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in ROOT.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(sub)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for sub in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only and not typing:
                continue
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            for target in targets:
                if target.startswith("calcquiz."):
                    here, there = module.split(".")[1], target.split(".")[1]
                    if here != there:
                        found[(here, there)].append(f"{module}:{node.lineno}")
    return found


def test_no_package_imports_one_that_imports_it_back():
    edges = package_imports(typing=True)
    cycles = {f"{a} <-> {b}: {edges[a, b]} / {edges[b, a]}"
              for a, b in edges if a < b and (b, a) in edges}
    assert cycles == set()


def test_pure_packages_never_import_the_terminal():
    edges = package_imports()
    assert {(a, b): where for (a, b), where in edges.items() if a in PURE and b == "ui"} == {}


def test_the_private_typer_api_is_pinned_to_the_release_it_is_tested_with():
    """cli.py catches click's UsageError, which Typer 0.29 vendors (typer._click) without
    exporting it, and names arguments in help by replacing two methods of Typer's argument
    objects. Both hold for the pinned release; the help and usage tests of test_browse.py
    show them working."""
    import re

    import typer
    from typer._click.exceptions import UsageError
    from typer.core import TyperArgument

    pyproject = (ROOT.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert re.findall(r'"(typer[^";]*)"', pyproject) == ["typer>=0.29,<0.30"]
    assert typer.__version__.startswith("0.29.")
    assert issubclass(typer.BadParameter, UsageError)  # the class typer raises is the one caught
    assert callable(TyperArgument.display_type_rich)
    assert callable(TyperArgument._usage_display_name)
