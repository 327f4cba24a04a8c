"""The standards table as the core uses it: plain immutable values.

A standards file is validated once, strictly, by :mod:`welfare_calc.standards.model`
(pydantic) and becomes these values; :mod:`welfare_calc.standards.table_cache` keeps
them between calls as JSON, so a clerk's single call reads the table back
without importing pydantic or YAML. Nothing here validates: values arrive
here only from the model, or from a cache entry the model's output made.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from welfare_calc.core.money import RoundingMode, RoundingPoint
from welfare_calc.core.months import Month

SCHEMA = "welfare-calc/standards/1"
"""The standards file format these values come from."""


class Unit(StrEnum):
    """The period a standard is stated for."""

    PER_MONTH = "yuan/person/month"
    PER_YEAR = "yuan/person/year"

    @property
    def months(self) -> int:
        """How many months the stated amount covers."""
        return 12 if self is Unit.PER_YEAR else 1


class Payment(StrEnum):
    """How a programme pays (docs/rules.md rules 2 and 3)."""

    GAP_FILLING = "gap-filling"
    """补差: the standard minus per-capita income, times persons (dibao)."""
    FULL_STANDARD = "full-standard"
    """全额: the full standard times persons, whatever the income (tekun)."""


@dataclass(frozen=True, slots=True)
class Rounding:
    """Where and how reported amounts are rounded (docs/rules.md rule 5)."""

    unit: Decimal
    mode: RoundingMode
    point: RoundingPoint = RoundingPoint.HOUSEHOLD_MONTH


@dataclass(frozen=True, slots=True)
class Document:
    """A legal document that a figure rests on."""

    number: str
    title: str
    issuer: str
    issued: date | None
    basis: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class StandardValue:
    """One dated value of a standard; ``effective`` is None only for a first value whose
    start date the documents do not give (the figure a notice raised *from*)."""

    effective: date | None
    amount: Decimal
    unit: Unit
    document: str
    note: str | None = None

    @property
    def monthly(self) -> Fraction:
        """The exact monthly standard: a yearly figure divided by 12, unrounded."""
        return Fraction(self.amount) / self.unit.months


@dataclass(frozen=True, slots=True)
class Category:
    """A programme (urban dibao, …) and its timeline of values, in date order."""

    name_zh: str
    short_zh: str
    aliases: tuple[str, ...]
    name_en: str
    payment: Payment
    values: tuple[StandardValue, ...]

    def value_on(self, day: date) -> StandardValue | None:
        """The value in force on ``day``, or ``None`` before the timeline starts.

        An undated first value counts as in force on any day before the next
        value: it is what was paid up to the raise.
        """
        current: StandardValue | None = None
        for value in self.values:
            if value.effective is None or value.effective <= day:
                current = value
            else:
                break
        return current

    @property
    def first_dated(self) -> date:
        """The earliest date the timeline can vouch for."""
        return min(value.effective for value in self.values if value.effective is not None)


@dataclass(frozen=True, slots=True)
class RetroactiveRaise:
    """A raise decided late but in force from an earlier date (提标增补)."""

    effective: date
    document: str

    @property
    def first_month(self) -> Month:
        """The first month of every back-pay window."""
        return Month.of(self.effective)

    @property
    def day_before(self) -> date:
        """The day whose standard recipients kept being paid."""
        return self.effective - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class StandardsTable:
    """A whole standards table: documents, rounding, and the categories."""

    title: str
    jurisdiction: str
    covers_through: Month
    rounding: Rounding
    retroactive_raise: RetroactiveRaise
    documents: dict[str, Document]
    categories: dict[str, Category]

    def document(self, key: str) -> Document:
        """The document with this key (validation guarantees it exists)."""
        return self.documents[key]

    def rounded_at(self, point: RoundingPoint | None) -> StandardsTable:
        """This table with amounts rounded at ``point`` (``--rounding``), or as it is."""
        if point is None or point is self.rounding.point:
            return self
        return dataclasses.replace(self, rounding=dataclasses.replace(self.rounding,
                                                                      point=point))
