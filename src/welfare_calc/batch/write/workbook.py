"""A run's results as an Excel workbook, for finance to sum and an office to print,
sign and file (docs/documents.md).

Three sheets. The two printed ones are laid out for A4 landscape paper: the
printed columns scaled to the page's width, the title, the rows under it and
the header repeated on every page, the table ruled (not the sign-off below
it), and a footer with the sheet's own page numbers ("第 &P 页 共 3 页") and the
run stamp (program version, the standards table's and the input's SHA-256),
so that any printed page traces to its run:

- the 补发名册 (``结果``): a title row ("2020年1—8月提标增补名册"), the notice it
  rests on (its issue date and the back-pay's deadline), 制表单位 and the
  date, the header, then each row written: ids and every other text as text,
  money as numbers in the ``0.00`` format so that finance can sum them,
  ``persons`` and ``months`` as whole numbers. Every column is in the sheet;
  those an office does not file (phone, address …) are hidden, so not
  printed (``--print-column`` chooses). With ``--group-by`` the rows come
  group by group, numbered from 1 in each (序号), each closed by a 小计 row and
  its own sign-off, and a page break; the 合计 follows on a page of its own
  with its sign-off and the run stamp;
- the 资金汇总 (``汇总``): a table of one row per group and a 合计 row, per
  category 户数, 人数 and 增补金额, with 多发金额 and 因提标新纳入户数; below
  it the reconciliation (rows read, written and rejected, the standards
  document cited, its issue date and deadline, the table's hash, the rounding
  rule, the sheet read), the sign-off and the stamp;
- the rejected rows (``问题行``) with their reasons, when there are any.

Every document is signed by the same people (经办人 / 审核人 / 负责人 / 日期,
:data:`~welfare_calc.batch.write.documents.SIGN_OFF`), with room for the seal.

A printed sheet's pages are laid out here, not left to the program that
prints it (:class:`Pages`): its rows have fixed heights, its scale is fixed
from its columns' widths (Excel ignores manual page breaks on a sheet "fitted
to" pages), and a page break is written wherever a page is full, so its
pages are known and counted; and a group's 小计 is never parted from its
sign-off.

XlsxWriter writes it in constant-memory mode (a row at a time, whatever the
size) with every text cell written as a string and formulas off, so that no
cell ever runs. The workbook is written into a staged file
(:mod:`welfare_calc.batch.write.staging`): it appears whole or not at all.

A value that a workbook would change is refused, not changed: a text over
32,767 characters (Excel's limit for a cell), or more rows than a sheet
holds (1,048,576). A money value with more than 15 significant digits, which
an Excel number cannot hold exactly, is written as text.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from welfare_calc.batch.rows.parsing import ZH_HEADERS
from welfare_calc.batch.write.documents import (
    BLANK,
    SEAL,
    SIGN_OFF,
    FundTable,
    RunStamp,
    sign_off,
)
from welfare_calc.core.errors import UnusableInput
from welfare_calc.core.words import _

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
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
HEADER_WIDTH = 24
"""Widest a printed sheet's header makes its column (twelve Chinese characters: the
longest of our own names, 月保障金（不含分类施保）, on one line); a longer name wraps."""
LINE_HEIGHT = 15
"""Points a line of 11-point type takes (a wrapped header's, a title's second line)."""
ROW_HEIGHT = 18
"""Points every printed row takes (11-point type, Chinese characters included): fixed, so
that a page's rows can be counted (:class:`Pages`)."""
TITLE_TYPE = 16
"""A title's type, in points."""
TITLE_HEIGHT = 24
"""A title row's height in points, for its 16-point type (a line of it)."""
SIGN_HEIGHT = 24
"""The sign-off line's height in points: room to sign above the line."""
SEAL_HEIGHT = 72
"""Room under the sign-off for the office's seal (公章), in points (2.5 cm)."""
A4 = 9
"""XlsxWriter's number for A4 paper."""
TITLE_ROWS = 3
"""Rows above a sheet's first data row: the title, the lines under it, the header."""
MAX_PAGE_BREAKS = 1023
"""Manual page breaks an Excel sheet holds; a sheet of more pages has Excel's own breaks
(and its pages counted by Excel, ``&N``), groups past that sharing pages."""
SAFETY = 0.95
"""The share of a page's height the rows laid out on it may fill: what one program
measures a little differently from another (LibreOffice's pages are as computed here)."""
RosterLine = tuple[str, list[str]]
"""A line of the 补发名册: ``row`` (a household), ``subtotal`` (a group's), ``total``, or
``part`` (a closing line without a sign-off under it)."""


@dataclass(frozen=True)
class Paper:
    """A printed sheet's paper: A4, its orientation and margins (inches)."""

    landscape: bool
    left: float = 0.4
    right: float = 0.4
    top: float = 0.5
    bottom: float = 0.6

    @property
    def width(self) -> float:
        """Inches across the page, between the margins."""
        return (11.69 if self.landscape else 8.27) - self.left - self.right

    @property
    def height(self) -> float:
        """Inches down the page, between the margins (the header and footer are in them)."""
        return (8.27 if self.landscape else 11.69) - self.top - self.bottom


LANDSCAPE = Paper(landscape=True)


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
    basis: str = ""
    """The notice the raise rests on, its issue date and deadline
    (:func:`~welfare_calc.batch.write.documents.basis_text`); under the title."""
    printed: Sequence[bool] = ()
    """Which of the 补发名册's columns print (none given: every one)."""

    def lines(self) -> list[str]:
        """The lines under a title: the notice, then 制表单位 and the date."""
        office = f"制表单位：{self.office or BLANK}　　　　制表日期：{self.made}"
        return [self.basis, office] if self.basis else [office]


@dataclass(frozen=True)
class SummaryLine:
    """A line of the reconciliation sheet: its label in Chinese and English, and its value."""

    zh: str
    en: str
    value: str


def text_width(text: str) -> int:
    """Columns a text takes on screen: a Chinese character takes two."""
    return len(text) + sum(1 for char in text if ord(char) >= 0x1100)


def column_pixels(width: float) -> int:
    """Pixels (at 96 an inch) a column of ``width`` characters takes on paper at 100 %, in
    the program that makes it widest: Excel gives it 7 a character (a digit of Calibri 11,
    rounded) and 5 of padding; LibreOffice the digit's own width, 7.44, a character of the
    width as XlsxWriter stores it (with the padding in it). 7.5 a character and 6 more
    holds both, so that the columns fit the page in either."""
    return math.ceil(width * 7.5 + 6) if width > 0 else 0


def print_scale(widths: Iterable[float], paper: Paper) -> int:
    """The print scale, in percent, at which columns of these widths fill the page's
    width, never above 100 (a narrow table is not blown up) nor below 10 (Excel's least).

    Set as a scale, not as "fit to one page wide": a sheet fitted to pages has its
    manual page breaks ignored by Excel, and the breaks are where each town's pages
    start."""
    pixels = sum(column_pixels(width) for width in widths)
    room = paper.width * 96 * 0.98  # (96 pixels an inch; a little to spare)
    return max(10, min(100, math.floor(100 * room / pixels))) if pixels else 100


@dataclass
class Pages:
    """A printed sheet's rows, as they fill its pages: runs of rows of one height, blocks
    kept on one page (a 小计 with its sign-off), and breaks where a page must end (a group's
    last row). Memory grows with the blocks and breaks, not with the rows.

    Laid out once the sheet's scale is known (:meth:`lay_out`): a row that does not fit
    on the page begins the next, a block that does not fit moves whole to the next."""

    first: int = TITLE_ROWS
    """The sheet's first row below the rows repeated on every page."""
    items: list[tuple[str, int, float]] = field(default_factory=list)
    """``("rows", count, height)``, ``("block", rows, height)`` or ``("break", 0, 0)``."""

    def row(self, height: float) -> None:
        """One more row of ``height`` points."""
        if self.items and self.items[-1][0] == "rows" and self.items[-1][2] == height:
            kind, count, _ = self.items[-1]
            self.items[-1] = (kind, count + 1, height)
        else:
            self.items.append(("rows", 1, height))

    def block(self, heights: Sequence[float]) -> None:
        """Rows that are printed on one page."""
        self.items.append(("block", len(heights), sum(heights)))

    def page_break(self) -> None:
        """The next row begins a page."""
        self.items.append(("break", 0, 0.0))

    def lay_out(self, room: float) -> tuple[list[int], int]:
        """The rows that begin a page (for ``set_h_pagebreaks``) and the pages, on pages
        holding ``room`` points of rows each. A break with nothing after it is none."""
        breaks: list[int] = []
        row, used, broken = self.first, 0.0, False

        def new_page() -> None:
            nonlocal used
            breaks.append(row)
            used = 0.0

        for kind, count, height in self.items:
            if kind == "break":
                broken = broken or used > 0
                continue
            if broken:
                new_page()
                broken = False
            if kind == "block":
                if used and used + height > room:
                    new_page()
                used += height
                row += count
            else:
                left = count
                while left:
                    fits = math.floor((room - used) / height) if height else left
                    if fits <= 0:
                        new_page()
                        fits = max(math.floor(room / height), 1)
                    taken = min(fits, left)
                    used += taken * height
                    row += taken
                    left -= taken
        return breaks, len(breaks) + 1

    def forced(self) -> list[int]:
        """The rows that begin a page because a page must end there (a group's), alone."""
        breaks: list[int] = []
        row, broken = self.first, False
        for kind, count, _height in self.items:
            if kind == "break":
                broken = broken or row > self.first
                continue
            if broken and (not breaks or breaks[-1] != row):
                breaks.append(row)
            broken = False
            row += count
        return breaks


def exact_number(text: str) -> float | None:
    """The number a money or whole-number text is, if Excel can hold it exactly."""
    try:
        value = Decimal(text)
    except ArithmeticError:
        return None
    if not value.is_finite() or len(value.as_tuple().digits) > EXACT_DIGITS:
        return None
    return float(value)


def print_styles(book: Workbook, size: int = 11) -> dict[str, Any]:
    """The formats of a printed sheet, its table ruled (every cell of it bordered, the
    sheet's own gridlines not printed): type of ``size`` points."""
    def style(**options: Any) -> Any:
        return book.add_format({"font_size": size, "valign": "vcenter", **options})

    ruled = {"border": 1}
    return {
        "title": book.add_format({"bold": True, "font_size": TITLE_TYPE, "align": "center",
                                  "valign": "vcenter", "text_wrap": True}),
        "lines": style(text_wrap=True),
        "header": style(bold=True, text_wrap=True, align="center", **ruled),
        "cell": style(**ruled), "whole": style(align="center", **ruled),
        "money": style(num_format="0.00", **ruled),
        "bold": style(bold=True, **ruled), "bold_whole": style(bold=True, align="center",
                                                               **ruled),
        "bold_money": style(bold=True, num_format="0.00", **ruled),
        "plain": style(), "sign": style(valign="bottom"),
        "seal": style(align="right", valign="top"),
        "small": book.add_format({"font_size": 8}),
    }


class SheetWriter:
    """One worksheet written a row at a time, measuring its columns as it goes.

    A printed sheet (:meth:`titled`) also keeps its rows' heights (:class:`Pages`), and
    is laid out on paper when it is done (:meth:`finish`)."""

    def __init__(self, sheet: Worksheet, name: str, bold: Any) -> None:
        self.sheet = sheet
        self.name = name
        self.bold = bold
        self.row = 0
        self.widths: list[int] = []
        self.width = 0
        """The table's columns (a printed sheet's: every cell of a row is ruled)."""
        self.pages: Pages | None = None
        self.row_height: float = ROW_HEIGHT
        self.head_height = 0.0
        """Points of the rows repeated on every page (title, lines under it, header)."""
        self.shown: list[bool] = []
        """Which columns print (a printed sheet's; the others are hidden)."""
        self.title = ""
        self.fill = False
        """Whether the printed columns are widened to the page's width (a 公示 list, posted:
        ruled across the page, its title on it whole). Its sheet is written in memory,
        so that the title's row can be made two lines high at the end where it needs them."""

    def header(self, cells: Sequence[str], style: Any = None, wrap: bool = False) -> None:
        """The header row, frozen; with ``wrap`` (a printed sheet, whose style wraps), a
        name breaks where it holds a line break, else a name longer than
        :data:`HEADER_WIDTH` wraps rather than widening its column past its values."""
        lines = 1
        if wrap:
            lines = max((sum(max(math.ceil(text_width(line) / HEADER_WIDTH), 1)
                             for line in cell.split("\n")) for cell in cells), default=1)
            height = LINE_HEIGHT * lines + 6
            self.head_height += height
            # (constant-memory mode: a row's height is set before it is written)
            self.sheet.set_row(self.row, height)
        self.write(cells, style=style or self.bold, measure=not wrap, counted=False)
        if wrap:
            for column, cell in enumerate(cells):
                self.widths[column] = max(self.widths[column], min(max(
                    (text_width(line) for line in cell.split("\n")), default=0), HEADER_WIDTH))
        self.sheet.freeze_panes(self.row, 0)

    def titled(self, title: str, lines: Sequence[str], width: int, styles: dict[str, Any],
               paper: Paper = LANDSCAPE, shown: Sequence[bool] = ()) -> None:
        """The title and the lines under it (the notice, 制表单位 and the date; a 公示's
        period) above the header, and the page set up to print: A4, the rows above the
        data on every page, rows of fixed height, the columns not ``shown`` hidden."""
        last = max(width - 1, 1)
        self.width = width
        self.shown = list(shown) or [True] * width
        self.pages = Pages()
        sheet = self.sheet
        sheet.set_default_row(self.row_height)
        self.title = title
        sheet.set_row(0, TITLE_HEIGHT)
        sheet.merge_range(0, 0, 0, last, title, styles["title"])
        under = LINE_HEIGHT * len(lines) + 4
        sheet.set_row(1, under)
        sheet.merge_range(1, 0, 1, last, "\n".join(lines), styles["lines"])
        self.head_height = TITLE_HEIGHT + under
        self.row = TITLE_ROWS - 1
        sheet.set_paper(A4)
        if paper.landscape:
            sheet.set_landscape()
        else:
            sheet.set_portrait()
        sheet.repeat_rows(0, TITLE_ROWS - 1)
        sheet.center_horizontally()
        sheet.set_start_page(1)  # each sheet's pages numbered from 1, whatever is printed
        sheet.set_margins(left=paper.left, right=paper.right, top=paper.top,
                          bottom=paper.bottom)

    def _room(self) -> None:
        """Refuse a row past the last an Excel sheet holds."""
        if self.row >= SHEET_ROWS:
            raise UnusableInput(_("more than {most} rows for sheet {sheet}, more than an Excel "
                                  "sheet holds; write CSV instead (-o result.csv)").format(
                                      most=f"{SHEET_ROWS - 1:,}", sheet=repr(self.name)))

    def note(self, text: str, style: Any = None, height: float | None = None) -> None:
        """A line of text below the table (a note, the stamp), not counted in the widths:
        never ruled, and on a printed sheet across its width, so that nothing clips it."""
        self._room()
        if height is not None:
            self.sheet.set_row(self.row, height)
        if text and self.pages is not None:
            self.sheet.merge_range(self.row, 0, self.row, max(self.width - 1, 1), text, style)
        elif text:
            self.sheet.write_string(self.row, 0, text, style)
        if self.pages is not None and height is None:
            self.pages.row(self.row_height)
        self.row += 1

    def signed(self, styles: dict[str, Any], keep: float = 0.0) -> None:
        """The sign-off (:data:`~welfare_calc.batch.write.documents.SIGN_OFF`) after a blank
        line, and room under it for the seal; on one page with the row above it, of
        ``keep`` points (a 小计 or 合计 is never parted from its sign-off)."""
        self.note("", height=self.row_height)
        self.note(sign_off(SIGN_OFF), styles["sign"], height=SIGN_HEIGHT)
        self.note(SEAL, styles["seal"], height=SEAL_HEIGHT)
        if self.pages is not None:
            self.pages.block([keep, self.row_height, SIGN_HEIGHT, SEAL_HEIGHT])

    def page_break(self) -> None:
        """The next row begins a page."""
        if self.pages is not None:
            self.pages.page_break()

    def write(self, cells: Sequence[str], kinds: Sequence[str] = (), style: Any = None,
              money: Any = None, measure: bool = True, whole: Any = None,
              counted: bool = True, skip: range = range(0)) -> None:
        """A row of text cells; ``kinds`` says which are money or whole numbers;
        ``measure``: whether its texts widen their columns (a label of a 小计 does not).
        On a printed sheet every cell of the table is written, empty ones too, so that
        the row is ruled across; ``counted``: whether it fills the page (:class:`Pages`;
        the header is on every page); ``skip``: columns a merge has written."""
        self._room()
        if len(self.widths) < len(cells):
            self.widths.extend([0] * (len(cells) - len(self.widths)))
        for column in range(max(len(cells), self.width)):
            if column in skip:
                continue
            cell = cells[column] if column < len(cells) else ""
            if not cell:
                if self.width and column < self.width:
                    self.sheet.write_blank(self.row, column, None, style)
                continue
            kind = kinds[column] if column < len(kinds) else "text"
            number = exact_number(cell) if kind != "text" else None
            if number is not None:
                self.sheet.write_number(self.row, column, number,
                                        money if kind == "money" else whole or style)
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
        if self.pages is not None and counted:
            self.pages.row(self.row_height)
        self.row += 1

    def closing(self, cells: Sequence[str], kinds: Sequence[str], styles: dict[str, Any],
                counted: bool = False) -> None:
        """A 小计 or 合计 row, bold: its label (``cells[0]``) across the printed columns
        before its first figure, so that no rule runs through it, then its figures.
        ``counted``: whether it fills the page alone (else it is kept with the sign-off
        under it, :meth:`signed`)."""
        label, figures = cells[0], ["", *cells[1:]]
        first = self.shown.index(True) if True in self.shown else 0
        end = min((at for at, cell in enumerate(figures) if cell and at >= first),
                  default=max(self.width, len(figures))) - 1
        merged = range(0)
        if end > first:
            self._room()
            self.sheet.merge_range(self.row, first, self.row, end, label, styles["bold"])
            merged = range(first, end + 1)
        else:  # (a figure in the first printed column: the label where it ever was)
            figures[first if end == first else 0] = label
        self.write(figures, kinds, style=styles["bold"], money=styles["bold_money"],
                   whole=styles["bold_whole"], measure=False, counted=counted, skip=merged)

    def fit(self, paper: Paper | None = None) -> list[float]:
        """Columns as wide as their widest text (XlsxWriter writes them at the end); on a
        printed sheet, the columns not printed hidden, and with :attr:`fill` the printed
        ones widened to the page's width. The printed columns' widths."""
        widths: list[float] = [min(max(width, 4) + 2, MAX_WIDTH) for width in self.widths]
        shown = [column >= len(self.shown) or self.shown[column]
                 for column in range(len(widths))]
        printed = [width for width, seen in zip(widths, shown, strict=True) if seen]
        spare = (paper.width * 96 * 0.98 - sum(map(column_pixels, printed))) / 7 if (
            self.fill and paper is not None and printed) else 0
        if spare > 0:
            grown = 1 + spare / sum(printed)
            widths = [width * grown if seen else width
                      for width, seen in zip(widths, shown, strict=True)]
        for column, (width, seen) in enumerate(zip(widths, shown, strict=True)):
            self.sheet.set_column(column, column, width, None, None if seen else {"hidden": True})
        return [width for width, seen in zip(widths, shown, strict=True) if seen]

    def finish(self, paper: Paper, footer: Callable[[int | None], str]) -> None:
        """Lay the printed sheet out on its paper: its columns' widths, the scale that
        fits the printed ones to the page's width, the page breaks, and the footer with
        the sheet's pages counted (``footer(pages)``; None where there are more pages than
        page breaks a sheet holds)."""
        widths = self.fit(paper)
        scale = print_scale(widths, paper)
        self.sheet.set_print_scale(scale)
        title = text_width(self.title) * TITLE_TYPE * 96 / 72 / 2  # (pixels: a character
        # of 16-point type is 16 points wide, and takes 2 in text_width)
        if self.fill and title > paper.width * 96 * 0.98 * 100 / scale:
            self.sheet.set_row(0, 2 * TITLE_HEIGHT)  # (a sheet in memory: set after all)
            self.head_height += TITLE_HEIGHT
        assert self.pages is not None, "a printed sheet has its pages"
        room = (paper.height * 72 * 100 / scale - self.head_height) * SAFETY
        breaks, pages = self.pages.lay_out(room)
        if len(breaks) > MAX_PAGE_BREAKS:
            breaks, counted = self.pages.forced()[:MAX_PAGE_BREAKS], None
        else:
            counted = pages
        self.sheet.set_h_pagebreaks(breaks)
        self.sheet.set_footer(footer(counted))


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
                   rows: Iterable[RosterLine], fund: FundTable | Callable[[], FundTable],
                   notes: Sequence[SummaryLine] | Callable[[], Sequence[SummaryLine]],
                   rejected: Iterator[list[str]] | None,
                   progress: Callable[[int], None] | None = None, *, layout: PrintLayout,
                   chinese: bool = False, scratch: str | None = None,
                   more: Callable[[Workbook], None] | None = None) -> None:
    """The workbook of a run, into ``target`` (a staged file).

    ``keys``: the output's columns as the batch knows them (``income``, …; a
    column carried through by its name), then the computed ones; ``names``:
    as the workbook shows them (English or Chinese); ``rows``: the 补发名册's
    lines, in the order printed (group by group, each with its 小计, then the
    合计; a ``part`` line is a closing line not signed, such as a 合计 followed by what
    it is made of); ``fund``: the 资金汇总 table; ``notes``: the reconciliation below it
    (each may be given as a function, called once ``rows`` are written, for figures
    counted as they are: the month's payroll);
    ``rejected``: the errors file's rows, its header first (None: no sheet);
    ``scratch``: the private directory for XlsxWriter's own temporary files,
    which hold the rows (ids and names): beside the target, where the next run's
    clean-up finds them if this one is killed, never in the shared TMPDIR;
    ``more``: told the workbook once its two sheets are written, for sheets of the
    caller's own (the payroll's change roster), before the rejected rows' sheet.
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
        styles = print_styles(book)
        results = SheetWriter(book.add_worksheet(RESULTS), RESULTS, bold)
        results.titled(layout.roster_title, layout.lines(), len(names), styles,
                       shown=layout.printed)
        kinds = ["money" if key in MONEY else "whole" if key in WHOLE else "text"
                 for key in keys]
        number_at = next((at for at, name in enumerate(names)
                          if "".join(name.split()) == "序号"), None)
        if number_at is not None:  # (numbered by the run, from 1 in each group)
            kinds[number_at] = "whole"
        results.header(list(names), styles["header"], wrap=True)
        for index, (kind, cells) in enumerate(rows, 1):
            if kind == "row":
                results.write(cells, kinds, style=styles["cell"], money=styles["money"],
                              whole=styles["whole"])
            elif kind == "part":
                results.closing(cells, kinds, styles, counted=True)
            else:
                results.closing(cells, kinds, styles)
                results.signed(styles, keep=results.row_height)
                if kind == "subtotal":
                    # Each group's last page signed; the next group's (or the 合计 of
                    # them all, on a page of its own) begins a page.
                    results.page_break()
            if progress is not None and not index % 10_000:
                progress(index)
        results.note("")
        for line in layout.stamp.lines():
            results.note(line, styles["small"])
        results.finish(LANDSCAPE, layout.stamp.footer)
        if callable(fund):
            fund = fund()
        if callable(notes):
            notes = notes()
        summary = SheetWriter(book.add_worksheet(SUMMARY), SUMMARY, bold)
        summary.titled(layout.fund_title, layout.lines(), len(fund.header), styles)
        summary.header(fund.printed, styles["header"], wrap=True)
        for cells in fund.rows:
            summary.write(cells, fund.kinds, style=styles["cell"], money=styles["money"],
                          whole=styles["whole"])
        summary.closing(fund.total, fund.kinds, styles, counted=True)
        summary.note("")
        for item in notes:
            summary.note(f"{item.zh}：{item.value}", styles["plain"])
        summary.signed(styles)
        summary.note("")
        for line in layout.stamp.lines():
            summary.note(line, styles["small"])
        summary.finish(LANDSCAPE, layout.stamp.footer)
        if more is not None:
            more(book)
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
