"""The oracle: docs/rules.md's money in exact fractions, month by month, as the rules
read, written apart from the engine that the product computes with.

This was the calculation core until the integer engine (:mod:`welfare_calc.core.engine`)
came to compute every amount (issue 27 §2). It stays here, in the tests only, so
that the engine is held to a second, plainer reading of the same rules: each
month looked up on its own (:func:`timeline.standard_in_force`, the table's
``care_in``), each amount a :class:`~fractions.Fraction` rounded by
:func:`~welfare_calc.core.money.quantize`. ``tests/test_engine_oracle.py`` holds
the engine's single calls to it, and ``tests/test_batch_properties.py`` the batch's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from welfare_calc.core.checks import check_paid
from welfare_calc.core.errors import MonthOutOfRange, WelfareCalcError
from welfare_calc.core.households import Coverage, Household, category_of
from welfare_calc.core.money import RoundingPoint, quantize
from welfare_calc.core.months import Month, month_range
from welfare_calc.core.table import (
    CareValue,
    Category,
    Document,
    Payment,
    Raise,
    StandardsTable,
    in_force_on,
)
from welfare_calc.core.timeline import (
    AppliedStandard,
    choose_raise,
    raise_standards,
    standard_in_force,
)
from welfare_calc.core.words import _

ZERO = Fraction(0)


@dataclass(frozen=True)
class MonthAmount:
    """What a household is due for one month under one standard."""

    month: Month
    standard: AppliedStandard
    persons: int
    income: Decimal
    per_person: Fraction
    """max(0, S − y) for gap-filling (rule 2), S for full standard (rule 3)."""
    exact: Fraction
    """The dibao or tekun amount itself (without a supplement)."""
    amount: Decimal
    """``exact`` rounded with the table's rule."""
    supplement: Fraction = ZERO
    """The month's 分类施保 supplement, exact (rule 11)."""
    supplement_amount: Decimal = Decimal(0)
    """``supplement`` rounded with the table's rule."""
    care: Fraction = ZERO
    """The month's care amount (照料护理, rule 17): the tier's standard × persons, exact."""
    care_amount: Decimal = Decimal(0)
    """``care`` rounded with the table's rule."""

    @property
    def total_exact(self) -> Fraction:
        """What the month pays: the amount, its supplement and its care, exact."""
        return self.exact + self.supplement + self.care

    @property
    def total_amount(self) -> Decimal:
        """What the month pays, rounded: each part rounded, then added."""
        return self.amount + self.supplement_amount + self.care_amount

    @property
    def eligible(self) -> bool:
        """Gap-filling pays only while income is below the standard (rule 2)."""
        if self.standard.category.payment is Payment.FULL_STANDARD:
            return True
        return Fraction(self.income) < self.standard.monthly


@dataclass(frozen=True)
class Run:
    """Consecutive months paid the same amount under the same standard.

    Explanations write a calculation out run by run ("8 months × 480.00")
    instead of month by month; the totals come from here, not the renderer.
    """

    first: Month
    last: Month
    each: MonthAmount
    count: int
    total: Fraction
    total_rounded: Decimal
    """The run's total as the table's rounding point has it: ``count`` rounded
    months (household-month), or the exact total rounded."""


@dataclass(frozen=True)
class AnnualAmount:
    """A calendar year's entitlement: the exact sum of its covered months (rule 6)."""

    household: Household
    year: int
    coverage: Coverage
    months: tuple[MonthAmount, ...]
    runs: tuple[Run, ...]
    exact: Fraction
    amount: Decimal
    """The sum of the rounded months, or the exact sum rounded once (:attr:`point`)."""
    point: RoundingPoint


@dataclass(frozen=True)
class BackpayMonth:
    """One month of the back-pay window (rule 7)."""

    month: Month
    paid_standard: AppliedStandard
    due_standard: AppliedStandard
    paid: MonthAmount
    """What the old standard paid; used unless the actual amount paid was given."""
    due: MonthAmount
    difference: Fraction
    difference_rounded: Decimal
    """Due minus paid as rounded (household-month: the rounded months' difference)."""


@dataclass(frozen=True)
class Backpay:
    """Back-pay (提标增补) for one household over the window."""

    household: Household
    category: Category
    window_start: Month
    through: Month
    coverage: Coverage
    months: tuple[BackpayMonth, ...]
    """The covered months of the window, in order."""
    paid_given: Decimal | None
    """The amount actually paid for the window, when known; replaces the computed one."""
    due_exact: Fraction
    paid_exact: Fraction
    exact: Fraction
    due_total: Decimal
    """Due for the window: the sum of the rounded months, or the exact sum rounded."""
    paid_total: Decimal
    """Paid for the window: as given, else as :attr:`due_total` is made."""
    amount: Decimal
    """The back-pay: what is still owed, never negative (rule 7)."""
    overpaid: Decimal
    """What was paid beyond what is due (多发金额), when paid exceeds due; else 0."""
    point: RoundingPoint
    raised: Raise
    """The raise whose back-pay this is (rule 14)."""
    raise_document: Document
    due_runs: tuple[Run, ...]
    paid_runs: tuple[Run, ...]
    """Runs of the computed old amounts (shown even when ``paid_given`` replaces them)."""

    @property
    def months_counted(self) -> int:
        """How many covered months the back-pay counts."""
        return len(self.months)


def _care_in(table: StandardsTable, house: Household, month: Month) -> CareValue | None:
    """The care standards of ``month`` where the household has a tier; refused where the
    table has none for that month (rule 17)."""
    if house.care is None:
        return None
    care = table.care_in(month)
    if care is None:
        raise WelfareCalcError(f"no care standard in {month}", field="care")
    return care


def _month_amount(table: StandardsTable, house: Household, month: Month,
                  standard: AppliedStandard, care: CareValue | None) -> MonthAmount:
    if standard.category.payment is Payment.GAP_FILLING:
        per_person = max(ZERO, standard.monthly - Fraction(house.income))  # rule 2
    else:
        per_person = standard.monthly  # rule 3: income does not reduce it
    exact = per_person * house.persons
    amount = _round(table, exact)
    supplement = ZERO
    given = house.supplement
    if given is not None and exact > 0:  # rule 11: with a month of dibao paid
        if given.fixed is not None:
            supplement = Fraction(given.fixed)
        else:
            assert given.percent is not None
            # Of the dibao amount as the rounding point has it: paid (rounded) or exact.
            base = (Fraction(amount) if table.rounding.point is RoundingPoint.HOUSEHOLD_MONTH
                    else exact)
            supplement = base * Fraction(given.percent) / 100
    care_exact = ZERO
    if care is not None and house.care is not None:
        care_exact = care.monthly(house.care) * house.persons
    return MonthAmount(month=month, standard=standard, persons=house.persons,
                       income=house.income, per_person=per_person, exact=exact,
                       amount=amount, supplement=supplement,
                       supplement_amount=_round(table, supplement), care=care_exact,
                       care_amount=_round(table, care_exact))


def _round(table: StandardsTable, value: Fraction) -> Decimal:
    return quantize(value, table.rounding.unit, table.rounding.mode)


def monthly_amount(table: StandardsTable, house: Household, month: Month) -> MonthAmount:
    """The household's amount for one month under the standard then in force."""
    standard = standard_in_force(table, house.category, month)
    return _month_amount(table, house, month, standard, _care_in(table, house, month))


def annual_amount(table: StandardsTable, house: Household, year: int,
                  period: Coverage = Coverage()) -> AnnualAmount:
    """The year's entitlement: the exact sum of covered months, rounded once (rule 6)."""
    months = tuple(
        monthly_amount(table, house, month)
        for month in month_range(Month(year, 1), Month(year, 12))
        if period.covers(month)
    )
    exact = _total(month.total_exact for month in months)
    point = table.rounding.point
    amount = (sum((month.total_amount for month in months), Decimal(0))
              if point is RoundingPoint.HOUSEHOLD_MONTH else _round(table, exact))
    return AnnualAmount(household=house, year=year, coverage=period, months=months,
                        runs=_runs(table, months), exact=exact,
                        amount=_fen_places(table, amount), point=point)


def newly_eligible(table: StandardsTable, house: Household, raised: Raise) -> bool:
    """Whether ``raised`` makes a dibao household eligible (应保尽保, rule 10): its
    per-capita income is at or above the old standard but below the new one.

    Tekun is not income-tested, so never. Coverage months stay the clerk's
    input: the calculator does not guess an approval date.
    """
    old, new = raise_standards(table, house.category, raised)
    if old.category.payment is not Payment.GAP_FILLING:
        return False
    return old.monthly <= Fraction(house.income) < new.monthly


def backpay(table: StandardsTable, house: Household, through: Month,
            period: Coverage = Coverage(), paid: Decimal | None = None,
            raised: Raise | None = None) -> Backpay:
    """Back-pay for the covered months from the raise through ``through`` (rule 7).

    ``through`` is the last month paid at the old standard (the notice does
    not say when the new one was first paid, so it is required). For each
    covered month: due under the standard in force minus paid under the
    standard in force the day before the raise; summed exactly, rounded once.
    ``paid``, the amount actually paid for the window, replaces the computed
    old total when it is known. ``raised``: the raise (rule 14), else the latest
    in force by ``through`` (:func:`choose_raise`).
    """
    if through > table.covers_through:
        raise MonthOutOfRange(_(
            "through {through} is after {last}, the last month the standards table covers; add "
            "the later standard to the table first").format(through=through,
                                                           last=table.covers_through),
            field="through")
    raised = choose_raise(table, through, None if raised is None else raised.first_month)
    window_start = raised.first_month
    category = category_of(table, house.category)
    old = raise_standards(table, house.category, raised)[0]
    old_care = None
    if house.care is not None:
        for month in month_range(window_start, through):  # every month has care standards
            _care_in(table, house, month)
        old_care = in_force_on(table.care, raised.day_before)
        if old_care is None:
            raise WelfareCalcError("no care standard the day before the raise", field="care")
    if paid is not None:
        check_paid(paid)
    monthly_rounding = table.rounding.point is RoundingPoint.HOUSEHOLD_MONTH
    rows = []
    for month in month_range(window_start, through):
        due_standard = standard_in_force(table, house.category, month)
        if not period.covers(month):
            continue
        due = _month_amount(table, house, month, due_standard, _care_in(table, house, month))
        was_paid = _month_amount(table, house, month, old, old_care)
        difference = due.total_exact - was_paid.total_exact
        rows.append(BackpayMonth(
            month=month, paid_standard=old, due_standard=due_standard, paid=was_paid, due=due,
            difference=difference,
            difference_rounded=(due.total_amount - was_paid.total_amount if monthly_rounding
                                else _round(table, difference))))
    due_exact = _total(row.due.total_exact for row in rows)
    paid_exact = (Fraction(paid) if paid is not None
                  else _total(row.paid.total_exact for row in rows))
    exact = due_exact - paid_exact
    if monthly_rounding:  # what was paid, month by month, and what is due the same way
        due_total = sum((row.due.total_amount for row in rows), Decimal(0))
        paid_total = paid if paid is not None else sum((row.paid.total_amount for row in rows),
                                                       Decimal(0))
        net = due_total - paid_total
        amount, overpaid = max(net, Decimal(0)), max(-net, Decimal(0))
    else:
        due_total, paid_total = _round(table, due_exact), _round(table, paid_exact)
        amount = _round(table, exact) if exact >= 0 else _round(table, ZERO)
        overpaid = _round(table, -exact) if exact < 0 else _round(table, ZERO)
    return Backpay(household=house, category=category, window_start=window_start, through=through,
                   coverage=period, months=tuple(rows), paid_given=paid,
                   due_exact=due_exact, paid_exact=paid_exact, exact=exact,
                   due_total=_fen_places(table, due_total),
                   paid_total=_fen_places(table, paid_total),
                   amount=_fen_places(table, amount), overpaid=_fen_places(table, overpaid),
                   point=table.rounding.point, raised=raised,
                   raise_document=table.document(raised.document),
                   due_runs=_runs(table, [row.due for row in rows]),
                   paid_runs=_runs(table, [row.paid for row in rows]))


def _total(values: Iterable[Fraction]) -> Fraction:
    return sum(values, ZERO)


def _fen_places(table: StandardsTable, amount: Decimal) -> Decimal:
    """A sum of rounded amounts (or a given one) written to the rounding unit's places."""
    return amount.quantize(table.rounding.unit)


def _runs(table: StandardsTable, amounts: Sequence[MonthAmount]) -> tuple[Run, ...]:
    groups: list[list[MonthAmount]] = []
    for amount in amounts:
        last = groups[-1][-1] if groups else None
        if (last is not None and last.month + 1 == amount.month and last.exact == amount.exact
                and last.supplement == amount.supplement and last.care == amount.care
                and last.standard.value == amount.standard.value):
            groups[-1].append(amount)
        else:
            groups.append([amount])
    runs = []
    for group in groups:
        total = _total(month.total_exact for month in group)
        rounded = (group[0].total_amount * len(group)
                   if table.rounding.point is RoundingPoint.HOUSEHOLD_MONTH
                   else _round(table, total))
        runs.append(Run(first=group[0].month, last=group[-1].month, each=group[0],
                        count=len(group), total=total, total_rounded=rounded))
    return tuple(runs)
