"""Which library reads a workbook's values (issue 29): python-calamine, well kept, for every
roster an office makes; python-calamine-plus, a young fork with native code, only for sheets
far beyond a town's roster, and only where the ``large-workbooks`` extra is installed."""

from __future__ import annotations

import sys
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from welfare_calc.batch.input import workbook_cells
from welfare_calc.core.errors import UnusableInput


@pytest.fixture(autouse=True)
def no_reader_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WELFARE_CALC_WORKBOOK_READER", raising=False)


def scan_of(cells: int) -> workbook_cells._Scan:
    scan = workbook_cells._Scan("花名册", frozenset(), False)
    scan.cells = cells
    return scan


@pytest.mark.parametrize(("cells", "chosen", "reader"), [
    (7 * 5_000, None, "calamine"),                  # a town's roster
    (workbook_cells.STREAM_PAST, None, "calamine"),  # the bound itself
    (workbook_cells.STREAM_PAST + 1, None, "stream"),
    (7 * 1_048_575, None, "stream"),                # a sheet's limit
    (7 * 1_048_575, "calamine", "calamine"),        # chosen outright, either way
    (10, "stream", "stream"),
    (10, "something else", "calamine"),             # not a reader: as if unset
], ids=["town roster", "at the bound", "past it", "a million rows", "calamine chosen",
        "stream chosen", "unknown choice"])
def test_the_reader_is_chosen_by_the_sheet_size(monkeypatch: pytest.MonkeyPatch, cells: int,
                                                 chosen: str | None, reader: str) -> None:
    if chosen is not None:
        monkeypatch.setenv("WELFARE_CALC_WORKBOOK_READER", chosen)
    assert workbook_cells._reader(scan_of(cells)) == reader


def offset_roster(path: Path) -> Path:
    """A small roster whose table starts at column B: python-calamine gives its rows from
    the first used column (offset 1), python-calamine-plus from column A (offset 0)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("花名册")
    sheet.write_row(0, 1, ["编号", "类别", "人数", "收入", "起始月份", "截止月份"])
    for row in range(1, 41):
        sheet.write_row(row, 1, [f"H{row}", "城市低保", 3, 200])
    book.close()
    return path


def rows_of(sheet: workbook_cells.Sheet) -> list[list[object]]:
    """The rows from column A, without trailing empty cells (python-calamine gives each row
    the table's width, the fork each row's own)."""
    rows = []
    for row in sheet.rows:
        cells = [*[""] * sheet.offset, *row]
        while cells and cells[-1] == "":
            cells.pop()
        rows.append(cells)
    return rows


def test_a_roster_is_read_by_python_calamine(tmp_path: Path) -> None:
    sheet = workbook_cells.open_sheet(offset_roster(tmp_path / "r.xlsx"))
    assert sheet.offset == 1  # python-calamine's rows


def test_a_sheet_past_the_bound_is_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    pytest.importorskip("python_calamine_plus")
    path = offset_roster(tmp_path / "r.xlsx")
    held = rows_of(workbook_cells.open_sheet(path))
    monkeypatch.setattr(workbook_cells, "STREAM_PAST", 100)  # the roster has 164 cells
    streamed = workbook_cells.open_sheet(path)
    assert streamed.offset == 0  # python-calamine-plus's rows
    assert rows_of(streamed) == held


def test_without_the_extra_a_large_sheet_is_read_whole(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = offset_roster(tmp_path / "r.xlsx")
    held = rows_of(workbook_cells.open_sheet(path))
    monkeypatch.setattr(workbook_cells, "STREAM_PAST", 100)
    monkeypatch.setitem(sys.modules, "python_calamine_plus", None)  # not installed
    sheet = workbook_cells.open_sheet(path)
    assert sheet.offset == 1
    assert rows_of(sheet) == held


@pytest.mark.parametrize(("size", "chosen", "may"), [
    (11 * workbook_cells.STREAM_PAST, None, False),  # fewer cells, whatever they hold
    (11 * workbook_cells.STREAM_PAST + 1, None, True),
    (160 << 20, None, True),                          # a million rows as Excel saves them
    (160 << 20, "calamine", False),                   # chosen outright, either way
    (100, "stream", True),
], ids=["at the bound", "past it", "a million rows", "calamine chosen", "stream chosen"])
def test_the_stream_is_opened_during_the_scan_as_the_size_says(
        monkeypatch: pytest.MonkeyPatch, size: int, chosen: str | None, may: bool) -> None:
    if chosen is not None:
        monkeypatch.setenv("WELFARE_CALC_WORKBOOK_READER", chosen)
    part = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
    part.file_size = size
    assert workbook_cells._may_stream(part) is may


class Opened:
    """python-calamine-plus's workbook, noting in which thread each opening is."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self.threads: list[str] = []

    def from_path(self, path: str) -> object:
        self.threads.append(threading.current_thread().name)
        return self.workbook.from_path(path)


def test_the_stream_opened_during_the_scan_is_read(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    plus = pytest.importorskip("python_calamine_plus")
    path = offset_roster(tmp_path / "r.xlsx")
    held = rows_of(workbook_cells.open_sheet(path))
    monkeypatch.setattr(workbook_cells, "STREAM_PAST", 100)
    opened = Opened(plus.CalamineWorkbook)
    monkeypatch.setattr(plus, "CalamineWorkbook", opened)
    streamed = workbook_cells.open_sheet(path)
    assert opened.threads == ["welfare-calc open sheet"]  # opened once, beside the scan
    assert streamed.offset == 0
    assert rows_of(streamed) == held
    # A sheet whose size did not say (its cells tiny): opened after the scan, as before.
    monkeypatch.setattr(workbook_cells, "_may_stream", lambda part: False)
    streamed = workbook_cells.open_sheet(path)
    assert opened.threads == ["welfare-calc open sheet", "MainThread"]
    assert rows_of(streamed) == held


def test_a_stream_that_cannot_be_opened_is_read_whole(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    plus = pytest.importorskip("python_calamine_plus")
    path = offset_roster(tmp_path / "r.xlsx")
    held = rows_of(workbook_cells.open_sheet(path))
    monkeypatch.setattr(workbook_cells, "STREAM_PAST", 100)

    class Unopened:
        @staticmethod
        def from_path(path: str) -> object:
            raise plus.CalamineError("the fork cannot stream this")

    monkeypatch.setattr(plus, "CalamineWorkbook", Unopened)
    sheet = workbook_cells.open_sheet(path)
    assert sheet.offset == 1  # python-calamine's rows
    assert rows_of(sheet) == held


def test_the_opening_thread_ends_when_the_scan_refuses(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = offset_roster(tmp_path / "r.xlsx")
    monkeypatch.setenv("WELFARE_CALC_WORKBOOK_READER", "stream")
    monkeypatch.setattr(workbook_cells, "SHEET_ROWS", 20)  # the roster's 41 rows: too many
    with pytest.raises(UnusableInput, match="的行数或列数超过了 Excel 工作表的上限（20 行"):
        workbook_cells.open_sheet(path)
    assert "welfare-calc open sheet" not in [each.name for each in threading.enumerate()]


def test_a_stream_opened_for_a_sheet_the_scan_reads_whole_is_dropped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Its size said it may be streamed (a few cells of long texts, say); its cells, not.
    pytest.importorskip("python_calamine_plus")
    path = offset_roster(tmp_path / "r.xlsx")
    held = rows_of(workbook_cells.open_sheet(path))
    openings: list[workbook_cells._Opening] = []
    opening = workbook_cells._Opening

    def noted(path: Path, name: str) -> workbook_cells._Opening:
        openings.append(opening(path, name))
        return openings[-1]

    monkeypatch.setattr(workbook_cells, "_may_stream", lambda part: True)
    monkeypatch.setattr(workbook_cells, "_Opening", noted)
    sheet = workbook_cells.open_sheet(path)
    assert sheet.offset == 1  # python-calamine's rows
    assert rows_of(sheet) == held
    assert len(openings) == 1
    assert openings[0].stream is None  # what it opened is not kept
