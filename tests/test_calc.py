"""The money engine against docs/rules.md's worked examples and rules (its fractions' twin,
tests/oracle.py, is held to it by tests/test_engine_oracle.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from helpers import with_made_up_2025_raise
from welfare_calc.core import checks, engine, fields, households, rules, timeline
from welfare_calc.core.errors import (
    InvalidAmount,
    InvalidIncome,
    InvalidPeriod,
    InvalidPersons,
    InvalidSupplement,
    MonthOutOfRange,
    UnknownCategory,
    UnknownRaise,
    WindowAcrossRaise,
    WindowBeforeRaise,
)
from welfare_calc.core.money import RoundingPoint
from welfare_calc.core.months import Month
from welfare_calc.core.table import StandardsTable
from welfare_calc.standards.loader import parse_standards

pytestmark = pytest.mark.usefixtures("english")  # the English words of the messages

D = Decimal
REPO_TABLE = Path(__file__).parents[1] / "data" / "standards_2020.yaml"
JAN, AUG = Month(2020, 1), Month(2020, 8)


def house(table: StandardsTable, category: str, persons: int,
          income: str = "0") -> households.Household:
    return checks.household(table, category, persons, D(income))


def yuan(fen: int) -> Decimal:
    """An amount of the engine (fen) as yuan, to compare with the worked figures."""
    return D(fen).scaleb(-2)


# docs/rules.md, "Worked examples": back-pay 2020-01..2020-08 at both rounding points.
@pytest.mark.parametrize(
    ("category", "persons", "income", "monthly", "paid_monthly", "household_month", "total"),
    [
        ("urban-dibao", 3, "200", "1380.00", "1200.00", "1440.00", "1440.00"),
        ("rural-dibao", 1, "0", "480.00", "429.17", "406.64", "406.67"),
        ("rural-tekun", 1, "0", "625.00", "557.92", "536.64", "536.67"),
        ("rural-dibao", 2, "100", "760.00", "658.33", "813.36", "813.33"),
        # Rounded per household, not per person: 429.17 × 3 = 1287.51 is wrong.
        ("rural-dibao", 3, "0", "1440.00", "1287.50", "1220.00", "1220.00"),
    ],
    ids=["urban dibao, 3 persons, income 200", "rural dibao, 1 person, no income",
         "rural tekun, 1 person", "rural dibao, 2 persons, income 100",
         "rural dibao, 3 persons"],
)
def test_worked_examples(table: StandardsTable, category: str, persons: int, income: str,
                         monthly: str, paid_monthly: str, household_month: str,
                         total: str) -> None:
    household = house(table, category, persons, income)
    assert yuan(engine.month_amount(table, household, JAN).pay.base) == D(monthly)
    assert table.rounding.point is RoundingPoint.HOUSEHOLD_MONTH  # the shipped default
    paid = engine.backpay(table, household, AUG)
    assert yuan(paid.months()[0].paid.pay.base) == D(paid_monthly)  # what was paid each month
    assert (yuan(paid.amount), paid.months_counted) == (D(household_month), 8)
    assert yuan(paid.paid) == D(paid_monthly) * 8
    once = engine.backpay(table.rounded_at(RoundingPoint.TOTAL), household, AUG)
    assert (yuan(once.amount), once.months_counted) == (D(total), 8)


@pytest.mark.parametrize(
    ("category", "persons", "income", "monthly"),
    [
        ("urban-dibao", 1, "0", "660.00"),
        ("urban-dibao", 2, "330.50", "659.00"),
        ("urban-dibao", 5, "659.99", "0.05"),
        ("rural-dibao", 2, "100", "760.00"),
        ("rural-dibao", 3, "479.99", "0.03"),
        ("rural-dibao", 4, "0.01", "1919.96"),
        ("urban-tekun", 1, "0", "990.00"),
        ("urban-tekun", 2, "5000", "1980.00"),
        ("rural-tekun", 3, "0", "1875.00"),
        ("rural-tekun", 7, "123.45", "4375.00"),
    ],
    ids=["urban dibao, 1 person, no income", "urban dibao, 2 persons, half the standard",
         "urban dibao, 5 persons, a fen below", "rural dibao, 2 persons, income 100",
         "rural dibao, 3 persons, a fen below", "rural dibao, 4 persons, one fen of income",
         "urban tekun, 1 person", "urban tekun ignores a large income",
         "rural tekun, 3 persons", "rural tekun, 7 persons, income ignored"],
)
def test_monthly_amount_by_category(table: StandardsTable, category: str, persons: int,
                                    income: str, monthly: str) -> None:
    result = engine.month_amount(table, house(table, category, persons, income), JAN)
    assert yuan(result.pay.base) == D(monthly)
    assert result.eligible


@pytest.mark.parametrize(
    ("category", "income", "eligible", "amount"),
    [
        ("urban-dibao", "0", True, "660.00"),
        ("urban-dibao", "659.99", True, "0.01"),
        ("urban-dibao", "660", False, "0.00"),
        ("urban-dibao", "660.01", False, "0.00"),
        ("rural-dibao", "479.99", True, "0.01"),
        ("rural-dibao", "480.00", False, "0.00"),
        ("rural-dibao", "480.01", False, "0.00"),
    ],
    ids=["urban, zero income", "urban, just below", "urban, equal", "urban, above",
         "rural, just below", "rural, equal", "rural, above"],
)
def test_income_boundaries(table: StandardsTable, category: str, income: str,
                           eligible: bool, amount: str) -> None:
    result = engine.month_amount(table, house(table, category, 1, income), JAN)
    assert result.eligible is eligible
    assert yuan(result.pay.base) == D(amount)


def test_rural_standard_is_not_rounded_before_use(table: StandardsTable) -> None:
    old = table.categories["rural-dibao"].values[0]
    assert old.monthly == Fraction(5150, 12)  # 429.1666…, kept exact (rule 1)
    result = engine.backpay(table.rounded_at(RoundingPoint.TOTAL), house(table, "rural-dibao", 1),
                          AUG)
    # The standard is exact; only amounts are rounded, at the rounding point.
    assert Fraction(result.exact, engine.EXACT_PER_YUAN) == (Fraction(480 * 8)
                                                            - Fraction(5150 * 8, 12))
    assert yuan(result.amount) == D("406.67")
    assert result.old.units == 515_000  # 429.1666… in 1/1200 yuan, exact
    assert yuan(result.rounder.fen(result.old.units)) == D("429.17")


def test_annual_old_rural_tekun_by_rounding_point(table: StandardsTable) -> None:
    # Rounded at the total, a year of the old standard is the yearly figure,
    # 6695 × 1; paid month by month it was 557.92 × 12 = 6695.04.
    household = house(table, "rural-tekun", 1)
    once = engine.backpay(table.rounded_at(RoundingPoint.TOTAL), household, Month(2020, 12))
    assert (yuan(once.paid), yuan(once.due), yuan(once.amount)) == (
        D("6695.00"), D("7500.00"), D("805.00"))
    monthly = engine.backpay(table, household, Month(2020, 12))
    assert (yuan(monthly.paid), yuan(monthly.due), yuan(monthly.amount)) == (
        D("6695.04"), D("7500.00"), D("804.96"))


def test_annual_amount_follows_the_rounding_point() -> None:
    # A yearly standard of 5761 is 480.0833… a month: paid as 480.08 each month,
    # a year is 5760.96; rounded at the total, 5761.00.
    text = (Path(__file__).parents[1] / "data" / "standards_2020.yaml").read_text(
        encoding="utf-8").replace('amount: "5760"', 'amount: "5761"')
    table = parse_standards(text, "rural dibao 5761 a year")
    household = house(table, "rural-dibao", 1)
    year = engine.annual_amount(table, household, 2020)
    assert (year.point, yuan(year.total)) == (RoundingPoint.HOUSEHOLD_MONTH, D("5760.96"))
    assert yuan(year.runs[0].total) == D("5760.96")
    once = engine.annual_amount(table.rounded_at(RoundingPoint.TOTAL), household, 2020)
    assert (once.point, yuan(once.total)) == (RoundingPoint.TOTAL, D("5761.00"))


def test_overpayment_is_reported_not_netted(table: StandardsTable) -> None:
    # Paid 9000.00 for a window that is due 1440.00 × … : back-pay is never negative.
    household = house(table, "urban-dibao", 3, "200")
    for point in RoundingPoint:
        result = engine.backpay(table.rounded_at(point), household, AUG, paid=D("12040.00"))
        assert (yuan(result.due), yuan(result.amount), yuan(result.overpaid)) == (
            D("11040.00"), D("0.00"), D("1000.00")), point
        under = engine.backpay(table.rounded_at(point), household, AUG, paid=D("11000.00"))
        assert (yuan(under.amount), yuan(under.overpaid)) == (D("40.00"), D("0.00"))
        exact = engine.backpay(table.rounded_at(point), household, AUG, paid=D("11040.00"))
        assert (exact.amount, exact.overpaid) == (0, 0)


@pytest.mark.parametrize(
    ("category", "persons", "annual"),
    [("urban-dibao", 1, "7920.00"), ("rural-dibao", 2, "11520.00"),
     ("urban-tekun", 1, "11880.00"), ("rural-tekun", 3, "22500.00")],
    ids=["urban dibao", "rural dibao", "urban tekun", "rural tekun"],
)
def test_annual_full_year(table: StandardsTable, category: str, persons: int,
                          annual: str) -> None:
    result = engine.annual_amount(table, house(table, category, persons), 2020)
    assert yuan(result.total) == D(annual)
    assert result.months == 12


def test_annual_counts_covered_months_only(table: StandardsTable) -> None:
    period = checks.coverage(Month(2020, 4), Month(2020, 9))
    result = engine.annual_amount(table, house(table, "rural-dibao", 1, "100"), 2020, period)
    assert [(str(run.first), str(run.last)) for run in result.runs] == [("2020-04", "2020-09")]
    assert result.months == 6
    assert yuan(result.total) == D("2280.00")  # (480 − 100) × 6


@pytest.mark.parametrize(
    ("start", "end", "months", "amount"),
    [
        (None, None, 8, "1440.00"),
        ("2020-03", None, 6, "1080.00"),
        (None, "2020-05", 5, "900.00"),
        ("2020-03", "2020-05", 3, "540.00"),
        ("2019-06", "2020-01", 1, "180.00"),
        ("2020-09", None, 0, "0.00"),
        ("2020-08", "2020-08", 1, "180.00"),
    ],
    ids=["covered all window", "enrolled in March", "left after May", "March to May only",
         "enrolled before, left in January", "enrolled after the window", "one month"],
)
def test_backpay_partial_coverage(table: StandardsTable, start: str | None, end: str | None,
                                  months: int, amount: str) -> None:
    period = checks.coverage(Month.parse(start) if start else None,
                           Month.parse(end) if end else None)
    result = engine.backpay(table, house(table, "urban-dibao", 3, "200"), AUG, period)
    assert result.months_counted == months
    assert yuan(result.amount) == D(amount)


def test_backpay_detail_rows(table: StandardsTable) -> None:
    result = engine.backpay(table, house(table, "urban-dibao", 3, "200"), Month(2020, 2))
    first = result.months()[0]
    assert (str(first.month), first.paid.rate.value.amount, first.due.rate.value.amount,
            yuan(first.paid.pay.total), yuan(first.due.pay.total), yuan(first.difference)) == (
        "2020-01", D("600"), D("660"), D("1200.00"), D("1380.00"), D("180.00"))
    assert [str(row.month) for row in result.months()] == ["2020-01", "2020-02"]


def test_actual_paid_replaces_computed_old_amount(table: StandardsTable) -> None:
    household = house(table, "urban-dibao", 3, "200")
    result = engine.backpay(table, household, AUG, paid=D("9000.50"))
    assert yuan(result.due) == D("11040.00")
    assert yuan(result.paid) == D("9000.50")
    assert yuan(result.amount) == D("2039.50")


def test_income_between_old_and_new_standard(table: StandardsTable) -> None:
    # Not eligible under 600, eligible under 660: back-pay is the whole new amount.
    result = engine.backpay(table, house(table, "urban-dibao", 1, "630"), AUG)
    assert result.months()[0].paid.pay.base == 0
    assert yuan(result.amount) == D("240.00")  # 30 × 8


def test_category_by_chinese_name(table: StandardsTable) -> None:
    assert households.resolve_category(table, "农村低保") == "rural-dibao"
    assert households.resolve_category(table, "城市特困救助供养基本生活标准") == "urban-tekun"
    assert households.resolve_category(table, "农村居民最低生活保障") == "rural-dibao"
    assert households.resolve_category(table, " Urban-Dibao ") == "urban-dibao"


def test_unknown_category_suggests(table: StandardsTable) -> None:
    with pytest.raises(UnknownCategory, match="did you mean urban-dibao") as caught:
        households.resolve_category(table, "urban-dibo")
    assert caught.value.suggestions[0] == "urban-dibao"
    with pytest.raises(UnknownCategory, match="did you mean 城市低保"):
        households.resolve_category(table, "城市底保")


@pytest.mark.parametrize(
    ("persons", "message"),
    [(0, "at least 1"), (-2, "at least 1"), (Decimal("1.5"), "whole number"),
     ("3", "whole number"), (True, "whole number")],
    ids=["zero", "negative", "fractional", "text", "boolean"],
)
def test_bad_persons(table: StandardsTable, persons: object, message: str) -> None:
    with pytest.raises(InvalidPersons, match=message):
        checks.household(table, "urban-dibao", persons)


@pytest.mark.parametrize(
    ("income", "message"),
    [(D("-1"), "negative"), (D("10.001"), "more than 2 decimals"), (D("NaN"), "not an amount")],
    ids=["negative", "three decimals", "not a number"],
)
def test_bad_income(table: StandardsTable, income: Decimal, message: str) -> None:
    with pytest.raises(InvalidIncome, match=message):
        checks.household(table, "urban-dibao", 1, income)


def test_bad_paid(table: StandardsTable) -> None:
    """An amount paid is the rules' to refuse (check_paid, registered over ``paid``), as
    every front end asks them before the engine computes."""
    with pytest.raises(InvalidAmount, match="more than 2 decimals"):
        rules.check(table, {"paid": D("1.001")})
    with pytest.raises(InvalidAmount, match="≥ 0"):
        rules.check(table, {"paid": D("-5")})
    rules.check(table, {"paid": D("1.00")})
    rules.check(table, {"paid": None})


def test_months_outside_the_table(table: StandardsTable) -> None:
    household = house(table, "urban-dibao", 1)
    with pytest.raises(MonthOutOfRange, match="before 2020-01"):
        engine.month_amount(table, household, Month(2019, 12))
    # No notice of 2021 is in the table: its months are refused, never computed at 2020's
    # or 2022's figures (docs/rules.md rule 13); and nothing after the table's end.
    with pytest.raises(MonthOutOfRange, match=r"^2021-01: the urban-dibao \(城市低保\) standard "
                       r"in force is not known: the 2021 notice is not in the standards table "
                       r"\(it knows 2020-01—2020-12, 2022-01—2024-12\)"):
        engine.month_amount(table, household, Month(2021, 1))
    with pytest.raises(MonthOutOfRange, match=r"^2021-01: the urban-dibao \(城市低保\) standard"):
        engine.backpay(table, household, Month(2021, 3))
    with pytest.raises(MonthOutOfRange, match="after 2024-12"):
        engine.month_amount(table, household, Month(2025, 1))
    with pytest.raises(MonthOutOfRange, match="after 2024-12"):
        engine.backpay(table, household, Month(2025, 3))
    for year in (2019, 2021, 2025):
        with pytest.raises(MonthOutOfRange):
            engine.annual_amount(table, household, year)


def test_start_after_end() -> None:
    with pytest.raises(InvalidPeriod, match="after end"):
        checks.coverage(Month(2020, 5), Month(2020, 4))


def test_window_before_raise(table: StandardsTable) -> None:
    with pytest.raises(WindowBeforeRaise, match="before 2020-01"):
        engine.backpay(table, house(table, "urban-dibao", 1), Month(2019, 12))


# A timeline with later values, whose rural units change from yearly to monthly.
def test_timeline_uses_the_standard_of_each_month(timeline: StandardsTable) -> None:
    household = checks.household(timeline, "rural-dibao", 1, D("0"))
    assert yuan(engine.month_amount(timeline, household, Month(2020, 12)).pay.base) == D("480.00")
    assert yuan(engine.month_amount(timeline, household, Month(2021, 1)).pay.base) == D("630.00")
    assert yuan(engine.month_amount(timeline, household, Month(2024, 6)).pay.base) == D("877.00")
    assert yuan(engine.annual_amount(timeline, household, 2022).total) == D("9060.00")


def test_backpay_across_a_later_raise(timeline: StandardsTable) -> None:
    # Paid the pre-2020 standard through 2021-02: the 2021 months are owed
    # the 2021 standard (rule 4) less the old one.
    household = checks.household(timeline, "urban-dibao", 1, D("0"))
    result = engine.backpay(timeline, household, Month(2021, 2))
    assert result.months_counted == 14
    assert yuan(result.amount) == D(60 * 12 + 200 * 2)


@pytest.mark.parametrize(("category", "income", "newly"), [
    ("urban-dibao", "599.99", False),  # eligible before the raise already
    ("urban-dibao", "600.00", True),   # at the old standard: not eligible then, now it is
    ("urban-dibao", "659.99", True),
    ("urban-dibao", "660.00", False),  # at the new standard: still not eligible
    ("rural-dibao", "429.16", False),  # below 429.1666…
    ("rural-dibao", "429.17", True),
    ("rural-dibao", "479.99", True),
    ("rural-dibao", "480.00", False),
    ("urban-tekun", "700.00", False),  # tekun is not income-tested
], ids=str)
def test_newly_eligible_by_the_raise(table: StandardsTable, category: str, income: str,
                                     newly: bool) -> None:
    # 应保尽保: per-capita income at or above the old standard, below the new one.
    assert engine.newly_eligible(table, house(table, category, 2, income),
                               table.raises[0]) is newly


@pytest.mark.parametrize(("supplement", "backpay", "monthly"), [
    ("20%", "1728.00", "1656.00"),    # (1656.00 − 1440.00) × 8: the supplement grows too
    ("50.00", "1440.00", "1430.00"),  # a fixed supplement: as without it
    ("", "1440.00", "1380.00"),
])
def test_supplement_worked_figures(table: StandardsTable, supplement: str, backpay: str,
                                   monthly: str) -> None:
    # docs/rules.md rule 11, urban-dibao, 3 persons, income 200, through 2020-08.
    given = fields.read_supplement(supplement)
    household = checks.household(table, "urban-dibao", 3, D("200"), given)
    for point in RoundingPoint:
        result = engine.backpay(table.rounded_at(point), household, AUG)
        assert yuan(result.amount) == D(backpay), point
    month = engine.month_amount(table, household, JAN)
    assert (yuan(month.pay.base), yuan(month.pay.total)) == (D("1380.00"), D(monthly))


def test_a_percentage_supplement_is_of_the_amount_as_rounded(table: StandardsTable) -> None:
    # Rural dibao, 1 person: 429.1666… a month at the old standard, paid as 429.17;
    # 12.5% of that is 53.64625, paid as 53.65 (household-month); of the exact
    # amount, 53.6458… (total).
    household = checks.household(table, "rural-dibao", 1, D(0), fields.read_supplement("12.5%"))
    paid = engine.backpay(table, household, AUG)
    assert yuan(paid.months()[0].paid.pay.supplement) == D("53.65")
    assert yuan(paid.paid) == (D("429.17") + D("53.65")) * 8
    assert yuan(paid.amount) == D("457.44")
    once = engine.backpay(table.rounded_at(RoundingPoint.TOTAL), household, AUG)
    assert yuan(once.amount) == D("457.50")  # 8 × (480 − 429.1666…) × 1.125


def test_no_supplement_in_a_month_without_dibao(table: StandardsTable) -> None:
    household = checks.household(table, "urban-dibao", 1, D("700"), fields.read_supplement("50"))
    month = engine.month_amount(table, household, JAN)
    assert (month.pay.base, month.pay.supplement, month.pay.total) == (0, 0, 0)


@pytest.mark.parametrize(("text", "message"), [
    ("abc", "'abc' is not a supplement; write 50.00 (yuan a month) or 20% (of the monthly "
            "dibao amount)"),
    ("20.555%", "'20.555%' is not a percentage"),
    ("101%", "101%: a supplement of more than 100 percent of the dibao amount"),
    ("１０１％", "101%: a supplement of more than 100 percent of the dibao amount"),
    ("-5", "'-5' is not a supplement"),
])
def test_a_bad_supplement_is_refused_with_its_words(table: StandardsTable, text: str,
                                                    message: str) -> None:
    # What is no supplement is its reader's to refuse, a percentage past 100 its rule's:
    # either way the supplement's problem, in the core's words.
    problems = fields.read_call(table, {"category": "urban-dibao", "persons": "1",
                                        "supplement": text})
    assert isinstance(problems, list)
    assert [problem.field for problem in problems] == ["supplement"]
    assert message in problems[0].message


def test_tekun_has_no_supplement(table: StandardsTable) -> None:
    with pytest.raises(InvalidSupplement,
                       match=re.escape("urban-tekun (城市特困) has no 分类施保 supplement")):
        checks.household(table, "urban-tekun", 1, D(0), fields.read_supplement("50"))
    assert str(fields.read_supplement("２０％")) == "20%"  # full-width, as typed in Chinese
    assert fields.read_supplement(" ") is None


@pytest.mark.parametrize(("month", "year", "start", "shown"), [
    pytest.param(Month(2020, 5), None, None, Month(2020, 5), id="the month asked for"),
    pytest.param(None, 2020, Month(2020, 3), Month(2020, 3), id="a year: its first covered month"),
    pytest.param(None, None, Month(2020, 4), Month(2020, 4), id="neither: the coverage's start"),
    pytest.param(None, None, None, Month(2020, 1), id="nothing: the table's first month"),
])
def test_the_month_an_entitlement_shows(table: StandardsTable, month: Month | None,
                                        year: int | None, start: Month | None,
                                        shown: Month) -> None:
    house = checks.household(table, "urban-dibao", 1)
    assert timeline.shown_month(table, house, checks.coverage(start, None), month, year) == shown


def test_a_month_outside_the_coverage_is_not_shown(table: StandardsTable) -> None:
    house = checks.household(table, "urban-dibao", 1)
    with pytest.raises(MonthOutOfRange, match="2020-02 is outside the coverage"):
        timeline.shown_month(table, house, checks.coverage(Month(2020, 3), None), Month(2020, 2))


RAISE_CASES = [
    # (category, persons, income, through, back-pay, months): docs/rules.md rule 12, one
    # case per raise and category; the old standard is the one in force the day before.
    ("urban-dibao", 3, "200", "2024-03", "585.00", 3),   # (989 − 924) × 3 × 3
    ("rural-dibao", 1, "0", "2024-02", "152.00", 2),     # (877 − 801) × 2
    ("urban-tekun", 1, "0", "2024-03", "0.00", 3),       # 1320, 继续执行
    ("rural-tekun", 2, "0", "2024-03", "540.00", 3),     # (1140 − 1050) × 2 × 3
    ("urban-dibao", 2, "100", "2023-01", "88.00", 1),    # (924 − 880) × 2
    ("rural-dibao", 4, "150.50", "2023-06", "1104.00", 6),  # (801 − 755) × 4 × 6
    ("rural-tekun", 1, "0", "2023-12", "0.00", 12),      # 1050, 继续执行
    ("urban-tekun", 3, "0", "2023-06", "0.00", 6),       # 1320, 继续执行
    ("urban-dibao", 1, "0", "2022-12", "960.00", 12),    # (880 − 800) × 12
    ("rural-dibao", 1, "700", "2022-02", "110.00", 2),   # newly eligible: (755 − 700) × 2
    ("urban-tekun", 1, "0", "2022-06", "720.00", 6),     # (1320 − 1200) × 6
    ("rural-tekun", 1, "0", "2022-06", "1260.00", 6),    # (1050 − 840) × 6, no care tier
]


@pytest.mark.parametrize(("category", "persons", "income", "through", "amount", "months"),
                         RAISE_CASES, ids=[f"{c} {t}" for c, _, _, t, _, _ in RAISE_CASES])
def test_back_pay_of_each_raise(table: StandardsTable, category: str, persons: int,
                                income: str, through: str, amount: str, months: int) -> None:
    result = engine.backpay(table, house(table, category, persons, income),
                            Month.parse(through))
    assert (engine.fen_text(result.amount), result.months_counted) == (amount, months)
    assert result.window_start == result.raised.first_month == Month(int(through[:4]), 1)


def test_the_raise_a_window_belongs_to(table: StandardsTable) -> None:
    assert timeline.choose_raise(table, Month(2022, 12)).first_month == Month(2022, 1)
    assert timeline.choose_raise(table, Month(2023, 1)).first_month == Month(2023, 1)
    assert timeline.choose_raise(table, Month(2022, 6), Month(2022, 1)).document == "zibo-2022"
    with pytest.raises(WindowAcrossRaise, match=r"through 2023-03 crosses the next raise, in "
                       r"force from 2023-01 \(淄民〔2023〕4号\); the back-pay of the raise of "
                       r"2022-01 runs through 2022-12 at the latest"):
        timeline.choose_raise(table, Month(2023, 3), Month(2022, 1))
    with pytest.raises(UnknownRaise, match="no raise took effect in 2021-01; the standards "
                       "table's raises took effect in 2020-01, 2022-01, 2023-01, 2024-01"):
        timeline.choose_raise(table, Month(2021, 3), Month(2021, 1))
    with pytest.raises(WindowBeforeRaise, match="through 2021-12 is before 2022-01"):
        timeline.choose_raise(table, Month(2021, 12), Month(2022, 1))


def test_newly_eligible_by_the_raise_of_its_window(table: StandardsTable) -> None:
    # Rural dibao, income 700: above the 630 paid before 2022, below 755 after.
    household = house(table, "rural-dibao", 1, "700")
    raised = timeline.choose_raise(table, Month(2022, 2))
    assert engine.newly_eligible(table, household, raised)
    assert not engine.newly_eligible(table, household, table.raises[0])
    result = engine.backpay(table, household, Month(2022, 2))
    assert (result.paid, result.due, result.amount) == (0, 11000, 11000)


def test_a_household_joining_inside_a_window(table: StandardsTable) -> None:
    # Covered from 2024-02: two of the 2024 raise's three months.
    result = engine.backpay(table, house(table, "urban-dibao", 3, "200"), Month(2024, 3),
                            checks.coverage(Month(2024, 2), None))
    assert (engine.fen_text(result.amount), result.months_counted) == ("390.00", 2)


def test_next_years_notice_is_an_edit_of_the_file_alone() -> None:
    # A made-up 2025 raise (test data), added to the shipped file as a clerk adds a real
    # one: no code changes, and its back-pay follows.
    shipped = REPO_TABLE.read_text(encoding="utf-8")
    table = parse_standards(with_made_up_2025_raise(shipped), "with 2025")
    household = house(table, "urban-dibao", 3, "200")
    result = engine.backpay(table, household, Month(2025, 3))
    assert (engine.fen_text(result.amount), result.raised.first_month) == ("279.00",
                                                                          Month(2025, 1))
    assert table.document(result.raised.document).backpay_due is not None
    assert yuan(engine.month_amount(table, household, Month(2025, 6)).pay.base) == D("2460.00")
    # The shipped table refuses the same month: nothing is computed at 2024's figures.
    with pytest.raises(MonthOutOfRange, match="after 2024-12"):
        engine.backpay(parse_standards(shipped, "shipped"), household, Month(2025, 3))


def test_the_docs_example_of_next_year_is_the_shipped_table_plus_that_edit() -> None:
    example = REPO_TABLE.parents[1] / "examples" / "standards_with_a_made_up_2025_raise.yaml"
    lines = example.read_text(encoding="utf-8").splitlines(keepends=True)
    assert "虚构" in lines[0]
    assert "EXAMPLE ONLY" in lines[1]  # (two lines saying so, then the table as edited)
    assert "".join(lines[2:]) == with_made_up_2025_raise(REPO_TABLE.read_text(encoding="utf-8"))
