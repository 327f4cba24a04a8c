"""Workbook cells are read as Excel shows them, or their row is refused (issue 17 §2).

Each kind of cell whose value alone misleads (a percentage, an error, a
formula never calculated), a hidden sheet, a sheet too large to allocate and
a file that is no workbook, each made as the programs that write them do:
openpyxl, XlsxWriter, xlwt (.xls), and XML written by hand.
"""

from __future__ import annotations

import csv
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
import xlwt
from click.testing import CliRunner, Result

from welfare_calc.batch.input.workbook_cells import Percent
from welfare_calc.cli import cli

pytestmark = pytest.mark.usefixtures("english")  # the English words of the messages

HEADER = ["id", "category", "persons", "income", "start", "end", "paid", "supplement"]
FAMILY = ["H1", "urban-dibao", 3, 200]
"""Worked example: (660 − 200) × 3 = 1380.00 a month, 1440.00 back-pay over 2020-01..08."""




@pytest.fixture(autouse=True, params=["stream", "calamine"])
def workbook_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here twice: with python-calamine-plus streaming the sheet, and with
    python-calamine holding it whole (the fallback), which must read alike."""
    monkeypatch.setenv("WELFARE_CALC_WORKBOOK_READER", request.param)
    return str(request.param)


def batch(tmp_path: Path, roster: Path, *options: str) -> tuple[Result, list[dict[str, str]],
                                                                 list[dict[str, str]]]:
    out = tmp_path / "out.csv"
    summary = tmp_path / "summary.json"
    done = CliRunner().invoke(cli, ["batch", str(roster), "--through", "2020-08", "-o", str(out),
                                    "--summary", str(summary), *options])
    written: list[dict[str, str]] = []
    rejected: list[dict[str, str]] = []
    if out.exists():
        with out.open(encoding="utf-8-sig", newline="") as handle:
            written = list(csv.DictReader(handle))
    errors = tmp_path / "out.csv.errors.csv"
    if errors.exists():
        with errors.open(encoding="utf-8-sig", newline="") as handle:
            rejected = list(csv.DictReader(handle))
    return done, written, rejected


def openpyxl_book(tmp_path: Path, rows: list[list[object]],
                  style: Callable[[openpyxl.worksheet.worksheet.Worksheet], None] | None = None,
                  name: str = "roster.xlsx") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    if style is not None:
        style(sheet)
    path = tmp_path / name
    book.save(path)
    return path


# --- percentages ---------------------------------------------------------------------------


def percent(cell: str, number_format: str) -> Callable[[openpyxl.worksheet.worksheet.Worksheet],
                                                        None]:
    def styled(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        sheet[cell].number_format = number_format
    return styled


@pytest.mark.parametrize(("value", "number_format", "backpay"), [
    pytest.param(0.2, "0%", "1728.00", id="20% in Excel's built-in 0% format"),
    pytest.param(0.125, "0.0%", "1620.00", id="12.5% in a custom format"),
    pytest.param(0.2, "0.00%", "1728.00", id="20.00% built-in"),
])
def test_a_percent_cell_is_a_percentage(tmp_path: Path, value: float, number_format: str,
                                        backpay: str) -> None:
    roster = openpyxl_book(tmp_path, [[*FAMILY, None, None, None, value]],
                           percent("H2", number_format))
    done, written, _ = batch(tmp_path, roster)
    assert done.exit_code == 0, done.output
    assert written[0]["supplement"] == Percent(value).text
    assert written[0]["backpay"] == backpay  # 1440 × 1.2 = 1728; 1440 × 1.125 = 1620


def test_a_percent_cell_written_by_xlsxwriter_is_a_percentage(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, [*FAMILY, "", "", ""])
    sheet.write_number(1, 7, 0.2, book.add_format({"num_format": "0%"}))
    book.close()
    done, written, _ = batch(tmp_path, path)
    assert (done.exit_code, written[0]["backpay"]) == (0, "1728.00")


def test_a_plain_fraction_is_yuan_where_the_format_says_so(tmp_path: Path) -> None:
    roster = openpyxl_book(tmp_path, [[*FAMILY, None, None, None, 0.2]])
    done, written, _ = batch(tmp_path, roster)
    # 0.20 yuan a month, paid at the old standard too: the back-pay stays 1440.00.
    assert (done.exit_code, written[0]["supplement"], written[0]["monthly"],
            written[0]["backpay"]) == (0, "0.2", "1380.20", "1440.00")


def test_a_percent_where_no_percentage_is_allowed_is_refused(tmp_path: Path) -> None:
    roster = openpyxl_book(tmp_path, [["H1", "urban-dibao", 3, 0.5]], percent("D2", "0%"))
    done, _, rejected = batch(tmp_path, roster)
    assert done.exit_code == 1
    assert rejected[0]["column"] == "income"
    assert "'50%' is not an amount of yuan" in rejected[0]["reason"]


def test_percent_text_is_exact() -> None:
    assert [Percent(value).text for value in (0.2, 0.125, 1.0, 0.07, 0.333)] == [
        "20%", "12.5%", "100%", "7%", "33.3%"]


# --- formulas without a saved value, and error cells ------------------------------------------


@pytest.mark.parametrize(("cell", "value", "column"), [
    pytest.param("E2", "=DATE(2020,5,1)", "start", id="start month as a formula"),
    pytest.param("G2", "=1380*8", "paid", id="amount paid as a formula"),
    pytest.param("D2", "=SUM(100,100)", "income", id="income as a formula"),
])
def test_a_formula_openpyxl_wrote_is_never_an_empty_cell(tmp_path: Path, cell: str, value: str,
                                                         column: str) -> None:
    def formula(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        sheet[cell] = value
    roster = openpyxl_book(tmp_path, [[*FAMILY], ["H2", "urban-dibao", 1, 0]], formula)
    done, written, rejected = batch(tmp_path, roster)
    assert done.exit_code == 1
    assert [row["id"] for row in written] == ["H2"]
    assert [(row["line"], row["column"]) for row in rejected] == [("2", column)]
    assert rejected[0]["reason"].startswith(f"cell {cell} holds a formula with no saved value")
    assert "open it in Excel or WPS, save it, and run again" in rejected[0]["reason"]


def test_a_formula_xlsxwriter_wrote_is_never_its_placeholder_zero(tmp_path: Path) -> None:
    """XlsxWriter stores 0 as every formula's value and asks Excel to calculate on opening."""
    path = tmp_path / "roster.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, FAMILY)
    sheet.write_formula(1, 6, "=1200*8")  # paid: would read as 0, back-pay 11040.00
    book.close()
    done, _, rejected = batch(tmp_path, path)
    assert done.exit_code == 1
    assert rejected[0]["column"] == "paid"
    assert rejected[0]["reason"].startswith("cell G2 holds a formula with no saved value")


@pytest.mark.parametrize(("error", "cell", "column"), [
    pytest.param("#N/A", "E2", "start", id="#N/A in the start month"),
    pytest.param("#DIV/0!", "G2", "paid", id="#DIV/0! in the amount paid"),
    pytest.param("#VALUE!", "F2", "end", id="#VALUE! in the end month"),
])
def test_an_error_cell_refuses_its_row_and_names_the_error(tmp_path: Path, error: str,
                                                            cell: str, column: str) -> None:
    def errored(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        sheet[cell] = error
        sheet[cell].data_type = "e"
    roster = openpyxl_book(tmp_path, [[*FAMILY]], errored)
    done, written, rejected = batch(tmp_path, roster)
    assert (done.exit_code, written) == (1, [])
    assert rejected[0]["column"] == column
    assert rejected[0]["reason"] == (f"cell {cell} holds the error {error}: correct the "
                                     "formula or type the value")


SHEET_XML = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxml'
             'formats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>')


def hand_built(path: Path, rows: str, *, sheets: str | None = None, calculated: bool = True,
               padding: int = 0) -> Path:
    """An .xlsx written by hand, as Excel saves one (cached values, no fullCalcOnLoad)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheets = sheets or '<sheet name="花名册" sheetId="1" r:id="rId1"/>'
    count = sheets.count("<sheet ")
    calc = "" if calculated else '<calcPr fullCalcOnLoad="1"/>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
            'formats-package.relationships+xml"/><Default Extension="xml" ContentType="'
            'application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' + "".join(
                f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for n in range(1, count + 1)) + "</Types>"))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'))
        archive.writestr("xl/workbook.xml", (
            f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{relations}"><sheets>'
            f"{sheets}</sheets>{calc}</workbook>"))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships">' + "".join(
                f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/'
                f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
                for n in range(1, count + 1)) + "</Relationships>"))
        for n in range(1, count + 1):
            archive.writestr(f"xl/worksheets/sheet{n}.xml",
                             SHEET_XML.format(rows=rows.replace("{n}", str(n)) + " " * padding))
    return path


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEAD_ROW = '<row r="1">' + "".join(inline(f"{chr(65 + i)}1", name)
                                   for i, name in enumerate(HEADER[:6])) + "</row>"


def family_row(start: str) -> str:
    return (f'<row r="2">{inline("A2", "H1")}{inline("B2", "urban-dibao")}'
            f'<c r="C2"><v>3</v></c><c r="D2"><v>200</v></c>{start}</row>')


@pytest.mark.parametrize(("start", "outcome"), [
    pytest.param('<c r="E2" t="str"><f>TEXT(DATE(2020,5,1),"yyyy-mm")</f><v>2020-05</v></c>',
                 "720.00", id="a formula Excel saved with its value"),
    pytest.param('<c r="E2" t="str"><f>TEXT(DATE(2020,5,1),"yyyy-mm")</f></c>', None,
                 id="a formula with no value element"),
    pytest.param('<c r="E2"><f>A1</f><v></v></c>', None, id="a formula with an empty value"),
    pytest.param('<c r="E2" t="e"><f>VLOOKUP(A2,X!A:B,2,0)</f><v>#N/A</v></c>', "#N/A",
                 id="a formula Excel calculated to an error"),
])
def test_formulas_in_a_workbook_excel_saved(tmp_path: Path, start: str,
                                            outcome: str | None) -> None:
    roster = hand_built(tmp_path / "roster.xlsx", HEAD_ROW + family_row(start))
    done, written, rejected = batch(tmp_path, roster)
    if outcome == "720.00":  # 2020-05..08: 4 months of 180.00
        assert (done.exit_code, written[0]["backpay"]) == (0, "720.00"), done.output
    elif outcome is None:
        assert done.exit_code == 1
        assert rejected[0]["reason"].startswith("cell E2 holds a formula with no saved value")
    else:
        assert rejected[0]["reason"].startswith(f"cell E2 holds the error {outcome}")


def test_a_cell_mentioning_an_error_in_its_text_is_text(tmp_path: Path) -> None:
    text = inline("G1", 'note t="e" &lt;f&gt;')
    rows = HEAD_ROW.replace("</row>", text + "</row>") + family_row("")
    done, written, _ = batch(tmp_path, hand_built(tmp_path / "roster.xlsx", rows))
    assert (done.exit_code, written[0]["backpay"]) == (0, "1440.00"), done.output


# --- which sheet ---------------------------------------------------------------------------


def two_sheets(tmp_path: Path, first_state: str, active: int) -> Path:
    book = openpyxl.Workbook()
    hidden = book.active
    assert hidden is not None
    hidden.title = "旧表"
    hidden.append(HEADER)
    hidden.append(["H1", "urban-dibao", 9, 200])  # 9 persons: 4320.00
    hidden.sheet_state = first_state
    visible = book.create_sheet("花名册")
    visible.append(HEADER)
    visible.append(["H1", "urban-dibao", 1, 200])  # 1 person: 480.00
    book.active = active
    path = tmp_path / "roster.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_first_sheet_is_not_the_roster(tmp_path: Path, state: str) -> None:
    done, written, _ = batch(tmp_path, two_sheets(tmp_path, state, active=1))
    assert (done.exit_code, written[0]["backpay"]) == (0, "480.00")
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["sheet"] == "花名册"
    assert "sheet '花名册': rows read 1" in done.stderr


def test_the_active_sheet_is_read_even_when_it_is_not_the_first(tmp_path: Path) -> None:
    done, written, _ = batch(tmp_path, two_sheets(tmp_path, "visible", active=1))
    assert (done.exit_code, written[0]["backpay"]) == (0, "480.00")
    first = batch(tmp_path, two_sheets(tmp_path, "visible", active=0))
    assert first[1][0]["backpay"] == "4320.00"


def test_a_hidden_sheet_is_read_only_when_named(tmp_path: Path) -> None:
    done, written, _ = batch(tmp_path, two_sheets(tmp_path, "hidden", active=1), "--sheet", "旧表")
    assert (done.exit_code, written[0]["backpay"]) == (0, "4320.00")


def test_the_workbook_summary_names_the_sheet_read(tmp_path: Path) -> None:
    out = tmp_path / "结果.xlsx"
    done = CliRunner().invoke(cli, ["batch", str(two_sheets(tmp_path, "hidden", active=1)),
                                    "--through", "2020-08", "-o", str(out)])
    assert done.exit_code == 0, done.output
    summary = openpyxl.load_workbook(out)["汇总"]
    lines = [[cell.value for cell in row] for row in summary.iter_rows()]
    assert "工作表：花名册" in [line[0] for line in lines]
    # Households and persons by category (issue 19 §1): one household of one person.
    header = [name.replace("\n", "") for name in lines[2]]  # (printed: broken between words)
    total = next(line for line in lines if line[0] == "合计")
    figures = dict(zip(header, total, strict=True))
    assert (figures["城市低保户数"], figures["城市低保人数"], figures["农村低保户数"]) == (1, 1, 0)


# --- .xls ---------------------------------------------------------------------------------


def xls_book(tmp_path: Path, *, percent_format: str | None = None, hide_first: bool = False
             ) -> Path:
    book = xlwt.Workbook()
    if hide_first:
        old = book.add_sheet("旧表")
        old.write(0, 0, "x")
        old.visibility = 1  # the BOUNDSHEET record's "hidden"
    sheet = book.add_sheet("花名册")
    if hide_first:
        sheet.set_selected(True)
        sheet.set_sheet_visible(True)  # the WINDOW2 record's "active"
        book.set_active_sheet(1)
    for column, name in enumerate(HEADER):
        sheet.write(0, column, name)
    for column, value in enumerate(FAMILY):
        sheet.write(1, column, value)
    if percent_format:
        sheet.write(1, 7, 0.2, xlwt.easyxf(num_format_str=percent_format))
    path = tmp_path / "roster.xls"
    book.save(str(path))
    return path


@pytest.mark.parametrize("number_format", ["0%", "0.0%"])
def test_an_xls_percent_cell_is_a_percentage(tmp_path: Path, number_format: str) -> None:
    done, written, _ = batch(tmp_path, xls_book(tmp_path, percent_format=number_format))
    assert (done.exit_code, written[0]["backpay"]) == (0, "1728.00"), done.output


def test_an_xls_hidden_first_sheet_is_not_the_roster(tmp_path: Path) -> None:
    done, written, _ = batch(tmp_path, xls_book(tmp_path, hide_first=True))
    assert (done.exit_code, written[0]["backpay"]) == (0, "1440.00"), done.output


# --- bounds --------------------------------------------------------------------------------


@pytest.mark.parametrize("far", ["XFD1048576", "AAA900000"])
def test_a_stray_cell_far_away_is_refused_not_allocated(tmp_path: Path, far: str) -> None:
    def stray(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        sheet[far] = "x"
    roster = openpyxl_book(tmp_path, [[*FAMILY]], stray)
    assert roster.stat().st_size < 10_000
    done, _, _ = batch(tmp_path, roster)
    assert done.exit_code == 2
    assert f"its used range runs to {far} but holds only 13 cells" in done.output


def test_more_rows_than_a_sheet_holds_are_refused(tmp_path: Path) -> None:
    rows = HEAD_ROW + "".join(f'<row r="{n}"><c r="A{n}"><v>1</v></c></row>'
                              for n in range(2, 1_048_600, 997))
    rows += '<row r="1048577"><c r="A1048577"><v>1</v></c></row>'
    done, _, _ = batch(tmp_path, hand_built(tmp_path / "roster.xlsx", rows))
    assert done.exit_code == 2
    assert "more rows or columns than an Excel sheet holds" in done.output


def test_a_part_that_unpacks_far_beyond_its_data_is_refused(tmp_path: Path) -> None:
    roster = hand_built(tmp_path / "roster.xlsx", HEAD_ROW + family_row(""), padding=200 << 20)
    assert roster.stat().st_size < 1 << 20
    done, _, _ = batch(tmp_path, roster)
    assert done.exit_code == 2
    assert "unpacks to 200 MB from" in done.output
    assert "far beyond any roster" in done.output


@pytest.mark.parametrize(("members", "said"), [
    ({"content.xml": "x", "mimetype": "application/vnd.oasis.opendocument.spreadsheet"},
     "is an OpenDocument (.ods) workbook"),
    ({"xl/workbook.bin": "x"}, "is a binary workbook (.xlsb)"),
    ({"word/document.xml": "x"}, "is a ZIP archive, not an Excel workbook"),
])
def test_zipped_files_this_cannot_read_as_excel_shows_them_are_refused(
        tmp_path: Path, members: dict[str, str], said: str) -> None:
    path = tmp_path / "roster.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    done, _, _ = batch(tmp_path, path)
    assert done.exit_code == 2
    assert said in done.output
    assert "save it from Excel or WPS as .xlsx" in done.output


def test_a_fraction_whose_format_the_file_does_not_say_is_ambiguous_in_a_supplement(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An .xls whose styles name a format it does not hold: 0.2 may be 20% or 0.20 yuan."""
    from welfare_calc.batch.input import workbook_cells  # noqa: PLC0415

    def nothing_known(book: object) -> tuple[frozenset[int], frozenset[int]]:
        styles = frozenset(range(len(getattr(book, "xf_list", []))))
        return frozenset(), styles

    monkeypatch.setattr(workbook_cells, "xls_formats", nothing_known)
    book = xlwt.Workbook()
    sheet = book.add_sheet("花名册")
    for column, name in enumerate(HEADER):
        sheet.write(0, column, name)
    for row, (income, supplement) in enumerate([(0.5, 50), (200, 50), (200, 0.2)], 1):
        for column, value in enumerate([f"H{row}", "urban-dibao", 3, income, "", "", "",
                                        supplement]):
            sheet.write(row, column, value)
    path = tmp_path / "roster.xls"
    book.save(str(path))
    done, written, rejected = batch(tmp_path, path)
    assert done.exit_code == 1
    assert [row["id"] for row in written] == ["H1", "H2"], rejected  # elsewhere: a number
    assert written[0]["income"] == "0.5"
    assert [(row["line"], row["column"]) for row in rejected] == [("4", "supplement")]
    assert rejected[0]["reason"] == ("cell H4 holds 0.2, which may be 20% shown as a "
                                     "percentage or 0.2 yuan, and the file does not say which; "
                                     "type it as text: 20% or 0.2")


def test_the_streaming_reader_is_used_and_reads_as_python_calamine(tmp_path: Path) -> None:
    # Not vacuous: with the fork installed the stream reads the sheet, row for row as
    # python-calamine reads it (blank rows, an offset table, whole numbers, dates, text).
    import datetime as dt  # noqa: PLC0415

    from welfare_calc.batch.input import workbook_cells  # noqa: PLC0415

    path = tmp_path / "r.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("花名册")
    sheet.write_row(2, 1, ["编号", "类别", "人数", "收入", "起始月份"])
    sheet.write_row(3, 1, ["H1", "城市低保", 3, 200.5])
    sheet.write_datetime(3, 5, dt.datetime(2020, 3, 1), book.add_format({"num_format": "yyyy-mm"}))
    sheet.write_row(5, 1, ["H2", "农村特困", 1, 0, True])
    book.close()
    seen = {}
    for reader in ("stream", "calamine"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("WELFARE_CALC_WORKBOOK_READER", reader)
            opened = workbook_cells.open_sheet(path)
            rows = [[*[""] * opened.offset, *row] for row in opened.rows]
        seen[reader] = [row + [""] * (8 - len(row)) for row in rows if any(row)]
    assert seen["stream"] == seen["calamine"]
    assert seen["stream"][1][:5] == ["", "H1", "城市低保", 3.0, 200.5]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WELFARE_CALC_WORKBOOK_READER", "stream")
        assert workbook_cells._streamed_sheet(path, "花名册", workbook_cells._Scan(
            "花名册", frozenset(), False)) is not None
