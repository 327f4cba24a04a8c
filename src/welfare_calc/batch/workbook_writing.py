"""A run's results as an Excel workbook, for finance to sum and an office to print,
sign and file (docs/documents.md).

Three sheets, each laid out for A4 landscape paper, fitted to the page's
width, its title and header rows repeated on every page, and a footer with
"第 &P 页 共 &N 页" and the run stamp (program version, the standards table's
and the input's SHA-256), so that any printed page traces to its run:

- the 补发名册 (``结果``): a title row ("2020年1—8月提标增补名册"), 制表单位 and
  the date, the header, then each row written: ids and every other text as
  text, money as numbers in the ``0.00`` format so that finance can sum them,
  ``persons`` and ``months`` as whole numbers. With ``--group-by`` the rows
  come group by group, each closed by a 小计 row and a page break. A 合计
  row, the sign-off line (制表人 / 审核人 / 负责人 / 日期) and the run stamp
  end it;
- the 资金汇总 (``汇总``): a table of one row per group and a 合计 row, per
  category 户数, 人数 and 增补金额, with 多发金额 and 因提标新纳入户数; below
  it the reconciliation (rows read, written and rejected, the standards
  document cited, the table's hash, the rounding rule, the sheet read), the
  sign-off (经办人 / 审核人 / 负责人 / 日期) and the stamp;
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

from welfare_calc.batch.documents import (
    BLANK,
    FUND_SIGN_OFF,
    ROSTER_SIGN_OFF,
    FundTable,
    RunStamp,
    sign_off,
)
from welfare_calc.batch.rows import ZH_HEADERS
from welfare_calc.core.errors import UnusableInput
from welfare_calc.core.words import _

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

SHEET_ROWS = 1_048_576
"""Rows an Excel sheet holds, its header included."""
CELL_CHARACTERS = 32_767
"""Characters an Excel cell holds."""
EXACT_DIGITS = 15
"""Significant digits an Excel number keeps."""
MONEY = frozenset({"income", "paid", "backpay", "monthly", "overpaid", "monthly_base",
                   "monthly_supplement", "monthly_care"})
WHOLE = frozenset({"persons", "months"})
RESULTS, SUMMARY, REJECTED = "结果", "汇总", "问题行"
ERROR_NAMES = {"sheet": "工作表", "line": "行号", "id": "编号", "column": "列", "reason": "原因",
               "row": "原始内容"}
"""The rejected rows' columns in Chinese (``--headers zh``)."""
MAX_WIDTH = 60
"""Widest column, in characters (a long note wraps on screen rather than a mile wide)."""
HEADER_WIDTH = 10
"""Widest a printed sheet's header makes its column (five Chinese characters); a longer
name wraps."""
HEADER_HEIGHT = 30
"""A printed header row's height in points: two lines of wrapped names."""
TITLE_HEIGHT = 24
"""A title row's height in points, for its 16-point type."""
A4 = 9
"""XlsxWriter's number for A4 paper."""
TITLE_ROWS = 3
"""Rows above a sheet's first data row: the title, 制表单位 and date, the header."""
MAX_PAGE_BREAKS = 1023
"""Manual page breaks an Excel sheet holds; groups past that share pages."""
RosterLine = tuple[str, list[str]]
"""A line of the 补发名册: ``row`` (a household), ``subtotal`` (a group's) or ``total``."""


@dataclass(frozen=True)
class PrintLayout:
    """What a printed sheet says above and below its table."""

    roster_title: str
    """The 补发名册's title: "2020年1—8月提标增补名册"."""
    fund_title: str
    """The 资金汇总's title: "2020年1—8月提标增补资金汇总表"."""
    office: str | None
    """制表单位 (``--office``); None leaves a line to fill in by hand."""
    made: str
    """The date the documents were made, as written on them."""
    stamp: RunStamp


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


class SheetWriter:
    """One worksheet written a row at a time, measuring its columns as it goes."""

    def __init__(self, sheet: Worksheet, name: str, bold: Any) -> None:
        self.sheet = sheet
        self.name = name
        self.bold = bold
        self.row = 0
        self.widths: list[int] = []

    def header(self, cells: Sequence[str], style: Any = None, wrap: bool = False) -> None:
        """The header row, frozen; with ``wrap`` (a printed sheet, whose style wraps), a
        long name takes two lines rather than widening its column past its values."""
        if wrap:  # (constant-memory mode: a row's height is set before it is written)
            self.sheet.set_row(self.row, HEADER_HEIGHT)
        self.write(cells, style=style or self.bold, measure=not wrap)
        if wrap:
            for column, cell in enumerate(cells):
                self.widths[column] = max(self.widths[column],
                                          min(text_width(cell), HEADER_WIDTH))
        self.sheet.freeze_panes(self.row, 0)

    def titled(self, title: str, layout: PrintLayout, width: int, styles: dict[str, Any]
               ) -> None:
        """The title and 制表单位 rows above the header, and the page set up to print:
        A4 landscape, fitted to the width, the rows above the data on every page."""
        last = max(width - 1, 1)
        self.sheet.set_row(0, TITLE_HEIGHT)
        self.sheet.merge_range(0, 0, 0, last, title, styles["title"])
        office = layout.office or BLANK
        self.sheet.merge_range(1, 0, 1, last, f"制表单位：{office}　　　　制表日期：{layout.made}",
                               styles["plain"])
        self.row = TITLE_ROWS - 1
        sheet = self.sheet
        sheet.set_paper(A4)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0, TITLE_ROWS - 1)
        sheet.center_horizontally()
        sheet.hide_gridlines(0)  # printed: a table a clerk can rule off by hand
        sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        sheet.set_footer(layout.stamp.footer())

    def _room(self) -> None:
        """Refuse a row past the last an Excel sheet holds."""
        if self.row >= SHEET_ROWS:
            raise UnusableInput(_("more than {most} rows for sheet {sheet}, more than an Excel "
                                  "sheet holds; write CSV instead (-o result.csv)").format(
                                      most=f"{SHEET_ROWS - 1:,}", sheet=repr(self.name)))

    def note(self, text: str, style: Any = None) -> None:
        """A line of text below the table (sign-off, stamp), not counted in the widths."""
        self._room()
        if text:
            self.sheet.write_string(self.row, 0, text, style)
        self.row += 1

    def ending(self, roles: Sequence[str], stamp: RunStamp, styles: dict[str, Any]) -> None:
        """The sign-off line and the run stamp, after a blank line."""
        self.note("")
        self.note(sign_off(roles), styles["plain"])
        self.note("")
        for line in stamp.lines():
            self.note(line, styles["small"])

    def write(self, cells: Sequence[str], kinds: Sequence[str] = (), style: Any = None,
              money: Any = None, measure: bool = True) -> None:
        """A row of text cells; ``kinds`` says which are money or whole numbers;
        ``measure``: whether its texts widen their columns (a label of a 小计 does not)."""
        self._room()
        if len(self.widths) < len(cells):
            self.widths.extend([0] * (len(cells) - len(self.widths)))
        for column, cell in enumerate(cells):
            if not cell:
                continue
            kind = kinds[column] if column < len(kinds) else "text"
            number = exact_number(cell) if kind != "text" else None
            if number is not None:
                self.sheet.write_number(self.row, column, number,
                                        money if kind == "money" else style)
            else:
                if len(cell) > CELL_CHARACTERS:
                    raise UnusableInput(_(
                        "sheet {sheet}, row {row}, column {column}: a value of {count} "
                        "characters; an Excel cell holds at most {most}: write CSV instead (-o "
                        "result.csv)").format(sheet=repr(self.name), row=self.row + 1,
                                              column=column + 1, count=f"{len(cell):,}",
                                              most=f"{CELL_CHARACTERS:,}"))
                self.sheet.write_string(self.row, column, cell, style)
            if measure:
                self.widths[column] = max(self.widths[column], text_width(cell))
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
                   rows: Iterable[RosterLine], fund: FundTable, notes: Sequence[SummaryLine],
                   rejected: Iterator[list[str]] | None,
                   progress: Callable[[int], None] | None = None, *, layout: PrintLayout,
                   chinese: bool = False, scratch: str | None = None) -> None:
    """The workbook of a run, into ``target`` (a staged file).

    ``keys``: the output's columns as the batch knows them (``income``, …; a
    column carried through by its name), then the computed ones; ``names``:
    as the workbook shows them (English or Chinese); ``rows``: the 补发名册's
    lines, in the order printed (group by group, each with its 小计, then the
    合计); ``fund``: the 资金汇总 table; ``notes``: the reconciliation below it;
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
        bold_money = book.add_format({"num_format": "0.00", "bold": True})
        styles = {"title": book.add_format({"bold": True, "font_size": 16, "align": "center"}),
                  "plain": book.add_format({}), "small": book.add_format({"font_size": 8}),
                  "header": book.add_format({"bold": True, "text_wrap": True,
                                             "valign": "vcenter"})}
        results = SheetWriter(book.add_worksheet(RESULTS), RESULTS, bold)
        results.titled(layout.roster_title, layout, len(names), styles)
        kinds = ["money" if key in MONEY else "whole" if key in WHOLE else "text"
                 for key in keys]
        results.header(list(names), styles["header"], wrap=True)
        breaks: list[int] = []
        for index, (kind, cells) in enumerate(rows, 1):
            if kind == "row":
                results.write(cells, kinds, money=money)
            else:
                results.write(cells, kinds, style=bold, money=bold_money, measure=False)
                if kind == "subtotal" and len(breaks) < MAX_PAGE_BREAKS:
                    breaks.append(results.row)
            if progress is not None and not index % 10_000:
                progress(index)
        if breaks and breaks[-1] == results.row - 1:
            breaks.pop()  # the 合计 follows the last group on its page
        results.sheet.set_h_pagebreaks(breaks)
        results.ending(ROSTER_SIGN_OFF, layout.stamp, styles)
        results.fit()
        summary = SheetWriter(book.add_worksheet(SUMMARY), SUMMARY, bold)
        summary.titled(layout.fund_title, layout, len(fund.header), styles)
        summary.header(fund.header, styles["header"], wrap=True)
        for cells in fund.rows:
            summary.write(cells, fund.kinds, money=money)
        summary.write(fund.total, fund.kinds, style=bold, money=bold_money)
        summary.note("")
        for item in notes:
            summary.note(f"{item.zh}：{item.value}", styles["plain"])
        summary.ending(FUND_SIGN_OFF, layout.stamp, styles)
        summary.fit()
        if rejected is not None:
            problems = SheetWriter(book.add_worksheet(REJECTED), REJECTED, bold)
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
