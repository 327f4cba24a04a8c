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
    ("payroll", {"welfare_calc.cli", "welfare_calc.web", "click"}),
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


@pytest.mark.parametrize(("module", "validating"), [
    ("standards/loader.py", {"pydantic", "yaml", "welfare_calc.standards.spec",
                             "welfare_calc.standards.yaml_file"}),
    ("payroll/layouts.py", {"pydantic", "welfare_calc.payroll.layout_spec"})])
def test_the_loader_validates_only_when_it_must(module: str, validating: set[str]) -> None:
    # pydantic (and for the standards, YAML) are imported inside the function that
    # validates, not at the top: a shipped table or layout is read without them.
    tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
    top = {alias.name for node in tree.body if isinstance(node, ast.Import)
           for alias in node.names}
    top |= {node.module for node in tree.body if isinstance(node, ast.ImportFrom)
            and node.module}
    assert not {name for name in top if within(name, validating)}


BATCH_PARTS = ("rows", "input", "write", "run")
"""batch/'s parts, each importing only the parts before it."""


def test_the_batch_package_is_its_parts_and_lists_its_modules() -> None:
    # batch/ holds its four parts and nothing else; each part's docstring names every
    # module in it, with what it holds, and the package's names every part.
    batch = SRC / "batch"
    assert sorted(path.name for path in batch.iterdir() if path.name != "__pycache__") == (
        sorted(["__init__.py", *BATCH_PARTS]))
    overview = (batch / "__init__.py").read_text(encoding="utf-8")
    for part in BATCH_PARTS:
        assert f"welfare_calc.batch.{part}`" in overview, part
        listing = (batch / part / "__init__.py").read_text(encoding="utf-8")
        for path in sorted((batch / part).glob("*.py")):
            if path.name != "__init__.py":
                assert f"welfare_calc.batch.{part}.{path.stem}`" in listing, path


def test_each_batch_part_imports_only_the_parts_before_it() -> None:
    # rows says what cells mean (pure), input reads bytes into cells (and finds a
    # sheet's header by rows' names), write puts results in place, run drives them all:
    # no arrow runs back up.
    found = set()
    for at, part in enumerate(BATCH_PARTS):
        later = {f"welfare_calc.batch.{other}" for other in BATCH_PARTS[at + 1:]}
        for module in modules(f"batch/{part}"):
            found |= {(module, name) for name in imported(SRC / module)
                      if within(name, later)}
    assert found == set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_of(path: Path, known: set[str]) -> set[str]:
    """The package's modules that a module imports, anywhere in it (also under
    TYPE_CHECKING and inside functions): ``from P import m`` counts as ``P.m``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found & known


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


@pytest.mark.parametrize("folder", ["core", "batch", "cli", "output", "payroll", "standards",
                                    "web"])
def test_no_two_modules_import_each_other(folder: str) -> None:
    # Not even under TYPE_CHECKING or inside a function: a loop of imports means that
    # neither module can be read, or moved, without the other.
    paths = sorted((SRC / folder).rglob("*.py"))
    known = {_module_name(path) for path in paths}
    graph = {_module_name(path): _imports_of(path, known) - {_module_name(path)}
             for path in paths}
    assert _cycles(graph) == []


def test_no_command_imports_another_command() -> None:
    # Each command's module is imported only when it runs (cli.group.COMMANDS): one
    # that imported another's would load that command, its options and imports, too.
    # What two commands share lives in a module of its own (cli/roster_files.py).
    from welfare_calc.cli.group import COMMANDS  # noqa: PLC0415

    commands = {target.partition(":")[0] for target in COMMANDS.values()}
    found = {(module, name) for module in commands
             for name in imported(SRC.parent / (module.replace(".", "/") + ".py"))
             if name in commands - {module}}
    assert found == set()


def test_every_module_that_asks_the_rules_has_the_shipped_ones() -> None:
    # The registry does not import the shipped rules (core/checks.py imports it to
    # register them), so each module that imports the registry must reach checks.py
    # through its own imports: else it could ask a registry without them (which
    # rules.registered() refuses, loudly, rather than accept what they refuse).
    paths = sorted(SRC.rglob("*.py"))
    known = {_module_name(path) for path in paths}
    graph = {_module_name(path): _imports_of(path, known) for path in paths}
    registry, shipped = "welfare_calc.core.rules", "welfare_calc.core.checks"

    def reaches(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for other in graph[todo.pop()] - seen:
                seen.add(other)
                todo.append(other)
        return seen

    askers = [name for name in graph if registry in graph[name] and name != shipped]
    assert askers  # (the finder finds the modules that ask the rules)
    assert [name for name in askers if shipped not in reaches(name)] == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


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
