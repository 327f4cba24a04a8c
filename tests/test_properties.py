"""Properties of the money engine that must hold for every household (hypothesis)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from welfare_calc.core import checks, engine, households
from welfare_calc.core.money import RoundingMode, RoundingPoint, quantize, to_fen
from welfare_calc.core.months import Month
from welfare_calc.standards.loader import shipped_standards

TABLE = shipped_standards().table
CATEGORIES = st.sampled_from(sorted(TABLE.categories))
DIBAO = st.sampled_from(["urban-dibao", "rural-dibao"])
TEKUN = st.sampled_from(["urban-tekun", "rural-tekun"])
PERSONS = st.integers(min_value=1, max_value=12)
INCOME = st.integers(min_value=0, max_value=150_000).map(lambda fen: Decimal(fen) / 100)
MONTHS_2020 = st.integers(min_value=1, max_value=12).map(lambda m: Month(2020, m))


def household(category: str, persons: int, income: Decimal) -> households.Household:
    return checks.household(TABLE, category, persons, income)


@given(CATEGORIES, PERSONS, INCOME, MONTHS_2020)
def test_backpay_is_never_negative_for_a_raise(category: str, persons: int, income: Decimal,
                                               through: Month) -> None:
    result = engine.backpay(TABLE, household(category, persons, income), through)
    assert result.exact >= 0
    assert all(row.difference >= 0 for row in result.months())


@given(CATEGORIES, PERSONS, INCOME, MONTHS_2020, MONTHS_2020)
def test_split_window_adds_up_before_rounding(category: str, persons: int, income: Decimal,
                                              through: Month, cut: Month) -> None:
    house = household(category, persons, income)
    whole = engine.backpay(TABLE, house, through)
    before = engine.backpay(TABLE, house, through, checks.coverage(end=cut))
    after = engine.backpay(TABLE, house, through, checks.coverage(start=cut + 1))
    assert whole.exact == before.exact + after.exact
    assert whole.months_counted == before.months_counted + after.months_counted


@given(DIBAO, PERSONS, INCOME, INCOME, MONTHS_2020)
def test_higher_income_never_pays_more(category: str, persons: int, low: Decimal,
                                       high: Decimal, month: Month) -> None:
    low, high = min(low, high), max(low, high)
    poorer = engine.month_amount(TABLE, household(category, persons, low), month)
    richer = engine.month_amount(TABLE, household(category, persons, high), month)
    assert richer.exact <= poorer.exact
    assert richer.pay.total <= poorer.pay.total


@given(TEKUN, PERSONS, INCOME, INCOME, MONTHS_2020)
def test_tekun_ignores_income(category: str, persons: int, one: Decimal, other: Decimal,
                              month: Month) -> None:
    first = engine.month_amount(TABLE, household(category, persons, one), month)
    second = engine.month_amount(TABLE, household(category, persons, other), month)
    assert first.pay == second.pay
    assert first.base == first.rate.units * persons


@given(CATEGORIES, PERSONS, INCOME, MONTHS_2020, MONTHS_2020)
def test_annual_is_the_exact_sum_of_its_months(category: str, persons: int, income: Decimal,
                                               start: Month, end: Month) -> None:
    start, end = min(start, end), max(start, end)
    house = household(category, persons, income)
    result = engine.annual_amount(TABLE, house, 2020, checks.coverage(start, end))
    months = [engine.month_amount(TABLE, house, Month(2020, m))
              for m in range(start.month, end.month + 1)]
    assert result.exact == sum(month.exact for month in months)
    assert result.months == len(months)
    assert result.total == sum(month.pay.total for month in months)  # paid month by month
    once = engine.annual_amount(TABLE.rounded_at(RoundingPoint.TOTAL), house, 2020,
                                checks.coverage(start, end))
    exact = Fraction(once.exact, engine.EXACT_PER_YUAN)
    assert Decimal(once.total).scaleb(-2) == quantize(exact, Decimal("0.01"),
                                                      RoundingMode.HALF_UP)


@given(st.fractions(max_denominator=10_000).filter(lambda f: abs(f) < 10**9))
def test_quantize_is_within_half_a_fen(value: Fraction) -> None:
    rounded = quantize(value, Decimal("0.01"), RoundingMode.HALF_UP)
    assert abs(Fraction(rounded) - value) <= Fraction(1, 200)


def test_quantize_halves() -> None:
    half_up, half_even = RoundingMode.HALF_UP, RoundingMode.HALF_EVEN
    unit = Decimal("0.01")
    assert quantize(Fraction(1, 200), unit, half_up) == Decimal("0.01")
    assert quantize(Fraction(-1, 200), unit, half_up) == Decimal("-0.01")
    assert quantize(Fraction(1, 200), unit, half_even) == Decimal("0.00")
    assert quantize(Fraction(3, 200), unit, half_even) == Decimal("0.02")
    assert quantize(Fraction(2575, 6), unit, half_up) == Decimal("429.17")


PAID = st.none() | st.integers(min_value=0, max_value=3_000_000).map(lambda fen: Decimal(fen) / 100)


@given(CATEGORIES, PERSONS, INCOME, MONTHS_2020, PAID)
def test_rounded_at_the_total_is_the_exact_result_rounded_once(
        category: str, persons: int, income: Decimal, through: Month,
        paid: Decimal | None) -> None:
    # docs/rules.md rule 5, "total": the exact window rounded once, as before the
    # rounding point was a setting; an excess paid is reported, not netted.
    table = TABLE.rounded_at(RoundingPoint.TOTAL)
    result = engine.backpay(table, household(category, persons, income), through, paid=paid)
    once = to_fen(quantize(Fraction(abs(result.exact), engine.EXACT_PER_YUAN), Decimal("0.01"),
                           RoundingMode.HALF_UP))
    assert (result.amount, result.overpaid) == ((once, 0) if result.exact >= 0 else (0, once))


@given(CATEGORIES, PERSONS, INCOME, MONTHS_2020, PAID)
def test_rounded_per_household_month_is_a_sum_of_rounded_months(
        category: str, persons: int, income: Decimal, through: Month,
        paid: Decimal | None) -> None:
    # docs/rules.md rule 5, "household-month" (the shipped default): each month's
    # amount is rounded, as it is paid, and every sum is a sum of those.
    result = engine.backpay(TABLE, household(category, persons, income), through, paid=paid)
    months = result.months()
    due = sum(row.due.pay.total for row in months)
    was_paid = to_fen(paid) if paid is not None else sum(row.paid.pay.total for row in months)
    assert all(Decimal(row.due.pay.base).scaleb(-2) == quantize(
        Fraction(row.due.base, engine.UNITS_PER_YUAN), Decimal("0.01"), RoundingMode.HALF_UP)
               for row in months)
    assert (result.due, result.paid) == (due, was_paid)
    assert result.amount - result.overpaid == due - was_paid
    assert min(result.amount, result.overpaid) == 0
    year = engine.annual_amount(TABLE, household(category, persons, income), 2020)
    assert year.total == sum(run.pay.total * run.months for run in year.runs)
