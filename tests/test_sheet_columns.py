"""A workbook's rows turned into text a column at a time read exactly as told cell by cell.

``sheet_reading._lines`` turns a block of a sheet's rows into CSV lines a
column at a time (issue 27 §8: the per-cell telling took 12 µs a row); the
rows it cannot tell so it leaves to ``sheet_reading._row``, the rule cell by
cell. These properties hold the block's lines to that rule and the CSV
writer, row by row, for cells of every kind a reader gives (text with commas,
quotes and line breaks, whole numbers as ``int`` and ``float``, -0.0, inf,
numbers past Excel's 15 digits, dates, times, booleans, percentages, marked
and merged cells), and the chunks told from blocks to the rows told one by one.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from welfare_calc.batch.input import sheet_reading
from welfare_calc.batch.input.reading import Unreadable
from welfare_calc.batch.input.sheet_reading import Layout, _csv_line, _lines, _row, _told
from welfare_calc.batch.input.workbook_cells import (
    Area,
    BadCell,
    Cell,
    MarkedRow,
    Merged,
    Percent,
    SheetRows,
    Unformatted,
    quiet_rows,
)

TEXT = st.text(alphabet=st.sampled_from(['a', 'Z', '7', ' ', ',', '"', '\n', '\r', '镇', '-',
                                         '.', 'e', '\x00']), max_size=6)
NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6).map(lambda value: round(value, 2)),
    st.integers(min_value=-(10 ** 6), max_value=10 ** 6).map(float),
    st.sampled_from([0.0, -0.0, 1012.0, 1e16, 1e15, 2.0 ** 53, 2.0 ** 53 + 2, 0.1 + 0.2,
                     110105190001010036.0, 5e-324]),
    st.integers(min_value=-(10 ** 20), max_value=10 ** 20),
    st.sampled_from([2 ** 53, 2 ** 53 + 1, -(2 ** 53) - 1, 110105190001010036, 0]),
)
CELL = st.one_of(
    TEXT, NUMBER, st.none(), st.booleans(),
    st.dates(min_value=dt.date(1, 1, 1)), st.datetimes(),
    st.times(), st.timedeltas(min_value=dt.timedelta(days=-3), max_value=dt.timedelta(days=3)),
    st.floats(min_value=0, max_value=2).map(Percent),
)
"""A cell of a row that is not marked: what python-calamine, python-calamine-plus (an
``int`` for a whole number) and xlrd give, and an .xls percentage."""
MARK = st.one_of(
    st.floats(min_value=0, max_value=2).map(Percent), st.just(BadCell("holds #N/A")),
    st.just(Unformatted(0.2)), st.just(Merged("萌水镇", Area(1, 3, 0, 0), own=False)),
    st.just(Merged(Percent(0.2), Area(1, 1, 0, 2), own=True)))
"""What a row marked by the sheet's scan or its merged ranges holds (:class:`MarkedRow`)."""
COMMON = st.sampled_from(["", "", "H1", "城市低保", 3, 3.0, 604.26, dt.date(2020, 3, 1)])
"""The cells of a roster, drawn often, so that most columns are of one kind."""
MONEY = st.sampled_from([0, 3, 0.0, -0.0, 3.0, 604.26, 1012.0, -5.5, 0.1 + 0.2])
DATES = st.one_of(st.just(""), st.dates(min_value=dt.date(1, 1, 1)), TEXT)


@st.composite
def layouts(draw: st.DrawFn) -> Layout:
    first = draw(st.integers(0, 2))
    last = draw(st.integers(first, first + 5))
    width = last - first + 1
    keys = tuple(draw(st.sampled_from([f"c{index}", "supplement"])) for index in range(width))
    return Layout(first=first, last=last, offset=draw(st.integers(0, 3)), keys=keys,
                  names=keys, id_at=draw(st.integers(-1, width - 1)),
                  months=frozenset(draw(st.sets(st.integers(0, width - 1)))))


@st.composite
def blocks(draw: st.DrawFn, cells: st.SearchStrategy[Cell]) -> list[list[Cell]]:
    """Rows of one width mostly, some shorter or longer (a reader's rows end at their last
    cell), a column drawn from one kind of cell or from any."""
    width = draw(st.integers(0, 9))
    kinds = [draw(st.sampled_from([COMMON, cells, TEXT, NUMBER, MONEY, DATES]))
             for _ in range(width + 2)]
    count = draw(st.integers(1, 12))
    rows: list[list[Cell]] = []
    for _ in range(count):
        length = width if draw(st.booleans()) else draw(st.integers(0, width + 2))
        row = [draw(kinds[index]) for index in range(length)]
        if row and draw(st.integers(0, 4)) == 0:  # marked by the scan: a percent format,
            row[draw(st.integers(0, length - 1))] = draw(MARK)  # an error, a merged cell
            row = MarkedRow(row)
        rows.append(row)
    return rows


def told_cell_by_cell(row: Sequence[Cell], layout: Layout, number: int
                      ) -> str | Unreadable:
    """A row as ``_row`` tells it, and the CSV writer writes it (a blank row: a line end)."""
    told = _row(row, layout, number)
    if told is None:
        return "\n"
    return told if isinstance(told, Unreadable) else _csv_line(told)


def as_calamine(row: Sequence[Cell]) -> list[Cell]:
    """A python-calamine-plus row as python-calamine gives it, as its reader tells it."""
    cells = [float(value) if type(value) is int else value for value in row]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


@settings(max_examples=400, deadline=None)
@given(blocks(CELL), layouts())
def test_a_block_reads_as_its_rows_told_one_by_one(rows: list[list[Cell]],
                                                   layout: Layout) -> None:
    """Each row the block tells (a reader's told rows: xlrd's whole numbers are ``int``)
    is the line ``_row`` and the CSV writer make of it; the rest it leaves to ``_row``."""
    lines, alone = _lines(rows, layout)
    assert len(lines) == len(rows)
    for at, row in enumerate(rows):
        if at in alone:
            continue
        expected = told_cell_by_cell(row, layout, 10 + at)
        assert not isinstance(expected, Unreadable), (row, expected)
        assert lines[at] + "\n" == expected, row
        assert "\n" not in lines[at]
        assert "\r" not in lines[at]


@settings(max_examples=400, deadline=None)
@given(blocks(CELL), layouts())
def test_python_calamine_plus_rows_read_as_python_calamine_s(rows: list[list[Cell]],
                                                             layout: Layout) -> None:
    """A raw block of python-calamine-plus (an ``int`` for each whole number, trailing
    empty cells) reads as its rows told as python-calamine gives them: the same line, or
    left to be told one by one (an ``int`` beyond 2**53 has other digits as a float)."""
    lines, alone = _lines(rows, layout)
    for at, row in enumerate(rows):
        if at not in alone:
            assert lines[at] + "\n" == told_cell_by_cell(as_calamine(row), layout, 1)
        elif any(type(value) is int and abs(value) > 2 ** 53 for value in row):
            continue  # (told one by one, as python-calamine's float)


def test_rows_needing_more_than_their_text_are_left_to_be_told() -> None:
    """A cell outside the table, an id that lost its digits, a line break, a marked row,
    an int past 2**53: each row is left alone; the others are told, the blank one empty."""
    layout = Layout(first=1, last=3, offset=0, keys=("id", "persons", "start"),
                    names=("id", "persons", "start"), id_at=0, months=frozenset({2}))
    rows: list[Sequence[Cell]] = [
        ["", "H1", 3, dt.date(2020, 3, 5)],
        ["x", "H2", 3.0, ""],  # a cell outside the table
        ["", 110105190001010036.0, 1, ""],  # an id Excel kept 15 digits of
        ["", "H3\nH4", 1, ""],  # a line break
        MarkedRow(["", "H5", BadCell("holds #N/A"), ""]),
        ["", "H6", 2 ** 53 + 1, ""],  # an int with other digits as a float
        ["", "", None, ""],
        ["", 'a "b", c', -0.0, dt.datetime(2020, 3, 5, 10, 30), "", None],
        ["", 1012.0, 604.26, 1e16],
    ]
    lines, alone = _lines(rows, layout)
    assert alone == {1, 2, 3, 4, 5}
    assert [lines[at] for at in (0, 6, 7, 8)] == [
        "H1,3,2020-03", "", '"a ""b"", c",0,2020-03', "1012,604.26,10000000000000000"]


def test_a_column_of_numbers_spells_each_as_number_text() -> None:
    """The numbers of a column at once, by their repr: whole numbers without ``.0``, the
    rest as typed; any needing more (an exponent, -0.0, nan) told one by one."""
    spelled = sheet_reading._numbers
    assert spelled([3, 604.26, 3.0, 0.1 + 0.2, 1012.0, -5.5], floats=True) == [
        "3", "604.26", "3", "0.30000000000000004", "1012", "-5.5"]
    assert spelled([1, 2, -(2 ** 53)], floats=False) == ["1", "2", "-9007199254740992"]
    for odd in ([1e16], [-0.0, 1.0], [math.nan], [math.inf], [2 ** 53 + 1, 1.5]):
        assert spelled(odd, floats=True) is None
    assert spelled([2 ** 53 + 1], floats=False) is None


@st.composite
def sheets(draw: st.DrawFn) -> tuple[list[list[Cell]], list[int], list[Area]]:
    """A sheet's rows after its header (from Excel's row 2), the rows marked, and merged
    ranges down the first column."""
    rows = draw(st.lists(st.lists(COMMON | TEXT, max_size=4), min_size=1, max_size=40))
    marked = draw(st.lists(st.integers(2, len(rows) + 1), max_size=3))
    areas = []
    for first in draw(st.lists(st.integers(2, len(rows) + 1), max_size=2, unique=True)):
        areas.append(Area(first, min(first + draw(st.integers(0, 3)), len(rows) + 1), 0, 0))
    return rows, marked, areas


@settings(max_examples=300, deadline=None)
@given(sheets(), st.integers(1, 9), st.integers(1, 3))
def test_chunks_told_by_blocks_are_the_rows_told_one_by_one(
        sheet: tuple[list[list[Cell]], list[int], list[Area]], size: int, chunk: int) -> None:
    """The chunks a sheet is told in, block by block (quiet blocks raw, the others told
    row by row), hold every row as ``_row`` tells it, numbered as Excel shows rows."""
    rows, marked, areas = sheet
    layout = Layout(first=0, last=3, offset=0, keys=("id", "a", "start", "b"),
                    names=("id", "a", "start", "b"), id_at=0, months=frozenset({2}))
    opened: dict[int, Cell] = {}

    def tell(number: int, row: Sequence[Cell]) -> Sequence[Cell]:
        cells = as_calamine(row)
        for area in areas:  # a merged range down column A, its value its first row's
            if area.first_row <= number <= area.last_row:
                if number == area.first_row:
                    opened[area.first_row] = cells[0] if cells else ""
                told = MarkedRow(cells or [""])
                told[0] = Merged(opened[area.first_row], area, number == area.first_row)
                cells = told
        if number in marked:
            cells = MarkedRow([*cells, "", "", "", ""][:4])
            cells[1] = BadCell("holds #N/A")
        return cells

    header = [["id", "a", "start", "b"]]
    source = iter([*header, *rows])
    sheet_rows = SheetRows(lambda count: list(itertools.islice(source, count)), tell,
                           quiet_rows(marked, areas))
    assert next(sheet_rows) == ["id", "a", "start", "b"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sheet_reading, "BLOCK_ROWS", size)
        patch.setattr(sheet_reading, "ROWS_PER_CHUNK", size * chunk)
        jobs = list(_told(sheet_rows, layout))
    told: list[str | Unreadable] = []
    number = 2  # each chunk's first row, as Excel numbers rows
    for (line, data), reached in jobs:
        assert line == number
        if isinstance(data, Unreadable):
            told.append(data)
            assert reached == line
        else:
            text = data.decode("utf-8")
            told.append(text)
            # a row of its own may be more lines than one; the others are a line each
            assert reached == line or reached == line + text.count("\n") - 1
        number = reached + 1
    assert number == len(rows) + 2
    opened.clear()
    one_by_one = [told_cell_by_cell(tell(number, row), layout, number)
                  for number, row in enumerate(rows, 2)]
    assert _joined(told) == _joined(one_by_one)


def _joined(entries: Sequence[str | Unreadable]) -> list[str | tuple[str, str]]:
    """Chunks or rows as one text between the rows refused (each by its reason and cells)."""
    joined: list[str | tuple[str, str]] = [""]
    for entry in entries:
        if isinstance(entry, Unreadable):
            joined += [(entry.reason, repr(entry.cells)), ""]
        else:
            joined[-1] = str(joined[-1]) + entry
    return joined


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 60), max_size=6),
       st.lists(st.tuples(st.integers(1, 60), st.integers(0, 8)), max_size=4),
       st.integers(1, 60), st.integers(0, 20))
def test_quiet_rows_are_those_no_mark_or_merged_range_touches(
        marked: list[int], spans: list[tuple[int, int]], first: int, more: int) -> None:
    areas = [Area(start, start + length, 0, 1) for start, length in spans]
    last = first + more
    touched = any(first <= row <= last for row in marked) or any(
        area.first_row <= last and area.last_row >= first for area in areas)
    assert quiet_rows(marked, areas)(first, last) is not touched


def test_a_roster_of_several_blocks_reads_alike_through_both_readers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A roster told in blocks of 8 rows: an error cell, a merged town and an id typed as
    a number in different blocks, read by each reader: the same chunks, row by row."""
    path = tmp_path / "roster.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("花名册")
    month = book.add_format({"num_format": "yyyy-mm"})
    sheet.write_row(0, 0, ["周村区城乡低保提标增补花名册"])
    sheet.write_row(1, 0, ["id", "category", "persons", "income", "start", "end", "乡镇（街道）"])
    for row in range(2, 80):
        sheet.write_row(row, 0, [f"H{row}", "城市低保", 3, 200.5 if row % 3 else 200])
        if row % 7 == 0:
            sheet.write_datetime(row, 4, dt.datetime(2020, 3, 1), month)
        if row not in range(40, 45):
            sheet.write_string(row, 6, "萌水镇")
    sheet.write_formula(30, 3, "=1/0", None, "#DIV/0!")
    sheet.merge_range(40, 6, 44, 6, "周村街道")
    sheet.write_number(60, 0, 110105190001010036)
    sheet.write_number(61, 0, 1012)
    book.close()
    told = {}
    for reader in ("stream", "calamine"):
        monkeypatch.setenv("WELFARE_CALC_WORKBOOK_READER", reader)
        monkeypatch.setattr(sheet_reading, "BLOCK_ROWS", 8)
        monkeypatch.setattr(sheet_reading, "ROWS_PER_CHUNK", 16)
        records = sheet_reading.sheet_records(path)
        told[reader] = [(line, data if isinstance(data, bytes) else (data.reason, data.cells))
                        for (line, data), _reached in records.jobs]
    assert told["stream"] == told["calamine"]
    chunks = told["stream"]
    text = b"".join(data for _line, data in chunks if isinstance(data, bytes)).decode()
    refused = {line: data for line, data in chunks if not isinstance(data, bytes)}
    assert set(refused) == {31, 61}  # the formula cell, the id of 18 digits
    assert "D31" in refused[31][0]
    assert "110105190001010000" in refused[61][0]
    lines = text.splitlines()
    assert len(lines) == 78 - 2
    assert "H7,城市低保,3,200.5,2020-03,,萌水镇" in lines
    assert "H6,城市低保,3,200,,,萌水镇" in lines
    assert "H41,城市低保,3,200.5,,,周村街道" in lines
    assert sum(line.endswith(",周村街道") for line in lines) == 5
    assert "1012,城市低保,3,200.5,,,萌水镇" in lines


def test_a_wide_sheet_is_read_a_few_rows_at_a_time() -> None:
    """A block holds at most BLOCK_CELLS cells: a sheet 10,000 columns wide (a stray cell
    far to the right) is read 13 rows at a time, not 2,048 (160 MB of cells at once)."""
    source = iter([[""] * 10_000 for _ in range(30)])
    rows = SheetRows(lambda count: list(itertools.islice(source, count)), width=10_000)
    assert [len(block.rows) for block in rows.blocks(2048)] == [13, 13, 4]
    narrow = iter([["H1"]] * 5000)
    rows = SheetRows(lambda count: list(itertools.islice(narrow, count)), width=7)
    assert [len(block.rows) for block in rows.blocks(2048)] == [2048, 2048, 904]
