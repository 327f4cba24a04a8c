"""The change roster (issue 30 §2): two months compared household by household, by id.

Worked examples use the shipped table (data/standards_2020.yaml), rounding half-up to the
fen each household-month. Its monthly standards a person:

=============  =======  =======  ==================================
category       2023     2024     (from 淄民〔2023〕4号, 淄民〔2024〕10号)
=============  =======  =======  ==================================
urban-dibao    924      989
rural-dibao    801      877
urban-tekun    1320     1320
rural-tekun    1050     1140
care tiers     240 / 685 / 1090 (全自理 / 半护理 / 全护理), 2022 on, unchanged
=============  =======  =======  ==================================

Dibao pays the gap (standard − per-capita income) × persons; tekun the full standard ×
persons, plus the care standard × persons where a tier is given; 分类施保 a fixed sum or a
percentage of the dibao amount as paid.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st

from welfare_calc.batch.rows.parsing import RowParser, read_header
from welfare_calc.batch.write.documents import RunStamp
from welfare_calc.batch.write.workbook import PrintLayout
from welfare_calc.core.engine import month_amount
from welfare_calc.core.errors import UnusableInput
from welfare_calc.core.households import Coverage, Household, Supplement
from welfare_calc.core.months import Month
from welfare_calc.core.table import CareTier, StandardsTable
from welfare_calc.payroll import changes_writing
from welfare_calc.payroll.changes import (
    Change,
    Changes,
    Kind,
    Listed,
    OtherOffice,
    Reason,
    as_roster_header,
    check_office,
    compare,
    listed,
    recorded_office,
)

APRIL, MAY = Month(2024, 4), Month(2024, 5)
DECEMBER, JANUARY = Month(2023, 12), Month(2024, 1)


def dibao(persons: int, income: str, urban: bool = True,
          supplement: Supplement | None = None) -> Household:
    return Household("urban-dibao" if urban else "rural-dibao", persons, Decimal(income),
                     supplement)


def tekun(persons: int, care: CareTier | None = None, urban: bool = False) -> Household:
    return Household("urban-tekun" if urban else "rural-tekun", persons, Decimal(0), care=care)


def by_id(changes: Changes) -> dict[str, Change]:
    return {change.id: change for change in changes.rows}


def words(change: Change) -> list[str]:
    return [why.text() for why in change.reasons]


# One of each class in a month of 2024 (2024-04 → 2024-05, the same standard).

@pytest.fixture
def may(table: StandardsTable) -> Changes:
    def last(ident: str, house: Household, coverage: Coverage = Coverage(),
             group: str = "城北街道") -> Listed:
        return listed(table, APRIL, ident, house, coverage, (group,), "户主" + ident)

    def this(ident: str, house: Household, coverage: Coverage = Coverage(),
             group: str = "城北街道") -> Listed:
        return listed(table, MAY, ident, house, coverage, (group,), "户主" + ident)

    full_care = tekun(1, CareTier.FULL_CARE, urban=True)
    before = [
        last("A", dibao(2, "300")),                      # (989 − 300) × 2 = 1378.00
        last("B", dibao(1, "200", urban=False)),          # (877 − 200) × 1 = 677.00
        last("C", full_care, Coverage(start=MAY)),        # not covered in April: 0
        last("E", tekun(1, CareTier.SELF_CARE), Coverage(end=APRIL)),  # 1140 + 240 = 1380.00
        last("F", dibao(1, "500")),                      # 989 − 500 = 489.00
        last("G", tekun(1, CareTier.SELF_CARE)),          # 1140 + 240 = 1380.00
        last("H", dibao(1, "0", urban=False)),            # 877.00
        last("I", dibao(1, "489")),                      # 500.00
        last("J", dibao(4, "100"), group="城南街道"),     # (989 − 100) × 4 = 3556.00
        last("K", dibao(1, "900")),                      # 89.00
    ]
    after = [
        this("A", dibao(3, "300")),                      # 689 × 3 = 2067.00
        this("B", dibao(1, "400", urban=False)),          # 477.00
        this("C", full_care, Coverage(start=MAY)),        # 1320 + 1090 = 2410.00
        this("D", dibao(2, "0", urban=False, supplement=Supplement(percent=Decimal(20)))),
        # 877 × 2 = 1754.00, and 20% of it, 350.80: 2104.80
        this("E", tekun(1, CareTier.SELF_CARE), Coverage(end=APRIL)),  # ended: 0
        this("G", tekun(1, CareTier.PARTIAL_CARE)),       # 1140 + 685 = 1825.00
        this("H", dibao(1, "0")),                        # 989.00
        this("I", dibao(1, "489", supplement=Supplement(fixed=Decimal(50)))),  # 550.00
        this("J", dibao(4, "100"), group="城南街道"),     # 3556.00
        this("K", dibao(1, "1000")),                     # income above the standard: 0
    ]
    return compare(before, after, APRIL, MAY, table)


def test_each_class_in_a_month_of_2024(may: Changes) -> None:
    found = by_id(may)
    assert {ident: (row.kind, row.last_fen, row.this_fen) for ident, row in found.items()} == {
        "A": (Kind.MORE, 137800, 206700),
        "B": (Kind.LESS, 67700, 47700),
        "C": (Kind.NEW, 0, 241000),
        "D": (Kind.NEW, 0, 210480),
        "E": (Kind.STOPPED, 138000, 0),
        "F": (Kind.STOPPED, 48900, 0),
        "G": (Kind.MORE, 138000, 182500),
        "H": (Kind.MORE, 87700, 98900),
        "I": (Kind.MORE, 50000, 55000),
        "K": (Kind.STOPPED, 8900, 0),
    }
    assert may.unchanged == 1  # J
    assert found["A"].difference == 68900
    assert found["B"].difference == -20000


def test_each_change_says_why_in_the_clerks_words(may: Changes) -> None:
    found = by_id(may)
    assert words(found["A"]) == ["保障人数：2 → 3"]
    assert words(found["B"]) == ["家庭月人均收入：200.00 → 400.00"]
    assert words(found["C"]) == ["自2024-05起保障（起始月份）"]
    assert words(found["D"]) == ["上月名册无此户"]
    assert words(found["E"]) == ["保障至2024-04（截止月份），已到期"]
    assert words(found["F"]) == ["本月名册无此户"]
    assert words(found["G"]) == ["护理等级：全自理 → 半护理"]
    assert words(found["H"]) == ["类别：农村低保 → 城市低保"]
    assert words(found["I"]) == ["分类施保：— → 50.00"]
    assert words(found["K"]) == ["家庭月人均收入：900.00 → 1000.00"]
    assert [why.reason for why in found["E"].reasons] == [Reason.END]


def test_several_reasons_are_all_listed(table: StandardsTable) -> None:
    before = [listed(table, APRIL, "A", dibao(2, "300"), Coverage(end=Month(2024, 12)))]
    after = [listed(table, MAY, "A", dibao(3, "100", urban=False),
                    Coverage(end=Month(2025, 6)))]
    (row,) = compare(before, after, APRIL, MAY, table).rows
    assert [why.reason for why in row.reasons] == [
        Reason.END, Reason.CATEGORY, Reason.PERSONS, Reason.INCOME]
    # (989 − 300) × 2 = 1378.00 → (877 − 100) × 3 = 2331.00
    assert (row.kind, row.last_fen, row.this_fen) == (Kind.MORE, 137800, 233100)


def test_the_change_table_counts_per_group_with_a_total(may: Changes) -> None:
    # 城北街道: 新增 C, D (1 + 2 persons; 2410.00 + 2104.80); 停发 E, F, K (last month's
    # persons and amounts: 1380.00 + 489.00 + 89.00); 增加 A, G, H, I (this month's
    # persons 3 + 1 + 1 + 1; 689.00 + 445.00 + 112.00 + 50.00); 减少 B (200.00).
    # 城南街道: J unchanged, so not counted.
    assert may.groups == {("城北街道",): [2, 3, 451480, 3, 3, 195800, 4, 6, 129600,
                                         1, 1, 20000],
                          ("城南街道",): [0] * 12}
    assert may.total == may.groups["城北街道",]
    assert Changes.net(may.total) == may.this_fen - may.last_fen
    # April: 1378 + 677 + 1380 + 489 + 1380 + 877 + 500 + 3556 + 89 = 10326.00;
    # May: 2067 + 477 + 2410 + 2104.80 + 1825 + 989 + 550 + 3556 = 13978.80.
    assert (may.last_fen, may.this_fen) == (1032600, 1397880)
    assert (may.last_households, may.this_households) == (9, 8)


# Across the 2024-01 raise (2023-12 at 2023's standards, 2024-01 at 2024's).

def test_across_the_2024_raise_the_standard_is_the_reason(table: StandardsTable) -> None:
    houses = {"U": dibao(3, "500"),                  # (924 − 500) × 3 = 1272.00 → 1467.00
              "N": dibao(1, "850", urban=False),     # 801 − 850 < 0: 0 → 877 − 850 = 27.00
              "T": tekun(1, CareTier.SELF_CARE, urban=True),  # 1320 + 240 both years
              "R": tekun(1)}                        # 1050.00 → 1140.00
    changes = compare([listed(table, DECEMBER, ident, house) for ident, house in houses.items()],
                      [listed(table, JANUARY, ident, house) for ident, house in houses.items()],
                      DECEMBER, JANUARY, table)
    found = by_id(changes)
    assert {ident: (row.kind, row.last_fen, row.this_fen) for ident, row in found.items()} == {
        "U": (Kind.MORE, 127200, 146700), "N": (Kind.NEW, 0, 2700),
        "R": (Kind.MORE, 105000, 114000)}
    assert changes.unchanged == 1  # T: urban tekun's 1320 and its care were not raised
    assert words(found["U"]) == ["保障标准提高：924.00 → 989.00 元/人·月"]
    assert words(found["N"]) == ["保障标准提高：801.00 → 877.00 元/人·月"]
    assert words(found["R"]) == ["保障标准提高：1050.00 → 1140.00 元/人·月"]
    # 新增 27.00; 增加 195.00 + 90.00.
    assert changes.total == [1, 1, 2700, 0, 0, 0, 2, 4, 28500, 0, 0, 0]


def test_the_amounts_are_the_cores(table: StandardsTable) -> None:
    house = dibao(2, "123.45", supplement=Supplement(percent=Decimal("12.5")))
    entry = listed(table, MAY, "a", house)
    assert entry.fen == month_amount(table, house, MAY).pay.total
    assert entry.covered
    ended = listed(table, MAY, "a", house, Coverage(end=APRIL))
    assert (ended.covered, ended.fen) == (False, 0)


def test_ids_are_matched_in_their_canonical_form(table: StandardsTable) -> None:
    house = dibao(1, "0")
    changes = compare([listed(table, APRIL, "11010519491231002x", house)],
                      [listed(table, MAY, "１１０１０５１９４９１２３１００２Ｘ", house)],
                      APRIL, MAY, table)
    assert changes.rows == []
    assert changes.unchanged == 1


def test_rows_of_one_id_the_covered_one_counts(table: StandardsTable) -> None:
    # An ended row and a new one of the same household (the batch allows rows of one id
    # whose coverage does not overlap): the household continues; its start is the reason.
    ended = Coverage(end=Month(2023, 6))
    before = [listed(table, APRIL, "A", dibao(1, "0"), ended),
              listed(table, APRIL, "A", dibao(1, "0"), Coverage(start=Month(2024, 1)))]
    after = [listed(table, MAY, "A", dibao(2, "0"), Coverage(start=Month(2024, 1))),
             listed(table, MAY, "A", dibao(1, "0"), ended)]
    (row,) = compare(before, after, APRIL, MAY, table).rows
    assert (row.kind, row.last_fen, row.this_fen) == (Kind.MORE, 98900, 197800)
    assert [why.reason for why in row.reasons] == [Reason.PERSONS]


def test_a_household_paid_twice_in_a_month_is_refused(table: StandardsTable) -> None:
    twice = [listed(table, MAY, "A", dibao(1, "0")), listed(table, MAY, "A", dibao(2, "0"))]
    with pytest.raises(UnusableInput, match="A"):
        compare([listed(table, APRIL, "A", dibao(1, "0"))], twice, APRIL, MAY, table)
    with pytest.raises(UnusableInput, match="A"):
        compare([listed(table, APRIL, "A", dibao(1, "0")) for _ in range(2)],
                [listed(table, MAY, "A", dibao(1, "0"))], APRIL, MAY, table)


# Another office's roster.

def test_another_offices_roster_is_refused(table: StandardsTable) -> None:
    before = [listed(table, APRIL, ident, dibao(1, "0")) for ident in ("A", "B")]
    after = [listed(table, MAY, ident, dibao(1, "0")) for ident in ("C", "D")]
    with pytest.raises(OtherOffice) as refused:
        compare(before, after, APRIL, MAY, table)
    assert isinstance(refused.value, UnusableInput)  # (the commands' exit 2, one line)
    assert "\n" not in str(refused.value)
    assert "另一单位" in str(refused.value)


def test_a_new_roster_of_the_same_locality_is_not_another_offices(
        table: StandardsTable) -> None:
    before = [listed(table, APRIL, "A", dibao(1, "0"), group=("城北街道", "一村"))]
    after = [listed(table, MAY, "C", dibao(1, "0"), group=("城北街道", "二村"))]
    changes = compare(before, after, APRIL, MAY, table)
    assert [row.kind for row in changes.rows] == [Kind.NEW, Kind.STOPPED]
    with pytest.raises(OtherOffice):  # another town: refused
        compare(before, [listed(table, MAY, "C", dibao(1, "0"), group=("城南街道",))],
                APRIL, MAY, table)


def test_a_household_listed_both_months_makes_them_one_offices(table: StandardsTable) -> None:
    # The only household in common is not paid this month: the rosters still share it.
    before = [listed(table, APRIL, "A", dibao(1, "0"), Coverage(end=APRIL))]
    after = [listed(table, MAY, "A", dibao(1, "0"), Coverage(end=APRIL)),
             listed(table, MAY, "B", dibao(1, "0"))]
    assert [row.kind for row in compare(before, after, APRIL, MAY, table).rows] == [
        Kind.NEW, Kind.STOPPED]


def test_a_first_month_has_no_previous_to_refuse(table: StandardsTable) -> None:
    changes = compare([], [listed(table, MAY, "A", dibao(1, "0"))], APRIL, MAY, table)
    assert [row.kind for row in changes.rows] == [Kind.NEW]


def test_the_office_recorded_on_the_previous_document_must_be_this_ones() -> None:
    check_office("周村区民政局", None)
    check_office(None, "周村区民政局")
    check_office("周村区 民政局", "周村区民政局")
    with pytest.raises(OtherOffice, match="张店区民政局"):
        check_office("周村区民政局", "张店区民政局")
    line = "制表单位：周村区民政局　　　　制表日期：2024年5月6日"
    assert recorded_office(["2024年4月城乡低保、特困供养发放明细", line]) == "周村区民政局"
    assert recorded_office(["依据：淄民〔2024〕10号\n" + line]) == "周村区民政局"
    assert recorded_office(["制表单位：________　　　　制表日期：2024年5月6日"]) is None
    assert recorded_office(["2024年4月发放明细"]) is None


# A previous file holding a computed month's output.

def test_a_computed_months_output_reads_as_a_roster(table: StandardsTable) -> None:
    # The batch's result of last month, its computed columns with it, and a 发放明细's
    # columns (the provincial platform's) carried through.
    header = ["编号", "姓名", "保障类别", "保障人数", "家庭月人均收入", "起始月份", "截止月份",
              "增补月数", "增补金额", "月保障金（元）", "多发金额", "因提标新纳入",
              "保障金（元）", "分类施保金（元）", "发放合计（元）", "账号"]
    row = ["370303199001011239", "张三", "城市低保", "2", "300", "2024-01", "", "0", "0.00",
           "1378.00", "0.00", "否", "1378.00", "0.00", "1378.00", "6222021234567890128"]
    with pytest.raises(UnusableInput, match="增补月数"):
        read_header(header)
    columns = read_header(as_roster_header(header))
    parsed = RowParser(table, columns).parse(row)
    assert not isinstance(parsed, list)
    assert (parsed.id, parsed.category, parsed.persons, parsed.income_fen) == (
        "370303199001011239", "urban-dibao", 2, 30000)
    assert as_roster_header(["编号", "monthly", "Backpay"]) == [
        "编号", "上月·monthly", "上月·Backpay"]


# The documents.

def test_the_change_roster_as_csv(may: Changes) -> None:
    target = io.StringIO(newline="")
    assert changes_writing.write_roster_csv(target, may) == 10
    rows = list(csv.reader(io.StringIO(target.getvalue())))
    assert rows[0] == ["序号", "编号", "姓名", "属地", "变动类别", "上月金额（元）",
                       "本月金额（元）", "增减金额（元）", "变动原因"]
    assert rows[1] == ["1", "A", "户主A", "城北街道", "增发", "1378.00", "2067.00", "689.00",
                       "保障人数：2 → 3"]
    assert rows[2][4:8] == ["减发", "677.00", "477.00", "-200.00"]
    table = io.StringIO(newline="")
    changes_writing.write_table_csv(table, may)
    counted = list(csv.reader(io.StringIO(table.getvalue())))
    assert counted[0][:4] == ["属地", "新增户数", "新增人数", "新增金额（元）"]
    assert counted[1] == ["城北街道", "2", "3", "4514.80", "3", "3", "1958.00", "4", "6",
                          "1296.00", "1", "1", "200.00", "3652.80"]
    assert counted[2] == ["城南街道", *["0", "0", "0.00"] * 4, "0.00"]
    assert counted[3][0] == "合计"
    assert counted[3][1:] == counted[1][1:]
    assert len(counted) == 4


def test_an_id_of_digits_stays_text_in_excel(table: StandardsTable) -> None:
    changes = compare([], [listed(table, MAY, "370303199001011239", dibao(1, "0"))], APRIL,
                      MAY, table)
    target = io.StringIO(newline="")
    changes_writing.write_roster_csv(target, changes)
    assert "370303199001011239\t" in target.getvalue()


def test_the_files_beside_the_payroll_hold_bian_dong() -> None:
    output = Path("/office/2024年5月发放明细.csv")
    assert changes_writing.beside(output).name == "2024年5月发放明细-变动.csv"
    assert changes_writing.beside(output, "变动统计").name == "2024年5月发放明细-变动统计.csv"


def test_the_change_roster_as_printed_sheets(may: Changes, tmp_path: Path) -> None:
    path = tmp_path / "发放明细.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    layout = PrintLayout(roster_title="2024年5月城乡低保、特困供养发放明细",
                         fund_title="", office="周村区民政局", made="2024年5月6日",
                         stamp=RunStamp("1.0", "ab" * 32, "cd" * 32))
    changes_writing.add_changes_sheets(book, may, layout)
    book.close()
    read = openpyxl.load_workbook(path)
    roster = [list(row) for row in read["变动名册"].iter_rows(values_only=True)]
    assert roster[0][0] == "2024年5月城乡低保、特困供养变动名册"
    assert "上月：2024年4月" in roster[1][0]
    assert "制表单位：周村区民政局" in roster[1][0]
    assert roster[2][:5] == ["序号", "编号", "姓名", "属地", "变动类别"]
    assert roster[3][1:8] == ["A", "户主A", "城北街道", "增发", 1378, 2067, 689]
    closing = next(row for row in roster if row[0] == "合计")
    assert closing[4:8] == ["10户", 6770, 10422.8, 3652.8]  # (J, 3556.00, unchanged)
    assert any(row[0] and str(row[0]).startswith("经办人") for row in roster)
    assert read["变动名册"].print_title_rows == "$1:$3"
    counted = [list(row) for row in read["变动统计"].iter_rows(values_only=True)]
    assert counted[0][0] == "2024年5月城乡低保、特困供养变动情况统计表"
    assert counted[3][:4] == ["城北街道", 2, 3, 4514.8]
    assert counted[4][:4] == ["城南街道", 0, 0, 0]
    assert counted[5][0] == "合计"
    assert counted[5][-1] == 3652.8
    assert "上月 10326.00 + 合计增减 3652.80 = 本月 13978.80元" in [row[0] for row in counted]


# Properties.

CATEGORIES = ("urban-dibao", "rural-dibao", "urban-tekun", "rural-tekun")
MONTHS = (DECEMBER, JANUARY, APRIL, MAY, Month(2024, 6))
Drawn = tuple[Household, Coverage, tuple[str]]
Side = dict[str, Drawn]


@st.composite
def households(draw: st.DrawFn) -> Drawn:
    category = draw(st.sampled_from(CATEGORIES))
    tekun_ = category.endswith("tekun")
    tier = draw(st.sampled_from([None, *CareTier])) if tekun_ else None
    supplement = None if tekun_ else draw(st.sampled_from(
        [None, Supplement(fixed=Decimal(50)), Supplement(percent=Decimal(20))]))
    income = Decimal(draw(st.integers(0, 120_000))).scaleb(-2)
    coverage = Coverage(draw(st.sampled_from([None, *MONTHS])),
                        draw(st.sampled_from([None, *MONTHS])))
    group = (draw(st.sampled_from(["城北街道", "城南街道"])),)
    return Household(category, draw(st.integers(1, 5)), income, supplement, tier), coverage, group


@st.composite
def two_months(draw: st.DrawFn) -> tuple[Month, Side, Side]:
    last_month = draw(st.sampled_from([DECEMBER, APRIL]))
    ids = [f"H{number}" for number in range(12)]
    last = draw(st.dictionaries(st.sampled_from(ids), households(), max_size=10))
    this = draw(st.dictionaries(st.sampled_from(ids), households(), max_size=10))
    last["common"] = this["common"] = draw(households())  # (one office's rosters)
    return last_month, last, this


@given(two_months())
def test_the_classes_partition_the_union_and_the_money_adds_up(
        table: StandardsTable, drawn: tuple[Month, Side, Side]) -> None:
    last_month, last_side, this_side = drawn
    this_month = last_month + 1
    last = [listed(table, last_month, ident, house, coverage, group)
            for ident, (house, coverage, group) in last_side.items()]
    this = [listed(table, this_month, ident, house, coverage, group)
            for ident, (house, coverage, group) in this_side.items()]
    changes = compare(last, this, last_month, this_month, table)
    paid_last = {entry.id: entry.fen for entry in last if entry.fen}
    paid_this = {entry.id: entry.fen for entry in this if entry.fen}
    union = paid_last.keys() | paid_this.keys()
    rows = by_id(changes)
    assert len(rows) == len(changes.rows)  # each household in one class
    assert len(rows) + changes.unchanged == len(union)
    for ident in union:
        before, after = paid_last.get(ident, 0), paid_this.get(ident, 0)
        expected = (Kind.NEW if not before else Kind.STOPPED if not after
                    else Kind.MORE if after > before else Kind.LESS if after < before
                    else Kind.SAME)
        assert (rows[ident].kind if ident in rows else Kind.SAME) is expected
        if ident in rows:
            assert (rows[ident].last_fen, rows[ident].this_fen) == (before, after)
    assert all(row.reasons for row in changes.rows)
    assert changes.last_fen == sum(paid_last.values())
    assert changes.this_fen == sum(paid_this.values())
    total = changes.total
    # Σ this − Σ last = 新增 − 停发 + 增加 − 减少, to the fen.
    assert changes.this_fen - changes.last_fen == total[2] - total[5] + total[8] - total[11]
    assert [sum(column) for column in zip(*changes.groups.values(), strict=True)] == total
    assert set(changes.groups) == {group for _, _, group in
                                   (*last_side.values(), *this_side.values())}


def test_each_group_of_changes_is_subtotalled_and_signed(table: StandardsTable,
                                                          tmp_path: Path) -> None:
    before = [listed(table, APRIL, "A", dibao(1, "0"), group=("城北街道",)),
              listed(table, APRIL, "B", dibao(1, "0"), group=("城南街道",))]
    after = [listed(table, MAY, "A", dibao(2, "0"), group=("城北街道",)),
             listed(table, MAY, "C", dibao(1, "0"), group=("城南街道",))]
    changes = compare(before, after, APRIL, MAY, table)
    path = tmp_path / "发放明细.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    changes_writing.add_changes_sheets(book, changes, PrintLayout(
        roster_title="", fund_title="", office=None, made="2024年5月6日",
        stamp=RunStamp("1.0", "ab" * 32, None)))
    book.close()
    sheet = openpyxl.load_workbook(path)["变动名册"]
    labels = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert [label for label in labels if isinstance(label, str) and label.startswith(
        ("小计", "合计"))] == ["小计：城北街道", "小计：城南街道", "合计"]
    assert sum(1 for label in labels if str(label).startswith("经办人")) == 3
    assert len(sheet.row_breaks.brk) >= 2  # each group's part ends its page
    # 城北: A 989.00 → 1978.00; 城南: C new (989.00), B stopped (989.00).
    assert changes.groups == {("城北街道",): [0, 0, 0, 0, 0, 0, 1, 2, 98900, 0, 0, 0],
                              ("城南街道",): [1, 1, 98900, 1, 1, 98900, 0, 0, 0, 0, 0, 0]}


def test_a_cell_that_would_run_as_a_formula_is_neutralised(table: StandardsTable) -> None:
    changes = compare([], [listed(table, MAY, "A", dibao(1, "0"), name="=HYPERLINK(1)")],
                      APRIL, MAY, table)
    target = io.StringIO(newline="")
    changes_writing.write_roster_csv(target, changes)
    assert list(csv.reader(io.StringIO(target.getvalue())))[1][2] == "'=HYPERLINK(1)"


@pytest.mark.usefixtures("english")
def test_the_reasons_in_english(may: Changes) -> None:
    assert by_id(may)["A"].reasons_text() == "persons covered: 2 → 3"
    target = io.StringIO(newline="")
    changes_writing.write_roster_csv(target, may, chinese=False)
    assert target.getvalue().splitlines()[0] == (
        "number,id,name,group,change,last_month,this_month,difference,reasons")
