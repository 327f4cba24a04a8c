"""Back-pay for every raise since 2020 and tekun care tiers (issue 28), through every front
end: the worked examples, one case per raise and category, the care tiers and their
refusals, and a mixed 2022–2024 roster on which the batch (row by row and column-wise),
the page and the command line agree."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from helpers import csv_rows, page_client, printed_table
from welfare_calc.batch.rows.parsing import RowParser, read_header
from welfare_calc.batch.run.chunks import LANE_ROWS, ChunkProcessor
from welfare_calc.cli import cli
from welfare_calc.core import checks, engine, fields
from welfare_calc.core.engine import BackpayEngine
from welfare_calc.core.months import Month
from welfare_calc.standards.loader import parse_standards, shipped_standards

TABLE = shipped_standards().table


def backpay_json(*args: str) -> dict[str, object]:
    done = CliRunner().invoke(cli, ["backpay", *args, "--format", "json"])
    assert done.exit_code == 0, done.output
    data: dict[str, object] = json.loads(done.stdout)
    return data


def entitlement_json(*args: str) -> dict[str, object]:
    done = CliRunner().invoke(cli, ["entitlement", *args, "--format", "json"])
    assert done.exit_code == 0, done.output
    data: dict[str, object] = json.loads(done.stdout)
    return data


# The worked examples of issue 28, and one back-pay per raise and category (the old
# standard is the one in force the day before the raise).

@pytest.mark.parametrize(("args", "backpay", "care"), [
    pytest.param(["-c", "urban-dibao", "-n", "3", "--income", "200", "--through", "2024-03"],
                 "585.00", None, id="urban dibao 2024: (989 − 924) × 3 × 3"),
    pytest.param(["-c", "rural-tekun", "-n", "1", "--care", "全护理", "--through", "2022-06"],
                 "1860.00", ("6540.00", "5940.00", "600.00"),
                 id="rural tekun 全护理 2022: ((1050 − 840) + (1090 − 990)) × 6"),
    pytest.param(["-c", "urban-dibao", "-n", "3", "--income", "200", "--through", "2020-08"],
                 "1440.00", None, id="the 2020 result unchanged: (1380 − 1200) × 8"),
    pytest.param(["-c", "rural-tekun", "-n", "1", "--care", "self-care", "--through",
                  "2022-06"], "1410.00", ("1440.00", "1290.00", "150.00"),
                 id="rural tekun 全自理 2022: ((1050 − 840) + (240 − 215)) × 6"),
    pytest.param(["-c", "urban-tekun", "-n", "2", "--care", "半护理", "--through", "2022-03"],
                 "1110.00", ("4110.00", "3720.00", "390.00"),
                 id="urban tekun 半护理 2022, 2 persons: ((1320 − 1200) + (685 − 620)) × 2 × 3"),
    pytest.param(["-c", "rural-tekun", "-n", "1", "--care", "full-care", "--through",
                  "2023-03"], "0.00", ("3270.00", "3270.00", "0.00"),
                 id="rural tekun 全护理 2023: both standards kept (继续执行)"),
    pytest.param(["-c", "rural-tekun", "-n", "1", "--care", "半护理", "--through", "2024-03"],
                 "270.00", ("2055.00", "2055.00", "0.00"),
                 id="rural tekun 半护理 2024: (1140 − 1050) × 3, care kept"),
    pytest.param(["-c", "rural-dibao", "-n", "1", "--income", "700", "--through", "2022-02"],
                 "110.00", None, id="newly eligible by the 2022 raise: (755 − 700) × 2"),
    pytest.param(["-c", "urban-dibao", "-n", "3", "--income", "200", "--start", "2024-02",
                  "--through", "2024-03"], "390.00", None,
                 id="joining inside the 2024 window: 2 of its 3 months"),
])
def test_the_worked_examples(args: list[str], backpay: str,
                             care: tuple[str, str, str] | None) -> None:
    data = backpay_json(*args)
    assert data["backpay"] == backpay
    if care is None:
        assert (data["care"], data["care_due"], data["care_backpay"]) == (None, "0.00", "0.00")
    else:
        assert (data["care_due"], data["care_paid"], data["care_backpay"]) == care
        # The basic and care parts apart, as offices report them, adding up.
        assert Decimal(str(data["due"])) - Decimal(care[0]) + Decimal(care[0]) == Decimal(
            str(data["due"]))


def test_the_newly_eligible_household_of_the_2022_raise() -> None:
    data = backpay_json("-c", "rural-dibao", "-n", "1", "--income", "700", "--through",
                        "2022-02")
    assert (data["paid"], data["due"], data["raise"]) == ("0.00", "110.00", "2022-01")
    shown = entitlement_json("-c", "rural-dibao", "-n", "1", "--income", "700", "--month",
                             "2022-02")
    assert shown["newly_eligible"] is True


def test_the_explanation_says_what_each_raise_raised() -> None:
    done = CliRunner().invoke(cli, ["backpay", "-c", "urban-dibao", "-n", "3", "--income",
                                    "200", "--through", "2024-03", "--explain"])
    assert done.exit_code == 0, done.output
    assert "标准由 924.00 元提高到 989.00 元（每人每月）" in done.stdout
    assert "2024-01—2024-03：(989.00 - 200.00) × 3 = 2367.00" in done.stdout
    assert "1-3月份增补资金务必于4月30日前发放到位" in done.stdout
    cared = CliRunner().invoke(cli, ["backpay", "-c", "rural-tekun", "-n", "1", "--care",
                                     "全护理", "--through", "2022-06", "--explain"])
    text = cared.stdout
    assert "标准由 840.00 元提高到 1050.00 元（每人每月）" in text
    assert "照料护理标准（全护理）由 990.00 元提高到 1090.00 元（每人每月）" in text
    assert ("2022-01—2022-06：1050.00 × 1 = 1050.00，照料护理费 1090.00 × 1 = 1090.00，按月舍入"
            "到分为 1050.00 元 + 照料护理费 1090.00 元 = 2140.00 元/月 × 6 个月 = 12840.00 元"
            in text)
    assert "其中照料护理费：应发 6540.00 元，已发 5940.00 元，增补 600.00 元" in text


# Care tiers (照料护理标准): the month's basic and care parts, apart.

def test_an_entitlement_in_any_known_month_takes_its_care_standard() -> None:
    data = entitlement_json("-c", "rural-tekun", "-n", "1", "--care", "全护理", "--month",
                            "2024-05")
    assert {key: data[key] for key in ("care", "care_standard", "monthly_base",
                                       "monthly_care", "monthly", "annual", "annual_care",
                                       "standard", "document")} == {
        "care": "full-care", "care_standard": "1090.00", "monthly_base": "1140.00",
        "monthly_care": "1090.00", "monthly": "2230.00", "annual": "26760.00",
        "annual_care": "13080.00", "standard": "1140.00", "document": "淄民〔2024〕10号"}
    half = entitlement_json("-c", "urban-tekun", "-n", "2", "--care", "半护理", "--month",
                            "2023-07")
    assert (half["monthly_base"], half["monthly_care"], half["monthly"]) == (
        "2640.00", "1370.00", "4010.00")


def test_a_tier_left_out_is_the_basic_standard_alone_and_says_so() -> None:
    data = entitlement_json("-c", "rural-tekun", "-n", "1", "--month", "2024-05")
    assert (data["care"], data["care_standard"], data["monthly_care"], data["monthly"]) == (
        None, None, "0.00", "1140.00")
    shown = CliRunner().invoke(cli, ["entitlement", "-c", "rural-tekun", "-n", "1", "--month",
                                     "2024-05", "--explain"])
    assert "护理等级                  未给出（只计基本生活标准，不含照料护理标准）" in shown.stdout
    assert "未给出护理等级（全自理、半护理或全护理）：只计基本生活标准，不含照料护理标准。" in (
        shown.stdout)
    # A dibao household has no care: its table says nothing of it.
    dibao = CliRunner().invoke(cli, ["entitlement", "-c", "urban-dibao", "-n", "1"])
    assert "护理" not in dibao.stdout


@pytest.mark.parametrize(("args", "said"), [
    pytest.param(["backpay", "-c", "urban-dibao", "-n", "1", "--care", "全护理", "--through",
                  "2022-06"], "城市低保（urban-dibao）不发照料护理标准", id="a tier for dibao"),
    pytest.param(["backpay", "-c", "rural-tekun", "-n", "1", "--care", "全护理", "--through",
                  "2020-08"], "2020-01：标准表中没有该月的照料护理标准（已载明的月份为 "
                              "2022-01—2024-12）", id="a tier in the 2020 window"),
    pytest.param(["entitlement", "-c", "rural-tekun", "-n", "1", "--care", "全护理", "--month",
                  "2020-05"], "2020-05：标准表中没有该月的照料护理标准", id="a tier in 2020"),
    pytest.param(["entitlement", "-c", "rural-tekun", "-n", "1", "--care", "全部", "--month",
                  "2024-05"], "'全部' 不是照料护理等级", id="no such tier"),
])
def test_a_care_tier_is_refused_where_no_care_standard_is_paid(args: list[str],
                                                               said: str) -> None:
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 2
    assert "'--care'" in done.stderr
    assert said in done.stderr, done.stderr


@pytest.mark.parametrize("args", [
    ["entitlement", "-c", "urban-dibao", "-n", "1", "--year", "2021"],
    ["entitlement", "-c", "rural-tekun", "-n", "1", "--care", "全护理", "--year", "2021"],
    ["backpay", "-c", "urban-dibao", "-n", "1", "--through", "2025-01"],
    ["backpay", "-c", "urban-dibao", "-n", "1", "--raise", "2022-01", "--through", "2023-02"],
], ids=["2021 has no known standard", "nor care", "after the table", "across the next raise"])
def test_the_months_no_notice_covers_are_refused(args: list[str]) -> None:
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 2, done.output
    assert done.stderr.startswith("错误：")


def test_a_tier_typed_either_way_is_the_same_tier() -> None:
    chinese = backpay_json("-c", "农村特困", "-n", "1", "--care", "半护理", "--through", "2022-06")
    english = backpay_json("-c", "rural-tekun", "-n", "1", "--care", "Partial-Care",
                           "--through", "2022-06")
    assert chinese == english
    assert chinese["care"] == "partial-care"


# The batch: a care column, its monthly_care, rows refused where no care is paid.

def roster_text(rows: list[list[str]], care: bool = True) -> str:
    header = ["id", "category", "persons", "income", "start", "end", *(["care"] if care else [])]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(row if care else row[:6] for row in rows)
    return buffer.getvalue()


def processor(through: Month, header: list[str], *, lane_rows: int = LANE_ROWS,
              named: Month | None = None) -> ChunkProcessor:
    columns = read_header(header)
    return ChunkProcessor(parser=RowParser(TABLE, columns),
                          plan=BackpayEngine(TABLE, through, named), columns=columns,
                          categories=list(TABLE.categories), encoding="utf-8",
                          output_encoding="utf-8", newline="\n", jsonl=False,
                          lane_rows=lane_rows)


def cli_args(row: list[str]) -> list[str]:
    _ident, category, persons, income, start, end, *rest = row
    args = ["-c", category, "-n", persons, "--income", income or "0"]
    args += ["--start", start] if start else []
    args += ["--end", end] if end else []
    args += ["--care", rest[0]] if rest and rest[0] else []
    return args


def test_a_care_column_gives_monthly_care_and_its_rows_their_tiers() -> None:
    rows = [["T1", "rural-tekun", "1", "0", "", "", "全护理"],
            ["T2", "urban-tekun", "2", "0", "2022-03", "", "self-care"],
            ["T3", "rural-tekun", "1", "0", "", "", ""],
            ["D1", "urban-dibao", "3", "200", "", "", ""],
            ["D2", "rural-dibao", "1", "100", "", "", "全护理"]]
    done = processor(Month(2022, 6), roster_text(rows).splitlines()[0].split(",")).process(
        2, "".join(line + "\n" for line in roster_text(rows).splitlines()[1:]).encode())
    written = list(csv.reader(io.StringIO(done.output.decode())))
    assert [row[0] for row in written] == ["T1", "T2", "T3", "D1"]
    # A tier on a dibao row is refused, in its column, in the core's words.
    ((rejected, *_),) = [(rejection.problems[0].column, rejection.line)
                         for rejection in done.rejections]
    assert rejected == "care"
    assert "不发照料护理标准" in done.rejections[0].problems[0].reason
    keys = [*read_header(roster_text(rows).splitlines()[0].split(",")).output_keys]
    assert keys[-7:] == ["months", "backpay", "monthly", "overpaid", "newly_eligible",
                         "monthly_base", "monthly_care"]
    for row, cells in zip(rows, written, strict=False):
        record = dict(zip(keys, cells, strict=True))
        expected = backpay_json(*cli_args(row), "--through", "2022-06")
        # (the monthly amount is the raise's first month's, whatever the coverage)
        month = entitlement_json(*cli_args([*row[:4], "", "", *row[6:]]), "--month", "2022-01")
        assert (record["backpay"], record["months"]) == (expected["backpay"],
                                                        str(expected["months"]))
        assert (record["monthly"], record["monthly_base"], record["monthly_care"]) == (
            month["monthly"], month["monthly_base"], month["monthly_care"])
    assert written[0][-2:] == ["1050.00", "1090.00"]
    assert sum(done.totals) == sum(round(Decimal(cells[-6]) * 100) for cells in written)


def test_a_care_tier_in_a_window_without_care_standards_is_a_rejected_row() -> None:
    rows = [["T1", "rural-tekun", "1", "0", "", "", "全护理"],
            ["T2", "rural-tekun", "1", "0", "", "", ""]]
    header = roster_text(rows).splitlines()[0].split(",")
    done = processor(Month(2020, 8), header).process(
        2, "".join(line + "\n" for line in roster_text(rows).splitlines()[1:]).encode())
    assert [rejection.line for rejection in done.rejections] == [2]
    problem = done.rejections[0].problems[0]
    assert problem.column == "care"
    assert problem.reason.startswith("2020-01：标准表中没有该月的照料护理标准")
    assert done.output.decode().startswith("T2,rural-tekun,1,0,,,,8,536.64,625.00,0.00,")


def test_the_batch_with_a_care_column_totals_and_names_it(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    roster = tmp_path / "roster.csv"
    rows = [["T1", "rural-tekun", "1", "0", "", "", "全护理"],
            ["T2", "urban-tekun", "1", "0", "", "", "半护理"],
            ["D1", "urban-dibao", "3", "200", "", "", ""]]
    roster.write_text(roster_text(rows), encoding="utf-8")
    out, summary = tmp_path / "out.csv", tmp_path / "summary.json"
    done = CliRunner().invoke(cli, ["batch", str(roster), "--through", "2022-06", "-o",
                                    str(out), "--headers", "zh", "--summary", str(summary)])
    assert done.exit_code == 0, done.output
    written = csv_rows(out)
    assert list(written[0])[-2:] == ["月保障金（不含分类施保、照料护理）", "月照料护理费"]
    assert [row["月照料护理费"] for row in written] == ["1090.00", "685.00", "0.00"]
    totals = json.loads(summary.read_text(encoding="utf-8"))
    # 1860.00 (全护理) + (120 + 65) × 6 (半护理) + (880 − 800) × 3 × 6 (dibao)
    assert totals["backpay_total"] == "4410.00"
    assert totals["backpay_by_category"]["urban-tekun"] == "1110.00"
    lines = CliRunner().invoke(cli, ["batch", str(roster), "--through", "2022-06", "-o",
                                     str(tmp_path / "out.jsonl"), "--format", "jsonl"])
    assert lines.exit_code == 0, lines.output
    first = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert (first["months"], first["monthly_base"], first["monthly_care"], first["care"]) == (
        6, "1050.00", "1090.00", "全护理")


# A mixed 2022–2024 roster: the batch, row by row and column-wise, the page and the
# command line agree, raise by raise.

MIXED = [
    ["M01", "urban-dibao", "3", "200", "", ""],
    ["M02", "rural-dibao", "1", "700", "", ""],
    ["M03", "rural-dibao", "2", "150.50", "2022-02", "2024-02"],
    ["M04", "urban-tekun", "1", "0", "", "2023-01"],
    ["M05", "rural-tekun", "2", "0", "2023-02", ""],
    ["M06", "urban-dibao", "1", "950", "", ""],
    ["M07", "rural-dibao", "4", "0", "2024-02", ""],
    ["M08", "urban-dibao", "2", "880", "2022-05", "2022-05"],
]
CARED = [
    ["C01", "rural-tekun", "1", "0", "", "", "全护理"],
    ["C02", "urban-tekun", "2", "0", "2022-04", "", "半护理"],
    ["C03", "rural-tekun", "1", "0", "", "2023-02", "全自理"],
    ["C04", "urban-tekun", "1", "0", "", "", ""],
]
THROUGHS = ["2022-06", "2022-12", "2023-01", "2023-12", "2024-03", "2024-12"]


@pytest.fixture(scope="module")
def page() -> TestClient:
    return page_client()  # (guarded as serve guards it, the token carried)


def batch_rows(through: str, rows: list[list[str]], *, care: bool, lane_rows: int
               ) -> list[dict[str, str]]:
    text = roster_text(rows, care=care)
    header, *lines = text.splitlines()
    keys = read_header(header.split(",")).output_keys
    done = processor(Month.parse(through), header.split(","), lane_rows=lane_rows).process(
        2, "".join(line + "\n" for line in lines).encode())
    assert done.rejections == []
    return [dict(zip(keys, cells, strict=True))
            for cells in csv.reader(io.StringIO(done.output.decode()))]


@pytest.mark.parametrize("through", THROUGHS)
def test_a_mixed_roster_is_the_same_everywhere(through: str, page: TestClient,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    lane = batch_rows(through, MIXED, care=False, lane_rows=1)  # the column-wise lane
    rowwise = batch_rows(through, MIXED, care=False, lane_rows=LANE_ROWS)
    cared = batch_rows(through, CARED, care=True, lane_rows=1)  # (a care column: row by row)
    assert lane == rowwise
    for row, written in [*zip(MIXED, lane, strict=True), *zip(CARED, cared, strict=True)]:
        expected = backpay_json(*cli_args(row), "--through", through)
        assert (written["backpay"], written["overpaid"], int(written["months"])) == (
            expected["backpay"], expected["overpaid"], expected["months"]), (row, through)
        fields_given = dict(zip(["category", "persons", "income", "start", "end"], row[1:6],
                                strict=True))
        if len(row) > 6 and row[6]:
            fields_given["care"] = row[6]
        answer = page.post("/api/backpay", json={**fields_given, "through": through})
        assert (answer.status_code, answer.json()) == (200, expected), row
    # The lane took the rows it may: every row of the plain roster, in one chunk.
    plain = processor(Month.parse(through), roster_text(MIXED, care=False).splitlines()[0]
                      .split(","), lane_rows=1)
    assert plain.lane() is not None


def test_the_page_reads_a_care_tier_beside_its_field(page: TestClient,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    form = page.get("/")
    assert '<select id="care" name="care"' in form.text
    assert '<option value="full-care" >全护理</option>' in form.text
    shown = page.post("/", data={"category": "rural-tekun", "persons": "1", "income": "0",
                                 "care": "full-care", "through": "2022-06"})
    assert shown.status_code == 200, shown.text
    assert "<tr><th>其中照料护理费增补（元）</th><td>600.00</td></tr>" in shown.text
    assert "<tr><th>增补金额（元）</th><td>1860.00</td></tr>" in shown.text
    wrong = page.post("/", data={"category": "urban-dibao", "persons": "1", "income": "0",
                                 "care": "full-care", "through": "2022-06"})
    assert wrong.status_code == 400
    assert '<p class="error" id="care-error" role="alert">' in wrong.text
    refused = page.post("/api/backpay", json={"category": "rural-tekun", "persons": 1,
                                              "care": "全护理", "through": "2020-08"})
    assert refused.status_code == 400
    assert refused.json()["field"] == "care"


# A fixed supplement is rounded to the table's unit, as every part of a month is.

def test_a_fixed_supplement_is_rounded_to_the_tables_unit_in_the_batch_too() -> None:
    # Rounded to 0.10 yuan: a supplement of 50.05 is paid as 50.10 (half-up), in the
    # engine's single call and in the batch's row path alike. Income 630: no dibao paid
    # before the raise (600), 30.00 a month after it, with the supplement.
    text = (Path(__file__).parents[1] / "data" / "standards_2020.yaml").read_text(
        encoding="utf-8").replace('unit: "0.01"', 'unit: "0.10"')
    table = parse_standards(text, "rounded to 0.10")
    house = checks.household(table, "urban-dibao", 1, Decimal("630"),
                             fields.read_supplement("50.05"))
    single = engine.backpay(table, house, Month(2020, 8))
    batch = BackpayEngine(table, Month(2020, 8)).compute(
        "urban-dibao", 1, 63_000, engine.OPEN_START, engine.OPEN_END, None, house.supplement)
    assert (single.amount, batch.backpay, batch.monthly) == (64_080, 64_080, 8_010)


def test_a_publicity_lists_amount_is_every_part_of_the_month(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,category,persons,income,start,end,care,姓名\n"
                      "T1,rural-tekun,1,0,,,全护理,李四\n"
                      "T2,rural-tekun,1,0,,,,王五\n"
                      "D1,urban-dibao,3,200,,,,张三英\n", encoding="utf-8")
    out = tmp_path / "公示名单.csv"
    done = CliRunner().invoke(cli, ["publicity", str(roster), "--month", "2024-05", "-o",
                                    str(out), "--period", "2024年5月", "--amounts"])
    assert done.exit_code == 0, done.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    # The month as paid: basic 1140.00 and care 1090.00; without a tier, the basic alone.
    assert [row[-1] for row in rows[1:]] == ["2230.00", "1140.00", "2367.00"]


def test_a_workbooks_care_column_is_money(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text([["T1", "rural-tekun", "1", "0", "", "", "全护理"]]),
                      encoding="utf-8")
    out = tmp_path / "out.xlsx"
    done = CliRunner().invoke(cli, ["batch", str(roster), "--through", "2022-06", "-o",
                                    str(out)])
    assert done.exit_code == 0, done.output
    header, row = printed_table(out)[:2]
    assert [cell.value for cell in header[-2:]] == ["monthly_base", "monthly_care"]
    # Numbers in the 0.00 format, for finance to sum, as every amount's column.
    assert [(cell.value, cell.number_format) for cell in row[-2:]] == [(1050, "0.00"),
                                                                       (1090, "0.00")]


def test_a_care_tier_on_the_page_is_read_or_refused_never_ignored(page: TestClient) -> None:
    # Whatever reads the page's fields, a tier chosen is in the amount, or refused beside
    # its field: never a tekun amount without the care the clerk chose.
    answer = page.post("/api/backpay", json={"category": "rural-tekun", "persons": 1,
                                             "care": "全护理", "through": "2022-06"})
    if answer.status_code == 200:
        assert (answer.json()["care"], answer.json()["backpay"]) == ("full-care", "1860.00")
    else:
        assert (answer.status_code, answer.json()["field"]) == (400, "care")
    shown = page.post("/", data={"category": "rural-tekun", "persons": "1", "income": "0",
                                 "care": "full-care", "through": "2022-06"})
    assert ("<td>1860.00</td>" in shown.text) != ('id="care-error"' in shown.text)


def test_a_rosters_care_tier_is_read_or_refused_never_ignored() -> None:
    # Whatever reads the batch's rows, a tier given is in the amount, or the row is
    # refused in its care column: never a tekun amount without it.
    text = roster_text([["T1", "rural-tekun", "1", "0", "", "", "全护理"]])
    header, line = text.splitlines()
    columns = read_header(header.split(","))
    plain = ChunkProcessor(parser=RowParser(TABLE, columns),
                           plan=BackpayEngine(TABLE, Month(2022, 6)), columns=columns,
                           categories=list(TABLE.categories), encoding="utf-8",
                           output_encoding="utf-8", newline="\n", jsonl=False)
    done = plain.process(2, (line + "\n").encode())
    if done.output:
        assert done.output.decode().split(",")[8] == "1860.00"
    else:
        assert [problem.column for problem in done.rejections[0].problems] == ["care"]
