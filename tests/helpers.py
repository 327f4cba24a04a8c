"""Helpers the tests share: one way to run the command line, one way to read a CSV back.

Not fixtures (those are in ``conftest.py``), so that a test module imports what it uses
by name, as it imports ``synthetic``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

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
