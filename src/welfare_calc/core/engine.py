"""The money engine: every amount the calculator gives, in exact integers.

Every monthly standard is a whole number of 1/1200 yuan (a yearly figure in fen
divided by 12 is a whole number of twelfths of a fen), and so is every income,
so the whole of docs/rules.md rules 2, 3, 4, 5, 7, 10, 11, 14 and 17 can be
done in exact integers, and rounded with the table's rule: each household-month
(the default) or the total once. No amount is ever a float, and none needs a
:class:`~fractions.Fraction`: the exact fractions live on in ``tests/oracle.py``,
as the oracle the tests hold this engine to.

One engine for every front end:

- **one household** (:func:`month_amount`, :func:`annual_amount`, :func:`backpay`):
  a single call on the command line, the page and its API.
  Its results carry the engine's own *runs* (months paid alike under one
  standard), which ``--explain`` writes out and the reports put under keys;
- **a roster** (:class:`BackpayEngine`; :class:`MonthPlan` for one month, as a
  payroll and the 公示 list's amounts): the batch's row path computes each row
  with the same month rule, and the column-wise lane (:mod:`welfare_calc.batch.rows.lane`)
  runs the integer rules below on NumPy arrays.

Both take their plan from the standards table itself: :func:`stretches` walks a
category's timeline (and its care standards) into runs of months paid alike.
A household-month is made by one function, :func:`pay_month`: its basic amount,
its 分类施保 supplement and its care amount, each rounded where the rounding
point says (rules 5, 11 and 17).

The integer rules (:func:`owed`, :func:`newly`, :func:`months_covered`,
:func:`half_up_fen`, :func:`window_backpay`) are arithmetic and comparisons only,
so that the same code runs on Python integers, for one household, and on NumPy
arrays, for a chunk of a million: :class:`Whole` says what they need of a number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, Protocol, Self, TypeVar

from welfare_calc.core import timeline
from welfare_calc.core.errors import MonthOutOfRange, WelfareCalcError
from welfare_calc.core.households import Coverage, Household, Supplement, category_of
from welfare_calc.core.money import RoundingMode, RoundingPoint, round_ratio, to_fen
from welfare_calc.core.months import Month
from welfare_calc.core.table import (
    CareTier,
    CareValue,
    Category,
    Dated,
    Document,
    Payment,
    Raise,
    Rounding,
    StandardsTable,
    StandardValue,
    in_force_on,
    known_spans,
)
from welfare_calc.core.words import _, listed

UNITS_PER_YUAN = 1200
"""1/12 of a fen: the unit in which every monthly standard is a whole number."""

UNITS_PER_FEN = UNITS_PER_YUAN // 100

SHARE_SCALE = 10_000
"""A percentage with two decimals is a whole number of 1/10000 (20% is 2000)."""

EXACT_PER_YUAN = UNITS_PER_YUAN * SHARE_SCALE
"""The unit of an exact amount (:attr:`Pay.exact`): 1/10000 of a unit, so that a month's
supplement of any percentage is whole."""

OPEN_START = 0
"""Month index standing for "covered since before the window"."""
OPEN_END = (1 << 17) - 1
"""Month index standing for "still covered" (after year 9999)."""


# The integer rules, for an int or a NumPy array of int64 alike.

class Whole(Protocol):
    """What the integer rules need of a number of units: an ``int``, or a NumPy array of
    them (the lane's). The core does not import NumPy; both have these operations.

    A comparison gives a ``bool`` or an array of them, which the rules only multiply a
    number by (``value * (value > 0)`` is ``max(value, 0)``) or combine with ``&``
    (:class:`Ordered` types those); the multiplication is called by its name,
    ``value.__mul__(flags)``, so that the result keeps the number's own type.
    """

    def __add__(self, other: Self | int, /) -> Self: ...
    def __sub__(self, other: Self | int, /) -> Self: ...
    def __rsub__(self, other: int, /) -> Self: ...
    def __mul__(self, other: Self | int, /) -> Self: ...
    def __floordiv__(self, other: Self | int, /) -> Self: ...
    def __gt__(self, other: Self | int, /) -> Any: ...
    def __lt__(self, other: Self | int, /) -> Any: ...


class Flags(Protocol):
    """What a comparison of :class:`Whole` numbers gives: a ``bool``, or an array of them."""

    def __and__(self, other: Self, /) -> Self: ...


F_co = TypeVar("F_co", bound=Flags, covariant=True)


class Ordered(Protocol[F_co]):
    """A :class:`Whole` number's comparisons, typed: they give :class:`Flags`."""

    def __lt__(self, other: Self | int, /) -> F_co: ...
    def __ge__(self, other: Self | int, /) -> F_co: ...
    def __gt__(self, other: Self | int, /) -> F_co: ...


WholeT = TypeVar("WholeT", bound=Whole)
F = TypeVar("F", bound=Flags)


def clipped(value: WholeT) -> WholeT:
    """``max(value, 0)``, by arithmetic alone, for an int or a NumPy array alike."""
    return value.__mul__(value > 0)


def owed(standard: WholeT, income: WholeT, gap: WholeT | int) -> WholeT:
    """What a standard owes one person a month, in units (docs/rules.md rules 2 and 3):
    ``max(0, S − y)`` where ``gap`` is 1 (dibao, 补差), ``S`` where it is 0 (tekun, 全额)."""
    return clipped(standard - income * gap)


def newly(gap: Ordered[F], old: Ordered[F], new: Ordered[F], income: Ordered[F]) -> F:
    """Whether the raise makes a household eligible (rule 10, :func:`newly_eligible`):
    dibao, an old standard there was (``old`` ≥ 0), income at or above it and below the
    new one."""
    return (gap > 0) & (old >= 0) & (income >= old) & (income < new)


def months_covered(start: WholeT, end: WholeT, first: WholeT | int,
                   last: WholeT | int) -> WholeT:
    """Months of the run ``first``..``last`` inside coverage ``start``..``end``."""
    later = start + (first - start).__mul__(first > start)  # max(start, first)
    sooner = end + (last - end).__mul__(last < end)  # min(end, last)
    return clipped(sooner - later + 1)


def half_up_fen(units: WholeT, step: int = UNITS_PER_FEN, unit_fen: int = 1) -> WholeT:
    """Non-negative ``units`` of 1/1200 yuan rounded half-up (四舍五入) to the rounding unit
    (``step`` units, ``unit_fen`` fen), in fen."""
    return (units * 2 + step) // (2 * step) * unit_fen


def window_backpay(months: WholeT, persons: WholeT, due: WholeT, paid: WholeT, *,
                   each_month: bool) -> WholeT:
    """Back-pay in fen of ``months`` equal months, a person's ``due`` and ``paid`` in units,
    rounded half-up to the fen (rule 5): each household-month as it is paid, or the
    window's exact total once."""
    if each_month:
        return months * (half_up_fen(persons * due) - half_up_fen(persons * paid))
    return half_up_fen(months * persons * (due - paid))


def monthly_units(value: StandardValue) -> int:
    """The exact monthly standard per person in 1/1200 yuan (5150/year → 515000)."""
    return int(value.amount * UNITS_PER_YUAN) // value.unit.months


def care_units(value: CareValue, tier: CareTier) -> int:
    """The exact monthly care standard of ``tier`` per person, in 1/1200 yuan."""
    return int(value.amount(tier) * UNITS_PER_YUAN) // value.unit.months


CENTS = tuple(f"{cents:02d}" for cents in range(100))
"""``"00"`` … ``"99"``: the fen part of an amount, for writing it without a format call."""


def fen_text(fen: int) -> str:
    """An amount in fen written as yuan with two decimals (``-5`` → ``-0.05``)."""
    if fen < 0:
        return "-" + fen_text(-fen)
    return f"{fen // 100}.{CENTS[fen % 100]}"


def written_fen(text: str) -> int:
    """The fen of an amount :func:`fen_text` wrote (``-0.05`` → ``-5``): what a front end
    reads back from the rows it wrote itself, never a user's text (for that, the core's
    readers of :mod:`~welfare_calc.core.fields`)."""
    return int(text.replace(".", ""))


# Rounding, a supplement and a household-month, in integers.

class Rounder:
    """The table's rounding (docs/rules.md rule 5) in integers: an amount to its unit,
    half-up (四舍五入) or half-even, in fen; and where: each household-month, or the total."""

    __slots__ = ("_half_up", "_mode", "_step", "_unit_fen", "monthly", "point")

    def __init__(self, rounding: Rounding) -> None:
        unit_fen = rounding.unit * 100
        if unit_fen != unit_fen.to_integral_value():  # (the standards file's validation)
            raise ValueError("the rounding unit must be a whole number of fen")
        self._unit_fen = int(unit_fen)
        self._step = self._unit_fen * UNITS_PER_FEN
        self._mode = rounding.mode
        self._half_up = rounding.mode is RoundingMode.HALF_UP
        self.point = rounding.point
        self.monthly = rounding.point is RoundingPoint.HOUSEHOLD_MONTH
        """Each household-month is rounded, as it is paid, and sums are of those."""

    @property
    def fen_step(self) -> bool:
        """Whether amounts are rounded half-up to the fen (the lane's arithmetic)."""
        return self._half_up and self._unit_fen == 1

    def fen(self, units: int) -> int:
        """``units`` of 1/1200 yuan rounded to the unit, in fen."""
        if units >= 0 and self._half_up:
            return (2 * units + self._step) // (2 * self._step) * self._unit_fen
        return round_ratio(units, self._step, self._mode) * self._unit_fen

    def exact(self, exact: int) -> int:
        """An exact amount (in 1/:data:`EXACT_PER_YUAN` yuan) rounded to the unit, in fen."""
        return round_ratio(exact, self._step * SHARE_SCALE, self._mode) * self._unit_fen

    def share(self, fen: int, share: int) -> int:
        """``share`` 1/10000 of an amount in fen, rounded to the unit, in fen."""
        return round_ratio(fen * share, SHARE_SCALE * self._unit_fen, self._mode) * self._unit_fen


class Extra(NamedTuple):
    """A 分类施保 supplement in integers: a fixed amount in fen, or a share in 1/10000."""

    fixed_fen: int | None
    share: int

    @classmethod
    def of(cls, supplement: Supplement | None) -> Extra | None:
        """The supplement's integers (None: none)."""
        if supplement is None:
            return None
        if supplement.fixed is not None:
            return cls(to_fen(supplement.fixed), 0)
        assert supplement.percent is not None
        return cls(None, int(supplement.percent * 100))


class Pay(NamedTuple):
    """One household-month: its basic amount, 分类施保 supplement and care amount, each
    rounded as paid (fen), and each exact (in 1/:data:`EXACT_PER_YUAN` yuan)."""

    base: int
    """The dibao (补差) or tekun basic (全额) amount, rounded."""
    supplement: int
    care: int
    """The care standard's amount (照料护理), rounded."""
    base_exact: int
    supplement_exact: int
    care_exact: int

    @property
    def total(self) -> int:
        """What the month pays, in fen: its parts, each rounded, added."""
        return self.base + self.supplement + self.care

    @property
    def exact(self) -> int:
        """What the month pays, exact."""
        return self.base_exact + self.supplement_exact + self.care_exact


def pay_month(rounder: Rounder, base: int, care: int, extra: Extra | None) -> Pay:
    """One household-month (docs/rules.md rules 2, 3, 5, 11 and 17), from its basic amount
    ``base`` and care amount ``care``, exact in units of 1/1200 yuan.

    Each part is rounded apart, as offices pay and report them: the basic
    amount, the supplement (paid only in a month of dibao paid: a fixed sum, or
    a percentage of the basic amount as the rounding point has it, rounded as
    paid under household-month, exact under total) and the care amount.
    """
    base_fen = rounder.fen(base)
    care_fen = rounder.fen(care) if care else 0
    if extra is None or base <= 0:
        return Pay(base_fen, 0, care_fen, base * SHARE_SCALE, 0, care * SHARE_SCALE)
    if extra.fixed_fen is not None:
        exact = extra.fixed_fen * UNITS_PER_FEN * SHARE_SCALE
        supplement = rounder.fen(extra.fixed_fen * UNITS_PER_FEN)
    elif rounder.monthly:  # of the amount as paid, then rounded
        exact = base_fen * UNITS_PER_FEN * extra.share
        supplement = rounder.share(base_fen, extra.share)
    else:  # of the exact amount
        exact = base * extra.share
        supplement = rounder.exact(exact)
    return Pay(base_fen, supplement, care_fen, base * SHARE_SCALE, exact, care * SHARE_SCALE)


# The plan: a category's timeline as stretches of months paid alike.

class Rate(NamedTuple):
    """What one person is owed a month over a stretch of months: the category's standard
    in force, and the care standard of a tier where one is given (rules 4 and 17)."""

    category_id: str
    category: Category
    value: StandardValue
    document: Document
    units: int
    """The monthly standard per person, in 1/1200 yuan (exact: rule 1)."""
    tier: CareTier | None = None
    care: CareValue | None = None
    care_document: Document | None = None
    care_units: int = 0
    """The tier's monthly care standard per person, in 1/1200 yuan (0: no tier)."""

    @property
    def gap(self) -> int:
        """1 where the category pays the gap (dibao, rule 2), 0 where the full standard."""
        return int(self.category.payment is Payment.GAP_FILLING)

    def same(self, other: Rate) -> bool:
        """Whether both are the same values of the table (the same documents)."""
        return self.value is other.value and self.care is other.care


def _rate(table: StandardsTable, category_id: str, value: StandardValue,
          tier: CareTier | None = None, care: CareValue | None = None) -> Rate:
    if tier is None or care is None:
        return Rate(category_id, table.categories[category_id], value,
                    table.document(value.document), monthly_units(value))
    return Rate(category_id, table.categories[category_id], value,
                table.document(value.document), monthly_units(value), tier, care,
                table.document(care.document), care_units(care, tier))


def _first_index(day: date) -> int:
    """The index of the first month whose first day is on or after ``day``: from which a
    value dated ``day`` is in force (rule 4: a month's standard is the one in force on its
    first day)."""
    return day.year * 12 + day.month - (day.day == 1)


V = TypeVar("V", bound=Dated)


def spans(values: Sequence[V], last: Month) -> list[tuple[int, int, V]]:
    """The months (indexes, inclusive) in which each dated value of a timeline is in force,
    up to ``last``, as :func:`welfare_calc.core.table.in_force` finds them: from its
    date until the next dated value, or through its ``through`` month (rule 15)."""
    dated = [value for value in values if value.effective is not None]
    found = []
    for position, value in enumerate(dated):
        assert value.effective is not None
        first, end = _first_index(value.effective), last.index
        if position + 1 < len(dated):
            following = dated[position + 1].effective
            assert following is not None
            end = min(end, _first_index(following) - 1)
        if value.through is not None:
            end = min(end, value.through.index)
        if first <= end:
            found.append((first, end, value))
    return found


def _containing(found: list[tuple[int, int, V]], index: int) -> tuple[int, V] | None:
    """The last month and value of the span holding month ``index``, if one does."""
    for first, end, value in found:
        if first <= index <= end:
            return end, value
    return None


def unknown_care(table: StandardsTable, month: Month) -> WelfareCalcError:
    """Why a care tier cannot be paid in ``month``: the table has no care standard for it
    (rule 17; the 2020 notice sets none)."""
    known = known_spans(table.care, table.covers_through)
    return MonthOutOfRange(_(
        "{month}: the standards table has no care standard (照料护理标准) for that month (it "
        "knows them for {known}); leave out the care tier to compute the basic standard "
        "alone").format(month=month, known=listed(f"{first}—{last}" for first, last in known)
                        or "—"), field="care")


Stretches = tuple[tuple[int, int, Rate], ...]
"""Months paid alike: (first and last month index, the rate)."""


def stretches(table: StandardsTable, category_id: str, tier: CareTier | None, first: Month,
              last: Month) -> Stretches:
    """The months ``first``..``last`` as stretches of months paid alike: (first and last
    month index, the rate). Each month's standard is the one in force on its first day
    (rule 4); a month the table does not know is refused, never computed at a
    neighbouring value (rule 15), and so is a care tier in a month without care
    standards (rule 17). A table's stretches are made once (:data:`PLANS_KEPT`)."""
    return _kept(_STRETCHES, table, (id(table), category_id, tier, first.index, last.index),
                 lambda: _stretches(table, category_id, tier, first, last))


def _stretches(table: StandardsTable, category_id: str, tier: CareTier | None, first: Month,
               last: Month) -> Stretches:
    category = category_of(table, category_id)
    base = spans(category.values, table.covers_through)
    care = spans(table.care, table.covers_through) if tier is not None else []
    found: list[tuple[int, int, Rate]] = []
    cursor = first.index
    while cursor <= last.index:
        held = _containing(base, cursor)
        if held is None:
            raise MonthOutOfRange(timeline.unknown_month(table, category_id,
                                                         Month.from_index(cursor)))
        end, value = min(held[0], last.index), held[1]
        care_value = None
        if tier is not None:
            care_held = _containing(care, cursor)
            if care_held is None:
                raise unknown_care(table, Month.from_index(cursor))
            end, care_value = min(end, care_held[0]), care_held[1]
        found.append((cursor, end, _rate(table, category_id, value, tier, care_value)))
        cursor = end + 1
    return tuple(found)


PLANS_KEPT = 4096
"""Plans (stretches, windows) kept, each made from a table once: a page serves the same
table call after call. The tables are immutable values; a plan is kept with its table,
and found again only for that very table."""
_STRETCHES: dict[tuple[int, str, CareTier | None, int, int],
                 tuple[StandardsTable, Stretches]] = {}
_WINDOWS: dict[tuple[int, str, CareTier | None, date, int],
               tuple[StandardsTable, Window]] = {}
K = TypeVar("K")
P = TypeVar("P")


_RAISES: dict[tuple[int, int, date | None], tuple[StandardsTable, Raise]] = {}


def _chosen(table: StandardsTable, through: Month, named: date | None) -> Raise:
    """:func:`timeline.choose_raise` of the raise that took effect on ``named`` (else the
    latest by ``through``), asked once for a table (:data:`PLANS_KEPT`); a window it
    refuses is refused each time."""
    return _kept(_RAISES, table, (id(table), through.index, named),
                 lambda: timeline.choose_raise(table, through,
                                               None if named is None else Month.of(named)))


def _kept(plans: dict[K, tuple[StandardsTable, P]], table: StandardsTable, key: K,
          make: Callable[[], P]) -> P:
    """The plan kept under ``key`` for this very ``table``, else made and kept (the store
    emptied when it holds :data:`PLANS_KEPT`); a plan that ``make`` refuses is refused each
    time it is asked for."""
    found = plans.get(key)
    if found is not None and found[0] is table:
        return found[1]
    made = make()
    if len(plans) >= PLANS_KEPT:
        plans.clear()
    plans[key] = (table, made)
    return made


class Window(NamedTuple):
    """A back-pay window's plan for one category and care tier (rules 7 and 14): the rate
    paid before the raise, and the stretches of what is due, from the raise's first
    month through ``through``."""

    raised: Raise
    through: Month
    old: Rate
    """The standard in force the day before the raise: what was paid."""
    due: Stretches


def window(table: StandardsTable, category_id: str, tier: CareTier | None, raised: Raise,
           through: Month) -> Window:
    """The plan of the back-pay of ``raised`` through ``through`` (a window
    :func:`timeline.choose_raise` has accepted), from the table's timelines; made once
    (:data:`PLANS_KEPT`)."""
    return _kept(_WINDOWS, table, (id(table), category_id, tier, raised.effective,
                                   through.index),
                 lambda: _window(table, category_id, tier, raised, through))


def _window(table: StandardsTable, category_id: str, tier: CareTier | None, raised: Raise,
            through: Month) -> Window:
    due = stretches(table, category_id, tier, raised.first_month, through)
    old = category_of(table, category_id).value_on(raised.day_before)
    assert old is not None  # the table's validation: every raise is comparable
    old_care = None
    if tier is not None:
        old_care = in_force_on(table.care, raised.day_before)
        if old_care is None:
            raise WelfareCalcError(_(
                "the raise of {start}: no care standard (照料护理标准) is known on {day}, the "
                "day before it, to compare with; leave out the care tier to compute the basic "
                "standard alone").format(start=raised.first_month, day=raised.day_before),
                field="care")
    return Window(raised, through, _rate(table, category_id, old, tier, old_care), due)


# One household: its months, its year, its back-pay, each with its runs.

def _index(month: Month | None, open_index: int) -> int:
    return open_index if month is None else month.index


class Run(NamedTuple):
    """Consecutive months a household is paid alike, under one rate: what ``--explain``
    writes out ("8 months × 480.00") and the totals are made of."""

    first: Month
    last: Month
    months: int
    """How many months: from ``first`` through ``last``."""
    rate: Rate
    persons: int
    income: int
    """Per-capita monthly income, in 1/1200 yuan."""
    per_person: int
    """What the standard owes one person a month, in units: max(0, S − y) (rule 2) or S."""
    pay: Pay
    """Each month of the run."""
    total: int
    """The run's total in fen as the rounding point has it: ``months`` months as paid
    (household-month), or the exact total rounded once (total)."""

    @property
    def exact(self) -> int:
        """The run's exact total, in 1/:data:`EXACT_PER_YUAN` yuan."""
        return self.pay.exact * self.months

    @property
    def eligible(self) -> bool:
        """Gap-filling pays only while income is below the standard (rule 2)."""
        return not self.rate.gap or self.per_person > 0

    @property
    def base(self) -> int:
        """Each month's basic amount, exact, in units: persons × :attr:`per_person`."""
        return self.per_person * self.persons

    @property
    def care(self) -> int:
        """Each month's care amount, exact, in units: persons × the care standard."""
        return self.rate.care_units * self.persons


def _run(rounder: Rounder, house: Household, income: int, extra: Extra | None, rate: Rate,
         first: int, count: int) -> Run:
    """``count`` months from month index ``first`` of ``house`` under ``rate``."""
    per_person = owed(rate.units, income, rate.gap)
    pay = pay_month(rounder, per_person * house.persons, rate.care_units * house.persons, extra)
    total = pay.total * count if rounder.monthly else rounder.exact(pay.exact * count)
    return Run(Month.from_index(first), Month.from_index(first + count - 1), count, rate,
               house.persons, income, per_person, pay, total)


def _covered_runs(rounder: Rounder, house: Household, income: int, extra: Extra | None,
                  found: Stretches, period: Coverage) -> list[Run]:
    start, end = _index(period.start, OPEN_START), _index(period.end, OPEN_END)
    runs = []
    for first, last, rate in found:
        count = months_covered(start, end, first, last)
        if count:
            runs.append(_run(rounder, house, income, extra, rate, max(first, start), count))
    return runs


def _sums(rounder: Rounder, runs: Sequence[Run]) -> tuple[int, int, int]:
    """The runs' total (fen, as the rounding point has it), exact total, and care part."""
    exact = sum(run.exact for run in runs)
    if rounder.monthly:
        return (sum(run.total for run in runs), exact,
                sum(run.pay.care * run.months for run in runs))
    return (rounder.exact(exact), exact,
            rounder.exact(sum(run.pay.care_exact * run.months for run in runs)))


def _household_parts(table: StandardsTable, house: Household) -> tuple[Rounder, int,
                                                                      Extra | None]:
    return Rounder(table.rounding), to_fen(house.income) * UNITS_PER_FEN, Extra.of(house.supplement)


def month_amount(table: StandardsTable, house: Household, month: Month) -> Run:
    """The household's amount for one month, under the standard then in force (rule 4),
    its care standard included where a tier is given (rule 17)."""
    rounder, income, extra = _household_parts(table, house)
    ((first, _last, rate),) = stretches(table, house.category, house.care, month, month)
    return _run(rounder, house, income, extra, rate, first, 1)


class Annual(NamedTuple):
    """A calendar year's entitlement: the sum of its covered months (rule 6)."""

    household: Household
    year: int
    coverage: Coverage
    runs: tuple[Run, ...]
    months: int
    """Covered months counted."""
    total: int
    """In fen: the sum of the rounded months, or the exact sum rounded once."""
    exact: int
    care: int
    """Its care part, in fen, rounded as :attr:`total` is."""
    rounder: Rounder

    @property
    def point(self) -> RoundingPoint:
        """Where its amounts are rounded."""
        return self.rounder.point


def annual_amount(table: StandardsTable, house: Household, year: int,
                  period: Coverage = Coverage()) -> Annual:
    """The year's entitlement: its covered months, summed as the rounding point says."""
    rounder, income, extra = _household_parts(table, house)
    first, last = Month(year, 1), Month(year, 12)
    if period.start is not None and period.start > first:
        first = period.start
    if period.end is not None and period.end < last:
        last = period.end
    found = stretches(table, house.category, house.care, first, last) if first <= last else ()
    runs = _covered_runs(rounder, house, income, extra, found, Coverage())
    total, exact, care = _sums(rounder, runs)
    return Annual(house, year, period, tuple(runs), sum(run.months for run in runs), total,
                  exact, care, rounder)


def raise_rates(table: StandardsTable, category_id: str, raised: Raise) -> tuple[Rate, Rate]:
    """The standards ``raised`` went from and to: in force the day before it (validated to
    be known), and in its first month."""
    category = category_of(table, category_id)
    old = category.value_on(raised.day_before)
    assert old is not None  # the table's validation: every raise is comparable
    ((_first, _last, new),) = stretches(table, category_id, None, raised.first_month,
                                        raised.first_month)
    return _rate(table, category_id, old), new


def newly_eligible(table: StandardsTable, house: Household, raised: Raise) -> bool:
    """Whether ``raised`` makes a dibao household eligible (应保尽保, rule 10): its
    per-capita income is at or above the old standard but below the new one.

    Tekun is not income-tested, so never. Coverage months stay the clerk's
    input: the calculator does not guess an approval date.
    """
    old, new = raise_rates(table, house.category, raised)
    return bool(newly(new.gap, old.units, new.units, to_fen(house.income) * UNITS_PER_FEN))


class BackpayMonth(NamedTuple):
    """One covered month of a back-pay window (``--detail``)."""

    month: Month
    paid: Run
    """The run of what was paid that month (the old standard)."""
    due: Run
    difference: int
    """Due minus paid, in fen: of the months as paid (household-month), or the exact
    difference rounded (total)."""


class Backpay(NamedTuple):
    """Back-pay (提标增补) for one household over the window of one raise (rules 7, 14)."""

    household: Household
    category: Category
    window_start: Month
    through: Month
    coverage: Coverage
    raised: Raise
    raise_document: Document
    old: Rate
    """What was paid a person a month: the rate in force the day before the raise."""
    pairs: tuple[tuple[Run, Run], ...]
    """For each stretch of the window the household is covered: the run due, and the run
    paid over the same months."""
    paid_given: int | None
    """The amount actually paid for the window, in fen, when known; it replaces the
    computed one."""
    due: int
    """Due for the window, in fen: the sum of the rounded months, or the exact sum rounded."""
    paid: int
    """Paid for the window, in fen: as given, else as :attr:`due` is made."""
    due_exact: int
    paid_exact: int
    amount: int
    """The back-pay in fen: what is still owed, never negative (rule 7)."""
    overpaid: int
    """What was paid beyond what is due (多发金额), when paid exceeds due; else 0."""
    care_due: int
    """The care part of :attr:`due`, in fen (0 without a care tier)."""
    care_paid: int
    """The care part of the computed amount paid, in fen."""
    rounder: Rounder

    @property
    def point(self) -> RoundingPoint:
        """Where its amounts are rounded."""
        return self.rounder.point

    @property
    def exact(self) -> int:
        """Due minus paid, exact, in 1/:data:`EXACT_PER_YUAN` yuan."""
        return self.due_exact - self.paid_exact

    @property
    def months_counted(self) -> int:
        """How many covered months the back-pay counts."""
        return sum(due.months for due, _ in self.pairs)

    @property
    def due_runs(self) -> tuple[Run, ...]:
        """The runs due, stretch by stretch."""
        return tuple(due for due, _ in self.pairs)

    @property
    def paid_runs(self) -> tuple[Run, ...]:
        """The runs of what was paid (computed at the old standard, shown even where an
        amount paid is given), a run of months paid alike written once."""
        merged: list[Run] = []
        for _due, paid in self.pairs:
            last = merged[-1] if merged else None
            if (last is not None and last.last + 1 == paid.first and last.pay == paid.pay
                    and last.rate.same(paid.rate)):
                count = last.months + paid.months
                total = (last.pay.total * count if self.rounder.monthly
                         else self.rounder.exact(last.pay.exact * count))
                merged[-1] = Run(last.first, paid.last, count, last.rate, last.persons,
                                 last.income, last.per_person, last.pay, total)
            else:
                merged.append(paid)
        return tuple(merged)

    def months(self) -> list[BackpayMonth]:
        """Each covered month of the window, in order (``--detail``)."""
        rows: list[BackpayMonth] = []
        for due, paid in self.pairs:
            difference = (due.pay.total - paid.pay.total if self.rounder.monthly
                          else self.rounder.exact(due.pay.exact - paid.pay.exact))
            rows.extend(BackpayMonth(Month.from_index(index), paid, due, difference)
                        for index in range(due.first.index, due.last.index + 1))
        return rows


def backpay(table: StandardsTable, house: Household, through: Month,
            period: Coverage = Coverage(), paid: Decimal | None = None,
            raised: Raise | None = None) -> Backpay:
    """Back-pay for the covered months from the raise through ``through`` (rules 7, 14).

    ``through`` is the last month paid at the old standard (no notice says when the
    new one was first paid, so it is required). For each covered month: due under
    the standard in force minus paid under the one in force the day before the
    raise, summed as the rounding point says. ``paid``, the amount actually paid
    for the window, replaces the computed old total when it is known.
    ``raised``: the raise (rule 14), else the latest in force by ``through``.
    """
    if through > table.covers_through:
        raise MonthOutOfRange(_(
            "through {through} is after {last}, the last month the standards table covers; add "
            "the later standard to the table first").format(through=through,
                                                           last=table.covers_through),
            field="through")
    raised = _chosen(table, through, None if raised is None else raised.effective)
    plan = window(table, house.category, house.care, raised, through)
    paid_fen = None if paid is None else to_fen(paid)  # (checked by the rules: checks.call)
    rounder, income, extra = _household_parts(table, house)
    due_runs = _covered_runs(rounder, house, income, extra, plan.due, period)
    pairs = tuple((run, _run(rounder, house, income, extra, plan.old, run.first.index,
                             run.months)) for run in due_runs)
    due, due_exact, care_due = _sums(rounder, [run for run, _ in pairs])
    computed, paid_exact, care_paid = _sums(rounder, [run for _, run in pairs])
    if paid_fen is not None:
        computed, paid_exact = paid_fen, paid_fen * UNITS_PER_FEN * SHARE_SCALE
    if rounder.monthly:  # what was paid, month by month, and what is due the same way
        amount, overpaid = max(due - computed, 0), max(computed - due, 0)
    else:  # the exact difference, rounded once
        net = due_exact - paid_exact
        amount = rounder.exact(net) if net > 0 else 0
        overpaid = rounder.exact(-net) if net < 0 else 0
    return Backpay(house, category_of(table, house.category), raised.first_month, through,
                   period, raised, table.document(raised.document), plan.old, pairs, paid_fen,
                   due, computed, due_exact, paid_exact, amount, overpaid, care_due, care_paid,
                   rounder)


# Many households: the batch's plan.

_Stretch = tuple[int, int, int, int, int, int]
"""Consecutive window months (first, last) whose standards are the same, in units a person:
due and paid, and the care standard due and paid."""

_Plan = tuple[int, tuple[_Stretch, ...], int, int, int]
"""For a category and care tier: 1 where it pays the gap, the stretches of the window, the
new monthly standard and the old one (for the newly-eligible rule), and the care standard
of the raise's first month."""


class Outcome(NamedTuple):
    """One household's batch result."""

    months: int
    """Months of the window counted."""
    backpay: int
    """Back-pay in fen: what is still owed, never negative."""
    monthly: int
    """The monthly amount under the new standard, in fen, every part included."""
    overpaid: int = 0
    """Paid beyond what is due, in fen (0 unless the amount paid exceeds it)."""
    newly_eligible: bool = False
    """Whether the raise makes the household eligible (:func:`newly_eligible`)."""
    monthly_base: int = 0
    """The monthly amount without its 分类施保 supplement and care, in fen."""
    monthly_supplement: int = 0
    """The monthly 分类施保 supplement, in fen."""
    monthly_care: int = 0
    """The monthly care amount (照料护理), in fen."""


class BackpayEngine:
    """The back-pay window of one table and one ``through``, ready for many households.

    Building it checks ``through`` with the core, so a plan exists only for a
    window the core accepts; each category's plan is made from the table
    (:func:`window`), a care tier's when a row first asks for it.
    """

    def __init__(self, table: StandardsTable, through: Month,
                 named: Month | None = None) -> None:
        _within_table(table, through)
        self.through = through
        self.raised = timeline.choose_raise(table, through, named)  # raises for a bad window
        self.window_start = self.raised.first_month
        self.rounder = Rounder(table.rounding)
        self.point = table.rounding.point
        self._table = table
        self.plans: dict[tuple[str, CareTier | None], _Plan] = {}
        for key in table.categories:
            self.plans[key, None] = self._plan(key, None)

    def _plan(self, category: str, tier: CareTier | None) -> _Plan:
        """The plan of ``category`` (and a care tier), from the table; refused as the core
        refuses the window (a month without a care standard, for a tier)."""
        plan = window(self._table, category, tier, self.raised, self.through)
        old = plan.old
        runs: list[_Stretch] = []
        for first, last, rate in plan.due:
            units = (rate.units, old.units, rate.care_units, old.care_units)
            if runs and runs[-1][2:] == units and runs[-1][1] == first - 1:
                runs[-1] = (runs[-1][0], last, *units)
            else:
                runs.append((first, last, *units))
        new = plan.due[0][2]
        return new.gap, tuple(runs), new.units, old.units, new.care_units

    def plan(self, category: str, tier: CareTier | None = None) -> _Plan:
        """The plan of a category and care tier (made when first asked; a refusal is the
        core's :class:`WelfareCalcError`, raised each time)."""
        found = self.plans.get((category, tier))
        if found is None:
            found = self.plans[category, tier] = self._plan(category, tier)
        return found

    def lane(self, category: str) -> tuple[bool, int, int, int, int, int, int] | None:
        """Constants for the arithmetic of :mod:`welfare_calc.batch.rows.lane`, usual case only.

        (gap-filling?, first and last month index of the window, due and
        paid standards, the new monthly standard and the old one in units) when
        the window is one run of equal standards and rounding is to the fen,
        half-up; else None. With them the lane runs this module's functions
        (:func:`owed`, :func:`months_covered`, :func:`window_backpay`,
        :func:`newly`) on whole chunks, exactly as :meth:`compute` runs them on one
        household, for a household with no amount paid given, no care tier and
        due ≥ paid.
        """
        gap, runs, new_standard, old_standard, _care = self.plans[category, None]
        if len(runs) != 1 or not self.rounder.fen_step:
            return None
        first, last, due, paid, _due_care, _paid_care = runs[0]
        return bool(gap), first, last, due, paid, new_standard, old_standard

    def compute(self, category: str, persons: int, income_fen: int, start: int, end: int,
                paid_fen: int | None, supplement: Supplement | None = None,
                care: CareTier | None = None) -> Outcome:
        """Months counted, back-pay and new monthly amount of one household.

        ``start`` and ``end`` are month indexes (:attr:`Month.index`), or
        :data:`OPEN_START` / :data:`OPEN_END`. ``supplement``: its 分类施保
        supplement (docs/rules.md rule 11), paid with each month of dibao;
        ``care``: its persons' care tier (rule 17). A care tier in a window
        without care standards is refused (:class:`WelfareCalcError`).
        """
        gap, runs, new_standard, old_standard, new_care = self.plan(category, care)
        rounder = self.rounder
        income = income_fen * UNITS_PER_FEN
        extra = Extra.of(supplement)
        months = due_total = paid_total = 0
        for run_first, run_last, due_standard, paid_standard, due_care, paid_care in runs:
            count = months_covered(start, end, run_first, run_last)
            if count:
                months += count
                due = pay_month(rounder, owed(due_standard, income, gap) * persons,
                                due_care * persons, extra)
                paid = pay_month(rounder, owed(paid_standard, income, gap) * persons,
                                 paid_care * persons, extra)
                if rounder.monthly:  # each month as paid, in fen
                    due_total += count * due.total
                    paid_total += count * paid.total
                else:
                    due_total += count * due.exact
                    paid_total += count * paid.exact
        first = pay_month(rounder, owed(new_standard, income, gap) * persons,
                          new_care * persons, extra)
        raised = bool(newly(gap, old_standard, new_standard, income))
        if paid_fen is not None:
            paid_total = paid_fen if rounder.monthly else paid_fen * UNITS_PER_FEN * SHARE_SCALE
        net = due_total - paid_total
        if not rounder.monthly:
            net = rounder.exact(net) if net >= 0 else -rounder.exact(-net)
        return Outcome(months, net if net > 0 else 0, first.total, -net if net < 0 else 0,
                       raised, first.base, first.supplement, first.care)


def _within_table(table: StandardsTable, through: Month) -> None:
    """Refuse (:class:`MonthOutOfRange`) a month after the last the table covers (rule 15)."""
    if through > table.covers_through:
        raise MonthOutOfRange(_(
            "through {through} is after {last}, the last month the standards table "
            "covers; add the later standard to the table first").format(
                through=through, last=table.covers_through), field="through")


class MonthPlan(BackpayEngine):
    """The batch's plan of one month alone, for the month's payroll (issue 30): a window
    that is ``month`` itself, at the standard in force in it (rule 4), care included
    (rule 17), so that every household of a roster is computed by the batch (its lane
    and its workers) exactly as :func:`month_amount` computes one:

    - ``months`` is 1 when ``month`` is in the household's coverage, 0 when not
      (:func:`months_covered`, rule 8);
    - ``monthly`` and its parts (``monthly_base``, ``monthly_supplement``,
      ``monthly_care``) are the month's amount.

    Nothing is owed back: what was paid is taken to be what is due, so back-pay and
    "newly eligible" say nothing here. A month the table cannot vouch for is refused
    (rule 15), for every category, as :func:`stretches` refuses it.
    """

    def __init__(self, table: StandardsTable, month: Month) -> None:
        _within_table(table, month)
        self.through = month
        self.window_start = month
        self.rounder = Rounder(table.rounding)
        self.point = table.rounding.point
        self._table = table
        first = next(iter(table.categories))
        # Not a raise: the month's own notice, for whatever names the plan's document.
        self.raised = Raise(date(month.year, month.month, 1),
                            timeline.standard_in_force(table, first, month).value.document)
        self.plans = {}
        for key in table.categories:
            self.plans[key, None] = self._plan(key, None)

    def _plan(self, category: str, tier: CareTier | None) -> _Plan:
        """One stretch, the month itself; paid as due (old = new)."""
        ((first, last, rate),) = stretches(self._table, category, tier, self.through,
                                           self.through)
        run = (first, last, rate.units, rate.units, rate.care_units, rate.care_units)
        return rate.gap, (run,), rate.units, rate.units, rate.care_units
