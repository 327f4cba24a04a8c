"""The household rules: each bound of a household's values and its words, once, for every
front end (docs/rules.md rule 9).

Each rule is registered with the fields it reads (:func:`~welfare_calc.core.rules.rule`),
so that every front end asks it where it applies: a row read carefully or a single
call (:func:`~welfare_calc.core.rules.problems`), the batch's quick reading and its
column-wise lane once per distinct tuple of those fields
(:func:`~welfare_calc.core.rules.accepts`). A rule added here holds everywhere with no
other edit; ``tests/test_one_rule.py`` holds every front end to every rule registered.
A rule sees the household's values (:data:`~welfare_calc.core.rules.FIELDS`), never
text: reading a field is :mod:`welfare_calc.core.fields`'.

:func:`household`, :func:`coverage` and :func:`call` make a household and its coverage
from values already read, asking every rule over the fields they are given.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from welfare_calc.core import households
from welfare_calc.core.errors import (
    InvalidAmount,
    InvalidCare,
    InvalidIncome,
    InvalidPeriod,
    InvalidPersons,
    InvalidSupplement,
)
from welfare_calc.core.households import Coverage, Household, Supplement
from welfare_calc.core.money import decimal_places, two_places
from welfare_calc.core.months import Month
from welfare_calc.core.rules import check, rule, shipped
from welfare_calc.core.table import CareTier, Payment, StandardsTable
from welfare_calc.core.words import N_, _


@rule("income")
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


@rule("paid")
def check_paid(paid: Decimal | None) -> Decimal | None:
    """An amount actually paid, when given, must be ≥ 0 yuan with at most 2 decimals."""
    if paid is None:
        return None
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


@rule("persons")
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


MAX_PERCENT = Decimal(100)
"""The largest 分类施保 percentage: a supplement of more than the dibao amount itself
is a typing mistake."""


@rule("supplement")
def check_supplement(supplement: Supplement | None) -> Supplement | None:
    """A supplement's bounds: a percentage of at most :data:`MAX_PERCENT`."""
    percent = None if supplement is None else supplement.percent
    if percent is not None and percent > MAX_PERCENT:
        raise InvalidSupplement(_(
            "{supplement}: a supplement of more than {most} percent of the dibao amount; check "
            "the number").format(supplement=supplement, most=MAX_PERCENT))
    return supplement


@rule("category", "supplement", table=True)
def supplement_with_dibao(table: StandardsTable, category: str,
                          supplement: Supplement | None) -> None:
    """A 分类施保 supplement is paid with dibao only (rule 11): tekun pays the full standard
    and has none."""
    if supplement is not None and table.categories[category].payment is not Payment.GAP_FILLING:
        raise InvalidSupplement(_(
            "{category} ({name}) has no 分类施保 supplement: it is paid with dibao (低保) only, "
            "and tekun (特困供养) pays the full standard").format(
                category=category, name=table.categories[category].short_zh))


@rule("category", "care", table=True)
def check_care(table: StandardsTable, category: str, care: CareTier | None) -> None:
    """A care tier goes with a category that pays care standards (tekun, rule 17)."""
    if care is not None and category not in table.care_categories:
        raise InvalidCare(_(
            "{category} ({name}) is paid no care standard: a care tier (照料护理等级) goes with "
            "tekun (特困供养) only").format(category=category,
                                           name=table.categories[category].short_zh))


@rule("start", "end")
def check_coverage(start: Month | None, end: Month | None) -> None:
    """Coverage runs from its start to its end: a start after the end is refused."""
    if start is not None and end is not None and start > end:
        raise InvalidPeriod(_("start {start} is after end {end}; coverage runs start..end"
                              ).format(start=start, end=end))


def household(table: StandardsTable, category: str, persons: object,
              income: Decimal = Decimal(0), supplement: Supplement | None = None,
              care: CareTier | None = None) -> Household:
    """A household of values already read (its category an id or a name), put to every
    rule over these fields (a rule over its months or its id is not asked: see
    :func:`call`)."""
    key = households.resolve_category(table, category)
    income = _yuan(income)
    check(table, {"category": key, "persons": persons, "income": income,
                  "supplement": supplement, "care": care})
    return Household(category=key, persons=_count(persons), income=income,
                     supplement=supplement, care=care)


def coverage(start: Month | None = None, end: Month | None = None) -> Coverage:
    """A coverage period of months already read, put to every rule over its months alone
    (none of which reads the table)."""
    check(None, {"start": start, "end": end})
    return Coverage(start, end)


def call(table: StandardsTable, category: str, persons: object, income: Decimal = Decimal(0),
         start: Month | None = None, end: Month | None = None,
         supplement: Supplement | None = None, care: CareTier | None = None,
         paid: Decimal | None = None) -> tuple[Household, Coverage]:
    """A single call's household and coverage from values already read (the command
    line's options): every rule over a call's fields (all but the id, which a call does
    not have), the first refusal raised naming its field."""
    key = households.resolve_category(table, category)
    income, paid = _yuan(income), None if paid is None else _yuan(paid)
    check(table, {"category": key, "persons": persons, "income": income, "start": start,
                  "end": end, "paid": paid, "supplement": supplement, "care": care})
    return (Household(category=key, persons=_count(persons), income=income,
                      supplement=supplement, care=care), Coverage(start, end))


def _yuan(amount: Decimal) -> Decimal:
    """An amount as the rules see it, with two decimals (``200.5`` → ``200.50``); a value
    that is no amount to the fen as given, for its rule to refuse with its words."""
    try:
        return two_places(amount)
    except ValueError:
        return amount


def _count(persons: object) -> int:
    """Persons the rules accepted, as an int (a whole Decimal or Fraction too)."""
    assert isinstance(persons, int | Decimal | Fraction)
    return int(persons)


shipped()  # every rule above is registered: the registry may now be asked
