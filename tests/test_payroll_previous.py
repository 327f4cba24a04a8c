"""``payroll --previous LAST_MONTH_ROSTER`` (issue 30 §2): last month computed from its
roster at its standard, compared with this month through the command; the change roster
a sheet of the workbook or CSV beside the 发放明细; another office's roster refused with
nothing written."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from helpers import csv_rows, invoker
from test_payroll import write_roster

HEADER = ["序号", "乡镇（街道）", "户主姓名", "身份证号", "保障类别", "保障人数",
          "家庭月人均收入（元）", "起始月份", "截止月份", "分类施保", "护理等级", "账号"]
CARD = "6222021603000000018"

# May 2024 (淄民〔2024〕10号): urban dibao 989, rural dibao 877, rural tekun 1140; care
# 半护理 685, 全护理 1090. April 2024 is paid at the same standard.
APRIL = [
    # 3 → 2 persons in May... here 2 in April, 3 in May: (989 − 200) × 2 + 50 = 1628.00
    ["1", "青年路街道", "张秀英", "110105190001012015", "城市低保", "2", "200", "", "", "50", "",
     CARD],
    # ends with April: 停发 of (989 − 100) × 2 = 1778.00
    ["2", "青年路街道", "赵明", "110105190001012023", "城市低保", "2", "100", "", "2024-04", "",
     "", CARD],
    # the same both months: unchanged
    ["3", "青年路街道", "陈玉珍", "110105190001012031", "城市特困", "1", "0", "", "", "", "半护理",
     CARD],
    # income 250.50 → 300.50: (877 − 250.50) × 2 = 1253.00 + 20% 250.60 = 1503.60 → 1383.60
    ["4", "萌水镇", "李建国", "11010519000101204X", "农村低保", "2", "250.50", "", "", "20%", "",
     CARD],
    # 半护理 → 全护理: 1140 + 685 = 1825.00 → 1140 + 1090 = 2230.00
    ["5", "萌水镇", "王桂兰", "110105190001012058", "农村特困", "1", "0", "2020-03", "", "",
     "半护理", CARD],
]
MAY = [
    ["1", "青年路街道", "张秀英", "110105190001012015", "城市低保", "3", "200", "", "", "50", "",
     CARD],
    ["2", "青年路街道", "赵明", "110105190001012023", "城市低保", "2", "100", "", "2024-04", "",
     "", CARD],
    ["3", "青年路街道", "陈玉珍", "110105190001012031", "城市特困", "1", "0", "", "", "", "半护理",
     CARD],
    ["4", "萌水镇", "李建国", "11010519000101204X", "农村低保", "2", "300.50", "", "", "20%", "",
     CARD],
    ["5", "萌水镇", "王桂兰", "110105190001012058", "农村特困", "1", "0", "2020-03", "", "",
     "全护理", CARD],
    # not in April's roster: 新增 of 1140.00
    ["6", "萌水镇", "吴刚", "110105190001012082", "农村特困", "1", "0", "", "", "", "", CARD],
]
EXPECTED = [  # (姓名, 变动类别, 上月, 本月, 增减, 变动原因)
    ("张秀英", "增发", "1628.00", "2417.00", "789.00", "保障人数：2 → 3"),
    ("李建国", "减发", "1503.60", "1383.60", "-120.00", "家庭月人均收入：250.50 → 300.50"),
    ("王桂兰", "增发", "1825.00", "2230.00", "405.00", "护理等级：半护理 → 全护理"),
    ("吴刚", "新增", "0.00", "1140.00", "1140.00", "上月名册无此户"),
    ("赵明", "停发", "1778.00", "0.00", "-1778.00", "保障至2024-04（截止月份），已到期"),
]


def rosters(tmp_path: Path) -> tuple[Path, Path]:
    return (write_roster(tmp_path / "5月.csv", MAY, HEADER),
            write_roster(tmp_path / "4月.csv", APRIL, HEADER))


def test_one_of_each_class_through_the_command_as_csv(tmp_path: Path) -> None:
    may, april = rosters(tmp_path)
    done = invoker()("payroll", str(may), "--month", "2024-05", "--previous", str(april),
                     "-o", str(tmp_path / "发放明细.csv"), "--group-by", "乡镇（街道）")
    assert done.exit_code == 0, done.output
    changes = csv_rows(tmp_path / "发放明细-变动.csv")
    assert [(row["姓名"], row["变动类别"], row["上月金额（元）"], row["本月金额（元）"],
             row["增减金额（元）"], row["变动原因"]) for row in changes] == EXPECTED
    table = {row["属地"]: row for row in csv_rows(tmp_path / "发放明细-变动统计.csv")}
    assert table["合计"]["新增户数"] == "1"
    assert table["合计"]["停发金额（元）"] == "1778.00"
    # 1140.00 − 1778.00 + (789.00 + 405.00) − 120.00
    assert table["合计"]["合计增减金额（元）"] == "436.00"
    assert done.stderr.splitlines()[-1] == (
        "与 2024-04 相比的变动名册：新增 1 户，停发 1 户，增发 2 户，减发 1 户，未变 1 户；"
        "合计增减 436.00 元")


def test_the_change_roster_is_a_sheet_of_the_workbook(tmp_path: Path) -> None:
    may, april = rosters(tmp_path)
    out = tmp_path / "发放明细.xlsx"
    done = invoker()("payroll", str(may), "--month", "2024-05", "--previous", str(april),
                     "-o", str(out), "--office", "周村区民政局")
    assert done.exit_code == 0, done.output
    book = openpyxl.load_workbook(out, read_only=True)
    assert "变动名册" in book.sheetnames
    assert "变动统计" in book.sheetnames
    rows = list(book["变动名册"].iter_rows(values_only=True))
    book.close()
    assert [cell for cell in rows[0] if cell is not None] == [
        "2024年5月城乡低保、特困供养变动名册"]
    # (序号, 编号, 姓名, 属地, 变动类别, …)
    found = {row[2]: row[4] for row in rows if len(row) > 4 and row[2] in
             {"张秀英", "李建国", "吴刚", "赵明", "王桂兰"}}
    assert found == {"张秀英": "增发", "李建国": "减发", "王桂兰": "增发", "吴刚": "新增",
                     "赵明": "停发"}
    assert not list(tmp_path.glob("*变动*.csv"))
    # (--changes writes them as CSV too, with the workbook)
    done = invoker()("payroll", str(may), "--month", "2024-05", "--previous", str(april),
                     "-o", str(out), "--changes", str(tmp_path / "变动名册.csv"))
    assert done.exit_code == 0, done.output
    assert len(csv_rows(tmp_path / "变动名册.csv")) == len(EXPECTED)


def test_changes_names_the_change_rosters_file(tmp_path: Path) -> None:
    may, april = rosters(tmp_path)
    done = invoker()("payroll", str(may), "--month", "2024-05", "--previous", str(april),
                     "-o", "-", "--changes", str(tmp_path / "变动名册.csv"))
    assert done.exit_code == 0, done.output
    assert len(csv_rows(tmp_path / "变动名册.csv")) == len(EXPECTED)
    assert (tmp_path / "变动名册-统计.csv").exists()


def test_a_previous_roster_of_another_office_is_refused_with_nothing_written(
        tmp_path: Path) -> None:
    """No household in both rosters, nor a locality: another office's (exit 2)."""
    may, _april = rosters(tmp_path)
    other = [["1", "湖田镇", "刘洋", "110105190001013018", "城市低保", "1", "0", "", "", "", "",
              CARD]]
    elsewhere = write_roster(tmp_path / "张店4月.csv", other, HEADER)
    before = set(tmp_path.iterdir())
    done = invoker()("payroll", str(may), "--month", "2024-05", "--previous", str(elsewhere),
                     "-o", str(tmp_path / "发放明细.csv"), "--group-by", "乡镇（街道）",
                     "--bank-file", str(tmp_path / "代发.csv"))
    assert done.exit_code == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("错误："), lines
    assert "另一单位" in lines[0] or "单位" in lines[0], lines
    assert set(tmp_path.iterdir()) == before


def test_a_previous_workbook_made_by_another_office_is_refused(tmp_path: Path) -> None:
    """A workbook that records its 制表单位 above the header, another than --office."""
    may, _april = rosters(tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2024年4月城乡低保、特困供养发放花名册"])
    sheet.append(["制表单位：张店区民政局　　制表日期：2024年4月5日"])
    sheet.append(HEADER)
    for row in APRIL:
        sheet.append(row)
    previous = tmp_path / "4月.xlsx"
    book.save(previous)
    before = set(tmp_path.iterdir())
    done = invoker()("payroll", str(may), "--month", "2024-05", "--previous", str(previous),
                     "-o", str(tmp_path / "发放明细.xlsx"), "--office", "周村区民政局")
    assert done.exit_code == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "张店区民政局" in lines[0], lines
    assert set(tmp_path.iterdir()) == before
    # (the same workbook with this office's name is taken)
    done = invoker()("payroll", str(may), "--month", "2024-05", "--previous", str(previous),
                     "-o", str(tmp_path / "发放明细.xlsx"), "--office", "张店区民政局")
    assert done.exit_code == 0, done.output


def test_a_previous_roster_with_rows_rejected_is_refused(tmp_path: Path) -> None:
    may, _april = rosters(tmp_path)
    broken = write_roster(tmp_path / "4月.csv", [*APRIL[:4], [*APRIL[4][:5], "两个半",
                                                              *APRIL[4][6:]]], HEADER)
    done = invoker()("payroll", str(may), "--month", "2024-05", "--previous", str(broken),
                     "-o", str(tmp_path / "发放明细.csv"))
    assert done.exit_code == 2
    assert done.stderr.strip().splitlines()[-1].startswith("错误：--previous")
    assert not (tmp_path / "发放明细.csv").exists()


@pytest.mark.parametrize(("options", "words"), [
    (("--changes", "c.csv"), "--previous"),
    (("--previous", "4月.csv", "-o", "-"), "--changes"),
    (("--previous", "4月.csv", "--changes", "c.txt"), "--changes c.txt"),
    (("--previous", "o.csv"), "--previous"),
])
def test_change_options_that_cannot_be_used(tmp_path: Path, options: tuple[str, ...],
                                            words: str, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    monkeypatch.chdir(tmp_path)
    rosters(tmp_path)
    (tmp_path / "o.csv").write_text("last month's", encoding="utf-8")
    if "-o" not in options:
        options = (*options, "-o", "o.csv")
    before = {path: path.read_bytes() for path in tmp_path.iterdir()}
    done = invoker()("payroll", "5月.csv", "--month", "2024-05", *options)
    assert done.exit_code == 2, done.output
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert words in lines[0], lines
    assert {path: path.read_bytes() for path in tmp_path.iterdir()} == before
