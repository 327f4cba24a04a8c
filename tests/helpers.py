"""Helpers the tests share: one way to run the command line, one way to read a CSV back.

Not fixtures (those are in ``conftest.py``), so that a test module imports what it uses
by name, as it imports ``synthetic``.
"""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from click.testing import CliRunner, Result

from welfare_calc.cli import cli

Run = Callable[..., Result]
"""A call of the command line with the given words (see :func:`invoker`)."""
LANGUAGE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG", "WELFARE_CALC_STANDARDS",
                      "WELFARE_CALC_LANG")
"""Environment a test clears so that the table and the language are the defaults."""


def invoker(*before: str, after: Sequence[str] = ()) -> Run:
    """A function running ``welfare-calc *before *args *after`` in-process, exceptions
    raised (a traceback is a failure, never an exit code); ``stdin`` gives it input."""

    def invoke(*args: str, stdin: bytes | None = None) -> Result:
        return CliRunner().invoke(cli, [*before, *args, *after], input=stdin,
                                  catch_exceptions=False)

    return invoke


def csv_rows(path: Path, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    """A CSV file's rows by its header (a BOM, as --excel writes, is read past)."""
    with path.open(newline="", encoding=encoding) as handle:
        return list(csv.DictReader(handle))


TITLE_ROWS = 3
"""Rows of a printed sheet above its data: the title, 制表单位 and date, the header."""


def printed_table(path: Path, sheet: str = "结果") -> list[list[Any]]:
    """A printed sheet's table as openpyxl cells: its header row, then each data row,
    up to the first 小计 or 合计 line (the lines closing a group or the sheet)."""
    import openpyxl  # noqa: PLC0415 - the workbook tests' reader

    rows = [list(row) for row in openpyxl.load_workbook(path)[sheet].iter_rows(
        min_row=TITLE_ROWS)]
    table = []
    for cells in rows:
        first = cells[0].value
        if isinstance(first, str) and first.startswith(("小计", "合计")):
            break
        table.append(cells)
    return table


def sheet_values(path: Path, sheet: str) -> list[list[Any]]:
    """Every row of a sheet, as values."""
    import openpyxl  # noqa: PLC0415

    return [list(row) for row in openpyxl.load_workbook(path)[sheet].iter_rows(
        values_only=True)]


NEXT_RAISE = {"urban-dibao": "1020", "rural-dibao": "905", "urban-tekun": "1330",
              "rural-tekun": "1180"}
"""Made-up figures of a 2025 raise: TEST DATA, no notice says them (docs/standards.md)."""


def with_made_up_2025_raise(shipped: str) -> str:
    """The shipped standards file with a made-up 2025 raise added as a clerk would add a
    real one (docs/standards.md): a document, a raise, a value for each category, and
    ``covers_through`` moved on. Text edits only: the proof that next year's notice needs
    no code."""
    text = shipped.replace('covers_through: "2024-12"', 'covers_through: "2025-12"')
    text = text.replace("\ndocuments:\n", (
        "  - effective: 2025-01-01\n    document: example-2025\n\ndocuments:\n"
        "  example-2025:\n    number: 示例〔2025〕1号（虚构，仅供测试和演示）\n    title: null\n"
        "    issuer: 测试数据\n    issued: 2025-03-20\n    backpay_due: 2025-04-30\n"
        "    source: 虚构的测试数据，不是真实文件\n"), 1)
    for category, amount in NEXT_RAISE.items():
        start = text.index(f"\n  {category}:\n")
        end = text.find("\n\n", start)
        text = text[:end] + (
            f"\n      - from: 2025-01-01\n        amount: \"{amount}\"\n"
            "        unit: yuan/person/month\n        document: example-2025\n"
            "        known: notice\n        seen: 虚构的测试数据") + text[end:]
    assert text.count("example-2025") == 2 + len(NEXT_RAISE)
    return text


WINDOWS_BUILD = Path(__file__).parents[1] / "packaging" / "windows" / "build.py"


def windows_builder(script: Path = WINDOWS_BUILD) -> ModuleType:
    """The offline bundle's build script as a module, under a name of its own (``build``
    is also PyPA's package, which tests/test_packaging.py runs)."""
    spec = importlib.util.spec_from_file_location("windows_bundle_build", script)
    if spec is None or spec.loader is None:
        raise ImportError(script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
