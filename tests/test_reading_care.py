"""A tekun person's care tier is read wherever a household is (issue 28 §3): a roster's
护理等级 (照料护理等级) column, the page's API field ``care``; its names as the notices
write them or their ids; refused, in the core's words, for a category paid no care
(docs/rules.md rule 9), and carried into the household (``Household.care``)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import page_client
from welfare_calc.batch.rows.parsing import RowParser, read_header
from welfare_calc.cli import cli
from welfare_calc.core import fields
from welfare_calc.core.table import CareTier, StandardsTable
from welfare_calc.standards.loader import load_standards
from welfare_calc.web.app import Served

NOT_PAID_CARE = "不发照料护理标准：照料护理等级只适用于特困供养人员"
NOT_A_TIER = "不是照料护理等级；请填写 全自理、半护理 或 全护理"


@pytest.mark.parametrize(("typed", "tier"), [
    ("全自理", CareTier.SELF_CARE), ("半护理", CareTier.PARTIAL_CARE),
    ("全护理", CareTier.FULL_CARE), (" full-care ", CareTier.FULL_CARE),
    ("Partial-Care", CareTier.PARTIAL_CARE), ("", None), (" ", None),
])
def test_a_care_tier_is_read_by_its_names(table: StandardsTable, typed: str,
                                           tier: CareTier | None) -> None:
    row = fields.read(table, {"id": "T1", "category": "农村特困", "persons": "1",
                              "income": "0", "care": typed})
    assert not isinstance(row, list), row
    assert row.house.care is tier
    call = fields.read_call(table, {"category": "rural-tekun", "persons": "1", "care": typed})
    assert not isinstance(call, list), call
    assert call.house.care is tier


@pytest.mark.parametrize(("category", "typed", "message"), [
    ("urban-dibao", "全护理", NOT_PAID_CARE),
    ("城市低保", "self-care", NOT_PAID_CARE),
    ("urban-tekun", "半自理", NOT_A_TIER),
    ("urban-tekun", "护理", NOT_A_TIER),
])
def test_a_care_tier_no_household_has_is_refused_at_its_field(
        table: StandardsTable, category: str, typed: str, message: str) -> None:
    for read in (fields.read(table, {"id": "T1", "category": category, "persons": "1",
                                     "income": "0", "care": typed}),
                 fields.read_call(table, {"category": category, "persons": "1",
                                          "care": typed})):
        assert isinstance(read, list)
        assert [problem.field for problem in read] == ["care"]
        assert message in read[0].message


@pytest.mark.parametrize("header", ["护理等级", "照料护理等级", "care"])
def test_a_rosters_care_column_is_read_into_the_household(table: StandardsTable,
                                                          header: str) -> None:
    columns = read_header(["编号", "保障类别", "保障人数", "家庭月人均收入", "起始月份",
                           "截止月份", header])
    parser = RowParser(table, columns)
    rows = parser.parse_all([["T1", "农村特困", "1", "0", "", "", "全护理"],
                             ["T2", "农村特困", "1", "0", "", "", ""],
                             ["T3", "城市低保", "2", "100", "", "", "全自理"]])
    assert [getattr(row, "care", None) for row in rows[:2]] == [CareTier.FULL_CARE, None]
    assert isinstance(rows[2], list)
    assert [(problem.column, NOT_PAID_CARE in problem.reason) for problem in rows[2]] == [
        ("care", True)]


def test_the_batch_refuses_a_care_tier_a_category_is_not_paid(tmp_path: Path) -> None:
    # (2024: the table has care standards from 2022-01 on; a month before has none.)
    source = tmp_path / "花名册.csv"
    source.write_text("编号,保障类别,保障人数,家庭月人均收入,起始月份,截止月份,护理,户主姓名\n"
                      "T1,农村特困,1,0,,,全护理,张三\n"
                      "T2,城市低保,2,100,,,半护理,李四\n"
                      "T3,农村特困,1,0,,,,王五\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    done = CliRunner().invoke(cli, ["batch", str(source), "--through", "2024-08", "-o", str(out),
                                    "--column", "care=护理"], catch_exceptions=False)
    assert done.exit_code == 1, done.output
    with (tmp_path / "out.csv.errors.csv").open(encoding="utf-8", newline="") as handle:
        refused = [(row["line"], row["column"]) for row in csv.DictReader(handle)]
    assert refused == [("3", "care")]
    with out.open(encoding="utf-8", newline="") as handle:
        written = list(csv.DictReader(handle))
    assert [(row["编号"], row["护理"]) for row in written] == [("T1", "全护理"), ("T3", "")]
    assert [row["月照料护理费"] != "0.00" for row in written] == [True, False]


def test_the_pages_api_reads_care() -> None:
    page = page_client(Served(load_standards(None), None, 1 << 20, 60.0))
    taken = page.post("/api/backpay", json={"category": "rural-tekun", "persons": "1",
                                            "care": "全护理", "through": "2022-08"})
    assert taken.status_code == 200, taken.text
    assert taken.json()["care_backpay"] != "0.00"
    refused = page.post("/api/backpay", json={"category": "urban-dibao", "persons": "1",
                                              "care": "全护理", "through": "2024-08"})
    assert refused.status_code == 400
    assert refused.json()["field"] == "care"
    assert NOT_PAID_CARE in refused.json()["error"]
