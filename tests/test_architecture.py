"""The layering promised in the README: the core does no I/O and knows no CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "welfare_calc"
PURE = ["calc.py", "model.py", "money.py", "months.py", "numerals.py", "errors.py"]
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


ROOT = Path(__file__).parents[1]


def test_every_reference_stays_inside_the_repository() -> None:
    # The code, the data and the README cite docs/rules.md and
    # docs/notice-2020-29.md, which a clone has; nothing outside it.
    outside = []
    for path in [*ROOT.glob("src/**/*.py"), *ROOT.glob("tests/**/*.py"),
                 *ROOT.glob("data/*.yaml"), *ROOT.glob("tests/standards_files/*.yaml"),
                 ROOT / "README.md"]:
        text = path.read_text(encoding="utf-8", errors="replace")
        outside += [f"{path.relative_to(ROOT)}: {word}"
                    for word in ("../" + "shared", "DOMAIN" + ".md", "STYLE" + ".md")
                    if word in text]
    assert outside == []
    for cited in ("docs/rules.md", "docs/notice-2020-29.md"):
        assert (ROOT / cited).is_file()
