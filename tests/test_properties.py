"""Properties of the core that must hold for every household (hypothesis)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from welfare_calc.core import calc, checks, households
from welfare_calc.core.money import RoundingMode, RoundingPoint, quantize
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
    result = calc.backpay(TABLE, household(category, persons, income), through)
    assert result.exact >= 0
    assert all(row.difference >= 0 for row in result.months)


@given(CATEGORIES, PERSONS, INCOME, MONTHS_2020, MONTHS_2020)
def test_split_window_adds_up_before_rounding(category: str, persons: int, income: Decimal,
                                              through: Month, cut: Month) -> None:
    house = household(category, persons, income)
    whole = calc.backpay(TABLE, house, through)
    before = calc.backpay(TABLE, house, through, checks.coverage(end=cut))
    after = calc.backpay(TABLE, house, through, checks.coverage(start=cut + 1))
    assert whole.exact == before.exact + after.exact
    assert whole.months_counted == before.months_counted + after.months_counted


@given(DIBAO, PERSONS, INCOME, INCOME, MONTHS_2020)
def test_higher_income_never_pays_more(category: str, persons: int, low: Decimal,
                                       high: Decimal, month: Month) -> None:
    low, high = min(low, high), max(low, high)
    poorer = calc.monthly_amount(TABLE, household(category, persons, low), month)
    richer = calc.monthly_amount(TABLE, household(category, persons, high), month)
    assert richer.exact <= poorer.exact


@given(TEKUN, PERSONS, INCOME, INCOME, MONTHS_2020)
def test_tekun_ignores_income(category: str, persons: int, one: Decimal, other: Decimal,
                              month: Month) -> None:
    first = calc.monthly_amount(TABLE, household(category, persons, one), month)
    second = calc.monthly_amount(TABLE, household(category, persons, other), month)
    assert first.amount == second.amount
    assert first.exact == first.standard.monthly * persons


@given(CATEGORIES, PERSONS, INCOME, MONTHS_2020, MONTHS_2020)
def test_annual_is_the_exact_sum_of_its_months(category: str, persons: int, income: Decimal,
                                               start: Month, end: Month) -> None:
    start, end = min(start, end), max(start, end)
    house = household(category, persons, income)
    result = calc.annual_amount(TABLE, house, 2020, checks.coverage(start, end))
    months = [calc.monthly_amount(TABLE, house, Month(2020, m))
              for m in range(start.month, end.month + 1)]
    assert result.exact == sum((month.exact for month in months), Fraction(0))
    assert result.amount == quantize(result.exact, Decimal("0.01"), RoundingMode.HALF_UP)


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
    result = calc.backpay(table, household(category, persons, income), through, paid=paid)
    once = quantize(abs(result.exact), Decimal("0.01"), RoundingMode.HALF_UP)
    assert (result.amount, result.overpaid) == (
        (once, Decimal("0.00")) if result.exact >= 0 else (Decimal("0.00"), once))


@given(CATEGORIES, PERSONS, INCOME, MONTHS_2020, PAID)
def test_rounded_per_household_month_is_a_sum_of_rounded_months(
        category: str, persons: int, income: Decimal, through: Month,
        paid: Decimal | None) -> None:
    # docs/rules.md rule 5, "household-month" (the shipped default): each month's
    # amount is rounded, as it is paid, and every sum is a sum of those.
    result = calc.backpay(TABLE, household(category, persons, income), through, paid=paid)
    due = sum((row.due.amount for row in result.months), Decimal(0))
    was_paid = paid if paid is not None else sum((row.paid.amount for row in result.months),
                                                 Decimal(0))
    assert all(row.due.amount == quantize(row.due.exact, Decimal("0.01"), RoundingMode.HALF_UP)
               for row in result.months)
    assert (result.due_total, result.paid_total) == (due, was_paid)
    assert result.amount - result.overpaid == due - was_paid
    assert min(result.amount, result.overpaid) == 0
    year = calc.annual_amount(TABLE, household(category, persons, income), 2020)
    assert year.amount == sum((month.amount for month in year.months), Decimal(0))
