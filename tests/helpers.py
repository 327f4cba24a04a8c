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
