"""The office's documents (issue 19): the printed 补发名册, the 资金汇总 by town (in the
workbook and as CSV), and the 公示 list that prints no personal data."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.cell.cell import MergedCell
from stdnum.cn import ric

from helpers import TITLE_ROWS, Run, csv_rows, invoker, sheet_values
from welfare_calc.batch.write.documents import (
    SEAL,
    SHEET_SIGN_OFF,
    SIGN_OFF,
    mask_name,
    period_text,
    printed_columns,
    sign_off,
)
from welfare_calc.batch.write.workbook import LANDSCAPE, Pages
from welfare_calc.core.months import Month
from welfare_calc.core.personal import personal_numbers
from welfare_calc.standards.loader import shipped_standards

pytestmark = pytest.mark.usefixtures("english")  # the English words of the messages

HEADER = ["身份证号", "姓名", "保障类别", "保障人数", "家庭月人均收入", "起始月份", "截止月份",
          "乡镇（街道）", "村（社区）", "开户银行", "银行账号", "联系电话", "家庭住址"]
TABLE = Path(__file__).resolve().parents[1] / "data" / "standards_2020.yaml"
BANK = "6217002430012345678"
PHONE = "13805331234"
SIGNED = "经办人：________　　审核人：________　　负责人：________　　日期：________"
"""The sign-off on every document."""


def resident_id(serial: int) -> str:
    """A valid 18-digit ID number (GB 11643 check digit), born 1960-01-01."""
    body = f"370303196001{serial % 28 + 1:02d}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


# Not sorted by town: the 名册 is printed town by town all the same.
ROWS = [
    [resident_id(1), "张三英", "城市低保", "3", "0", "", "", "青年路街道", "A社区", "农业银行",
     BANK, PHONE, "青年路12号"],
    [resident_id(2), "李四", "农村特困", "1", "0", "", "", "萌水镇", "北村", "信用社",
     "6228480000000000017", "13905330000", "北村3号"],
    [resident_id(3), "王五", "城市低保", "2", "100", "2020-03", "", "青年路街道", "B社区",
     "农业银行", "6217002430000000001", "", "青年路7号"],
    [resident_id(4), "赵六", "农村低保", "4", "50.5", "", "2020-06", "萌水镇", "南村",
     "信用社", "6228480000000000025", "", "南村1号"],
    [resident_id(5), "钱七", "城市低保", "1", "0", "", "", "", "", "", "", "", ""],
    [resident_id(6), "孙八", "农村低保", "2", "0", "", "", "萌水镇", "北村", "信用社",
     "6228480000000000033", "", "北村9号"],
]


def roster(tmp_path: Path, rows: list[list[str]] = ROWS, header: list[str] = HEADER) -> Path:
    path = tmp_path / "花名册.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    return path


@pytest.fixture
def run() -> Run:
    return invoker()


def test_the_words_on_the_documents() -> None:
    assert period_text(Month(2020, 1), Month(2020, 8)) == "2020年1—8月"
    assert period_text(Month(2020, 11), Month(2021, 2)) == "2020年11月—2021年2月"
    assert period_text(Month(2020, 3), Month(2020, 3)) == "2020年3月"
    assert mask_name("张三英") == "张**"
    assert mask_name(" 王五 ") == "王*"
    assert mask_name("欧阳") == "欧*"
    assert mask_name("李") == "李"
    assert sign_off(["制表人", "审核人"]) == "制表人：________　　审核人：________"


def group_of(town: str | None) -> str:
    return town or "未填属地"


def test_the_printed_roster_by_town(run: Run, tmp_path: Path) -> None:
    source = roster(tmp_path)
    book, as_csv, summary = tmp_path / "名册.xlsx", tmp_path / "o.csv", tmp_path / "s.json"
    done = run("batch", str(source), "--through", "2020-08", "-o", str(book),
               "--group-by", "乡镇（街道）", "--office", "周村区民政局")
    assert done.exit_code == 0, done.output
    run("batch", str(source), "--through", "2020-08", "-o", str(as_csv), "--group-by",
        "乡镇（街道）", "--summary", str(summary))
    figures = json.loads(summary.read_text(encoding="utf-8"))
    sheet = openpyxl.load_workbook(book)["结果"]
    # Paper: A4 landscape, the rows above the data on every page.
    assert sheet.page_setup.paperSize == 9
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$1:$3"
    assert sheet.freeze_panes == "A4"
    # The footer: the sheet's own pages (one per town, and the 合计's), and the stamp that
    # traces a page to its run.
    footer = sheet.oddFooter
    assert footer.center.text == "第 &P 页 共 4 页"
    table_sha = shipped_standards().sha256
    assert table_sha == hashlib.sha256(TABLE.read_bytes()).hexdigest()
    assert table_sha in footer.left.text
    assert hashlib.sha256(source.read_bytes()).hexdigest() in footer.right.text
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "2020年1—8月提标增补名册"
    made = date.today()
    assert values[1][0] == ("依据：周政办字〔2020〕29号（2020年8月10日印发）\n"
                            f"制表单位：周村区民政局　　　　制表日期："
                            f"{made.year}年{made.month}月{made.day}日")
    header = values[2]
    # Groups in the order they first appear, each closed by its 小计 and its own sign-off
    # (with room for the seal), then a page break.
    expected = csv_rows(as_csv)
    towns = list(dict.fromkeys(group_of(row["乡镇（街道）"]) for row in expected))
    assert towns == ["青年路街道", "萌水镇", "未填属地"]
    at = TITLE_ROWS
    breaks = []
    for town, group in zip(towns, figures["groups"], strict=True):
        members = [row for row in expected if group_of(row["乡镇（街道）"]) == town]
        for want in members:
            got = dict(zip(header, values[at], strict=True))
            assert got["身份证号"] == want["身份证号"]
            assert Decimal(repr(got["增补金额"])) == Decimal(want["增补金额"])
            assert got["保障人数"] == int(want["保障人数"])
            at += 1
        subtotal = dict(zip(header, values[at], strict=True))
        assert subtotal["身份证号"] == f"小计：{town}（{len(members)}户）"
        assert subtotal["保障人数"] == group["persons"]
        assert Decimal(repr(subtotal["增补金额"])) == Decimal(group["backpay"])
        assert [values[at + 1][0], values[at + 2][0], values[at + 3][0]] == [None, SIGNED, SEAL]
        at += 4
        breaks.append(at)
    # Each town's pages end with its sign-off; the 合计 of them all is on a page of its own.
    assert [brk.id for brk in sheet.row_breaks.brk] == breaks
    total = dict(zip(header, values[at], strict=True))
    assert total["身份证号"] == f"合计（{len(expected)}户）"
    assert Decimal(repr(total["增补金额"])) == Decimal(figures["backpay_total"])
    assert [values[at + 2][0], values[at + 3][0]] == [SIGNED, SEAL]
    stamp = [row[0] for row in values[at + 4:] if row[0]]
    assert stamp[0].startswith("程序：welfare-calc ")
    assert stamp[1] == f"标准表 SHA-256：{table_sha}"
    assert stamp[2] == f"输入文件 SHA-256：{hashlib.sha256(source.read_bytes()).hexdigest()}"


def test_the_printed_roster_totals_what_was_overpaid(run: Run, tmp_path: Path) -> None:
    # A household paid beyond what was due: its 多发金额 is in its town's 小计 and in the
    # 合计, as a positive amount, and the 合计 is the 小计s' sum.
    rows = [[*row, paid] for row, paid in zip(ROWS, ["99999", "", "", "500", "", ""],
                                             strict=True)]
    book, summary = tmp_path / "名册.xlsx", tmp_path / "s.json"
    done = run("batch", str(roster(tmp_path, rows, [*HEADER, "已发金额"])), "--through",
               "2020-08", "-o", str(book), "--group-by", "乡镇（街道）", "--summary",
               str(summary))
    assert done.exit_code == 0, done.output
    overpaid = Decimal(json.loads(summary.read_text(encoding="utf-8"))["overpaid_total"])
    assert overpaid > 0
    values = [list(row) for row in openpyxl.load_workbook(book)["结果"].iter_rows(
        values_only=True)]
    column = values[TITLE_ROWS - 1].index("多发金额")
    closing = [(str(row[0])[:2], Decimal(repr(row[column]))) for row in values
               if str(row[0])[:2] in ("小计", "合计")]
    assert [amount for kind, amount in closing if kind == "合计"] == [overpaid]
    assert sum(amount for kind, amount in closing if kind == "小计") == overpaid


def fund_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_the_fund_summary_by_town(run: Run, tmp_path: Path) -> None:
    source = roster(tmp_path)
    book, fund, summary = tmp_path / "名册.xlsx", tmp_path / "汇总.csv", tmp_path / "s.json"
    done = run("batch", str(source), "--through", "2020-08", "-o", str(book),
               "--group-by", "乡镇（街道）", "--summary-csv", str(fund), "--summary",
               str(summary))
    assert done.exit_code == 0, done.output
    rows = fund_rows(fund)
    assert rows[0][:4] == ["乡镇（街道）", "城市低保户数", "城市低保人数", "城市低保增补金额（元）"]
    assert rows[0][-5:] == ["户数合计", "人数合计", "增补金额合计（元）", "多发金额（元）",
                            "因提标新纳入户数"]
    assert [row[0] for row in rows[1:]] == ["青年路街道", "萌水镇", "未填属地", "合计"]
    figures = json.loads(summary.read_text(encoding="utf-8"))
    by_name = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    for group in figures["groups"]:
        line = by_name[group_of(group["group"])]
        assert line["户数合计"] == str(group["households"])
        assert line["人数合计"] == str(group["persons"])
        assert line["增补金额合计（元）"] == group["backpay"]
        assert line["城市低保增补金额（元）"] == group["by_category"]["urban-dibao"]["backpay"]
    # The 合计 row is the run's totals, and the groups add up to it to the fen.
    total = by_name["合计"]
    assert total["增补金额合计（元）"] == figures["backpay_total"]
    for column in rows[0][1:]:
        parts = sum(Decimal(by_name[town][column]) for town in ("青年路街道", "萌水镇", "未填属地"))
        assert parts == Decimal(total[column]), column
    # The workbook's 汇总 holds the same table, as numbers, then its notes and sign-off.
    sheet = sheet_values(book, "汇总")
    assert sheet[0][0] == "2020年1—8月提标增补资金汇总表"
    assert [name.replace("\n", "") for name in sheet[2]] == rows[0]
    for got, want in zip(sheet[3:7], rows[1:], strict=True):
        assert [str(cell) if isinstance(cell, str) else Decimal(repr(cell))
                for cell in got] == [cell if index == 0 else Decimal(cell)
                                     for index, cell in enumerate(want)]
    notes = [row[0] for row in sheet[7:] if row[0]]
    assert "舍入方式：household-month" in notes
    assert any(note.startswith("标准文件：周政办字〔2020〕29号") for note in notes)
    assert SIGNED in notes


def test_without_groups_the_fund_summary_is_the_total_alone(run: Run, tmp_path: Path) -> None:
    fund = tmp_path / "汇总.csv"
    done = run("batch", str(roster(tmp_path)), "--through", "2020-08", "-o",
               str(tmp_path / "o.csv"), "--summary-csv", str(fund))
    assert done.exit_code == 0, done.output
    rows = fund_rows(fund)
    assert rows[0][0] == "单位"
    assert [row[0] for row in rows[1:]] == ["合计"]


def test_two_levels_group_town_then_village(run: Run, tmp_path: Path) -> None:
    # A town's villages together, though the roster meets 青年路街道's B社区 after 萌水镇's
    # 北村: towns, and each town's villages, in the order they first appear.
    fund = tmp_path / "汇总.csv"
    run("batch", str(roster(tmp_path)), "--through", "2020-08", "-o", str(tmp_path / "o.xlsx"),
        "--group-by", "乡镇（街道）", "--group-by", "村（社区）", "--summary-csv", str(fund))
    rows = fund_rows(fund)
    assert rows[0][:2] == ["乡镇（街道）", "村（社区）"]
    assert [row[:2] for row in rows[1:]] == [
        ["青年路街道", "A社区"], ["青年路街道", "B社区"], ["萌水镇", "北村"],
        ["萌水镇", "南村"], ["未填属地", "未填属地"], ["合计", ""]]
    values = sheet_values(tmp_path / "o.xlsx", "结果")
    subtotals = [row[0] for row in values if isinstance(row[0], str) and row[0].startswith("小计")]
    assert subtotals == ["小计：青年路街道 / A社区（1户）", "小计：青年路街道 / B社区（1户）",
                         "小计：萌水镇 / 北村（2户）",  # 李四 and 孙八, rows 2 and 6
                         "小计：萌水镇 / 南村（1户）", "小计：未填属地 / 未填属地（1户）"]


def test_a_locality_that_looks_like_a_formula_is_neutralised(run: Run, tmp_path: Path) -> None:
    rows = [[*ROWS[0][:7], "=HYPERLINK(\"http://x\")", *ROWS[0][8:]]]
    fund = tmp_path / "汇总.csv"
    run("batch", str(roster(tmp_path, rows)), "--through", "2020-08", "-o",
        str(tmp_path / "o.csv"), "--group-by", "乡镇（街道）", "--summary-csv", str(fund))
    assert fund_rows(fund)[1][0] == "'=HYPERLINK(\"http://x\")"


def test_the_stamp_of_a_piped_roster_is_of_the_bytes_read(run: Run, tmp_path: Path) -> None:
    data = roster(tmp_path).read_bytes()
    book = tmp_path / "o.xlsx"
    done = run("batch", "-", "--through", "2020-08", "-o", str(book), stdin=data)
    assert done.exit_code == 0, done.output
    footer = openpyxl.load_workbook(book)["结果"].oddFooter.right.text
    assert hashlib.sha256(data).hexdigest() in footer


def test_office_is_for_a_workbook(run: Run, tmp_path: Path) -> None:
    done = run("batch", str(roster(tmp_path)), "--through", "2020-08", "--office", "x")
    assert done.exit_code == 2
    assert "--office is printed on a workbook's documents" in done.stderr
    done = run("batch", str(roster(tmp_path)), "--through", "2020-08", "-o",
               str(tmp_path / "o.xlsx"), "--office", "  ")
    assert done.exit_code == 2


@given(st.lists(st.tuples(st.sampled_from(["东镇", "西镇", "", "南镇"]),
                          st.sampled_from(["城市低保", "农村低保", "农村特困"]),
                          st.integers(1, 5), st.integers(0, 80_000),
                          st.none() | st.integers(0, 5_000_000)),
                min_size=1, max_size=25))
def test_groups_add_up_to_the_total_row(tmp_path_factory: pytest.TempPathFactory,
                                        drawn: list[tuple[str, str, int, int, int | None]]
                                        ) -> None:
    # Amounts paid are drawn too, some beyond what was due: the 多发金额 column adds up
    # like every other (it was once printed negative in the 合计 row).
    tmp_path = tmp_path_factory.mktemp("fund")
    rows = [[resident_id(index), "某某", category, str(persons), f"{income / 100:.2f}",
             "", "", town, "", "", "", "", "", "" if paid is None else f"{paid / 100:.2f}"]
            for index, (town, category, persons, income, paid) in enumerate(drawn)]
    fund = tmp_path / "汇总.csv"
    done = invoker()("batch", str(roster(tmp_path, rows, [*HEADER, "已发金额"])), "--through",
                     "2020-08", "-o", str(tmp_path / "o.csv"), "--group-by", "乡镇（街道）",
                     "--summary-csv", str(fund))
    assert done.exit_code == 0, done.output
    table = fund_rows(fund)
    header, body, total = table[0], table[1:-1], table[-1]
    assert sorted(row[0] for row in body) == sorted({group_of(town) for town, *_ in drawn})
    for index, column in enumerate(header[1:], 1):
        assert sum(Decimal(row[index]) for row in body) == Decimal(total[index]), column
    assert total[header.index("户数合计")] == str(len(drawn))
    assert total[header.index("人数合计")] == str(sum(persons for _, _, persons, *_ in drawn))
    assert Decimal(total[header.index("多发金额（元）")]) >= 0


# --- the 公示 list ----------------------------------------------------------------------

def leaks(text: str) -> list[str]:
    """Anything in ``text`` that looks like personal data: the package's own scan, which
    the list's --group-by refusal uses too (an ID number that passes the GB 11643 check,
    a run of 11 digits or more: a phone number, an account)."""
    return personal_numbers(text)


def every_cell(path: Path) -> list[str]:
    """Every cell's text of a list (each sheet of a workbook, or the CSV), with the
    header and footer of each sheet."""
    if path.suffix == ".csv":
        return [cell for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8")))
                for cell in row]
    book = openpyxl.load_workbook(path)
    texts: list[str] = []
    for sheet in book:
        texts += [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row
                  if cell is not None]
        texts += [part.text or "" for part in (sheet.oddFooter.left, sheet.oddFooter.center,
                                               sheet.oddFooter.right, sheet.oddHeader.center)]
    return texts


def test_a_publicity_list_per_village(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "公示名单.xlsx"
    done = run("publicity", str(roster(tmp_path)), "--month", "2020-08", "-o", str(out),
               "--period", "2020年8月12日至8月18日", "--group-by", "乡镇（街道）", "--amounts",
               "--office", "萌水镇人民政府")
    assert done.exit_code == 0, done.output
    assert done.stderr == (f"5 households listed in {out}; 1 not listed (not covered in "
                           "2020-08, or nothing due); 0 rejected\n")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["青年路街道", "萌水镇", "未填属地"]
    sheet = book["萌水镇"]
    assert (sheet.page_setup.paperSize, sheet.print_title_rows) == (9, "$1:$3")
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "萌水镇 城乡低保和特困供养对象公示名单"
    assert values[1][0] == "公示期：2020年8月12日至8月18日"
    assert values[2] == ["序号", "姓名", "保障类别", "保障人数", "月保障金额（元）"]
    # 赵六's coverage ended in June: not on the list for August.
    assert values[3:5] == [[1, "李*", "农村特困", 1, 625], [2, "孙*", "农村低保", 2, 960]]
    assert values[6][0].startswith("公示单位：萌水镇人民政府")
    for text in every_cell(out):
        assert not leaks(text), text
    # Nothing of the roster but the four fields: no bank, phone, address, income.
    cells = set(every_cell(out))
    for row in ROWS:
        assert not {row[0], row[4], *row[9:]} & cells - {"", "0"}


def test_the_list_as_csv_and_with_full_names(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "公示名单.csv"
    done = run("publicity", str(roster(tmp_path)), "--month", "2020-08", "-o", str(out),
               "--period", "2020年8月", "--names", "full")
    assert done.exit_code == 0, done.output
    assert fund_rows(out) == [
        ["序号", "姓名", "保障类别", "保障人数"],
        ["1", "张三英", "城市低保", "3"], ["2", "李四", "农村特困", "1"],
        ["3", "王五", "城市低保", "2"], ["4", "钱七", "城市低保", "1"],
        ["5", "孙八", "农村低保", "2"]]


def test_a_name_holding_digits_is_never_printed_whole(run: Run, tmp_path: Path) -> None:
    rows = [[*ROWS[0][:1], f"张{resident_id(9)}", *ROWS[0][2:]]]
    out = tmp_path / "公示名单.csv"
    done = run("publicity", str(roster(tmp_path, rows)), "--month", "2020-08", "-o", str(out),
               "--period", "2020年8月", "--names", "full")
    assert done.exit_code == 2
    assert "holds a digit; a 公示 list never prints an id" in done.stderr
    assert not out.exists()
    masked = run("publicity", str(roster(tmp_path, rows)), "--month", "2020-08", "-o",
                 str(out), "--period", "2020年8月")
    assert masked.exit_code == 0
    assert fund_rows(out)[1][1] == "张" + "*" * 18


def test_a_roster_without_names_is_refused(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "r.csv"
    source.write_text("id,category,persons,income,start,end\nH1,urban-dibao,1,0,,\n",
                      encoding="utf-8")
    done = run("publicity", str(source), "--month", "2020-08", "-o", str(tmp_path / "p.xlsx"),
               "--period", "x")
    assert done.exit_code == 2
    assert "the header has no column of names (户主姓名, 姓名 or name)" in done.stderr
    named = run("publicity", str(source), "--month", "2020-08", "-o", str(tmp_path / "p.csv"),
                "--period", "x", "--name-column", "id")
    assert named.exit_code == 0  # told which column: an id as a name is masked to "H*"
    assert fund_rows(tmp_path / "p.csv")[1][1] == "H*"


def test_rejected_rows_are_not_listed_and_are_told(run: Run, tmp_path: Path) -> None:
    rows = [ROWS[0], [resident_id(7)[:-1] + "0" if resident_id(7)[-1] != "0" else
                      resident_id(7)[:-1] + "1", *ROWS[1][1:]]]
    out = tmp_path / "p.csv"
    done = run("publicity", str(roster(tmp_path, rows)), "--month", "2020-08", "-o", str(out),
               "--period", "x")
    assert done.exit_code == 1
    assert "1 row rejected and not listed" in done.stderr
    assert [row[1] for row in fund_rows(out)[1:]] == ["张**"]


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
                min_size=1, max_size=24).filter(lambda name: name.strip() and "," not in name)


@given(st.lists(st.tuples(names, st.sampled_from(["masked", "full"])), min_size=1,
                max_size=6))
def test_a_list_never_holds_an_id_or_a_long_number(
        tmp_path_factory: pytest.TempPathFactory, drawn: list[tuple[str, str]]) -> None:
    tmp_path = tmp_path_factory.mktemp("publicity")
    rows = [[resident_id(index), name, "城市低保", "1", "0", "", "", "镇", "", "银行", BANK,
             PHONE, "住址"] for index, (name, _) in enumerate(drawn)]
    for mode in ("masked", "full"):
        for suffix in (".csv", ".xlsx"):
            out = tmp_path / f"p-{mode}{suffix}"
            done = invoker()("publicity", str(roster(tmp_path, rows)), "--month", "2020-08",
                             "-o", str(out), "--period", "2020年8月", "--names", mode,
                             "--amounts")
            assert done.exit_code in (0, 1, 2), done.output
            if out.exists():
                for text in every_cell(out):
                    assert not leaks(text), (mode, text)


# --- localities the documents cannot carry as they are (issue 26 §6) -------------------------


def valid_sheet_name(name: str) -> bool:
    """Excel's rules for a sheet's name (XlsxWriter checks all but the last)."""
    return (0 < len(name.encode("utf-16-le")) // 2 <= 31
            and not re.search(r"[\[\]:*?/\\]", name)
            and not name.startswith("'") and not name.endswith("'")
            and name.casefold() != "history")


@pytest.mark.parametrize("village", [
    pytest.param("'东门社区'", id="apostrophes at both ends"),
    pytest.param("a/b", id="a slash"),
    pytest.param("北" * 40, id="40 characters"),
    pytest.param("History", id="a name Excel keeps"),
    pytest.param("[东]:*?\\门", id="every character a name cannot hold"),
    pytest.param("𡌶" * 20, id="20 characters that Excel counts twice"),
])
def test_any_village_gives_its_publicity_sheet_a_valid_name(run: Run, tmp_path: Path,
                                                             village: str) -> None:
    # Its title shows the village as it is; two villages whose names differ only in
    # case (or in what a sheet's name cannot hold) each get a sheet of their own.
    rows = [[*ROWS[0][:8], village, *ROWS[0][9:]], [*ROWS[2][:8], village.lower(), *ROWS[2][9:]],
            [*ROWS[5][:8], village.replace("/", "_"), *ROWS[5][9:]]]
    out = tmp_path / "公示名单.xlsx"
    done = run("publicity", str(roster(tmp_path, rows)), "--month", "2020-08", "-o", str(out),
               "--period", "2020年8月", "--group-by", "村（社区）")
    assert done.exit_code == 0, done.output
    book = openpyxl.load_workbook(out)
    assert all(valid_sheet_name(name) for name in book.sheetnames), book.sheetnames
    assert len({name.casefold() for name in book.sheetnames}) == len(book.sheetnames)
    villages = list(dict.fromkeys(row[8] for row in rows))
    assert [book[name]["A1"].value for name in book.sheetnames] == [
        f"{place} 城乡低保和特困供养对象公示名单" for place in villages]


@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=12))
def test_every_group_gives_a_sheet_name_excel_accepts(labels: list[str]) -> None:
    import xlsxwriter  # noqa: PLC0415

    from welfare_calc.batch.write.publicity import sheet_names  # noqa: PLC0415

    keys = [(label,) for label in labels]
    names = sheet_names([*keys, None])
    assert all(valid_sheet_name(name) for name in names), names
    assert len({name.casefold() for name in names}) == len(names)
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    for name in names:
        book.add_worksheet(name)  # raises on a name Excel refuses
    book.close()


@pytest.mark.parametrize(("levels", "town", "village"), [
    pytest.param(["乡镇（街道）"], "合计", "A社区", id="a town named 合计"),
    pytest.param(["乡镇（街道）", "村（社区）"], "萌水镇", "合　计", id="a village 合　计"),
    pytest.param(["乡镇（街道）"], " 小计", "", id="a town named 小计"),
    pytest.param(["乡镇（街道）"], "未填属地", "", id="the label of the empty group"),
    pytest.param(["村（社区）"], "萌水镇", "总 计", id="a village named 总计"),
])
def test_a_locality_named_as_a_total_row_refuses_its_rows(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, levels: list[str], town: str,
        village: str) -> None:
    # Two 合计 rows in a 资金汇总: which is the total a county pays from? A group's row
    # must never read as the total (or as the group of empty cells): its rows are
    # refused, and the documents have one 合计, the groups adding up to it.
    monkeypatch.setenv("WELFARE_CALC_LANG", "en")  # the reason is asserted in English
    rows = [*ROWS, [resident_id(8), "周九", "农村低保", "2", "0", "", "", town, village,
                    "信用社", BANK, PHONE, "x"]]
    book, fund = tmp_path / "名册.xlsx", tmp_path / "汇总.csv"
    grouping = [word for level in levels for word in ("--group-by", level)]
    done = run("batch", str(roster(tmp_path, rows)), "--through", "2020-08", "-o", str(book),
               *grouping, "--summary-csv", str(fund), "--summary", str(tmp_path / "s.json"),
               "--errors", str(tmp_path / "e.csv"))
    assert done.exit_code == 1, done.output
    rejected = csv_rows(tmp_path / "e.csv")
    taken = ("合计", "小计", "总计", "未填属地")
    level = next(level for level, value in (("乡镇（街道）", town), ("村（社区）", village))
                 if level in levels and "".join(value.split()) in taken)
    assert [(row["line"], row["column"]) for row in rejected] == [("8", level)]
    assert "a label the 资金汇总 and the 补发名册 give rows of their own" in rejected[0]["reason"]
    table = fund_rows(fund)
    assert [row[0] for row in table].count("合计") == 1
    assert table[-1][0] == "合计"
    assert all("".join(row[0].split()) not in ("小计", "总计") for row in table)
    for index in range(len(levels), len(table[0])):
        assert sum(Decimal(row[index]) for row in table[1:-1]) == Decimal(table[-1][index])
    summary = sheet_values(book, "汇总")
    assert [row[0] for row in summary].count("合计") == 1
    closing = [row[0] for row in sheet_values(book, "结果")
               if isinstance(row[0], str) and row[0].startswith(("小计", "合计"))]
    assert closing[-1] == "合计（6户）"
    assert all(line.startswith("小计：") for line in closing[:-1])
    labels = [line.removeprefix("小计：").rpartition("（")[0] for line in closing[:-1]]
    assert len(set(labels)) == len(labels)
    assert not {"".join(part.split()) for label in labels for part in label.split(" / ")} & {
        "合计", "小计", "总计"}


def test_a_total_named_locality_is_refused_in_the_column_wise_lane(run: Run,
                                                                   tmp_path: Path) -> None:
    # Enough rows for the lane (chunks of 4,096 or more), the locality far from the start.
    rows = [[resident_id(index), "某某", "城市低保", "1", "0", "", "",
             "合计" if index == 4000 else "东镇", "", "", "", "", ""] for index in range(4500)]
    fund = tmp_path / "汇总.csv"
    done = run("batch", str(roster(tmp_path, rows)), "--through", "2020-08", "-o",
               str(tmp_path / "o.csv"), "--group-by", "乡镇（街道）", "--summary-csv", str(fund),
               "--summary", str(tmp_path / "s.json"))
    assert done.exit_code == 1, done.output
    assert [row[:4] for row in fund_rows(fund)[1:]] == [["东镇", "4499", "4499", "2159520.00"],
                                                        ["合计", "4499", "4499", "2159520.00"]]
    figures = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert (figures["rows_written"], figures["rows_rejected"]) == (4499, 1)
    assert [group["group"] for group in figures["groups"]] == ["东镇"]


# --- the printed documents as offices print them (issue 29 §3, issue 28) --------------------

TOWN_HEADER = ["序号", "乡镇（街道）", "村（社区）", "户主姓名", "身份证号", "保障类别", "保障人数",
               "家庭月人均收入（元）", "起始月份", "截止月份", "开户银行", "账号", "联系电话",
               "家庭住址"]
"""The provincial layout, as examples/town_roster.csv has it."""


def town_rows(towns: list[tuple[str, str]]) -> list[list[str]]:
    """A roster numbered 1, 2, 3 … in the county's order, one household per (town, village)."""
    return [[str(number), town, village, f"户主{number}", resident_id(number), "城市低保", "2",
             "100", "", "", "农商银行", f"62300000{number:08d}", f"1380533{number:04d}",
             f"{village}{number}号"] for number, (town, village) in enumerate(towns, 1)]


TOWNS = [("东镇", "东村"), ("西镇", "西村"), ("东镇", "南村"), ("西镇", "西村"), ("东镇", "东村"),
         ("北镇", "北村"), ("东镇", "南村")]


def hidden_headers(sheet: Any) -> set[str]:
    """The header names (row 3) of the columns a sheet hides, so does not print."""
    header = [cell.value for cell in sheet[TITLE_ROWS]]
    return {header[column - 1] for dimension in sheet.column_dimensions.values()
            if dimension.hidden for column in range(dimension.min, dimension.max + 1)
            if column <= len(header)}


def test_the_roster_prints_the_columns_an_office_files(run: Run, tmp_path: Path) -> None:
    book = tmp_path / "名册.xlsx"
    done = run("batch", str(roster(tmp_path, town_rows(TOWNS), TOWN_HEADER)), "--through",
               "2020-08", "-o", str(book), "--group-by", "乡镇（街道）")
    assert done.exit_code == 0, done.output
    sheet = openpyxl.load_workbook(book)["结果"]
    # Printed: 序号, 属地, 姓名, 身份证号, 保障类别, 保障人数, income, months, the amounts, 账号.
    assert hidden_headers(sheet) == {"起始月份", "截止月份", "开户银行", "联系电话", "家庭住址",
                                     "因提标新纳入"}
    # The others stay in the data: every column of the roster, every value.
    header = [cell.value for cell in sheet[TITLE_ROWS]]
    assert header[:len(TOWN_HEADER)] == TOWN_HEADER
    cells = {cell for row in sheet.iter_rows(values_only=True) for cell in row}
    assert {"13805330001", "东村1号", "农商银行"} <= cells
    # The printed columns fit the page's width at the sheet's print scale, and the sheet is
    # not "fitted to" pages (Excel would then ignore the manual page breaks).
    assert not sheet.sheet_properties.pageSetUpPr.fitToPage
    shown = [dimension for dimension in sheet.column_dimensions.values() if not dimension.hidden]
    # (As LibreOffice reads a width as stored: 7.44 pixels a character of Carlito, Calibri's
    # metrics; Excel gives it a few pixels less.)
    pixels = sum(dimension.width * 7.44 * (dimension.max - dimension.min + 1)
                 for dimension in shown)
    assert pixels * sheet.page_setup.scale / 100 <= LANDSCAPE.width * 96
    assert sheet.page_setup.scale >= 60  # the office's columns print at a readable size


def test_print_column_chooses_the_printed_columns(run: Run, tmp_path: Path) -> None:
    source = roster(tmp_path, town_rows(TOWNS), TOWN_HEADER)
    book = tmp_path / "名册.xlsx"
    done = run("batch", str(source), "--through", "2020-08", "-o", str(book), "--print-column",
               "户主姓名", "--print-column", "联系电话", "--print-column", "backpay")
    assert done.exit_code == 0, done.output
    sheet = openpyxl.load_workbook(book)["结果"]
    header = [cell.value for cell in sheet[TITLE_ROWS]]
    assert set(header) - hidden_headers(sheet) == {"户主姓名", "联系电话", "增补金额"}
    everything = run("batch", str(source), "--through", "2020-08", "-o", str(book),
                     "--print-column", "all")
    assert everything.exit_code == 0, everything.output
    assert hidden_headers(openpyxl.load_workbook(book)["结果"]) == set()
    unknown = run("batch", str(source), "--through", "2020-08", "-o", str(book),
                  "--print-column", "电话号码")
    assert unknown.exit_code == 2
    assert "--print-column 电话号码: the 补发名册 has no such column; its columns: 序号" in (
        unknown.stderr)
    as_csv = run("batch", str(source), "--through", "2020-08", "-o", str(tmp_path / "o.csv"),
                 "--print-column", "户主姓名")
    assert as_csv.exit_code == 2
    assert "--print-column chooses what a workbook's 补发名册 prints" in as_csv.stderr


def test_the_default_printed_columns_follow_the_data() -> None:
    # A computed amount column that no list names (a care amount, say) prints; a computed
    # yes/no does not; a roster's own columns by what their header names.
    keys = ["序号", "id", "所属乡镇", "村居", "name", "category", "persons", "income", "start",
            "end", "paid", "银行卡号", "手机号码", "居住地址", "months", "backpay",
            "monthly_care", "newly_eligible"]
    computed = [key in ("months", "backpay", "monthly_care", "newly_eligible") for key in keys]
    printed = printed_columns(keys, keys, computed, [], [])
    assert [key for key, shown in zip(keys, printed, strict=True) if not shown] == [
        "start", "end", "手机号码", "居住地址", "newly_eligible"]
    grouped = printed_columns(keys, keys, computed, ["居住地址"], [])
    assert grouped[keys.index("居住地址")]  # a --group-by column is the locality printed


def test_the_roster_numbers_each_group_from_one(run: Run, tmp_path: Path) -> None:
    book = tmp_path / "名册.xlsx"
    done = run("batch", str(roster(tmp_path, town_rows(TOWNS), TOWN_HEADER)), "--through",
               "2020-08", "-o", str(book), "--group-by", "乡镇（街道）")
    assert done.exit_code == 0, done.output
    values = sheet_values(book, "结果")
    numbered = [(row[1], row[0], row[3]) for row in values[TITLE_ROWS:]
                if isinstance(row[0], int)]
    # The county's numbers were 1, 3, 5, 7 for 东镇; printed, each town counts from 1.
    assert numbered == [("东镇", 1, "户主1"), ("东镇", 2, "户主3"), ("东镇", 3, "户主5"),
                        ("东镇", 4, "户主7"), ("西镇", 1, "户主2"), ("西镇", 2, "户主4"),
                        ("北镇", 1, "户主6")]
    # Without groups, the rows printed are numbered 1 … n, a rejected row leaving no gap.
    rows = town_rows(TOWNS)
    rows[1][6] = "0"  # 保障人数 0: rejected
    alone = run("batch", str(roster(tmp_path, rows, TOWN_HEADER)), "--through", "2020-08",
                "-o", str(book))
    assert alone.exit_code == 1
    values = sheet_values(book, "结果")
    assert [row[0] for row in values[TITLE_ROWS:] if isinstance(row[0], int)] == [
        1, 2, 3, 4, 5, 6]


def test_the_table_is_ruled_and_the_sign_off_is_not(run: Run, tmp_path: Path) -> None:
    book = tmp_path / "名册.xlsx"
    done = run("batch", str(roster(tmp_path)), "--through", "2020-08", "-o", str(book),
               "--group-by", "乡镇（街道）")
    assert done.exit_code == 0, done.output
    for name in ("结果", "汇总"):
        sheet = openpyxl.load_workbook(book)[name]
        assert not sheet.print_options.gridLines  # the sheet's own gridlines never print
        width = len([cell for cell in sheet[TITLE_ROWS] if cell.value is not None])
        rows = list(sheet.iter_rows(min_row=TITLE_ROWS))
        signed = next(at for at, row in enumerate(rows) if row[0].value == SIGNED)
        # Every cell of the header, the rows and the 合计 / 小计 lines: ruled all round,
        # empty ones too (a row the sign-off follows is ruled across).
        table = [row for row in rows[:signed] if any(cell.value is not None for cell in row)
                 and not str(row[0].value).startswith(("输入文件", "文件编码", "标准", "程序",
                                                        "印发", "增补", "读取", "写入", "拒绝",
                                                        "舍入", "多发"))]
        assert len(table) > 2
        for row in table:
            for cell in row[:width]:
                sides = (cell.border.top, cell.border.bottom) if isinstance(
                    cell, MergedCell) else (cell.border.left, cell.border.bottom)
                assert [side.style for side in sides] == ["thin", "thin"], (
                    name, cell.coordinate, cell.value)
        # Under a table nothing is ruled: the sign-off, the seal's room, the stamp.
        under = [row for row in rows if row[0].value in (SIGNED, SEAL) or str(
            row[0].value).startswith(("程序：", "标准表 SHA-256：", "输入文件 SHA-256："))]
        assert len(under) >= 5
        for row in under:
            for cell in row:
                assert cell.border.bottom.style is None, (name, cell.coordinate)


def test_every_document_is_signed_by_the_same_people() -> None:
    # (The 补发名册 once said 制表人; the page's 计算单 left out the 负责人.)
    assert SIGN_OFF == SHEET_SIGN_OFF == ("经办人", "审核人", "负责人", "日期")
    assert sign_off() == SIGNED


def test_the_fund_summary_breaks_its_names_between_words(run: Run, tmp_path: Path) -> None:
    book = tmp_path / "名册.xlsx"
    done = run("batch", str(roster(tmp_path)), "--through", "2020-08", "-o", str(book),
               "--group-by", "乡镇（街道）")
    assert done.exit_code == 0, done.output
    sheet = openpyxl.load_workbook(book)["汇总"]
    header = [cell.value for cell in sheet[TITLE_ROWS]]
    words = {"乡镇（街道）", "城市低保", "农村低保", "城市特困", "农村特困", "户数", "人数",
             "增补金额", "（元）", "户数合计", "人数合计", "合计", "多发金额", "因提标", "新纳入"}
    assert header[3] == "城市低保\n增补金额\n（元）"
    assert header[-3] == "增补金额\n合计\n（元）"
    for name in header:
        assert set(name.split("\n")) <= words, name  # never 增补金额合计（ / 元）
    # Each column is as wide as the longest of its lines (the header wraps nowhere else).
    for cell, name in zip(sheet[TITLE_ROWS], header, strict=True):
        longest = max(len(line) * 2 for line in name.split("\n"))
        assert sheet.column_dimensions[cell.column_letter].width >= longest, name
    assert sheet.row_dimensions[TITLE_ROWS].height >= 3 * 15  # three lines


@pytest.mark.parametrize(("through", "title", "basis", "issued", "due"), [
    pytest.param("2024-03", "2024年1—3月提标增补名册",
                 "依据：淄民〔2024〕10号（2024年4月3日印发）　　发放期限：2024年4月30日前"
                 "（1-3月份增补资金务必于4月30日前发放到位）",
                 "2024年4月3日", "2024年4月30日前（1-3月份增补资金务必于4月30日前发放到位）",
                 id="2024, three months"),
    pytest.param("2024-01", "2024年1月提标增补名册",
                 "依据：淄民〔2024〕10号（2024年4月3日印发）　　发放期限：2024年4月30日前"
                 "（1-3月份增补资金务必于4月30日前发放到位）",
                 "2024年4月3日", "2024年4月30日前（1-3月份增补资金务必于4月30日前发放到位）",
                 id="2024, one month"),
    pytest.param("2023-01", "2023年1月提标增补名册",
                 "依据：淄民〔2023〕4号（印发日期未查到）　　发放期限：2023年2月28日前"
                 "（1月份增补资金务必于2月28日前发放到位）",
                 "未查到", "2023年2月28日前（1月份增补资金务必于2月28日前发放到位）",
                 id="2023, issue date unknown"),
    pytest.param("2020-08", "2020年1—8月提标增补名册",
                 "依据：周政办字〔2020〕29号（2020年8月10日印发）", "2020年8月10日", "标准表未载明",
                 id="2020, no deadline"),
])
def test_the_documents_of_a_raise_name_its_notice_and_deadline(
        run: Run, tmp_path: Path, through: str, title: str, basis: str, issued: str,
        due: str) -> None:
    book = tmp_path / "名册.xlsx"
    done = run("batch", str(roster(tmp_path)), "--through", through, "-o", str(book),
               "--office", "周村区民政局")
    assert done.exit_code == 0, done.output
    roster_sheet, fund = sheet_values(book, "结果"), sheet_values(book, "汇总")
    assert roster_sheet[0][0] == title
    assert fund[0][0] == title.replace("名册", "资金汇总表")
    for sheet in (roster_sheet, fund):
        assert sheet[1][0].split("\n")[0] == basis
    notes = [row[0] for row in fund if isinstance(row[0], str)]
    standards = next(at for at, note in enumerate(notes) if note.startswith("标准文件："))
    assert notes[standards + 1:standards + 3] == [f"印发日期：{issued}", f"增补发放期限：{due}"]


# --- the 公示 list, posted ---------------------------------------------------------------


def village_rows(sizes: dict[tuple[str, str], int]) -> list[list[str]]:
    """Households of each (town, village), the villages of a town met apart."""
    rows = []
    for (town, village), count in sizes.items():
        rows += [[resident_id(len(rows) + index), f"王{index}英", "城市低保", "1", "0", "", "",
                  town, village, "银行", BANK, PHONE, "住址"] for index in range(count)]
    return rows


def posted(run: Run, tmp_path: Path, rows: list[list[str]], *options: str) -> Path:
    out = tmp_path / "公示名单.xlsx"
    done = run("publicity", str(roster(tmp_path, rows)), "--month", "2020-08", "-o", str(out),
               "--period", "2020年8月12日至8月18日", "--group-by", "乡镇（街道）",
               "--group-by", "村（社区）", *options)
    assert done.exit_code == 0, done.output
    return out


SIZES = {("东镇", "东村"): 1, ("西镇", "西村"): 60, ("东镇", "南村"): 30, ("北镇", "北村"): 0}


def test_each_list_numbers_its_own_pages(run: Run, tmp_path: Path) -> None:
    # A village's one posted page says 第 1 页 共 1 页, whatever else the workbook holds.
    book = openpyxl.load_workbook(posted(run, tmp_path, village_rows(SIZES)))
    pages = {}
    for sheet in book:
        assert (sheet.page_setup.firstPageNumber or 1) == 1  # (1: the default, left out)
        assert sheet.page_setup.useFirstPageNumber
        footer = sheet.oddFooter.center.text
        found = re.fullmatch(r"第 &P 页 共 (\d+) 页", footer)
        assert found, footer
        pages[sheet.title] = int(found[1])
        # Its pages are laid out: a break wherever one is full, so the count is exact.
        assert len(sheet.row_breaks.brk) == pages[sheet.title] - 1
        assert not sheet.sheet_properties.pageSetUpPr.fitToPage
    assert pages == {"东镇 _ 东村": 1, "东镇 _ 南村": 2, "西镇 _ 西村": 3}


def test_a_towns_villages_are_listed_together(run: Run, tmp_path: Path) -> None:
    rows = village_rows({("东镇", "东村"): 1, ("西镇", "西村"): 1, ("东镇", "南村"): 1,
                         ("北镇", "北村"): 1, ("西镇", "中村"): 1})
    book = openpyxl.load_workbook(posted(run, tmp_path, rows))
    assert book.sheetnames == ["东镇 _ 东村", "东镇 _ 南村", "西镇 _ 西村", "西镇 _ 中村",
                               "北镇 _ 北村"]
    out = tmp_path / "公示名单.csv"
    done = run("publicity", str(roster(tmp_path, rows)), "--month", "2020-08", "-o", str(out),
               "--period", "x", "--group-by", "乡镇（街道）", "--group-by", "村（社区）")
    assert done.exit_code == 0, done.output
    assert [row[:2] for row in fund_rows(out)[1:]] == [
        ["东镇", "东村"], ["东镇", "南村"], ["西镇", "西村"], ["西镇", "中村"], ["北镇", "北村"]]


@given(st.lists(st.tuples(st.sampled_from(["东镇", "西镇", "南镇", ""]),
                          st.sampled_from(["一村", "二村", "三村", ""])), min_size=1, max_size=20))
def test_every_towns_villages_are_together_in_every_document(
        tmp_path_factory: pytest.TempPathFactory, drawn: list[tuple[str, str]]) -> None:
    tmp_path = tmp_path_factory.mktemp("nested")
    rows = [[resident_id(index), "某某", "城市低保", "1", "0", "", "", town, village, "", "", "",
             ""] for index, (town, village) in enumerate(drawn)]
    source = roster(tmp_path, rows)
    fund, listed = tmp_path / "汇总.csv", tmp_path / "公示.csv"
    levels = ["--group-by", "乡镇（街道）", "--group-by", "村（社区）"]
    done = invoker()("batch", str(source), "--through", "2020-08", "-o",
                     str(tmp_path / "o.csv"), "--summary-csv", str(fund), *levels)
    assert done.exit_code == 0, done.output
    done = invoker()("publicity", str(source), "--month", "2020-08", "-o", str(listed),
                     "--period", "x", *levels)
    assert done.exit_code == 0, done.output
    first_met = list(dict.fromkeys(town or "未填属地" for town, _ in drawn))
    for towns in ([row[0] for row in fund_rows(fund)[1:-1]],
                  [row[0] for row in fund_rows(listed)[1:]]):
        runs = [town for at, town in enumerate(towns) if at == 0 or towns[at - 1] != town]
        assert runs == first_met, towns  # each town once, in the order first met


def test_the_list_gives_a_hotline_and_no_program(run: Run, tmp_path: Path) -> None:
    out = posted(run, tmp_path, village_rows({("东镇", "东村"): 2}), "--hotline",
                 "0533-6412345", "--office", "东镇人民政府")
    book = openpyxl.load_workbook(out)
    values = [row[0] for row in book["东镇 _ 东村"].iter_rows(values_only=True)]
    assert values[TITLE_ROWS + 3:TITLE_ROWS + 7] == [
        f"公示单位：东镇人民政府　　制表日期：{date_text_today()}",
        "如有异议，请在公示期内向公示单位反映。", "监督电话：0533-6412345", SEAL]
    # No program's name or version anywhere on a notice posted in public.
    for text in every_cell(out):
        assert "welfare-calc" not in text, text
        assert "SHA-256" not in text, text
    without = posted(run, tmp_path, village_rows({("东镇", "东村"): 2}))
    assert not [text for text in every_cell(without) if "监督电话" in text]
    for wrong, said in ((["-o", str(tmp_path / "p.csv"), "--hotline", "0533-6412345"],
                         "--hotline is printed on a workbook's list"),
                        (["-o", str(tmp_path / "p.xlsx"), "--hotline", "请拨打民政所电话"],
                         "--hotline '请拨打民政所电话': give the 监督电话 as the number")):
        done = run("publicity", str(roster(tmp_path)), "--month", "2020-08", "--period", "x",
                   *wrong)
        assert done.exit_code == 2
        assert said in done.stderr


def date_text_today() -> str:
    made = date.today()
    return f"{made.year}年{made.month}月{made.day}日"


def test_pages_are_laid_out_whole() -> None:
    pages = Pages()
    for _ in range(10):
        pages.row(18)
    pages.block([18, 18, 24, 72])  # a 小计 with its sign-off: moved whole to the next page
    pages.page_break()
    for _ in range(3):
        pages.row(18)
    assert pages.lay_out(200) == ([TITLE_ROWS + 10, TITLE_ROWS + 14], 3)
    assert pages.lay_out(1000) == ([TITLE_ROWS + 14], 2)
    assert pages.forced() == [TITLE_ROWS + 14]
    pages.page_break()  # with nothing after it: no page more
    assert pages.lay_out(1000) == ([TITLE_ROWS + 14], 2)
    assert pages.forced() == [TITLE_ROWS + 14]


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                    reason="LibreOffice (soffice) is not installed on this machine")
def test_libreoffice_prints_the_pages_the_footers_count(run: Run, tmp_path: Path) -> None:
    # Printed whole, as a clerk prints a workbook: each sheet's pages as its footer counts
    # them, numbered from 1, and no page more (no column pushed onto a page of its own).
    from pypdf import PdfReader  # noqa: PLC0415

    listed = posted(run, tmp_path, village_rows(SIZES))
    book = tmp_path / "名册.xlsx"
    many = village_rows({("东镇", "东村"): 70, ("西镇", "西村"): 3})
    done = run("batch", str(roster(tmp_path, many)), "--through", "2020-08", "-o", str(book),
               "--group-by", "乡镇（街道）")
    assert done.exit_code == 0, done.output
    for path, sheets in ((listed, 3), (book, 2)):
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir",
                        str(tmp_path), str(path)], check=True, capture_output=True,
                       timeout=300, env={**os.environ, "HOME": str(tmp_path)})
        numbers = []
        for page in PdfReader(path.with_suffix(".pdf")).pages:
            found = re.search(r"第 (\d+) 页 共 (\d+) 页", page.extract_text())
            assert found, page.extract_text()
            numbers.append((int(found[1]), int(found[2])))
        runs: list[list[tuple[int, int]]] = []
        for number in numbers:
            if number[0] == 1:
                runs.append([])
            runs[-1].append(number)
        assert len(runs) == sheets, numbers
        for pages in runs:
            assert pages == [(index, len(pages)) for index in range(1, len(pages) + 1)], numbers


def test_a_sheet_of_more_pages_than_breaks_keeps_the_group_breaks() -> None:
    # Past the 1,023 page breaks an Excel sheet holds, the groups' breaks alone are kept
    # (rows fill the pages as the printing program will), and the pages are counted by
    # it (&N): never a count that is wrong.
    import xlsxwriter  # noqa: PLC0415

    from welfare_calc.batch.write.documents import page_numbers  # noqa: PLC0415
    from welfare_calc.batch.write.workbook import SheetWriter, print_styles  # noqa: PLC0415

    target = io.BytesIO()
    book = xlsxwriter.Workbook(target, {"in_memory": True})
    styles = print_styles(book)
    writer = SheetWriter(book.add_worksheet("结果"), "结果", styles["bold"])
    writer.titled("名册", ["制表单位"], 2, styles)
    writer.header(["序号", "姓名"], styles["header"], wrap=True)
    for group in range(2):
        for number in range(15_000):
            writer.write([str(number), "某某"], ["whole", "text"], style=styles["cell"])
        writer.closing([f"小计：{group}", ""], ["text", "text"], styles)
        writer.signed(styles, keep=writer.row_height)
        writer.page_break()
    writer.finish(LANDSCAPE, page_numbers)
    book.close()
    sheet = openpyxl.load_workbook(io.BytesIO(target.getvalue()))["结果"]
    assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"
    # (The break after the last group, with nothing after it, is none.)
    assert [brk.id for brk in sheet.row_breaks.brk] == [TITLE_ROWS + 15_000 + 4]
