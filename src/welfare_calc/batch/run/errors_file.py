"""The errors file: every rejected row, one line per problem, with where and why.

Each line names the row (a CSV file's line, or a sheet and its row as Excel numbers
it), the id as given, the column, the reason, and the row's cells as read. A cell is
neutralised where a spreadsheet could run it, and for Excel an id of digits is kept
as text, as in the output; a workbook's rejected rows go to a spool, written later on a
sheet of the workbook, whose cells never run.
"""

from __future__ import annotations

import io

from welfare_calc.batch.input.encodings import cannot_encode
from welfare_calc.batch.rows.parsing import RowProblem, line_at
from welfare_calc.batch.write.staging import StagedText
from welfare_calc.core.errors import UnusableInput
from welfare_calc.core.words import _
from welfare_calc.output.text import CsvRows, csv_safe, kept_as_text

ERROR_COLUMNS = ("line", "id", "column", "reason", "row")


def row_at(row: int, sheet: str | None) -> str:
    """Where an input row is, for messages: a CSV file's line, or a sheet's row as Excel
    numbers it."""
    return line_at(row) if sheet is None else _("row {row}").format(row=row)


def unencodable(what: str, encoding: str, error: UnicodeEncodeError) -> UnusableInput:
    """The error for text the output encoding cannot hold: ``what`` could not be written."""
    return UnusableInput(cannot_encode(what, encoding, error.object[error.start:error.end]))


def as_is(text: str) -> str:
    """A cell left as it is (a spool's, a workbook's: nothing there runs)."""
    return text


def as_is_marked(text: str, *, digits: bool = False) -> str:
    """A cell left as it is, where Excel's CSV would keep digits as text."""
    return text


class ErrorsFile:
    """The run's errors file, staged: its header, then a line per problem of each
    rejected row."""

    def __init__(self, file: StagedText, excel: bool, encoding: str) -> None:
        self.file = file
        self.excel = excel
        self.encoding = encoding
        """The output encoding as asked (``--output-encoding``), for messages."""
        self.writer = file.csv_writer()
        self.sheet: str | None = None
        """The sheet a workbook's rows are on: each line names it, and rows by the
        numbers Excel shows."""

    def start(self, sheet: str | None) -> None:
        """The header line; with a sheet, a column naming it first."""
        self.sheet = sheet
        self.writer.writerow(ERROR_COLUMNS if sheet is None else ("sheet", *ERROR_COLUMNS))

    def reject(self, line: int, ident: str, problems: list[RowProblem], row: list[str]) -> None:
        """Write a row's problems to the errors file, one line each."""
        original = io.StringIO()
        CsvRows(original, "").writerow(row)
        shown = self.file.destination != "spool"
        safe = csv_safe if shown else as_is
        # For Excel, an id (or a one-cell row) of digits is kept as text, as in the output.
        mark = kept_as_text if shown and self.excel else as_is_marked
        text = mark(safe(original.getvalue()))
        for problem in problems:
            cells = [str(line), mark(safe(ident), digits=True), problem.column,
                     safe(problem.reason), text]
            if self.sheet is not None:
                cells.insert(0, safe(self.sheet))
            try:
                self.writer.writerow(cells)
            except UnicodeEncodeError as error:
                raise unencodable(_("{where}: the rejected row cannot be written to the "
                                    "errors file").format(where=row_at(line, self.sheet)),
                                  self.encoding, error) from None
