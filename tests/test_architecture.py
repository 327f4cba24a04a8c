"""The layering promised in the README: the core does no I/O and knows no CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "welfare_calc"
PURE = ["calc.py", "model.py", "money.py", "months.py", "errors.py"]
FORBIDDEN = {"click", "yaml", "tabulate", "csv", "io", "os", "pathlib", "sys", "importlib",
             "welfare_calc.cli", "welfare_calc.loader", "welfare_calc.render",
             "welfare_calc.batch", "welfare_calc.explain"}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", PURE)
def test_core_module_imports_no_io(module: str) -> None:
    found = {name for name in imported(SRC / module)
             if name in FORBIDDEN or name.split(".")[0] in FORBIDDEN}
    assert found == set()


@pytest.mark.parametrize("module", PURE)
def test_core_module_neither_prints_nor_opens(module: str) -> None:
    tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
    calls = {node.func.id for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert calls.isdisjoint({"print", "open", "input", "float"})
