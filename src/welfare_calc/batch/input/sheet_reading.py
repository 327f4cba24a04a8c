"""Excel rosters, told to the batch as the CSV records it reads.

Offices get rosters as workbooks exported from the provincial system: a title
and a "制表单位" line above the header, numbers stored as floats, dates as
dates, and ID numbers sometimes stored as numbers.
:mod:`welfare_calc.batch.input.workbook_cells` opens the file (.xlsx, .xlsm, .xls)
and chooses the sheet a clerk sees; this module only turns its cells into
the text a clerk sees, and numbers the rows as Excel shows them, so that
every other rule of the batch (checks, doubled ids, reconciliation) holds
unchanged and the errors file points at the row to fix.

Cells, as Excel shows them:

- a whole number stored as a float (``3.0``) is ``3``; any other float is
  its shortest decimal spelling (``429.17``), which the core then checks
  like any amount (at most two decimals);
- a date is its month (``2020-03``) in the ``start`` and ``end`` columns,
  and ``YYYY-MM-DD`` elsewhere;
- a number shown as a percentage is that percentage (``20%``), which the
  core reads as a percentage where one is allowed (a supplement) and
  refuses elsewhere;
- an error cell, or a formula with no saved value, refuses its row with
  the cell's place and what to do: it is never an empty cell;
- a cell inside a merged range is the range's value, as Excel shows it (a
  town merged down its households' rows is each household's town), except
  where that value would be read more than once by the calculation, which
  cannot tell whether it is each household's or their total
  (:func:`_unmerged`);
- an empty cell is empty, and a row of empty cells is a blank line;
- an ID number stored as a number of 16 digits or more has lost its last
  digits (Excel keeps 15 significant digits): its row is rejected, with
  what to do about it, rather than read as someone else's number.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import zip_longest
from pathlib import Path
from typing import Any, cast

from welfare_calc.batch.input.reading import CHUNK, Job, Records, Unreadable
from welfare_calc.batch.input.workbook_cells import (
    Area,
    BadCell,
    Block,
    Cell,
    MarkedRow,
    Merged,
    Percent,
    SheetRows,
    Unformatted,
    column_letter,
    open_sheet,
)
from welfare_calc.batch.rows.parsing import OPTIONAL, REQUIRED, Mapping, header_key, holds_header
from welfare_calc.core.errors import UnusableInput
from welfare_calc.core.fields import field_name
from welfare_calc.core.words import _, listed
from welfare_calc.output.text import CsvRows

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".et")
"""Files taken as workbooks, by their name's ending (any case); which kind a file is,
and whether it can be read, its first bytes tell (:func:`workbook_cells.open_sheet`)."""
MONTH_COLUMNS = ("start", "end")
EXCEL_DIGITS = 15
"""Significant digits Excel keeps of a number."""
ROWS_PER_CHUNK = 8192
"""Rows told at a time: more than the lane's minimum, so a sheet is as fast as CSV."""
BLOCK_ROWS = 2048
"""Rows read and turned into text at a time (:func:`_told`): the fewer, the less the
main process holds as the batch's workers are forked from it (and then copied into
them as it changes); four blocks make a chunk."""
CALCULATED_FROM = frozenset((*REQUIRED, *OPTIONAL))
"""The columns the calculation reads: a merged range spanning two of them is refused (whose
value is it?)."""
ADDING_UP = frozenset(("persons", "income", "paid", "supplement"))
"""The columns whose values add up over households: one of them merged down several rows
may be each household's value or their total, and is refused."""


def is_workbook(path: Path) -> bool:
    """Whether a file is read as a workbook (by its extension)."""
    return path.suffix.lower() in WORKBOOK_SUFFIXES


def number_text(value: float | int) -> str:
    """A number as a person reads it: ``3.0`` is ``3``, ``429.17`` is ``429.17``.

    A float is taken by its shortest spelling (``repr``), the decimal Excel
    showed when the value was typed; never ``0.30000000000000004``-style noise
    unless that is what the float is.
    """
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return repr(value)
    exact = Decimal(repr(value))
    if exact == exact.to_integral_value():
        return str(int(exact))  # also turns -0.0 into 0
    return format(exact, "f")


def cell_text(value: object, *, month: bool) -> str:
    """What a cell says, as text; ``month``: the cell is in a month column."""
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, Percent):
        return value.text
    if isinstance(value, BadCell):
        return ""
    if isinstance(value, Unformatted):
        return number_text(value.value)
    if isinstance(value, Merged):
        return cell_text(value.value, month=month)
    if isinstance(value, date):  # datetime too
        if month:
            return f"{value.year:04d}-{value.month:02d}"
        if isinstance(value, datetime):
            return value.isoformat(sep=" ")
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def digits_lost(value: object) -> str | None:
    """For an id cell holding a number too long for Excel to keep, that number as text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    text = number_text(value)
    return text if len(text.lstrip("-").split(".")[0]) > EXCEL_DIGITS else None


@dataclass(frozen=True)
class Layout:
    """Where the table is on its sheet."""

    first: int
    """The header's first named column (0-based, in the rows calamine gives)."""
    last: int
    """Its last named column."""
    offset: int
    """The sheet's first column (0-based in Excel's terms), for column letters."""
    keys: tuple[str, ...]
    """Our column each column of the table's span holds (or its own name)."""
    names: tuple[str, ...]
    """The header's cells over the table's span, as the roster names its columns."""
    id_at: int
    months: frozenset[int]
    """Columns read as months (positions in the table's span)."""


def sheet_records(path: Path, sheet: str | None = None, header_row: int | None = None,
                  mapping: Mapping = ()) -> Records:
    """A sheet of a workbook (``sheet``, else the one a clerk sees) as :class:`Records`.

    The header is ``header_row`` (as Excel numbers rows), else the first row
    that names every required column.
    """
    data = open_sheet(path, sheet)
    sheet = data.name
    rows = data.rows
    found = _header(rows, sheet, header_row, mapping, data.offset)
    number, cells = found
    named = [index for index, cell in enumerate(cells) if cell.strip()]
    first, last = named[0], named[-1]
    keys = [header_key(cell, mapping) for cell in cells[first:last + 1]]
    layout = Layout(first=first, last=last, offset=data.offset, keys=tuple(keys),
                    names=tuple(cell.strip() for cell in cells[first:last + 1]),
                    id_at=keys.index("id") if "id" in keys else -1,
                    months=frozenset(index for index, key in enumerate(keys)
                                     if key in MONTH_COLUMNS))
    return Records(header=cells[first:last + 1], encoding="utf-8",
                   jobs=_told(rows, layout), size=data.height,
                   sheet=sheet, where_header=sheet_row(sheet, number),
                   merged_ranges=sum(1 for area in data.merged if area.last_row > number))


def sheet_row(sheet: str, number: int) -> str:
    """Where a sheet's row is, for messages (its number as Excel shows it)."""
    return _("sheet {sheet}, row {row}").format(sheet=repr(sheet), row=number)


def _header(rows: Iterator[Sequence[object]], sheet: str, header_row: int | None,
            mapping: Mapping, offset: int) -> tuple[int, list[str]]:
    """The header's row number (as Excel shows it) and its cells as text. ``offset``:
    Excel's column of each row's first cell."""
    number = 0
    for number, row in enumerate(rows, 1):
        cells = [cell_text(_named(value, offset + index), month=False)
                 for index, value in enumerate(row)]
        if (number == header_row) if header_row is not None else holds_header(cells, mapping):
            if not any(cell.strip() for cell in cells):
                raise UnusableInput(_("{where}: the header row is empty").format(
                    where=sheet_row(sheet, number)))
            return number, cells
    if number == 0:
        raise UnusableInput(_("sheet {sheet} is empty; it needs a header row").format(
            sheet=repr(sheet)))
    if header_row is not None:
        raise UnusableInput(_("sheet {sheet} has {count} rows; there is no row {row}").format(
            sheet=repr(sheet), count=number, row=header_row))
    raise UnusableInput(_("sheet {sheet}: no row names the columns {columns}; name them in one "
                          "row, or give --header-row N").format(
                              sheet=repr(sheet),
                              columns=listed(field_name(key) for key in REQUIRED)))


def _named(value: Cell, column: int) -> Cell:
    """A header cell (in Excel's ``column``) as the name of its column: a name merged down
    a two-row header names its column in each row of the range; merged across, it names
    its first column only (the rest of the range is the width it is shown across)."""
    if not isinstance(value, Merged):
        return value
    return value.value if value.area.first_column == column else ""


def _told(rows: SheetRows, layout: Layout) -> Iterator[tuple[Job, int]]:
    """The rows after the header as chunks of CSV text, numbered as Excel shows rows.

    The rows are read :data:`BLOCK_ROWS` at a time, and each block turned into text a
    column at a time (:func:`_lines`); the few rows that need more than their cells'
    text (marked or merged cells, a cell outside the table, an id that lost digits, a
    line break in a cell) are told one by one (:func:`_row`). The lines of a chunk are
    consecutive rows, so its first line's number is its first row's; a row whose text
    holds a line break is a chunk of its own (its record is then more than one line).
    """
    pending: list[str] = []
    start = count = size = 0

    def flush() -> tuple[Job, int]:
        nonlocal count, size
        job: Job = (start, "".join(pending).encode("utf-8"))
        reached = start + count - 1
        pending.clear()
        count = size = 0
        return job, reached

    for block in rows.blocks(BLOCK_ROWS):
        lines, alone = _lines(block.rows, layout)
        text = "" if alone else "\n".join(lines) + "\n"
        if not alone and len(text) <= CHUNK:
            if not pending:
                start = block.first
            pending.append(text)
            count += len(lines)
            size += len(text)
            # Nothing of a block is kept as chunks are handed on (see SheetRows.blocks).
            del block, lines, text
            if count >= ROWS_PER_CHUNK or size >= CHUNK:
                yield flush()
            continue
        if pending:
            yield flush()
        jobs = _block_jobs(rows, block, lines, alone, layout)
        del block, lines, text
        yield from jobs
    if pending:
        yield flush()


def _block_jobs(rows: SheetRows, block: Block, lines: list[str], alone: set[int],
                layout: Layout) -> list[tuple[Job, int]]:
    """A block's rows as chunks: its ``lines``, but the rows ``alone`` told one by one."""
    entries: list[str | Unreadable] = []
    for at, line in enumerate(lines):
        if at not in alone:
            entries.append(line + "\n")
            continue
        number = block.first + at
        told = _row(rows.told(number, block.rows[at]) if block.raw else block.rows[at],
                    layout, number)
        entries.append(told if isinstance(told, Unreadable) else
                       "\n" if told is None else _csv_line(told))
    return list(_chunks(block.first, entries))


def _csv_line(cells: list[str]) -> str:
    """A row's cells as a CSV record, as the batch's CSV output writes it."""
    buffer = io.StringIO()
    CsvRows(buffer, "\n").writerow(cells)
    return buffer.getvalue()


def _chunks(first: int, entries: list[str | Unreadable]) -> Iterator[tuple[Job, int]]:
    """Rows from Excel's row ``first`` (each its CSV text, or :class:`Unreadable`) as
    chunks of at most about :data:`CHUNK`, a row with a line break in its text alone."""
    lines: list[str] = []
    size = 0
    start = first

    def flush(reached: int) -> tuple[Job, int]:
        nonlocal size
        job: Job = (start, "".join(lines).encode("utf-8"))
        lines.clear()
        size = 0
        return job, reached

    for number, entry in enumerate(entries, first):
        alone = isinstance(entry, Unreadable) or entry.count("\n") > 1 or "\r" in entry
        if alone and lines:
            yield flush(number - 1)
        if isinstance(entry, Unreadable):
            yield (number, entry), number
        elif alone:
            start = number
            lines.append(entry)
            yield flush(number)
        else:
            if not lines:
                start = number
            lines.append(entry)
            size += len(entry)
            if size >= CHUNK:
                yield flush(number)
    if lines:
        yield flush(start + len(lines) - 1)


WHOLE_EXACT = 1 << 53
"""Whole numbers up to this are as exact in a ``float`` as in an ``int``, and spelled the
same by :func:`number_text` either way (python-calamine-plus gives an ``int`` where
python-calamine gives a ``float``; xlrd's whole numbers are told as ``int``)."""


def _lines(rows: Sequence[Sequence[Cell]], layout: Layout) -> tuple[list[str], set[int]]:
    """Rows as CSV lines (without their ends; a blank row's is empty), turned into text a
    column at a time, and the rows (places in ``rows``) to tell one by one instead
    (:func:`_row`), whose lines here are not theirs: marked rows (:class:`MarkedRow`) with
    an error cell, a merged cell or a fraction of unknown format, and rows with a cell
    outside the table, an ``int`` beyond :data:`WHOLE_EXACT`, an id
    that lost digits (:func:`digits_lost`), or a line break in a cell.

    Each other row's line is what :func:`_row` and the CSV writer make of it, cell by
    cell (a property test holds it to them); a column of text, nearly every column of a
    roster, is taken as it is.
    """
    count = len(rows)
    alone: set[int] = set()
    if MarkedRow in set(map(type, rows)):  # (a percentage is its text: Percent.text)
        alone.update(at for at, row in enumerate(rows) if isinstance(row, MarkedRow) and any(
            isinstance(value, BadCell | Unformatted | Merged) for value in row))
    columns = (list(zip(*rows, strict=True)) if len(set(map(len, rows))) == 1
               else list(zip_longest(*rows, fillvalue="")))
    for index, column in enumerate(columns):
        if (not layout.first <= index <= layout.last
                and column.count("") + column.count(None) < count):
            alone.update(at for at, value in enumerate(column) if value not in ("", None))
    empty = ("",) * count
    texts = [_column_text(columns[index] if index < len(columns) else empty,
                          month=at in layout.months, ident=at == layout.id_at, alone=alone)
             for at, index in enumerate(range(layout.first, layout.last + 1))]
    lines = list(map(",".join, zip(*texts, strict=True)))
    blank = "," * (len(texts) - 1)
    if blank in lines:
        lines = ["" if line == blank else line for line in lines]
    return lines, alone


def _column_text(column: Sequence[Cell], *, month: bool, ident: bool,
                 alone: set[int]) -> Sequence[str]:
    """A column's cells as the CSV writer writes them (quoted where they hold a comma or a
    quote), adding to ``alone`` the rows it does not tell (see :func:`_lines`).
    ``month``: a month column; ``ident``: the id column."""
    try:
        texts = cast("Sequence[str]", column)  # text only, unless join finds otherwise
        joined = "".join(texts)
    except TypeError:
        texts = _converted(column, month, alone)
        joined = "".join(texts)
        if ident:
            alone.update(at for at, value in enumerate(column)
                         if value.__class__ is not str and digits_lost(value) is not None)
    if '"' in joined or "," in joined:
        texts = [_quoted(text) if '"' in text or "," in text else text for text in texts]
    if "\n" in joined or "\r" in joined:
        alone.update(at for at, text in enumerate(texts) if "\n" in text or "\r" in text)
    return texts


def _quoted(text: str) -> str:
    """A cell holding a comma or a quote, quoted as the CSV writer quotes it."""
    return '"' + text.replace('"', '""') + '"'


def _converted(column: Sequence[Cell], month: bool, alone: set[int]) -> list[str]:
    """A column that is not all text, as :func:`cell_text` tells each cell: numbers alone
    by their ``repr`` all at once (:func:`_numbers`), dates among text by their ISO
    spelling, else cell by cell."""
    kinds = set(map(type, column))
    if kinds <= _NUMBERS:
        numbers = _numbers(cast("Sequence[int | float]", column), float in kinds)
        if numbers is not None:
            return numbers
    elif kinds <= _DATES:  # a date's ISO spelling is YYYY-MM-DD, its month the first 7
        dates = cast("Sequence[Any]", column)  # (text and dates: ``type() is`` is quickest)
        if month:
            return [value if type(value) is str else value.isoformat()[:7] for value in dates]
        return [value if type(value) is str else value.isoformat() for value in dates]
    if int in kinds:
        alone.update(at for at, value in enumerate(column) if type(value) is int
                     and not -WHOLE_EXACT <= value <= WHOLE_EXACT)
    return [value if type(value) is str else cell_text(value, month=month)
            for value in column]


_NUMBERS = frozenset((int, float))
_DATES = frozenset((str, date))


def _numbers(column: Sequence[int | float], floats: bool) -> list[str] | None:
    """A column of numbers (``floats``: some of them ``float``) as :func:`number_text`
    spells each, or None where one of them needs more than its ``repr`` (an exponent,
    inf or nan, -0.0, an ``int`` beyond :data:`WHOLE_EXACT`): a ``float``'s ``repr`` is
    its shortest spelling, which is :func:`number_text`'s but for a whole number's
    ``.0``, dropped here."""
    if not floats:
        if max(column) > WHOLE_EXACT or min(column) < -WHOLE_EXACT:
            return None
        return list(map(repr, column))
    spelled = list(map(repr, column))
    text = "\n" + "\n".join(spelled) + "\n"
    if "e" in text or "n" in text or max(column) > WHOLE_EXACT or min(column) < -WHOLE_EXACT:
        return None
    if ".0\n" not in text:  # (python-calamine-plus gives whole numbers as int)
        return spelled
    text = text.replace(".0\n", "\n")
    if "\n-0\n" in text:
        return None
    return text[1:-1].split("\n")


def _bad_cells(table: Sequence[object], layout: Layout) -> list[tuple[int, BadCell]]:
    """The cells of a marked row that refuse it: errors, formulas never calculated, and a
    supplement whose format the file does not say."""
    bad = [(index, value) for index, value in enumerate(table) if isinstance(value, BadCell)]
    bad += [(index, BadCell(_("holds {number}, which may be {percent} shown as a percentage or "
                              "{number} yuan, and the file does not say which; type it as "
                              "text: {percent} or {number}").format(
                                  number=number_text(value.value),
                                  percent=Percent(value.value).text)))
            for index, value in enumerate(table)
            if isinstance(value, Unformatted) and layout.keys[index] == "supplement"]
    return bad


def _unmerged(row: MarkedRow, layout: Layout, number: int
              ) -> tuple[MarkedRow, tuple[int, str] | None] | None:
    """A row's merged cells as the values Excel shows in them, and the first cell of the
    table whose merged value the calculation cannot read (its position in the table and
    why); None for a row with nothing of its own, which the merged ranges of rows above
    merely run through (a town merged past its last household).

    A merged range's value is read in the table's columns only: beyond them it is the
    width the value is shown across, and its own cell is judged where it is."""
    told = MarkedRow()
    own = False
    ambiguous: tuple[int, str] | None = None
    for index, value in enumerate(row):
        if not isinstance(value, Merged):
            own = own or value not in ("", None)
            told.append(value)
            continue
        inside = layout.first <= index <= layout.last
        own = own or (value.own and value.value not in ("", None))
        told.append(value.value if value.own or inside else "")
        if inside and ambiguous is None:
            at = index - layout.first
            cell = f"{column_letter(layout.offset + index)}{number}"
            reason = _unreadable_merge(value, at, cell, layout)
            ambiguous = None if reason is None else (at, reason)
    return (told, ambiguous) if own else None


def _unreadable_merge(value: Merged, at: int, cell: str, layout: Layout) -> str | None:
    """Why the calculation cannot read a merged ``value`` in table column ``at`` (None:
    it can): a range across two of its columns (whose value is it?), or one value of a
    column that adds up over several households' rows (each one's, or their total?).
    Cells merged empty are read as empty."""
    key = layout.keys[at]
    if key not in CALCULATED_FROM or value.value in ("", None):
        return None  # an empty range is empty in each of its cells, and says nothing twice
    area: Area = value.area
    base = layout.offset + layout.first
    spanned = [index for index in range(max(area.first_column - base, 0),
                                        min(area.last_column - base, len(layout.keys) - 1) + 1)
               if layout.keys[index] in CALCULATED_FROM]
    shown = cell_text(value.value, month=False)
    if len(spanned) > 1:
        return _("cell {cell} is in the merged range {range}, which spans the columns "
                 "{columns}: its one value {value!r} cannot be each column's. Unmerge the "
                 "cells (取消合并单元格) and type each column's value").format(
            cell=cell, range=area.ref, columns=", ".join(layout.names[index]
                                                         for index in spanned), value=shown)
    if key in ADDING_UP and area.last_row > area.first_row:
        return _("cell {cell} is in the merged range {range}, whose one value {value!r} would "
                 "be read for each of its {rows} rows: it may be each household's {column} or "
                 "their total. Unmerge the cells (取消合并单元格) and type each household's "
                 "own value").format(cell=cell, range=area.ref, value=shown,
                                     rows=area.last_row - area.first_row + 1,
                                     column=layout.names[at])
    return None


def _row(row: Sequence[object], layout: Layout, number: int) -> list[str] | Unreadable | None:
    """One row's cells as text; None for an empty row; an :class:`Unreadable` for a
    row that cannot be read as a household at all."""
    ambiguous: tuple[int, str] | None = None
    if isinstance(row, MarkedRow) and any(isinstance(value, Merged) for value in row):
        unmerged = _unmerged(row, layout, number)
        if unmerged is None:
            return None
        row, ambiguous = unmerged
    table = row[layout.first:layout.last + 1]
    outside = [(index, value) for index, value in enumerate(row)
               if not layout.first <= index <= layout.last and value not in ("", None)]
    bad = _bad_cells(table, layout) if isinstance(row, MarkedRow) else []
    cells = [cell_text(value, month=index in layout.months) for index, value in enumerate(table)]
    if len(cells) < layout.last - layout.first + 1:
        cells.extend([""] * (layout.last - layout.first + 1 - len(cells)))
    if not outside and not any(cells):
        return None
    ident = cells[layout.id_at] if 0 <= layout.id_at < len(cells) else ""
    shown = ",".join(cells).encode("utf-8")
    if bad:
        index, flagged = bad[0]
        assert isinstance(flagged, BadCell)
        letter = column_letter(layout.offset + layout.first + index)
        return Unreadable(shown, 1, _("cell {cell} {problem}").format(
            cell=f"{letter}{number}", problem=flagged.problem), ident, layout.keys[index],
            tuple(cells))
    if ambiguous is not None:
        index, reason = ambiguous
        return Unreadable(shown, 1, reason, ident, layout.keys[index], tuple(cells))
    if outside:
        index, value = outside[0]
        letter = column_letter(layout.offset + index)
        if isinstance(value, BadCell):
            return Unreadable(shown, 1, _("cell {cell}, in a column without a header, "
                                          "{problem}").format(cell=f"{letter}{number}",
                                                              problem=value.problem),
                              ident, cells=tuple(cells))
        return Unreadable(shown, 1, _("column {column} holds {value} but has no header: give "
                                      "the column a header, or clear the cell").format(
                                          column=letter,
                                          value=repr(cell_text(value, month=False))),
                          ident, cells=tuple(cells))
    if 0 <= layout.id_at < len(table):
        lost = digits_lost(table[layout.id_at])
        if lost is not None:
            return Unreadable(shown, 1, _(
                "the id {lost} is stored in Excel as a number, which keeps only {digits} "
                "digits: its last digits are lost. Format the id column as text (设置单元格格式 "
                "→ 文本) and enter the ID numbers again").format(lost=lost, digits=EXCEL_DIGITS),
                ident, "id", tuple(cells))
    return cells
