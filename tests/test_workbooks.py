"""Excel rosters in: title rows, cells as Excel stores them, rows as Excel numbers them.

Workbooks are made with XlsxWriter, the way the provincial system's exports
look; what the batch reads from them is checked against the same roster
given as CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

from helpers import (
    LANGUAGE_VARIABLES,
    TITLE_ROWS,
    Run,
    csv_rows,
    invoker,
    printed_table,
    sheet_values,
)
from synthetic import write_households
from welfare_calc.batch.input.sheet_reading import cell_text, column_letter, number_text
from welfare_calc.batch.run.pipeline import BatchFiles, BatchOptions, run_batch
from welfare_calc.batch.write import staging
from welfare_calc.batch.write import workbook as workbook_writing
from welfare_calc.batch.write.workbook import exact_number
from welfare_calc.cli import cli
from welfare_calc.cli.progress import Progress
from welfare_calc.core.engine import BackpayEngine
from welfare_calc.core.months import Month
from welfare_calc.standards.loader import shipped_standards

pytestmark = pytest.mark.usefixtures("english")  # the English words of the messages

HEADER = ["id", "category", "persons", "income", "start", "end"]


@pytest.fixture(autouse=True, params=["stream", "calamine"])
def workbook_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here twice: with python-calamine-plus streaming the sheet, and with
    python-calamine holding it whole (the fallback), which must read alike."""
    monkeypatch.setenv("WELFARE_CALC_WORKBOOK_READER", request.param)
    return str(request.param)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Run:
    for name in LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WELFARE_CALC_LANG", "en")  # the messages' English words, as asserted
    return invoker()


def workbook(path: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> Path:
    """A workbook with these rows on these sheets; a cell's Python type decides how
    Excel stores it (str: text, int/float: number, datetime: date)."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                          "strings_to_formulas": False})
    month = book.add_format({"num_format": "yyyy-mm"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, month)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
    book.close()
    return path


def rows_of(path: Path) -> list[dict[str, str]]:
    return csv_rows(path)


TITLED = [
    ["周村区城乡低保提标增补花名册"],
    ["制表单位：永安街道办事处", None, None, None, "制表日期：2020-08-20"],
    [],
    [*HEADER, "姓名"],
    ["H1", "urban-dibao", 3.0, 200, dt.datetime(2020, 1, 1), None, "张三"],
    ["H2", "rural-dibao", 2, 100.0, None, dt.datetime(2020, 6, 15), "李四"],
    [],
    ["H3", "rural-tekun", 1, 0.1, None, None, "王五"],
]


def test_a_roster_with_title_rows(run: Run, tmp_path: Path) -> None:
    roster = workbook(tmp_path / "花名册.xlsx", {"低保": TITLED})
    out = tmp_path / "out.csv"
    result = run("batch", str(roster), "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    rows = rows_of(out)
    assert [(row["id"], row["persons"], row["income"], row["start"], row["end"], row["姓名"],
             row["months"], row["backpay"]) for row in rows] == [
        ("H1", "3", "200", "2020-01", "", "张三", "8", "1440.00"),
        # 2 persons, income 100, 2020-01..2020-06: 6 × (760.00 − 658.33), as paid monthly.
        ("H2", "2", "100", "", "2020-06", "李四", "6", "610.02"),
        ("H3", "1", "0.1", "", "", "王五", "8", "536.64"),
    ]
    assert "rows read 3, written 3, rejected 0" in result.stderr


def test_rows_are_named_by_sheet_and_excel_row(run: Run, tmp_path: Path) -> None:
    roster = workbook(tmp_path / "r.xlsx", {"说明": [["见第二页"]], "低保": [
        *TITLED,
        ["H4", "urban-dibao", 1.5, 0, None, None, "赵六"],              # row 9
        ["H5", "urban-dibao", 1, 0.001, None, None, "钱七"],            # row 10
        ["H6", "urban-dibao", 1, 0, None, None, "孙八\n(户主)"],        # row 11, two lines
        [370302199001011234, "urban-dibao", 1, 0, None, None, "周九"],  # row 12
        ["H1", "urban-dibao", 1, 0, None, None, "张三", None, "备注"],   # row 13
        ["H2", "rural-dibao", 2, 100, None, None, "李四"],               # row 14
    ]})
    out = tmp_path / "out.csv"
    result = run("batch", str(roster), "--sheet", "低保", "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 1
    errors = rows_of(tmp_path / "out.csv.errors.csv")
    assert [(row["sheet"], row["line"], row["id"], row["column"]) for row in errors] == [
        ("低保", "9", "H4", "persons"),
        ("低保", "10", "H5", "income"),
        ("低保", "12", "370302199001011300", "id"),
        ("低保", "13", "H1", ""),
        ("低保", "6", "H2", "id"),   # doubled: H2 again on row 14 ...
        ("低保", "14", "H2", "id"),  # ... each names the other by its Excel row
    ]
    reasons = [row["reason"] for row in errors]
    assert reasons[2].startswith("the id 370302199001011300 is stored in Excel as a number, "
                                 "which keeps only 15 digits: its last digits are lost. "
                                 "Format the id column as text")
    assert reasons[3] == ("column I holds '备注' but has no header: give the column a header, "
                          "or clear the cell")
    # The row as its cells, as for any rejected row.
    assert errors[2]["row"] == "370302199001011300,urban-dibao,1,0,,,周九"
    assert reasons[4].startswith("same id as row 14 with overlapping coverage")
    assert reasons[5].startswith("same id as row 6 with overlapping coverage")
    assert [row["id"] for row in rows_of(out)] == ["H1", "H3", "H6"]
    assert "孙八\n(户主)" in out.read_text(encoding="utf-8")


def test_header_row_and_sheet_options(run: Run, tmp_path: Path) -> None:
    rows = [["note"], HEADER, ["H1", "urban-tekun", 1, 0]]
    roster = workbook(tmp_path / "r.xlsx", {"A": [["nothing here"]], "B": rows})
    out = tmp_path / "o.csv"
    assert run("batch", str(roster), "--sheet", "B", "--header-row", "2", "--through",
               "2020-08", "-o", str(out)).exit_code == 0
    assert rows_of(out)[0]["backpay"] == "720.00"
    wrong = run("batch", str(roster), "--sheet", "B", "--header-row", "1", "--through",
                "2020-08", "-o", str(out))
    assert wrong.exit_code == 2
    assert wrong.stderr == (f"Error: {roster}: sheet 'B', row 1: missing column(s) id, "
                            "category, persons, income, start, end; the header needs id, "
                            "category, persons, income, start, end (and optionally paid), in "
                            "English or as the roster names them (编号 or 身份证号, 保障类别, "
                            "保障人数, 家庭月人均收入, …), or --column KEY=HEADER; coverage "
                            "months are the clerk's to give: add 起始月份 and 截止月份 (an empty "
                            "cell: covered since before the raise, or still covered)\n")
    first = run("batch", str(roster), "--through", "2020-08", "-o", str(out))
    assert first.exit_code == 2
    assert "sheet 'A': no row names the columns id, category, persons, income, start, end; " \
           "name them in one row, or give --header-row N" in first.stderr
    missing = run("batch", str(roster), "--sheet", "C", "--through", "2020-08", "-o", str(out))
    assert missing.stderr == f"Error: {roster}: has no sheet named 'C'; its sheets: 'A', 'B'\n"
    csv_in = tmp_path / "in.csv"
    csv_in.write_text(",".join(HEADER) + "\n", encoding="utf-8")
    refused = run("batch", str(csv_in), "--sheet", "B", "--through", "2020-08")
    assert refused.exit_code == 2
    assert "--sheet is for a workbook INPUT" in refused.stderr


@pytest.mark.parametrize(("name", "content", "said"), [
    ("roster.xlsx", b"", "is not an Excel workbook (.xlsx or .xls); save it"),
    ("roster.xlsx", b"PK\x03\x04 not a zip", "is a damaged workbook ("),
    ("roster.xlsx", b"id,category\n", "is text (tab- or comma-separated), not a workbook"),
    ("roster.xls", "编号\t保障类别\n".encode("utf-16"), "is text (tab- or comma-separated)"),
    ("roster.xls", b"<html><head><meta charset=utf-8></head><body><table><tr><td>id</td>",
     "is a web page (HTML) named as an Excel file"),
    ("roster.xls", b"\xef\xbb\xbf<!DOCTYPE html>\n<html>", "is a web page (HTML)"),
    ("roster.xls", b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:'
                   b'office:spreadsheet">', "is an \"XML Spreadsheet 2003\" file"),
    ("roster.xls", b"MIME-Version: 1.0\r\nContent-Type: multipart/related",
     "is a web archive (MHT)"),
    ("roster.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "xls workbook"),
], ids=["empty file", "broken zip", "CSV named .xlsx", "Unicode text named .xls",
        "web page named .xls", "web page with a BOM", "XML Spreadsheet 2003", "MHT",
        "broken OLE file"])
def test_a_file_that_is_no_workbook_is_one_line(run: Run, tmp_path: Path, name: str,
                                                content: bytes, said: str) -> None:
    fake = tmp_path / name
    fake.write_bytes(content)
    out = tmp_path / "o.csv"
    result = run("batch", str(fake), "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {fake}: "), result.stderr
    assert said in result.stderr
    assert result.stderr.count("\n") == 1
    assert not out.exists()


def test_a_workbook_gives_what_the_same_roster_as_csv_gives(run: Run, tmp_path: Path) -> None:
    # 20,000 generated households (several chunks, the column-wise lane, doubled
    # ids), stored as Excel stores them: numbers as floats, months as dates.
    text = io.StringIO()
    write_households(text, 20_000, seed=11)
    text.write("H000000005,urban-dibao,1,0,,,\n")
    source = list(csv.reader(io.StringIO(text.getvalue())))
    csv_in = tmp_path / "in.csv"
    csv_in.write_text(text.getvalue(), encoding="utf-8")

    def stored(key: str, cell: str) -> Any:
        if not cell or key in ("id", "category"):
            return cell or None
        if key in ("start", "end"):
            year, month = cell.split("-")
            return dt.datetime(int(year), int(month), 1)
        return float(cell) if key != "persons" else int(cell)

    header = source[0]
    roster = workbook(tmp_path / "in.xlsx", {"Sheet1": [
        ["花名册"], header, *[[stored(key, cell) for key, cell in zip(header, row, strict=True)]
                           for row in source[1:]]]})
    outputs = {}
    for given in (csv_in, roster):
        out = tmp_path / f"{given.suffix[1:]}.csv"
        summary = tmp_path / f"{given.suffix[1:]}.json"
        result = run("batch", str(given), "--through", "2020-08", "-o", str(out),
                     "--summary", str(summary))
        assert result.exit_code == 1
        outputs[given.suffix] = (
            [(row["id"], row["months"], row["backpay"], row["monthly"]) for row in rows_of(out)],
            json.loads(summary.read_text(encoding="utf-8")),
            [(row["line"], row["id"], row["reason"])
             for row in rows_of(tmp_path / f"{given.suffix[1:]}.csv.errors.csv")])
    assert outputs[".csv"][0] == outputs[".xlsx"][0]
    assert outputs[".xlsx"][1].pop("sheet") == "Sheet1"  # the summary says which sheet
    assert outputs[".csv"][1].pop("encoding") == "utf-8"  # and a CSV's, which encoding
    assert outputs[".xlsx"][1].pop("merged_ranges") == 0  # and how many merged ranges it read
    assert outputs[".csv"][1] == outputs[".xlsx"][1]
    assert outputs[".csv"][1]["rows_read"] == 20_001
    # The same rows rejected for the same reasons; CSV line n is sheet row n + 1.
    assert [(str(int(line) + 1), ident) for line, ident, _ in outputs[".csv"][2]] == [
        (line, ident) for line, ident, _ in outputs[".xlsx"][2]]


@pytest.mark.parametrize(("value", "text"), [
    (3.0, "3"), (200.1, "200.1"), (429.17, "429.17"), (0.1 + 0.2, "0.30000000000000004"),
    (-0.0, "0"), (1e-05, "0.00001"), (1e16, "10000000000000000"), (7, "7"),
])
def test_numbers_read_by_their_shortest_spelling(value: float, text: str) -> None:
    assert number_text(value) == text


def test_cells_as_text() -> None:
    assert cell_text(dt.date(2020, 3, 1), month=True) == "2020-03"
    assert cell_text(dt.datetime(2020, 3, 15, 10, 30), month=True) == "2020-03"
    assert cell_text(dt.date(2020, 3, 15), month=False) == "2020-03-15"
    assert cell_text(dt.datetime(2020, 3, 15, 10, 30), month=False) == "2020-03-15 10:30:00"
    assert cell_text(True, month=False) == "TRUE"
    assert cell_text("", month=False) == cell_text(None, month=False) == ""
    assert [column_letter(index) for index in (0, 25, 26, 701, 702)] == [
        "A", "Z", "AA", "ZZ", "AAA"]


# --- workbooks out --------------------------------------------------------------------------

EXAMPLE = Path(__file__).parent.parent / "examples" / "households.csv"


def with_formulas(tmp_path: Path) -> Path:
    """The example roster plus a name column whose cells look like formulas."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    names = ["姓名", *[f"户主{index}" for index in range(1, len(lines))]]
    names[1] = "=HYPERLINK(\"http://example.com\",\"点我\")"
    names[2] = "+86 533 1234"
    rows = [[*next(csv.reader([line])), name] for line, name in zip(lines, names, strict=True)]
    source = tmp_path / "roster.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return source


def sheet_rows(path: Path, name: str) -> list[list[Any]]:
    """A sheet's table: the rejected rows whole, a printed sheet from its header row on,
    before its 小计 and 合计 lines."""
    if name != "问题行":
        return printed_table(path, name)
    book = openpyxl.load_workbook(path)
    return [list(row) for row in book[name].iter_rows()]


@pytest.mark.parametrize("headers", ["en", "zh"])
def test_the_workbook_holds_what_the_csv_holds(run: Run, tmp_path: Path, headers: str) -> None:
    source = with_formulas(tmp_path)
    as_csv, as_xlsx = tmp_path / "out.csv", tmp_path / "增补名单.xlsx"
    first = run("batch", str(source), "--through", "2020-08", "-o", str(as_csv),
                "--summary", str(tmp_path / "s.json"), "--headers", headers)
    second = run("batch", str(source), "--through", "2020-08", "-o", str(as_xlsx),
                 "--headers", headers)
    assert first.exit_code == second.exit_code == 1
    assert second.stderr.endswith(f"see sheet 问题行 of {as_xlsx}\n")
    assert not (tmp_path / "增补名单.xlsx.errors.csv").exists()
    expected = list(csv.reader(io.StringIO(as_csv.read_text(encoding="utf-8"))))
    got = sheet_rows(as_xlsx, "结果")
    assert [cell.value for cell in got[0]] == expected[0]
    assert all(cell.font.b for cell in got[0])
    keys = ["id", "category", "persons", "income", "start", "end", "paid", "姓名",
            "months", "backpay", "monthly", "overpaid", "newly_eligible"]
    assert len(got) == len(expected) > 5
    for cells, want in zip(got[1:], expected[1:], strict=True):
        for key, cell, text in zip(keys, cells, want, strict=True):
            if not text:
                assert cell.value is None, (key, cell.value)
            elif key in ("income", "paid", "backpay", "monthly", "overpaid"):
                assert (cell.data_type, cell.number_format) == ("n", "0.00"), key
                assert Decimal(repr(cell.value)) == Decimal(text), (key, cell.value, text)
            elif key in ("persons", "months"):
                assert (cell.data_type, cell.value) == ("n", int(text)), key
            else:  # ids, names, categories, months: text, never a formula
                assert cell.data_type == "s", key
                # As written, where the CSV file neutralised it ("'=1+2" is "=1+2").
                assert text in (cell.value, f"'{cell.value}"), key
    texts = {cell.value: cell.data_type for row in got for cell in row}
    assert texts["=HYPERLINK(\"http://example.com\",\"点我\")"] == "s"
    # The 资金汇总, equal to the summary file to the fen: its 合计 row, then the notes.
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    fund = sheet_values(as_xlsx, "汇总")
    header = [name.replace("\n", "") for name in fund[2]]  # (printed: broken between words)
    total = dict(zip(header, next(row for row in fund if row[0] == "合计"), strict=True))
    assert Decimal(repr(total["增补金额合计（元）"])) == Decimal(summary["backpay_total"])
    names = {"urban-dibao": "城市低保", "rural-dibao": "农村低保", "urban-tekun": "城市特困",
             "rural-tekun": "农村特困"}
    for key, amount in summary["backpay_by_category"].items():
        assert Decimal(repr(total[f"{names[key]}增补金额（元）"])) == Decimal(amount)
        assert total[f"{names[key]}户数"] == summary["households_by_category"][key]
        assert total[f"{names[key]}人数"] == summary["persons_by_category"][key]
    notes = [row[0] for row in fund if isinstance(row[0], str) and "：" in row[0]]
    assert f"读取行数：{summary['rows_read']}" in notes
    assert any(note.startswith("标准文件：周政办字〔2020〕29号") for note in notes)
    assert any("sha256 " in note for note in notes if note.startswith("标准表："))
    # The rejected rows, as the errors file has them.
    errors = list(csv.reader(io.StringIO(
        (tmp_path / "out.csv.errors.csv").read_text(encoding="utf-8"))))
    rejected = sheet_rows(as_xlsx, "问题行")
    assert len(rejected) == len(errors)
    for cells, want in zip(rejected[1:], errors[1:], strict=True):
        assert cells[0].value == int(want[0])
        for cell, text in zip(cells[1:], want[1:], strict=True):
            # As written, where the CSV file has neutralised it ("'=1+2" is "=1+2").
            assert text in (cell.value or "", f"'{cell.value}"), (cell.value, text)
    if headers == "zh":
        assert [cell.value for cell in rejected[0]] == ["行号", "编号", "列", "原因", "原始内容"]


def test_columns_are_wide_enough_and_the_header_frozen(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "o.xlsx"
    run("batch", str(EXAMPLE), "--through", "2020-08", "-o", str(out), "--headers", "zh")
    sheet = openpyxl.load_workbook(out)["结果"]
    assert sheet.freeze_panes == "A4"  # below the title, 制表单位 and header rows
    for cell in sheet[3]:
        width = sheet.column_dimensions[cell.column_letter].width
        # A header name fits, or wraps onto more lines (家庭月人均收入: 14 wide, wrapped).
        assert width >= min(2 * len(cell.value), 10), (cell.value, width)
        assert cell.alignment.wrap_text or width >= 2 * len(cell.value), cell.value
    for row in sheet.iter_rows(min_row=4, max_row=6):  # every value fits its column
        for cell in row:
            if isinstance(cell.value, str):
                assert sheet.column_dimensions[cell.column_letter].width >= 2 * len(
                    cell.value.encode("gbk")) / 2, cell.value


def test_an_unfinished_workbook_replaces_nothing(run: Run, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "o.xlsx"
    out.write_bytes(b"the old workbook")
    real = workbook_writing.SheetWriter.write
    written = []

    def full_disk(self: Any, *args: Any, **kwargs: Any) -> None:
        written.append(1)
        if len(written) == 5:
            raise OSError(28, "No space left on device")
        real(self, *args, **kwargs)

    monkeypatch.setattr(workbook_writing.SheetWriter, "write", full_disk)
    result = run("batch", str(EXAMPLE), "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == f"Error: cannot write {out}: the disk is full; nothing was replaced\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["o.xlsx"]
    assert out.read_bytes() == b"the old workbook"


def test_a_cell_longer_than_excel_holds_is_refused(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end,note\n"
                      f"H1,urban-dibao,1,0,,,{'长' * 40_000}\n", encoding="utf-8")
    out = tmp_path / "o.xlsx"
    result = run("batch", str(source), "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {source}: sheet '结果', row 4, column 7: a value of 40,000 "
                             "characters; an Excel cell holds at most 32,767: write CSV instead "
                             "(-o result.csv)\n")
    assert not out.exists()


def test_more_rows_than_a_sheet_holds_is_refused_up_front(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook_writing, "SHEET_ROWS", 10)
    source = tmp_path / "in.csv"
    source.write_text(EXAMPLE.read_text(encoding="utf-8") * 2, encoding="utf-8")
    out = tmp_path / "o.xlsx"
    result = run("batch", str(source), "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {source} has more than 9 rows, more than an Excel sheet "
                             "holds; write CSV instead (-o result.csv)\n")
    assert not out.exists()
    # From stdin, where rows cannot be counted first, the sheet refuses them as they come.
    piped = CliRunner().invoke(cli, ["batch", "-", "--through", "2020-08", "-o", str(out)],
                               input=source.read_bytes())
    assert piped.exit_code == 2
    assert "more than an Excel sheet holds; write CSV instead" in piped.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


def test_jsonl_is_not_written_to_a_workbook(run: Run, tmp_path: Path) -> None:
    result = run("batch", str(EXAMPLE), "--through", "2020-08", "-o", str(tmp_path / "o.XLSX"),
                 "--format", "jsonl")
    assert result.exit_code == 2
    assert "--format jsonl cannot be written to" in result.stderr


def test_a_named_errors_file_is_written_beside_the_workbook(run: Run, tmp_path: Path) -> None:
    errors = tmp_path / "errors.csv"
    out = tmp_path / "o.xlsx"
    source = tmp_path / "in.csv"
    source.write_text(EXAMPLE.read_text(encoding="utf-8") + "=2+3,no-such,1,0,,,\n",
                      encoding="utf-8")
    result = run("batch", str(source), "--through", "2020-08", "-o", str(out),
                 "--errors", str(errors))
    assert result.exit_code == 1
    text = errors.read_text(encoding="utf-8")
    assert text.startswith("line,id,column,reason,row\n")
    assert ",'=2+3,category," in text  # a CSV file neutralises, as ever
    rejected = sheet_rows(out, "问题行")
    assert len(rejected) == len(list(csv.reader(io.StringIO(text))))
    formula = [row for row in rejected if row[1].value == "=2+3"]
    assert [(cell.value, cell.data_type) for cell in formula[0][1:3]] == [
        ("=2+3", "s"), ("category", "s")]


def test_money_an_excel_number_cannot_hold_stays_text() -> None:
    assert exact_number("1440.00") == 1440.0
    assert exact_number("-80.00") == -80.0
    assert exact_number("1234567890123.45") == 1234567890123.45  # 15 digits
    assert exact_number("12345678901234.56") is None  # 16: Excel would change it
    assert exact_number("") is None


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed on this machine")
def test_libreoffice_reads_the_workbook_as_the_csv(run: Run, tmp_path: Path) -> None:
    # Another reader, showing cells as formatted (money in 0.00): every sheet as the
    # CSV files of the same run say.
    out, as_csv = tmp_path / "o.xlsx", tmp_path / "o.csv"
    run("batch", str(EXAMPLE), "--through", "2020-08", "-o", str(out))
    run("batch", str(EXAMPLE), "--through", "2020-08", "-o", str(as_csv))
    converted = tmp_path / "converted"
    done = subprocess.run(["soffice", "--headless", "--convert-to", "csv:Text - txt - csv "
                    "(StarCalc):44,34,76,1,,0,false,true,true,false,false,-1", "--outdir",
                    str(converted), str(out)], check=True, capture_output=True, timeout=300,
                   env={**os.environ, "HOME": str(tmp_path), "LC_ALL": "C.UTF-8"})
    assert sorted(path.name for path in converted.iterdir()), done

    def rows(path: Path) -> list[list[str]]:
        return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))

    def same(shown: str, text: str, key: str) -> bool:
        if key in ("income", "paid", "backpay", "monthly", "overpaid") and text:
            return shown == f"{Decimal(text):.2f}"  # a number, shown in its 0.00 format
        return text in (shown, f"'{shown}")  # as written, where CSV neutralised it

    for sheet, expected in (("结果", as_csv), ("问题行", tmp_path / "o.csv.errors.csv")):
        want, got = rows(expected), rows(converted / f"o-{sheet}.csv")
        if sheet == "结果":  # the printed roster: its title rows, the table, then the 合计
            assert got[0][0] == "2020年1—8月提标增补名册"
            closing = got[TITLE_ROWS - 1 + len(want)]
            assert closing[0] == f"合计（{len(want) - 1}户）"
            got = got[TITLE_ROWS - 1:TITLE_ROWS - 1 + len(want)]
        assert len(want) == len(got) > 1, sheet
        assert want[0] == got[0]
        for wanted, shown in zip(want[1:], got[1:], strict=True):
            assert len(wanted) == len(shown)
            assert all(same(cell, text, key) for cell, text, key in
                       zip(shown, wanted, want[0], strict=True)), (sheet, shown, wanted)


def test_a_workbook_open_in_excel_is_left_as_it_was(run: Run, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Excel locks the file it has open: replacing it fails with PermissionError.
    out = tmp_path / "增补名单.xlsx"
    out.write_bytes(b"the workbook open in Excel")
    real_replace = os.replace

    def locked(source: str | Path, target: str | Path) -> None:
        if Path(target) == out:
            raise PermissionError(13, "Permission denied", str(target))
        real_replace(source, target)

    monkeypatch.setattr(staging.os, "replace", locked)
    result = run("batch", str(EXAMPLE), "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == (f"Error: cannot replace {out}: permission denied; it may be open in "
                             "another program (such as Excel): close it and run again\n")
    assert out.read_bytes() == b"the workbook open in Excel"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["增补名单.xlsx"]


def test_progress_while_a_workbook_is_written(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    # On a terminal the CLI shows the rows written into the workbook as it goes.
    source = tmp_path / "in.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        write_households(handle, 25_000, seed=3)
    told: list[int] = []
    table = shipped_standards().table
    with source.open("rb") as handle:
        summary = run_batch(table, BackpayEngine(table, Month(2020, 8)), handle,
                            BatchFiles(tmp_path / "o.xlsx", workbook=True),
                            BatchOptions(fmt="xlsx"), writing=told.append)
    assert summary.rows_written == 25_000
    assert told == [10_000, 20_000]
    progress = Progress(100)
    progress.writing(20_000)
    assert capsys.readouterr().err == "\rworkbook: 20,000 rows written "


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed on this machine")
@pytest.mark.parametrize("suffix", ["ods", "xls"])
def test_opendocument_and_old_excel_rosters_read_alike(run: Run, tmp_path: Path,
                                                       suffix: str) -> None:
    roster = workbook(tmp_path / "roster.xlsx", {"低保": TITLED})
    subprocess.run(["soffice", "--headless", "--convert-to", suffix, "--outdir", str(tmp_path),
                    str(roster)], check=True, capture_output=True, timeout=300,
                   env={**os.environ, "HOME": str(tmp_path), "LC_ALL": "C.UTF-8"})
    outputs = []
    for given in (roster, tmp_path / f"roster.{suffix}"):
        out = tmp_path / f"from-{given.suffix[1:]}.csv"
        result = run("batch", str(given), "--through", "2020-08", "-o", str(out))
        if given.suffix == ".ods":  # refused since its error cells read as empty (issue 17)
            assert result.exit_code == 2
            assert "save it from Excel or WPS as .xlsx" in result.stderr
            assert not out.exists()
            return
        assert result.exit_code == 0, result.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


DOUBLED_IN_TOWNS = ("编号,保障类别,保障人数,家庭月人均收入,起始月份,截止月份,"
                    "乡镇（街道）,户主姓名\n"
                    "B1,城市低保,2,100,,,萌水镇,赵一\n"
                    "B2,城市低保,1,100,,,王村镇,钱二\n"
                    "B1,城市低保,2,100,,,萌水镇,赵一\n"
                    "B3,农村低保,1,100,,,萌水镇,孙三\n")


@pytest.mark.parametrize("command", [
    ["batch", "--through", "2020-08"],
    ["payroll", "--month", "2020-08"],
    ["publicity", "--month", "2020-08", "--period", "2020年8月", "--amounts"],
], ids=["batch", "payroll", "publicity"])
@pytest.mark.parametrize("encoding", [["--output-encoding", "gb18030"], ["--excel"]],
                         ids=["gb18030", "excel"])
def test_a_doubled_id_in_a_grouped_workbook_whatever_the_outputs_encoding(
        tmp_path: Path, command: list[str], encoding: list[str]) -> None:
    # The rows paying one id twice are taken out at the end by rewriting the run's spool,
    # which the workbook is then made from, group by group: the spool is rewritten in
    # UTF-8, as it is read back, whatever encoding the output's text files are asked in
    # (a traceback before).
    source = tmp_path / "花名册.csv"
    source.write_text(DOUBLED_IN_TOWNS, encoding="utf-8")
    out = tmp_path / "结果.xlsx"
    name, *options = command
    done = CliRunner().invoke(cli, [name, str(source), *options, "-o", str(out), *encoding,
                                    "--group-by", "乡镇（街道）"], catch_exceptions=False)
    assert done.exit_code == 1, done.output
    cells = [str(cell) for row in openpyxl.load_workbook(out).worksheets[0].iter_rows(
        values_only=True) for cell in row if cell is not None]
    assert not any("B1" in cell or "赵一" in cell for cell in cells)
    assert any("钱二" in cell for cell in cells) or name == "publicity"
    assert any("王村镇" in cell for cell in cells)
