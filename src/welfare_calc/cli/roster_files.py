"""The files of a command that reads a roster (``batch``, ``payroll``, ``publicity``),
checked before a row is read: one home for the three commands, none of which imports
another's."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from welfare_calc.batch.write.files import BatchFiles, batch_files
from welfare_calc.cli.problems import UsageProblem
from welfare_calc.core.errors import TargetError, TargetProblem
from welfare_calc.output import streams


def roster_files(input_path: Path, output: str, errors: str | None, summary: str | None,
                 *, workbook: bool = False, summary_csv: str | None = None,
                 others: Sequence[tuple[str, str]] = ()) -> tuple[BatchFiles, str]:
    """The files of a run that reads a roster (:func:`~welfare_calc.batch.write.files.
    batch_files`: none the roster, no two one file), and stdin and stdout open where
    they are read or written; :class:`UsageProblem` (exit 2, nothing read) otherwise."""
    reading_stdin = str(input_path) == "-"
    try:
        files, errors_label = batch_files(None if reading_stdin else input_path, output,
                                          errors, summary, workbook=workbook,
                                          summary_csv=summary_csv, others=others)
        if reading_stdin:
            streams.check_open("stdin")
        if "stdout" in (files.output, files.errors, files.summary, files.summary_csv):
            streams.check_open("stdout")
    except (TargetError, TargetProblem) as error:
        raise UsageProblem(str(error)) from None
    return files, errors_label
