"""The 公示 list takes what the run made of each row, and reads none again (issue 27 §4).

The list shows each household's 保障类别, persons and the month's amount. The run has
read and computed all of them (its plan is the month's own,
:class:`~welfare_calc.core.engine.MonthPlan`), so the list takes them from the run:
it never reads a written row with the core's readers again, nor asks the engine for
an amount. These tests forbid both while the list is written (any reading or
computing then fails the run), and hold what it prints to what reading every row with
the core (:func:`fields.read`) and computing its month (:func:`engine.month_amount`)
gives: by the row path, by the lane, grouped or not, with a care tier and a 分类施保
supplement; and a rule added to the core still keeps a row off the list, reported.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import invoker
from welfare_calc.batch.run.run_documents import RunDocuments
from welfare_calc.batch.write import publicity
from welfare_calc.batch.write.documents import mask_name
from welfare_calc.core import checks, engine, fields, rules
from welfare_calc.core.errors import WelfareCalcError
from welfare_calc.core.months import Month
from welfare_calc.core.table import StandardsTable
from welfare_calc.standards.loader import shipped_standards

LANE_ROWS = 5000
"""Rows of a roster the lane reads (more than a chunk needs to go to it)."""
VILLAGES = ("丝市社区", "北村", "南阎村")
NAMES = ("张三英", "李四", "王五", "赵六", "钱七", "孙八")
CATEGORIES = ("城市低保", "urban-dibao", "农村低保", "rural-dibao", "农村特困", "城市特困")
MONTHS = ("", "", "", "2019-11", "2020-03", "2020-08", "2020-09", "2021-02")


def _forbidden(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("the 公示 list read a row again, or computed an amount, itself")


@pytest.fixture(autouse=True)
def no_second_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """While the list is written (and only then: the run reads and computes), every
    reader of a household and every computation of an amount fails."""
    original = RunDocuments.write_publicity

    def writing(self: RunDocuments, summary: Any) -> None:
        with pytest.MonkeyPatch.context() as inside:
            for owner, name in ((fields, "read"), (fields, "read_fields"),
                                (fields, "read_persons"), (rules, "problems"),
                                (rules, "accepts"), (checks, "household"),
                                (engine, "month_amount"), (engine.BackpayEngine, "compute")):
                inside.setattr(owner, name, _forbidden)
            # (and the engine's function, were it imported by name into the list's module)
            inside.setattr(publicity, "month_amount", _forbidden, raising=False)
            original(self, summary)

    monkeypatch.setattr(RunDocuments, "write_publicity", writing)
    monkeypatch.setenv("WELFARE_CALC_START_METHOD", "fork")


def households(rows: int, seed: int, *, parts: bool) -> list[dict[str, str]]:
    """``rows`` households as offices type them: categories by name or id, persons with
    a leading zero or full-width, coverage around the month or none; ``parts``: some
    with a care tier (tekun) or a 分类施保 supplement (dibao)."""
    pick = random.Random(seed)
    made = []
    for number in range(rows):
        category = pick.choice(CATEGORIES)
        tekun = "特困" in category
        persons = 1 if tekun else pick.randint(1, 5)
        start, end = pick.choice(MONTHS), pick.choice(MONTHS)
        if start and end and end < start:
            start, end = end, start
        cells = {"id": f"H{number}", "category": category,
                 "persons": pick.choice((str(persons), f"0{persons}", chr(0xFF10 + persons))),
                 "income": pick.choice(("0", "120", "350.5", str(pick.randint(0, 900)))),
                 "start": start, "end": end, "姓名": pick.choice(NAMES),
                 "村（社区）": pick.choice(VILLAGES)}
        if parts:
            cells["care"] = pick.choice(("全护理", "半护理", "")) if tekun else ""
            cells["supplement"] = "" if tekun else pick.choice(("", "20%", "35.00"))
        made.append(cells)
    return made


def write_roster(folder: Path, rows: list[dict[str, str]]) -> Path:
    path = folder / "花名册.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def expected(table: StandardsTable, rows: list[dict[str, str]], month: Month,
             grouped: bool) -> list[list[str]]:
    """The list as reading every row with the core and computing its month gives it:
    (village,) name, 保障类别, persons, amount; numbered by the caller's comparison."""
    found: dict[str, list[list[str]]] = {}
    for cells in rows:
        read = fields.read(table, cells)
        if isinstance(read, list):
            continue
        village = cells["村（社区）"] if grouped else ""
        group = found.setdefault(village, [])  # (groups in the order rows written show them)
        if not read.period.covers(month):
            continue
        amount = engine.month_amount(table, read.house, month).pay.total
        if amount > 0:
            group.append(
                [*((village,) if grouped else ()), mask_name(cells["姓名"]),
                 table.categories[read.house.category].short_zh, str(read.house.persons),
                 engine.fen_text(amount)])
    return [line for lines in found.values() for line in lines]


def listed(out: Path) -> Iterator[list[str]]:
    """The list's lines, without their numbers."""
    with out.open(encoding="utf-8-sig", newline="") as handle:
        for row in list(csv.reader(handle))[1:]:
            number = 1 if row[0] in VILLAGES else 0
            yield [*row[:number], *row[number + 1:]]


@pytest.mark.parametrize(("rows", "parts", "month"), [
    pytest.param(60, True, "2024-05", id="row path, care tiers and supplements"),
    pytest.param(LANE_ROWS, False, "2020-08", id="the lane"),
])
@pytest.mark.parametrize("grouped", [False, True], ids=["one list", "a list per village"])
def test_the_list_takes_every_figure_from_the_run(tmp_path: Path, rows: int, parts: bool,
                                                  month: str, grouped: bool) -> None:
    table = shipped_standards().table
    made = households(rows, rows + grouped, parts=parts)
    out = tmp_path / "公示名单.csv"
    done = invoker()("publicity", str(write_roster(tmp_path, made)), "--month", month,
                     "--period", "2020年8月", "--amounts", "-o", str(out),
                     *(("--group-by", "村（社区）") if grouped else ()))
    assert done.exit_code == 0, done.output
    wanted = expected(table, made, Month.parse(month), grouped)
    assert list(listed(out)) == wanted
    assert len(wanted) > rows // 10  # (most are covered, and paid, in the month)
    assert f"{len(wanted)} households listed" in done.stderr or "共列入" in done.stderr


def test_the_list_numbers_each_village_and_masks_each_name(tmp_path: Path) -> None:
    # A worked example: three households, one not covered in the month.
    out = tmp_path / "公示名单.csv"
    roster = tmp_path / "r.csv"
    roster.write_text("id,category,persons,income,start,end,姓名,村（社区）\n"
                      "A1,城市低保,03,0,,,张三英,北村\n"
                      "A2,rural-tekun,１,0,,2020-06,李四,北村\n"
                      "A3,农村低保,2,50,,,王五,北村\n", encoding="utf-8")
    done = invoker()("publicity", str(roster), "--month", "2020-08", "--period", "8月",
                     "--amounts", "-o", str(out))
    assert done.exit_code == 0, done.output
    table = shipped_standards().table
    month = Month(2020, 8)
    urban = engine.month_amount(table, checks.household(table, "urban-dibao", 3), month)
    rural = engine.month_amount(table, checks.household(table, "rural-dibao", 2,
                                                        income=fields.read_income("50")),
                                month)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle)) == [
            ["序号", "姓名", "保障类别", "保障人数", "月保障金额（元）"],
            ["1", "张**", "城市低保", "3", engine.fen_text(urban.pay.total)],
            ["2", "王*", "农村低保", "2", engine.fen_text(rural.pay.total)]]


def tekun_for_one(table: StandardsTable, category: str, persons: int) -> None:
    """A rule over two fields, as an office might add it: tekun is one person a row."""
    if category in table.care_categories and persons > 1:
        raise WelfareCalcError(f"{persons} persons: tekun is one person a row",
                               field="persons")


def test_a_rule_added_to_the_core_keeps_a_row_off_the_list(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The list reads no row again: what keeps a refused row off it is the run, in the lane
    # and the row path alike; the row is reported, every other listed.
    monkeypatch.setattr(rules, "RULES", [
        *rules.RULES, rules.Rule("tekun_for_one", ("category", "persons"), tekun_for_one,
                                 table=True)])
    made = households(LANE_ROWS, 7, parts=False)
    refused = {17: " 农村特困 ", 2048: "rural-tekun", 4999: "城市特困"}
    for number, category in refused.items():
        made[number].update(category=category, persons="2", start="", end="")
    out, errors = tmp_path / "公示名单.csv", tmp_path / "errors.csv"
    done = invoker()("publicity", str(write_roster(tmp_path, made)), "--month", "2020-08",
                     "--period", "2020年8月", "--amounts", "-o", str(out),
                     "--errors", str(errors))
    assert done.exit_code == 1, done.output
    with errors.open(encoding="utf-8-sig", newline="") as handle:
        told = [(int(row["line"]) - 2, row["column"], row["reason"])
                for row in csv.DictReader(handle)]
    assert told == [(number, "persons", "2 persons: tekun is one person a row")
                    for number in refused]
    table = shipped_standards().table
    assert list(listed(out)) == expected(table, made, Month(2020, 8), grouped=False)
