"""Which standard is in force when: a month's standard, the raise a back-pay window
belongs to, and the months the table cannot vouch for (docs/rules.md rules 4, 14, 15).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from welfare_calc.core import words
from welfare_calc.core.errors import (
    MonthOutOfRange,
    UnknownRaise,
    WindowAcrossRaise,
    WindowBeforeRaise,
)
from welfare_calc.core.households import Coverage, Household, category_of
from welfare_calc.core.money import quantize
from welfare_calc.core.months import Month, month_range
from welfare_calc.core.table import (
    Category,
    Document,
    Raise,
    StandardsTable,
    StandardValue,
    known_spans,
)
from welfare_calc.core.words import _


class AppliedStandard(NamedTuple):
    """A standard as applied to one month: the value, its document, its monthly figure."""

    category_id: str
    category: Category
    value: StandardValue
    document: Document
    monthly: Fraction
    """Exact monthly standard per person (a yearly figure / 12, unrounded: rule 1)."""
    monthly_rounded: Decimal
    """The monthly standard rounded for display only; never used in arithmetic."""


def apply_standard(table: StandardsTable, category_id: str,
                   value: StandardValue) -> AppliedStandard:
    """A table value with its document and exact and display monthly figures."""
    return AppliedStandard(
        category_id=category_id,
        category=table.categories[category_id],
        value=value,
        document=table.document(value.document),
        monthly=value.monthly,
        monthly_rounded=quantize(value.monthly, table.rounding.unit, table.rounding.mode),
    )


def first_month(table: StandardsTable, category_id: str) -> Month:
    """The first month the table gives an entitlement standard for."""
    category = category_of(table, category_id)
    spans = known_spans(category.values, table.covers_through)
    return spans[0][0] if spans else Month.of(category.first_dated)


def shown_month(table: StandardsTable, house: Household, period: Coverage,
                month: Month | None = None, year: int | None = None) -> Month:
    """The month an entitlement is shown for: ``month`` if given, else the first covered
    month of ``year``, else the coverage's start or the table's first month; a month
    outside the coverage is refused."""
    if month is not None:
        chosen = month
    elif year is not None:  # the monthly amount of the year asked for
        chosen = first_covered_month(table, house.category, year, period)
    else:
        chosen = period.start or first_month(table, house.category)
    if not period.covers(chosen):
        raise MonthOutOfRange(_("{month} is outside the coverage given by --start/--end"
                                ).format(month=chosen), field="month")
    return chosen


def first_covered_month(table: StandardsTable, category_id: str, year: int,
                        period: Coverage = Coverage()) -> Month:
    """The first month of ``year`` that the household is covered and the table dates.

    The month an entitlement is shown for when only a year is given: the
    annual amount and the monthly one then speak of the same year.
    """
    category = category_of(table, category_id)
    for month in month_range(Month(year, 1), Month(year, 12)):
        if (period.covers(month) and month <= table.covers_through
                and category.value_in(month) is not None):
            return month
    raise MonthOutOfRange(_(
        "no month of {year} is both covered (--start/--end) and dated by the standards table "
        "for {category} ({name})").format(year=year, category=category_id,
                                          name=category_of(table, category_id).short_zh),
        field="month")


def standard_in_force(table: StandardsTable, category_id: str, month: Month) -> AppliedStandard:
    """The standard in force in ``month`` (rule 4): the value in force on its first day.

    A month the table cannot vouch for is refused, never computed at a
    neighbouring value (rule 15): before its first dated value, after
    ``covers_through``, or in a gap no known value covers.
    """
    category = category_of(table, category_id)
    value = category.value_in(month) if month <= table.covers_through else None
    if value is None:
        raise MonthOutOfRange(unknown_month(table, category_id, month))
    return apply_standard(table, category_id, value)


def unknown_month(table: StandardsTable, category_id: str, month: Month) -> str:
    """Why the table has no standard for ``month``: what is missing from it (rule 15)."""
    category = category_of(table, category_id)
    spans = known_spans(category.values, table.covers_through)
    known = words.listed(f"{first}—{last}" for first, last in spans)
    if month > table.covers_through:
        return _("{month} is after {last}, the last month the standards table covers; add the "
                 "later standard to the table first").format(month=month,
                                                            last=table.covers_through)
    if spans and month < spans[0][0]:
        return _("{month} is before {earliest}, the first month the standards table dates for "
                 "{category} ({name}); the earlier figure has no known start date").format(
                     month=month, earliest=spans[0][0], category=category_id,
                     name=category.short_zh)
    return _("{month}: the {category} ({name}) standard in force is not known: the {year} "
             "notice is not in the standards table (it knows {known}); add it first").format(
                 month=month, category=category_id, name=category.short_zh, year=month.year,
                 known=known)


def raise_standards(table: StandardsTable, category_id: str, raised: Raise
                    ) -> tuple[AppliedStandard, AppliedStandard]:
    """The standards ``raised`` went from and to: in force the day before it (validated to
    be known), and in its first month."""
    old_value = category_of(table, category_id).value_on(raised.day_before)
    assert old_value is not None  # the table's validation: every raise is comparable
    return (apply_standard(table, category_id, old_value),
            standard_in_force(table, category_id, raised.first_month))


def choose_raise(table: StandardsTable, through: Month, named: Month | None = None) -> Raise:
    """The raise a back-pay window belongs to (rule 14): the one that took effect in
    ``named`` (``--raise``), else the latest in force by ``through``. Its window runs
    from its first month through ``through``, and may not reach the next raise."""
    if named is not None:
        raised = next((each for each in table.raises if each.first_month == named), None)
        if raised is None:
            known = words.listed(str(each.first_month) for each in table.raises)
            raise UnknownRaise(_("no raise took effect in {month}; the standards table's "
                                 "raises took effect in {known}").format(month=named,
                                                                        known=known))
    else:
        raised = table.raise_by(through)
        if raised is None:
            first = table.raises[0]
            raise WindowBeforeRaise(_(
                "through {through} is before {start}, when the first raise took effect; "
                "back-pay runs from a raise to the last month paid at the old standard").format(
                    through=through, start=first.first_month))
    if through < raised.first_month:
        raise WindowBeforeRaise(_(
            "through {through} is before {start}, when the raise took effect; back-pay runs "
            "from {start} to the last month paid at the old standard").format(
                through=through, start=raised.first_month))
    after = table.raise_after(raised)
    if after is not None and through >= after.first_month:
        last = Month.from_index(after.first_month.index - 1)
        raise WindowAcrossRaise(_(
            "through {through} crosses the next raise, in force from {next} ({document}); the "
            "back-pay of the raise of {start} runs through {last} at the latest: compute each "
            "raise apart").format(through=through, next=after.first_month,
                                  document=table.document(after.document).number,
                                  start=raised.first_month, last=last))
    return raised
