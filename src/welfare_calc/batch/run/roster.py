"""A roster file through the batch: a CSV file, a workbook's sheet, or stdin, opened and
run, with progress told to whoever asks for it.

The one way every front end that reads a roster file runs it (``batch`` and
``publicity`` on the command line; a monthly payroll): the roster is opened here, a
workbook's sheet read by its own reader (:mod:`welfare_calc.batch.input.sheet_reading`)
and a CSV file's header by the run, under its locks
(:func:`~welfare_calc.batch.run.pipeline.run_batch`). What a failure looks like to a
user is the front end's: this raises the core's errors.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Protocol

from welfare_calc.batch.input.reading import Records
from welfare_calc.batch.input.sheet_reading import sheet_records
from welfare_calc.batch.rows.parsing import Mapping
from welfare_calc.batch.run.pipeline import BatchFiles, BatchOptions, Summary, run_batch
from welfare_calc.core.engine import BackpayEngine
from welfare_calc.core.table import StandardsTable


class Reporter(Protocol):
    """Progress told as a run goes: rows read and bytes done, rows written into a
    workbook, and the end."""

    def __call__(self, lines: int, done_bytes: int) -> None: ...

    def writing(self, rows: int) -> None: ...

    def close(self) -> None: ...


def run_roster(input_path: Path, workbook: bool, sheet: str | None, header_row: int | None,
               mapping: Mapping, table: StandardsTable, plan: BackpayEngine,
               files: BatchFiles, options: BatchOptions,
               reporter: Callable[[int], Reporter | None] | None = None) -> Summary:
    """Run a roster (``-``: stdin; ``workbook``: a workbook, its ``sheet`` and
    ``header_row`` or those found) through the batch.

    ``reporter``: given the roster's size in bytes (0 when unknown), the progress to
    tell, or None for none; it is closed when the run ends, however it ends.
    """
    reading_stdin = str(input_path) == "-"
    source: BinaryIO
    with (sys.stdin.buffer if reading_stdin else input_path.open("rb")) as source:
        progress = None
        try:
            records: Records | BinaryIO = (
                sheet_records(input_path, sheet, header_row, mapping) if workbook else source)
            size = (records.size if isinstance(records, Records) else
                    0 if reading_stdin else input_path.stat().st_size)
            progress = reporter(size) if reporter is not None else None
            return run_batch(table, plan, records, files, options, progress,
                             writing=(progress.writing if progress and options.fmt == "xlsx"
                                      else None))
        finally:
            if progress is not None:
                progress.close()
