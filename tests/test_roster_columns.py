"""Rosters' own column names (身份证号, 保障类别, …) and --column KEY=HEADER."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import oracle
from helpers import Run, invoker, printed_table
from welfare_calc.batch.rows.parsing import RowParser, read_header
from welfare_calc.batch.run.chunks import ChunkProcessor
from welfare_calc.cli import cli
from welfare_calc.core import checks
from welfare_calc.core.engine import BackpayEngine
from welfare_calc.core.errors import UnusableInput
from welfare_calc.core.months import Month
from welfare_calc.standards.loader import shipped_standards

TABLE = shipped_standards().table
EXAMPLE = Path(__file__).parent.parent / "examples" / "provincial_roster.csv"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Run:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "WELFARE_CALC_STANDARDS", "WELFARE_CALC_LANG"):
        monkeypatch.delenv(name, raising=False)

    # English computed columns, which these tests read by name; a Chinese roster's own
    # default (Chinese names, 是/否) is test_a_chinese_roster_gets_chinese_computed_columns.
    return invoker("batch", after=("--headers", "en"))


def written(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_provincial_roster_is_read_by_its_own_names(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = run(str(EXAMPLE), "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    rows = written(out.read_text(encoding="utf-8"))
    source = written(EXAMPLE.read_text(encoding="utf-8"))
    assert len(rows) == len(source) == 5
    for row, given in zip(rows, source, strict=True):
        # Every column carried through as it was, the computed ones after.
        assert {key: row[key] for key in given} == given
        house = checks.household(TABLE, given["保障类别"], int(given["保障人数"]),
                               Decimal(given["家庭月人均收入（元）"]))
        start, end = given["起始月份"], given["截止月份"]
        core = oracle.backpay(TABLE, house, Month(2020, 8),
                            checks.coverage(Month.parse(start) if start else None,
                                          Month.parse(end) if end else None))
        assert (int(row["months"]), Decimal(row["backpay"])) == (core.months_counted, core.amount)
    # 家庭人口 (household size) is carried, never read as the covered persons:
    assert [row["家庭人口"] for row in rows] == ["4", "1", "1", "3", "2"]
    assert rows[0]["backpay"] == "1440.00"  # 3 covered persons of a household of 4


def test_household_size_is_not_persons(run: Run, tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("身份证号,保障类别,家庭人口,家庭月人均收入,起始月份,截止月份\n"
                      "H1,城市低保,3,200,,\n", encoding="utf-8")
    result = run(str(roster), "--through", "2020-08")
    assert result.exit_code == 2
    assert "缺少 保障人数 列" in result.stderr
    assert ("“家庭人口”是家庭人数，不是保障人数：只有两者相同时才可用 --column persons=家庭人口 "
            "指定") in result.stderr
    mapped = run(str(roster), "--through", "2020-08", "--column", "persons=家庭人口")
    assert mapped.exit_code == 0
    assert written(mapped.stdout)[0]["backpay"] == "1440.00"


def test_two_columns_that_could_be_the_id_need_a_choice(run: Run, tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("编号,身份证号,保障类别,保障人数,家庭月人均收入,起始月份,截止月份\n"
                      "ZC-1,11010519491231002X,城市低保,3,200,,\n"
                      "ZC-2,11010519491231002X,城市低保,1,0,,\n", encoding="utf-8")
    result = run(str(roster), "--through", "2020-08")
    assert result.exit_code == 2
    assert ("第 1 行：'编号' 和 '身份证号' 两列都是“编号”列；请用 --column id=表头 指定其中一列"
            ) in result.stderr
    by_case = run(str(roster), "--through", "2020-08", "--column", "id=编号")
    assert by_case.exit_code == 0
    by_person = run(str(roster), "--through", "2020-08", "--column", "id=身份证号")
    assert by_person.exit_code == 1  # the same ID number twice: a possible double payment
    assert "可能重复发放" in by_person.stderr


@pytest.mark.parametrize(("option", "message"), [
    ("id", "--column 'id'：请写作 KEY=表头，如 --column id=身份证号"),
    ("name=姓名", "--column 'name=姓名'：'name' 不是批量计算读取的列；应为 id、category、persons、"
                 "income、start、end、paid、supplement、care 之一"),
    ("id=户号", "第 1 行：--column id=户号：表头中没有 '户号' 列"),
])
def test_a_wrong_column_choice_is_one_line(run: Run, tmp_path: Path, option: str,
                                           message: str) -> None:
    result = run(str(EXAMPLE), "--through", "2020-08", "--column", option)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_any_header_maps_with_column(run: Run, tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("户号,类别名称,人数,月均收入,自,至\nA1,urban-dibao,3,200,,\n",
                      encoding="utf-8")
    result = run(str(roster), "--through", "2020-08", "--column", "id=户号",
                 "--column", "category=类别名称", "--column", "persons=人数",
                 "--column", "income=月均收入", "--column", "start=自", "--column", "end=至")
    assert result.exit_code == 0, result.stderr
    assert written(result.stdout)[0]["backpay"] == "1440.00"


def test_units_in_headers_and_the_usual_order_in_chinese_take_the_fast_lane() -> None:
    header = ["身份证号", "保障类别", "保障人数", "家庭月人均收入（元）", "起始月份", "截止月份"]
    columns = read_header(header)
    assert columns.keys == ["id", "category", "persons", "income", "start", "end"]
    processor = ChunkProcessor(parser=RowParser(TABLE, columns),
                               plan=BackpayEngine(TABLE, Month(2020, 8)), columns=columns,
                               categories=list(TABLE.categories), encoding="utf-8",
                               output_encoding="utf-8", newline="\n", jsonl=False)
    assert processor.plain  # the usual layout, named the roster's way
    with pytest.raises(UnusableInput, match=r"^第 1 行：表头中 '编号' 列出现了两次$"):
        read_header(["编号", "编号", "保障类别", "保障人数", "家庭月人均收入", "起始月份",
                     "截止月份"])


def test_a_supplement_column_splits_the_monthly_amount(run: Run, tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("身份证号,保障类别,保障人数,家庭月人均收入,起始月份,截止月份,分类施保金（元）\n"
                      "A1,城市低保,3,200,,,20%\nA2,城市低保,3,200,,,50.00\nA3,城市低保,3,200,,,\n"
                      "A4,城市特困,1,0,,,50\n", encoding="utf-8")
    result = run(str(roster), "--through", "2020-08", "--summary", str(tmp_path / "s.json"))
    assert result.exit_code == 1
    rows = written(result.stdout)
    assert [(row["身份证号"], row["backpay"], row["monthly"], row["monthly_base"],
             row["monthly_supplement"]) for row in rows] == [
        ("A1", "1728.00", "1656.00", "1380.00", "276.00"),
        ("A2", "1440.00", "1430.00", "1380.00", "50.00"),
        ("A3", "1440.00", "1380.00", "1380.00", "0.00"),
    ]
    assert "\n5,A4,supplement,城市特困（urban-tekun）没有分类施保：" in result.stderr


def test_a_chinese_roster_gets_chinese_computed_columns(tmp_path: Path) -> None:
    """Issue 19 §5: the computed columns speak the roster's language, 是/否 included; the
    workbook too; --headers en still gives English; JSON lines keep their English keys."""
    out = tmp_path / "out.csv"
    done = CliRunner().invoke(cli, ["batch", str(EXAMPLE), "--through", "2020-08", "-o",
                                    str(out)])
    assert done.exit_code == 0, done.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[-5:] == ["增补月数", "增补金额", "月保障金", "多发金额", "因提标新纳入"]
    assert {row["因提标新纳入"] for row in rows} == {"是", "否"}
    book = tmp_path / "out.xlsx"
    assert CliRunner().invoke(cli, ["batch", str(EXAMPLE), "--through", "2020-08", "-o",
                                    str(book)]).exit_code == 0
    table = printed_table(book)
    assert table[0][-1].value == "因提标新纳入"
    assert {row[-1].value for row in table[1:]} == {"是", "否"}
    english = tmp_path / "en.csv"
    CliRunner().invoke(cli, ["batch", str(EXAMPLE), "--through", "2020-08", "-o",
                             str(english), "--headers", "en"])
    assert english.read_text(encoding="utf-8").splitlines()[0].endswith(
        "months,backpay,monthly,overpaid,newly_eligible")
    lines = CliRunner().invoke(cli, ["batch", str(EXAMPLE), "--through", "2020-08",
                                     "--format", "jsonl"]).stdout.splitlines()
    assert {json.loads(line)["newly_eligible"] for line in lines} == {True, False}
