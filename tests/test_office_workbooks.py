"""Workbooks as offices make them (issue 26 §1, §2): merged ranges, and an .xls whose
formulas were never calculated.

A 花名册 merges its 乡镇（街道） down each town's rows, and often a 村 or a shared 起始月份
too; the file holds the value in each range's top-left cell alone. An .xls written by
an export script (xlwt, Java POI) holds formulas no spreadsheet calculated. Each is
made here as the programs that write them do (openpyxl, xlwt, XML by hand, and
LibreOffice for a calculated .xls), and every test runs through both workbook readers.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import struct
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwt
from click.testing import Result

from helpers import LANGUAGE_VARIABLES, csv_rows, invoker, sheet_values

HEADER = ["id", "category", "persons", "income", "start", "end", "paid", "supplement"]
TOWN_ROSTER = Path(__file__).resolve().parents[1] / "examples" / "town_roster.csv"
MONTH = dt.datetime(2020, 5, 1)
"""A start month stored as a date (as offices type it), shown ``yyyy-mm``."""
CALCULATE_ON_OPEN = 0x0002
"""A BIFF FORMULA record's flag "calculate on opening", which Java POI sets."""
Merge = tuple[int, int, int, int]
"""A merged range: first row, last row, first column, last column (0-based, inclusive;
row 0 is the header)."""


@pytest.fixture(autouse=True, params=["stream", "calamine"])
def workbook_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here twice: python-calamine-plus streaming, python-calamine whole."""
    monkeypatch.setenv("WELFARE_CALC_WORKBOOK_READER", request.param)
    return str(request.param)


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages asserted word for word are the English ones."""
    for name in LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WELFARE_CALC_LANG", "en")


def merged_book(tmp_path: Path, suffix: str, rows: Sequence[Sequence[Any]],
                merges: Sequence[Merge], header: Sequence[str] = HEADER,
                name: str = "roster") -> Path:
    """A roster whose ``merges`` are merged ranges holding their value in their top-left
    cell alone, as Excel keeps them: by openpyxl (.xlsx) or xlwt (.xls). A datetime is
    stored as a date shown ``yyyy-mm``; an int or float as a number; text as text."""
    table = [list(header), *[list(row) for row in rows]]
    hidden = {(row, column) for first, last, left, right in merges
              for row in range(first, last + 1) for column in range(left, right + 1)}
    path = tmp_path / f"{name}{suffix}"
    if suffix == ".xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        for r, cells in enumerate(table):
            for c, value in enumerate(cells):
                if value not in (None, "") and ((r, c) not in hidden or any(
                        (r, c) == (first, left) for first, _, left, _ in merges)):
                    sheet.cell(r + 1, c + 1, value)
                    if isinstance(value, dt.datetime):
                        sheet.cell(r + 1, c + 1).number_format = "yyyy-mm"
        for first, last, left, right in merges:
            sheet.merge_cells(start_row=first + 1, end_row=last + 1, start_column=left + 1,
                              end_column=right + 1)
        book.save(path)
        return path
    month = xlwt.easyxf(num_format_str="yyyy-mm")
    plain = xlwt.easyxf("")
    book_xls = xlwt.Workbook()
    sheet_xls = book_xls.add_sheet("花名册")
    for r, cells in enumerate(table):
        for c, value in enumerate(cells):
            if value not in (None, "") and (r, c) not in hidden:
                sheet_xls.write(r, c, value, month if isinstance(value, dt.datetime) else plain)
    for first, last, left, right in merges:
        value = table[first][left] if left < len(table[first]) else None
        sheet_xls.write_merge(first, last, left, right, "" if value is None else value,
                              month if isinstance(value, dt.datetime) else plain)
    book_xls.save(str(path))
    return path


def batch(tmp_path: Path, roster: Path, *options: str, out: str = "out.csv"
          ) -> tuple[Result, list[dict[str, str]], list[dict[str, str]]]:
    """Run the batch on a roster: the result, the rows written and the rows rejected."""
    target = tmp_path / out
    done = invoker()("batch", str(roster), "--through", "2020-08", "-o", str(target),
                     "--summary", str(tmp_path / "summary.json"), *options)
    written = csv_rows(target) if target.exists() and target.suffix == ".csv" else []
    errors = tmp_path / f"{out}.errors.csv"
    return done, written, csv_rows(errors) if errors.exists() else []


def summary(tmp_path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    return loaded


# --- merged ranges: each cell is the range's value ------------------------------------------


def town_roster() -> tuple[list[str], list[list[str]], list[Merge]]:
    """examples/town_roster.csv sorted by town and village, as a 花名册 is kept, with its
    乡镇（街道） merged down each town's rows and its 村（社区） down each village's."""
    with TOWN_ROSTER.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    rows.sort(key=lambda row: (row[1], row[2]))
    merges: list[Merge] = []
    for column in (1, 2):
        first = 0
        for index in range(1, len(rows) + 1):
            if index == len(rows) or rows[index][1:column + 1] != rows[first][1:column + 1]:
                if index - first > 1:
                    merges.append((first + 1, index, column, column))
                first = index
    return header, rows, merges


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_town_merged_down_its_households_is_each_households_town(tmp_path: Path,
                                                                   suffix: str) -> None:
    # The roster: 7 of 10 households fell into 未填属地 and 萌水镇 showed 402.48
    # where 2769.12 is due, while the 合计 was right. Read as Excel shows it, the merged
    # roster gives the 资金汇总 the same roster gives as CSV, cell for cell.
    header, rows, merges = town_roster()
    assert len(merges) == 7  # 3 towns, 4 villages of more than one household
    book = merged_book(tmp_path, suffix, rows, merges, header)
    plain = tmp_path / "plain.csv"
    with plain.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    funds = []
    for given in (plain, book):
        fund = tmp_path / f"fund-{given.suffix}.csv"
        done, _, rejected = batch(tmp_path, given, "--group-by", "乡镇（街道）",
                                  "--group-by", "村（社区）", "--summary-csv", str(fund))
        assert (done.exit_code, rejected) == (0, []), done.output
        funds.append(csv_rows(fund))
    assert funds[0] == funds[1]
    by_town = {row["乡镇（街道）"]: row["增补金额合计（元）"] for row in funds[1]}
    assert "未填属地" not in by_town
    assert by_town["合计"] == "7805.12"
    assert sum(float(row["增补金额合计（元）"]) for row in funds[1]
               if row["乡镇（街道）"] == "萌水镇") == pytest.approx(2769.12)
    # The summary says how many merged ranges were read.
    assert summary(tmp_path)["merged_ranges"] == 7
    assert "; 7 merged ranges read, each cell as the range's value" in done.stderr


def test_the_publicity_list_of_a_merged_roster_files_each_household_under_its_village(
        tmp_path: Path) -> None:
    header, rows, merges = town_roster()
    book = merged_book(tmp_path, ".xlsx", rows, merges, header)
    listed = tmp_path / "公示.csv"
    done = invoker()("publicity", str(book), "--month", "2020-08", "--period", "2020年8月",
                     "--group-by", "乡镇（街道）", "--group-by", "村（社区）", "-o", str(listed))
    assert done.exit_code == 0, done.output
    places = [(row["乡镇（街道）"], row["村（社区）"]) for row in csv_rows(listed)]
    assert ("未填属地", "未填属地") not in places
    assert places.count(("萌水镇", "萌水村")) == 3


def test_the_workbook_summary_sheet_says_how_many_merged_ranges_were_read(
        tmp_path: Path) -> None:
    header, rows, merges = town_roster()
    book = merged_book(tmp_path, ".xlsx", rows, merges, header)
    done, _, _ = batch(tmp_path, book, out="out.xlsx")
    assert done.exit_code == 0, done.output
    notes = [row[0] for row in sheet_values(tmp_path / "out.xlsx", "汇总") if row[0]]
    assert "读取的合并单元格区域：7" in notes


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_start_month_merged_over_two_households_is_each_ones(tmp_path: Path,
                                                               suffix: str) -> None:
    # Admitted the same month, their start cell merged: the second read as empty, "covered
    # since before the raise", and was paid 1440.00 where 720.00 is due (2020-05..08).
    rows = [["H1", "urban-dibao", 3, 200, MONTH], ["H2", "urban-dibao", 3, 200, None],
            ["H3", "urban-dibao", 3, 200, None]]
    done, written, _ = batch(tmp_path, merged_book(tmp_path, suffix, rows, [(1, 2, 4, 4)]))
    assert done.exit_code == 0, done.output
    assert [(row["id"], row["start"], row["backpay"]) for row in written] == [
        ("H1", "2020-05", "720.00"), ("H2", "2020-05", "720.00"), ("H3", "", "1440.00")]
    assert summary(tmp_path)["merged_ranges"] == 1


@pytest.mark.parametrize(("suffix", "column", "merge", "value"), [
    pytest.param(".xlsx", "paid", (1, 2, 6, 6), 1440, id="paid over two households, xlsx"),
    pytest.param(".xls", "income", (1, 3, 3, 3), 200, id="income over three, xls"),
    pytest.param(".xlsx", "supplement", (2, 3, 7, 7), "20%", id="a supplement, xlsx"),
    pytest.param(".xls", "persons", (1, 2, 2, 2), 3, id="persons over two, xls"),
])
def test_one_amount_merged_over_several_households_is_refused(
        tmp_path: Path, suffix: str, column: str, merge: Merge, value: object) -> None:
    # Each household's amount, or their total? The sheet does not say: every row the
    # range reaches is refused, naming the range; the others are read.
    rows: list[list[Any]] = [[f"H{n}", "urban-dibao", 3, 200, None, None, None, None]
                             for n in range(1, 5)]
    first, last, left, _ = merge
    rows[first - 1][left] = value
    done, written, rejected = batch(tmp_path, merged_book(tmp_path, suffix, rows, [merge]))
    assert done.exit_code == 1
    reached = [f"H{n}" for n in range(first, last + 1)]
    assert [row["id"] for row in rejected] == reached
    assert [row["id"] for row in written] == [f"H{n}" for n in range(1, 5)
                                              if f"H{n}" not in reached]
    letter = "ABCDEFGH"[left]
    ref = f"{letter}{first + 1}:{letter}{last + 1}"
    for row, number in zip(rejected, range(first + 1, last + 2), strict=True):
        assert (row["line"], row["column"]) == (str(number), column)
        assert row["reason"] == (
            f"cell {letter}{number} is in the merged range {ref}, whose one value "
            f"{str(value)!r} would be read for each of its {last - first + 1} rows: it may "
            f"be each household's {column} or their total. Unmerge the cells (取消合并单元格) "
            "and type each household's own value")


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_empty_cells_merged_over_several_households_are_each_empty(tmp_path: Path,
                                                                   suffix: str) -> None:
    # Merged for looks, with nothing in them: no amount reaches two households.
    rows = [["H1", "urban-dibao", 3, 200], ["H2", "urban-dibao", 3, 200]]
    done, written, _ = batch(tmp_path, merged_book(tmp_path, suffix, rows,
                                                   [(1, 2, 6, 7), (1, 1, 4, 5)]))
    assert done.exit_code == 0, done.output
    assert [(row["id"], row["paid"], row["backpay"]) for row in written] == [
        ("H1", "", "1440.00"), ("H2", "", "1440.00")]


@pytest.mark.parametrize(("suffix", "merge", "named"), [
    pytest.param(".xlsx", (1, 1, 4, 5), "start, end", id="start and end merged, xlsx"),
    pytest.param(".xls", (1, 1, 3, 6), "income, start, end, paid", id="income to paid, xls"),
])
def test_one_value_merged_across_columns_of_the_calculation_is_refused(
        tmp_path: Path, suffix: str, merge: Merge, named: str) -> None:
    # 2020-05 across 起始月份 and 截止月份: one month of coverage, or from 2020-05 on?
    rows = [["H1", "urban-dibao", 3, 200, None, None], ["H2", "urban-dibao", 3, 200]]
    rows[0][merge[2]] = "2020-05"
    done, written, rejected = batch(tmp_path, merged_book(tmp_path, suffix, rows, [merge]))
    assert done.exit_code == 1
    assert [row["id"] for row in written] == ["H2"]
    assert [(row["id"], row["line"]) for row in rejected] == [("H1", "2")]
    assert f"which spans the columns {named}: its one value '2020-05'" in rejected[0]["reason"]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_merged_ranges_that_reach_no_household_change_nothing(tmp_path: Path,
                                                              suffix: str) -> None:
    # A title merged across the sheet above the header, a town merged on past its last
    # household through two empty rows, and a note merged on past the table's last
    # column: no row is made of them, and none is refused for them.
    header = [*HEADER, "乡镇（街道）", "备注"]
    rows: list[list[Any]] = [
        ["H1", "urban-dibao", 3, 200, None, None, None, None, "萌水镇", "note"],
        ["H2", "urban-dibao", 3, 200], [], [],
        ["H3", "urban-dibao", 3, 200]]
    # Row 0 the title, row 1 the header, then the households from row 2.
    merges = [(0, 0, 0, 8), (2, 5, 8, 8), (2, 2, 9, 10)]
    book = merged_book(tmp_path, suffix, [header, *rows], merges, header=["周村区提标增补花名册"])
    done, written, rejected = batch(tmp_path, book)
    assert (done.exit_code, rejected) == (0, []), done.output
    assert [(row["id"], row["乡镇（街道）"], row["备注"], row["backpay"]) for row in written] == [
        ("H1", "萌水镇", "note", "1440.00"), ("H2", "萌水镇", "", "1440.00"),
        ("H3", "", "", "1440.00")]
    assert summary(tmp_path)["rows_read"] == 3
    assert summary(tmp_path)["merged_ranges"] == 2  # the title is above the header


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_two_row_header_whose_names_are_merged_down_is_read(tmp_path: Path,
                                                              suffix: str) -> None:
    # The provincial layout: names merged down two rows, 金额 merged across the two
    # columns it heads, their own names below it. Merged down, a name names its column in
    # the lower row too; merged across, only its first column (金额 names no column).
    upper = ["编号", "保障类别", "保障人数", "金额", None, "起始月份", "截止月份"]
    lower = [None, None, None, "家庭月人均收入", "已发金额", None, None]
    rows = [lower, ["H1", "城市低保", 3, 200, 1200 * 8, None, None]]
    merges = [(0, 1, column, column) for column in (0, 1, 2, 5, 6)] + [(0, 0, 3, 4)]
    done, written, _ = batch(tmp_path, merged_book(tmp_path, suffix, rows, merges, upper))
    assert done.exit_code == 0, done.output
    assert [(row["编号"], row["已发金额"], row["增补金额"]) for row in written] == [
        ("H1", "9600", "1440.00")]


def test_overlapping_merged_ranges_are_refused(tmp_path: Path) -> None:
    # Excel never saves them; a program can (openpyxl does, unasked).
    rows = [["H1", "urban-dibao", 3, 200], [None, None, 3, 200]]
    roster = merged_book(tmp_path, ".xlsx", rows, [(1, 2, 0, 0), (2, 2, 0, 1)])
    done, _, _ = batch(tmp_path, roster)
    assert done.exit_code == 2
    assert ("the merged ranges A2:A3 and A3:B3 overlap, which Excel never saves"
            in done.output)


# --- .xls formulas never calculated ---------------------------------------------------------


def xls_with_formulas(tmp_path: Path, rows: Sequence[Sequence[object]],
                      name: str = "roster.xls") -> Path:
    """An .xls as an export script writes it with xlwt: text ``=…`` is a formula."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("花名册")
    for r, cells in enumerate([HEADER, *rows]):
        for c, value in enumerate(cells):
            if isinstance(value, str) and value.startswith("="):
                sheet.write(r, c, xlwt.Formula(value[1:]))
            elif value not in (None, ""):
                sheet.write(r, c, value)
    path = tmp_path / name
    book.save(str(path))
    return path


def test_every_formula_xlwt_wrote_refuses_its_row(tmp_path: Path) -> None:
    # The case: three households each with a formula (paid, start, end), all
    # three paid 1440.00 since every formula read as an empty cell.
    rows = [["H1", "urban-dibao", 3, 200, None, None, "=1200*8"],
            ["H2", "urban-dibao", 3, 200, '="2020-05"'],
            ["H3", "urban-dibao", 3, 200, None, '="2020-06"'],
            ["H4", "urban-dibao", 3, 200]]
    done, written, rejected = batch(tmp_path, xls_with_formulas(tmp_path, rows))
    assert done.exit_code == 1
    assert [(row["id"], row["backpay"]) for row in written] == [("H4", "1440.00")]
    assert [(row["id"], row["column"]) for row in rejected] == [
        ("H1", "paid"), ("H2", "start"), ("H3", "end")]
    assert rejected[0]["reason"] == (
        "cell G2 holds a formula with no saved value (the file was written by a program and "
        "never calculated): open it in Excel or WPS, save it, and run again")
    assert rejected[1]["reason"].startswith("cell E3 holds a formula with no saved value")


@pytest.mark.parametrize(("column", "formula"), [
    pytest.param(3, "=100+100", id="income"),
    pytest.param(2, "=1+2", id="persons"),
    pytest.param(7, "=0.1*2", id="supplement"),
    pytest.param(1, '="urban-"&"dibao"', id="category"),
])
def test_a_formula_xlwt_wrote_in_any_column_refuses_its_row(tmp_path: Path, column: int,
                                                            formula: str) -> None:
    row: list[object] = ["H1", "urban-dibao", 3, 200, None, None, None, None]
    row[column] = formula
    done, _, rejected = batch(tmp_path, xls_with_formulas(tmp_path, [row]))
    assert done.exit_code == 1
    assert [row["column"] for row in rejected] == [HEADER[column]]
    assert "holds a formula with no saved value" in rejected[0]["reason"]


@pytest.mark.parametrize(("stored", "backpay"), [
    pytest.param(0.0, None, id="Java POI: 0, never calculated"),
    pytest.param(9600.0, "1440.00", id="OpenOffice: the value it calculated"),
])
def test_a_formula_flagged_calculate_on_opening(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                stored: float, backpay: str | None) -> None:
    """POI stores 0 as a new formula's value and flags it "calculate on opening": read as
    a value, a paid formula is 0.00 paid, 11040.00 back-pay where 1440.00 is due.
    OpenOffice set the same flag on every formula, over the value it calculated."""
    def as_written(self: Any, row: int, column: int, style: int, rpn: bytes,
                   calc_flags: int = 0) -> None:
        self._rec_data = struct.pack("<3HdHL", row, column, style, stored, CALCULATE_ON_OPEN,
                                     0) + rpn

    monkeypatch.setattr(xlwt.BIFFRecords.FormulaRecord, "__init__", as_written)
    rows = [["H1", "urban-dibao", 3, 200, None, None, "=1200*8"], ["H2", "urban-dibao", 3, 200]]
    done, written, rejected = batch(tmp_path, xls_with_formulas(tmp_path, rows))
    if backpay is not None:
        assert (done.exit_code, rejected) == (0, []), done.output
        assert [(row["id"], row["paid"], row["backpay"]) for row in written] == [
            ("H1", "9600", backpay), ("H2", "", "1440.00")]
        return
    assert done.exit_code == 1
    assert [row["id"] for row in written] == ["H2"]
    assert [(row["id"], row["column"]) for row in rejected] == [("H1", "paid")]
    assert rejected[0]["reason"].startswith("cell G2 holds a formula with no saved value")


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed on this machine")
def test_formulas_libreoffice_calculated_and_saved_as_xls_are_read_by_their_value(
        tmp_path: Path) -> None:
    # The same formulas, calculated: LibreOffice saves each one's value (an empty text
    # too, as xlwt's placeholder is stored) and the RECALCID record xlwt never writes.
    rows = [["H1", "urban-dibao", 3, 200, '=TEXT(DATE(2020,5,1),"yyyy-mm")',
             '=IF(1=1,"","2020-06")', "=1200*4"],
            ["H2", "urban-dibao", 3, 200, None, '=IF(1=1,"","x")']]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for cells in [HEADER, *rows]:
        sheet.append(cells)
    source = tmp_path / "calculated.xlsx"
    book.save(source)
    subprocess.run(["soffice", "--headless", "--convert-to", "xls", "--outdir", str(tmp_path),
                    str(source)], check=True, capture_output=True, timeout=300,
                   env={**os.environ, "HOME": str(tmp_path), "LC_ALL": "C.UTF-8"})
    done, written, rejected = batch(tmp_path, tmp_path / "calculated.xls")
    assert (done.exit_code, rejected) == (0, []), done.output
    # 2020-05..08 due 1380.00 a month, 4800.00 paid: 720.00; H2 covered all eight months.
    assert [(row["id"], row["start"], row["end"], row["paid"], row["backpay"])
            for row in written] == [("H1", "2020-05", "", "4800", "720.00"),
                                    ("H2", "", "", "", "1440.00")]
    # The same roster as xlwt writes it, never calculated, is refused row by row.
    script = xls_with_formulas(tmp_path, rows, "script.xls")
    done, written, rejected = batch(tmp_path, script)
    assert (done.exit_code, written) == (1, [])
    assert [(row["id"], row["column"]) for row in rejected] == [("H1", "start"), ("H2", "end")]
