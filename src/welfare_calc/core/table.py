"""The standards table as the core uses it: plain immutable values, and what is known when.

A standards file is validated once, strictly, by :mod:`welfare_calc.standards.spec`
(pydantic) and becomes these values; :mod:`welfare_calc.standards.table_cache` keeps
them between calls as JSON derived from these classes' own fields, so a clerk's
single call reads the table back without importing pydantic or YAML. Nothing here
validates: values arrive here only from the spec, or from a cache entry the spec's
output made.

The table is a timeline since 2020 (docs/rules.md rules 4, 14 and 15): each
category lists its dated values, and a value whose start no document gives is
*undated*. An undated value is the figure a later raise was raised *from*: it was
in force the day before that raise, and on no month the table can vouch for. A
dated value is in force from its date until the next dated value, or through its
``through`` month where the next start is not known. A month no value covers is
not known, and is refused, never computed at a neighbouring value.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import NamedTuple, Protocol, TypeVar

from welfare_calc.core.money import RoundingMode, RoundingPoint
from welfare_calc.core.months import Month

SCHEMA = "welfare-calc/standards/2"
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


class Known(StrEnum):
    """How a figure is known: what was seen of its document (docs/standards.md)."""

    NOTICE = "notice"
    """The document's own text was seen."""
    REISSUE = "reissue"
    """The document as another office re-issued it, word for word."""
    REPORT = "report"
    """Reports of the document (the press, another office's summary), not the document."""


class CareTier(StrEnum):
    """A tekun person's care tier (照料护理等级), which sets their care standard."""

    SELF_CARE = "self-care"
    """全自理: looks after themself."""
    PARTIAL_CARE = "partial-care"
    """半护理: partly dependent."""
    FULL_CARE = "full-care"
    """全护理: fully dependent."""

    @property
    def name_zh(self) -> str:
        """The tier as the notices name it."""
        return CARE_TIER_ZH[self]


CARE_TIER_ZH = {CareTier.SELF_CARE: "全自理", CareTier.PARTIAL_CARE: "半护理",
                CareTier.FULL_CARE: "全护理"}
"""The notices' names of the care tiers."""


class Rounding(NamedTuple):
    """Where and how reported amounts are rounded (docs/rules.md rule 5)."""

    unit: Decimal
    mode: RoundingMode
    point: RoundingPoint = RoundingPoint.HOUSEHOLD_MONTH


class Document(NamedTuple):
    """A legal document that figures rest on."""

    number: str
    """Its number (文号), or what is known in place of one."""
    title: str | None
    """Its title, or None where it is not known."""
    issuer: str
    issued: date | None
    """The day it was issued (成文日期), if known."""
    basis: str | None = None
    """The key of the document it rests on, if any."""
    source: str | None = None
    """Where its text (or the report of it) was seen."""
    backpay_due: date | None = None
    """The day by which the notice says the back-pay (增补) must be paid, if it sets one."""
    backpay_note: str | None = None
    """The notice's own words about that deadline."""


class StandardValue(NamedTuple):
    """One value of a standard: its amount, from when, and how it is known."""

    effective: date | None
    """The day it took effect; None when no document gives it (the figure a raise was
    raised *from*, in force the day before that raise)."""
    amount: Decimal
    unit: Unit
    document: str
    """The key of the document that states the figure."""
    known: Known
    seen: str | None = None
    """Where the figure was seen, in words (a report's name and date, a page)."""
    through: Month | None = None
    """The last month it is known to be in force, where the next value's start is not
    known; None: until the next dated value (or the table's end)."""
    note: str | None = None

    @property
    def monthly(self) -> Fraction:
        """The exact monthly standard: a yearly figure divided by 12, unrounded."""
        return Fraction(self.amount) / self.unit.months


class CareValue(NamedTuple):
    """One value of the care standards (照料护理标准) of tekun: an amount per tier."""

    effective: date | None
    """As :attr:`StandardValue.effective`."""
    tiers: tuple[tuple[CareTier, Decimal], ...]
    """Each tier's amount, in the order 全自理, 半护理, 全护理."""
    unit: Unit
    document: str
    known: Known
    seen: str | None = None
    through: Month | None = None
    note: str | None = None

    def amount(self, tier: CareTier) -> Decimal:
        """The tier's amount as stated."""
        return dict(self.tiers)[tier]

    def monthly(self, tier: CareTier) -> Fraction:
        """The tier's exact monthly standard."""
        return Fraction(self.amount(tier)) / self.unit.months


class Dated(Protocol):
    """A value of a timeline: in force from ``effective`` (None: since before the table
    begins), up to ``through`` where that is known (None: until the next value)."""

    @property
    def effective(self) -> date | None: ...

    @property
    def through(self) -> Month | None: ...


V = TypeVar("V", bound=Dated)


def _dated_on(values: Sequence[V], day: date) -> V | None:
    """The dated value covering ``day``: the last to take effect by then, unless its
    ``through`` month has passed."""
    found: V | None = None
    for value in values:
        if value.effective is not None and value.effective <= day:
            found = value
    if found is None or (found.through is not None and Month.of(day) > found.through):
        return None
    return found


def in_force(values: Sequence[V], month: Month) -> V | None:
    """The value in force in ``month`` (on its first day, rule 4), or None when the
    timeline does not know it: before its first dated value, past a value's ``through``,
    or where only an undated value stands."""
    return _dated_on(values, month.first_day)


def in_force_on(values: Sequence[V], day: date) -> V | None:
    """The value in force on ``day``: the undated value that a value taking effect the
    next day was raised from, else a dated value covering it, else None."""
    following = day + timedelta(days=1)
    for position, value in enumerate(values):
        if value.effective == following and position and values[position - 1].effective is None:
            return values[position - 1]
    return _dated_on(values, day)


def known_spans(values: Sequence[V], last: Month) -> list[tuple[Month, Month]]:
    """The runs of months, up to ``last``, whose value the timeline knows."""
    spans: list[tuple[Month, Month]] = []
    dated = [(Month.of(value.effective), value.through) for value in values
             if value.effective is not None]
    for position, (first, through) in enumerate(dated):
        following = dated[position + 1][0] if position + 1 < len(dated) else None
        end = min(through or (Month.from_index(following.index - 1) if following else last),
                  last)
        if first > end:
            continue
        if spans and spans[-1][1] + 1 >= first:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((first, end))
    return spans


class Floor(NamedTuple):
    """A standard that should not be below ``times`` the standard of category ``of`` in
    the same month (tekun: 1.3 times the dibao of its area). A warning, never a refusal."""

    of: str
    times: Decimal
    rule: str
    """The rule, in words, with its document."""


class Category(NamedTuple):
    """A programme (urban dibao, …) and its timeline of values, in date order."""

    name_zh: str
    short_zh: str
    aliases: tuple[str, ...]
    name_en: str
    payment: Payment
    values: tuple[StandardValue, ...]
    floor: Floor | None = None

    def value_in(self, month: Month) -> StandardValue | None:
        """The value in force in ``month``, or None where the timeline does not know it."""
        return in_force(self.values, month)

    def value_on(self, day: date) -> StandardValue | None:
        """The value in force on ``day`` (see :func:`in_force_on`)."""
        return in_force_on(self.values, day)

    @property
    def first_dated(self) -> date:
        """The earliest date the timeline can vouch for."""
        return min(value.effective for value in self.values if value.effective is not None)


class Raise(NamedTuple):
    """A raise decided late but in force from an earlier date (提标增补, rule 7)."""

    effective: date
    document: str

    @property
    def first_month(self) -> Month:
        """The first month of its back-pay window."""
        return Month.of(self.effective)

    @property
    def day_before(self) -> date:
        """The day whose standard recipients kept being paid until the raise was paid."""
        return self.effective - timedelta(days=1)


class StandardsTable(NamedTuple):
    """A whole standards table: documents, rounding, raises, categories and care."""

    title: str
    jurisdiction: str
    covers_through: Month
    """The last month the table can vouch for; later months are refused."""
    rounding: Rounding
    raises: tuple[Raise, ...]
    """Every retroactive raise, in date order."""
    documents: dict[str, Document]
    categories: dict[str, Category]
    care: tuple[CareValue, ...] = ()
    """The care standards of tekun (照料护理标准), a timeline like a category's."""
    care_categories: tuple[str, ...] = ()
    """The categories that pay a care standard beside the basic one (tekun)."""

    def document(self, key: str) -> Document:
        """The document with this key (validation guarantees it exists)."""
        return self.documents[key]

    def care_in(self, month: Month) -> CareValue | None:
        """The care standards in force in ``month``, or None where not known."""
        return in_force(self.care, month) if month <= self.covers_through else None

    def raise_by(self, through: Month) -> Raise | None:
        """The latest raise in force by ``through`` (its first month ≤ it), if any."""
        found = None
        last = (through.year, through.month)  # (compared as numbers: no Month made a raise)
        for raised in self.raises:
            if (raised.effective.year, raised.effective.month) <= last:
                found = raised
        return found

    def raise_after(self, raised: Raise) -> Raise | None:
        """The raise that follows ``raised``, if any."""
        later = [other for other in self.raises if other.effective > raised.effective]
        return later[0] if later else None

    def rounded_at(self, point: RoundingPoint | None) -> StandardsTable:
        """This table with amounts rounded at ``point`` (``--rounding``), or as it is."""
        if point is None or point is self.rounding.point:
            return self
        return self._replace(rounding=self.rounding._replace(point=point))


class Shortfall(NamedTuple):
    """Months in which a standard is below the floor its category names (a warning)."""

    category: str
    first: Month
    last: Month
    standard: StandardValue
    compared: StandardValue
    """The value of the category compared with (:attr:`Floor.of`) in those months."""
    floor: Floor

    @property
    def least(self) -> Fraction:
        """The floor: ``times`` the compared monthly standard, exact."""
        return self.compared.monthly * Fraction(self.floor.times)


def floor_shortfalls(table: StandardsTable) -> list[Shortfall]:
    """Every run of known months in which a category's standard is below its floor
    (docs/rules.md rule 16: tekun at least 1.3 times the dibao of its area, in principle):
    the table warns of these, and refuses nothing."""
    found: list[Shortfall] = []
    for key, category in table.categories.items():
        floor = category.floor
        if floor is None or floor.of not in table.categories:
            continue
        other = table.categories[floor.of]
        for first, last in known_spans(category.values, table.covers_through):
            for index in range(first.index, last.index + 1):
                month = Month.from_index(index)
                mine, theirs = category.value_in(month), other.value_in(month)
                if mine is None or theirs is None or (
                        mine.monthly >= theirs.monthly * Fraction(floor.times)):
                    continue
                previous = found[-1] if found else None
                if (previous is not None and previous.category == key
                        and previous.last + 1 == month and previous.standard == mine
                        and previous.compared == theirs):
                    found[-1] = previous._replace(last=month)
                else:
                    found.append(Shortfall(key, month, month, mine, theirs, floor))
    return found
