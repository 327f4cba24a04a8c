"""A run's results as an Excel workbook, for finance: sum the money, read the ids.

Three sheets:

- the results (``结果``): each row written, ids and every other text as text,
  money as numbers in the ``0.00`` format so that finance can sum them,
  ``persons`` and ``months`` as whole numbers; a bold, frozen header; columns
  wide enough for their (Chinese) text;
- the reconciliation (``汇总``): rows read, written and rejected, and the
  exact totals overall and by category, written as text so that no float
  touches them, with the standards document and the table's hash;
- the rejected rows (``问题行``) with their reasons, when there are any.

XlsxWriter writes it in constant-memory mode (a row at a time, whatever the
size) with every text cell written as a string and formulas off, so that no
cell ever runs. The workbook is written into a staged file
(:mod:`welfare_calc.batch.staging`): it appears whole or not at all.

A value that a workbook would change is refused, not changed: a text over
32,767 characters (Excel's limit for a cell), or more rows than a sheet
holds (1,048,576). A money value with more than 15 significant digits, which
an Excel number cannot hold exactly, is written as text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from welfare_calc.batch.rows import ZH_HEADERS
from welfare_calc.core.errors import UnusableInput

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

SHEET_ROWS = 1_048_576
"""Rows an Excel sheet holds, its header included."""
CELL_CHARACTERS = 32_767
"""Characters an Excel cell holds."""
EXACT_DIGITS = 15
"""Significant digits an Excel number keeps."""
MONEY = frozenset({"income", "paid", "backpay", "monthly", "overpaid", "monthly_base",
                   "monthly_supplement"})
WHOLE = frozenset({"persons", "months"})
RESULTS, SUMMARY, REJECTED = "结果", "汇总", "问题行"
ERROR_NAMES = {"sheet": "工作表", "line": "行号", "id": "编号", "column": "列", "reason": "原因",
               "row": "原始内容"}
"""The rejected rows' columns in Chinese (``--headers zh``)."""
MAX_WIDTH = 60
"""Widest column, in characters (a long note wraps on screen rather than a mile wide)."""


@dataclass(frozen=True)
class SummaryLine:
    """A line of the reconciliation sheet: its label in Chinese and English, and its value."""

    zh: str
    en: str
    value: str


def text_width(text: str) -> int:
    """Columns a text takes on screen: a Chinese character takes two."""
    return len(text) + sum(1 for char in text if ord(char) >= 0x1100)


def exact_number(text: str) -> float | None:
    """The number a money or whole-number text is, if Excel can hold it exactly."""
    try:
        value = Decimal(text)
    except ArithmeticError:
        return None
    if not value.is_finite() or len(value.as_tuple().digits) > EXACT_DIGITS:
        return None
    return float(value)


class _Sheet:
    """One worksheet written a row at a time, measuring its columns as it goes."""

    def __init__(self, sheet: Worksheet, name: str, bold: Any) -> None:
        self.sheet = sheet
        self.name = name
        self.bold = bold
        self.row = 0
        self.widths: list[int] = []

    def header(self, cells: Sequence[str]) -> None:
        self.write(cells, style=self.bold)
        self.sheet.freeze_panes(1, 0)

    def write(self, cells: Sequence[str], kinds: Sequence[str] = (), style: Any = None,
              money: Any = None) -> None:
        """A row of text cells; ``kinds`` says which are money or whole numbers."""
        if self.row >= SHEET_ROWS:
            raise UnusableInput(f"more than {SHEET_ROWS - 1:,} rows for sheet {self.name!r}, "
                                "more than an Excel sheet holds; write CSV instead "
                                "(-o result.csv)")
        if len(self.widths) < len(cells):
            self.widths.extend([0] * (len(cells) - len(self.widths)))
        for column, cell in enumerate(cells):
            if not cell:
                continue
            kind = kinds[column] if column < len(kinds) else "text"
            number = exact_number(cell) if kind != "text" else None
            if number is not None:
                self.sheet.write_number(self.row, column, number,
                                        money if kind == "money" else None)
            else:
                if len(cell) > CELL_CHARACTERS:
                    raise UnusableInput(
                        f"sheet {self.name!r}, row {self.row + 1}, column {column + 1}: a value "
                        f"of {len(cell):,} characters; an Excel cell holds at most "
                        f"{CELL_CHARACTERS:,}: write CSV instead (-o result.csv)")
                self.sheet.write_string(self.row, column, cell, style)
            width = text_width(cell)
            self.widths[column] = max(self.widths[column], width)
        self.row += 1

    def fit(self) -> None:
        """Columns as wide as their widest text (XlsxWriter writes them at the end)."""
        for column, width in enumerate(self.widths):
            self.sheet.set_column(column, column, min(max(width, 4) + 2, MAX_WIDTH))


class _Sink:
    """The staged file XlsxWriter's ZIP archive is written into, which goes quiet once a
    write has failed: the archive object, collected later, would otherwise try to
    finish itself on the discarded file and print "Exception ignored" noise after the
    one line that says what went wrong. Once quiet, it only counts positions, so that
    the archive's arithmetic stays sane while it writes nowhere."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.failed = False
        self.position = 0

    def fail(self) -> None:
        """Go quiet from here on."""
        if not self.failed:
            self.failed = True
            with contextlib.suppress(Exception):
                self.position = self.target.tell()

    def _guarded(self, call: Callable[[], int]) -> int:
        try:
            return call()
        except BaseException:
            self.fail()
            raise

    def write(self, data: bytes) -> int:
        if self.failed:
            self.position += len(data)
            return len(data)
        return self._guarded(lambda: self.target.write(data))

    def seek(self, offset: int, whence: int = 0) -> int:
        if self.failed:
            self.position = offset if whence == 0 else self.position + offset
            return self.position
        return self._guarded(lambda: self.target.seek(offset, whence))

    def tell(self) -> int:
        return self.position if self.failed else self._guarded(self.target.tell)

    def flush(self) -> None:
        if not self.failed:
            self._guarded(lambda: self.target.flush() or 0)

    def seekable(self) -> bool:
        return True


def write_workbook(target: IO[bytes], keys: Sequence[str], names: Sequence[str],
                   rows: Iterable[list[str]], summary: Sequence[SummaryLine],
                   rejected: Iterator[list[str]] | None,
                   progress: Callable[[int], None] | None = None, *,
                   chinese: bool = False, scratch: str | None = None) -> None:
    """The workbook of a run, into ``target`` (a staged file).

    ``keys``: the output's columns as the batch knows them (``income``, …; a
    column carried through by its name), then the computed ones; ``names``:
    as the workbook shows them (English or Chinese);
    ``rejected``: the errors file's rows, its header first (None: no sheet);
    ``scratch``: the private directory for XlsxWriter's own temporary files,
    which hold the rows (ids and names): beside the target, where the next run's
    clean-up finds them if this one is killed, never in the shared TMPDIR.
    """
    import xlsxwriter  # noqa: PLC0415 - only a workbook needs it
    from xlsxwriter.exceptions import FileCreateError  # noqa: PLC0415

    sink = _Sink(target)
    book = xlsxwriter.Workbook(sink, {
        "constant_memory": True, **({"tmpdir": scratch} if scratch else {}),
        "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
    })
    try:
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "0.00"})
        results = _Sheet(book.add_worksheet(RESULTS), RESULTS, bold)
        kinds = ["money" if key in MONEY else "whole" if key in WHOLE else "text"
                 for key in keys]
        results.header(list(names))
        for index, cells in enumerate(rows, 1):
            results.write(cells, kinds, money=money)
            if progress is not None and not index % 10_000:
                progress(index)
        results.fit()
        reconciliation = _Sheet(book.add_worksheet(SUMMARY), SUMMARY, bold)
        reconciliation.header(["项目", "item", "值 (value)"])
        for item in summary:
            reconciliation.write([item.zh, item.en, item.value])
        reconciliation.fit()
        if rejected is not None:
            problems = _Sheet(book.add_worksheet(REJECTED), REJECTED, bold)
            columns = next(rejected)
            problems.header([ERROR_NAMES.get(name, name) for name in columns] if chinese
                            else columns)
            lines = ["whole" if name == "line" else "text" for name in columns]
            for cells in rejected:
                problems.write(cells, lines)
            problems.fit()
    except BaseException:
        # The staged file is discarded; close only to remove XlsxWriter's temporary
        # files, and let nothing it says hide what went wrong.
        sink.fail()
        with contextlib.suppress(Exception):
            book.close()
        raise
    try:
        book.close()
    except BaseException as error:
        sink.fail()
        cause = error.args[0] if error.args else None
        if isinstance(error, FileCreateError) and isinstance(cause, OSError):
            raise cause from None  # XlsxWriter's wrapper of the system's error
        raise


def chinese_names(header: Sequence[str]) -> list[str]:
    """The output's column names in Chinese where they are our English names (a
    roster's own Chinese names stay as they are)."""
    return [ZH_HEADERS.get(name.strip().lower(), name.strip()) for name in header]
