"""The layering promised in the README: the core does no I/O and knows no CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SRC = ROOT / "src" / "welfare_calc"
PURE = ["calc.py", "identity.py", "model.py", "table.py", "money.py", "months.py", "numerals.py",
        "errors.py"]
PLAIN = ["calc.py", "identity.py", "table.py", "money.py", "months.py", "numerals.py", "errors.py",
         "table_cache.py"]
"""The core's values and the cache that keeps them: no pydantic, no YAML, so that a
call whose table is cached imports neither (tests/test_cache.py runs it)."""
FORBIDDEN = {"click", "yaml", "tabulate", "csv", "io", "os", "pathlib", "sys", "importlib",
             "welfare_calc.cli", "welfare_calc.loader", "welfare_calc.render",
             "welfare_calc.batch", "welfare_calc.explain"}
BATCH = sorted(path.name for path in (SRC / "batch").glob("*.py"))
"""The batch package: a front end of the core, with no command line in it."""


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def within(name: str, packages: set[str]) -> bool:
    """Whether a module name is one of ``packages`` or inside one."""
    return any(name == package or name.startswith(package + ".") for package in packages)


@pytest.mark.parametrize("module", PURE)
def test_core_module_imports_no_io(module: str) -> None:
    assert {name for name in imported(SRC / module) if within(name, FORBIDDEN)} == set()


@pytest.mark.parametrize("module", PLAIN)
def test_the_core_values_need_no_validation_library(module: str) -> None:
    forbidden = {"pydantic", "yaml", "welfare_calc.model", "welfare_calc.standards_yaml"}
    assert {name for name in imported(SRC / module) if within(name, forbidden)} == set()


def test_the_loader_validates_only_when_it_must() -> None:
    # pydantic and YAML are imported inside the function that validates, not at the top.
    tree = ast.parse((SRC / "loader.py").read_text(encoding="utf-8"))
    top = {alias.name for node in tree.body if isinstance(node, ast.Import)
           for alias in node.names}
    top |= {node.module for node in tree.body if isinstance(node, ast.ImportFrom)
            and node.module}
    assert not {name for name in top if within(name, {"pydantic", "yaml", "welfare_calc.model",
                                                      "welfare_calc.standards_yaml"})}


@pytest.mark.parametrize("module", BATCH)
def test_the_batch_package_knows_no_command_line(module: str) -> None:
    # Exit codes and messages on screen are the CLI's; the batch raises.
    found = {name for name in imported(SRC / "batch" / module)
             if within(name, {"click", "welfare_calc.cli", "welfare_calc.render",
                              "welfare_calc.explain", "welfare_calc.loader"})}
    assert found == set()


def test_the_package_lists_its_modules() -> None:
    # The layout shows the architecture: every batch module is named, with
    # what it holds, in the package's docstring and the README's table.
    overview = (SRC / "batch" / "__init__.py").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for module in BATCH:
        if module != "__init__.py":
            assert f"welfare_calc.batch.{module.removesuffix('.py')}`" in overview, module
            assert f"`batch/{module}`" in readme, module


@pytest.mark.parametrize("module", PURE)
def test_core_module_neither_prints_nor_opens(module: str) -> None:
    tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
    calls = {node.func.id for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert calls.isdisjoint({"print", "open", "input", "float"})



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
