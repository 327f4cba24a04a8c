"""The calculation core: entitlements and back-pay, exact to the fen.

Pure functions of their inputs: a validated :class:`StandardsTable` and a
household. Nothing here reads a file, prints, or knows about click. Every
result is an immutable value carrying what an explanation needs (the
standard used, its document, the formula inputs, exact and rounded figures),
so that no caller ever recomputes anything.

The rules are those of docs/rules.md, cited by number where they apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from welfare_calc.core import words
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
from welfare_calc.core.money import RoundingPoint, decimal_places, parse_money, quantize
from welfare_calc.core.months import Month, month_range
from welfare_calc.core.numerals import ascii_numerals
from welfare_calc.core.table import (
    Category,
    Document,
    Payment,
    Raise,
    StandardsTable,
    StandardValue,
    known_spans,
)
from welfare_calc.core.words import N_, _

ZERO = Fraction(0)


@dataclass(frozen=True)
class Supplement:
    """A 分类施保 supplement paid with dibao (rule 11): a fixed amount of yuan a month,
    or a percentage of the household's monthly dibao amount."""

    fixed: Decimal | None = None
    """Yuan a month, whatever the dibao amount."""
    percent: Decimal | None = None
    """Percent of the monthly dibao amount (20 for 20%)."""

    def __str__(self) -> str:
        if self.percent is not None:
            return f"{self.percent.normalize():f}%"
        assert self.fixed is not None
        return f"{self.fixed:.2f}"


@dataclass(frozen=True)
class Household:
    """Who is paid: a validated category id, covered persons, per-capita monthly income,
    and a 分类施保 supplement when there is one."""

    category: str
    persons: int
    income: Decimal
    supplement: Supplement | None = None


@dataclass(frozen=True)
class Coverage:
    """The months a household is covered, inclusive; ``None`` means open-ended."""

    start: Month | None = None
    end: Month | None = None

    def covers(self, month: Month) -> bool:
        """Whether the household is covered in ``month``."""
        return (self.start is None or self.start <= month) and (
            self.end is None or month <= self.end
        )


@dataclass(frozen=True)
class AppliedStandard:
    """A standard as applied to one month: the value, its document, its monthly figure."""

    category_id: str
    category: Category
    value: StandardValue
    document: Document
    monthly: Fraction
    """Exact monthly standard per person (a yearly figure / 12, unrounded: rule 1)."""
    monthly_rounded: Decimal
    """The monthly standard rounded for display only; never used in arithmetic."""


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

    @property
    def total_exact(self) -> Fraction:
        """What the month pays: the amount and its supplement, exact."""
        return self.exact + self.supplement

    @property
    def total_amount(self) -> Decimal:
        """What the month pays, rounded: the rounded amount plus the rounded supplement."""
        return self.amount + self.supplement_amount

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


def category_names(table: StandardsTable) -> dict[str, str]:
    """Every accepted spelling of a category (id, Chinese names, aliases) → its id."""
    names: dict[str, str] = {}
    for key, category in table.categories.items():
        for name in (key, category.short_zh, category.name_zh, *category.aliases):
            names.setdefault(name, key)
    return names


def category_label(table: StandardsTable, key: str) -> str:
    """A category as a person reads it in the language in use: its short Chinese name
    (城市低保) in Chinese, its id (urban-dibao) in English."""
    category = table.categories.get(key)
    if category is not None and words.language().startswith("zh"):
        return category.short_zh
    return key


def resolve_category(table: StandardsTable, given: str) -> str:
    """The category id for an id or a Chinese name; a typo gets suggestions."""
    names = category_names(table)
    text = given.strip()
    if text in names:
        return names[text]
    if text.lower() in names:
        return names[text.lower()]
    import difflib  # noqa: PLC0415 - only for a name that is unknown

    close = difflib.get_close_matches(text.lower(), list(names), n=2, cutoff=0.6)
    suggestions = list(dict.fromkeys(close))
    known = [f"{key} ({category.short_zh})" for key, category in table.categories.items()]
    raise UnknownCategory(given, known, suggestions)


def check_income(income: Decimal) -> Decimal:
    """Per-capita monthly income must be ≥ 0 yuan with at most 2 decimals."""
    if not isinstance(income, Decimal) or not income.is_finite():
        raise InvalidIncome(_("{value} is not an amount of yuan").format(value=repr(income)))
    if income < 0:
        raise InvalidIncome(_("{income} is negative; per-capita monthly income is ≥ 0").format(
            income=income))
    if decimal_places(income) > 2:
        raise InvalidIncome(_("{amount} has more than 2 decimals; give yuan to the fen").format(
            amount=income))
    return income


def check_paid(paid: Decimal) -> Decimal:
    """An amount actually paid must be ≥ 0 yuan with at most 2 decimals."""
    if not isinstance(paid, Decimal) or not paid.is_finite() or paid < 0:
        raise InvalidAmount(_("{amount} is not an amount ≥ 0 yuan").format(amount=paid))
    if decimal_places(paid) > 2:
        raise InvalidAmount(_("{amount} has more than 2 decimals; give yuan to the fen").format(
            amount=paid))
    return paid


MAX_PERSONS = 999
"""Covered persons one household may have. A thousand or more in one row is a
typing mistake (or a column shifted), not a household."""
PERSONS_DIGITS = len(str(MAX_PERSONS))

NOT_PERSONS = N_("{value} is not a whole number of persons; write e.g. 3")
"""What a value that is no number of persons is told (here and by the readers of
:mod:`~welfare_calc.core.fields`)."""




def check_persons(persons: object) -> int:
    """Covered persons must be a whole number from 1 to :data:`MAX_PERSONS`."""
    if isinstance(persons, bool) or not isinstance(persons, int | Decimal | Fraction):
        raise InvalidPersons(_(NOT_PERSONS).format(value=repr(persons)))
    if persons != int(persons):
        raise InvalidPersons(_(NOT_PERSONS).format(value=persons))
    if persons < 1:
        raise InvalidPersons(_("{persons} persons: a household has at least 1 covered person"
                               ).format(persons=persons))
    if persons > MAX_PERSONS:
        shown = str(int(persons))
        shown = shown if len(shown) <= 20 else shown[:20] + "…"
        raise InvalidPersons(_("{persons} persons: more than {most} covered persons in one "
                               "household; check the number").format(persons=shown,
                                                                     most=MAX_PERSONS))
    return int(persons)


def check_month(month: Month, field: str = "month") -> Month:
    """A coverage or window month: any calendar month (Month itself refuses month 13 and
    year 0). The one place a rule on months would go, for every front end."""
    return month


MAX_PERCENT = Decimal(100)
"""The largest 分类施保 percentage: a supplement of more than the dibao amount itself
is a typing mistake."""


def parse_supplement(text: str) -> Supplement | None:
    """A 分类施保 supplement as typed: ``50.00`` (yuan a month) or ``20%`` (of the monthly
    dibao amount); empty means none. Digits and ``％`` may be full-width."""
    cleaned = ascii_numerals(text.strip()).replace("％", "%").strip()
    if not cleaned:
        return None
    shown = repr(text) if len(text) <= 40 else repr(text[:20] + "…")
    if cleaned.endswith("%"):
        try:
            percent = parse_money(cleaned[:-1].strip())
        except ValueError:
            raise InvalidSupplement(_(
                "{value} is not a percentage; write e.g. 20% (of the monthly dibao amount) "
                "or 50.00 (yuan a month)").format(value=shown)) from None
        return Supplement(percent=percent)
    try:
        return Supplement(fixed=parse_money(cleaned))
    except ValueError:
        raise InvalidSupplement(_(
            "{value} is not a supplement; write 50.00 (yuan a month) or 20% (of the monthly "
            "dibao amount)").format(value=shown)) from None


def check_supplement(supplement: Supplement) -> Supplement:
    """A supplement's bounds: a percentage of at most :data:`MAX_PERCENT`."""
    if supplement.percent is not None and supplement.percent > MAX_PERCENT:
        raise InvalidSupplement(_(
            "{supplement}: a supplement of more than {most} percent of the dibao amount; check "
            "the number").format(supplement=supplement, most=MAX_PERCENT))
    return supplement


def household(table: StandardsTable, category: str, persons: object,
              income: Decimal = Decimal(0), supplement: Supplement | None = None) -> Household:
    """Validate a household's inputs against the table (see the ``check_*`` rules).

    A 分类施保 supplement is paid with dibao only (rule 11): tekun pays the
    full standard and has none.
    """
    key = resolve_category(table, category)
    if supplement is not None and table.categories[key].payment is not Payment.GAP_FILLING:
        raise InvalidSupplement(_(
            "{category} ({name}) has no 分类施保 supplement: it is paid with dibao (低保) only, "
            "and tekun (特困供养) pays the full standard").format(
                category=key, name=table.categories[key].short_zh))
    return Household(category=key, persons=check_persons(persons),
                     income=check_income(income), supplement=supplement)


def coverage(start: Month | None = None, end: Month | None = None) -> Coverage:
    """A coverage period; a start after the end is refused."""
    if start is not None and end is not None and start > end:
        raise InvalidPeriod(_("start {start} is after end {end}; coverage runs start..end"
                              ).format(start=start, end=end))
    return Coverage(start, end)


def _category(table: StandardsTable, category_id: str) -> Category:
    if category_id not in table.categories:
        return table.categories[resolve_category(table, category_id)]
    return table.categories[category_id]


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
    category = _category(table, category_id)
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
    category = _category(table, category_id)
    for month in month_range(Month(year, 1), Month(year, 12)):
        if (period.covers(month) and month <= table.covers_through
                and category.value_in(month) is not None):
            return month
    raise MonthOutOfRange(_(
        "no month of {year} is both covered (--start/--end) and dated by the standards table "
        "for {category} ({name})").format(year=year, category=category_id,
                                          name=_category(table, category_id).short_zh),
        field="month")


def standard_in_force(table: StandardsTable, category_id: str, month: Month) -> AppliedStandard:
    """The standard in force in ``month`` (rule 4): the value in force on its first day.

    A month the table cannot vouch for is refused, never computed at a
    neighbouring value (rule 15): before its first dated value, after
    ``covers_through``, or in a gap no known value covers.
    """
    category = _category(table, category_id)
    value = category.value_in(month) if month <= table.covers_through else None
    if value is None:
        raise MonthOutOfRange(unknown_month(table, category_id, month))
    return apply_standard(table, category_id, value)


def unknown_month(table: StandardsTable, category_id: str, month: Month) -> str:
    """Why the table has no standard for ``month``: what is missing from it (rule 15)."""
    category = _category(table, category_id)
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


def _month_amount(table: StandardsTable, house: Household, month: Month,
                  standard: AppliedStandard) -> MonthAmount:
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
    return MonthAmount(month=month, standard=standard, persons=house.persons,
                       income=house.income, per_person=per_person, exact=exact,
                       amount=amount, supplement=supplement,
                       supplement_amount=_round(table, supplement))


def _round(table: StandardsTable, value: Fraction) -> Decimal:
    return quantize(value, table.rounding.unit, table.rounding.mode)


def monthly_amount(table: StandardsTable, house: Household, month: Month) -> MonthAmount:
    """The household's amount for one month under the standard then in force."""
    return _month_amount(table, house, month, standard_in_force(table, house.category, month))


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


def raise_standards(table: StandardsTable, category_id: str, raised: Raise
                    ) -> tuple[AppliedStandard, AppliedStandard]:
    """The standards ``raised`` went from and to: in force the day before it (validated to
    be known), and in its first month."""
    old_value = _category(table, category_id).value_on(raised.day_before)
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
    category = _category(table, house.category)
    old = raise_standards(table, house.category, raised)[0]
    if paid is not None:
        check_paid(paid)
    monthly_rounding = table.rounding.point is RoundingPoint.HOUSEHOLD_MONTH
    rows = []
    for month in month_range(window_start, through):
        due_standard = standard_in_force(table, house.category, month)
        if not period.covers(month):
            continue
        due = _month_amount(table, house, month, due_standard)
        was_paid = _month_amount(table, house, month, old)
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
                and last.supplement == amount.supplement
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
