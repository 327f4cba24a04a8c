"""The month's 发放明细 (issue 30 §1): one row per household covered in the month, its
amount and parts from the core, accounts checked and 待核实账号 held back, totals to the
fen, the statistics a county sends up; rosters read as the batch reads them."""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import csv_rows, invoker, sheet_values
from welfare_calc.batch.run.options import BatchOptions
from welfare_calc.batch.run.pipeline import run_batch
from welfare_calc.batch.write.files import BatchFiles
from welfare_calc.core import fields
from welfare_calc.core.engine import MonthPlan, fen_text, month_amount
from welfare_calc.core.months import Month
from welfare_calc.core.table import StandardsTable
from welfare_calc.payroll.accounts import account_digits
from welfare_calc.payroll.detail import Payroll, PayrollOptions

HEADER = ["序号", "乡镇（街道）", "户主姓名", "身份证号", "保障类别", "保障人数",
          "家庭月人均收入（元）", "起始月份", "截止月份", "分类施保", "护理等级", "开户银行",
          "账号"]
GOOD = "6222021234567890128"
"""A card number whose Luhn check digit holds."""
BAD = "6222021234567890127"
"""The same with its last digit mistyped."""

# 2024-05, data/standards_2020.yaml (淄民〔2024〕10号 from 2024-01; care standards of 2022,
# 未调整): urban dibao 989, rural dibao 877, urban tekun 1320, rural tekun 1140 a person a
# month; care 全自理 240, 半护理 685, 全护理 1090 a person a month.
ROSTER = [
    # urban dibao, 3 persons, income 200, 50.00 分类施保: (989 − 200) × 3 = 2367.00 补差,
    # + 50.00 = 2417.00.
    ["1", "青年路街道", "张秀英", "110105190001011012", "城市低保", "3", "200", "", "", "50",
     "", "周村农商银行", GOOD],
    # rural dibao, 2 persons, income 300.50, 20% 分类施保: (877 − 300.50) × 2 = 1153.00
    # 补差; 20% of it, 230.60; 1383.60 (rule 11). The account fails its check digit.
    ["2", "萌水镇", "李建国", "110105190001011020", "农村低保", "2", "300.50", "", "", "20%",
     "", "周村农商银行", BAD],
    # urban tekun, 1 person, 半护理: 1320.00 全额 + 685.00 care = 2005.00 (rule 17).
    ["3", "青年路街道", "王桂兰", "110105190001011039", "城市特困", "1", "0", "2020-03", "", "",
     "半护理", "周村农商银行", "6222 0212 3456 7890 128"],
    # rural tekun, 2 persons, 全护理: 1140 × 2 = 2280.00 全额 + 1090 × 2 = 2180.00 care
    # = 4460.00. No account given.
    ["4", "萌水镇", "赵明", "110105190001011047", "农村特困", "2", "0", "", "", "", "全护理",
     "", ""],
    # Ended in April, and begins in June: not covered in May, not listed.
    ["5", "萌水镇", "孙丽", "110105190001011055", "城市低保", "1", "0", "", "2024-04", "", "",
     "周村农商银行", GOOD],
    ["6", "萌水镇", "周强", "110105190001011063", "农村低保", "1", "0", "2024-06", "", "", "",
     "周村农商银行", GOOD],
]
EXPECTED = {  # id: (basic, 分类施保, care, 户月保障金, status begins)
    "110105190001011012": ("2367.00", "50.00", "0.00", "2417.00", "发放"),
    "110105190001011020": ("1153.00", "230.60", "0.00", "1383.60", "待核实账号"),
    "110105190001011039": ("1320.00", "0.00", "685.00", "2005.00", "发放"),
    "110105190001011047": ("2280.00", "0.00", "2180.00", "4460.00", "待核实账号"),
}


def write_roster(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER,
                 encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([header, *rows])
    return path


def payroll(tmp_path: Path, roster: Path, *options: str, out: str = "发放明细.csv",
            month: str = "2024-05") -> Any:
    return invoker()("payroll", str(roster), "--month", month, "-o", str(tmp_path / out),
                     *options)


def run_payroll(table: StandardsTable, roster: Path, out: Path, **options: Any) -> Payroll:
    """The 发放明细 of May 2024 made through the batch's documents seam, with ``options``
    (``send``, ``each``): what the command does, without it."""
    month = Month(2024, 5)
    maker = Payroll(table, PayrollOptions(month=month, output=out, **options), [])
    with roster.open("rb") as source:
        run_batch(table, MonthPlan(table, month), source, BatchFiles(output=out),
                  BatchOptions(fmt="documents", headers=None, documents=maker), workers=1)
    return maker


def households(path: Path) -> list[dict[str, str]]:
    """The 发放明细's household lines (numbered), not its closing lines."""
    return [row for row in csv_rows(path) if row["序号"].isdigit()]


def closing(path: Path, label: str) -> dict[str, str]:
    return next(row for row in csv_rows(path) if row["序号"].startswith(label))


def test_a_household_of_each_category_with_care_tiers_and_supplements(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "花名册.csv", ROSTER)
    done = payroll(tmp_path, roster, "--summary", str(tmp_path / "s.json"))
    assert done.exit_code == 0, done.output
    out = tmp_path / "发放明细.csv"
    lines = households(out)
    found = {row["身份证号"]: (row["基本保障金（元）"], row["分类施保金（元）"],
                            row["照料护理费（元）"], row["户月保障金（元）"],
                            row["发放状态"][:len(EXPECTED[row["身份证号"]][4])])
             for row in lines}
    assert found == EXPECTED  # the two not covered in May are absent
    by_id = {row["身份证号"]: row for row in lines}
    assert by_id["110105190001011012"]["发放方式"] == "补差"
    assert by_id["110105190001011039"]["发放方式"] == "全额"
    assert by_id["110105190001011039"]["账号"] == GOOD  # the grouping spaces cut
    assert "校验位不符" in by_id["110105190001011020"]["发放状态"]
    assert by_id["110105190001011047"]["发放状态"] == "待核实账号：未填银行账号"
    # 合计 2417.00 + 1383.60 + 2005.00 + 4460.00 = 10265.60; sent 2417.00 + 2005.00 =
    # 4422.00; held back 1383.60 + 4460.00 = 5843.60.
    assert closing(out, "合计（4户）")["户月保障金（元）"] == "10265.60"
    assert closing(out, "合计（4户）")["基本保障金（元）"] == "7120.00"
    assert closing(out, "其中：发放（2户）")["户月保障金（元）"] == "4422.00"
    assert closing(out, "其中：待核实账号（2户）")["户月保障金（元）"] == "5843.60"
    report = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert (report["total"], report["sent"], report["held_back"]) == (
        "10265.60", "4422.00", "5843.60")
    assert report["not_listed"] == 2
    # 补助水平: urban dibao 2417.00 ÷ 3 persons = 805.666… → 805.67 (half-up, rule 5).
    assert report["by_category"]["urban-dibao"] == {
        "households": 1, "persons": 3, "amount": "2417.00", "level": "805.67"}
    # rural tekun: 4460.00 ÷ 2 persons = 2230.00.
    assert report["by_category"]["rural-tekun"]["level"] == "2230.00"
    assert ("合计 10265.60 元：其中发放 4422.00 元（2 户），待核实账号暂不发放 5843.60 元"
            "（2 户）") in done.stderr


def test_each_amount_is_the_cores_month_amount(tmp_path: Path, table: StandardsTable) -> None:
    roster = write_roster(tmp_path / "r.csv", ROSTER)
    assert payroll(tmp_path, roster).exit_code == 0
    month = Month(2024, 5)
    for row in households(tmp_path / "发放明细.csv"):
        source = next(cells for cells in ROSTER if cells[3] == row["身份证号"])
        read = fields.read(table, {"id": source[3], "category": source[4],
                                   "persons": source[5], "income": source[6],
                                   "start": source[7], "end": source[8],
                                   "supplement": source[9], "care": source[10]})
        assert not isinstance(read, list)
        pay = month_amount(table, read.house, month).pay
        assert (row["基本保障金（元）"], row["分类施保金（元）"], row["照料护理费（元）"],
                row["户月保障金（元）"]) == tuple(
                    fen_text(fen) for fen in (pay.base, pay.supplement, pay.care, pay.total))


def test_groups_have_their_subtotals_and_the_statistics_per_group(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "r.csv", ROSTER)
    stats = tmp_path / "统计.csv"
    done = payroll(tmp_path, roster, "--group-by", "乡镇（街道）", "--summary-csv", str(stats))
    assert done.exit_code == 0, done.output
    out = tmp_path / "发放明细.csv"
    assert closing(out, "小计：青年路街道（2户）")["户月保障金（元）"] == "4422.00"  # 2417 + 2005
    assert closing(out, "小计：萌水镇（2户）")["户月保障金（元）"] == "5843.60"  # 1383.60 + 4460
    rows = {row["乡镇（街道）"]: row for row in csv_rows(stats)}
    assert list(rows) == ["青年路街道", "萌水镇", "合计"]
    assert rows["萌水镇"]["农村特困人数"] == "2"
    assert rows["萌水镇"]["农村特困补助水平（元/人）"] == "2230.00"  # 4460.00 ÷ 2
    # 萌水镇: 5843.60 ÷ 4 persons = 1460.90.
    assert rows["萌水镇"]["补助水平（元/人）"] == "1460.90"
    assert rows["合计"]["金额合计（元）"] == "10265.60"
    assert rows["合计"]["人数合计"] == "8"


def test_the_workbook_reads_back_with_its_title_total_and_statistics(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "r.csv", ROSTER)
    done = payroll(tmp_path, roster, "--office", "周村区民政局", "--group-by", "乡镇（街道）",
                   out="发放明细.xlsx")
    assert done.exit_code == 0, done.output
    book = tmp_path / "发放明细.xlsx"
    lines = sheet_values(book, "结果")
    assert lines[0][0] == "2024年5月城乡低保、特困供养发放明细"
    assert "制表单位：周村区民政局" in lines[1][0]
    assert "依据：淄民〔2024〕10号" in lines[1][0]
    header = lines[2]
    total = next(row for row in lines if str(row[0]).startswith("合计"))
    assert total[header.index("户月保障金（元）")] == pytest.approx(10265.60)
    rows = [row for row in lines if isinstance(row[0], int)]
    assert {row[header.index("身份证号")] for row in rows} == set(EXPECTED)
    accounts = [row[header.index("账号")] for row in rows]
    assert sorted(accounts, key=str) == sorted([GOOD, GOOD, BAD, None], key=str)  # as text
    stats = sheet_values(book, "汇总")
    assert stats[0][0] == "2024年5月城乡低保、特困供养发放统计表"
    last = next(row for row in stats if row[0] == "合计")
    names = [str(name).replace("\n", "") for name in stats[2]]
    assert last[names.index("金额合计（元）")] == pytest.approx(10265.60)
    assert last[names.index("城市低保补助水平（元/人）")] == pytest.approx(805.67)
    notes = [row[0] for row in stats if isinstance(row[0], str)]
    assert "其中：待核实账号（元）：5843.60（2户）" in notes
    sheet = openpyxl.load_workbook(book)["结果"]
    assert sheet.print_title_rows == "$1:$3"  # the header repeated on every page
    assert "第 &P 页" in sheet.oddFooter.center.text


def test_csv_for_excel_keeps_ids_and_accounts_as_text(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "r.csv", ROSTER)
    assert payroll(tmp_path, roster, "--excel").exit_code == 0
    row = households(tmp_path / "发放明细.csv")[0]
    assert row["身份证号"] == "110105190001011012\t"
    assert row["账号"] == GOOD + "\t"


def test_a_merged_workbook_and_a_gbk_roster_read_as_the_batch_reads_them(
        tmp_path: Path) -> None:
    plain = write_roster(tmp_path / "plain.csv", ROSTER)
    gbk = write_roster(tmp_path / "gbk.csv", ROSTER, encoding="gbk")
    rows = sorted(ROSTER, key=lambda cells: cells[1])
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for r, cells in enumerate([HEADER, *rows], 1):
        for c, value in enumerate(cells, 1):
            if value and not (c == 2 and r > 2 and rows[r - 2][1] == rows[r - 3][1]):
                sheet.cell(r, c, value)
    # 乡镇（街道） merged down each town's rows: its value in the top-left cell alone.
    towns = [cells[1] for cells in rows]
    first = 0
    for index in range(1, len(rows) + 1):
        if index == len(rows) or towns[index] != towns[first]:
            if index - first > 1:
                sheet.merge_cells(start_row=first + 2, end_row=index + 1, start_column=2,
                                  end_column=2)
            first = index
    merged = tmp_path / "merged.xlsx"
    book.save(merged)
    made = []
    for roster in (plain, gbk, merged):
        out = f"out-{roster.stem}.csv"
        done = payroll(tmp_path, roster, "--group-by", "乡镇（街道）", out=out)
        assert done.exit_code == 0, done.output
        made.append(sorted(tuple(row.values()) for row in csv_rows(tmp_path / out)))
    assert made[0] == made[1] == made[2]


def test_a_rejected_row_goes_to_the_errors_file_and_exit_1(tmp_path: Path) -> None:
    rows = [*ROSTER, ["7", "萌水镇", "吴刚", "110105190001011071", "城市低保", "两", "0", "", "",
                      "", "", "", GOOD]]
    roster = write_roster(tmp_path / "r.csv", rows)
    done = payroll(tmp_path, roster)
    assert done.exit_code == 1
    errors = csv_rows(tmp_path / "发放明细.csv.errors.csv")
    assert [row["id"] for row in errors] == ["110105190001011071"]
    assert len(households(tmp_path / "发放明细.csv")) == 4


@pytest.mark.parametrize(("args", "words"), [
    (["--month", "2021-05"], "2021 年的调标文件不在标准表中"),
    (["--month", "2025-01"], "标准表"),
    (["--month", "2024-05", "--column", "account=银行卡"], "花名册中没有“银行卡”列"),
    (["--month", "2024-05", "--column", "account="], "--column account=表头"),
    (["--month", "2024-05", "-o", "x.txt"], "发放明细应为 .xlsx"),
    (["--month", "2024-05", "--office", "局"], "--office"),
])
def test_bad_input_is_one_chinese_line_exit_2_and_nothing_written(
        tmp_path: Path, args: list[str], words: str) -> None:
    roster = write_roster(tmp_path / "r.csv", ROSTER)
    before = set(tmp_path.iterdir())
    output = ["-o", str(tmp_path / "发放明细.csv")] if "-o" not in args else []
    if "-o" in args:
        args = [*args[:args.index("-o")], "-o", str(tmp_path / args[args.index("-o") + 1])]
    done = invoker()("payroll", str(roster), *args, *output)
    assert done.exit_code == 2, done.output
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("错误："), lines[0]
    assert words in lines[0], lines[0]
    assert set(tmp_path.iterdir()) == before


def test_the_payments_to_send_go_to_the_bank_file_with_the_detail(
        tmp_path: Path, table: StandardsTable) -> None:
    """The bank file (``PayrollOptions.bank``) holds the payments sent, in the 发放明细's
    order, each under its key, and adds up to its 其中发放; it is staged with the 发放明细."""
    from welfare_calc.payroll.detail import BankTarget  # noqa: PLC0415
    from welfare_calc.payroll.layouts import resolve_layout  # noqa: PLC0415

    roster = write_roster(tmp_path / "r.csv", ROSTER)
    target = tmp_path / "代发.csv"
    maker = run_payroll(table, roster, tmp_path / "发放明细.csv",
                        bank=BankTarget(target, resolve_layout("csv"), "周村区民政局", "B1"))
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert [[cell.strip() for cell in line.split(",")[0::3]] for line in lines[1:-1]] == [
        ["1", GOOD, "2024-05:110105190001011012"], ["2", GOOD, "2024-05:110105190001011039"]]
    assert [line.split(",")[4] for line in lines[1:-1]] == ["2417.00", "2005.00"]
    assert maker.summary.sent_fen == 241700 + 200500 == 442200
    assert maker.bank_totals is not None
    assert (maker.bank_totals.count, maker.bank_totals.fen) == (2, 442200)


# --- every household in one place, and the totals hold ------------------------------------

CATEGORIES = ["城市低保", "农村低保", "城市特困", "农村特困"]
ACCOUNTS = st.sampled_from([GOOD, BAD, "", "6230 0000 0000 0002", "622202123456789012X",
                            "4111111111111111"])


@st.composite
def households_(draw: st.DrawFn) -> list[str]:
    category = draw(st.sampled_from(CATEGORIES))
    tekun = "特困" in category
    return [category, draw(st.sampled_from(["1", "2", "3", "5", "0", "两"])),
            draw(st.sampled_from(["0", "120.50", "333.33", "900", "2000"])),
            draw(st.sampled_from(["", "2020-03", "2024-05", "2024-06"])),
            draw(st.sampled_from(["", "2024-04", "2024-05", "2025-02"])),
            "" if tekun else draw(st.sampled_from(["", "50", "15%"])),
            draw(st.sampled_from(["", "全自理", "半护理", "全护理"])) if tekun else "",
            draw(ACCOUNTS)]


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=st.lists(households_(), min_size=1, max_size=30),
       output=st.sampled_from(["csv", "xlsx"]))
def test_every_household_is_in_one_place_and_sent_plus_held_is_the_total(
        drawn: list[list[str]], output: str, table: StandardsTable) -> None:
    rows = [[str(number), "萌水镇" if number % 2 else "青年路街道", f"户{number}",
             f"ZC-{number:04d}", *cells[:7], "银行", cells[7]]
            for number, cells in enumerate(drawn, 1)]
    month = Month(2024, 5)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        roster = write_roster(tmp / "r.csv", rows, [*HEADER[:3], "编号", *HEADER[4:]])
        done = invoker()("payroll", str(roster), "--month", "2024-05", "-o",
                         str(tmp / "out.csv"), "--group-by", "乡镇（街道）",
                         "--summary", str(tmp / "s.json"))
        assert done.exit_code in (0, 1), done.output
        listed = households(tmp / "out.csv")
        total = closing(tmp / "out.csv", "合计")["户月保障金（元）"]
        # (a row rejected for two reasons has a line for each)
        rejected = list(dict.fromkeys(row["id"] for row in csv_rows(tmp / "out.csv.errors.csv")))
        report = json.loads((tmp / "s.json").read_text(encoding="utf-8"))
        if output == "xlsx":  # (the same run as a workbook says the same)
            again = invoker()("payroll", str(roster), "--month", "2024-05", "-o",
                              str(tmp / "out.xlsx"), "--summary", str(tmp / "x.json"))
            assert again.exit_code == done.exit_code
            assert json.loads((tmp / "x.json").read_text(encoding="utf-8"))["total"] == (
                report["total"])
    sent = [row for row in listed if row["发放状态"] == "发放"]
    held = [row for row in listed if row["发放状态"].startswith("待核实账号：")]
    assert len(sent) + len(held) == len(listed)
    placed: dict[str, str] = {}
    for where, ids in (("sent", [row["编号"] for row in sent]),
                       ("held", [row["编号"] for row in held]), ("rejected", rejected)):
        for ident in ids:
            assert ident not in placed, (ident, where, placed.get(ident))
            placed[ident] = where
    for cells in rows:
        ident = cells[3]
        read = fields.read(table, dict(zip(
            ("id", "category", "persons", "income", "start", "end", "supplement", "care"),
            cells[3:11], strict=True)))
        if isinstance(read, list):
            assert placed.get(ident) == "rejected"
            continue
        amount = (month_amount(table, read.house, month).pay.total
                  if read.period.covers(month) else 0)
        if amount <= 0:
            assert ident not in placed  # not covered in May, or nothing due: not listed
            continue
        row = next(row for row in listed if row["编号"] == ident)
        assert row["户月保障金（元）"] == fen_text(amount)
        try:
            account_digits(cells[12])
            assert placed[ident] == "sent"
        except ValueError:
            assert placed[ident] == "held"
    assert report["rows_read"] == len(rows)
    assert report["households_listed"] + report["not_listed"] + report["rows_rejected"] == (
        len(rows))

    def fen(text: str) -> int:
        return round(float(text) * 100) if text else 0  # (two decimals, exact in a double)

    sent_fen = sum(fen(row["户月保障金（元）"]) for row in sent)
    held_fen = sum(fen(row["户月保障金（元）"]) for row in held)
    assert fen_text(sent_fen) == report["sent"]
    assert fen_text(held_fen) == report["held_back"]
    assert fen_text(sent_fen + held_fen) == report["total"]
    assert total == fen_text(sent_fen + held_fen)


def test_a_name_holding_a_carriage_return_stays_in_its_row(tmp_path: Path) -> None:
    rows = [[*ROSTER[0][:2], "张\r秀英", *ROSTER[0][3:]], ROSTER[2]]
    roster = write_roster(tmp_path / "r.csv", rows)
    assert payroll(tmp_path, roster).exit_code == 0
    names = [row["姓名"] for row in households(tmp_path / "发放明细.csv")]
    assert names == ["张\r秀英", "王桂兰"]


@settings(max_examples=200)
@given(category=st.sampled_from(["urban-dibao", "rural-dibao", "urban-tekun", "rural-tekun"]),
       persons=st.integers(1, 8), income=st.integers(0, 150_000),
       start=st.sampled_from(["", "2020-03", "2022-01", "2024-05", "2024-06"]),
       end=st.sampled_from(["", "2020-12", "2024-04", "2024-05"]),
       supplement=st.sampled_from(["", "50", "33.33", "20%", "12.5%"]),
       care=st.sampled_from(["", "全自理", "半护理", "全护理"]),
       month=st.sampled_from([Month(2020, 8), Month(2022, 1), Month(2023, 7), Month(2024, 5),
                              Month(2024, 12)]))
def test_the_plan_of_one_month_is_the_cores_month_amount(
        table: StandardsTable, category: str, persons: int, income: int, start: str, end: str,
        supplement: str, care: str, month: Month) -> None:
    """engine.MonthPlan, which the batch runs for the payroll, answers for every household
    what month_amount answers for one: covered or not, the amount and its parts."""
    from welfare_calc.core.engine import OPEN_END, OPEN_START  # noqa: PLC0415
    from welfare_calc.core.money import to_fen  # noqa: PLC0415

    tekun = category.endswith("tekun")
    read = fields.read(table, {"id": "ZC-1", "category": category, "persons": str(persons),
                               "income": fen_text(income), "start": start, "end": end,
                               "supplement": "" if tekun else supplement,
                               "care": care if tekun and month.year > 2020 else ""})
    if isinstance(read, list):  # (a coverage that ends before it starts)
        return
    house, period = read.house, read.period
    outcome = MonthPlan(table, month).compute(
        house.category, house.persons, to_fen(house.income),
        OPEN_START if period.start is None else period.start.index,
        OPEN_END if period.end is None else period.end.index, None, house.supplement,
        house.care)
    pay = month_amount(table, house, month).pay
    assert outcome.months == int(period.covers(month))
    assert (outcome.monthly, outcome.monthly_base, outcome.monthly_supplement,
            outcome.monthly_care) == (pay.total, pay.base, pay.supplement, pay.care)


def test_the_roster_is_never_the_output(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "r.csv", ROSTER)
    before = roster.read_bytes()
    done = invoker()("payroll", str(roster), "--month", "2024-05", "-o", str(roster))
    assert done.exit_code == 2
    assert done.stderr.startswith("错误：")
    assert roster.read_bytes() == before


def test_a_bank_writer_that_fails_leaves_nothing_written_nor_in_the_temporary_folder(
        tmp_path: Path, table: StandardsTable, monkeypatch: pytest.MonkeyPatch) -> None:
    """An injected fault after the 发放明细 is written: the run's files appear together or
    not at all, and no name, id or account is left in a temporary file."""
    from welfare_calc.core.errors import UnusableInput  # noqa: PLC0415

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    roster = write_roster(tmp_path / "r.csv", ROSTER)
    out = tmp_path / "发放明细.xlsx"
    out.write_bytes(b"last month's")

    from welfare_calc.payroll.bank import BankFile  # noqa: PLC0415
    from welfare_calc.payroll.detail import BankTarget  # noqa: PLC0415
    from welfare_calc.payroll.layouts import resolve_layout  # noqa: PLC0415

    def refused(self: BankFile, text: bytes, count: int, fen: int) -> None:
        self.lines.binary.write(text[:5])  # (half a line written, then the writer fails)
        raise UnusableInput("the bank's layout refuses a payment")

    monkeypatch.setattr(BankFile, "add", refused)
    month = Month(2024, 5)
    options = PayrollOptions(month=month, output=out, workbook=True,
                             summary=tmp_path / "s.json",
                             bank=BankTarget(tmp_path / "代发.csv", resolve_layout("csv"),
                                             "周村区民政局", "B1"))
    with roster.open("rb") as source, pytest.raises(UnusableInput):
        run_batch(table, MonthPlan(table, month), source,
                  BatchFiles(output=out, summary=tmp_path / "s.json"),
                  BatchOptions(fmt="documents", headers=None, documents=Payroll(
                      table, options, [])), workers=1)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["r.csv", "tmp", "发放明细.xlsx"]
    assert out.read_bytes() == b"last month's"
    assert list(scratch.iterdir()) == []


def test_a_roster_on_standard_input(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "r.csv", ROSTER)
    done = invoker()("payroll", "-", "--month", "2024-05", "-o", str(tmp_path / "o.csv"),
                     stdin=roster.read_bytes())
    assert done.exit_code == 0, done.output
    assert len(households(tmp_path / "o.csv")) == 4


def test_each_row_written_is_told_to_the_change_rosters_reader(
        tmp_path: Path, table: StandardsTable) -> None:
    """``PayrollOptions.each``: every row the batch wrote, listed or not, with the keys of
    its cells, in the same pass as the 发放明细."""
    roster = write_roster(tmp_path / "r.csv", ROSTER)
    seen: list[tuple[str, str, str]] = []

    def each(written: Any) -> Any:
        at = {key: written.keys.index(key) for key in ("id", "months", "monthly")}
        return lambda cells: seen.append(tuple(cells[at[key]] for key in at))

    run_payroll(table, roster, tmp_path / "发放明细.csv", each=each)
    assert seen == [("110105190001011012", "1", "2417.00"),
                    ("110105190001011020", "1", "1383.60"),
                    ("110105190001011039", "1", "2005.00"),
                    ("110105190001011047", "1", "4460.00"),
                    ("110105190001011055", "0", "989.00"),
                    ("110105190001011063", "0", "877.00")]
