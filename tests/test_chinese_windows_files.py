"""Files as Chinese Windows saves and opens them (issue 26 §4).

In: Excel and WPS save "CSV (逗号分隔)" in GBK; the batch reads a CSV that is not
UTF-8 as GB18030 (GBK's superset) without being told, and says so. Out: a CSV for
Excel keeps ID numbers and bank accounts as text, so that a spreadsheet opening it
does not turn ``110105190001011012`` into ``1.10105190001011E+17`` or the account
``6230000000000001`` into ``6230000000000000``; LibreOffice opens it here as Excel's
double-click would, and its cells are read back with openpyxl.
"""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from stdnum.cn import ric

from helpers import LANGUAGE_VARIABLES, Run, csv_rows, invoker, sheet_values
from welfare_calc.batch.input import reading
from welfare_calc.batch.rows.parsing import RowParser, read_header
from welfare_calc.batch.run.chunks import ChunkProcessor
from welfare_calc.core.engine import BackpayEngine
from welfare_calc.core.months import Month
from welfare_calc.output.text import kept_as_text
from welfare_calc.standards.loader import shipped_standards


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Run:
    for name in LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WELFARE_CALC_LANG", "en")  # the tests read the English words
    return invoker("batch")


def resident_id(number: int) -> str:
    """A synthetic resident ID number (born 1900-01-01) of digits only, check digit right."""
    while True:
        body = f"11010519000101{number % 1000:03d}"
        digit = ric.calc_check_digit(body + "0")
        if digit != "X":
            return body + digit
        number += 1


HEADER = ["序号", "户主姓名", "身份证号", "保障类别", "保障人数", "家庭月人均收入（元）",
          "开户银行", "银行账号", "联系电话", "备注", "起始月份", "截止月份"]
NAMES = ["张秀英", "李建国", "王桂兰", "赵明", "刘芳", "陈㐀", "𠀀林"]
"""The last two hold characters GB18030 has and GBK has not (U+3400, U+20000)."""


def roster(names: list[str] = NAMES[:5], newline: str = "\r\n") -> str:
    """A roster as a town's office keeps it: Chinese headers, names, ID numbers, accounts."""
    rows = [HEADER]
    for number, name in enumerate(names, 1):
        category = ["城市低保", "农村低保", "农村特困", "城市特困"][number % 4]
        rows.append([str(number), name, resident_id(10 * number), category,
                     str(number % 3 + 1), "200" if number % 2 else "0", "周村农商银行",
                     f"62300000000000{number:02d}", f"1380013800{number}", f"00{number}",
                     "", ""])
    return "".join(",".join(row) + newline for row in rows)


def summary_of(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


# --- in: a roster in GBK or GB18030 ---------------------------------------------------------

def test_a_gbk_roster_from_excel_is_read_without_being_told(run: Run, tmp_path: Path) -> None:
    text = roster()
    utf8, gbk = tmp_path / "utf8.csv", tmp_path / "名册.csv"
    utf8.write_bytes(text.encode("utf-8"))
    gbk.write_bytes(text.encode("gbk"))
    for source in (utf8, gbk):
        result = run(str(source), "--through", "2020-08", "-o",
                     str(tmp_path / f"{source.stem}.out"),
                     "--summary", str(tmp_path / f"{source.stem}.json"))
        assert result.exit_code == 0, result.stderr
    assert ((tmp_path / "名册.out").read_bytes() == (tmp_path / "utf8.out").read_bytes())
    assert "李建国" in (tmp_path / "名册.out").read_text(encoding="utf-8")
    assert summary_of(tmp_path / "名册.json")["encoding"] == "gb18030"
    assert summary_of(tmp_path / "utf8.json")["encoding"] == "utf-8"
    assert result.stderr.startswith("read as GB18030: rows read 5, written 5")


def test_gb18030_is_read_where_gbk_has_no_character(run: Run, tmp_path: Path) -> None:
    for name in NAMES[5:]:
        with pytest.raises(UnicodeEncodeError):
            name.encode("gbk")
    source = tmp_path / "名册.csv"
    source.write_bytes(roster(NAMES).encode("gb18030"))
    out = tmp_path / "out.csv"
    result = run(str(source), "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert [row["户主姓名"] for row in csv_rows(out)] == NAMES
    assert result.stderr.startswith("read as GB18030: ")
    # Told GBK, which has no 㐀: refused, naming its line (the header is line 1).
    told = run(str(source), "--through", "2020-08", "-o", str(out), "--encoding", "gbk")
    assert told.exit_code == 2
    assert "line 7: cannot be decoded as gbk, the encoding --encoding gives" in told.stderr


def test_bytes_that_are_no_text_are_refused_and_nothing_written(run: Run, tmp_path: Path
                                                                ) -> None:
    noise = random.Random(26).randbytes(4000)
    source = tmp_path / "in.csv"
    source.write_bytes(b"id,category,persons,income,start,end\n" + noise)
    result = run(str(source), "--through", "2020-08", "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    assert "neither UTF-8 text (line 2 is not) nor GB18030 (GBK) text (line " in result.stderr
    assert "save the roster as CSV UTF-8 or as an Excel workbook" in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


def test_an_encoding_given_is_the_one_read(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(roster().encode("gbk"))
    summary = tmp_path / "s.json"
    result = run(str(source), "--through", "2020-08", "-o", str(tmp_path / "out.csv"),
                 "--encoding", "gbk", "--summary", str(summary))
    assert result.exit_code == 0
    assert summary_of(summary)["encoding"] == "gbk"
    assert result.stderr.startswith("read as GBK: ")
    told = run(str(source), "--through", "2020-08", "-o", str(tmp_path / "out.csv"),
               "--encoding", "utf-8")
    assert told.exit_code == 2
    assert "line 1: cannot be decoded as utf-8" in told.stderr


LATE = 50_000
"""ASCII rows before the first other byte: more than the first block (1 MB) read."""


def late_roster(tail: bytes) -> bytes:
    """A roster whose first megabyte and more is ASCII, then ``tail``."""
    head = "id,category,persons,income,start,end,name\n" + "".join(
        f"H{number},urban-dibao,1,0,,,x\n" for number in range(LATE))
    assert len(head) > reading.CHUNK
    return head.encode("ascii") + tail


CHINESE_ROWS = "Z1,城市低保,2,100,,,张秀英\nZ2,农村特困,1,0,2020-03,,陈㐀\n"


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_roster_ascii_at_first_is_read_in_what_its_first_other_byte_says(
        run: Run, tmp_path: Path, encoding: str) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(late_roster(CHINESE_ROWS.encode(encoding)))
    out, summary = tmp_path / "out.csv", tmp_path / "s.json"
    result = run(str(source), "--through", "2020-08", "-o", str(out), "--summary", str(summary))
    assert result.exit_code == 0, result.stderr
    rows = csv_rows(out)
    assert [(row["name"], row["backpay"]) for row in rows[-2:]] == [("张秀英", "960.00"),
                                                                    ("陈㐀", "402.48")]
    assert len(rows) == LATE + 2
    assert summary_of(summary)["encoding"] == encoding


def test_a_roster_that_changes_encoding_names_the_line(run: Run, tmp_path: Path) -> None:
    # GB18030 found after the ASCII start; a later line that is not GB18030: refused.
    source = tmp_path / "in.csv"
    filler = "".join(f"Y{number},城市低保,1,0,,,张\n" for number in range(LATE))
    source.write_bytes(late_roster((CHINESE_ROWS + filler).encode("gb18030") + b"Q,\xff\n"))
    result = run(str(source), "--through", "2020-08", "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    line = 2 + LATE + 2 + LATE
    assert (f"line {line}: not GB18030 text, though the file begins as GB18030 text: it "
            "mixes encodings") in result.stderr


@pytest.mark.parametrize("given", [[], ["--encoding", "gbk"]], ids=["found", "overridden"])
def test_a_bom_says_utf8_and_a_later_line_that_is_not_is_named(run: Run, tmp_path: Path,
                                                                given: list[str]) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"\xef\xbb\xbf" + roster().encode("utf-8")
                       + "9,王五,,城市低保,1,0,,,,,,\r\n".encode("gbk"))
    result = run(str(source), "--through", "2020-08", "-o", str(tmp_path / "out.csv"), *given)
    assert result.exit_code == 2
    assert ("line 7: not UTF-8 text, though the file begins as UTF-8 text: it mixes "
            "encodings") in result.stderr


def test_the_summary_sheet_names_the_encoding(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "名册.csv"
    source.write_bytes(roster().encode("gbk"))
    book = tmp_path / "out.xlsx"
    assert run(str(source), "--through", "2020-08", "-o", str(book)).exit_code == 0
    lines = [row[0] for row in sheet_values(book, "汇总")
             if isinstance(row[0], str) and row[0].startswith("文件编码")]
    assert lines == ["文件编码：GB18030"]


# --- out: ids a spreadsheet keeps -----------------------------------------------------------

def test_kept_as_text_marks_only_digits_a_spreadsheet_would_change() -> None:
    assert kept_as_text("110105190001011012") == "110105190001011012\t"
    assert kept_as_text("6230000000000001") == "6230000000000001\t"
    assert kept_as_text("123456789012") == "123456789012\t"  # 12 digits: 1.23457E+11
    assert kept_as_text("12345678901") == "12345678901"  # 11 digits: shown as they are
    assert kept_as_text("0533") == "0533\t"  # a leading zero a number would drop
    assert kept_as_text("0") == "0"
    assert kept_as_text("7") == "7"
    assert kept_as_text("7", digits=True) == "7\t"  # an id column is text throughout
    for cell in ("11010519000101001X", "1440.00", "-12", "6230 0000 0000 0001", "",
                 "'=1+2", "１２３４５６７８９０１２"):
        assert kept_as_text(cell, digits=True) == cell


def excel_roster(tmp_path: Path) -> tuple[Path, list[str]]:
    source = tmp_path / "名册.csv"
    text = roster()
    source.write_bytes(text.encode("gbk"))
    return source, text.splitlines()


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def opened_by_a_spreadsheet(paths: list[Path], tmp_path: Path) -> list[list[list[object]]]:
    """Each CSV as LibreOffice opens it, converted to .xlsx and read with openpyxl.

    The import options say only how the file is written (comma, quote, UTF-8, which
    its BOM says; LibreOffice headless given no charset takes the machine's locale's),
    and nothing that chooses a column's type: every cell is typed as the spreadsheet
    guesses it on a double-click.
    """
    assert SOFFICE is not None
    converted = tmp_path / "converted"
    profile = tmp_path / "lo-profile"  # a profile of its own: no lock shared with others
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--infilter=CSV:44,34,76", "--convert-to", "xlsx", "--outdir",
                    str(converted), *map(str, paths)],
                   check=True, capture_output=True, timeout=300)
    return [[list(row) for row in openpyxl.load_workbook(converted / f"{path.stem}.xlsx"
                                                         ).active.iter_rows(values_only=True)]
            for path in paths]


@pytest.mark.skipif(SOFFICE is None, reason="no LibreOffice on this machine (Debian: apt-get "
                                            "install libreoffice-calc)")
def test_ids_and_accounts_stay_themselves_in_a_spreadsheet(run: Run, tmp_path: Path) -> None:
    source, lines = excel_roster(tmp_path)
    excel, plain = tmp_path / "excel.csv", tmp_path / "plain.csv"
    assert run(str(source), "--through", "2020-08", "-o", str(excel), "--excel").exit_code == 0
    assert run(str(source), "--through", "2020-08", "-o", str(plain)).exit_code == 0
    kept, lost = opened_by_a_spreadsheet([excel, plain], tmp_path)
    given = [line.split(",") for line in lines[1:]]
    header = kept[0]
    where = {name: header.index(name) for name in ("身份证号", "银行账号", "联系电话", "备注",
                                                   "增补金额", "保障人数")}
    for cells, row in zip(given, kept[1:], strict=True):
        for name in ("身份证号", "银行账号", "联系电话", "备注"):
            value = row[where[name]]
            assert isinstance(value, str), (name, value)
            assert value.strip() == cells[HEADER.index(name)]
        assert isinstance(row[where["增补金额"]], (int, float))  # money stays a number
        assert isinstance(row[where["保障人数"]], int)
    # Without --excel (a script's CSV) the same spreadsheet changes them: what the marks fix.
    first = lost[1]
    assert first[where["身份证号"]] == pytest.approx(float(given[0][2]))
    assert first[where["身份证号"]] != int(given[0][2])
    assert first[where["银行账号"]] == 6230000000000000  # the account 6230000000000001, lost


def test_a_script_and_the_batch_read_the_same_ids_back(run: Run, tmp_path: Path) -> None:
    source, lines = excel_roster(tmp_path)
    out = tmp_path / "out.csv"
    assert run(str(source), "--through", "2020-08", "-o", str(out), "--excel").exit_code == 0
    with out.open(encoding="utf-8-sig", newline="") as handle:
        read = list(csv.reader(handle))
    ids = [line.split(",")[2] for line in lines[1:]]
    # What a script sees: the id and a tab, which strip() takes off.
    assert [row[2] for row in read[1:]] == [ident + "\t" for ident in ids]
    assert [row[2].strip() for row in read[1:]] == ids
    assert read[0][0] == "序号"  # headers are left alone
    # The batch reads the marked file as the roster it was (the input columns kept).
    again = tmp_path / "again.csv"
    with again.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(row[:len(HEADER)] for row in read)
    back = tmp_path / "back.csv"
    assert run(str(again), "--through", "2020-08", "-o", str(back), "--excel").exit_code == 0
    assert back.read_bytes() == out.read_bytes()


def test_a_formula_cell_is_still_neutralised_and_nothing_else_marked(run: Run,
                                                                    tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end,note,银行账号\n"
                      f"{resident_id(1)},urban-dibao,03,0200,,,=1+2,@SUM(1)\n"
                      "H2,urban-dibao,1,0,,,0533,123\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run(str(source), "--through", "2020-08", "-o", str(out), "--excel").exit_code == 0
    lines = out.read_bytes().decode("utf-8-sig").splitlines()
    assert lines[1].startswith(f"{resident_id(1)}\t,urban-dibao,03,0200,,,'=1+2,'@SUM(1),")
    assert lines[2].startswith("H2,urban-dibao,1,0,,,0533\t,123\t,")
    plain = tmp_path / "plain.csv"
    assert run(str(source), "--through", "2020-08", "-o", str(plain)).exit_code == 0
    assert "\t" not in plain.read_text(encoding="utf-8")  # a script's CSV: as given


def test_the_lane_marks_what_the_row_path_marks() -> None:
    table = shipped_standards().table
    header = ["id", "category", "persons", "income", "start", "end", "银行账号", "备注"]
    rows = "".join(f"{resident_id(number)},urban-dibao,1,0,,,62300000000000{number:02d},"
                   f"{'0' * (number % 3)}{number}\n" for number in range(5_000))
    made = []
    for lane_rows in (0, 1 << 30):
        columns = read_header(header)
        processor = ChunkProcessor(
            parser=RowParser(table, columns), plan=BackpayEngine(table, Month(2020, 8)),
            columns=columns, categories=list(table.categories), encoding="utf-8",
            output_encoding="utf-8", newline="\r\n", jsonl=False, lane_rows=lane_rows,
            text_marks=True)
        if lane_rows == 0:
            lane = processor.lane()
            assert lane is not None
            assert lane.run(rows.encode()).taken.all()  # every line is the lane's
        made.append(processor.process(2, rows.encode()).output)
    assert made[0] == made[1]
    first = made[0].decode().splitlines()[0]
    assert first.startswith(f"{resident_id(0)}\t,urban-dibao,1,0,,,6230000000000000\t,0,8,")
    assert made[0].count(b"\t") == 5_000 * 2 + 5_000 * 2 // 3


def test_rejected_ids_and_grouped_codes_are_kept_in_their_files(run: Run, tmp_path: Path
                                                               ) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end,行政区划代码\n"
                      f"{resident_id(1)},urban-dibao,0,0,,,370306001001\n"
                      f"{resident_id(2)},urban-dibao,1,0,,,370306001001\n", encoding="utf-8")
    out, fund = tmp_path / "out.csv", tmp_path / "fund.csv"
    result = run(str(source), "--through", "2020-08", "-o", str(out), "--excel",
                 "--group-by", "行政区划代码", "--summary-csv", str(fund))
    assert result.exit_code == 1
    errors = list(csv.reader(io.StringIO((tmp_path / "out.csv.errors.csv").read_text(
        encoding="utf-8-sig"))))
    assert errors[1][1] == resident_id(1) + "\t"
    assert any("370306001001\t" in row for row in csv.reader(io.StringIO(
        fund.read_text(encoding="utf-8-sig"))))
    assert csv_rows(out)[0]["行政区划代码"] == "370306001001\t"

