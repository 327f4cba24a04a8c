"""The layering the folders show: ``core/`` does no I/O and imports nothing outside itself;
every other layer points inward only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SRC = ROOT / "src" / "welfare_calc"
LAYERS = ("core", "standards", "output", "batch", "payroll", "web", "cli")
CORE = sorted(path.relative_to(SRC).as_posix() for path in (SRC / "core").rglob("*.py"))
"""Every module under core/, found, not listed: a new one is covered as it is added."""
NO_IO = {"click", "yaml", "pydantic", "tabulate", "numpy", "csv", "io", "os", "pathlib", "sys",
         "importlib", "shutil", "tempfile", "subprocess", "socket", "multiprocessing"}
"""What the core never imports: no front end, no validation library, nothing that does I/O."""
CORE_MAY_IMPORT = {"stdnum"}
"""Third-party libraries the core may use (python-stdnum: pure functions of text)."""


def modules(folder: str) -> list[str]:
    return sorted(path.relative_to(SRC).as_posix() for path in (SRC / folder).rglob("*.py"))


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


def test_the_package_is_its_layers() -> None:
    top = sorted(path.name for path in SRC.iterdir() if not path.name.startswith("_")
                 and path.name not in ("py.typed", "data"))
    assert top == sorted(LAYERS)


@pytest.mark.parametrize("module", CORE)
def test_nothing_under_core_imports_from_outside_it(module: str) -> None:
    names = imported(SRC / module)
    ours = {name for name in names if within(name, {"welfare_calc"})}
    assert {name for name in ours if not within(name, {"welfare_calc.core"})} == set()
    assert {name for name in names if within(name, NO_IO)} == set()
    stdlib_or_allowed = {name for name in names - ours
                         if name.split(".")[0] not in CORE_MAY_IMPORT}
    import sys  # noqa: PLC0415 - the standard library's own list of its modules

    assert {name for name in stdlib_or_allowed
            if name.split(".")[0] not in sys.stdlib_module_names} == set()


@pytest.mark.parametrize("module", CORE)
def test_the_core_neither_prints_nor_opens(module: str) -> None:
    tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
    calls = {node.func.id for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert calls.isdisjoint({"print", "open", "input", "float"})


@pytest.mark.parametrize(("layer", "never"), [
    ("standards", {"welfare_calc.output", "welfare_calc.batch", "welfare_calc.cli"}),
    ("output", {"welfare_calc.batch", "welfare_calc.cli", "welfare_calc.standards"}),
    ("batch", {"welfare_calc.cli", "click", "welfare_calc.output.render",
               "welfare_calc.output.explain", "welfare_calc.standards"}),
    ("payroll", {"welfare_calc.cli", "click", "welfare_calc.web"}),
    ("web", {"welfare_calc.cli", "click"}),
])
def test_each_layer_points_inward(layer: str, never: set[str]) -> None:
    found = {f"{module}: {name}" for module in modules(layer)
             for name in imported(SRC / module) if within(name, never)}
    assert found == set()


@pytest.mark.parametrize("module", [*CORE, "standards/table_cache.py"])
def test_the_core_values_need_no_validation_library(module: str) -> None:
    forbidden = {"pydantic", "yaml", "welfare_calc.standards.spec",
                 "welfare_calc.standards.yaml_file"}
    assert {name for name in imported(SRC / module) if within(name, forbidden)} == set()


def test_the_loader_validates_only_when_it_must() -> None:
    # pydantic and YAML are imported inside the function that validates, not at the top.
    tree = ast.parse((SRC / "standards" / "loader.py").read_text(encoding="utf-8"))
    top = {alias.name for node in tree.body if isinstance(node, ast.Import)
           for alias in node.names}
    top |= {node.module for node in tree.body if isinstance(node, ast.ImportFrom)
            and node.module}
    assert not {name for name in top if within(name, {"pydantic", "yaml",
                                                      "welfare_calc.standards.spec",
                                                      "welfare_calc.standards.yaml_file"})}


def test_the_batch_package_lists_its_modules() -> None:
    # Every batch module is named, with what it holds, in the package's docstring.
    overview = (SRC / "batch" / "__init__.py").read_text(encoding="utf-8")
    for module in modules("batch"):
        name = module.removeprefix("batch/").removesuffix(".py")
        if name != "__init__":
            assert f"welfare_calc.batch.{name}`" in overview, module


def test_every_reference_stays_inside_the_repository() -> None:
    # The code, the data and the docs cite docs/rules.md and docs/notice-2020-29.md,
    # which a clone has; nothing outside it.
    outside = []
    for path in [*ROOT.glob("src/**/*.py"), *ROOT.glob("tests/**/*.py"),
                 *ROOT.glob("data/*.yaml"), *ROOT.glob("tests/standards_files/*.yaml"),
                 ROOT / "README.md", *ROOT.glob("docs/*.md")]:
        text = path.read_text(encoding="utf-8", errors="replace")
        outside += [f"{path.relative_to(ROOT)}: {word}"
                    for word in ("../" + "shared", "DOMAIN" + ".md", "STYLE" + ".md")
                    if word in text]
    assert outside == []
    for cited in ("docs/rules.md", "docs/notice-2020-29.md"):
        assert (ROOT / cited).is_file()
