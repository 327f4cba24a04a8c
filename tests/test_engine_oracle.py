"""The money engine held to its oracle (issue 27 §2): every single call the engine makes,
a month, a year, a back-pay window, is what the exact fractions of ``tests/oracle.py``
compute month by month, to the fen, or both refuse it; and the properties of every
raise since 2020 (issue 28): back-pay summed over the raises is a month-by-month
recomputation from the timeline, and no month of a window lies outside its raise.
What writes the engine's integers out (exact amounts, a call's JSON) is held to what
it replaced."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

import oracle
from welfare_calc.core import checks, engine, fields, households, timeline
from welfare_calc.core.errors import WelfareCalcError
from welfare_calc.core.money import RoundingPoint, to_fen
from welfare_calc.core.months import Month
from welfare_calc.core.table import CareTier, StandardsTable, in_force_on
from welfare_calc.output.formats import Format, Lang
from welfare_calc.output.render import Cell, Report, render
from welfare_calc.output.text import exact_text, units_text
from welfare_calc.standards.loader import parse_standards, read_standards, shipped_standards

SHIPPED = shipped_standards().table
SHIPPED_TEXT = (Path(__file__).parents[1] / "data" / "standards_2020.yaml").read_text(
    encoding="utf-8")
ODD_CARE = parse_standards(SHIPPED_TEXT.replace(
    'tiers: {self-care: "240", partial-care: "685", full-care: "1090"}\n      unit: '
    'yuan/person/month',
    'tiers: {self-care: "2880.50", partial-care: "8220.25", full-care: "13080.07"}\n      '
    'unit: yuan/person/year').replace('amount: "5150"', 'amount: "5150.5"'), "odd care")
"""The shipped table with yearly care standards that are no whole number of fen a month
(and a yearly rural dibao figure of 5150.50): each part of a month rounds on its own."""
TIMELINE = read_standards(Path(__file__).parent / "standards_files" / "zibo_timeline.yaml").table
TABLES = [SHIPPED, ODD_CARE, TIMELINE]

MONTHS = st.integers(min_value=Month(2019, 10).index, max_value=Month(2025, 3).index).map(
    Month.from_index)


def yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


@st.composite
def households_of(draw: st.DrawFn, table: StandardsTable) -> households.Household:
    """A household the core accepts: any category, persons, income to the fen; a
    supplement for dibao, a care tier for a category paid care standards, or none."""
    category = draw(st.sampled_from(sorted(table.categories)))
    supplement = None
    care = None
    if category in table.care_categories:
        care = draw(st.none() | st.sampled_from(list(CareTier)))
    elif table.categories[category].payment.value == "gap-filling":
        supplement = draw(st.none() | st.sampled_from(["50.00", "20%", "12.5%", "33.33%",
                                                       "0.01"]).map(fields.read_supplement))
    return checks.household(table, category, draw(st.integers(1, 12) | st.just(120)),
                            yuan(draw(st.integers(0, 150_000))), supplement, care)


@st.composite
def cases(draw: st.DrawFn) -> tuple[StandardsTable, households.Household,
                                    households.Coverage]:
    table = draw(st.sampled_from(TABLES)).rounded_at(draw(st.sampled_from(list(RoundingPoint))))
    first, second = draw(st.none() | MONTHS), draw(st.none() | MONTHS)
    if first is not None and second is not None and first > second:
        first, second = second, first
    return table, draw(households_of(table)), households.Coverage(first, second)


T = TypeVar("T")


def made(call: Callable[[], T]) -> T | Refused:
    """What a call gives, or its refusal (by the field it names)."""
    try:
        return call()
    except WelfareCalcError as error:
        return Refused(error.field)


@dataclass(frozen=True)
class Refused:
    """A call refused, naming ``field``."""

    field: str | None


@settings(max_examples=400)
@given(cases(), MONTHS, st.none() | st.integers(0, 3_000_000).map(yuan))
def test_a_back_pay_window_is_its_oracles(case: tuple[StandardsTable, households.Household,
                                                      households.Coverage],
                                          through: Month, paid: Decimal | None) -> None:
    table, house, period = case
    expected = made(lambda: oracle.backpay(table, house, through, period, paid))
    result = made(lambda: engine.backpay(table, house, through, period, paid))
    if isinstance(expected, Refused) or isinstance(result, Refused):
        assert result == expected
        return
    assert (yuan(result.amount), yuan(result.overpaid), yuan(result.due), yuan(result.paid),
            result.months_counted) == (expected.amount, expected.overpaid, expected.due_total,
                                       expected.paid_total, expected.months_counted)
    assert Fraction(result.exact, engine.EXACT_PER_YUAN) == expected.exact
    assert result.raised == expected.raised
    # Month by month, as --detail shows them: the same months, amounts and differences.
    assert [(row.month, yuan(row.paid.pay.total), yuan(row.due.pay.total),
             yuan(row.difference)) for row in result.months()] == [
        (row.month, row.paid.total_amount, row.due.total_amount, row.difference_rounded)
        for row in expected.months]
    assert [(yuan(row.due.pay.care), yuan(row.paid.pay.care)) for row in result.months()] == [
        (row.due.care_amount, row.paid.care_amount) for row in expected.months]
    # The runs --explain writes out add up to the totals it states.
    if result.rounder.monthly:
        assert sum(run.total for run in result.due_runs) == result.due
        if paid is None:
            assert sum(run.total for run in result.paid_runs) == result.paid


@settings(max_examples=300)
@given(cases(), MONTHS)
def test_a_month_and_its_year_are_their_oracles(
        case: tuple[StandardsTable, households.Household, households.Coverage],
        month: Month) -> None:
    table, house, period = case
    expected = made(lambda: oracle.monthly_amount(table, house, month))
    result = made(lambda: engine.month_amount(table, house, month))
    if isinstance(expected, Refused) or isinstance(result, Refused):
        assert result == expected
    else:
        pay = result.pay
        assert (yuan(pay.base), yuan(pay.supplement), yuan(pay.care), yuan(pay.total)) == (
            expected.amount, expected.supplement_amount, expected.care_amount,
            expected.total_amount)
        assert Fraction(pay.exact, engine.EXACT_PER_YUAN) == expected.total_exact
    year = made(lambda: oracle.annual_amount(table, house, month.year, period))
    annual = made(lambda: engine.annual_amount(table, house, month.year, period))
    if isinstance(year, Refused) or isinstance(annual, Refused):
        assert annual == year
        return
    assert (yuan(annual.total), annual.months) == (year.amount, len(year.months))
    assert Fraction(annual.exact, engine.EXACT_PER_YUAN) == year.exact


@given(st.integers(-10**12, 10**12), st.sampled_from([1, 100, 1200, engine.EXACT_PER_YUAN]))
def test_an_exact_amount_is_written_as_its_fraction_is(units: int, per_yuan: int) -> None:
    assert units_text(units, per_yuan) == exact_text(Fraction(units, per_yuan))


# Every raise since 2020 (issue 28): a household covered from 2022 to 2024, its back-pay
# raise by raise, each window as long as it may be.

WINDOWS = [(raised, Month.from_index(following.first_month.index - 1)
            if (following := SHIPPED.raise_after(raised)) is not None
            else SHIPPED.covers_through) for raised in SHIPPED.raises[1:]]
"""The raises of 2022, 2023 and 2024, each with the last month its window may reach."""


@settings(max_examples=200)
@given(households_of(SHIPPED), st.integers(Month(2022, 1).index, Month(2024, 12).index),
       st.integers(0, 35))
def test_back_pay_over_the_raises_is_the_timeline_month_by_month(
        house: households.Household, start: int, length: int) -> None:
    # Paid each raise's old standard through the end of its window: what the raises owe
    # together is, month by month from the timeline, what was due that month less what
    # the standard of the day before its raise paid.
    period = households.Coverage(Month.from_index(start), Month.from_index(start + length))
    total = sum(engine.backpay(SHIPPED, house, last, period, raised=raised).amount
                - engine.backpay(SHIPPED, house, last, period, raised=raised).overpaid
                for raised, last in WINDOWS)
    expected = 0
    for raised, last in WINDOWS:
        category = SHIPPED.categories[house.category]
        old = category.value_on(raised.day_before)
        assert old is not None
        old_care = in_force_on(SHIPPED.care, raised.day_before)
        for index in range(raised.first_month.index, last.index + 1):
            month = Month.from_index(index)
            if not period.covers(month):
                continue
            due = oracle.monthly_amount(SHIPPED, house, month).total_amount
            standard = timeline.apply_standard(SHIPPED, house.category, old)
            before = oracle._month_amount(SHIPPED, house, month, standard,
                                          old_care if house.care is not None else None)
            expected += to_fen(due) - to_fen(before.total_amount)
    assert total == expected


@given(households_of(SHIPPED), st.integers(Month(2020, 1).index, Month(2024, 12).index),
       st.none() | st.sampled_from([raised.first_month for raised in SHIPPED.raises]))
def test_no_month_of_a_window_lies_outside_its_raise(house: households.Household,
                                                    through: int, named: Month | None) -> None:
    last = Month.from_index(through)
    try:
        result = engine.backpay(SHIPPED, house, last,
                                raised=None if named is None else timeline.choose_raise(
                                    SHIPPED, last, named))
    except WelfareCalcError:
        return  # (a window refused: before its raise, across the next, or a month unknown)
    following = SHIPPED.raise_after(result.raised)
    months = [row.month for row in result.months()]
    assert months == [Month.from_index(index) for index in
                      range(result.raised.first_month.index, last.index + 1)]
    assert all(result.raised.first_month <= month <= last for month in months)
    assert following is None or all(month < following.first_month for month in months)
    assert timeline.choose_raise(SHIPPED, last, result.raised.first_month) == result.raised


CELLS = st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.text()


@given(st.dictionaries(st.text(), CELLS, max_size=30))
def test_a_records_json_is_what_json_dumps_writes(record: dict[str, Cell]) -> None:
    # The one renderer writes a single call's JSON itself (json.dumps takes its slow,
    # pure-Python way whenever it indents): the same bytes, whatever the keys and cells.
    assert render(Report(record), Format.JSON, Lang.ZH) == json.dumps(
        record, ensure_ascii=False, indent=2) + "\n"
