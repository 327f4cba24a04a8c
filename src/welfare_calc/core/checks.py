"""The core's checks of a household's inputs: each bound and its words, once, for every
front end (docs/rules.md rule 9).

A front end reads a field's text (:mod:`welfare_calc.core.fields`) and puts the value
to these; the batch's fast paths ask them once per distinct value. A rule added here
holds everywhere.
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
from welfare_calc.core.money import decimal_places, parse_money
from welfare_calc.core.months import Month
from welfare_calc.core.numerals import ascii_numerals
from welfare_calc.core.table import CARE_TIER_ZH, CareTier, Payment, StandardsTable
from welfare_calc.core.words import N_, _


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


CARE_TIERS = {**{tier.value: tier for tier in CareTier},
              **{name: tier for tier, name in CARE_TIER_ZH.items()}}
"""Each spelling of a care tier: its id (``full-care``) or the notices' name (全护理)."""


def parse_care(text: str) -> CareTier | None:
    """A care tier as typed (its id or its Chinese name; empty: none given)."""
    cleaned = text.strip()
    if not cleaned:
        return None
    tier = CARE_TIERS.get(cleaned, CARE_TIERS.get(cleaned.lower()))
    if tier is None:
        shown = repr(text) if len(text) <= 40 else repr(text[:20] + "…")
        raise InvalidCare(_("{value} is not a care tier; write 全自理, 半护理 or 全护理 "
                            "(self-care, partial-care, full-care)").format(value=shown))
    return tier


def check_care(table: StandardsTable, category: str, care: CareTier | None) -> None:
    """A care tier goes with a category that pays care standards (tekun, rule 17)."""
    if care is not None and category not in table.care_categories:
        raise InvalidCare(_(
            "{category} ({name}) is paid no care standard: a care tier (照料护理等级) goes with "
            "tekun (特困供养) only").format(category=category,
                                           name=table.categories[category].short_zh))


def household(table: StandardsTable, category: str, persons: object,
              income: Decimal = Decimal(0), supplement: Supplement | None = None,
              care: CareTier | None = None) -> Household:
    """Validate a household's inputs against the table (see the ``check_*`` rules).

    A 分类施保 supplement is paid with dibao only (rule 11): tekun pays the
    full standard and has none. A care tier is tekun's only (rule 17).
    """
    key = households.resolve_category(table, category)  # (looked up when called)
    if supplement is not None and table.categories[key].payment is not Payment.GAP_FILLING:
        raise InvalidSupplement(_(
            "{category} ({name}) has no 分类施保 supplement: it is paid with dibao (低保) only, "
            "and tekun (特困供养) pays the full standard").format(
                category=key, name=table.categories[key].short_zh))
    check_care(table, key, care)
    return Household(category=key, persons=check_persons(persons),
                     income=check_income(income), supplement=supplement, care=care)


def coverage(start: Month | None = None, end: Month | None = None) -> Coverage:
    """A coverage period; a start after the end is refused."""
    if start is not None and end is not None and start > end:
        raise InvalidPeriod(_("start {start} is after end {end}; coverage runs start..end"
                              ).format(start=start, end=end))
    return Coverage(start, end)
